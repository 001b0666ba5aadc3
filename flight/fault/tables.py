"""Load fault-protection tables from TOML, all or nothing.

A table names its limit sets, its monitors and its responses (format in
docs/fault_protection.md).  ``load_table`` either returns a complete,
validated ``FaultTable`` or raises ``TableError`` naming the file, the entry
and the first problem found in document order -- it never returns a partly
built table, so a running engine keeps its old table when a load fails.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from flight.fault.expr import KEYWORDS, ExpressionError, parse_condition
from flight.fault.monitors import KINDS, Limits, MonitorSpec
from flight.fault.responses import ACTIVE, RESPONSE_STATES, ResponseSpec
from flight.modes.table import MODES

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_TABLE_PATH = PACKAGE_DIR / "default_table.toml"
RESPONSES_DIR = PACKAGE_DIR / "responses"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CHANNEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\Z")
# Names the engine uses for its own channels (fp.limit_set, fp.responses.fired, ...).
_RESERVED = frozenset({"limit_set", "responses", "response"})

_TOP_KEYS = {"name", "limit_sets", "default_limit_set", "monitors", "responses"}
_LIMIT_KEYS = {"low", "high", "value", "max_age_ms", "persist_ms", "clear_ms", "stale_ms"}
_MONITOR_KEYS = {"channel", "kind", "required", "description", "limits", "modes"} | _LIMIT_KEYS
_KIND_KEYS = {"range": {"low", "high"}, "equals": {"value"}, "staleness": {"max_age_ms"}}
_RESPONSE_KEYS = {"when", "sequence", "mode", "state", "cooldown_ms", "description", "modes"}
# Python type names plus the dictionary's wire types (common/dictionary/rover.toml).
_TYPE_NAMES = {"int": int, "float": float, "bool": bool, "str": str, "enum": str,
               "f32": float, "f64": float,
               **{f"{s}{n}": int for s in "ui" for n in (8, 16, 32, 64)}}

_UNSET = object()


class TableError(ValueError):
    """A table that failed to load; the message names file, entry and problem."""


class _EntryError(Exception):
    def __init__(self, entry: str, msg: str):
        super().__init__(msg)
        self.entry = entry


@dataclass(frozen=True)
class FaultTable:
    name: str
    source: str
    limit_sets: tuple[str, ...]
    default_limit_set: str
    monitors: tuple[MonitorSpec, ...]
    responses: tuple[ResponseSpec, ...] = field(default=())

    def monitor(self, name: str) -> MonitorSpec:
        for m in self.monitors:
            if m.name == name:
                return m
        raise KeyError(f"no monitor {name!r} in table {self.name}")

    def response(self, name: str) -> ResponseSpec:
        for r in self.responses:
            if r.name == name:
                return r
        raise KeyError(f"no response {name!r} in table {self.name}")


def load_table(path: str | Path, *, sequences_dir: str | Path | None = RESPONSES_DIR,
               channel_types: Mapping[str, Any] | None = None,
               sequence_checker: Callable[[Path], list] | None = None) -> FaultTable:
    """Load a TOML table file.  ``sequences_dir``: where ``<sequence>.seq``
    files must exist (None skips the check).  ``channel_types``: optional
    {channel: type or type name ('float', 'f32', 'u8', 'str', ...)} from the dictionary; when
    given, every monitored channel must be in it with a fitting type.
    ``sequence_checker``: optional ``path -> [errors]`` (e.g. the sequencer's
    check_sequence); the first error of a response sequence fails the load."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TableError(f"{path}: cannot read table: {exc.strerror or exc}") from None
    return loads_table(text, source=str(path), sequences_dir=sequences_dir, channel_types=channel_types,
                       sequence_checker=sequence_checker)


def load_default_table(**kw) -> FaultTable:
    return load_table(DEFAULT_TABLE_PATH, **kw)


def loads_table(text: str, *, source: str = "<table>", sequences_dir: str | Path | None = None,
                channel_types: Mapping[str, Any] | None = None,
                sequence_checker: Callable[[Path], list] | None = None) -> FaultTable:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TableError(f"{source}: not valid TOML: {exc}") from None
    try:
        return _build(doc, source, Path(sequences_dir) if sequences_dir is not None else None,
                      channel_types, sequence_checker)
    except _EntryError as exc:
        raise TableError(f"{source}: {exc.entry}: {exc}") from None


# -- building ------------------------------------------------------------------

def _build(doc: dict, source: str, seq_dir: Path | None, channel_types, seq_checker) -> FaultTable:
    _no_unknown_keys("table", doc, _TOP_KEYS)
    name = doc.get("name", Path(source).stem)
    if not isinstance(name, str) or not name:
        raise _EntryError("name", f"must be a non-empty string, got {name!r}")

    sets = doc.get("limit_sets", _UNSET)
    if sets is _UNSET or not isinstance(sets, list) or not sets:
        raise _EntryError("limit_sets", "must be a non-empty list of names, e.g. [\"FLIGHT\", \"BENCH\"]")
    for s in sets:
        if not isinstance(s, str) or not _NAME.match(s):
            raise _EntryError("limit_sets", f"{s!r} is not a valid limit set name")
    if len(set(sets)) != len(sets):
        raise _EntryError("limit_sets", f"duplicate names in {sets}")
    default = doc.get("default_limit_set", sets[0])
    if default not in sets:
        raise _EntryError("default_limit_set", f"unknown limit set {default!r}; declared: {', '.join(sets)}")

    raw_monitors = doc.get("monitors", _UNSET)
    if not isinstance(raw_monitors, dict) or not raw_monitors:
        raise _EntryError("monitors", "at least one [monitors.<name>] table is required")
    monitors = tuple(_monitor(n, m, sets, channel_types) for n, m in raw_monitors.items())

    raw_responses = doc.get("responses", {})
    if not isinstance(raw_responses, dict):
        raise _EntryError("responses", "must be a table of [responses.<name>] tables")
    names = [m.name for m in monitors]
    responses = tuple(_response(n, r, names, seq_dir, seq_checker) for n, r in raw_responses.items())
    return FaultTable(name, source, tuple(sets), default, monitors, responses)


def _no_unknown_keys(entry: str, d: dict, allowed: set) -> None:
    for k in d:
        if k not in allowed:
            raise _EntryError(entry, f"unknown key {k!r}; allowed: {', '.join(sorted(allowed))}")


def _check_name(entry: str, name: str) -> None:
    if not _NAME.match(name) or name in KEYWORDS or name in _RESERVED:
        raise _EntryError(entry, f"{name!r} is not a usable name (letters, digits, _; "
                                 f"not one of {', '.join(sorted(KEYWORDS | _RESERVED))})")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _ms(entry: str, key: str, v, *, minimum: int) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise _EntryError(entry, f"{key} must be an integer >= {minimum} ms, got {v!r}")
    return v


def _monitor(name: str, m, sets: list[str], channel_types) -> MonitorSpec:
    entry = f"monitors.{name}"
    _check_name(entry, name)
    if not isinstance(m, dict):
        raise _EntryError(entry, "must be a table")
    _no_unknown_keys(entry, m, _MONITOR_KEYS)

    channel = m.get("channel", _UNSET)
    if channel is _UNSET:
        raise _EntryError(entry, "channel is required")
    if not isinstance(channel, str) or not _CHANNEL.match(channel):
        raise _EntryError(entry, f"channel must be a string naming a telemetry channel "
                                 f"(e.g. \"rover.pitch_deg\"), got {type(channel).__name__} {channel!r}")
    kind = m.get("kind", _UNSET)
    if kind not in KINDS:
        raise _EntryError(entry, f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    required = m.get("required", False)
    if not isinstance(required, bool):
        raise _EntryError(entry, f"required must be true or false, got {required!r}")
    description = m.get("description", "")
    if not isinstance(description, str):
        raise _EntryError(entry, "description must be a string")

    per_set = m.get("limits", {})
    if not isinstance(per_set, dict):
        raise _EntryError(entry, "limits must be a table of limit sets, e.g. limits.BENCH = { high = 10.0 }")
    for s, overrides in per_set.items():
        if s not in sets:
            raise _EntryError(f"{entry}.limits.{s}", f"unknown limit set {s!r}; declared: {', '.join(sets)}")
        if not isinstance(overrides, dict):
            raise _EntryError(f"{entry}.limits.{s}", "must be a table of limit keys")
        _no_unknown_keys(f"{entry}.limits.{s}", overrides, _LIMIT_KEYS)
    base = {k: m[k] for k in _LIMIT_KEYS if k in m}
    limits = {s: _limits(f"{entry}.limits.{s}" if s in per_set else entry, kind, required,
                         {**base, **per_set.get(s, {})}, s)
              for s in sets}

    if channel_types is not None:
        _check_channel_type(entry, channel, kind, limits, channel_types)
    modes = _modes(entry, m)
    if modes is not None and required:
        raise _EntryError(entry, "required = true and modes cannot go together: a monitor "
                                 "judged only in some modes cannot demand a sample in all")
    return MonitorSpec(name, channel, kind, limits, required, description, modes)


def _modes(entry: str, d: dict) -> frozenset[str] | None:
    """The optional mode gate: a non-empty list of flight modes."""
    if "modes" not in d:
        return None
    v = d["modes"]
    if not isinstance(v, list) or not v:
        raise _EntryError(entry, f"modes must be a non-empty list of flight modes, e.g. "
                                 f"[\"PRINT\"], got {v!r}")
    for m in v:
        if m not in MODES:
            raise _EntryError(entry, f"modes: unknown mode {m!r}; valid modes: {', '.join(MODES)}")
    return frozenset(v)


def _limits(entry: str, kind: str, required: bool, d: dict, set_name: str) -> Limits:
    for k in _KIND_KEYS.keys() - {kind}:
        for bad in _KIND_KEYS[k] & d.keys():
            raise _EntryError(entry, f"{bad} does not apply to a {kind} monitor")
    persist = _ms(entry, "persist_ms", d.get("persist_ms", 0), minimum=0)
    clear = _ms(entry, "clear_ms", d.get("clear_ms", persist), minimum=0)
    stale = d.get("stale_ms")
    if stale is not None:
        if kind == "staleness":
            raise _EntryError(entry, "stale_ms does not apply to a staleness monitor (use max_age_ms)")
        stale = _ms(entry, "stale_ms", stale, minimum=1)
    if kind == "range":
        low, high = d.get("low"), d.get("high")
        if low is None and high is None:
            raise _EntryError(entry, f"range monitor needs low and/or high for limit set {set_name}")
        for k, v in (("low", low), ("high", high)):
            if v is not None and not _is_number(v):
                raise _EntryError(entry, f"{k} must be a finite number, got {v!r}")
        if low is not None and high is not None and low > high:
            raise _EntryError(entry, f"low {low} > high {high}")
        lim = Limits(low=low, high=high, persist_ms=persist, clear_ms=clear, stale_ms=stale)
    elif kind == "equals":
        if "value" not in d:
            raise _EntryError(entry, f"equals monitor needs value for limit set {set_name}")
        v = d["value"]
        if not isinstance(v, (int, float, bool, str)):
            raise _EntryError(entry, f"value must be a number, boolean or string, got {v!r}")
        lim = Limits(value=v, persist_ms=persist, clear_ms=clear, stale_ms=stale)
    else:
        if "max_age_ms" not in d:
            raise _EntryError(entry, f"staleness monitor needs max_age_ms for limit set {set_name}")
        lim = Limits(max_age_ms=_ms(entry, "max_age_ms", d["max_age_ms"], minimum=1),
                     persist_ms=persist, clear_ms=clear)
    if required and kind != "staleness" and stale is None:
        raise _EntryError(entry, "required = true needs stale_ms (how long to wait for the first sample)")
    return lim


def _check_channel_type(entry: str, channel: str, kind: str, limits: dict, channel_types) -> None:
    if channel not in channel_types:
        raise _EntryError(entry, f"channel {channel!r} is not in the telemetry dictionary")
    t = channel_types[channel]
    t = _TYPE_NAMES.get(t, t) if isinstance(t, str) else t
    if t not in (int, float, bool, str):
        raise _EntryError(entry, f"channel {channel!r} has unsupported type {channel_types[channel]!r}")
    if kind == "range" and t not in (int, float):
        raise _EntryError(entry, f"range monitor on channel {channel!r} of type {t.__name__}; "
                                 "needs int or float")
    if kind == "equals":
        for s, lim in limits.items():
            v = lim.value
            fits = isinstance(v, t) if t is not float else _is_number(v)
            if not fits or (t is int and isinstance(v, bool)):
                raise _EntryError(entry, f"value {v!r} (limit set {s}) does not fit channel {channel!r} "
                                         f"of type {t.__name__}")


def _response(name: str, r, monitors: list[str], seq_dir: Path | None, seq_checker) -> ResponseSpec:
    entry = f"responses.{name}"
    _check_name(entry, name)
    if not isinstance(r, dict):
        raise _EntryError(entry, "must be a table")
    _no_unknown_keys(entry, r, _RESPONSE_KEYS)
    when = r.get("when", _UNSET)
    if when is _UNSET:
        raise _EntryError(entry, "when (the condition) is required")
    try:
        cond = parse_condition(when, monitors)
    except ExpressionError as exc:
        raise _EntryError(entry, f"when = {when!r}: {exc}") from None

    seq = r.get("sequence", _UNSET)
    if not isinstance(seq, str) or not _NAME.match(seq):
        raise _EntryError(entry, f"sequence must name a response sequence (file <name>.seq), got {seq!r}")
    seq_path = None
    if seq_dir is not None:
        seq_path = seq_dir / f"{seq}.seq"
        if not seq_path.is_file():
            raise _EntryError(entry, f"response sequence {seq!r} not found ({seq}.seq in {seq_dir.name}/)")
        if seq_checker is not None:
            errors = list(seq_checker(seq_path))
            if errors:
                raise _EntryError(entry, f"response sequence {seq}.seq: {errors[0]}")

    mode = r.get("mode")
    if mode is not None and mode not in MODES:
        raise _EntryError(entry, f"unknown mode {mode!r}; valid modes: {', '.join(MODES)}")
    state = r.get("state", ACTIVE)
    state = state.lower() if isinstance(state, str) else state   # the dictionary spells them ACTIVE/PASSIVE
    if state not in RESPONSE_STATES:
        raise _EntryError(entry, f"state must be one of {', '.join(RESPONSE_STATES)}, got {state!r}")
    cooldown = _ms(entry, "cooldown_ms", r.get("cooldown_ms", 0), minimum=0)
    description = r.get("description", "")
    if not isinstance(description, str):
        raise _EntryError(entry, "description must be a string")
    return ResponseSpec(name, cond, seq, mode, state, cooldown, description, seq_path,
                        _modes(entry, r))
