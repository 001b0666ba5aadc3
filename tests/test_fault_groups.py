"""The engine tests its quiet ("cold") monitors as one group and the busy
("hot") ones one by one (flight/fault/engine.py, _regroup).  Property: on
any schedule, it evaluates exactly the monitors, in exactly the order, that
testing each monitor in table order (Monitor.needs_evaluation) evaluates --
also when a transition moves the bus in the middle of a cycle (a monitor on
another monitor's state channel; an event subscriber that publishes)."""
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from common.clock import SimClock
from flight.fault import FaultProtection, RecordingDispatcher, loads_table
from flight.fault.monitors import Monitor
from flight.tlm.bus import TelemetryBus

TABLE = """
name = "groups"
limit_sets = ["FLIGHT", "BENCH"]

[monitors.echo]
channel = "fp.pitch.state"
kind = "equals"
value = "TRIPPED"

[monitors.pitch]
channel = "a"
kind = "range"
low = -20.0
high = 20.0
persist_ms = 200
clear_ms = 300
stale_ms = 500
limits.BENCH = { low = -10.0, high = 10.0, persist_ms = 0, stale_ms = 300 }

[monitors.roll]
channel = "b"
kind = "range"
low = -5.0
high = 5.0

[monitors.mirror]
channel = "fp.pitch.state"
kind = "equals"
value = "TRIPPED"
persist_ms = 100

[monitors.kicked]
channel = "k"
kind = "range"
high = 0

[monitors.nav]
channel = "c"
kind = "equals"
value = "FAILED"

[monitors.beat]
channel = "d"
kind = "staleness"
max_age_ms = 300

[monitors.must]
channel = "e"
kind = "range"
high = 1000
stale_ms = 700
required = true

[monitors.sun]
channel = "a"
kind = "range"
low = 1
modes = ["PRINT"]

[responses.any]
when = "pitch or roll or nav or beat or must or sun or mirror or kicked or echo"
sequence = "safe_stop"
cooldown_ms = 1000
"""

CHANNELS = ("a", "b", "c", "d", "e")
VALUES = (0, 1, -1, 0.5, 25.0, -25.0, 2000, math.nan, "FAILED", "OK", None, [1], True)

step = st.tuples(
    st.sampled_from((0, 1, 100, 100, 100, 199, 200, 201, 299, 300, 301, 500, 501, 701)),   # dt, ms
    st.dictionaries(st.sampled_from(CHANNELS), st.sampled_from(VALUES), max_size=3),
    st.sets(st.sampled_from(("a", "b"))),                   # published afresh: busy channels
    st.sampled_from((None,) * 6 + ("PRINT", "DRIVE")),      # mode change
    st.sampled_from((None,) * 20 + ("FLIGHT", "BENCH")),    # limit set
)


class _InOrder:
    """The same table's monitors on their own bus, each tested in table order."""

    def __init__(self, table, clock):
        self.bus = TelemetryBus(clock)
        self.states = {}
        self.monitors = [Monitor(spec, table.default_limit_set, self.bus, self.states, clock.now_ms())
                         for spec in table.monitors]
        # as the engine does on loading: every monitor's state on the bus
        self.bus.publish_many({f"fp.{m.name}.state": m.state for m in self.monitors})

    def update(self, now):
        for m in self.monitors:
            if m.needs_evaluation(now):
                m.evaluate(self.bus.values, self.bus.stamps, now)

    def set_limit_set(self, name):
        for m in self.monitors:
            m.set_limits(m.spec.limits[name])


def _kick_on_trip(bus):
    """A subscriber that moves the bus in the middle of a cycle: every trip
    publishes channel k (watched by a monitor later in the table)."""
    def on_event(ev):
        if ev.name == "FP_MONITOR_TRIPPED":
            bus.publish("k", bus.values.get("k", 0) + 1)
    bus.subscribe_events(on_event)


@settings(max_examples=300, deadline=None)
@given(st.lists(step, min_size=1, max_size=150))
def test_grouped_engine_evaluates_what_the_in_order_tests_evaluate(steps):
    clock = SimClock(0)
    table = loads_table(TABLE, source="groups.toml")
    fp_bus = TelemetryBus(clock)
    ref = _InOrder(table, clock)
    for bus in (fp_bus, ref.bus):
        _kick_on_trip(bus)
    fp = FaultProtection(fp_bus, clock, table, RecordingDispatcher())
    log = {id(fp_bus): [], id(ref.bus): []}
    original = Monitor.evaluate

    def spy(self, values, stamps, now_ms):
        log[id(self._bus)].append((now_ms, self.name))
        return original(self, values, stamps, now_ms)

    Monitor.evaluate = spy
    try:
        for dt, pubs, busy, mode, limit_set in steps:
            clock.advance(dt)
            for ch in busy:
                pubs = {**pubs, ch: float(clock.now_ms() % 13) - 6.0}    # a new object each time
            if mode is not None:
                pubs = {**pubs, "mode": mode}
            for bus in (fp_bus, ref.bus):
                bus.publish_many(pubs)
            if limit_set is not None:
                fp.set_limit_set(limit_set)
                ref.set_limit_set(limit_set)
            fp.update()
            ref.update(clock.now_ms())
            assert log[id(fp_bus)] == log[id(ref.bus)]
            assert fp.monitor_states == ref.states
    finally:
        Monitor.evaluate = original
    events = [[(e.t_ms, e.name, e.args) for e in b.events if e.name.startswith("FP_MONITOR")]
              for b in (fp_bus, ref.bus)]
    assert events[0] == events[1]


def test_busy_monitors_are_hot_and_quiet_ones_cold():
    """The grouping is real: a channel republished every cycle makes its
    monitor hot; when it stops, the monitor goes back to the cold group."""
    clock = SimClock(0)
    bus = TelemetryBus(clock)
    fp = FaultProtection(bus, clock, loads_table(TABLE, source="groups.toml"), RecordingDispatcher())
    names = [m.name for m in fp._monitors]
    hot = lambda: {names[i] for i in fp._hot}      # noqa: E731
    for n in range(4):
        clock.advance(100)
        bus.publish("a", 3.0 + n)
        fp.update()
    assert hot() == {"pitch"}
    clock.advance(100)
    fp.update()                      # "a" still the very object judged last cycle
    assert hot() == set()
