"""The short mission on emulated MCUs: both boards are the real AVR images on
rover-simavr (ATmega2560 at 16 MHz of simulated cycles), flashed through the
stk500v2 bootloader with avrdude, free-running on their own clocks (no
lockstep: an MCU has its crystal), reached through the board:// HAL URL --
what `rover hil up --emulator simavr` then `rover run missions/short_drive.seq
--hal URL` does.  The sequence file is the one the sim:// tests run.

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


@pytest.mark.timeout(1500)
def test_short_mission_on_simavr_boards(tmp_path):
    from ground.runner import run_mission
    with L.EmulatedBench(["mobility", "payload"], emulator="simavr", time_scale=1.0, seed=1,
                         build_dir=tmp_path / "build", dir_=tmp_path / "bench") as bench:
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
