"""A vector in words for a reviewer: its input records interleaved with the
outputs each produced (played on the simulator port), ticks run together,
UART bytes decoded as frames (line mode) or event records (direct mode),
packets and events decoded with the dictionary."""
from __future__ import annotations

import struct

from common.dictionary import default_dictionary
from common.dictionary.packets import PacketError, decode_event, decode_tlm
from ground.golden.records import describe_input, describe_output, input_records, output_records
from sim_hw.trace_port import SimTracePlayer


def _packet(D, payload: bytes) -> str:
    try:
        name, values = decode_tlm(D, payload)
    except (PacketError, KeyError, struct.error) as e:
        return f"packet {payload.hex()} ({e})"
    vals = ", ".join(f"{k}={v}" for k, v in values.items())
    return f"{name} {vals}"


class _Uart:
    def __init__(self, D):
        from hal.link import codec
        self.D = D
        self.codec = codec
        self.dec = codec.FrameDecoder()
        self.direct = False
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[str]:
        lines = []
        if self.direct:
            self.buf += data
            while self.buf and len(self.buf) >= 1 + self.buf[0]:
                n = self.buf[0]
                payload = bytes(self.buf[1:1 + n])
                del self.buf[:1 + n]
                lines.append(f"event {decode_event(payload)}")
            return lines
        for f in self.dec.feed(data):
            p = bytes(f.payload)
            if f.ftype == self.codec.T_TLM:
                what = _packet(self.D, p)
            elif f.ftype == self.codec.T_EVENT:
                try:
                    what = str(decode_event(p))
                except Exception as e:  # a payload the decoder refuses is shown raw
                    what = f"{p.hex()} ({e})"
            else:
                what = p.hex()
            lines.append(f"frame seq {f.seq} type {f.ftype} {what}")
        return lines


def timeline(role: str, trace: bytes, limit: int | None = None) -> list[str]:
    D = default_dictionary()
    player = SimTracePlayer(role)
    uart = _Uart(D)
    lines: list[str] = []
    tick, run_start = 0, None

    def flush_ticks():
        nonlocal run_start
        if run_start is not None:
            lines.append(f"ms {run_start + 1}..{tick}: ticks" if tick > run_start + 1 else f"ms {tick}: tick")
            run_start = None

    for _, rec in input_records(trace):
        k = chr(rec[0])
        out = player.feed(rec)
        if k in "TN":
            if run_start is None:
                run_start = tick
            tick += 1 if k == "T" else struct.unpack("<H", rec[1:3])[0]
        elif k not in "IDCKHQREAGWF":
            continue        # padding
        else:
            flush_ticks()
            if k == "D":
                uart.direct = True
            if k == "I":
                tick = 0
            lines.append(f"  < {describe_input(rec)}")
        shown = []
        u = bytearray()
        for _, o in output_records(out):
            if o[:1] == b"U":
                u.append(o[1])
            elif o[:1] == b"K":
                shown.append(f"K {_packet(D, bytes(o[2:]))}" if len(o) > 2 else "K (no such packet)")
            else:
                shown.append(describe_output(o))
        shown += uart.feed(bytes(u))
        if shown and k in "TN":
            flush_ticks()
        lines += [f"  > {s}" for s in shown]
        if limit and len(lines) > limit:
            lines.append("...")
            break
    flush_ticks()
    return lines
