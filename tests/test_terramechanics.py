"""Terramechanics: integrated shear, dig-in, load transfer, belly contact, soil patches."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sim_hw.params import RoverParams
from sim_hw.simulator import Simulator, fill_params, native
from sim_hw.site import site_from_name
from sim_hw.soil import make_soil_maps
from sim_hw.traction import drive, measure_slip, wong_slip


def uniform(**kw):
    return dataclasses.replace(RoverParams(), soil_var_frac=0.0, **kw)


def _soil():
    ffi, lib = native()
    p = fill_params(ffi, RoverParams())
    lib.terra_derive(ffi.addressof(p, "soil"))
    return ffi, lib, p


@given(st.floats(0.0, 60.0))
@settings(max_examples=60, deadline=None)
def test_integrated_shear_table_matches_wongs_form(x):
    ffi, lib = native()
    tab = ffi.new("struct terra_tab *")
    lib.terra_tab_init(tab)
    want = 1.0 + math.expm1(-x) / x if x > 0 else 0.0
    assert lib.terra_g(tab, x) == pytest.approx(want, abs=2e-4)


def test_integrated_shear_is_below_the_rear_shear():
    """Integrating over the patch (j from 0 at the front to s l at the rear)
    always gives less thrust than taking the rear shear for the whole patch."""
    for x in (0.1, 0.5, 1.0, 3.0, 10.0):
        assert 1.0 - (1.0 - math.exp(-x)) / x < 1.0 - math.exp(-x)


def test_dig_in_grows_with_slip_holds_at_rest_and_relaxes_driving_on():
    ffi, lib, p = _soil()
    c = ffi.new("struct wheel_contact *")
    lib.terra_init(c)
    load, b, r = 10.8, 0.08, 0.1
    lib.terra_set_load(c, ffi.addressof(p, "soil"), load, b, r, 1.0, 1.0, 0.0, 0.0, 0.01)
    z_static, rc_static = c.sink_m, c.rc_n
    for _ in range(200):     # 2 s spinning in place at 0.2 m/s
        lib.terra_set_load(c, ffi.addressof(p, "soil"), load, b, r, 1.0, 1.0, 0.2, 0.0, 0.01)
    dug = c.dig_m
    assert dug == pytest.approx(p.soil.dig_gain * 0.2 * 2.0, rel=0.05)
    assert c.sink_m == pytest.approx(z_static + dug, rel=1e-9)
    assert c.rc_n > rc_static * 2       # deeper rut: more compaction resistance
    for _ in range(100):     # standing still: the hole stays
        lib.terra_set_load(c, ffi.addressof(p, "soil"), load, b, r, 1.0, 1.0, 0.0, 0.0, 0.01)
    assert c.dig_m == pytest.approx(dug)
    for _ in range(300):     # rolling on without slip over fresh ground
        lib.terra_set_load(c, ffi.addressof(p, "soil"), load, b, r, 1.0, 1.0, 0.2, 0.2, 0.01)
    assert c.dig_m < 0.01 * dug
    for _ in range(10000):   # spinning for long: buried to the hub, no further
        lib.terra_set_load(c, ffi.addressof(p, "soil"), load, b, r, 1.0, 1.0, 0.2, 0.0, 0.01)
    assert c.sink_m == pytest.approx(r)


def test_steady_slip_follows_wongs_closed_form_on_gentle_slopes():
    for slope in (0.0, 5.0):
        assert measure_slip(slope)["slip"] == pytest.approx(wong_slip(slope), abs=0.03)


def test_slope_loads_shift_downhill_and_sum_to_the_weight():
    site = site_from_name("test-slope", 0, size_m=60.0, slope_deg=12.0)
    sim = Simulator(site, seed=1, start_xy_m=(-10.0, 0.0), params=uniform())
    sim.advance(3000)         # parked, nose uphill (no drive command: wheels held at 0)
    p = sim.params
    w = p.mass_kg * p.g_mps2 * math.cos(math.radians(12.0))
    assert sim.load_n.sum() == pytest.approx(w, rel=1e-6)
    front, rear = sim.load_n[0] + sim.load_n[1], sim.load_n[4] + sim.load_n[5]
    # moment balance: sum N x = -h m g sin(theta)
    moment = float(np.dot(sim.load_n, p.wheel_x_m))
    assert moment == pytest.approx(-p.cg_height_m * p.mass_kg * p.g_mps2
                                   * math.sin(math.radians(12.0)), rel=0.02)
    assert rear > front * 1.3


def _ridge_site(height_m):
    """A fine flat site with a 16 cm wide ridge across x = 0.175 m, between the
    front and middle axles of a rover parked at the origin."""
    flat = site_from_name("flat", 0, size_m=12.0, cell_m=0.04)
    h = np.array(flat.height_m)
    xs = flat.origin_xy_m[0] + flat.cell_m * np.arange(h.shape[1])
    h[:, np.abs(xs - 0.175) < 0.08] = height_m
    return dataclasses.replace(flat, height_m=np.ascontiguousarray(h, dtype=np.float32))


def test_belly_contact_on_a_ridge_carries_load_and_stops_the_rover():
    moved = {}
    for height in (0.0, 0.1, 0.3):
        sim = Simulator(_ridge_site(height), seed=1, start_xy_m=(0.0, 0.0), params=uniform())
        sim.advance(200)
        belly = sim.belly_load_n
        drive(sim, 5000, 1000)
        moved[height] = sim.truth_x_m
        if height == 0.3:
            # 0.3 m under a 0.15 m clearance: the belly takes the whole weight
            assert belly == pytest.approx(sim.params.mass_kg * sim.params.g_mps2, rel=0.01)
        else:
            assert belly == 0.0
    assert moved[0.0] > 0.3 and moved[0.1] > 0.3
    assert moved[0.3] < 0.02                   # high-centred: wheels unloaded, belly drags


def test_soil_patches_are_seeded_bounded_and_correlated():
    ext = (-50.0, 50.0, -50.0, 50.0)
    a = make_soil_maps(3, ext, 0.3, 10.0)
    b = make_soil_maps(3, ext, 0.3, 10.0)
    c = make_soil_maps(4, ext, 0.3, 10.0)
    assert np.array_equal(a.sink, b.sink) and np.array_equal(a.shear, b.shear)
    assert not np.array_equal(a.sink, c.sink)
    for f in (a.sink, a.shear):
        assert f.min() >= 0.7 - 1e-6 and f.max() <= 1.3 + 1e-6
        assert 0.1 < float(f.std()) < 0.16           # 2 sigma = 30 %
        # neighbouring cells (2.5 m apart) are strongly correlated, far ones are not
        near = np.corrcoef(f[:, :-1].ravel(), f[:, 1:].ravel())[0, 1]
        far = np.corrcoef(f[:, :-12].ravel(), f[:, 12:].ravel())[0, 1]
        assert near > 0.7 and abs(far) < 0.4
    flat = make_soil_maps(3, ext, 0.0, 10.0)
    assert np.all(flat.sink == 1.0) and np.all(flat.shear == 1.0)


def test_soil_patches_change_slip_from_place_to_place():
    site = site_from_name("flat", 0, size_m=200.0)
    slips = []
    for y in (-60.0, -20.0, 20.0, 60.0):
        sim = Simulator(site, seed=5, start_xy_m=(-80.0, y))
        drive(sim, 6000, 2000)
        slips.append(float(sim.slip.mean()))
    assert max(slips) - min(slips) > 0.02


@pytest.mark.parametrize("field, value, pattern", [
    ("soil_kphi_n_m3", -1.0, "soil_kphi_n_m3 must be > 0"),
    ("soil_kc_n_m2", -5.0, "soil_kc_n_m2 must be >= 0"),
    ("soil_phi_deg", 90.0, r"soil_phi_deg must be in \[0, 90\)"),
    ("soil_c_pa", -1.0, "soil_c_pa must be >= 0"),
    ("soil_k_m", 0.0, "soil_k_m must be > 0"),
    ("soil_n", 2.5, r"soil_n must be in \(0, 2\]"),
    ("soil_var_frac", 1.2, r"soil_var_frac must be in \[0, 0.9\]"),
])
def test_bad_soil_parameters_are_refused_by_name(field, value, pattern):
    with pytest.raises(ValueError, match=pattern):
        dataclasses.replace(RoverParams(), **{field: value}).validate()
