"""Dispatches dictionary commands to the components that own them (the
dictionary names each command's owner and handler; flight/commands/handlers.py)
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
except for the fault slot, ground, and the commands the dictionary marks
``always_allowed`` (STOP must always win).

Arguments arrive as a ``Command`` (common.dictionary.model): converted and
range-checked once, where the command entered (a sequence line, the bench
API); the executor and the handlers trust them.

Events carry only their fields: severity and message text come from the
dictionary's event declarations, the single source for both.
"""
from __future__ import annotations

import enum
from typing import Callable

from common.dictionary.model import Command
from flight.commands.handlers import CommandFailed, bind_handlers, handles
from hal.errors import CommandRangeError

PRIORITY_SOURCES = frozenset({"fault", "ground"})
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


_ACTIVE = CommandStatus.ACTIVE


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
    """``components``: the flight components that own commands, by their
    dictionary names (modes, rover, thermal, fault, sequencer); the executor
    adds itself as ``executor``."""

    def __init__(self, dictionary, bus, clock, modes, components: dict[str, object]):
        self.dictionary = dictionary
        self.bus = bus
        self.clock = clock
        self.modes = modes
        self._next_id = 1
        self.active: list[CommandHandle] = []
        self._busy: dict[str, CommandHandle] = {}     # subsystem -> running handle
        self.counts = {"dispatched": 0, "completed": 0, "failed": 0, "refused": 0, "timeout": 0}
        self._arms: dict[tuple[str, str], int] = {}   # (source, command) -> arm expiry, ms
        self.critical_executed: list[CommandHandle] = []
        self._handlers = bind_handlers(dictionary, {**components, "executor": self})

    # -- dispatch ----------------------------------------------------------
    def dispatch(self, command: Command, *, source: str = "ground",
                 timeout_ms: int | None = None) -> CommandHandle:
        """Start a command (converted where it entered: CommandDef.command).
        Never raises for a refused or failing command: the handle says why,
        and an event records it."""
        if not isinstance(command, Command):
            raise TypeError(f"dispatch takes a Command (CommandDef.command(...)), "
                            f"got {type(command).__name__}")
        cdef = command.definition
        name = cdef.name
        if timeout_ms is None:
            timeout_ms = int(round(cdef.timeout_s * 1000))
        h = CommandHandle(self._next_id, name, command.args, source, cdef.subsystem,
                          self.clock.now_ms(), timeout_ms)
        self._next_id += 1
        self.counts["dispatched"] += 1
        ok = self.modes.allows(cdef.modes)
        if not ok.ok:
            return self._refuse(h, ok.reason)
        if cdef.critical:
            expiry = self._arms.pop((source, name), None)
            if expiry is None or h.t_dispatch_ms > expiry:
                why = "the arm expired" if expiry is not None else "not armed"
                return self._refuse(h, f"critical command {name} {why}: send ARM command={name} "
                                       f"from {source} within {ARM_WINDOW_MS // 1000} s before it")
            self.critical_executed.append(h)
        owner = self._busy.get(cdef.subsystem)
        if (owner is not None and not owner.done and owner.source != source
                and source not in PRIORITY_SOURCES and not cdef.always_allowed):
            return self._refuse(h, f"subsystem {cdef.subsystem} busy with {owner.name} "
                                   f"from {owner.source}")
        self.bus.emit("CMD_DISPATCHED", command=name, source=source, cmd_id=h.cmd_id)
        try:
            pending = self._handlers[name](h)
        except (CommandFailed, CommandRangeError) as e:
            self._finish(h, False, str(e))
            return h
        if pending is None:
            self._finish(h, True, "")
        else:
            if owner is not None and not owner.done:
                self._finish(owner, False, f"superseded by {name}#{h.cmd_id}")
            h.poll, h.on_cancel = pending.poll, pending.cancel
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
        active = self.active
        if not active:
            return
        for h in tuple(active):          # a poll may dispatch (append to self.active): walk a copy
            self.update_one(h)
        self.active = [h for h in self.active if h.status is _ACTIVE]

    def update_one(self, h: CommandHandle) -> None:
        if h.status is not _ACTIVE:      # h.done, without the property call: once a cycle per command
            return
        res = h.poll()
        if res is not None:
            self._finish(h, res[0], res[1])
        elif self.clock.now_ms() >= h.deadline_ms:
            self.counts["timeout"] += 1
            self.bus.emit("CMD_TIMEOUT", command=h.name,
                          timeout_ms=h.deadline_ms - h.t_dispatch_ms)
            self.cancel(h, "timeout")

    # -- the commands the executor owns ---------------------------------------
    @handles("NOOP")
    def cmd_noop(self, cmd) -> None:
        pass

    @handles("LOG")
    def cmd_log(self, cmd) -> None:
        self.bus.emit("LOG", text=cmd.args["text"])

    @handles("ARM")
    def cmd_arm(self, cmd) -> None:
        target = cmd.args["command"]
        cdef = self.dictionary.commands.get(target)
        if cdef is None or not cdef.critical:
            raise CommandFailed(f"{target} is not a critical command; only critical commands "
                                f"are armed")
        self._arms[(cmd.source, target)] = self.clock.now_ms() + ARM_WINDOW_MS
