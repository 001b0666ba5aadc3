"""Permanent shadow from the horizon model; ground temperatures (sim_hw.illumination)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sim_hw import illumination as il
from sim_hw.site import make_site, site_from_name
from sim_hw.sun import SYNODIC_MONTH_S, is_sunlit, sun_vector


@pytest.fixture(scope="module")
def site():
    return make_site(0)


def test_max_sun_elevation_over_a_year():
    el = np.degrees(il.max_sun_elevation_by_az(-84.6))
    assert el.max() == pytest.approx(90.0 - 84.6 + 1.54, abs=0.05)
    assert np.argmax(el) in (17, 18)              # toward north (az 90 deg = bin 18)
    assert el.min() < -3.0                        # toward south the sun never rises
    pole = np.degrees(il.max_sun_elevation_by_az(-90.0))
    # at the pole the sun's elevation is minus its latitude: at most the axial tilt, at every azimuth
    assert pole.max() == pytest.approx(1.54, abs=0.01) and np.all(pole > 1.3)


def test_flat_ground_has_no_permanent_shadow():
    flat = site_from_name("flat", 0, size_m=60.0)
    assert not flat.psr_mask.any()


@settings(max_examples=30, deadline=None)
@given(st.floats(0.0, 346.62 * 86400.0), st.integers(0, 10_000))
def test_permanently_shadowed_points_are_never_sunlit(site, t_s, k):
    ys, xs = np.nonzero(site.psr_mask)
    i = k % xs.size
    x = site.origin_xy_m[0] + xs[i] * site.cell_m
    y = site.origin_xy_m[1] + ys[i] * site.cell_m
    assert not is_sunlit(site, x, y, t_s)


def test_points_outside_permanent_shadow_see_the_sun_some_time(site):
    """Sample the sun over a year at a few non-PSR points inside the PSR crater."""
    cx, cy = site.params.psr_center_xy_m
    rim = site.params.psr_radius_m / 0.8
    checked = 0
    for ang in np.linspace(0, 2 * math.pi, 12, endpoint=False):
        x, y = cx + 0.7 * rim * math.cos(ang), cy + 0.7 * rim * math.sin(ang)
        if site.in_psr(x, y):
            continue
        times = np.arange(0.0, 346.62 * 86400.0, 6 * 3600.0)
        if any(is_sunlit(site, x, y, t) for t in times):
            checked += 1
    assert checked >= 1


def test_bowl_temperatures_follow_ingersoll():
    # view factor of a spherical bowl
    assert il.bowl_view_factor(0.2) == pytest.approx(0.16 / 1.16)
    # sun down: only the heat flow, ~24 K
    assert il.bowl_shadow_temp_k(0.2, -0.01) == pytest.approx(24.0, abs=1.0)
    el = math.radians(6.94)
    fresh, degraded = il.bowl_shadow_temp_k(0.2, el), il.bowl_shadow_temp_k(0.08, el)
    assert 130.0 < fresh < 150.0 and 85.0 < degraded < 100.0
    assert 70.0 < il.bowl_shadow_temp_k(0.08, math.radians(3.0)) < 80.0
    # deeper bowls and higher suns are warmer
    assert il.bowl_shadow_temp_k(0.1, el) > il.bowl_shadow_temp_k(0.05, el)
    assert il.bowl_shadow_temp_k(0.1, el) > il.bowl_shadow_temp_k(0.1, el / 2)


@given(st.floats(0.0, 1.0))
def test_sunlit_temperature_is_radiative_balance(cos_i):
    t = il.sunlit_temp_k(cos_i)
    absorbed = (1 - il.ALBEDO) * 1361.0 * cos_i + il.GEOTHERMAL_W_M2
    assert il.EMISSIVITY * il.STEFAN_BOLTZMANN * t ** 4 == pytest.approx(absorbed, rel=1e-9)


def test_surface_temperature_depends_on_incidence_and_shadow(site):
    t_noon = 0.0
    az, el = sun_vector(t_noon)
    assert el > 0
    lit_points = []
    for x, y in ((5.0, 5.0), (-5.0, 8.0), (8.0, -6.0)):
        assert is_sunlit(site, x, y, t_noon)
        lit_points.append(il.surface_temp_k(site, x, y, t_noon))
    assert all(180.0 < v < 330.0 for v in lit_points)
    # the same spot a half month later (sun down everywhere): heat flow only
    night = il.surface_temp_k(site, 5.0, 5.0, SYNODIC_MONTH_S / 2)
    assert night == pytest.approx(24.0, abs=2.0)
    cx, cy = site.params.psr_center_xy_m
    psr = il.surface_temp_k(site, cx, cy, t_noon)
    assert 50.0 < psr < 160.0 and psr < min(lit_points) - 50.0
