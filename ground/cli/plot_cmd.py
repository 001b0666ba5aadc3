"""`rover plot RUN`: PNG plots of a recorded run (path, wheels, mode timeline,
power, temperatures).  Plots whose channels the run lacks are skipped."""
from __future__ import annotations

import click

from ground.cli.options import WRITABLE_DIR

from ground.cli.tlm_cmd import load_run


@click.command("plot")
@click.argument("run", type=click.Path())
@click.option("-o", "--out", "out_dir", type=WRITABLE_DIR,
              help="Output directory (default: RUN/plots).")
def plot(run, out_dir):
    """Write PNG plots of RUN (a run directory or its telemetry.rtlm)."""
    from ground.tlm.plots import plot_run_report    # matplotlib import only when plotting
    log = load_run(run)
    made, skipped = plot_run_report(log, out_dir)
    for p in made:
        click.echo(f"wrote {p}")
    for name, needs in skipped.items():
        click.echo(f"skipped {name}: run has no {needs}")
    if not made:
        click.echo("no plots: the run has none of the plotted channels", err=True)
