"""Permanent shadow from the horizon model, and ground temperatures.

Permanent shadow (``psr_grid``): a point is permanently shadowed when, for every
azimuth, its skyline is at or above the highest elevation the sun reaches at
that azimuth over a year (``max_sun_elevation_by_az``: the sun sampled hourly
over one eclipse year, binned by azimuth).  Computed on the horizon table's
2 m grid: one horizon layer toward the azimuth of the highest sun rules out
most points, and rays are marched for the remaining candidates only.

Temperatures (``surface_temp_k``), radiative equilibrium without thermal
inertia (regolith's low inertia lets the surface follow within hours):

- sunlit ground: eps sigma T^4 = (1 - A) S cos(i) + q_geo, with i the local
  incidence on the surface normal (Williams et al. 2019; Paige et al. 2010);
- shadowed ground in a crater, PSR floors included: Ingersoll, Svitek & Murray
  (1992) bowl model as used by Hayne et al. (2021): all shadowed parts of a
  spherical bowl of depth/diameter g share
      sigma T^4 = F f (1 - A) / (eps (1 - A f)) (1 + A (1 - f) / eps),
  f = 4 g^2 / (1 + 4 g^2) (view factor of the bowl), F = S sin(e_sun);
- shadowed ground outside craters: the same with the view factor of a shallow
  depression (g = OPEN_GROUND_DD, assumption);
- a floor of geothermal heat flow q_geo everywhere.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from sim_hw import sun
from sim_hw.site import Site

STEFAN_BOLTZMANN = 5.670374419e-8   # W m^-2 K^-4 (CODATA 2018)
# Bolometric albedo and infrared emissivity of lunar regolith as used in the
# Diviner thermal model (Vasavada et al. 2012, JGR 117, E00H18).
ALBEDO = 0.12
EMISSIVITY = 0.95
# Lunar heat flow, Apollo 15/17 measurements 0.021/0.016 W/m^2 (Langseth et
# al. 1976); 0.018 W/m^2 gives a ~24 K floor in permanent shadow.
GEOTHERMAL_W_M2 = 0.018
# Assumption: shadowed ground outside any crater sees the sunlit terrain about
# as a shallow depression does (d/D = 0.05, view factor ~1 %).
OPEN_GROUND_DD = 0.05
YEAR_SAMPLE_S = 3600.0
AZ_BINS = sun.HORIZON_AZ_BINS

_PSR: "weakref.WeakKeyDictionary[Site, tuple]" = weakref.WeakKeyDictionary()


def max_sun_elevation_by_az(latitude_deg: float, n_bins: int = AZ_BINS) -> np.ndarray:
    """Highest sun-centre elevation (rad) in each azimuth bin over one eclipse year
    (bin k spans az [k, k + 1) * 2 pi / n_bins); -pi/2 where the sun never is."""
    t = np.arange(0.0, sun.ECLIPSE_YEAR_S + sun.SYNODIC_MONTH_S, YEAR_SAMPLE_S)
    hour = 2.0 * np.pi * ((t / sun.SYNODIC_MONTH_S) % 1.0)
    delta = math.radians(sun.LUNAR_AXIAL_TILT_DEG) * np.sin(2.0 * np.pi * ((t / sun.ECLIPSE_YEAR_S) % 1.0))
    phi = math.radians(latitude_deg)
    cd = np.cos(delta)
    east = -cd * np.sin(hour)
    north = math.cos(phi) * np.sin(delta) - math.sin(phi) * cd * np.cos(hour)
    up = math.sin(phi) * np.sin(delta) + math.cos(phi) * cd * np.cos(hour)
    az = np.arctan2(north, east) % (2.0 * np.pi)
    el = np.arcsin(np.clip(up, -1.0, 1.0))
    k = np.minimum((az / (2.0 * np.pi) * n_bins).astype(int), n_bins - 1)
    out = np.full(n_bins, -np.pi / 2.0)
    np.maximum.at(out, k, el)
    return out


def _march_points(site: Site, px: np.ndarray, py: np.ndarray, pz: np.ndarray, az_rad: float,
                  stop_at: float) -> np.ndarray:
    """Skyline elevation toward az_rad from each point; stops early once a ray's
    skyline exceeds stop_at (all we need to know)."""
    dx, dy = math.cos(az_rad), math.sin(az_rad)
    xmin, xmax, ymin, ymax = site.extent_m
    max_dist = math.hypot(xmax - xmin, ymax - ymin)
    # Beyond (highest point - own height) / tan(stop_at) no terrain can reach stop_at.
    reach = (float(site.height_m.max()) - pz) / math.tan(max(stop_at, 1e-3))
    hz = np.zeros(px.shape)
    idx = np.arange(px.size)
    dist = site.cell_m
    while dist <= max_dist and idx.size:
        z = sun._sample_heights(site, px[idx] + dist * dx, py[idx] + dist * dy)
        inside = ~np.isnan(z)
        drop = dist * dist / (2.0 * sun.MOON_RADIUS_M)
        sel = idx[inside]
        hz[sel] = np.maximum(hz[sel], np.arctan2(z[inside] - pz[sel] - drop, dist))
        idx = sel[(hz[sel] < stop_at) & (reach[sel] > dist)]
        dist += max(site.cell_m, sun.HORIZON_STEP_GROWTH * dist)
    return hz


def psr_grid(site: Site) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Permanently shadowed mask on the horizon-table grid and its extent (cached)."""
    hit = _PSR.get(site)
    if hit is not None:
        return hit
    table = sun._table(site)
    max_el = max_sun_elevation_by_az(site.params.latitude_deg, table.n_az)
    xs = table.x0 + table.cell_m * np.arange(table.nx)
    ys = table.y0 + table.cell_m * np.arange(table.ny)
    extent = (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
    lit_bins = [k for k in range(table.n_az) if max_el[k] > 0.0]
    if not lit_bins:   # the sun never rises: all shadow
        out = (np.ones((table.ny, table.nx), dtype=bool), extent)
        _PSR[site] = out
        return out
    # The sun's highest azimuth bin: one full layer rules out most points.
    k0 = int(np.argmax(max_el))
    first = np.zeros((table.ny, table.nx), dtype=bool)
    for k in (k0,):
        lo = table.layer(k)
        hi = table.layer(k + 1)
        first |= np.minimum(lo, hi) >= max_el[k]
    cand = np.flatnonzero(first.ravel())
    px_all, py_all = np.meshgrid(xs, ys)
    px, py = px_all.ravel()[cand], py_all.ravel()[cand]
    pz = sun._sample_heights(site, px, py)
    keep = np.ones(cand.size, dtype=bool)
    # Bin edges (the horizon table's azimuths): an edge must be blocked up to the
    # highest sun of the bins on either side (the horizon is linear in between).
    need = {}
    for k in lit_bins:
        for e in (k % table.n_az, (k + 1) % table.n_az):
            need[e] = max(need.get(e, -1.0), float(max_el[k]))
    for e in sorted(need, key=lambda e: -need[e]):      # most demanding first
        sub = np.flatnonzero(keep)
        if not sub.size:
            break
        hz = _march_points(site, px[sub], py[sub], pz[sub], 2.0 * math.pi * e / table.n_az, need[e])
        keep[sub[hz < need[e]]] = False
    mask = np.zeros(table.ny * table.nx, dtype=bool)
    mask[cand[keep]] = True
    mask = mask.reshape(table.ny, table.nx)
    mask.flags.writeable = False
    out = (mask, extent)
    _PSR[site] = out
    return out


def psr_mask_on_site_grid(site: Site) -> np.ndarray:
    """The permanent-shadow mask resampled (nearest) onto the site's height grid."""
    mask, (x0, _, y0, _) = psr_grid(site)
    ny, nx = site.height_m.shape
    cell = sun._table(site).cell_m
    i = np.clip(np.rint((site.origin_xy_m[0] + site.cell_m * np.arange(nx) - x0) / cell).astype(int),
                0, mask.shape[1] - 1)
    j = np.clip(np.rint((site.origin_xy_m[1] + site.cell_m * np.arange(ny) - y0) / cell).astype(int),
                0, mask.shape[0] - 1)
    out = mask[np.ix_(j, i)]
    out.flags.writeable = False
    return out


def in_psr(site: Site, x_m: float, y_m: float) -> bool:
    mask, (x0, _, y0, _) = psr_grid(site)
    cell = sun._table(site).cell_m
    i = min(max(int(round((x_m - x0) / cell)), 0), mask.shape[1] - 1)
    j = min(max(int(round((y_m - y0) / cell)), 0), mask.shape[0] - 1)
    return bool(mask[j, i])


def bowl_view_factor(depth_to_diameter: float) -> float:
    """Fraction of the sky a point in a spherical bowl sees filled by the bowl."""
    g2 = 4.0 * depth_to_diameter * depth_to_diameter
    return g2 / (1.0 + g2)


def bowl_shadow_temp_k(depth_to_diameter: float, sun_el_rad: float,
                       albedo: float = ALBEDO, emissivity: float = EMISSIVITY) -> float:
    """Ingersoll et al. (1992) shadowed-floor temperature of a bowl crater, plus heat flow."""
    f = bowl_view_factor(depth_to_diameter)
    flux = sun.SOLAR_CONSTANT_W_M2 * max(0.0, math.sin(sun_el_rad))
    q = flux * f * (1.0 - albedo) / (emissivity * (1.0 - albedo * f)) * (1.0 + albedo * (1.0 - f) / emissivity)
    return ((q + GEOTHERMAL_W_M2 / emissivity) / STEFAN_BOLTZMANN) ** 0.25


def sunlit_temp_k(cos_incidence: float, albedo: float = ALBEDO, emissivity: float = EMISSIVITY) -> float:
    """Radiative equilibrium of a surface lit at incidence i (cos_incidence = cos i)."""
    q = (1.0 - albedo) * sun.SOLAR_CONSTANT_W_M2 * max(0.0, cos_incidence) + GEOTHERMAL_W_M2
    return (q / (emissivity * STEFAN_BOLTZMANN)) ** 0.25


class CraterIndex:
    """Innermost crater containing a point (smallest radius), via a coarse bucket grid."""

    BUCKET_M = 20.0

    def __init__(self, site: Site):
        self._c = site.craters
        self._buckets: dict[tuple[int, int], list[int]] = {}
        for n, c in enumerate(site.craters):
            b = self.BUCKET_M
            for bi in range(int(math.floor((c.x_m - c.radius_m) / b)), int(math.floor((c.x_m + c.radius_m) / b)) + 1):
                for bj in range(int(math.floor((c.y_m - c.radius_m) / b)), int(math.floor((c.y_m + c.radius_m) / b)) + 1):
                    self._buckets.setdefault((bi, bj), []).append(n)

    def depth_to_diameter(self, x_m: float, y_m: float) -> float | None:
        best = None
        key = (int(math.floor(x_m / self.BUCKET_M)), int(math.floor(y_m / self.BUCKET_M)))
        for n in self._buckets.get(key, ()):
            c = self._c[n]
            if math.hypot(x_m - c.x_m, y_m - c.y_m) < c.radius_m and (best is None or c.radius_m < best.radius_m):
                best = c
        return None if best is None else best.depth_m / (2.0 * best.radius_m)


_INDEX: "weakref.WeakKeyDictionary[Site, CraterIndex]" = weakref.WeakKeyDictionary()


def surface_temp_k(site: Site, x_m: float, y_m: float, t_s: float, sunlit: bool | None = None,
                   epoch_s: float = 0.0) -> float:
    """Ground temperature (K) at (x_m, y_m) at simulated time t_s (see module docstring).
    sunlit: the caller's is_sunlit result, if it has one (saves the horizon lookup)."""
    az, el = sun.sun_vector(t_s, epoch_s, latitude_deg=site.params.latitude_deg)
    if sunlit is None:
        sunlit = sun.sunlit_at(site, x_m, y_m, az, el)
    return surface_temp_at_k(site, x_m, y_m, az, el, sunlit)


def surface_temp_at_k(site: Site, x_m: float, y_m: float, az_rad: float, el_rad: float,
                      sunlit: bool) -> float:
    """surface_temp_k for a sun already computed, at a point inside the site."""
    az, el = az_rad, el_rad
    if sunlit:
        gx, gy = site.gradient_at(x_m, y_m)
        n = (-gx, -gy, 1.0)
        s = (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))
        cos_i = (n[0] * s[0] + n[1] * s[1] + n[2] * s[2]) / math.sqrt(gx * gx + gy * gy + 1.0)
        return sunlit_temp_k(cos_i)
    idx = _INDEX.get(site)
    if idx is None:
        idx = _INDEX[site] = CraterIndex(site)
    dd = idx.depth_to_diameter(x_m, y_m)
    return bowl_shadow_temp_k(OPEN_GROUND_DD if dd is None else dd, el)
