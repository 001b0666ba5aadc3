"""The print job: one state machine per brick.

    IDLE -> HOMING -> PREHEAT -> per layer (LOWER -> RECOAT -> SINTER) -> COOLDOWN -> DONE
    any active state -> PAUSED (operator, hopper empty, sun lost, electronics hot,
                                mode left PRINT) -> PREHEAT -> back where it stopped
    any active state -> ABORTED (operator) | FAULT (head guard trip, thermocouple
                                open or out of range, homing failed)

``update(inputs)`` runs once per flight cycle with what the printer reports
and returns what to command this cycle (``JobOutputs``): the heat-source
target (0 = off; re-sent every cycle, the board's deadman turns it off if
the flight software goes quiet) and motion actions.  The job never reads a
clock or a device itself, so it is deterministic and testable on its own.

Safety invariant (property-tested): the heat target is non-zero only in
PRINT mode and only in PREHEAT, LOWER, RECOAT or SINTER.  docs/printer.md
section 4.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from flight.printer.toolpath import Plan

PRINT_MODE = "PRINT"
PLATE_RECOAT_MM = 220.0       # recoater travel across the 200 mm plate and clear of it
RECOAT_MMPS = 20.0
Z_MMPS = 2.0
HEAT_BAND_C = 10.0            # PREHEAT done when within this of the target ...
HEAT_SETTLE_MS = 5000         # ... for this long
COOL_DONE_C = 200.0           # COOLDOWN done below this
TC_MIN_C = -100.0             # thermocouple readings outside this range: open/shorted
TC_MAX_C = 1600.0


class JobState(str, enum.Enum):
    IDLE = "IDLE"
    HOMING = "HOMING"
    PREHEAT = "PREHEAT"
    LOWER = "LOWER"
    RECOAT = "RECOAT"
    SINTER = "SINTER"
    COOLDOWN = "COOLDOWN"
    DONE = "DONE"
    PAUSED = "PAUSED"
    ABORTED = "ABORTED"
    FAULT = "FAULT"


HEATING_STATES = frozenset({JobState.PREHEAT, JobState.LOWER, JobState.RECOAT, JobState.SINTER})
ACTIVE_STATES = HEATING_STATES | {JobState.HOMING, JobState.COOLDOWN}
FINAL_STATES = frozenset({JobState.DONE, JobState.ABORTED, JobState.FAULT})


class JobRefused(ValueError):
    """A job command refused in the present state (the message says why)."""


@dataclass(frozen=True)
class JobInputs:
    mode: str                   # the rover's mode
    t_ms: int
    homed: bool = False         # the last HOME finished
    homing_failed: bool = False
    motion_idle: bool = True    # no move executing or queued
    moves_free: int = 0         # room in the board's move queue
    moves_pending: int = 0      # moves sent and not finished (queued + executing)
    head_temp_c: float = 20.0
    head_fault: int = 0         # the board's heater guard code, 0 = OK
    hopper_pct: float = 100.0
    sun_ok: bool = True         # the heat source has power (solar: sunlit)
    ebox_hot: bool = False      # electronics over temperature


@dataclass(frozen=True)
class Move:
    x_mm: float
    y_mm: float
    z_mm: float
    r_mm: float
    speed_mmps: float
    sinter: bool


@dataclass
class JobOutputs:
    heat_target_c: float = 0.0
    home: bool = False          # start homing X, Y, R (and Z on a fresh start)
    home_z: bool = False
    stop: bool = False          # stop motion now (abort, fault, pause)
    moves: list = field(default_factory=list)
    events: list = field(default_factory=list)   # (severity, text)


class PrintJob:
    def __init__(self, plan: Plan, *, start_layer: int = 0, quality=None):
        if not 0 <= start_layer <= len(plan.layers):
            raise JobRefused(f"start layer {start_layer} outside 0..{len(plan.layers)}")
        self.plan = plan
        self.state = JobState.IDLE
        self.reason = ""
        self.layer = start_layer          # layer being printed (or next)
        self.layers_done = start_layer
        self.resumed = start_layer > 0
        self.quality = list(quality or [])
        self._move_i = 0                  # next toolpath move of the layer
        self._phase_started = False
        self._resume_to: JobState | None = None
        self._settle_ms: int | None = None
        self._pause_cause = ""
        self._travel_first = False
        self._pending: list[str] = []     # operator commands, applied in update
        self.layer_completed: int | None = None   # set for one cycle when a layer ends

    # -- operator commands (applied at the next update) -------------------------
    def start(self) -> None:
        if self.state is not JobState.IDLE:
            raise JobRefused(f"print job is {self.state.value}, not IDLE")
        self._pending.append("start")

    def pause(self) -> None:
        if self.state not in ACTIVE_STATES:
            raise JobRefused(f"nothing to pause: job is {self.state.value}")
        self._pending.append("pause")

    def resume(self) -> None:
        if self.state is not JobState.PAUSED:
            raise JobRefused(f"nothing to resume: job is {self.state.value}")
        self._pending.append("resume")

    def abort(self) -> None:
        if self.state in FINAL_STATES:
            raise JobRefused(f"job already {self.state.value}")
        self._pending.append("abort")

    # -- helpers -----------------------------------------------------------------
    @property
    def heating(self) -> bool:
        return self.state in HEATING_STATES

    def _enter(self, state: JobState, out: JobOutputs, why: str = "") -> None:
        self.state = state
        self.reason = why
        if state not in HEATING_STATES:
            out.heat_target_c = 0.0      # the heat goes off in the cycle the job leaves heating
        self._phase_started = False
        self._settle_ms = None
        out.events.append(("INFO" if state not in (JobState.FAULT, JobState.ABORTED) else "ERROR",
                           f"print {state.value}{': ' + why if why else ''}"))

    def _plate_z(self, layer: int) -> float:
        """Build plate height: it drops one layer before each layer is spread."""
        return -(layer + 1) * self.plan.settings.layer_mm

    def _pause(self, out: JobOutputs, cause: str, inp: JobInputs) -> None:
        if self.state is JobState.SINTER:
            # moves not finished are dropped by the stop: take them again,
            # starting with a travel to the interrupted move's start
            self._move_i = max(0, self._move_i - inp.moves_pending)
            self._travel_first = True
        if self.state is not JobState.PREHEAT:     # PREHEAT keeps where it was heading
            self._resume_to = self.state
        self._pause_cause = cause
        out.stop = True
        self._enter(JobState.PAUSED, out, cause)

    # -- the cycle -----------------------------------------------------------------
    def update(self, inp: JobInputs) -> JobOutputs:
        out = JobOutputs()
        self.layer_completed = None
        pending, self._pending = self._pending, []
        s = self.state
        # 1. faults first: heat off and stop, whatever else was asked
        if s in ACTIVE_STATES or s is JobState.PAUSED:
            fault = None
            if inp.head_fault:
                fault = f"heater guard tripped (code {inp.head_fault})"
            elif not TC_MIN_C <= inp.head_temp_c <= TC_MAX_C:
                fault = f"thermocouple reads {inp.head_temp_c:.0f} C: open or out of range"
            elif s is JobState.HOMING and inp.homing_failed:
                fault = "homing failed"
            if fault:
                out.stop = True
                self._enter(JobState.FAULT, out, fault)
                return out
        if "abort" in pending and s not in FINAL_STATES:
            out.stop = True
            self._enter(JobState.ABORTED, out, "aborted by command")
            return out
        if "start" in pending and s is JobState.IDLE:
            if inp.mode != PRINT_MODE:
                out.events.append(("WARNING", f"print start refused: rover is in {inp.mode}, "
                                              "printing needs PRINT mode"))
                self.reason = f"start refused: mode {inp.mode}"
                return out
            self._enter(JobState.HOMING, out, "resuming at layer %d" % self.layer if self.resumed else "")
            s = self.state
        # 2. conditions that pause an active job
        if s in ACTIVE_STATES and s is not JobState.COOLDOWN:
            cause = None
            if inp.mode != PRINT_MODE:
                cause = f"rover left PRINT mode ({inp.mode})"
            elif "pause" in pending:
                cause = "paused by command"
            elif inp.ebox_hot:
                cause = "electronics over temperature"
            elif not inp.sun_ok and s in HEATING_STATES:
                cause = "sun lost"
            elif inp.hopper_pct <= 0.0 and s in (JobState.LOWER, JobState.RECOAT):
                cause = "hopper empty"
            if cause:
                self._pause(out, cause, inp)
                return out
        if s is JobState.PAUSED:
            auto = self._pause_cause == "sun lost" and inp.sun_ok
            if ("resume" in pending or auto) and inp.mode == PRINT_MODE and not inp.ebox_hot:
                if self._resume_to is JobState.HOMING:
                    self._resume_to = None
                    self._enter(JobState.HOMING, out, "resuming")
                else:
                    self._enter(JobState.PREHEAT, out, "resuming")
            return out
        # 3. the phase work
        if s is JobState.HOMING:
            if not self._phase_started:
                out.home = True
                out.home_z = not self.resumed     # the Z stage holds its position unpowered
                self._phase_started = True
            elif inp.homed and inp.motion_idle:
                self._enter(JobState.PREHEAT, out)
        elif s is JobState.PREHEAT:
            target = self.plan.settings.sinter_c
            out.heat_target_c = target
            if abs(inp.head_temp_c - target) <= HEAT_BAND_C:
                if self._settle_ms is None:
                    self._settle_ms = inp.t_ms
                elif inp.t_ms - self._settle_ms >= HEAT_SETTLE_MS:
                    nxt = self._resume_to or JobState.LOWER
                    self._resume_to = None
                    if self.layer >= len(self.plan.layers):
                        self._enter(JobState.COOLDOWN, out)
                    else:
                        self._enter(nxt, out)
            else:
                self._settle_ms = None
        elif s is JobState.LOWER:
            out.heat_target_c = self.plan.settings.sinter_c
            if not self._phase_started:
                out.moves.append(Move(0.0, 0.0, self._plate_z(self.layer), 0.0, Z_MMPS, False))
                self._phase_started = True
            elif inp.motion_idle:
                self._enter(JobState.RECOAT, out)
        elif s is JobState.RECOAT:
            out.heat_target_c = self.plan.settings.sinter_c
            if not self._phase_started:
                z = self._plate_z(self.layer)
                out.moves.append(Move(0.0, 0.0, z, PLATE_RECOAT_MM, RECOAT_MMPS, False))
                out.moves.append(Move(0.0, 0.0, z, 0.0, RECOAT_MMPS, False))
                self._phase_started = True
                self._move_i = 0
            elif inp.motion_idle:
                self._enter(JobState.SINTER, out, f"layer {self.layer}")
        elif s is JobState.SINTER:
            st = self.plan.settings
            out.heat_target_c = st.sinter_c
            layer = self.plan.layers[self.layer]
            z = self._plate_z(self.layer)
            free = inp.moves_free
            if self._travel_first and free > 0 and self._move_i < len(layer.moves):
                x0, y0 = layer.moves[self._move_i][:2]
                out.moves.append(Move(float(x0), float(y0), z, 0.0, st.travel_mmps, False))
                self._travel_first = False
                free -= 1
            while free > 0 and self._move_i < len(layer.moves):
                x0, y0, x1, y1 = layer.moves[self._move_i]
                sinter = bool(layer.sinter[self._move_i])
                out.moves.append(Move(float(x1), float(y1), z, 0.0,
                                      st.scan_mmps if sinter else st.travel_mmps, sinter))
                self._move_i += 1
                free -= 1
            if self._move_i >= len(layer.moves) and inp.motion_idle and not out.moves:
                self.layers_done = self.layer + 1
                self.layer_completed = self.layer
                self.layer += 1
                self._move_i = 0
                if self.layer >= len(self.plan.layers):
                    self._enter(JobState.COOLDOWN, out)
                else:
                    self._enter(JobState.LOWER, out)
        elif s is JobState.COOLDOWN:
            if inp.head_temp_c < COOL_DONE_C:
                self._enter(JobState.DONE, out)
        return out
