"""What the checker promises about a valid sequence's run: an upper bound on
the statements it executes and on the simulated time it takes.

Every loop in the language is bounded (``repeat N``, forward-only gotos,
acyclic calls, every wait with a timeout, every command with the
dictionary's completion timeout), so the worst case is a finite sum:

- a statement counts 1 (labels and block headers too); ``repeat N`` counts
  N times its body, ``if`` the longer branch, ``call`` the callee;
- a (sub-)sequence adds its longest error handler once: a handler runs in
  place of the rest of the sequence, so at most one runs per execution;
- time is the sum of every delay, wait timeout, command timeout and R+ tag
  on that path, plus the latest A@ tag, plus ``CYCLES_PER_STATEMENT`` flight
  cycles per statement (a wait is noticed at the next cycle; a command's
  timeout is detected by the executor one cycle and seen by the slot the
  next; a budget-limited cycle defers the rest by one).

The engine enforces the same bound while it runs (docs/sequencer.md), and a
hypothesis test runs generated sequences to show the bound holds.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import nodes as N

CYCLES_PER_STATEMENT = 3


@dataclass(frozen=True)
class Bound:
    statements: int               # statements executed, at most
    wait_ms: int                  # time spent waiting on the worst path, at most
    abs_ms: int = 0               # the latest absolute (A@) time tag

    def max_sim_ms(self, cycle_ms: int) -> int:
        """Simulated time from the start of the slot to its end, at most."""
        return self.abs_ms + self.wait_ms + self.statements * CYCLES_PER_STATEMENT * cycle_ms

    def __add__(self, other: "Bound") -> "Bound":
        return Bound(self.statements + other.statements, self.wait_ms + other.wait_ms,
                     max(self.abs_ms, other.abs_ms))

    def times(self, n: int) -> "Bound":
        return Bound(self.statements * n, self.wait_ms * n, self.abs_ms)


ZERO = Bound(0, 0, 0)


class CyclicCall(Exception):
    """The call graph has a cycle (the checker reports it); no bound exists."""


class BoundCalculator:
    """Bounds of a sequence and its sub-sequences (memoized per sub-sequence)."""

    def __init__(self, seq: N.Sequence, dictionary, on_statement=None):
        self.seq = seq
        self.d = dictionary
        self.subs = {s.name: s for s in seq.subsequences}
        self._memo: dict[str, Bound] = {}
        self._visiting: set[str] = set()
        self.on_statement = on_statement     # callback(node, Bound) for every statement

    def sequence(self) -> Bound:
        return self.scope(self.seq.body, self.seq.on_error)

    def sub(self, name: str) -> Bound:
        if name in self._memo:
            return self._memo[name]
        sub = self.subs.get(name)
        if sub is None:
            return ZERO                      # an unknown name: the checker reports it
        if name in self._visiting:
            raise CyclicCall(name)
        self._visiting.add(name)
        try:
            b = self.scope(sub.body, sub.on_error)
        finally:
            self._visiting.discard(name)
        self._memo[name] = b
        return b

    def scope(self, body, policy) -> Bound:
        total = ZERO
        handlers = [policy] if policy is not None else []
        for s in body:
            total = total + self.stmt(s, handlers)
        worst = ZERO
        for h in handlers:
            if h.kind == "call":
                hb = self.sub(h.target)
                if hb.statements + hb.wait_ms > worst.statements + worst.wait_ms:
                    worst = hb
        return total + worst

    def stmt(self, s, handlers: list) -> Bound:
        pol = getattr(s, "on_error", None)
        if pol is not None:
            handlers.append(pol)
        tag = getattr(s, "time_tag", None)
        own = Bound(1, 0, 0)
        if tag is not None:
            own = Bound(1, tag.ms, 0) if tag.kind == "R" else Bound(1, 0, tag.ms)
        if isinstance(s, N.Command):
            cdef = self.d.commands.get(s.name) if self.d is not None else None
            own = own + Bound(0, int(round(cdef.timeout_s * 1000)) if cdef else 0)
        elif isinstance(s, N.Delay):
            own = own + Bound(0, s.ms)
        elif isinstance(s, N.WaitUntil):
            own = own + Bound(0, s.timeout_ms)
        elif isinstance(s, N.Call):
            own = own + self.sub(s.name)
        elif isinstance(s, N.Repeat):
            body = ZERO
            for c in s.body:
                body = body + self.stmt(c, handlers)
            own = own + body.times(max(s.count, 0))
        elif isinstance(s, N.If):
            a = ZERO
            for c in s.then_body:
                a = a + self.stmt(c, handlers)
            b = ZERO
            for c in s.else_body:
                b = b + self.stmt(c, handlers)
            own = own + Bound(max(a.statements, b.statements), max(a.wait_ms, b.wait_ms),
                              max(a.abs_ms, b.abs_ms))
        if self.on_statement is not None:
            self.on_statement(s, own)
        return own


def sequence_bound(seq: N.Sequence, dictionary) -> Bound | None:
    """The bound of a checked sequence; None if its calls are cyclic."""
    try:
        return BoundCalculator(seq, dictionary).sequence()
    except CyclicCall:
        return None
