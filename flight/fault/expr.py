"""Response conditions: a tiny boolean language over monitor states.

    condition := or_expr
    or_expr   := and_expr ("or" and_expr)*
    and_expr  := not_expr ("and" not_expr)*
    not_expr  := "not" not_expr | atom
    atom      := NAME | NAME "." STATE | "(" condition ")"
    STATE     := tripped | stale | unknown | green

A bare monitor name means "that monitor is TRIPPED"; ``name.stale`` asks
whether its data went stale, and so on.  Parsed by hand into closures -- no
eval -- so a table can never run arbitrary code, and a mistake is reported
with its column.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Mapping

GREEN, TRIPPED, STALE, UNKNOWN = "GREEN", "TRIPPED", "STALE", "UNKNOWN"
MONITOR_STATES = (GREEN, TRIPPED, STALE, UNKNOWN)
_SUFFIXES = {"tripped": TRIPPED, "stale": STALE, "unknown": UNKNOWN, "green": GREEN}
KEYWORDS = frozenset({"and", "or", "not"})

_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)|(?P<bad>\S))")

Evaluator = Callable[[Mapping[str, str]], bool]


class ExpressionError(ValueError):
    """A condition that does not parse or names an unknown monitor."""


class Condition:
    """A parsed condition: ``evaluate(states)`` with states = {monitor: state}."""

    __slots__ = ("text", "monitors", "_fn")

    def __init__(self, text: str, monitors: frozenset[str], fn: Evaluator):
        self.text = text
        self.monitors = monitors
        self._fn = fn

    def evaluate(self, states: Mapping[str, str]) -> bool:
        return self._fn(states)

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, 1-based column) triples; kind is '(', ')', 'kw', 'name'."""
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing whitespace left
            break
        col = m.start(m.lastgroup) + 1
        if m.lastgroup == "bad":
            raise ExpressionError(f"col {col}: unexpected character {m.group('bad')!r}")
        tok = m.group(m.lastgroup)
        if m.lastgroup == "paren":
            out.append((tok, tok, col))
        elif tok in KEYWORDS:
            out.append(("kw", tok, col))
        else:
            out.append(("name", tok, col))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, known: frozenset[str] | None):
        self.toks = _tokenize(text)
        self.i = 0
        self.end_col = len(text) + 1
        self.known = known
        self.used: set[str] = set()

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "end of condition", self.end_col)

    def take(self):
        t = self.peek()
        self.i += 1
        return t

    def parse(self) -> Evaluator:
        if not self.toks:
            raise ExpressionError("col 1: empty condition")
        fn = self.or_expr()
        kind, tok, col = self.peek()
        if kind != "end":
            raise ExpressionError(f"col {col}: expected 'and', 'or' or end of condition, got {tok!r}")
        return fn

    def _chain(self, word: str, sub) -> Evaluator:
        parts = [sub()]
        while self.peek()[:2] == ("kw", word):
            self.take()
            parts.append(sub())
        if len(parts) == 1:
            return parts[0]
        fns = tuple(parts)
        if word == "or":
            return lambda s: any(f(s) for f in fns)
        return lambda s: all(f(s) for f in fns)

    def or_expr(self) -> Evaluator:
        return self._chain("or", self.and_expr)

    def and_expr(self) -> Evaluator:
        return self._chain("and", self.not_expr)

    def not_expr(self) -> Evaluator:
        if self.peek()[:2] == ("kw", "not"):
            self.take()
            inner = self.not_expr()
            return lambda s: not inner(s)
        return self.atom()

    def atom(self) -> Evaluator:
        kind, tok, col = self.take()
        if kind == "(":
            inner = self.or_expr()
            k2, t2, c2 = self.take()
            if k2 != ")":
                raise ExpressionError(f"col {c2}: expected ')' to close '(' at col {col}, got {t2!r}")
            return inner
        if kind != "name":
            raise ExpressionError(f"col {col}: expected a monitor name or '(', got {tok!r}")
        name, _, suffix = tok.partition(".")
        if suffix:
            if suffix not in _SUFFIXES:
                raise ExpressionError(f"col {col}: unknown state '.{suffix}' in {tok!r}; "
                                      f"use one of {', '.join('.' + s for s in _SUFFIXES)}")
            state = _SUFFIXES[suffix]
        else:
            state = TRIPPED
        if self.known is not None and name not in self.known:
            raise ExpressionError(f"col {col}: unknown monitor {name!r}; known monitors: "
                                  f"{', '.join(sorted(self.known)) or 'none'}")
        self.used.add(name)
        return lambda s: s.get(name) == state


def parse_condition(text: str, monitors: Iterable[str] | None = None) -> Condition:
    """Parse ``text``; if ``monitors`` is given, every name must be one of them."""
    if not isinstance(text, str):
        raise ExpressionError(f"condition must be a string, got {type(text).__name__}")
    p = _Parser(text, frozenset(monitors) if monitors is not None else None)
    fn = p.parse()
    return Condition(text, frozenset(p.used), fn)
