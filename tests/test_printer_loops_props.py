"""Behaviour of the printer loops (run on the C build; the differential tests
prove the Python reference equal to it)."""
import math

from hypothesis import given, settings, strategies as st

from common._native import ffi, lib

PROPS = settings(max_examples=60, deadline=None)
ONE_STEP = 65536


def motion(vmax, accel, lo=-100_000, hi=100_000):
    c = ffi.new("struct motion_cfg *", {"vmax_q16": vmax, "accel_q16": accel,
                                        "pos_min": [lo] * 4, "pos_max": [hi] * 4})
    m = ffi.new("struct motion *")
    lib.motion_init(m)
    return m, c


def run_move(m, max_ticks):
    steps = ffi.new("int32_t[4]")
    per_tick, ticks = [], 0
    while m.active:
        lib.motion_tick(m, steps)
        per_tick.append(list(steps))
        ticks += 1
        assert ticks <= max_ticks, "move did not finish"
    return per_tick


axis4 = st.lists(st.integers(-4000, 4000), min_size=4, max_size=4)


@PROPS
@given(vmax=st.lists(st.integers(ONE_STEP, 20 * ONE_STEP), min_size=4, max_size=4),
       accel=st.lists(st.integers(300, 20_000), min_size=4, max_size=4),
       moves=st.lists(st.tuples(axis4, st.integers(ONE_STEP // 2, 30 * ONE_STEP)), min_size=1, max_size=4))
def test_every_move_lands_exactly_and_respects_the_step_rate(vmax, accel, moves):
    m, c = motion(vmax, accel)
    pos = [0, 0, 0, 0]
    for target, v in moves:
        assert lib.motion_start(m, c, ffi.new("int32_t[4]", target), v) == 0
        moving = [i for i in range(4) if target[i] != pos[i]]
        vcap = min([v] + [vmax[i] for i in moving])
        acap = min([accel[i] for i in moving], default=1)
        n = max(abs(t - p) for t, p in zip(target, pos))
        # bound: accelerate to and from the floor rate a, worst case all at a
        per_tick = run_move(m, max_ticks=n * ONE_STEP // max(1, min(vcap, acap)) + 10)
        emitted = [sum(t[i] for t in per_tick) for i in range(4)]
        assert emitted == [t - p for t, p in zip(target, pos)]
        assert list(m.pos) == target
        # the major axis never gets more steps in a tick than the rate allows,
        # and over any run of ticks never more than rate * ticks + 1
        major = [max(abs(s) for s in t) for t in per_tick]
        assert max(major, default=0) <= vcap // ONE_STEP + 1
        window = 50
        for k in range(0, len(major), window):
            assert sum(major[k:k + window]) <= (vcap * window) // ONE_STEP + 1
        # no axis ever steps backwards within a move
        for i in range(4):
            assert all(t[i] * (target[i] - pos[i]) >= 0 for t in per_tick)
        pos = target


def test_trapezoid_reaches_cruise_and_brakes_at_the_configured_rate():
    m, c = motion([10 * ONE_STEP] * 4, [2000] * 4)
    assert lib.motion_start(m, c, ffi.new("int32_t[4]", [20_000, 0, 0, 0]), 8 * ONE_STEP) == 0
    rates, steps = [], ffi.new("int32_t[4]")
    while m.active:
        lib.motion_tick(m, steps)
        rates.append(m.v_q16 if m.active else None)
    live = [r for r in rates if r is not None]
    assert max(live) == 8 * ONE_STEP                     # capped by the move's rate
    ramp = 8 * ONE_STEP // 2000
    assert live[:ramp] == sorted(live[:ramp])            # accelerates first
    # the rate changes by at most one tick of acceleration, and the last step
    # leaves at a rate from which the axis could stop within 4 steps
    assert all(abs(b - a) <= 2000 for a, b in zip(live, live[1:]))
    assert live[-1] <= math.isqrt(2 * 2000 * 4 * ONE_STEP)
    total_ticks = len(rates)
    cruise_only = 20_000 // 8
    assert cruise_only < total_ticks < cruise_only + 2 * ramp + 5


def test_refused_moves_change_nothing():
    m, c = motion([ONE_STEP] * 3 + [0], [100] * 4, lo=-1000, hi=1000)
    assert lib.motion_start(m, c, ffi.new("int32_t[4]", [1001, 0, 0, 0]), ONE_STEP) == lib.MOTION_ERR_LIMIT
    assert lib.motion_start(m, c, ffi.new("int32_t[4]", [0, 0, 0, 5]), ONE_STEP) == lib.MOTION_ERR_RATE
    assert lib.motion_start(m, c, ffi.new("int32_t[4]", [5, 0, 0, 0]), 0) == lib.MOTION_ERR_RATE
    assert not m.active and list(m.pos) == [0, 0, 0, 0]
    assert lib.motion_start(m, c, ffi.new("int32_t[4]", [5, 0, 0, 0]), ONE_STEP) == 0
    assert lib.motion_start(m, c, ffi.new("int32_t[4]", [9, 0, 0, 0]), ONE_STEP) == lib.MOTION_ERR_BUSY
    assert lib.motion_set_position(m, 0, 3) == lib.MOTION_ERR_BUSY


# --- homing --------------------------------------------------------------------

def home(switch_at, start, cfg):
    """Simulate an axis with a switch pressed at positions <= switch_at (dir -1)."""
    c = ffi.new("struct home_cfg *", cfg)
    h = ffi.new("struct homing *")
    lib.homing_init(h)
    assert lib.homing_start(h, c) == 0
    pos, ticks = start, 0
    while h.state not in (lib.HOME_DONE, lib.HOME_FAILED):
        pos += lib.homing_tick(h, c, 1 if pos <= switch_at else 0)
        ticks += 1
        assert ticks < 10_000_000
    return h, pos


@PROPS
@given(switch_at=st.integers(-5000, 5000), dist=st.integers(0, 2000),
       seek=st.integers(ONE_STEP // 4, 8 * ONE_STEP), approach=st.integers(ONE_STEP // 8, ONE_STEP),
       backoff=st.integers(1, 100))
def test_homing_stops_one_step_past_the_switch_edge(switch_at, dist, seek, approach, backoff):
    backoff = max(backoff, -(-seek // ONE_STEP))   # at least one tick of seek steps
    cfg = {"dir": -1, "seek_q16": seek, "approach_q16": approach, "backoff_steps": backoff,
           "max_travel_steps": 20_000, "home_pos": 0}
    h, pos = home(switch_at, switch_at + dist, cfg)
    assert h.state == lib.HOME_DONE
    assert pos == switch_at          # approach at <= 1 step/tick: the first pressed step


def test_homing_failures_are_named():
    base = {"dir": -1, "seek_q16": 2 * ONE_STEP, "approach_q16": ONE_STEP // 4,
            "backoff_steps": 50, "max_travel_steps": 1000, "home_pos": 0}
    h, pos = home(-5000, 0, base)                            # switch beyond travel
    assert (h.state, h.fail, pos) == (lib.HOME_FAILED, lib.HOME_FAIL_NOT_FOUND, -1000)
    h, _ = home(10**9, 0, base)                              # always pressed: stuck
    assert (h.state, h.fail) == (lib.HOME_FAILED, lib.HOME_FAIL_STUCK)
    c = ffi.new("struct home_cfg *", dict(base, approach_q16=ONE_STEP + 1))
    assert lib.homing_start(ffi.new("struct homing *"), c) == -1
    c = ffi.new("struct home_cfg *", dict(base, seek_q16=3 * ONE_STEP + 1, backoff_steps=3))
    assert lib.homing_start(ffi.new("struct homing *"), c) == -1   # backoff shorter than overrun


# --- deadman -------------------------------------------------------------------

@PROPS
@given(t0=st.integers(0, 2**32 - 1), period=st.integers(1, 100_000),
       refreshes=st.lists(st.integers(0, 150_000), max_size=10))
def test_deadman_expires_exactly_one_ms_after_the_period(t0, period, refreshes):
    d = ffi.new("struct deadman *")
    lib.deadman_init(d)
    now = t0
    lib.deadman_refresh(d, now, period)
    for gap in refreshes:
        for probe in sorted({0, period // 2, period}):
            if probe < gap:
                assert lib.deadman_check(d, (now + probe) % 2**32) == 0
        if gap <= period:
            now = (now + gap) % 2**32
            lib.deadman_refresh(d, now, period)
        else:
            assert lib.deadman_check(d, (now + period + 1) % 2**32) == 1
            assert lib.deadman_check(d, (now + gap) % 2**32) == 1    # stays off
            now = (now + gap) % 2**32
            lib.deadman_refresh(d, now, period)
            assert lib.deadman_check(d, now) == 0
