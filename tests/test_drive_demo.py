"""`rover drive-demo` and `rover perf sim` end to end through click."""
import json

from click.testing import CliRunner

from ground.cli.main import cli


def test_drive_demo_writes_plot_and_summary(tmp_path):
    out = tmp_path / "demo"
    r = CliRunner().invoke(cli, ["drive-demo", "--seed", "1", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    png = (out / "path.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    s = json.loads((out / "summary.json").read_text())
    for key in ("status", "distance_m", "sim_time_s", "wall_time_s", "realtime_factor",
                "energy_used_j", "odometry_error_m", "max_tilt_deg", "waypoints"):
        assert key in s
    assert s["status"] == "SUCCEEDED"
    assert 90.0 < s["distance_m"] < 130.0            # ~100 m traverse round the hazard
    assert s["waypoints"][-1] == [90.0, 20.0] and len(s["waypoints"]) >= 2
    assert 400.0 < s["sim_time_s"] < 900.0
    assert s["realtime_factor"] > 0       # a rate: its target lives in `rover perf sim`, not in a test
    assert s["energy_used_j"] > 0
    assert 0.0 <= s["odometry_error_m"] < 3.0
    assert 0.0 < s["max_tilt_deg"] < 20.0


def test_drive_demo_refused_goal_gives_error_exit(tmp_path):
    r = CliRunner().invoke(cli, ["drive-demo", "--out", str(tmp_path), "--quiet",
                                 "--goal", "500", "0"])
    assert r.exit_code != 0
    assert "outside the terrain map" in r.output


def test_drive_demo_bad_hal_url(tmp_path):
    r = CliRunner().invoke(cli, ["drive-demo", "--out", str(tmp_path), "--hal", "nope://x"])
    assert r.exit_code == 2 and "unknown HAL scheme 'nope'" in r.output
    r = CliRunner().invoke(cli, ["drive-demo", "--out", str(tmp_path), "--hal", ""])
    assert r.exit_code == 2 and "--hal is empty" in r.output and "Traceback" not in r.output


def test_perf_sim_json_last_line():
    r = CliRunner().invoke(cli, ["perf", "sim", "--json", "--sim-seconds", "120"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output.strip().splitlines()[-1])
    assert d["sim_time_s"] >= 120.0 and d["wall_time_s"] > 0
    assert d["realtime_factor"] == round(d["sim_time_s"] / d["wall_time_s"], 1) or d["realtime_factor"] > 0
    assert d["distance_m"] > 10.0
    # the ceiling printed beside the figure (the simulator alone, no flight
    # software); how the two compare is the benchmark's to say, not a test's
    assert d["limit_realtime_factor_sim_only"] > 0
