"""How a link session waits for bytes and what time it is: the line's clock.

:class:`WallLine`: a free-running board (real, or emulated on scaled wall
time).  Time is the host's monotonic clock; waiting is ``select`` on the port.

:class:`LockstepLine`: a lockstepped emulated board (docs/hil.md 4.1).  Time
is board time, in the HAL's frame: the board runs only when the line grants
it time over its control socket (:class:`hal.link.lockstep.BoardControl`), so
"wait up to 20 ms for input" becomes "let the board run 20 ms, stopping as
soon as a frame has left its line".  Bytes arrive when the board says it has
sent them: the board reports how many it has put on the line, and the line
reads exactly that many from the port before it returns (the pty hands bytes
over through a kernel work queue, which a loaded machine delays).  So every
frame is seen at the board time its last byte left the board's UART, whatever
the load; retransmission timers, heartbeat cadence, silence and ages in the
session all run on that time.

The session calls: ``now()`` (seconds), ``read(fd, timeout_s)`` (bytes, b""
or None on hang-up), ``pause(s)`` (time passes while the port is closed),
``opened()`` (the port was opened and its input flushed), ``wrote(n)`` and
``close()``.
"""
from __future__ import annotations

import os
import select
import threading
import time
from typing import Callable

from hal.link.lockstep import BoardControl, LockstepError

READ_CHUNK = 4096
LATE_BYTES_WALL_S = 10.0     # bytes the board reported sent but the pty did not deliver


class WallLine:
    """Free-running: the host's monotonic clock and ``select``."""

    lockstep = False
    failure = None

    def __init__(self, host_time: Callable[[], float] = time.monotonic,
                 stop: threading.Event | None = None):
        self.now = host_time
        self._stop = stop or threading.Event()

    def read(self, fd: int, timeout_s: float) -> bytes | None:
        try:
            r, _, _ = select.select([fd], [], [], max(0.0, timeout_s))
        except (OSError, ValueError):
            return None
        if not r:
            return b""
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return b""
        except OSError:
            return None
        return data if data else None      # readable but empty: hang-up

    def pause(self, seconds: float) -> None:
        self._stop.wait(max(0.0, seconds))

    def opened(self) -> None:
        pass

    def wrote(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


class LockstepLine:
    """Board time for one lockstepped board, in the HAL's frame (``t_us``).

    ``attach()`` connects the control socket; the board's HELLO fixes the
    offset between its own clock and the HAL's (a board that restarts comes
    back at zero and is attached again at the HAL's present).  While no board
    answers, time still passes for the host (the session sees silence, as it
    would with a dead board)."""

    lockstep = True

    def __init__(self, control: BoardControl, t_us: int = 0):
        self.control = control
        self.t_us = int(t_us)
        self._epoch_us = 0                 # HAL us - board us
        self._rx_expect = 0                # the board's rx_total once it has all we wrote
        self._board_tx = None              # the board's tx_total at its last answer
        self._rx_base = None               # ... at our last flush (None: port closed)
        self._rx_got = 0                   # bytes read since that flush
        self.failure: str | None = None    # why the board stopped answering
        self.late_bytes = 0                # reported sent, not delivered within the timeout
        self.frames_stops = 0

    # -- time ---------------------------------------------------------------
    def now(self) -> float:
        return self.t_us / 1e6

    def attach(self, required: bool = False, join_board_time: bool = False) -> bool:
        """Connect the control socket if it is not; True when a board answers.
        ``join_board_time``: the line's time becomes the board's own clock
        (the HAL's time master) instead of the board joining the line's."""
        c = self.control
        if c.connected:
            return True
        hello = c.connect(required=required)
        if hello is None:
            return False
        if join_board_time:
            self.t_us = hello.t_us
        self._epoch_us = self.t_us - hello.t_us
        self._rx_expect = hello.rx_total
        self._board_tx = hello.tx_total
        self.failure = None
        return True

    @property
    def board_us(self) -> int | None:
        """The board's own clock now (None while no board is attached)."""
        return self.t_us - self._epoch_us if self.control.connected else None

    def grant(self, target_us: int, stop_on_frame_end: bool) -> bool:
        """Let the board run to HAL time target_us (or to its next frame end).
        Returns True when it stopped on a frame end."""
        target_us = int(target_us)
        if target_us <= self.t_us:
            return False
        if not self.control.connected:
            self._rx_base = None             # a board attached now: count from the next open
            try:
                attached = self.attach()
            except LockstepError as e:
                self.failure, attached = str(e), False
            if not attached:
                self.t_us = target_us        # nobody there: time passes for the host alone
                return False
        st = self.control.run(target_us - self._epoch_us, self._rx_expect, stop_on_frame_end)
        if st is None:
            self.failure = self.control.gone
            self.t_us = target_us
            return False
        self._board_tx = st.tx_total
        self.t_us = max(self.t_us, st.t_us + self._epoch_us)
        if st.stopped_on_frame_end:
            self.frames_stops += 1
        return st.stopped_on_frame_end

    # -- the port -------------------------------------------------------------
    def opened(self) -> None:
        """The port was opened and flushed: the board (halted) has sent nothing
        since, so count from its last report."""
        try:
            self.attach()
        except LockstepError as e:
            self.failure = str(e)
        self._rx_base = self._board_tx
        self._rx_got = 0

    def wrote(self, n: int) -> None:
        self._rx_expect = (self._rx_expect + n) & 0xFFFFFFFF

    def read(self, fd: int, timeout_s: float) -> bytes | None:
        """Let up to timeout_s of board time pass (stopping at the first frame
        end), then return the bytes the board sent meanwhile; None when the
        port hung up or the board stopped answering during this wait."""
        before = self.failure
        if timeout_s > 0:
            self.grant(self.t_us + max(1, round(timeout_s * 1e6)), stop_on_frame_end=True)
        if self.failure is not None and self.failure is not before:
            return None
        return self._collect(fd)

    def _collect(self, fd: int) -> bytes | None:
        want = 0
        if self._rx_base is not None and self._board_tx is not None:
            want = ((self._board_tx - self._rx_base) & 0xFFFFFFFF) - self._rx_got
        out = bytearray()
        end = None
        while True:
            try:
                r, _, _ = select.select([fd], [], [], 0.0 if len(out) >= want else 0.5)
            except (OSError, ValueError):
                return None
            if r:
                try:
                    data = os.read(fd, READ_CHUNK)
                except BlockingIOError:
                    data = None
                except OSError:
                    return None
                if data == b"":
                    return None                  # readable but empty: hang-up
                if data:
                    out += data
                    self._rx_got += len(data)
                    continue
            if len(out) >= want:
                return bytes(out)
            end = end or time.monotonic() + LATE_BYTES_WALL_S
            if time.monotonic() >= end:          # the board said it sent them; the pty lost them
                self.late_bytes += want - len(out)
                self._rx_got += want - len(out)
                return bytes(out)

    def pause(self, seconds: float) -> None:
        """Time passes with the port closed (the board runs; its bytes are
        flushed when the port opens again)."""
        self._rx_base = None
        self.grant(self.t_us + max(1, round(seconds * 1e6)), stop_on_frame_end=False)

    def close(self) -> None:
        self.control.close()
