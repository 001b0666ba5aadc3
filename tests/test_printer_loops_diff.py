"""Differential tests: the printer loops in csrc/core (motion, homing,
deadman) vs sim_hw.pyref.printer_loops, bit for bit, outputs and full state."""
from hypothesis import given, settings, strategies as st

from common._native import ffi, lib
from sim_hw.pyref import printer_loops as ref

SEQ = settings(max_examples=150, deadline=None)
i32 = st.integers(-(2**31), 2**31 - 1)
u32 = st.integers(0, 2**32 - 1)
POS = ref.MOTION_POS_MAX


def same(cobj, pyobj):
    for name in pyobj.__slots__:
        want = getattr(pyobj, name)
        got = getattr(cobj, name)
        if isinstance(want, list):
            got = list(got)
        assert got == want, name


def four(s):
    return st.lists(s, min_size=4, max_size=4)


motion_cfg = st.fixed_dictionaries({
    "vmax_q16": four(st.one_of(st.integers(-5, 40 * 65536), i32)),
    "accel_q16": four(st.one_of(st.integers(-5, 70000), st.integers(1, 300), i32)),
    "pos_min": four(st.one_of(st.integers(-POS - 5, 0), st.just(-POS))),
    "pos_max": four(st.one_of(st.integers(0, POS + 5), st.just(POS))),
})
target = four(st.one_of(st.integers(-3000, 3000), st.integers(-POS - 2, POS + 2)))
motion_op = st.one_of(
    st.tuples(st.just("start"), target, st.one_of(st.integers(-10, 30 * 65536), i32)),
    st.tuples(st.just("ticks"), st.integers(1, 200), st.just(0)),
    st.tuples(st.just("stop"), st.just(0), st.just(0)),
    st.tuples(st.just("setpos"), st.integers(0, 5), st.one_of(st.integers(-3000, 3000), i32)),
)


@SEQ
@given(cfg=motion_cfg, ops=st.lists(motion_op, min_size=1, max_size=12))
def test_motion_sequences(cfg, ops):
    cc = ffi.new("struct motion_cfg *", cfg)
    pc = ref.MotionCfg(**cfg)
    cm = ffi.new("struct motion *")
    lib.motion_init(cm)
    pm = ref.Motion()
    csteps = ffi.new("int32_t[4]")
    psteps = [0] * 4
    for op, a, b in ops:
        if op == "start":
            assert lib.motion_start(cm, cc, ffi.new("int32_t[4]", a), b) == ref.motion_start(pm, pc, a, b)
        elif op == "ticks":
            for _ in range(a):
                assert lib.motion_tick(cm, csteps) == ref.motion_tick(pm, psteps)
                assert list(csteps) == psteps
        elif op == "stop":
            lib.motion_stop(cm)
            ref.motion_stop(pm)
        else:
            assert lib.motion_set_position(cm, a, b) == ref.motion_set_position(pm, a, b)
        same(cm, pm)


home_cfg = st.fixed_dictionaries({
    "dir": st.one_of(st.sampled_from([-1, 1]), st.integers(-128, 127)),
    "seek_q16": st.one_of(st.integers(-5, 10 * 65536), i32),
    "approach_q16": st.one_of(st.integers(-5, 70000), i32),
    "backoff_steps": st.one_of(st.integers(-5, 300), i32),
    "max_travel_steps": st.one_of(st.integers(-5, 5000), i32),
    "home_pos": i32,
})
home_op = st.one_of(st.tuples(st.just("tick"), st.integers(0, 1)),
                    st.tuples(st.just("start"), st.just(0)),
                    st.tuples(st.just("init"), st.just(0)))


@SEQ
@given(cfg=home_cfg, ops=st.lists(home_op, min_size=1, max_size=300))
def test_homing_sequences(cfg, ops):
    cc = ffi.new("struct home_cfg *", cfg)
    pc = ref.HomeCfg(**cfg)
    ch = ffi.new("struct homing *")
    lib.homing_init(ch)
    ph = ref.Homing()
    for op, arg in ops:
        if op == "tick":
            assert lib.homing_tick(ch, cc, arg) == ref.homing_tick(ph, pc, arg)
        elif op == "start":
            assert lib.homing_start(ch, cc) == ref.homing_start(ph, pc)
        else:
            lib.homing_init(ch)
            ref.homing_init(ph)
        same(ch, ph)


dead_op = st.one_of(st.tuples(st.just("refresh"), u32, u32),
                    st.tuples(st.just("check"), u32, st.just(0)),
                    st.tuples(st.just("disarm"), st.just(0), st.just(0)))


@SEQ
@given(ops=st.lists(dead_op, min_size=1, max_size=60))
def test_deadman_sequences(ops):
    cd = ffi.new("struct deadman *")
    lib.deadman_init(cd)
    pd = ref.Deadman()
    for op, a, b in ops:
        if op == "refresh":
            lib.deadman_refresh(cd, a, b)
            ref.deadman_refresh(pd, a, b)
        elif op == "check":
            assert lib.deadman_check(cd, a) == ref.deadman_check(pd, a)
        else:
            lib.deadman_disarm(cd)
            ref.deadman_disarm(pd)
        same(cd, pd)
