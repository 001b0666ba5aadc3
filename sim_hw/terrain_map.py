"""Site maps for reports and demos: slope map or shaded relief, PSR and hazard outlined.

Draws on an Axes the caller owns (Agg-safe; never calls plt.show), in world
metres with origin='lower' so paths in (x_m, y_m) can be overlaid directly.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Circle

from sim_hw.site import Site

SHOW_CHOICES = ("slope", "height")
# Hillshade light: low sun from the north-west (az CCW from east), the usual
# cartographic choice so relief does not look inverted.
HILLSHADE_AZ_DEG = 135.0
HILLSHADE_EL_DEG = 35.0
NO_GO_SLOPE_DEG = 20.0  # slope-map contour; > 20-25 deg is no-go (design brief)


def hillshade(site: Site, az_deg: float = HILLSHADE_AZ_DEG, el_deg: float = HILLSHADE_EL_DEG) -> np.ndarray:
    """Lambertian shade in [0, 1] of the terrain under a light at (az_deg, el_deg)."""
    gy, gx = np.gradient(site.height_m.astype(np.float64), site.cell_m)
    az, el = math.radians(az_deg), math.radians(el_deg)
    light = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
    # surface normal (-gx, -gy, 1) / |.|
    shade = (-gx * light[0] - gy * light[1] + light[2]) / np.sqrt(gx * gx + gy * gy + 1.0)
    return np.clip(shade, 0.0, 1.0)


def plot_site(site: Site, ax, show: str = "slope", colorbar: bool = False,
              outline: bool = True, cmap: str | None = None):
    """Draw the site on `ax`; return the AxesImage (for colorbars or later updates).

    show='slope': slope in degrees with the no-go contour; show='height':
    height colours over a hillshade.  The PSR and the slope hazard are outlined
    and labelled when `outline` is true.
    """
    if not isinstance(site, Site):
        raise ValueError(f"plot_site: site must be a Site, got {type(site).__name__}")
    if show not in SHOW_CHOICES:
        raise ValueError(f"plot_site: show must be one of {SHOW_CHOICES}, got {show!r}")
    extent = site.extent_m
    if show == "slope":
        vmax = max(site.params.max_slope_deg, float(site.slope_deg.max()), 1.0)
        image = ax.imshow(site.slope_deg, extent=extent, origin="lower", cmap=cmap or "magma",
                          vmin=0.0, vmax=vmax, interpolation="nearest")
        if float(site.slope_deg.max()) > NO_GO_SLOPE_DEG:
            ny, nx = site.slope_deg.shape
            xs = extent[0] + site.cell_m * np.arange(nx)
            ys = extent[2] + site.cell_m * np.arange(ny)
            ax.contour(xs, ys, site.slope_deg, levels=[NO_GO_SLOPE_DEG], colors="white",
                       linewidths=0.5)
        label = "slope [deg]"
    else:
        ax.imshow(hillshade(site), extent=extent, origin="lower", cmap="gray",
                  vmin=0.0, vmax=1.0, interpolation="bilinear")
        image = ax.imshow(site.height_m, extent=extent, origin="lower", cmap=cmap or "terrain",
                          alpha=0.55, interpolation="bilinear")
        label = "height [m]"
    if outline:
        _outline_features(site, ax)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel("x east [m]")
    ax.set_ylabel("y north [m]")
    ax.set_title(f"{site.params.name} (seed {site.seed}): {show}")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    return image


def _outline_features(site: Site, ax) -> None:
    if site.psr_mask.any():
        cx, cy = site.params.psr_center_xy_m
        ax.add_patch(Circle((cx, cy), site.params.psr_radius_m, fill=False, color="cyan",
                            linestyle="--", linewidth=1.2, label="PSR"))
        ax.annotate("PSR", (cx, cy + site.params.psr_radius_m), color="cyan",
                    ha="center", va="bottom", fontsize=8)
    if site.hazard_xy_m is not None:
        hx, hy = site.hazard_xy_m
        ax.add_patch(Circle((hx, hy), site.hazard_radius_m, fill=False, color="red",
                            linewidth=1.2, label="slope hazard"))
        ax.annotate("hazard", (hx, hy - site.hazard_radius_m), color="red",
                    ha="center", va="top", fontsize=8)
