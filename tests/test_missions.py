"""Mission-level tests written against the HIL bench API (the `rover`
fixture), so the same tests run on sim:// and, with --hal, on boards.
Tests that inject faults need the simulator and skip elsewhere."""
from pathlib import Path

import pytest

from ground.testing import BenchTimeout

MISSIONS = Path(__file__).resolve().parent.parent / "missions"


def needs_sim(rover):
    from hal.errors import HalError
    try:
        rover.faults
    except HalError:
        pytest.skip("fault injection needs the simulator")


def test_boot_leaves_rover_idle(rover):
    assert rover.value("mode") == "IDLE"
    rover.assert_event("SEQ_COMPLETED", slot="boot")
    assert rover.t_s >= 30.0      # the gyro-bias standstill happened on simulated time


def test_drive_command_completes_when_goal_reached_not_when_accepted(rover):
    rover.send_and_await_completion("SET_MODE", mode="DRIVE")
    t0 = rover.t_s
    h = rover.send("DRIVE_ARC", distance="3 m", radius=0, speed="10 cm/s")
    assert not h.done                       # accepted, still driving
    rover.await_telemetry(lambda v: h.done, timeout_s=120, what="DRIVE_ARC completion")
    assert h.succeeded, h.reason
    assert rover.t_s - t0 >= 3 / 0.1 * 0.9  # took about distance / speed
    assert rover.value("rover.distance_m") == pytest.approx(3.0, abs=0.3)
    rover.assert_event("CMD_COMPLETED", command="DRIVE_ARC")


def test_command_refused_in_wrong_mode_with_reason(rover):
    h = rover.send("DRIVE_ARC", distance="1 m", radius=0, speed="5 cm/s")
    assert h.done and not h.succeeded
    assert "not allowed in IDLE" in h.reason
    e = rover.assert_event("CMD_REFUSED", command="DRIVE_ARC")
    assert "IDLE" in e.message


def test_out_of_range_argument_rejected_before_dispatch(rover):
    with pytest.raises(ValueError, match="speed"):
        rover.send("DRIVE_TO", x="1 m", y="1 m", speed="5 m/s")


def test_await_telemetry_timeout_names_condition_and_last_value(rover):
    with pytest.raises(BenchTimeout) as exc:
        rover.await_telemetry("rover.speed_mps > 1 m/s", timeout_s=2)
    msg = str(exc.value)
    assert "rover.speed_mps > 1 m/s" in msg and "rover.speed_mps=" in msg


def test_demo_mission_passes(rover):
    slot = rover.run_sequence(MISSIONS / "demo.seq", timeout_s=4 * 3600)
    assert slot.state.value == "COMPLETED", slot.reason
    assert rover.value("mode") == "IDLE"
    x, y = rover.value("rover.x_m"), rover.value("rover.y_m")
    assert (x - 90) ** 2 + (y - 20) ** 2 < 1.5 ** 2
    rover.assert_event("SEQ_COMPLETED", slot="payload")
    assert not rover.events("FP_RESPONSE_FIRED")
    # it ends by printing one brick at the work site, every layer once and in order
    assert rover.value("printer.state") == "DONE"
    layers = [int(e.args["layer"]) for e in rover.events("PRINT_LAYER_DONE")]
    assert layers == list(range(25))


def test_wheel_stall_stops_drive_and_goes_safe(rover):
    needs_sim(rover)
    rover.send_and_await_completion("SET_MODE", mode="DRIVE")
    h = rover.send("DRIVE_ARC", distance="10 m", radius=0, speed="10 cm/s")
    rover.run_for(5)
    rover.faults.lock_wheel("ml")
    rover.await_telemetry("mode == SAFE", timeout_s=30)
    assert h.done and not h.succeeded
    rover.assert_event("FP_RESPONSE_FIRED")
    rover.await_telemetry("rover.speed_mps < 1 cm/s and rover.speed_mps > -1 cm/s", timeout_s=10)


def test_battery_low_goes_to_survival(rover):
    needs_sim(rover)
    rover.faults.set_battery_soc(12.0)
    rover.await_telemetry("mode == SURVIVAL", timeout_s=30)
    e = rover.assert_event("FP_RESPONSE_FIRED")
    assert "battery" in e.message


def test_cold_electronics_turn_heater_on(rover):
    needs_sim(rover)
    rover.faults.set_ebox_temp_c(-15.0)
    rover.await_telemetry("heater.ebox_duty > 0.1", timeout_s=60)


def test_tilt_hazard_stops_and_safes(rover_hal_url, tmp_path):
    """Driving straight at the crater wall: the navigator or fault protection
    must stop before the tilt exceeds the no-go limit."""
    from ground.runner import run_mission
    if not rover_hal_url.startswith("sim://"):
        pytest.skip("needs the generated site")
    seq = tmp_path / "into_wall.seq"
    seq.write_text("SET_MODE mode=DRIVE\nDRIVE_ARC distance=50 m, radius=0, speed=0.15 m/s\n")
    res = run_mission(seq, hal_url="sim://?seed=1&yaw=10", out_dir=None)
    assert res.status in ("failed", "aborted")
    names = [e.name for e in res.system.bus.events]
    assert "CMD_FAILED" in names or "FP_RESPONSE_FIRED" in names
    truth = res.system.hal.truth()
    assert abs(truth["pitch_rad"]) * 57.3 < 25 and abs(truth["roll_rad"]) * 57.3 < 25


# The bench-API tests that the board modules (tests/test_missions_boards.py,
# tests/test_missions_simavr.py) run again on emulated boards: each takes
# them into its namespace with bench_api_tests().  The stall test skips there
# (fault injection needs the simulator).
BENCH_API_TESTS = (
    test_boot_leaves_rover_idle,
    test_drive_command_completes_when_goal_reached_not_when_accepted,
    test_command_refused_in_wrong_mode_with_reason,
    test_out_of_range_argument_rejected_before_dispatch,
    test_await_telemetry_timeout_names_condition_and_last_value,
    test_wheel_stall_stops_drive_and_goes_safe,
)


def bench_api_tests() -> dict:
    """{name: test} of BENCH_API_TESTS, for a module's globals()."""
    return {t.__name__: t for t in BENCH_API_TESTS}
