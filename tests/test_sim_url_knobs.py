"""sim:// start-time and site-seed knobs (the campaign disperses them)."""
import math

import numpy as np
import pytest

from hal import HalUrlError, open_hal
from sim_hw import sun


def test_site_seed_picks_the_terrain_independently_of_the_noise_seed():
    a = open_hal("sim://?seed=1&site_seed=5")
    b = open_hal("sim://?seed=2&site_seed=5")
    c = open_hal("sim://?seed=1&site_seed=6")
    d = open_hal("sim://?seed=5")
    try:
        assert np.array_equal(a.site.height_m, b.site.height_m)
        assert np.array_equal(a.site.height_m, d.site.height_m)   # default: site seed = seed
        assert not np.array_equal(a.site.height_m, c.site.height_m)
        assert a.seed == 1 and b.seed == 2
    finally:
        for h in (a, b, c, d):
            h.close()


@pytest.mark.parametrize("hours", [0.0, 100.0, 354.4])
def test_sun_start_time_sets_the_sun_at_t0(hours):
    h = open_hal(f"sim://?seed=1&site=flat&sun_start_h={hours}")
    try:
        az, el = sun.sun_vector(0.0, hours * 3600.0, latitude_deg=h.site.params.latitude_deg)
        assert math.isclose(h.sim._in.sun_az_rad, az, abs_tol=1e-12)
        assert math.isclose(h.sim._in.sun_el_rad, el, abs_tol=1e-12)
    finally:
        h.close()


def test_half_a_synodic_month_later_the_sun_is_opposite():
    h0 = open_hal("sim://?seed=1&site=flat")
    h1 = open_hal(f"sim://?seed=1&site=flat&sun_start_h={sun.SYNODIC_MONTH_S / 7200.0}")
    try:
        d = (h1.sim._in.sun_az_rad - h0.sim._in.sun_az_rad) % (2 * math.pi)
        assert math.isclose(d, math.pi, abs_tol=0.02)
    finally:
        h0.close()
        h1.close()


@pytest.mark.parametrize("url, message", [
    ("sim://?sun_start_h=-1", "sun_start_h=-1.0 must be >= 0"),
    ("sim://?sun_start_h=inf", "must be finite"),
    ("sim://?site_seed=x", "site_seed='x' is not an integer"),
    ("sim://?site_seed=-2", "site_seed='-2' must be >= 0"),
])
def test_bad_knob_values_name_the_knob(url, message):
    with pytest.raises(HalUrlError, match=message):
        open_hal(url)
