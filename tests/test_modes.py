"""Mode manager: table, guards, refusals and their events, action order."""
import re
from pathlib import Path

import pytest

from common.clock import SimClock
from flight.modes import (
    BOOT, DRIVE, IDLE, MODES, PRINT, SAFE, SURVIVAL, TRANSITIONS, GuardLimits, ModeManager,
    Transition, UnknownModeError,
)
from flight.modes.table import TransitionTableError, render_markdown, validate_transitions
from flight.tlm.bus import TelemetryBus

GUARDS = ["no_stall", "tilt_ok", "soc_ok", "rover_stopped", "survival_exit_ok", "printer_ready"]
DOCS = Path(__file__).resolve().parents[1] / "docs" / "modes.md"

NOMINAL = {"rover.pitch_deg": 2.0, "rover.roll_deg": -1.0, "rover.stalled_wheels": 0,
           "power.soc_pct": 80.0, "thermal.ebox_c": 15.0, "rover.nav_state": "IDLE",
           "printer.head_fault": 0}


@pytest.fixture
def rig():
    clock = SimClock(1000)
    bus = TelemetryBus(clock)
    bus.publish_many(NOMINAL)
    return clock, bus, ModeManager(bus, clock)


def events(bus, name):
    return [e for e in bus.events if e.name == name]


def to_idle(m):
    assert m.request_mode(IDLE, "boot complete").ok


# -- table ----------------------------------------------------------------------

def test_starts_in_boot_and_publishes_mode(rig):
    clock, bus, m = rig
    assert m.mode == BOOT
    assert bus.value("mode") == BOOT and bus.value("mode.since_ms") == 1000


def test_safe_reachable_from_every_mode_without_guards():
    edges = {(t.src, t.dst): t for t in TRANSITIONS}
    for mode in MODES:
        if mode != SAFE:
            assert edges[(mode, SAFE)].guards == ()


def test_no_direct_drive_print_edges():
    pairs = {(t.src, t.dst) for t in TRANSITIONS}
    assert (DRIVE, PRINT) not in pairs and (PRINT, DRIVE) not in pairs


@pytest.mark.parametrize("bad, match", [
    ((Transition(IDLE, SAFE, ("soc_ok",)),), "SAFE must never be refusable"),
    ((Transition(DRIVE, PRINT),), "DRIVE and PRINT"),
    ((Transition(IDLE, DRIVE, ("nope",)),), "unknown guard 'nope'"),
    ((Transition(IDLE, "PARTY"),), "unknown mode 'PARTY'"),
    ((Transition(IDLE, SAFE), Transition(IDLE, SAFE)), "declared twice"),
])
def test_table_validation_names_the_broken_rule(bad, match):
    rows = [t for t in TRANSITIONS if (t.src, t.dst) not in {(b.src, b.dst) for b in bad}] + list(bad)
    with pytest.raises(TransitionTableError, match=match):
        validate_transitions(rows, GUARDS)


def test_table_without_a_safe_edge_is_rejected():
    rows = [t for t in TRANSITIONS if (t.src, t.dst) != (PRINT, SAFE)]
    with pytest.raises(TransitionTableError, match="no transition PRINT->SAFE"):
        validate_transitions(rows, GUARDS)


def test_docs_table_matches_data():
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(r"<!-- transitions:begin -->\n(.*?)<!-- transitions:end -->", text, re.S)
    assert m, "docs/modes.md lacks the transitions markers"
    assert m.group(1) == render_markdown(), "regenerate with: python -m flight.modes"


# -- requests -------------------------------------------------------------------

def test_change_publishes_and_emits(rig):
    clock, bus, m = rig
    clock.advance(250)
    res = m.request_mode(IDLE, "boot complete")
    assert res.ok and res.reason == "boot complete"
    assert m.mode == IDLE and bus.value("mode") == IDLE and bus.value("mode.since_ms") == 1250
    (ev,) = events(bus, "MODE_CHANGED")
    assert ev.args == {"from_mode": BOOT, "to_mode": IDLE, "reason": "boot complete"}
    assert ev.t_ms == 1250


def test_same_mode_is_a_quiet_success(rig):
    _, bus, m = rig
    to_idle(m)
    n = len(bus.events)
    assert m.request_mode("IDLE", "again") == (True, "already in IDLE")
    assert len(bus.events) == n


def test_missing_edge_is_refused_with_reachable_list(rig):
    _, bus, m = rig
    res = m.request_mode(DRIVE, "go")
    assert not res.ok
    assert "no transition BOOT->DRIVE" in res.reason and "IDLE" in res.reason
    (ev,) = events(bus, "MODE_REFUSED")
    assert ev.args == {"from_mode": BOOT, "to_mode": DRIVE, "reason": res.reason}
    assert ev.severity == "WARN"
    assert m.mode == BOOT and bus.value("mode") == BOOT


def test_unknown_mode_lists_valid_ones(rig):
    _, _, m = rig
    with pytest.raises(UnknownModeError, match="valid modes: BOOT, SAFE, IDLE, DRIVE, PRINT, SURVIVAL"):
        m.request_mode("WARP", "why not")
    with pytest.raises(UnknownModeError):
        m.register_entry("NAP", lambda c: None)
    with pytest.raises(UnknownModeError):
        m.allows(["IDLE", "NAP"])


def test_mode_names_are_case_insensitive(rig):
    _, _, m = rig
    assert m.request_mode("idle", "typed in lower case").ok and m.mode == IDLE


# -- guards ---------------------------------------------------------------------

@pytest.mark.parametrize("channel, value, fragment", [
    ("rover.pitch_deg", 16.0, "tilt_ok: tilt 16.0 deg"),
    ("rover.roll_deg", -17.5, "tilt_ok: tilt 17.5 deg"),
    ("rover.stalled_wheels", 1, "no_stall: wheel stall latched"),
    ("power.soc_pct", 25.0, "soc_ok: battery 25.0 % below 30 %"),
    ("power.soc_pct", float("nan"), "soc_ok: power.soc_pct=nan is not a finite number"),
])
def test_drive_entry_guards(rig, channel, value, fragment):
    _, bus, m = rig
    to_idle(m)
    bus.publish(channel, value)
    res = m.request_mode(DRIVE, "traverse")
    assert not res.ok and fragment in res.reason
    assert events(bus, "MODE_REFUSED")[-1].args["reason"] == res.reason
    assert m.mode == IDLE


def test_guard_refuses_when_telemetry_missing():
    clock = SimClock()
    bus = TelemetryBus(clock)
    m = ModeManager(bus, clock)
    to_idle(m)
    res = m.request_mode(DRIVE, "x")
    assert not res.ok and "has never been published" in res.reason


def test_drive_allowed_when_nominal(rig):
    _, _, m = rig
    to_idle(m)
    assert m.request_mode(DRIVE, "traverse").ok


def test_print_requires_stopped_rover(rig):
    _, bus, m = rig
    to_idle(m)
    bus.publish("rover.nav_state", "DRIVING")
    res = m.request_mode(PRINT, "brick 1")
    assert not res.ok and "rover_stopped: rover is moving" in res.reason
    bus.publish("rover.nav_state", "IDLE")
    assert m.request_mode(PRINT, "brick 1").ok


def test_drive_and_print_exclusive(rig):
    _, _, m = rig
    to_idle(m)
    assert m.request_mode(PRINT, "brick").ok
    res = m.request_mode(DRIVE, "go")
    assert not res.ok and "no transition PRINT->DRIVE" in res.reason
    assert m.request_mode(IDLE, "done").ok and m.request_mode(DRIVE, "go").ok
    assert not m.request_mode(PRINT, "brick").ok


def test_print_needs_a_ready_printer(rig):
    _, bus, m = rig
    to_idle(m)
    bus.publish("printer.head_fault", 3)
    res = m.request_mode(PRINT, "brick")
    assert not res.ok and "head's guard is latched (printer.head_fault=3)" in res.reason
    bus.publish_many({"printer.head_fault": 0, "thermal.ebox_c": 42.0})
    res = m.request_mode(PRINT, "brick")
    assert not res.ok and "electronics 42.0 C above 40 C" in res.reason
    bus.publish("thermal.ebox_c", 20.0)
    assert m.request_mode(PRINT, "brick").ok


def test_print_refused_without_a_printer():
    clock = SimClock(1000)
    bus = TelemetryBus(clock)
    bus.publish_many({k: v for k, v in NOMINAL.items() if k != "printer.head_fault"})
    m = ModeManager(bus, clock)
    to_idle(m)
    res = m.request_mode(PRINT, "brick")
    assert not res.ok and "printer.head_fault has never been published" in res.reason


def test_survival_exit_needs_charge_and_warmth(rig):
    _, bus, m = rig
    assert m.request_mode(SURVIVAL, "cold start").ok
    bus.publish_many({"power.soc_pct": 35.0, "thermal.ebox_c": 5.0})
    res = m.request_mode(IDLE, "try")
    assert not res.ok and "below 40 %" in res.reason
    bus.publish_many({"power.soc_pct": 45.0, "thermal.ebox_c": -3.0})
    res = m.request_mode(IDLE, "try")
    assert not res.ok and "electronics -3.0 C below 0 C" in res.reason
    bus.publish("thermal.ebox_c", 1.0)
    assert m.request_mode(IDLE, "recovered").ok


def test_safe_never_refused_even_with_bad_telemetry(rig):
    _, bus, m = rig
    for mode in (BOOT, IDLE, DRIVE, PRINT, SURVIVAL):
        bus.publish_many(NOMINAL)
        m2 = ModeManager(bus, SimClock())
        if mode != BOOT:
            assert m2.request_mode(IDLE, "x").ok
            if mode != IDLE:
                assert m2.request_mode(mode, "x").ok
        bus.publish_many({"rover.pitch_deg": float("nan"), "power.soc_pct": -5.0, "rover.stalled_wheels": 6})
        assert m2.request_mode(SAFE, "panic").ok and m2.mode == SAFE


def test_custom_guard_overrides_and_broken_guard_refuses(rig):
    clock, bus, _ = rig
    m = ModeManager(bus, clock, guards={"soc_ok": lambda ctx: "operator hold"})
    to_idle(m)
    assert m.request_mode(DRIVE, "x").reason == "soc_ok: operator hold"

    def boom(ctx):
        raise RuntimeError("bug")
    m = ModeManager(bus, clock, guards={"tilt_ok": boom})
    to_idle(m)
    res = m.request_mode(DRIVE, "x")
    assert not res.ok and "tilt_ok: guard raised RuntimeError('bug')" == res.reason


def test_guard_context_is_read_only(rig):
    clock, bus, _ = rig
    seen = {}

    def peek(ctx):
        seen.update(mode=ctx.mode, target=ctx.target, soc=ctx.value("power.soc_pct"))
        assert not hasattr(ctx, "publish") and not hasattr(ctx, "emit")
        return None
    m = ModeManager(bus, clock, guards={"soc_ok": peek})
    to_idle(m)
    assert m.request_mode(DRIVE, "x").ok
    assert seen == {"mode": IDLE, "target": DRIVE, "soc": 80.0}


def test_guard_limits_are_configurable(rig):
    from flight.modes import default_guards
    clock, bus, _ = rig
    m = ModeManager(bus, clock, guards=default_guards(GuardLimits(drive_max_tilt_deg=1.0)))
    to_idle(m)
    assert "exceeds 1 deg" in m.request_mode(DRIVE, "x").reason


# -- actions --------------------------------------------------------------------

def test_entry_exit_order(rig):
    _, bus, m = rig
    log = []
    m.register_exit(BOOT, lambda c: log.append(("exit1", c.from_mode, c.to_mode, bus.value("mode"))))
    m.register_exit(BOOT, lambda c: log.append(("exit2", c.from_mode, c.to_mode, bus.value("mode"))))
    m.register_entry(IDLE, lambda c: log.append(("entry1", c.reason, m.mode, bus.value("mode"))))
    m.register_entry(IDLE, lambda c: log.append(("entry2", c.reason, m.mode, len(events(bus, "MODE_CHANGED")))))
    to_idle(m)
    assert log == [("exit1", BOOT, IDLE, BOOT), ("exit2", BOOT, IDLE, BOOT),
                   ("entry1", "boot complete", IDLE, IDLE), ("entry2", "boot complete", IDLE, 0)]
    assert len(events(bus, "MODE_CHANGED")) == 1


def test_refused_transition_runs_no_actions(rig):
    _, _, m = rig
    log = []
    m.register_exit(BOOT, lambda c: log.append("exit"))
    m.register_entry(DRIVE, lambda c: log.append("entry"))
    assert not m.request_mode(DRIVE, "x").ok
    assert log == []


def test_failing_action_is_reported_not_blocking(rig):
    _, bus, m = rig
    stopped = []

    def stop_wheels(c):
        raise IOError("mobility board not answering")
    m.register_entry(SAFE, stop_wheels)
    m.register_entry(SAFE, lambda c: stopped.append(True))
    res = m.request_mode(SAFE, "tilt")
    assert res.ok and m.mode == SAFE and stopped == [True]
    assert "entry action stop_wheels failed" in res.reason
    assert "mobility board not answering" in events(bus, "MODE_CHANGED")[-1].args["reason"]
    ev = events(bus, "MODE_ACTION_FAILED")[-1]
    assert ev.severity == "ERROR" and "mobility board not answering" in ev.message
    assert events(bus, "MODE_SAFING")[-1].severity == "WARN"


def test_reentrant_request_safe_is_queued_others_refused(rig):
    _, bus, m = rig
    results = []
    m.register_entry(IDLE, lambda c: results.append(m.request_mode(DRIVE, "nested")))
    m.register_entry(IDLE, lambda c: results.append(m.request_mode(SAFE, "entry found a fault")))
    res = m.request_mode(IDLE, "boot complete")
    assert res.ok
    assert not results[0].ok and "in progress" in results[0].reason
    assert results[1].ok and m.mode == SAFE
    changes = [(e.args["from_mode"], e.args["to_mode"]) for e in events(bus, "MODE_CHANGED")]
    assert changes == [(BOOT, IDLE), (IDLE, SAFE)]


# -- commands -------------------------------------------------------------------

def test_allows_and_check_command(rig):
    _, bus, m = rig
    to_idle(m)
    assert m.allows(["IDLE", "DRIVE"]) == (True, "")
    assert m.allows(["ALL"]).ok and m.allows("ALL").ok
    ok, why = m.allows(["DRIVE"])
    assert not ok and why == "not allowed in IDLE (allowed in: DRIVE)"
    assert events(bus, "CMD_REFUSED") == []      # allows() is pure
    res = m.check_command("DRIVE_ARC", ["DRIVE"])
    assert not res.ok
    (ev,) = events(bus, "CMD_REFUSED")
    assert ev.args == {"command": "DRIVE_ARC", "reason": why}
    assert m.check_command("STOP", ["ALL"]).ok and len(events(bus, "CMD_REFUSED")) == 1
    assert not m.allows([]).ok
