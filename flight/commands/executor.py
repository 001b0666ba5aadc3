"""Dispatches dictionary commands to the rover, the modes and fault protection,
and tracks each one from dispatched to completed or failed.

"Completed" means the action finished (a drive reached its goal, a mode was
entered, a stop brought the wheels to rest), not that it was accepted: the
lesson of F Prime users whose "command complete" fired too early.  Every
command has a completion timeout on the simulated clock (the dictionary's
``timeout_s`` unless the caller gives one).

Conflict rule between sequencer slots: a subsystem (mobility, thermal, ...)
runs one command at a time.  A new command for a busy subsystem from the
*same* source supersedes the old one (the navigator fails the old goal as
"superseded"); from a *different* source it is refused, naming the owner,
except for the fault slot and STOP, which always win.

Events carry only their fields: severity and message text come from the
dictionary's event declarations, the single source for both.
"""
from __future__ import annotations

import enum
import math
from typing import Any, Callable

from hal.errors import CommandRangeError

SAFE_ALWAYS = frozenset({"STOP", "SET_MODE", "NOOP", "LOG"})
PRIORITY_SOURCES = frozenset({"fault", "ground"})
STOPPED_SPEED_MPS = 0.005          # "at rest" for STOP completion
# Critical commands fire only within this long after an ARM for them from the
# same source (arm, then fire: the two-step commanding of spacecraft
# operations).  10 s is our choice: long enough for a sequence's next
# statement or an operator's next command, short enough that a stale arm
# cannot be used by something unrelated later.
ARM_WINDOW_MS = 10_000


class CommandStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class CommandHandle:
    """One dispatched command.  ``poll`` (set by the handler) is called once
    per cycle while ACTIVE and returns None (still running) or
    (succeeded: bool, reason: str)."""

    __slots__ = ("cmd_id", "name", "args", "source", "subsystem", "t_dispatch_ms", "t_done_ms",
                 "deadline_ms", "status", "reason", "poll", "on_cancel")

    def __init__(self, cmd_id, name, args, source, subsystem, t_ms, timeout_ms):
        self.cmd_id = cmd_id
        self.name = name
        self.args = args
        self.source = source
        self.subsystem = subsystem
        self.t_dispatch_ms = t_ms
        self.t_done_ms: int | None = None
        self.deadline_ms = t_ms + timeout_ms
        self.status = CommandStatus.ACTIVE
        self.reason = ""
        self.poll: Callable[[], tuple[bool, str] | None] | None = None
        self.on_cancel: Callable[[], None] | None = None

    @property
    def done(self) -> bool:
        return self.status is not CommandStatus.ACTIVE

    @property
    def succeeded(self) -> bool:
        return self.status is CommandStatus.SUCCEEDED

    def __repr__(self):
        r = f" ({self.reason})" if self.reason else ""
        return f"<{self.name}#{self.cmd_id} from {self.source}: {self.status.value}{r}>"


class CommandExecutor:
    def __init__(self, dictionary, bus, clock, modes, rover, hal, fault=None):
        self.dictionary = dictionary
        self.bus = bus
        self.clock = clock
        self.modes = modes
        self.rover = rover
        self.hal = hal
        self.fault = fault
        self._next_id = 1
        self.active: list[CommandHandle] = []
        self._busy: dict[str, CommandHandle] = {}     # subsystem -> running handle
        self.counts = {"dispatched": 0, "completed": 0, "failed": 0, "refused": 0, "timeout": 0}
        self._arms: dict[tuple[str, str], int] = {}   # (source, command) -> arm expiry, ms
        self.critical_executed: list[CommandHandle] = []
        self._handlers = {
            "NOOP": self._noop, "LOG": self._log, "SET_MODE": self._set_mode,
            "CLEAR_FAULT": self._clear_fault, "DRIVE_TO": self._drive_to,
            "DRIVE_ARC": self._drive_arc, "TURN": self._turn, "STOP": self._stop,
            "CLEAR_STALL": self._clear_stall, "HEATER_SET": self._heater_set,
            "FP_SET_LIMITS": self._fp_set_limits, "FP_RESPONSE": self._fp_response,
            "PAYLOAD_HANDOVER": self._payload_handover, "ARM": self._arm,
        }
        self.extra_handlers: dict[str, Callable] = {}
        self._heater = None
        if "ebox" in hal.heaters:
            self._heater = hal.claim("heater.ebox", "thermal")

    # -- dispatch ----------------------------------------------------------
    def dispatch(self, name: str, args: dict[str, Any] | None = None, *, source: str = "ground",
                 timeout_ms: int | None = None) -> CommandHandle:
        """Start a command whose args are already converted to the dictionary's
        units.  Never raises for a refused or failing command: the handle says
        why, and an event records it."""
        args = dict(args or {})
        cdef = self.dictionary.command(name)
        if timeout_ms is None:
            timeout_ms = int(round(cdef.timeout_s * 1000))
        h = CommandHandle(self._next_id, name, args, source, cdef.subsystem,
                          self.clock.now_ms(), timeout_ms)
        self._next_id += 1
        self.counts["dispatched"] += 1
        ok = self.modes.allows(cdef.modes)
        if not ok.ok:
            return self._refuse(h, ok.reason)
        try:
            converted = {a.name: a.convert(args[a.name]) for a in cdef.args}
        except KeyError as e:
            return self._refuse(h, f"missing argument {e.args[0]!r}")
        except ValueError as e:
            return self._refuse(h, str(e))
        extra = set(args) - {a.name for a in cdef.args}
        if extra:
            return self._refuse(h, f"unknown argument(s) {', '.join(sorted(extra))}")
        if cdef.critical:
            expiry = self._arms.pop((source, name), None)
            if expiry is None or h.t_dispatch_ms > expiry:
                why = "the arm expired" if expiry is not None else "not armed"
                return self._refuse(h, f"critical command {name} {why}: send ARM command={name} "
                                       f"from {source} within {ARM_WINDOW_MS // 1000} s before it")
            self.critical_executed.append(h)
        owner = self._busy.get(cdef.subsystem)
        if (owner is not None and not owner.done and owner.source != source
                and source not in PRIORITY_SOURCES and name not in SAFE_ALWAYS):
            return self._refuse(h, f"subsystem {cdef.subsystem} busy with {owner.name} "
                                   f"from {owner.source}")
        handler = self._handlers.get(name) or self.extra_handlers.get(name)
        if handler is None:
            return self._refuse(h, "no handler on this vehicle")
        self.bus.emit("CMD_DISPATCHED", command=name, source=source, cmd_id=h.cmd_id)
        try:
            handler(h, converted)
        except (CommandRangeError, ValueError) as e:
            self._finish(h, False, str(e))
            return h
        if not h.done:
            if h.poll is None:
                self._finish(h, True, "")
            else:
                if owner is not None and not owner.done and owner is not h:
                    self._finish(owner, False, f"superseded by {name}#{h.cmd_id}")
                self._busy[cdef.subsystem] = h
                self.active.append(h)
                self.update_one(h)
        return h

    def _refuse(self, h: CommandHandle, reason: str) -> CommandHandle:
        h.status = CommandStatus.FAILED
        h.reason = f"refused: {reason}"
        h.t_done_ms = self.clock.now_ms()
        self.counts["refused"] += 1
        self.bus.emit("CMD_REFUSED", command=h.name, reason=reason, source=h.source)
        return h

    def _finish(self, h: CommandHandle, ok: bool, reason: str) -> None:
        if h.done:
            return
        h.status = CommandStatus.SUCCEEDED if ok else CommandStatus.FAILED
        h.reason = reason
        h.t_done_ms = self.clock.now_ms()
        if ok:
            self.counts["completed"] += 1
            self.bus.emit("CMD_COMPLETED", command=h.name, source=h.source, cmd_id=h.cmd_id,
                          duration_ms=h.t_done_ms - h.t_dispatch_ms)
        else:
            self.counts["failed"] += 1
            self.bus.emit("CMD_FAILED", command=h.name, source=h.source, cmd_id=h.cmd_id,
                          reason=reason)

    def cancel(self, h: CommandHandle, reason: str) -> None:
        if not h.done:
            if h.on_cancel is not None:
                h.on_cancel()
            self._finish(h, False, reason)

    # -- per cycle ----------------------------------------------------------
    def update(self) -> None:
        if not self.active:
            return
        for h in list(self.active):
            self.update_one(h)
        self.active = [h for h in self.active if not h.done]

    def update_one(self, h: CommandHandle) -> None:
        if h.done:
            return
        res = h.poll()
        if res is not None:
            self._finish(h, res[0], res[1])
        elif self.clock.now_ms() >= h.deadline_ms:
            self.counts["timeout"] += 1
            self.bus.emit("CMD_TIMEOUT", command=h.name,
                          timeout_ms=h.deadline_ms - h.t_dispatch_ms)
            self.cancel(h, "timeout")

    # -- handlers -------------------------------------------------------------
    def _noop(self, h, a):
        pass

    def _log(self, h, a):
        self.bus.emit("LOG", text=a["text"])

    def _set_mode(self, h, a):
        res = self.modes.request_mode(a["mode"], f"command from {h.source}")
        if not res.ok:
            self._finish(h, False, res.reason)

    def _arm(self, h, a):
        target = a["command"]
        cdef = self.dictionary.commands.get(target)
        if cdef is None or not cdef.critical:
            raise ValueError(f"{target} is not a critical command; only critical commands are armed")
        self._arms[(h.source, target)] = self.clock.now_ms() + ARM_WINDOW_MS

    def _clear_fault(self, h, a):
        self.hal.clear_faults()
        if self.fault is not None and hasattr(self.fault, "clear"):
            self.fault.clear()

    def _goal(self, h, goal):
        def poll():
            if goal.done:
                return (goal.succeeded, goal.reason)
            return None

        def on_cancel():
            if not goal.done:
                self.rover.stop()

        h.poll = poll
        h.on_cancel = on_cancel

    def _nav(self, h, start):
        from flight.rover.navigator import NavRefusedError
        from flight.rover.planner import PlanError
        try:
            goal = start()
        except (NavRefusedError, PlanError) as e:
            self._finish(h, False, str(e))
            return
        self._goal(h, goal)

    def _drive_to(self, h, a):
        x, y, v = a["x"], a["y"], a["speed"]

        def start():
            if self.hal.terrain_map() is not None:
                return self.rover.follow(self.rover.plan_to(x, y), v)
            return self.rover.drive_to(x, y, v)
        self._nav(h, start)

    def _drive_arc(self, h, a):
        r = a["radius"]
        radius = math.inf if r == 0 else r
        self._nav(h, lambda: self.rover.drive_distance(a["distance"], radius, a["speed"]))

    def _turn(self, h, a):
        self._nav(h, lambda: self.rover.turn_in_place(a["angle"]))

    def _stop(self, h, a):
        self.rover.stop()
        busy = self._busy.get("mobility")
        if busy is not None and busy is not h:
            self._finish(busy, False, f"stopped by STOP#{h.cmd_id}")
        pose = self.rover.pose
        h.poll = lambda: (True, "") if abs(pose.speed_mps) < STOPPED_SPEED_MPS else None

    def _clear_stall(self, h, a):
        from common.vehicle import WHEEL_NAMES
        which = a["wheel"]
        for n, w in zip(WHEEL_NAMES, self.hal.wheels):
            if which == "ALL" or which == n.upper():
                w.clear_stall()

    def _heater_set(self, h, a):
        if self._heater is None:
            raise ValueError(f"no heater zone {a['zone']}")
        self._heater.set_target_c(a["temp"])

    def _fp_set_limits(self, h, a):
        if self.fault is None:
            raise ValueError("fault protection not running")
        self.fault.set_limit_set(a["set"])

    def _fp_response(self, h, a):
        if self.fault is None:
            raise ValueError("fault protection not running")
        try:
            self.fault.set_response_state(a["name"], a["state"])
        except KeyError as e:
            raise ValueError(str(e)) from None

    def _payload_handover(self, h, a):
        # Placeholder until the printer lands: hand the vehicle to the payload
        # by entering PRINT (refused unless the rover is stopped).
        res = self.modes.request_mode("PRINT", f"payload handover from {h.source}")
        if not res.ok:
            self._finish(h, False, res.reason)
