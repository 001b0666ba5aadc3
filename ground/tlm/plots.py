"""PNG plots of a recorded run: path on the map, wheel speeds, mode timeline,
power and temperatures.

A plot whose channels are absent from the run is skipped, not an error (a
printer-only test has no path, a bench run may have no power model).  Uses
matplotlib's object API with the Agg canvas directly, so importing this never
touches pyplot's global backend state.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .reader import ChannelSeries, RunLog, read_run

TERRAIN_FILENAME = "terrain.npz"   # arrays slope_deg, height_m, extent (x0, x1, y0, y1) in metres
PLOTS_DIR = "plots"

# event colours by severity rank (the dictionary's meta.severities, lowest
# first); the top two ranks also draw a line across the plot
RANK_COLORS = ("0.6", "tab:blue", "tab:orange", "tab:red", "darkred")
LINE_RANKS = 2


def severity_colors() -> dict[str, str]:
    from common.dictionary import default_dictionary
    sev = default_dictionary().severities
    return {s: RANK_COLORS[min(i, len(RANK_COLORS) - 1)] for i, s in enumerate(sev)}
POWER_CHANNELS = (("power.soc_pct", "state of charge [%]"),
                  ("power.solar_w", "solar [W]"),
                  ("power.battery_a", "battery current [A]"),
                  ("power.battery_v", "battery voltage [V]"))
TIMELINE_CHANNELS = ("mode", "rover.nav_state")
WHEEL_PREFIX = "rover.wheel_speed"


# -- time axis ----------------------------------------------------------------

def _time_unit(span_ms: float) -> tuple[float, str]:
    """Divisor and label so the axis reads in seconds, minutes or hours of sim time."""
    if span_ms > 3 * 3600_000:
        return 3600_000.0, "h"
    if span_ms > 180_000:
        return 60_000.0, "min"
    return 1000.0, "s"


class _Axis:
    def __init__(self, log: RunLog):
        self.t0 = log.start_t_ms
        self.t1 = max(log.end_t_ms, self.t0 + 1)
        self.div, unit = _time_unit(self.t1 - self.t0)
        self.label = f"simulated time [{unit}]"

    def x(self, t_ms) -> np.ndarray:
        return (np.asarray(t_ms, dtype=np.float64) - self.t0) / self.div


def _step(ax, axis: _Axis, s: ChannelSeries, **kw) -> None:
    """Plot change points as a step line held until the end of the run."""
    t = np.append(s.t_ms, axis.t1)
    v = np.append(s.values.astype(np.float64), s.values[-1])
    ax.plot(axis.x(t), v, drawstyle="steps-post", **kw)


def _numeric(log: RunLog, name: str) -> ChannelSeries | None:
    s = log.samples.get(name)
    return s if s is not None and s.is_numeric and len(s) else None


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=100)
    return path


# -- individual plots -----------------------------------------------------------

def _xy(log: RunLog, prefix: str):
    xs, ys = _numeric(log, f"{prefix}.x_m"), _numeric(log, f"{prefix}.y_m")
    if xs is None or ys is None:
        return None
    t = np.union1d(xs.t_ms, ys.t_ms)
    x, y = xs.at(t), ys.at(t)
    ok = ~(np.isnan(x) | np.isnan(y))
    return x[ok], y[ok]


def _load_terrain(run_dir: Path):
    f = run_dir / TERRAIN_FILENAME
    if not f.is_file():
        return None
    try:
        with np.load(f) as z:
            slope = np.asarray(z["slope_deg"], dtype=np.float64)
            extent = [float(v) for v in np.asarray(z["extent"]).ravel()[:4]]
        if slope.ndim != 2 or len(extent) != 4:
            return None
        return slope, extent
    except (OSError, KeyError, ValueError):
        return None     # a broken map must not stop the path plot


def plot_path(log: RunLog, out: Path, run_dir: Path) -> Path | None:
    est, truth = _xy(log, "rover"), _xy(log, "truth")
    if est is None and truth is None:
        return None
    fig = Figure(figsize=(7, 6.5))
    ax = fig.add_subplot()
    terrain = _load_terrain(run_dir)
    if terrain is not None:
        slope, extent = terrain
        im = ax.imshow(slope, extent=extent, origin="lower", cmap="Greys",
                       vmin=0.0, vmax=max(25.0, float(np.nanmax(slope)) if slope.size else 25.0))
        fig.colorbar(im, ax=ax, label="slope [deg]", shrink=0.8)
    if truth is not None:
        ax.plot(*truth, color="tab:green", lw=1.2, label="truth")
    if est is not None:
        ax.plot(*est, color="tab:blue", lw=1.2, ls="--" if truth is not None else "-", label="estimate")
    start = est if est is not None else truth
    if len(start[0]):
        ax.plot(start[0][0], start[1][0], "o", color="black", label="start")
        ax.plot(start[0][-1], start[1][-1], "s", color="tab:red", label="end")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    ax.set_title("Rover path" + (" on slope map" if terrain is not None else ""))
    ax.legend(loc="best", fontsize="small")
    return _save(fig, out)


def plot_wheels(log: RunLog, out: Path) -> Path | None:
    names = [n for n in log.channels if n.startswith(WHEEL_PREFIX) and _numeric(log, n) is not None]
    if not names:
        return None
    axis = _Axis(log)
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    for n in names:
        _step(ax, axis, log.samples[n], label=n.rsplit(".", 1)[-1], lw=1.0)
    unit = "mrad/s" if "mradps" in names[0] else ("rad/s" if "radps" in names[0] else "")
    ax.set_ylabel(f"wheel speed [{unit}]" if unit else "wheel speed")
    ax.set_xlabel(axis.label)
    ax.set_title("Wheel speeds")
    ax.legend(loc="best", fontsize="small", ncol=3)
    ax.grid(alpha=0.3)
    return _save(fig, out)


def _timeline_rows(log: RunLog) -> list[str]:
    rows = [n for n in TIMELINE_CHANNELS if n in log.samples]
    rows += sorted(n for n in log.samples if n.startswith("seq.") and n.endswith(".state"))
    return rows[:10]       # a readable figure; the CSV has the rest


def plot_timeline(log: RunLog, out: Path) -> Path | None:
    rows = _timeline_rows(log)
    if not rows and not log.events:
        return None
    axis = _Axis(log)
    labels = rows + (["events"] if log.events else [])
    fig = Figure(figsize=(10, 1.2 + 0.6 * len(labels)))
    ax = fig.add_subplot()
    # pastel state colours, so they never read as the severity colours of events
    palette = [matplotlib.colormaps["Set3"](i) for i in range(12)]
    color_of: dict[str, str] = {}
    for r, name in enumerate(rows):
        s = log.samples[name]
        ends = list(s.t_ms[1:]) + [axis.t1]
        for t_start, t_end, value in zip(s.t_ms.tolist(), ends, list(s.values)):
            key = str(value)
            c = color_of.setdefault(key, palette[len(color_of) % len(palette)])
            x0, x1 = axis.x(t_start), axis.x(t_end)
            ax.broken_barh([(x0, max(x1 - x0, 1e-9))], (r - 0.4, 0.8), facecolors=c, edgecolor="white", lw=0.5)
    if log.events:
        r = len(rows)
        colors = severity_colors()
        for sev, color in colors.items():
            ts = [e.t_ms for e in log.events if e.severity == sev]
            if ts:
                ax.scatter(axis.x(ts), np.full(len(ts), r), marker="|", s=200, color=color, label=sev)
        loud = tuple(colors)[-LINE_RANKS:]
        for e in log.events:
            if e.severity in loud:
                ax.axvline(axis.x(e.t_ms), color=colors[e.severity], lw=0.8, alpha=0.6)
    handles = [Patch(color=c, label=v) for v, c in list(color_of.items())[:20]]
    ev_handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + ev_handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.invert_yaxis()
    ax.set_xlim(0, axis.x(axis.t1))
    ax.set_xlabel(axis.label)
    ax.set_title("Mode timeline and events")
    fig.tight_layout()
    return _save(fig, out)


def _panels(log: RunLog, out: Path, title: str, panels: list[tuple[str, list[str]]]) -> Path:
    axis = _Axis(log)
    fig = Figure(figsize=(9, 1.0 + 2.2 * len(panels)))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (ylabel, names) in zip(axes, panels):
        for n in names:
            _step(ax, axis, log.samples[n], label=n, lw=1.0)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if len(names) > 1:
            ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel(axis.label)
    axes[0].set_title(title)
    fig.tight_layout()
    return _save(fig, out)


def plot_power(log: RunLog, out: Path) -> Path | None:
    panels = [(label, [n]) for n, label in POWER_CHANNELS if _numeric(log, n) is not None]
    if not panels:
        return None
    return _panels(log, out, "Power", panels)


def _is_temperature(name: str) -> bool:
    # unit-suffixed names: thermal.ebox_c, printer.head_c ...
    return name.rsplit(".", 1)[-1].endswith("_c")


def plot_temperatures(log: RunLog, out: Path) -> Path | None:
    temps = [n for n in log.channels if _is_temperature(n) and _numeric(log, n) is not None]
    if not temps:
        return None
    panels = [("temperature [°C]", temps)]
    duties = [n for n in log.channels if n.startswith("heater.") and "duty" in n and _numeric(log, n) is not None]
    if duties:
        panels.append(("heater duty", duties))
    return _panels(log, out, "Temperatures", panels)


# -- entry points ---------------------------------------------------------------

PLOTS: tuple[tuple[str, str], ...] = (
    ("path.png", "rover.x_m/rover.y_m or truth.x_m/truth.y_m"),
    ("wheels.png", f"{WHEEL_PREFIX}*"),
    ("timeline.png", "mode / rover.nav_state / seq.*.state or events"),
    ("power.png", "power.soc_pct / solar_w / battery_a / battery_v"),
    ("temperatures.png", "channels ending in _c"),
)


def plot_run_report(run, out_dir=None) -> tuple[list[Path], dict[str, str]]:
    """Write every plot whose channels exist.

    Returns (files written, {skipped file name: the channels it needed}).
    ``out_dir`` defaults to ``<run dir>/plots``.
    """
    log = run if isinstance(run, RunLog) else read_run(run)
    run_dir = log.path.parent
    out_dir = Path(out_dir) if out_dir is not None else run_dir / PLOTS_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    makers: dict[str, Callable[[Path], Path | None]] = {
        "path.png": lambda p: plot_path(log, p, run_dir),
        "wheels.png": lambda p: plot_wheels(log, p),
        "timeline.png": lambda p: plot_timeline(log, p),
        "power.png": lambda p: plot_power(log, p),
        "temperatures.png": lambda p: plot_temperatures(log, p),
    }
    made, skipped = [], {}
    for fname, needs in PLOTS:
        p = makers[fname](out_dir / fname)
        if p is None:
            skipped[fname] = needs
        else:
            made.append(p)
    return made, skipped


def plot_run(run_dir_or_file, out_dir=None) -> list[Path]:
    """Write the run's PNG plots into out_dir; returns the files written."""
    return plot_run_report(run_dir_or_file, out_dir)[0]
