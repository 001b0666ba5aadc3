"""Fault protection engine: evaluate every monitor once per flight cycle and
fire the responses whose conditions hold.

Cost model: ``update()`` runs every cycle (about 10,000 times per wall second
in the simulator at 1000x), so it does only the monitor checks, and of those
only the ones whose channel changed or whose deadline came (the rest would
evaluate to the state they hold; flight/fault/monitors.py).  Response
conditions depend on monitor *states* alone, so they are re-evaluated only
when some monitor changed state, a response state was switched, or a
cooldown that held back a response has run out.

Responses fire in table order (table order is priority order); each active
one calls ``dispatcher(response_spec)`` -- the sequencer runs the response
sequence in its fault slot.  A dispatcher that raises is reported as an
ERROR event and does not stop the cycle.

Telemetry: fp.<monitor>.state (on change), fp.limit_set,
fp.response.<name>.state, fp.responses.fired (active firings),
fp.responses.logged (passive firings).
"""
from __future__ import annotations

import math
from typing import Callable

from flight.commands.handlers import CommandFailed, handles
from flight.fault.monitors import Monitor
from flight.fault.responses import ACTIVE, PASSIVE, RESPONSE_STATES, Response, ResponseSpec
from flight.fault.tables import FaultTable

Dispatcher = Callable[[ResponseSpec], None]
_NEVER = math.inf


class FaultProtection:
    """``clear_faults`` (optional) releases the latches below the flight
    software (the HAL's boards); CLEAR_FAULT calls it."""

    def __init__(self, bus, clock, table: FaultTable, dispatcher: Dispatcher, *,
                 limit_set: str | None = None, clear_faults: Callable[[], None] | None = None):
        self._bus = bus
        self._clock = clock
        self._dispatch = dispatcher
        self._clear_faults = clear_faults
        self.fired_count = 0
        self.logged_count = 0
        self.table: FaultTable | None = None
        self.load(table, limit_set)

    # -- configuration --------------------------------------------------------
    def load(self, table: FaultTable, limit_set: str | None = None) -> None:
        """Swap in a validated table.  Everything new is built first, so an
        error (e.g. unknown limit set) leaves the old table running."""
        ls = table.default_limit_set if limit_set is None else limit_set
        self._check_limit_set(table, ls)
        now = self._clock.now_ms()
        states: dict[str, str] = {}
        monitors = [Monitor(spec, ls, self._bus, states, now) for spec in table.monitors]
        responses = [Response(spec) for spec in table.responses]
        self.table, self._limit_set = table, ls
        self._states, self._monitors, self._responses = states, monitors, responses
        self._by_name = {r.name: r for r in responses}
        self._monitor_by_name = {m.name: m for m in monitors}
        self._recheck_ms = 0    # evaluate responses on the first update
        self._mode_seen = None
        pub = {f"fp.{m.name}.state": m.state for m in monitors}
        pub.update({f"fp.response.{r.name}.state": r.state for r in responses})
        pub.update({"fp.limit_set": ls, "fp.responses.fired": self.fired_count,
                    "fp.responses.logged": self.logged_count})
        self._bus.publish_many(pub)
        # the argument is "table", not "name": TelemetryBus.emit's own first
        # parameter is called name, so an event argument cannot be
        self._bus.emit("FP_TABLE_LOADED", table=table.name, monitors=len(monitors),
                       responses=len(responses), limit_set=ls)

    @staticmethod
    def _check_limit_set(table: FaultTable, name: str) -> None:
        if name not in table.limit_sets:
            raise ValueError(f"unknown limit set {name!r}; table {table.name} has: "
                             f"{', '.join(table.limit_sets)}")

    @property
    def limit_set(self) -> str:
        return self._limit_set

    def set_limit_set(self, name: str) -> None:
        self._check_limit_set(self.table, name)
        for m in self._monitors:
            m.set_limits(m.spec.limits[name])
        self._limit_set = name
        self._bus.publish("fp.limit_set", name)

    def set_response_state(self, name: str, state: str) -> None:
        r = self._by_name.get(name)
        if r is None:
            raise KeyError(f"unknown response {name!r}; known: {', '.join(self._by_name) or 'none'}")
        state = state.lower() if isinstance(state, str) else state   # FP_RESPONSE sends ACTIVE/PASSIVE
        if state not in RESPONSE_STATES:
            raise ValueError(f"response state must be one of {', '.join(RESPONSE_STATES)}, got {state!r}")
        r.state = state
        self._recheck_ms = 0    # re-enabling a response whose condition already holds fires it
        self._bus.publish(f"fp.response.{name}.state", state)

    # -- the commands fault protection owns -----------------------------------------
    @handles("CLEAR_FAULT")
    def cmd_clear_fault(self, cmd) -> None:
        if self._clear_faults is not None:
            self._clear_faults()

    @handles("FP_SET_LIMITS")
    def cmd_set_limits(self, cmd) -> None:
        try:
            self.set_limit_set(cmd.args["set"])
        except ValueError as e:
            raise CommandFailed(str(e)) from None

    @handles("FP_RESPONSE")
    def cmd_response(self, cmd) -> None:
        try:
            self.set_response_state(cmd.args["name"], cmd.args["state"])
        except KeyError as e:
            raise CommandFailed(e.args[0]) from None
        except ValueError as e:
            raise CommandFailed(str(e)) from None

    # -- queries -----------------------------------------------------------------
    def monitor_state(self, name: str) -> str:
        return self._monitor_by_name[name].state

    @property
    def monitor_states(self) -> dict[str, str]:
        return dict(self._states)

    # -- the cycle ------------------------------------------------------------
    def update(self) -> None:
        now = self._clock.now_ms()
        bus = self._bus
        values, stamps = bus.values, bus.stamps   # public attributes; read directly, it is the hot path
        # A monitor whose bus entry is unchanged and whose next deadline has not
        # come would evaluate to what it already holds: skip it (the test of
        # Monitor.needs_evaluation, inlined).  Deadlines are whole ms, so a
        # clock that is not an integer one has every monitor evaluated.
        horizon = now if type(now) is int else _NEVER
        changed = False
        for m in self._monitors:
            wake_ms, look, key, seen = m.quiet
            if horizon < wake_ms and look(key) is seen:
                continue
            if m.evaluate(values, stamps, now):
                changed = True
        mode = values.get("mode")
        if mode != self._mode_seen:        # mode-gated responses may become due
            self._mode_seen = mode
            changed = True
        if changed or now >= self._recheck_ms:
            self._respond(now, mode)

    def _respond(self, now: int, mode: str | None) -> None:
        recheck = _NEVER
        states = self._states
        for r in self._responses:
            due = r.due(states, now, mode)
            if due is False:
                continue
            if due is not True:          # held back by its cooldown until `due` ms
                recheck = min(recheck, due)
                continue
            r.mark_fired(now)
            self._fire(r)
        self._recheck_ms = recheck

    def _fire(self, r: Response) -> None:
        spec = r.spec
        mode = spec.mode or ""
        bus = self._bus
        fields = dict(response=spec.name, sequence=spec.sequence, mode=mode,
                      mode_text=f" -> {mode}" if mode else "", when=spec.when)
        if r.state == PASSIVE:
            self.logged_count += 1
            bus.publish("fp.responses.logged", self.logged_count)
            bus.emit("FP_RESPONSE_LOGGED", **fields)
            return
        assert r.state == ACTIVE
        self.fired_count += 1
        bus.publish("fp.responses.fired", self.fired_count)
        bus.emit("FP_RESPONSE_FIRED", **fields)
        try:
            self._dispatch(spec)
        except Exception as exc:  # the loop must go on; the event says what failed
            bus.emit("FP_RESPONSE_FAILED", response=spec.name, sequence=spec.sequence,
                     mode=mode, error=repr(exc))
