"""Planar polygons for designs and layers (mm, numpy float64 [n, 2] arrays).

A *ring* is a closed polygon stored without repeating its first vertex.
A *region* is a list of (outer ring, [hole rings]).  Checks raise
``GeometryError`` with a sentence saying what is wrong and where.
"""
from __future__ import annotations

import math

import numpy as np

EPS_MM = 1e-9


class GeometryError(ValueError):
    """An outline that cannot be printed (open, self-intersecting, degenerate)."""


def as_ring(points, what: str) -> np.ndarray:
    """Vertices -> ring array.  The list must be closed (last == first)."""
    try:
        a = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise GeometryError(f"{what}: vertices must be (x, y) number pairs") from None
    if a.ndim != 2 or a.shape[1] != 2:
        raise GeometryError(f"{what}: vertices must be (x, y) pairs")
    if not np.all(np.isfinite(a)):
        raise GeometryError(f"{what}: vertices must be finite numbers")
    if len(a) < 4:
        raise GeometryError(f"{what}: needs at least 3 distinct vertices and the closing one "
                            f"(got {len(a)} points)")
    if not np.allclose(a[0], a[-1], atol=EPS_MM, rtol=0):
        raise GeometryError(f"{what}: open outline: last point ({a[-1][0]:g}, {a[-1][1]:g}) is not "
                            f"the first ({a[0][0]:g}, {a[0][1]:g})")
    ring = a[:-1]
    check_simple(ring, what)
    return ring


def signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(p1, p2, q1, q2) -> bool:
    """Proper or touching intersection of segments p1p2 and q1q2."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    if ((d1 > EPS_MM and d2 < -EPS_MM) or (d1 < -EPS_MM and d2 > EPS_MM)) and \
       ((d3 > EPS_MM and d4 < -EPS_MM) or (d3 < -EPS_MM and d4 > EPS_MM)):
        return True

    def on(a, b, c, d):
        return abs(d) <= EPS_MM and min(a[0], b[0]) - EPS_MM <= c[0] <= max(a[0], b[0]) + EPS_MM \
            and min(a[1], b[1]) - EPS_MM <= c[1] <= max(a[1], b[1]) + EPS_MM
    return on(q1, q2, p1, d1) or on(q1, q2, p2, d2) or on(p1, p2, q1, d3) or on(p1, p2, q2, d4)


def check_simple(ring: np.ndarray, what: str) -> None:
    """Distinct consecutive vertices, non-zero area, no edge crossing another."""
    n = len(ring)
    for i in range(n):
        if np.allclose(ring[i], ring[(i + 1) % n], atol=EPS_MM, rtol=0):
            raise GeometryError(f"{what}: vertices {i + 1} and {(i + 1) % n + 1} coincide")
    for i in range(n):
        a, b = ring[i], ring[(i + 1) % n]
        for j in range(i + 1, n):
            if j == i or (j + 1) % n == i or j == (i + 1) % n:
                continue            # neighbours share a vertex
            c, d = ring[j], ring[(j + 1) % n]
            if _segments_cross(a, b, c, d):
                raise GeometryError(f"{what}: self-intersecting: edge {i + 1} "
                                    f"({a[0]:g}, {a[1]:g})-({b[0]:g}, {b[1]:g}) crosses edge {j + 1} "
                                    f"({c[0]:g}, {c[1]:g})-({d[0]:g}, {d[1]:g})")
    if abs(signed_area(ring)) <= EPS_MM:
        raise GeometryError(f"{what}: outline encloses no area")


def rings_cross(r1: np.ndarray, r2: np.ndarray) -> bool:
    for i in range(len(r1)):
        a, b = r1[i], r1[(i + 1) % len(r1)]
        for j in range(len(r2)):
            if _segments_cross(a, b, r2[j], r2[(j + 1) % len(r2)]):
                return True
    return False


def point_in_ring(x: float, y: float, ring: np.ndarray) -> bool:
    """Even-odd test (points on an edge count either way)."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            xc = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < xc:
                inside = not inside
    return inside


def check_region(region, what: str) -> None:
    """Each hole lies inside its outer ring and crosses no other ring; outer
    rings do not overlap."""
    for k, (outer, holes) in enumerate(region):
        for h, hole in enumerate(holes):
            if rings_cross(outer, hole) or not point_in_ring(*hole[0], outer):
                raise GeometryError(f"{what}: hole {h + 1} of outline {k + 1} is not inside it")
            for h2 in range(h + 1, len(holes)):
                if rings_cross(hole, holes[h2]) or point_in_ring(*holes[h2][0], hole) \
                        or point_in_ring(*hole[0], holes[h2]):
                    raise GeometryError(f"{what}: holes {h + 1} and {h2 + 1} of outline {k + 1} overlap")
        for k2 in range(k + 1, len(region)):
            o2 = region[k2][0]
            if rings_cross(outer, o2) or point_in_ring(*o2[0], outer) or point_in_ring(*outer[0], o2):
                raise GeometryError(f"{what}: outlines {k + 1} and {k2 + 1} overlap")


def region_area(region) -> float:
    return sum(abs(signed_area(o)) - sum(abs(signed_area(h)) for h in holes) for o, holes in region)


def region_bounds(region) -> tuple[float, float, float, float]:
    pts = np.vstack([o for o, _ in region])
    return float(pts[:, 0].min()), float(pts[:, 0].max()), float(pts[:, 1].min()), float(pts[:, 1].max())


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def circle(cx: float, cy: float, r: float, n: int = 24) -> np.ndarray:
    t = np.arange(n) * (2 * math.pi / n)
    return np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])


def reverse(ring: np.ndarray) -> np.ndarray:
    return ring[::-1].copy()
