"""Frozen definitions of commands, arguments, telemetry channels and events.

These are the in-memory form of common/dictionary/rover.toml.  Argument
conversion lives here (not in the sequencer) so every producer of commands
- sequences, the CLI, HIL test benches - applies exactly the same rules:
convert the unit, check the type, check the range, and never clamp.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from . import units as _units

INT_RANGES = {
    "i8": (-2**7, 2**7 - 1), "u8": (0, 2**8 - 1),
    "i16": (-2**15, 2**15 - 1), "u16": (0, 2**16 - 1),
    "i32": (-2**31, 2**31 - 1), "u32": (0, 2**32 - 1),
}
F32_MAX = 3.4028234663852886e38
ARG_TYPES = tuple(INT_RANGES) + ("f32", "bool", "enum", "str")
CHANNEL_TYPES = tuple(INT_RANGES) + ("f32", "f64", "bool", "str")
UNDECLARED_EVENT = "UNDECLARED_EVENT"   # reported in place of an event the dictionary lacks
BOARD_ANY = "any"                # a board command or packet every board takes
COMPONENT_SIDES = ("flight", "firmware")
PACKET_TYPES = ("i8", "u8", "i16", "u16", "i32", "u32")
PACKET_MAX_PAYLOAD = 64        # LINK_MAX_PAYLOAD, including the packet id byte


class ArgumentError(ValueError):
    """A command argument of the wrong type, unit or outside its range."""


@dataclass(frozen=True)
class ArgDef:
    name: str
    type: str
    unit: str | None = None
    min: float | None = None       # for str: minimum length in bytes
    max: float | None = None       # for str: maximum length in bytes (also the wire size)
    values: tuple[str, ...] = ()   # enum members, in wire order
    description: str = ""

    def convert(self, value: Any, unit: str | None = None) -> Any:
        """Return ``value`` (given in ``unit``, or in this argument's own unit
        when ``unit`` is None) as the Python value in this argument's unit.

        Raises ArgumentError for a wrong type, an incompatible unit or an
        out-of-range value.  Out-of-range values are rejected, never clamped:
        a clamped command would silently do something the operator did not ask.
        """
        t = self.type
        if t in ("enum", "str", "bool"):
            if unit is not None:
                raise ArgumentError(f"argument {self.name!r} ({t}) takes no unit, got {unit!r}")
            if t == "bool":
                if not isinstance(value, bool):
                    raise ArgumentError(f"argument {self.name!r} expects true/false, got {value!r}")
                return value
            if not isinstance(value, str):
                raise ArgumentError(f"argument {self.name!r} ({t}) expects a "
                                    f"{'name' if t == 'enum' else 'string'}, got {value!r}")
            if t == "enum":
                if value not in self.values:
                    raise ArgumentError(f"argument {self.name!r}: {value!r} is not one of "
                                        f"{', '.join(self.values)}")
                return value
            n = len(value.encode("utf-8"))
            if self.min is not None and n < self.min or self.max is not None and n > self.max:
                raise ArgumentError(f"argument {self.name!r}: string of {n} bytes is outside "
                                    f"{_fmt(self.min)}..{_fmt(self.max)} bytes")
            return value
        # numeric
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ArgumentError(f"argument {self.name!r} ({t}) expects a number, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ArgumentError(f"argument {self.name!r}: {value!r} is not a finite number")
        if unit is not None and unit != self.unit:
            if self.unit is None:
                raise ArgumentError(f"argument {self.name!r} is dimensionless, got unit {unit!r}")
            try:
                value = _units.convert(value, unit, self.unit)
            except _units.UnitError as e:
                raise ArgumentError(f"argument {self.name!r} (in {self.unit}): {e}") from None
        if t in INT_RANGES:
            if value != math.floor(value):
                shown = f"{value} {self.unit}" if self.unit else f"{value}"
                raise ArgumentError(f"argument {self.name!r} ({t}) must be a whole number, got {shown}")
            value = int(value)
        else:
            value = float(value)
        lo, hi = self.bounds()
        if value < lo or value > hi:
            u = f" {self.unit}" if self.unit else ""
            raise ArgumentError(f"argument {self.name!r}: {_fmt(value)}{u} is out of range "
                                f"{_fmt(lo)}..{_fmt(hi)}{u}")
        return value

    def bounds(self) -> tuple[float, float]:
        """The effective numeric range: declared min/max, else the type's range."""
        if self.type in INT_RANGES:
            lo, hi = INT_RANGES[self.type]
        else:
            lo, hi = -F32_MAX, F32_MAX
        return (lo if self.min is None else self.min, hi if self.max is None else self.max)


def _fmt(x):
    if x is None:
        return "?"
    if isinstance(x, float) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return str(x)


@dataclass(frozen=True)
class CommandDef:
    name: str
    opcode: int
    subsystem: str
    args: tuple[ArgDef, ...] = ()
    critical: bool = False
    modes: tuple[str, ...] = ()
    timeout_s: float = 10.0
    description: str = ""
    board: str | None = None       # mobility / payload / any: a board-level command
    owner: str = ""                # the component that handles it (a [[component]] name)
    handler: str = ""              # the handler's name in the owner
    always_allowed: bool = False   # runs even while its subsystem is busy for another source

    @property
    def is_board(self) -> bool:
        return self.board is not None

    def arg(self, name: str) -> ArgDef | None:
        for a in self.args:
            if a.name == name:
                return a
        return None

    def command(self, values: dict[str, Any] | None = None,
                units: dict[str, str | None] | None = None) -> "Command":
        """The typed command: every argument converted and range-checked
        once, here, where the command enters (sequence, bench API, ground).
        Raises ArgumentError."""
        return Command(self, MappingProxyType(self.convert_args(values or {}, units)))

    def convert_args(self, values: dict[str, Any], units: dict[str, str | None] | None = None) -> dict[str, Any]:
        """Convert a full argument set; every argument is required, none extra."""
        units = units or {}
        names = [a.name for a in self.args]
        extra = [k for k in values if k not in names]
        if extra:
            raise ArgumentError(f"{self.name}: unknown argument(s) {', '.join(extra)}; "
                                f"expected {', '.join(names) or 'none'}")
        missing = [n for n in names if n not in values]
        if missing:
            raise ArgumentError(f"{self.name}: missing argument(s) {', '.join(missing)}")
        return {a.name: a.convert(values[a.name], units.get(a.name)) for a in self.args}


@dataclass(frozen=True)
class Command:
    """A command with its arguments converted to the dictionary's units and
    range-checked: what the executor and the handlers take and trust.  Make
    one with ``CommandDef.command(values, units)``."""
    definition: CommandDef
    args: MappingProxyType

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True)
class ChannelDef:
    name: str
    type: str
    unit: str | None = None
    red_low: float | None = None
    yellow_low: float | None = None
    yellow_high: float | None = None
    red_high: float | None = None
    description: str = ""

    def limit_state(self, value: Any) -> str:
        """'RED', 'YELLOW' or 'GREEN'.  Non-numeric values have no limits."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "GREEN"
        if value != value:  # NaN: a broken sensor is not a green sensor
            return "RED"
        if (self.red_low is not None and value < self.red_low) or \
           (self.red_high is not None and value > self.red_high):
            return "RED"
        if (self.yellow_low is not None and value < self.yellow_low) or \
           (self.yellow_high is not None and value > self.yellow_high):
            return "YELLOW"
        return "GREEN"

    @property
    def has_limits(self) -> bool:
        return any(v is not None for v in (self.red_low, self.yellow_low, self.yellow_high, self.red_high))


class _Missing(dict):
    def __missing__(self, key):
        return f"<{key}?>"


@dataclass(frozen=True)
class EventDef:
    id: int
    name: str
    severity: str
    format: str
    description: str = ""

    @property
    def fields(self) -> tuple[str, ...]:
        return format_fields(self.format)

    def format_message(self, args: dict) -> str:
        """The message text.  A missing field shows as <name?> rather than
        raising: an event is often emitted from a fault path, which must not
        itself fail."""
        try:
            return self.format.format_map(_Missing(args))
        except (ValueError, TypeError, IndexError, AttributeError) as e:
            return f"{self.format} [format error: {e}; args={args!r}]"


def format_fields(fmt: str) -> tuple[str, ...]:
    """Named fields of a str.format string; raises ValueError if malformed."""
    out = []
    for _, fname, _, _ in string.Formatter().parse(fmt):
        if fname is None:
            continue
        base = fname.split(".")[0].split("[")[0]
        if not base or base.isdigit():
            raise ValueError(f"format {fmt!r}: fields must be named, got {{{fname}}}")
        if base not in out:
            out.append(base)
    return tuple(out)


@dataclass(frozen=True)
class PacketField:
    """One field of a board telemetry packet (repeated ``count`` times)."""
    name: str
    type: str                      # i8 u8 i16 u16 i32 u32
    offset: int                    # bytes from the start of the TLM payload (id byte = 0)
    count: int = 1
    scale: float = 1.0             # python value = wire * scale
    unit: str | None = None
    description: str = ""

    @property
    def size(self) -> int:
        """Bytes of one element."""
        return int(self.type[1:]) // 8

    @property
    def total_size(self) -> int:
        return self.size * self.count


@dataclass(frozen=True)
class PacketDef:
    """A board telemetry packet: TLM frame payload = [id u8][fields...]."""
    name: str
    id: int
    board: str                     # mobility / payload / any
    fields: tuple[PacketField, ...]
    period_ms: int = 100           # default period, board time
    fixed: bool = False            # True: BOARD_TLM_PERIOD does not change it
    description: str = ""

    @property
    def size(self) -> int:
        """Payload bytes including the id byte."""
        return 1 + sum(f.total_size for f in self.fields)

    def field(self, name: str) -> PacketField | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def for_board(self, board: str) -> bool:
        return self.board in (board, "any")


@dataclass(frozen=True)
class ComponentDef:
    """A component that handles commands: a flight class or a firmware source file."""
    name: str
    side: str                      # flight / firmware
    source: str                    # repository path of the file its handlers are declared in
    description: str = ""


@dataclass(frozen=True)
class BoardDef:
    """A board on the serial link; ``role`` is the number it reports in IDENTIFY."""
    name: str
    role: int
    description: str = ""


@dataclass(frozen=True)
class HeaterDef:
    name: str                      # flight name (hal.heaters key)
    board: str
    zone: int                      # the board's zone number (BOARD_HEATER zone)
    max_target_c: float
    description: str = ""


@dataclass(frozen=True)
class LimitDef:
    name: str
    value: float
    unit: str | None = None
    description: str = ""


@dataclass(frozen=True)
class CmdStatusDef:
    """A CMD_RESULT status code a board answers a command with."""
    name: str
    code: int
    description: str = ""


@dataclass(frozen=True)
class FaultFlagDef:
    """One bit of a board's fault_flags."""
    name: str
    bit: int
    latched: bool = False
    description: str = ""

    @property
    def mask(self) -> int:
        return 1 << self.bit


@dataclass(frozen=True)
class Dictionary:
    """The loaded dictionary.  Build it with loader.load_dictionary()."""
    commands: dict[str, CommandDef]
    telemetry: dict[str, ChannelDef]
    events: dict[str, EventDef]
    modes: tuple[str, ...]
    hash: str
    source: str = ""
    by_opcode: dict[int, CommandDef] = field(default_factory=dict, compare=False)
    # board-level commands (serial link only; never in sequences) and packets
    board_commands: dict[str, CommandDef] = field(default_factory=dict)
    packets: dict[str, PacketDef] = field(default_factory=dict)
    board_by_opcode: dict[int, CommandDef] = field(default_factory=dict, compare=False)
    packets_by_id: dict[int, PacketDef] = field(default_factory=dict, compare=False)
    severities: tuple[str, ...] = ()
    components: dict[str, ComponentDef] = field(default_factory=dict)
    boards: dict[str, BoardDef] = field(default_factory=dict)
    heaters: dict[str, HeaterDef] = field(default_factory=dict)
    limits: dict[str, LimitDef] = field(default_factory=dict)
    cmd_statuses: dict[str, CmdStatusDef] = field(default_factory=dict)
    fault_flags: dict[str, FaultFlagDef] = field(default_factory=dict)

    # -- the tables the rest of the software reads ------------------------------
    def limit(self, name: str) -> float:
        try:
            return self.limits[name].value
        except KeyError:
            raise UnknownNameError("limit", name, self.limits) from None

    def heater(self, name: str) -> HeaterDef:
        try:
            return self.heaters[name]
        except KeyError:
            raise UnknownNameError("heater", name, self.heaters) from None

    @property
    def roles(self) -> dict[str, int]:
        """Board name -> IDENTIFY role number."""
        return {b.name: b.role for b in self.boards.values()}

    def status_code(self, name: str) -> int:
        try:
            return self.cmd_statuses[name].code
        except KeyError:
            raise UnknownNameError("CMD_RESULT status", name, self.cmd_statuses) from None

    def status_name(self, code: int) -> str:
        for s in self.cmd_statuses.values():
            if s.code == code:
                return s.name
        return f"STATUS_{code}"

    def fault_mask(self, *names: str) -> int:
        m = 0
        for n in names:
            try:
                m |= self.fault_flags[n].mask
            except KeyError:
                raise UnknownNameError("board fault flag", n, self.fault_flags) from None
        return m

    def fault_names(self, flags: int) -> list[str]:
        """Names (lower case) of the fault bits set in ``flags``, lowest bit first."""
        return [f.name.lower() for f in sorted(self.fault_flags.values(), key=lambda f: f.bit)
                if flags & f.mask]

    def handlers(self, side: str) -> dict[str, CommandDef]:
        """Commands handled on one side (flight / firmware), by name."""
        every = {**self.commands, **self.board_commands}
        return {n: c for n, c in every.items() if self.components[c.owner].side == side}

    def board_command(self, name: str) -> CommandDef:
        try:
            return self.board_commands[name]
        except KeyError:
            raise UnknownNameError("board command", name, self.board_commands) from None

    def packet(self, name: str) -> PacketDef:
        try:
            return self.packets[name]
        except KeyError:
            raise UnknownNameError("packet", name, self.packets) from None

    @property
    def hash32(self) -> int:
        """First 4 bytes of the SHA-256 as an unsigned int: what a board reports."""
        return int(self.hash[:8], 16)

    def command(self, name: str) -> CommandDef:
        try:
            return self.commands[name]
        except KeyError:
            raise UnknownNameError("command", name, self.commands) from None

    def channel(self, name: str) -> ChannelDef:
        try:
            return self.telemetry[name]
        except KeyError:
            raise UnknownNameError("telemetry channel", name, self.telemetry) from None

    def event(self, name: str) -> EventDef:
        try:
            return self.events[name]
        except KeyError:
            raise UnknownNameError("event", name, self.events) from None

    def event_formatter(self):
        """A callable for the TelemetryBus: (name, args) -> (severity, message)."""
        events = self.events
        undeclared = events[UNDECLARED_EVENT]

        def fmt(name: str, args: dict) -> tuple[str, str]:
            ev = events.get(name)
            if ev is None:
                # an undeclared event is a software bug; make it loud but do not lose it
                return undeclared.severity, undeclared.format_message({"event": name, "args": args})
            return ev.severity, ev.format_message(args)

        return fmt


def suggest(name: str, candidates) -> list[str]:
    import difflib
    cands = list(candidates)
    close = difflib.get_close_matches(name, cands, n=3, cutoff=0.6)
    if not close:
        up = name.upper()
        close = [c for c in cands if up and (up in c.upper() or c.upper() in up)][:3]
    return close


class UnknownNameError(KeyError):
    def __init__(self, kind: str, name: str, candidates):
        self.kind, self.name = kind, name
        self.suggestions = suggest(name, candidates)
        msg = f"unknown {kind} {name!r}"
        if self.suggestions:
            msg += f"; did you mean {' or '.join(self.suggestions)}?"
        self.message = msg
        super().__init__(msg)

    def __str__(self):
        return self.message
