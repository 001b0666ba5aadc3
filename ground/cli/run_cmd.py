"""`rover run MISSION`: the main job.  Validates the mission, runs it on the
HAL (the simulator by default) with live progress, and writes the run
directory: telemetry.rtlm, events.log, PNG plots, terrain.npz, report.json.
Exit code 0 when the mission passed, 1 when it failed or aborted, 2 when it
could not start."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ground.cli.options import POSITIVE_SECONDS, SEED, WRITABLE_DIR


def _progress_line(fs, wall_s: float) -> str:
    seq = fs.sequencer.slot("mobility")
    cur = seq.current
    where = f"{Path(cur.file).name}:{cur.line}" if cur is not None else "-"
    sim_s = fs.clock.now_ms() / 1000.0
    rate = sim_s / wall_s if wall_s > 0 else 0.0
    return (f"\r[{fs.modes.mode:8}] {where:18} t={sim_s:8.1f} s  "
            f"d={fs.bus.value('rover.distance_m', 0.0):6.1f} m  "
            f"soc={fs.bus.value('power.soc_pct', 0.0):5.1f} %  x{rate:6.0f}   ")


@click.command("run")
@click.argument("mission", type=click.Path(dir_okay=False))
@click.option("--hal", "hal_url", default=None,
              help="HAL URL (default: $ROVER_HAL, else sim://?seed=SEED)")
@click.option("--out", "out_dir", type=WRITABLE_DIR, default=None,
              help="run directory (default runs/<mission>-seed<SEED>)")
@click.option("--seed", type=SEED, default=1, show_default=True, help="simulator seed")
@click.option("--limit-set", type=click.Choice(["FLIGHT", "BENCH"]), default=None,
              help="fault-protection limit set (default: the table's)")
@click.option("--max-sim-s", type=POSITIVE_SECONDS, default=8 * 3600.0, show_default=True,
              help="fail the mission after this much simulated time")
@click.option("--force", is_flag=True,
              help="replace an earlier run in --out (default: refuse)")
@click.option("--lib", "lib_dirs", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="library directory the mission's includes may also open (repeatable)")
@click.option("--quiet", is_flag=True, help="no progress line")
@click.option("--from-campaign", "campaign_dir", type=click.Path(file_okay=False), default=None,
              help="reproduce one run of the campaign in this directory (with --run)")
@click.option("--run", "run_index", type=int, default=None, help="the campaign run to reproduce")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None,
              help="go on with this killed run from its print checkpoint (its seed, HAL and "
                   "limits; docs/printer.md)")
def run(mission, hal_url, out_dir, seed, limit_set, max_sim_s, force, lib_dirs, quiet,
        campaign_dir, run_index, resume_dir):
    """Run a mission sequence (text or compiled) and write a run report.
    A run never replaces an earlier one: the default directory gets a -2, -3
    ... suffix when taken; an explicit --out that holds a run needs --force.
    --resume RUN_DIR goes on with a run killed mid-print, at the layer after
    its last checkpoint (refused, before anything moves, for another mission,
    design or dictionary, or a missing or corrupt checkpoint)."""
    from ground.runner import MissionError, free_run_dir, run_mission
    from hal import resolve_hal_url
    from hal.errors import HalError

    if resume_dir is not None:
        from click.core import ParameterSource
        ctx = click.get_current_context()
        clash = [f"--{n.replace('_', '-')}" for n in ("hal_url", "out_dir", "seed", "limit_set",
                                                       "max_sim_s", "force", "campaign_dir",
                                                       "run_index")
                 if ctx.get_parameter_source(n) not in (ParameterSource.DEFAULT, None)]
        if clash:
            names = ", ".join(c.replace("--hal-url", "--hal").replace("--out-dir", "--out")
                              .replace("--campaign-dir", "--from-campaign")
                              .replace("--run-index", "--run") for c in clash)
            click.echo(f"rover run: --resume takes the run's own settings; drop {names}", err=True)
            sys.exit(2)
    if campaign_dir is not None or run_index is not None:
        from click.core import ParameterSource

        from ground.cli.campaign_run import run_from_campaign
        ctx = click.get_current_context()
        given = [f"--{n.replace('_', '-')}" for n in ("hal_url", "seed", "limit_set", "max_sim_s",
                                                       "lib_dirs")
                 if ctx.get_parameter_source(n) not in (ParameterSource.DEFAULT, None)]
        given = [g.replace("--hal-url", "--hal").replace("--lib-dirs", "--lib") for g in given]
        run_from_campaign(mission, campaign_dir, run_index, out_dir, given, quiet, force)

    try:
        url = None if resume_dir is not None else resolve_hal_url(hal_url, seed=seed, source="--hal")
    except HalError as e:
        click.echo(f"rover run: {e}", err=True)
        sys.exit(2)
    out = (Path(resume_dir) if resume_dir is not None else Path(out_dir) if out_dir else
           free_run_dir(Path("runs") / f"{Path(mission).stem}-seed{seed}"))
    def show_progress(fs, wall_s):
        sys.stderr.write(_progress_line(fs, wall_s))
        sys.stderr.flush()
    progress = None if quiet else show_progress
    try:
        res = run_mission(mission, hal_url=url, seed=seed, out_dir=out, max_sim_s=max_sim_s,
                          limit_set=limit_set, progress=progress, wall_clock=time.perf_counter,
                          force=force, library_paths=lib_dirs, resume_dir=resume_dir)
    except (MissionError, HalError) as e:
        click.echo(f"rover run: {e}", err=True)
        sys.exit(2)
    if not quiet:
        sys.stderr.write("\n")
    r = res.report
    click.echo(f"mission {r['status'].upper()}{': ' + r['reason'] if r['reason'] else ''}")
    click.echo(f"  sim time {r['sim_time_s']:.1f} s in {r['wall_time_s']:.2f} s wall "
               f"(x{r['realtime_factor']}), distance {r['distance_m']:.1f} m, "
               f"energy {r['energy_used_j'] / 3600:.1f} Wh, final mode {r['final_mode']}")
    b = r.get("brick")
    if b is not None:
        click.echo(f"  brick: {b['design']} {b['state']}, {b['layers_printed']}/{b['layers_total']} "
                   f"layers in {b['print_time_s'] / 3600:.2f} h, quality min "
                   f"{b['quality_min'] if b['quality_min'] is not None else '-'}"
                   + (f", resumed at layer {b['resumed']['from_layer']}" if "resumed" in b else ""))
    if r["faults_seen"]:
        click.echo(f"  faults: {len(r['faults_seen'])} (see {out / 'events.log'})")
    click.echo(f"  run directory: {out}")
    sys.exit(0 if r["status"] == "passed" else 1)
