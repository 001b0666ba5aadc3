"""Rover plant physics through the C simulator (csrc/plant + csrc/sim), driven
by the mobility board's own firmware as the flight software drives it."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim_hw.params import RoverParams
from sim_hw.pyref.loops import QuadDec, quad_update
from sim_hw.pyref.plant import PlantRef, gray_ab
from sim_hw.simulator import Simulator, new_sim
from sim_hw.site import site_from_name
from sim_hw.traction import wong_slip
from simboards import Driver, cmd, drive_args

SMALL_M = 60.0  # small sites keep set-up fast


def flat():
    return site_from_name("flat", 0, size_m=SMALL_M)


def slope(deg):
    return site_from_name("test-slope", 0, size_m=SMALL_M, slope_deg=deg)


def uniform(**kw):
    """Nominal soil everywhere (no patches): the physics under test, not the dispersion."""
    return dataclasses.replace(RoverParams(), soil_var_frac=0.0, **kw)


def drive(site, wheel_mradps=2000, ms=8000, mass_kg=40.0, yaw=0.0, start=(-10.0, 0.0), seed=1,
          params=None):
    params = params or uniform(mass_kg=mass_kg)
    sim = Simulator(site, seed=seed, start_xy_m=start, start_yaw_rad=yaw, params=params)
    d = Driver(sim)
    d.wheels = [wheel_mradps] * 6
    d.run(ms)
    sim.driver = d
    return sim


def test_flat_straight_drive_reaches_speed_with_low_slip_and_odometry_matches():
    sim = drive(flat())
    d = sim.driver
    assert np.all(np.abs(d.speed_mradps() - 2000) <= 60)
    # Wong's closed form with the same soil and equal loads gives the steady slip.
    assert np.all(np.abs(sim.slip - wong_slip(0.0)) < 0.02)
    assert sim.truth_speed_mps == pytest.approx(0.2 * (1 - sim.slip[0]), rel=0.01)
    assert abs(sim.truth_y_m) < 1e-6 and abs(sim.truth_yaw_rad) < 1e-6
    travelled = sim.truth_x_m + 10.0
    odom = d.body()["odom_x"]          # the board's odometry starts at 0 at power-up
    assert travelled > 1.0
    # Encoder distance is rim distance: over truth by about the slip.
    assert odom * (1.0 - sim.slip.mean()) == pytest.approx(travelled, rel=0.03)
    assert odom > travelled
    assert sim.distance_m == pytest.approx(travelled, rel=1e-6)
    counts = d.wheels_tlm()["enc_count"]
    rim_m = counts[2] / sim.params.counts_per_wheel_rev * 2 * math.pi * 0.1
    assert rim_m == pytest.approx(odom, rel=0.01)
    # every edge the plant made reached the board's decoder, none illegal
    assert counts == [sim._sim.enc[i].edge_pos for i in range(6)]


def test_uphill_slip_exceeds_flat_and_grows_with_load():
    s_flat = drive(flat()).slip.mean()
    s15 = drive(slope(15.0)).slip.mean()
    s15_heavy = drive(slope(15.0), mass_kg=80.0).slip.mean()
    assert s15 > s_flat + 0.05
    assert s15_heavy > s15 + 0.01
    s_flat_heavy = drive(flat(), mass_kg=80.0).slip.mean()
    assert s_flat_heavy > s_flat


def test_downhill_braking_gives_negative_slip():
    sim = drive(slope(15.0), wheel_mradps=1000, yaw=math.pi)  # facing downhill
    assert np.all(sim.slip < 0.0)
    assert sim.truth_x_m < -10.0


def test_steep_slope_embeds_after_sustained_high_slip():
    site = slope(30.0)
    sim = Simulator(site, seed=1, start_xy_m=(-10.0, 0.0))
    d = Driver(sim)
    d.wheels = [2000] * 6
    d.run(2500)
    assert np.all(sim.slip > 0.6)
    assert not sim.embedded.any()  # high slip not yet sustained for 3 s
    d.run(4000)
    assert sim.embedded.all()
    assert sim.truth_speed_mps < 0.02
    # 10 deg is operable: never embedded, slip near Wong's closed form.
    sim10 = drive(slope(10.0), ms=15000)
    assert not sim10.embedded.any()
    assert sim10.slip.mean() == pytest.approx(wong_slip(10.0), abs=0.06)


def test_locked_wheel_stalls_and_latches_until_cleared():
    sim = Simulator(flat(), seed=3)
    d = Driver(sim)
    sim.wheel_locked[2] = 1
    d.wheels = [1000] * 6
    d.run(800)
    assert not any(d.stalled())
    assert sim.wheel_current_ma[2] == 2500  # driver current limit while pushing
    d.run(1200)
    assert d.stalled() == [0, 0, 1, 0, 0, 0]
    assert d.wheels_tlm()["effort"][2] == 0 and sim.effort_cmd[2] == 0
    assert d.body()["fault_flags"] & 0x10          # board fault bit 4: stall
    sim.wheel_locked[2] = 0
    d.run(1000)
    assert d.stalled()[2] == 1  # latched
    assert cmd(sim, "MOB_CLEAR_STALL", wheel=2).status == 0   # OK
    d.run(2000)
    assert not any(d.stalled())
    assert abs(d.speed_mradps()[2] - 1000) < 60


def test_dead_encoder_freezes_count_and_stalls_that_wheel():
    sim = Simulator(flat(), seed=3)
    d = Driver(sim)
    sim.encoder_dead[1] = 1
    d.wheels = [1000] * 6
    d.run(3000)
    counts = d.wheels_tlm()["enc_count"]
    assert counts[1] == 0
    assert d.stalled() == [0, 1, 0, 0, 0, 0]
    assert counts[0] > 3000


def test_encoder_lines_that_die_and_come_back_count_as_the_reference_decoder():
    """The board's decoders see every A/B level the lines show, ms by ms, as
    their interrupts would: lines stuck while the wheel turns show nothing,
    then jump (the first change after may be illegal or count the wrong way),
    and a wheel spun far past a count per tick shows hundreds of changes in
    one ms.  The board counts what the reference decoder (sim_hw.pyref,
    csrc/core's decoder in Python) counts from the same levels."""
    sim = Simulator(flat(), seed=2)
    enc = sim._sim.enc
    shown = [enc[i].line_pos for i in range(6)]
    ref = [QuadDec(gray_ab(p)) for p in shown]
    wheels = [1500, -1500, 2000, 700, -900, 1200]
    for t in range(3000):
        if t % 100 == 0:
            sim.heartbeat("mobility")
            assert cmd(sim, "MOB_DRIVE", **drive_args(wheels)).status == 0
        # dead spells of odd lengths on every wheel, at different times
        dead = [(t + 97 * i) % 400 < 37 + 13 * i for i in range(6)]
        sim.encoder_dead[:] = dead
        if t == 1500:
            sim._sim.motor[3].w_radps = 400.0     # far past 127 counts in a ms
        sim.advance(1)
        for i in range(6):
            p = enc[i].edge_pos
            while not dead[i] and shown[i] != p:
                shown[i] += 1 if p > shown[i] else -1
                quad_update(ref[i], gray_ab(shown[i]))
            shown[i] = p
    counts = Driver(sim).wheels_tlm()["enc_count"]
    assert counts == [q.count for q in ref]
    assert sum(q.illegal for q in ref) > 0          # the jumps included illegal changes
    assert counts != [enc[i].edge_pos for i in range(6)]   # and lost counts


def test_steering_rate_limit_and_range():
    sim = Simulator(flat(), seed=0)
    d = Driver(sim)
    d.steer = [1000, -1000, 1200, -1200]
    d.run(1000)
    # 0.5 rad/s for 1 s
    assert np.all(np.abs(np.abs(sim.steer_angle_mrad) - 500) <= 1)
    d.run(4000)
    assert sim.steer_angle_mrad.tolist() == [1000, -1000, 1200, -1200]
    assert [round(v * 1000) for v in d.body()["steer"]] == [1000, -1000, 1200, -1200]


def test_turn_radius_follows_corner_steering():
    sim = Simulator(flat(), seed=2, start_xy_m=(0.0, -5.0), params=uniform())
    radius_m, v, r = 2.0, 0.15, 0.1
    w = v / radius_m
    d1, d3, d4 = 0.25, 0.35, 0.27
    inner, outer = math.atan2(d3, radius_m - d1), math.atan2(d3, radius_m + d1)
    drv = Driver(sim)
    drv.steer = [round(inner * 1e3), round(outer * 1e3), round(-inner * 1e3), round(-outer * 1e3)]
    drv.run(3000)
    corner_in, corner_out = math.hypot(radius_m - d1, d3), math.hypot(radius_m + d1, d3)
    speeds = [corner_in, corner_out, radius_m - d4, radius_m + d4, corner_in, corner_out]
    drv.wheels = [round(s * w / r * 1e3) for s in speeds]
    drv.run(10000)
    yaw_rate = sim._sim.body.wz_radps
    assert sim.truth_speed_mps / yaw_rate == pytest.approx(radius_m, rel=0.05)
    body = drv.body()
    assert body["gyro"][2] * 1000 == pytest.approx(math.degrees(yaw_rate) * 1e3, abs=500)
    # Odometry counts rim travel: it over-reads the turn by the slip.
    assert body["odom_yaw"] * (1.0 - sim.slip.mean()) == pytest.approx(sim.truth_yaw_rad, rel=0.05)


@pytest.mark.parametrize("yaw, pitch_sign, roll_sign", [(0.0, 1, 0), (math.pi / 2, 0, -1)])
def test_imu_and_tilt_filter_match_test_slope(yaw, pitch_sign, roll_sign):
    sim = Simulator(slope(15.0), seed=4, start_xy_m=(-10.0, 0.0), start_yaw_rad=yaw)
    sim.advance(2000)
    b = Driver(sim).body()
    assert b["pitch"] * 1000 == pytest.approx(15000 * pitch_sign, abs=500)
    assert b["roll"] * 1000 == pytest.approx(15000 * roll_sign, abs=500)
    assert math.degrees(sim.truth_pitch_rad) == pytest.approx(15.0 * pitch_sign, abs=0.01)
    g_mg = 1.62 / 9.80665 * 1000
    assert b["accel"][2] * 1000 == pytest.approx(g_mg * math.cos(math.radians(15)), abs=10)
    assert b["accel"][0] * 1000 == pytest.approx(pitch_sign * g_mg * math.sin(math.radians(15)), abs=10)


def test_parked_on_slope_holds():
    sim = Simulator(slope(15.0), seed=0, start_xy_m=(-10.0, 0.0))
    sim.advance(10000)
    assert abs(sim.truth_x_m + 10.0) < 0.02
    assert sim.truth_speed_mps < 1e-3


def test_off_map_sets_flag_without_crash():
    site = site_from_name("flat", 0, size_m=6.0)
    sim = Simulator(site, seed=0, start_xy_m=(0.0, 0.0))
    d = Driver(sim)
    d.wheels = [2000] * 6
    d.run(30000)
    assert sim.off_map
    t = sim.t_ms
    sim.advance(1000)  # frozen, still no exception
    assert sim.off_map and sim.t_ms == t
    assert sim.truth_x_m + 0.35 > 2.9  # front wheels reached the edge (map half-size 3 m)


def _c_open_loop(effort, ms, steer_mrad=0):
    ffi, lib, sim = new_sim(RoverParams(), 0)     # the plant alone, efforts open loop
    for i in range(6):
        sim.inp.effort_cmd[i] = effort
    bus_v = sim.batt.v_term
    lib.sim_step(sim, ms)
    return sim, bus_v


@pytest.mark.parametrize("effort", [6000, 16000, -12000])
def test_c_plant_agrees_with_python_reference(effort):
    sim, bus_v = _c_open_loop(effort, 2000)
    ref = PlantRef(RoverParams(), 0.0, bus_v=bus_v)
    edges = [0] * 6

    def count(i, ab):
        edges[i] += 1

    for _ in range(2000):
        ref.step([effort] * 6, count)
    for i in range(6):
        assert sim.motor[i].w_radps == pytest.approx(ref.w_radps[i], rel=0.02)
        assert sim.truth.slip[i] == pytest.approx(ref.slip[i], abs=0.01)
        assert abs(sim.enc[i].edge_pos) == pytest.approx(edges[i], rel=0.02)
    assert sim.body.vx_mps == pytest.approx(ref.vx_mps, rel=0.02)


def test_python_reference_slope_slip_and_errors():
    flat_ref, hill_ref = PlantRef(slope_deg=0.0), PlantRef(slope_deg=15.0)
    for _ in range(3000):
        flat_ref.step([16000] * 6)
        hill_ref.step([16000] * 6)
    assert hill_ref.slip[0] > flat_ref.slip[0] + 0.05
    with pytest.raises(ValueError, match="slope_deg"):
        PlantRef(slope_deg=80.0)
    with pytest.raises(ValueError, match="bus_v"):
        PlantRef(bus_v=0.0)
