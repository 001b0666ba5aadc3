"""The printed brick's plots in a run directory (docs/printer.md section 12):

* ``spot_temperature.png``: the thermocouple's spot temperature over the
  print, the target, and a tick at every completed layer;
* ``brick_layers.png``: the brick's layers stacked at their heights, each
  outline coloured by its degree of sintering (layers not printed grey),
  beside the quality of every layer.

Matplotlib's object API on the Agg canvas, as ground/tlm/plots.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

SPOT_TEMP_CHANNEL = "printer.spot_c"
HEAT_TARGET_CHANNEL = "printer.head_target_c"
LAYER_DONE_EVENT = "PRINT_LAYER_DONE"
STATE_EVENT = "PRINT_STATE"
SPOT_PNG = "spot_temperature.png"
LAYERS_PNG = "brick_layers.png"
QUALITY_CMAP = "viridis"


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=100)
    return path


def plot_spot_temperature(log, out: Path) -> Path | None:
    """From a RunLog (ground.tlm.reader); None when the run has no spot
    temperature (no print)."""
    s = log.samples.get(SPOT_TEMP_CHANNEL)
    if s is None or not s.is_numeric or not len(s):
        return None
    starts = [e.t_ms for e in log.events if e.name == STATE_EVENT]
    t0 = float(max(s.t_ms[0], (starts[0] if starts else s.t_ms[0]) - 60_000))  # from the job's start
    keep = s.t_ms >= t0
    if not keep.any():
        return None
    fig = Figure(figsize=(10, 4.5))
    ax = fig.add_subplot()
    span_s = (float(s.t_ms[-1]) - t0) / 1000.0
    div, unit = (60.0, "min") if span_s > 600 else (1.0, "s")
    ax.plot((s.t_ms[keep] - t0) / 1000.0 / div, s.values[keep].astype(np.float64), color="tab:red",
            lw=0.8, label="spot (thermocouple)")
    tg = log.samples.get(HEAT_TARGET_CHANNEL)
    if tg is not None and tg.is_numeric and len(tg):
        t = np.append(tg.t_ms, s.t_ms[-1]).astype(np.float64)
        v = np.append(tg.values.astype(np.float64), tg.values[-1])
        i0 = max(0, int(np.searchsorted(t, t0, side="right")) - 1)
        t, v = np.maximum(t[i0:], t0), v[i0:]
        ax.plot((t - t0) / 1000.0 / div, v, drawstyle="steps-post", color="0.3", lw=0.8, ls="--",
                label="target")
    done = [e for e in log.events if e.name == LAYER_DONE_EVENT]
    for i, e in enumerate(done):
        ax.axvline((e.t_ms - t0) / 1000.0 / div, color="tab:blue", lw=0.4, alpha=0.5,
                   label="layer done" if i == 0 else None)
    ax.set_xlabel(f"simulated time since {t0 / 1000.0:.0f} s [{unit}]")
    ax.set_ylabel("temperature [C]")
    ax.set_title(f"Sintering spot temperature ({len(done)} layers completed)")
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, out)


def plot_brick_layers(plan, quality, out: Path) -> Path:
    """``quality``: degree of sintering of the layers printed, in order
    (layer i = quality[i]); the rest of the plan's layers are drawn grey."""
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    q = [float(v) for v in quality]
    norm = Normalize(0.0, 1.0)
    cmap = colormaps[QUALITY_CMAP]
    fig = Figure(figsize=(12, 5))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    segs, colors = [], []
    for layer in plan.layers:
        c = cmap(norm(q[layer.index])) if layer.index < len(q) else (0.8, 0.8, 0.8, 0.4)
        if layer.region:
            rings = [ring for outer, holes in layer.region for ring in [outer, *holes]]
            for ring in rings:
                for a, b in zip(ring, list(ring[1:]) + [ring[0]]):
                    segs.append(((a[0], a[1], layer.z_mm), (b[0], b[1], layer.z_mm)))
                    colors.append(c)
        else:                                   # G-code plans: their sinter tracks
            for r in layer.moves[layer.sinter]:
                segs.append(((r[0], r[1], layer.z_mm), (r[2], r[3], layer.z_mm)))
                colors.append(c)
    ax.add_collection3d(Line3DCollection(segs, colors=colors, linewidths=0.9))
    xs = np.concatenate([layer.moves[:, [0, 2]].ravel() for layer in plan.layers])
    ys = np.concatenate([layer.moves[:, [1, 3]].ravel() for layer in plan.layers])
    ax.set_xlim(float(xs.min()), float(xs.max()))
    ax.set_ylim(float(ys.min()), float(ys.max()))
    ax.set_zlim(0.0, max(layer.z_mm for layer in plan.layers) + plan.settings.layer_mm)
    ax.set_xlabel("x [mm]")
    ax.set_ylabel("y [mm]")
    ax.set_zlabel("z [mm]")
    ax.set_title(f"{plan.name}: {len(q)} of {len(plan.layers)} layers printed", fontsize=10)
    bx = fig.add_subplot(1, 2, 2)
    z = [layer.z_mm for layer in plan.layers[:len(q)]]
    top = max(layer.z_mm for layer in plan.layers) + plan.settings.layer_mm
    if q:
        bx.plot(q, z, color="0.5", lw=0.8)
        bx.scatter(q, z, c=[cmap(norm(v)) for v in q], s=22, zorder=3, edgecolors="0.3",
                   linewidths=0.4)
    missing = [layer.z_mm for layer in plan.layers[len(q):]]
    if missing:
        bx.axhspan(min(missing) - plan.settings.layer_mm / 2, top, color="0.9",
                   label=f"not printed ({len(missing)} layers)")
        bx.legend(loc="upper left", fontsize="small")
    lo = 0.0 if not q or min(q) < 0.8 else max(0.0, np.floor(min(q) * 50.0) / 50.0 - 0.02)
    bx.set_xlim(lo, 1.0)
    bx.set_ylim(0.0, top)
    bx.set_xlabel("degree of sintering (quality)" + (f", axis from {lo:.2f}" if lo > 0 else ""))
    bx.set_ylabel("layer height z [mm]")
    bx.set_title(f"quality per layer (min {min(q):.4f})" if q else "quality per layer",
                 fontsize=10)
    bx.grid(alpha=0.3)
    fig.colorbar(ScalarMappable(norm, cmap), ax=bx, label="quality", shrink=0.8)
    fig.tight_layout()
    return _save(fig, out)


def plot_brick(plan, quality, run_dir) -> list[Path]:
    """Both plots into ``run_dir`` (the spot trace only if the run's record
    has it)."""
    from ground.tlm.reader import read_run
    run_dir = Path(run_dir)
    made = [plot_brick_layers(plan, quality, run_dir / LAYERS_PNG)]
    spot = plot_spot_temperature(read_run(run_dir), run_dir / SPOT_PNG)
    if spot is not None:
        made.insert(0, spot)
    return made
