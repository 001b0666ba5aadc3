"""sim_hw.simulator.Simulator: API, validation, determinism, power and thermal."""
from __future__ import annotations

import math

import numpy as np
import pytest

from sim_hw import sun
from sim_hw.params import RoverParams
from ground.perf_loops import measure_loops, measure_sim_step
from sim_hw.simulator import Simulator
from sim_hw.site import site_from_name


@pytest.fixture(scope="module")
def flat():
    return site_from_name("flat", 0, size_m=60.0)


@pytest.fixture(scope="module")
def mouton():
    return site_from_name("mons-mouton", 0)


def _truth(sim):
    return (sim.truth_x_m, sim.truth_y_m, sim.truth_yaw_rad, sim.t_ms, tuple(sim.enc_count),
            tuple(sim.accel_mg), tuple(sim.gyro_mdps), sim.battery_v, sim.pitch_mdeg)


def _run(site, seed):
    sim = Simulator(site, seed=seed, start_xy_m=(1.0, 2.0), start_yaw_rad=0.3)
    sim.wheel_target_mradps[:] = [1500, 1400, 1500, 1400, 1500, 1400]
    sim.steer_target_mrad[:] = [100, 80, -100, -80]
    for _ in range(5):
        sim.advance(700)
    return sim


def test_same_seed_identical_different_seed_differs(flat):
    a, b, c = _run(flat, 7), _run(flat, 7), _run(flat, 8)
    assert _truth(a) == _truth(b)
    assert a.t_ms == 3500
    # Noise (IMU) differs with the seed; the mechanics do not depend on it.
    assert (tuple(a.accel_mg), tuple(a.gyro_mdps)) != (tuple(c.accel_mg), tuple(c.gyro_mdps))
    assert a.truth_x_m == pytest.approx(c.truth_x_m, abs=1e-9)


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True, None, 2**64])
def test_bad_seed(flat, seed):
    with pytest.raises(ValueError, match="seed"):
        Simulator(flat, seed=seed)


@pytest.mark.parametrize("start", [(100.0, 0.0), (0.0, -29.5), (float("nan"), 0.0)])
def test_bad_start(flat, start):
    with pytest.raises(ValueError, match="start position"):
        Simulator(flat, seed=0, start_xy_m=start)


@pytest.mark.parametrize("dt", [0, -5, 1.5, "10", True])
def test_bad_dt(flat, dt):
    sim = Simulator(flat, seed=0)
    with pytest.raises(ValueError, match="dt_ms"):
        sim.advance(dt)
    assert sim.t_ms == 0


def test_bad_commands(flat):
    sim = Simulator(flat, seed=0)
    with pytest.raises(ValueError, match="wheel index"):
        sim.clear_stall(6)
    with pytest.raises(ValueError, match="refused"):
        sim.ebox_heater_target_dc = 5000
    with pytest.raises(ValueError, match="refused"):
        sim.ebox_heater_target_dc = -10
    with pytest.raises(ValueError, match="reset_odometry"):
        sim.reset_odometry(float("inf"), 0.0, 0.0)


def test_views_alias_the_c_struct(flat):
    sim = Simulator(flat, seed=0)
    sim.wheel_target_mradps[3] = 1234
    sim.steer_target_mrad[1] = -55
    assert sim._sim.inp.wheel_target_mradps[3] == 1234
    assert sim._sim.inp.steer_target_mrad[1] == -55
    assert sim.wheel_target_mradps.dtype == np.int32 and sim.steer_target_mrad.dtype == np.int16
    assert sim.slip.dtype == np.float64 and sim.embedded.dtype == np.uint8
    assert sim.params.counts_per_wheel_rev == 9600


def test_reset_odometry(flat):
    sim = Simulator(flat, seed=0)
    sim.wheel_target_mradps[:] = 1000
    sim.advance(2000)
    sim.reset_odometry(5.0, -2.0, math.pi / 2)
    assert (sim.odom_x_um, sim.odom_y_um, sim.odom_yaw_urad) == (5_000_000, -2_000_000, 1_570_796)
    sim.advance(1000)
    assert sim.odom_y_um > -2_000_000 + 50_000  # moving along +y now


def test_battery_energy_falls_faster_when_driving(flat):
    idle, moving = Simulator(flat, seed=0), Simulator(flat, seed=0)
    moving.wheel_target_mradps[:] = 2000
    idle.advance(20000)
    moving.advance(20000)
    assert idle.energy_used_j == pytest.approx(15.0 * 20.0, rel=0.02)  # avionics only
    assert moving.energy_used_j > idle.energy_used_j + 20.0
    assert moving.soc_pct < idle.soc_pct < 90.0
    assert moving.battery_a > idle.battery_a > 0.0
    assert moving.battery_v < idle.battery_v < 8 * 4.18


def test_solar_power_follows_panel_facing(mouton):
    t0_az, t0_el = sun.sun_vector(0.0, latitude_deg=mouton.params.latitude_deg)
    p = RoverParams()
    facing, away = [], []
    # Panel faces the rover's rear: yaw = sun_az + pi points it at the sun.
    for yaw, out in ((t0_az + math.pi, facing), (t0_az, away)):
        sim = Simulator(mouton, seed=0, start_yaw_rad=yaw)
        sim.advance(100)
        assert sim.sunlit
        out.append(sim.solar_w)
    expect = sun.solar_power_w(p.panel_area_m2, p.panel_efficiency, t0_az, 90.0,
                               t0_az, t0_el, True)
    assert facing[0] == pytest.approx(expect, rel=1e-3)
    assert facing[0] > 80.0
    assert away[0] == 0.0


def test_psr_is_cold_and_dark(mouton):
    psr = Simulator(mouton, seed=0, start_xy_m=mouton.params.psr_center_xy_m)
    lit = Simulator(mouton, seed=0)
    for sim in (psr, lit):
        sim.advance(600_000)
    assert psr.env_temp_k < 35.0 and not psr.sunlit and psr.solar_w == 0.0
    assert lit.env_temp_k > 200.0
    assert psr.ebox_temp_c < lit.ebox_temp_c - 2.0
    assert psr.ebox_temp_c < 20.0


def test_ebox_heater_warms_the_box(mouton):
    cold = Simulator(mouton, seed=0, start_xy_m=mouton.params.psr_center_xy_m)
    heated = Simulator(mouton, seed=0, start_xy_m=mouton.params.psr_center_xy_m)
    heated.ebox_heater_target_dc = 250
    assert heated.ebox_heater_target_dc == 250
    cold.advance(300_000)
    heated.advance(300_000)
    assert heated.ebox_heater_duty > 0.5
    assert heated.ebox_heater_fault == 0
    assert heated.ebox_temp_c > cold.ebox_temp_c + 1.0
    assert heated.energy_used_j > cold.energy_used_j + 0.5 * 20.0 * 300
    heated.reset_ebox_heater()
    assert heated.ebox_heater_target_dc == 0
    heated.advance(1000)
    assert heated.ebox_heater_duty == 0.0


def test_perf_functions_report_rates():
    loops = measure_loops(sim_seconds=0.2)
    assert set(loops) >= {"c_steps_per_s", "py_steps_per_s", "speedup"}
    assert loops["speedup"] > 10.0
    step = measure_sim_step(sim_seconds=5.0)
    assert step["realtime_factor"] > 0.0 and step["sim_s"] == 5.0
    with pytest.raises(ValueError, match="sim_seconds"):
        measure_sim_step(sim_seconds=0)
