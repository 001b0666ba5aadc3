"""The sequence AST.  Every node carries file, line and col (1-based) so the
engine can name the exact source position of a failure at run time, even
when it runs a compiled binary.

Nodes are frozen dataclasses with tuples for children: equality is
structural, which is what the binary round-trip tests rely on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


# ---------------------------------------------------------------- values
@dataclass(frozen=True)
class Num:
    value: float | int
    unit: str | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Str:
    value: str
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Sym:
    """A bare UPPERCASE word: an enum member such as DRIVE or FL."""
    name: str
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Bool:
    value: bool
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class ParamRef:
    """``$name``: a parameter of the enclosing sub-sequence."""
    name: str
    file: str
    line: int
    col: int


Value = Union[Num, Str, Sym, Bool, ParamRef]


# ---------------------------------------------------------------- conditions
@dataclass(frozen=True)
class Tlm:
    name: str
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Not:
    operand: "Expr"
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class BoolOp:
    op: str                       # "and" | "or"
    operands: tuple["Expr", ...]
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Compare:
    op: str                       # < <= > >= == !=
    left: "Expr"
    right: "Expr"
    file: str
    line: int
    col: int


Expr = Union[Num, Str, Sym, Bool, ParamRef, Tlm, Not, BoolOp, Compare]


# ---------------------------------------------------------------- statement parts
@dataclass(frozen=True)
class TimeTag:
    kind: str                     # "A" absolute mission elapsed time, "R" relative
    ms: int
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Policy:
    kind: str                     # abort | continue | goto | call
    target: str | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Arg:
    name: str
    value: Value
    file: str
    line: int
    col: int


# ---------------------------------------------------------------- statements
# Every statement has time_tag and on_error (None = inherit the sequence policy).

@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[Arg, ...]
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Delay:
    """``wait 5 s``: a plain pause on the simulation clock."""
    ms: int
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class WaitUntil:
    cond: Expr
    for_ms: int                   # persistence: cond must hold this long (0 = one sample)
    timeout_ms: int
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Check:
    cond: Expr
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Arg, ...]
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Goto:
    label: str
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Label:
    name: str
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Abort:
    message: str
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Repeat:
    count: int
    body: tuple["Stmt", ...]
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class If:
    cond: Expr
    then_body: tuple["Stmt", ...]
    else_body: tuple["Stmt", ...]
    time_tag: TimeTag | None
    on_error: Policy | None
    file: str
    line: int
    col: int


Stmt = Union[Command, Delay, WaitUntil, Check, Call, Goto, Label, Abort, Repeat, If]


# ---------------------------------------------------------------- sequences
@dataclass(frozen=True)
class Param:
    name: str
    type: str                     # int | float | str | bool | enum
    unit: str | None              # for float/int: the unit the body sees the value in
    default: Value | None
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class SubSequence:
    name: str
    params: tuple[Param, ...]
    on_error: Policy | None
    body: tuple[Stmt, ...]
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Sequence:
    """A loaded, include-resolved and checked sequence: what the engine runs."""
    name: str
    on_error: Policy | None       # None = abort
    body: tuple[Stmt, ...]
    subsequences: tuple[SubSequence, ...]
    dict_hash: str
    file: str
    line: int = 1
    col: int = 1
    critical: tuple[str, ...] = ()   # critical commands the file declares it uses

    def subsequence(self, name: str) -> SubSequence | None:
        for s in self.subsequences:
            if s.name == name:
                return s
        return None


NODE_TYPES = (Num, Str, Sym, Bool, ParamRef, Tlm, Not, BoolOp, Compare, TimeTag, Policy, Arg,
              Command, Delay, WaitUntil, Check, Call, Goto, Label, Abort, Repeat, If, Param,
              SubSequence, Sequence)
