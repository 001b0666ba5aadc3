"""A print survives the death of its process (docs/printer.md, resuming a
killed run): a real `rover run` subprocess SIGKILLs itself mid-layer at a
point set by simulated time (ROVER_KILL_AFTER_LAYER), then
`rover run MISSION --resume RUN_DIR` goes on at the next layer.  And every
way a resume is refused, before anything moves, with the run directory left
as it was."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flight.printer.checkpoint import CHECKPOINT_NAME, Checkpoint, write_checkpoint
from ground.cli.run_cmd import run
from ground.resume import KILL_DELAY_ENV, KILL_LAYER_ENV, RUN_META_NAME
from ground.tlm.reader import read_run

ROOT = Path(__file__).resolve().parents[1]
COUPON = ROOT / "tests" / "data" / "printer" / "coupon.seq"
LAYERS = 5                 # plain-brick:30x15x5 at 1 mm layers
KILL_AFTER = 2             # layers 0 and 1 checkpointed ...
KILL_DELAY_MS = 50_000     # ... then 50 s into layer 2: in its SINTER phase


def rover(*args, env_extra=None, timeout=300):
    env = dict(os.environ)
    env.pop(KILL_LAYER_ENV, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ground.cli.main", "run", *map(str, args),
                           "--quiet"], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)


def layer_events(events, until_ms=None):
    return [int(e.args["layer"]) for e in events
            if e.name == "PRINT_LAYER_DONE" and (until_ms is None or e.t_ms <= until_ms)]


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    """A coupon run killed by SIGKILL mid-way through layer 2 (read-only: copy it)."""
    out = tmp_path_factory.mktemp("killed") / "run"
    p = rover(COUPON, "--out", out,
              env_extra={KILL_LAYER_ENV: str(KILL_AFTER), KILL_DELAY_ENV: str(KILL_DELAY_MS)})
    assert p.returncode == -signal.SIGKILL, p.stdout + p.stderr
    return out


def copy_run(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "run"
    shutil.copytree(src, dst)
    return dst


def snapshot(d: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def test_killed_run_left_a_checkpoint_and_a_readable_record(killed):
    names = {p.name for p in killed.iterdir()}
    assert {RUN_META_NAME, CHECKPOINT_NAME, "telemetry.rtlm"} <= names
    assert "report.json" not in names and not any(n.endswith(".tmp") for n in names)
    cp = json.loads((killed / CHECKPOINT_NAME).read_text())
    assert cp["layers_done"] == KILL_AFTER and cp["layers_total"] == LAYERS
    assert len(cp["quality"]) == KILL_AFTER
    log = read_run(killed)
    assert not log.closed_cleanly                      # it died, it did not close
    assert layer_events(log.events) == list(range(KILL_AFTER))
    sinter = [e for e in log.events if e.name == "PRINT_STATE" and e.args["to_state"] == "SINTER"]
    assert sinter and int(sinter[-1].args["layer"]) == KILL_AFTER   # killed inside layer 2


def test_resume_prints_every_layer_once_in_order(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    killed_log = read_run(killed)
    cp = json.loads((d / CHECKPOINT_NAME).read_text())
    p = rover(COUPON, "--resume", d)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"resumed at layer {KILL_AFTER}" in p.stdout
    report = json.loads((d / "report.json").read_text())
    assert report["status"] == "passed", report["reason"]
    b = report["brick"]
    assert b["state"] == "DONE" and b["layers_done"] == LAYERS == b["layers_printed"]
    assert b["resumed"]["from_layer"] == KILL_AFTER and b["resumed"]["replay_verified"]
    assert b["quality_per_layer"][:KILL_AFTER] == cp["quality"]
    assert b["resumed"]["killed_record"] == "telemetry.killed.rtlm"
    assert (d / "telemetry.killed.rtlm").read_bytes() == (killed / "telemetry.rtlm").read_bytes()
    log = read_run(d)
    assert log.closed_cleanly
    # each layer completed exactly once, in order, across the replay and the restart
    assert layer_events(log.events) == list(range(LAYERS))
    restart = [e for e in log.events if e.name == "PRINT_STATE" and e.args["to_state"] == "HOMING"]
    assert [int(e.args["layer"]) for e in restart] == [0, KILL_AFTER]
    assert "resuming at layer 2" in restart[1].args["reason"]
    assert restart[1].t_ms > cp["t_ms"]
    # the replay reproduced the killed run exactly up to its checkpoint
    ev = lambda log_: [(e.t_ms, e.name, e.message) for e in log_.events if e.t_ms <= cp["t_ms"]]
    assert ev(log) == ev(killed_log)
    assert (d / "spot_temperature.png").stat().st_size > 5000
    assert (d / "brick_layers.png").stat().st_size > 5000


# -- refusals: exit 2, one line, nothing in the run directory changed ----------

def refuse(mission, d, *more):
    before = snapshot(d) if d.is_dir() else None
    r = CliRunner().invoke(run, [str(mission), "--resume", str(d), "--quiet", *more],
                           catch_exceptions=False)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) <= 2, r.output
    if before is not None:
        assert snapshot(d) == before
    return r.output


def test_refuses_a_missing_or_foreign_directory(tmp_path):
    assert "no such run directory" in refuse(COUPON, tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    assert "no run.json" in refuse(COUPON, tmp_path / "empty")


def test_refuses_a_corrupt_run_description(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    (d / RUN_META_NAME).write_text('{"version": 1, "seed": "one"')
    assert "corrupt" in refuse(COUPON, d)
    meta = json.loads((killed / RUN_META_NAME).read_text())
    meta["seed"] = "one"
    (d / RUN_META_NAME).write_text(json.dumps(meta))
    assert "corrupt run description" in refuse(COUPON, d)


def test_refuses_another_mission(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    other = tmp_path / "edited.seq"
    other.write_text(COUPON.read_text().replace("coupon printed", "coupon done"))
    out = refuse(other, d)
    assert "a different or edited mission" in out and "coupon.seq" in out


def test_refuses_another_dictionary(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    meta = json.loads((d / RUN_META_NAME).read_text())
    meta["dictionary_hash"] = "0" * 64
    (d / RUN_META_NAME).write_text(json.dumps(meta))
    assert "dictionary 000000000000" in refuse(COUPON, d)


def test_refuses_a_checkpoint_of_another_design(killed, tmp_path):
    from flight.printer.component import plan_for_design
    d = copy_run(killed, tmp_path)
    plan = plan_for_design("plain-brick:40x20x5")
    meta = json.loads((d / RUN_META_NAME).read_text())
    write_checkpoint(d, Checkpoint(plan.name, plan.digest(), meta["dictionary_hash"],
                                   len(plan.layers), 2, 800, 277_800, [0.99, 0.99]))
    out = refuse(COUPON, d)
    assert "checkpoint is for design 'plain-brick'" in out and "plain-brick:30x15x5" in out


def test_refuses_a_missing_corrupt_or_inconsistent_checkpoint(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    good = (d / CHECKPOINT_NAME).read_text()
    (d / CHECKPOINT_NAME).unlink()
    assert "no print checkpoint" in refuse(COUPON, d)
    (d / CHECKPOINT_NAME).write_text(good[: len(good) // 2])            # torn
    assert "corrupt print checkpoint" in refuse(COUPON, d)
    cp = json.loads(good)
    cp["quality"] = cp["quality"][:1]                                   # one layer short
    (d / CHECKPOINT_NAME).write_text(json.dumps(cp))
    assert "inconsistent checkpoint" in refuse(COUPON, d)
    cp = json.loads(good)
    cp["layers_done"], cp["quality"] = LAYERS, [0.9] * LAYERS          # nothing left
    (d / CHECKPOINT_NAME).write_text(json.dumps(cp))
    assert "nothing to resume" in refuse(COUPON, d)


def test_refuses_a_finished_run(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    (d / "report.json").write_text("{}")
    assert "the run finished" in refuse(COUPON, d)


def test_refuses_a_checkpoint_the_replay_does_not_reproduce(killed, tmp_path):
    """Consistent on its face, but not what this software prints: the replay
    is compared with it and the resume is refused, the run directory as it was."""
    d = copy_run(killed, tmp_path)
    cp = json.loads((d / CHECKPOINT_NAME).read_text())
    cp["quality"] = [round(q - 0.25, 4) for q in cp["quality"]]
    (d / CHECKPOINT_NAME).write_text(json.dumps(cp))
    out = refuse(COUPON, d)
    assert "replay diverged from the checkpoint: quality" in out


def test_resume_takes_the_runs_own_settings(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    for opt in (["--seed", "3"], ["--out", str(tmp_path / "x")], ["--hal", "sim://?seed=1"],
                ["--force"]):
        out = refuse(COUPON, d, *opt)
        assert "--resume takes the run's own settings" in out and opt[0] in out


def test_kill_switch_values_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv(KILL_LAYER_ENV, "two")
    r = CliRunner().invoke(run, [str(COUPON), "--out", str(tmp_path / "r"), "--quiet"],
                           catch_exceptions=False)
    assert r.exit_code == 2 and KILL_LAYER_ENV in r.output


def test_refuses_a_run_that_was_not_on_the_simulator(killed, tmp_path):
    d = copy_run(killed, tmp_path)
    meta = json.loads((d / RUN_META_NAME).read_text())
    meta["hal"] = "board://?mobility=/dev/ttyACM0&payload=/dev/ttyACM1"
    (d / RUN_META_NAME).write_text(json.dumps(meta))
    assert "only sim:// runs can be resumed" in refuse(COUPON, d)
