"""HAL selection by URL, actuator ownership, refused commands, and the cycle."""
import pytest
from hypothesis import given, settings, strategies as st

from hal import HalUrlError, DeviceBusyError, open_hal
from hal.errors import CommandRangeError, HalError
from hal.registry import known_schemes, parse_hal_url, resolve_hal_url


@pytest.fixture(scope="module")
def hal():
    h = open_hal("sim://?seed=4&site=flat")
    yield h
    h.close()


def test_default_url_is_the_simulator(monkeypatch):
    monkeypatch.delenv("ROVER_HAL", raising=False)
    h = open_hal()
    assert h.url == "sim://?seed=1" and h.truth() is not None
    h.close()


def test_one_default_rule(monkeypatch):
    """Explicit URL, then $ROVER_HAL, then sim://?seed=SEED; empty is an error."""
    monkeypatch.delenv("ROVER_HAL", raising=False)
    assert resolve_hal_url(None) == "sim://?seed=1"
    assert resolve_hal_url(None, seed=7) == "sim://?seed=7"
    assert resolve_hal_url("bench://b.toml", seed=7) == "bench://b.toml"
    monkeypatch.setenv("ROVER_HAL", "sim://?seed=9&site=flat")
    assert resolve_hal_url(None, seed=7) == "sim://?seed=9&site=flat"
    assert resolve_hal_url("sim://?seed=2") == "sim://?seed=2"
    with pytest.raises(HalUrlError, match=r"--hal is empty"):
        resolve_hal_url("  ", source="--hal")
    monkeypatch.setenv("ROVER_HAL", "")
    with pytest.raises(HalUrlError, match=r"\$ROVER_HAL is empty"):
        resolve_hal_url(None)


def test_env_var_picks_the_backend(monkeypatch):
    monkeypatch.setenv("ROVER_HAL", "nope://x")
    with pytest.raises(HalUrlError, match="unknown HAL scheme 'nope'"):
        open_hal()


@pytest.mark.parametrize("url, message", [
    ("gopher://host", "unknown HAL scheme 'gopher'.*known schemes: .*sim://"),
    ("no-scheme-here", "has no scheme"),
    ("", "HAL URL is empty"),
    ("sim://?seed=abc", "seed='abc' is not an integer"),
    ("sim://?seed=-3", "seed='-3' must be >= 0"),
    ("sim://?site=atlantis", "unknown site 'atlantis'; known sites: mons-mouton"),
    ("sim://?site=", "site is empty"),
    ("sim://?sede=1", "unknown parameter\\(s\\) sede"),
    ("sim://?seed=1&seed=2", "given 2 times"),
    ("sim://?x=9999", "outside site"),
    ("sim://?x=nan", "must be finite"),
    ("sim://somehost", "takes no host or path"),
    ("sim://?soil_phi_deg=90", r"soil_phi_deg=90 out of physical range \[0, 90\)"),
    ("sim://?soil_kphi_n_m3=-5", r"soil_kphi_n_m3=-5 out of physical range \(0, 1e\+09\]"),
    ("sim://?soil_c_pa=abc", "soil_c_pa='abc' is not a number"),
    ("sim://?mass_kg=0", r"mass_kg=0 out of physical range"),
    ("sim://?crater_dd_fresh=1.5", r"crater_dd_fresh=1.5 out of physical range \(0, 1\]"),
    ("sim://?rock_cfa=-1", r"rock_cfa=-1 out of physical range"),
])
def test_bad_urls_name_the_problem(url, message):
    with pytest.raises(HalUrlError, match=message):
        open_hal(url)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=40))
def test_url_parser_never_crashes_and_never_falls_back(text):
    try:
        scheme, _, _ = parse_hal_url(text)
    except HalUrlError:
        return
    if scheme not in known_schemes():
        with pytest.raises(HalUrlError):
            open_hal(text)


def test_actuators_have_one_owner(hal):
    hal.claim("steer.fl", "nav")
    assert hal.claim("steer.fl", "nav") is hal.device("steer.fl")    # idempotent
    with pytest.raises(DeviceBusyError, match="'steer.fl' is already claimed by 'nav'.*'payload'"):
        hal.claim("steer.fl", "payload")
    hal.release("steer.fl", "nav")
    hal.claim("steer.fl", "payload")
    hal.release("steer.fl", "payload")
    with pytest.raises(HalError, match="sensor"):
        hal.claim("imu", "x")
    with pytest.raises(HalError, match="no device 'wheel.zz'"):
        hal.device("wheel.zz")


def test_out_of_range_commands_are_refused_not_clamped(hal):
    w = hal.wheels[0]
    limit = hal.geometry.max_wheel_mradps
    with pytest.raises(CommandRangeError, match="wheel.fl: speed"):
        w.set_speed_mradps(limit + 1)
    s = hal.steering[0]
    with pytest.raises(CommandRangeError, match="steer.fl: angle"):
        s.set_angle_mrad(s.max_angle_mrad + 1)
    h = hal.heaters["ebox"]
    with pytest.raises(CommandRangeError, match="heater.ebox: target 500"):
        h.set_target_c(500)
    with pytest.raises(CommandRangeError):
        h.set_target_c(-1)
    hal.write()
    hal.advance(100)
    assert list(hal.sim.effort_cmd) == [0] * 6                # nothing moved


def test_cycle_moves_the_clock_and_the_plant(hal):
    t0 = hal.clock.now_ms()
    for w in hal.wheels:
        w.set_speed_mradps(1000)
    for _ in range(20):
        hal.write()             # every cycle: the board's drive deadline is 300 ms
        hal.advance(100)
        hal.read()
    assert hal.clock.now_ms() == t0 + 2000
    assert all(800 < w.speed_mradps < 1200 for w in hal.wheels)
    assert hal.truth()["distance_m"] > 0.1
    with pytest.raises(ValueError, match="positive int"):
        hal.advance(0)
    hal.safe()
    for _ in range(10):
        hal.advance(100)
        hal.read()
    assert all(abs(w.speed_mradps) < 100 for w in hal.wheels)


def test_group_readings_are_the_devices_readings(hal):
    """wheel_stall_flags() and steering_angles_mrad() (one call each, the
    latch's tuples) say what the devices say, one by one, as Hal's default
    does; here with a locked wheel that stalls and the corners turned."""
    from hal.base import Hal
    hal.faults.lock_wheel("ml")
    for w in hal.wheels:
        w.set_speed_mradps(1500)
    for i, s in enumerate(hal.steering):
        s.set_angle_mrad(200 if i % 2 else -200)
    seen_stall = False
    for _ in range(40):
        hal.write()
        hal.advance(100)
        hal.read()
        flags, angles = hal.wheel_stall_flags(), hal.steering_angles_mrad()
        assert flags == tuple(w.stalled for w in hal.wheels) == Hal.wheel_stall_flags(hal)
        assert angles == tuple(s.angle_mrad for s in hal.steering) == Hal.steering_angles_mrad(hal)
        assert isinstance(flags, tuple) and isinstance(angles, tuple)
        seen_stall = seen_stall or any(flags)
    assert seen_stall and flags[2] and not flags[0]
    assert angles[0] < -100 and angles[1] > 100


def test_same_seed_same_run_different_seed_different_noise():
    def run(seed):
        h = open_hal(f"sim://?seed={seed}&site=flat")
        for w in h.wheels:
            w.set_speed_mradps(500)
        for _ in range(10):
            h.write()
            h.advance(100)
        h.read()
        return (h.imu.accel_mg, h.imu.gyro_mdps, h.odometer.pose, h.truth()["x_m"])
    assert run(7) == run(7)
    assert run(7) != run(8)
