"""The firmware's gains, geometry and limits are generated from sim_hw/params.py
(csrc/generated/board_config.h), never typed in by hand."""
import dataclasses
import math
import subprocess

from sim_hw import board_config_c
from sim_hw.params import PayloadParams, RoverParams


def test_committed_board_config_is_current():
    assert board_config_c.HEADER.read_text() == board_config_c.render(), (
        "csrc/generated/board_config.h is stale; regenerate with "
        "python -m sim_hw.board_config_c -o csrc/generated/board_config.h")


def test_values_follow_the_parameters():
    r = dataclasses.replace(RoverParams(), wheel_kp_q8=1000, gear_ratio=100.0,
                            wheel_y_m=(0.3, -0.3, 0.3, -0.3, 0.3, -0.3))
    v = board_config_c.values(r, dataclasses.replace(PayloadParams(), heater_max_temp_dc=9000))
    assert ".kp_q8 = 1000," in v["BOARD_WHEEL_CFG"]
    assert v["BOARD_COUNTS_PER_WHEEL_REV"] == "6400"
    assert v["BOARD_MRAD_PER_COUNT_Q16"] == f"{math.floor(2 * math.pi * 1000 / 6400 * 65536 + 0.5)}L"
    assert v["BOARD_WHEEL_Y_MM"] == "{ 300, -300, 300, -300, 300, -300 }"
    assert ".max_temp_dc = 9000," in v["BOARD_PAY_HEATER_CFG"]


def test_header_compiles_into_the_core_structs(tmp_path):
    src = tmp_path / "t.c"
    src.write_text('#include "core/wheel_loop.h"\n#include "core/heater.h"\n'
                   '#include "core/odometry.h"\n#include "board_config.h"\n'
                   "static const struct wheel_loop_cfg w = BOARD_WHEEL_CFG;\n"
                   "static const struct heater_cfg h = BOARD_PAY_HEATER_CFG;\n"
                   "static const struct odom_geom g = { BOARD_WHEEL_X_MM, BOARD_WHEEL_Y_MM };\n"
                   "int main(void){return w.kp_q8 > 0 && h.tick_ms > 0 && g.wheel_x_mm[0] ? 0 : 1;}\n")
    csrc = board_config_c.HEADER.parent.parent
    r = subprocess.run(["gcc", "-std=c99", "-fsyntax-only", "-Wall", "-Wextra", "-pedantic",
                        f"-I{csrc}", f"-I{csrc / 'generated'}", str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
