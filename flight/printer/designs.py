"""Brick designs: parametric bricks and user outlines, as stacked bodies.

A design is a list of bodies, each a region (outer rings with holes, mm)
extruded from ``z0_mm`` to ``z1_mm``.  Bodies that share a height must not
overlap (the parametric bricks are built that way; an outline file is one
body).  Every constructor checks its input and raises ``DesignError`` with a
sentence naming the field or the file position.  docs/printer.md section 2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from flight.printer.geometry import (GeometryError, check_region, circle, rect, region_bounds,
                                     reverse)


class DesignError(ValueError):
    """A design that cannot be printed; nothing has moved."""


@dataclass(frozen=True)
class BuildVolume:
    """The printer's reach, mm (our assumption: docs/printer.md section 3)."""
    x_mm: float = 200.0
    y_mm: float = 200.0
    z_mm: float = 100.0


@dataclass
class Body:
    z0_mm: float
    z1_mm: float
    region: list          # [(outer ring, [hole rings])]


@dataclass
class Design:
    name: str
    bodies: list[Body] = field(default_factory=list)
    source: str = ""      # what it was made from, for reports and checkpoints

    @property
    def height_mm(self) -> float:
        return max(b.z1_mm for b in self.bodies)

    def region_at(self, z_mm: float) -> list:
        out = []
        for b in self.bodies:
            if b.z0_mm <= z_mm < b.z1_mm:
                out.extend(b.region)
        return out

    def check(self, volume: BuildVolume = BuildVolume()) -> "Design":
        if not self.bodies:
            raise DesignError(f"design {self.name!r}: no bodies")
        for i, b in enumerate(self.bodies):
            if not (math.isfinite(b.z0_mm) and math.isfinite(b.z1_mm)) or b.z1_mm <= b.z0_mm or b.z0_mm < 0:
                raise DesignError(f"design {self.name!r}: body {i + 1} has heights "
                                  f"{b.z0_mm:g}..{b.z1_mm:g} mm (need 0 <= z0 < z1)")
            try:
                check_region(b.region, f"design {self.name!r} body {i + 1}")
            except GeometryError as e:
                raise DesignError(str(e)) from None
            x0, x1, y0, y1 = region_bounds(b.region)
            if x0 < 0 or y0 < 0 or x1 > volume.x_mm or y1 > volume.y_mm or b.z1_mm > volume.z_mm:
                raise DesignError(
                    f"design {self.name!r} does not fit the build volume {volume.x_mm:g} x "
                    f"{volume.y_mm:g} x {volume.z_mm:g} mm: body {i + 1} spans x {x0:g}..{x1:g}, "
                    f"y {y0:g}..{y1:g}, z {b.z0_mm:g}..{b.z1_mm:g} mm")
        return self


def _dims(name: str, **dims) -> None:
    for k, v in dims.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise DesignError(f"{name}: {k} must be a positive number of mm, got {v!r}")


MARGIN_MM = 10.0   # parts sit this far from the plate's corner (clear of the walls)


def plain_brick(length_mm=100.0, width_mm=50.0, height_mm=30.0) -> Design:
    _dims("plain brick", length_mm=length_mm, width_mm=width_mm, height_mm=height_mm)
    m = MARGIN_MM
    return Design("plain-brick", [Body(0.0, height_mm, [(rect(m, m, m + length_mm, m + width_mm), [])])],
                  source=f"plain-brick {length_mm:g}x{width_mm:g}x{height_mm:g}")


def hollow_brick(length_mm=100.0, width_mm=50.0, height_mm=30.0, cores=2, wall_mm=10.0) -> Design:
    _dims("hollow-core brick", length_mm=length_mm, width_mm=width_mm, height_mm=height_mm, wall_mm=wall_mm)
    if not isinstance(cores, int) or isinstance(cores, bool) or cores < 1:
        raise DesignError(f"hollow-core brick: cores must be a positive integer, got {cores!r}")
    core_l = (length_mm - (cores + 1) * wall_mm) / cores
    core_w = width_mm - 2 * wall_mm
    if core_l <= 0 or core_w <= 0:
        raise DesignError(f"hollow-core brick: {cores} cores with {wall_mm:g} mm walls do not fit "
                          f"in {length_mm:g} x {width_mm:g} mm")
    m = MARGIN_MM
    holes = [reverse(rect(m + wall_mm + k * (core_l + wall_mm), m + wall_mm,
                          m + wall_mm + k * (core_l + wall_mm) + core_l, m + wall_mm + core_w))
             for k in range(cores)]
    return Design("hollow-brick",
                  [Body(0.0, height_mm, [(rect(m, m, m + length_mm, m + width_mm), holes)])],
                  source=f"hollow-brick {length_mm:g}x{width_mm:g}x{height_mm:g} cores={cores} wall={wall_mm:g}")


def interlocking_brick(length_mm=100.0, width_mm=50.0, height_mm=30.0, stud_d_mm=16.0,
                       stud_h_mm=5.0, clearance_mm=1.0) -> Design:
    """Two studs on top, two matching sockets underneath (socket diameter =
    stud + 2 * clearance, depth = stud height + clearance)."""
    _dims("interlocking brick", length_mm=length_mm, width_mm=width_mm, height_mm=height_mm,
          stud_d_mm=stud_d_mm, stud_h_mm=stud_h_mm, clearance_mm=clearance_mm)
    sock_r = stud_d_mm / 2 + clearance_mm
    sock_h = stud_h_mm + clearance_mm
    if 4 * sock_r + 3 * 2.0 > length_mm or 2 * sock_r + 2 * 2.0 > width_mm:
        raise DesignError(f"interlocking brick: studs of {stud_d_mm:g} mm do not fit a "
                          f"{length_mm:g} x {width_mm:g} mm brick with 2 mm walls")
    if sock_h >= height_mm:
        raise DesignError(f"interlocking brick: sockets {sock_h:g} mm deep need a brick taller "
                          f"than that (height {height_mm:g} mm)")
    m = MARGIN_MM
    cy = m + width_mm / 2
    cxs = (m + length_mm / 4, m + 3 * length_mm / 4)
    outer = rect(m, m, m + length_mm, m + width_mm)
    sockets = [reverse(circle(cx, cy, sock_r)) for cx in cxs]
    studs = [(circle(cx, cy, stud_d_mm / 2), []) for cx in cxs]
    return Design("interlocking-brick", [
        Body(0.0, sock_h, [(outer, sockets)]),
        Body(sock_h, height_mm, [(outer, [])]),
        Body(height_mm, height_mm + stud_h_mm, studs),
    ], source=(f"interlocking-brick {length_mm:g}x{width_mm:g}x{height_mm:g} "
               f"stud={stud_d_mm:g}x{stud_h_mm:g} clearance={clearance_mm:g}"))


PARAMETRIC = {"plain-brick": plain_brick, "hollow-brick": hollow_brick,
              "interlocking-brick": interlocking_brick}


def region_checked(region, what):
    try:
        check_region(region, what)
    except GeometryError as e:
        raise DesignError(str(e)) from None
    return region


def as_points(points) -> np.ndarray:
    return np.asarray(points, dtype=np.float64)
