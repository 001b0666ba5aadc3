"""Differential test of the checker against the engine: for generated valid
sequences (blocks, sub-sequences with parameters handed on, every failure
policy and suffix, labels before and after the failing statements, R+ tags,
abort), whatever the checker promises holds when the engine runs them:

- the run ends within the checked bound (statements and simulated time);
- every goto resolves (no "unknown label" at run time);
- no value is out of range or unbound at run time.

Statements that fail (a check that is false, a command refused in the
current mode) are part of the point: they drive the policies."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from flight.seq import parse_sequence
from flight.system import FlightSystem
from hal import open_hal

_FS = []

FORBIDDEN = ("unknown label", "not bound", "out of range", "unsupported statement",
             "checked bound", "checked time bound", "no sub-sequence", "missing parameter")


def flight_system():
    if not _FS:
        fs = FlightSystem(open_hal("sim://?seed=5&site=flat"), boot=False)
        fs.modes.request_mode("IDLE", "test")
        _FS.append(fs)
    return _FS[0]


def _simple():
    return st.one_of(
        st.just("NOOP"),
        st.sampled_from(["x", "y"]).map(lambda t: f'LOG text="{t}"'),
        st.sampled_from(["IDLE", "DRIVE"]).map(lambda m: f"SET_MODE mode={m}"),
        st.sampled_from(["DRIVE", "IDLE"]).map(lambda m: f"check mode == {m}"),
        st.integers(0, 1500).map(lambda ms: f"wait {ms} ms"),
        st.tuples(st.integers(0, 500), st.integers(1, 1500)).map(
            lambda t: f"wait until mode == IDLE for {min(t)} ms timeout {t[1]} ms"),
        st.integers(-20, 20).map(lambda a: f"TURN angle={a} deg"),
        st.integers(0, 60).map(lambda c: f"HEATER_SET zone=EBOX temp={c} C"),
        st.just('abort "stop here"'),
    )


def _suffix(labels_ahead, handlers):
    opts = ["", "", " ; on error continue", " ; on error abort"]
    opts += [f" ; on error goto {lab}" for lab in labels_ahead]
    opts += [f" ; on error call {h}" for h in handlers]
    return st.sampled_from(opts)


def _tag():
    return st.sampled_from(["", "", "R+200 ms ", "R+1 s "])


@st.composite
def _body(draw, depth, labels_ahead, handlers, calls, indent):
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["simple"] * 4 + ["repeat", "if", "call"]))
        pad = "    " * indent
        if kind == "repeat" and depth > 0:
            n = draw(st.integers(1, 3))
            inner = draw(_body(depth - 1, labels_ahead, handlers, calls, indent + 1))
            lines.append(f"{pad}repeat {n}{draw(_suffix(labels_ahead, handlers))}\n{inner}{pad}end")
        elif kind == "if" and depth > 0:
            cond = draw(st.sampled_from(["mode == IDLE", "mode == DRIVE", "true"]))
            a = draw(_body(depth - 1, labels_ahead, handlers, calls, indent + 1))
            b = draw(st.one_of(st.none(), _body(depth - 1, labels_ahead, handlers, calls,
                                                 indent + 1)))
            lines.append(f"{pad}if {cond}{draw(_suffix(labels_ahead, handlers))}\n{a}"
                         + (f"{pad}else\n{b}" if b else "") + f"{pad}end")
        elif kind == "call" and calls:
            call = draw(st.sampled_from(calls))
            lines.append(f"{pad}{draw(_tag())}{call}{draw(_suffix(labels_ahead, handlers))}")
        else:
            lines.append(f"{pad}{draw(_tag())}{draw(_simple())}"
                         f"{draw(_suffix(labels_ahead, handlers))}")
    return "\n".join(lines) + "\n"


@st.composite
def valid_sequences(draw):
    parts = []
    file_policy = draw(st.sampled_from(["", "on error continue", "on error abort",
                                        "on error goto mid", "on error goto tail",
                                        "on error call handler"]))
    if file_policy:
        parts.append(file_policy)
    # a handler, a leaf with a parameter that feeds a command argument, and a
    # middle sequence that hands its own parameter on to the leaf
    parts.append("sequence handler()\n    LOG text=\"handler ran\"\n    STOP\nend")
    leaf_policy = draw(st.sampled_from(["", "    on error continue\n", "    on error call handler\n"]))
    parts.append(f"sequence leaf(a: deg = 5 deg)\n{leaf_policy}"
                 f"{draw(_body(1, [], ['handler'], [], 1))}"
                 "    TURN angle=$a\nend")
    parts.append("sequence middle(b: rad = 0.1 rad)\n"
                 f"{draw(_body(1, [], [], ['call leaf(a=$b)'], 1))}"
                 "    call leaf(a=$b)\nend")
    calls = ["call leaf", "call middle",
             f"call leaf(a={draw(st.integers(-300, 300))} deg)",
             f"call middle(b={draw(st.integers(-5, 5))} rad)"]
    parts.append(draw(_body(2, ["mid", "tail"], ["handler"], calls, 0)).rstrip("\n"))
    parts.append("label mid")
    parts.append(draw(_body(1, ["tail"], ["handler"], calls, 0)).rstrip("\n"))
    parts.append("label tail")
    parts.append(draw(_body(0, [], ["handler"], calls, 0)).rstrip("\n"))
    return "\n".join(parts) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(valid_sequences())
def test_checker_promises_hold_when_the_engine_runs(text):
    seq, errors = parse_sequence(text, "diff.seq")
    assert errors == [], text + "\n".join(map(str, errors))
    fs = flight_system()
    slot = fs.sequencer.start("mobility", seq)
    bound = slot.bound
    assert bound is not None
    limit_ms = bound.max_sim_ms(fs.cycle_ms)
    t0 = fs.clock.now_ms()
    finished = fs.run_until(lambda: not slot.busy, limit_ms + fs.cycle_ms)
    assert finished, f"still {slot.state.value} after its bound of {limit_ms} ms:\n{text}"
    assert fs.clock.now_ms() - t0 <= limit_ms
    assert slot.steps <= bound.statements
    for f in slot.failures + [slot.reason]:
        assert not any(bad in f for bad in FORBIDDEN), f"{f}\n{text}"
    # leave the rover still for the next example
    fs.executor.dispatch(fs.dictionary.command("STOP").command(), source="ground")
    fs.run_until(lambda: not fs.executor.active, 30_000)
