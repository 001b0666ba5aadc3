"""Figures for docs/: slip against slope, crater size-frequency against equilibrium.

    python -m ground.figures [--out docs/img] [slip] [craters]

Each figure is computed from the models the simulator runs, beside the
published reference it is checked against (docs/plant.md, docs/site.md).
"""
from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Lunar Sourcebook recommended in-situ values, top 15 cm (Carrier et al. 1991, table 9.11)
INSITU_C_PA = 520.0
INSITU_PHI_DEG = 42.0


def _scaled(p, f):
    """Soil uniformly weaker/stronger by factor f, as a soil patch scales it."""
    tan_phi = math.tan(math.radians(p.soil_phi_deg)) * (1.0 + (f - 1.0) / 3.0)
    return dataclasses.replace(p, soil_kc_n_m2=p.soil_kc_n_m2 * f, soil_kphi_n_m3=p.soil_kphi_n_m3 * f,
                               soil_c_pa=p.soil_c_pa * f, soil_k_m=p.soil_k_m / f,
                               soil_phi_deg=min(89.0, math.degrees(math.atan(tan_phi))))


def slip_vs_slope(out: Path) -> dict:
    from sim_hw.params import RoverParams
    from sim_hw.traction import measure_slip, wong_slip

    p = RoverParams()
    slopes = [0.0, 2.5, 5.0, 7.5, 10.0, 12.5, 14.0, 15.0, 17.5, 20.0, 25.0]
    curves = {}
    for label, params in (("simulated, nominal soil", p),
                          ("simulated, soil patch x0.7", _scaled(p, 0.7)),
                          ("simulated, soil patch x1.3", _scaled(p, 1.3))):
        curves[label] = [measure_slip(s, params)["slip"] for s in slopes]
    insitu = dataclasses.replace(p, soil_c_pa=INSITU_C_PA, soil_phi_deg=INSITU_PHI_DEG)
    wong = [wong_slip(s, p) for s in slopes]
    wong_insitu = [wong_slip(s, insitu) for s in slopes]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(slopes, curves["simulated, nominal soil"], "o-", color="k", label="simulated (C plant), LRV soil")
    ax.fill_between(slopes, curves["simulated, soil patch x1.3"], curves["simulated, soil patch x0.7"],
                    color="0.8", label="simulated, soil patches ±30 %")
    ax.plot(slopes, [w if w is not None else float("nan") for w in wong], "s--", color="tab:blue",
            label="Wong closed form, LRV soil (Bekker 1969; Carrier 1991)")
    ax.plot(slopes, [w if w is not None else float("nan") for w in wong_insitu], "^--",
            color="tab:green", label="Wong closed form, in-situ top 15 cm (Carrier 1991)")
    ax.axhline(0.6, color="tab:red", lw=0.8)
    ax.text(0.3, 0.62, "embedded: s > 0.6 sustained", color="tab:red", fontsize=8)
    ax.set_xlabel("slope [deg], driving straight uphill")
    ax.set_ylabel("steady slip s = 1 - v / (w r)")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{p.mass_kg:.0f} kg rover, 6 wheels r = {p.wheel_radius_m} m, b = {p.wheel_width_m} m, "
                 f"{p.grouser_h_m * 100:.1f} cm grousers", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return {"slopes": slopes, **curves, "wong": wong, "wong_insitu": wong_insitu}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="docs figures")
    ap.add_argument("--out", default="docs/img")
    ap.add_argument("which", nargs="*", default=["slip", "craters"])
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    if "slip" in a.which:
        r = slip_vs_slope(out / "slip_vs_slope.png")
        for k, v in r.items():
            print(k, [None if x is None else round(x, 3) for x in v])
    if "craters" in a.which:
        from ground.figures_site import crater_sfd  # noqa: PLC0415
        print(crater_sfd(out / "crater_sfd.png"))


if __name__ == "__main__":
    main()
