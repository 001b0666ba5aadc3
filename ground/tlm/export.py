"""CSV export of a recorded run.

Default: one wide ``telemetry.csv`` -- a ``t_ms`` column plus one column per
channel (sorted by name), one row per distinct sample time, each channel
forward-filled (the recorder writes a channel only when it changed, so the
last written value is the value at that time).  A cell is empty before the
channel's first sample.  Wide is what spreadsheets and pandas want; for
runs with very many channels ``per_channel=True`` writes
``channels/<name>.csv`` (t_ms,value change points, no fill) instead.

Events always go to ``events.csv``: t_ms, severity, name, message, args
(the args as a JSON object).  Bools are written as 1/0.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from .reader import ChannelSeries, RunLog, read_run

TELEMETRY_CSV = "telemetry.csv"
EVENTS_CSV = "events.csv"
CHANNELS_DIR = "channels"


def _cells(series: ChannelSeries) -> list[str]:
    """Values as CSV cell text (shortest round-trip repr for floats, 1/0 for bools)."""
    vals = series.values
    if isinstance(vals, np.ndarray):
        if vals.dtype == bool:
            vals = vals.astype(np.int8)
        return [str(v) for v in vals.tolist()]
    return [v if isinstance(v, str) else json.dumps(v) for v in vals]


def write_wide_csv(log: RunLog, path: Path) -> Path:
    names = log.channels
    if names:
        times = np.unique(np.concatenate([log.samples[n].t_ms for n in names]))
    else:
        times = np.zeros(0, dtype=np.int64)
    columns = []
    for n in names:
        s = log.samples[n]
        cells = _cells(s)
        idx = (np.searchsorted(s.t_ms, times, side="right") - 1).tolist()
        columns.append([cells[i] if i >= 0 else "" for i in idx])
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["t_ms", *names])
        w.writerows(zip(times.tolist(), *columns))
    return path


def write_channel_csvs(log: RunLog, out_dir: Path) -> list[Path]:
    d = out_dir / CHANNELS_DIR
    d.mkdir(parents=True, exist_ok=True)
    out = []
    for n in log.channels:
        s = log.samples[n]
        p = d / f"{_safe_filename(n)}.csv"
        with open(p, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["t_ms", n])
            w.writerows(zip(s.t_ms.tolist(), _cells(s)))
        out.append(p)
    return out


def write_events_csv(log: RunLog, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["t_ms", "severity", "name", "message", "args"])
        for e in log.events:
            w.writerow([e.t_ms, e.severity, e.name, e.message, json.dumps(e.args, sort_keys=True)])
    return path


def export_csv(run, out_dir, *, per_channel: bool = False) -> list[Path]:
    """Export a run (directory, telemetry file or RunLog) as CSV into out_dir.

    Returns the files written: telemetry.csv (or channels/*.csv) and events.csv.
    """
    log = run if isinstance(run, RunLog) else read_run(run)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if per_channel:
        files = write_channel_csvs(log, out_dir)
    else:
        files = [write_wide_csv(log, out_dir / TELEMETRY_CSV)]
    files.append(write_events_csv(log, out_dir / EVENTS_CSV))
    return files


def _safe_filename(channel: str) -> str:
    # channel names are dotted identifiers; keep them readable but never a path
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in channel).lstrip(".") or "_"
