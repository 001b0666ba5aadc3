"""`rover campaign` through real Dask processes: a `dask scheduler` and a
`dask worker` on 127.0.0.1 (both exit by themselves if this test process
dies: the scheduler after an idle timeout, the worker when its scheduler is
gone), a local cluster, resume after a kill, a run reproduced alone, and bad
input refused before anything runs."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MISSION = REPO / "missions" / "short_drive.seq"
DISPERSIONS = """\
[campaign]
seed = 21
site = "flat"
max_sim_s = 400

[params]
yaw = { dist = "uniform", min = -20, max = 20 }
x = { dist = "uniform", min = -2, max = 2 }

[faults.lock_wheel]
probability = 0.5
at_s = [40, 60]
wheel = "any"
"""
START_TIMEOUT_S = 180.0        # process start-up on a loaded 2-core machine


def _dask_exe() -> str:
    exe = Path(sys.executable).parent / "dask"
    found = str(exe) if exe.exists() else shutil.which("dask")
    if found is None:
        pytest.skip("the dask command line (dask[distributed]) is not installed")
    return found


def rover(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "ground.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(20)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A real scheduler and a worker process with two single-threaded workers."""
    tmp = tmp_path_factory.mktemp("dask")
    sfile = tmp / "scheduler.json"
    dask = _dask_exe()
    sched = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                              "--no-dashboard", "--scheduler-file", str(sfile),
                              "--idle-timeout", "300"],
                             stdout=subprocess.DEVNULL, stderr=open(tmp / "scheduler.log", "w"),
                             start_new_session=True)
    procs = [sched]
    try:
        t0 = time.monotonic()
        while not sfile.exists() or not sfile.read_text().strip():
            assert sched.poll() is None, (tmp / "scheduler.log").read_text()
            assert time.monotonic() - t0 < START_TIMEOUT_S, "dask scheduler did not start"
            time.sleep(0.2)
        address = json.loads(sfile.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        worker = subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                   "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "60",
                                   "--local-directory", str(tmp / "w")],
                                  stdout=subprocess.DEVNULL, stderr=open(tmp / "worker.log", "w"),
                                  start_new_session=True)
        procs.append(worker)
        from distributed import Client
        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=START_TIMEOUT_S)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)


@pytest.fixture()
def disp(tmp_path):
    p = tmp_path / "disp.toml"
    p.write_text(DISPERSIONS)
    return p


def _journal(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]


def test_campaign_on_a_dask_cluster_killed_resumed_and_extended(scheduler, disp, tmp_path):
    out = tmp_path / "camp"
    args = [sys.executable, "-m", "ground.cli.main", "campaign", str(MISSION), "--runs", "3",
            "--dispersions", str(disp), "--out", str(out), "--scheduler", scheduler, "--quiet",
            "--no-report"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        t0 = time.monotonic()
        while not (out / "runs.jsonl").exists() or not (out / "runs.jsonl").read_text().strip():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() - t0 < 300
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)              # killed mid-campaign
        proc.wait(30)
    assert len(_journal(out)) >= 1
    # the same campaign, more runs: what is in the journal is skipped, the rest runs
    r = rover("campaign", MISSION, "--runs", 5, "--dispersions", disp, "--out", out,
              "--scheduler", scheduler, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "5 runs:" in r.stdout
    lines = _journal(out)
    assert sorted(x["run"] for x in lines) == [0, 1, 2, 3, 4]        # each run exactly once
    assert {x["status"] for x in lines} <= {"passed", "failed"}, lines
    injected = [x for x in lines if x["fault.lock_wheel"]]
    assert all(x["status"] == "failed" and "wheel stalled" in x["reason"] for x in injected)
    assert all(x["status"] == "passed" for x in lines if not x["fault.lock_wheel"])

    import pyarrow.parquet as pq
    table = pq.read_table(out / "results.parquet").to_pylist()
    assert [t["run"] for t in table] == [0, 1, 2, 3, 4]
    for t in table:
        assert -20 <= t["in.yaw"] <= 20 and -2 <= t["in.x"] <= 2
        assert t["sim_time_s"] > 0 and t["distance_m"] > 0 and t["energy_used_j"] > 0
        assert t["final_mode"] in ("IDLE", "SAFE") and t["odometry_error_m"] is not None
    summary = json.loads((out / "summary.json").read_text())
    n_pass = sum(x["status"] == "passed" for x in lines)
    assert summary["success"]["passed"] == n_pass and summary["runs_done"] == 5
    lo, hi = summary["success"]["wilson95"]
    assert lo <= n_pass / 5 <= hi
    page = (out / "report.html").read_text()
    pngs = sorted((out / "report").glob("*.png"))
    assert pngs and all(f"report/{p.name}" in page for p in pngs)
    assert (out / "report" / "success_vs_in_yaw.png").exists()

    # reproducing needs the campaign's own mission
    r = rover("run", REPO / "missions" / "demo.seq", "--from-campaign", out, "--run", 0)
    assert r.returncode == 2 and "is not the mission of campaign" in r.stderr


def test_local_cluster_keeps_full_runs_and_a_reproduced_run_has_the_same_report(disp, tmp_path):
    out = tmp_path / "camp"
    r = rover("campaign", MISSION, "--runs", 1, "--dispersions", disp, "--out", out,
              "--workers", 1, "--keep-runs", "--no-report")
    assert r.returncode == 0, r.stderr
    assert "[campaign] 1/1 runs done" in r.stderr
    assert not (out / "report.html").exists() and (out / "results.parquet").exists()
    kept = json.loads((out / "runs" / "000000" / "report.json").read_text())
    one = tmp_path / "one"
    r = rover("run", MISSION, "--from-campaign", out, "--run", 0, "--out", one)
    assert "matches the campaign's run 0" in r.stdout, r.stdout + r.stderr
    again = json.loads((one / "report.json").read_text())
    for rep in (kept, again):
        for key in ("wall_time_s", "realtime_factor", "plots", "plots_error"):
            rep.pop(key, None)
    assert kept == again


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Result:
    def __init__(self, res):
        self.returncode, self.stdout, self.stderr = res.exit_code, res.stdout, res.stderr


def rover_here(*args):
    """The CLI in this process (bad-input checks: no interpreter start-up per call)."""
    from click.testing import CliRunner
    from ground.cli.main import cli
    return _Result(CliRunner().invoke(cli, [str(a) for a in args]))


def test_bad_input_is_refused_before_any_run(disp, tmp_path):
    rover = rover_here
    out = tmp_path / "camp"
    # an unreachable scheduler
    r = rover("campaign", MISSION, "--runs", 2, "--dispersions", disp, "--out", out,
              "--scheduler", f"tcp://127.0.0.1:{_free_port()}", "--connect-timeout-s", 1)
    assert r.returncode == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()       # nothing written, nothing ran
    r = rover("campaign", MISSION, "--runs", 2, "--dispersions", disp, "--out", out,
              "--scheduler", "localhost")
    assert r.returncode == 2 and "is not of the form tcp://host:port" in r.stderr
    r = rover("campaign", MISSION, "--runs", 2, "--dispersions", disp, "--out", out,
              "--scheduler", "tcp://127.0.0.1:1", "--workers", 2)
    assert r.returncode == 2 and "--workers sizes the local cluster only" in r.stderr
    # a dispersions file naming an unknown parameter / a distribution outside the range
    bad = tmp_path / "bad.toml"
    bad.write_text(DISPERSIONS.replace("yaw = {", "wheel_grease = 3\nyaw = {"))
    r = rover("campaign", MISSION, "--runs", 2, "--dispersions", bad, "--out", out)
    assert r.returncode == 2 and f"{bad}:7: unknown parameter 'wheel_grease'" in r.stderr
    bad.write_text(DISPERSIONS.replace("min = -2, max = 2", "min = -2, max = 500"))
    r = rover("campaign", MISSION, "--runs", 2, "--dispersions", bad, "--out", out)
    assert r.returncode == 2 and "params.x: uniform has support [-2, 500] outside the physical range" \
        in r.stderr
    # an output directory holding a different campaign, or other files
    (out / "campaign.json").parent.mkdir(parents=True, exist_ok=True)
    (out / "campaign.json").write_text(json.dumps({"format": 1, "seed": 99}))
    r = rover("campaign", MISSION, "--runs", 2, "--dispersions", disp, "--out", out)
    assert r.returncode == 2 and "holds a different campaign (" in r.stderr and "seed: 99 there, 21 now" \
        in r.stderr
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    r = rover("campaign", MISSION, "--runs", 2, "--dispersions", disp, "--out", other)
    assert r.returncode == 2 and "is not an empty directory or a campaign directory" in r.stderr
    r = rover("campaign", MISSION, "--runs", 0, "--dispersions", disp, "--out", tmp_path / "x")
    assert r.returncode == 2 and "--runs must be in 1.." in r.stderr
    assert not (tmp_path / "x").exists()
    # reproducing from something that is not a campaign, or with a seed on top
    r = rover("run", MISSION, "--from-campaign", tmp_path / "nowhere", "--run", 0)
    assert r.returncode == 2 and "is not a campaign directory (no campaign.json)" in r.stderr
    r = rover("run", MISSION, "--from-campaign", tmp_path / "nowhere", "--run", 0, "--seed", 3)
    assert r.returncode == 2 and "--seed cannot be combined with --from-campaign" in r.stderr
