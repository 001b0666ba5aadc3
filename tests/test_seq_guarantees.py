"""The checker's promises (bounds, labels, values known at check time,
SEQ_START loops, critical commands) and the engine keeping them."""
from flight.seq import parse_sequence
from flight.seq.bounds import sequence_bound
from flight.seq.engine import SlotState
from flight.system import FlightSystem
from hal import open_hal


def errors_of(text, file="g.seq"):
    return [str(e) for e in parse_sequence(text, file)[1]]


def test_nested_repeats_over_the_executed_limit_are_an_error_at_the_loop():
    errs = errors_of("repeat 1000\n    repeat 1000\n        repeat 2\n            NOOP\n"
                     "        end\n    end\nend\n")
    assert len(errs) == 1 and "g.seq:1:1" in errs[0] and "3001001 statements" in errs[0]


def test_calls_multiply_in_the_bound():
    seq, errs = parse_sequence("sequence s()\n    repeat 10\n        NOOP\n    end\nend\n"
                               "repeat 3\n    call s\nend\n", "b.seq")
    assert errs == []
    b = sequence_bound(seq, None)
    # repeat header + 3 x (call + repeat header + 10 NOOP)
    assert b.statements == 1 + 3 * (1 + 1 + 10)


def test_value_through_two_levels_of_parameters_is_checked_at_the_call():
    text = ("sequence leg(dist: m)\n    DRIVE_ARC distance=$dist radius=0 speed=0.1\nend\n"
            "sequence outer(d: m)\n    call leg(dist=$d)\nend\n"
            "sequence outer2(e: cm = 500 cm)\n    call outer(d=$e)\nend\n"
            "call outer2(e=100 m)\n"
            "call outer2\n")
    errs = errors_of(text)
    assert len(errs) == 1, errs
    assert errs[0].startswith("g.seq:10:13") and "DRIVE_ARC.distance" in errs[0]
    # the same through a default
    errs = errors_of(text.replace("500 cm", "9000 cm").replace("call outer2(e=100 m)\n", ""))
    assert len(errs) == 1 and "g.seq:7:25" in errs[0] and "DRIVE_ARC.distance" in errs[0]


def test_seq_start_of_itself_and_of_a_start_cycle_are_errors():
    errs = errors_of('SEQ_START name="g" slot=payload\n')
    assert len(errs) == 1 and "starts this mission again" in errs[0]
    errs = errors_of('sequence a()\n    SEQ_START name="b" slot=payload\nend\n'
                     'sequence b()\n    SEQ_START name="a" slot=mobility\nend\n'
                     'SEQ_START name="a" slot=payload\n')
    assert len(errs) == 1 and "SEQ_START cycle" in errs[0]
    errs = errors_of('SEQ_START name="../etc/passwd" slot=payload\n')
    assert len(errs) == 1 and "letters, digits" in errs[0]


def test_cross_slot_seq_start_ping_pong_is_refused_at_run_time(tmp_path):
    (tmp_path / "ping.seq").write_text('SEQ_START name="pong" slot=payload\n')
    (tmp_path / "pong.seq").write_text('wait 1 s\nSEQ_START name="ping" slot=mobility\n')
    fs = FlightSystem(open_hal("sim://?seed=3&site=flat"), boot=False, search_dirs=[tmp_path])
    fs.modes.request_mode("IDLE", "test")
    fs.sequencer.start("mobility", fs.library.get("ping"))
    assert fs.run_until(lambda: not fs.sequencer.busy, 60_000)
    refused = [e for e in fs.bus.events if e.name == "CMD_REFUSED" or e.name == "CMD_FAILED"]
    assert any("SEQ_START cycle ping -> pong -> ping" in e.message for e in refused)
    starts = [e for e in fs.bus.events if e.name == "SEQ_STARTED"]
    assert len(starts) == 2


def test_critical_commands_must_be_declared_and_armed():
    errs = errors_of("PAYLOAD_HANDOVER\n")
    assert len(errs) == 1 and "declare it" in errs[0] and "critical PAYLOAD_HANDOVER" in errs[0]
    errs = errors_of("critical PAYLOAD_HANDOVER\nPAYLOAD_HANDOVER\n")
    assert len(errs) == 1 and "ARM command=PAYLOAD_HANDOVER" in errs[0]
    assert errors_of("critical PAYLOAD_HANDOVER\nARM command=PAYLOAD_HANDOVER\n"
                     "PAYLOAD_HANDOVER\n") == []
    errs = errors_of("critical NOOP, BOGUS\nNOOP\n")
    assert len(errs) == 2 and "g.seq:1:10" in errs[0] and "not a critical" in errs[0]
    assert "g.seq:1:16" in errs[1] and "unknown command" in errs[1]
    seq, _ = parse_sequence("critical FP_RESPONSE, CLEAR_FAULT\n", "g.seq")
    assert seq.critical == ("FP_RESPONSE", "CLEAR_FAULT")


def test_arm_enum_lists_exactly_the_critical_commands():
    from common.dictionary import default_dictionary
    d = default_dictionary()
    crit = {c.name for c in d.commands.values() if c.critical}
    assert set(d.command("ARM").arg("command").values) == crit


def test_engine_stays_within_the_checked_bound():
    fs = FlightSystem(open_hal("sim://?seed=3&site=flat"), boot=False)
    fs.modes.request_mode("IDLE", "test")
    seq, errs = parse_sequence("repeat 30\n    NOOP\n    LOG text=\"x\"\nend\nwait 2 s\n"
                               "check mode == DRIVE ; on error continue\n", "b.seq")
    assert not errs
    slot = fs.sequencer.start("mobility", seq)
    t0 = fs.clock.now_ms()
    assert fs.run_until(lambda: not slot.busy, 600_000)
    assert slot.state is SlotState.COMPLETED
    assert slot.steps <= slot.bound.statements == 1 + 30 * 2 + 2
    assert fs.clock.now_ms() - t0 <= slot.bound.max_sim_ms(fs.cycle_ms)


def test_engine_aborts_a_sequence_past_its_bound():
    # a hand-built tree can claim anything; the engine holds it to its bound
    fs = FlightSystem(open_hal("sim://?seed=3&site=flat"), boot=False)
    seq, _ = parse_sequence("wait 5 s\n", "b.seq")
    slot = fs.sequencer.start("mobility", seq)
    from flight.seq.bounds import Bound
    slot.bound = Bound(1, 1_000)          # as if the checker had promised 1 s
    fs.run_until(lambda: not slot.busy, 60_000)
    assert slot.state is SlotState.ABORTED and "checked time bound" in slot.reason
