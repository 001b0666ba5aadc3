"""The short mission and the bench-API tests on emulated MCUs: both boards
are the real AVR images on rover-simavr (ATmega2560 at 16 MHz of simulated
cycles), free-running on their own clocks (no lockstep: an MCU has its
crystal), reached through the board:// HAL URL, with the bench's emulated
navigation camera (visual odometry from the mobility harness's plant truth,
docs/hil.md section 10) -- what `rover hil up --emulator simavr` then `rover
run missions/short_drive.seq --hal URL` does.  The mission's boards are
flashed through the stk500v2 bootloader with avrdude; the bench-API tests,
imported from tests/test_missions.py as tests/test_missions_boards.py does
for the host-built boards, get fresh boards per test with the image loaded
directly (the flashing path is proven once).  The sequence file is the one
the sim:// tests run.  Two longer runs, with ROVER_LONG_HIL=1: the printer's
handover mission (a three-layer coupon through the payload Mega's STEP/DIR
and limit switch pins, about 20 min) and the whole demo (hours).

Free-running boards follow the wall clock, so on a loaded machine the host
runs late now and then (two flight cycles on one board sample) and simulated
time can run slower than real time; the flight software's clock sync and
its standstill test (flight/rover/pose.py) are what this exercises.  The
assertions are on the mission's outcome and the link's counters, never on
wall time.  docs/hil.md section 10."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import test_missions as sim_tests
from ground import flashing as F
from ground import hil_launcher as L

pytestmark = [
    pytest.mark.boards,
    pytest.mark.skipif(shutil.which("avr-gcc") is None, reason="needs gcc-avr and avr-libc"),
    pytest.mark.skipif(shutil.which("avrdude") is None, reason="needs avrdude"),
    pytest.mark.skipif(not os.path.exists("/usr/include/simavr/sim_avr.h"),
                       reason="needs libsimavr-dev, libsimavrparts1, libelf-dev"),
    pytest.mark.skipif(not F.STK500V2_HEX.is_file(), reason="needs arduino-core-avr"),
]
MISSIONS = Path(__file__).resolve().parent.parent / "missions"


@pytest.fixture(scope="module")
def simavr_build(tmp_path_factory):
    """rover-simavr and the two AVR images, built once for the module."""
    build = tmp_path_factory.mktemp("simavr-build")
    L.build_simavr(build)
    return build


@pytest.fixture
def boards(simavr_build, tmp_path):
    with L.EmulatedBench(["mobility", "payload"], emulator="simavr", time_scale=1.0, seed=1,
                         build_dir=simavr_build, build=False, flash_via="direct",
                         dir_=tmp_path / "bench") as b:
        yield b


@pytest.fixture
def rover_hal_url(boards):
    """The plugin's rover_unbooted fixture (ground/testing/plugin.py) opens the
    HAL at this URL: the emulated Megas, fresh for each test."""
    return boards.url


@pytest.fixture
def rover(rover_unbooted):
    rover_unbooted.boot()
    yield rover_unbooted
    # shown with a failure: what fault protection and the links did (free-running
    # boards on a loaded machine: a heartbeat lapse reads here, not as a bare STOP)
    for e in rover_unbooted.events():
        if e.name.startswith(("FP_", "LINK_")):
            print(f"{e.t_ms / 1000:9.3f} s {e.name}: {e.message}")


# the bench-API tests of tests/test_missions.py, on emulated Megas
globals().update(sim_tests.bench_api_tests())


@pytest.mark.timeout(1500)
def test_short_mission_on_simavr_boards(simavr_build, tmp_path):
    from ground.runner import run_mission
    with L.EmulatedBench(["mobility", "payload"], emulator="simavr", time_scale=1.0, seed=1,
                         build_dir=simavr_build, build=False, dir_=tmp_path / "bench") as bench:
        for role in ("mobility", "payload"):          # flashed through the bootloader
            assert bench.flash_results[role]["bytes"] > 1000, bench.flash_results
        res = run_mission(MISSIONS / "short_drive.seq", hal_url=bench.url,
                          out_dir=tmp_path / "run", max_sim_s=900)
        assert res.status == "passed", (res.reason, res.report["faults_seen"])
        assert res.report["hal"].startswith("board://")
        assert res.report["distance_m"] == pytest.approx(10.0, abs=1.5)
        assert res.system.modes.mode == "IDLE"
        names = [e.name for e in res.system.bus.events]
        assert "LINK_LOST" not in names and "FP_RESPONSE_FIRED" not in names, names
        stats = res.system.hal.link_stats()
        for role in ("mobility", "payload"):
            assert stats[role]["reconnects"] == 0, stats[role]
            assert stats[role]["cmd_rejects"] == 0, stats[role]
            assert stats[role]["crc_errors"] == 0, stats[role]
        # the navigation camera saw the whole mission (one frame per plant second)
        assert stats["vo"]["gaps"] == 0 and stats["vo"]["fault"] is None, stats["vo"]
        assert stats["vo"]["frames"] >= res.report["sim_time_s"] * 0.8, (stats["vo"], res.report["sim_time_s"])


@pytest.mark.skipif(not os.environ.get("ROVER_LONG_HIL"), reason=(
    "about 20 min of wall time: missions/examples/print_handover.seq is ~1 140 s of board time "
    "and the simavr boards run at time scale 1; set ROVER_LONG_HIL=1 to run it"))
@pytest.mark.timeout(3 * 3600)
def test_print_handover_on_simavr_boards(simavr_build, tmp_path):
    """missions/examples/print_handover.seq, unchanged, on two flashed emulated
    Megas: the printer's part of the demo (handover, homing on the payload
    Mega's limit switch pins, a 20 x 10 x 3 mm coupon through its STEP/DIR
    pins, cool-down) in a fifth of the demo's board time."""
    import json

    from ground.runner import run_mission
    with L.EmulatedBench(["mobility", "payload"], emulator="simavr", time_scale=1.0, seed=1,
                         build_dir=simavr_build, build=False, dir_=tmp_path / "bench") as bench:
        res = run_mission(MISSIONS / "examples" / "print_handover.seq", hal_url=bench.url,
                          out_dir=tmp_path / "run", max_sim_s=3600)
        assert res.status == "passed", (res.reason, res.report["faults_seen"])
        bus = res.system.bus
        assert bus.value("printer.state") == "DONE" and bus.value("printer.layers_done") == 3
        assert bus.value("mode") == "IDLE"
        assert not [e for e in bus.events if e.name == "FP_RESPONSE_FIRED"]
    st = json.loads((tmp_path / "bench" / "payload.stats.json").read_text())
    assert st["gantry_lost_steps"] == [0, 0, 0, 0] and min(st["step_edges"]) > 0, st


@pytest.mark.skipif(not os.environ.get("ROVER_LONG_HIL"), reason=(
    "hours of wall time: missions/demo.seq is ~6 100 s of board time and the simavr boards run "
    "at time scale 1 (docs/hil.md section 10); set ROVER_LONG_HIL=1 to run it"))
@pytest.mark.timeout(4 * 3600)
def test_demo_mission_on_simavr_boards(simavr_build, tmp_path):
    """missions/demo.seq, unchanged, on two flashed emulated Megas with the
    navigation camera; the checks of tests/test_missions_boards.py's demo."""
    import math

    from ground.runner import run_mission
    with L.EmulatedBench(["mobility", "payload"], emulator="simavr", time_scale=1.0, seed=1,
                         build_dir=simavr_build, build=False, dir_=tmp_path / "bench") as bench:
        res = run_mission(MISSIONS / "demo.seq", hal_url=bench.url, out_dir=tmp_path / "demo",
                          max_sim_s=3 * 3600)
        assert res.status == "passed", (res.reason, res.report["faults_seen"])
        bus = res.system.bus
        x, y = bus.value("rover.x_m"), bus.value("rover.y_m")
        assert bus.value("mode") == "IDLE" and (x - 90) ** 2 + (y - 20) ** 2 < 1.5 ** 2
        assert bus.value("printer.state") == "DONE"
        assert not [e for e in bus.events if e.name == "FP_RESPONSE_FIRED"]
        stats = res.system.hal.link_stats()
        assert stats["vo"]["gaps"] == 0 and stats["vo"]["fault"] is None, stats["vo"]
        truth = res.system.hal.vo.truth_pose
        assert math.hypot(truth["x_m"] - x, truth["y_m"] - y) < 3.0, (truth, x, y)
