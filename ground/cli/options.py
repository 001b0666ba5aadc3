"""Click parameter types that validate values completely, so a bad value is
one line naming the option and the problem, with exit code 2, never a
traceback (click reports BadParameter as a usage error)."""
from __future__ import annotations

import math

import click

MAX_SEED = 2**32 - 1          # the simulator's generators take 32-bit seeds


class FiniteFloat(click.ParamType):
    """A finite float within [lo, hi] (open at lo if ``lo_open``)."""
    name = "number"

    def __init__(self, lo: float | None = None, hi: float | None = None, lo_open: bool = False,
                 unit: str = ""):
        self.lo, self.hi, self.lo_open, self.unit = lo, hi, lo_open, unit

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            v = float(value)
        else:
            try:
                v = float(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(v):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        u = f" {self.unit}" if self.unit else ""
        if self.lo is not None and (v < self.lo or (self.lo_open and v == self.lo)):
            self.fail(f"{v:g}{u} must be {'>' if self.lo_open else '>='} {self.lo:g}{u}",
                      param, ctx)
        if self.hi is not None and v > self.hi:
            self.fail(f"{v:g}{u} must be <= {self.hi:g}{u}", param, ctx)
        return v


SEED = click.IntRange(0, MAX_SEED)
POSITIVE_SECONDS = FiniteFloat(0.0, 10_000 * 3600.0, lo_open=True, unit="s")
