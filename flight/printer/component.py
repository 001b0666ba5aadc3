"""The printer as a flight component: the print job (job.py) run against the
HAL's printer devices once per flight cycle, its commands (PRINT_*) and its
telemetry (printer.*).  docs/printer.md section 10.

Per cycle, ``update()``: read the devices into ``JobInputs``, step the job,
turn its outputs into device commands (stop, home, moves in steps, the head's
target), sample the spot temperature while a sinter move executes (the
per-layer quality estimate), count energy and time, and after each finished
layer call the layer hooks (checkpoints).  Outside a job the component can
home the axes, preheat and cool down the head on command.

Safety: the head's target is non-zero only in PRINT mode (a job's target is
already so; a manual preheat is dropped the cycle the mode leaves PRINT),
and it is re-sent every cycle so the board's deadman switches the source off
if the flight software goes quiet.

Public API (for mission runners and reports): ``register_design``,
``start_plan``, ``summary()``, ``checkpoint()``, ``restore()``,
``set_checkpoint_dir()``, ``on_layer()``, and the ``job`` itself.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

from common.sintering import track_quality
from flight.commands.handlers import CommandFailed, Pending, handles
from flight.printer.checkpoint import Checkpoint, load_checkpoint, write_checkpoint
from flight.printer.designs import PARAMETRIC, DesignError
from flight.printer.estimate import PRINTER_BASE_W, estimate, head_hold_w
from flight.printer.job import (ACTIVE_STATES, COOL_DONE_C, FINAL_STATES, HEAT_BAND_C, PRINT_MODE,
                                JobInputs, JobRefused, JobState, PrintJob)
from flight.printer.slicer import slice_design
from flight.printer.toolpath import Plan, ProcessSettings
from hal.interfaces import DeviceStatus, HomeState

OWNER = "printer"
ALL_AXES = 0b1111
XYR_AXES = 0b1011              # X, Y, recoater: a resumed job keeps Z where it is
HOMING_STATES = (HomeState.SEEK, HomeState.BACKOFF, HomeState.APPROACH)
# The sun is "ok" for sintering while the source gives this many times the
# power that holds the head at the sinter temperature; it is lost below
# SUN_LOST_MARGIN and back above SUN_OK_MARGIN (hysteresis: a skyline cuts
# the solar disk gradually, over about an hour at the pole).  Our choice.
SUN_LOST_MARGIN = 1.2
SUN_OK_MARGIN = 1.5
# Electronics over temperature: pause above the e-box channel's yellow limit
# (45 C in the dictionary) and allow a resume below 40 C.  Our choice.
EBOX_HOT_C = 45.0
EBOX_COOL_C = 40.0
PREHEAT_SETTLE_MS = 5000      # a manual preheat completes within the band for this long
DEFAULT_SINTER_C = ProcessSettings().sinter_c
# Our choice: a head above 100 C is still cooling from work; its channels stay
# at the cycle rate until it is below (the thermocouple monitor's band starts
# well below any sintering temperature).
IDLE_WARM_C = 100.0
IDLE_EVAL_MS = 1000           # idle: sun, e-box and homing judged once a second


def move_steps(move, last_target, steps_per_mm, max_rate_q16: int):
    """A job Move (mm, mm/s) -> (target steps, rate Q16 steps/ms of the
    major axis).  Z: the job's plate height is negative downward, the board's
    Z axis is plate depth (positive down)."""
    tgt = (int(round(move.x_mm * steps_per_mm[0])), int(round(move.y_mm * steps_per_mm[1])),
           int(round(-move.z_mm * steps_per_mm[2])), int(round(move.r_mm * steps_per_mm[3])))
    d_mm = [(t - p) / s for t, p, s in zip(tgt, last_target, steps_per_mm)]
    length_mm = math.hypot(d_mm[0], d_mm[1]) or abs(d_mm[2]) or abs(d_mm[3])
    major = max(abs(t - p) for t, p in zip(tgt, last_target))
    if major == 0:
        return tgt, 65536
    time_ms = max(length_mm / move.speed_mmps * 1000.0, 1e-3)
    return tgt, max(1, min(max_rate_q16, math.ceil(major * 65536 / time_ms)))


def plan_for_design(design: str, sinter_c: float = 0.0, designs=None) -> Plan:
    """The plan ``PRINT_START design=... temp=...`` prints: a registered
    design (``designs``), a parametric brick by name, or ``NAME:LxWxH`` (mm)
    for a parametric brick of that size; ``sinter_c`` 0 keeps the default.
    DesignError says why not, before anything moves."""
    designs = designs or {}
    settings = ProcessSettings()
    if sinter_c:
        if not 0.0 < sinter_c <= settings.max_head_c:
            raise DesignError(f"sinter temperature {sinter_c:g} C is outside the head's "
                              f"range (0, {settings.max_head_c:g}] C")
        settings = ProcessSettings(sinter_c=float(sinter_c))
    if design in designs:
        if sinter_c:
            raise DesignError(f"design {design!r} is a registered plan: its temperature "
                              "comes with it (give temp=0)")
        return designs[design]
    name, _, size = design.partition(":")
    if name not in PARAMETRIC:
        known = sorted(set(PARAMETRIC) | set(designs))
        raise DesignError(f"unknown design {design!r}; known designs: {', '.join(known)} "
                          "(parametric ones also as NAME:LxWxH in mm)")
    dims = {}
    if size:
        parts = size.lower().split("x")
        try:
            vals = [float(v) for v in parts]
        except ValueError:
            vals = []
        if len(vals) != 3 or not all(math.isfinite(v) for v in vals):
            raise DesignError(f"design {design!r}: size {size!r} is not LxWxH in mm "
                              "(e.g. plain-brick:40x20x6)")
        dims = dict(zip(("length_mm", "width_mm", "height_mm"), vals))
    return slice_design(PARAMETRIC[name](**dims), settings)


class Printer:
    def __init__(self, hal, bus, modes, clock, *, dictionary_hash: str = "",
                 owner: str = OWNER):
        self.hal = hal
        self.bus = bus
        self.modes = modes
        self.clock = clock
        self.dictionary_hash = dictionary_hash
        self.devices = hal.printer
        self.gantry = hal.claim("printer.gantry", owner) if self.devices else None
        self.head = hal.claim("printer.head", owner) if self.devices else None
        self.job: PrintJob | None = None
        self.designs: dict[str, Plan] = {}
        self._layer_hooks: list[Callable[[int, float], None]] = []
        self.checkpoint_dir: Path | None = None
        self._manual_c = 0.0                # PRINT_PREHEAT outside a job
        self._home_mask = 0                 # axes of the last home command
        self._home_sent_ms: int | None = None
        self._stop_sent_ms: int | None = None
        self._sent_flags: list[bool] = []   # sinter flag of each move sent since the base
        self._done_base: int | None = None  # board's moves_done when _sent_flags started
        self._last_target = (0, 0, 0, 0)
        self._sun_ok = True
        self._ebox_hot = False
        self._idle_eval_ms: int | None = None
        self._samples: list[float] = []
        self._reset_stats()
        self._start_layer = 0

    # -- public API --------------------------------------------------------------
    def register_design(self, name: str, plan: Plan) -> None:
        """Make ``PRINT_START design=name`` print ``plan`` (a mission's own
        outline or G-code design, sliced by the caller)."""
        if not name or len(name) > 32:
            raise ValueError(f"design name {name!r} must be 1..32 characters")
        self.designs[name] = plan

    def plan_for(self, design: str, sinter_c: float = 0.0) -> Plan:
        """The plan ``PRINT_START design=... temp=...`` prints (see
        ``plan_for_design``)."""
        return plan_for_design(design, sinter_c, self.designs)

    def start_plan(self, plan: Plan, *, start_layer: int = 0, quality=None) -> PrintJob:
        """Start printing ``plan`` (from ``start_layer`` when resuming)."""
        if self.devices is None:
            raise JobRefused(f"no printer on this HAL ({self.hal.url})")
        if self.job is not None and self.job.state not in FINAL_STATES \
                and self.job.state is not JobState.IDLE:
            raise JobRefused(f"a print job is {self.job.state.value}: pause and abort it first")
        if self.modes.mode != PRINT_MODE:
            raise JobRefused(f"rover is in {self.modes.mode}: printing needs PRINT mode "
                             "(SET_MODE mode=PRINT; the rover must be parked with enough charge)")
        job = PrintJob(plan, start_layer=start_layer, quality=quality)
        job.start()
        self.job = job
        self._manual_c = 0.0
        self._reset_stats()
        self._start_layer = start_layer
        return job

    def restore(self, plan: Plan, directory) -> Checkpoint:
        """Load the checkpoint in ``directory`` (refused, with the file and the
        reason, for another plan or dictionary) and start the job at the
        next layer.  The caller must be in PRINT mode."""
        cp = load_checkpoint(directory, plan_digest=plan.digest(),
                             dictionary_hash=self.dictionary_hash)
        self.start_plan(plan, start_layer=cp.layers_done, quality=cp.quality)
        return cp

    def restart_from_checkpoint(self, directory) -> Checkpoint:
        """What a restart of the flight software does to a print: the job in
        memory is lost (motion stopped, heat off), and a new job for the same
        plan starts from the checkpoint in ``directory`` at the next layer,
        homing X, Y and the recoater again (Z holds) and preheating first.
        A PRINT_START waiting on the lost job follows the new one."""
        if self.job is None:
            raise JobRefused("no print job to restart")
        plan = self.job.plan
        cp = load_checkpoint(directory, plan_digest=plan.digest(),
                             dictionary_hash=self.dictionary_hash)
        self.gantry.stop()
        self._stop_sent_ms, self._done_base = self.clock.now_ms(), None
        self.head.set_target_c(0.0)
        self.job = None
        self.start_plan(plan, start_layer=cp.layers_done, quality=cp.quality)
        return cp

    def checkpoint(self) -> Checkpoint | None:
        """The job's progress as a checkpoint (None without a job)."""
        j = self.job
        if j is None:
            return None
        return Checkpoint(plan_name=j.plan.name, plan_digest=j.plan.digest(),
                          dictionary_hash=self.dictionary_hash, layers_total=len(j.plan.layers),
                          layers_done=j.layers_done,
                          z_steps=int(self.gantry.position_steps[2]) if self.gantry else 0,
                          t_ms=self.clock.now_ms(), quality=list(j.quality))

    def set_checkpoint_dir(self, directory) -> None:
        """Write print_checkpoint.json there (atomically) after every layer."""
        self.checkpoint_dir = Path(directory) if directory is not None else None

    def on_layer(self, fn: Callable[[int, float], None]) -> None:
        """Call ``fn(layer_index, quality)`` after each completed layer."""
        self._layer_hooks.append(fn)

    def summary(self) -> dict:
        """What the job printed so far: state, layers, time, energy, regolith,
        quality per layer (the flight software's estimate from the spot
        temperature while sintering, common/sintering.py)."""
        j = self.job
        if j is None:
            return {"state": "NONE", "layers_total": 0, "layers_done": 0}
        now = self._t_end_ms if self._t_end_ms is not None else self.clock.now_ms()
        t_s = (now - self._t_start_ms) / 1000.0
        q = list(j.quality)
        used_pct = max(0.0, self._hopper_start_pct - self.devices.hopper.level_pct)
        est = estimate(j.plan)
        return {
            "design": j.plan.name, "plan_digest": j.plan.digest(), "state": j.state.value,
            "reason": j.reason, "layers_total": len(j.plan.layers), "layers_done": j.layers_done,
            "start_layer": self._start_layer,
            "print_time_s": round(t_s, 1), "heat_energy_j": round(self._heat_j, 1),
            "electric_energy_j": round(self._electric_j, 1),
            "heat_source": self.head.source,
            "regolith_used_g": round(used_pct / 100.0 * self.devices.hopper.capacity_g, 1),
            "brick_mass_g_estimate": round(est.brick_mass_g * j.layers_done / max(1, est.layers), 1),
            "powder_spread_g_estimate": round(est.powder_spread_g * j.layers_done
                                              / max(1, est.layers), 1),
            "quality_per_layer": [round(v, 4) for v in q],
            "quality_mean": round(sum(q) / len(q), 4) if q else 0.0,
            "pauses": self._pauses, "max_spot_c": round(self._max_c, 1),
            "moves_sent": self._moves_sent, "moves_refused": self.gantry.refused,
        }

    # -- the cycle ------------------------------------------------------------------
    def _reset_stats(self) -> None:
        self._heat_j = 0.0
        self._electric_j = 0.0
        self._pauses = 0
        self._max_c = -273.15
        self._moves_sent = 0
        self._t_start_ms = self.clock.now_ms()
        self._t_end_ms: int | None = None
        self._hopper_start_pct = self.devices.hopper.level_pct if self.devices else 0.0
        self._samples = []

    def _motion(self, g):
        """(homed, homing_failed, motion_idle, moves_free, moves_pending, executing sinter)."""
        fresh_home = self._home_sent_ms is None or g.time_ms > self._home_sent_ms
        fresh_stop = self._stop_sent_ms is None or g.time_ms > self._stop_sent_ms
        states = [g.home_state[i] for i in range(4) if self._home_mask & (1 << i)]
        homing = not fresh_home or any(s in HOMING_STATES for s in g.home_state)
        homed = fresh_home and bool(self._home_mask) and \
            (g.homed_mask & self._home_mask) == self._home_mask
        failed = fresh_home and any(s is HomeState.FAILED for s in states)
        if not fresh_stop:
            return homed, failed, False, 0, 0, False
        if self._done_base is None:           # first fresh state after a stop: re-base
            self._done_base = g.moves_done
            self._sent_flags = []
        done = g.moves_done - self._done_base
        outstanding = max(0, len(self._sent_flags) - done)
        executing = g.moving and done < len(self._sent_flags) and self._sent_flags[done]
        queue_used = max(g.queued, outstanding - (1 if g.moving else 0))
        free = max(0, g.queue_depth - queue_used)
        idle = outstanding == 0 and not g.moving and g.queued == 0 and not homing
        return homed, failed, idle, free, outstanding, executing

    def _sun(self, target_c: float) -> bool:
        avail = self.head.available_w
        hold = head_hold_w(target_c)
        if self._sun_ok and avail < SUN_LOST_MARGIN * hold:
            self._sun_ok = False
        elif not self._sun_ok and avail >= SUN_OK_MARGIN * hold:
            self._sun_ok = True
        return self._sun_ok

    def _ebox(self) -> bool:
        t = self.hal.thermal["ebox"].temp_c
        if not self._ebox_hot and t > EBOX_HOT_C:
            self._ebox_hot = True
        elif self._ebox_hot and t < EBOX_COOL_C:
            self._ebox_hot = False
        return self._ebox_hot

    def update(self, dt_ms: int) -> None:
        """One flight cycle (after hal.read(), before hal.write())."""
        if self.devices is None:
            return
        now = self.clock.now_ms()
        g, head, tc = self.gantry, self.head, self.devices.thermocouple
        temp_c = tc.temp_c
        if temp_c > self._max_c:
            self._max_c = temp_c
        mode = self.modes.mode
        j = self.job
        active = j is not None and j.state not in FINAL_STATES
        if not active and mode != PRINT_MODE:
            self._update_idle(now, dt_ms)
            return
        self._idle_eval_ms = None
        homed, failed, idle, free, pending, executing = self._motion(g)
        target = 0.0
        sinter_c = j.plan.settings.sinter_c if active else (self._manual_c or DEFAULT_SINTER_C)
        sun_ok = self._sun(sinter_c)
        ebox_hot = self._ebox()
        if active:
            inp = JobInputs(mode=mode, t_ms=now, homed=homed, homing_failed=failed,
                            motion_idle=idle, moves_free=free, moves_pending=pending,
                            head_temp_c=temp_c, head_fault=head.fault,
                            hopper_pct=self.devices.hopper.level_pct,
                            sun_ok=sun_ok, ebox_hot=ebox_hot)
            before = j.state
            out = j.update(inp)
            if out.stop:
                g.stop()
                self._stop_sent_ms = now
                self._done_base = None
            if out.home:
                mask = ALL_AXES if out.home_z or not (g.homed_mask & 0b0100) else XYR_AXES
                g.home(mask)
                self._home_mask, self._home_sent_ms = mask, now
                self._last_target = (0, 0, g.position_steps[2] if mask == XYR_AXES else 0, 0)
            for m in out.moves:
                tgt, rate = move_steps(m, self._last_target, g.steps_per_mm, g.max_rate_q16)
                g.move(tgt, rate, m.sinter)
                self._last_target = tgt
                self._sent_flags.append(m.sinter)
                self._moves_sent += 1
            target = out.heat_target_c
            if j.state is JobState.SINTER and executing:
                self._samples.append(temp_c)
            if j.layer_completed is not None:
                self._layer_done(j)
            if j.state is not before:
                self._job_state_changed(before, j)
        else:
            if mode == PRINT_MODE:
                target = self._manual_c
            else:
                self._manual_c = 0.0
            if self._home_mask and failed:
                self._home_mask = 0
        if mode != PRINT_MODE:
            target = 0.0      # belt and braces: heat only in PRINT
        head.set_target_c(target)
        self._heat_j += head.power_w * dt_ms / 1000.0
        if j is not None and j.state in ACTIVE_STATES | {JobState.PAUSED}:
            self._electric_j += (PRINTER_BASE_W + (head.power_w if head.source == "electric"
                                                   else 0.0)) * dt_ms / 1000.0

    def _update_idle(self, now: int, dt_ms: int) -> None:
        """No job and not in PRINT mode: the head off and its heat counted
        every cycle; the sun and e-box judgements (published once a second
        when idle) and a failed home's mask once a second of simulated time.
        A job or PRINT mode takes the full path from its first cycle."""
        head = self.head
        self._manual_c = 0.0
        if head.target_c:              # usually already off: no command to latch
            head.set_target_c(0.0)
        if head.duty:
            self._heat_j += head.power_w * dt_ms / 1000.0
        if self._idle_eval_ms is not None and now - self._idle_eval_ms < IDLE_EVAL_MS:
            return
        self._idle_eval_ms = now
        if self._home_mask and self._motion(self.gantry)[1]:
            self._home_mask = 0
        self._sun(DEFAULT_SINTER_C)
        self._ebox()

    def _layer_done(self, j: PrintJob) -> None:
        dwell_s = j.plan.settings.spot_mm / j.plan.settings.scan_mmps
        q = round(track_quality(self._samples, dwell_s), 4)
        self._samples = []
        j.quality.append(q)
        layer = j.layer_completed
        self.bus.emit("PRINT_LAYER_DONE", layer=layer, layers=len(j.plan.layers), quality=q)
        if self.checkpoint_dir is not None:
            write_checkpoint(self.checkpoint_dir, self.checkpoint())
        for fn in self._layer_hooks:
            fn(layer, q)

    def _job_state_changed(self, before: JobState, j: PrintJob) -> None:
        if j.state is JobState.PAUSED:
            self._pauses += 1
        if j.state in FINAL_STATES:
            self._t_end_ms = self.clock.now_ms()
        self.bus.emit("PRINT_STATE", from_state=before.value, to_state=j.state.value,
                      reason=j.reason or "-", layer=j.layer)

    @property
    def busy(self) -> bool:
        """In PRINT mode, with a job that has not ended, or with the head
        warm or commanded: its channels then go out every cycle (idle, once
        a second: docs/telemetry.md)."""
        if self.devices is None:
            return False
        j = self.job
        return (self.modes.mode == PRINT_MODE or (j is not None and j.state not in FINAL_STATES)
                or self.head.target_c > 0.0 or self.devices.thermocouple.temp_c > IDLE_WARM_C)

    def telemetry(self) -> dict:
        if self.devices is None:
            return {}
        j = self.job
        d = self.devices
        q = j.quality[-1] if j is not None and j.quality else 0.0
        link_ok = all(dev.status is not DeviceStatus.OFFLINE for dev in (self.gantry, self.head))
        out = {
            "printer.state": j.state.value if j is not None else "NONE",
            "printer.layer": j.layer if j is not None else 0,
            "printer.layers_done": j.layers_done if j is not None else 0,
            "printer.link_ok": 1 if link_ok else 0,
        }
        if not link_ok:
            # No payload board on the line (absent from the bench, or its link
            # down): its sensors have no reading to give.  Publishing the
            # latch's zeros would trip the hopper and sun monitors on data that
            # does not exist; unpublished, they stay UNKNOWN or go STALE.
            return out
        out.update({
            "printer.spot_c": d.thermocouple.temp_c,
            "printer.head_target_c": self.head.target_c,
            "printer.head_power_w": self.head.power_w,
            "printer.source_avail_w": self.head.available_w,
            "printer.head_fault": int(self.head.fault),
            "printer.hopper_pct": d.hopper.level_pct,
            "printer.quality": q,
            "printer.sun_ok": 1 if self._sun_ok else 0,
        })
        return out

    def safe(self) -> None:
        """Entering SAFE or SURVIVAL: no manual heat, motion stopped (a job
        pauses by itself: the mode left PRINT)."""
        self._manual_c = 0.0
        if self.devices is not None:
            self.head.set_target_c(0.0)
            if self.job is None or self.job.state not in ACTIVE_STATES:
                self.gantry.stop()
                self._stop_sent_ms, self._done_base = self.clock.now_ms(), None

    # -- commands ------------------------------------------------------------------
    def _need_printer(self) -> None:
        if self.devices is None:
            raise CommandFailed(f"no printer on this HAL ({self.hal.url})")

    def _no_job_running(self, what: str) -> None:
        j = self.job
        if j is not None and j.state in ACTIVE_STATES:
            raise CommandFailed(f"{what}: a print job is {j.state.value}; pause or abort it first")

    @handles("PRINT_HOME")
    def cmd_home(self, cmd) -> Pending:
        self._need_printer()
        self._no_job_running("PRINT_HOME")
        g = self.gantry
        now = self.clock.now_ms()
        g.stop()
        g.home(ALL_AXES)
        self._home_mask, self._home_sent_ms, self._stop_sent_ms = ALL_AXES, now, now
        self._done_base = None
        self._last_target = (0, 0, 0, 0)

        def poll():
            homed, failed, idle, *_ = self._motion(g)
            if failed:
                axes = [a for i, a in enumerate("XYZR") if g.home_state[i] is HomeState.FAILED]
                return False, f"homing failed on axis {', '.join(axes)}"
            if homed and idle:
                return True, ""
            return None
        return Pending(poll, cancel=g.stop)

    @handles("PRINT_PREHEAT")
    def cmd_preheat(self, cmd) -> Pending:
        self._need_printer()
        self._no_job_running("PRINT_PREHEAT")
        temp = float(cmd.args["temp"])
        if temp > self.head.max_target_c:
            raise CommandFailed(f"PRINT_PREHEAT: {temp:g} C is above the head's rating "
                                f"{self.head.max_target_c:g} C")
        if self.modes.mode != PRINT_MODE:
            raise CommandFailed(f"PRINT_PREHEAT: rover is in {self.modes.mode}; the head heats "
                                "only in PRINT mode")
        self._manual_c = temp
        settle = [None]

        def poll():
            if self.modes.mode != PRINT_MODE:
                return False, f"rover left PRINT mode ({self.modes.mode}): heat off"
            if self.head.fault:
                return False, f"head guard tripped (code {self.head.fault})"
            if self._manual_c != temp:
                return False, "preheat target changed"
            if abs(self.devices.thermocouple.temp_c - temp) <= HEAT_BAND_C:
                now = self.clock.now_ms()
                if settle[0] is None:
                    settle[0] = now
                elif now - settle[0] >= PREHEAT_SETTLE_MS:
                    return True, ""
            else:
                settle[0] = None
            return None
        return Pending(poll)

    @handles("PRINT_COOLDOWN")
    def cmd_cooldown(self, cmd) -> Pending:
        self._need_printer()
        self._no_job_running("PRINT_COOLDOWN")
        self._manual_c = 0.0

        def poll():
            if self.devices.thermocouple.temp_c < COOL_DONE_C:
                return True, ""
            return None
        return Pending(poll)

    @handles("PRINT_START")
    def cmd_start(self, cmd) -> Pending:
        self._need_printer()
        a = cmd.args
        try:
            plan = self.plan_for(a["design"], float(a["temp"]))
            job = self.start_plan(plan)
        except (DesignError, JobRefused, ValueError) as e:
            raise CommandFailed(str(e)) from None

        def poll():
            nonlocal job
            if self.job is not job and self.job is not None and self.job.plan is plan:
                job = self.job           # restarted from a checkpoint: follow the new job
            if job.state is JobState.DONE:
                return True, ""
            if job.state in (JobState.ABORTED, JobState.FAULT):
                return False, f"print {job.state.value}: {job.reason}"
            if job.state is JobState.IDLE and job.reason.startswith("start refused"):
                return False, job.reason
            return None
        return Pending(poll)

    def _job_cmd(self, what: str, fn) -> None:
        self._need_printer()
        if self.job is None:
            raise CommandFailed(f"{what}: no print job")
        try:
            fn()
        except JobRefused as e:
            raise CommandFailed(f"{what}: {e}") from None

    @handles("PRINT_PAUSE")
    def cmd_pause(self, cmd) -> None:
        if self.job is not None and self.job.state is JobState.PAUSED:
            return          # already paused (a fault response after the job's own pause)
        self._job_cmd("PRINT_PAUSE", lambda: self.job.pause())

    @handles("PRINT_RESUME")
    def cmd_resume(self, cmd) -> None:
        self._job_cmd("PRINT_RESUME", lambda: self.job.resume())

    @handles("PRINT_ABORT")
    def cmd_abort(self, cmd) -> None:
        self._manual_c = 0.0
        if self.job is None or self.job.state in FINAL_STATES:
            if self.gantry is not None:
                self.gantry.stop()
                self._stop_sent_ms, self._done_base = self.clock.now_ms(), None
            return          # nothing running: heat off and motion stopped is what ABORT means
        self._job_cmd("PRINT_ABORT", lambda: self.job.abort())
