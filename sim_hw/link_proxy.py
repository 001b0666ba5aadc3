"""Fault-injecting serial line between two pseudo-terminals.

The host opens ``proxy.host_path``, a board (or an emulated one) opens
``proxy.board_path``; everything written on one end comes out of the other,
no faster than a UART at ``baud`` with ``bits_per_byte`` line bits per byte
(10 for 8N1).  With seeded probabilities each byte may get one random bit
flipped and each frame (the bytes up to and including a 0x00 delimiter) may be
dropped whole.  Counters say what was done, per direction.

    with LinkProxy(baud=115200, p_corrupt=0.01, p_drop=0.01, seed=1) as px:
        host = serial.Serial(px.host_path, 115200)   # or os.open(...)
        ...
    px.stats["host_to_board"]["frames_dropped"]

Wall-clock pacing is the point of this tool, so it reads time.monotonic();
it is a test fixture, not flight code.
"""
from __future__ import annotations

import os
import pty
import random
import select
import threading
import time
import tty

__all__ = ["LinkProxy"]

_BUF_MAX = 4096   # bytes held in flight per direction before we stop reading


class _Direction:
    """One way through the proxy: read src, fault, pace, write dst."""

    def __init__(self, name, src, dst, rate, p_corrupt, p_drop, rng):
        self.name, self.src, self.dst = name, src, dst
        self.rate = rate                 # bytes per second, None = unpaced
        self.p_corrupt, self.p_drop, self.rng = p_corrupt, p_drop, rng
        self.pending = bytearray()
        self.line_t = 0.0                # when the line finishes what it has sent
        self.in_frame = False
        self.dropping = False
        self.lock = threading.Lock()
        self.counts = dict(bytes_in=0, bytes_out=0, bytes_corrupted=0, frames_in=0,
                           frames_dropped=0, bytes_dropped=0)

    def _ingest(self, data: bytes, now: float) -> None:
        c = self.counts
        if not self.pending:
            self.line_t = max(self.line_t, now)   # an idle line starts now
        c["bytes_in"] += len(data)
        rng = self.rng
        for b in data:
            if not self.in_frame:
                self.in_frame = True
                self.dropping = self.p_drop > 0 and rng.random() < self.p_drop
                if self.dropping:
                    c["frames_dropped"] += 1
            if b == 0:
                self.in_frame = False
                c["frames_in"] += 1
            if self.dropping:
                c["bytes_dropped"] += 1
                continue
            if self.p_corrupt > 0 and rng.random() < self.p_corrupt:
                b ^= 1 << rng.randrange(8)
                c["bytes_corrupted"] += 1
            self.pending.append(b)

    def _emit(self, now: float) -> float | None:
        """Write what the line has finished sending; seconds until the next byte."""
        if not self.pending:
            return None
        if self.rate is None:
            n = len(self.pending)
        else:
            n = min(len(self.pending), int((now - self.line_t) * self.rate))
        if n > 0:
            try:
                w = os.write(self.dst, bytes(self.pending[:n]))
            except (BlockingIOError, InterruptedError):
                w = 0
            except OSError:
                w = 0
            if w:
                del self.pending[:w]
                self.counts["bytes_out"] += w
                if self.rate is not None:
                    self.line_t += w / self.rate
            if w < n:
                return 0.002                 # the far end is not reading
        if not self.pending:
            return None
        if self.rate is None:
            return 0.0
        return max(0.0, self.line_t + 1.0 / self.rate - now)

    def run(self, stop: threading.Event) -> None:
        wait = None
        while not stop.is_set():
            timeout = 0.05 if wait is None else min(wait, 0.05)
            readable = [self.src] if len(self.pending) < _BUF_MAX else []
            if readable:
                r, _, _ = select.select(readable, [], [], timeout)
            else:
                r = []
                time.sleep(timeout)
            now = time.monotonic()
            if r:
                try:
                    data = os.read(self.src, 1024)
                except (BlockingIOError, InterruptedError):
                    data = b""
                except OSError:              # EIO: no one on the far side yet
                    data = b""
                    time.sleep(0.005)
                if data:
                    with self.lock:
                        self._ingest(data, now)
            with self.lock:
                wait = self._emit(time.monotonic())


class LinkProxy:
    """Two ptys joined by a paced, fault-injecting line (see module docstring)."""

    def __init__(self, baud: int | None = 115200, p_corrupt: float = 0.0,
                 p_drop: float = 0.0, seed: int = 0, bits_per_byte: int = 10,
                 faults_to_host: bool = True):
        if baud is not None and baud <= 0:
            raise ValueError("baud must be positive or None (unpaced)")
        for name, p in (("p_corrupt", p_corrupt), ("p_drop", p_drop)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {p}")
        self.baud, self.bits_per_byte = baud, bits_per_byte
        self.p_corrupt, self.p_drop, self.seed = p_corrupt, p_drop, seed
        self.faults_to_host = faults_to_host
        self._fds: list[int] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._dirs: dict[str, _Direction] = {}
        self.host_path = self.board_path = None

    # -- life cycle ---------------------------------------------------------------
    def start(self) -> "LinkProxy":
        if self._threads:
            raise RuntimeError("proxy already started")
        hm, hs = pty.openpty()
        bm, bs = pty.openpty()
        self._fds = [hm, hs, bm, bs]
        for fd in (hs, bs):
            tty.setraw(fd)               # no echo, no line editing, 8-bit clean
        for fd in (hm, bm):
            os.set_blocking(fd, False)
        self.host_path, self.board_path = os.ttyname(hs), os.ttyname(bs)
        rate = None if self.baud is None else self.baud / self.bits_per_byte
        rng_up, rng_down = random.Random(self.seed), random.Random(self.seed + 1)
        pc, pd = self.p_corrupt, self.p_drop
        up = _Direction("host_to_board", hm, bm, rate, pc, pd, rng_up)
        if self.faults_to_host:
            down = _Direction("board_to_host", bm, hm, rate, pc, pd, rng_down)
        else:
            down = _Direction("board_to_host", bm, hm, rate, 0.0, 0.0, rng_down)
        self._dirs = {d.name: d for d in (up, down)}
        self._stop.clear()
        for d in (up, down):
            t = threading.Thread(target=d.run, args=(self._stop,), daemon=True,
                                 name=f"link-proxy-{d.name}")
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2.0)
        self._threads = []
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []

    def __enter__(self) -> "LinkProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- counters -----------------------------------------------------------------
    @property
    def stats(self) -> dict:
        out = {}
        for name, d in self._dirs.items():
            with d.lock:
                out[name] = dict(d.counts)
        return out

    @property
    def byte_time_s(self) -> float | None:
        """Line time of one byte, or None when unpaced."""
        return None if self.baud is None else self.bits_per_byte / self.baud
