"""Click parameter types that validate values completely, so a bad value is
one line naming the option and the problem, with exit code 2, never a
traceback (click reports BadParameter as a usage error)."""
from __future__ import annotations

import math
import os

import click

MAX_SEED = 2**32 - 1          # ground.runner.MAX_SEED (not imported: keeps `rover --help` fast)


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


def _nearest_existing(path: str) -> str:
    p = os.path.abspath(path)
    while not os.path.exists(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


class WritablePath(click.ParamType):
    """A place we will write: a directory (``kind="dir"``) or a file
    (``kind="file"``).  Refused up front, as a usage error, if it exists as
    the wrong kind or the nearest existing parent is not a writable
    directory (a path under a regular file, a read-only mount, a device)."""
    name = "path"

    def __init__(self, kind: str = "dir"):
        self.kind = kind

    def convert(self, value, param, ctx):
        text = os.fspath(value)
        if not text or "\x00" in text:
            self.fail("empty path or a path with a NUL character", param, ctx)
        if os.path.exists(text):
            if self.kind == "dir" and not os.path.isdir(text):
                self.fail(f"{text!r} exists and is not a directory", param, ctx)
            if self.kind == "file" and os.path.isdir(text):
                self.fail(f"{text!r} is a directory, not a file", param, ctx)
            if self.kind == "file" and not os.path.isfile(text):
                self.fail(f"{text!r} exists and is not a regular file", param, ctx)
            where = text if self.kind == "dir" else os.path.dirname(os.path.abspath(text))
        else:
            where = _nearest_existing(text)
            if not os.path.isdir(where):
                self.fail(f"{text!r} cannot be created: {where!r} is not a directory", param, ctx)
        if not os.access(where, os.W_OK | os.X_OK):
            self.fail(f"{text!r} is not writable ({where!r} refuses writes)", param, ctx)
        return text


WRITABLE_DIR = WritablePath("dir")
WRITABLE_FILE = WritablePath("file")
