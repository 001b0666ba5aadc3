"""Tests for sim_hw.site (procedural lunar site) and sim_hw.terrain_map (plots)."""
import math
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sim_hw.site import (  # noqa: E402
    KNOWN_SITES,
    Site,
    SiteParams,
    equilibrium_count,
    make_site,
    rock_count_expected,
    site_from_name,
)
from sim_hw.terrain_map import plot_site  # noqa: E402

SEEDS = (0, 1, 2, 3)
FAST = settings(max_examples=40, deadline=None)


@pytest.fixture(scope="module")
def sites() -> dict[int, Site]:
    return {seed: make_site(seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def site(sites) -> Site:
    return sites[0]


def _max_slope_along(site: Site, waypoints, step_m: float = 0.25) -> float:
    worst = 0.0
    for (x0, y0), (x1, y1) in zip(waypoints, waypoints[1:]):
        n = max(2, int(math.hypot(x1 - x0, y1 - y0) / step_m))
        for t in np.linspace(0.0, 1.0, n):
            worst = max(worst, site.slope_at(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    return worst


# --- layout and determinism -------------------------------------------------
def test_default_grid_layout(site):
    assert site.params == SiteParams()
    assert site.height_m.shape == (801, 801)
    assert site.height_m.dtype == np.float32 and site.height_m.flags.c_contiguous
    assert site.slope_deg.dtype == np.float32 and site.slope_deg.shape == site.height_m.shape
    assert site.psr_mask.dtype == np.bool_ and site.psr_mask.shape == site.height_m.shape
    assert site.cell_m == 0.5
    assert site.origin_xy_m == (-200.0, -200.0)
    assert site.extent_m == (-200.0, 200.0, -200.0, 200.0)
    assert site.height_at(0.0, 0.0) == pytest.approx(0.0, abs=1e-6)  # centre is datum


def test_arrays_are_read_only(site):
    with pytest.raises(ValueError):
        site.height_m[0, 0] = 1.0
    with pytest.raises(ValueError):
        site.psr_mask[0, 0] = True


def test_same_seed_same_site_bit_for_bit(site):
    again = make_site(0)
    assert again.height_m.tobytes() == site.height_m.tobytes()
    assert again.slope_deg.tobytes() == site.slope_deg.tobytes()
    assert np.array_equal(again.psr_mask, site.psr_mask)
    assert again.craters == site.craters


def test_different_seeds_differ(sites):
    assert not np.array_equal(sites[0].height_m, sites[1].height_m)
    assert sites[0].craters != sites[1].craters


def test_crater_population_is_at_the_equilibrium_density(sites):
    for s in sites.values():
        diam = np.array([2.0 * c.radius_m for c in s.craters[2:]])
        assert diam.min() >= 3.0 and diam.max() <= 100.0
        area = s.params.size_m ** 2
        for d in (3.0, 6.0, 12.0):
            # expected count above d; the reserved clear discs remove a few %
            n_eq = equilibrium_count(d, 100.0, area)
            n = (diam >= d).sum()
            assert 0.8 * n_eq - 4 * math.sqrt(n_eq) < n <= n_eq + 4 * math.sqrt(n_eq)
        dd = np.array([c.depth_m / (2.0 * c.radius_m) for c in s.craters[2:]])
        assert dd.min() >= 0.02 - 1e-9 and dd.max() <= 0.2 + 1e-9
        assert 0.05 < (dd >= 0.15).mean() < 0.2        # fresh ones ~10 %
        assert np.median(dd) < 0.08                     # most are degraded


def test_crater_density_and_fresh_fraction_knobs():
    sparse = make_site(0, crater_density_frac=0.25, fresh_crater_frac=1.0)
    dd = np.array([c.depth_m / (2.0 * c.radius_m) for c in sparse.craters[2:]])
    assert np.all(dd >= 0.15 - 1e-9)
    n_eq = equilibrium_count(3.0, 100.0, sparse.params.size_m ** 2)
    assert len(sparse.craters) - 2 < 0.35 * n_eq
    assert len(make_site(0, crater_density_frac=0.0).craters) == 2


def test_rocks_follow_golombek_rapp_and_are_planner_hazards(sites):
    counts = [len(s.rocks) for s in sites.values()]
    expected = rock_count_expected(0.008, 0.2, 400.0 ** 2)
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / len(counts)) + 0.05 * expected
    s = sites[0]
    assert np.all(s.rocks[:, 2] >= 0.2)
    for x, y, _ in s.rocks[:20]:
        assert s.rock_mask[int(round((y - s.origin_xy_m[1]) / s.cell_m)),
                           int(round((x - s.origin_xy_m[0]) / s.cell_m))]
    assert not make_site(0, rock_cfa=0.0).rock_mask.any()
    assert len(make_site(0, rock_cfa=0.02).rocks) > 5 * len(s.rocks)


# --- slopes -------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_slope_statistics(sites, seed):
    slope = sites[seed].slope_deg[10:-10, 10:-10]   # the limiter leaves the map's edge alone
    assert float(slope.max()) <= 36.0                # angle of repose (float32 heights)
    assert float(np.percentile(slope, 99)) > 20.0    # fresh crater walls are steep
    assert float(np.median(slope)) < 8.0
    assert float(np.median(slope)) > 1.0  # not a billiard table either


def test_max_slope_param_scales_relief():
    gentle = make_site(0, max_slope_deg=12.0)
    inner = (slice(10, -10), slice(10, -10))
    assert (float(np.percentile(gentle.slope_deg[inner], 99))
            < float(np.percentile(make_site(0).slope_deg[inner], 99)) - 5.0)
    assert float(np.median(gentle.slope_deg)) < float(np.median(make_site(0).slope_deg))


def test_slope_at_matches_grid(site):
    rng = np.random.default_rng(5)
    for _ in range(20):
        j, i = rng.integers(1, 800, size=2)
        x = site.origin_xy_m[0] + i * site.cell_m
        y = site.origin_xy_m[1] + j * site.cell_m
        assert site.height_at(x, y) == pytest.approx(float(site.height_m[j, i]), abs=1e-5)
        assert site.slope_at(x, y) == pytest.approx(float(site.slope_deg[j, i]), abs=1e-3)


# --- hazard, corridor, PSR ---------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_hazard_blocks_straight_traverse_but_a_route_round_it_exists(sites, seed):
    from flight.rover.planner import Planner, PlannerConfig
    from hal.interfaces import TerrainMap

    s = sites[seed]
    hx, hy = s.hazard_xy_m
    assert 40.0 <= hx <= 60.0 and abs(hy) < 20.0
    assert s.hazard_radius_m > 5.0
    assert _max_slope_along(s, [(0.0, 0.0), (90.0, 20.0)]) > 20.0
    terrain = TerrainMap(height_m=s.height_m, slope_deg=s.slope_deg,
                         no_go_mask=s.no_go_mask, cell_m=s.cell_m, origin_xy_m=s.origin_xy_m)
    route = Planner(terrain, PlannerConfig(half_width_m=0.27)).plan((0.0, 0.0), (90.0, 20.0))
    assert route[-1] == pytest.approx((90.0, 20.0), abs=0.5)


def test_hazard_wall_is_steep_all_round(site):
    hx, hy = site.hazard_xy_m
    r = 0.95 * site.hazard_radius_m
    ring = [site.slope_at(hx + r * math.cos(a), hy + r * math.sin(a))
            for a in np.linspace(0.0, 2 * math.pi, 72, endpoint=False)]
    assert np.mean(np.array(ring) > 20.0) > 0.5


@pytest.mark.parametrize("seed", SEEDS)
def test_start_area_is_flat_ish(sites, seed):
    s = sites[seed]
    worst = max(s.slope_at(r * math.cos(a), r * math.sin(a))
                for r in np.linspace(0.0, 10.0, 11)
                for a in np.linspace(0.0, 2 * math.pi, 24, endpoint=False))
    assert worst < 10.0


def test_psr_is_derived_from_the_horizon_and_lies_in_craters(site):
    cx, cy = site.params.psr_center_xy_m
    rim = site.params.psr_radius_m / 0.8
    assert site.in_psr(cx, cy)                  # the PSR crater's floor
    assert not site.in_psr(0.0, 0.0)
    assert math.hypot(cx, cy) > 100.0  # far from the start and the traverse
    ys, xs = np.nonzero(site.psr_mask)
    px = site.origin_xy_m[0] + xs * site.cell_m
    py = site.origin_xy_m[1] + ys * site.cell_m
    in_psr_crater = np.hypot(px - cx, py - cy) < rim
    assert in_psr_crater.sum() * site.cell_m ** 2 > 0.2 * math.pi * rim * rim
    # permanent shadow sits in craters (a few pole-facing highland slopes aside)
    sample = list(zip(px, py))[::37]
    inside = [any(math.hypot(x - c.x_m, y - c.y_m) < c.radius_m for c in site.craters)
              for x, y in sample]
    assert np.mean(inside) > 0.8


def test_psr_is_a_crater_floor(site):
    cx, cy = site.params.psr_center_xy_m
    rim_r = site.params.psr_radius_m / 0.8
    rim = np.mean([site.height_at(cx + rim_r * math.cos(a), cy + rim_r * math.sin(a))
                   for a in np.linspace(0, 2 * math.pi, 36, endpoint=False)])
    assert site.height_at(cx, cy) < rim - 2.0


# --- queries -------------------------------------------------------------------
def test_contains_and_margin(site):
    assert site.contains(0.0, 0.0)
    assert site.contains(200.0, -200.0)
    assert not site.contains(200.1, 0.0)
    assert not site.contains(195.0, 0.0, margin_m=10.0)


@pytest.mark.parametrize("method", ["height_at", "gradient_at", "slope_at", "in_psr"])
def test_queries_outside_raise_clearly(site, method):
    with pytest.raises(ValueError, match=rf"{method}.*outside"):
        getattr(site, method)(250.0, 0.0)
    with pytest.raises(ValueError, match="not finite"):
        getattr(site, method)(float("nan"), 0.0)


@FAST
@given(st.floats(0.0, 30.0), st.floats(-180.0, 180.0),
       st.floats(-49.0, 49.0), st.floats(-49.0, 49.0))
def test_test_slope_plane_is_exact(slope_deg, direction_deg, x, y):
    s = site_from_name("test-slope", 3, slope_deg=slope_deg, direction_deg=direction_deg,
                       size_m=100.0, cell_m=1.0)
    tan_s = math.tan(math.radians(slope_deg))
    az = math.radians(direction_deg)
    assert s.height_at(x, y) == pytest.approx(tan_s * (x * math.cos(az) + y * math.sin(az)), abs=1e-4)
    gx, gy = s.gradient_at(x, y)
    assert gx == pytest.approx(tan_s * math.cos(az), abs=1e-5)
    assert gy == pytest.approx(tan_s * math.sin(az), abs=1e-5)
    assert s.slope_at(x, y) == pytest.approx(slope_deg, abs=1e-3)


def test_flat_site():
    s = site_from_name("flat", 0)
    assert not s.height_m.any()
    assert not s.slope_deg.any()
    assert not s.psr_mask.any()
    assert s.hazard_xy_m is None and s.hazard_radius_m == 0.0
    assert s.gradient_at(12.3, -45.6) == (0.0, 0.0)


def test_site_from_name_default_is_mons_mouton():
    assert KNOWN_SITES[0] == "mons-mouton"
    s = site_from_name("mons-mouton", 4, crater_density_frac=0.01, size_m=200.0,
                       psr_center_xy_m=(-50.0, -60.0), psr_radius_m=10.0)
    assert s.params.name == "mons-mouton" and len(s.craters) < 12
    assert s.in_psr(-50.0, -60.0) and s.extent_m == (-100.0, 100.0, -100.0, 100.0)


# --- bad input ------------------------------------------------------------------
def test_unknown_site_name_lists_known():
    with pytest.raises(ValueError, match="mons-mouton.*flat.*test-slope"):
        site_from_name("olympus-mons", 0)


@pytest.mark.parametrize("overrides, pattern", [
    ({"size_m": 0.0}, r"size_m.*0\.0"),
    ({"size_m": -5.0}, r"size_m.*-5\.0"),
    ({"size_m": float("nan")}, r"size_m.*nan"),
    ({"cell_m": 0.0}, r"cell_m.*0\.0"),
    ({"cell_m": -1.0}, r"cell_m.*-1\.0"),
    ({"crater_density_frac": -1.0}, r"crater_density_frac=-1.0 out of range \[0, 10\]"),
    ({"crater_dd_fresh": 1.5}, r"crater_dd_fresh=1.5 out of range \(0, 1\] \(crater depth cannot exceed"),
    ({"crater_dd_fresh": 0.0}, r"crater_dd_fresh=0.0 out of range"),
    ({"fresh_crater_frac": 1.2}, r"fresh_crater_frac=1.2 out of range"),
    ({"rock_cfa": -0.1}, r"rock_cfa=-0.1 out of range"),
    ({"latitude_deg": -95.0}, r"latitude_deg.*-95"),
    ({"psr_center_xy_m": (190.0, 0.0)}, r"psr_center_xy_m.*190"),
    ({"psr_center_xy_m": (0.0, -500.0)}, r"psr_center_xy_m.*-500"),
    ({"psr_radius_m": 0.0}, r"psr_radius_m.*0\.0"),
    ({"hazard_center_xy_m": (0.0, 199.0)}, r"hazard_center_xy_m"),
    ({"max_slope_deg": 0.0}, r"max_slope_deg"),
    ({"bogus_field": 1}, r"bogus_field"),
])
def test_bad_params_name_the_parameter(overrides, pattern):
    with pytest.raises(ValueError, match=pattern):
        make_site(0, **overrides)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3", None])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        make_site(seed)


def test_params_must_be_siteparams():
    with pytest.raises(ValueError, match="SiteParams"):
        make_site(0, params={"size_m": 10})


# --- terrain map -------------------------------------------------------------------
@pytest.mark.parametrize("show", ["slope", "height"])
def test_plot_site_draws_in_world_coordinates(site, show):
    fig, ax = plt.subplots()
    try:
        image = plot_site(site, ax, show=show, colorbar=True)
        assert image.get_extent() == list(site.extent_m)
        assert image.origin == "lower"
        assert len(fig.axes) == 2  # the colorbar
        labels = {p.get_label() for p in ax.patches}
        assert {"PSR", "slope hazard"} <= labels
        ax.plot([0.0, 90.0], [0.0, 20.0])  # callers overlay paths
        fig.canvas.draw()
    finally:
        plt.close(fig)


def test_plot_site_rejects_bad_show(site):
    fig, ax = plt.subplots()
    try:
        with pytest.raises(ValueError, match="show.*'relief'"):
            plot_site(site, ax, show="relief")
    finally:
        plt.close(fig)


def test_plot_flat_site_has_no_outlines():
    fig, ax = plt.subplots()
    try:
        plot_site(site_from_name("flat", 0, size_m=50.0), ax)
        assert not ax.patches
    finally:
        plt.close(fig)
