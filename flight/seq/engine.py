"""The sequencer engine: runs checked sequences (flight.seq.nodes) in named
slots on the simulated clock.

Each slot runs one sequence at a time as a stack of frames (the sequence,
called sub-sequences, repeat and if blocks).  A statement is either done at
once (check, goto, label) or leaves the slot *waiting*: for a time tag, a
delay, a condition with persistence, or a dispatched command until the
executor reports it completed or failed.  Nothing here blocks or reads wall
time; ``update()`` is called once per flight cycle.

Semantics (docs/sequencer.md):
- ``R+t`` waits until t after the previous statement *completed*; ``A@t``
  waits until mission elapsed time t (late absolute tags run at once, with a
  warning event).
- A failing statement applies its own ``on error`` policy, else the nearest
  enclosing sub-sequence's, else the sequence's, else abort.  ``continue``
  goes on with the next statement; ``goto L`` jumps to label L (searched
  outward through the enclosing blocks); ``call H`` runs handler H and then
  ends the sequence as FAILED (the failure was handled, not undone);
  ``abort`` ends it as ABORTED.
- A slot runs at most ``max_statements_per_cycle`` statements and
  ``max_commands_per_cycle`` commands per cycle, so a runaway loop of
  instant statements cannot starve the flight loop.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from common.dictionary.model import ArgumentError

from . import nodes as N
from .conditions import compile_condition
from .resolve import BindError, bind_call, command_args


class SlotState(str, enum.Enum):
    IDLE = "IDLE"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"
    CANCELLED = "CANCELLED"


FINISHED = (SlotState.COMPLETED, SlotState.FAILED, SlotState.ABORTED, SlotState.CANCELLED)


class SequencerError(RuntimeError):
    """A request the sequencer refuses (busy slot, unknown slot)."""


@dataclass
class _Frame:
    body: tuple
    bindings: dict
    policy: N.Policy | None       # policy of a sequence/sub-sequence frame; None for blocks
    owner: bool                   # True for sequence and sub-sequence frames
    pc: int = 0
    remaining: int = 0            # for repeat frames: iterations left after this one
    fail_after: str | None = None # handler frames: end the sequence FAILED afterwards
    labels: dict = field(default_factory=dict)


def _where(node) -> str:
    return f"{node.file}:{node.line}:{node.col}"


class Slot:
    def __init__(self, name: str, engine: "Sequencer"):
        self.name = name
        self.engine = engine
        self.state = SlotState.IDLE
        self.sequence: N.Sequence | None = None
        self.stack: list[_Frame] = []
        self.reason = ""
        self.current: Any = None          # statement being executed / waited on
        self._wait = None                 # (kind, data)
        self.last_done_ms = 0
        self.step_pending = False
        self.statements_run = 0
        self.commands_sent = 0
        self.failures: list[str] = []

    # -- control -------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.state in (SlotState.RUNNING, SlotState.PAUSED)

    def start(self, seq: N.Sequence, bindings: dict | None = None) -> None:
        self.sequence = seq
        self.stack = [self._frame(seq.body, bindings or {}, seq.on_error, owner=True)]
        self.state = SlotState.RUNNING
        self.reason = ""
        self.current = None
        self._wait = None
        self.last_done_ms = self.engine.clock.now_ms()
        self.failures = []
        self.engine.bus.emit("SEQ_STARTED", sequence=seq.name, slot=self.name)
        self._publish()

    def pause(self) -> None:
        if self.state is SlotState.RUNNING:
            self.state = SlotState.PAUSED
            self._publish()

    def resume(self) -> None:
        if self.state is SlotState.PAUSED:
            self.state = SlotState.RUNNING
            self.step_pending = False
            self._publish()

    def step(self) -> None:
        """Run exactly one more statement, then pause again."""
        if self.state is SlotState.PAUSED:
            self.step_pending = True
            self.state = SlotState.RUNNING

    def cancel(self, reason: str = "cancelled") -> None:
        if not self.busy:
            return
        if self._wait is not None and self._wait[0] == "cmd":
            self.engine.executor.cancel(self._wait[1], f"sequence in slot {self.name} cancelled")
        self._end(SlotState.CANCELLED, reason)

    # -- helpers ---------------------------------------------------------------
    def _frame(self, body, bindings, policy, owner, remaining=0, fail_after=None) -> _Frame:
        labels = {s.name: i for i, s in enumerate(body) if isinstance(s, N.Label)}
        return _Frame(body, bindings, policy, owner, 0, remaining, fail_after, labels)

    def _bindings(self) -> dict:
        return self.stack[-1].bindings if self.stack else {}

    def _publish(self) -> None:
        cur = self.current
        self.engine.bus.publish_many({
            f"seq.{self.name}.state": self.state.value,
            f"seq.{self.name}.line": cur.line if cur is not None else 0,
            f"seq.{self.name}.name": self.sequence.name if self.sequence else "",
        })

    def _end(self, state: SlotState, reason: str = "") -> None:
        self.state = state
        self.reason = reason
        self.stack = []
        self._wait = None
        name = self.sequence.name if self.sequence else "?"
        bus = self.engine.bus
        if state is SlotState.COMPLETED:
            bus.emit("SEQ_COMPLETED", sequence=name, slot=self.name)
        elif state is SlotState.ABORTED:
            bus.emit("SEQ_ABORTED", sequence=name, slot=self.name, reason=reason)
        else:
            # a cancel is an operator's or a mode's decision, not a failure
            bus.emit("SEQ_FAILED", "WARN" if state is SlotState.CANCELLED else None,
                     sequence=name, slot=self.name, reason=reason, state=state.value.lower())
        self._publish()

    # -- running -----------------------------------------------------------------
    def update(self) -> None:
        if self.state is not SlotState.RUNNING:
            return
        eng = self.engine
        budget = eng.max_statements_per_cycle
        cmd_budget = eng.max_commands_per_cycle
        changed = False
        while self.state is SlotState.RUNNING and budget > 0:
            if self._wait is not None:
                if not self._poll_wait():
                    break
                changed = True
                if self.step_pending:
                    self.step_pending = False
                    self.state = SlotState.PAUSED
                    break
                continue
            stmt = self._next()
            if stmt is None:
                break
            if isinstance(stmt, N.Command) and cmd_budget <= 0:
                self._push_back()
                break
            budget -= 1
            changed = True
            self.current = stmt
            tag = getattr(stmt, "time_tag", None)
            if tag is not None and not self._tag_released(stmt, tag):
                continue
            if isinstance(stmt, N.Command):
                cmd_budget -= 1
            self._exec(stmt)
            if self._wait is None and self.step_pending and self.state is SlotState.RUNNING:
                self.step_pending = False
                self.state = SlotState.PAUSED
        if changed:
            self._publish()

    def _next(self):
        """The next statement to run, popping finished frames."""
        while self.stack:
            f = self.stack[-1]
            if f.pc < len(f.body):
                stmt = f.body[f.pc]
                f.pc += 1
                return stmt
            if f.remaining > 0:
                f.remaining -= 1
                f.pc = 0
                continue
            self.stack.pop()
            if f.fail_after is not None:
                self._end(SlotState.FAILED, f.fail_after)
                return None
        self._end(SlotState.COMPLETED)
        return None

    def _push_back(self) -> None:
        self.stack[-1].pc -= 1

    def _tag_released(self, stmt, tag: N.TimeTag) -> bool:
        now = self.engine.clock.now_ms()
        if tag.kind == "R":
            due = self.last_done_ms + tag.ms
        else:
            due = self.engine.epoch_ms + tag.ms
            if due < now:
                self.engine.bus.emit("LOG", "WARN",
                                     f"{_where(tag)}: absolute time tag is {now - due} ms late; "
                                     f"running now", text="late absolute time tag")
        if due > now:
            self._wait = ("tag", (due, stmt))
            return False
        return True

    def _done(self) -> None:
        self.last_done_ms = self.engine.clock.now_ms()
        self.statements_run += 1

    def _poll_wait(self) -> bool:
        """True when the wait is over (and its statement has been handled)."""
        kind, data = self._wait
        eng = self.engine
        now = eng.clock.now_ms()
        if kind == "tag":
            due, stmt = data
            if now < due:
                return False
            self._wait = None
            self._exec(stmt)
            return True
        if kind == "delay":
            if now < data:
                return False
            self._wait = None
            self._done()
            return True
        if kind == "cmd":
            h = data
            if not h.done:
                return False
            self._wait = None
            if h.succeeded:
                self._done()
            else:
                self._fail(self.current, f"{h.name} failed: {h.reason}")
            return True
        if kind == "until":
            stmt, cond, deadline, held_since = data
            ok = cond.evaluate(eng.lookup)
            if ok:
                if held_since is None:
                    held_since = now
                if now - held_since >= stmt.for_ms:
                    self._wait = None
                    self._done()
                    return True
            else:
                held_since = None
            if now >= deadline:
                self._wait = None
                missing = ", ".join(sorted(cond.last_missing))
                last = {n: eng.bus.value(n) for n in sorted(cond.names)}
                why = f"wait until {cond.text} timed out after {stmt.timeout_ms} ms (last: {last}"
                why += f"; never published: {missing})" if missing else ")"
                eng.bus.emit("WAIT_TIMEOUT", "WARN", f"{_where(stmt)}: {why}",
                             where=_where(stmt), condition=cond.text, timeout_ms=stmt.timeout_ms)
                self._fail(stmt, why, already_reported=True)
                return True
            self._wait = ("until", (stmt, cond, deadline, held_since))
            return False
        raise AssertionError(kind)

    def _exec(self, stmt) -> None:
        eng = self.engine
        now = eng.clock.now_ms()
        b = self._bindings()
        if isinstance(stmt, N.Command):
            try:
                cdef = eng.dictionary.command(stmt.name)
                args = command_args(stmt, cdef, b)
            except (ArgumentError, BindError, KeyError) as e:
                self._fail(stmt, str(e))
                return
            self.commands_sent += 1
            h = eng.executor.dispatch(stmt.name, args, source=self.name)
            if h.done:
                if h.succeeded:
                    self._done()
                else:
                    self._fail(stmt, f"{h.name} failed: {h.reason}")
            else:
                self._wait = ("cmd", h)
        elif isinstance(stmt, N.Delay):
            self._wait = ("delay", now + stmt.ms)
        elif isinstance(stmt, N.WaitUntil):
            cond = eng.condition(stmt.cond, b)
            self._wait = ("until", (stmt, cond, now + stmt.timeout_ms, None))
            self._poll_wait()
        elif isinstance(stmt, N.Check):
            cond = eng.condition(stmt.cond, b)
            if cond.evaluate(eng.lookup):
                self._done()
            else:
                last = {n: eng.bus.value(n) for n in sorted(cond.names)}
                why = f"check {cond.text} failed (values: {last})"
                eng.bus.emit("CHECK_FAILED", "WARN", f"{_where(stmt)}: {why}",
                             where=_where(stmt), condition=cond.text)
                self._fail(stmt, why, already_reported=True)
        elif isinstance(stmt, N.Call):
            sub = self.sequence.subsequence(stmt.name)
            try:
                if sub is None:
                    raise BindError(f"no sub-sequence {stmt.name!r}")
                bindings = bind_call(stmt.args, sub, b)
            except BindError as e:
                self._fail(stmt, str(e))
                return
            self._done()
            self.stack.append(self._frame(sub.body, bindings, sub.on_error, owner=True))
        elif isinstance(stmt, N.Repeat):
            self._done()
            if stmt.count > 0:
                self.stack.append(self._frame(stmt.body, b, None, owner=False,
                                              remaining=stmt.count - 1))
        elif isinstance(stmt, N.If):
            cond = eng.condition(stmt.cond, b)
            body = stmt.then_body if cond.evaluate(eng.lookup) else stmt.else_body
            self._done()
            if body:
                self.stack.append(self._frame(body, b, None, owner=False))
        elif isinstance(stmt, N.Goto):
            self._done()
            self._jump(stmt.label, stmt)
        elif isinstance(stmt, N.Label):
            pass
        elif isinstance(stmt, N.Abort):
            self._fail(stmt, stmt.message or "abort statement", policy=N.Policy(
                "abort", None, stmt.file, stmt.line, stmt.col))
        else:
            self._fail(stmt, f"unsupported statement {type(stmt).__name__}")

    def _jump(self, label: str, stmt) -> bool:
        for depth in range(len(self.stack) - 1, -1, -1):
            f = self.stack[depth]
            if label in f.labels:
                del self.stack[depth + 1:]
                f.pc = f.labels[label] + 1
                return True
            if f.owner:
                break
        self._end(SlotState.ABORTED, f"{_where(stmt)}: goto unknown label {label!r}")
        return False

    def _policy(self, stmt) -> N.Policy | None:
        pol = getattr(stmt, "on_error", None)
        if pol is not None:
            return pol
        for f in reversed(self.stack):
            if f.owner:
                if f.policy is not None:
                    return f.policy
        return None

    def _fail(self, stmt, reason: str, already_reported: bool = False,
              policy: N.Policy | None = None) -> None:
        where = _where(stmt) if stmt is not None else "?"
        msg = f"{where}: {reason}"
        self.failures.append(msg)
        pol = policy or self._policy(stmt)
        kind = pol.kind if pol is not None else "abort"
        if kind == "continue":
            self._done()
            return
        if kind == "goto":
            self._done()
            self._jump(pol.target, stmt)
            return
        if kind == "call":
            sub = self.sequence.subsequence(pol.target)
            if sub is None:
                self._end(SlotState.ABORTED, f"{msg} (handler {pol.target!r} not found)")
                return
            try:
                bindings = bind_call((), sub, None)
            except BindError as e:
                self._end(SlotState.ABORTED, f"{msg} (handler {pol.target!r}: {e})")
                return
            # The handler runs in place of the rest of the sequence, under its
            # own error policy (default abort).
            self.stack = [self._frame(sub.body, bindings, sub.on_error, owner=True,
                                      fail_after=f"{msg} (handled by {sub.name})")]
            self._done()
            return
        self._end(SlotState.ABORTED, msg)


class Sequencer:
    """Named slots sharing one executor, clock and bus."""

    DEFAULT_SLOTS = ("boot", "mobility", "payload", "fault")

    def __init__(self, dictionary, bus, clock, executor, *, slots=DEFAULT_SLOTS,
                 max_statements_per_cycle: int = 20, max_commands_per_cycle: int = 4,
                 epoch_ms: int = 0):
        self.dictionary = dictionary
        self.bus = bus
        self.clock = clock
        self.executor = executor
        self.max_statements_per_cycle = max_statements_per_cycle
        self.max_commands_per_cycle = max_commands_per_cycle
        self.epoch_ms = epoch_ms
        self.slots = {n: Slot(n, self) for n in slots}
        self.lookup = bus.values.get
        self.running_slot: str | None = None      # the slot executing right now, if any
        self._cond_cache: dict = {}
        for s in self.slots.values():
            s._publish()

    def slot(self, name: str) -> Slot:
        try:
            return self.slots[name]
        except KeyError:
            raise SequencerError(f"unknown sequencer slot {name!r}; slots: "
                                 f"{', '.join(self.slots)}") from None

    def condition(self, expr, bindings):
        key = (id(expr), tuple(sorted((k, v) for k, v in bindings.items())) if bindings else ())
        c = self._cond_cache.get(key)
        if c is None or c.expr is not expr:
            c = compile_condition(expr, self.dictionary, bindings)
            self._cond_cache[key] = c
        return c

    def start(self, slot: str, seq: N.Sequence, bindings: dict | None = None, *,
              preempt: bool = False) -> Slot:
        s = self.slot(slot)
        if s.busy:
            if not preempt:
                raise SequencerError(f"slot {slot!r} is busy running "
                                     f"{s.sequence.name if s.sequence else '?'}")
            s.cancel(f"preempted by {seq.name}")
        s.start(seq, bindings)
        return s

    def cancel(self, slot: str, reason: str = "cancelled") -> None:
        self.slot(slot).cancel(reason)

    def cancel_all(self, reason: str, except_slots=()) -> None:
        for n, s in self.slots.items():
            if n not in except_slots:
                s.cancel(reason)

    def update(self) -> None:
        for s in self.slots.values():
            if s.state is SlotState.RUNNING:
                self.running_slot = s.name
                try:
                    s.update()
                finally:
                    self.running_slot = None

    @property
    def busy(self) -> bool:
        return any(s.busy for s in self.slots.values())
