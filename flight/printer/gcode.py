"""A small G-code subset for people coming from 3D printers.

Supported (anything else is an error naming file:line:col):

    G0 [X..] [Y..] [Z..] [F..]   travel (heat source shuttered)
    G1 [X..] [Y..] [Z..] [F..]   sinter along the line at the scan speed
    G28                          home all axes (the job homes first anyway)
    M104 S<C>                    set the sinter temperature
    M109 S<C>                    set it and wait (the job's PREHEAT)
    ; comment                    also ( ... ) is not supported: use ';'

Coordinates are absolute millimetres (G90/G21 semantics, the only ones).
A change of Z starts a new layer; Z must rise by exactly the layer
thickness each time (the recoater spreads one layer per step).  The
temperature is one value for the whole job.  F is accepted and ignored:
scan and travel speeds are process settings.
"""
from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from flight.printer.designs import BuildVolume, DesignError
from flight.printer.toolpath import Layer, Plan, ProcessSettings
from flight.printer.design_text import read_design_text

SUPPORTED = ("G0", "G1", "G28", "M104", "M109")
MAX_BYTES = 5_000_000
_WORD = re.compile(r"([A-Za-z])([-+]?(?:\d+\.?\d*|\.\d+))")


def _words(code: str, path, ln: int, col0: int):
    """Parse 'X10 Y-2.5' -> {X: (10.0, col)}; junk is an error."""
    out = {}
    pos = 0
    while pos < len(code):
        if code[pos].isspace():
            pos += 1
            continue
        m = _WORD.match(code, pos)
        if not m:
            raise DesignError(f"{path}:{ln}:{col0 + pos}: cannot read {code[pos:].split()[0]!r} "
                              "(expected a letter and a number, e.g. X10.5)")
        letter = m.group(1).upper()
        if letter in out:
            raise DesignError(f"{path}:{ln}:{col0 + pos}: {letter} given twice")
        out[letter] = (float(m.group(2)), col0 + pos)
        pos = m.end()
    return out


def load_gcode(path, settings: ProcessSettings = ProcessSettings(),
               volume: BuildVolume = BuildVolume()) -> Plan:
    path = Path(path)
    text = read_design_text(path, MAX_BYTES)
    x = y = 0.0
    z = None
    temp = None
    layers: list[tuple[float, list, list]] = []
    for ln, line in enumerate(text.splitlines(), 1):
        code = line.split(";", 1)[0]
        stripped = code.strip()
        if not stripped:
            continue
        col = len(code) - len(code.lstrip()) + 1
        head = stripped.split()[0]
        cmd = head.upper()
        m = re.fullmatch(r"([GM])0*(\d+)", cmd)
        norm = f"{m.group(1)}{m.group(2)}" if m else cmd
        if norm not in SUPPORTED:
            raise DesignError(f"{path}:{ln}:{col}: unsupported G-code {head!r} "
                              f"(supported: {' '.join(SUPPORTED)})")
        words = _words(stripped[len(head):], path, ln, col + len(head))
        allowed = {"G0": "XYZF", "G1": "XYZF", "G28": "XYZ", "M104": "S", "M109": "S"}[norm]
        for letter, (_, wcol) in words.items():
            if letter not in allowed:
                raise DesignError(f"{path}:{ln}:{wcol}: {norm} takes no {letter} word")
        if norm in ("M104", "M109"):
            if "S" not in words:
                raise DesignError(f"{path}:{ln}:{col}: {norm} needs S<temperature C>")
            s, scol = words["S"]
            if s <= 0:
                raise DesignError(f"{path}:{ln}:{scol}: temperature {s:g} C must be positive")
            if s > settings.max_head_c:
                raise DesignError(f"{path}:{ln}:{scol}: setpoint {s:g} C is above the head's "
                                  f"rating {settings.max_head_c:g} C")
            if temp is not None and s != temp:
                raise DesignError(f"{path}:{ln}:{scol}: temperature changes from {temp:g} to {s:g} C; "
                                  "one sinter temperature per job")
            temp = s
            continue
        if norm == "G28":
            continue
        nx = words.get("X", (x, 0))[0]
        ny = words.get("Y", (y, 0))[0]
        if "Z" in words:
            nz, zcol = words["Z"]
            if nz != z:
                want = settings.layer_mm if z is None else z + settings.layer_mm
                if not math.isclose(nz, want, abs_tol=1e-6):
                    raise DesignError(f"{path}:{ln}:{zcol}: Z {nz:g} mm: each layer must rise by the "
                                      f"layer thickness {settings.layer_mm:g} mm (expected {want:g})")
                if nz > volume.z_mm:
                    raise DesignError(f"{path}:{ln}:{zcol}: Z {nz:g} mm is above the build volume "
                                      f"({volume.z_mm:g} mm)")
                z = nz
                layers.append((z, [], []))
        for letter, lim in (("X", volume.x_mm), ("Y", volume.y_mm)):
            if letter in words and not 0 <= words[letter][0] <= lim:
                raise DesignError(f"{path}:{ln}:{words[letter][1]}: {letter} {words[letter][0]:g} mm "
                                  f"is outside the build volume (0..{lim:g} mm)")
        if (nx, ny) != (x, y):
            if z is None:
                if norm == "G1":
                    raise DesignError(f"{path}:{ln}:{col}: G1 before the first layer's Z")
            else:
                layers[-1][1].append((x, y, nx, ny))
                layers[-1][2].append(norm == "G1")
        x, y = nx, ny
    if not layers or not any(any(f) for _, _, f in layers):
        raise DesignError(f"{path}: no G1 (sinter) moves")
    if temp is not None:
        settings = replace(settings, sinter_c=temp)
    out = []
    for k, (zl, moves, flags) in enumerate(layers):
        out.append(Layer(k, zl, np.array(moves, dtype=np.float64).reshape(-1, 4),
                         np.array(flags, dtype=bool)))
    return Plan(path.stem, f"gcode {path.name}", settings, out)
