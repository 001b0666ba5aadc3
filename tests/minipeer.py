"""A second, minimal host-side peer of the board link, written from
docs/protocol.md alone: its own CRC, COBS, frame layout, session opening,
a selective-repeat sender (section 3.3: a window of commands, the board's
selective-ack byte, resending only what is lost) and payload decoding.  It shares no code
with csrc/link or hal.link, so the tests that use it prove the document is
enough to build a peer.  Packet layouts come from the dictionary file itself
(common/dictionary/rover.toml, read with tomllib), as docs/protocol.md 1.3
says they do.
"""
from __future__ import annotations

import os
import struct
import time
import tomllib
from pathlib import Path

ROVER_TOML = Path(__file__).resolve().parents[1] / "common" / "dictionary" / "rover.toml"

# section 1.3
CMD, ACK, NAK, TLM, EVENT, HEARTBEAT = 0x01, 0x02, 0x03, 0x10, 0x11, 0x20
IDENTIFY_REQ, IDENTIFY, CLOCK_REQ, CLOCK = 0x30, 0x31, 0x32, 0x33
F_ACK, F_OPEN, F_RETX = 0x01, 0x02, 0x04
WINDOW = 8                     # section 3.3
RTO_S = 0.3                    # our timer (section 3.4 allows 20 ms .. 2 s)


def crc16(data: bytes) -> int:
    """Section 1.2: poly 0x1021, init 0xFFFF, no reflection, no xorout."""
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def cobs_encode(data: bytes) -> bytes:
    """Section 1.4: blocks of up to 254 bytes, each led by 1 + its length."""
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block = bytearray()
        else:
            block.append(b)
            if len(block) == 254:
                out += b"\xff" + block
                block = bytearray()
    out += bytes([len(block) + 1]) + block
    return bytes(out)


def cobs_decode(packet: bytes) -> bytes | None:
    out, i = bytearray(), 0
    while i < len(packet):
        code = packet[i]
        if code == 0 or i + code > len(packet) + (0 if code == 1 else 0):
            return None
        out += packet[i + 1:i + code]
        i += code
        if code != 0xFF and i < len(packet):
            out.append(0)
    return bytes(out)


def frame(seq: int, ack: int, flags: int, ftype: int, payload: bytes = b"") -> bytes:
    """Section 1.1: header, payload, CRC high byte first; COBS; a 0x00 ends it."""
    body = bytes([seq & 0xFF, ack & 0xFF, flags, ftype]) + payload
    c = crc16(body)
    return cobs_encode(body + bytes([c >> 8, c & 0xFF])) + b"\x00"


def parse(packet: bytes):
    """(seq, ack, flags, type, payload) of one COBS packet, or None if damaged."""
    raw = cobs_decode(packet)
    if raw is None or len(raw) < 6 or crc16(raw) != 0:
        return None
    return raw[0], raw[1], raw[2], raw[3], raw[4:-2]


class Layouts:
    """TLM packet layouts and board command layouts from the dictionary file."""

    FMT = {"i8": "b", "u8": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I"}

    def __init__(self, path: Path = ROVER_TOML):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        self.packets = {}
        for pk in doc["packet"]:
            fields = pk["fields"]
            fmt = "<B" + "".join(f"{f.get('count', 1)}{self.FMT[f['type']]}" for f in fields)
            self.packets[pk["id"]] = (pk["name"], struct.Struct(fmt), fields)
        self.commands = {c["name"]: c for c in doc["command"] if "board" in c}
        self.status = {s["name"]: s["code"] for s in doc["cmd_status"]}

    def decode_tlm(self, payload: bytes) -> tuple[str, dict]:
        name, st, fields = self.packets[payload[0]]
        raw, out, i = st.unpack(payload), {}, 1
        for f in fields:
            n = f.get("count", 1)
            vals = [v * f.get("scale", 1) for v in raw[i:i + n]]
            out[f["name"]] = vals if n > 1 else vals[0]
            i += n
        return name, out

    def command(self, name: str, **args) -> bytes:
        c = self.commands[name]
        return struct.pack("<H", c["opcode"]) + b"".join(
            struct.pack("<" + self.FMT[a["type"]], args[a["name"]]) for a in c.get("args", []))


def decode_event(payload: bytes) -> tuple:
    """Section 1.6."""
    if payload[0] == 1:
        _, seq, opcode, status, detail = struct.unpack("<BBHBi", payload)
        return ("CMD_RESULT", seq, opcode, status, detail)
    if payload[0] == 2:
        _, ms, bit, on, flags, detail = struct.unpack("<BIBBHi", payload)
        return ("FAULT", ms, bit, bool(on), flags, detail)
    return ("UNKNOWN", payload[0])


class Peer:
    """The host end of one board link on a tty path (raw bytes, os.read/write)."""

    def __init__(self, path: str, layouts: Layouts | None = None):
        import tty
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        self.lay = layouts or Layouts()
        self.buf = bytearray()
        self.tlm: dict[str, dict] = {}
        self.events: list[tuple] = []
        self.identify = None
        self.acked = -1
        self.t0 = time.monotonic()
        # selective-repeat sender state (section 3.3), per outstanding seq:
        # [payload, flags, state, tries, first stamp, last stamp, NAK resend done]
        self.base = self.next = 0
        self.out: dict[int, list] = {}
        self.stamp = 0                    # CMD frames sent so far
        self.retransmits = 0
        self.timer = None                 # when the retransmission timer started
        self.rto_s = RTO_S
        self.lose_next: set[int] = set()  # stamps whose frame we do not write (a lossy line)
        os.write(self.fd, b"\x00")          # section 1.4: flush a receiver mid-frame

    def close(self):
        os.close(self.fd)

    def _send(self, data: bytes):
        os.write(self.fd, data)

    def pump(self, dt: float = 0.0):
        end = time.monotonic() + dt
        while True:
            try:
                self.buf += os.read(self.fd, 4096)
            except BlockingIOError:
                pass
            while b"\x00" in self.buf:
                i = self.buf.index(b"\x00")
                pkt, self.buf = bytes(self.buf[:i]), self.buf[i + 1:]
                if pkt:
                    self._on(parse(pkt))
            if time.monotonic() >= end:
                return
            time.sleep(0.002)

    def _on(self, f):
        if f is None:
            return
        seq, ack, flags, ftype, payload = f
        if ftype == NAK and len(payload) >= 2:
            sack = payload[2] if len(payload) >= 3 else 0
            self._ack((payload[1] - 1) & 0xFF, sack)
            if payload[0] in (1, 3):            # out of order / corrupt: resend `expected` once
                c = self.out.get(payload[1])
                if c is not None and c[2] == "sent" and not c[6]:
                    c[2], c[6] = "lost", True
        elif flags & F_ACK:
            self.acked = ack
            self._ack(ack, payload[0] if ftype == ACK and payload else 0)
        if ftype == TLM:
            name, vals = self.lay.decode_tlm(payload)
            self.tlm[name] = vals
        elif ftype == EVENT:
            self.events.append(decode_event(payload))
        elif ftype == IDENTIFY:
            role, ma, mi, pa, h32, hz, maxp, win = struct.unpack("<BBBBIIBB", payload)
            self.identify = dict(role=role, version=(ma, mi, pa), hash32=h32, clock_hz=hz,
                                 max_payload=maxp, window=win)

    def wait(self, pred, timeout: float = 5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.01)
            v = pred()
            if v:
                return v
        raise AssertionError("peer: timed out")

    def do_identify(self) -> dict:
        for _ in range(20):
            self._send(frame(0, 0, 0, IDENTIFY_REQ))
            try:
                return self.wait(lambda: self.identify, 0.25)
            except AssertionError:
                continue
        raise AssertionError("peer: no IDENTIFY")

    def heartbeat(self):
        ms = int((time.monotonic() - self.t0) * 1000) & 0xFFFFFFFF
        self._send(frame(0, 0, 0, HEARTBEAT, struct.pack("<IB", ms, 1)))

    # -- section 3.3: the sender ------------------------------------------------
    def _ack(self, a: int, sack: int):
        """A cumulative ack `a` and the selective-ack byte."""
        if (a - self.base) & 0xFF < (self.next - self.base) & 0xFF and self.out[a][3]:
            while self.base != (a + 1) & 0xFF:
                del self.out[self.base]
                self.base = (self.base + 1) & 0xFF
            self.timer = time.monotonic() if self.out else None
        held = [(a + 2 + i) & 0xFF for i in range(7) if sack >> i & 1]
        held = [s for s in held if s in self.out and self.out[s][3]]
        if not held:
            return
        for s in held:
            self.out[s][2] = "held"
        newest = max(self.out[s][4] for s in held)     # stamps never wrap here
        s = self.base
        while s != held[-1]:
            c = self.out[s]
            if c[2] == "sent" and c[5] < newest:         # sent before a copy that arrived
                c[2] = "lost"
            s = (s + 1) & 0xFF

    def _transmit(self):
        now = time.monotonic()
        if self.timer is not None and now - self.timer >= self.rto_s:
            for c in self.out.values():
                if c[2] == "sent":
                    c[2] = "lost"
            self.timer = now
        order = sorted(self.out, key=lambda s: (s - self.base) & 0xFF)
        for s in [s for s in order if self.out[s][2] == "lost"] + \
                 [s for s in order if self.out[s][2] == "queued"]:
            c = self.out[s]
            flags = c[1] | (F_RETX if c[3] else 0)
            if c[3]:
                self.retransmits += 1
            else:
                c[4] = self.stamp
            c[2], c[3], c[5] = "sent", c[3] + 1, self.stamp
            if self.stamp not in self.lose_next:
                self._send(frame(s, 0, flags, CMD, c[0]))
            self.stamp += 1
            if self.timer is None:
                self.timer = now

    def submit(self, payload: bytes, flags: int = 0) -> int | None:
        if (self.next - self.base) & 0xFF >= WINDOW:
            return None
        seq = self.next
        self.out[seq] = [payload, flags, "queued", 0, 0, 0, False]
        self.next = (seq + 1) & 0xFF
        self._transmit()
        return seq

    def run(self, payloads: list[bytes], timeout: float = 10.0) -> list[int]:
        """Send every payload (window of 8) until all are acked; their seqs."""
        seqs, todo = [], list(payloads)
        end = time.monotonic() + timeout
        while todo or self.out:
            if time.monotonic() > end:
                raise AssertionError(f"peer: {len(self.out)} commands never acked")
            while todo and (seq := self.submit(todo[0])) is not None:
                seqs.append(seq)
                todo.pop(0)
            self.pump(0.005)
            self._transmit()
        return seqs

    def open_session(self, session: int = 0x5EED1234):
        """Section 3.1 / 3.5: the OPEN takes seq 0 here; the board expects 1 next."""
        self.base = self.next = 0
        self.out.clear()
        self.submit(struct.pack("<I", session), F_OPEN)
        self.run([])

    def result(self, seq: int, timeout: float = 3.0) -> tuple:
        return self.wait(lambda: next((e for e in self.events
                                       if e[0] == "CMD_RESULT" and e[1] == seq), None), timeout)

    def command(self, payload: bytes, timeout: float = 3.0) -> tuple:
        """One command; its CMD_RESULT (section 1.6)."""
        seq, = self.run([payload], timeout)
        return self.result(seq, timeout)
