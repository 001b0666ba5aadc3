"""The same missions and bench-API tests as tests/test_missions.py, on
emulated boards: the host firmware (`rover-fw-host`) for the mobility and
payload boards on ptys, started the way `rover hil up --lockstep` starts
them (they run only on the time the HAL grants, so a loaded machine cannot
make them miss a deadline), through the board:// HAL URL.  The sequence
files are the very ones the sim:// tests run.

Tests from tests/test_missions.py are imported here, so they run a second
time with this module's `rover` fixture (fresh boards for each test, the
rover back at the start); those that inject faults skip themselves off the
simulator.  The demo traverse runs once, through run_mission (what
`rover run --hal URL` does), with the checks of test_demo_mission_passes.
The bench has its emulated navigation camera (EmulatedBench's default), so
the flight software gets visual odometry as on sim://."""
import math
from pathlib import Path

import pytest

import test_missions as sim_tests

from ground import hil_launcher as L  # noqa: E402
pytestmark = pytest.mark.boards
MISSIONS = Path(__file__).resolve().parent.parent / "missions"


@pytest.fixture
def boards(fw_exe):
    with L.EmulatedBench(["mobility", "payload"], exe=fw_exe, seed=1) as b:
        yield b


@pytest.fixture
def rover_hal_url(boards):
    """The plugin's rover / rover_unbooted fixtures (ground/testing/plugin.py)
    open the HAL at this URL: the emulated boards, fresh for each test."""
    return boards.url


# the bench-API tests of tests/test_missions.py, on boards
globals().update(sim_tests.bench_api_tests())


def _no_link_trouble(res):
    names = [e.name for e in res.system.bus.events]
    assert "LINK_LOST" not in names, [e.message for e in res.system.bus.events if e.name == "LINK_LOST"]
    stats = res.system.hal.link_stats()
    for role in ("mobility", "payload"):
        assert stats[role]["reconnects"] == 0
        assert stats[role]["cmd_rejects"] == 0, stats[role]
    return stats


def test_short_mission_on_boards(boards, tmp_path):
    from ground.runner import run_mission
    res = run_mission(MISSIONS / "short_drive.seq", hal_url=boards.url, out_dir=tmp_path / "run")
    assert res.status == "passed", (res.reason, res.report["faults_seen"])
    assert res.report["hal"].startswith("board://")
    assert res.report["distance_m"] == pytest.approx(10.0, abs=1.5)
    assert res.system.modes.mode == "IDLE"
    _no_link_trouble(res)
    assert (tmp_path / "run" / "report.json").is_file()


def test_demo_mission_on_boards(boards, tmp_path):
    """missions/demo.seq, unchanged, as on sim:// (test_demo_mission_passes):
    the traverse with the bench's navigation camera (visual odometry made
    from the mobility board's plant truth, docs/hil.md section 13), then the
    brick print on the payload board; about 6 100 s of board time."""
    from ground.runner import run_mission
    res = run_mission(MISSIONS / "demo.seq", hal_url=boards.url, out_dir=tmp_path / "demo",
                      max_sim_s=3 * 3600)
    assert res.status == "passed", (res.reason, res.report["faults_seen"])
    bus = res.system.bus
    assert bus.value("mode") == "IDLE"
    x, y = bus.value("rover.x_m"), bus.value("rover.y_m")
    assert (x - 90) ** 2 + (y - 20) ** 2 < 1.5 ** 2
    assert any(e.name == "SEQ_COMPLETED" and e.args.get("slot") == "payload" for e in bus.events)
    assert not [e for e in bus.events if e.name == "FP_RESPONSE_FIRED"]
    assert bus.value("printer.state") == "DONE"
    layers = [int(e.args["layer"]) for e in bus.events if e.name == "PRINT_LAYER_DONE"]
    assert layers == list(range(25))
    stats = _no_link_trouble(res)
    assert stats["mobility"]["rtt_p99_ms"] < 50
    # the camera saw the whole run, and the rover really is at the work site:
    # the plant's own pose (the camera's input) against the flight estimate
    vo = res.system.hal.vo
    assert vo.stats()["gaps"] == 0 and vo.stats()["frames"] > 5000, vo.stats()
    truth = vo.truth_pose
    err_m = math.hypot(truth["x_m"] - x, truth["y_m"] - y)
    assert err_m < 3.0, (truth, x, y)       # sim:// seed 1 ends 1.7 m off after 122 m
