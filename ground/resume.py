"""`rover run MISSION --resume RUN_DIR`: a run whose process was killed
mid-print goes on at the next layer (docs/printer.md section 11).

What survives a kill is what is on disk in the run directory: ``run.json``
(written before the run starts: mission digest, seed, HAL URL, dictionary
hash, limits) and the print checkpoint (rewritten atomically after every
completed layer by the flight software).  Everything else died with the
process, the simulated world included.  So a resume

1. checks, before anything moves, that RUN_DIR is a run of this very mission
   (file digest), on this dictionary, of the design the mission prints, and
   that its checkpoint is readable and consistent (``check_resume``);
2. rebuilds the world by deterministic replay of the run from its seed up to
   the cycle that wrote the checkpoint, and checks the replay reproduces the
   checkpoint (layers, time, Z position, quality of every layer) exactly;
3. restarts the print job from the checkpoint file as a rebooted flight
   computer would: motion stopped and heat off, X, Y and the recoater
   homed again (Z holds), preheat, then the next layer.

This module holds the run-level pieces (run.json, the checks, the killed
record set aside, the kill switch the power-loss test uses); the runner
drives them.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from flight.printer.checkpoint import CHECKPOINT_NAME, Checkpoint, CheckpointError, load_checkpoint
from flight.seq import nodes as N

RUN_META_NAME = "run.json"
RUN_META_VERSION = 1
KILLED_RECORD_STEM = "telemetry.killed"
KILL_LAYER_ENV = "ROVER_KILL_AFTER_LAYER"    # test hook: SIGKILL this process after layer K ...
KILL_DELAY_ENV = "ROVER_KILL_DELAY_MS"       # ... plus this much simulated time (default 5 s)
DEFAULT_KILL_DELAY_MS = 5000
PRINT_START_COMMAND = "PRINT_START"


class ResumeError(ValueError):
    """RUN_DIR cannot be resumed with this mission; nothing has moved."""


def mission_digest(path) -> str:
    """SHA-256 of the mission file's bytes (text or compiled)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def write_run_meta(out: Path, *, mission_path, seed: int, hal_url: str, dictionary_hash: str,
                   limit_set: str | None, max_sim_s: float) -> dict:
    """``run.json``: what a resume needs to rebuild the run, written before
    anything runs."""
    meta = {"version": RUN_META_VERSION, "mission": str(mission_path),
            "mission_sha256": mission_digest(mission_path), "seed": seed, "hal": hal_url,
            "dictionary_hash": dictionary_hash, "limit_set": limit_set, "max_sim_s": max_sim_s}
    _write_atomic(Path(out) / RUN_META_NAME, json.dumps(meta, indent=1) + "\n")
    return meta


def read_run_meta(run_dir) -> dict:
    d = Path(run_dir)
    if not d.exists():
        raise ResumeError(f"{d}: no such run directory")
    if not d.is_dir():
        raise ResumeError(f"{d}: not a directory")
    path = d / RUN_META_NAME
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResumeError(f"{d}: not a run directory of this software (no {RUN_META_NAME})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResumeError(f"{path}: unreadable or corrupt ({e})") from None
    want = {"version": int, "mission": str, "mission_sha256": str, "seed": int, "hal": str,
            "dictionary_hash": str, "max_sim_s": (int, float)}
    if not isinstance(meta, dict) or any(not isinstance(meta.get(k), t) or isinstance(meta.get(k), bool)
                                         for k, t in want.items()):
        raise ResumeError(f"{path}: corrupt run description (needs {', '.join(want)})")
    if meta["version"] != RUN_META_VERSION:
        raise ResumeError(f"{path}: run description version {meta['version']}, this software "
                          f"reads {RUN_META_VERSION}")
    return meta


def mission_prints(mission: N.Sequence, dictionary) -> list[dict]:
    """The arguments of the mission's PRINT_START commands, converted as the
    sequencer converts them (a command whose arguments come from a
    sub-sequence parameter is not known statically and is left out)."""
    from flight.seq.resolve import BindError, command_args
    try:
        cdef = dictionary.command(PRINT_START_COMMAND)
    except Exception:
        return []
    found: list[dict] = []

    def walk(body):
        for st in body:
            if isinstance(st, N.Command) and st.name == PRINT_START_COMMAND:
                try:
                    found.append(dict(command_args(st, cdef).args))
                except (ValueError, BindError):
                    pass
            elif isinstance(st, N.Repeat):
                walk(st.body)
            elif isinstance(st, N.If):
                walk(st.then_body)
                walk(st.else_body)

    walk(mission.body)
    for sub in mission.subsequences:
        walk(sub.body)
    return found


@dataclass
class ResumePoint:
    run_dir: Path
    meta: dict
    checkpoint: Checkpoint
    plan: object                 # flight.printer.toolpath.Plan the checkpoint belongs to
    design: str                  # the PRINT_START design that prints it

    @property
    def next_layer(self) -> int:
        return self.checkpoint.layers_done


def check_resume(run_dir, mission_path, mission: N.Sequence, dictionary, plan_for) -> ResumePoint:
    """Everything that can refuse a resume, checked before anything moves.
    ``plan_for(print_args) -> Plan`` resolves a PRINT_START as the flight
    software's printer does (raises ValueError for a bad design)."""
    run_dir = Path(run_dir)
    meta = read_run_meta(run_dir)
    report = run_dir / "report.json"
    if report.exists():
        raise ResumeError(f"{run_dir}: the run finished (it has {report.name}); nothing to resume")
    if not meta["hal"].startswith("sim://"):
        raise ResumeError(f"{run_dir}: the run was on {meta['hal']}; a resume rebuilds the "
                          f"simulator by replay, so only sim:// runs can be resumed")
    if meta["dictionary_hash"] != dictionary.hash:
        raise ResumeError(f"{run_dir}: the run used dictionary {meta['dictionary_hash'][:12]}, "
                          f"this software has {dictionary.hash[:12]}: resume it with the software "
                          f"that started it")
    digest = mission_digest(mission_path)
    if digest != meta["mission_sha256"]:
        raise ResumeError(f"{run_dir}: a run of mission {meta['mission']} "
                          f"(sha256 {meta['mission_sha256'][:12]}), not of {mission_path} "
                          f"(sha256 {digest[:12]}): a different or edited mission")
    cp_path = run_dir / CHECKPOINT_NAME
    try:
        raw = json.loads(cp_path.read_text())
    except FileNotFoundError:
        raise ResumeError(f"{run_dir}: no print checkpoint ({CHECKPOINT_NAME}): the run was killed "
                          f"before its first layer was complete; nothing to resume") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResumeError(f"{cp_path}: corrupt print checkpoint ({e})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("plan_name"), str) \
            or not isinstance(raw.get("plan_digest"), str):
        raise ResumeError(f"{cp_path}: corrupt print checkpoint (no plan name or digest)")
    prints = mission_prints(mission, dictionary)
    if not prints:
        raise ResumeError(f"{mission_path}: the mission has no PRINT_START with a literal design; "
                          f"there is no print to resume")
    plans = []
    for args in prints:
        try:
            plans.append((str(args.get("design")), plan_for(args)))
        except ValueError as e:
            raise ResumeError(f"{mission_path}: PRINT_START design {args.get('design')!r}: {e}") from None
    match = [(d, p) for d, p in plans if p.digest() == raw["plan_digest"]]
    if not match:
        have = ", ".join(f"{d!r} (plan {p.digest()})" for d, p in plans)
        raise ResumeError(f"{cp_path}: checkpoint is for design {raw['plan_name']!r} (plan "
                          f"{raw['plan_digest']}); mission {mission_path} prints {have}: a "
                          f"different design, or its dimensions, settings or slicing changed")
    design, plan = match[0]
    try:
        cp = load_checkpoint(run_dir, plan_digest=plan.digest(), dictionary_hash=dictionary.hash)
    except CheckpointError as e:
        raise ResumeError(str(e)) from None
    if not isinstance(cp.quality, list) or not all(isinstance(q, (int, float)) and
                                                   not isinstance(q, bool) for q in cp.quality):
        raise ResumeError(f"{cp_path}: corrupt print checkpoint (quality values)")
    if cp.layers_total != len(plan.layers):
        raise ResumeError(f"{cp_path}: checkpoint counts {cp.layers_total} layers, design "
                          f"{design!r} has {len(plan.layers)}")
    if cp.layers_done >= cp.layers_total:
        raise ResumeError(f"{cp_path}: every layer was printed ({cp.layers_done}/"
                          f"{cp.layers_total}); nothing to resume")
    return ResumePoint(run_dir, meta, cp, plan, design)


def plan_for_print(args: dict):
    """The plan a PRINT_START with these (converted) arguments prints, as the
    flight software's printer resolves it."""
    from flight.printer.component import plan_for_design
    return plan_for_design(args["design"], float(args.get("temp", 0.0) or 0.0))


def set_aside_killed_record(run_dir: Path) -> Path | None:
    """The killed run's telemetry record is kept, renamed (never overwritten):
    telemetry.killed.rtlm, then telemetry.killed-2.rtlm, ..."""
    rec = Path(run_dir) / "telemetry.rtlm"
    if not rec.exists():
        return None
    n = 1
    while True:
        dest = rec.with_name(f"{KILLED_RECORD_STEM}{'' if n == 1 else f'-{n}'}.rtlm")
        if not dest.exists():
            os.replace(rec, dest)
            return dest
        n += 1


def put_back_killed_record(run_dir: Path, killed: Path | None) -> None:
    """Undo a refused resume: the new record goes, the killed one returns."""
    rec = Path(run_dir) / "telemetry.rtlm"
    if killed is not None and killed.exists():
        os.replace(killed, rec)
    elif rec.exists():
        rec.unlink()


class KillSwitch:
    """The power-loss test's hook: with ``ROVER_KILL_AFTER_LAYER=K`` in the
    environment the run SIGKILLs its own process ``ROVER_KILL_DELAY_MS`` of
    simulated time (default 5 s) after layer K's checkpoint, i.e. mid-way
    through the next layer, at a point set by simulated time alone."""

    def __init__(self, after_layer: int, delay_ms: int):
        self.after_layer = after_layer
        self.delay_ms = delay_ms
        self._due_ms: int | None = None

    @classmethod
    def from_env(cls, environ=os.environ) -> "KillSwitch | None":
        raw = environ.get(KILL_LAYER_ENV)
        if raw is None:
            return None
        try:
            layer = int(raw)
            delay = int(environ.get(KILL_DELAY_ENV, DEFAULT_KILL_DELAY_MS))
        except ValueError:
            raise ValueError(f"{KILL_LAYER_ENV}={raw!r} / {KILL_DELAY_ENV}="
                             f"{environ.get(KILL_DELAY_ENV)!r}: integers expected") from None
        if layer < 1 or delay < 0:
            raise ValueError(f"{KILL_LAYER_ENV} must be >= 1 and {KILL_DELAY_ENV} >= 0, "
                             f"got {layer} and {delay}")
        return cls(layer, delay)

    def attach(self, printer, clock) -> None:
        self._clock = clock
        printer.on_layer(self._on_layer)

    def _on_layer(self, layer: int, quality: float) -> None:
        if self._due_ms is None and layer + 1 >= self.after_layer:
            self._due_ms = self._clock.now_ms() + self.delay_ms

    def after_cycle(self, fs) -> None:
        if self._due_ms is not None and fs.clock.now_ms() >= self._due_ms:
            os.kill(os.getpid(), signal.SIGKILL)


class ResumeDriver:
    """Drives a resume inside the runner.  During the replay the printer
    writes no checkpoint; in the cycle that completes the checkpoint's last
    layer the replay's print state must equal the checkpoint, and at the end
    of that cycle the print job is restarted from the checkpoint file (the
    flight-software restart); from then on checkpoints are written again."""

    def __init__(self, point: ResumePoint):
        self.point = point
        self.replayed: Checkpoint | None = None
        self.restarted_at_ms: int | None = None
        self.before: dict | None = None          # the printer's summary at the restart
        self._printer = None

    def attach(self, printer) -> None:
        self._printer = printer
        printer.set_checkpoint_dir(None)
        printer.on_layer(self._on_layer)

    def _on_layer(self, layer: int, quality: float) -> None:
        if self.restarted_at_ms is None and layer + 1 == self.point.checkpoint.layers_done:
            self.replayed = self._printer.checkpoint()

    def verify(self) -> None:
        cp, got = self.point.checkpoint, self.replayed
        for name in ("plan_digest", "layers_done", "t_ms", "z_steps", "quality"):
            a, b = getattr(cp, name), getattr(got, name)
            if a != b:
                raise ResumeError(f"{self.point.run_dir}: the replay diverged from the checkpoint: "
                                  f"{name} is {a!r} in the checkpoint, {b!r} in the replay (the "
                                  f"simulator or flight software changed since the run)")

    def after_cycle(self, fs) -> None:
        if self.replayed is None or self.restarted_at_ms is not None:
            return
        self.verify()
        printer = fs.printer
        self.before = printer.summary()
        printer.restart_from_checkpoint(self.point.run_dir)
        printer.set_checkpoint_dir(self.point.run_dir)
        self.restarted_at_ms = fs.clock.now_ms()

    def check_restarted(self) -> None:
        if self.restarted_at_ms is None:
            raise ResumeError(f"{self.point.run_dir}: the replay ended before layer "
                              f"{self.point.checkpoint.layers_done - 1} was complete (the "
                              f"checkpoint's last layer): the simulator or flight software "
                              f"changed since the run")

    def report(self, killed_record: Path | None) -> dict:
        cp = self.point.checkpoint
        return {"from_layer": cp.layers_done, "checkpoint_t_s": cp.t_ms / 1000.0,
                "design": self.point.design, "replay_verified": self.restarted_at_ms is not None,
                "restarted_t_s": (self.restarted_at_ms / 1000.0
                                  if self.restarted_at_ms is not None else None),
                "killed_record": killed_record.name if killed_record is not None else None}
