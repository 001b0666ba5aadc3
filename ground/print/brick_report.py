"""The ``brick`` section of a run's report.json: what the printer printed
(docs/printer.md section 12).

It is the flight software's own account (``Printer.summary()``): design,
layers printed, print time, energy, regolith taken from the hopper, the
degree of sintering of every layer.  A resumed run adds up the print before
the restart (replayed) and after it, and says where it resumed.
"""
from __future__ import annotations

ADDED = ("print_time_s", "heat_energy_j", "electric_energy_j", "regolith_used_g", "pauses",
         "moves_sent")


def brick_section(summary: dict, before_restart: dict | None = None,
                  resumed: dict | None = None) -> dict | None:
    """``summary``: the printer's summary at the end of the run; None if the
    run printed nothing.  ``before_restart``: its summary just before a
    resume restarted the job (the totals are the sum of both)."""
    if not summary or summary.get("state") in (None, "NONE"):
        return None
    out = dict(summary)
    if before_restart is not None and before_restart.get("state") not in (None, "NONE"):
        for k in ADDED:
            if k in out and k in before_restart:
                out[k] = round(out[k] + before_restart[k], 1)
        if "max_spot_c" in out and "max_spot_c" in before_restart:
            out["max_spot_c"] = max(out["max_spot_c"], before_restart["max_spot_c"])
        out["start_layer"] = before_restart.get("start_layer", 0)
    q = out.get("quality_per_layer") or []
    out["layers_printed"] = len(q)
    out["quality_min"] = round(min(q), 4) if q else None
    for k in ("heat_energy_j", "electric_energy_j"):
        if k in out:
            out[k.replace("_j", "_wh")] = round(out[k] / 3600.0, 2)
    if resumed is not None:
        out["resumed"] = resumed
    return out
