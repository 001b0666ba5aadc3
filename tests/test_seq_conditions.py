"""Condition evaluation: units, enums, three-valued logic and missing telemetry."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from common.clock import SimClock
from common.dictionary import default_dictionary
from flight.seq import compile_condition, parse_sequence, render
from flight.tlm.bus import TelemetryBus

D = default_dictionary()


def cond(text, bindings=None):
    seq, errors = parse_sequence(f"check {text}\n", "c.seq")
    assert errors == [], errors
    return compile_condition(seq.body[0].cond, D, bindings)


def test_units_are_converted_at_compile_time():
    c = cond("rover.speed_mps < 1 cm/s")
    assert c.evaluate({"rover.speed_mps": 0.009}.get) is True
    assert c.evaluate({"rover.speed_mps": 0.011}.get) is False
    assert cond("rover.speed_mps <= 36 m/h").evaluate({"rover.speed_mps": 0.01}.get) is True
    assert cond("thermal.ebox_c > 273.15 K").evaluate({"thermal.ebox_c": 0.5}.get) is True
    assert cond("rover.yaw_deg > 3.14159 rad").evaluate({"rover.yaw_deg": 179.0}.get) is False


def test_bare_numbers_are_in_the_channel_unit():
    c = cond("rover.x_m >= 5")
    assert c.evaluate({"rover.x_m": 5.0}.get) and not c.evaluate({"rover.x_m": 4.99}.get)


def test_enum_and_string_literals():
    for text in ("mode == DRIVE", 'mode == "DRIVE"'):
        c = cond(text)
        assert c.evaluate({"mode": "DRIVE"}.get) and not c.evaluate({"mode": "IDLE"}.get)
    assert cond("mode != SAFE").evaluate({"mode": "IDLE"}.get)


def test_boolean_logic_and_precedence():
    # not > and > or
    c = cond("rover.x_m > 1 or rover.y_m > 1 and not rover.x_m < 0")
    assert c.evaluate({"rover.x_m": 2, "rover.y_m": 0}.get)
    assert not c.evaluate({"rover.x_m": 0, "rover.y_m": 0}.get)
    assert c.evaluate({"rover.x_m": 0, "rover.y_m": 2}.get)
    assert cond("true").evaluate(lambda n: None) and not cond("false").evaluate(lambda n: None)


def test_missing_telemetry_is_unknown_and_reported():
    c = cond("rover.x_m > 1 and power.soc_pct > 50 %")
    assert c.evaluate3({"rover.x_m": 2}.get) == (None, frozenset({"power.soc_pct"}))
    assert c.evaluate({"rover.x_m": 2}.get) is False
    assert c.last_missing == frozenset({"power.soc_pct"})
    # false AND unknown is false; true OR unknown is true (Kleene logic)
    assert c.evaluate3({"rover.x_m": 0}.get) == (False, frozenset({"power.soc_pct"}))
    o = cond("rover.x_m > 1 or power.soc_pct > 50")
    assert o.evaluate3({"rover.x_m": 2}.get)[0] is True
    assert cond("not rover.x_m > 1").evaluate3({}.get) == (None, frozenset({"rover.x_m"}))

    def raising(name):
        raise KeyError(name)
    assert cond("mode == DRIVE").evaluate3(raising) == (None, frozenset({"mode"}))


def test_wrong_runtime_type_is_unknown_not_a_crash():
    assert cond("rover.x_m > 1").evaluate3({"rover.x_m": "oops"}.get)[0] is None


def test_param_bindings():
    from flight.seq import nodes as N
    seq, errs = parse_sequence("sequence s(lim: m = 1 m)\n  check rover.x_m > $lim\nend\n", "p.seq")
    assert errs == []
    expr = seq.subsequence("s").body[0].cond
    c = compile_condition(expr, D, {"lim": N.Num(0.5, "m", "p.seq", 1, 1)})
    assert c.evaluate({"rover.x_m": 0.6}.get) and not c.evaluate({"rover.x_m": 0.4}.get)


def test_works_with_the_bus():
    bus = TelemetryBus(SimClock())
    c = cond("rover.stalled_wheels == 0")
    assert c.evaluate3(bus.values.get) == (None, frozenset({"rover.stalled_wheels"}))
    bus.publish("rover.stalled_wheels", 0)
    assert c.evaluate(bus.values.get)


def test_render_round_trips_through_the_parser():
    text = 'not (rover.x_m > 1 m) and (mode == DRIVE or mode != "IDLE")'
    c = cond(text)
    again = cond(c.text)
    assert render(again.expr) == c.text
    assert c.names == {"rover.x_m", "mode"}


def test_no_python_eval_of_names():
    seq, errs = parse_sequence("check __import__ == 1\n", "x.seq")
    assert errs and "unknown telemetry channel '__import__'" in errs[0].message


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False))
def test_comparison_matches_python_on_numbers(a, b):
    for op, fn in (("<", a.__lt__), (">=", a.__ge__), ("==", a.__eq__)):
        c = cond(f"rover.x_m {op} {b!r}")
        assert c.evaluate({"rover.x_m": a}.get) is fn(b)
