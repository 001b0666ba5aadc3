"""Bit-exact pure-Python reference of the csrc/core loops (ints only).

Each class mirrors a C struct field for field; each function mirrors the C
function of the same name.  C integer semantics emulated here:

* ``/`` on signed ints truncates toward zero (C99): :func:`tdiv`, :func:`tmod`.
* ``fx_asr`` is a floor shift, which is exactly Python's ``>>``.
* ``fx_rdiv32/64`` round half away from zero: :func:`rdiv`.
* Narrowing always saturates (``fx_clamp32``, ``fx_add_sat32``,
  ``fx_sat32_from64``) except the decoder count and the speed-estimator
  difference, which wrap modulo 2**32 like the C ``(int32_t)(uint32_t)`` casts.
* Unsigned restoring division in ``ratio_q20`` is plain floor division here.

Intermediate values never overflow in C (that is proved in the C comments), so
Python's unbounded ints give the same results without further emulation.
"""
from __future__ import annotations

INT32_MAX = 2**31 - 1
UINT32_MAX = 2**32 - 1
INT16_MIN = -(2**15)
Q15_MAX = 32767

# csrc/core/wheel_loop.h
WHEEL_TARGET_MAX_MRADPS = 1_000_000
WHEEL_MEAS_MAX_MRADPS = 2_000_000
# csrc/core/quadrature.h
SPEED_EST_WIN_MAX = 64
# csrc/core/odometry.h: pi = 3141592.65 urad
FX_PI_URAD = 3141592
FX_HALF_PI_URAD = 1570796
FX_TWO_PI_URAD = 6283185
ODOM_D_MAX_UM = 16777216
ODOM_GEOM_MAX_MM = 32767
ODOM_DYAW_MAX_URAD = 1073741824
# csrc/core/heater.h
HEATER_OK = 0
HEATER_FAULT_OVERTEMP = 1
HEATER_FAULT_UNDERTEMP = 2
HEATER_FAULT_RUNAWAY = 3
HEATER_FAULT_NO_GAIN = 4
_GAIN_IDLE = INT16_MIN


# --- C integer helpers (fixed.h) -------------------------------------------

def clamp(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else (hi if v > hi else v)


def tdiv(n: int, d: int) -> int:
    """C99 ``n / d``: truncates toward zero."""
    q = abs(n) // abs(d)
    return q if (n >= 0) == (d > 0) else -q


def tmod(n: int, d: int) -> int:
    """C99 ``n % d``: sign of n."""
    return n - tdiv(n, d) * d


def rdiv(n: int, d: int) -> int:
    """fx_rdiv32/64: n / d rounded half away from zero, d > 0."""
    h = d // 2
    return (n + h) // d if n >= 0 else -((-n + h) // d)


def add_sat32(a: int, b: int) -> int:
    """fx_add_sat32 (also fx_sat32_from64 when given an int64 sum)."""
    s = a + b
    return INT32_MAX if s > INT32_MAX else (-INT32_MAX if s < -INT32_MAX else s)


def sat32(v: int) -> int:
    return INT32_MAX if v > INT32_MAX else (-INT32_MAX if v < -INT32_MAX else v)


def wrap_i32(v: int) -> int:
    """(int32_t)(uint32_t)v: two's-complement wrap."""
    return ((v + 2**31) & UINT32_MAX) - 2**31


# --- wheel loop ------------------------------------------------------------

class WheelLoopCfg:
    __slots__ = ("kp_q8", "ki_q8", "kd_q8", "effort_max", "slew_q8",
                 "stall_effort", "stall_speed_mradps", "stall_ms")

    def __init__(self, kp_q8=0, ki_q8=0, kd_q8=0, effort_max=Q15_MAX, slew_q8=0,
                 stall_effort=0, stall_speed_mradps=0, stall_ms=0):
        self.kp_q8 = kp_q8
        self.ki_q8 = ki_q8
        self.kd_q8 = kd_q8
        self.effort_max = effort_max
        self.slew_q8 = slew_q8
        self.stall_effort = stall_effort
        self.stall_speed_mradps = stall_speed_mradps
        self.stall_ms = stall_ms


class WheelLoop:
    __slots__ = ("target_mradps", "ramp_q8", "integ_q8", "prev_err", "effort",
                 "stall_count_ms", "stalled")

    def __init__(self):
        wheel_loop_init(self)


def wheel_loop_init(w: WheelLoop) -> None:
    w.target_mradps = 0
    wheel_loop_reset(w)


def wheel_loop_reset(w: WheelLoop) -> None:
    w.ramp_q8 = 0
    w.integ_q8 = 0
    w.prev_err = 0
    w.effort = 0
    w.stall_count_ms = 0
    w.stalled = 0


def wheel_loop_set_target(w: WheelLoop, target_mradps: int) -> None:
    w.target_mradps = clamp(target_mradps, -WHEEL_TARGET_MAX_MRADPS, WHEEL_TARGET_MAX_MRADPS)


def _wheel_idle(w: WheelLoop) -> int:
    w.ramp_q8 = 0
    w.integ_q8 = 0
    w.prev_err = 0
    w.effort = 0
    return 0


def wheel_loop_step(w: WheelLoop, c: WheelLoopCfg, meas_mradps: int) -> int:
    if w.stalled:
        return _wheel_idle(w)
    emax = clamp(c.effort_max, 0, Q15_MAX)
    emax_q8 = emax * 256
    slew = c.slew_q8 if c.slew_q8 > 0 else 0
    meas = clamp(meas_mradps, -WHEEL_MEAS_MAX_MRADPS, WHEEL_MEAS_MAX_MRADPS)

    tmax = WHEEL_TARGET_MAX_MRADPS
    target_q8 = clamp(w.target_mradps, -tmax, tmax) * 256
    ramp = clamp(w.ramp_q8, -tmax * 256, tmax * 256)
    d = target_q8 - ramp
    if d > slew:
        ramp += slew
    elif d < -slew:
        ramp -= slew
    else:
        ramp = target_q8
    w.ramp_q8 = ramp

    err = clamp(((ramp + 128) >> 8) - meas, -32767, 32767)
    derr = clamp(err - clamp(w.prev_err, -32767, 32767), -32767, 32767)
    w.prev_err = err

    pd = add_sat32(c.kp_q8 * err, c.kd_q8 * derr)
    integ = clamp(w.integ_q8, -emax_q8, emax_q8)
    inc = c.ki_q8 * err
    u = add_sat32(pd, integ)
    if not ((u >= emax_q8 and inc > 0) or (u <= -emax_q8 and inc < 0)):
        integ = clamp(add_sat32(integ, inc), -emax_q8, emax_q8)
    w.integ_q8 = integ
    u = add_sat32(pd, integ)
    eff = clamp(add_sat32(u, 128) >> 8, -emax, emax)

    if (c.stall_ms > 0 and c.stall_effort > 0 and abs(eff) >= c.stall_effort
            and abs(meas) <= c.stall_speed_mradps):
        if w.stall_count_ms < c.stall_ms:
            w.stall_count_ms += 1
        if w.stall_count_ms >= c.stall_ms:
            w.stalled = 1
            return _wheel_idle(w)
    else:
        w.stall_count_ms = 0
    w.effort = eff
    return eff


# --- quadrature --------------------------------------------------------------

_ILL = 2
# Index (prev_ab << 2) | ab; forward gray order 00 -> 01 -> 11 -> 10 -> 00.
QUAD_STEP = (0, 1, -1, _ILL,
             -1, 0, _ILL, 1,
             1, _ILL, 0, -1,
             _ILL, -1, 1, 0)


class QuadDec:
    __slots__ = ("count", "illegal", "prev_ab")

    def __init__(self, ab: int = 0):
        quad_init(self, ab)


def quad_init(q: QuadDec, ab: int) -> None:
    q.count = 0
    q.illegal = 0
    q.prev_ab = ab & 3


def quad_update(q: QuadDec, ab: int) -> None:
    ab &= 3
    s = QUAD_STEP[((q.prev_ab & 3) << 2) | ab]
    if s == _ILL:
        q.illegal = (q.illegal + 1) & UINT32_MAX
    else:
        q.count = wrap_i32(q.count + s)
    q.prev_ab = ab


class SpeedEst:
    __slots__ = ("hist", "mrad_per_count_q16", "speed_mradps", "rate_int", "rate_frac_q16",
                 "window_ms", "head", "filled")

    def __init__(self):
        self.hist = [0] * SPEED_EST_WIN_MAX
        self.mrad_per_count_q16 = 0
        self.speed_mradps = 0
        self.rate_int = 0
        self.rate_frac_q16 = 0
        self.window_ms = 0
        self.head = 0
        self.filled = 0


def speed_est_init(s: SpeedEst, mrad_per_count_q16: int, window_ms: int, count_now: int) -> int:
    if window_ms < 1 or window_ms > SPEED_EST_WIN_MAX:
        return -1
    rate = (abs(mrad_per_count_q16) * 1000 + window_ms // 2) // window_ms
    if rate > UINT32_MAX:
        return -1
    s.hist = [0] * SPEED_EST_WIN_MAX
    s.mrad_per_count_q16 = mrad_per_count_q16
    s.rate_int, s.rate_frac_q16 = rate >> 16, rate & 0xFFFF
    s.speed_mradps = 0
    s.window_ms = window_ms
    s.hist[0] = count_now & 0xFFFF
    s.head = 1 % window_ms
    s.filled = 1
    return 0


def speed_est_update(s: SpeedEst, count_now: int) -> int:
    w = s.window_ms
    if w < 1 or w > SPEED_EST_WIN_MAX:
        w = SPEED_EST_WIN_MAX
    if s.filled < 1 or s.filled > w:
        s.filled = w
    if s.head >= w:
        s.head = 0
    hist = s.hist
    span = s.filled
    now16 = count_now & 0xFFFF
    d16 = (now16 - hist[(s.head + w - span) % w]) & 0xFFFF
    delta = d16 - 65536 if d16 >= 0x8000 else d16
    k = s.mrad_per_count_q16
    if span == w:
        # full window: the precomputed rate, rounded (no division in C)
        v = min((abs(delta) * ((s.rate_int << 16) | s.rate_frac_q16) + 0x8000) >> 16, INT32_MAX)
        s.speed_mradps = -v if (delta < 0) != (k < 0) else v
    else:
        # filling: exact truncation of delta * k * 1000 / (span << 16)
        s.speed_mradps = sat32(tdiv(delta * k * 1000, span << 16))
    hist[s.head] = now16
    s.head = (s.head + 1) % w
    if span < w:
        s.filled = span + 1
    return s.speed_mradps


# --- trig (odometry.c) ---------------------------------------------------------

# Generated once, identically to the literal tables in odometry.c.
def _tables():
    import math
    sin_tab = tuple(round(32767 * math.sin(i * 8192e-6)) for i in range(193))
    atan_tab = tuple(round(math.atan(i / 128) * 1e6) for i in range(129))
    return sin_tab, atan_tab


SIN_TAB, ATAN_TAB = _tables()


def fx_wrap_urad(a: int) -> int:
    # C takes a division-free shortcut within +-3 pi; it equals this formula
    k = tdiv(a, FX_TWO_PI_URAD)
    r = a - k * FX_TWO_PI_URAD - tdiv(k * 307, 1000)
    if r > FX_PI_URAD:
        r -= FX_TWO_PI_URAD
    elif r < -FX_PI_URAD:
        r += FX_TWO_PI_URAD
    return r


def _sin_quarter(x: int) -> int:
    i, f = x >> 13, x & 8191                     # table step 2**13 urad
    t0 = SIN_TAB[i]
    return t0 + (((SIN_TAB[i + 1] - t0) * f + 4096) >> 13)


def fx_sin_urad(a: int) -> int:
    x = fx_wrap_urad(a)
    neg = x < 0
    if neg:
        x = -x
    if x > FX_HALF_PI_URAD:
        x = FX_PI_URAD - x
    v = _sin_quarter(x)
    return -v if neg else v


def fx_cos_urad(a: int) -> int:
    y = FX_HALF_PI_URAD - abs(fx_wrap_urad(a))
    return -_sin_quarter(-y) if y < 0 else _sin_quarter(y)


def _atan_unit(q: int) -> int:
    i = q >> 13
    if i >= 128:
        return ATAN_TAB[128]
    t0 = ATAN_TAB[i]
    return t0 + (((ATAN_TAB[i + 1] - t0) * (q & 8191) + 4096) >> 13)


def fx_atan2_urad(y: int, x: int) -> int:
    ax = abs(x)
    ay = abs(y)
    if ax == 0 and ay == 0:
        return 0
    if ay <= ax:
        a = _atan_unit((1 << 20) if ay >= ax else (ay << 20) // ax)
    else:
        a = FX_HALF_PI_URAD - _atan_unit((ax << 20) // ay)
    if x < 0:
        a = FX_PI_URAD - a
    return -a if y < 0 else a


# --- odometry --------------------------------------------------------------------

class OdomGeom:
    __slots__ = ("wheel_x_mm", "wheel_y_mm")

    def __init__(self, wheel_x_mm=(0,) * 6, wheel_y_mm=(0,) * 6):
        self.wheel_x_mm = list(wheel_x_mm)
        self.wheel_y_mm = list(wheel_y_mm)


class OdomPose:
    __slots__ = ("x_um", "y_um", "yaw_urad")

    def __init__(self, x_um=0, y_um=0, yaw_urad=0):
        odom_init(self, x_um, y_um, yaw_urad)


def odom_init(p: OdomPose, x_um: int, y_um: int, yaw_urad: int) -> None:
    p.x_um = x_um
    p.y_um = y_um
    p.yaw_urad = fx_wrap_urad(yaw_urad)


_STEER_OF_WHEEL = (0, 1, -1, -1, 2, 3)


def odom_update(p: OdomPose, g: OdomGeom, d_um, steer_mrad) -> None:
    sx = sy = num = den = 0
    gm = ODOM_GEOM_MAX_MM
    for i in range(6):
        d = clamp(d_um[i], -ODOM_D_MAX_UM, ODOM_D_MAX_UM)
        xm = clamp(g.wheel_x_mm[i], -gm, gm)
        ym = clamp(g.wheel_y_mm[i], -gm, gm)
        k = _STEER_OF_WHEEL[i]
        if k >= 0:
            a = steer_mrad[k] * 1000
            dx = d * fx_cos_urad(a)
            dy = d * fx_sin_urad(a)
        else:
            dx = d * Q15_MAX
            dy = 0
        sx += dx
        sy += dy
        num += xm * dy - ym * dx
        den += xm * xm + ym * ym
    bx = rdiv(sx, 6 * Q15_MAX)
    by = rdiv(sy, 6 * Q15_MAX)
    if den > 0:
        dyaw = clamp(rdiv(rdiv(num, Q15_MAX) * 1000, den), -ODOM_DYAW_MAX_URAD, ODOM_DYAW_MAX_URAD)
    else:
        dyaw = 0
    yaw = fx_wrap_urad(p.yaw_urad)
    head = fx_wrap_urad(yaw + tdiv(dyaw, 2))
    c = fx_cos_urad(head)
    s = fx_sin_urad(head)
    p.x_um = sat32(p.x_um + rdiv(bx * c - by * s, Q15_MAX))
    p.y_um = sat32(p.y_um + rdiv(bx * s + by * c, Q15_MAX))
    p.yaw_urad = fx_wrap_urad(yaw + dyaw)


# --- tilt --------------------------------------------------------------------------

class TiltCfg:
    __slots__ = ("alpha_q15",)

    def __init__(self, alpha_q15: int = 32113):
        self.alpha_q15 = alpha_q15


class TiltEst:
    __slots__ = ("pitch_mdeg", "roll_mdeg", "primed")

    def __init__(self):
        tilt_init(self)


def fx_isqrt32(v: int) -> int:
    from math import isqrt
    return isqrt(v)


def _wrap_mdeg(v: int) -> int:
    r = tmod(v, 360000)
    if r > 180000:
        r -= 360000
    elif r <= -180000:
        r += 360000
    return r


def _urad_to_mdeg(urad: int) -> int:
    # round(|urad| * 961264 / 2**24) with the sign of urad (C splits the product)
    m = (abs(urad) * 961264 + (1 << 23)) >> 24
    return -m if urad < 0 else m


def tilt_init(t: TiltEst) -> None:
    t.pitch_mdeg = 0
    t.roll_mdeg = 0
    t.primed = 0


def _blend(angle: int, rate_mdps: int, dt_ms: int, acc: int, w_acc_q15: int) -> int:
    pred = _wrap_mdeg(angle + rdiv(rate_mdps * dt_ms, 1000))
    innov = _wrap_mdeg(acc - pred)
    corr = rdiv(innov * w_acc_q15, 32768)
    if corr == 0 and innov != 0:
        corr = 1 if innov > 0 else -1
    return _wrap_mdeg(pred + corr)


def tilt_update(t: TiltEst, c: TiltCfg, accel_mg, gyro_mdps, dt_ms: int) -> None:
    ax, ay, az = accel_mg[0], accel_mg[1], accel_mg[2]
    s = ay * ay + az * az
    k = 0
    if s:
        while s < (1 << 30):
            s <<= 2
            k += 1
    from math import isqrt
    acc_pitch = _urad_to_mdeg(fx_atan2_urad(ax << k, isqrt(s)))
    acc_roll = _urad_to_mdeg(fx_atan2_urad(ay, az))
    if not t.primed:
        t.pitch_mdeg = acc_pitch
        t.roll_mdeg = acc_roll
        t.primed = 1
        return
    w_acc = 32768 - clamp(c.alpha_q15, 0, Q15_MAX)
    t.pitch_mdeg = _blend(t.pitch_mdeg, -gyro_mdps[1], dt_ms, acc_pitch, w_acc)
    t.roll_mdeg = _blend(t.roll_mdeg, gyro_mdps[0], dt_ms, acc_roll, w_acc)


# --- heater ------------------------------------------------------------------------

class HeaterCfg:
    __slots__ = ("kp_q8", "ki_q8", "kd_q8", "duty_max", "min_temp_dc", "max_temp_dc",
                 "hysteresis_dc", "max_error_dcs", "gain_dc", "gain_period_ms", "tick_ms")

    def __init__(self, **kw):
        for name in self.__slots__:
            setattr(self, name, kw.pop(name, 0))
        if kw:
            raise TypeError(f"unknown heater_cfg fields: {sorted(kw)}")


class Heater:
    __slots__ = ("target_dc", "integ_q8", "prev_err", "duty", "fault", "error_acc_dcms",
                 "gain_ref_dc", "gain_elapsed_ms", "holding")

    def __init__(self):
        heater_init(self)


def _heater_clear(h: Heater) -> None:
    h.integ_q8 = 0
    h.prev_err = 0
    h.duty = 0
    h.error_acc_dcms = 0
    h.gain_ref_dc = _GAIN_IDLE
    h.gain_elapsed_ms = 0
    h.holding = 0


def heater_init(h: Heater) -> None:
    h.target_dc = 0
    h.fault = HEATER_OK
    _heater_clear(h)


def heater_reset(h: Heater) -> None:
    heater_init(h)


def heater_set_target(h: Heater, c: HeaterCfg, target_dc: int) -> int:
    if target_dc < 0 or target_dc > c.max_temp_dc:
        return -1
    if target_dc != h.target_dc:
        h.target_dc = target_dc
        h.holding = 0
        h.error_acc_dcms = 0
        h.gain_ref_dc = _GAIN_IDLE
        h.gain_elapsed_ms = 0
    return 0


def _heater_trip(h: Heater, fault: int) -> int:
    h.fault = fault
    _heater_clear(h)
    return 0


def heater_step(h: Heater, c: HeaterCfg, temp_dc: int) -> int:
    if h.fault != HEATER_OK:
        h.duty = 0
        return 0
    if temp_dc > c.max_temp_dc:
        return _heater_trip(h, HEATER_FAULT_OVERTEMP)
    if temp_dc < c.min_temp_dc:
        return _heater_trip(h, HEATER_FAULT_UNDERTEMP)
    if h.target_dc <= 0:
        _heater_clear(h)
        return 0

    dmax = clamp(c.duty_max, 0, Q15_MAX)
    err = h.target_dc - temp_dc
    aerr = abs(err)
    hyst = c.hysteresis_dc if c.hysteresis_dc > 0 else 0
    if not h.holding and aerr <= hyst:
        h.holding = 1

    if h.holding:
        h.gain_ref_dc = _GAIN_IDLE
        h.gain_elapsed_ms = 0
        if aerr > hyst:
            me = c.max_error_dcs
            budget = 0 if me <= 0 else (INT32_MAX if me > INT32_MAX // 1000 else me * 1000)
            acc = h.error_acc_dcms if h.error_acc_dcms > 0 else 0
            h.error_acc_dcms = min(acc + (aerr - hyst) * c.tick_ms, INT32_MAX)
            if h.error_acc_dcms > budget:
                return _heater_trip(h, HEATER_FAULT_RUNAWAY)
        else:
            h.error_acc_dcms = 0
    elif (c.gain_period_ms > 0 and err > hyst + (c.gain_dc if c.gain_dc > 0 else 0)
          and h.duty >= dmax):
        if h.gain_ref_dc == _GAIN_IDLE:
            h.gain_ref_dc = temp_dc
            h.gain_elapsed_ms = 0
        else:
            h.gain_elapsed_ms = min(h.gain_elapsed_ms + c.tick_ms, UINT32_MAX)
            if h.gain_elapsed_ms >= c.gain_period_ms:
                if temp_dc - h.gain_ref_dc < c.gain_dc:
                    return _heater_trip(h, HEATER_FAULT_NO_GAIN)
                h.gain_ref_dc = temp_dc
                h.gain_elapsed_ms = 0
    else:
        h.gain_ref_dc = _GAIN_IDLE
        h.gain_elapsed_ms = 0

    dmax_q8 = dmax * 256
    err = clamp(err, -32767, 32767)
    derr = clamp(err - h.prev_err, -32767, 32767)
    h.prev_err = err
    pd = add_sat32(c.kp_q8 * err, c.kd_q8 * derr)
    integ = clamp(h.integ_q8, 0, dmax_q8)
    inc = c.ki_q8 * err
    u = add_sat32(pd, integ)
    if not ((u >= dmax_q8 and inc > 0) or (u <= 0 and inc < 0)):
        integ = clamp(add_sat32(integ, inc), 0, dmax_q8)
    h.integ_q8 = integ
    u = add_sat32(pd, integ)
    duty = clamp(add_sat32(u, 128) >> 8, 0, dmax)
    h.duty = duty
    return duty
