"""The fault-injecting pty proxy (sim_hw/link_proxy.py) on real ptys.

The proxy paces bytes on wall time (its pacing is the point), so the one
timing assertion is the physical bound a loaded machine cannot break: never
faster than the line.  Each test stays well under a second or two.
"""
import os
import random
import select
import struct
import time

import pytest

from hal.link import (
    FrameDecoder, ReliableReceiver, ReliableSender, RX_EXECUTE, T_CMD,
)
from sim_hw.link_proxy import LinkProxy

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs POSIX ptys")


def _open(path):
    return os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)


def _read_exactly(fd, n, timeout=3.0):
    got, first, end = bytearray(), None, time.monotonic() + timeout
    while len(got) < n and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            chunk = os.read(fd, 4096)
            if chunk and first is None:
                first = time.monotonic()
            got += chunk
    return bytes(got), first, time.monotonic()


def _frames_stream(rng, n_frames, size):
    """Frames of non-zero bytes, each closed by 0x00."""
    return [bytes(rng.randrange(1, 256) for _ in range(size)) + b"\x00"
            for _ in range(n_frames)]


def test_bytes_pass_both_ways_paced_at_the_baud():
    baud, n = 115200, 3000
    with LinkProxy(baud=baud) as px:
        h, b = _open(px.host_path), _open(px.board_path)
        try:
            data = bytes(random.Random(0).randrange(256) for _ in range(n))
            t0 = time.monotonic()
            os.write(h, data)
            got, first, t1 = _read_exactly(b, n)
            assert got == data
            # n bytes take n * 10 / baud of line time (0.26 s here): the proxy
            # may never beat the line (a loaded machine can only make it
            # slower, so the lower bound is a figure for `rover perf link`,
            # not an assertion here).
            rate = n / (t1 - t0)
            assert rate <= 1.05 * baud / 10, rate
            os.write(b, b"pong\x00")
            back, _, _ = _read_exactly(h, 5)
            assert back == b"pong\x00"
        finally:
            os.close(h)
            os.close(b)
    s = px.stats
    assert s["host_to_board"]["bytes_out"] == n
    assert s["board_to_host"]["bytes_out"] == 5


def test_corruption_matches_probability_and_counter():
    rng = random.Random(3)
    frames = _frames_stream(rng, 100, 49)
    data = b"".join(frames)
    p = 0.03
    with LinkProxy(baud=None, p_corrupt=p, seed=11) as px:
        h, b = _open(px.host_path), _open(px.board_path)
        try:
            os.write(h, data)
            got, _, _ = _read_exactly(b, len(data))
        finally:
            os.close(h)
            os.close(b)
    c = px.stats["host_to_board"]
    assert len(got) == len(data)
    flipped = sum(1 for x, y in zip(data, got) if x != y)
    assert flipped == c["bytes_corrupted"]
    # Each flip changes exactly one bit.
    assert all(bin(x ^ y).count("1") == 1 for x, y in zip(data, got) if x != y)
    expect = p * len(data)                          # 150 of 5000
    assert 0.6 * expect <= flipped <= 1.4 * expect


def test_whole_frames_dropped_at_configured_rate():
    rng = random.Random(4)
    frames = [bytes([i % 255 + 1]) + f for i, f in enumerate(_frames_stream(rng, 400, 11))]
    data = b"".join(frames)
    with LinkProxy(baud=None, p_drop=0.1, seed=5) as px:
        h, b = _open(px.host_path), _open(px.board_path)
        try:
            os.write(h, data)
            c = None
            deadline = time.monotonic() + 3
            got = bytearray()
            while time.monotonic() < deadline:
                chunk, _, _ = _read_exactly(b, 1, timeout=0.2)
                got += chunk
                c = px.stats["host_to_board"]
                if c["bytes_in"] == len(data) and c["bytes_out"] == len(got):
                    break
        finally:
            os.close(h)
            os.close(b)
    c = px.stats["host_to_board"]
    received = [f + b"\x00" for f in bytes(got).split(b"\x00")[:-1]]
    assert c["frames_in"] == 400
    assert len(received) == 400 - c["frames_dropped"]
    assert all(f in frames for f in received)       # whole frames or nothing
    assert 20 <= c["frames_dropped"] <= 60          # 40 expected


def test_reliable_commands_survive_the_faulty_proxy():
    """Sender and receiver on real ptys through a lossy line: exactly once."""
    n_cmds = 300
    with LinkProxy(baud=460800, p_corrupt=0.005, p_drop=0.01, seed=2) as px:
        h, b = _open(px.host_path), _open(px.board_path)
        try:
            t0 = time.monotonic()

            def now_ms():
                return int((time.monotonic() - t0) * 1000)

            tx = ReliableSender(session=0x5EED, rto_min_ms=20)
            rx, hdec, bdec = ReliableReceiver(), FrameDecoder(), FrameDecoder()
            want = [struct.pack("<HI", 0x0101, i) for i in range(n_cmds)]
            done, nxt = [], 0
            while time.monotonic() - t0 < 20:
                while nxt < n_cmds and tx.room:
                    tx.submit(want[nxt])
                    nxt += 1
                out = tx.poll(now_ms())
                if out:
                    os.write(h, out)
                r, _, _ = select.select([h, b], [], [], 0.002)
                if b in r:
                    errs = bdec.errors
                    frames = bdec.feed(os.read(b, 4096))
                    replies = [rx.on_corrupt()] if bdec.errors > errs else []
                    for f in frames:
                        if f.ftype == T_CMD:
                            verdict, reply = rx.on_frame(f)
                            if verdict == RX_EXECUTE:
                                done.append(f.payload)
                                done.extend(p for _, p in rx.pop_ready())
                            replies.append(reply)
                    if any(replies):
                        os.write(b, b"".join(replies))
                if h in r:
                    for f in hdec.feed(os.read(h, 4096)):
                        tx.on_frame(f, now_ms())
                if nxt == n_cmds and tx.outstanding == 0:
                    break
        finally:
            os.close(h)
            os.close(b)
    assert done == want
    st = px.stats
    assert st["host_to_board"]["frames_dropped"] + st["board_to_host"]["frames_dropped"] > 0
