"""Steady slip against slope: the C plant driven straight up test slopes.

``measure_slip(slope_deg)`` drives the simulated rover (nominal soil, no patch
variation) up a uniform slope at full wheel speed and reports the mean slip
over the last seconds; ``wong_slip(slope_deg)`` is the same soil model solved
in closed form (Bekker sinkage, Wong's integrated Janosi-Hanamoto shear,
equal wheel loads), an independent check of the time-stepped plant.
Used by ``rover perf traction`` and the slip-vs-slope figure in docs/plant.md.
"""
from __future__ import annotations

import dataclasses
import math

from sim_hw.params import RoverParams

SLOPES_DEG = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
REFRESH_MS = 100   # drive command refresh, as the flight cycle (inside the board deadline)
EMBED_SLIP = 0.6
SITE_SIZE_M = 120.0


def nominal(params: RoverParams | None = None, **overrides) -> RoverParams:
    """Params on nominal, uniform soil (no patches)."""
    p = params if params is not None else RoverParams()
    return dataclasses.replace(p, soil_var_frac=0.0, **overrides)


def drive(sim, ms: int, wheel_mradps: int) -> None:
    """Run the simulator for ms with all wheels commanded to wheel_mradps through
    the mobility board's MOB_DRIVE command, refreshed with a heartbeat every cycle."""
    from common.dictionary import default_dictionary
    from common.dictionary import packets as P

    d = default_dictionary()
    args = {f"w_{n}": int(wheel_mradps) for n in ("fl", "fr", "ml", "mr", "rl", "rr")}
    args.update({f"s_{n}": 0 for n in ("fl", "fr", "rl", "rr")})
    payload = P.encode_board_command(d, "MOB_DRIVE", **args)
    left = ms
    while left > 0:
        sim.heartbeat("mobility")
        sim.command("mobility", 1, payload)
        n = min(REFRESH_MS, left)
        sim.advance(n)
        left -= n


def measure_slip(slope_deg: float, params: RoverParams | None = None, drive_ms: int = 20000,
                 avg_ms: int = 5000, seed: int = 1) -> dict:
    """Drive straight uphill at the top wheel speed; mean slip over the last avg_ms."""
    from sim_hw.simulator import Simulator
    from sim_hw.site import site_from_name

    p = nominal(params)
    site = site_from_name("test-slope", 0, size_m=SITE_SIZE_M, slope_deg=slope_deg)
    sim = Simulator(site, seed=seed, start_xy_m=(-SITE_SIZE_M / 2 + 5.0, 0.0), params=p)
    drive(sim, drive_ms - avg_ms, p.max_wheel_mradps)
    x0 = sim.truth_x_m
    slips, n = 0.0, 0
    for _ in range(avg_ms // REFRESH_MS):
        drive(sim, REFRESH_MS, p.max_wheel_mradps)
        slips += float(sim.slip.mean())
        n += 1
    x1 = sim.truth_x_m
    speed = (x1 - x0) / math.cos(math.radians(slope_deg)) / (avg_ms / 1000.0)
    return {"slope_deg": slope_deg, "slip": slips / n, "speed_mps": speed,
            "embedded": bool(sim.embedded.any()) or slips / n > EMBED_SLIP,
            "sink_mm": float(sim.sink_m.mean()) * 1000.0}


def wong_slip(slope_deg: float, params: RoverParams | None = None) -> float | None:
    """Closed-form steady slip on nominal soil (None: no steady climb)."""
    p = nominal(params)
    th = math.radians(slope_deg)
    w = p.mass_kg * p.g_mps2 * math.cos(th) / 6.0
    n, r, b = p.soil_n, p.wheel_radius_m, p.wheel_width_m
    k = p.soil_kc_n_m2 + b * p.soil_kphi_n_m3
    z = (3.0 * w / ((3.0 - n) * k * math.sqrt(2.0 * r))) ** (2.0 / (2.0 * n + 1.0))
    rg = r + p.grouser_h_m
    length = rg * math.acos(1.0 - (z + p.grouser_h_m) / rg)
    rc = k * z ** (n + 1.0) / (n + 1.0)
    fmax = p.soil_c_pa * b * length + w * math.tan(math.radians(p.soil_phi_deg))
    need = p.mass_kg * p.g_mps2 * math.sin(th) / 6.0 + rc

    def thrust(s):
        x = s * length / p.soil_k_m
        return fmax * (1.0 - (1.0 - math.exp(-x)) / x) if x > 0 else 0.0

    if thrust(EMBED_SLIP) < need:
        return None
    lo, hi = 0.0, EMBED_SLIP
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if thrust(mid) < need else (lo, mid)
    return 0.5 * (lo + hi)


def embedding_slope_deg(params: RoverParams | None = None, lo: float = 0.0, hi: float = 40.0,
                        tol_deg: float = 0.5) -> float:
    """Smallest slope where the simulated rover's steady slip exceeds 0.6 (bisection)."""
    while hi - lo > tol_deg:
        mid = 0.5 * (lo + hi)
        if measure_slip(mid, params)["embedded"]:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)
