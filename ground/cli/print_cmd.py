"""`rover print`: plan brick prints (estimate + layer preview)."""
from __future__ import annotations

import sys
from dataclasses import replace

import click


@click.group("print")
def print_cmd():
    """The ISRU brick printer (docs/printer.md)."""


@print_cmd.command("plan")
@click.argument("design")
@click.option("--length", "length_mm", type=float, default=None, help="parametric brick length, mm")
@click.option("--width", "width_mm", type=float, default=None, help="parametric brick width, mm")
@click.option("--height", "height_mm", type=float, default=None, help="parametric brick height, mm")
@click.option("--layer", "layer_mm", type=float, default=None, help="layer thickness, mm")
@click.option("--hatch", "hatch_mm", type=float, default=None, help="scan line spacing, mm")
@click.option("--temp", "sinter_c", type=float, default=None, help="sinter temperature, C")
@click.option("--png", "png", type=click.Path(dir_okay=False), default=None,
              help="layer preview (default: DESIGN-plan.png in the current directory)")
def plan_cmd(design, length_mm, width_mm, height_mm, layer_mm, hatch_mm, sinter_c, png):
    """Slice DESIGN (plain-brick, interlocking-brick, hollow-brick, an
    .outline file or a .gcode file), print the time/energy/regolith estimate
    and write a layer-preview PNG."""
    from flight.printer.designs import DesignError
    from flight.printer.estimate import estimate
    from flight.printer.toolpath import ProcessSettings
    from ground.print.load import load_plan
    from ground.print.preview import write_preview

    over = {k: v for k, v in (("layer_mm", layer_mm), ("hatch_mm", hatch_mm),
                              ("sinter_c", sinter_c)) if v is not None}
    try:
        plan = load_plan(design, replace(ProcessSettings(), **over),
                         {"length_mm": length_mm, "width_mm": width_mm, "height_mm": height_mm})
    except DesignError as e:
        click.echo(f"rover print plan: {e}", err=True)
        sys.exit(2)
    est = estimate(plan)
    s = plan.settings
    click.echo(f"design            {plan.name} ({plan.source}), plan {plan.digest()}")
    click.echo(f"process           {s.layer_mm:g} mm layers, {s.hatch_mm:g} mm hatch, "
               f"{s.scan_mmps:g} mm/s scan, sinter at {s.sinter_c:g} C")
    for line in est.lines():
        click.echo(line)
    out = png or f"{plan.name}-plan.png"
    write_preview(plan, out)
    click.echo(f"preview           {out}")
