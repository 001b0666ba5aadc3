"""Read a telemetry record file back into per-channel arrays and an event list.

Damage never raises: a torn tail (kill -9, power loss) or a corrupt region is
skipped and reported in the RunLog.  Only a file that is not a telemetry file
at all (bad header) is an error, and the error names the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from common import record_format as rf
from flight.tlm.bus import Event

TELEMETRY_FILENAME = "telemetry.rtlm"


class RunNotFoundError(FileNotFoundError):
    """The run directory or telemetry file does not exist."""


def resolve_run_path(run) -> Path:
    """A run directory (containing telemetry.rtlm) or the telemetry file itself."""
    p = Path(run)
    if p.is_dir():
        f = p / TELEMETRY_FILENAME
        if not f.is_file():
            raise RunNotFoundError(f"{p}: no {TELEMETRY_FILENAME} in this run directory")
        return f
    if not p.exists():
        raise RunNotFoundError(f"{p}: no such run directory or telemetry file")
    return p


@dataclass
class ChannelSeries:
    """Change points of one channel: the value holds from t_ms[k] until t_ms[k+1].

    ``values`` is a numpy array (bool, int64 or float64) for numeric channels
    and a list for strings or mixed/JSON values.
    """
    name: str
    t_ms: np.ndarray
    values: Any

    @property
    def is_numeric(self) -> bool:
        return isinstance(self.values, np.ndarray)

    def __len__(self) -> int:
        return len(self.t_ms)

    def at(self, t_ms) -> Any:
        """Forward-filled value(s) at time(s) t_ms; None (or NaN for numeric arrays) before the first sample."""
        t = np.asarray(t_ms, dtype=np.int64)
        idx = np.searchsorted(self.t_ms, t, side="right") - 1
        if t.ndim == 0:
            return None if idx < 0 else self.values[int(idx)]
        if self.is_numeric:
            out = self.values.astype(np.float64)[np.maximum(idx, 0)]
            out[idx < 0] = np.nan
            return out
        return [None if i < 0 else self.values[i] for i in idx.tolist()]


@dataclass
class RunLog:
    path: Path
    meta: dict
    samples: dict[str, ChannelSeries] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    channel_types: dict[str, str] = field(default_factory=dict)   # name -> type code(s) seen, e.g. "if"
    closed_cleanly: bool = False
    close_t_ms: int | None = None
    torn_tail_bytes: int = 0
    bad_records: int = 0
    skipped_bytes: int = 0
    record_count: int = 0
    missing_records: int = 0      # the close marker counted more records than were read
    file_bytes: int = 0

    @property
    def channels(self) -> list[str]:
        return sorted(self.samples)

    @property
    def start_t_ms(self) -> int:
        return int(self.meta.get("start_t_ms", 0))

    @property
    def end_t_ms(self) -> int:
        """Latest time stamp anywhere in the file (the close time if it closed cleanly)."""
        ts = [self.start_t_ms]
        if self.close_t_ms is not None:
            ts.append(self.close_t_ms)
        ts.extend(int(s.t_ms[-1]) for s in self.samples.values() if len(s))
        if self.events:
            ts.append(max(e.t_ms for e in self.events))
        return max(ts)

    def series(self, name: str) -> ChannelSeries | None:
        return self.samples.get(name)

    def damage_summary(self) -> str:
        if self.closed_cleanly and not (self.torn_tail_bytes or self.bad_records or self.missing_records):
            return "closed cleanly"
        parts = ["closed cleanly" if self.closed_cleanly else "not closed (run ended abruptly)"]
        if self.torn_tail_bytes:
            parts.append(f"torn tail of {self.torn_tail_bytes} bytes skipped")
        if self.bad_records:
            parts.append(f"{self.bad_records} bad record(s), {self.skipped_bytes} bytes skipped")
        if self.missing_records:
            parts.append(f"{self.missing_records} record(s) missing")
        return "; ".join(parts)


def read_run(path) -> RunLog:
    """Read a run directory or telemetry file.

    Raises RunNotFoundError for a missing run and rf.TelemetryFormatError (with
    the file name) for a file that is not telemetry; never for damage.
    """
    f = resolve_run_path(path)
    data = f.read_bytes()
    return decode_run(data, f)


def decode_run(data: bytes, path=Path("<bytes>")) -> RunLog:
    res = rf.scan(data, str(path))
    log = RunLog(path=Path(path), meta=res.meta, torn_tail_bytes=res.torn_tail_bytes,
                 bad_records=res.bad_records, skipped_bytes=res.skipped_bytes,
                 record_count=len(res.records), file_bytes=len(data))
    id_map: dict[int, tuple[str, str]] = {}
    ts: dict[str, list[int]] = {}
    vs: dict[str, list[Any]] = {}
    codes: dict[str, str] = {}
    for index, rec in enumerate(res.records):
        if isinstance(rec, rf.SamplesRecord):
            if not _known_ids(rec, id_map):
                # samples whose schema was lost to damage cannot be named
                log.bad_records += 1
                continue
            for cid, code, value in rec.items():
                name = id_map[cid][0]
                ts.setdefault(name, []).append(rec.t_ms)
                vs.setdefault(name, []).append(value)
                if code not in codes.setdefault(name, ""):
                    codes[name] += code
        elif isinstance(rec, rf.EventRecord):
            log.events.append(Event(rec.t_ms, rec.name, rec.severity, rec.message, rec.args))
        elif isinstance(rec, rf.SchemaRecord):
            for cid, name, code in rec.channels:
                id_map[cid] = (name, code)
        elif isinstance(rec, rf.CloseRecord):
            log.closed_cleanly = True
            log.close_t_ms = rec.t_ms
            # the close marker counts the records before it
            log.missing_records = max(0, rec.records_before - index)
    # anything after the close marker (appended garbage or records) means it
    # is not a clean file end
    if log.closed_cleanly and not isinstance(res.records[-1], rf.CloseRecord):
        log.closed_cleanly = False
    for name, tlist in ts.items():
        log.samples[name] = ChannelSeries(name, np.asarray(tlist, dtype=np.int64), _as_values(vs[name]))
    log.channel_types = codes
    return log


def _known_ids(rec: rf.SamplesRecord, id_map: dict) -> bool:
    for cid, code, _v in rec.items():
        decl = id_map.get(cid)
        if decl is None or decl[1] != code:
            return False
    return True


def _as_values(values: list) -> Any:
    """numpy array when every value is numeric (bool/int/float), else the list itself."""
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        return np.asarray(values, dtype=bool)
    if kinds == {int} and all(rf.I64_MIN <= v <= rf.I64_MAX for v in values):
        return np.asarray(values, dtype=np.int64)
    if kinds and kinds <= {bool, int, float}:
        try:
            return np.asarray(values, dtype=np.float64)
        except OverflowError:
            return values
    return values
