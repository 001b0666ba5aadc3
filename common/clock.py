"""The simulated clock.  flight/ never reads wall time: every timeout,
persistence count and time tag is on an injected clock, so runs are
deterministic for a seed and can go faster than real time."""
from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SimClock:
    """Monotonic integer-millisecond clock advanced by whoever owns the loop."""

    __slots__ = ("_t_ms",)

    def __init__(self, t_ms: int = 0):
        if t_ms < 0:
            raise ValueError(f"clock start must be >= 0 ms, got {t_ms}")
        self._t_ms = int(t_ms)

    def now_ms(self) -> int:
        return self._t_ms

    @property
    def now_s(self) -> float:
        return self._t_ms / 1000.0

    def advance(self, dt_ms: int) -> int:
        if dt_ms < 0:
            raise ValueError(f"clock cannot go backwards (dt_ms={dt_ms})")
        self._t_ms += int(dt_ms)
        return self._t_ms
