"""One campaign run, as a Dask worker executes it: the mission (shipped as
bytes, so a worker needs only the installed package), the HAL URL with the
run's drawn parameters, the fault injections at their simulated times; the
result is one flat row for the results table.

``execute_run`` never raises: a run that crashes (an exception anywhere, a
start the simulator refuses) or overruns its wall-clock budget comes back
as a row with status ``crashed`` or ``timeout`` and the reason, so no run is
lost.  The same function reproduces a run alone (`rover run --from-campaign`).
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ground.campaign.dispersions import Injection

MAX_BUNDLE_FILES = 256
MAX_BUNDLE_BYTES = 4 * 1024 * 1024
SEQUENCE_SUFFIXES = (".seq", ".rseq")
STATUSES = ("passed", "failed", "aborted", "crashed", "timeout")
# Row fields that may differ between two executions of the same run.
NONDETERMINISTIC = ("wall_time_s", "worker")
REPORT_NONDETERMINISTIC = ("wall_time_s", "realtime_factor", "plots", "plots_error")


class RunWallTimeout(Exception):
    pass


@dataclass(frozen=True)
class MissionBundle:
    """The mission file and the sequences beside it (sub-sequences it may call)."""

    name: str                                  # the mission's file name
    files: tuple[tuple[str, bytes], ...]
    sha256: str

    @staticmethod
    def from_path(path) -> "MissionBundle":
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"mission file not found: {path}")
        files = {path.name: path.read_bytes()}
        for p in sorted(path.parent.iterdir()):
            if p.is_file() and p.suffix in SEQUENCE_SUFFIXES and p.name not in files:
                files[p.name] = p.read_bytes()
                if len(files) > MAX_BUNDLE_FILES:
                    raise ValueError(f"{path.parent}: more than {MAX_BUNDLE_FILES} sequence files "
                                     "beside the mission; put the mission in its own directory")
        total = sum(len(b) for b in files.values())
        if total > MAX_BUNDLE_BYTES:
            raise ValueError(f"{path.parent}: sequences beside the mission hold {total} bytes "
                             f"(limit {MAX_BUNDLE_BYTES}); put the mission in its own directory")
        return MissionBundle.from_files(path.name, files)

    @staticmethod
    def from_files(name: str, files: dict[str, bytes]) -> "MissionBundle":
        h = hashlib.sha256(name.encode() + b"\0")      # which file is the mission, then all of them
        for fname in sorted(files):
            h.update(fname.encode() + b"\0" + hashlib.sha256(files[fname]).digest())
        return MissionBundle(name, tuple(sorted(files.items())), h.hexdigest())

    def write_to(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for fname, data in self.files:
            (directory / fname).write_bytes(data)
        return directory / self.name

    def materialize(self) -> Path:
        """The mission as a file on this machine (once per worker process)."""
        path = _MATERIALIZED.get(self.sha256)
        if path is None or not path.is_file():
            path = self.write_to(Path(_scratch()) / self.sha256[:16])
            _MATERIALIZED[self.sha256] = path
        return path


_MATERIALIZED: dict[str, Path] = {}
_SCRATCH: list[str] = []


def _scratch() -> str:
    if not _SCRATCH:
        d = tempfile.mkdtemp(prefix="rover-campaign-")
        atexit.register(shutil.rmtree, d, True)
        _SCRATCH.append(d)
    return _SCRATCH[0]


@dataclass(frozen=True)
class RunSpec:
    run: int
    hal_url: str
    sim_seed: int
    injections: tuple[Injection, ...]
    max_sim_s: float
    run_timeout_s: float | None = None
    keep_dir: str | None = None      # write the full run directory (telemetry, plots) here


def _action(inj: Injection):
    """Apply one injection through the HAL's fault injector (sim_hw.faults)."""
    def act(hal):
        f = hal.faults
        if inj.kind == "lock_wheel":
            f.lock_wheel(inj.wheel)
        elif inj.kind == "kill_encoder":
            f.kill_encoder(inj.wheel)
        elif inj.kind == "battery_soc":
            f.set_battery_soc(inj.value)
        elif inj.kind == "ebox_temp":
            f.set_ebox_temp_c(inj.value)
        else:
            raise ValueError(f"unknown fault kind {inj.kind!r}")
    label = inj.kind + (f" {inj.wheel}" if inj.wheel else "") + \
        (f" {inj.value:.6g}" if inj.value is not None else "")
    return int(round(inj.at_s * 1000.0)), label, act


def _fault_names(report: dict) -> str:
    """The monitors that tripped and responses that fired, in order of first sight."""
    seen = []
    for f in report.get("faults_seen", []):
        words = f["message"].split()
        name = f"{words[0]} {words[1]}" if len(words) > 1 else f["event"]
        if name not in seen:
            seen.append(name)
    return "; ".join(seen)


# results-table column -> link summary key (report.json "link", sim:// runs with a line)
LINK_COLUMNS = {
    "link_retransmits": "retransmits",
    "link_timeouts": "timeouts",
    "link_frames_dropped": "frames_dropped",
    "link_frames_corrupted": "frames_corrupted",
    "link_cmds_window_full": "cmds_window_full",
    "link_heartbeat_latches": "heartbeat_latches",
}


# results-table column -> report.json "brick" key (runs whose mission printed)
BRICK_COLUMNS = {
    "brick_state": "state",
    "brick_layers_printed": "layers_printed",
    "brick_layers_total": "layers_total",
    "brick_print_time_s": "print_time_s",
    "brick_heat_energy_j": "heat_energy_j",
    "brick_electric_energy_j": "electric_energy_j",
    "brick_regolith_used_g": "regolith_used_g",
    "brick_quality_mean": "quality_mean",
    "brick_quality_min": "quality_min",
}


def _section_columns(report: dict | None, section: str, columns: dict) -> dict:
    got = (report or {}).get(section)
    return {col: (got.get(key) if got else None) for col, key in columns.items()}


def _section_figures(report: dict | None) -> dict:
    """The simulated line's and the printed brick's columns (None without them)."""
    return {**_section_columns(report, "link", LINK_COLUMNS),
            **_section_columns(report, "brick", BRICK_COLUMNS)}


def row_from_report(spec: RunSpec, report: dict) -> dict:
    return {
        "run": spec.run,
        "status": report["status"],
        "reason": report["reason"],
        "sim_time_s": report["sim_time_s"],
        "wall_time_s": report["wall_time_s"],
        "distance_m": report["distance_m"],
        "truth_distance_m": report.get("truth_distance_m"),
        "odometry_error_m": report.get("odometry_error_m"),
        "energy_used_j": report["energy_used_j"],
        "final_soc_pct": report["final_soc_pct"],
        "final_mode": report["final_mode"],
        "faults_seen": len(report["faults_seen"]),
        "fault_names": _fault_names(report),
        "injected": len(report.get("injections", [])),
        "events": report["events"],
        "sim_seed": spec.sim_seed,
        "hal_url": spec.hal_url,
        "error": "",
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        **_section_figures(report),
    }


def crashed_row(spec: RunSpec, status: str, reason: str, error: str = "",
                wall_s: float | None = None) -> dict:
    return {"run": spec.run, "status": status, "reason": reason, "sim_time_s": None,
            "wall_time_s": wall_s, "distance_m": None, "truth_distance_m": None,
            "odometry_error_m": None, "energy_used_j": None, "final_soc_pct": None,
            "final_mode": "", "faults_seen": None, "fault_names": "", "injected": None,
            "events": None, "sim_seed": spec.sim_seed, "hal_url": spec.hal_url, "error": error,
            "worker": f"{socket.gethostname()}:{os.getpid()}", **_section_figures(None)}


def _strip(obj, prefix: str):
    """The report with the worker's scratch directory cut out of every string
    (sequence errors name file:line:col), so every worker writes the same."""
    if isinstance(obj, str):
        return obj.replace(prefix, "")
    if isinstance(obj, list):
        return [_strip(v, prefix) for v in obj]
    if isinstance(obj, dict):
        return {k: _strip(v, prefix) for k, v in obj.items()}
    return obj


def execute_run(bundle: MissionBundle, spec: RunSpec) -> dict:
    """Run one campaign run; always returns its row (never raises)."""
    row, _ = execute_run_with_report(bundle, spec)
    return row


def execute_run_with_report(bundle: MissionBundle, spec: RunSpec) -> tuple[dict, dict | None]:
    from ground.runner import run_mission

    wall0 = time.perf_counter()
    budget = spec.run_timeout_s

    def watchdog(fs, wall_s):
        if budget is not None and wall_s > budget:
            raise RunWallTimeout(f"run exceeded its wall-clock budget of {budget:g} s "
                                 f"at {fs.clock.now_ms() / 1000.0:.1f} s simulated")
    mission = None
    try:
        mission = bundle.materialize()
        res = run_mission(mission, hal_url=spec.hal_url, seed=spec.sim_seed,
                          out_dir=spec.keep_dir, record=spec.keep_dir is not None,
                          force=True,        # a kept run's directory is the campaign's own
                          max_sim_s=spec.max_sim_s, wall_clock=time.perf_counter,
                          progress=watchdog,
                          progress_every_s=1.0 if budget is None else min(1.0, budget / 4),
                          schedule=[_action(j) for j in spec.injections])
    except RunWallTimeout as e:
        return crashed_row(spec, "timeout", str(e), wall_s=time.perf_counter() - wall0), None
    except Exception as e:            # noqa: BLE001 -- a crashed run is a result, never lost
        tb = traceback.format_exc(limit=-8)
        reason = f"{type(e).__name__}: {e}".splitlines()[0][:500]
        if mission is not None:
            reason = _strip(reason, str(mission.parent) + os.sep)
        return crashed_row(spec, "crashed", reason, tb, time.perf_counter() - wall0), None
    report = _strip(res.report, str(mission.parent) + os.sep)
    report["mission"] = bundle.name           # not the worker's scratch path
    report["campaign_run"] = spec.run
    if spec.keep_dir is not None:
        (Path(spec.keep_dir) / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return row_from_report(spec, report), report


def worker_identity() -> dict:
    """What a worker runs (checked against the client before a campaign starts)."""
    from importlib.metadata import PackageNotFoundError, version

    from common.dictionary import default_dictionary
    import numpy
    try:
        pkg = version("lunar-rover-fsw")
    except PackageNotFoundError:
        pkg = "unknown"
    return {"package": pkg, "dictionary_hash": default_dictionary().hash,
            "numpy": numpy.__version__}


def noop_run(bundle: MissionBundle, spec: RunSpec) -> dict:
    """A trivial run (no simulation): measures the scheduler's cost per run
    (it takes the scattered mission as a dependency, like a real run)."""
    return crashed_row(spec, "passed", "trivial run (scheduler overhead benchmark)")
