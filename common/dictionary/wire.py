"""On-wire encoding of command arguments, shared by the C header generator
and the host side of board links.

Boards do integer math only (principle 1), so every f32 argument travels as
a little-endian int32 in a fixed "wire unit" per dimension: a distance in
millimetres, a speed in mm/s, an angle in millidegrees, a temperature in
deci-degrees C, and so on (WIRE_UNITS).  Integer arguments travel as their
own type, bool and enum as u8 (enum = index into the declared values) and a
string as a u8 length followed by a fixed max-length byte field.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from . import units as _units
from .model import ArgDef, ArgumentError, CommandDef, INT_RANGES

# dimension -> (wire unit label, multiplier from the dimension's base unit)
WIRE_UNITS = {
    "length": ("mm", 1000), "speed": ("mm/s", 1000), "angle": ("mdeg", 1000),
    "angular_rate": ("mdeg/s", 1000), "time": ("ms", 1000), "temperature": ("deci-C", 10),
    "fraction": ("centi-%", 100), "voltage": ("mV", 1000), "current": ("mA", 1000),
    "power": ("mW", 1000), "energy": ("J", 1), "acceleration": ("mg", 1000), None: ("milli", 1000),
}
_FMT = {"i8": "b", "u8": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I"}


@dataclass(frozen=True)
class WireField:
    arg: ArgDef
    wire_type: str       # i8..u32 or str
    offset: int
    size: int
    min: int             # in wire units (string: length bounds)
    max: int
    wire_unit: str
    scale: int           # wire = round(base value * scale); 1 for integer types


def _scale(arg: ArgDef) -> tuple[str, int]:
    dim = _units.UNITS[arg.unit].dimension if arg.unit else None
    return WIRE_UNITS[dim]


def to_wire_number(arg: ArgDef, value) -> int:
    """An already-converted argument value as its wire integer."""
    if arg.type == "bool":
        return int(bool(value))
    if arg.type == "enum":
        return arg.values.index(value)
    if arg.type in INT_RANGES:
        return int(value)
    label, k = _scale(arg)
    base = _units.convert(float(value), arg.unit, _units.BASE_UNIT[_units.UNITS[arg.unit].dimension]) \
        if arg.unit else float(value)
    return int(round(base * k))


def layout(cmd: CommandDef) -> tuple[WireField, ...]:
    out, off = [], 0
    for a in cmd.args:
        if a.type == "str":
            size = 1 + int(a.max)
            f = WireField(a, "str", off, size, int(a.min or 0), int(a.max), "bytes", 1)
        elif a.type in ("bool", "enum"):
            hi = 1 if a.type == "bool" else len(a.values) - 1
            f = WireField(a, "u8", off, 1, 0, hi, a.type, 1)
        elif a.type in INT_RANGES:
            lo, hi = a.bounds()
            f = WireField(a, a.type, off, struct.calcsize(_FMT[a.type]), int(lo), int(hi),
                          a.unit or "", 1)
        else:  # f32 -> scaled int32
            label, k = _scale(a)
            lo, hi = a.bounds()
            wlo = math.ceil(_units.tidy(to_wire_number(a, lo) if abs(lo) < 1e9 else -2**31))
            whi = math.floor(_units.tidy(to_wire_number(a, hi) if abs(hi) < 1e9 else 2**31 - 1))
            f = WireField(a, "i32", off, 4, max(wlo, -2**31), min(whi, 2**31 - 1), label, k)
        out.append(f)
        off += f.size
    return tuple(out)


def encode_args(cmd: CommandDef, values: dict) -> bytes:
    """Pack converted argument values (as returned by CommandDef.convert_args)."""
    parts = []
    for f in layout(cmd):
        v = values[f.arg.name]
        if f.wire_type == "str":
            b = v.encode("utf-8")
            parts.append(bytes([len(b)]) + b.ljust(f.size - 1, b"\0"))
            continue
        n = to_wire_number(f.arg, v)
        if not f.min <= n <= f.max:
            raise ArgumentError(f"{cmd.name}.{f.arg.name}: wire value {n} outside {f.min}..{f.max}")
        parts.append(struct.pack("<" + _FMT[f.wire_type], n))
    return b"".join(parts)


def payload_size(cmd: CommandDef) -> int:
    return sum(f.size for f in layout(cmd))
