"""The campaign's journal: one JSON line per finished run, appended as runs
come back, flushed at once and synced to disk at least every SYNC_EVERY_S.

It is what makes a campaign resumable: a killed campaign loses at most the
runs in flight (and a torn last line, which is ignored), and the next start
skips every run already in the journal.  When a run appears twice (a
crashed run retried with --retry-crashed), the last line wins.  The Parquet
table is written from the journal.
"""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

JOURNAL_NAME = "runs.jsonl"
SYNC_EVERY_S = 1.0


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


class Journal:
    def __init__(self, directory: Path):
        self.path = Path(directory) / JOURNAL_NAME
        self._f = None
        self._last_sync = 0.0

    def load(self) -> dict[int, dict]:
        """run index -> row; a torn or garbled line (a kill mid-write) is skipped."""
        rows: dict[int, dict] = {}
        if not self.path.exists():
            return rows
        with open(self.path, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break                      # the torn tail of a killed campaign
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("run"), int):
                    rows[row["run"]] = row
        return rows

    def _repair_tail(self) -> None:
        """Cut a torn last line so appended rows start on a line of their own."""
        if not self.path.exists():
            return
        with open(self.path, "rb+") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size == 0:
                return
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return
            data = f.seek(0) or f.read()
            f.truncate(data.rfind(b"\n") + 1)

    def append(self, row: dict) -> None:
        if self._f is None:
            self._repair_tail()
            self._f = open(self.path, "a", encoding="utf-8")
        self._f.write(json.dumps({k: _clean(v) for k, v in row.items()}, sort_keys=True) + "\n")
        self._f.flush()
        now = time.monotonic()
        if now - self._last_sync >= SYNC_EVERY_S:
            os.fsync(self._f.fileno())
            self._last_sync = now

    def close(self) -> None:
        if self._f is not None:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
            self._f = None
