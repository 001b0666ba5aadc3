"""Running a mission file end to end: validate it, open the HAL, boot the
flight software, run the mission in the mobility slot, record everything,
and write the run directory (telemetry record, events log, plots, report).

Used by `rover run`, the HIL pytest plugin and `rover perf sim`, so every
caller runs missions the same way.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from flight.seq import nodes as N
from flight.seq.engine import FINISHED, SlotState
from flight.seq.library import load_any
from flight.system import FlightSystem

DEFAULT_MAX_SIM_S = 8 * 3600.0     # a mission that runs longer than this has failed (a brick: ~4 h)
MISSION_SLOT = "mobility"
REPORT_NAME = "report.json"
EVENTS_NAME = "events.log"
TELEMETRY_NAME = "telemetry.rtlm"


class MissionError(Exception):
    """The mission could not start (bad file, bad HAL); nothing ran."""


@dataclass
class MissionResult:
    status: str                     # passed | failed | aborted
    reason: str
    report: dict
    out_dir: Path | None
    system: FlightSystem = field(repr=False, default=None)


def _mission_outcome(fs: FlightSystem, timed_out: bool, boot_state) -> tuple[str, str]:
    slot = fs.sequencer.slot(MISSION_SLOT)
    if boot_state is not SlotState.COMPLETED:
        return "aborted", f"boot sequence {boot_state.value.lower()}: {fs.sequencer.slot('boot').reason}"
    if timed_out:
        return "failed", "mission timed out"
    if slot.state is SlotState.COMPLETED:
        if fs.modes.mode in ("SAFE", "SURVIVAL"):
            return "failed", f"mission ended in {fs.modes.mode}"
        others = [s for n, s in fs.sequencer.slots.items()
                  if n not in (MISSION_SLOT, "fault", "boot") and s.state in (SlotState.FAILED,
                                                                           SlotState.ABORTED)]
        if others:
            return "failed", f"slot {others[0].name} {others[0].state.value.lower()}: {others[0].reason}"
        return "passed", ""
    if slot.state is SlotState.ABORTED:
        return "aborted", slot.reason
    return "failed", slot.reason or slot.state.value


MAX_SEED = 2**32 - 1               # run seeds (campaigns draw them in this range; sim:// takes more)


def free_run_dir(base: Path) -> Path:
    """``base`` if it does not exist or is empty, else ``base-2``, ``base-3``, ...:
    a default run directory never replaces an earlier run."""
    if not base.exists() or (base.is_dir() and not any(base.iterdir())):
        return base
    n = 2
    while True:
        cand = base.with_name(f"{base.name}-{n}")
        if not cand.exists():
            return cand
        n += 1


def prepare_run_dir(out: Path, force: bool) -> None:
    """Create ``out`` for a new run.  An existing non-empty directory holds an
    earlier run: refused unless ``force``.  Unwritable places are refused
    before anything runs."""
    if out.exists() and not out.is_dir():
        raise MissionError(f"run directory {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise MissionError(f"run directory {out} already holds a run; choose another --out, "
                           f"or pass --force to replace it")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise MissionError(f"run directory {out} is not writable: {e.strerror or e}") from None


def run_mission(mission_path, *, hal_url: str | None = None, seed: int = 1,
                out_dir: str | Path | None = None, max_sim_s: float = DEFAULT_MAX_SIM_S,
                limit_set: str | None = None, progress: Callable[[FlightSystem, float], None] | None = None,
                progress_every_s: float = 0.5, hal=None, record: bool = True,
                wall_clock: Callable[[], float] | None = None, force: bool = False,
                library_paths=(), schedule: Sequence[tuple[int, str, Callable]] = (),
                resume_dir: str | Path | None = None) -> MissionResult:
    """``wall_clock`` (e.g. time.perf_counter), if given, is used only to
    report the speed-up and pace ``progress``; the flight software itself
    never sees wall time.  ``out_dir`` must not hold an earlier run unless
    ``force``.  ``schedule``: (t_ms, label, action(hal)) entries, each
    applied once at the end of the first cycle at or after t_ms of simulated
    time (fault injections of a campaign run); the report lists the ones
    applied under ``injections``.  ``resume_dir``: go on with that killed
    run from its print checkpoint (ground/resume.py; its seed, HAL and
    limits are the run's own)."""
    from hal import open_hal, resolve_hal_url

    mission_path = Path(mission_path)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise MissionError(f"seed must be an integer 0..{MAX_SEED}, got {seed!r}")
    if not isinstance(max_sim_s, (int, float)) or not math.isfinite(max_sim_s) or max_sim_s <= 0:
        raise MissionError(f"max_sim_s must be a positive finite number of seconds, "
                           f"got {max_sim_s!r}")
    from common.dictionary import default_dictionary
    dictionary = default_dictionary()
    try:
        mission = load_any(mission_path, dictionary, library_paths)   # validate before anything moves
    except FileNotFoundError as e:
        raise MissionError(str(e)) from None
    except Exception as e:                               # SequenceErrors, SeqBinaryError
        raise MissionError(f"{mission_path}: mission rejected, nothing ran:\n{e}") from None
    if not any(not isinstance(s, N.Label) for s in mission.body):
        raise MissionError(f"{mission_path}: the mission has no statements (only definitions "
                           f"or comments); nothing to run")
    out = Path(out_dir) if out_dir is not None else None
    from ground.resume import KillSwitch
    try:
        kill = KillSwitch.from_env() if out is not None or resume_dir is not None else None
    except ValueError as e:
        raise MissionError(str(e)) from None
    resume = killed_record = None
    if resume_dir is not None:
        from ground import resume as R
        try:
            point = R.check_resume(resume_dir, mission_path, mission, dictionary, R.plan_for_print)
        except R.ResumeError as e:
            raise MissionError(f"resume refused, nothing ran: {e}") from None
        resume, out = R.ResumeDriver(point), Path(resume_dir)
        seed, hal_url, limit_set = point.meta["seed"], point.meta["hal"], point.meta["limit_set"]
        max_sim_s = point.meta["max_sim_s"]
    elif out is not None:
        prepare_run_dir(out, force)
    own_hal = hal is None
    url = hal.url if hal is not None else resolve_hal_url(hal_url, seed=seed)
    if hal is None:
        hal = open_hal(url)
    recorder = None
    try:
        if out is not None and resume is None:  # a HAL that did not open leaves no run behind
            from ground.resume import write_run_meta
            write_run_meta(out, mission_path=mission_path, seed=seed, hal_url=url,
                           dictionary_hash=dictionary.hash, limit_set=limit_set,
                           max_sim_s=max_sim_s)
        fs = FlightSystem(hal, dictionary=dictionary, limit_set=limit_set, mission=mission,
                          search_dirs=[mission_path.parent])
        after_cycle = _print_watchers(fs, out, resume, kill)
        if resume is not None:
            from ground.resume import set_aside_killed_record
            killed_record = set_aside_killed_record(out)
        if out is not None:
            if resume is None:          # a resumed run keeps its map
                _save_terrain(hal, out)
            if record:
                from flight.tlm.recorder import Recorder
                recorder = Recorder(out / TELEMETRY_NAME, fs.bus, clock=fs.clock, overwrite=True,
                                    on_change=("mode",),
                                    meta={"mission": str(mission_path), "hal": hal.url,
                                          "seed": seed, "dictionary_hash": dictionary.hash})
                fs.attach_recorder(recorder)
        fs.rover.prepare_map()      # the cost grid is built with the map, before the first cycle
        wall0 = wall_clock() if wall_clock is not None else 0.0
        next_progress = wall0 + progress_every_s
        t0_ms = fs.clock.now_ms()
        end_ms = t0_ms + int(max_sim_s * 1000)
        pending = sorted(schedule, key=lambda e: e[0])
        applied = []

        def inject():
            now = fs.clock.now_ms()
            while pending and now >= pending[0][0]:
                _, label, action = pending.pop(0)
                action(hal)
                applied.append({"t_s": now / 1000.0, "what": label})
        boot = fs.sequencer.slot("boot")
        while boot.busy and fs.clock.now_ms() < end_ms:
            fs.cycle()
            if pending:
                inject()
        boot_state = boot.state
        timed_out = False
        if boot_state is SlotState.COMPLETED:
            fs.sequencer.start(MISSION_SLOT, mission)
            slot = fs.sequencer.slot(MISSION_SLOT)
            cycle = fs.cycle
            clock = fs.clock
            while True:
                cycle()
                for watch in after_cycle:
                    watch(fs)
                if pending:
                    inject()
                if slot.state in FINISHED and not fs.sequencer.busy:
                    break
                if clock.now_ms() >= end_ms:
                    timed_out = True
                    fs.sequencer.cancel_all("mission timed out")
                    break
                if progress is not None and wall_clock is not None and fs.cycles % 64 == 0:
                    now = wall_clock()
                    if now >= next_progress:
                        progress(fs, now - wall0)
                        next_progress = now + progress_every_s
        wall_s = (wall_clock() - wall0) if wall_clock is not None else None
        if resume is not None:
            resume.check_restarted()
        status, reason = _mission_outcome(fs, timed_out, boot_state)
        if status == "passed":
            fs.bus.emit("MISSION_PASSED")
        else:
            fs.bus.emit("MISSION_FAILED", status=status, reason=reason)
        report = build_report(fs, mission_path, status, reason, wall_s, seed)
        if schedule:
            report["injections"] = applied
        _add_brick(report, fs, resume, killed_record)
        if recorder is not None:
            recorder.close()
            recorder = None
        if out is not None:
            write_run_files(fs, out, report)
        return MissionResult(status, reason, report, out, fs)
    except Exception as e:
        from ground.resume import ResumeError
        if resume is None or not isinstance(e, ResumeError):
            raise
        if recorder is not None:        # a refused resume leaves the run directory as it was
            recorder.close()
            recorder = None
        from ground.resume import put_back_killed_record
        put_back_killed_record(out, killed_record)
        raise MissionError(f"resume refused: {e}") from None
    finally:
        if recorder is not None:
            recorder.close()
        if own_hal:
            hal.close()


def _print_watchers(fs: FlightSystem, out: Path | None, resume, kill) -> list:
    """Checkpoints into the run directory; a resume's replay and restart;
    the power-loss test's kill switch.  Returns the after-cycle hooks."""
    printer = getattr(fs, "printer", None)
    if printer is None or out is None:
        return []
    hooks = []
    if resume is not None:
        resume.attach(printer)
        hooks.append(resume.after_cycle)
    else:
        printer.set_checkpoint_dir(out)
    if kill is not None:
        kill.attach(printer, fs.clock)
        hooks.append(kill.after_cycle)
    return hooks


def _add_brick(report: dict, fs: FlightSystem, resume, killed_record) -> None:
    printer = getattr(fs, "printer", None)
    if printer is None:
        return
    from ground.print.brick_report import brick_section
    brick = brick_section(printer.summary(), resume.before if resume is not None else None,
                          resume.report(killed_record) if resume is not None else None)
    if brick is not None:
        report["brick"] = brick


def build_report(fs: FlightSystem, mission_path: Path, status: str, reason: str,
                 wall_s: float | None, seed: int) -> dict:
    bus = fs.bus
    sim_s = fs.clock.now_ms() / 1000.0
    fired = [e for e in bus.events if e.name == "FP_RESPONSE_FIRED"]
    tripped = [e for e in bus.events if e.name == "FP_MONITOR_TRIPPED"]
    truth = fs.hal.truth()
    err = fs.rover.pose.error_vs_truth(truth) if truth is not None else None
    report = {
        "mission": str(mission_path),
        "hal": fs.hal.url,
        "seed": seed,
        "status": status,
        "reason": reason,
        "sim_time_s": round(sim_s, 3),
        "wall_time_s": round(wall_s, 3) if wall_s is not None else None,
        "realtime_factor": round(sim_s / wall_s, 1) if wall_s else None,
        "distance_m": round(float(bus.value("rover.distance_m", 0.0)), 3),
        "energy_used_j": round(float(bus.value("power.energy_used_j", 0.0)), 1),
        "final_soc_pct": round(float(bus.value("power.soc_pct", math.nan)), 2),
        "final_mode": fs.modes.mode,
        "final_pose": {"x_m": round(fs.rover.pose.x_m, 3), "y_m": round(fs.rover.pose.y_m, 3),
                       "yaw_deg": round(math.degrees(fs.rover.pose.yaw_rad), 2)},
        "faults_seen": [{"t_s": e.t_ms / 1000.0, "event": e.name, "message": e.message}
                        for e in sorted(fired + tripped, key=lambda e: e.t_ms)],
        "slots": {n: {"state": s.state.value, "reason": s.reason}
                  for n, s in fs.sequencer.slots.items()},
        "commands": dict(fs.executor.counts),
        "critical_commands": [
            {"t_s": h.t_dispatch_ms / 1000.0, "command": h.name, "source": h.source,
             "args": {k: (v if isinstance(v, (int, float, str, bool)) else str(v))
                      for k, v in h.args.items()},
             "status": h.status.value.lower(), "reason": h.reason}
            for h in fs.executor.critical_executed],
        "events": len(bus.events),
        "dictionary_hash": fs.dictionary.hash,
    }
    if truth is not None:
        report["truth_distance_m"] = round(truth["distance_m"], 3)
        report["odometry_error_m"] = round(err["position_error_m"], 3)
    link_summary = getattr(fs.hal, "link_summary", None)
    link = link_summary() if link_summary is not None else None
    if link is not None:                 # sim:// with a simulated line (link_drop, ...)
        report["link"] = link
    return report


def _save_terrain(hal, out: Path) -> None:
    tm = hal.terrain_map()
    if tm is None:
        return
    import numpy as np
    np.savez_compressed(out / "terrain.npz", slope_deg=tm.slope_deg, height_m=tm.height_m,
                        extent=np.array(tm.extent_m))


def escape_line(text: str) -> str:
    """One line, whatever the text: backslash and control characters (newline,
    carriage return, escape sequences, ...) are written as Python-style escapes,
    so a LOG text cannot forge a line of events.log or drive the terminal."""
    out = []
    for ch in str(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def write_run_files(fs: FlightSystem, out: Path, report: dict) -> None:
    with open(out / EVENTS_NAME, "w", encoding="utf-8") as f:
        for e in fs.bus.events:
            f.write(f"{e.t_ms / 1000.0:10.1f} s  {e.severity:5}  {e.name:20}  "
                    f"{escape_line(e.message)}\n")
    try:
        from ground.tlm.plots import plot_run
        report["plots"] = [p.name for p in plot_run(out, out)]
        if "brick" in report:
            from ground.print.brick_plots import plot_brick
            report["plots"] += [p.name for p in plot_brick(fs.printer.job.plan,
                                                           report["brick"]["quality_per_layer"], out)]
    except Exception as e:                      # plots are a convenience; never lose the report
        report["plots_error"] = f"{type(e).__name__}: {e}"
    (out / REPORT_NAME).write_text(json.dumps(report, indent=2) + "\n")
