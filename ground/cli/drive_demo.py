"""`rover drive-demo`: plan round the slope hazard and drive ~100 m in simulated time."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from ground.cli.options import SEED, WRITABLE_DIR, FiniteFloat


@click.command("drive-demo")
@click.option("--seed", type=SEED, default=1, show_default=True, help="simulator seed")
@click.option("--out", "out_dir", type=WRITABLE_DIR, default="out/drive-demo",
              show_default=True, help="directory for path.png and summary.json")
@click.option("--hal", "hal_url", default=None, help="HAL URL (default: $ROVER_HAL, else sim://?seed=SEED)")
@click.option("--goal", nargs=2, type=FiniteFloat(-1000.0, 1000.0, unit="m"), default=(90.0, 20.0), show_default=True,
              help="goal x_m y_m")
@click.option("--speed", "speed_mps", type=FiniteFloat(0.0, 1.0, lo_open=True, unit="m/s"), default=0.2, show_default=True, help="m/s")
@click.option("--quiet", is_flag=True, help="no progress line")
def drive_demo(seed, out_dir, hal_url, goal, speed_mps, quiet):
    """Drive a planned traverse and write path.png and summary.json."""
    from hal import open_hal, resolve_hal_url
    from hal.errors import HalError
    from ground.traverse import run_traverse, summary_dict, write_path_png
    from flight.rover.navigator import NavRefusedError
    from flight.rover.planner import PlanError
    from flight.rover.rover import Rover

    try:
        url = resolve_hal_url(hal_url, seed=seed, source="--hal")
        hal = open_hal(url)
    except HalError as e:
        click.echo(f"rover drive-demo: {e}", err=True)
        sys.exit(2)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wall0 = time.perf_counter()     # the CLI may read wall time: only for the speed-up figure
    tty = sys.stderr.isatty()

    def progress(sim_s, dist_m):
        if quiet:
            return
        wall = time.perf_counter() - wall0
        line = (f"t_sim {sim_s:7.1f} s  distance {dist_m:6.1f} m  "
                f"speed-up {sim_s / wall if wall > 0 else 0:7.0f}x")
        click.echo(("\r" + line) if tty else line, nl=not tty, err=True)

    try:
        rover = Rover(hal)
        res = run_traverse(hal, rover, goal_xy_m=tuple(goal), speed_mps=speed_mps,
                           progress=progress)
    except (PlanError, NavRefusedError) as e:
        hal.close()
        raise click.ClickException(f"traverse refused: {e}") from None
    wall = time.perf_counter() - wall0
    if tty and not quiet:
        click.echo("", err=True)
    summary = summary_dict(res, wall)
    summary["hal"] = url
    write_path_png(out / "path.png", hal.terrain_map(), res,
                   no_go_slope_deg=rover.planner_config.no_go_slope_deg,
                   title=f"drive demo ({url})")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    hal.close()
    click.echo(f"{summary['status']}: {summary['distance_m']:.1f} m in {summary['sim_time_s']:.0f} s "
               f"simulated, {summary['wall_time_s']:.2f} s wall ({summary['realtime_factor']:.0f}x), "
               f"odometry error {summary['odometry_error_m']} m; wrote {out}/path.png, summary.json")
    if res.status != "SUCCEEDED":
        click.echo(f"traverse failed: {res.reason}", err=True)
        sys.exit(1)
