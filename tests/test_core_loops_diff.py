"""Differential tests: csrc/core (via common._native) vs sim_hw.pyref.loops, bit for bit.

Every test compares both the outputs and the complete state after each call.
"""
import pytest
from hypothesis import given, settings, strategies as st

from common._native import ffi, lib
from sim_hw.pyref import loops as ref

SETTINGS = settings(max_examples=300, deadline=None)
SEQ_SETTINGS = settings(max_examples=150, deadline=None)

i16 = st.integers(-(2**15), 2**15 - 1)
u16 = st.integers(0, 2**16 - 1)
i32 = st.integers(-(2**31), 2**31 - 1)
u32 = st.integers(0, 2**32 - 1)
i32_wide = st.one_of(i32, st.integers(-5000, 5000))


def same_state(cobj, pyobj, fields):
    for name in fields:
        cval = getattr(cobj, name)
        if isinstance(getattr(pyobj, name), list):
            cval = list(cval)[: len(getattr(pyobj, name))]
        assert cval == getattr(pyobj, name), name


# --- wheel loop -----------------------------------------------------------------

WL_CFG_FIELDS = ref.WheelLoopCfg.__slots__
WL_FIELDS = ref.WheelLoop.__slots__

wheel_cfg = st.fixed_dictionaries({
    "kp_q8": i16, "ki_q8": i16, "kd_q8": i16,
    "effort_max": st.one_of(i16, st.just(32767)),
    "slew_q8": st.one_of(i32, st.integers(0, 100000)),
    "stall_effort": st.one_of(i16, st.integers(0, 3000)),
    "stall_speed_mradps": st.one_of(i16, st.integers(0, 100)),
    "stall_ms": st.one_of(u16, st.integers(0, 20)),
})

wheel_op = st.one_of(
    st.tuples(st.just("step"), st.one_of(i32, st.integers(-3000, 3000))),
    st.tuples(st.just("target"), st.one_of(i32, st.integers(-3000, 3000), st.just(0))),
    st.tuples(st.just("reset"), st.just(0)),
)


def make_wheel_cfg(d):
    c = ffi.new("struct wheel_loop_cfg *")
    for k, v in d.items():
        setattr(c, k, v)
    return c, ref.WheelLoopCfg(**d)


def new_wheel_pair(target=None):
    """A fresh C wheel loop and its Python reference, with target set on both."""
    cw = ffi.new("struct wheel_loop *")
    lib.wheel_loop_init(cw)
    pw = ref.WheelLoop()
    if target is not None:
        lib.wheel_loop_set_target(cw, target)
        ref.wheel_loop_set_target(pw, target)
    return cw, pw


@SEQ_SETTINGS
@given(cfg=wheel_cfg, ops=st.lists(wheel_op, min_size=1, max_size=80))
def test_wheel_loop_sequences(cfg, ops):
    cc, pc = make_wheel_cfg(cfg)
    cw, pw = new_wheel_pair()
    for op, arg in ops:
        if op == "step":
            assert lib.wheel_loop_step(cw, cc, arg) == ref.wheel_loop_step(pw, pc, arg)
        elif op == "target":
            lib.wheel_loop_set_target(cw, arg)
            ref.wheel_loop_set_target(pw, arg)
        else:
            lib.wheel_loop_reset(cw)
            ref.wheel_loop_reset(pw)
        same_state(cw, pw, WL_FIELDS)


@SETTINGS
@given(cfg=wheel_cfg, target=i32, ramp=st.integers(-256_000_000, 256_000_000),
       integ=i32, prev=st.integers(-32767, 32767), meas=i32)
def test_wheel_loop_single_step_random_state(cfg, target, ramp, integ, prev, meas):
    cc, pc = make_wheel_cfg(cfg)
    cw, pw = new_wheel_pair(target)
    for obj in (cw, pw):
        obj.ramp_q8, obj.integ_q8, obj.prev_err = ramp, integ, prev
    assert lib.wheel_loop_step(cw, cc, meas) == ref.wheel_loop_step(pw, pc, meas)
    same_state(cw, pw, WL_FIELDS)


# wheel_loop_step.h's short path (wheel_step_common) takes kd = 0, a
# proportional gain of whole counts up to 8, |ki| <= 127 and effort_max =
# 32767 (the mobility board's configuration) with a settled ramp, an error
# within +-255 and an integrator within +-30000 counts: these strategies aim
# at that family and at both sides of each bound.
wheel_cfg_common = st.fixed_dictionaries({
    "kp_q8": st.one_of(st.integers(-8, 8).map(lambda g: g * 256), st.just(2048),
                       st.sampled_from([9 * 256, -9 * 256, 2047, 2049])),
    "ki_q8": st.one_of(st.integers(-127, 127), st.sampled_from([-128, 128, 13])),
    "kd_q8": st.one_of(st.just(0), st.just(1)),
    "effort_max": st.one_of(st.just(32767), st.just(32766)),
    "slew_q8": st.one_of(st.integers(0, 100000), st.just(512)),
    "stall_effort": st.one_of(i16, st.integers(0, 3000), st.just(29000)),
    "stall_speed_mradps": st.one_of(i16, st.integers(0, 100)),
    "stall_ms": st.one_of(u16, st.integers(0, 20), st.just(500)),
})


@settings(max_examples=3000, deadline=None)
@given(cfg=wheel_cfg_common, target=st.one_of(st.integers(-2000, 2000), st.integers(-40000, 40000),
                                              st.sampled_from([-32769, -32768, 32767, 32768])),
       near=st.one_of(st.integers(-260, 260), st.sampled_from([-256, -255, 255, 256]), i32),
       ih=st.one_of(st.integers(-30001, 30001), st.sampled_from([-30001, -30000, 30000, 30001]),
                    st.integers(29000, 32767), st.integers(-32768, -29000)),
       il=st.one_of(st.integers(0, 255), st.sampled_from([0, 127, 128, 255])),
       settled=st.booleans(), prev=st.integers(-32767, 32767),
       stall=st.tuples(st.integers(0, 600), st.integers(0, 1)))
def test_wheel_loop_common_step(cfg, target, near, ih, il, settled, prev, stall):
    """One step from a random state in and around the short path's domain,
    then a few more: the same outputs and state as the reference."""
    cc, pc = make_wheel_cfg(cfg)
    cw, pw = new_wheel_pair(target)
    ramp = target * 256 if settled else target * 256 + 300
    ramp = max(-256_000_000, min(256_000_000, ramp))
    for obj in (cw, pw):
        obj.ramp_q8, obj.integ_q8, obj.prev_err = ramp, ih * 256 + il, prev
        obj.stall_count_ms, obj.stalled = stall
    meas = target - near if abs(near) < 2**20 else near
    for k in range(3):
        m = max(-(2**31), min(2**31 - 1, meas + k * 3))
        assert lib.wheel_loop_step(cw, cc, m) == ref.wheel_loop_step(pw, pc, m)
        same_state(cw, pw, WL_FIELDS)


@pytest.mark.parametrize("ih", [-32768, -32767, -31000, -30001, -30000, -29999, 0,
                                29999, 30000, 30001, 30500, 31000, 32000, 32766, 32767])
@pytest.mark.parametrize("err", [-500, -256, -255, -128, -1, 0, 1, 127, 255, 256, 500])
def test_wheel_loop_common_step_edges(ih, err):
    """The mobility board's gains at the short path's bounds (error +-255,
    integrator +-30000 counts) and where the output saturates just beyond
    them: every integrator fraction that decides the rounding."""
    cfg = dict(kp_q8=2048, ki_q8=13, kd_q8=0, effort_max=32767, slew_q8=512,
               stall_effort=29000, stall_speed_mradps=100, stall_ms=500)
    cc, pc = make_wheel_cfg(cfg)
    for target in (1000, -1000, 32767):
        for il in (0, 1, 127, 128, 255):
            cw, pw = new_wheel_pair(target)
            for obj in (cw, pw):
                obj.ramp_q8, obj.integ_q8 = target * 256, ih * 256 + il
            for k in range(2):
                m = target - err - k
                assert lib.wheel_loop_step(cw, cc, m) == ref.wheel_loop_step(pw, pc, m)
                same_state(cw, pw, WL_FIELDS)


# --- quadrature ------------------------------------------------------------------

@SETTINGS
@given(ab0=st.integers(0, 255), seq=st.lists(st.integers(0, 255), max_size=200),
       start=i32)
def test_quadrature_sequences(ab0, seq, start):
    cq = ffi.new("struct quad_dec *")
    lib.quad_init(cq, ab0)
    pq = ref.QuadDec(ab0)
    cq.count = pq.count = start   # exercises the wrap at the int32 ends
    for ab in seq:
        lib.quad_update(cq, ab)
        ref.quad_update(pq, ab)
        same_state(cq, pq, ref.QuadDec.__slots__)


@SEQ_SETTINGS
@given(k=st.one_of(i32, st.integers(-70000, 70000)), window=st.integers(0, 70),
       c0=i32, steps=st.lists(st.one_of(i32, st.integers(-40000, 40000)), max_size=150),
       cumulative=st.booleans())
def test_speed_est_sequences(k, window, c0, steps, cumulative):
    cs = ffi.new("struct speed_est *")
    ps = ref.SpeedEst()
    rc = lib.speed_est_init(cs, k, window, c0)
    assert rc == ref.speed_est_init(ps, k, window, c0)
    if rc != 0:
        # a window out of range, or a count over the full window worth
        # 65536 mrad/s or more (the Q16 rate must fit 32 bits)
        too_coarse = (abs(k) * 1000 + window // 2) // window > 2**32 - 1 if window else False
        assert rc == -1 and (not 1 <= window <= 64 or too_coarse)
        return
    count = c0
    for s in steps:
        count = ref.wrap_i32(count + s) if cumulative else s
        assert lib.speed_est_update(cs, count) == ref.speed_est_update(ps, count)
        same_state(cs, ps, ref.SpeedEst.__slots__)


@SEQ_SETTINGS
@given(k=st.one_of(i32, st.integers(-70000, 70000)), window=st.integers(1, 64),
       c0=i32, steps=st.lists(st.integers(-300, 300), max_size=150))
def test_speed_est_with_table_same_as_reference(k, window, c0, steps):
    """The shared speed table (a board's six wheels) gives the multiplies'
    values: every update equals the reference, inside the table and past
    its end."""
    cs = ffi.new("struct speed_est *")
    tab = ffi.new("struct speed_table *")
    ps = ref.SpeedEst()
    if lib.speed_est_init(cs, k, window, c0) != 0:
        return
    ref.speed_est_init(ps, k, window, c0)
    lib.speed_table_init(tab, cs)
    assert lib.speed_est_use_table(cs, tab) == 0 and cs.table == tab
    assert tab.n <= lib.SPEED_TABLE_MAX
    count = c0
    for s in steps:
        count = ref.wrap_i32(count + s)
        assert lib.speed_est_update(cs, count) == ref.speed_est_update(ps, count)
        same_state(cs, ps, ref.SpeedEst.__slots__)


def test_speed_table_of_another_rate_refused():
    a, b = ffi.new("struct speed_est *"), ffi.new("struct speed_est *")
    tab = ffi.new("struct speed_table *")
    assert lib.speed_est_init(a, 42893, 20, 0) == 0
    assert lib.speed_est_init(b, 42893, 10, 0) == 0
    lib.speed_table_init(tab, a)
    assert tab.n == lib.SPEED_TABLE_MAX     # 63 counts * 32.7 mrad/s fits 16 bits
    assert lib.speed_est_use_table(b, tab) == -1 and b.table == ffi.NULL
    assert lib.speed_est_use_table(a, tab) == 0
    # a coarse rate: the table stops where a speed would pass 16 bits
    assert lib.speed_est_init(b, 65535 * 50, 1, 0) == 0
    lib.speed_table_init(tab, b)
    assert tab.n == 2 and tab.speed[0] == 0 and tab.speed[1] == 49999


# --- trig --------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(a=st.one_of(i32, st.integers(-7_000_000, 7_000_000)))
def test_sin_cos_wrap(a):
    assert lib.fx_sin_urad(a) == ref.fx_sin_urad(a)
    assert lib.fx_cos_urad(a) == ref.fx_cos_urad(a)
    assert lib.fx_wrap_urad(a) == ref.fx_wrap_urad(a)


@pytest.mark.parametrize("a", [k * p + d for p in (ref.FX_PI_URAD, ref.FX_HALF_PI_URAD)
                               for k in (-4, -3, -2, -1, 1, 2, 3, 4) for d in (-1, 0, 1)])
def test_wrap_shortcut_edges(a):
    """C wraps within +-3 pi without dividing; the edges match the formula."""
    assert lib.fx_wrap_urad(a) == ref.fx_wrap_urad(a)
    assert lib.fx_sin_urad(a) == ref.fx_sin_urad(a)
    assert lib.fx_cos_urad(a) == ref.fx_cos_urad(a)


@settings(max_examples=400, deadline=None)
@given(y=st.one_of(i32, st.integers(-2000, 2000)), x=st.one_of(i32, st.integers(-2000, 2000)))
def test_atan2(y, x):
    assert lib.fx_atan2_urad(y, x) == ref.fx_atan2_urad(y, x)


@SETTINGS
@given(v=st.one_of(u32, st.integers(0, 10000)))
def test_isqrt(v):
    assert lib.fx_isqrt32(v) == ref.fx_isqrt32(v)


@settings(max_examples=500, deadline=None)
@given(k=st.integers(0, 65536), d=st.integers(-2, 2))
def test_isqrt_around_squares(k, d):
    """The square root from a table and a correction, on and next to perfect
    squares (where the floor steps), up to the top of uint32."""
    v = min(max(k * k + d, 0), 2**32 - 1)
    assert lib.fx_isqrt32(v) == ref.fx_isqrt32(v)


@settings(max_examples=500, deadline=None)
@given(big=st.one_of(st.integers(65_530, 65_541), st.integers(1, 70_000)),
       near=st.integers(0, 3), small=st.integers(0, 70_000),
       swap=st.booleans(), neg_y=st.booleans(), neg_x=st.booleans())
def test_atan2_ratio_16bit_bound(big, near, small, swap, neg_y, neg_x):
    """atan2's ratio is a 16-bit division while the larger magnitude fits 16
    bits, 32-bit above: both sides of 2^16, and ratios next to 1."""
    lo = min(small, big - near) if big >= near else small
    y, x = (big, lo) if swap else (lo, big)
    y, x = -y if neg_y else y, -x if neg_x else x
    assert lib.fx_atan2_urad(y, x) == ref.fx_atan2_urad(y, x)


# --- odometry ----------------------------------------------------------------------

geom = st.tuples(st.lists(st.one_of(i32, st.integers(-600, 600)), min_size=6, max_size=6),
                 st.lists(st.one_of(i32, st.integers(-500, 500)), min_size=6, max_size=6))
# Displacements up to 400 mm an update take the sums past 2^31 (the 64-bit
# divisions); steer 0 is the straight corner's shortcut (no table lookup).
odo_step = st.tuples(
    st.lists(st.one_of(i32, st.integers(-20000, 20000), st.integers(-400_000, 400_000)),
             min_size=6, max_size=6),
    st.lists(st.one_of(i16, st.just(0), st.integers(-600, 600)), min_size=4, max_size=4))


def _odom_pair(g, pose0):
    """The C geometry and pose beside the reference's, from the same values."""
    cg = ffi.new("struct odom_geom *")
    cg.wheel_x_mm, cg.wheel_y_mm = g[0], g[1]
    cp = ffi.new("struct odom_pose *")
    lib.odom_init(cp, *pose0)
    return cg, ref.OdomGeom(*g), cp, ref.OdomPose(*pose0)


def _odom_run(cg, pg, cp, pp, steps):
    """Each (d, steer) step on both; the poses stay equal field by field."""
    for d, steer in steps:
        lib.odom_update(cp, cg, ffi.new("int32_t[6]", d), ffi.new("int16_t[4]", steer))
        ref.odom_update(pp, pg, d, steer)
        same_state(cp, pp, ref.OdomPose.__slots__)


@SEQ_SETTINGS
@given(g=geom, pose0=st.tuples(i32, i32, i32), steps=st.lists(odo_step, max_size=25))
def test_odometry_sequences(g, pose0, steps):
    cg, pg, cp, pp = _odom_pair(g, pose0)
    same_state(cp, pp, ref.OdomPose.__slots__)
    _odom_run(cg, pg, cp, pp, steps)


@pytest.mark.parametrize("d", [10_919, 10_920, 10_921, 10_922, 10_923, 10_924, 65_535, 65_536,
                               -10_922, -10_923, -65_536, 2_000_000])
@pytest.mark.parametrize("steer", [0, 1, -1, 785])
def test_odometry_division_edges(d, steer):
    """Six equal displacements put sum(d cos) = 6 * 32767 * d next to the
    bound where the division by 6 * 32767 leaves its 32-bit form
    (INT32_MAX - 98301, d = 10 922.5); the results match the reference on
    both sides of it."""
    g = ([350, 350, 0, 0, -350, -350], [250, -250, 270, -270, 250, -250])
    cg = ffi.new("struct odom_geom *")
    cg.wheel_x_mm, cg.wheel_y_mm = g
    for yaw in (0, 785_398, -3_000_000):
        cp = ffi.new("struct odom_pose *")
        lib.odom_init(cp, 0, 0, yaw)
        pp = ref.OdomPose(0, 0, yaw)
        dd, st4 = [d] * 6, [steer, steer, -steer, -steer]
        lib.odom_update(cp, cg, ffi.new("int32_t[6]", dd), ffi.new("int16_t[4]", st4))
        ref.odom_update(pp, ref.OdomGeom(*g), dd, st4)
        same_state(cp, pp, ref.OdomPose.__slots__)


narrow_mm = st.one_of(st.integers(-600, 600), st.integers(-16_001, 16_001),
                      st.sampled_from([-16_001, -16_000, 16_000, 16_001]), st.integers(-2, 2))
narrow_d = st.one_of(st.integers(-10_923, 10_923), st.sampled_from([-10_923, -10_922, 10_922, 10_923]))


@settings(max_examples=400, deadline=None)
@given(g=st.one_of(st.tuples(st.lists(narrow_mm, min_size=6, max_size=6),
                            st.lists(narrow_mm, min_size=6, max_size=6)),
                  st.tuples(st.lists(st.integers(-1200, 1200), min_size=6, max_size=6),
                            st.lists(st.integers(-1200, 1200), min_size=6, max_size=6))),
       pose0=st.tuples(i32, i32, i32),
       steps=st.lists(st.tuples(
           st.one_of(st.lists(narrow_d, min_size=6, max_size=6), narrow_d.map(lambda d: [d] * 6),
                     narrow_d.map(lambda d: [d, -d] * 3)),
           st.one_of(st.just([0, 0, 0, 0]),
                     st.lists(st.one_of(st.just(0), st.integers(-1600, 1600), i16), min_size=4,
                              max_size=4))),
           min_size=1, max_size=4))
def test_odometry_narrow_bounds(g, pose0, steps):
    """odom_update's 32-bit form (|d| <= 10 922 um, contact points within
    +-16 000 mm) next to its bounds, equal and opposite displacements (the
    largest sums, turning in place), tiny geometries (the dyaw clamp, a
    library division) and large ones (sum(x^2 + y^2) past 2^22, where
    1000 times a remainder would pass 32 bits)."""
    cg, pg, cp, pp = _odom_pair(g, pose0)
    _odom_run(cg, pg, cp, pp, steps)


@settings(max_examples=2000, deadline=None)
@given(x=st.one_of(st.integers(0, 2**31 - 1),
                   st.builds(lambda k, r: min(2**31 - 1, k * 32767 + r),
                             st.integers(0, 65538), st.integers(-2, 2).map(abs))))
def test_division_free_quotient_by_32767(x):
    """odometry's division by the trig scale: the exact quotient, multiples
    of 32767 and their neighbours included."""
    assert lib.fx_udiv_q15max(x) == x // 32767


@settings(max_examples=2000, deadline=None)
@given(x=st.one_of(st.integers(0, 2**31 - 1),
                   st.builds(lambda k, r: min(2**31 - 1, k * 1000 + r),
                             st.integers(0, 2_147_483), st.sampled_from([0, 1, 499, 500, 999]))))
def test_division_free_quotient_by_1000(x):
    """tilt's rate x dt / 1000: the exact quotient, multiples of 1000 and
    their neighbours included."""
    assert lib.fx_udiv1000(x) == x // 1000


def test_trig_of_zero_is_the_straight_shortcut():
    """odom_update takes cos 0 = 32767, sin 0 = 0 for a straight corner
    without the table: the values the table gives."""
    assert lib.fx_cos_urad(0) == ref.fx_cos_urad(0) == 32767
    assert lib.fx_sin_urad(0) == ref.fx_sin_urad(0) == 0


# --- tilt ----------------------------------------------------------------------------

tilt_step = st.tuples(st.lists(st.one_of(i16, st.integers(-1200, 1200)), min_size=3, max_size=3),
                      st.lists(st.one_of(i32, st.integers(-200000, 200000)), min_size=3, max_size=3),
                      st.one_of(u16, st.integers(1, 50)))


@SEQ_SETTINGS
@given(alpha=st.one_of(i16, st.integers(30000, 32767)), steps=st.lists(tilt_step, max_size=40))
def test_tilt_sequences(alpha, steps):
    cc = ffi.new("struct tilt_cfg *", {"alpha_q15": alpha})
    pc = ref.TiltCfg(alpha)
    ct = ffi.new("struct tilt_est *")
    lib.tilt_init(ct)
    pt = ref.TiltEst()
    for acc, gyro, dt in steps:
        lib.tilt_update(ct, cc, ffi.new("int16_t[3]", acc), ffi.new("int32_t[3]", gyro), dt)
        ref.tilt_update(pt, pc, acc, gyro, dt)
        same_state(ct, pt, ref.TiltEst.__slots__)


@settings(max_examples=400, deadline=None)
@given(dt=st.one_of(st.just(1), st.just(10), st.integers(1, 1025)),
       k=st.integers(488_000, 498_000), r=st.sampled_from([0, 1, 499, 500, 999]),
       e=st.integers(-3, 3), gyro_x_sign=st.sampled_from([-1, 1]),
       acc=st.lists(st.integers(-1200, 1200), min_size=3, max_size=3))
def test_tilt_rate_step_bounds(dt, k, r, e, gyro_x_sign, acc):
    """|rate| x dt next to where the filter's division by 1000 changes form
    (493 447 with the rounding's 500), on the rounding's edges (x 1000 + 499,
    + 500) where a multiply-shift quotient would first go wrong, and dt next
    to 1024 and the rate next to 2^20 (the 32-bit step's bounds)."""
    cc = ffi.new("struct tilt_cfg *", {"alpha_q15": 32113})
    pc = ref.TiltCfg(32113)
    ct = ffi.new("struct tilt_est *")
    lib.tilt_init(ct)
    pt = ref.TiltEst()
    rate = (k // 1000 * 1000 + r) // dt
    for gyro in ([0, 0, 0], [gyro_x_sign * rate, -rate, 0],
                 [gyro_x_sign * (2**20 + e), 2**20 + e, 0]):
        lib.tilt_update(ct, cc, ffi.new("int16_t[3]", acc), ffi.new("int32_t[3]", gyro), dt)
        ref.tilt_update(pt, pc, acc, gyro, dt)
        same_state(ct, pt, ref.TiltEst.__slots__)


# --- heater --------------------------------------------------------------------------

heater_cfg = st.fixed_dictionaries({
    "kp_q8": i16, "ki_q8": i16, "kd_q8": i16,
    "duty_max": st.one_of(i16, st.just(32767)),
    "min_temp_dc": st.one_of(i16, st.integers(-2000, 0)),
    "max_temp_dc": st.one_of(i16, st.integers(500, 16000)),
    "hysteresis_dc": st.one_of(i16, st.integers(0, 100)),
    "max_error_dcs": st.one_of(i32, st.integers(0, 5000)),
    "gain_dc": st.one_of(i16, st.integers(0, 50)),
    "gain_period_ms": st.one_of(u32, st.integers(0, 200)),
    "tick_ms": st.one_of(u16, st.integers(1, 20)),
})
heater_op = st.one_of(
    st.tuples(st.just("step"), st.one_of(i16, st.integers(-100, 1500))),
    st.tuples(st.just("target"), st.one_of(i16, st.integers(0, 1500))),
    st.tuples(st.just("reset"), st.just(0)),
)


@SEQ_SETTINGS
@given(cfg=heater_cfg, ops=st.lists(heater_op, min_size=1, max_size=80))
def test_heater_sequences(cfg, ops):
    cc = ffi.new("struct heater_cfg *", cfg)
    pc = ref.HeaterCfg(**cfg)
    ch = ffi.new("struct heater *")
    lib.heater_init(ch)
    ph = ref.Heater()
    same_state(ch, ph, ref.Heater.__slots__)
    for op, arg in ops:
        if op == "step":
            assert lib.heater_step(ch, cc, arg) == ref.heater_step(ph, pc, arg)
        elif op == "target":
            assert lib.heater_set_target(ch, cc, arg) == ref.heater_set_target(ph, pc, arg)
        else:
            lib.heater_reset(ch)
            ref.heater_reset(ph)
        same_state(ch, ph, ref.Heater.__slots__)


@SEQ_SETTINGS
@given(cfg=heater_cfg, target=st.integers(1, 1500), start=st.integers(-50, 300),
       slope=st.integers(-3, 6), n=st.integers(1, 400))
def test_heater_ramps(cfg, target, start, slope, n):
    """Smooth temperature ramps reach the holding/gain branches more often."""
    cfg = dict(cfg, min_temp_dc=-1000, max_temp_dc=max(cfg["max_temp_dc"], target))
    cc = ffi.new("struct heater_cfg *", cfg)
    pc = ref.HeaterCfg(**cfg)
    ch = ffi.new("struct heater *")
    lib.heater_init(ch)
    ph = ref.Heater()
    assert lib.heater_set_target(ch, cc, target) == ref.heater_set_target(ph, pc, target)
    temp = start
    for i in range(n):
        temp = max(-1000, min(cfg["max_temp_dc"], temp + slope * ((i % 3) - 0)))
        assert lib.heater_step(ch, cc, temp) == ref.heater_step(ph, pc, temp)
        same_state(ch, ph, ref.Heater.__slots__)
