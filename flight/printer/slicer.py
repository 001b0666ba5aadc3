"""Design -> layers -> raster toolpaths.

Layer k samples the design at the middle of its slab ``k * layer_mm ..
(k + 1) * layer_mm`` (clipped at the design's top).
Each layer is hatched with parallel scan lines ``hatch_mm`` apart; even
layers scan along X, odd layers along Y (the direction alternates so that
weak planes between neighbouring tracks do not line up through the brick),
and within a layer the lines run back and forth (boustrophedon).  A scan
line's crossings with every ring edge, sorted and taken in pairs (even-odd
rule), give the inside spans, so holes are skipped.  Travel moves join the
spans.  docs/printer.md section 2.
"""
from __future__ import annotations

import math

import numpy as np

from flight.printer.designs import BuildVolume, Design, DesignError
from flight.printer.toolpath import Layer, Plan, ProcessSettings

MAX_LAYERS = 2000
MAX_MOVES_PER_LAYER = 200_000


def check_settings(s: ProcessSettings) -> None:
    for k in ("layer_mm", "hatch_mm", "spot_mm", "scan_mmps", "travel_mmps", "sinter_c"):
        v = getattr(s, k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise DesignError(f"process setting {k} must be a positive number, got {v!r}")
    if s.sinter_c > s.max_head_c:
        raise DesignError(f"sinter temperature {s.sinter_c:g} C is above the head's rating "
                          f"{s.max_head_c:g} C")


def _spans(region, c: float, axis: int) -> np.ndarray:
    """Inside spans of the line {coord[axis] == c}: array [m, 2] of the other
    coordinate, sorted."""
    other = 1 - axis
    xs = []
    for outer, holes in region:
        for ring in [outer, *holes]:
            a = ring
            b = np.roll(ring, -1, axis=0)
            ya, yb = a[:, axis], b[:, axis]
            hit = (ya > c) != (yb > c)
            if not np.any(hit):
                continue
            t = (c - ya[hit]) / (yb[hit] - ya[hit])
            xs.append(a[hit, other] + t * (b[hit, other] - a[hit, other]))
    if not xs:
        return np.zeros((0, 2))
    x = np.sort(np.concatenate(xs))
    return x.reshape(-1, 2)


def _hatch_piece(piece, axis: int, s: ProcessSettings, moves: list, flags: list, pos):
    """Scan lines over one outline (with its holes), centred on it."""
    region = [piece]
    outer = piece[0]
    lo, hi = float(outer[:, axis].min()), float(outer[:, axis].max())
    n = max(1, int(math.floor((hi - lo) / s.hatch_mm + 1e-9)))
    first = lo + ((hi - lo) - (n - 1) * s.hatch_mm) / 2   # centred between the edges
    forward = True
    for k in range(n):
        c = first + k * s.hatch_mm
        spans = _spans(region, c, axis)
        if len(spans) == 0:
            continue
        if not forward:
            spans = spans[::-1, ::-1]
        for u0, u1 in spans:
            p0 = (u0, c) if axis == 1 else (c, u0)
            p1 = (u1, c) if axis == 1 else (c, u1)
            if pos is not None and (pos[0] != p0[0] or pos[1] != p0[1]):
                moves.append((*pos, *p0))
                flags.append(False)
            moves.append((*p0, *p1))
            flags.append(True)
            pos = p1
        forward = not forward
    return pos


def hatch(region, index: int, s: ProcessSettings) -> tuple[np.ndarray, np.ndarray]:
    """Toolpath of one layer: each outline hatched on its own (so a small
    stud still gets its scan lines), travel moves between them."""
    axis = 1 if index % 2 == 0 else 0        # even: lines of constant y (scan along X)
    moves, flags = [], []
    pos = None
    for piece in region:
        pos = _hatch_piece(piece, axis, s, moves, flags, pos)
    return np.array(moves, dtype=np.float64).reshape(-1, 4), np.array(flags, dtype=bool)


def slice_design(design: Design, settings: ProcessSettings = ProcessSettings(),
                 volume: BuildVolume = BuildVolume()) -> Plan:
    check_settings(settings)
    design.check(volume)
    nlayers = int(math.ceil(design.height_mm / settings.layer_mm - 1e-9))
    if nlayers > MAX_LAYERS:
        raise DesignError(f"design {design.name!r}: {nlayers} layers of {settings.layer_mm:g} mm "
                          f"exceed the limit of {MAX_LAYERS}")
    layers = []
    for k in range(nlayers):
        # centre of the layer's slab, clipped at the design's top (the last
        # layer of a height that is not a whole number of layers is thinner
        # in the design; the printer still spreads a whole layer)
        z = (k * settings.layer_mm + min((k + 1) * settings.layer_mm, design.height_mm)) / 2
        region = design.region_at(z)
        if not region:
            raise DesignError(f"design {design.name!r}: nothing to print at z = {z:g} mm "
                              "(a floating part cannot be sintered)")
        moves, flags = hatch(region, k, settings)
        if not flags.any():
            raise DesignError(f"design {design.name!r}: layer {k} (z = {z:g} mm) gets no scan line: "
                              f"its features are narrower than the {settings.hatch_mm:g} mm hatch")
        if len(moves) > MAX_MOVES_PER_LAYER:
            raise DesignError(f"design {design.name!r}: layer {k} needs {len(moves)} moves "
                              f"(limit {MAX_MOVES_PER_LAYER}); use a wider hatch")
        layers.append(Layer(k, (k + 1) * settings.layer_mm, moves, flags, region))
    return Plan(design.name, design.source, settings, layers)
