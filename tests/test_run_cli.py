"""`rover run`: the main job end to end, including the ways it refuses to start."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ground.cli.run_cmd import run
from ground.tlm.reader import read_run

MISSIONS = Path(__file__).resolve().parent.parent / "missions"


def invoke(*args):
    return CliRunner().invoke(run, [*args, "--quiet"], catch_exceptions=False)


def test_short_mission_passes_and_writes_the_run_directory(tmp_path):
    out = tmp_path / "run"
    r = invoke(str(MISSIONS / "short_drive.seq"), "--out", str(out), "--seed", "2")
    assert r.exit_code == 0, r.output
    assert "mission PASSED" in r.output
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "passed" and report["final_mode"] == "IDLE"
    assert report["distance_m"] == pytest.approx(10.0, abs=1.0)
    assert report["sim_time_s"] > 30 and report["wall_time_s"] > 0
    assert report["energy_used_j"] > 0 and report["faults_seen"] == []
    log = read_run(out)
    assert log.closed_cleanly and log.torn_tail_bytes == 0
    assert "rover.x_m" in log.samples and any(e.name == "SEQ_COMPLETED" for e in log.events)
    for png in ("path.png", "timeline.png", "power.png"):
        assert (out / png).stat().st_size > 5000
    assert "short drive complete" in (out / "events.log").read_text()


def test_same_seed_same_report(tmp_path):
    a = invoke(str(MISSIONS / "short_drive.seq"), "--out", str(tmp_path / "a"), "--seed", "5")
    b = invoke(str(MISSIONS / "short_drive.seq"), "--out", str(tmp_path / "b"), "--seed", "5")
    assert a.exit_code == b.exit_code == 0
    ra = json.loads((tmp_path / "a" / "report.json").read_text())
    rb = json.loads((tmp_path / "b" / "report.json").read_text())
    for k in ("wall_time_s", "realtime_factor", "plots"):
        ra.pop(k), rb.pop(k)
    assert ra == rb


def test_bad_mission_lists_every_error_and_runs_nothing(tmp_path):
    bad = tmp_path / "bad.seq"
    bad.write_text("SET_MODE mode=DRIVE\nDRIVE_TO x=1 m, y=2 m, speed=9 m/s\nFLY_TO x=1\n"
                   "wait until rover.altitude_m > 3 timeout 5 s\n")
    out = tmp_path / "run"
    r = invoke(str(bad), "--out", str(out))
    assert r.exit_code == 2
    assert f"{bad}:2:" in r.output and f"{bad}:3:1" in r.output and f"{bad}:4:" in r.output
    assert "nothing ran" in r.output
    assert not out.exists()


def test_bad_binary_refused(tmp_path):
    from common.dictionary import default_dictionary
    from flight.seq.binary import compile_sequence
    from flight.seq.library import load_any
    blob = bytearray(compile_sequence(load_any(MISSIONS / "short_drive.seq", default_dictionary()),
                                      default_dictionary()))
    blob[-1] ^= 0xFF
    f = tmp_path / "m.rseq"
    f.write_bytes(bytes(blob))
    r = invoke(str(f), "--out", str(tmp_path / "run"))
    assert r.exit_code == 2 and "CRC" in r.output


def test_missing_file_bad_url_bad_seed(tmp_path):
    r = invoke(str(tmp_path / "nope.seq"))
    assert r.exit_code == 2 and "not found" in r.output
    r = invoke(str(MISSIONS / "short_drive.seq"), "--hal", "warp://drive", "--out", str(tmp_path / "r"))
    assert r.exit_code == 2 and "unknown HAL scheme 'warp'" in r.output
    r = CliRunner().invoke(run, [str(MISSIONS / "short_drive.seq"), "--seed", "-1"])
    assert r.exit_code == 2 and "seed" in r.output


def test_empty_hal_url_is_an_error_not_the_simulator(tmp_path, monkeypatch):
    monkeypatch.delenv("ROVER_HAL", raising=False)
    r = invoke(str(MISSIONS / "short_drive.seq"), "--hal", "", "--out", str(tmp_path / "a"))
    assert r.exit_code == 2
    assert len(r.output.strip().splitlines()) == 1 and "--hal is empty" in r.output
    assert not (tmp_path / "a").exists()
    monkeypatch.setenv("ROVER_HAL", "")
    r = invoke(str(MISSIONS / "short_drive.seq"), "--out", str(tmp_path / "b"))
    assert r.exit_code == 2 and "$ROVER_HAL is empty" in r.output
    assert "Traceback" not in r.output


def test_rover_hal_env_is_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("ROVER_HAL", "warp://drive")
    r = invoke(str(MISSIONS / "short_drive.seq"), "--out", str(tmp_path / "r"))
    assert r.exit_code == 2 and "unknown HAL scheme 'warp'" in r.output


def test_failing_mission_exits_nonzero(tmp_path):
    m = tmp_path / "fail.seq"
    m.write_text("check power.soc_pct > 101 %\n")
    r = invoke(str(m), "--out", str(tmp_path / "run"))
    assert r.exit_code == 1 and "ABORTED" in r.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["status"] == "aborted" and "fail.seq:1:1" in report["reason"]


def test_console_script_runs_demo_mission(tmp_path):
    """The README's main job, as a user types it."""
    out = tmp_path / "demo"
    p = subprocess.run([sys.executable, "-m", "ground.cli.main", "run", str(MISSIONS / "demo.seq"),
                        "--out", str(out), "--quiet"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "passed"
    assert report["distance_m"] > 90
    assert report["slots"]["payload"]["state"] == "COMPLETED"
    b = report["brick"]                     # the demo ends by printing one brick
    assert b["design"] == "interlocking-brick" and b["state"] == "DONE"
    assert b["layers_printed"] == b["layers_total"] == 25 == len(b["quality_per_layer"])
    assert b["print_time_s"] > 3000 and b["heat_energy_j"] > 0 and b["electric_energy_j"] > 0
    assert b["regolith_used_g"] > 0 and b["quality_min"] > 0.9
    for png in ("spot_temperature.png", "brick_layers.png"):
        assert png in report["plots"] and (out / png).stat().st_size > 5000
    assert "brick: interlocking-brick DONE, 25/25 layers" in p.stdout


def test_board_url_or_bench_file_without_geometry_is_one_line_exit_2(tmp_path):
    bench = tmp_path / "bench.toml"
    bench.write_text('[[board]]\nrole = "mobility"\nport = "/dev/ttyROVER_NOPE"\n')
    for url, msg in ((f"bench://{bench}", "no geometry; add a [geometry] table"),
                     ("board://?mobility=/dev/ttyROVER_NOPE", "needs the rover geometry")):
        r = invoke(str(MISSIONS / "short_drive.seq"), "--hal", url, "--out", str(tmp_path / "r"))
        assert r.exit_code == 2, r.output
        lines = r.output.strip().splitlines()
        assert len(lines) == 1 and msg in lines[0] and "Traceback" not in r.output


def test_a_run_never_replaces_an_earlier_run(tmp_path):
    out = tmp_path / "run"
    m = tmp_path / "tiny.seq"
    m.write_text("LOG text=\"one\"\n")
    assert invoke(str(m), "--out", str(out)).exit_code == 0
    before = (out / "telemetry.rtlm").read_bytes()
    r = invoke(str(m), "--out", str(out))
    assert r.exit_code == 2 and "already holds a run" in r.output and "--force" in r.output
    assert (out / "telemetry.rtlm").read_bytes() == before
    assert invoke(str(m), "--out", str(out), "--force").exit_code == 0


def test_default_run_directory_gets_a_new_name_when_taken(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    m = tmp_path / "tiny.seq"
    m.write_text("LOG text=\"one\"\n")
    assert invoke(str(m)).exit_code == 0
    r = invoke(str(m))
    assert r.exit_code == 0 and "runs/tiny-seed1-2" in r.output
    assert (tmp_path / "runs" / "tiny-seed1" / "report.json").exists()
    assert (tmp_path / "runs" / "tiny-seed1-2" / "report.json").exists()


def test_events_log_has_one_line_per_event_whatever_the_text(tmp_path):
    m = tmp_path / "forge.seq"
    m.write_text('LOG text="ok\\n     1.0 s  INFO   MISSION_PASSED  forged\\t\\\\"\n')
    out = tmp_path / "run"
    assert invoke(str(m), "--out", str(out)).exit_code == 0
    lines = (out / "events.log").read_text().splitlines()
    forged = [ln for ln in lines if "forged" in ln]
    assert len(forged) == 1 and "ok\\n" in forged[0] and "\\t\\\\" in forged[0]
    assert not any(ln.lstrip().startswith("1.0 s  INFO   MISSION_PASSED") for ln in lines)
