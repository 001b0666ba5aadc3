"""Layer preview PNG for `rover print plan`: the first two layers' toolpaths
(the scan direction alternates) and a stacked view of every layer."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402


def _layer_axes(ax, layer, title):
    for outer, holes in layer.region:
        for ring in [outer, *holes]:
            xy = list(ring) + [ring[0]]
            ax.plot([p[0] for p in xy], [p[1] for p in xy], color="black", lw=1.0)
    m = layer.moves
    segs = [((r[0], r[1]), (r[2], r[3])) for r in m]
    colors = ["tab:red" if f else "0.7" for f in layer.sinter]
    ax.add_collection(LineCollection(segs, colors=colors, linewidths=0.6))
    ax.autoscale()
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")


def write_preview(plan, path) -> Path:
    path = Path(path)
    fig = plt.figure(figsize=(12, 4.5))
    shown = plan.layers[:2]
    for i, layer in enumerate(shown):
        ax = fig.add_subplot(1, 3, i + 1)
        _layer_axes(ax, layer, f"layer {layer.index} at z = {layer.z_mm:g} mm "
                               f"({'X' if layer.index % 2 == 0 else 'Y'} scan; red = sinter)")
    ax = fig.add_subplot(1, 3, 3, projection="3d")
    from mpl_toolkits.mplot3d.art3d import Line3DCollection
    segs = []
    for layer in plan.layers:
        if layer.region:            # the layer's outline and holes at its height
            for outer, holes in layer.region:
                for ring in [outer, *holes]:
                    for a, b in zip(ring, list(ring[1:]) + [ring[0]]):
                        segs.append(((a[0], a[1], layer.z_mm), (b[0], b[1], layer.z_mm)))
        else:                       # G-code: its sinter tracks
            m = layer.moves[layer.sinter]
            segs.extend(((r[0], r[1], layer.z_mm), (r[2], r[3], layer.z_mm)) for r in m)
    ax.add_collection3d(Line3DCollection(segs, colors="tab:red", linewidths=0.5, alpha=0.7))
    xs = [v for layer in plan.layers for v in layer.moves[:, [0, 2]].ravel()]
    ys = [v for layer in plan.layers for v in layer.moves[:, [1, 3]].ravel()]
    if xs:
        ax.set_xlim(min(xs), max(xs))
        ax.set_ylim(min(ys), max(ys))
    ax.set_zlim(0, max(layer.z_mm for layer in plan.layers))
    ax.set_title(f"{plan.name}: {len(plan.layers)} layers stacked", fontsize=9)
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm)")
    ax.set_zlabel("z (mm)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
