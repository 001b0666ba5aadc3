"""User designs: an outline polygon with holes, extruded (``.outline`` files).

Format (one statement per line, ``#`` starts a comment, lengths in mm)::

    name  garden-tile
    height 20
    outline            # an outer ring: vertices follow, one "x y" per line,
    10 10              # closed by repeating the first vertex
    110 10
    110 60
    10 60
    10 10
    hole               # a hole of the outline above it (same rules)
    30 30
    ...

Several ``outline`` blocks are allowed (separate parts on one plate).
Errors name ``file:line:col``.
"""
from __future__ import annotations

import math
from pathlib import Path

from flight.printer.designs import Body, Design, DesignError
from flight.printer.geometry import GeometryError, as_ring, check_region, signed_area
from flight.printer.design_text import read_design_text

MAX_BYTES = 1_000_000
MAX_VERTICES = 10_000


def _num(tok: str, where: str) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise DesignError(f"{where}: {tok!r} is not a number") from None
    if not math.isfinite(v):
        raise DesignError(f"{where}: {tok!r} is not a finite number")
    return v


def load_outline(path) -> Design:
    path = Path(path)
    text = read_design_text(path, MAX_BYTES)
    name, height = path.stem, None
    rings: list[tuple[str, int, list]] = []       # (kind, line, points)
    nverts = 0
    for ln, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0]
        toks = body.split()
        if not toks:
            continue
        col = len(body) - len(body.lstrip()) + 1
        where = f"{path}:{ln}:{col}"
        key = toks[0].lower()
        if key == "name":
            if len(toks) != 2:
                raise DesignError(f"{where}: 'name' takes one word")
            name = toks[1]
        elif key == "height":
            if len(toks) != 2:
                raise DesignError(f"{where}: 'height' takes one number (mm)")
            height = _num(toks[1], f"{path}:{ln}:{body.index(toks[1]) + 1}")
            if height <= 0:
                raise DesignError(f"{where}: height must be positive, got {toks[1]}")
        elif key in ("outline", "hole"):
            if len(toks) != 1:
                raise DesignError(f"{where}: '{key}' stands alone; its vertices follow on the next lines")
            if key == "hole" and not any(k == "outline" for k, _, _ in rings):
                raise DesignError(f"{where}: 'hole' before any 'outline'")
            rings.append((key, ln, []))
        else:
            if len(toks) != 2:
                raise DesignError(f"{where}: expected a vertex 'x y' or one of name, height, "
                                  f"outline, hole; got {body.strip()!r}")
            if not rings:
                raise DesignError(f"{where}: a vertex before any 'outline'")
            x = _num(toks[0], where)
            y = _num(toks[1], f"{path}:{ln}:{body.index(toks[1], col - 1 + len(toks[0])) + 1}")
            rings[-1][2].append((x, y))
            nverts += 1
            if nverts > MAX_VERTICES:
                raise DesignError(f"{where}: more than {MAX_VERTICES} vertices")
    if height is None:
        raise DesignError(f"{path}: no 'height' line")
    if not rings:
        raise DesignError(f"{path}: no 'outline' block")
    region = []
    for kind, ln, pts in rings:
        try:
            ring = as_ring(pts, f"{path}:{ln}:1: {kind}")
        except GeometryError as e:
            raise DesignError(str(e)) from None
        if kind == "outline":
            region.append((ring if signed_area(ring) > 0 else ring[::-1].copy(), []))
        else:
            region[-1][1].append(ring if signed_area(ring) < 0 else ring[::-1].copy())
    try:
        check_region(region, str(path))
    except GeometryError as e:
        raise DesignError(str(e)) from None
    return Design(name, [Body(0.0, height, region)], source=f"outline {path.name}")
