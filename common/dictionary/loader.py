"""Load and validate the TOML dictionary.

Validation collects every problem before raising, and each message names
the file and the entry ("rover.toml: command DRIVE_TO, arg speed: ...") so a
broken edit is fixed in one pass.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import tomllib
from pathlib import Path

from . import units as _units
from .model import (ARG_TYPES, BOARD_ANY, CHANNEL_TYPES, COMPONENT_SIDES, F32_MAX, INT_RANGES,
                    PACKET_MAX_PAYLOAD, PACKET_TYPES, UNDECLARED_EVENT, ArgDef, BoardDef, ChannelDef,
                    CmdStatusDef, CommandDef, ComponentDef, Dictionary, EventDef, FaultFlagDef,
                    HeaterDef, LimitDef, PacketDef, PacketField, format_fields)

DEFAULT_PATH = Path(__file__).with_name("rover.toml")
_CMD_KEYS = {"name", "opcode", "subsystem", "args", "critical", "modes", "timeout_s", "description",
             "board", "owner", "handler", "always_allowed"}
_TABLES = ("meta", "component", "board", "heater", "limit", "cmd_status", "fault_flag", "command",
           "telemetry", "event", "packet")
_PKT_KEYS = {"name", "id", "board", "period_ms", "fixed", "fields", "description"}
_FLD_KEYS = {"name", "type", "count", "scale", "unit", "description"}
_ARG_KEYS = {"name", "type", "unit", "min", "max", "values", "description"}
_TLM_KEYS = {"name", "type", "unit", "red_low", "yellow_low", "yellow_high", "red_high", "description"}
_EVT_KEYS = {"id", "name", "severity", "format", "description"}


class DictionaryError(ValueError):
    """The dictionary file is malformed; ``problems`` lists every issue found,
    and the message is one line per problem, each naming the file."""

    def __init__(self, path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {q}" for q in problems))


def _num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _opt_float(x):
    return None if x is None else float(x)


def load_dictionary(path: str | Path | None = None) -> Dictionary:
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DictionaryError(path, ["file not found"]) from None
    except tomllib.TOMLDecodeError as e:
        raise DictionaryError(path, [f"TOML syntax: {e}"]) from None
    return build_dictionary(raw, source=str(path))


def _collect(items, label: str, noun: str, build, p, *, id_attr: str | None = None,
             id_text=None) -> dict:
    """Build each entry of one table, refusing duplicate names (and duplicate
    ids/opcodes when ``id_attr`` is given); problems go to ``p``."""
    by_name: dict = {}
    by_id: dict = {}
    for i, item in enumerate(items):
        name = item.get("name", "?") if isinstance(item, dict) else "?"
        where = f"{label} #{i + 1} {name}"
        d = build(item, where)
        if d is None:
            continue
        key = getattr(d, id_attr) if id_attr else None
        if d.name in by_name:
            p(f"{where}: duplicate {noun} name {d.name}")
        elif id_attr and key in by_id:
            p(f"{where}: {id_text(key)} already used by {by_id[key]}")
        else:
            by_name[d.name] = d
            if id_attr:
                by_id[key] = d.name
    return by_name


def build_dictionary(raw: dict, source: str = "<dict>") -> Dictionary:
    problems: list[str] = []
    p = problems.append
    meta = raw.get("meta", {})
    modes = tuple(meta.get("modes", ()))
    if not modes or not all(isinstance(m, str) and m for m in modes):
        p("meta.modes must be a non-empty list of mode names")
    severities = tuple(meta.get("severities", ()))
    if not severities or not all(isinstance(v, str) and v.isidentifier() for v in severities) \
            or len(set(severities)) != len(severities):
        p("meta.severities must be a non-empty list of distinct severity names, lowest first")
    for key in raw:
        if key not in _TABLES:
            p(f"unknown top-level table {key!r} (expected {', '.join(_TABLES)})")

    components = _collect(raw.get("component", []), "component", "component",
                          lambda c, where: _build_component(c, where, p), p)
    boards = _collect(raw.get("board", []), "board", "board",
                      lambda b, where: _build_small(b, where, p, BoardDef, "role", (1, 255)), p,
                      id_attr="role", id_text=lambda v: f"role {v}")
    if BOARD_ANY in boards:
        p(f"board: {BOARD_ANY!r} is reserved (a command or packet for every board)")
    board_keys = (*boards, BOARD_ANY)
    cmd_statuses = _collect(raw.get("cmd_status", []), "cmd_status", "status",
                            lambda b, where: _build_small(b, where, p, CmdStatusDef, "code", (0, 255)),
                            p, id_attr="code", id_text=lambda v: f"code {v}")
    fault_flags = _collect(raw.get("fault_flag", []), "fault_flag", "fault flag",
                           lambda b, where: _build_small(b, where, p, FaultFlagDef, "bit", (0, 15),
                                                         flags=("latched",)),
                           p, id_attr="bit", id_text=lambda v: f"bit {v}")
    limits = _collect(raw.get("limit", []), "limit", "limit",
                      lambda x, where: _build_limit(x, where, p), p)
    heaters = _collect(raw.get("heater", []), "heater", "heater",
                       lambda x, where: _build_heater(x, where, boards, p), p)
    every_command = _collect(raw.get("command", []), "command", "command",
                             lambda c, where: _build_command(c, where, modes, board_keys, p), p,
                             id_attr="opcode", id_text=lambda v: f"opcode 0x{v:04X}")
    _check_handlers(every_command, components, p)
    commands = {n: c for n, c in every_command.items() if not c.is_board}
    board_commands = {n: c for n, c in every_command.items() if c.is_board}
    telemetry = _collect(raw.get("telemetry", []), "telemetry", "channel",
                         lambda t, where: _build_channel(t, where, p), p)
    events = _collect(raw.get("event", []), "event", "event",
                      lambda e, where: _build_event(e, where, severities, p), p,
                      id_attr="id", id_text=lambda v: f"event id {v}")
    if UNDECLARED_EVENT not in events:
        p(f"event {UNDECLARED_EVENT} is missing (reported in place of an undeclared event)")
    packets = _collect(raw.get("packet", []), "packet", "packet",
                       lambda k, where: _build_packet(k, where, board_keys, p), p,
                       id_attr="id", id_text=lambda v: f"packet id 0x{v:02X}")

    if problems:
        raise DictionaryError(source, problems)
    shared = {"severities": severities, "boards": boards, "heaters": heaters, "limits": limits,
              "cmd_statuses": cmd_statuses, "fault_flags": fault_flags}
    h = dictionary_hash(modes, commands, telemetry, events, board_commands, packets, shared)
    return Dictionary(commands=commands, telemetry=telemetry, events=events, modes=modes,
                      hash=h, source=source,
                      by_opcode={c.opcode: c for c in commands.values()},
                      board_commands=board_commands, packets=packets,
                      board_by_opcode={c.opcode: c for c in board_commands.values()},
                      packets_by_id={k.id: k for k in packets.values()},
                      components=components, **shared)


def _name_ok(name, lower: bool) -> bool:
    return isinstance(name, str) and name.isidentifier() and \
        (name.lower() == name if lower else name.upper() == name)


def _build_component(c, where, p):
    if not isinstance(c, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(c, {"name", "side", "source", "description"}, where, p)
    name, side, src = c.get("name"), c.get("side"), c.get("source")
    if not _name_ok(name, lower=True):
        p(f"{where}: name must be a lower_case identifier, got {name!r}")
        return None
    if side not in COMPONENT_SIDES:
        p(f"{where}: side must be one of {', '.join(COMPONENT_SIDES)}, got {side!r}")
        return None
    if not isinstance(src, str) or not src or src.startswith("/"):
        p(f"{where}: source must be a path relative to the repository, got {src!r}")
        return None
    return ComponentDef(name=name, side=side, source=src, description=str(c.get("description", "")))


def _build_small(b, where, p, cls, num_key, num_range, flags=()):
    """A [[board]] / [[cmd_status]] / [[fault_flag]] entry: a name and a number."""
    if not isinstance(b, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(b, {"name", num_key, "description", *flags}, where, p)
    name, num = b.get("name"), b.get(num_key)
    lower = cls is BoardDef
    if not _name_ok(name, lower):
        p(f"{where}: name must be a{' lower' if lower else 'n UPPER'}_case identifier, got {name!r}")
        return None
    lo, hi = num_range
    if not isinstance(num, int) or isinstance(num, bool) or not lo <= num <= hi:
        p(f"{where}: {num_key} must be an integer {lo}..{hi}, got {num!r}")
        return None
    extra = {}
    for f in flags:
        v = b.get(f, False)
        if not isinstance(v, bool):
            p(f"{where}: {f} must be true or false")
        extra[f] = bool(v)
    return cls(name, num, description=str(b.get("description", "")), **extra)


def _build_limit(x, where, p):
    if not isinstance(x, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(x, {"name", "value", "unit", "description"}, where, p)
    name, value, unit = x.get("name"), x.get("value"), x.get("unit")
    if not _name_ok(name, lower=True):
        p(f"{where}: name must be a lower_case identifier, got {name!r}")
        return None
    if not _num(value):
        p(f"{where}: value must be a finite number, got {value!r}")
        return None
    if unit is not None and unit not in _units.UNITS:
        p(f"{where}: unknown unit {unit!r}")
    return LimitDef(name=name, value=value, unit=unit, description=str(x.get("description", "")))


def _build_heater(x, where, boards, p):
    if not isinstance(x, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(x, {"name", "board", "zone", "max_target_c", "description"}, where, p)
    name, board, zone, hi = x.get("name"), x.get("board"), x.get("zone"), x.get("max_target_c")
    if not _name_ok(name, lower=True):
        p(f"{where}: name must be a lower_case identifier, got {name!r}")
        return None
    if board not in boards:
        p(f"{where}: board must be one of {', '.join(boards)}, got {board!r}")
        return None
    if not isinstance(zone, int) or isinstance(zone, bool) or not 0 <= zone <= 255:
        p(f"{where}: zone must be an integer 0..255, got {zone!r}")
        return None
    if not _num(hi) or not 0 < hi <= 3000:
        p(f"{where}: max_target_c must be a number in (0, 3000] C, got {hi!r}")
        return None
    return HeaterDef(name=name, board=board, zone=zone, max_target_c=hi,
                     description=str(x.get("description", "")))


def _check_handlers(commands, components, p) -> None:
    """Every command names a declared owner; a board command is handled by
    firmware, a flight command by flight software; no handler serves two."""
    seen: dict[tuple[str, str], str] = {}
    for c in commands.values():
        where = f"command {c.name}"
        if not c.owner or not c.handler:
            p(f"{where}: no handler: owner and handler are required")
            continue
        comp = components.get(c.owner)
        if comp is None:
            p(f"{where}: owner {c.owner!r} is not a [[component]] "
              f"({', '.join(components) or 'none declared'})")
            continue
        side = "firmware" if c.is_board else "flight"
        if comp.side != side:
            p(f"{where}: owner {c.owner} runs on the {comp.side} side; a "
              f"{'board' if c.is_board else 'flight'} command is handled on the {side} side")
        key = (comp.side, c.handler)
        if key in seen:
            p(f"{where}: handler {c.handler} is declared twice ({seen[key]} and {c.name})")
        else:
            seen[key] = c.name


def _unknown_keys(d, allowed, where, p):
    for k in d:
        if k not in allowed:
            p(f"{where}: unknown key {k!r}")


def _build_command(c, where, modes, board_keys, p):
    if not isinstance(c, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(c, _CMD_KEYS, where, p)
    name = c.get("name")
    if not isinstance(name, str) or not name.isidentifier() or name.upper() != name:
        p(f"{where}: name must be an UPPER_CASE identifier, got {name!r}")
        return None
    op = c.get("opcode")
    if not isinstance(op, int) or isinstance(op, bool) or not 0 < op <= 0xFFFF:
        p(f"{where}: opcode must be an integer 1..0xFFFF, got {op!r}")
        return None
    sub = c.get("subsystem")
    if not isinstance(sub, str) or not sub:
        p(f"{where}: subsystem must be a non-empty string")
    board = c.get("board")
    if board is not None and board not in board_keys:
        p(f"{where}: board must be one of {', '.join(board_keys)}, got {board!r}")
        board = None
    owner, handler = c.get("owner", ""), c.get("handler", "")
    if not isinstance(owner, str):
        p(f"{where}: owner must be a component name, got {owner!r}")
        owner = ""
    if not isinstance(handler, str) or (handler and not _name_ok(handler, lower=True)):
        p(f"{where}: handler must be a lower_case identifier, got {handler!r}")
        handler = ""
    always = c.get("always_allowed", False)
    if not isinstance(always, bool):
        p(f"{where}: always_allowed must be true or false")
    cmodes = c.get("modes", [])
    if cmodes == ["ALL"]:
        cmodes = list(modes)
    bad = [m for m in cmodes if m not in modes]
    if board is not None:
        # board-level: flight modes do not apply (the HAL sends these itself)
        if cmodes:
            p(f"{where}: a board command takes no modes")
    elif bad or not cmodes:
        p(f"{where}: modes must be a non-empty list of {', '.join(modes)} (or [\"ALL\"]); bad: {bad}")
    timeout = c.get("timeout_s", 10)
    if not _num(timeout) or timeout <= 0:
        p(f"{where}: timeout_s must be a number > 0, got {timeout!r}")
        timeout = 10
    crit = c.get("critical", False)
    if not isinstance(crit, bool):
        p(f"{where}: critical must be true or false")
    args = []
    seen = set()
    for j, a in enumerate(c.get("args", [])):
        awhere = f"{where}, arg #{j + 1} {a.get('name', '?') if isinstance(a, dict) else '?'}"
        ad = _build_arg(a, awhere, p)
        if ad is None:
            continue
        if ad.name in seen:
            p(f"{awhere}: duplicate argument name {ad.name}")
        seen.add(ad.name)
        args.append(ad)
    if board is not None:
        for ad in args:
            if ad.type not in INT_RANGES:
                p(f"{where}, arg {ad.name}: board command arguments must be integers "
                  f"(i8..u32), got {ad.type}")
        size = sum(int(ad.type[1:]) // 8 for ad in args if ad.type in INT_RANGES)
        if size + 2 > PACKET_MAX_PAYLOAD:
            p(f"{where}: {size + 2} bytes with the opcode, more than {PACKET_MAX_PAYLOAD}")
    return CommandDef(name=name, opcode=op, subsystem=str(sub), args=tuple(args),
                      critical=bool(crit), modes=tuple(m for m in modes if m in cmodes),
                      timeout_s=float(timeout), description=str(c.get("description", "")),
                      board=board, owner=owner, handler=handler, always_allowed=bool(always))


def _build_packet(k, where, board_keys, p):
    if not isinstance(k, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(k, _PKT_KEYS, where, p)
    name, pid, board = k.get("name"), k.get("id"), k.get("board")
    if not isinstance(name, str) or not name.isidentifier() or name.upper() != name:
        p(f"{where}: name must be an UPPER_CASE identifier, got {name!r}")
        return None
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid <= 0xFF:
        p(f"{where}: id must be an integer 1..255 (u8), got {pid!r}")
        return None
    if board not in board_keys:
        p(f"{where}: board must be one of {', '.join(board_keys)}, got {board!r}")
        return None
    period = k.get("period_ms", 100)
    if not isinstance(period, int) or isinstance(period, bool) or not 0 <= period <= 0xFFFF:
        p(f"{where}: period_ms must be an integer 0..65535, got {period!r}")
        period = 100
    fixed = k.get("fixed", False)
    if not isinstance(fixed, bool):
        p(f"{where}: fixed must be true or false")
    fields, seen, off = [], set(), 1     # offset 0 is the packet id byte
    raw_fields = k.get("fields", [])
    if not isinstance(raw_fields, list) or not raw_fields:
        p(f"{where}: fields must be a non-empty list")
        return None
    for j, f in enumerate(raw_fields):
        fwhere = f"{where}, field #{j + 1} {f.get('name', '?') if isinstance(f, dict) else '?'}"
        if not isinstance(f, dict):
            p(f"{fwhere}: must be a table")
            continue
        _unknown_keys(f, _FLD_KEYS, fwhere, p)
        fname, ftype = f.get("name"), f.get("type")
        if not isinstance(fname, str) or not all(x.isidentifier() for x in fname.split(".")):
            p(f"{fwhere}: name must be dotted identifiers, got {fname!r}")
            continue
        if fname in seen:
            p(f"{fwhere}: duplicate field name {fname}")
            continue
        seen.add(fname)
        if ftype not in PACKET_TYPES:
            p(f"{fwhere}: type must be one of {', '.join(PACKET_TYPES)}, got {ftype!r}")
            continue
        count = f.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 64:
            p(f"{fwhere}: count must be an integer 1..64, got {count!r}")
            continue
        scale = f.get("scale", 1)
        if not _num(scale) or scale == 0:
            p(f"{fwhere}: scale must be a finite non-zero number, got {scale!r}")
            scale = 1
        unit = f.get("unit")
        if unit is not None and unit not in _units.UNITS:
            p(f"{fwhere}: unknown unit {unit!r}")
        pf = PacketField(name=fname, type=ftype, offset=off, count=count, scale=float(scale),
                         unit=unit, description=str(f.get("description", "")))
        fields.append(pf)
        off += pf.total_size
    pk = PacketDef(name=name, id=pid, board=board, fields=tuple(fields), period_ms=period,
                   fixed=bool(fixed), description=str(k.get("description", "")))
    if pk.size > PACKET_MAX_PAYLOAD:
        p(f"{where}: payload is {pk.size} bytes with the id byte, more than {PACKET_MAX_PAYLOAD}")
    return pk


def _build_arg(a, where, p):
    if not isinstance(a, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(a, _ARG_KEYS, where, p)
    name, typ = a.get("name"), a.get("type")
    if not isinstance(name, str) or not name.isidentifier():
        p(f"{where}: name must be an identifier, got {name!r}")
        return None
    if typ not in ARG_TYPES:
        p(f"{where}: type must be one of {', '.join(ARG_TYPES)}, got {typ!r}")
        return None
    unit = a.get("unit")
    if unit is not None:
        if typ in ("bool", "enum", "str"):
            p(f"{where}: a {typ} argument cannot have a unit")
        elif unit not in _units.UNITS:
            p(f"{where}: unknown unit {unit!r}")
    values = a.get("values", [])
    if typ == "enum":
        if not values or not all(isinstance(v, str) and v.isidentifier() for v in values):
            p(f"{where}: enum needs a non-empty list of identifier values")
        elif len(set(values)) != len(values):
            p(f"{where}: enum values must be unique")
        elif len(values) > 256:
            p(f"{where}: enum has more than 256 values (wire size is u8)")
    elif values:
        p(f"{where}: only enum arguments take values")
    lo, hi = a.get("min"), a.get("max")
    for k, v in (("min", lo), ("max", hi)):
        if v is not None and not _num(v):
            p(f"{where}: {k} must be a finite number, got {v!r}")
            return None
    if typ in ("bool", "enum") and (lo is not None or hi is not None):
        p(f"{where}: a {typ} argument takes no min/max")
    if typ == "str":
        if hi is None or not isinstance(hi, int) or not 1 <= hi <= 255:
            p(f"{where}: str needs an integer max length 1..255 bytes, got {hi!r}")
        if lo is not None and (not isinstance(lo, int) or lo < 0):
            p(f"{where}: str min length must be an integer >= 0")
    if typ in INT_RANGES:
        tlo, thi = INT_RANGES[typ]
    elif typ == "f32":
        tlo, thi = -F32_MAX, F32_MAX
    else:
        tlo = thi = None
    if tlo is not None:
        for k, v in (("min", lo), ("max", hi)):
            if v is not None and not tlo <= v <= thi:
                p(f"{where}: {k}={v} is outside the range of {typ} ({tlo}..{thi})")
    if lo is not None and hi is not None and lo > hi:
        p(f"{where}: min {lo} > max {hi}")
    return ArgDef(name=name, type=typ, unit=unit, min=_opt_float(lo), max=_opt_float(hi),
                  values=tuple(values), description=str(a.get("description", "")))


def _build_channel(t, where, p):
    if not isinstance(t, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(t, _TLM_KEYS, where, p)
    name, typ, unit = t.get("name"), t.get("type"), t.get("unit")
    if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
        p(f"{where}: name must be dotted identifiers, got {name!r}")
        return None
    if typ not in CHANNEL_TYPES:
        p(f"{where}: type must be one of {', '.join(CHANNEL_TYPES)}, got {typ!r}")
        return None
    if unit is not None and unit not in _units.UNITS:
        p(f"{where}: unknown unit {unit!r}")
    lims = {}
    for k in ("red_low", "yellow_low", "yellow_high", "red_high"):
        v = t.get(k)
        if v is not None and not _num(v):
            p(f"{where}: {k} must be a finite number, got {v!r}")
            v = None
        if v is not None and typ in ("str", "bool"):
            p(f"{where}: a {typ} channel cannot have limits")
        lims[k] = _opt_float(v)
    order = [lims[k] for k in ("red_low", "yellow_low", "yellow_high", "red_high") if lims[k] is not None]
    if order != sorted(order):
        p(f"{where}: limits must satisfy red_low <= yellow_low <= yellow_high <= red_high")
    return ChannelDef(name=name, type=typ, unit=unit, description=str(t.get("description", "")), **lims)


def _build_event(e, where, severities, p):
    if not isinstance(e, dict):
        p(f"{where}: must be a table")
        return None
    _unknown_keys(e, _EVT_KEYS, where, p)
    eid, name, sev, fmt = e.get("id"), e.get("name"), e.get("severity"), e.get("format")
    if not isinstance(name, str) or not name.isidentifier():
        p(f"{where}: name must be an identifier, got {name!r}")
        return None
    if not isinstance(eid, int) or isinstance(eid, bool) or not 0 < eid <= 0xFFFF:
        p(f"{where}: id must be an integer 1..65535, got {eid!r}")
        return None
    if sev not in severities:
        p(f"{where}: severity must be one of {', '.join(severities)}, got {sev!r}")
        return None
    if not isinstance(fmt, str):
        p(f"{where}: format must be a string")
        return None
    try:
        format_fields(fmt)
    except ValueError as ex:
        p(f"{where}: {ex}")
        return None
    return EventDef(id=eid, name=name, severity=sev, format=fmt,
                    description=str(e.get("description", "")))


def canonical_form(modes, commands, telemetry, events, board_commands=None, packets=None,
                   shared=None) -> dict:
    """Everything that affects compatibility, in a fixed order.  Descriptions
    are left out on purpose: fixing a typo must not force a board reflash."""
    def arg(a):
        return {"name": a.name, "type": a.type, "unit": a.unit, "min": a.min, "max": a.max,
                "values": list(a.values)}
    out = {
        "modes": list(modes),
        "commands": [{"name": c.name, "opcode": c.opcode, "subsystem": c.subsystem,
                      "critical": c.critical, "modes": sorted(c.modes), "timeout_s": c.timeout_s,
                      "args": [arg(a) for a in c.args]}   # arg order is the wire layout: keep it
                     for c in sorted(commands.values(), key=lambda c: c.name)],
        "telemetry": [{"name": t.name, "type": t.type, "unit": t.unit, "red_low": t.red_low,
                       "yellow_low": t.yellow_low, "yellow_high": t.yellow_high,
                       "red_high": t.red_high}
                      for t in sorted(telemetry.values(), key=lambda t: t.name)],
        "events": [{"id": e.id, "name": e.name, "severity": e.severity, "format": e.format}
                   for e in sorted(events.values(), key=lambda e: e.name)],
    }
    # board entries only enter the canonical form when present, so a dictionary
    # without them hashes exactly as before they existed
    if board_commands:
        out["board_commands"] = [
            {"name": c.name, "opcode": c.opcode, "board": c.board, "timeout_s": c.timeout_s,
             "args": [arg(a) for a in c.args]}
            for c in sorted(board_commands.values(), key=lambda c: c.name)]
    if packets:
        out["packets"] = [
            {"name": k.name, "id": k.id, "board": k.board, "period_ms": k.period_ms,
             "fixed": k.fixed,
             "fields": [{"name": f.name, "type": f.type, "count": f.count, "scale": f.scale,
                         "unit": f.unit} for f in k.fields]}     # field order is the layout
            for k in sorted(packets.values(), key=lambda k: k.name)]
    if shared:
        # severities, boards, heaters, limits, CMD_RESULT codes, fault bits:
        # everything but the descriptions
        out["shared"] = {
            key: (list(v) if key == "severities" else
                  [{f: getattr(x, f) for f in x.__dataclass_fields__ if f != "description"}
                   for x in sorted(v.values(), key=lambda x: x.name)])
            for key, v in sorted(shared.items())}
    return out


def dictionary_hash(modes, commands, telemetry, events, board_commands=None, packets=None,
                    shared=None) -> str:
    blob = json.dumps(canonical_form(modes, commands, telemetry, events, board_commands, packets,
                                     shared),
                      sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


@functools.lru_cache(maxsize=1)
def default_dictionary() -> Dictionary:
    """The flight dictionary shipped next to this module, loaded once."""
    return load_dictionary(DEFAULT_PATH)
