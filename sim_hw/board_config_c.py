"""The board firmware's configuration, generated from sim_hw/params.py.

Loop gains, geometry and limits of the mobility and payload boards live in
``RoverParams`` / ``PayloadParams`` (tuned on the simulated plant,
docs/plant.md).  The firmware (csrc/firmware) is compiled for the simulator,
the host, AVR and ARM from the same header, so nobody copies a gain by hand:

    python -m sim_hw.board_config_c -o csrc/generated/board_config.h

The header holds macros only (initialisers and integer constants, no
storage), so every port can include it.  tests/test_board_config.py fails
when the committed header is stale.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

HEADER = Path(__file__).resolve().parent.parent / "csrc" / "generated" / "board_config.h"

WHEEL_FIELDS = ("kp_q8", "ki_q8", "kd_q8", "effort_max", "slew_q8", "stall_effort",
                "stall_speed_mradps", "stall_ms")
HEATER_FIELDS = ("kp_q8", "ki_q8", "kd_q8", "duty_max", "min_temp_dc", "max_temp_dc",
                 "hysteresis_dc", "max_error_dcs", "gain_dc", "gain_period_ms", "tick_ms")


def _init(fields: dict) -> str:
    return "{ " + ", ".join(f".{k} = {int(v)}" for k, v in fields.items()) + " }"


def _ints(values) -> str:
    return "{ " + ", ".join(str(int(v)) for v in values) + " }"


def _q16(x: float) -> int:
    return int(math.floor(x * 65536.0 + 0.5))


def values(rover=None, payload=None) -> dict[str, str]:
    """Macro name -> C text, in header order."""
    from sim_hw.params import PayloadParams, RoverParams

    r = rover or RoverParams()
    pl = payload or PayloadParams()
    r.validate()
    counts_per_wheel = r.counts_per_motor_rev * r.gear_ratio
    wheel = dict(kp_q8=r.wheel_kp_q8, ki_q8=r.wheel_ki_q8, kd_q8=r.wheel_kd_q8,
                 effort_max=r.wheel_effort_max, slew_q8=r.wheel_slew_q8,
                 stall_effort=r.stall_effort, stall_speed_mradps=r.stall_speed_mradps,
                 stall_ms=r.stall_ms)
    mob_heater = dict(kp_q8=r.heater_kp_q8, ki_q8=r.heater_ki_q8, kd_q8=r.heater_kd_q8,
                      duty_max=32767, min_temp_dc=r.heater_min_temp_dc,
                      max_temp_dc=r.heater_max_temp_dc, hysteresis_dc=r.heater_hysteresis_dc,
                      max_error_dcs=r.heater_max_error_dcs, gain_dc=r.heater_gain_dc,
                      gain_period_ms=r.heater_gain_period_ms, tick_ms=r.heater_tick_ms)
    pay_heater = dict(kp_q8=pl.heater_kp_q8, ki_q8=pl.heater_ki_q8, kd_q8=pl.heater_kd_q8,
                      duty_max=32767, min_temp_dc=pl.heater_min_temp_dc,
                      max_temp_dc=pl.heater_max_temp_dc, hysteresis_dc=pl.heater_hysteresis_dc,
                      max_error_dcs=pl.heater_max_error_dcs, gain_dc=pl.heater_gain_dc,
                      gain_period_ms=pl.heater_gain_period_ms, tick_ms=pl.heater_tick_ms)
    assert tuple(wheel) == WHEEL_FIELDS and tuple(mob_heater) == HEATER_FIELDS
    return {
        "BOARD_WHEEL_CFG": _init(wheel),
        "BOARD_MOB_HEATER_CFG": _init(mob_heater),
        "BOARD_PAY_HEATER_CFG": _init(pay_heater),
        "BOARD_TILT_ALPHA_Q15": str(int(r.tilt_alpha_q15)),
        "BOARD_WHEEL_X_MM": _ints(round(x * 1000) for x in r.wheel_x_m),
        "BOARD_WHEEL_Y_MM": _ints(round(y * 1000) for y in r.wheel_y_m),
        "BOARD_MOB_PERIOD_MS": str(int(r.board_period_ms)),
        "BOARD_ODOM_PERIOD_MS": str(int(r.odometry_period_ms)),
        "BOARD_SPEED_WINDOW_MS": str(int(r.speed_window_ms)),
        "BOARD_COUNTS_PER_WHEEL_REV": str(int(round(counts_per_wheel))),
        "BOARD_MRAD_PER_COUNT_Q16": f"{_q16(2 * math.pi * 1000.0 / counts_per_wheel)}L",
        "BOARD_UM_PER_COUNT_Q16": f"{_q16(2 * math.pi * r.wheel_radius_m * 1e6 / counts_per_wheel)}L",
        "BOARD_MAX_WHEEL_MRADPS": str(int(r.max_wheel_mradps)),
        "BOARD_STEER_MIN_MRAD": str(int(r.steer_min_mrad)),
        "BOARD_STEER_MAX_MRAD": str(int(r.steer_max_mrad)),
    }


COMMENTS = {
    "BOARD_WHEEL_CFG": "struct wheel_loop_cfg, all six wheels",
    "BOARD_MOB_HEATER_CFG": "struct heater_cfg, mobility e-box heater",
    "BOARD_PAY_HEATER_CFG": "struct heater_cfg, payload sintering head",
    "BOARD_TILT_ALPHA_Q15": "tilt complementary filter gyro weight per update",
    "BOARD_WHEEL_X_MM": "wheel contact x, body frame, FL FR ML MR RL RR",
    "BOARD_WHEEL_Y_MM": "wheel contact y, body frame",
    "BOARD_MOB_PERIOD_MS": "IMU, steering feedback and tilt period",
    "BOARD_ODOM_PERIOD_MS": "odometry integration period",
    "BOARD_SPEED_WINDOW_MS": "speed estimator window",
    "BOARD_COUNTS_PER_WHEEL_REV": "encoder counts per wheel turn (x4 decoding)",
    "BOARD_MRAD_PER_COUNT_Q16": "wheel angle per count, Q16",
    "BOARD_UM_PER_COUNT_Q16": "rim travel per count, Q16",
    "BOARD_MAX_WHEEL_MRADPS": "wheel speed limit",
    "BOARD_STEER_MIN_MRAD": "steering range",
    "BOARD_STEER_MAX_MRAD": "steering range",
}


def render(rover=None, payload=None) -> str:
    lines = []
    for name, text in values(rover, payload).items():
        lines.append(f"/* {COMMENTS[name]} */")
        lines.append(f"#define {name} {text}")
    body = "\n".join(lines)
    return f"""/*
 * GENERATED from sim_hw/params.py (RoverParams, PayloadParams) - do not edit.
 * Regenerate with: python -m sim_hw.board_config_c -o csrc/generated/board_config.h
 *
 * The board firmware's loop gains, geometry and limits (docs/firmware.md
 * section 2.1).  Macros only: no storage, every port can include it.
 */
#ifndef ROVER_BOARD_CONFIG_H
#define ROVER_BOARD_CONFIG_H

{body}

#endif
"""


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(HEADER))
    a = ap.parse_args(argv)
    Path(a.output).write_text(render())
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
