"""RoverBench: what a HIL test engineer scripts against (COSMOS-style
cmd / wait_check / events), on the flight software's clock.

Every wait is in *simulated* seconds and cycles the flight software until
the condition holds; a failing wait raises BenchTimeout naming what it
waited for and the last value seen.  The same test runs on sim:// or on a
bench of boards: only the HAL URL changes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from flight.system import FlightSystem


class BenchTimeout(AssertionError):
    """A bench wait that did not complete in time."""


def _split_value(v) -> tuple[Any, str | None]:
    """10 -> (10, None); (10, "cm") -> (10, "cm"); "10 cm" -> (10.0, "cm")."""
    if isinstance(v, tuple) and len(v) == 2:
        return v[0], v[1]
    if isinstance(v, str):
        parts = v.strip().split(None, 1)
        if len(parts) == 2:
            try:
                return float(parts[0]), parts[1]
            except ValueError:
                pass
    return v, None


class RoverBench:
    def __init__(self, system: FlightSystem):
        self.fs = system
        self.bus = system.bus
        self.dictionary = system.dictionary

    # -- time ----------------------------------------------------------------
    @property
    def t_s(self) -> float:
        return self.fs.clock.now_ms() / 1000.0

    def run_for(self, seconds: float) -> None:
        end = self.fs.clock.now_ms() + int(seconds * 1000)
        while self.fs.clock.now_ms() < end:
            self.fs.cycle()

    def boot(self, timeout_s: float = 120.0) -> None:
        slot = self.fs.sequencer.slot("boot")
        self._until(lambda: not slot.busy, timeout_s, "boot sequence to finish",
                    lambda: f"boot slot {slot.state.value}, mode {self.fs.modes.mode}")
        if slot.state.value != "COMPLETED":
            raise AssertionError(f"boot sequence {slot.state.value}: {slot.reason}")

    # -- commands ---------------------------------------------------------------
    def _command(self, cmd: str, args: dict):
        """The typed command: converted and range-checked once, here where it
        enters (ArgumentError names the argument)."""
        values, units = {}, {}
        for k, v in args.items():
            values[k], units[k] = _split_value(v)
        return self.dictionary.command(cmd).command(values, units)

    def send(self, cmd: str, **args):
        """Dispatch a command by dictionary name; returns its handle (maybe
        already refused or completed).  Values may carry units: "5 m", (5, "m")."""
        return self.fs.executor.dispatch(self._command(cmd, args), source="ground")

    def arm(self, cmd: str):
        """Arm critical command ``cmd`` for the next few seconds (ARM command=cmd);
        the next ``send(cmd, ...)`` from the bench may then fire it."""
        return self.send("ARM", command=cmd)

    def send_and_await_completion(self, cmd: str, timeout_s: float | None = None, **args):
        h = self.send(cmd, **args)
        if timeout_s is None:
            timeout_s = self.dictionary.command(cmd).timeout_s + 1.0
        self._until(lambda: h.done, timeout_s, f"{cmd} to complete",
                    lambda: f"{h.status.value} {h.reason}".strip())
        if not h.succeeded:
            raise AssertionError(f"{cmd} did not complete: {h.reason}")
        return h

    # -- telemetry ----------------------------------------------------------------
    def value(self, channel: str, default: Any = None) -> Any:
        return self.bus.value(channel, default)

    def await_telemetry(self, predicate: Callable[[dict], bool] | str, timeout_s: float,
                        what: str | None = None):
        """Wait until ``predicate(values)`` is true, or a condition written as in
        sequences ("rover.speed_mps < 1 cm/s and mode == IDLE") holds."""
        if isinstance(predicate, str):
            cond = self._condition(predicate)
            what = what or predicate
            names = sorted(cond.names)
            fn = lambda: cond.evaluate(self.bus.values.get)   # noqa: E731
            last = lambda: ", ".join(f"{n}={self.bus.value(n)!r}" for n in names)  # noqa: E731
        else:
            what = what or getattr(predicate, "__name__", "predicate")
            fn = lambda: bool(predicate(self.bus.values))   # noqa: E731
            last = lambda: "values at timeout: " + ", ".join(   # noqa: E731
                f"{k}={v!r}" for k, v in sorted(self.bus.values.items())
                if k.startswith(("mode", "rover.x", "rover.y", "rover.speed", "power.soc")))
        self._until(fn, timeout_s, what, last)
        return self.bus.snapshot()

    def _condition(self, text: str):
        from flight.seq import SequenceErrors, compile_condition, parse_sequence
        seq, errors = parse_sequence(f"check {text}\n", file="<bench>", dictionary=self.dictionary)
        if errors:
            raise SequenceErrors(errors)
        return compile_condition(seq.body[0].cond, self.dictionary, None)

    def _until(self, fn, timeout_s: float, what: str, last: Callable[[], str]) -> None:
        clock = self.fs.clock
        end = clock.now_ms() + int(timeout_s * 1000)
        while not fn():
            if clock.now_ms() >= end:
                raise BenchTimeout(f"timed out after {timeout_s:g} s (simulated) waiting for "
                                   f"{what}; last seen: {last()}")
            self.fs.cycle()

    # -- events ------------------------------------------------------------------
    def events(self, name: str | None = None, since_s: float = 0.0):
        t0 = int(since_s * 1000)
        return [e for e in self.bus.events if e.t_ms >= t0 and (name is None or e.name == name)]

    def assert_event(self, name: str, *, since_s: float = 0.0, timeout_s: float = 0.0,
                     **match):
        """The first event ``name`` at or after since_s whose args contain
        ``match``; waits up to timeout_s for it."""
        if name not in self.dictionary.events:
            raise ValueError(f"unknown event {name!r}")

        def found():
            for e in self.events(name, since_s):
                if all(e.args.get(k) == v for k, v in match.items()):
                    return e
            return None

        if timeout_s > 0:
            try:
                self._until(lambda: found() is not None, timeout_s, f"event {name} {match or ''}",
                            lambda: "; ".join(f"{e.name}: {e.message}"
                                              for e in self.events(since_s=since_s)[-5:]))
            except BenchTimeout as e:
                raise AssertionError(str(e)) from None
        e = found()
        if e is None:
            seen = [f"{x.name}({x.args})" for x in self.events(name, since_s)]
            raise AssertionError(f"no event {name} matching {match} since {since_s} s; "
                                 f"seen: {seen or 'none'}")
        return e

    # -- sequences ------------------------------------------------------------------
    def run_sequence(self, path: str | Path, *, slot: str = "mobility", timeout_s: float = 3600.0):
        """Load (check) a sequence file, run it in ``slot`` to the end; returns the slot."""
        from flight.seq.library import load_any
        seq = load_any(path, self.dictionary)
        s = self.fs.sequencer.start(slot, seq)
        self._until(lambda: not s.busy, timeout_s, f"sequence {Path(path).name} in slot {slot}",
                    lambda: f"state {s.state.value} at line "
                            f"{s.current.line if s.current is not None else '-'}")
        return s

    # -- simulator extras ------------------------------------------------------------
    @property
    def faults(self):
        """Fault injection (the simulator's; a HalError elsewhere)."""
        return self.fs.hal.faults
