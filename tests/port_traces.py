"""Recorded inputs for the trace port (csrc/firmware/trace) and the means to
play them on each target: the host build on a pipe, the ATmega2560 image in
rover-simavr, the Cortex-M3 image in QEMU.  The trace format is in
csrc/firmware/trace/trace.h.  Used by tests/test_port_traces.py."""
from __future__ import annotations

import os
import random
import re
import select
import struct
import subprocess
import threading
import time
import tty
from pathlib import Path

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


def run_host(exe: Path, role: str, trace: bytes) -> bytes:
    r = subprocess.run([str(exe), role], input=trace, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _play_on_tty(path: str, trace: bytes, timeout_s: float) -> bytes:
    """Write the trace to a tty while reading the outputs until 'Z'.  The
    reader parses records, so a 'Z' byte inside a 'U'/'P'/'S' record is data."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    out = bytearray()
    err = []

    def writer():
        try:
            for i in range(0, len(trace), 256):
                os.write(fd, trace[i:i + 256])
        except OSError as e:
            err.append(e)
    th = threading.Thread(target=writer, daemon=True)
    th.start()
    end = time.monotonic() + timeout_s
    done = False
    try:
        while not done and time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                out.extend(os.read(fd, 4096))
                i = 0
                while i < len(out):
                    k = out[i]
                    if k == ord("Z"):
                        done = True
                        out = out[:i + 1]
                        break
                    i += {ord("U"): 2, ord("P"): 4, ord("S"): 4}.get(k, 1)
    finally:
        os.close(fd)
    assert done, f"no end record within {timeout_s} s ({len(out)} bytes)"
    return bytes(out)


def run_simavr(harness: Path, image: Path, role: str, trace: bytes, tmp: Path) -> bytes:
    link = tmp / f"trace-{role}.pty"
    p = subprocess.Popen([str(harness), "--role", role, "--firmware", str(image), "--boot", "app",
                          "--pty-link", str(link)], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().startswith("PTY ")
        return _play_on_tty(str(link), trace, timeout_s=120)
    finally:
        p.terminate()
        p.wait(timeout=10)


def run_qemu(image: Path, trace: bytes) -> bytes:
    p = subprocess.Popen(["qemu-system-arm", "-M", "mps2-an385", "-kernel", str(image), "-nographic",
                          "-serial", "pty", "-monitor", "none"], stdout=subprocess.PIPE, text=True)
    try:
        m = None
        while m is None:
            line = p.stdout.readline()
            assert line, "QEMU exited"
            m = re.search(r"redirected to (/dev/pts/\d+)", line)
        return _play_on_tty(m.group(1), trace, timeout_s=120)
    finally:
        p.terminate()
        p.wait(timeout=10)
