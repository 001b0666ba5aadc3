"""Transition guards: small functions that return None (ok) or a reason.

A guard sees a read-only ``GuardContext`` (latest telemetry values and ages,
the current and requested mode), never the bus itself, so a guard cannot
publish, emit or command anything.  Missing telemetry refuses: "we do not
know the tilt" is not a reason to start driving.

Thresholds (``GuardLimits``) sit with margin *inside* the fault-protection
limits (flight/fault/default_table.toml) so that entering a mode never
immediately trips a monitor, and leaving SURVIVAL does not flap straight back.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

Guard = Callable[["GuardContext"], "str | None"]

# rover.nav_state values (flight/rover/navigator.py) in which no wheel is commanded
STOPPED_NAV_STATES = frozenset({"IDLE", "FAILED", "SUCCEEDED", "STOPPED"})


@dataclass(frozen=True)
class GuardLimits:
    # Operable slopes reach ~15 deg; FP stops the rover at 20 deg.  Do not
    # *start* a drive on ground already at the operable limit.
    drive_max_tilt_deg: float = 15.0
    # Battery: FP sends the rover to SURVIVAL below 20 % (FLIGHT limits);
    # starting a drive or a print needs 30 % so there is energy to finish and park.
    min_soc_pct: float = 30.0
    # Leaving SURVIVAL: 20 points of charge and 10 C of margin over the FP
    # trip points, so one solar lull does not bounce the rover back in.
    survival_exit_min_soc_pct: float = 40.0
    survival_exit_min_ebox_c: float = 0.0
    # Printing: the electronics below 40 C, 5 C under the 45 C at which the
    # print pauses (flight/printer/component.py), so a print does not start
    # only to pause; and no latched head guard trip on the payload board.
    print_max_ebox_c: float = 40.0


class GuardContext:
    """Read-only view of telemetry for guards."""

    __slots__ = ("_bus", "mode", "target")

    def __init__(self, bus, mode: str, target: str):
        self._bus = bus
        self.mode = mode
        self.target = target

    def value(self, channel: str, default: Any = None) -> Any:
        return self._bus.value(channel, default)

    def age_ms(self, channel: str) -> int | None:
        return self._bus.age_ms(channel)


_MISSING = object()


def _number(ctx: GuardContext, channel: str) -> "float | str":
    """The channel as a float, or a refusal reason string if absent/non-numeric."""
    v = ctx.value(channel, _MISSING)
    if v is _MISSING:
        return f"{channel} has never been published"
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return f"{channel}={v!r} is not a finite number"
    return float(v)


def default_guards(limits: GuardLimits = GuardLimits()) -> dict[str, Guard]:
    """The guard functions named in flight/modes/table.py, bound to ``limits``."""

    def tilt_ok(ctx: GuardContext) -> str | None:
        pitch, roll = _number(ctx, "rover.pitch_deg"), _number(ctx, "rover.roll_deg")
        for v in (pitch, roll):
            if isinstance(v, str):
                return v
        tilt = max(abs(pitch), abs(roll))
        if tilt > limits.drive_max_tilt_deg:
            return (f"tilt {tilt:.1f} deg (pitch {pitch:.1f}, roll {roll:.1f}) exceeds "
                    f"{limits.drive_max_tilt_deg:g} deg")
        return None

    def no_stall(ctx: GuardContext) -> str | None:
        n = ctx.value("rover.stalled_wheels", _MISSING)
        if n is _MISSING:
            return "rover.stalled_wheels has never been published"
        if not isinstance(n, int) or n != 0:
            return f"wheel stall latched (rover.stalled_wheels={n!r})"
        return None

    def soc_ok(ctx: GuardContext) -> str | None:
        soc = _number(ctx, "power.soc_pct")
        if isinstance(soc, str):
            return soc
        if soc < limits.min_soc_pct:
            return f"battery {soc:.1f} % below {limits.min_soc_pct:g} %"
        return None

    def rover_stopped(ctx: GuardContext) -> str | None:
        st = ctx.value("rover.nav_state", _MISSING)
        if st is _MISSING:
            return "rover.nav_state has never been published"
        if st not in STOPPED_NAV_STATES:
            return f"rover is moving (rover.nav_state={st!r})"
        return None

    def survival_exit_ok(ctx: GuardContext) -> str | None:
        soc, ebox = _number(ctx, "power.soc_pct"), _number(ctx, "thermal.ebox_c")
        for v in (soc, ebox):
            if isinstance(v, str):
                return v
        if soc < limits.survival_exit_min_soc_pct:
            return f"battery {soc:.1f} % below {limits.survival_exit_min_soc_pct:g} % needed to leave SURVIVAL"
        if ebox < limits.survival_exit_min_ebox_c:
            return (f"electronics {ebox:.1f} C below {limits.survival_exit_min_ebox_c:g} C "
                    "needed to leave SURVIVAL")
        return None

    def printer_ready(ctx: GuardContext) -> str | None:
        fault = ctx.value("printer.head_fault", _MISSING)
        if fault is _MISSING:
            return "printer.head_fault has never been published (no printer on this vehicle?)"
        if fault != 0:
            return f"the sintering head's guard is latched (printer.head_fault={fault!r}): CLEAR_FAULT first"
        ebox = _number(ctx, "thermal.ebox_c")
        if isinstance(ebox, str):
            return ebox
        if ebox > limits.print_max_ebox_c:
            return f"electronics {ebox:.1f} C above {limits.print_max_ebox_c:g} C"
        return None

    return {"tilt_ok": tilt_ok, "no_stall": no_stall, "soc_ok": soc_ok,
            "rover_stopped": rover_stopped, "survival_exit_ok": survival_exit_ok,
            "printer_ready": printer_ready}

