"""Dispersible simulator parameters: the sim:// URL keys a Monte Carlo campaign may set.

Each knob is a field of ``RoverParams`` (plant, soil, sensors) or ``SiteParams``
(terrain), with the same name, so ``sim://?seed=3&soil_phi_deg=30&rock_cfa=0.02``
builds a rover on soil with a 30 deg friction angle on a site with 2 % rock
cover.  The names and ranges are listed in docs/plant.md ("Dispersible
parameters"); values outside the range are refused naming the knob and the range.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Knob:
    name: str
    target: str          # "rover" (RoverParams) or "site" (SiteParams)
    lo: float
    hi: float
    lo_open: bool = False  # lo itself refused
    hi_open: bool = False  # hi itself refused
    integer: bool = False
    doc: str = ""

    def range_text(self) -> str:
        return (f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}"
                f"{')' if self.hi_open else ']'}")

    def check(self, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"{self.name}={value!r} must be finite, range {self.range_text()}")
        low_bad = value <= self.lo if self.lo_open else value < self.lo
        high_bad = value >= self.hi if self.hi_open else value > self.hi
        if low_bad or high_bad:
            raise ValueError(f"{self.name}={value:g} out of physical range {self.range_text()}"
                             + (f" ({self.doc})" if self.doc else ""))
        if self.integer and value != int(value):
            raise ValueError(f"{self.name}={value:g} must be an integer")
        return int(value) if self.integer else float(value)


KNOBS: dict[str, Knob] = {k.name: k for k in (
    # soil (Bekker / Mohr-Coulomb / Janosi-Hanamoto), nominal values in docs/plant.md
    Knob("soil_n", "rover", 0.0, 2.0, lo_open=True, doc="Bekker sinkage exponent"),
    Knob("soil_kc_n_m2", "rover", 0.0, 1e7, doc="Bekker cohesive modulus k_c, N/m^(n+1)"),
    Knob("soil_kphi_n_m3", "rover", 0.0, 1e9, lo_open=True, doc="Bekker frictional modulus k_phi, N/m^(n+2)"),
    Knob("soil_c_pa", "rover", 0.0, 1e5, doc="cohesion, Pa"),
    Knob("soil_phi_deg", "rover", 0.0, 90.0, hi_open=True, doc="internal friction angle, deg"),
    Knob("soil_k_m", "rover", 0.0, 1.0, lo_open=True, doc="shear deformation modulus K, m"),
    Knob("soil_var_frac", "rover", 0.0, 0.9, doc="patch-to-patch spread (2 sigma) of the soil parameters"),
    Knob("soil_patch_m", "rover", 0.0, 1000.0, lo_open=True, doc="correlation length of soil patches, m"),
    # vehicle
    Knob("mass_kg", "rover", 0.0, 1000.0, lo_open=True, doc="rover mass, kg"),
    Knob("cg_height_m", "rover", 0.0, 2.0, lo_open=True, doc="centre-of-gravity height above the contacts, m"),
    # sensors
    Knob("gyro_bias_mdps", "rover", 0.0, 10000.0, doc="gyro power-up bias 1-sigma, mdeg/s"),
    Knob("gyro_noise_mdps", "rover", 0.0, 10000.0, doc="gyro white noise 1-sigma, mdeg/s"),
    Knob("accel_noise_mg", "rover", 0.0, 1000.0, doc="accelerometer white noise 1-sigma, mg"),
    Knob("vo_noise_frac", "rover", 0.0, 1.0, doc="visual odometry per-frame noise, fraction of the step"),
    Knob("vo_scale_sigma_frac", "rover", 0.0, 0.5, doc="visual odometry scale error 1-sigma, fraction"),
    Knob("vo_yaw_noise_mdeg", "rover", 0.0, 10000.0, doc="visual odometry yaw noise per frame, mdeg"),
    # site
    Knob("crater_density_frac", "site", 0.0, 10.0, doc="crater density / equilibrium density"),
    Knob("fresh_crater_frac", "site", 0.0, 1.0, doc="fraction of craters that are fresh"),
    Knob("crater_dd_fresh", "site", 0.0, 1.0, lo_open=True,
         doc="depth/diameter of fresh craters; a crater cannot be deeper than wide"),
    Knob("rock_cfa", "site", 0.0, 0.5, doc="rock cumulative fractional area k (Golombek & Rapp 1997)"),
)}


def split_overrides(values: dict[str, str]) -> tuple[dict, dict]:
    """Parse knob strings -> (rover overrides, site overrides).  ValueError names the knob."""
    rover, site = {}, {}
    for key, raw in values.items():
        knob = KNOBS.get(key)
        if knob is None:
            raise ValueError(f"unknown knob {key!r}; known: {', '.join(sorted(KNOBS))}")
        try:
            v = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{key}={raw!r} is not a number, range {knob.range_text()}") from None
        (rover if knob.target == "rover" else site)[key] = knob.check(v)
    return rover, site


def rover_params(overrides: dict):
    """RoverParams with the given knob overrides (already parsed)."""
    from sim_hw.params import RoverParams

    p = dataclasses.replace(RoverParams(), **overrides)
    p.validate()
    return p
