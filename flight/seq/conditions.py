"""Conditions: static type checking and compilation to a closure tree.

No Python eval/exec anywhere: a condition compiles to nested closures that
call a value lookup.  Logic is three-valued: a telemetry channel that has
never been published makes its comparison UNKNOWN, which propagates through
and/or/not like SQL NULL (false and unknown = false) and is treated as false
at the top; the names that were missing are reported so a sequence that
waits on a dead channel says why.
"""
from __future__ import annotations

from typing import Any, Callable

from common.dictionary import units as U
from common.dictionary.model import Dictionary, INT_RANGES

from . import nodes as N
from .resolve import literal

UNKNOWN = None                      # three-valued logic's third value
_MISSING = object()
_ORDER_OPS = ("<", "<=", ">", ">=")
_NUMERIC_CH = set(INT_RANGES) | {"f32", "f64"}


# ---------------------------------------------------------------- typing
def operand_type(e, dictionary: Dictionary, params: dict | None):
    """(kind, unit) with kind in num/str/sym/bool, or raises TypeError(node, msg)."""
    if isinstance(e, N.Num):
        return "num", e.unit
    if isinstance(e, N.Str):
        return "str", None
    if isinstance(e, N.Sym):
        return "sym", None
    if isinstance(e, N.Bool):
        return "bool", None
    if isinstance(e, N.ParamRef):
        p = (params or {}).get(e.name)
        if p is None:
            raise CondTypeError(e, f"unknown parameter ${e.name}" + (
                "" if params else " (parameters exist only inside 'sequence' blocks)"))
        return {"int": "num", "float": "num", "str": "str", "enum": "sym", "bool": "bool"}[p.type], p.unit
    if isinstance(e, N.Tlm):
        ch = dictionary.telemetry.get(e.name)
        if ch is None:
            from common.dictionary.model import suggest
            s = suggest(e.name, dictionary.telemetry)
            hint = (f"; did you mean {' or '.join(s)}?" if s else
                    "" if "." in e.name else
                    " (enum names are UPPER_CASE or \"quoted\")")
            raise CondTypeError(e, f"unknown telemetry channel '{e.name}'{hint}")
        if ch.type in _NUMERIC_CH:
            return "num", ch.unit
        return ("bool" if ch.type == "bool" else "str"), None
    return "bool", None   # Not, BoolOp, Compare


class CondTypeError(Exception):
    def __init__(self, node, message):
        self.node, self.message = node, message
        super().__init__(message)


def check_condition(expr, dictionary: Dictionary, params: dict | None = None) -> list[tuple[Any, str]]:
    """All type errors in a condition as (node, message) pairs."""
    errs: list[tuple[Any, str]] = []

    def want_bool(e):
        if isinstance(e, (N.Not, N.BoolOp, N.Compare)):
            walk(e)
            return
        try:
            kind, _ = operand_type(e, dictionary, params)
        except CondTypeError as ex:
            errs.append((ex.node, ex.message))
            return
        if kind != "bool":
            errs.append((e, f"a condition must be true or false, got {_kind_name(kind)} "
                            f"'{render(e)}' (compare it with something)"))

    def walk(e):
        if isinstance(e, N.Not):
            want_bool(e.operand)
        elif isinstance(e, N.BoolOp):
            for o in e.operands:
                want_bool(o)
        elif isinstance(e, N.Compare):
            kinds = []
            for side in (e.left, e.right):
                if isinstance(side, (N.Not, N.BoolOp, N.Compare)):
                    walk(side)
                    kinds.append(("bool", None))
                    continue
                try:
                    kinds.append(operand_type(side, dictionary, params))
                except CondTypeError as ex:
                    errs.append((ex.node, ex.message))
                    kinds.append(None)
            if None in kinds:
                return
            (lk, lu), (rk, ru) = kinds
            if lk == "num" and rk == "num":
                if lu and ru:
                    try:
                        U.convert(1.0, ru, lu)
                    except U.UnitError:
                        errs.append((e.right, f"cannot compare {lu} ('{render(e.left)}') with {ru}"))
                return
            if {lk, rk} <= {"str", "sym"} or (lk == rk == "bool"):
                if e.op in _ORDER_OPS:
                    errs.append((e, f"'{e.op}' needs numbers; strings, NAMEs and booleans only support == and !="))
                return
            errs.append((e, f"cannot compare {_kind_name(lk)} '{render(e.left)}' with "
                            f"{_kind_name(rk)} '{render(e.right)}'"))
        else:
            want_bool(e)

    want_bool(expr)
    return errs


def _kind_name(k):
    return {"num": "a number", "str": "a string", "sym": "a NAME", "bool": "a boolean"}[k]


def telemetry_names(expr) -> set[str]:
    out = set()

    def walk(e):
        if isinstance(e, N.Tlm):
            out.add(e.name)
        elif isinstance(e, N.Not):
            walk(e.operand)
        elif isinstance(e, N.BoolOp):
            for o in e.operands:
                walk(o)
        elif isinstance(e, N.Compare):
            walk(e.left)
            walk(e.right)
    walk(expr)
    return out


def render(e) -> str:
    """Source-like text of a condition, for events such as CHECK_FAILED."""
    if isinstance(e, N.Num):
        v = e.value
        return f"{v} {e.unit}" if e.unit else f"{v}"
    if isinstance(e, N.Str):
        return '"' + e.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(e, N.Sym):
        return e.name
    if isinstance(e, N.Bool):
        return "true" if e.value else "false"
    if isinstance(e, N.ParamRef):
        return f"${e.name}"
    if isinstance(e, N.Tlm):
        return e.name
    if isinstance(e, N.Not):
        return f"not {_paren(e.operand)}"
    if isinstance(e, N.BoolOp):
        return f" {e.op} ".join(_paren(o) for o in e.operands)
    if isinstance(e, N.Compare):
        return f"{_paren(e.left)} {e.op} {_paren(e.right)}"
    return "?"


def _paren(e):
    return f"({render(e)})" if isinstance(e, (N.BoolOp, N.Compare)) else render(e)


# ---------------------------------------------------------------- evaluation
Lookup = Callable[[str], Any]


class Condition:
    """A compiled condition.  ``evaluate(lookup)`` -> bool (unknown is
    false); ``evaluate3`` -> (True/False/None, missing channel names)."""

    def __init__(self, fn, expr, names):
        self._fn = fn
        self.expr = expr
        self.text = render(expr)
        self.names = frozenset(names)
        self.last_missing: frozenset[str] = frozenset()

    def evaluate3(self, lookup: Lookup):
        missing: set[str] = set()
        v = self._fn(lookup, missing)
        self.last_missing = frozenset(missing)
        return (None if v is UNKNOWN else bool(v)), self.last_missing

    def evaluate(self, lookup: Lookup) -> bool:
        return self.evaluate3(lookup)[0] is True

    def __repr__(self):
        return f"Condition({self.text!r})"


def compile_condition(expr, dictionary: Dictionary, bindings: dict | None = None) -> Condition:
    """Compile a checked condition; $params are substituted from ``bindings``."""
    return Condition(_compile_bool(expr, dictionary, bindings), expr, telemetry_names(expr))


def _compile_bool(e, d, b):
    if isinstance(e, N.Not):
        f = _compile_bool(e.operand, d, b)

        def not_(lk, miss):
            v = f(lk, miss)
            return UNKNOWN if v is UNKNOWN else (not v)
        return not_
    if isinstance(e, N.BoolOp):
        fs = [_compile_bool(o, d, b) for o in e.operands]
        if e.op == "and":
            def and_(lk, miss):
                out = True
                for f in fs:        # evaluate all so every missing name is reported
                    v = f(lk, miss)
                    if v is False:
                        out = False
                    elif v is UNKNOWN and out is True:
                        out = UNKNOWN
                return out
            return and_

        def or_(lk, miss):
            out = False
            for f in fs:
                v = f(lk, miss)
                if v is True:
                    out = True
                elif v is UNKNOWN and out is False:
                    out = UNKNOWN
            return out
        return or_
    if isinstance(e, N.Compare):
        return _compile_compare(e, d, b)
    get, _ = _compile_operand(e, d, b, None)

    def truth(lk, miss):
        v = get(lk, miss)
        return UNKNOWN if v is UNKNOWN else bool(v)
    return truth


def _unit_of(e, d, b):
    if isinstance(e, N.Tlm):
        ch = d.telemetry.get(e.name)
        return ch.unit if ch else None
    if isinstance(e, N.ParamRef):
        e = literal(e, b)
    return e.unit if isinstance(e, N.Num) else None


def _compile_operand(e, d, b, target_unit):
    """Returns (getter, unit of the produced value)."""
    if isinstance(e, (N.Not, N.BoolOp, N.Compare)):
        return _compile_bool(e, d, b), None
    if isinstance(e, N.ParamRef):
        e = literal(e, b)
    if isinstance(e, N.Tlm):
        name = e.name
        ch = d.telemetry.get(name)
        cu = ch.unit if ch else None
        conv = target_unit is not None and cu is not None and cu != target_unit

        def tlm(lk, miss):
            try:
                v = lk(name)
            except KeyError:
                v = None
            if v is None:
                miss.add(name)
                return UNKNOWN
            if conv and isinstance(v, (int, float)) and not isinstance(v, bool):
                return U.convert(v, cu, target_unit)
            return v
        return tlm, (target_unit if conv else cu)
    if isinstance(e, N.Num):
        v = e.value
        if target_unit is not None and e.unit is not None and e.unit != target_unit:
            v = U.convert(v, e.unit, target_unit)
        return (lambda lk, miss, _v=v: _v), target_unit
    const = e.value if isinstance(e, (N.Str, N.Bool)) else e.name
    return (lambda lk, miss, _v=const: _v), None


_OPS = {"<": lambda a, c: a < c, "<=": lambda a, c: a <= c, ">": lambda a, c: a > c,
        ">=": lambda a, c: a >= c, "==": lambda a, c: a == c, "!=": lambda a, c: a != c}


def _compile_compare(e: N.Compare, d, b):
    target = _unit_of(e.left, d, b) or _unit_of(e.right, d, b)
    lf, _ = _compile_operand(e.left, d, b, target)
    rf, _ = _compile_operand(e.right, d, b, target)
    op = _OPS[e.op]

    def cmp(lk, miss):
        lv = lf(lk, miss)
        rv = rf(lk, miss)
        if lv is UNKNOWN or rv is UNKNOWN:
            return UNKNOWN
        try:
            return bool(op(lv, rv))
        except TypeError:   # a channel published with the wrong type: not a verdict
            return UNKNOWN
    return cmp
