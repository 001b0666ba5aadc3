"""Sequencer engine semantics on simulated time (docs/sequencer.md)."""
import pytest
from hypothesis import given, settings, strategies as st

from flight.seq import parse_sequence
from flight.seq.engine import SequencerError, SlotState
from flight.system import FlightSystem
from hal import open_hal


@pytest.fixture(scope="module")
def hal_url():
    return "sim://?seed=3&site=flat"


def make_fs(url="sim://?seed=3&site=flat"):
    fs = FlightSystem(open_hal(url), boot=False)
    fs.modes.request_mode("IDLE", "test")
    return fs


def seq(text, name="t"):
    s, errors = parse_sequence(text, file=f"{name}.seq")
    assert not errors, "\n".join(map(str, errors))
    return s


def run(fs, text, slot="mobility", timeout_ms=600_000):
    s = fs.sequencer.start(slot, seq(text))
    fs.run_until(lambda: not s.busy, timeout_ms)
    return s


def events(fs, name):
    return [e for e in fs.bus.events if e.name == name]


def test_relative_time_tag_counts_from_previous_completion():
    fs = make_fs()
    s = run(fs, "SET_MODE mode=DRIVE\n"
                "DRIVE_ARC distance=1 m, radius=0, speed=0.1 m/s\n"
                "R+5 s LOG text=\"after\"\n")
    assert s.state is SlotState.COMPLETED
    done = [e for e in events(fs, "CMD_COMPLETED") if e.args["command"] == "DRIVE_ARC"][0]
    log = [e for e in events(fs, "LOG") if e.message == "after"][0]
    assert done.t_ms >= 9_000                # the drive took ~10 s, not 0
    assert 5_000 <= log.t_ms - done.t_ms <= 5_200


def test_absolute_time_tag_and_late_tag_warns():
    fs = make_fs()
    s = run(fs, "A@00:00:20 LOG text=\"at20\"\nwait 10 s\nA@00:00:25 LOG text=\"late\"\n")
    assert s.state is SlotState.COMPLETED
    at20 = [e for e in events(fs, "LOG") if e.message == "at20"][0]
    assert 20_000 <= at20.t_ms <= 20_100
    (late,) = events(fs, "TIME_TAG_LATE")
    assert late.severity == "WARN" and "ms late; running now" in late.message


def test_wait_until_persistence_and_timeout_message():
    fs = make_fs()
    s = run(fs, "wait until mode == IDLE for 3 s timeout 10 s\n")
    assert s.state is SlotState.COMPLETED and fs.clock.now_ms() >= 3_000
    s = run(fs, "wait until rover.speed_mps > 1 m/s timeout 2 s\n")
    assert s.state is SlotState.ABORTED
    ev = events(fs, "WAIT_TIMEOUT")[-1]
    assert "t.seq:1:1" in ev.message and "rover.speed_mps" in ev.message


def test_check_failure_policies():
    fs = make_fs()
    s = run(fs, "check mode == DRIVE ; on error continue\nLOG text=\"went on\"\n")
    assert s.state is SlotState.COMPLETED
    assert any(e.message == "went on" for e in events(fs, "LOG"))
    s = run(fs, "on error goto recover\ncheck mode == DRIVE\nLOG text=\"skipped\"\n"
                "label recover\nLOG text=\"recovered\"\n")
    assert s.state is SlotState.COMPLETED
    msgs = [e.message for e in events(fs, "LOG")]
    assert "recovered" in msgs and "skipped" not in msgs
    s = run(fs, "on error call handler\nsequence handler()\n    LOG text=\"handled\"\nend\n"
                "check mode == DRIVE\nLOG text=\"never\"\n")
    assert s.state is SlotState.FAILED and "handled by handler" in s.reason
    msgs = [e.message for e in events(fs, "LOG")]
    assert "handled" in msgs and "never" not in msgs
    s = run(fs, "check mode == DRIVE\n")
    assert s.state is SlotState.ABORTED and "t.seq:1:1" in s.reason


def test_refused_command_fails_statement_with_reason():
    fs = make_fs()
    s = run(fs, "DRIVE_ARC distance=1 m, radius=0, speed=0.1 m/s\n")
    assert s.state is SlotState.ABORTED
    assert "not allowed in IDLE" in s.reason


def test_call_with_parameters_and_repeat():
    fs = make_fs()
    s = run(fs, "sequence hello(n: int = 1, txt: str = \"x\")\n    LOG text=$txt\nend\n"
                "repeat 3\n    call hello(txt=\"hi\")\nend\n")
    assert s.state is SlotState.COMPLETED
    assert [e.message for e in events(fs, "LOG")].count("hi") == 3


def test_runaway_loop_is_spread_over_cycles():
    fs = make_fs()
    s = fs.sequencer.start("mobility", seq("repeat 1000\n    NOOP\nend\n"))
    fs.cycle()
    n1 = s.commands_sent
    assert 0 < n1 <= fs.sequencer.max_commands_per_cycle
    fs.run_until(lambda: not s.busy, 60_000)
    assert s.state is SlotState.COMPLETED and s.commands_sent == 1000
    assert fs.cycles >= 1000 // fs.sequencer.max_commands_per_cycle


def test_pause_resume_step_cancel():
    fs = make_fs()
    s = fs.sequencer.start("payload", seq("LOG text=\"a\"\nLOG text=\"b\"\nLOG text=\"c\"\nwait 60 s\n"))
    s.pause()
    fs.cycle()
    assert not events(fs, "LOG")
    s.step()
    fs.cycle()
    assert [e.message for e in events(fs, "LOG")] == ["a"] and s.state is SlotState.PAUSED
    s.resume()
    fs.cycle()
    assert [e.message for e in events(fs, "LOG")] == ["a", "b", "c"]
    assert fs.bus.value("seq.payload.state") == "RUNNING"
    s.cancel("operator")
    assert s.state is SlotState.CANCELLED
    assert fs.bus.value("seq.payload.state") == "CANCELLED"


def test_busy_slot_refused_and_slots_run_in_parallel():
    fs = make_fs()
    a = fs.sequencer.start("mobility", seq("wait 10 s\nLOG text=\"m\"\n"))
    with pytest.raises(SequencerError, match="busy"):
        fs.sequencer.start("mobility", seq("NOOP\n"))
    b = fs.sequencer.start("payload", seq("wait 5 s\nLOG text=\"p\"\n"))
    fs.run_until(lambda: not fs.sequencer.busy, 30_000)
    assert a.state is b.state is SlotState.COMPLETED
    t = {e.message: e.t_ms for e in events(fs, "LOG")}
    assert t["p"] < t["m"]


def test_subsystem_conflict_between_slots():
    fs = make_fs()
    fs.modes.request_mode("DRIVE", "test")
    a = fs.sequencer.start("mobility", seq("DRIVE_ARC distance=2 m, radius=0, speed=0.1 m/s\n"))
    fs.cycle()
    b = fs.sequencer.start("payload", seq("TURN angle=90 deg\n"))
    fs.cycle()
    assert b.state is SlotState.ABORTED and "busy" in b.reason
    fs.run_until(lambda: not a.busy, 60_000)
    assert a.state is SlotState.COMPLETED


def test_safe_entry_cancels_other_slots_but_not_the_requester():
    fs = make_fs()
    other = fs.sequencer.start("payload", seq("wait 100 s\n"))
    s = run(fs, "SET_MODE mode=SAFE\nLOG text=\"still here\"\n")
    assert s.state is SlotState.COMPLETED
    assert other.state is SlotState.CANCELLED
    assert fs.modes.mode == "SAFE"


def test_seq_start_unknown_name_fails_cleanly():
    fs = make_fs()
    s = run(fs, "SEQ_START name=\"nope\", slot=payload\n")
    assert s.state is SlotState.ABORTED and "no stored sequence 'nope'" in s.reason


def test_compiled_binary_runs_the_same(tmp_path):
    from common.dictionary import default_dictionary
    from flight.seq.binary import compile_sequence
    from flight.seq.library import load_any
    text = "LOG text=\"bin\"\nwait 2 s\nR+1 s LOG text=\"done\"\n"
    (tmp_path / "b.seq").write_text(text)
    blob = compile_sequence(load_any(tmp_path / "b.seq", default_dictionary()), default_dictionary())
    (tmp_path / "b.rseq").write_bytes(blob)
    fs = make_fs()
    s = fs.sequencer.start("mobility", load_any(tmp_path / "b.rseq", default_dictionary()))
    fs.run_until(lambda: not s.busy, 10_000)
    assert s.state is SlotState.COMPLETED
    t = {e.message: e.t_ms for e in events(fs, "LOG")}
    assert t["done"] - t["bin"] >= 3_000


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["wait", "R+", "NOOP"]), st.integers(1, 4)),
                min_size=1, max_size=6))
def test_sequence_duration_is_the_sum_of_its_waits(steps):
    """Property: NOOPs take no time, waits and relative tags add up exactly
    (to the cycle granularity)."""
    lines, expect_ms = [], 0
    for kind, k in steps:
        if kind == "wait":
            lines.append(f"wait {k} s")
            expect_ms += k * 1000
        elif kind == "R+":
            lines.append(f"R+{k} s NOOP")
            expect_ms += k * 1000
        else:
            lines.append("NOOP")
    lines.append("LOG text=\"end\"")
    fs = make_fs()
    t0 = fs.clock.now_ms()
    s = run(fs, "\n".join(lines) + "\n")
    assert s.state is SlotState.COMPLETED
    end = [e for e in events(fs, "LOG") if e.message == "end"][0].t_ms - t0
    assert expect_ms <= end <= expect_ms + 100 * (len(steps) + 1)


# Two slots: one moves the mode about on a timetable, the other waits on it
# with persistence and timeouts (met, met late, broken off, timed out).
_MOVER = ("wait 1 s\nSET_MODE mode=DRIVE\nwait 500 ms\nSET_MODE mode=IDLE\nwait 300 ms\n"
          "SET_MODE mode=DRIVE\nwait 3 s\nSET_MODE mode=IDLE\n")
_WAITER = ("wait until mode == DRIVE for 1 s timeout 10 s\n"
           "LOG text=\"held\"\n"
           "wait until mode == IDLE and rover.speed_mps < 1 cm/s timeout 10 s\n"
           "LOG text=\"idle again\"\n"
           "wait until mode == DRIVE for 2 s timeout 3 s ; on error continue\n"
           "LOG text=\"end\"\n")


def _run_waits(skip: bool, monkeypatch):
    from flight.seq.engine import Slot
    if not skip:          # the reference: every wait-until evaluated every cycle
        monkeypatch.setattr(Slot, "_until_settled", lambda self, data, now_ms: False)
    from flight.seq.conditions import Condition
    evaluations = []
    real = Condition.evaluate3
    monkeypatch.setattr(Condition, "evaluate3",
                        lambda self, lookup: evaluations.append(self.text) or real(self, lookup))
    fs = make_fs()
    mover = fs.sequencer.start("payload", seq(_MOVER, "mover"))
    waiter = fs.sequencer.start("mobility", seq(_WAITER, "waiter"))
    fs.run_until(lambda: not (mover.busy or waiter.busy), 60_000)
    monkeypatch.undo()
    return [(e.t_ms, e.name, e.message) for e in fs.bus.events], waiter.state, len(evaluations)


def test_settled_wait_until_is_skipped_without_changing_anything(monkeypatch):
    """A wait-until whose channels have not changed is not re-evaluated
    (Slot.asleep); the run is event for event the one that evaluates it
    every cycle, and evaluates it far fewer times."""
    ref_events, ref_state, ref_evals = _run_waits(False, monkeypatch)
    events_, state, evals = _run_waits(True, monkeypatch)
    assert state is ref_state is SlotState.COMPLETED
    assert events_ == ref_events
    assert any(m == "end" for _, n, m in events_ if n == "LOG")
    assert evals < ref_evals / 2, (evals, ref_evals)
