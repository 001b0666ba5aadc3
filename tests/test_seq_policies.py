"""Failure-policy semantics, one test per row of the table in
docs/sequences.md ("Failure policies"), the propagation rules under it, and
relative time tags counted exactly as documented.  All on simulated time."""
import pytest

from flight.seq import parse_sequence
from flight.seq.engine import SlotState
from flight.system import FlightSystem
from hal import open_hal


def make_fs():
    fs = FlightSystem(open_hal("sim://?seed=3&site=flat"), boot=False)
    fs.modes.request_mode("IDLE", "test")
    return fs


def run(text, fs=None, timeout_ms=300_000):
    fs = fs or make_fs()
    seq, errors = parse_sequence(text, file="p.seq")
    assert not errors, "\n".join(map(str, errors))
    slot = fs.sequencer.start("mobility", seq)
    assert fs.run_until(lambda: not slot.busy, timeout_ms), "sequence did not end"
    return fs, slot


def logs(fs):
    return [e.message for e in fs.bus.events if e.name == "LOG"]


FAIL = "check mode == DRIVE"        # fails: the rover is in IDLE


def test_row1_statement_suffix():
    fs, slot = run(f"{FAIL} ; on error continue\nLOG text=\"next\"\n")
    assert slot.state is SlotState.COMPLETED and "next" in logs(fs)


def test_row2_block_suffix_covers_statements_inside():
    fs, slot = run(f"repeat 2 ; on error continue\n    {FAIL}\n    LOG text=\"in\"\nend\n"
                   "LOG text=\"after\"\n")
    assert slot.state is SlotState.COMPLETED
    assert logs(fs).count("in") == 2 and "after" in logs(fs)


def test_row2_nearest_block_suffix_wins_and_statement_suffix_beats_it():
    fs, slot = run("repeat 1 ; on error goto out\n"
                   "    if true ; on error continue\n"
                   f"        {FAIL}\n"
                   "        LOG text=\"inner continued\"\n"
                   f"        {FAIL} ; on error goto out\n"
                   "        LOG text=\"not reached\"\n"
                   "    end\n"
                   "end\n"
                   "LOG text=\"skipped\"\n"
                   "label out\nLOG text=\"out\"\n")
    assert slot.state is SlotState.COMPLETED
    assert logs(fs) == ["inner continued", "out"]


def test_row3_call_suffix_handles_a_failed_sub_sequence():
    fs, slot = run(f"sequence bad()\n    {FAIL}\n    LOG text=\"rest of bad\"\nend\n"
                   "call bad ; on error continue\nLOG text=\"after\"\n")
    assert slot.state is SlotState.COMPLETED
    assert logs(fs) == ["after"]


def test_row3_without_call_suffix_the_call_fails_in_the_caller():
    fs, slot = run(f"sequence bad()\n    {FAIL}\nend\ncall bad\nLOG text=\"never\"\n")
    assert slot.state is SlotState.ABORTED
    assert "call bad failed" in slot.reason and "p.seq:2:5" in slot.reason
    assert "never" not in logs(fs)


def test_row4_sub_sequence_default():
    fs, slot = run(f"sequence s()\n    on error continue\n    {FAIL}\n    LOG text=\"inside\"\nend\n"
                   "call s\nLOG text=\"after\"\n")
    assert slot.state is SlotState.COMPLETED and logs(fs) == ["inside", "after"]


def test_row5_file_default_does_not_reach_into_sub_sequences():
    # the file says continue; the sub-sequence has no policy, so it stops at
    # its failure and its call fails, which the file's continue then handles
    fs, slot = run(f"on error continue\nsequence s()\n    {FAIL}\n    LOG text=\"inside\"\nend\n"
                   "call s\nLOG text=\"after\"\n")
    assert slot.state is SlotState.COMPLETED and logs(fs) == ["after"]


def test_row5_file_goto_applies_to_a_failed_call_no_unknown_label():
    fs, slot = run(f"on error goto recover\nsequence s()\n    {FAIL}\nend\n"
                   "call s\nLOG text=\"skipped\"\nlabel recover\nLOG text=\"recovered\"\n")
    assert slot.state is SlotState.COMPLETED
    assert logs(fs) == ["recovered"]
    assert not any("unknown label" in f for f in slot.failures)


def test_row6_no_policy_aborts():
    fs, slot = run(f"{FAIL}\nLOG text=\"never\"\n")
    assert slot.state is SlotState.ABORTED and logs(fs) == []


def test_file_goto_back_to_an_earlier_label_ends_instead_of_looping():
    # the runaway: accepted by the checker, then looped to the time limit
    fs, slot = run(f"on error goto again\nlabel again\nLOG text=\"once\"\n{FAIL}\n")
    assert slot.state is SlotState.ABORTED
    assert "label is not ahead" in slot.reason
    assert logs(fs) == ["once"]
    assert fs.clock.now_ms() < 2_000 and len(fs.bus.events) < 50


def test_abort_statement_in_sub_sequence_returns_to_caller_policy():
    fs, slot = run("on error continue\nsequence s()\n    on error continue\n"
                   "    abort \"give up\"\n    LOG text=\"not after abort\"\nend\n"
                   "call s\nLOG text=\"caller went on\"\n")
    assert slot.state is SlotState.COMPLETED
    assert logs(fs) == ["caller went on"]


def test_handler_in_sub_sequence_then_call_fails_in_caller():
    fs, slot = run("sequence h()\n    LOG text=\"handled\"\nend\n"
                   f"sequence s()\n    on error call h\n    {FAIL}\n    LOG text=\"no\"\nend\n"
                   "call s ; on error continue\nLOG text=\"after\"\n")
    assert slot.state is SlotState.COMPLETED
    assert logs(fs) == ["handled", "after"]


def test_handler_in_main_sequence_ends_failed():
    fs, slot = run(f"on error call h\nsequence h()\n    LOG text=\"handled\"\nend\n{FAIL}\n"
                   "LOG text=\"never\"\n")
    assert slot.state is SlotState.FAILED and "handled by h" in slot.reason
    assert logs(fs) == ["handled"]


# ------------------------------------------------------------ relative time tags
def _log_t(fs, text):
    return [e.t_ms for e in fs.bus.events if e.name == "LOG" and e.message == text][0]


@pytest.mark.parametrize("before, expect_ms", [
    ("wait 3 s", 3_000),                                    # after a delay: from its end
    ("wait until mode == IDLE for 2 s timeout 5 s", 2_000),  # after a wait until
    ("repeat 2\n    wait 1 s\nend", 2_000),                  # after a block: from its last statement
    ("call s", 2_000),                                       # after a call: from its end
    ("check mode == IDLE", 0),                               # instant statements: at once
])
def test_relative_tag_counts_from_completion_of_previous_statement(before, expect_ms):
    fs = make_fs()
    t0 = fs.clock.now_ms()
    fs, slot = run(f"sequence s()\n    wait 2 s\nend\n{before}\nR+1 s LOG text=\"tagged\"\n", fs)
    assert slot.state is SlotState.COMPLETED
    dt = _log_t(fs, "tagged") - t0 - 1_000
    assert expect_ms <= dt <= expect_ms + 3 * fs.cycle_ms


def test_relative_tag_after_continued_failure_counts_from_the_failure():
    fs = make_fs()
    fs, slot = run(f"wait 1 s\n{FAIL} ; on error continue\nR+2 s LOG text=\"tagged\"\n", fs)
    assert 3_000 <= _log_t(fs, "tagged") <= 3_000 + 3 * fs.cycle_ms
