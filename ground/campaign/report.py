"""Campaign report: PNG plots and one HTML page that shows them with the summary.

- ``fig_<figure>.png``: histogram and empirical CDF of each per-run figure;
- ``success_vs_<input>.png``: success rate in bins of each dispersed input
  (equal-count bins, Wilson 95 % bars) above the runs themselves;
- ``failures_by_reason.png``: non-passing runs grouped by reason.
"""
from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from ground.campaign.results import FIGURES, wilson_interval

REPORT_DIR = "report"
HTML_NAME = "report.html"
MAX_BINS = 8
PLOT_FIGURES = ("sim_time_s", "distance_m", "odometry_error_m", "energy_used_j",
                "final_soc_pct", "wall_time_s")


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _finite(rows, key):
    return np.array([r[key] for r in rows if r.get(key) is not None
                     and isinstance(r[key], (int, float)) and math.isfinite(r[key])], dtype=float)


def plot_figure(rows, key, out: Path) -> Path | None:
    v = _finite(rows, key)
    if v.size == 0:
        return None
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.hist(v, bins=min(40, max(5, int(math.sqrt(v.size)) + 1)), color="#4477aa")
    a.set_xlabel(key)
    a.set_ylabel("runs")
    xs = np.sort(v)
    b.step(xs, np.arange(1, xs.size + 1) / xs.size, where="post", color="#4477aa")
    b.set_xlabel(key)
    b.set_ylabel("fraction of runs <= x")
    b.set_ylim(0, 1.02)
    for ax in (a, b):
        ax.grid(alpha=0.3)
    fig.suptitle(f"{key}: {v.size} runs")
    fig.tight_layout()
    path = out / f"fig_{key}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _bins(x: np.ndarray) -> np.ndarray:
    """Equal-count bin edges (at most MAX_BINS, fewer for few distinct values)."""
    distinct = np.unique(x)
    if distinct.size <= MAX_BINS:
        mids = (distinct[:-1] + distinct[1:]) / 2.0
        return np.concatenate([[distinct[0] - 0.5], mids, [distinct[-1] + 0.5]])
    k = int(min(MAX_BINS, max(2, x.size // 5)))
    edges = np.unique(np.quantile(x, np.linspace(0, 1, k + 1)))
    edges[-1] = np.nextafter(edges[-1], math.inf)
    return edges


def plot_success_vs(rows, column: str, out: Path) -> Path | None:
    pts = [(float(r[column]) if not isinstance(r[column], bool) else float(r[column]),
            r["status"] == "passed") for r in rows if r.get(column) is not None]
    if column.startswith("fault.") and column.count(".") == 1:   # happened or not
        pts = [(1.0 if r.get(column) else 0.0, r["status"] == "passed") for r in rows]
    if len(pts) < 2:
        return None
    x = np.array([p[0] for p in pts])
    ok = np.array([p[1] for p in pts])
    edges = _bins(x)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    plt = _plt()
    fig, (a, b) = plt.subplots(2, 1, figsize=(7, 4.2), sharex=True,
                               gridspec_kw={"height_ratios": [3, 1]})
    for j in range(len(edges) - 1):
        sel = idx == j
        n = int(sel.sum())
        if n == 0:
            continue
        k = int(ok[sel].sum())
        lo, hi = wilson_interval(k, n)
        centre = float(x[sel].mean())
        a.errorbar([centre], [k / n], yerr=[[k / n - lo], [hi - k / n]], fmt="o", color="#228833",
                   capsize=3)
        a.annotate(str(n), (centre, hi), textcoords="offset points", xytext=(0, 3), ha="center",
                   fontsize=7, color="#555555")
    a.set_ylim(-0.05, 1.1)
    a.set_ylabel("success rate")
    a.grid(alpha=0.3)
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, x.size)   # display only
    b.scatter(x[ok], jitter[ok] + 1, s=6, color="#228833", label="passed")
    b.scatter(x[~ok], jitter[~ok], s=6, color="#cc3311", label="not passed")
    b.set_yticks([0, 1], ["no", "pass"])
    b.set_xlabel(column)
    fig.suptitle(f"success vs {column} (bars: Wilson 95 %, label: runs in bin)", fontsize=9)
    fig.tight_layout()
    path = out / f"success_vs_{column.replace('.', '_')}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_failures(summary: dict, out: Path) -> Path | None:
    groups = summary["failures_by_reason"]
    if not groups:
        return None
    plt = _plt()
    labels = [g["reason"][:70] for g in groups][::-1]
    counts = [g["count"] for g in groups][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(groups) + 1.2))
    ax.barh(range(len(groups)), counts, color="#cc3311")
    ax.set_yticks(range(len(groups)), labels, fontsize=7)
    ax.set_xlabel("runs")
    ax.set_title("runs that did not pass, by reason")
    fig.tight_layout()
    path = out / "failures_by_reason.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v))


def write_report(campaign_dir: Path, rows: list[dict], summary: dict,
                 input_columns: list[str]) -> Path:
    campaign_dir = Path(campaign_dir)
    out = campaign_dir / REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    figs = [p for p in (plot_figure(rows, k, out) for k in PLOT_FIGURES) if p]
    inputs = [p for p in (plot_success_vs(rows, c, out) for c in input_columns) if p]
    fail = plot_failures(summary, out)
    s = summary["success"]
    camp = summary["campaign"]
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>campaign {html.escape(str(camp.get('mission')))}</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
        "text-align:right}img{max-width:100%}</style></head><body>",
        f"<h1>Campaign: {html.escape(str(camp.get('mission')))}</h1>",
        f"<p>seed {_fmt(camp.get('seed'))}, site {_fmt(camp.get('site'))}, "
        f"{summary['runs_done']} of {summary['runs_requested']} runs done.</p>",
        "<h2>Success</h2>",
        f"<p><b>{s['passed']} / {s['runs']} passed</b>"
        + (f" = {s['rate']:.1%}, 95 % Wilson interval [{s['wilson95'][0]:.1%}, "
           f"{s['wilson95'][1]:.1%}]" if s["runs"] else "") + "</p>",
        "<table><tr>" + "".join(f"<th>{k}</th>" for k in summary["by_status"]) + "</tr><tr>"
        + "".join(f"<td>{v}</td>" for v in summary["by_status"].values()) + "</tr></table>",
        "<h2>Figures (all finished runs)</h2><table><tr><th>figure</th>"
        + "".join(f"<th>{k}</th>" for k in ("n", "mean", "min", "p5", "p50", "p95", "max"))
        + "</tr>",
    ]
    for f in FIGURES:
        st = summary["figures"][f]
        parts.append(f"<tr><th>{f}</th>" + "".join(f"<td>{_fmt(st.get(k))}</td>" for k in
                                                   ("n", "mean", "min", "p5", "p50", "p95", "max"))
                     + "</tr>")
    parts.append("</table>")
    parts += [f"<p><img src='{REPORT_DIR}/{p.name}' alt='{p.stem}'></p>" for p in figs]
    parts.append("<h2>Failures by reason</h2>")
    if summary["failures_by_reason"]:
        parts.append("<table><tr><th>reason</th><th>runs</th><th>first runs</th></tr>")
        for g in summary["failures_by_reason"]:
            parts.append(f"<tr><td style='text-align:left'>{html.escape(g['reason'])}</td>"
                         f"<td>{g['count']}</td><td>{', '.join(map(str, g['runs']))}</td></tr>")
        parts.append("</table>")
        if fail:
            parts.append(f"<p><img src='{REPORT_DIR}/{fail.name}' alt='failures'></p>")
        parts.append("<p>Reproduce one run alone: <code>rover run MISSION --from-campaign DIR "
                     "--run I</code>.</p>")
    else:
        parts.append("<p>none</p>")
    parts.append("<h2>Success vs dispersed inputs</h2>")
    parts += [f"<p><img src='{REPORT_DIR}/{p.name}' alt='{p.stem}'></p>" for p in inputs]
    if not inputs:
        parts.append("<p>no dispersed inputs</p>")
    parts.append("</body></html>")
    page = campaign_dir / HTML_NAME
    page.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return page
