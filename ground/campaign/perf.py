"""`rover perf campaign`: campaign throughput on 1 and 2 local Dask workers,
parallel efficiency, peak memory per worker, and the scheduler's cost per
run (a campaign of trivial runs).

Every figure goes through the real path (LocalCluster of single-threaded
worker processes, scatter, submit, journal); the physical limit printed
beside the rates is the number of workers times the rate of the same runs
executed serially in this process (no Dask at all), and 1.0 for the
efficiency.

How the efficiency is measured, and why (a comparison of two wall-clock
rates taken at different moments is only as good as the machine was equal
at both):

- both clusters are started, and every worker has done one untimed run
  (imports, the site, its horizon table), before any timing: neither start-up
  nor warm-up is in a rate;
- each timed phase gives the cluster k runs per worker (1 worker: k runs; 2
  workers: 2k runs), k = 30 by default: a phase lasts about 30 runs' time
  (~7 s on an idle core), so the start of a phase and its tail (the last run
  on one worker while the other has nothing left) are about 1 % of it;
- the runs are spread over the workers by Dask as a user's campaign is (each
  worker takes the next run when it has finished one), not pinned: the runs
  and the share of the phase's wall time each worker spent computing runs
  (Dask's task stream) are reported per phase, so an imbalance or a worker
  left waiting shows;
- a phase in which any run crashed or timed out is an error, not a rate (a
  crashed run costs nothing and would inflate it);
- the phases alternate 1, 2, 2, 1 workers (ABBA), repeated: a load that
  drifts linearly in time weighs both configurations the same, and the
  efficiency is taken over the summed phases, with the spread of the
  per-round efficiencies beside it;
- what the rest of the machine used during the phases of each configuration
  is read from /proc/stat (all CPU time minus that of this process, the
  workers and their nannies; and the hypervisor's steal time), so a reader can
  see whether the two configurations met the same machine;
- the CPU the workers got is split out: the efficiency is exactly the product
  of the CPU supply ratio (worker CPU per wall second with two workers over
  twice that with one) and the CPU efficiency (CPU per run with one worker over
  that with two).  The first is the machine's doing: a kernel that shares the
  CPU per session (CFS autogroup, on by default on many distributions) gives
  the benchmark's session one share among the busy sessions whether it runs
  one worker or two; the second is the campaign's;
- the workers' own CPU seconds per run, per configuration, do not depend on
  the load: their ratio says whether two workers slow each other down
  (shared caches, memory bandwidth, clock), which no scheduling can fix.
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
ABBA = (1, 2, 2, 1)
_TICK = os.sysconf("SC_CLK_TCK")


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: KiB


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _pids() -> tuple[int, int]:
    """(worker pid, its parent: the nanny)."""
    return os.getpid(), os.getppid()


def _proc_cpu_s(pid: int) -> float:
    """CPU seconds of a process (all its threads) from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK        # utime, stime


def _machine() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, steal seconds) from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return 0.0, 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK


def _cpu_sharing() -> str:
    """How the kernel shares CPU among competing processes."""
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as f:
            if f.read().strip() == "1":
                return "per session (CFS autogroup): the benchmark's processes share one session's share"
    except OSError:
        pass
    return "per process"


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


class _Ours:
    """CPU seconds of every process of ours: this one (client, schedulers and, for a
    LocalCluster, the nannies), the workers, and any nanny process of their own."""

    def __init__(self, handles):
        pids = {os.getpid()}
        for h in handles:
            for wpid, nanny in h.client.run(_pids).values():
                pids |= {wpid, nanny}
        self.pids = sorted(pids)

    def cpu_s(self) -> float:
        return sum(_proc_cpu_s(p) for p in self.pids)


def worker_busy(stream: list[dict], workers) -> dict[str, tuple[int, float]]:
    """Runs and seconds spent computing them, per worker, from Dask's task
    stream (what the worker itself timed around each run function, so the
    whole run: its set-up, the mission, the row), every worker of the cluster
    included (0 runs if it got none)."""
    out = {w: [0, 0.0] for w in workers}
    for rec in stream:
        if not str(rec["key"]).startswith("run-"):
            continue
        w = out.setdefault(rec["worker"], [0, 0.0])
        w[0] += 1
        w[1] += sum(ss["stop"] - ss["start"] for ss in rec["startstops"] if ss["action"] == "compute")
    return {w: (k, b) for w, (k, b) in out.items()}


def check_phase(name: str, n: int, expected: int, done: int, rows: list[dict]) -> None:
    """A run that crashed or timed out simulated nothing: counted as done, it
    would inflate the rate.  A timed phase must have run every one of its runs
    to the end of its mission (passed, failed or aborted by the flight software)."""
    from ground.campaign import CampaignError

    bad = [r for r in rows if r["status"] in ("crashed", "timeout")]
    if bad or done != expected or len(rows) != expected:
        first = f" (first: run {bad[0]['run']} {bad[0]['status']}: {bad[0]['reason']})" if bad else ""
        raise CampaignError(f"benchmark phase {name} ({n} worker(s)): {len(bad)} of {len(rows)} runs "
                            f"crashed or timed out, {done} of {expected} ran{first}; its rate would "
                            "not measure missions")


def _phase(handle, n: int, tmp: Path, name: str, mission: Path, runs_per_worker: int,
           ours: _Ours) -> dict:
    from distributed import get_task_stream

    from ground.campaign.engine import execute
    from ground.campaign.journal import Journal

    camp = _campaign(tmp, name, mission, runs_per_worker * n)
    c = handle.client
    wcpu0 = c.run(_cpu_s)
    m0, s0, o0 = *_machine(), ours.cpu_s()
    with get_task_stream(client=c) as stream:
        t0 = time.perf_counter()
        tally = execute(camp, c)
        wall = time.perf_counter() - t0
    m1, s1, o1 = *_machine(), ours.cpu_s()
    wcpu1 = c.run(_cpu_s)
    rows = list(Journal(camp.out).load().values())
    check_phase(name, n, runs_per_worker * n, tally.done, rows)
    per_worker = worker_busy(stream.data, c.scheduler_info()["workers"])
    return {
        "n": n, "runs": tally.done, "wall_s": wall,
        "sim_s": sum(r["sim_time_s"] or 0.0 for r in rows),
        "busy_s": sum(b for _, b in per_worker.values()),
        "worker_cpu_s": sum(wcpu1[w] - wcpu0[w] for w in wcpu1),
        "ours_cpu_s": o1 - o0,
        "others_cpu_s": max(0.0, (m1 - m0) - (o1 - o0)),
        "steal_s": s1 - s0,
        "runs_per_worker": sorted(k for k, _ in per_worker.values()),
        "busy_share_per_worker": sorted(round(b / wall, 3) for _, b in per_worker.values()),
    }


def _sum(phases, key):
    return sum(p[key] for p in phases)


RUNS_PER_WORKER = 30     # a phase of about 7 s per idle core: the scheduler's start and tail are ~1 %
ROUNDS = 3
TRIVIAL_RUNS = 500


def measure_campaign(mission: Path, runs_per_worker: int = RUNS_PER_WORKER,
                     trivial_runs: int = TRIVIAL_RUNS, progress=None, rounds: int = ROUNDS) -> dict:
    from ground.campaign.cluster import open_cluster
    from ground.campaign.engine import execute
    from ground.campaign.task import execute_run, noop_run

    say = progress or (lambda m: None)
    out: dict = {"mission": mission.name, "runs_per_worker": runs_per_worker, "rounds": rounds,
                 "phase_order": "ABBA (1, 2, 2, 1 workers) per round",
                 "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}
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
        handles = {}
        try:
            for n in (1, 2):
                handles[n] = h = open_cluster(None, n)
                camp = _campaign(tmp, f"warm{n}", mission, 1)
                warm = [h.client.submit(_warm, camp.bundle, camp.spec(0)[0], pure=False,
                                        workers=[w])
                        for w in sorted(h.client.scheduler_info()["workers"])]
                h.client.gather(warm)
            ours = _Ours(handles.values())
            phases: list[dict] = []
            for r in range(rounds):
                for k, n in enumerate(ABBA):
                    p = _phase(handles[n], n, tmp, f"r{r}p{k}w{n}", mission, runs_per_worker, ours)
                    phases.append(p)
                    say(f"round {r + 1}/{rounds}, {n} worker(s): {p['runs'] / p['wall_s']:.2f} "
                        f"runs/s ({p['runs']} runs in {p['wall_s']:.1f} s, per worker "
                        f"{p['runs_per_worker']}, busy {p['busy_share_per_worker']}; the rest of "
                        f"the machine used {p['others_cpu_s'] / p['wall_s']:.2f} cores)")
            # peak resident memory of each worker process, over everything it ran
            peaks = sorted(round(v, 1) for h in handles.values()
                           for v in h.client.run(_maxrss_mb).values())
            # the scheduler's cost per run: trivial runs on the 1-worker cluster, with
            # the 2-worker cluster (whose scheduler shares this process) closed
            handles.pop(2).close()
            c = handles[1].client
            trivial = _campaign(tmp, "trivial", mission, trivial_runs)
            cpu0 = (_cpu_s(), c.run_on_scheduler(_cpu_s), sum(c.run(_cpu_s).values()))
            t0 = time.perf_counter()
            execute(trivial, c, task=noop_run)
            per_run = (time.perf_counter() - t0) / trivial_runs
            cpu1 = (_cpu_s(), c.run_on_scheduler(_cpu_s), sum(c.run(_cpu_s).values()))
            same = c.run_on_scheduler(os.getpid) == os.getpid()
            ms = [(cpu1[k] - cpu0[k]) / trivial_runs * 1000.0 for k in range(3)]
            if same:        # a LocalCluster's scheduler lives in the client's process
                out["trivial_client_and_scheduler_cpu_ms_per_run"] = round(ms[0], 3)
            else:
                out["trivial_client_cpu_ms_per_run"] = round(ms[0], 3)
                out["trivial_scheduler_cpu_ms_per_run"] = round(ms[1], 3)
            out["trivial_worker_cpu_ms_per_run"] = round(ms[2], 3)
            out["scheduler_overhead_ms_per_run"] = round(per_run * 1000.0, 3)
            out["trivial_runs"] = trivial_runs
            say(f"trivial runs: {per_run * 1000:.2f} ms each")
        finally:
            for h in handles.values():
                h.close()
    out.update(phase_figures(phases, rounds, serial))
    out["phases"] = [{"n": p["n"], "runs": p["runs"], "wall_s": round(p["wall_s"], 2),
                      "runs_per_worker": p["runs_per_worker"],
                      "busy_share_per_worker": p["busy_share_per_worker"],
                      "others_cores": round(p["others_cpu_s"] / p["wall_s"], 2)} for p in phases]
    out["cpu_sharing"] = _cpu_sharing()
    out["efficiency_target"] = 0.8
    out["efficiency_limit"] = 1.0
    out["peak_worker_rss_mb"] = peaks[-1]
    out["peak_worker_rss_mb_each"] = peaks
    out["cores"] = len(os.sched_getaffinity(0))
    out["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


def phase_figures(phases: list[dict], rounds: int, serial_runs_per_s: float) -> dict:
    """The rates and efficiencies of the timed phases (ABBA rounds of 1 and 2 workers)."""
    out: dict = {}
    serial = serial_runs_per_s
    by_n = {n: [p for p in phases if p["n"] == n] for n in (1, 2)}
    for n, ps in by_n.items():
        wall = _sum(ps, "wall_s")
        out[f"runs_per_s_{n}w"] = round(_sum(ps, "runs") / wall, 3)
        out[f"limit_runs_per_s_{n}w"] = round(n * serial, 3)
        out[f"sim_s_per_s_{n}w"] = round(_sum(ps, "sim_s") / wall, 1)
        # time the workers spent computing runs (Dask's task stream) over their
        # wall time: < 1 means a worker waited for a run (scheduling, imbalance, tail)
        out[f"worker_utilisation_{n}w"] = round(_sum(ps, "busy_s") / (n * wall), 3)
        # CPU seconds the workers spent per run: load-independent, unlike the rates
        out[f"worker_cpu_s_per_run_{n}w"] = round(_sum(ps, "worker_cpu_s") / _sum(ps, "runs"), 3)
        # cores this benchmark's processes got (the workers; all of ours), and what
        # the rest of the machine used
        out[f"worker_cores_{n}w"] = round(_sum(ps, "worker_cpu_s") / wall, 3)
        out[f"our_cores_{n}w"] = round(_sum(ps, "ours_cpu_s") / wall, 2)
        out[f"others_cores_{n}w"] = round(_sum(ps, "others_cpu_s") / wall, 2)
        out[f"steal_cores_{n}w"] = round(_sum(ps, "steal_s") / wall, 2)
        out[f"runs_per_worker_{n}w"] = sorted({tuple(p["runs_per_worker"]) for p in ps})
        # the least busy worker of any phase: well under the utilisation means a
        # worker waited while another still ran (an imbalance or a long tail)
        out[f"busy_share_min_{n}w"] = min(min(p["busy_share_per_worker"]) for p in ps)
    def rate(ps, key="runs"):            # unrounded: the ratios below are taken on these
        return _sum(ps, key) / _sum(ps, "wall_s")
    out["parallel_efficiency_2w"] = round(rate(by_n[2]) / (2 * rate(by_n[1])), 3)
    # the same on simulated seconds per second: insensitive to which runs each phase ran
    out["parallel_efficiency_2w_sim_s"] = round(rate(by_n[2], "sim_s") / (2 * rate(by_n[1], "sim_s")), 3)
    per_round = []
    for r in range(rounds):
        ps = phases[4 * r:4 * r + 4]
        a = [p for p in ps if p["n"] == 1]
        b = [p for p in ps if p["n"] == 2]
        per_round.append(round(rate(b) / (2 * rate(a)), 3))
    out["parallel_efficiency_2w_per_round"] = per_round
    # > 1 would mean the second worker slows the first down (shared cache, memory, clock)
    cpu_run = {n: _sum(ps, "worker_cpu_s") / _sum(ps, "runs") for n, ps in by_n.items()}
    out["worker_cpu_per_run_ratio_2w_1w"] = round(cpu_run[2] / cpu_run[1], 3)
    # runs per worker CPU second, 2 workers over 1: the efficiency the workers would
    # have if each had a core of its own (load-independent; not the target's figure)
    out["cpu_efficiency_2w"] = round(cpu_run[1] / cpu_run[2], 3)
    # CPU the two workers got over twice what the one got: 1.0 when each worker has a
    # core.  parallel_efficiency_2w = cpu_supply_ratio_2w x cpu_efficiency_2w exactly
    # (rates are worker cores over CPU per run); under a kernel that shares the CPU
    # per session (CFS autogroup) among busy sessions, a second worker in the same
    # session gets no more CPU, and this ratio, not the campaign code, caps the rate.
    w1 = sum(p["worker_cpu_s"] for p in by_n[1]) / sum(p["wall_s"] for p in by_n[1])
    w2 = sum(p["worker_cpu_s"] for p in by_n[2]) / sum(p["wall_s"] for p in by_n[2])
    out["cpu_supply_ratio_2w"] = round(w2 / (2 * w1), 3)
    return out
