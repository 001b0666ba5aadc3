"""Procedurally generated lunar south-pole site: heightmap, slopes, hazard and PSR.

The default site ("mons-mouton") is a 400 m square of gentle highland near
84.6 deg S with a population of degraded craters, one steep-walled crater that
acts as the slope hazard east of the start point, and one permanently shadowed
crater (PSR) with a cold floor.  Everything derives from one integer seed via
numpy.random.default_rng, with element-wise numpy arithmetic only (no BLAS
reductions), so the same seed gives the same heightmap bit for bit.

World frame: x east, y north, metres, site centre at (0, 0).  Grid arrays are
indexed [row = y, column = x]; height_m[0, 0] sits at origin_xy_m.
See docs/site.md for the model and its sources.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

KNOWN_SITES: tuple[str, ...] = ("mons-mouton", "flat", "test-slope")


# --- Crater shape -----------------------------------------------------------
# Fresh simple lunar craters: depth ~0.196 D, rim height ~0.036 D (Pike 1977),
# so the rim carries 0.036 / (0.196 + 0.036) of the rim-to-floor relief.
RIM_FRACTION = 0.036 / (0.196 + 0.036)
# Ejecta blanket thickness falls off ~ r^-3 (McGetchin et al. 1973); we cut it
# at 3 crater radii and shift it so it meets the ground without a step.
EJECTA_POWER = 3.0
EJECTA_EXTENT = 3.0
# Equilibrium crater population of the lunar surface: cumulative density
# N(>=D) = 10^-1.1 D^-2 per m^2, D in metres (Trask 1966: log N = -2 log D + 10.9
# per 10^6 km^2; Gault 1970).
EQUILIBRIUM_COEFF_PER_M2 = 10.0 ** -1.1
CRATER_SFD_EXPONENT = 2.0
# Craters below 3 m (6 cells at 0.5 m) are left to the highland roughness;
# above 100 m a 400 m site holds about one crater at equilibrium.
CRATER_DIAMETER_RANGE_M = (3.0, 100.0)
# Depth/diameter: fresh simple craters ~0.2 (Pike 1977: 0.196); degraded ones
# spread down to ~0.02, and even fresh small craters are often ~0.11-0.15
# (Stopar et al. 2017, Icarus 298).  Fresh: uniform in
# FRESH_DD_RANGE scaled by crater_dd_fresh / 0.2; degraded: log-uniform in
# DEGRADED_DD_RANGE (assumption: equal weight per decade of degradation).
FRESH_DD_RANGE = (0.15, 0.2)
DEGRADED_DD_RANGE = (0.02, 0.11)
# The hazard crater's wall peaks at 24 deg at the rim (noise adds the rest),
# well above the 20 deg no-go line.  The PSR crater is a fresh bowl
# (d/D = crater_dd_fresh); its permanent shadow is derived, not declared.
HAZARD_WALL_DEG = 23.75
# Rocks: Golombek & Rapp (1997) cumulative fractional area F(D) = k exp(-q D),
# q = 1.79 + 0.152 / k; rock height ~ D / 2 (same work).  Rocks higher than
# the wheel radius (0.1 m: D >= 0.2 m) are hazards.
ROCK_Q0 = 1.79
ROCK_Q1 = 0.152
ROCK_HAZARD_DIAMETER_M = 0.2
ROCK_MAX_DIAMETER_M = 3.0
# Clear ground the mission planners chose from orbit: the landing point and
# the demo's waypoint and work site (x, y, radius): no craters or rocks there.
CLEAR_SITES_M = ((40.0, 34.0, 5.0), (90.0, 20.0, 8.0))

# --- Highland roughness -----------------------------------------------------
# Self-affine roughness: octave amplitude ~ wavelength^H with H ~ 0.9, in the
# range LOLA found for lunar highlands (Rosenburg et al. 2011, JGR 116 E02001).
HURST_EXPONENT = 0.9
OCTAVE_WAVELENGTHS_M = (256.0, 128.0, 64.0, 32.0, 16.0, 8.0, 4.0, 2.0)
# Median slope of the highland roughness (before craters): 4 deg, gentle rolling
# ground; LOLA finds median slopes of a few degrees at metre baselines in the
# highlands (Rosenburg et al. 2011).
NOISE_MEDIAN_SLOPE_DEG = 4.0
# Octaves at or below this wavelength are damped near the start point.
ROUGH_WAVELENGTH_M = 16.0

# --- Layout of the default site ----------------------------------------------
START_CLEAR_RADIUS_M = 15.0  # no craters, damped roughness around (0, 0)
START_ROUGHNESS_GAIN = 0.3
# Box (xmin, xmax, ymin, ymax) spanning the reference traverse (0,0)->(90,20)
# and its detour north of the hazard; craters here stay drivable.
PSR_FLOOR_FRACTION = 0.8  # shadowed floor radius / crater rim radius
# Slope limiter: explicit diffusion step (< 0.25 for stability) and its cap.
SLOPE_LIMIT_STEP = 0.2
SLOPE_LIMIT_MAX_ITERATIONS = 400


@dataclass(frozen=True)
class SiteParams:
    """Parameters of a generated site; any field can be overridden by name."""

    name: str = "mons-mouton"
    size_m: float = 400.0  # square side
    cell_m: float = 0.5  # grid spacing
    latitude_deg: float = -84.6  # Mons Mouton (Chang'e-8 / VIPER region)
    # Crater population: density as a fraction of the equilibrium density,
    # fraction of fresh craters (d/D near crater_dd_fresh), fresh d/D.
    crater_density_frac: float = 1.0
    fresh_crater_frac: float = 0.1  # assumption, docs/site.md
    crater_dd_fresh: float = 0.2  # Pike 1977
    # Rock cumulative fractional area k (Golombek & Rapp 1997); assumption, docs/site.md.
    rock_cfa: float = 0.008
    # Steepest slope regolith holds: the angle of repose (~35 deg; Carrier et al.
    # 1991, ch. 9); steeper spots relax (mass wasting).
    max_slope_deg: float = 35.0
    # PSR: centre and radius of the permanently shadowed floor (psr_mask).  The
    # crater rim lies at psr_radius_m / PSR_FLOOR_FRACTION.  South-west, well
    # away from the start point and the eastern traverse.
    psr_center_xy_m: tuple[float, float] = (-110.0, -120.0)
    psr_radius_m: float = 20.0
    # Slope hazard: a steep crater straddling the line (0,0)->(90,20).
    hazard_center_xy_m: tuple[float, float] = (50.0, 8.0)
    hazard_radius_m: float = 12.0  # crater rim radius
    # Only for "test-slope": a plane rising plane_slope_deg toward
    # plane_uphill_az_deg (CCW from +x, like rover yaw).
    plane_slope_deg: float = 10.0
    plane_uphill_az_deg: float = 0.0


@dataclass(frozen=True)
class Crater:
    """One crater: centre, rim radius, floor depth and rim height (metres)."""

    x_m: float
    y_m: float
    radius_m: float
    depth_m: float
    rim_height_m: float
    # Bowl profile z = -d + (d + h) rho^shape_exp: 2 is a parabola; fresh deep
    # craters get a smaller exponent so their wall at the rim stays at the
    # angle of repose (the floor flattens instead).
    shape_exp: float = 2.0


@dataclass(eq=False)
class Site:
    """A generated site.  Arrays are read-only; query helpers take world metres.

    hazard_xy_m / hazard_radius_m: centre and rim radius of the slope-hazard
    crater (None / 0.0 on the "flat" and "test-slope" sites).
    """

    seed: int
    params: SiteParams
    height_m: np.ndarray  # float32 [ny, nx], C-contiguous
    cell_m: float
    origin_xy_m: tuple[float, float]
    slope_deg: np.ndarray  # float32 [ny, nx]
    hazard_xy_m: tuple[float, float] | None
    hazard_radius_m: float
    craters: tuple[Crater, ...]
    rocks: np.ndarray  # float64 [n, 3]: x_m, y_m, diameter_m of hazard rocks
    rock_mask: np.ndarray  # bool [ny, nx]: grid points within a hazard rock
    _grad_x: np.ndarray = dataclasses.field(repr=False)
    _grad_y: np.ndarray = dataclasses.field(repr=False)
    _psr: list = dataclasses.field(default_factory=list, repr=False)

    @property
    def psr_mask(self) -> np.ndarray:
        """bool [ny, nx]: permanently shadowed grid points, derived from the
        horizon model on first use (sim_hw.illumination; cached)."""
        if not self._psr:
            from sim_hw.illumination import psr_mask_on_site_grid  # uses sim_hw.sun, which imports us
            self._psr.append(psr_mask_on_site_grid(self))
        return self._psr[0]

    @property
    def no_go_mask(self) -> np.ndarray:
        """What the planner must avoid besides steep slopes: hazard rocks.  Small
        permanently shadowed crater floors are not no-go (micro cold traps are
        everywhere at this latitude and a rover crosses them in minutes); the
        large PSR crater is kept out by its slopes."""
        return self.rock_mask

    # -- geometry --------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.height_m.shape

    @functools.cached_property
    def extent_m(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the grid points, for imshow (the grid
        never changes after construction: computed once, as contains() asks
        for it at every lookup)."""
        ny, nx = self.height_m.shape
        x0, y0 = self.origin_xy_m
        return (x0, x0 + (nx - 1) * self.cell_m, y0, y0 + (ny - 1) * self.cell_m)

    def contains(self, x_m: float, y_m: float, margin_m: float = 0.0) -> bool:
        xmin, xmax, ymin, ymax = self.extent_m
        return (xmin + margin_m <= x_m <= xmax - margin_m
                and ymin + margin_m <= y_m <= ymax - margin_m)

    def _cell_coords(self, x_m: float, y_m: float, what: str) -> tuple[int, int, float, float]:
        if not (math.isfinite(x_m) and math.isfinite(y_m)):
            raise ValueError(f"Site.{what}: point ({x_m}, {y_m}) is not finite")
        if not self.contains(x_m, y_m):
            raise ValueError(
                f"Site.{what}: point ({x_m:.3f}, {y_m:.3f}) m is outside the site "
                f"extent {tuple(round(v, 3) for v in self.extent_m)}")
        ny, nx = self.height_m.shape
        u = (x_m - self.origin_xy_m[0]) / self.cell_m
        v = (y_m - self.origin_xy_m[1]) / self.cell_m
        i = min(int(u), nx - 2)
        j = min(int(v), ny - 2)
        return i, j, u - i, v - j

    def _bilinear(self, grid: np.ndarray, x_m: float, y_m: float, what: str) -> float:
        i, j, fx, fy = self._cell_coords(x_m, y_m, what)
        g00 = float(grid[j, i])
        g10 = float(grid[j, i + 1])
        g01 = float(grid[j + 1, i])
        g11 = float(grid[j + 1, i + 1])
        return ((g00 * (1.0 - fx) + g10 * fx) * (1.0 - fy)
                + (g01 * (1.0 - fx) + g11 * fx) * fy)

    # -- queries ----------------------------------------------------------
    def height_at(self, x_m: float, y_m: float) -> float:
        """Ground height (m), bilinear between grid points."""
        return self._bilinear(self.height_m, x_m, y_m, "height_at")

    def gradient_at(self, x_m: float, y_m: float) -> tuple[float, float]:
        """(dz/dx, dz/dy), bilinear in the central-difference gradient field."""
        return self._gradient(x_m, y_m, "gradient_at")

    def _gradient(self, x_m: float, y_m: float, what: str) -> tuple[float, float]:
        return (self._bilinear(self._grad_x, x_m, y_m, what),
                self._bilinear(self._grad_y, x_m, y_m, what))

    def slope_at(self, x_m: float, y_m: float) -> float:
        """Local slope (deg) from the interpolated gradient (as gradient_at)."""
        gx, gy = self._gradient(x_m, y_m, "slope_at")
        return math.degrees(math.atan(math.hypot(gx, gy)))

    def in_psr(self, x_m: float, y_m: float) -> bool:
        """True where the ground is permanently shadowed (nearest grid point)."""
        i, j, fx, fy = self._cell_coords(x_m, y_m, "in_psr")
        return bool(self.psr_mask[j + (fy >= 0.5), i + (fx >= 0.5)])


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def _check_finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"SiteParams.{name} must be a finite number, got {value!r}")
    return float(value)


def _check_xy(name: str, value: object) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"SiteParams.{name} must be an (x_m, y_m) pair, got {value!r}")
    return (_check_finite(name, value[0]), _check_finite(name, value[1]))


def _disc_inside(name: str, centre: tuple[float, float], radius_m: float, half_m: float) -> None:
    if max(abs(centre[0]), abs(centre[1])) + radius_m > half_m:
        raise ValueError(
            f"SiteParams.{name}={centre} with radius {radius_m:.1f} m is outside the "
            f"map (half side {half_m:.1f} m)")


def _validate(p: SiteParams) -> None:
    if p.name not in KNOWN_SITES:
        raise ValueError(f"SiteParams.name={p.name!r} is unknown; known sites: {', '.join(KNOWN_SITES)}")
    size = _check_finite("size_m", p.size_m)
    cell = _check_finite("cell_m", p.cell_m)
    if size <= 0:
        raise ValueError(f"SiteParams.size_m must be > 0, got {p.size_m!r}")
    if cell <= 0:
        raise ValueError(f"SiteParams.cell_m must be > 0, got {p.cell_m!r}")
    if size / cell < 2:
        raise ValueError(f"SiteParams.cell_m={p.cell_m!r} is too coarse for size_m={p.size_m!r} "
                         f"(need at least 2 cells per side)")
    if size / cell > 8192:
        raise ValueError(f"SiteParams.cell_m={p.cell_m!r} is too fine for size_m={p.size_m!r} "
                         f"(more than 8192 cells per side)")
    lat = _check_finite("latitude_deg", p.latitude_deg)
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"SiteParams.latitude_deg must be in [-90, 90], got {p.latitude_deg!r}")
    for name, lo, hi, lo_open in (("crater_density_frac", 0.0, 10.0, False),
                                  ("fresh_crater_frac", 0.0, 1.0, False),
                                  ("crater_dd_fresh", 0.0, 1.0, True),
                                  ("rock_cfa", 0.0, 0.5, False)):
        v = _check_finite(name, getattr(p, name))
        if (v <= lo if lo_open else v < lo) or v > hi:
            what = " (crater depth cannot exceed its diameter)" if name == "crater_dd_fresh" else ""
            raise ValueError(f"SiteParams.{name}={v!r} out of range "
                             f"{'(' if lo_open else '['}{lo:g}, {hi:g}]{what}")
    max_slope = _check_finite("max_slope_deg", p.max_slope_deg)
    if not 0.0 < max_slope < 60.0:
        raise ValueError(f"SiteParams.max_slope_deg must be in (0, 60), got {p.max_slope_deg!r}")
    plane = _check_finite("plane_slope_deg", p.plane_slope_deg)
    if not 0.0 <= plane < 80.0:
        raise ValueError(f"SiteParams.plane_slope_deg must be in [0, 80), got {p.plane_slope_deg!r}")
    _check_finite("plane_uphill_az_deg", p.plane_uphill_az_deg)
    if p.name != "mons-mouton":
        return
    half = size / 2.0
    psr_r = _check_finite("psr_radius_m", p.psr_radius_m)
    if psr_r <= 0:
        raise ValueError(f"SiteParams.psr_radius_m must be > 0, got {p.psr_radius_m!r}")
    _disc_inside("psr_center_xy_m", _check_xy("psr_center_xy_m", p.psr_center_xy_m),
                 psr_r / PSR_FLOOR_FRACTION, half)
    hz_r = _check_finite("hazard_radius_m", p.hazard_radius_m)
    if hz_r <= 0:
        raise ValueError(f"SiteParams.hazard_radius_m must be > 0, got {p.hazard_radius_m!r}")
    _disc_inside("hazard_center_xy_m", _check_xy("hazard_center_xy_m", p.hazard_center_xy_m),
                 hz_r, half)


# ---------------------------------------------------------------------------
# Terrain building blocks
# ---------------------------------------------------------------------------
def _quintic(t: np.ndarray) -> np.ndarray:
    """C2 fade 6t^5 - 15t^4 + 10t^3, so the summed noise has continuous slope."""
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0)


def _value_noise(rng: np.random.Generator, xs_m: np.ndarray, ys_m: np.ndarray,
                 wavelength_m: float) -> np.ndarray:
    """One octave of lattice value noise, separable interpolation (element-wise only)."""
    off_x, off_y = rng.uniform(0.0, wavelength_m, size=2)
    ux = (xs_m - xs_m[0] + off_x) / wavelength_m
    uy = (ys_m - ys_m[0] + off_y) / wavelength_m
    ix = np.floor(ux).astype(np.intp)
    iy = np.floor(uy).astype(np.intp)
    sx = _quintic(ux - ix)
    sy = _quintic(uy - iy)
    lattice = rng.standard_normal((int(iy[-1]) + 2, int(ix[-1]) + 2))
    rows = lattice[iy] * (1.0 - sy)[:, None] + lattice[iy + 1] * sy[:, None]
    return rows[:, ix] * (1.0 - sx) + rows[:, ix + 1] * sx


def _slope_tan(z: np.ndarray, cell_m: float) -> np.ndarray:
    gy, gx = np.gradient(z, cell_m)
    return np.hypot(gx, gy)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _highland(rng: np.random.Generator, xs: np.ndarray, ys: np.ndarray, cell_m: float,
              median_slope_deg: float, damp_start: bool) -> np.ndarray:
    """Multi-octave noise scaled to a target median slope; damped rough octaves at the start."""
    smooth = np.zeros((ys.size, xs.size))
    rough = np.zeros_like(smooth)
    for wl in OCTAVE_WAVELENGTHS_M:
        if wl < 2.0 * cell_m:  # finer than the grid can resolve
            continue
        octave = _value_noise(rng, xs, ys, wl) * wl ** HURST_EXPONENT
        if wl <= ROUGH_WAVELENGTH_M:
            rough += octave
        else:
            smooth += octave
    if damp_start:
        r = np.hypot(xs[None, :], ys[:, None])
        gain = START_ROUGHNESS_GAIN + (1.0 - START_ROUGHNESS_GAIN) * _smoothstep(
            (r - START_CLEAR_RADIUS_M) / START_CLEAR_RADIUS_M)
        rough *= gain
    z = smooth + rough
    median_tan = float(np.median(_slope_tan(z, cell_m)))
    if median_tan > 0.0:
        z *= math.tan(math.radians(median_slope_deg)) / median_tan
    return z - z[ys.size // 2, xs.size // 2]  # height 0 at the site centre


def _limit_slopes(z: np.ndarray, cell_m: float, max_slope_deg: float) -> int:
    """Creep-like diffusion applied only where the slope exceeds the target.

    Stands in for mass wasting of regolith on over-steep ground (slopes above
    the angle of repose relax); it smooths the spots where crater walls, noise
    and regional tilt stack up.  Works on flat indices of the steep cells and
    their 4-neighbours only (the map's outermost ring is left alone), so the
    cost follows the number of steep cells, not the map.  Returns the passes used.
    """
    limit2 = math.tan(math.radians(max_slope_deg)) ** 2
    ny, nx = z.shape
    flat = z.reshape(-1)  # a view
    interior = np.zeros(z.shape, dtype=bool)
    interior[2:-2, 2:-2] = True
    steep = np.flatnonzero((_slope_tan(z, cell_m) ** 2 > limit2) & interior)
    inv2c = 1.0 / (2.0 * cell_m)
    for it in range(SLOPE_LIMIT_MAX_ITERATIONS):
        if steep.size == 0:
            return it
        near = np.unique(np.concatenate((steep, steep - 1, steep + 1, steep - nx, steep + nx)))
        lap = flat[near - 1] + flat[near + 1] + flat[near - nx] + flat[near + nx] - 4.0 * flat[near]
        flat[near] += SLOPE_LIMIT_STEP * lap
        check = np.unique(np.concatenate((near, near - 1, near + 1, near - nx, near + nx)))
        rows, cols = np.divmod(check, nx)
        check = check[(rows >= 2) & (rows < ny - 2) & (cols >= 2) & (cols < nx - 2)]
        gx = (flat[check + 1] - flat[check - 1]) * inv2c
        gy = (flat[check + nx] - flat[check - nx]) * inv2c
        steep = check[gx * gx + gy * gy > limit2]
    return SLOPE_LIMIT_MAX_ITERATIONS


def _crater_depths(radius_m: float, wall_deg: float) -> tuple[float, float]:
    """Floor depth and rim height giving a parabolic bowl whose slope at the rim is wall_deg."""
    relief = math.tan(math.radians(wall_deg)) * radius_m / 2.0  # z = relief * rho^2
    return relief * (1.0 - RIM_FRACTION), relief * RIM_FRACTION


def _depth_to_diameter(rng: np.random.Generator, n: int, p: "SiteParams") -> np.ndarray:
    """Fresh craters near crater_dd_fresh, the rest degraded (log-uniform)."""
    fresh = rng.uniform(size=n) < p.fresh_crater_frac
    scale = p.crater_dd_fresh / FRESH_DD_RANGE[1]
    dd_fresh = rng.uniform(FRESH_DD_RANGE[0], FRESH_DD_RANGE[1], size=n) * scale
    lo, hi = DEGRADED_DD_RANGE
    dd_old = lo * (hi / lo) ** rng.uniform(size=n)
    return np.where(fresh, dd_fresh, np.minimum(dd_old, dd_fresh))


def equilibrium_count(d_min_m: float, d_max_m: float, area_m2: float) -> float:
    """Expected number of craters with d_min <= D < d_max at equilibrium density."""
    return EQUILIBRIUM_COEFF_PER_M2 * area_m2 * (d_min_m ** -CRATER_SFD_EXPONENT
                                                 - d_max_m ** -CRATER_SFD_EXPONENT)


def _add_crater(z: np.ndarray, xs: np.ndarray, ys: np.ndarray, c: Crater) -> None:
    """Add a bowl + raised rim + r^-3 ejecta profile in place, within its footprint."""
    reach = c.radius_m * EJECTA_EXTENT
    cell = xs[1] - xs[0]
    i0 = max(0, int(math.floor((c.x_m - reach - xs[0]) / cell)))
    i1 = min(xs.size, int(math.ceil((c.x_m + reach - xs[0]) / cell)) + 1)
    j0 = max(0, int(math.floor((c.y_m - reach - ys[0]) / cell)))
    j1 = min(ys.size, int(math.ceil((c.y_m + reach - ys[0]) / cell)) + 1)
    if i0 >= i1 or j0 >= j1:
        return
    rho = np.hypot(xs[None, i0:i1] - c.x_m, ys[j0:j1, None] - c.y_m) / c.radius_m
    relief = c.depth_m + c.rim_height_m
    bowl = -c.depth_m + relief * (rho * rho if c.shape_exp == 2.0 else rho ** c.shape_exp)
    tail = EJECTA_EXTENT ** -EJECTA_POWER
    rho_out = np.maximum(rho, 1.0)
    ejecta = c.rim_height_m * (rho_out ** -EJECTA_POWER - tail) / (1.0 - tail)
    profile = np.where(rho < 1.0, bowl, np.where(rho < EJECTA_EXTENT, ejecta, 0.0))
    z[j0:j1, i0:i1] += profile


def _blocked(x: float, y: float, r: float, reserved) -> bool:
    return any(math.hypot(x - rx, y - ry) < r + rr for rx, ry, rr in reserved)


def _place_craters(rng: np.random.Generator, p: SiteParams,
                   reserved: list[tuple[float, float, float]]) -> list[Crater]:
    """Craters at crater_density_frac x the equilibrium density, overlapping freely
    (an equilibrium surface is saturated with overlapping craters), sizes from the
    truncated D^-2 cumulative law, none inside the reserved discs."""
    half = p.size_m / 2.0
    d_min, d_max = CRATER_DIAMETER_RANGE_M
    d_max = min(d_max, p.size_m / 4.0)
    d_min = min(d_min, d_max)
    b = CRATER_SFD_EXPONENT
    area = p.size_m * p.size_m
    n = int(rng.poisson(p.crater_density_frac * equilibrium_count(d_min, d_max, area)))
    u, fx, fy = rng.uniform(size=(3, n))
    diameter = d_min * (1.0 - u * (1.0 - (d_min / d_max) ** b)) ** (-1.0 / b)
    dd = _depth_to_diameter(rng, n, p)
    wall_tan = math.tan(math.radians(p.max_slope_deg))
    craters: list[Crater] = []
    for k in range(n):
        radius = float(diameter[k]) / 2.0
        x = float(fx[k] * 2.0 - 1.0) * half
        y = float(fy[k] * 2.0 - 1.0) * half
        if _blocked(x, y, 1.5 * radius, reserved):
            continue
        depth = float(dd[k]) * 2.0 * radius
        rim = depth * RIM_FRACTION / (1.0 - RIM_FRACTION)
        shape = min(2.0, max(1.0, wall_tan * radius / (depth + rim)))
        craters.append(Crater(x, y, radius, depth, rim, shape))
    return craters


def _place_rocks(rng: np.random.Generator, p: SiteParams,
                 reserved: list[tuple[float, float, float]]) -> np.ndarray:
    """Hazard rocks (D >= ROCK_HAZARD_DIAMETER_M) from the Golombek & Rapp model:
    dN/dD = 4 k q exp(-q D) / (pi D^2) per m^2, sampled by inversion on a grid."""
    k = p.rock_cfa
    if k <= 0.0:
        return np.zeros((0, 3))
    q = ROCK_Q0 + ROCK_Q1 / k
    d = np.linspace(ROCK_HAZARD_DIAMETER_M, ROCK_MAX_DIAMETER_M, 2000)
    dens = 4.0 * k * q * np.exp(-q * d) / (math.pi * d * d)
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(d))))
    area = p.size_m * p.size_m
    n = int(rng.poisson(cum[-1] * area))
    u, fx, fy = rng.uniform(size=(3, n))
    diam = np.interp(u * cum[-1], cum, d)
    half = p.size_m / 2.0
    xs = (fx * 2.0 - 1.0) * half
    ys = (fy * 2.0 - 1.0) * half
    keep = [i for i in range(n) if not _blocked(float(xs[i]), float(ys[i]), float(diam[i]), reserved)]
    return np.column_stack([xs[keep], ys[keep], diam[keep]]) if keep else np.zeros((0, 3))


def rock_count_expected(k: float, d_min_m: float, area_m2: float) -> float:
    """Expected rocks with D >= d_min on area_m2 for cumulative fractional area k."""
    q = ROCK_Q0 + ROCK_Q1 / k
    d = np.linspace(d_min_m, ROCK_MAX_DIAMETER_M, 4000)
    dens = 4.0 * k * q * np.exp(-q * d) / (math.pi * d * d)
    return float(np.sum(0.5 * (dens[1:] + dens[:-1]) * np.diff(d))) * area_m2


def _rock_mask(rocks: np.ndarray, xs: np.ndarray, ys: np.ndarray, cell_m: float) -> np.ndarray:
    """Grid points within a rock (and the nearest grid point of every rock)."""
    mask = np.zeros((ys.size, xs.size), dtype=bool)
    for x, y, dm in rocks:
        i = int(round((x - xs[0]) / cell_m))
        j = int(round((y - ys[0]) / cell_m))
        reach = int(math.ceil(dm / 2.0 / cell_m))
        for jj in range(max(0, j - reach), min(ys.size, j + reach + 1)):
            for ii in range(max(0, i - reach), min(xs.size, i + reach + 1)):
                if (ii == i and jj == j) or math.hypot(xs[ii] - x, ys[jj] - y) <= dm / 2.0:
                    mask[jj, ii] = True
    return mask


# ---------------------------------------------------------------------------
# Site builders
# ---------------------------------------------------------------------------
def _grid_axes(p: SiteParams) -> tuple[np.ndarray, np.ndarray]:
    n = int(round(p.size_m / p.cell_m)) + 1
    half = (n - 1) * p.cell_m / 2.0
    axis = -half + p.cell_m * np.arange(n, dtype=np.float64)
    return axis, axis.copy()


def _finish(seed: int, p: SiteParams, xs: np.ndarray, ys: np.ndarray, z: np.ndarray,
            hazard: tuple[float, float] | None, hazard_r: float,
            craters: list[Crater], rocks: np.ndarray | None = None) -> Site:
    height = np.ascontiguousarray(z, dtype=np.float32)
    gy, gx = np.gradient(height.astype(np.float64), p.cell_m)
    slope = np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)
    rocks = np.zeros((0, 3)) if rocks is None else np.asarray(rocks, dtype=np.float64)
    rock_mask = _rock_mask(rocks, xs, ys, p.cell_m)
    arrays = [height, slope, gx, gy, rocks, rock_mask]
    for a in arrays:
        a.flags.writeable = False
    return Site(seed=seed, params=p, height_m=height, cell_m=float(p.cell_m),
                origin_xy_m=(float(xs[0]), float(ys[0])),
                slope_deg=slope, hazard_xy_m=hazard, hazard_radius_m=float(hazard_r),
                craters=tuple(craters), rocks=rocks, rock_mask=rock_mask, _grad_x=gx, _grad_y=gy)


def _build_mons_mouton(seed: int, p: SiteParams) -> Site:
    rng = np.random.default_rng(seed)
    xs, ys = _grid_axes(p)
    z = _highland(rng, xs, ys, p.cell_m, min(NOISE_MEDIAN_SLOPE_DEG, p.max_slope_deg / 4.0),
                  damp_start=True)

    hx, hy = p.hazard_center_xy_m
    hz_depth, hz_rim = _crater_depths(p.hazard_radius_m, min(HAZARD_WALL_DEG, p.max_slope_deg))
    hazard = Crater(float(hx), float(hy), float(p.hazard_radius_m), hz_depth, hz_rim)
    px, py = p.psr_center_xy_m
    psr_rim_r = p.psr_radius_m / PSR_FLOOR_FRACTION
    psr_depth = p.crater_dd_fresh * 2.0 * psr_rim_r
    psr_rim = psr_depth * RIM_FRACTION / (1.0 - RIM_FRACTION)
    psr_shape = min(2.0, max(1.0, math.tan(math.radians(p.max_slope_deg)) * psr_rim_r
                             / (psr_depth + psr_rim)))
    psr_crater = Crater(float(px), float(py), float(psr_rim_r), psr_depth, psr_rim, psr_shape)

    reserved = [(0.0, 0.0, START_CLEAR_RADIUS_M),
                (hazard.x_m, hazard.y_m, 1.5 * hazard.radius_m),
                (psr_crater.x_m, psr_crater.y_m, 1.5 * psr_crater.radius_m)]
    reserved += list(CLEAR_SITES_M)
    craters = [hazard, psr_crater] + _place_craters(rng, p, reserved)
    rock_reserved = [(0.0, 0.0, 5.0)] + list(CLEAR_SITES_M)
    rocks = _place_rocks(rng, p, rock_reserved)
    for c in craters:
        _add_crater(z, xs, ys, c)
    _limit_slopes(z, p.cell_m, p.max_slope_deg)

    return _finish(seed, p, xs, ys, z, (hazard.x_m, hazard.y_m), hazard.radius_m, craters, rocks)


def _build_plane(seed: int, p: SiteParams, slope_deg: float) -> Site:
    xs, ys = _grid_axes(p)
    tan_s = math.tan(math.radians(slope_deg))
    az = math.radians(p.plane_uphill_az_deg)
    z = tan_s * (math.cos(az) * xs[None, :] + math.sin(az) * ys[:, None])
    return _finish(seed, p, xs, ys, z, None, 0.0, [])


def make_site(seed: int, params: SiteParams | None = None, **overrides) -> Site:
    """Build the site named by params.name for `seed`; overrides replace SiteParams fields."""
    seed = _check_seed(seed)
    p = params if params is not None else SiteParams()
    if not isinstance(p, SiteParams):
        raise ValueError(f"make_site: params must be a SiteParams, got {type(p).__name__}")
    fields = {f.name for f in dataclasses.fields(SiteParams)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"make_site: unknown SiteParams field(s) {unknown}; known: {sorted(fields)}")
    p = dataclasses.replace(p, **overrides)
    _validate(p)
    if p.name == "flat":
        return _build_plane(seed, p, 0.0)
    if p.name == "test-slope":
        return _build_plane(seed, p, p.plane_slope_deg)
    return _build_mons_mouton(seed, p)


def site_from_name(name: str, seed: int, **overrides) -> Site:
    """Build a known site by name.  For "test-slope", slope_deg and direction_deg
    (uphill azimuth, deg CCW from +x) alias plane_slope_deg / plane_uphill_az_deg."""
    if name not in KNOWN_SITES:
        raise ValueError(f"unknown site name {name!r}; known sites: {', '.join(KNOWN_SITES)}")
    aliases = {"slope_deg": "plane_slope_deg", "direction_deg": "plane_uphill_az_deg"}
    for short, full in aliases.items():
        if short in overrides:
            if full in overrides:
                raise ValueError(f"site_from_name: give {short} or {full}, not both")
            overrides[full] = overrides.pop(short)
    return make_site(seed, SiteParams(name=name), **overrides)
