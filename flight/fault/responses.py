"""Responses: a condition over monitor states -> a response sequence (and
optionally the mode that sequence is meant to reach).

Firing rule (why: fire once per onset, but never lose a condition that is
still there when a cooldown ends, and never chatter on a flapping monitor):
- a response is *armed* while its condition is false;
- when the condition is true and the response is armed it fires and disarms;
- if it would fire within ``cooldown_ms`` of its last firing it waits, and
  fires when the cooldown ends if the condition is still true.

Mode gate: a response with ``modes`` is due only while the flight mode is
one of them; in another mode it stays armed and does not fire, and it fires
on entering one of its modes if its condition holds then (e.g. pausing a
print means something only in PRINT: a print job heats in no other mode).

States: ``active`` fires (calls the dispatcher: the sequencer runs the
response sequence in its fault slot); ``passive`` only logs what it would
have done (for trying a new response on a bench or in flight); ``disabled``
is not evaluated at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flight.fault.expr import Condition

ACTIVE, PASSIVE, DISABLED = "active", "passive", "disabled"
RESPONSE_STATES = (ACTIVE, PASSIVE, DISABLED)


@dataclass(frozen=True)
class ResponseSpec:
    """What the dispatcher receives: ``name``, ``sequence`` (name of a
    response sequence), ``mode`` (target mode or None), ``sequence_path``."""
    name: str
    condition: Condition
    sequence: str
    mode: str | None = None
    state: str = ACTIVE
    cooldown_ms: int = 0
    description: str = ""
    sequence_path: Path | None = None
    modes: frozenset[str] | None = None    # due only in these flight modes (None: any)

    @property
    def when(self) -> str:
        return self.condition.text


class Response:
    """Runtime state of one response."""

    __slots__ = ("spec", "name", "state", "armed", "last_fired_ms", "count")

    def __init__(self, spec: ResponseSpec):
        self.spec = spec
        self.name = spec.name
        self.state = spec.state
        self.armed = True
        self.last_fired_ms: int | None = None
        self.count = 0    # firings, active or passive

    def due(self, states, now_ms: int, mode: str | None = None) -> "bool | int":
        """True: fire now.  False: nothing to do.  An int: condition holds but
        the cooldown runs until that time (ms) -- check again then.  ``mode``:
        the flight mode now (for the mode gate)."""
        modes = self.spec.modes
        if self.state == DISABLED or (modes is not None and mode not in modes):
            self.armed = True
            return False
        if not self.spec.condition.evaluate(states):
            self.armed = True
            return False
        if not self.armed:
            return False
        last = self.last_fired_ms
        if last is not None and now_ms - last < self.spec.cooldown_ms:
            return last + self.spec.cooldown_ms
        return True

    def mark_fired(self, now_ms: int) -> None:
        self.armed = False
        self.last_fired_ms = now_ms
        self.count += 1
