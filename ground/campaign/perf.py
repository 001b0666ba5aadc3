"""`rover perf campaign`: campaign throughput on 1 and 2 local Dask workers,
parallel efficiency, peak memory per worker, and the scheduler's cost per
run (a campaign of trivial runs).

Every figure goes through the real path (LocalCluster, scatter, submit,
journal); the physical limit printed beside the rates is the number of
workers times the rate of the same runs executed serially in this process
(no Dask at all), and 1.0 for the efficiency.
"""
from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

PERF_DISPERSIONS = """\
[campaign]
seed = 1
site = "mons-mouton"
max_sim_s = 600

[params]
yaw = { dist = "uniform", min = -20, max = 20 }
x = { dist = "uniform", min = -1, max = 1 }
y = { dist = "uniform", min = -1, max = 1 }
"""


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: KiB


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _warm(bundle, spec) -> float:
    """One run outside the timed window: imports, the site and its horizon table."""
    from ground.campaign.task import execute_run
    t0 = time.perf_counter()
    execute_run(bundle, spec)
    return time.perf_counter() - t0


def _campaign(tmp: Path, name: str, mission: Path, runs: int):
    from ground.campaign.engine import prepare
    disp = tmp / f"{name}.toml"
    disp.write_text(PERF_DISPERSIONS)
    return prepare(mission, disp, tmp / name, runs)


def measure_campaign(mission: Path, runs_per_worker: int = 6, trivial_runs: int = 200,
                     progress=None) -> dict:
    from ground.campaign.cluster import open_cluster
    from ground.campaign.engine import execute
    from ground.campaign.journal import Journal
    from ground.campaign.task import execute_run, noop_run

    say = progress or (lambda m: None)
    out: dict = {"mission": mission.name, "runs_per_worker": runs_per_worker}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        # serial reference: the same runs in this process, no Dask
        camp = _campaign(tmp, "serial", mission, runs_per_worker)
        _warm(camp.bundle, camp.spec(runs_per_worker)[0])
        t0 = time.perf_counter()
        for i in range(runs_per_worker):
            execute_run(camp.bundle, camp.spec(i)[0])
        serial = runs_per_worker / (time.perf_counter() - t0)
        out["serial_runs_per_s"] = round(serial, 3)
        say(f"serial: {serial:.2f} runs/s")
        peak = 0.0
        for n in (1, 2):
            handle = open_cluster(None, n)
            try:
                camp = _campaign(tmp, f"w{n}", mission, runs_per_worker * n)
                bundle = camp.bundle
                warm = [handle.client.submit(_warm, bundle, camp.spec(runs_per_worker * n + k)[0],
                                             pure=False, workers=[w])
                        for k, w in enumerate(sorted(handle.client.scheduler_info()["workers"]))]
                handle.client.gather(warm)
                cpu0 = handle.client.run(_cpu_s)
                t0 = time.perf_counter()
                tally = execute(camp, handle.client)
                wall = time.perf_counter() - t0
                cpu1 = handle.client.run(_cpu_s)
                # CPU seconds the workers spent per run: load-independent, unlike the rates
                out[f"worker_cpu_s_per_run_{n}w"] = round(
                    sum(cpu1[w] - cpu0[w] for w in cpu1) / max(1, tally.done), 3)
                rate = tally.done / wall
                busy = sum(r["wall_time_s"] or 0.0 for r in Journal(camp.out).load().values())
                # time inside run_mission over worker time: < 1 means workers waited
                out[f"worker_utilisation_{n}w"] = round(busy / (n * wall), 3)
                out[f"runs_per_s_{n}w"] = round(rate, 3)
                out[f"limit_runs_per_s_{n}w"] = round(n * serial, 3)
                rss = handle.client.run(_maxrss_mb)
                peak = max([peak, *rss.values()])
                say(f"{n} worker(s): {rate:.2f} runs/s ({tally.done} runs in {wall:.1f} s)")
                if n == 1:
                    trivial = _campaign(tmp, "trivial", mission, trivial_runs)
                    c = handle.client
                    cpu0 = (_cpu_s(), c.run_on_scheduler(_cpu_s), sum(c.run(_cpu_s).values()))
                    t0 = time.perf_counter()
                    execute(trivial, handle.client, task=noop_run)
                    per_run = (time.perf_counter() - t0) / trivial_runs
                    cpu1 = (_cpu_s(), c.run_on_scheduler(_cpu_s), sum(c.run(_cpu_s).values()))
                    # CPU cost of the path per run, by process (load-independent); a
                    # LocalCluster's scheduler lives in the client's process
                    same = c.run_on_scheduler(os.getpid) == os.getpid()
                    ms = [(cpu1[k] - cpu0[k]) / trivial_runs * 1000.0 for k in range(3)]
                    if same:
                        out["trivial_client_and_scheduler_cpu_ms_per_run"] = round(ms[0], 3)
                    else:
                        out["trivial_client_cpu_ms_per_run"] = round(ms[0], 3)
                        out["trivial_scheduler_cpu_ms_per_run"] = round(ms[1], 3)
                    out["trivial_worker_cpu_ms_per_run"] = round(ms[2], 3)
                    out["scheduler_overhead_ms_per_run"] = round(per_run * 1000.0, 3)
                    out["trivial_runs"] = trivial_runs
                    say(f"trivial runs: {per_run * 1000:.2f} ms each")
            finally:
                handle.close()
        out["parallel_efficiency_2w"] = round(out["runs_per_s_2w"] / (2 * out["runs_per_s_1w"]), 3)
        out["efficiency_target"] = 0.8
        out["efficiency_limit"] = 1.0
        out["peak_worker_rss_mb"] = round(peak, 1)
        out["cores"] = len(os.sched_getaffinity(0))
        # the figures mean what they say only on an otherwise idle machine
        out["loadavg_1min_at_end"] = round(os.getloadavg()[0], 2)
    return out
