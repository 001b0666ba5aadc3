"""Degree of sintering of regolith powder from its temperature and dwell:
the law both the simulator's process model (sim_hw/sintering.py) and the
flight software's per-layer quality estimate (flight/printer) use, so it
sits in the shared bottom.  docs/printer.md section 6.

First-order kinetics with an Arrhenius rate,

    X = 1 - exp(-k(T) * t_dwell),   k(T) = k0 * exp(-Ea / (R T))

the thermally activated form of sintering rates (German, Sintering Theory
and Practice, Wiley 1996, ch. 3-4).  Ea and k0 are our assumptions: Ea =
300 kJ/mol (viscous flow of a basaltic glass-rich powder is of this order;
no lunar-regolith value has been published that we could verify) and k0
calibrated so that a 0.6 s dwell at 1000 C gives X = 0.5, i.e. the
temperature at which ESA's solar sintering of regolith simulant produced
coherent bricks (Meurisse et al., Acta Astronautica 152, 2018) is where our
model crosses half-sintered.
"""
from __future__ import annotations

import math

import numpy as np

R_J_MOL_K = 8.314462618          # CODATA 2018
EA_J_MOL = 300e3                 # our assumption (see module docstring)
T_REF_K = 1273.15                # 1000 C ...
DWELL_REF_S = 0.6                # ... for a 0.6 s dwell (3 mm spot at 5 mm/s) ...
X_REF = 0.5                      # ... gives half sintered
K0_PER_S = -math.log(1.0 - X_REF) / DWELL_REF_S * math.exp(EA_J_MOL / (R_J_MOL_K * T_REF_K))

REGOLITH_BULK_G_CM3 = 1.50       # Carrier et al. 1991, Lunar Sourcebook ch. 9


def rate_per_s(temp_c):
    """Arrhenius rate k(T), 1/s (numpy-friendly)."""
    t_k = np.asarray(temp_c, dtype=np.float64) + 273.15
    return K0_PER_S * np.exp(-EA_J_MOL / (R_J_MOL_K * np.maximum(t_k, 1.0)))


def degree(temp_c, dwell_s):
    """Degree of sintering 0..1 of material held at temp_c for dwell_s."""
    dwell = np.maximum(np.asarray(dwell_s, dtype=np.float64), 0.0)
    return 1.0 - np.exp(-rate_per_s(temp_c) * dwell)


def track_quality(temps_c, dwell_s: float) -> float:
    """Mean degree of sintering of a layer whose sinter samples (the spot
    temperature every control tick while sintering) are temps_c, each point
    of the track under the spot for dwell_s."""
    t = np.asarray(temps_c, dtype=np.float64)
    if t.size == 0:
        return 0.0
    return float(degree(t, dwell_s).mean())
