"""The sequencer engine: runs checked sequences (flight.seq.nodes) in named
slots on the simulated clock.

Each slot runs one sequence at a time as a stack of frames (the sequence,
called sub-sequences, repeat and if blocks).  A statement is either done at
once (check, goto, label) or leaves the slot *waiting*: for a time tag, a
delay, a condition with persistence, or a dispatched command until the
executor reports it completed or failed.  Nothing here blocks or reads wall
time; ``update()`` is called once per flight cycle.

Semantics (docs/sequences.md, "Failure policies", is the one table):
- ``R+t`` waits until t after the previous statement in run order
  *completed* (a block or call completes with its last statement); ``A@t``
  waits until mission elapsed time t (late absolute tags run at once, with a
  warning event).
- A failing statement applies its own ``; on error`` suffix, else the suffix
  of the nearest enclosing ``repeat``/``if`` block that has one, else the
  ``on error`` of the (sub-)sequence it is in, else abort.  Policies never
  cross a sequence boundary: a sub-sequence that ends failed makes its
  ``call`` statement fail in the caller, where the caller's policies apply.
  ``continue`` goes on with the next statement; ``goto L`` resumes at label
  L if L is later in that sequence (from at or after L it ends the sequence
  as failed instead: a goto never jumps back); ``call H`` runs handler H in
  place of the rest of the sequence, which then ends FAILED (handled, not
  undone); ``abort`` ends it as ABORTED.
- A slot runs at most ``max_statements_per_cycle`` statements and
  ``max_commands_per_cycle`` commands per cycle, so a runaway loop of
  instant statements cannot starve the flight loop; and never more
  statements or simulated time than the checker's bound (flight/seq/bounds.py).
"""
from __future__ import annotations

import enum
import math
from operator import is_
from dataclasses import dataclass, field
from typing import Any

from common.dictionary.model import ArgumentError

from . import nodes as N
from .bounds import sequence_bound
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


# Values immutable by type: the same object is the same value.
_IMMUTABLE = frozenset({int, float, str, bool, type(None)})

FINISHED = (SlotState.COMPLETED, SlotState.FAILED, SlotState.ABORTED, SlotState.CANCELLED)


class SequencerError(RuntimeError):
    """A request the sequencer refuses (busy slot, unknown slot)."""


@dataclass
class _Frame:
    body: tuple
    bindings: dict
    policy: N.Policy | None       # the frame's 'on error' (sequence) or suffix (block)
    owner: bool                   # True for sequence, sub-sequence and handler frames
    pc: int = 0
    remaining: int = 0            # for repeat frames: iterations left after this one
    fail_after: str | None = None # handler frames: the failure they handled
    labels: dict = field(default_factory=dict)
    call: object = None           # owner frames: the Call statement that started it (None = top)


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
        self.steps = 0                    # statements executed by the current sequence
        self.started_ms = 0
        self.bound = None                 # the checker's Bound for the current sequence (a property)
        self.lineage: tuple[str, ...] = ()   # sequences whose SEQ_START led to this one
        self._paused_at = 0
        self._until_seen = None           # a wait-until's inputs when last evaluated, see asleep()

    # -- control -------------------------------------------------------------
    @property
    def bound(self):
        return self._bound

    @bound.setter
    def bound(self, bound) -> None:
        # the time bound in ms, worked out once: the per-cycle check reads it
        self._bound = bound
        self._max_sim_ms = math.inf if bound is None else bound.max_sim_ms(self.engine.cycle_ms)

    def asleep(self, now_ms: int) -> bool:
        """True while this cycle's update() would do nothing: the slot waits
        on a command still running or on a time still ahead, and is within
        its time bound (update() checks the bound first)."""
        wait = self._wait
        if wait is None or now_ms - self.started_ms > self._max_sim_ms:
            return False
        kind, data = wait
        if kind == "cmd":
            return not data.done
        if kind == "delay":
            return now_ms < data
        if kind == "tag":
            return now_ms < data[0]
        return self._until_settled(data, now_ms)

    def _until_settled(self, data, now_ms: int) -> bool:
        """A wait-until whose condition would give what it gave last cycle
        (every channel it reads is the very object it read then; conditions
        read nothing else) and whose persistence and timeout are still ahead."""
        stmt, cond, deadline, held_since = data
        seen = self._until_seen
        if seen is None or now_ms >= deadline:
            return False
        if held_since is not None and now_ms - held_since >= stmt.for_ms:
            return False
        return all(map(is_, map(self.engine.lookup, cond.names), seen))

    def _remember_until_inputs(self, cond) -> None:
        seen = tuple(map(self.engine.lookup, cond.names))
        # a value that may change in place (not an immutable scalar) is read afresh each cycle
        self._until_seen = seen if all(type(v) in _IMMUTABLE for v in seen) else None

    @property
    def busy(self) -> bool:
        return self.state in (SlotState.RUNNING, SlotState.PAUSED)

    def start(self, seq: N.Sequence, bindings: dict | None = None,
              lineage: tuple[str, ...] = ()) -> None:
        self.sequence = seq
        self.stack = [self._frame(seq.body, bindings or {}, seq.on_error, owner=True)]
        self.state = SlotState.RUNNING
        self.reason = ""
        self.current = None
        self._wait = None
        self.last_done_ms = self.engine.clock.now_ms()
        self.started_ms = self.last_done_ms
        self.failures = []
        self.steps = 0
        self.lineage = tuple(lineage)
        self.bound = sequence_bound(seq, self.engine.dictionary)
        self.engine.bus.emit("SEQ_STARTED", sequence=seq.name, slot=self.name)
        self.publish()

    def pause(self) -> None:
        if self.state is SlotState.RUNNING:
            self.state = SlotState.PAUSED
            self._paused_at = self.engine.clock.now_ms()
            self.publish()

    def _unpause(self) -> None:
        # time spent paused is the operator's, not the sequence's bound
        self.started_ms += self.engine.clock.now_ms() - self._paused_at
        self.state = SlotState.RUNNING

    def resume(self) -> None:
        if self.state is SlotState.PAUSED:
            self._unpause()
            self.step_pending = False
            self.publish()

    def step(self) -> None:
        """Run exactly one more statement, then pause again."""
        if self.state is SlotState.PAUSED:
            self.step_pending = True
            self._unpause()

    def cancel(self, reason: str = "cancelled") -> None:
        if not self.busy:
            return
        if self._wait is not None and self._wait[0] == "cmd":
            self.engine.executor.cancel(self._wait[1], f"sequence in slot {self.name} cancelled")
        self._end(SlotState.CANCELLED, reason)

    # -- helpers ---------------------------------------------------------------
    def _frame(self, body, bindings, policy, owner, remaining=0, fail_after=None,
               call=None) -> _Frame:
        labels = {s.name: i for i, s in enumerate(body) if isinstance(s, N.Label)}
        return _Frame(body, bindings, policy, owner, 0, remaining, fail_after, labels, call)

    def _bindings(self) -> dict:
        return self.stack[-1].bindings if self.stack else {}

    def publish(self) -> None:
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
        elif state is SlotState.CANCELLED:
            # a cancel is an operator's or a mode's decision, not a failure
            bus.emit("SEQ_CANCELLED", sequence=name, slot=self.name, reason=reason)
        else:
            bus.emit("SEQ_FAILED", sequence=name, slot=self.name, reason=reason,
                     state=state.value.lower())
        self.publish()

    # -- running -----------------------------------------------------------------
    def update(self) -> None:
        if self.state is not SlotState.RUNNING:
            return
        eng = self.engine
        if eng.clock.now_ms() - self.started_ms > self._max_sim_ms:
            if self._wait is not None and self._wait[0] == "cmd":
                eng.executor.cancel(self._wait[1], f"sequence in slot {self.name} over its bound")
            self._end(SlotState.ABORTED, f"ran past its checked time bound of "
                                         f"{self._max_sim_ms} ms")
            return
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
                    self.pause()
                    break
                continue
            stmt = self._next()
            if stmt is None:
                break
            if isinstance(stmt, N.Command) and cmd_budget <= 0:
                self._push_back()
                break
            budget -= 1
            self.steps += 1
            if self.bound is not None and self.steps > self.bound.statements:
                self._end(SlotState.ABORTED, f"{_where(stmt)}: ran past its checked bound of "
                                             f"{self.bound.statements} statements")
                break
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
                self.pause()
        if changed:
            self.publish()

    def _next(self):
        """The next statement to run, popping finished frames."""
        while self.stack and self.state is SlotState.RUNNING:
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
                # a handler ran in place of the rest of its sequence: that sequence failed
                if f.call is None:
                    self._end(SlotState.FAILED, f.fail_after)
                    return None
                self._fail(f.call, f"call {f.call.name} failed: {f.fail_after}")
                continue
            if self.stack:
                self._done()          # a block or call completes with its last statement
        if self.state is SlotState.RUNNING:
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
                self.engine.bus.emit("TIME_TAG_LATE", where=_where(tag), late_ms=now - due)
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
            self._remember_until_inputs(cond)
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
                eng.bus.emit("WAIT_TIMEOUT", where=_where(stmt), condition=cond.text,
                             timeout_ms=stmt.timeout_ms, last=last)
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
                command = command_args(stmt, cdef, b)
            except (ArgumentError, BindError, KeyError) as e:
                self._fail(stmt, str(e))
                return
            self.commands_sent += 1
            h = eng.executor.dispatch(command, source=self.name)
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
                eng.bus.emit("CHECK_FAILED", where=_where(stmt), condition=cond.text, values=last)
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
            self.stack.append(self._frame(sub.body, bindings, sub.on_error, owner=True,
                                          call=stmt))
        elif isinstance(stmt, N.Repeat):
            if stmt.count > 0 and stmt.body:
                self.stack.append(self._frame(stmt.body, b, stmt.on_error, owner=False,
                                              remaining=stmt.count - 1))
            else:
                self._done()
        elif isinstance(stmt, N.If):
            cond = eng.condition(stmt.cond, b)
            body = stmt.then_body if cond.evaluate(eng.lookup) else stmt.else_body
            if body:
                self.stack.append(self._frame(body, b, stmt.on_error, owner=False))
            else:
                self._done()
        elif isinstance(stmt, N.Goto):
            if self._jump(stmt.label):
                self._done()
            else:       # the checker refuses this; never jump back, never guess
                self._fail(stmt, f"goto {stmt.label}: no such label ahead", policy=N.Policy(
                    "abort", None, stmt.file, stmt.line, stmt.col))
        elif isinstance(stmt, N.Label):
            pass
        elif isinstance(stmt, N.Abort):
            self._fail(stmt, stmt.message or "abort statement", policy=N.Policy(
                "abort", None, stmt.file, stmt.line, stmt.col))
        else:
            self._fail(stmt, f"unsupported statement {type(stmt).__name__}")

    def _owner_index(self) -> int:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].owner:
                return i
        return 0

    def _jump(self, label: str) -> bool:
        """Resume at ``label`` of the current (sub-)sequence if it is ahead of
        the statement running now; False (nothing changed) otherwise."""
        o = self._owner_index()
        f = self.stack[o]
        target = f.labels.get(label)
        if target is None or target <= f.pc - 1:
            return False
        del self.stack[o + 1:]
        f.pc = target + 1
        return True

    def _policy(self, stmt) -> N.Policy | None:
        """The statement's suffix, else the nearest block suffix, else its
        (sub-)sequence's policy; never a policy from outside that sequence."""
        pol = getattr(stmt, "on_error", None)
        if pol is not None:
            return pol
        for f in reversed(self.stack):
            if f.policy is not None:
                return f.policy
            if f.owner:
                break
        return None

    def _fail(self, stmt, reason: str, already_reported: bool = False,
              policy: N.Policy | None = None) -> None:
        where = _where(stmt) if stmt is not None else "?"
        msg = f"{where}: {reason}"
        self.failures.append(msg)
        if not self.stack:
            self._end(SlotState.ABORTED, msg)
            return
        pol = policy or self._policy(stmt)
        kind = pol.kind if pol is not None else "abort"
        if kind == "continue":
            self._done()
            return
        if kind == "goto":
            if self._jump(pol.target):
                self._done()
                return
            # at or after its label: a goto never jumps back, the sequence fails
            msg = f"{msg} (on error goto {pol.target}: the label is not ahead)"
            kind = "abort"
        if kind == "call":
            sub = self.sequence.subsequence(pol.target)
            try:
                if sub is None:
                    raise BindError(f"no sub-sequence {pol.target!r}")
                bindings = bind_call((), sub, None)
            except BindError as e:
                self._end(SlotState.ABORTED, f"{msg} (handler {pol.target!r}: {e})")
                return
            # The handler runs in place of the rest of this (sub-)sequence,
            # under its own error policy (default abort); then that sequence
            # has failed, and so has the call that started it.
            o = self._owner_index()
            call = self.stack[o].call
            del self.stack[o:]
            self.stack.append(self._frame(sub.body, bindings, sub.on_error, owner=True,
                                          fail_after=f"{msg} (handled by {sub.name})",
                                          call=call))
            self._done()
            return
        # abort: this (sub-)sequence ends; its caller's call statement fails
        o = self._owner_index()
        call = self.stack[o].call
        if call is None:
            self._end(SlotState.ABORTED, msg)
            return
        del self.stack[o:]
        self._fail(call, f"call {call.name} failed: {msg}")


class Sequencer:
    """Named slots sharing one executor, clock and bus."""

    DEFAULT_SLOTS = ("boot", "mobility", "payload", "fault")

    def __init__(self, dictionary, bus, clock, executor, *, slots=DEFAULT_SLOTS,
                 max_statements_per_cycle: int = 20, max_commands_per_cycle: int = 4,
                 epoch_ms: int = 0, cycle_ms: int = 100):
        self.dictionary = dictionary
        self.bus = bus
        self.clock = clock
        self.executor = executor
        self.max_statements_per_cycle = max_statements_per_cycle
        self.max_commands_per_cycle = max_commands_per_cycle
        self.epoch_ms = epoch_ms
        self.cycle_ms = cycle_ms                  # the flight cycle (FlightSystem's)
        self.slots = {n: Slot(n, self) for n in slots}
        self.lookup = bus.values.get
        self.running_slot: str | None = None      # the slot executing right now, if any
        self._cond_cache: dict = {}
        for s in self.slots.values():
            s.publish()

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
              preempt: bool = False, lineage: tuple[str, ...] = ()) -> Slot:
        s = self.slot(slot)
        if s.busy:
            if not preempt:
                raise SequencerError(f"slot {slot!r} is busy running "
                                     f"{s.sequence.name if s.sequence else '?'}")
            s.cancel(f"preempted by {seq.name}")
        s.start(seq, bindings, lineage)
        return s

    def cancel(self, slot: str, reason: str = "cancelled") -> None:
        self.slot(slot).cancel(reason)

    def cancel_all(self, reason: str, except_slots=()) -> None:
        for n, s in self.slots.items():
            if n not in except_slots:
                s.cancel(reason)

    def update(self) -> None:
        now = self.clock.now_ms()
        for s in self.slots.values():
            # most cycles every running slot waits on a drive or a time: skip those
            if s.state is SlotState.RUNNING and not s.asleep(now):
                self.running_slot = s.name
                try:
                    s.update()
                finally:
                    self.running_slot = None

    @property
    def busy(self) -> bool:
        return any(s.busy for s in self.slots.values())
