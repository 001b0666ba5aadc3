"""The telemetry/event bus that the HAL, the sequencer and fault protection publish on.

Kept deliberately small because it sits in the hot path of a simulation
running at >1000x real time: a channel write is one dict store.  Consumers
(monitors, the recorder, test benches) read the latest value per channel;
events are pushed to subscribers as they happen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from common.dictionary import default_dictionary



@dataclass(frozen=True)
class Event:
    t_ms: int
    name: str
    severity: str
    message: str
    args: dict = field(default_factory=dict)


class TelemetryBus:
    """Latest-value store for channels plus an event stream.

    ``clock`` is any object with ``now_ms()``; every sample and event is
    stamped with simulated time.
    """

    def __init__(self, clock, event_formatter: Callable[[str, dict], tuple[str, str]] | None = None):
        self._clock = clock
        self.values: dict[str, Any] = {}
        self.stamps: dict[str, int] = {}
        self.events: list[Event] = []
        self._event_subs: list[Callable[[Event], None]] = []
        # maps (event name, args) -> (severity, message): the dictionary's event
        # declarations are the only source of both
        self._format = event_formatter or default_dictionary().event_formatter()

    @property
    def clock(self):
        return self._clock

    # -- channels -------------------------------------------------------
    def publish(self, channel: str, value: Any) -> None:
        self.values[channel] = value
        self.stamps[channel] = self._clock.now_ms()

    def publish_many(self, values: dict[str, Any]) -> None:
        self.values.update(values)
        self.stamps.update(dict.fromkeys(values, self._clock.now_ms()))

    def value(self, channel: str, default: Any = None) -> Any:
        return self.values.get(channel, default)

    def age_ms(self, channel: str) -> int | None:
        """Milliseconds since the channel was last published, None if never."""
        t = self.stamps.get(channel)
        return None if t is None else self._clock.now_ms() - t

    def snapshot(self) -> dict[str, Any]:
        return dict(self.values)

    # -- events ---------------------------------------------------------
    def emit(self, name: str, **args) -> Event:
        """Emit a dictionary event with its fields; severity and text come from
        the event's declaration."""
        severity, message = self._format(name, args)
        ev = Event(self._clock.now_ms(), name, severity, message, dict(args))
        self.events.append(ev)
        for cb in list(self._event_subs):
            cb(ev)
        return ev

    def subscribe_events(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        self._event_subs.append(callback)

        def unsubscribe() -> None:
            if callback in self._event_subs:
                self._event_subs.remove(callback)

        return unsubscribe
