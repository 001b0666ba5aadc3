"""Property: the printer component never heats outside PRINT mode, whatever
the operator, the modes and the environment do (hypothesis over random
sequences of mode changes, PRINT_* commands, sun, electronics temperature and
thermocouple faults, on sim:// with the payload board's firmware)."""
from hypothesis import given, settings, strategies as st

from common.dictionary import default_dictionary
from common.dictionary import packets as P
from flight.system import FlightSystem
from ground.testing.bench import RoverBench
from hal import open_hal

D = default_dictionary()
PAY_STATUS = D.packet("PAY_STATUS").id

MODE = st.tuples(st.just("mode"), st.sampled_from(["IDLE", "PRINT", "SAFE", "DRIVE", "SURVIVAL"]))
actions = st.lists(st.one_of(
    MODE, MODE, MODE,
    st.tuples(st.just("cmd"), st.sampled_from(["PRINT_PAUSE", "PRINT_RESUME", "PRINT_ABORT",
                                               "PRINT_COOLDOWN", "PRINT_HOME"])),
    st.tuples(st.just("start"), st.sampled_from(["plain-brick:12x6x2", "hollow-brick:40x30x2",
                                                 "no-such-brick"])),
    st.tuples(st.just("preheat"), st.floats(0, 1500)),
    st.tuples(st.just("preheat"), st.floats(0, 1500)),
    st.tuples(st.just("sun"), st.booleans()),
    st.tuples(st.just("ebox"), st.floats(-20, 60)),
    st.tuples(st.just("tc_open"), st.booleans()),
    st.tuples(st.just("run"), st.integers(1, 400)),
), min_size=1, max_size=16)


def _board_target_c(hal) -> float:
    return P.decode_tlm(D, hal.sim.pack("payload", PAY_STATUS))[1]["head_target"]


@settings(max_examples=60, deadline=None)
@given(acts=actions)
def test_never_heats_outside_print_mode(acts):
    hal = open_hal("sim://?seed=3&site=flat")
    try:
        fs = FlightSystem(hal, boot=False)
        b = RoverBench(fs)
        fs.modes.request_mode("IDLE", "test")
        fs.modes.request_mode("PRINT", "test")     # most examples start where heat is allowed
        checked = 0

        def cycle():
            nonlocal checked
            mode_before = fs.modes.mode
            fs.cycle()
            if mode_before != "PRINT":
                assert hal.printer.head.target_c == 0.0, (mode_before, fs.printer.job)
                assert _board_target_c(hal) == 0.0, mode_before
                checked += 1
            j = fs.printer.job
            if j is not None and j.heating:
                assert mode_before == "PRINT" or fs.modes.mode == "PRINT"

        for kind, arg in acts:
            if kind == "mode":
                fs.modes.request_mode(arg, "test")
            elif kind == "cmd":
                b.send(arg)
            elif kind == "start":
                b.send("PRINT_START", design=arg, temp=0)
            elif kind == "preheat":
                b.send("PRINT_PREHEAT", temp=arg)
            elif kind == "sun":
                hal.faults.block_sun(not arg)
            elif kind == "ebox":
                hal.faults.set_ebox_temp_c(arg)
            elif kind == "tc_open":
                hal.faults.detach_thermocouple(arg)
            elif kind == "run":
                for _ in range(arg):
                    cycle()
            cycle()
        # the head is cold unless PRINT allowed heat at some point; either way,
        # out of PRINT the source ends switched off
        fs.modes.request_mode("SAFE", "end of test")
        for _ in range(3):
            cycle()
        assert hal.sim.head_power_w == 0.0
        assert checked > 0
    finally:
        hal.close()
