"""The mode manager: one ``request_mode`` call that either performs a
transition from the table or refuses it with a reason.

Order of a transition src -> dst (tests pin it):
  1. dst == src is a no-op success; otherwise refuse if (src, dst) is not in
     the table or a guard returns a reason -> MODE_REFUSED, mode unchanged;
  2. exit actions of src, in registration order;
  3. mode := dst; publish "mode" and "mode.since_ms";
  4. entry actions of dst, in registration order;
  5. MODE_CHANGED event.
Actions never block a transition (guards do that): an action that raises is
reported in the event and the result, and the transition still completes --
above all for SAFE, which nothing may refuse.

A request made from inside an action (re-entrant) is refused, except SAFE,
which is queued and performed as soon as the current transition finishes.
"""
from __future__ import annotations

from typing import Callable, Iterable, NamedTuple

from flight.commands.handlers import CommandFailed, handles
from flight.modes.guards import Guard, GuardContext, default_guards
from flight.modes.table import (
    BOOT, MODES, SAFE, SURVIVAL, TRANSITIONS, Transition, check_mode, validate_transitions,
)


class ModeResult(NamedTuple):
    ok: bool
    reason: str


class ModeChange(NamedTuple):
    """What entry and exit actions receive."""
    from_mode: str
    to_mode: str
    reason: str


Action = Callable[[ModeChange], None]

# Any command may declare this instead of listing every mode.
ALL_MODES = "ALL"


class ModeManager:
    def __init__(self, bus, clock, *, guards: dict[str, Guard] | None = None,
                 transitions: Iterable[Transition] = TRANSITIONS, initial: str = BOOT):
        self._bus = bus
        self._clock = clock
        self._guards: dict[str, Guard] = default_guards()
        if guards:
            self._guards.update(guards)
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        validate_transitions(self.transitions, self._guards)
        self._edges = {(t.src, t.dst): t for t in self.transitions}
        self._entry: dict[str, list[Action]] = {m: [] for m in MODES}
        self._exit: dict[str, list[Action]] = {m: [] for m in MODES}
        self._mode = check_mode(initial)
        self._since_ms = clock.now_ms()
        self._busy: tuple[str, str] | None = None   # transition in progress
        self._queued_safe: str | None = None         # reason of a SAFE request made mid-transition
        self._publish()

    # -- state -------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def since_ms(self) -> int:
        return self._since_ms

    def allowed_targets(self, src: str | None = None) -> tuple[str, ...]:
        src = self._mode if src is None else check_mode(src)
        return tuple(t.dst for t in self.transitions if t.src == src)

    # -- actions -----------------------------------------------------------
    def register_entry(self, mode: str, fn: Action) -> None:
        """Run ``fn(ModeChange)`` each time ``mode`` is entered."""
        self._entry[check_mode(mode)].append(fn)

    def register_exit(self, mode: str, fn: Action) -> None:
        """Run ``fn(ModeChange)`` each time ``mode`` is left."""
        self._exit[check_mode(mode)].append(fn)

    # -- transitions -------------------------------------------------------
    def request_mode(self, mode: str, reason: str) -> ModeResult:
        """Go to ``mode`` or refuse with a reason.  Unknown names raise
        UnknownModeError (a programming or dictionary error, not a refusal)."""
        dst = check_mode(mode)
        reason = str(reason).strip() or "no reason given"
        src = self._mode
        if self._busy is not None:
            if dst == SAFE:
                self._queued_safe = reason
                return ModeResult(True, f"SAFE queued until {self._busy[0]}->{self._busy[1]} completes")
            return self._refuse(src, dst, f"transition {self._busy[0]}->{self._busy[1]} in progress")
        if dst == src:
            return ModeResult(True, f"already in {dst}")
        edge = self._edges.get((src, dst))
        if edge is None:
            targets = ", ".join(self.allowed_targets(src))
            return self._refuse(src, dst, f"no transition {src}->{dst} (from {src}: {targets})")
        ctx = GuardContext(self._bus, src, dst)
        for name in edge.guards:
            try:
                why = self._guards[name](ctx)
            except Exception as exc:  # a broken guard refuses rather than crashing the loop
                why = f"guard raised {exc!r}"
            if why:
                return self._refuse(src, dst, f"{name}: {why}")
        return self._commit(src, dst, reason)

    def _commit(self, src: str, dst: str, reason: str) -> ModeResult:
        change = ModeChange(src, dst, reason)
        errors: list[str] = []
        self._busy = (src, dst)
        try:
            self._run(self._exit[src], change, "exit", errors)
            self._mode = dst
            self._since_ms = self._clock.now_ms()
            self._publish()
            self._run(self._entry[dst], change, "entry", errors)
        finally:
            self._busy = None
        text = reason if not errors else f"{reason}; " + "; ".join(errors)
        self._bus.emit("MODE_CHANGED", from_mode=src, to_mode=dst, reason=text)
        if dst in (SAFE, SURVIVAL):
            self._bus.emit("MODE_SAFING", from_mode=src, to_mode=dst, reason=reason)
        if errors:
            self._bus.emit("MODE_ACTION_FAILED", from_mode=src, to_mode=dst,
                           errors="; ".join(errors))
        if self._queued_safe is not None:
            queued, self._queued_safe = self._queued_safe, None
            self.request_mode(SAFE, queued)
        return ModeResult(True, text)

    @staticmethod
    def _run(actions: list[Action], change: ModeChange, kind: str, errors: list[str]) -> None:
        for fn in actions:
            try:
                fn(change)
            except Exception as exc:  # reported, never allowed to stop the transition
                name = getattr(fn, "__name__", repr(fn))
                errors.append(f"{kind} action {name} failed: {exc!r}")

    def _refuse(self, src: str, dst: str, why: str) -> ModeResult:
        self._bus.emit("MODE_REFUSED", from_mode=src, to_mode=dst, reason=why)
        return ModeResult(False, why)

    def _publish(self) -> None:
        self._bus.publish_many({"mode": self._mode, "mode.since_ms": self._since_ms})

    # -- commands ----------------------------------------------------------
    @handles("SET_MODE")
    def cmd_set_mode(self, cmd) -> None:
        res = self.request_mode(cmd.args["mode"], f"command from {cmd.source}")
        if not res.ok:
            raise CommandFailed(res.reason)

    @handles("PAYLOAD_HANDOVER")
    def cmd_payload_handover(self, cmd) -> None:
        # Until the printer lands: hand the vehicle to the payload by entering
        # PRINT (refused unless the rover is stopped).
        res = self.request_mode("PRINT", f"payload handover from {cmd.source}")
        if not res.ok:
            raise CommandFailed(res.reason)

    def allows(self, command_modes: Iterable[str] | str) -> ModeResult:
        """Is a command declared for ``command_modes`` allowed now?  Pure: no event.
        ``"ALL"`` means every mode; an unknown mode name raises UnknownModeError."""
        if isinstance(command_modes, str):
            command_modes = (command_modes,)
        declared = tuple(command_modes)
        if any(isinstance(m, str) and m.strip().upper() == ALL_MODES for m in declared):
            return ModeResult(True, "")
        canon = tuple(check_mode(m) for m in declared)
        if self._mode in canon:
            return ModeResult(True, "")
        where = ", ".join(canon) if canon else "no mode"
        return ModeResult(False, f"not allowed in {self._mode} (allowed in: {where})")

    def check_command(self, command: str, command_modes: Iterable[str] | str) -> ModeResult:
        """``allows`` plus a CMD_REFUSED event when the answer is no."""
        res = self.allows(command_modes)
        if not res.ok:
            self._bus.emit("CMD_REFUSED", command=command, reason=res.reason)
        return res

    def __repr__(self) -> str:
        return f"ModeManager(mode={self._mode}, since_ms={self._since_ms})"
