"""Heater safety on the payload board's own firmware (in the simulator):
the thermocouple detached mid-heat switches the heat source off within one
guard period, and the board latches its heater fault bit."""
from ground.print.safety import measure_tc_detach


def test_thermocouple_detached_mid_heat_turns_the_head_off_within_the_guard_period():
    r = measure_tc_detach(seed=3, target_c=1100.0, hold_s=5.0)
    assert r["temp_at_detach_c"] > 1090.0 and r["power_at_detach_w"] > 10.0   # it was really heating
    assert r["heat_off_after_ms"] is not None
    assert 1 <= r["heat_off_after_ms"] <= r["guard_period_ms"]
    assert r["heater_fault_bit"]
