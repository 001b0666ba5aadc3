"""The engine skips monitor evaluations that could change nothing
(flight/fault/monitors.py, ``needs_evaluation``).  Property: on any schedule
of publishes, mode changes, limit-set switches and clock steps, its monitors
hold the states and emit the events of the same monitors evaluated every
cycle."""
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from common.clock import SimClock
from flight.fault import FaultProtection, RecordingDispatcher, loads_table
from flight.fault.monitors import Monitor
from flight.tlm.bus import TelemetryBus

# Every monitor shape the engine reasons about: stale_ms or not, persist and
# clear of 0 or more, equals, staleness (with persistence), required, gated.
TABLE = """
name = "skip"
limit_sets = ["FLIGHT", "BENCH"]

[monitors.pitch]
channel = "a"
kind = "range"
low = -20.0
high = 20.0
persist_ms = 500
clear_ms = 1000
stale_ms = 2000
limits.BENCH = { low = -10.0, high = 10.0, persist_ms = 100, stale_ms = 300 }

[monitors.count]
channel = "b"
kind = "range"
low = 0
high = 0

[monitors.nav]
channel = "c"
kind = "equals"
value = "FAILED"
persist_ms = 200
clear_ms = 0

[monitors.beat]
channel = "d"
kind = "staleness"
max_age_ms = 300
persist_ms = 200
clear_ms = 400

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
persist_ms = 300
modes = ["PRINT"]

[responses.any]
when = "pitch or count or nav or beat or must or sun"
sequence = "safe_stop"
cooldown_ms = 1000
"""

CHANNELS = ("a", "b", "c", "d", "e")
# Shared objects, so that a republished value is sometimes the very object
# the monitor judged last time and sometimes an equal but new one.
VALUES = (0, 1, -1, 0.5, 25.0, -25.0, 12.0, 2000, math.nan, "FAILED", "OK", None, [1], True,
          20.0, 20.5, -10.0, 15.0)     # on and just past the FLIGHT and BENCH limits of pitch

step = st.tuples(
    st.sampled_from((0, 1, 10, 99, 100, 101, 299, 300, 301, 700, 701, 1000, 2001)),     # dt, ms
    st.dictionaries(st.sampled_from(CHANNELS), st.sampled_from(VALUES), max_size=3),
    st.sampled_from((None, None, None, "PRINT", "DRIVE")),                       # mode change
    st.sampled_from((None,) * 12 + ("FLIGHT", "BENCH")),                          # limit set
    st.booleans(),                                        # publish a fresh float, not a shared one
)


class _Twin:
    """The same table's monitors on their own bus, evaluated every cycle."""

    def __init__(self, table, clock):
        self.bus = TelemetryBus(clock)
        self.states = {}
        self.monitors = [Monitor(spec, table.default_limit_set, self.bus, self.states, clock.now_ms())
                         for spec in table.monitors]

    def update(self, now):
        for m in self.monitors:
            m.evaluate(self.bus.values, self.bus.stamps, now)

    def set_limit_set(self, name):
        for m in self.monitors:
            m.set_limits(m.spec.limits[name])


def _monitor_events(bus):
    return [(e.t_ms, e.name, e.args) for e in bus.events if e.name.startswith("FP_MONITOR")]


@settings(max_examples=300, deadline=None)
@given(st.lists(step, min_size=1, max_size=120))
def test_skipping_engine_matches_evaluating_every_cycle(steps):
    clock = SimClock(0)
    table = loads_table(TABLE, source="skip.toml")
    fp_bus = TelemetryBus(clock)
    fp = FaultProtection(fp_bus, clock, table, RecordingDispatcher())
    twin = _Twin(table, clock)
    for dt, pubs, mode, limit_set, fresh in steps:
        clock.advance(dt)
        if fresh and "a" in pubs and isinstance(pubs["a"], float):
            pubs["a"] = float(str(pubs["a"]))          # equal value, new object
        if mode is not None:
            pubs = {**pubs, "mode": mode}
        for bus in (fp_bus, twin.bus):
            bus.publish_many(pubs)
        if limit_set is not None:
            fp.set_limit_set(limit_set)
            twin.set_limit_set(limit_set)
        fp.update()
        twin.update(clock.now_ms())
        assert fp.monitor_states == twin.states, (clock.now_ms(), pubs)
    assert _monitor_events(fp_bus) == _monitor_events(twin.bus)


def _pitch_at_rest():
    """(clock, bus, engine, the pitch monitor) after one update with pitch
    GREEN on a first sample of 3.0."""
    clock = SimClock(0)
    bus = TelemetryBus(clock)
    fp = FaultProtection(bus, clock, loads_table(TABLE, source="skip.toml"), RecordingDispatcher())
    bus.publish("a", 3.0)
    fp.update()
    return clock, bus, fp, fp._monitor_by_name["pitch"]


def test_quiet_monitors_are_skipped_and_wake_on_their_deadlines():
    """The skipping is real: a monitor on a channel that does not change is
    not evaluated again until its deadline, and is at the deadline."""
    clock, bus, fp, pitch = _pitch_at_rest()
    assert not pitch.needs_evaluation(clock.now_ms())
    clock.advance(2000)                     # age 2000: not yet stale (stale is > 2000 ms)
    assert not pitch.needs_evaluation(clock.now_ms())
    clock.advance(1)
    assert pitch.needs_evaluation(clock.now_ms())
    fp.update()
    assert fp.monitor_state("pitch") == "STALE"
    bus.publish("a", 3.0)                   # a new sample wakes it at once
    assert pitch.needs_evaluation(clock.now_ms())


def test_a_range_monitor_rests_while_its_value_stays_in_range():
    """Pitch and roll change every cycle but stay in range: the monitor rests
    GREEN, not evaluated, until a value leaves the range (which wakes it at
    once: out of range, NaN, not a number) or its sample would go stale.
    After a limit-set switch the new range is the one that counts."""
    clock, bus, fp, pitch = _pitch_at_rest()
    for v in ("19.5", "-20.0", "20.0", "0.25"):      # new float objects, all inside -20..20
        clock.advance(100)
        bus.publish("a", float(v))
        assert not pitch.needs_evaluation(clock.now_ms()), v
    for bad in (20.5, -25.0, math.nan, "20"):
        bus.publish("a", bad)
        assert pitch.needs_evaluation(clock.now_ms()), bad
    bus.publish("a", 15.0)
    fp.update()
    assert fp.monitor_state("pitch") == "GREEN" and not pitch.needs_evaluation(clock.now_ms())
    clock.advance(2000)                     # the sample the rest began with would go stale
    assert pitch.needs_evaluation(clock.now_ms() + 1)
    fp.set_limit_set("BENCH")               # -10..10
    bus.publish("a", 5.0)
    fp.update()
    assert fp.monitor_state("pitch") == "GREEN" and not pitch.needs_evaluation(clock.now_ms())
    bus.publish("a", 15.0)                  # inside FLIGHT's range, outside BENCH's
    assert pitch.needs_evaluation(clock.now_ms())
