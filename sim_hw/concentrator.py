"""The printer's solar heat source (simulator only): a Fresnel-lens
concentrator with a shutter.  docs/printer.md section 9.

The lens tracks the sun on a two-axis (azimuth-elevation) mount, so the
rover may park facing anywhere.  The power it can put into the sintering
spot at full shutter opening is

    P = A * tau * S * f_disk

with A the aperture, tau the optical efficiency (lens transmission times
the fraction of the focal spot that lands on the powder), S the solar
constant (1361 W/m^2, Kopp & Lean 2011, as sim_hw.sun) and f_disk the
fraction of the solar disk above the local skyline in the sun's azimuth (the horizon model of sim_hw.sun: at the south
pole the sun grazes the horizon, so a ridge or a boulder cuts the light
gradually over an hour rather than at once).  Permanently shadowed ground
gets nothing.  The shutter's opening (the payload board's heater duty) lets
a proportional share through (csrc/sim/head.c).

Our assumptions (no flight concentrator of this size has published
figures): A = 0.20 m^2 (a 0.5 m lens, which a small rover can stow) and
tau = 0.75 (an acrylic Fresnel lens transmits about 0.9; we take off a
further sixth for spot intercept and dust), so the head gets about 204 W in
full sun: the electric bench head's 200 W, so the head's heater guard and
PID figures (docs/printer.md section 5) hold for both variants.
"""
from __future__ import annotations

import math

from sim_hw.sun import SOLAR_CONSTANT_W_M2

APERTURE_M2 = 0.20               # our assumption (module docstring)
OPTICAL_EFF = 0.75               # our assumption (module docstring)
SUN_RADIUS_RAD = math.radians(0.2666)   # the solar disk's angular radius at 1 au (mean)


def disk_fraction_above(el_rad: float, horizon_rad: float) -> float:
    """Fraction of the solar disk's area above a straight skyline at
    horizon_rad, for a disk centred at el_rad (a circular segment)."""
    d = (el_rad - horizon_rad) / SUN_RADIUS_RAD     # centre height over the skyline, in radii
    if d >= 1.0:
        return 1.0
    if d <= -1.0:
        return 0.0
    # area of the part below the line (segment of height 1 - d), normalised by pi
    below = (math.acos(d) - d * math.sqrt(1.0 - d * d)) / math.pi
    return 1.0 - below


FULL_SUN_W = APERTURE_M2 * OPTICAL_EFF * SOLAR_CONSTANT_W_M2


def available_w(sun_el_rad: float, horizon_rad: float, in_psr: bool = False) -> float:
    """Power (W) the concentrator delivers to the spot at full shutter
    opening, for the sun at sun_el_rad and the skyline in its azimuth at
    horizon_rad (never below the level far field)."""
    if in_psr:
        return 0.0
    return FULL_SUN_W * disk_fraction_above(sun_el_rad, max(horizon_rad, 0.0))
