"""Crash-safe, append-only telemetry recorder.

Writes the bus to a record file (common/record_format.py):
- every event immediately, as it is emitted;
- channels that changed, once per ``sample_period_ms`` of simulated time;
- string channels (mode, nav state, sequence states...) and any channels
  named in ``on_change`` as soon as they change, checked on every poll.

Each record reaches the OS in a single os.write, so a kill -9 loses nothing
whose write returned: the data sits in the kernel page cache and the kernel
writes it out even though the process is gone.  Only power loss (or a kernel
crash) can lose page-cache data; ``fsync_every_s`` bounds that loss at the
cost of a disk flush (docs/telemetry.md discusses the trade-off).

The flight loop calls poll() once per cycle at ~10,000 cycles per wall
second, so the path where nothing is due is kept to an integer compare and,
when string channels exist, one C-level itemgetter plus a tuple compare.
"""
from __future__ import annotations

import os
import struct
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable

from common import record_format as rf

# Exact Python type -> record type code (exact, because bool is an int
# subclass and must still be recorded as a bool).
_EXACT_CODES = {bool: rf.TYPE_BOOL, int: rf.TYPE_INT, float: rf.TYPE_FLOAT, str: rf.TYPE_STR}
_GROUP_INDEX = {code: i for i, code in enumerate(rf.TYPE_CODES)}
_UNSET = object()


def _differs(old: Any, new: Any) -> bool:
    if old is new:
        return False
    try:
        return bool(old != new)
    except Exception:                         # ambiguous comparison: record it
        return True


def _type_code(value: Any) -> str:
    """Record type code for a channel value; anything unusual is recorded as JSON."""
    code = _EXACT_CODES.get(type(value))
    if code is not None:
        return code
    if isinstance(value, bool):
        return rf.TYPE_BOOL
    if isinstance(value, str):
        return rf.TYPE_STR
    if isinstance(value, float):
        return rf.TYPE_FLOAT
    if isinstance(value, int):
        return rf.TYPE_INT
    # numpy scalars, recognised by their dtype so this module needs no numpy import
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if getattr(value, "ndim", None) == 0 and kind is not None:
        return {"b": rf.TYPE_BOOL, "i": rf.TYPE_INT, "u": rf.TYPE_INT, "f": rf.TYPE_FLOAT}.get(kind, rf.TYPE_JSON)
    return rf.TYPE_JSON


class Recorder:
    """Record ``bus`` to ``path``.

    ``clock`` defaults to the bus's clock.  ``meta`` goes into the file header
    (run id, seed, dictionary hash...).  ``fsync_every_s`` is in simulated
    seconds (flight code never reads wall time); None means never fsync
    except on close.  An existing file is refused unless ``overwrite``.

    Disk errors never propagate into the flight loop: they are counted in
    ``write_errors`` (last one in ``last_error``) and published on the bus
    channel ``tlm.write_errors``.
    """

    def __init__(self, path, bus, *, sample_period_ms: int = 1000, meta: dict | None = None,
                 clock=None, on_change: Iterable[str] = (), fsync_every_s: float | None = None,
                 fsync_on_close: bool = True, overwrite: bool = False):
        if int(sample_period_ms) <= 0:
            raise ValueError(f"sample_period_ms must be > 0, got {sample_period_ms}")
        if fsync_every_s is not None and fsync_every_s <= 0:
            raise ValueError(f"fsync_every_s must be > 0 or None, got {fsync_every_s}")
        self.path = Path(path)
        self._bus = bus
        if clock is None:
            # TelemetryBus keeps its clock private; prefer a public one if the bus grows it
            clock = getattr(bus, "clock", None) or getattr(bus, "_clock")
        self._now = clock.now_ms
        self._values = bus.values           # read directly: no copy per poll
        self._period_ms = int(sample_period_ms)
        self._fsync_ms = None if fsync_every_s is None else max(1, int(fsync_every_s * 1000))
        self._fsync_on_close = fsync_on_close

        self._ids: dict[str, tuple] = {}       # name -> slot for the type last seen, see _declare
        self._str_ids: set[int] = set()
        self._cols: list[list] = [[] for _ in range(2 * len(rf.TYPE_CODES))]  # (ids, values) per type group
        self._declared: dict[tuple[str, str], int] = {}           # (name, code) -> id
        self._pending_schema: list[tuple[int, str, str]] = []
        self._last: dict[str, Any] = {}       # last value written per channel
        self._watch_extra = tuple(on_change)
        self._watch_missing = set(self._watch_extra)   # on_change names not yet on the bus
        self._watch_names: tuple[str, ...] = ()
        self._watch_get = None                # itemgetter over _watch_names, or None
        self._watch_last: Any = None

        self.records_written = 0
        self.bytes_written = 0
        self.write_errors = 0
        self.encode_errors = 0
        self.last_error: str | None = None
        self.closed = False

        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        flags |= os.O_TRUNC if overwrite else os.O_EXCL
        try:
            self._fd = os.open(self.path, flags, 0o644)
        except FileExistsError:
            raise FileExistsError(f"{self.path}: telemetry file already exists "
                                  "(pass overwrite=True to replace it)") from None
        t0 = self._now()
        header_meta = dict(meta or {})
        header_meta.update(sample_period_ms=self._period_ms, start_t_ms=t0)
        # The header must land whole, so a failure here is a real error for the caller.
        try:
            self._write_all(rf.encode_header(header_meta), count=False, raise_errors=True)
        except BaseException:
            os.close(self._fd)
            raise
        self._next_due_ms = t0                # the first poll records every channel
        self._last_fsync_ms = t0
        self._unsubscribe = bus.subscribe_events(self._on_event)

    # -- hot path -----------------------------------------------------------
    def poll(self, now_ms: int | None = None) -> bool:
        """Call once per flight cycle.  Returns True if a samples record was written."""
        if now_ms is None:
            now_ms = self._now()
        if now_ms < self._next_due_ms:
            if self._watch_missing:           # only while an on_change channel has never appeared
                values = self._values
                if any(n in values for n in self._watch_missing):
                    self._rebuild_watch()
            get = self._watch_get
            if get is None:
                return False
            try:
                if get(self._values) == self._watch_last:
                    return False
            except KeyError:
                pass
            return self._write_changes(now_ms, self._watch_names)
        # stay on the sample grid even if polls are irregular
        self._next_due_ms = now_ms - (now_ms - self._next_due_ms) % self._period_ms + self._period_ms
        wrote = self._write_changes(now_ms, None)
        if self._fsync_ms is not None and now_ms - self._last_fsync_ms >= self._fsync_ms:
            self._last_fsync_ms = now_ms
            self._fsync()
        return wrote

    def _write_changes(self, now_ms: int, names) -> bool:
        values = self._values
        last = self._last
        if names is None:
            src = values.items()
        else:
            src = [(n, values[n]) for n in names if n in values]
        get_last = last.get
        try:
            # one C-speed pass; NaN never equals itself, so a NaN channel is
            # simply re-recorded each period (harmless)
            changed = [(n, v) for n, v in src if get_last(n, _UNSET) != v]
        except Exception:                     # a value whose != is not a bool (e.g. an array)
            changed = [(n, v) for n, v in src if _differs(get_last(n, _UNSET), v)]
        new_watch = False
        if changed:
            ids_get = self._ids.get
            for name, v in changed:
                slot = ids_get(name)
                if slot is None or slot[3] is not type(v):
                    slot = self._declare(name, v)
                    new_watch = new_watch or slot[0] in self._str_ids
                slot[1](slot[0])
                slot[2](v)
            last.update(changed)
        if self._watch_missing and names is None and any(n in values for n in self._watch_missing):
            new_watch = True
        if new_watch:
            self._rebuild_watch()
        if self._watch_get is not None:
            try:
                self._watch_last = self._watch_get(values)
            except KeyError:
                self._watch_last = None
        if not changed:
            return False
        cols = self._cols
        try:
            payload = rf.encode_samples(now_ms, *cols)
        except (ValueError, OverflowError, TypeError, UnicodeError, RecursionError, struct.error):
            # e.g. an int beyond 64 bits in an int channel: re-route the
            # offending values through per-value classification
            payload = self._encode_samples_slow(now_ms, cols)
        finally:
            for col in cols:
                col.clear()
        if payload is None:
            return False
        out = b""
        if self._pending_schema:
            out = rf.frame(rf.encode_schema(self._pending_schema))
            self._pending_schema = []
        self._write_all(out + rf.frame(payload), records=2 if out else 1)
        return True

    # -- declarations ---------------------------------------------------------
    def _declare(self, name: str, value: Any) -> tuple:
        code = _type_code(value)
        cid = self._id_for(name, code)
        if code == rf.TYPE_STR:
            self._str_ids.add(cid)
        g = _GROUP_INDEX[code]
        # (id, append to the group's id column, append to its value column, type):
        # the hot loop then routes a sample with two calls and no indexing.
        # A channel whose type flips back and forth re-runs this (cheap) lookup.
        slot = (cid, self._cols[2 * g].append, self._cols[2 * g + 1].append, type(value))
        self._ids[name] = slot
        return slot

    def _id_for(self, name: str, code: str) -> int:
        cid = self._declared.get((name, code))
        if cid is None:
            cid = len(self._declared)
            if cid > rf.MAX_CHANNEL_ID:
                raise OverflowError("more than 65536 channel declarations in one file")
            self._declared[(name, code)] = cid
            self._pending_schema.append((cid, name, code))
        return cid

    def _rebuild_watch(self) -> None:
        str_names = {name for (name, code) in self._declared if code == rf.TYPE_STR}
        present = {n for n in self._watch_extra if n in self._values}
        self._watch_missing = set(self._watch_extra) - present
        names = tuple(sorted(str_names | present))
        self._watch_names = names
        # itemgetter of one name returns a bare value, of several a tuple;
        # either compares consistently with its own previous result
        self._watch_get = itemgetter(*names) if names else None

    def _encode_samples_slow(self, now_ms: int, cols: list[list]) -> bytes | None:
        """Rare path: route each value on its own merits and drop (and count) any
        value that still cannot be encoded, so one bad value loses only itself."""
        id_to_name = {cid: name for (name, _c), cid in self._declared.items()}
        n_groups = len(rf.TYPE_CODES)
        fixed: list[list] = [[] for _ in range(2 * n_groups)]
        for g, code0 in enumerate(rf.TYPE_CODES):
            for cid, v in zip(cols[2 * g], cols[2 * g + 1]):
                code = code0
                try:
                    if code == rf.TYPE_INT and not rf.I64_MIN <= int(v) <= rf.I64_MAX:
                        code = rf.TYPE_JSON
                        cid = self._id_for(id_to_name[cid], code)
                    one = [[] for _ in range(2 * n_groups)]
                    gi = _GROUP_INDEX[code]
                    one[2 * gi].append(cid)
                    one[2 * gi + 1].append(v)
                    rf.encode_samples(now_ms, *one)       # does this value encode at all?
                except Exception as e:                    # never take the flight loop down
                    self.encode_errors += 1
                    self.last_error = f"{id_to_name.get(cid, cid)} at t={now_ms} ms not recorded: {e}"
                    continue
                fixed[2 * gi].append(cid)
                fixed[2 * gi + 1].append(v)
        if not any(fixed[0::2]):
            return None
        return rf.encode_samples(now_ms, *fixed)

    # -- events ---------------------------------------------------------------
    def _on_event(self, ev) -> None:
        try:
            payload = rf.encode_event(ev.t_ms, ev.name, ev.severity, ev.message, ev.args)
        except Exception as e:                # never take the flight loop down
            self.encode_errors += 1
            self.last_error = f"event {ev.name} at t={ev.t_ms} ms not recorded: {e}"
            return
        self._write_all(rf.frame(payload))

    # -- I/O --------------------------------------------------------------------
    def _write_all(self, data: bytes, *, records: int = 1, count: bool = True,
                   raise_errors: bool = False) -> None:
        if self.closed:
            return
        try:
            # One os.write for the whole record: a regular-file write is not
            # split by a kill, so a record is either all there or not at all.
            # The loop only handles the rare short write (e.g. disk nearly full).
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
        except OSError as e:
            if raise_errors:
                raise
            self.write_errors += 1
            self.last_error = f"{self.path}: {e}"
            self._bus.publish("tlm.write_errors", self.write_errors)
            return
        self.bytes_written += len(data)
        if count:
            self.records_written += records

    def _fsync(self) -> None:
        try:
            os.fsync(self._fd)
        except OSError as e:
            self.write_errors += 1
            self.last_error = f"{self.path}: fsync: {e}"

    def flush_samples(self, now_ms: int | None = None) -> bool:
        """Write changed channels now, regardless of the sample period."""
        return self._write_changes(self._now() if now_ms is None else now_ms, None)

    def close(self) -> None:
        """Final samples, the clean-close marker, fsync, close.  Idempotent."""
        if self.closed:
            return
        self._unsubscribe()
        now = self._now()
        self.flush_samples(now)
        self._write_all(rf.frame(rf.encode_close(now, self.records_written)))
        if self._fsync_on_close:
            self._fsync()
        self.closed = True
        os.close(self._fd)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
