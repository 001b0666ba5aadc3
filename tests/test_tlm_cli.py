"""`rover tlm export|info` and `rover plot` on a small recorded run."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from click.testing import CliRunner

from ground.cli.plot_cmd import plot
from ground.cli.tlm_cmd import tlm
from common.clock import SimClock
from flight.tlm.bus import TelemetryBus
from ground.tlm.reader import TELEMETRY_FILENAME
from flight.tlm.recorder import Recorder

WHEELS = ("fl", "fr", "ml", "mr", "rl", "rr")


def record_run(run_dir, *, seconds=120, power=True, terrain=True):
    run_dir.mkdir(parents=True, exist_ok=True)
    clock = SimClock()
    bus = TelemetryBus(clock)
    rec = Recorder(run_dir / TELEMETRY_FILENAME, bus, sample_period_ms=1000,
                   meta={"run_id": "cli-test", "seed": 42, "dictionary_hash": "abc123"})
    if terrain:
        yy, xx = np.mgrid[0:40, 0:50]
        np.savez(run_dir / "terrain.npz", slope_deg=np.hypot(xx - 25, yy - 20) * 0.5,
                 height_m=np.zeros((40, 50)), extent=np.array([-10.0, 10.0, -8.0, 8.0]))
    bus.publish("mode", "SAFE")
    bus.emit("LOG", text="flight software up")
    for k in range(seconds * 10):
        t = k / 10
        if k == 55:
            bus.publish("mode", "DRIVE")
        if k == 705:
            bus.emit("WHEEL_STALL", wheel="fl")
            bus.publish("mode", "SAFE")
        chans = {"rover.x_m": 5 * math.cos(t / 20), "rover.y_m": 4 * math.sin(t / 20),
                 "truth.x_m": 5 * math.cos(t / 20) + 0.1, "truth.y_m": 4 * math.sin(t / 20),
                 "thermal.ebox_c": 15 + math.sin(t / 30), "heater.ebox_duty": 0.25,
                 "rover.nav_state": "DRIVING" if 55 <= k < 705 else "IDLE"}
        chans.update({f"rover.wheel_speed_mradps.{w}": 800 + 10 * i * math.sin(t) for i, w in enumerate(WHEELS)})
        if power:
            chans.update({"power.soc_pct": 90 - t / 100, "power.solar_w": 40 + math.sin(t / 10),
                          "power.battery_a": -0.5 + 0.05 * math.sin(t)})
        bus.publish_many(chans)
        rec.poll()
        clock.advance(100)
    rec.close()
    return run_dir


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return record_run(tmp_path_factory.mktemp("runs") / "r1")


def invoke(cmd, args):
    return CliRunner().invoke(cmd, [str(a) for a in args], catch_exceptions=False)


def test_info_summarises_the_run(run_dir):
    r = invoke(tlm, ["info", run_dir])
    assert r.exit_code == 0, r.output
    out = r.output
    assert "run_id=cli-test" in out and "seed=42" in out and "dictionary_hash=abc123" in out
    assert "closed cleanly" in out
    assert "channels: 17" in out
    assert "rover.wheel_speed_mradps.rr" in out
    assert "events:   2 (INFO 1, WARN 1)" in out
    assert "120.0 s simulated" in out


def test_export_writes_wide_csv_and_events(run_dir, tmp_path):
    r = invoke(tlm, ["export", run_dir, "--csv", "-o", tmp_path])
    assert r.exit_code == 0, r.output
    with open(tmp_path / "telemetry.csv", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[0] == "t_ms"
    assert header[1:] == sorted(header[1:]) and "mode" in header and "power.soc_pct" in header
    times = [int(row[0]) for row in rows[1:]]
    # samples each 1 s for 120 s, the close flush, plus the 5.5 s and 70.5 s mode changes
    assert times == sorted(set(range(0, 120_001, 1000)) | {5500, 70500})
    col = {name: i for i, name in enumerate(header)}
    by_t = {int(row[0]): row for row in rows[1:]}
    assert by_t[5000][col["mode"]] == "SAFE"
    assert by_t[5500][col["mode"]] == "DRIVE"
    assert by_t[70000][col["mode"]] == "DRIVE"          # forward-filled between changes
    assert by_t[70500][col["mode"]] == "SAFE"
    assert float(by_t[0][col["rover.x_m"]]) == pytest.approx(5.0)
    assert by_t[5500][col["rover.x_m"]] == by_t[5000][col["rover.x_m"]]   # held until its next sample
    assert float(by_t[60000][col["power.soc_pct"]]) == pytest.approx(89.4)
    with open(tmp_path / "events.csv", newline="") as f:
        events = list(csv.DictReader(f))
    assert [(e["t_ms"], e["severity"], e["name"]) for e in events] == [
        ("0", "INFO", "LOG"), ("70500", "WARN", "WHEEL_STALL")]
    assert events[1]["args"] == '{"wheel": "fl"}'


def test_export_per_channel(run_dir, tmp_path):
    r = invoke(tlm, ["export", run_dir, "--per-channel", "-o", tmp_path])
    assert r.exit_code == 0, r.output
    with open(tmp_path / "channels" / "mode.csv", newline="") as f:
        assert list(csv.reader(f)) == [["t_ms", "mode"], ["0", "SAFE"], ["5500", "DRIVE"], ["70500", "SAFE"]]
    assert len(list((tmp_path / "channels").glob("*.csv"))) == 17


def _png_is_nontrivial(path):
    from matplotlib.image import imread
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(path)
    colours = np.unique(img.reshape(-1, img.shape[-1]), axis=0)
    return img.shape[0] > 200 and img.shape[1] > 200 and len(colours) > 20


def test_plot_writes_all_pngs(run_dir, tmp_path):
    r = invoke(plot, [run_dir, "-o", tmp_path])
    assert r.exit_code == 0, r.output
    names = {"path.png", "wheels.png", "timeline.png", "power.png", "temperatures.png"}
    assert {p.name for p in tmp_path.glob("*.png")} == names
    for n in names:
        assert _png_is_nontrivial(tmp_path / n), n
    assert "skipped" not in r.output


def test_plot_skips_plots_whose_channels_are_missing(tmp_path):
    run = record_run(tmp_path / "r2", seconds=10, power=False, terrain=False)
    r = invoke(plot, [run / TELEMETRY_FILENAME])          # the file itself also works
    assert r.exit_code == 0, r.output
    made = {p.name for p in (run / "plots").glob("*.png")}
    assert "power.png" not in made and "path.png" in made
    assert "skipped power.png" in r.output


@pytest.mark.parametrize("cmd, args", [(tlm, ["info"]), (tlm, ["export"]), (plot, [])])
def test_missing_or_foreign_run_is_a_clear_error(tmp_path, cmd, args):
    r = invoke(cmd, [*args, tmp_path / "nope"])
    assert r.exit_code != 0
    assert "nope: no such run directory or telemetry file" in r.output
    (tmp_path / "notes.txt").write_text("just some text, not telemetry\n")
    r = invoke(cmd, [*args, tmp_path / "notes.txt"])
    assert r.exit_code != 0
    assert "notes.txt: not a telemetry file" in r.output
    assert "Traceback" not in r.output


def test_info_reports_a_torn_tail(tmp_path):
    run = record_run(tmp_path / "r3", seconds=5, power=False, terrain=False)
    f = run / TELEMETRY_FILENAME
    f.write_bytes(f.read_bytes()[:-5])        # tear the 21-byte close marker: 16 bytes remain
    r = invoke(tlm, ["info", run])
    assert r.exit_code == 0, r.output
    assert "not closed" in r.output and "torn tail of 16 bytes skipped" in r.output
