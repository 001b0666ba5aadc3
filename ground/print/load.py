"""DESIGN argument of `rover print ...` -> a Plan: a parametric brick name
(with --length/--width/--height), an ``.outline`` file or a ``.gcode`` file."""
from __future__ import annotations

from pathlib import Path

from flight.printer.designs import PARAMETRIC, DesignError
from flight.printer.gcode import load_gcode
from flight.printer.outline_file import load_outline
from flight.printer.slicer import slice_design
from flight.printer.toolpath import ProcessSettings


def load_plan(design: str, settings: ProcessSettings = ProcessSettings(), dims: dict | None = None):
    dims = {k: v for k, v in (dims or {}).items() if v is not None}
    if design in PARAMETRIC:
        return slice_design(PARAMETRIC[design](**dims), settings)
    p = Path(design)
    if dims:
        raise DesignError(f"{design}: --length/--width/--height apply to the parametric bricks "
                          f"({', '.join(PARAMETRIC)}) only")
    if p.suffix.lower() in (".gcode", ".gco", ".g"):
        return load_gcode(p, settings)
    if p.suffix.lower() == ".outline":
        return slice_design(load_outline(p), settings)
    raise DesignError(f"unknown design {design!r}: give one of {', '.join(PARAMETRIC)}, "
                      "an .outline file or a .gcode file")
