"""Board-clock estimation from CLOCK_REQ / CLOCK exchanges (docs/protocol.md 4).

Each exchange gives the host send time ``t0``, the host receive time ``t1``
and the board time ``b`` the board put in its reply.  The board read its
clock somewhere between t0 and t1, so the pair ``((t0 + t1) / 2, b)`` is a
point on the board-versus-host line with an error of at most ``(t1 - t0) / 2``.
Short round trips are the trustworthy ones (a long one was queued behind a
telemetry frame on the line), so :class:`ClockSync` keeps the last exchanges
and fits a straight line by least squares through the ones whose round trip
is close to the best seen (Klipper's host does a regression over periodic
clock queries in the same spirit).  The slope is the board's rate against the
host clock: with an emulated board running ``--time-scale K`` it is K.

:class:`BoardClock` turns the fit into the HAL's clock: integer board
milliseconds, monotonic (never goes back, even when a new fit would put the
estimate earlier) and continuous across board resets (a rebooted board starts
its counter at zero again; the HAL clock carries on from where it was).

The host time source is injected (``time.monotonic`` by default) so tests
drive it with a fake clock.  This module is the only place the board backend
turns wall time into flight time.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable


class ClockSync:
    """Least-squares fit of board time (s) against host time (s).

    ``window``: how many recent exchanges to keep.  ``rtt_slack``: an
    exchange takes part in the fit when its round trip is at most
    ``best * (1 + rtt_slack) + rtt_floor_s`` where best is the smallest round
    trip in the window.  ``rate_guess``: the slope used until two usable
    points far enough apart (``min_span_s``) exist.
    """

    def __init__(self, window: int = 32, rtt_slack: float = 0.5, rtt_floor_s: float = 0.0005,
                 rate_guess: float = 1.0, min_span_s: float = 0.05):
        if window < 2:
            raise ValueError("window must be >= 2")
        if rate_guess <= 0:
            raise ValueError("rate_guess must be > 0")
        self.window = window
        self.rtt_slack = rtt_slack
        self.rtt_floor_s = rtt_floor_s
        self.rate_guess = float(rate_guess)
        self.min_span_s = min_span_s
        self._samples: deque[tuple[float, float, float]] = deque(maxlen=window)
        self.samples_total = 0
        self.rejected = 0
        # the fit: board = offset + rate * (host - ref)
        self._ref = 0.0
        self._offset = 0.0
        self._rate = self.rate_guess
        self._valid = False

    # -- input --------------------------------------------------------------------
    def add_exchange(self, host_t0: float, host_t1: float, board_t: float) -> bool:
        """Record one exchange (host times and board time in seconds).
        Returns False (and ignores it) when it is unusable: t1 < t0."""
        rtt = host_t1 - host_t0
        if not (rtt >= 0.0) or board_t != board_t:
            self.rejected += 1
            return False
        self._samples.append(((host_t0 + host_t1) * 0.5, float(board_t), rtt))
        self.samples_total += 1
        self._refit()
        return True

    def _refit(self) -> None:
        samples = self._samples
        best = min(s[2] for s in samples)
        limit = best * (1.0 + self.rtt_slack) + self.rtt_floor_s
        pts = [s for s in samples if s[2] <= limit]
        # too narrow in time for a slope: widen the round-trip limit step by step
        while len(pts) < len(samples) and (max(p[0] for p in pts) - min(p[0] for p in pts)
                                           < self.min_span_s):
            limit *= 2.0
            pts = [s for s in samples if s[2] <= limit]
        n = len(pts)
        mh = sum(p[0] for p in pts) / n
        mb = sum(p[1] for p in pts) / n
        sxx = sum((p[0] - mh) ** 2 for p in pts)
        span = max(p[0] for p in pts) - min(p[0] for p in pts)
        rate = self.rate_guess
        if n >= 2 and span >= self.min_span_s and sxx > 0.0:
            sxy = sum((p[0] - mh) * (p[1] - mb) for p in pts)
            fitted = sxy / sxx
            if fitted > 0.0:
                rate = fitted
        elif self._valid:
            rate = self._rate          # keep the last good slope until the span allows a new one
        self._ref, self._offset, self._rate = mh, mb, rate
        self._valid = True

    def reset(self) -> None:
        """Forget every exchange (the board was reset or replaced)."""
        self._samples.clear()
        self._valid = False
        self._rate = self.rate_guess

    # -- output -------------------------------------------------------------------
    @property
    def valid(self) -> bool:
        return self._valid

    @property
    def rate(self) -> float:
        """Board seconds per host second."""
        return self._rate

    @property
    def samples(self) -> int:
        return len(self._samples)

    def board_time(self, host_t: float) -> float:
        """Estimated board time (s) at host time host_t; needs ``valid``."""
        if not self._valid:
            raise RuntimeError("no clock exchange yet")
        return self._offset + self._rate * (host_t - self._ref)

    def host_time(self, board_t: float) -> float:
        """Host time (s) at which the board clock reads board_t (inverse fit)."""
        if not self._valid:
            raise RuntimeError("no clock exchange yet")
        return self._ref + (board_t - self._offset) / self._rate


class BoardClock:
    """The HAL clock of a board backend: integer milliseconds of board time.

    ``now_ms()`` is the estimate from the current :class:`ClockSync` plus an
    epoch offset, and never less than the last value returned.  The first fit
    has epoch 0 (the HAL clock reads the time master's own clock).  After
    :meth:`rebase` (the board was reset, or a new board became the master)
    the old fit keeps the clock running until the first exchange with the new
    board, which starts a new fit whose epoch makes the clock carry on from
    where the old one had it.  Before any exchange it reads 0.  Thread-safe
    (the link's reader thread feeds exchanges).
    """

    def __init__(self, rate_guess: float = 1.0, window: int = 32,
                 host_time: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self._host_time = host_time
        self._sleep = sleep
        self._window = window
        self._lock = threading.Lock()
        self.sync = ClockSync(window=window, rate_guess=rate_guess)
        self._epoch_ms = 0.0           # HAL ms = board ms + epoch
        self._last_ms = 0
        self._pending = True           # the next exchange starts a new fit
        self._first = True
        self.rebases = 0

    def add_exchange(self, host_t0: float, host_t1: float, board_t: float) -> bool:
        """Feed one CLOCK exchange (host seconds, board seconds)."""
        with self._lock:
            if not self._pending:
                return self.sync.add_exchange(host_t0, host_t1, board_t)
            held = self._estimate_ms(host_t1)
            guess = self.sync.rate if self.sync.valid else self.sync.rate_guess
            new = ClockSync(window=self._window, rate_guess=guess)
            if not new.add_exchange(host_t0, host_t1, board_t):
                return False
            if self._first:
                self._epoch_ms = 0.0
                self._first = False
            else:
                self._epoch_ms = max(held, float(self._last_ms)) - new.board_time(host_t1) * 1000.0
            self.sync = new
            self._pending = False
            return True

    def rebase(self) -> None:
        """The board behind the clock was reset or replaced; see the class doc."""
        with self._lock:
            self._pending = True
            self.rebases += 1

    def _estimate_ms(self, host_t: float) -> float:
        if not self.sync.valid:
            return float(self._last_ms)
        return self.sync.board_time(host_t) * 1000.0 + self._epoch_ms

    @property
    def synced(self) -> bool:
        return self.sync.valid and not self._pending

    @property
    def epoch_ms(self) -> float:
        """HAL ms minus board ms for the current fit (board time stamps -> HAL time)."""
        return self._epoch_ms

    @property
    def rate(self) -> float:
        return self.sync.rate

    def now_ms(self) -> int:
        with self._lock:
            est = int(self._estimate_ms(self._host_time()))
            if est > self._last_ms:
                self._last_ms = est
            return self._last_ms

    @property
    def now_s(self) -> float:
        return self.now_ms() / 1000.0

    def host_time_at(self, hal_ms: float) -> float | None:
        """Host time when the clock will read hal_ms (None before the first fit)."""
        with self._lock:
            if not self.sync.valid:
                return None
            return self.sync.host_time((hal_ms - self._epoch_ms) / 1000.0)

    def wait_until(self, target_ms: int, max_step_s: float = 0.005,
                   timeout_s: float | None = None) -> bool:
        """Sleep in small steps until now_ms() >= target_ms (never busy-spins).
        Returns False when timeout_s of host time passed first."""
        start = self._host_time()
        while True:
            if self.now_ms() >= target_ms:
                return True
            host = self._host_time()
            if timeout_s is not None and host - start >= timeout_s:
                return False
            at = self.host_time_at(target_ms)
            step = max_step_s if at is None else min(max_step_s, max(0.0002, at - host))
            self._sleep(step)
