"""Site figure for docs/site.md: crater counts of generated sites against the
equilibrium size-frequency line (Trask 1966; Gault 1970), and the depth/diameter
spread against the fresh-crater value (Pike 1977)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

SEEDS = (1, 2, 3)


def crater_sfd(out: Path) -> dict:
    from sim_hw.site import (CRATER_DIAMETER_RANGE_M, EQUILIBRIUM_COEFF_PER_M2, ROCK_HAZARD_DIAMETER_M,
                             make_site, rock_count_expected)

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4.2))
    d_grid = np.geomspace(CRATER_DIAMETER_RANGE_M[0], CRATER_DIAMETER_RANGE_M[1], 40)
    summary = {}
    dd_all = []
    for seed in SEEDS:
        site = make_site(seed)
        area = site.params.size_m ** 2
        diam = np.array([2.0 * c.radius_m for c in site.craters[2:]])
        dd_all.extend(c.depth_m / (2.0 * c.radius_m) for c in site.craters[2:])
        cum = np.array([(diam >= d).sum() for d in d_grid]) / area
        ax.loglog(d_grid, np.where(cum > 0, cum, np.nan), drawstyle="steps-post", lw=1,
                  label=f"generated site, seed {seed}")
        summary[seed] = {"craters": int(diam.size), "rocks": int(len(site.rocks))}
    eq = EQUILIBRIUM_COEFF_PER_M2 * d_grid ** -2.0
    ax.loglog(d_grid, eq, "k--", label="equilibrium N = 10$^{-1.1}$ D$^{-2}$ (Trask 1966; Gault 1970)")
    ax.set_xlabel("crater diameter D [m]")
    ax.set_ylabel("cumulative density N(>= D) [m$^{-2}$]")
    ax.set_title("craters on the 400 m mons-mouton site", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, which="both")
    ax2.hist(dd_all, bins=np.linspace(0.0, 0.22, 23), color="0.5")
    ax2.axvline(0.196, color="tab:red", label="fresh simple craters 0.196 (Pike 1977)")
    ax2.set_xlabel("depth / diameter")
    ax2.set_ylabel("craters (3 seeds)")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    site = make_site(SEEDS[0])
    summary["rocks_expected_per_site"] = round(rock_count_expected(
        site.params.rock_cfa, ROCK_HAZARD_DIAMETER_M, site.params.size_m ** 2), 1)
    summary["equilibrium_craters_expected"] = round(EQUILIBRIUM_COEFF_PER_M2 * 400.0 ** 2 * (
        CRATER_DIAMETER_RANGE_M[0] ** -2 - CRATER_DIAMETER_RANGE_M[1] ** -2), 1)
    return summary
