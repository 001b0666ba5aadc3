"""The results table (Parquet, one row per run) and summary.json.

Statistics (sources in docs/campaigns.md):
- success rate = passed runs / finished runs (crashed and timed-out runs are
  finished runs that did not pass), with the Wilson score interval (Wilson
  1927) at 95 %; unlike the normal-approximation (Wald) interval it stays
  inside [0, 1] and keeps its coverage near 0 % and 100 % and for small n
  (Brown, Cai & DasGupta 2001);
- percentiles by linear interpolation between order statistics (numpy's
  default, Hyndman & Fan 1996 definition 7).
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import numpy as np

PARQUET_NAME = "results.parquet"
SUMMARY_NAME = "summary.json"
Z95 = 1.959963984540054            # two-sided 95 % standard normal quantile
PERCENTILES = (1, 5, 25, 50, 75, 95, 99)
FIGURES = ("sim_time_s", "distance_m", "truth_distance_m", "odometry_error_m", "energy_used_j",
           "final_soc_pct", "faults_seen", "wall_time_s", "link_retransmits",
           "brick_layers_printed", "brick_print_time_s", "brick_quality_mean")
BASE_COLUMNS = {
    "run": "int", "status": "str", "reason": "str", "sim_time_s": "float",
    "wall_time_s": "float", "distance_m": "float", "truth_distance_m": "float",
    "odometry_error_m": "float", "energy_used_j": "float", "final_soc_pct": "float",
    "final_mode": "str", "faults_seen": "int", "fault_names": "str", "injected": "int",
    "events": "int", "sim_seed": "int", "hal_url": "str", "error": "str", "worker": "str",
    # the simulated line (null for runs without one): sim_hw/sim_link.py
    "link_retransmits": "int", "link_timeouts": "int", "link_frames_dropped": "int",
    "link_frames_corrupted": "int", "link_cmds_window_full": "int", "link_heartbeat_latches": "int",
    # what the printer printed (null for runs that printed nothing): report.json "brick"
    "brick_state": "str", "brick_layers_printed": "int", "brick_layers_total": "int",
    "brick_print_time_s": "float", "brick_heat_energy_j": "float", "brick_electric_energy_j": "float",
    "brick_regolith_used_g": "float", "brick_quality_mean": "float", "brick_quality_min": "float",
}
TOP_REASONS = 20


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when n == 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"wilson_interval: need 0 <= successes <= n, got {successes}, {n}")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n))
    lo = 0.0 if successes == 0 else max(0.0, centre - half)     # exact ends: rounding aside
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


def reason_group(reason: str) -> str:
    """A failure reason with its numbers blanked, so runs failing the same way group."""
    return re.sub(r"-?\d+(\.\d+)?", "#", reason or "").strip()


def _arrow_type(kind: str):
    import pyarrow as pa
    return {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}[kind]


def _coerce(v, kind):
    if v is None:
        return None
    if kind == "float":
        return float(v)
    if kind == "int":
        return int(v)
    if kind == "bool":
        return bool(v)
    return str(v)


def write_parquet(rows: list[dict], input_columns: dict[str, str], path: Path) -> Path:
    """Rows sorted by run, typed columns (inputs as in.NAME / fault.KIND...); written
    to a temporary file and renamed, so a reader never sees half a table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {**BASE_COLUMNS, **input_columns}
    rows = sorted(rows, key=lambda r: r["run"])
    arrays = [pa.array([_coerce(r.get(name), kind) for r in rows], type=_arrow_type(kind))
              for name, kind in cols.items()]
    table = pa.Table.from_arrays(arrays, names=list(cols))
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


def read_parquet(path: Path) -> list[dict]:
    import pyarrow.parquet as pq
    return pq.read_table(path).to_pylist()


def percentiles(values) -> dict:
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if v.size == 0:
        return {"n": 0}
    out = {"n": int(v.size), "mean": float(v.mean()), "min": float(v.min())}
    for q, x in zip(PERCENTILES, np.percentile(v, PERCENTILES)):
        out[f"p{q}"] = float(x)
    out["max"] = float(v.max())
    return out


def summarize(rows: list[dict], runs_requested: int, identity: dict,
              dispersed: list[str]) -> dict:
    n = len(rows)
    by_status = {s: 0 for s in ("passed", "failed", "aborted", "crashed", "timeout")}
    for r in rows:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    k = by_status["passed"]
    lo, hi = wilson_interval(k, n)
    groups: dict[str, list[int]] = {}
    for r in sorted(rows, key=lambda r: r["run"]):
        if r["status"] != "passed":
            groups.setdefault(f"{r['status']}: {reason_group(r['reason'])}", []).append(r["run"])
    failures = [{"reason": g, "count": len(runs), "runs": runs[:10]}
                for g, runs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return {
        "campaign": identity,
        "runs_requested": runs_requested,
        "runs_done": n,
        "by_status": by_status,
        "success": {"passed": k, "runs": n, "rate": (k / n) if n else None,
                    "wilson95": [lo, hi], "z": Z95,
                    "method": "Wilson score interval (Wilson 1927), 95 %"},
        "figures": {f: percentiles(r.get(f) for r in rows) for f in FIGURES},
        "figures_passed_runs": {f: percentiles(r.get(f) for r in rows if r["status"] == "passed")
                                for f in FIGURES},
        "dispersed": dispersed,
        "failures_by_reason": failures[:TOP_REASONS],
        "failure_groups": len(failures),
        "percentile_method": "linear interpolation (Hyndman & Fan 1996, definition 7)",
    }


def write_summary(summary: dict, path: Path) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, path)
    return path
