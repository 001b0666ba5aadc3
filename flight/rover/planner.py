"""A small grid planner over the terrain map's slope grid.

The map is downsampled to about 2 m cells (each coarse cell keeps the
*steepest* slope inside it, so no hazard is averaged away).  Cells steeper than
the no-go slope, or marked in the map's no_go_mask, are forbidden, and the
forbidden set is grown by the rover half-width plus a margin.  A* (8-connected)
then finds the cheapest path where a step costs its length times
``1 + slope_weight * (slope / no_go_slope)^2`` so gentle ground is preferred.
The cell path is shortened to waypoints by keeping only the corners needed
for straight legs that stay clear of forbidden cells.

Climbing is limited by direction: a step may not climb a grade steeper than
``max_climb_deg`` (measured over ``CLIMB_BASE_M`` along the step's direction,
steepest inside the cells it joins), while descending or crossing that slope
stays allowed.  The no-go slope is a tilt limit; the climb limit is the
rover's traction (docs/driving.md: it cannot drive up slopes the slip check
would stop it on even on nominal soil, e.g. out of a small crater it drove
down into).
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

# Operable slopes reach ~15 deg; > 20-25 deg is no-go for a small rover (design brief).
DEFAULT_NO_GO_SLOPE_DEG = 20.0
DEFAULT_CELL_M = 2.0
DEFAULT_SLOPE_WEIGHT = 4.0
# Extra clearance: odometry drifts by up to a few % of the distance driven
# (docs/driving.md), so keep a couple of metres from no-go ground.
DEFAULT_MARGIN_M = 2.0
# Cost factor added to clearance-band cells when the start lies inside the band.
BAND_PENALTY = 50.0
# Steepest grade a route may climb (our choice, docs/driving.md "Climb limit"):
# on nominal soil the rover's steady slip is 0.38 at 12 deg and 0.48 at 14 deg,
# and it embeds beyond 14.8 deg (`rover perf traction`), so a climb above
# ~14 deg is stopped by the 50 % slip check even where the soil is good.
DEFAULT_MAX_CLIMB_DEG = 12.0
# Climb grades are measured over about a rover wheelbase; cells too steep to
# climb are grown by one cell (2 m) each way, a margin for the pure-pursuit
# path cutting inside a planned corner and for odometry drift.
CLIMB_BASE_M = 1.0
CLIMB_MARGIN_CELLS = 1


class PlanError(ValueError):
    """No path, or a start/goal that cannot be used; the message says why."""


@dataclass(frozen=True)
class PlannerConfig:
    cell_m: float = DEFAULT_CELL_M
    no_go_slope_deg: float = DEFAULT_NO_GO_SLOPE_DEG
    slope_weight: float = DEFAULT_SLOPE_WEIGHT
    half_width_m: float = 0.35       # overwritten from the vehicle geometry by Rover
    margin_m: float = DEFAULT_MARGIN_M
    max_climb_deg: float = DEFAULT_MAX_CLIMB_DEG

    def __post_init__(self):
        if not (isinstance(self.max_climb_deg, (int, float)) and 0.0 < self.max_climb_deg < 90.0):
            raise PlanError(f"max_climb_deg={self.max_climb_deg!r} must be in (0, 90) deg")
        for name in ("cell_m", "no_go_slope_deg"):
            v = getattr(self, name)
            if not math.isfinite(v) or v <= 0:
                raise PlanError(f"{name}={v!r} must be > 0")
        for name in ("slope_weight", "half_width_m", "margin_m"):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0:
                raise PlanError(f"{name}={v!r} must be >= 0")


class CostGrid:
    """The coarse planning grid: slope per cell, hard no-go, inflated no-go."""

    def __init__(self, terrain, config: PlannerConfig = PlannerConfig()):
        self.config = config
        slope = np.asarray(terrain.slope_deg, dtype=np.float32)
        mask = np.asarray(terrain.no_go_mask, dtype=bool)
        f = max(1, int(round(config.cell_m / terrain.cell_m)))
        ny, nx = (slope.shape[0] // f) * f, (slope.shape[1] // f) * f
        if ny == 0 or nx == 0:
            raise PlanError(f"terrain map {slope.shape} is smaller than one {config.cell_m} m cell")
        self.cell_m = f * terrain.cell_m
        # world coordinates of the centre of coarse cell [0, 0]
        half = (f - 1) * 0.5 * terrain.cell_m
        self.x0_m = terrain.origin_xy_m[0] + half
        self.y0_m = terrain.origin_xy_m[1] + half
        self.slope_deg = slope[:ny, :nx].reshape(ny // f, f, nx // f, f).max(axis=(1, 3))
        coarse_mask = mask[:ny, :nx].reshape(ny // f, f, nx // f, f).any(axis=(1, 3))
        self.hard = coarse_mask | (self.slope_deg > config.no_go_slope_deg)
        self._r_cells = int(math.ceil((config.half_width_m + config.margin_m) / self.cell_m))
        self.inflated = _dilate(self.hard, self._r_cells)
        self.ny, self.nx = self.hard.shape
        # step cost factor per cell, as a flat Python list (A* inner loop)
        factor = 1.0 + config.slope_weight * (self.slope_deg / config.no_go_slope_deg) ** 2
        self.factor = factor.astype(float).ravel().tolist()
        # too steep to climb, per step direction (dr, dc): the steepest grade
        # along that direction inside each cell exceeds the climb limit
        tan_max = math.tan(math.radians(config.max_climb_deg))
        self.climb_grade = _climb_grades(np.asarray(terrain.height_m, dtype=np.float64),
                                         terrain.cell_m, f, ny, nx)
        self.no_climb = {d: _dilate(g > tan_max, CLIMB_MARGIN_CELLS)
                         for d, g in self.climb_grade.items()}
        # the same, as flat Python lists (A* inner loop)
        self.no_climb_flat = {d: b.ravel().tolist() for d, b in self.no_climb.items()}

    def add_hazard(self, x_m: float, y_m: float, radius_m: float) -> int:
        """Forbid the cells whose centres lie within radius_m of a point (ground
        found on the way, e.g. soil the wheels sank into); returns how many
        cells became no-go."""
        if not (math.isfinite(x_m) and math.isfinite(y_m) and math.isfinite(radius_m)
                and radius_m > 0):
            raise PlanError(f"hazard at ({x_m!r}, {y_m!r}) radius {radius_m!r}: "
                            "needs a finite point and a radius > 0")
        rows = (self.y0_m + np.arange(self.ny) * self.cell_m - y_m) ** 2
        cols = (self.x0_m + np.arange(self.nx) * self.cell_m - x_m) ** 2
        disc = (rows[:, None] + cols[None, :]) <= radius_m * radius_m
        new = int(np.count_nonzero(disc & ~self.hard))
        self.hard = self.hard | disc
        self.inflated = _dilate(self.hard, self._r_cells)
        return new

    def cell_of(self, x_m: float, y_m: float) -> tuple[int, int]:
        """(row, col) of the cell holding a world point; PlanError if off the map."""
        c = int(round((x_m - self.x0_m) / self.cell_m))
        r = int(round((y_m - self.y0_m) / self.cell_m))
        if not (0 <= r < self.ny and 0 <= c < self.nx):
            raise PlanError(f"point ({x_m:.1f}, {y_m:.1f}) m is outside the terrain map")
        return r, c

    def centre_of(self, r: int, c: int) -> tuple[float, float]:
        return self.x0_m + c * self.cell_m, self.y0_m + r * self.cell_m

    def segment_blocked(self, x0: float, y0: float, x1: float, y1: float,
                        grid: np.ndarray | None = None) -> tuple[float, float] | None:
        """First sampled point of the segment lying in a forbidden cell (or off
        the map), else None.  Samples every quarter cell."""
        g = self.hard if grid is None else grid
        n = max(1, int(math.ceil(math.hypot(x1 - x0, y1 - y0) / (0.25 * self.cell_m))))
        for k in range(n + 1):
            t = k / n
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            c = int(round((x - self.x0_m) / self.cell_m))
            r = int(round((y - self.y0_m) / self.cell_m))
            if not (0 <= r < self.ny and 0 <= c < self.nx) or g[r, c]:
                return (x, y)
        return None

    def leg_refusal(self, x0: float, y0: float, x1: float, y1: float) -> str | None:
        """Why a straight leg may not be driven (None if it may)."""
        try:
            self.cell_of(x1, y1)
        except PlanError as e:
            return f"leg to ({x1:.1f}, {y1:.1f}) m refused: {e}"
        hit = self.segment_blocked(x0, y0, x1, y1)
        if hit is None:
            return None
        r, c = self.cell_of(*hit)
        why = "no-go mask" if not self.slope_deg[r, c] > self.config.no_go_slope_deg else \
            f"slope {self.slope_deg[r, c]:.1f} deg > {self.config.no_go_slope_deg:.1f} deg"
        return (f"leg ({x0:.1f}, {y0:.1f}) -> ({x1:.1f}, {y1:.1f}) m crosses a no-go cell at "
                f"({hit[0]:.1f}, {hit[1]:.1f}) m ({why})")


def _climb_grades(h: np.ndarray, cell_m: float, f: int, ny: int, nx: int) -> dict:
    """{(dr, dc): steepest climbing grade (rise / run) along that step
    direction inside each coarse cell}, from height differences over about
    CLIMB_BASE_M on the fine grid (a grade of a point is that of the segment
    starting there)."""
    k = max(1, int(round(CLIMB_BASE_M / cell_m)))
    out = {}
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        run = k * cell_m * math.hypot(dr, dc)
        g = np.zeros(h.shape)
        r0, r1 = max(0, -k * dr), h.shape[0] - max(0, k * dr)
        c0, c1 = max(0, -k * dc), h.shape[1] - max(0, k * dc)
        g[r0:r1, c0:c1] = (h[r0 + k * dr:r1 + k * dr, c0 + k * dc:c1 + k * dc] - h[r0:r1, c0:c1]) / run
        blocks = g[:ny, :nx].reshape(ny // f, f, nx // f, f)
        out[(dr, dc)] = blocks.max(axis=(1, 3))          # climbing along +d
        out[(-dr, -dc)] = (-blocks).max(axis=(1, 3))     # climbing along -d
    return out


def _dilate(grid: np.ndarray, r_cells: int) -> np.ndarray:
    """Grow True cells by a disc of radius r_cells (numpy shifts, no scipy)."""
    if r_cells <= 0:
        return grid.copy()
    out = grid.copy()
    ny, nx = grid.shape
    for dr in range(-r_cells, r_cells + 1):
        for dc in range(-r_cells, r_cells + 1):
            if dr * dr + dc * dc > r_cells * r_cells or (dr == 0 and dc == 0):
                continue
            src = grid[max(0, -dr):ny - max(0, dr), max(0, -dc):nx - max(0, dc)]
            out[max(0, dr):ny - max(0, -dr), max(0, dc):nx - max(0, -dc)] |= src
    return out


# the eight step directions (dr, dc) in angular order
_RING = ((0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1), (-1, 0), (-1, 1))
_STEPS = ((0, 1, 1.0), (1, 0, 1.0), (0, -1, 1.0), (-1, 0, 1.0),
          (1, 1, math.sqrt(2)), (1, -1, math.sqrt(2)), (-1, 1, math.sqrt(2)), (-1, -1, math.sqrt(2)))


def astar(grid: CostGrid, start_rc: tuple[int, int], goal_rc: tuple[int, int],
          climb_limit: bool = True) -> list[tuple[int, int]]:
    """Cheapest 8-connected cell path avoiding the inflated no-go cells and
    (``climb_limit``) steps too steep to climb.  A start inside the clearance
    band may leave it: band cells are then passable at a high cost, and only
    the hard no-go cells are blocked."""
    nx, ny = grid.nx, grid.ny
    factor = grid.factor
    if grid.inflated[start_rc]:
        blocked = grid.hard.ravel().tolist()
        band = (grid.inflated & ~grid.hard).ravel().tolist()
        factor = [f + BAND_PENALTY if b else f for f, b in zip(factor, band)]
    else:
        blocked = grid.inflated.ravel().tolist()
    free = [False] * (nx * ny)
    no_climb = [grid.no_climb_flat[(dr, dc)] if climb_limit else free for dr, dc, _ in _STEPS]
    s = start_rc[0] * nx + start_rc[1]
    g_idx = goal_rc[0] * nx + goal_rc[1]
    gr, gc = goal_rc
    best = {s: 0.0}
    parent = {s: -1}
    heap = [(0.0, 0.0, s)]
    while heap:
        _, cost, idx = heapq.heappop(heap)
        if idx == g_idx:
            break
        if cost > best.get(idx, math.inf):
            continue
        r, c = divmod(idx, nx)
        for k, (dr, dc, length) in enumerate(_STEPS):
            rr, cc = r + dr, c + dc
            if rr < 0 or rr >= ny or cc < 0 or cc >= nx:
                continue
            n = rr * nx + cc
            if blocked[n]:
                continue
            nc = no_climb[k]
            if nc[idx] or nc[n]:
                continue   # too steep to climb this way (descending it is fine)
            if dr and dc and (blocked[r * nx + cc] or blocked[rr * nx + c]):
                continue   # no corner cutting past a forbidden cell
            new = cost + length * 0.5 * (factor[idx] + factor[n])
            if new < best.get(n, math.inf):
                best[n] = new
                parent[n] = idx
                h = math.hypot(rr - gr, cc - gc)   # admissible: factor >= 1
                heapq.heappush(heap, (new + h, new, n))
    if g_idx not in parent:
        also = f" or by climbs steeper than {grid.config.max_climb_deg} deg" if climb_limit else ""
        raise PlanError(f"no path from cell {start_rc} to cell {goal_rc}: the goal is cut off "
                        f"by no-go terrain{also}")
    path = []
    idx = g_idx
    while idx != -1:
        path.append(divmod(idx, nx))
        idx = parent[idx]
    path.reverse()
    return path


class Planner:
    def __init__(self, terrain, config: PlannerConfig = PlannerConfig()):
        if terrain is None:
            raise PlanError("the HAL provides no terrain map to plan on")
        self.grid = CostGrid(terrain, config)
        self.config = config
        self._climb_limit = True

    def plan(self, start_xy_m: tuple[float, float], goal_xy_m: tuple[float, float]
             ) -> list[tuple[float, float]]:
        """Waypoints from start (excluded) to goal (included, exact)."""
        g = self.grid
        s_rc = g.cell_of(*start_xy_m)
        goal_rc = g.cell_of(*goal_xy_m)
        if g.hard[s_rc]:
            raise PlanError(f"start ({start_xy_m[0]:.1f}, {start_xy_m[1]:.1f}) m is on no-go terrain")
        if g.inflated[goal_rc]:
            raise PlanError(f"goal ({goal_xy_m[0]:.1f}, {goal_xy_m[1]:.1f}) m is on or too close "
                            f"to no-go terrain (slope > {self.config.no_go_slope_deg} deg or masked)")
        try:
            cells = astar(g, s_rc, goal_rc)
            self._climb_limit = True
        except PlanError:
            # No route within the climb limit (e.g. the start is down in a
            # crater after a slip stop): the steepest ground below the no-go
            # slope it is, the slip check guarding the climb as before.
            cells = astar(g, s_rc, goal_rc, climb_limit=False)
            self._climb_limit = False
        pts = [tuple(start_xy_m)] + [g.centre_of(r, c) for r, c in cells[1:-1]] + [tuple(goal_xy_m)]
        return self._shorten(pts)[1:]

    def _shorten(self, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """Keep a point only when the straight leg past it would touch forbidden
        (inflated) cells or climb noticeably steeper ground than the A* path."""
        out = [pts[0]]
        i = 0
        while i < len(pts) - 1:
            j = len(pts) - 1
            while j > i + 1 and not self._leg_ok(pts[i], pts[j], pts[i:j + 1]):
                j -= 1
            out.append(pts[j])
            i = j
        return out

    def _leg_ok(self, a, b, via) -> bool:
        g = self.grid
        if g.segment_blocked(a[0], a[1], b[0], b[1], g.inflated) is not None:
            return False   # (from a start inside the inflation band: one cell step at a time)
        if self._climb_limit and self._climbs_too_steep(a, b):
            return False
        return self._max_slope(a, b) <= self._max_slope_path(via) + 2.0

    def _climbs_too_steep(self, a, b) -> bool:
        """Does the straight leg a -> b cross a cell too steep to climb in the
        step direction nearest to its heading?"""
        g = self.grid
        dx, dy = b[0] - a[0], b[1] - a[1]
        dist = math.hypot(dx, dy)
        if dist < 1e-9:
            return False
        octant = int(round(math.atan2(dy, dx) / (math.pi / 4))) % 8
        d = _RING[octant]
        nc = g.no_climb[d]
        n = max(1, int(math.ceil(dist / (0.5 * g.cell_m))))
        for k in range(n + 1):
            t = k / n
            if nc[g.cell_of(a[0] + t * dx, a[1] + t * dy)]:
                return True
        return False

    def _max_slope(self, a, b) -> float:
        g = self.grid
        n = max(1, int(math.ceil(math.hypot(b[0] - a[0], b[1] - a[1]) / (0.5 * g.cell_m))))
        worst = 0.0
        for k in range(n + 1):
            t = k / n
            r, c = g.cell_of(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            worst = max(worst, float(g.slope_deg[r, c]))
        return worst

    def _max_slope_path(self, via) -> float:
        g = self.grid
        return max(float(g.slope_deg[g.cell_of(*p)]) for p in via)

    def leg_refusal(self, x0: float, y0: float, x1: float, y1: float) -> str | None:
        return self.grid.leg_refusal(x0, y0, x1, y1)

    def add_hazard(self, x_m: float, y_m: float, radius_m: float) -> int:
        return self.grid.add_hazard(x_m, y_m, radius_m)

    def leg_max_slope_deg(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """Steepest map slope along a leg (deg); the navigator budgets time from it."""
        return self._max_slope((x0, y0), (x1, y1))


def path_length_m(start_xy_m, waypoints) -> float:
    total, (px, py) = 0.0, start_xy_m
    for x, y in waypoints:
        total += math.hypot(x - px, y - py)
        px, py = x, y
    return total
