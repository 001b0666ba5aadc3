"""Behavioural properties of the csrc/core loops (run on the C build).

The differential tests prove the pure-Python reference equal to the C, so
these properties hold for both.
"""
import math

import pytest
from hypothesis import assume, given, settings, strategies as st

from common._native import ffi, lib
from sim_hw.pyref import loops as ref

PROPS = settings(max_examples=60, deadline=None)
i16 = st.integers(-(2**15), 2**15 - 1)
i32 = st.integers(-(2**31), 2**31 - 1)


# --- wheel loop -----------------------------------------------------------------

def wheel(**cfg):
    c = ffi.new("struct wheel_loop_cfg *", cfg)
    w = ffi.new("struct wheel_loop *")
    lib.wheel_loop_init(w)
    return w, c


wheel_cfg = st.fixed_dictionaries({
    "kp_q8": i16, "ki_q8": i16, "kd_q8": i16, "effort_max": st.integers(0, 32767),
    "slew_q8": st.one_of(i32, st.integers(0, 50000)), "stall_effort": st.just(0),
    "stall_speed_mradps": st.just(0), "stall_ms": st.just(0),
})


@PROPS
@given(cfg=wheel_cfg, targets=st.lists(i32, min_size=1, max_size=5),
       meas=st.lists(i32, min_size=1, max_size=60))
def test_wheel_clamps_hold_over_full_range(cfg, targets, meas):
    w, c = wheel(**cfg)
    emax = cfg["effort_max"]
    for i, m in enumerate(meas):
        if i % 12 == 0:
            lib.wheel_loop_set_target(w, targets[(i // 12) % len(targets)])
        e = lib.wheel_loop_step(w, c, m)
        assert -emax <= e <= emax and e == w.effort
        assert -emax * 256 <= w.integ_q8 <= emax * 256
        assert abs(w.target_mradps) <= lib.WHEEL_TARGET_MAX_MRADPS
        assert abs(w.ramp_q8) <= lib.WHEEL_TARGET_MAX_MRADPS * 256
        assert abs(w.prev_err) <= 32767


@PROPS
@given(slew=st.integers(0, 3_000_000), targets=st.lists(i32, min_size=1, max_size=4),
       ticks=st.integers(1, 40))
def test_ramp_never_exceeds_slew(slew, targets, ticks):
    w, c = wheel(kp_q8=100, effort_max=32767, slew_q8=slew)
    for t in targets:
        lib.wheel_loop_set_target(w, t)
        for _ in range(ticks):
            before = w.ramp_q8
            lib.wheel_loop_step(w, c, 0)
            assert abs(w.ramp_q8 - before) <= slew
            # Moves toward the target and lands on it exactly.
            goal = w.target_mradps * 256
            assert abs(goal - w.ramp_q8) <= abs(goal - before)
    # Enough ticks always reaches the target exactly.
    if slew > 0:
        n = abs(w.target_mradps * 256 - w.ramp_q8) // slew + 1
        for _ in range(min(n, 10000)):
            lib.wheel_loop_step(w, c, 0)
        if n <= 10000:
            assert w.ramp_q8 == w.target_mradps * 256


def test_wheel_tracks_first_order_plant():
    """Closed loop on a gearmotor-like plant: settles on target, no windup overshoot."""
    w, c = wheel(kp_q8=200, ki_q8=20, kd_q8=0, effort_max=32767, slew_q8=2000 * 256 // 200)
    lib.wheel_loop_set_target(w, 2000)
    speed = 0.0
    peak = 0.0
    for _ in range(3000):
        e = lib.wheel_loop_step(w, c, int(round(speed)))
        # 1 ms step, tau 50 ms, 3000 mrad/s at full duty.
        speed += (3000.0 * e / 32767 - speed) / 50.0
        peak = max(peak, speed)
    assert abs(speed - 2000) <= 3
    assert peak < 2000 * 1.05


def test_wheel_anti_windup_limits_integrator_while_saturated():
    w, c = wheel(kp_q8=10, ki_q8=50, effort_max=20000, slew_q8=1 << 30)
    lib.wheel_loop_set_target(w, 1000)
    outs = [lib.wheel_loop_step(w, c, 0) for _ in range(2000)]
    assert max(outs) == 20000 and outs[-1] == 20000
    # Pinned at the clamp, not wound up beyond it.
    assert w.integ_q8 <= 20000 * 256
    # The first tick of overshoot already pulls the output off the clamp.
    assert lib.wheel_loop_step(w, c, 1100) < 20000


@PROPS
@given(stall_ms=st.integers(1, 60), stall_effort=st.integers(1, 20000),
       speed_lim=st.integers(0, 50), meas=st.integers(-50, 50))
def test_stall_fires_after_exactly_stall_ms(stall_ms, stall_effort, speed_lim, meas):
    assume(abs(meas) <= speed_lim)
    w, c = wheel(kp_q8=32767, effort_max=25000, slew_q8=1 << 28, stall_effort=stall_effort,
                 stall_speed_mradps=speed_lim, stall_ms=stall_ms)
    lib.wheel_loop_set_target(w, 5000)
    for k in range(1, stall_ms):
        assert lib.wheel_loop_step(w, c, meas) == 25000
        assert w.stalled == 0 and w.stall_count_ms == k
    assert lib.wheel_loop_step(w, c, meas) == 0
    assert w.stalled == 1
    for _ in range(5):          # latched: stays off whatever the wheel does
        assert lib.wheel_loop_step(w, c, 0) == 0
    lib.wheel_loop_set_target(w, 5000)
    assert lib.wheel_loop_step(w, c, meas) == 0 and w.stalled == 1
    lib.wheel_loop_set_target(w, 0)     # a stop does not clear the latch ...
    assert w.stalled == 1 and lib.wheel_loop_step(w, c, 0) == 0
    lib.wheel_loop_reset(w)             # ... only an explicit reset does
    assert w.stalled == 0
    lib.wheel_loop_set_target(w, 5000)
    # Pushing again: the count starts from zero (stall_ms = 1 re-stalls at once).
    assert lib.wheel_loop_step(w, c, meas) == (25000 if stall_ms > 1 else 0)


def test_stall_count_restarts_when_the_wheel_turns():
    w, c = wheel(kp_q8=32767, effort_max=25000, slew_q8=1 << 28, stall_effort=10000,
                 stall_speed_mradps=10, stall_ms=5)
    lib.wheel_loop_set_target(w, 5000)
    for _ in range(4):
        lib.wheel_loop_step(w, c, 0)
    lib.wheel_loop_step(w, c, 11)       # one turning tick
    assert w.stall_count_ms == 0
    for _ in range(4):
        lib.wheel_loop_step(w, c, 0)
    assert w.stalled == 0
    lib.wheel_loop_step(w, c, 0)
    assert w.stalled == 1
    lib.wheel_loop_reset(w)             # reset clears the latch too
    assert w.stalled == 0 and lib.wheel_loop_step(w, c, 0) != 0


def test_set_target_saturates():
    w, _ = wheel()
    lib.wheel_loop_set_target(w, 2**31 - 1)
    assert w.target_mradps == lib.WHEEL_TARGET_MAX_MRADPS
    lib.wheel_loop_set_target(w, -(2**31))
    assert w.target_mradps == -lib.WHEEL_TARGET_MAX_MRADPS


# --- quadrature ------------------------------------------------------------------

GRAY = (0b00, 0b01, 0b11, 0b10)


@PROPS
@given(start=st.integers(0, 3), moves=st.lists(st.sampled_from((-1, 0, 1)), max_size=300))
def test_legal_edge_sequences_count_exactly(start, moves):
    q = ffi.new("struct quad_dec *")
    lib.quad_init(q, GRAY[start])
    pos = start
    for m in moves:
        pos += m
        lib.quad_update(q, GRAY[pos % 4])
    assert q.count == moves.count(1) - moves.count(-1)
    assert q.illegal == 0 and q.prev_ab == GRAY[pos % 4]


@PROPS
@given(start=st.integers(0, 3), ops=st.lists(st.sampled_from((-1, 0, 1, 2)), max_size=200))
def test_double_changes_are_counted_illegal_and_keep_count(start, ops):
    q = ffi.new("struct quad_dec *")
    lib.quad_init(q, GRAY[start])
    pos, net, bad = start, 0, 0
    for op in ops:
        if op == 2:              # both bits flip: skips a state
            pos += 2
            bad += 1
        else:
            pos += op
            net += op
        lib.quad_update(q, GRAY[pos % 4])
        assert q.prev_ab == GRAY[pos % 4]
    assert q.count == net and q.illegal == bad


def speed_est(k_q16, window, c0=0):
    s = ffi.new("struct speed_est *")
    assert lib.speed_est_init(s, k_q16, window, c0) == 0
    return s


@pytest.mark.parametrize("window", [0, 65, 255])
def test_speed_est_rejects_bad_window(window):
    assert lib.speed_est_init(ffi.new("struct speed_est *"), 100, window, 0) == -1


@PROPS
@given(counts_per_s=st.integers(-200_000, 200_000), k_q16=st.integers(1, 400_000),
       window=st.integers(1, 64), c0=i32)
def test_speed_estimate_accurate_at_constant_speed(counts_per_s, k_q16, window, c0):
    s = speed_est(k_q16, window, c0)
    true = counts_per_s * k_q16 / 65536          # mrad/s
    # One count of quantization in the span, plus truncation.
    for t in range(1, 3 * window + 2):
        count = ref.wrap_i32(c0 + (counts_per_s * t) // 1000)
        est = lib.speed_est_update(s, count)
        span = min(t, window)
        tol = k_q16 / 65536 * 1000 / span + 1
        assert abs(est - true) <= tol


@pytest.mark.parametrize("k_q16, window", [(2**31 - 1, 1), (-(2**31), 1), (300_000_000, 4)])
def test_speed_est_rejects_a_rate_beyond_16_16_bits(k_q16, window):
    """A count worth 65536 mrad/s or more over the window: refused at init."""
    assert lib.speed_est_init(ffi.new("struct speed_est *"), k_q16, window, 0) == -1


@PROPS
@given(k_q16=st.integers(-400_000, 400_000), window=st.integers(1, 64),
       delta=st.integers(-32768, 32767), c0=i32)
def test_full_window_estimate_within_half_a_count_of_rate(k_q16, window, delta, c0):
    """Once the window has filled the multiply-by-rate estimate is within
    0.5 + |delta| / 2^17 mrad/s of the exact quotient (docs/fixed_point.md)."""
    s = speed_est(k_q16, window, c0)
    for _ in range(window - 1):
        lib.speed_est_update(s, c0)
    est = lib.speed_est_update(s, ref.wrap_i32(c0 + delta))
    exact = delta * k_q16 * 1000 / (window * 65536)
    assert abs(est - exact) <= 0.5 + abs(delta) / 2**17 + 1e-9


def test_speed_estimate_exact_when_counts_divide():
    s = speed_est(65536, 10)       # 1 mrad per count
    for t in range(1, 40):
        est = lib.speed_est_update(s, 7 * t)   # 7 counts/ms = 7000 mrad/s
    assert est == 7000


# --- trig ------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(a=i32)
def test_trig_error_bounds(a):
    r = ref.fx_wrap_urad(a)
    assert -lib.FX_PI_URAD <= r <= lib.FX_PI_URAD
    exact = math.remainder(a, 2e6 * math.pi)
    assert abs(r - exact) <= 1.5 or abs(abs(r - exact) - 2e6 * math.pi) <= 1.5
    assert abs(lib.fx_sin_urad(a) / 32767 - math.sin(a * 1e-6)) < 6e-5
    assert abs(lib.fx_cos_urad(a) / 32767 - math.cos(a * 1e-6)) < 6e-5


@settings(max_examples=300, deadline=None)
@given(y=i32, x=i32)
def test_atan2_error_bound(y, x):
    got = lib.fx_atan2_urad(y, x)
    assert -lib.FX_PI_URAD <= got <= lib.FX_PI_URAD
    if x == 0 and y == 0:
        assert got == 0
    else:
        assert abs(got - math.atan2(y, x) * 1e6) <= 10


def test_atan2_axes():
    assert lib.fx_atan2_urad(0, 5) == 0
    assert lib.fx_atan2_urad(5, 0) == lib.FX_HALF_PI_URAD
    assert lib.fx_atan2_urad(-5, 0) == -lib.FX_HALF_PI_URAD
    assert lib.fx_atan2_urad(0, -5) == lib.FX_PI_URAD
    assert lib.fx_atan2_urad(-(2**31), -(2**31)) == -(lib.FX_PI_URAD - 785398)


# --- odometry ----------------------------------------------------------------------

# Corner wheels at +-250 mm, middles at 0, track 400/460 mm (roughly OSR-sized).
XS = (250, 250, 0, 0, -250, -250)
YS = (200, -200, 230, -230, 200, -200)


def odom(xs=XS, ys=YS, pose=(0, 0, 0)):
    g = ffi.new("struct odom_geom *")
    g.wheel_x_mm, g.wheel_y_mm = list(xs), list(ys)
    p = ffi.new("struct odom_pose *")
    lib.odom_init(p, *pose)
    return p, g


def drive(p, g, d, steer, n=1):
    dd, ss = ffi.new("int32_t[6]", list(d)), ffi.new("int16_t[4]", list(steer))
    for _ in range(n):
        lib.odom_update(p, g, dd, ss)


@PROPS
@given(d=st.integers(-100_000, 100_000), n=st.integers(1, 50),
       yaw=st.integers(-3_141_592, 3_141_592))
def test_straight_line(d, n, yaw):
    p, g = odom(pose=(0, 0, yaw))
    drive(p, g, [d] * 6, [0] * 4, n)
    assert p.yaw_urad == yaw
    dist = d * n
    assert abs(p.x_um - dist * math.cos(yaw * 1e-6)) <= 1e-4 * abs(dist) + n
    assert abs(p.y_um - dist * math.sin(yaw * 1e-6)) <= 1e-4 * abs(dist) + n
    if yaw == 0:
        assert (p.x_um, p.y_um) == (dist, 0)


@PROPS
@given(d=st.lists(st.integers(-20000, 20000), min_size=6, max_size=6),
       steer=st.lists(st.integers(-1200, 1200), min_size=4, max_size=4), n=st.integers(1, 20))
def test_mirror_symmetry(d, steer, n):
    """Mirroring left/right (y -> -y) negates y and yaw, keeps x."""
    p, g = odom()
    drive(p, g, d, steer, n)
    swap = (1, 0, 3, 2, 5, 4)
    md = [d[swap[i]] for i in range(6)]
    ms = [-steer[1], -steer[0], -steer[3], -steer[2]]
    q, h = odom()
    drive(q, h, md, ms, n)
    assert abs(q.x_um - p.x_um) <= 2 * n
    assert abs(q.y_um + p.y_um) <= 2 * n
    assert abs(q.yaw_urad + p.yaw_urad) <= 2 * n


@PROPS
@given(d=st.lists(st.integers(-20000, 20000), min_size=6, max_size=6),
       steer=st.lists(st.integers(-600, 600), min_size=4, max_size=4), n=st.integers(1, 30))
def test_out_and_back_returns_near_start(d, steer, n):
    p, g = odom()
    drive(p, g, d, steer, n)
    drive(p, g, [-x for x in d], steer, n)
    # Exact reversal except rounding: a few um and urad per step.
    assert abs(p.x_um) <= 4 * n and abs(p.y_um) <= 4 * n
    assert abs(p.yaw_urad) <= 2 * n


@PROPS
@given(omega_urad=st.integers(-50_000, 50_000), n=st.integers(1, 40))
def test_point_turn_rotates_in_place(omega_urad, n):
    p, g = odom()
    d, steer = [], {}
    for i, (x, y) in enumerate(zip(XS, YS)):
        # Contact velocity of a pure rotation: omega * (-y, x).
        vx, vy = -y, x
        ang = math.atan2(vy, vx)
        sign = 1
        if ang > math.pi / 2:
            ang, sign = ang - math.pi, -1
        elif ang <= -math.pi / 2:
            ang, sign = ang + math.pi, -1
        d.append(round(sign * omega_urad * 1e-6 * math.hypot(x, y) * 1000))
        if i in (0, 1, 4, 5):
            steer[i] = round(ang * 1000)
    drive(p, g, d, [steer[0], steer[1], steer[4], steer[5]], n)
    assert abs(p.x_um) <= 2 * n and abs(p.y_um) <= 2 * n
    expect = omega_urad * n
    assert abs(math.remainder(p.yaw_urad - expect, 2e6 * math.pi)) <= 1e-3 * abs(expect) + 3 * n


def test_yaw_wraps_to_minus_pi_pi():
    p, g = odom(pose=(0, 0, 3_100_000))
    drive(p, g, [-20000, 20000] * 3, [0] * 4, 20)    # turning left (ccw)
    assert -lib.FX_PI_URAD <= p.yaw_urad <= lib.FX_PI_URAD
    assert p.yaw_urad < 0


# --- tilt --------------------------------------------------------------------------

def tilt(alpha):
    c = ffi.new("struct tilt_cfg *", {"alpha_q15": alpha})
    t = ffi.new("struct tilt_est *")
    lib.tilt_init(t)
    return t, c


def accel_for(pitch_deg, roll_deg, g_mg):
    """Specific force in body axes (x fwd, y left, z up) for a static tilt."""
    th, ph = math.radians(pitch_deg), math.radians(roll_deg)
    return [round(g_mg * math.sin(th)), round(g_mg * math.cos(th) * math.sin(ph)),
            round(g_mg * math.cos(th) * math.cos(ph))]


@PROPS
@given(pitch=st.floats(-60, 60), roll=st.floats(-170, 170), g_mg=st.sampled_from((165, 1000)))
def test_accel_angles_signs_and_accuracy(pitch, roll, g_mg):
    t, c = tilt(32113)
    acc = accel_for(pitch, roll, g_mg)
    lib.tilt_update(t, c, acc, [0, 0, 0], 10)
    # Expected from the rounded accel itself, to judge the fixed point only.
    exp_pitch = math.degrees(math.atan2(acc[0], math.hypot(acc[1], acc[2])))
    exp_roll = math.degrees(math.atan2(acc[1], acc[2]))
    assert abs(t.pitch_mdeg - exp_pitch * 1000) <= 2
    assert abs(t.roll_mdeg - exp_roll * 1000) <= 2
    # And the sign conventions: nose up and left side up are positive.
    tol = 1000 * math.degrees(1.5 / g_mg) + 2
    assert abs(t.pitch_mdeg - pitch * 1000) <= tol and abs(t.roll_mdeg - roll * 1000) <= tol


@settings(max_examples=25, deadline=None)
@given(pitch=st.floats(-40, 40), roll=st.floats(-40, 40), start=st.integers(-90000, 90000),
       alpha=st.integers(28000, 32700))
def test_converges_to_accel_angle_with_zero_gyro(pitch, roll, start, alpha):
    t, c = tilt(alpha)
    acc = ffi.new("int16_t[3]", accel_for(pitch, roll, 1000))
    gyro = ffi.new("int32_t[3]")
    t.pitch_mdeg, t.roll_mdeg, t.primed = start, -start, 1
    # Time constant 32768 / (32768 - alpha) updates; the last few hundred
    # mdeg close at >= 1 mdeg per update (no rounding dead band).
    n = int(32768 / (32768 - alpha) * math.log(90000)) + 400
    for _ in range(n):
        lib.tilt_update(t, c, acc, gyro, 10)
    exp_pitch = 1000 * math.degrees(math.atan2(acc[0], math.hypot(acc[1], acc[2])))
    exp_roll = 1000 * math.degrees(math.atan2(acc[1], acc[2]))
    assert abs(t.pitch_mdeg - exp_pitch) <= 2
    assert abs(t.roll_mdeg - exp_roll) <= 2


def test_gyro_signs():
    """+gyro_y dips the nose (right-handed about +y left); +gyro_x lifts the left side."""
    t, c = tilt(32767)
    flat = [0, 0, 1000]
    lib.tilt_update(t, c, flat, [0, 0, 0], 10)
    for _ in range(100):
        lib.tilt_update(t, c, flat, [10_000, 10_000, 0], 10)   # 10 deg/s for 1 s
    assert t.pitch_mdeg < -9000 and t.roll_mdeg > 9000


# --- heater --------------------------------------------------------------------------

HCFG = dict(kp_q8=2000, ki_q8=10, kd_q8=0, duty_max=32767, min_temp_dc=-500, max_temp_dc=12000,
            hysteresis_dc=50, max_error_dcs=1200, gain_dc=20, gain_period_ms=20000, tick_ms=100)


def heater(**over):
    c = ffi.new("struct heater_cfg *", dict(HCFG, **over))
    h = ffi.new("struct heater *")
    lib.heater_init(h)
    return h, c


def latched(h, c, fault, temps=(200, 1000, 5000)):
    assert h.fault == fault and h.duty == 0
    for temp in temps:
        assert lib.heater_step(h, c, temp) == 0 and h.fault == fault
    lib.heater_reset(h)
    assert h.fault == lib.HEATER_OK and h.target_dc == 0


@PROPS
@given(target=st.integers(-(2**15), 2**15 - 1))
def test_out_of_range_target_refused(target):
    h, c = heater()
    assert lib.heater_set_target(h, c, 1000) == 0
    rc = lib.heater_set_target(h, c, target)
    if 0 <= target <= HCFG["max_temp_dc"]:
        assert rc == 0 and h.target_dc == target
    else:
        assert rc == -1 and h.target_dc == 1000


def test_overtemp_fault_latches():
    h, c = heater()
    lib.heater_set_target(h, c, 10000)
    assert lib.heater_step(h, c, 9000) > 0
    assert lib.heater_step(h, c, 12001) == 0
    latched(h, c, lib.HEATER_FAULT_OVERTEMP)


def test_sensor_open_fault_latches():
    h, c = heater()
    lib.heater_set_target(h, c, 1000)
    assert lib.heater_step(h, c, -501) == 0
    latched(h, c, lib.HEATER_FAULT_UNDERTEMP)


def test_no_gain_fault_fires_at_the_period_and_latches():
    h, c = heater()
    lib.heater_set_target(h, c, 10000)
    # The window opens once the output sits at duty_max (after this tick).
    assert lib.heater_step(h, c, 200) == 32767
    # Rising 1.9 C per 20 s: just short of the 2.0 C required.
    temps = [200 + (19 * k) // 200 for k in range(201)]
    for k, temp in enumerate(temps[:-1]):
        assert lib.heater_step(h, c, temp) > 0, k
    assert lib.heater_step(h, c, temps[-1]) == 0
    latched(h, c, lib.HEATER_FAULT_NO_GAIN)


def test_enough_gain_keeps_heating():
    h, c = heater()
    lib.heater_set_target(h, c, 10000)
    for k in range(2000):       # +2 C per 20 s exactly, for 200 s
        assert lib.heater_step(h, c, 200 + k // 10) > 0
    assert h.fault == lib.HEATER_OK


def test_gain_window_only_while_heating_flat_out():
    """A PID that chooses to creep (output below duty_max) is not a no-gain fault."""
    h, c = heater(kp_q8=10, ki_q8=0)
    lib.heater_set_target(h, c, 10000)
    for _ in range(3000):                 # 300 s at a constant 20 C
        assert 0 < lib.heater_step(h, c, 200) < 32767
    assert h.fault == lib.HEATER_OK


def test_heater_off_gives_zero_duty_without_faults():
    h, c = heater()
    for temp in (-400, 0, 500, 11000):
        assert lib.heater_step(h, c, temp) == 0
    assert h.fault == lib.HEATER_OK


def test_runaway_fault_when_holding_then_drifting():
    h, c = heater()
    lib.heater_set_target(h, c, 1000)
    lib.heater_step(h, c, 990)            # in band: holding
    assert h.holding == 1
    # 10 C above target = 5 C (50 dC) beyond the band: 50 dC * 0.1 s per tick
    # = 5 dC*s per tick; budget 1200 dC*s -> trips on tick 241.
    for _ in range(240):
        assert h.fault == lib.HEATER_OK
        lib.heater_step(h, c, 1100)
    assert h.fault == lib.HEATER_OK
    lib.heater_step(h, c, 1100)
    latched(h, c, lib.HEATER_FAULT_RUNAWAY)


def test_returning_to_band_clears_the_runaway_budget():
    h, c = heater()
    lib.heater_set_target(h, c, 1000)
    lib.heater_step(h, c, 1000)
    for _ in range(50):
        for _ in range(200):
            lib.heater_step(h, c, 1100)
        lib.heater_step(h, c, 1000)
        assert h.error_acc_dcms == 0
    assert h.fault == lib.HEATER_OK


def test_heater_regulates_a_thermal_mass_without_fault():
    h, c = heater(kp_q8=4000, ki_q8=2)
    lib.heater_set_target(h, c, 10000)    # 1000 C sintering head
    temp = 200.0
    for _ in range(20000):                # 2000 s at 100 ms
        duty = lib.heater_step(h, c, int(temp))
        # 1500 C rise at full power, tau 300 s.
        temp += (200 + 15000 * duty / 32767 - temp) * 0.1 / 300
        assert 0 <= duty <= 32767
    assert h.fault == lib.HEATER_OK
    assert abs(temp - 10000) <= 60
