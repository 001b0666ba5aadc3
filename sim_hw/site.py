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
import math
import numbers
from dataclasses import dataclass

import numpy as np

KNOWN_SITES: tuple[str, ...] = ("mons-mouton", "flat", "test-slope")

# --- Temperatures -----------------------------------------------------------
# Sunlit polar ground is ~200-250 K and PSR floors are below 35 K (project
# design brief; Diviner, Paige et al. 2010, Science 330:479).
SUNLIT_TEMP_K = 220.0
# Assumption: ground in transient relief shadow (not a PSR) sits between the
# two; regolith's low thermal inertia lets it cool quickly once shaded.
SHADOW_TEMP_K = 110.0
PSR_CENTRE_TEMP_K = 25.0  # coldest part of the floor
PSR_EDGE_TEMP_K = 34.0  # still below the 35 K cold-trap bound at the edge

# --- Crater shape -----------------------------------------------------------
# Fresh simple lunar craters: depth ~0.196 D, rim height ~0.036 D (Pike 1977),
# so the rim carries 0.036 / (0.196 + 0.036) of the rim-to-floor relief.
RIM_FRACTION = 0.036 / (0.196 + 0.036)
# Ejecta blanket thickness falls off ~ r^-3 (McGetchin et al. 1973); we cut it
# at 3 crater radii and shift it so it meets the ground without a step.
EJECTA_POWER = 3.0
EJECTA_EXTENT = 3.0
# Cumulative size-frequency N(>D) ~ D^-2, the equilibrium slope for small
# lunar craters (Trask 1966; Melosh 1989, ch. 10).
CRATER_SFD_EXPONENT = 2.0
CRATER_DIAMETER_RANGE_M = (2.0, 40.0)  # 2 m = 4 cells at 0.5 m: still resolved
# Degraded craters have gentler walls than fresh ones; random craters get a wall
# slope (at the rim) drawn from this fraction of max_slope_deg.
RANDOM_WALL_FRACTION = (0.15, 0.6)
# Along the traverse corridor craters stay drivable (< 15 deg operable limit).
CORRIDOR_WALL_FRACTION = 0.45
# The hazard crater's wall peaks under the target (noise adds the rest) but
# well above the 20 deg no-go line.  The PSR crater is gentler: it is broad, and
# regional tilt adds to its walls; its floor is declared shadowed (psr_mask).
FEATURE_WALL_FRACTION = 0.95
PSR_WALL_FRACTION = 0.7

# --- Highland roughness -----------------------------------------------------
# Self-affine roughness: octave amplitude ~ wavelength^H with H ~ 0.9, in the
# range LOLA found for lunar highlands (Rosenburg et al. 2011, JGR 116 E02001).
HURST_EXPONENT = 0.9
OCTAVE_WAVELENGTHS_M = (256.0, 128.0, 64.0, 32.0, 16.0, 8.0, 4.0, 2.0)
# Median slope of the highland (before craters) as a fraction of max_slope_deg:
# 0.16 * 25 deg = 4 deg, gentle rolling ground.
NOISE_MEDIAN_SLOPE_FRACTION = 0.16
# Octaves at or below this wavelength are damped near the start point.
ROUGH_WAVELENGTH_M = 16.0

# --- Layout of the default site ----------------------------------------------
START_CLEAR_RADIUS_M = 15.0  # no craters, damped roughness around (0, 0)
START_ROUGHNESS_GAIN = 0.3
# Box (xmin, xmax, ymin, ymax) spanning the reference traverse (0,0)->(90,20)
# and its detour north of the hazard; craters here stay drivable.
TRAVERSE_BOX_M = (-10.0, 105.0, -10.0, 45.0)
PSR_FLOOR_FRACTION = 0.8  # shadowed floor radius / crater rim radius
MAX_PLACEMENT_TRIES_PER_CRATER = 400
# Slope limiter: explicit diffusion step (< 0.25 for stability) and its cap.
SLOPE_LIMIT_STEP = 0.2
SLOPE_LIMIT_MAX_ITERATIONS = 60


@dataclass(frozen=True)
class SiteParams:
    """Parameters of a generated site; any field can be overridden by name."""

    name: str = "mons-mouton"
    size_m: float = 400.0  # square side
    cell_m: float = 0.5  # grid spacing
    latitude_deg: float = -84.6  # Mons Mouton (Chang'e-8 / VIPER region)
    n_craters: int = 60
    max_slope_deg: float = 25.0  # target max local slope
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
    psr_mask: np.ndarray  # bool [ny, nx]
    slope_deg: np.ndarray  # float32 [ny, nx]
    hazard_xy_m: tuple[float, float] | None
    hazard_radius_m: float
    craters: tuple[Crater, ...]
    _grad_x: np.ndarray = dataclasses.field(repr=False)
    _grad_y: np.ndarray = dataclasses.field(repr=False)

    # -- geometry --------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self.height_m.shape

    @property
    def extent_m(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the grid points, for imshow."""
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
        """True on the permanently shadowed floor (nearest grid point)."""
        i, j, fx, fy = self._cell_coords(x_m, y_m, "in_psr")
        return bool(self.psr_mask[j + (fy >= 0.5), i + (fx >= 0.5)])

    def surface_temp_k(self, x_m: float, y_m: float, sunlit: bool) -> float:
        """Surface temperature (K): PSR floors are always cold whatever `sunlit` says."""
        if self.in_psr(x_m, y_m):
            cx, cy = self.params.psr_center_xy_m
            frac = min(1.0, math.hypot(x_m - cx, y_m - cy) / self.params.psr_radius_m)
            return PSR_CENTRE_TEMP_K + (PSR_EDGE_TEMP_K - PSR_CENTRE_TEMP_K) * frac
        return SUNLIT_TEMP_K if sunlit else SHADOW_TEMP_K


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
    if isinstance(p.n_craters, bool) or not isinstance(p.n_craters, numbers.Integral) or p.n_craters < 0:
        raise ValueError(f"SiteParams.n_craters must be a non-negative int, got {p.n_craters!r}")
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
              max_slope_deg: float, damp_start: bool) -> np.ndarray:
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
        z *= math.tan(math.radians(NOISE_MEDIAN_SLOPE_FRACTION * max_slope_deg)) / median_tan
    return z - z[ys.size // 2, xs.size // 2]  # height 0 at the site centre


def _limit_slopes(z: np.ndarray, cell_m: float, max_slope_deg: float) -> int:
    """Creep-like diffusion applied only where the slope exceeds the target.

    Stands in for mass wasting of regolith on over-steep ground; it smooths the
    spots where a crater wall, noise and regional tilt stack up.  Each pass works
    in place on the window around the previous pass's steep cells (the map's
    outermost ring is left alone).  Returns the passes used.
    """
    limit = math.tan(math.radians(max_slope_deg))
    ny, nx = z.shape
    j0, j1, i0, i1 = 0, ny, 0, nx
    for it in range(SLOPE_LIMIT_MAX_ITERATIONS):
        sub = z[j0:j1, i0:i1]  # a view: updates land in z
        steep = np.zeros(sub.shape, dtype=bool)
        # interior only: the window's edge uses one-sided differences
        steep[1:-1, 1:-1] = _slope_tan(sub, cell_m)[1:-1, 1:-1] > limit
        rows, cols = np.nonzero(steep)
        if rows.size == 0:
            return it
        near = steep.copy()  # the steep cells and their 4-neighbours
        near[1:] |= steep[:-1]
        near[:-1] |= steep[1:]
        near[:, 1:] |= steep[:, :-1]
        near[:, :-1] |= steep[:, 1:]
        near[0, :] = near[-1, :] = near[:, 0] = near[:, -1] = False
        lap = np.zeros_like(sub)
        lap[1:-1, 1:-1] = (sub[:-2, 1:-1] + sub[2:, 1:-1] + sub[1:-1, :-2] + sub[1:-1, 2:]
                           - 4.0 * sub[1:-1, 1:-1])
        sub[near] += SLOPE_LIMIT_STEP * lap[near]
        margin = 4  # slopes can change up to two cells from an updated cell
        j0, j1 = max(0, j0 + rows.min() - margin), min(ny, j0 + rows.max() + margin + 1)
        i0, i1 = max(0, i0 + cols.min() - margin), min(nx, i0 + cols.max() + margin + 1)
    return SLOPE_LIMIT_MAX_ITERATIONS


def _crater_depths(radius_m: float, wall_deg: float) -> tuple[float, float]:
    """Floor depth and rim height giving a parabolic bowl whose slope at the rim is wall_deg."""
    relief = math.tan(math.radians(wall_deg)) * radius_m / 2.0  # z = relief * rho^2
    return relief * (1.0 - RIM_FRACTION), relief * RIM_FRACTION


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
    bowl = -c.depth_m + relief * rho * rho
    tail = EJECTA_EXTENT ** -EJECTA_POWER
    rho_out = np.maximum(rho, 1.0)
    ejecta = c.rim_height_m * (rho_out ** -EJECTA_POWER - tail) / (1.0 - tail)
    profile = np.where(rho < 1.0, bowl, np.where(rho < EJECTA_EXTENT, ejecta, 0.0))
    z[j0:j1, i0:i1] += profile


def _box_overlaps_disc(box: tuple[float, float, float, float], x: float, y: float, r: float) -> bool:
    xmin, xmax, ymin, ymax = box
    dx = max(xmin - x, 0.0, x - xmax)
    dy = max(ymin - y, 0.0, y - ymax)
    return math.hypot(dx, dy) < r


def _place_craters(rng: np.random.Generator, p: SiteParams,
                   reserved: list[tuple[float, float, float]]) -> list[Crater]:
    """Rejection-sample non-overlapping craters with a power-law size distribution."""
    half = p.size_m / 2.0
    d_min, d_max = CRATER_DIAMETER_RANGE_M
    d_max = min(d_max, p.size_m / 4.0)
    d_min = min(d_min, d_max)
    b = CRATER_SFD_EXPONENT
    lo, hi = RANDOM_WALL_FRACTION
    taken = list(reserved)  # (x, y, keep-out radius)
    craters: list[Crater] = []
    tries = 0
    while len(craters) < p.n_craters:
        tries += 1
        if tries > MAX_PLACEMENT_TRIES_PER_CRATER * max(1, p.n_craters):
            raise ValueError(
                f"SiteParams.n_craters={p.n_craters} cannot be placed without overlap on a "
                f"{p.size_m} m site (placed {len(craters)})")
        u, fx, fy, fw = rng.uniform(size=4)
        diameter = d_min * (1.0 - u * (1.0 - (d_min / d_max) ** b)) ** (-1.0 / b)
        radius = diameter / 2.0
        x = (fx * 2.0 - 1.0) * (half - 1.5 * radius)
        y = (fy * 2.0 - 1.0) * (half - 1.5 * radius)
        footprint = 1.5 * radius  # rim plus the steep part of the ejecta
        if any(math.hypot(x - tx, y - ty) < footprint + tr for tx, ty, tr in taken):
            continue
        wall_frac = lo + (hi - lo) * fw
        if _box_overlaps_disc(TRAVERSE_BOX_M, x, y, footprint):
            wall_frac = min(wall_frac, CORRIDOR_WALL_FRACTION)
        depth, rim = _crater_depths(radius, wall_frac * p.max_slope_deg)
        craters.append(Crater(float(x), float(y), float(radius), depth, rim))
        taken.append((x, y, footprint))
    return craters


# ---------------------------------------------------------------------------
# Site builders
# ---------------------------------------------------------------------------
def _grid_axes(p: SiteParams) -> tuple[np.ndarray, np.ndarray]:
    n = int(round(p.size_m / p.cell_m)) + 1
    half = (n - 1) * p.cell_m / 2.0
    axis = -half + p.cell_m * np.arange(n, dtype=np.float64)
    return axis, axis.copy()


def _finish(seed: int, p: SiteParams, xs: np.ndarray, ys: np.ndarray, z: np.ndarray,
            psr_mask: np.ndarray, hazard: tuple[float, float] | None, hazard_r: float,
            craters: list[Crater]) -> Site:
    height = np.ascontiguousarray(z, dtype=np.float32)
    gy, gx = np.gradient(height.astype(np.float64), p.cell_m)
    slope = np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)
    arrays = [height, psr_mask, slope, gx, gy]
    for a in arrays:
        a.flags.writeable = False
    return Site(seed=seed, params=p, height_m=height, cell_m=float(p.cell_m),
                origin_xy_m=(float(xs[0]), float(ys[0])), psr_mask=psr_mask,
                slope_deg=slope, hazard_xy_m=hazard, hazard_radius_m=float(hazard_r),
                craters=tuple(craters), _grad_x=gx, _grad_y=gy)


def _build_mons_mouton(seed: int, p: SiteParams) -> Site:
    rng = np.random.default_rng(seed)
    xs, ys = _grid_axes(p)
    z = _highland(rng, xs, ys, p.cell_m, p.max_slope_deg, damp_start=True)

    hx, hy = p.hazard_center_xy_m
    hz_depth, hz_rim = _crater_depths(p.hazard_radius_m, FEATURE_WALL_FRACTION * p.max_slope_deg)
    hazard = Crater(float(hx), float(hy), float(p.hazard_radius_m), hz_depth, hz_rim)
    px, py = p.psr_center_xy_m
    psr_rim_r = p.psr_radius_m / PSR_FLOOR_FRACTION
    psr_depth, psr_rim = _crater_depths(psr_rim_r, PSR_WALL_FRACTION * p.max_slope_deg)
    psr_crater = Crater(float(px), float(py), float(psr_rim_r), psr_depth, psr_rim)

    reserved = [(0.0, 0.0, START_CLEAR_RADIUS_M),
                (hazard.x_m, hazard.y_m, 1.5 * hazard.radius_m),
                (psr_crater.x_m, psr_crater.y_m, 1.5 * psr_crater.radius_m)]
    craters = [hazard, psr_crater] + _place_craters(rng, p, reserved)
    for c in craters:
        _add_crater(z, xs, ys, c)
    _limit_slopes(z, p.cell_m, p.max_slope_deg)

    psr_mask = np.hypot(xs[None, :] - px, ys[:, None] - py) <= p.psr_radius_m
    return _finish(seed, p, xs, ys, z, psr_mask, (hazard.x_m, hazard.y_m),
                   hazard.radius_m, craters)


def _build_plane(seed: int, p: SiteParams, slope_deg: float) -> Site:
    xs, ys = _grid_axes(p)
    tan_s = math.tan(math.radians(slope_deg))
    az = math.radians(p.plane_uphill_az_deg)
    z = tan_s * (math.cos(az) * xs[None, :] + math.sin(az) * ys[:, None])
    psr_mask = np.zeros(z.shape, dtype=bool)
    return _finish(seed, p, xs, ys, z, psr_mask, None, 0.0, [])


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
