"""Spatially varying soil: seeded, correlated patch factors for the C plant.

Two factor grids over the site: ``sink`` scales the Bekker moduli (k_c, k_phi)
and ``shear`` scales the cohesion c and the shear stiffness 1/K, and tan(phi)
by a third as much.  Each
is 1 + (var/2) g, clipped to [1 - var, 1 + var], where g is a unit-variance
Gaussian field correlated over ``patch_m`` (lattice value noise with a quintic
fade, normalised by its sample standard deviation), so ``var`` is the 2-sigma
spread.  The grids are float32 [ny, nx], C-contiguous, read-only, with cell
centres at origin + cell * (i, j).  See docs/plant.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Soil patches use their own random stream, so the terrain of a seed does
# not change when the soil model does.
SOIL_STREAM = 0x5011


@dataclass(frozen=True)
class SoilMaps:
    sink: np.ndarray
    shear: np.ndarray
    cell_m: float
    origin_xy_m: tuple[float, float]


def _fade(t):
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0)


def _field(rng: np.random.Generator, n: int, cell_m: float, patch_m: float) -> np.ndarray:
    """Unit-variance correlated field on an n x n grid."""
    u = np.arange(n) * cell_m / patch_m
    i = np.floor(u).astype(np.intp)
    f = _fade(u - i)
    m = int(i[-1]) + 2
    lat = rng.standard_normal((m, m))
    rows = lat[i] * (1.0 - f)[:, None] + lat[i + 1] * f[:, None]
    g = rows[:, i] * (1.0 - f) + rows[:, i + 1] * f
    sd = float(g.std())
    return (g - float(g.mean())) / sd if sd > 0 else g * 0.0


def make_soil_maps(seed: int, extent_m: tuple[float, float, float, float], var_frac: float,
                   patch_m: float) -> SoilMaps:
    """Patch factors covering extent_m = (xmin, xmax, ymin, ymax)."""
    if not 0.0 <= var_frac <= 0.9:
        raise ValueError(f"soil_var_frac={var_frac!r} out of range [0, 0.9]")
    if not patch_m > 0.0:
        raise ValueError(f"soil_patch_m={patch_m!r} must be > 0")
    xmin, xmax, ymin, ymax = extent_m
    cell = max(1.0, patch_m / 4.0)
    n = int(np.ceil(max(xmax - xmin, ymax - ymin) / cell)) + 1
    rng = np.random.default_rng([int(seed), SOIL_STREAM])
    out = []
    for _ in range(2):
        g = _field(rng, n, cell, patch_m)
        f = np.clip(1.0 + 0.5 * var_frac * g, 1.0 - var_frac, 1.0 + var_frac)
        a = np.ascontiguousarray(f, dtype=np.float32)
        a.flags.writeable = False
        out.append(a)
    return SoilMaps(sink=out[0], shear=out[1], cell_m=cell, origin_xy_m=(xmin, ymin))
