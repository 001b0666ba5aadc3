"""Layers and toolpaths: what the print job executes.

A ``Plan`` is the sinter temperature, the process settings and one
``Layer`` per Z step; a layer's toolpath is an ordered list of straight
moves ``[x0, y0, x1, y1]`` (mm, numpy float64 [n, 4]) with a flag per move:
True = sinter (heat source on the powder, at scan speed), False = travel.
Slicing a design and reading G-code both produce a Plan.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ProcessSettings:
    """Sintering process values; every default is sourced or labelled in
    docs/printer.md section 3."""
    layer_mm: float = 1.0
    hatch_mm: float = 2.5
    spot_mm: float = 3.0
    scan_mmps: float = 5.0
    travel_mmps: float = 40.0
    sinter_c: float = 1100.0
    max_head_c: float = 1500.0     # the head's rating; setpoints above are refused


@dataclass
class Layer:
    index: int
    z_mm: float
    moves: np.ndarray              # float64 [n, 4]
    sinter: np.ndarray             # bool [n]
    region: list = field(default_factory=list)   # the sliced outline, [] for G-code

    @property
    def sinter_len_mm(self) -> float:
        m = self.moves[self.sinter]
        return float(np.hypot(m[:, 2] - m[:, 0], m[:, 3] - m[:, 1]).sum())

    @property
    def travel_len_mm(self) -> float:
        m = self.moves[~self.sinter]
        return float(np.hypot(m[:, 2] - m[:, 0], m[:, 3] - m[:, 1]).sum())


@dataclass
class Plan:
    name: str
    source: str
    settings: ProcessSettings
    layers: list[Layer]

    def digest(self) -> str:
        """A hash of everything that decides what is printed (checkpoints
        refuse to resume a different plan)."""
        h = hashlib.sha256()
        h.update(json.dumps({"name": self.name, "source": self.source,
                             "settings": self.settings.__dict__}, sort_keys=True).encode())
        for layer in self.layers:
            h.update(np.float64(layer.z_mm).tobytes())
            h.update(np.ascontiguousarray(layer.moves, dtype="<f8").tobytes())
            h.update(np.ascontiguousarray(layer.sinter, dtype=np.uint8).tobytes())
        return h.hexdigest()[:16]
