"""Board discovery: the serial ports of this machine, and what answers on them.

`list_ports()` is pyserial's port enumeration (device, USB VID:PID, serial
number, description).  `identify(port)` opens a port, sends the link
protocol's IDENTIFY_REQ (docs/protocol.md) a few times and decodes the
IDENTIFY reply: role, firmware version, dictionary hash, clock.  A board whose
hash differs from the flight software's gets the same "reflash" line as at
connect (hal.link.session.hash_mismatch_message).  `rover boards` prints both.

Opening a Mega 2560's port resets it (DTR), and its bootloader then waits
about a second before the firmware runs; the probe keeps asking for
`timeout_s` (default 3 s) to cover that.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass


@dataclass
class PortInfo:
    device: str
    vid_pid: str | None
    serial_number: str | None
    description: str


def list_ports() -> list[PortInfo]:
    from serial.tools import list_ports as lp
    out = []
    for p in sorted(lp.comports(), key=lambda p: p.device):
        vp = f"{p.vid:04X}:{p.pid:04X}" if p.vid is not None and p.pid is not None else None
        out.append(PortInfo(p.device, vp, p.serial_number, p.description or ""))
    return out


def port_for_serial(serial_number: str) -> str:
    """The device path of the USB serial port with this serial number."""
    for p in list_ports():
        if p.serial_number == serial_number:
            return p.device
    known = ", ".join(f"{p.serial_number} ({p.device})" for p in list_ports() if p.serial_number)
    raise LookupError(f"no serial port with serial number {serial_number!r} "
                      f"(ports with serial numbers: {known or 'none'})")


def identify(port: str, baud: int = 115200, timeout_s: float = 3.0) -> dict:
    """IDENTIFY on one port: a dict with role, version, hash, or an error."""
    import serial

    from common.dictionary import default_dictionary
    from hal.link import codec
    from hal.link.session import hash_mismatch_message

    d = default_dictionary()
    res: dict = dict(port=port)
    if not os.path.exists(port):
        res["error"] = f"port {port} does not exist"
        return res
    try:
        ser = serial.Serial(port, baud, timeout=0, exclusive=True)
    except (serial.SerialException, OSError) as e:
        res["error"] = f"cannot open {port}: {e}"
        return res
    dec = codec.FrameDecoder()
    req = codec.encode_frame(0, 0, 0, codec.T_IDENTIFY_REQ)
    ident = None
    try:
        ser.reset_input_buffer()
        ser.write(b"\x00")
        end, next_req = time.monotonic() + timeout_s, 0.0
        while ident is None and time.monotonic() < end:
            if time.monotonic() >= next_req:
                ser.write(req)
                next_req = time.monotonic() + 0.1
            data = ser.read(512)
            if not data:
                time.sleep(0.01)
                continue
            for f in dec.feed(data):
                if f.ftype == codec.T_IDENTIFY:
                    ident = codec.Identify.unpack(bytes(f.payload))
                    break
    finally:
        ser.close()
    if ident is None:
        res["error"] = (f"no IDENTIFY answer within {timeout_s:g} s (no board with our link "
                        f"protocol at {baud} baud)")
        return res
    roles = {b.role: name for name, b in d.boards.items()}
    role = roles.get(ident.role, f"unknown role {ident.role}")
    res.update(role=role, firmware=".".join(str(v) for v in ident.fw_version),
               dict_hash32=f"0x{ident.dict_hash32:08X}", clock_hz=ident.clock_hz,
               hash_ok=ident.dict_hash32 == d.hash32)
    if not res["hash_ok"]:
        res["reflash"] = hash_mismatch_message(role, port, ident.dict_hash32, d.hash32, d.hash)
    return res


def discover(extra_ports=(), baud: int = 115200, timeout_s: float = 3.0, probe: bool = True) -> list[dict]:
    rows = [asdict(p) for p in list_ports()]
    seen = {r["device"] for r in rows}
    for p in extra_ports:
        if p not in seen:
            rows.append(dict(device=p, vid_pid=None, serial_number=None, description="(given)"))
    if probe:
        for r in rows:
            r.update({k: v for k, v in identify(r["device"], baud, timeout_s).items() if k != "port"})
    return rows
