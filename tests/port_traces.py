"""Seeded random inputs for the trace port (csrc/firmware/trace); the ports
that play them are in ground/golden/ports.py.  The trace format is in
csrc/firmware/trace/trace.h.  Used by tests/test_port_traces.py (the fixed
set with stored outputs is the golden vectors, tests/test_golden_vectors.py)."""
from __future__ import annotations

import random
import struct

from common.dictionary import default_dictionary
from common.dictionary.packets import encode_board_command
from hal.link import codec

D = default_dictionary()


def _quad(pos: int) -> int:
    b0, b1 = pos & 1, (pos >> 1) & 1
    return (b1 << 1) | (b1 ^ b0)


def make_trace(role: str, seed: int, ticks: int = 600) -> bytes:
    """Commands (good and bad), heartbeats, clock queries, line noise,
    encoder edges and sensor values over ``ticks`` board milliseconds."""
    rng = random.Random(seed)
    # padding the parser skips: bytes sent before a target's UART is enabled
    # are lost (as on a real MCU), and they must not be records
    out = bytearray(64)

    def rx(data: bytes):
        for i in range(0, len(data), 64):
            chunk = data[i:i + 64]
            out.extend(b"R" + bytes([len(chunk)]) + chunk)

    def adc(ch: int, v: int):
        out.extend(b"A" + bytes([ch]) + struct.pack("<i", v))

    for ch in range(17):
        adc(ch, rng.randint(-500, 500))
    adc(10, 32000)                       # battery mV
    adc(15, 250 if role == "mobility" else 240)
    out.extend(b"G" + struct.pack("<hhhiii", 3, -2, 165, 120, -40, 7))
    rx(b"\x00" + codec.encode_frame(0, 0, 0, codec.T_IDENTIFY_REQ))
    tx = codec.ReliableSender(session=rng.randrange(1, 1 << 32))
    cmds = {}
    if role == "mobility":
        w = dict(w_fl=800, w_fr=-600, w_ml=400, w_mr=1000, w_rl=-200, w_rr=1500,
                 s_fl=300, s_fr=-300, s_rl=-300, s_rr=300)
        cmds[5] = [encode_board_command(D, "BOARD_TLM_PERIOD", period=20)]
        for t in range(10, ticks, 100):
            cmds.setdefault(t, []).append(encode_board_command(D, "MOB_DRIVE", **w))
        cmds[120] = [encode_board_command(D, "BOARD_HEATER", zone=0, target=300)]
        cmds[250] = [encode_board_command(D, "MOB_RESET_ODOM", x=1000, y=-2000, yaw=100)]
    else:
        cmds[5] = [encode_board_command(D, "BOARD_TLM_PERIOD", period=20)]
        cmds[20] = [encode_board_command(D, "BOARD_HEATER", zone=0, target=8000)]
    cmds[60] = [b"\x99\x99"]                                   # unknown opcode
    cmds[70] = [encode_board_command(D, "BOARD_TLM_PERIOD", period=20)[:-1]]   # bad length
    cmds[400] = [encode_board_command(D, "BOARD_CLEAR_FAULT")]
    pos = [0] * 6
    vel = [rng.uniform(-3.0, 3.0) for _ in range(6)]
    acc = [0.0] * 6
    for t in range(ticks):
        if t % 200 == 1:
            rx(codec.encode_frame(0, 0, 0, codec.T_HEARTBEAT, codec.HEARTBEAT_FMT.pack(t, 1)))
        if t % 97 == 3:
            rx(codec.encode_frame(0, 0, 0, codec.T_CLOCK_REQ, struct.pack("<I", t)))
        for c in cmds.get(t, []):
            tx.submit(c)
        wire = tx.poll(t)
        if wire:
            rx(wire)
        if t == 333:
            rx(bytes(rng.randrange(256) for _ in range(40)))    # line noise
        if role == "mobility":
            for i in range(6):
                acc[i] += vel[i]
                while abs(acc[i]) >= 1.0:
                    step = 1 if acc[i] > 0 else -1
                    acc[i] -= step
                    pos[i] += step
                    out.extend(b"E" + bytes([i, _quad(pos[i])]))
            if t % 10 == 0:
                adc(rng.randrange(0, 10), rng.randint(-900, 900))
        if t % 50 == 0:
            adc(15, 250 + t // 10 if role == "mobility" else 240 + t * 3)
        out.extend(b"T")
    out.extend(b"Q")
    return bytes(out)
