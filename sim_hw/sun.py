"""Sun geometry, horizon shadowing and solar-panel power for a polar site.

Sun direction (local east-north-up, hour angle H, sub-solar latitude delta,
site latitude phi):

    east  = -cos(delta) sin(H)
    north =  cos(phi) sin(delta) - sin(phi) cos(delta) cos(H)
    up    =  sin(phi) sin(delta) + cos(phi) cos(delta) cos(H)
    el = asin(up)   az = atan2(north, east)   (radians CCW from +x = east)

with H = 2 pi t / synodic month and delta = tilt * sin(2 pi t / eclipse year),
t = t_s + epoch_s.  So |el| <= (90 deg - |phi|) + 1.54 deg: within +-1.54 deg
at the pole itself, up to ~6.9 deg at 84.6 deg S.  At t = 0 the sun is due
north (az = +90 deg, local noon) and delta = 0 rising; az then increases (the
sun moves east -> north -> west), one turn per synodic month.

Shadowing: a lazily built horizon table per site -- horizon elevation angle on a
coarse grid for each azimuth bin, filled one bin at a time on first use -- then
bilinear in space and linear in azimuth.  See docs/site.md.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from sim_hw.site import Site

SECONDS_PER_DAY = 86400.0
SYNODIC_MONTH_S = 29.530589 * SECONDS_PER_DAY  # mean synodic month (IAU / Meeus)
# The sun's latitude on the Moon cycles with the eclipse year (346.62 d): by
# Cassini's laws the lunar equator's node follows the orbit's node.
ECLIPSE_YEAR_S = 346.620 * SECONDS_PER_DAY
LUNAR_AXIAL_TILT_DEG = 1.54  # lunar equator to ecliptic (Cassini's laws)
SOLAR_CONSTANT_W_M2 = 1361.0  # total solar irradiance at 1 au (Kopp & Lean 2011, GRL 38 L01706)
MOON_RADIUS_M = 1_737_400.0  # mean radius (IAU); horizon drop over distance s is s^2 / 2R

DEFAULT_LATITUDE_DEG = -84.6  # Mons Mouton, same as SiteParams
HORIZON_CELL_M = 2.0  # spacing of the horizon table grid
HORIZON_AZ_BINS = 72  # 5 deg azimuth bins
# Ray march: first steps one map cell apart, then growing with distance.
HORIZON_STEP_GROWTH = 0.05


def sun_vector(t_s: float, epoch_s: float = 0.0,
               latitude_deg: float = DEFAULT_LATITUDE_DEG) -> tuple[float, float]:
    """(az_rad, el_rad) of the sun centre at simulated time t_s; az CCW from east in [0, 2 pi)."""
    for name, value in (("t_s", t_s), ("epoch_s", epoch_s), ("latitude_deg", latitude_deg)):
        if not math.isfinite(value):
            raise ValueError(f"sun_vector: {name} must be finite, got {value!r}")
    if not -90.0 <= latitude_deg <= 90.0:
        raise ValueError(f"sun_vector: latitude_deg must be in [-90, 90], got {latitude_deg!r}")
    t = t_s + epoch_s
    hour = 2.0 * math.pi * ((t / SYNODIC_MONTH_S) % 1.0)
    delta = math.radians(LUNAR_AXIAL_TILT_DEG) * math.sin(2.0 * math.pi * ((t / ECLIPSE_YEAR_S) % 1.0))
    phi = math.radians(latitude_deg)
    cd = math.cos(delta)
    east = -cd * math.sin(hour)
    north = math.cos(phi) * math.sin(delta) - math.sin(phi) * cd * math.cos(hour)
    up = math.sin(phi) * math.sin(delta) + math.cos(phi) * cd * math.cos(hour)
    az = math.atan2(north, east) % (2.0 * math.pi)
    el = math.asin(max(-1.0, min(1.0, up)))
    return az, el


# ---------------------------------------------------------------------------
# Horizon table
# ---------------------------------------------------------------------------
class _HorizonTable:
    """Horizon elevation (rad) on a coarse grid, one lazily computed layer per azimuth bin."""

    def __init__(self, site: Site, cell_m: float = HORIZON_CELL_M, n_az: int = HORIZON_AZ_BINS):
        xmin, xmax, ymin, ymax = site.extent_m
        self.cell_m = max(cell_m, site.cell_m)
        self.nx = int(math.floor((xmax - xmin) / self.cell_m)) + 1
        self.ny = int(math.floor((ymax - ymin) / self.cell_m)) + 1
        self.x0, self.y0 = xmin, ymin
        self.n_az = n_az
        self.layers: list[np.ndarray | None] = [None] * n_az
        self._site = weakref.ref(site)

    def layer(self, k: int) -> np.ndarray:
        k %= self.n_az
        if self.layers[k] is None:
            site = self._site()
            if site is None:  # pragma: no cover - the cache is keyed by the site
                raise RuntimeError("horizon table outlived its site")
            self.layers[k] = _march_horizon(site, self, 2.0 * math.pi * k / self.n_az)
        return self.layers[k]


def _sample_heights(site: Site, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear heights at many points; NaN outside the map."""
    ny, nx = site.height_m.shape
    u = (x - site.origin_xy_m[0]) / site.cell_m
    v = (y - site.origin_xy_m[1]) / site.cell_m
    inside = (u >= 0.0) & (u <= nx - 1) & (v >= 0.0) & (v <= ny - 1)
    i = np.clip(np.floor(u).astype(np.intp), 0, nx - 2)
    j = np.clip(np.floor(v).astype(np.intp), 0, ny - 2)
    fx = u - i
    fy = v - j
    h = site.height_m
    z = ((h[j, i] * (1.0 - fx) + h[j, i + 1] * fx) * (1.0 - fy)
         + (h[j + 1, i] * (1.0 - fx) + h[j + 1, i + 1] * fx) * fy)
    return np.where(inside, z, np.nan)


def _march_horizon(site: Site, table: _HorizonTable, az_rad: float) -> np.ndarray:
    """Max elevation angle of terrain seen from each table point toward az_rad.

    Beyond the map edge the far field is taken as a level skyline (elevation 0):
    the site sits in highland terrain that is not modelled (a stated limitation).
    """
    xs = table.x0 + table.cell_m * np.arange(table.nx)
    ys = table.y0 + table.cell_m * np.arange(table.ny)
    px, py = np.meshgrid(xs, ys)
    pz = _sample_heights(site, px, py)
    dx, dy = math.cos(az_rad), math.sin(az_rad)
    horizon = np.zeros(px.shape)  # the level far-field skyline
    xmin, xmax, ymin, ymax = site.extent_m
    max_dist = math.hypot(xmax - xmin, ymax - ymin)
    dist = site.cell_m
    idx = np.arange(px.size)
    pxf, pyf, pzf, hf = px.ravel(), py.ravel(), pz.ravel(), horizon.ravel()
    while dist <= max_dist and idx.size:
        z = _sample_heights(site, pxf[idx] + dist * dx, pyf[idx] + dist * dy)
        inside = ~np.isnan(z)
        drop = dist * dist / (2.0 * MOON_RADIUS_M)  # curvature of the Moon
        ang = np.arctan2(z[inside] - pzf[idx[inside]] - drop, dist)
        sel = idx[inside]
        hf[sel] = np.maximum(hf[sel], ang)
        idx = sel  # a ray that has left the map never re-enters it
        dist += max(site.cell_m, HORIZON_STEP_GROWTH * dist)
    return hf.reshape(px.shape).astype(np.float32)


_TABLES: "weakref.WeakKeyDictionary[Site, _HorizonTable]" = weakref.WeakKeyDictionary()


def _table(site: Site) -> _HorizonTable:
    table = _TABLES.get(site)
    if table is None:
        table = _TABLES[site] = _HorizonTable(site)
    return table


def horizon_angle_rad(site: Site, x_m: float, y_m: float, az_rad: float) -> float:
    """Elevation (rad) of the local skyline seen from (x_m, y_m) toward az_rad."""
    if not isinstance(site, Site):
        raise ValueError(f"horizon_angle_rad: site must be a Site, got {type(site).__name__}")
    if not site.contains(x_m, y_m):
        raise ValueError(f"horizon_angle_rad: point ({x_m}, {y_m}) m is outside the site "
                         f"extent {site.extent_m}")
    if not math.isfinite(az_rad):
        raise ValueError(f"horizon_angle_rad: az_rad must be finite, got {az_rad!r}")
    t = _table(site)
    a = (az_rad % (2.0 * math.pi)) / (2.0 * math.pi) * t.n_az
    k = int(a)
    fa = a - k
    u = min((x_m - t.x0) / t.cell_m, t.nx - 1.0)
    v = min((y_m - t.y0) / t.cell_m, t.ny - 1.0)
    i = min(int(u), t.nx - 2)
    j = min(int(v), t.ny - 2)
    fx, fy = u - i, v - j
    out = 0.0
    for layer, w in ((t.layer(k), 1.0 - fa), (t.layer(k + 1), fa)):
        if w == 0.0:
            continue
        h = ((float(layer[j, i]) * (1.0 - fx) + float(layer[j, i + 1]) * fx) * (1.0 - fy)
             + (float(layer[j + 1, i]) * (1.0 - fx) + float(layer[j + 1, i + 1]) * fx) * fy)
        out += w * h
    return out


def is_sunlit(site: Site, x_m: float, y_m: float, t_s: float, epoch_s: float = 0.0) -> bool:
    """True if the sun centre is above the local skyline at (x_m, y_m); PSR floors never are."""
    if not isinstance(site, Site):
        raise ValueError(f"is_sunlit: site must be a Site, got {type(site).__name__}")
    if not site.contains(x_m, y_m):
        raise ValueError(f"is_sunlit: point ({x_m}, {y_m}) m is outside the site "
                         f"extent {site.extent_m}")
    return sunlit_at(site, x_m, y_m, *sun_vector(t_s, epoch_s, site.params.latitude_deg))


def sunlit_at(site: Site, x_m: float, y_m: float, az_rad: float, el_rad: float) -> bool:
    """is_sunlit for a sun already computed, at a point inside the site."""
    if site.in_psr(x_m, y_m):
        return False
    if el_rad <= 0.0:  # the skyline is never below the level far field
        return False
    return el_rad > horizon_angle_rad(site, x_m, y_m, az_rad)


def sunlit_grid(site: Site, t_s: float, epoch_s: float = 0.0) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Sunlit mask on the horizon-table grid and its (xmin, xmax, ymin, ymax) extent, for plots."""
    t = _table(site)
    az, el = sun_vector(t_s, epoch_s, site.params.latitude_deg)
    a = az / (2.0 * math.pi) * t.n_az
    k = int(a)
    fa = a - k
    horizon = t.layer(k) * (1.0 - fa) + t.layer(k + 1) * fa
    lit = el > horizon
    xs = t.x0 + t.cell_m * np.arange(t.nx)
    ys = t.y0 + t.cell_m * np.arange(t.ny)
    psr = _sample_psr(site, xs, ys)
    lit &= ~psr
    return lit, (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))


def _sample_psr(site: Site, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    ny, nx = site.psr_mask.shape
    i = np.clip(np.rint((xs - site.origin_xy_m[0]) / site.cell_m).astype(np.intp), 0, nx - 1)
    j = np.clip(np.rint((ys - site.origin_xy_m[1]) / site.cell_m).astype(np.intp), 0, ny - 1)
    return site.psr_mask[np.ix_(j, i)]


# ---------------------------------------------------------------------------
# Power
# ---------------------------------------------------------------------------
def solar_power_w(panel_area_m2: float, efficiency: float, panel_normal_az_rad: float,
                  panel_tilt_deg: float, sun_az_rad: float, sun_el_rad: float,
                  sunlit: bool) -> float:
    """Electrical power (W) of a flat panel: area * efficiency * 1361 W/m^2 * cos(incidence).

    panel_tilt_deg is from horizontal (0 = facing up, 90 = vertical facing
    panel_normal_az_rad).  Zero when not sunlit or when the sun is behind the panel.
    """
    args = {"panel_area_m2": panel_area_m2, "efficiency": efficiency,
            "panel_normal_az_rad": panel_normal_az_rad, "panel_tilt_deg": panel_tilt_deg,
            "sun_az_rad": sun_az_rad, "sun_el_rad": sun_el_rad}
    for name, value in args.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"solar_power_w: {name} must be a finite number, got {value!r}")
    if panel_area_m2 < 0.0:
        raise ValueError(f"solar_power_w: panel_area_m2 must be >= 0, got {panel_area_m2!r}")
    if not 0.0 <= efficiency <= 1.0:
        raise ValueError(f"solar_power_w: efficiency must be in [0, 1], got {efficiency!r}")
    if not 0.0 <= panel_tilt_deg <= 180.0:
        raise ValueError(f"solar_power_w: panel_tilt_deg must be in [0, 180], got {panel_tilt_deg!r}")
    if not -math.pi / 2.0 <= sun_el_rad <= math.pi / 2.0:
        raise ValueError(f"solar_power_w: sun_el_rad must be in [-pi/2, pi/2], got {sun_el_rad!r}")
    if not sunlit:
        return 0.0
    tilt = math.radians(panel_tilt_deg)
    cos_inc = (math.sin(tilt) * math.cos(sun_el_rad) * math.cos(sun_az_rad - panel_normal_az_rad)
               + math.cos(tilt) * math.sin(sun_el_rad))
    if cos_inc <= 0.0:
        return 0.0
    return panel_area_m2 * efficiency * SOLAR_CONSTANT_W_M2 * min(cos_inc, 1.0)
