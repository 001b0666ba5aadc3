"""Fault protection: monitors, conditions, responses, tables, built-ins."""
import math
import tomllib
from pathlib import Path

import pytest

from common.clock import SimClock
from flight.fault import (
    ACTIVE, DISABLED, GREEN, PASSIVE, STALE, TRIPPED, UNKNOWN, ExpressionError, FaultProtection,
    ModeDispatcher, RecordingDispatcher, TableError, load_default_table, load_table, loads_table,
    parse_condition,
)
from flight.modes import ModeManager
from flight.tlm.bus import TelemetryBus

ROOT = Path(__file__).resolve().parents[1]

SIMPLE = """
name = "t"
limit_sets = ["FLIGHT", "BENCH"]

[monitors.pitch]
channel = "rover.pitch_deg"
kind = "range"
low = -20.0
high = 20.0
persist_ms = 500
clear_ms = 1000
stale_ms = 2000
limits.BENCH = { low = -10.0, high = 10.0, persist_ms = 100 }

[monitors.nav]
channel = "rover.nav_state"
kind = "equals"
value = "FAILED"

[monitors.hb]
channel = "link.payload.heartbeat_age_ms"
kind = "range"
high = 1000
stale_ms = 2000

[monitors.beat]
channel = "board.heartbeat"
kind = "staleness"
max_age_ms = 300

[responses.tilt]
when = "pitch"
sequence = "safe_stop"
mode = "SAFE"
cooldown_ms = 5000

[responses.nav_log]
when = "nav"
sequence = "safe_stop"
state = "passive"

[responses.lost]
when = "hb or hb.stale or beat"
sequence = "safe_stop"
mode = "SAFE"
state = "disabled"
"""


class Rig:
    def __init__(self, text=SIMPLE, **kw):
        self.clock = SimClock(0)
        self.bus = TelemetryBus(self.clock)
        self.disp = RecordingDispatcher()
        table = loads_table(text, source="t.toml") if isinstance(text, str) else text
        self.fp = FaultProtection(self.bus, self.clock, table, self.disp, **kw)

    def step(self, ms=10, n=1, **values):
        """Publish ``values`` (dots as __) and run ``n`` cycles of ``ms``."""
        vals = {k.replace("__", "."): v for k, v in values.items()}
        for _ in range(n):
            self.clock.advance(ms)
            if vals:
                self.bus.publish_many(vals)
            self.fp.update()

    def events(self, name):
        return [e for e in self.bus.events if e.name == name]


# -- conditions -------------------------------------------------------------------

def test_condition_precedence_and_suffixes():
    c = parse_condition("a or b and not c")            # a or (b and (not c))
    assert c.evaluate({"a": TRIPPED}) and c.evaluate({"b": TRIPPED})
    assert not c.evaluate({"b": TRIPPED, "c": TRIPPED})
    c = parse_condition("(a or b) and not c.stale")
    assert c.evaluate({"b": TRIPPED, "c": TRIPPED}) and not c.evaluate({"b": TRIPPED, "c": STALE})
    assert parse_condition("x.unknown").evaluate({"x": UNKNOWN})
    assert parse_condition("not not x.green").evaluate({"x": GREEN})
    assert c.monitors == {"a", "b", "c"}


@pytest.mark.parametrize("text, fragment", [
    ("stall or", "col 9: expected a monitor name"),
    ("a and (b", "expected ')'"),
    ("a b", "col 3: expected 'and', 'or'"),
    ("a && b", "unexpected character '&'"),
    ("a.hot", "unknown state '.hot'"),
    ("__import__('os')", "unexpected character"),
    ("", "empty condition"),
])
def test_condition_errors(text, fragment):
    with pytest.raises(ExpressionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_condition(text)


# -- monitors -----------------------------------------------------------------------

def test_persistence_then_clear_with_events():
    r = Rig()
    r.step(rover__pitch_deg=1.0)
    assert r.fp.monitor_state("pitch") == GREEN
    r.step(10, 49, rover__pitch_deg=25.0)          # bad for 480 ms (first bad seen at t=20)
    assert r.fp.monitor_state("pitch") == GREEN and r.events("FP_MONITOR_TRIPPED") == []
    r.step(10, 2, rover__pitch_deg=25.0)           # 500 ms reached
    assert r.fp.monitor_state("pitch") == TRIPPED
    (ev,) = r.events("FP_MONITOR_TRIPPED")
    assert ev.args == {"monitor": "pitch", "state": TRIPPED, "channel": "rover.pitch_deg",
                       "value": 25.0, "limit": 20.0,
                       "detail": "rover.pitch_deg=25.0 outside [-20.0, 20.0] for 500 ms"}
    assert ev.message == "monitor pitch TRIPPED: rover.pitch_deg=25.0 outside [-20.0, 20.0] for 500 ms"
    assert ev.t_ms == 520 and r.bus.value("fp.pitch.state") == TRIPPED
    r.step(10, 99, rover__pitch_deg=0.0)           # good for 980 ms: still tripped (clear_ms 1000)
    assert r.fp.monitor_state("pitch") == TRIPPED
    r.step(10, 2, rover__pitch_deg=0.0)
    assert r.fp.monitor_state("pitch") == GREEN
    assert [e.args for e in r.events("FP_MONITOR_CLEARED")] == [
        {"monitor": "pitch", "from_state": TRIPPED, "to_state": GREEN}]


def test_glitch_shorter_than_persistence_does_not_trip():
    r = Rig()
    for _ in range(20):
        r.step(10, 30, rover__pitch_deg=30.0)      # 300 ms bad
        r.step(10, 1, rover__pitch_deg=0.0)        # one good sample resets the timer
    assert r.fp.monitor_state("pitch") == GREEN


def test_low_side_nan_and_wrong_type_trip():
    r = Rig()
    r.step(10, 60, rover__pitch_deg=-21.0)
    assert r.events("FP_MONITOR_TRIPPED")[-1].args["limit"] == -20.0
    for bad in (math.nan, "garbage"):
        r = Rig()
        r.step(10, 60, rover__pitch_deg=bad)
        assert r.fp.monitor_state("pitch") == TRIPPED, bad


def test_staleness_and_unknown():
    r = Rig()
    r.step(10, 500)                                # nothing ever published
    assert r.fp.monitor_state("pitch") == UNKNOWN and r.fp.monitor_state("hb") == UNKNOWN
    assert r.fp.monitor_state("beat") == UNKNOWN and r.events("FP_MONITOR_TRIPPED") == []
    r.step(rover__pitch_deg=1.0)
    assert r.fp.monitor_state("pitch") == GREEN
    r.step(10, 200)                                # 2000 ms without a sample
    assert r.fp.monitor_state("pitch") == GREEN
    r.step(10, 1)
    assert r.fp.monitor_state("pitch") == STALE
    ev = r.events("FP_MONITOR_TRIPPED")[-1]
    assert ev.args["value"] == 2010 and ev.args["limit"] == 2000 and "no rover.pitch_deg sample" in ev.message
    r.step(rover__pitch_deg=1.0)
    assert r.fp.monitor_state("pitch") == GREEN and r.events("FP_MONITOR_CLEARED")


def test_staleness_kind():
    r = Rig()
    r.step(board__heartbeat=1)
    r.step(10, 30)
    assert r.fp.monitor_state("beat") == GREEN
    r.step(10, 1)
    assert r.fp.monitor_state("beat") == TRIPPED
    r.step(board__heartbeat=2)
    assert r.fp.monitor_state("beat") == GREEN


def test_required_channel_that_never_appears():
    text = SIMPLE.replace('[monitors.hb]\n', '[monitors.hb]\nrequired = true\n')
    r = Rig(text)
    r.step(10, 200)
    assert r.fp.monitor_state("hb") == UNKNOWN
    r.step(10, 1)
    assert r.fp.monitor_state("hb") == STALE


def test_limit_set_switching():
    r = Rig(limit_set="BENCH")
    assert r.bus.value("fp.limit_set") == "BENCH"
    r.step(10, 11, rover__pitch_deg=12.0)          # BENCH: |pitch| > 10 for 100 ms
    assert r.fp.monitor_state("pitch") == TRIPPED
    r.fp.set_limit_set("FLIGHT")
    assert r.bus.value("fp.limit_set") == "FLIGHT"
    r.step(10, 101, rover__pitch_deg=12.0)         # fine under FLIGHT: clears after clear_ms
    assert r.fp.monitor_state("pitch") == GREEN
    with pytest.raises(ValueError, match="unknown limit set 'LAB'; table t has: FLIGHT, BENCH"):
        r.fp.set_limit_set("LAB")
    assert r.fp.limit_set == "FLIGHT"


# -- responses ------------------------------------------------------------------------

def test_active_response_dispatches_once_per_onset():
    r = Rig()
    r.step(10, 60, rover__pitch_deg=30.0)
    assert r.disp.names == ["tilt"]
    spec = r.disp.calls[0]
    assert (spec.sequence, spec.mode) == ("safe_stop", "SAFE")
    (ev,) = r.events("FP_RESPONSE_FIRED")
    assert (ev.args["response"], ev.args["sequence"], ev.args["mode"]) == ("tilt", "safe_stop", "SAFE")
    assert ev.severity == "WARN" and ev.message.startswith("response tilt fired: running safe_stop -> SAFE")
    assert r.bus.value("fp.responses.fired") == 1
    r.step(10, 1000, rover__pitch_deg=30.0)        # still tilted 10 s later: no repeat
    assert r.disp.names == ["tilt"]


def test_cooldown_holds_back_then_fires_if_still_true():
    r = Rig()
    r.step(10, 60, rover__pitch_deg=30.0)          # fires at t=510
    r.step(10, 101, rover__pitch_deg=0.0)          # clears (1000 ms)
    r.step(10, 60, rover__pitch_deg=30.0)          # trips again ~2120, inside the 5 s cooldown
    assert r.fp.monitor_state("pitch") == TRIPPED and r.disp.names == ["tilt"]
    r.step(10, 350, rover__pitch_deg=30.0)         # cooldown ends at 5510 -> fires then
    assert r.disp.names == ["tilt", "tilt"]
    assert r.events("FP_RESPONSE_FIRED")[-1].t_ms == 5510


def test_cooldown_drops_a_condition_gone_before_it_ends():
    r = Rig()
    r.step(10, 60, rover__pitch_deg=30.0)
    r.step(10, 101, rover__pitch_deg=0.0)
    r.step(10, 60, rover__pitch_deg=30.0)
    r.step(10, 101, rover__pitch_deg=0.0)
    r.step(10, 600, rover__pitch_deg=0.0)
    assert r.disp.names == ["tilt"]


def test_passive_logs_only_and_disabled_does_nothing():
    r = Rig()
    r.step(10, 2, rover__nav_state="FAILED", link__payload__heartbeat_age_ms=5000)
    assert r.fp.monitor_state("nav") == TRIPPED and r.fp.monitor_state("hb") == TRIPPED
    assert r.disp.calls == []
    assert r.events("FP_RESPONSE_FIRED") == []
    (ev,) = r.events("FP_RESPONSE_LOGGED")
    assert ev.args["response"] == "nav_log" and ev.message.startswith("PASSIVE") and ev.severity == "INFO"
    assert r.bus.value("fp.responses.logged") == 1 and r.bus.value("fp.responses.fired") == 0


def test_enabling_a_response_whose_condition_holds_fires_it():
    r = Rig()
    r.step(10, 2, link__payload__heartbeat_age_ms=5000)
    assert r.disp.calls == []
    r.fp.set_response_state("lost", "ACTIVE")      # the dictionary spells states in capitals
    assert r.bus.value("fp.response.lost.state") == ACTIVE
    r.step()
    assert r.disp.names == ["lost"]
    r.fp.set_response_state("lost", DISABLED)
    r.fp.set_response_state("nav_log", ACTIVE)
    r.step(rover__nav_state="FAILED")
    assert r.disp.names == ["lost", "nav_log"]
    with pytest.raises(KeyError, match="unknown response 'nope'"):
        r.fp.set_response_state("nope", PASSIVE)
    with pytest.raises(ValueError, match="must be one of active, passive, disabled"):
        r.fp.set_response_state("lost", "armed")


def test_dispatcher_error_is_reported_not_raised():
    clock = SimClock()
    bus = TelemetryBus(clock)

    def broken(spec):
        raise RuntimeError("fault slot busy")
    fp = FaultProtection(bus, clock, loads_table(SIMPLE), broken)
    for _ in range(60):
        clock.advance(10)
        bus.publish("rover.pitch_deg", 40.0)
        fp.update()
    fired = [(e.name, e.severity) for e in bus.events if e.name.startswith("FP_RESPONSE")]
    assert fired == [("FP_RESPONSE_FIRED", "WARN"), ("FP_RESPONSE_FAILED", "ERROR")]
    assert "fault slot busy" in bus.events[-1].message


# -- tables -----------------------------------------------------------------------------

def _bad(old, new, count=1):
    assert old in SIMPLE
    return SIMPLE.replace(old, new, count)


@pytest.mark.parametrize("text, fragment", [
    (_bad('channel = "rover.pitch_deg"', "channel = 5"),
     "t.toml: monitors.pitch: channel must be a string naming a telemetry channel"),
    (_bad('when = "pitch"', 'when = "pitch or roll"'),
     "t.toml: responses.tilt: when = 'pitch or roll': col 10: unknown monitor 'roll'"),
    (_bad('when = "pitch"', 'when = "pitch or"'),
     "t.toml: responses.tilt: when = 'pitch or': col 9: expected a monitor name"),
    (_bad("limits.BENCH", "limits.BENCHH"),
     "t.toml: monitors.pitch.limits.BENCHH: unknown limit set 'BENCHH'; declared: FLIGHT, BENCH"),
    (_bad('limit_sets = ["FLIGHT", "BENCH"]', 'limit_sets = ["FLIGHT", "BENCH"]\ndefault_limit_set = "LAB"'),
     "t.toml: default_limit_set: unknown limit set 'LAB'"),
    (_bad("persist_ms = 500", "persist_ms = -5"),
     "t.toml: monitors.pitch: persist_ms must be an integer >= 0 ms, got -5"),
    (_bad("persist_ms = 100", "persist_ms = -1"),
     "t.toml: monitors.pitch.limits.BENCH: persist_ms must be an integer >= 0 ms, got -1"),
    (_bad('kind = "range"', 'kind = "between"'), "monitors.pitch: kind must be one of range, equals, staleness"),
    (_bad("low = -20.0", "lo = -20.0"), "monitors.pitch: unknown key 'lo'"),
    (_bad("low = -20.0\nhigh = 20.0", "low = 20.0\nhigh = -20.0"), "monitors.pitch: low 20.0 > high -20.0"),
    (_bad('mode = "SAFE"', 'mode = "SAFER"'), "responses.tilt: unknown mode 'SAFER'"),
    (_bad('state = "passive"', 'state = "loud"'), "responses.nav_log: state must be one of"),
    (_bad('value = "FAILED"', "max_age_ms = 5"), "monitors.nav: max_age_ms does not apply to a equals monitor"),
    (_bad("[monitors.beat]", "[monitors.or]"), "monitors.or: 'or' is not a usable name"),
    (_bad("high = 20.0", "high = 20.0\n[monitors.pitch.x]"), "monitors.pitch: unknown key 'x'"),
    ("limit_sets = [", "t.toml: not valid TOML"),
])
def test_table_errors_name_file_entry_and_problem(text, fragment):
    with pytest.raises(TableError) as exc:
        loads_table(text, source="t.toml")
    assert fragment in str(exc.value)


def test_first_error_in_document_order_is_named():
    text = _bad("persist_ms = 500", "persist_ms = -5")
    text = text.replace('when = "pitch"', 'when = "pitch or"')
    with pytest.raises(TableError, match="monitors.pitch: persist_ms"):
        loads_table(text, source="t.toml")


def test_channel_types_from_the_dictionary():
    types = {"rover.pitch_deg": "f32", "rover.nav_state": "str",
             "link.payload.heartbeat_age_ms": "u32", "board.heartbeat": "u32"}
    loads_table(SIMPLE, channel_types=types)
    with pytest.raises(TableError, match="range monitor on channel 'rover.pitch_deg' of type str"):
        loads_table(SIMPLE, channel_types={**types, "rover.pitch_deg": "str"})
    with pytest.raises(TableError, match="value 'FAILED' .* does not fit channel 'rover.nav_state' of type int"):
        loads_table(SIMPLE, channel_types={**types, "rover.nav_state": "u8"})
    with pytest.raises(TableError, match="'board.heartbeat' is not in the telemetry dictionary"):
        loads_table(SIMPLE, channel_types={k: v for k, v in types.items() if k != "board.heartbeat"})


def test_missing_sequence_file_and_unreadable_table(tmp_path):
    (tmp_path / "safe_stop.seq").write_text("STOP\n")
    p = tmp_path / "t.toml"
    p.write_text(SIMPLE.replace('sequence = "safe_stop"\nmode = "SAFE"\ncooldown_ms = 5000',
                                'sequence = "tumble"\nmode = "SAFE"\ncooldown_ms = 5000'))
    with pytest.raises(TableError, match=r"t.toml: responses.tilt: response sequence 'tumble' not found"):
        load_table(p, sequences_dir=tmp_path)
    with pytest.raises(TableError, match="cannot read table"):
        load_table(tmp_path / "missing.toml")


def test_loads_are_all_or_nothing():
    r = Rig()
    r.step(10, 60, rover__pitch_deg=30.0)
    before = (r.fp.table, r.fp.limit_set, r.fp.monitor_states)
    with pytest.raises(TableError):
        r.fp.load(loads_table(_bad("persist_ms = 500", "persist_ms = -5")))
    with pytest.raises(ValueError, match="unknown limit set"):
        r.fp.load(loads_table(SIMPLE), limit_set="LAB")
    assert (r.fp.table, r.fp.limit_set, r.fp.monitor_states) == before
    r.fp.load(loads_table(SIMPLE.replace('name = "t"', 'name = "t2"')))
    ev = r.events("FP_TABLE_LOADED")[-1]
    assert ev.args == {"table": "t2", "monitors": 4, "responses": 3, "limit_set": "FLIGHT"}


# -- the built-in table ---------------------------------------------------------------------

NOMINAL = {"rover.pitch_deg": 2.0, "rover.roll_deg": -1.0, "rover.stalled_wheels": 0,
           "rover.nav_state": "IDLE", "power.soc_pct": 80.0, "power.battery_v": 28.0,
           "thermal.ebox_c": 15.0}


class Builtin:
    """Default table on the simulator's channel set (no board heartbeats)."""

    def __init__(self, limit_set=None, with_modes=False):
        self.clock = SimClock()
        self.bus = TelemetryBus(self.clock)
        self.rec = RecordingDispatcher()
        disp = self.rec
        if with_modes:
            self.modes = ModeManager(self.bus, self.clock)
            self.modes.request_mode("IDLE", "boot complete")
            disp = ModeDispatcher(self.modes, also=self.rec)
        self.fp = FaultProtection(self.bus, self.clock, load_default_table(), disp, limit_set=limit_set)
        self.values = dict(NOMINAL)

    def run(self, ms, **changes):
        self.values.update({k.replace("__", "."): v for k, v in changes.items()})
        for _ in range(ms // 10):
            self.clock.advance(10)
            self.bus.publish_many(self.values)
            self.fp.update()


def test_default_table_loads_and_is_quiet_when_nominal():
    b = Builtin()
    b.run(120_000)
    assert b.rec.calls == [] and [e for e in b.bus.events if e.name == "FP_RESPONSE_FIRED"] == []
    assert b.fp.monitor_state("hb_mobility") == UNKNOWN     # absent on the simulator: never trips
    assert b.fp.monitor_state("hb_payload") == UNKNOWN
    assert b.fp.monitor_state("tilt_pitch") == GREEN


@pytest.mark.parametrize("changes, ms, response, sequence, mode", [
    ({"rover__roll_deg": 22.0}, 1000, "tilt", "safe_stop", "SAFE"),
    ({"rover__pitch_deg": -21.0}, 1000, "tilt", "safe_stop", "SAFE"),
    ({"rover__stalled_wheels": 1}, 500, "stall", "safe_stop", "SAFE"),
    ({"power__soc_pct": 15.0}, 6000, "battery_low", "survival", "SURVIVAL"),
    ({"thermal__ebox_c": -12.0}, 11000, "ebox_heat", "cold", None),
    ({"link__mobility__heartbeat_age_ms": 1500}, 100, "heartbeat_lost", "safe_stop", "SAFE"),
])
def test_each_builtin_response_fires(changes, ms, response, sequence, mode):
    b = Builtin()
    b.run(1000)
    b.run(ms, **changes)
    assert b.rec.names == [response]
    assert (b.rec.calls[0].sequence, b.rec.calls[0].mode) == (sequence, mode)
    assert b.rec.calls[0].sequence_path.is_file()


def test_builtin_freezing_goes_to_survival_after_heaters():
    b = Builtin(with_modes=True)
    b.run(11_000, thermal__ebox_c=-35.0)
    assert b.rec.names == ["ebox_freezing"]      # heat response is "cool and not cold"
    assert b.modes.mode == "SURVIVAL"


def test_builtin_heartbeat_goes_stale_once_seen():
    b = Builtin()
    b.run(1000, link__payload__heartbeat_age_ms=20)
    del b.values["link.payload.heartbeat_age_ms"]     # the link layer stops reporting
    b.run(2100)
    assert b.fp.monitor_state("hb_payload") == STALE and b.rec.names == ["heartbeat_lost"]


def test_builtin_tilt_to_safe_through_modes_and_bench_limits():
    b = Builtin(with_modes=True)
    b.run(100)
    assert b.modes.request_mode("DRIVE", "traverse").ok
    b.run(1000, rover__pitch_deg=23.0)
    assert b.modes.mode == "SAFE"
    b = Builtin(limit_set="BENCH")
    b.run(1000, rover__pitch_deg=12.0)            # fine in FLIGHT, falling off the stand on a bench
    assert b.rec.names == ["tilt"]


def test_builtin_passive_responses_only_log():
    b = Builtin()
    b.run(6000, power__battery_v=22.0, rover__nav_state="FAILED")
    assert b.rec.calls == []
    logged = {e.args["response"] for e in b.bus.events if e.name == "FP_RESPONSE_LOGGED"}
    assert logged == {"battery_undervolt", "nav_failed"}


def test_default_table_matches_dictionary_channel_types():
    from common.dictionary import DEFAULT_PATH
    doc = tomllib.loads(Path(DEFAULT_PATH).read_text(encoding="utf-8"))
    types = {t["name"]: t["type"] for t in doc["telemetry"]}
    assert len(types) > 20
    load_default_table(channel_types=types)


def test_response_sequences_pass_the_sequence_checker(tmp_path):
    from flight.seq import loader as seq
    load_default_table(sequence_checker=seq.check_sequence)
    (tmp_path / "safe_stop.seq").write_text("STOP\nSET_MODE mode=NAPTIME\n")
    p = tmp_path / "t.toml"
    p.write_text(SIMPLE)
    with pytest.raises(TableError, match="responses.tilt: response sequence safe_stop.seq: "):
        load_table(p, sequences_dir=tmp_path, sequence_checker=seq.check_sequence)


def test_perf_fault_reports_the_cost_of_the_default_table():
    """`rover perf fault --json`: one JSON object last, with the default
    table's monitor count (the figure itself is not judged here)."""
    import json
    from click.testing import CliRunner
    from ground.cli.main import cli
    from ground.perf_fault import measure_fault_update

    r = measure_fault_update(cycles=50)
    assert r["cycles"] == 50 and r["us_per_cycle"] > 0
    assert r["monitors"] == len(load_default_table().monitors)
    out = CliRunner().invoke(cli, ["perf", "fault", "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.output.strip().splitlines()[-1])
    assert set(d) >= {"us_per_cycle", "monitors", "cycle_budget_us_at_1000x", "share_of_budget"}


# -- mode gates ------------------------------------------------------------------------

GATED = """
name = "g"
limit_sets = ["FLIGHT"]

[monitors.sun]
channel = "printer.sun_ok"
kind = "range"
low = 1
persist_ms = 1000
modes = ["PRINT"]

[monitors.hot]
channel = "thermal.ebox_c"
kind = "range"
high = 45.0
persist_ms = 500

[responses.pause]
when = "sun or hot"
sequence = "print_pause"
modes = ["PRINT"]
"""


def test_gated_monitor_judges_only_in_its_modes():
    r = Rig(GATED)
    r.step(100, 50, mode="DRIVE", printer__sun_ok=0, thermal__ebox_c=20.0)   # night on a traverse
    assert r.fp.monitor_state("sun") == UNKNOWN and r.events("FP_MONITOR_TRIPPED") == []
    r.step(100, 9, mode="PRINT")               # the debounce starts on entering PRINT
    assert r.fp.monitor_state("sun") == GREEN
    r.step(100, 2)
    assert r.fp.monitor_state("sun") == TRIPPED and r.disp.names == ["pause"]
    r.step(100, 1, mode="IDLE")                # leaving PRINT: nothing is judged any more
    assert r.fp.monitor_state("sun") == UNKNOWN
    cleared = r.events("FP_MONITOR_CLEARED")[-1].args
    assert (cleared["monitor"], cleared["from_state"], cleared["to_state"]) == ("sun", TRIPPED, UNKNOWN)
    r.step(100, 50)
    assert r.disp.names == ["pause"]


def test_gated_response_waits_for_its_mode_then_fires_if_still_due():
    r = Rig(GATED)
    r.step(100, 20, mode="DRIVE", printer__sun_ok=1, thermal__ebox_c=50.0)
    assert r.fp.monitor_state("hot") == TRIPPED    # an ungated monitor still says the box is hot
    assert r.disp.names == [] and r.events("FP_RESPONSE_FIRED") == []
    r.step(100, 1, mode="PRINT")                   # the mode change alone makes it due
    assert r.disp.names == ["pause"]
    r.step(100, 1, mode="IDLE")
    r.step(100, 10, thermal__ebox_c=20.0)          # the box cools (clear_ms 500)
    assert r.fp.monitor_state("hot") == GREEN
    r.step(100, 20, mode="PRINT")                  # cool box, sun fine: nothing to do
    assert r.disp.names == ["pause"]


@pytest.mark.parametrize("old, new, fragment", [
    ('modes = ["PRINT"]\n\n[monitors.hot]', 'modes = "PRINT"\n\n[monitors.hot]',
     "monitors.sun: modes must be a non-empty list of flight modes"),
    ('modes = ["PRINT"]\n\n[monitors.hot]', 'modes = []\n\n[monitors.hot]',
     "monitors.sun: modes must be a non-empty list"),
    ('sequence = "print_pause"\nmodes = ["PRINT"]', 'sequence = "print_pause"\nmodes = ["PRINTING"]',
     "responses.pause: modes: unknown mode 'PRINTING'; valid modes:"),
    ('modes = ["PRINT"]\n\n[monitors.hot]', 'modes = ["PRINT"]\nrequired = true\nstale_ms = 100\n\n[monitors.hot]',
     "monitors.sun: required = true and modes cannot go together"),
])
def test_mode_gate_errors(old, new, fragment):
    assert old in GATED
    with pytest.raises(TableError) as exc:
        loads_table(GATED.replace(old, new, 1), source="g.toml")
    assert fragment in str(exc.value)


def test_builtin_printer_responses_stay_quiet_on_a_night_traverse():
    """No print job heats outside PRINT: the sun, hopper and e-box conditions of
    a print (printer.sun_ok 0 at night, an empty hopper, a hot box) fire no
    print response while driving; the same conditions in PRINT do."""
    b = Builtin()
    night = dict(mode="DRIVE", printer__sun_ok=0, printer__hopper_pct=0.0, thermal__ebox_c=50.0)
    b.run(60_000, **night)
    fired = [e.args["response"] for e in b.bus.events if e.name == "FP_RESPONSE_FIRED"]
    tripped = {e.args["monitor"] for e in b.bus.events if e.name == "FP_MONITOR_TRIPPED"}
    assert fired == [] and b.rec.calls == []
    assert tripped == {"ebox_hot"}               # a hot box is still reported in any mode
    assert b.fp.monitor_state("print_sun") == UNKNOWN and b.fp.monitor_state("print_hopper") == UNKNOWN
    b.run(2000, mode="PRINT")
    assert b.rec.names == ["print_pause", "print_hopper_empty"]
