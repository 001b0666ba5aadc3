"""`rover campaign MISSION --runs N --dispersions FILE --out DIR`: a Monte
Carlo campaign on Dask (docs/campaigns.md).  Exit 0 when every requested
run is recorded, 2 when the campaign could not start (nothing ran), 130
when interrupted (run the same command again to resume)."""
from __future__ import annotations

import sys
import time

import click


def _duration(s: float | None) -> str:
    if s is None:
        return "--"
    s = int(round(s))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s"


def progress_line(tally, now: float) -> str:
    done = tally.resumed + tally.done
    return (f"\r[campaign] {done}/{tally.total} runs done"
            + (f" ({tally.resumed} resumed)" if tally.resumed else "")
            + f"  not passed {tally.not_passed}"
            + (f" (crashed/timeout {tally.crashed})" if tally.crashed else "")
            + f"  {tally.rate(now):.2f} runs/s  ETA {_duration(tally.eta_s(now))}   ")


@click.command("campaign")
@click.argument("mission", type=click.Path(dir_okay=False))
@click.option("--runs", type=int, required=True, help="number of runs (runs 0..N-1)")
@click.option("--dispersions", "dispersions", type=click.Path(dir_okay=False), required=True,
              help="TOML file: what varies and how")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="campaign directory (resumed if it holds this campaign)")
@click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786 "
              "(default: a local cluster)")
@click.option("--workers", type=int, default=None,
              help="local cluster size (default: one worker per core)")
@click.option("--connect-timeout-s", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="how long to try reaching --scheduler")
@click.option("--seed", type=int, default=None, help="campaign seed (default: the file's, else 1)")
@click.option("--run-timeout-s", type=float, default=900.0, show_default=True,
              help="wall-clock budget of one run; a run over it is recorded as timeout")
@click.option("--keep-runs", is_flag=True,
              help="also write each run's full directory (telemetry, plots) under DIR/runs/")
@click.option("--retry-crashed", is_flag=True, help="run crashed and timed-out runs again")
@click.option("--no-report", is_flag=True, help="table and summary only, no plots")
@click.option("--quiet", is_flag=True, help="no progress line")
def campaign(mission, runs, dispersions, out_dir, scheduler, workers, connect_timeout_s, seed,
             run_timeout_s,
             keep_runs, retry_crashed, no_report, quiet):
    """Run MISSION many times with dispersed parameters on a Dask cluster."""
    from ground.campaign import CampaignError
    from ground.campaign.engine import claim_dir, execute, finish, prepare

    def fail(msg):
        click.echo(f"rover campaign: {msg}", err=True)
        sys.exit(2)
    if not run_timeout_s > 0:
        fail(f"--run-timeout-s must be > 0, got {run_timeout_s}")
    try:
        camp = prepare(mission, dispersions, out_dir, runs, seed, claim=False)
    except CampaignError as e:
        fail(str(e))
    from ground.campaign.cluster import open_cluster
    try:
        handle = open_cluster(scheduler, workers, connect_timeout_s=connect_timeout_s)
    except CampaignError as e:
        fail(str(e))
    claim_dir(camp)              # inputs and cluster are good: now the directory is this campaign's
    last = [0.0]

    def show(row, tally):
        now = time.perf_counter()
        if not quiet and (now - last[0] >= 0.5 or tally.resumed + tally.done == tally.total):
            sys.stderr.write(progress_line(tally, now))
            sys.stderr.flush()
            last[0] = now
    try:
        where = "local cluster" if scheduler is None else f"scheduler {scheduler}"
        click.echo(f"campaign {camp.identity['mission']} seed {camp.disp.seed}: {runs} runs on "
                   f"{where}, {handle.n_workers} workers -> {camp.out}", err=True)
        if handle.dashboard:
            click.echo(f"Dask dashboard: {handle.dashboard}", err=True)
        tally = execute(camp, handle.client, run_timeout_s=run_timeout_s, keep_runs=keep_runs,
                        retry_crashed=retry_crashed, on_row=show)
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        click.echo(f"rover campaign: interrupted; finished runs are in {camp.out}/runs.jsonl, "
                   "run the same command again to resume", err=True)
        finish(camp, report=False)
        sys.exit(130)
    finally:
        handle.close()
    if not quiet and tally.done:
        sys.stderr.write("\n")
    summary = finish(camp, report=not no_report)
    s = summary["success"]
    st = summary["by_status"]
    lo, hi = s["wilson95"]
    click.echo(f"{summary['runs_done']} runs: {s['passed']} passed"
               + (f" ({s['rate']:.1%}, 95 % interval {lo:.1%}-{hi:.1%})" if s["runs"] else "")
               + f"; failed {st['failed']}, aborted {st['aborted']}, crashed {st['crashed']}, "
               f"timeout {st['timeout']}")
    for g in summary["failures_by_reason"][:5]:
        click.echo(f"  {g['count']:5d} x {g['reason']}  (e.g. run {g['runs'][0]})")
    click.echo(f"  table {camp.out / 'results.parquet'}, summary {camp.out / 'summary.json'}"
               + ("" if no_report else f", report {camp.out / 'report.html'}"))
    sys.exit(0)
