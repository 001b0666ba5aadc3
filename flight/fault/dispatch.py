"""Dispatchers: what an active response calls.

In the flight build the lead wires the sequencer's fault slot here.  These
two cover tests and a sequencer-less setup:
- ``RecordingDispatcher`` records every call (unit tests);
- ``ModeDispatcher`` requests the response's target mode directly, a
  fallback that still reaches SAFE/SURVIVAL if no sequencer is wired.
"""
from __future__ import annotations

from flight.fault.responses import ResponseSpec


class RecordingDispatcher:
    def __init__(self):
        self.calls: list[ResponseSpec] = []

    def __call__(self, response: ResponseSpec) -> None:
        self.calls.append(response)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.calls]


class ModeDispatcher:
    def __init__(self, modes, also=None):
        self._modes = modes       # a flight.modes.ModeManager
        self._also = also         # optional further dispatcher (e.g. a recorder)

    def __call__(self, response: ResponseSpec) -> None:
        if self._also is not None:
            self._also(response)
        if response.mode:
            self._modes.request_mode(response.mode, f"fault response {response.name}")
