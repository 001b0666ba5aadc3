"""Tests for sim_hw.sun: sun geometry, horizon shadowing, solar power."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim_hw.site import make_site, site_from_name
from sim_hw.sun import (
    ECLIPSE_YEAR_S,
    LUNAR_AXIAL_TILT_DEG,
    SOLAR_CONSTANT_W_M2,
    SYNODIC_MONTH_S,
    horizon_angle_rad,
    is_sunlit,
    solar_power_w,
    sun_vector,
    sunlit_grid,
)

FAST = settings(max_examples=60, deadline=None)
DAY_S = 86400.0
TILT_RAD = math.radians(LUNAR_AXIAL_TILT_DEG)
times = st.floats(0.0, 20 * ECLIPSE_YEAR_S, allow_nan=False)


@pytest.fixture(scope="module")
def site():
    return make_site(0)


@pytest.fixture(scope="module")
def plane():
    # rises 10 deg toward +x (east)
    return site_from_name("test-slope", 0, slope_deg=10.0, direction_deg=0.0, size_m=200.0, cell_m=1.0)


# --- sun geometry ------------------------------------------------------------------
def test_synodic_month_is_29_53_days():
    assert SYNODIC_MONTH_S / DAY_S == pytest.approx(29.53, abs=0.01)


@FAST
@given(times)
def test_elevation_at_the_pole_stays_within_the_axial_tilt(t_s):
    _, el = sun_vector(t_s, latitude_deg=-90.0)
    assert abs(el) <= TILT_RAD + 1e-12


@FAST
@given(times, st.floats(-90.0, -80.0))
def test_elevation_bounded_by_colatitude_plus_tilt(t_s, lat_deg):
    _, el = sun_vector(t_s, latitude_deg=lat_deg)
    assert abs(el) <= math.radians(90.0 - abs(lat_deg)) + TILT_RAD + 1e-12


def test_elevation_range_at_mons_mouton_is_reached():
    els = [sun_vector(t)[1] for t in np.linspace(0.0, ECLIPSE_YEAR_S, 4000)]
    bound = math.radians(90.0 - 84.6) + TILT_RAD
    assert max(els) > 0.95 * bound and min(els) < -0.95 * bound


def test_pole_elevation_follows_the_seasons():
    # a quarter eclipse year in, the sun sits at the full tilt above the pole horizon
    _, el = sun_vector(ECLIPSE_YEAR_S / 4.0, latitude_deg=90.0)
    assert el == pytest.approx(TILT_RAD, abs=1e-9)


def test_noon_at_t0():
    az, el = sun_vector(0.0)
    assert az == pytest.approx(math.pi / 2.0)  # due north
    assert el == pytest.approx(math.radians(90.0 - 84.6), abs=1e-9)


@FAST
@given(times)
def test_azimuth_period_is_one_synodic_month(t_s):
    az0, _ = sun_vector(t_s, latitude_deg=-90.0)
    az1, _ = sun_vector(t_s + SYNODIC_MONTH_S, latitude_deg=-90.0)
    assert _angle_diff(az1, az0) == pytest.approx(0.0, abs=1e-6)
    # at 84.6 S the slow change of the sun's latitude shifts it only slightly
    az0, _ = sun_vector(t_s)
    az1, _ = sun_vector(t_s + SYNODIC_MONTH_S)
    assert abs(_angle_diff(az1, az0)) < 0.02
    az_half, _ = sun_vector(t_s + SYNODIC_MONTH_S / 2.0, latitude_deg=-90.0)
    assert abs(_angle_diff(az_half, sun_vector(t_s, latitude_deg=-90.0)[0])) == pytest.approx(math.pi, abs=1e-6)


def test_azimuth_advances_counter_clockwise():
    azs = np.unwrap([sun_vector(t)[0] for t in np.linspace(0.0, SYNODIC_MONTH_S, 200)])
    assert np.all(np.diff(azs) > 0.0)
    assert azs[-1] - azs[0] == pytest.approx(2.0 * math.pi, abs=0.02)  # one full turn


@FAST
@given(times, st.floats(-1e7, 1e7))
def test_epoch_offset_shifts_time(t_s, epoch_s):
    a = sun_vector(t_s, epoch_s)
    b = sun_vector(t_s + epoch_s)
    assert a[0] == pytest.approx(b[0], abs=1e-6) or abs(_angle_diff(a[0], b[0])) < 1e-6
    assert a[1] == pytest.approx(b[1], abs=1e-6)


@pytest.mark.parametrize("kwargs, name", [
    ({"t_s": float("nan")}, "t_s"),
    ({"t_s": 0.0, "epoch_s": float("inf")}, "epoch_s"),
    ({"t_s": 0.0, "latitude_deg": -91.0}, "latitude_deg"),
])
def test_sun_vector_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        sun_vector(**kwargs)


def _angle_diff(a: float, b: float) -> float:
    return (a - b + math.pi) % (2.0 * math.pi) - math.pi


# --- horizon and shadowing -----------------------------------------------------------
def test_flat_site_horizon_is_level():
    flat = site_from_name("flat", 0, size_m=60.0)
    for az in np.linspace(0.0, 2.0 * math.pi, 9):
        assert horizon_angle_rad(flat, 3.0, -7.0, az) == pytest.approx(0.0, abs=1e-6)
    for t in np.linspace(0.0, SYNODIC_MONTH_S, 25):
        assert is_sunlit(flat, 3.0, -7.0, t) == (sun_vector(t)[1] > 0.0)


def test_plane_horizon_uphill_is_the_slope(plane):
    uphill = horizon_angle_rad(plane, -50.0, 10.0, 0.0)
    assert math.degrees(uphill) == pytest.approx(10.0, abs=0.1)
    assert horizon_angle_rad(plane, -50.0, 10.0, math.pi) == pytest.approx(0.0, abs=1e-6)
    # sideways along the contour lines the plane is level
    assert horizon_angle_rad(plane, -50.0, 10.0, math.pi / 2) == pytest.approx(0.0, abs=1e-3)


def test_horizon_table_matches_brute_force(site):
    az = 2.0 * math.pi * 7 / 72  # a bin centre
    for x, y in [(0.0, 0.0), (50.0, 8.0), (-110.0, -120.0), (120.0, 60.0)]:
        z0 = site.height_at(x, y)
        best = 0.0
        for d in np.arange(0.5, 400.0, 0.5):
            px, py = x + d * math.cos(az), y + d * math.sin(az)
            if not site.contains(px, py):
                break
            best = max(best, math.atan2(site.height_at(px, py) - z0, d))
        # the table marches with growing steps: allow a small angular error
        assert horizon_angle_rad(site, x, y, az) == pytest.approx(best, abs=math.radians(0.3))


def test_hazard_crater_floor_is_always_in_shadow(site):
    hx, hy = site.hazard_xy_m
    # times with the sun up, in a few different azimuth bins (each bin costs a march)
    for t in np.linspace(-0.2, 0.2, 7) * SYNODIC_MONTH_S:
        assert sun_vector(t)[1] > 0.0
        assert not is_sunlit(site, hx, hy, t)


@FAST
@given(times, st.floats(0.0, 2 * math.pi), st.floats(0.0, 0.99))
def test_psr_is_below_the_horizon_model(site, t_s, angle, frac):
    """The derived permanent shadow agrees with the horizon model itself (not
    through is_sunlit, which consults the PSR mask first): at a PSR grid point
    the sun never clears the skyline.  The two horizon computations bin
    azimuth differently, so a PSR edge point may differ by the sampling error,
    bounded here by half a degree."""
    cx, cy = site.params.psr_center_xy_m
    r = frac * site.params.psr_radius_m
    x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
    x0, y0 = site.origin_xy_m          # snap to the grid point the mask describes
    x = x0 + round((x - x0) / site.cell_m) * site.cell_m
    y = y0 + round((y - y0) / site.cell_m) * site.cell_m
    if site.in_psr(x, y):
        az, el = sun_vector(t_s, 0.0, site.params.latitude_deg)
        assert el <= horizon_angle_rad(site, x, y, az) + math.radians(0.5)


def test_shadows_sweep_the_site(site):
    lit_noon, extent = sunlit_grid(site, 0.0)
    assert extent == pytest.approx(site.extent_m)
    assert 0.5 < lit_noon.mean() < 1.0  # relief casts some shadow even at noon
    lit_night, _ = sunlit_grid(site, SYNODIC_MONTH_S / 2.0)
    assert not lit_night.any()  # sun below the level far-field horizon
    low_sun_t = 5.4 * DAY_S  # el ~2 deg: long shadows
    assert sunlit_grid(site, low_sun_t)[0].mean() < lit_noon.mean()


def test_is_sunlit_agrees_with_grid(site):
    lit, (x0, _, y0, _) = sunlit_grid(site, 2.7 * DAY_S)
    step = (site.extent_m[1] - x0) / (lit.shape[1] - 1)
    rng = np.random.default_rng(1)
    for _ in range(200):
        j, i = rng.integers(0, lit.shape[0], size=2)
        assert is_sunlit(site, x0 + i * step, y0 + j * step, 2.7 * DAY_S) == bool(lit[j, i])


def test_is_sunlit_outside_site_raises(site):
    with pytest.raises(ValueError, match="outside"):
        is_sunlit(site, 500.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="site must be a Site"):
        is_sunlit("mons-mouton", 0.0, 0.0, 0.0)


# --- solar power ---------------------------------------------------------------------
angles = st.floats(-10.0, 10.0)


@FAST
@given(st.floats(0.0, 10.0), st.floats(0.0, 1.0), angles, st.floats(0.0, 180.0),
       angles, st.floats(-math.pi / 2, math.pi / 2), st.booleans())
def test_power_is_bounded(area, eff, normal_az, tilt, sun_az, sun_el, sunlit):
    p = solar_power_w(area, eff, normal_az, tilt, sun_az, sun_el, sunlit)
    assert 0.0 <= p <= area * eff * SOLAR_CONSTANT_W_M2 + 1e-9
    if not sunlit:
        assert p == 0.0


@FAST
@given(st.floats(0.1, 10.0), st.floats(0.01, 1.0), angles, st.floats(0.0, 0.2))
def test_vertical_panel_facing_away_gives_nothing(area, eff, sun_az, sun_el):
    assert solar_power_w(area, eff, sun_az + math.pi, 90.0, sun_az, sun_el, True) == 0.0


@FAST
@given(st.floats(0.1, 10.0), st.floats(0.01, 1.0), angles, st.floats(-1.2, 1.2))
def test_panel_facing_the_sun_gets_full_power(area, eff, sun_az, sun_el):
    tilt_deg = 90.0 - math.degrees(sun_el)
    p = solar_power_w(area, eff, sun_az, tilt_deg, sun_az, sun_el, True)
    assert p == pytest.approx(area * eff * SOLAR_CONSTANT_W_M2, rel=1e-9)


def test_power_cosine_law():
    el = math.radians(5.0)
    flat = solar_power_w(1.0, 0.3, 0.0, 0.0, 1.0, el, True)
    assert flat == pytest.approx(0.3 * SOLAR_CONSTANT_W_M2 * math.sin(el))
    side = solar_power_w(1.0, 0.3, 1.0 + math.radians(60.0), 90.0, 1.0, 0.0, True)
    assert side == pytest.approx(0.3 * SOLAR_CONSTANT_W_M2 * 0.5)


@pytest.mark.parametrize("args, name", [
    ((-1.0, 0.3, 0.0, 90.0, 0.0, 0.0, True), "panel_area_m2"),
    ((1.0, 1.5, 0.0, 90.0, 0.0, 0.0, True), "efficiency"),
    ((1.0, 0.3, float("nan"), 90.0, 0.0, 0.0, True), "panel_normal_az_rad"),
    ((1.0, 0.3, 0.0, 200.0, 0.0, 0.0, True), "panel_tilt_deg"),
    ((1.0, 0.3, 0.0, 90.0, 0.0, 2.0, True), "sun_el_rad"),
    ((1.0, 0.3, 0.0, 90.0, "east", 0.0, True), "sun_az_rad"),
])
def test_power_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        solar_power_w(*args)
