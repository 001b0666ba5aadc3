"""The small table of engineering units the dictionary and sequences accept.

Every unit belongs to a dimension with one base unit; a conversion is
``base = value * num / den + offset``.  Factors are kept as integer ratios
(not pre-divided floats) so "20 cm/s" becomes exactly 0.2 m/s instead of
0.20000000000000004, which would then fail a 0.2 m/s range check.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


class UnitError(ValueError):
    """An unknown unit or a conversion between different dimensions."""


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str
    num: int = 1
    den: int = 1
    offset: float = 0.0


def _u(name, dim, num=1, den=1, offset=0.0):
    return name, Unit(name, dim, num, den, offset)


UNITS: dict[str, Unit] = dict([
    _u("m", "length"), _u("cm", "length", 1, 100), _u("mm", "length", 1, 1000),
    _u("km", "length", 1000),
    _u("m/s", "speed"), _u("cm/s", "speed", 1, 100), _u("mm/s", "speed", 1, 1000),
    _u("m/h", "speed", 1, 3600), _u("km/h", "speed", 1000, 3600),
    _u("deg", "angle"), _u("mdeg", "angle", 1, 1000),
    # rad is irrational in degrees; 180/pi as a ratio of large integers is exact enough
    ("rad", Unit("rad", "angle", 180_000_000_000_000, round(math.pi * 1_000_000_000_000))),
    ("mrad", Unit("mrad", "angle", 180_000_000_000, round(math.pi * 1_000_000_000_000))),
    _u("deg/s", "angular_rate"),
    ("rad/s", Unit("rad/s", "angular_rate", 180_000_000_000_000, round(math.pi * 1_000_000_000_000))),
    ("mrad/s", Unit("mrad/s", "angular_rate", 180_000_000_000, round(math.pi * 1_000_000_000_000))),
    _u("s", "time"), _u("ms", "time", 1, 1000), _u("min", "time", 60), _u("h", "time", 3600),
    _u("C", "temperature"), _u("K", "temperature", 1, 1, -273.15),
    _u("dC", "temperature", 1, 10),
    _u("g", "acceleration"), _u("mg", "acceleration", 1, 1000),
    _u("%", "fraction"),
    _u("V", "voltage"), _u("mV", "voltage", 1, 1000),
    _u("A", "current"), _u("mA", "current", 1, 1000),
    _u("W", "power"), _u("mW", "power", 1, 1000),
    _u("J", "energy"), _u("kJ", "energy", 1000), _u("Wh", "energy", 3600),
    _u("steps", "stepper"),      # stepper motor steps (printer axes)
])

BASE_UNIT = {"length": "m", "speed": "m/s", "angle": "deg", "angular_rate": "deg/s",
             "time": "s", "temperature": "C", "acceleration": "g", "fraction": "%", "voltage": "V",
             "current": "A", "power": "W", "energy": "J", "stepper": "steps"}

TIME_UNITS = tuple(n for n, u in UNITS.items() if u.dimension == "time")


def unit(name: str) -> Unit:
    try:
        return UNITS[name]
    except KeyError:
        raise UnitError(f"unknown unit {name!r} (known: {', '.join(UNITS)})") from None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` from one unit to another of the same dimension.

    The result is rounded to 12 significant digits to strip binary-float
    noise; that is far below any sensor or actuator resolution.
    """
    if from_unit == to_unit:
        return value
    src, dst = unit(from_unit), unit(to_unit)
    if src.dimension != dst.dimension:
        raise UnitError(f"cannot convert {from_unit} ({src.dimension}) to {to_unit} ({dst.dimension})")
    base = value * src.num / src.den + src.offset
    out = (base - dst.offset) * dst.den / dst.num
    return tidy(out)


def tidy(x: float) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.12g}")


def duration_ms(value: float, unit_name: str) -> int:
    """A duration in integer milliseconds (the clock's resolution)."""
    u = unit(unit_name)
    if u.dimension != "time":
        raise UnitError(f"{unit_name!r} is not a time unit (use one of {', '.join(TIME_UNITS)})")
    ms = convert(value, unit_name, "ms")
    if not math.isfinite(ms):
        raise UnitError(f"{value} {unit_name} is not a finite duration")
    if ms != round(ms):
        raise UnitError(f"{value} {unit_name} is not a whole number of milliseconds")
    return int(round(ms))
