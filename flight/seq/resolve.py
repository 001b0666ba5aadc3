"""Binding sub-sequence parameters and converting command arguments.

Shared by the checker (statically, at load time) and the engine (at run
time), so both apply exactly the same rules.  Bindings map a parameter name
to a concrete value node (Num/Str/Sym/Bool), already in the parameter's unit.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any

from common.dictionary import units as U
from common.dictionary.model import ArgumentError, Command, CommandDef

from . import nodes as N


class BindError(ValueError):
    """A value that does not fit a sub-sequence parameter."""


def literal(v: N.Value, bindings: dict[str, N.Value] | None) -> N.Value:
    """The concrete value of ``v``, substituting a $param from ``bindings``."""
    if isinstance(v, N.ParamRef):
        if not bindings or v.name not in bindings:
            raise BindError(f"parameter ${v.name} is not bound")
        return bindings[v.name]
    return v


def describe(v: N.Value) -> str:
    if isinstance(v, N.Num):
        return f"{v.value} {v.unit}" if v.unit else f"{v.value}"
    if isinstance(v, N.Str):
        return f'"{v.value}"'
    if isinstance(v, N.Sym):
        return v.name
    if isinstance(v, N.Bool):
        return "true" if v.value else "false"
    return f"${v.name}"


def convert_arg(adef, v: N.Value) -> Any:
    """Convert one concrete value node for a dictionary argument (ArgumentError if bad)."""
    if isinstance(v, N.Num):
        return adef.convert(v.value, v.unit)
    if isinstance(v, N.Str):
        return adef.convert(v.value)
    if isinstance(v, N.Sym):
        if adef.type == "str":
            raise ArgumentError(f"argument {adef.name!r} is a string: write it in quotes, "
                                f"\"{v.name}\"")
        return adef.convert(v.name)
    if isinstance(v, N.Bool):
        return adef.convert(v.value)
    raise ArgumentError(f"argument {adef.name!r}: unbound parameter ${v.name}")


def command_args(cmd: N.Command, cdef: CommandDef, bindings=None) -> Command:
    """The typed command of a statement: every argument converted to the
    dictionary's unit and range-checked, once, here where it enters (the
    executor and the handlers trust it).  Raises ArgumentError/BindError."""
    given = {}
    for a in cmd.args:
        if a.name in given:
            raise ArgumentError(f"{cmd.name}: argument {a.name!r} given twice")
        given[a.name] = a
    vals = {}
    for adef in cdef.args:
        if adef.name not in given:
            raise ArgumentError(f"{cmd.name}: missing argument {adef.name!r}")
        vals[adef.name] = convert_arg(adef, literal(given.pop(adef.name).value, bindings))
    if given:
        raise ArgumentError(f"{cmd.name}: unknown argument(s) {', '.join(given)}")
    return Command(cdef, MappingProxyType(vals))


def to_param(p: N.Param, v: N.Value) -> N.Value:
    """Convert a concrete value to parameter ``p``'s type and unit."""
    if p.type in ("int", "float"):
        if not isinstance(v, N.Num):
            raise BindError(f"parameter {p.name!r} ({p.type}) needs a number, got {describe(v)}")
        value, unit = v.value, v.unit
        if unit is not None and unit != p.unit:
            if p.unit is None:
                raise BindError(f"parameter {p.name!r} has no unit, got {describe(v)}")
            try:
                value = U.convert(value, unit, p.unit)
            except U.UnitError as e:
                raise BindError(f"parameter {p.name!r} (in {p.unit}): {e}") from None
        if p.type == "int":
            if value != int(value):
                raise BindError(f"parameter {p.name!r} (int) must be a whole number, got {describe(v)}")
            value = int(value)
        return N.Num(value, p.unit, v.file, v.line, v.col)
    if p.type == "str":
        if not isinstance(v, N.Str):
            raise BindError(f"parameter {p.name!r} (str) needs a quoted string, got {describe(v)}")
        return v
    if p.type == "enum":
        if isinstance(v, N.Str):
            return N.Sym(v.value, v.file, v.line, v.col)
        if not isinstance(v, N.Sym):
            raise BindError(f"parameter {p.name!r} (enum) needs a NAME, got {describe(v)}")
        return v
    if not isinstance(v, N.Bool):
        raise BindError(f"parameter {p.name!r} (bool) needs true or false, got {describe(v)}")
    return v


def bind_call(args: tuple[N.Arg, ...], sub: N.SubSequence, bindings=None) -> dict[str, N.Value]:
    """Bindings for running ``sub`` with call arguments ``args`` (caller's
    $params resolved through ``bindings``); defaults fill the rest."""
    params = {p.name: p for p in sub.params}
    out: dict[str, N.Value] = {}
    for a in args:
        if a.name not in params:
            raise BindError(f"sequence {sub.name!r} has no parameter {a.name!r}")
        if a.name in out:
            raise BindError(f"parameter {a.name!r} given twice")
        out[a.name] = to_param(params[a.name], literal(a.value, bindings))
    for p in sub.params:
        if p.name not in out:
            if p.default is None:
                raise BindError(f"call of {sub.name!r} is missing parameter {p.name!r}")
            out[p.name] = to_param(p, p.default)
    return out
