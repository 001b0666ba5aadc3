"""Monitors: one telemetry channel checked against one limit set, debounced
in simulated milliseconds.

Kinds
- ``range``: bad when the value is outside [low, high] (either may be open);
  NaN and non-numeric values count as bad, never as "fine".
- ``equals``: bad when the value equals ``value`` (e.g. a status string).
- ``staleness``: bad when the channel has not been published for more than
  ``max_age_ms`` (the value is not looked at).

Mode gate: a monitor with ``modes`` judges its channel only while the flight
mode (channel ``mode``) is one of them; in any other mode it rests UNKNOWN
(nothing is judged, so nothing trips), and its debounce starts afresh when
the mode comes back.  E.g. the printer's sun check means something only in
PRINT, the one mode that heats.

States: GREEN, TRIPPED (bad for ``persist_ms``; back to GREEN after good for
``clear_ms``), STALE (range/equals only: no sample for ``stale_ms``, so the
value cannot be trusted either way), UNKNOWN (channel never published).  A
channel that never appeared stays UNKNOWN -- e.g. a payload-board heartbeat on
the simulator -- unless the monitor is ``required``, in which case it goes
STALE (TRIPPED for staleness monitors) once the age limit has passed since
the table was loaded.

``evaluate`` is exact whenever it is called; everything else (events,
telemetry) happens only on a transition.  After each evaluation a monitor
also says when it next needs one (``needs_evaluation``): its outcome depends
on one bus entry (the value, or for stamp-judged states the publish time)
and on time only through deadlines it knows (persistence, clearing,
staleness), so while that entry is the very object it judged and no deadline
has come, evaluating again would change nothing.  The engine skips those
evaluations; most channels are published every tenth cycle or never.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from flight.fault.expr import GREEN, STALE, TRIPPED, UNKNOWN

KINDS = ("range", "equals", "staleness")
_RANGE, _EQUALS, _STALENESS = 0, 1, 2
_KIND_CODE = {"range": _RANGE, "equals": _EQUALS, "staleness": _STALENESS}
_NEVER = math.inf
# Values immutable by type: the same object is the same value.  Any other
# value (a list, a numpy scalar...) is judged afresh every cycle.
_IMMUTABLE = frozenset({int, float, str, bool, type(None)})
_NO_OBJECT = object()       # `seen` that no bus entry is: evaluate next cycle
_ALWAYS = (-_NEVER, None, None, None)    # `quiet` of a monitor to evaluate every cycle
_IN_BAND = object()         # `seen` of a range monitor resting GREEN inside its range


def _band_look(values_get, low, high):
    """The `look` of a range monitor resting GREEN: _IN_BAND while its
    channel's value is one evaluate() judges good (inside [low, high]), so a
    channel that changes every cycle (pitch, roll) but stays in range needs
    no evaluation until its sample would go stale."""
    def look(ch):
        try:
            return _IN_BAND if low <= values_get(ch) <= high else None
        except TypeError:                       # as evaluate: not comparable is bad
            return None
    return look


@dataclass(frozen=True)
class Limits:
    """One monitor's settings under one limit set (all times simulated ms)."""
    low: float | None = None          # range
    high: float | None = None         # range
    value: Any = None                 # equals
    max_age_ms: int | None = None     # staleness
    persist_ms: int = 0
    clear_ms: int = 0
    stale_ms: int | None = None       # range/equals: older than this -> STALE


@dataclass(frozen=True)
class MonitorSpec:
    name: str
    channel: str
    kind: str
    limits: Mapping[str, Limits]      # limit set name -> Limits
    required: bool = False
    description: str = ""
    modes: frozenset[str] | None = None    # judged only in these flight modes (None: always)


class Monitor:
    """Runtime state of one monitor.  ``states`` is the engine's shared
    {monitor name: state} dict that response conditions read."""

    __slots__ = ("spec", "name", "channel", "state", "_kind", "_bus", "_states",
                 "_low", "_high", "_value", "_max_age", "_persist", "_clear", "_stale",
                 "_bad_since", "_good_since", "_t0", "_lim", "_modes",
                 "quiet", "_values_get", "_stamps_get", "_by_age", "_by_range", "_stale_after",
                 "_band_look")

    def __init__(self, spec: MonitorSpec, limit_set: str, bus, states: dict, t0_ms: int):
        self.spec = spec
        self.name = spec.name
        self.channel = spec.channel
        self._kind = _KIND_CODE[spec.kind]
        self._by_age = self._kind == _STALENESS
        self._by_range = self._kind == _RANGE
        self._bus = bus
        self._states = states
        self._t0 = t0_ms
        self._modes = spec.modes
        self._values_get = bus.values.get
        self._stamps_get = bus.stamps.get
        self.state = UNKNOWN
        states[self.name] = UNKNOWN
        self.set_limits(spec.limits[limit_set])

    def set_limits(self, lim: Limits) -> None:
        """Switch limit set; debounce timers restart, the state carries over
        and follows the new limits from the next evaluation."""
        self._lim = lim
        self._low = -math.inf if lim.low is None else lim.low
        self._high = math.inf if lim.high is None else lim.high
        self._value = lim.value
        self._max_age = lim.max_age_ms
        self._persist = lim.persist_ms
        self._clear = lim.clear_ms
        self._stale = lim.stale_ms
        # evaluate's fresh-sample test in one compare (no int exceeds inf)
        self._stale_after = _NEVER if lim.stale_ms is None else lim.stale_ms
        self._band_look = _band_look(self._values_get, self._low, self._high)
        self._bad_since = None
        self._good_since = None
        self.quiet = _ALWAYS

    # -- when the next evaluation is needed -----------------------------------
    def needs_evaluation(self, now_ms: int) -> bool:
        """False while evaluating now would change nothing (the engine inlines
        this test in its loop).  Deadlines are whole ms: integer clocks only."""
        wake_ms, look, key, seen = self.quiet
        return not (now_ms < wake_ms and look(key) is seen)

    def _rest(self, look, key: str, seen: Any, wake_ms: float) -> None:
        """Until ``wake_ms``, the outcome moves only if ``look(key)`` (the
        bus's values.get or stamps.get) stops being ``seen``.  One tuple, so
        the engine's per-cycle test reads one attribute."""
        self.quiet = (wake_ms, look, key, seen)

    def _debounce_deadline(self, bad: bool, new: str) -> float:
        """When _debounce, fed the same ``bad``, would next answer otherwise."""
        if bad:
            return _NEVER if new is TRIPPED else self._bad_since + self._persist
        return self._good_since + self._clear if new is TRIPPED else _NEVER

    def evaluate(self, values: Mapping[str, Any], stamps: Mapping[str, int], now_ms: int) -> bool:
        """One cycle.  Returns True if the state changed."""
        modes = self._modes
        if modes is not None and values.get("mode") not in modes:
            return self._rest_out_of_modes(values.get("mode"), now_ms)
        ch = self.channel
        t = stamps.get(ch)
        if t is None or self._by_age or now_ms - t > self._stale_after:
            new, v = self._judge_stamp(t, now_ms)
        else:                                  # a fresh sample: the common path, kept lean
            v = values[ch]
            if self._by_range:
                try:
                    bad = not (self._low <= v <= self._high)   # NaN compares False -> bad
                except TypeError:                             # a string on a numeric channel
                    bad = True
            else:
                bad = v == self._value
            if bad or self.state is TRIPPED:
                new = self._debounce(bad, now_ms)
                wake = self._debounce_deadline(bad, new)
                look, seen = self._values_get, v if type(v) in _IMMUTABLE else _NO_OBJECT
            else:                              # good, no timer running (_debounce's last case)
                self._bad_since = None
                new, wake = GREEN, _NEVER
                if self._by_range:             # GREEN for as long as the value stays good
                    look, seen = self._band_look, _IN_BAND
                else:
                    look, seen = self._values_get, v if type(v) in _IMMUTABLE else _NO_OBJECT
            # the sample's age does not matter until it is stale; the value does
            stale = self._stale
            if stale is not None and t + stale + 1 < wake:
                wake = t + stale + 1
            # (self._rest, inlined: pitch and roll come here every cycle)
            self.quiet = (wake, look, ch, seen)
        if modes is not None:          # judged in its modes: the mode may change any cycle
            self.quiet = _ALWAYS
        if new is self.state:
            return False
        self._transition(new, v, now_ms)
        return True

    def _judge_stamp(self, t: int | None, now_ms: int) -> tuple[str, Any]:
        """(state, value for the event) when the publish time decides: the
        channel never published, a staleness monitor, or a stale sample."""
        ch = self.channel
        if t is None:
            new = self._never_published(now_ms)
            self._rest(self._stamps_get, ch, None, self._first_sample_deadline(new))
            return new, now_ms - self._t0
        if self._by_age:
            v = now_ms - t
            return self._judge_age(t, v, now_ms), v
        self._bad_since = self._good_since = None
        self._rest(self._stamps_get, ch, t, _NEVER)        # until the next sample
        return STALE, now_ms - t

    def _rest_out_of_modes(self, mode: Any, now_ms: int) -> bool:
        """Outside its modes a gated monitor judges nothing: UNKNOWN, timers
        cleared, and nothing to do until the mode changes."""
        self._bad_since = self._good_since = None
        self._rest(self._values_get, "mode", mode, _NEVER)
        if self.state is UNKNOWN:
            return False
        self._transition(UNKNOWN, None, now_ms)
        return True

    def _judge_age(self, t: int, age: int, now_ms: int) -> str:
        """A staleness monitor: bad once the channel is older than max_age_ms."""
        bad = age > self._max_age
        new = self._debounce(bad, now_ms)
        wake = self._debounce_deadline(bad, new)
        if not bad:                       # the age passes the limit one ms after t + max_age
            wake = min(wake, t + self._max_age + 1)
        self._rest(self._stamps_get, self.channel, t, wake)
        return new

    def _debounce(self, bad: bool, now_ms: int) -> str:
        if bad:
            self._good_since = None
            if self.state is TRIPPED:
                return TRIPPED
            if self._bad_since is None:
                self._bad_since = now_ms
            # Until the persistence has elapsed the value is fresh but unconfirmed: GREEN.
            return TRIPPED if now_ms - self._bad_since >= self._persist else GREEN
        self._bad_since = None
        if self.state is TRIPPED:
            if self._good_since is None:
                self._good_since = now_ms
            if now_ms - self._good_since >= self._clear:
                self._good_since = None
                return GREEN
            return TRIPPED
        return GREEN

    def _never_published(self, now_ms: int) -> str:
        if not self.spec.required:
            return UNKNOWN
        limit = self._max_age if self._kind == _STALENESS else self._stale
        if now_ms - self._t0 > limit:
            return TRIPPED if self._kind == _STALENESS else STALE
        return UNKNOWN

    def _first_sample_deadline(self, new: str) -> float:
        """When a monitor whose channel never appeared changes on its own: a
        required one when its wait for the first sample runs out."""
        if not self.spec.required or new is not UNKNOWN:
            return _NEVER
        limit = self._max_age if self._kind == _STALENESS else self._stale
        return self._t0 + limit + 1

    # -- transitions (rare: events and telemetry only here) ------------------
    def _transition(self, new: str, v: Any, now_ms: int) -> None:
        old = self.state
        self.state = new
        self._states[self.name] = new
        bus = self._bus
        bus.publish(f"fp.{self.name}.state", new)
        if new is TRIPPED or new is STALE:
            value, limit, text = self._describe(new, v)
            bus.emit("FP_MONITOR_TRIPPED", monitor=self.name, state=new, detail=text,
                     channel=self.channel, value=value, limit=limit)
        elif old is TRIPPED or old is STALE:
            bus.emit("FP_MONITOR_CLEARED", monitor=self.name, from_state=old, to_state=new)

    def _describe(self, new: str, v: Any) -> tuple[Any, Any, str]:
        """(value, violated limit, message) for a TRIPPED/STALE event."""
        lim = self._lim
        ch = self.channel
        if new is STALE:
            return v, lim.stale_ms, f"no {ch} sample for {v} ms (limit {lim.stale_ms} ms)"
        if self._kind == _STALENESS:
            return v, lim.max_age_ms, f"no {ch} sample for {v} ms (limit {lim.max_age_ms} ms)"
        if not isinstance(v, (int, float, bool, str)):
            v = repr(v)
        if self._kind == _EQUALS:
            return v, lim.value, f"{ch}={v!r} for {lim.persist_ms} ms"
        if isinstance(v, (int, float)) and not isinstance(v, bool) and lim.low is not None and v < lim.low:
            limit = lim.low
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and lim.high is not None and v > lim.high:
            limit = lim.high
        else:  # NaN or a non-numeric value: report the whole range
            limit = f"[{lim.low}, {lim.high}]"
        return v, limit, f"{ch}={v!r} outside [{lim.low}, {lim.high}] for {lim.persist_ms} ms"
