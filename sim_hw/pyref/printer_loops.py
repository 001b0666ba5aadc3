"""Bit-exact pure-Python reference of the printer loops in csrc/core:
motion.c (trapezoidal moves, step generation), homing.c, deadman.c.

Same conventions as :mod:`sim_hw.pyref.loops`: one class per C struct (field
for field), one function per C function; Python ints stand in for the C
integers (intermediates never overflow in C, see the C comments), ``>>`` is
the C ``fx_asr`` floor shift.
"""
from __future__ import annotations

MOTION_AXES = 4
MOTION_POS_MAX = 268435455
MOTION_V_MAX_Q16 = 1 << 30
MOTION_OK, MOTION_ERR_BUSY, MOTION_ERR_LIMIT, MOTION_ERR_RATE, MOTION_ERR_AXIS = 0, -1, -2, -3, -4

HOME_IDLE, HOME_SEEK, HOME_BACKOFF, HOME_APPROACH, HOME_DONE, HOME_FAILED = range(6)
HOME_FAIL_NONE, HOME_FAIL_NOT_FOUND, HOME_FAIL_STUCK, HOME_FAIL_LOST = range(4)
_HOME_RATE_MAX = 1 << 30


def _tdiv(n: int, d: int) -> int:
    q = abs(n) // abs(d)
    return q if (n >= 0) == (d > 0) else -q


# --- motion ------------------------------------------------------------------

class MotionCfg:
    __slots__ = ("vmax_q16", "accel_q16", "pos_min", "pos_max")

    def __init__(self, vmax_q16, accel_q16, pos_min, pos_max):
        self.vmax_q16 = list(vmax_q16)
        self.accel_q16 = list(accel_q16)
        self.pos_min = list(pos_min)
        self.pos_max = list(pos_max)


class Motion:
    __slots__ = ("pos", "target", "delta", "err", "dir", "n_major", "done", "v_q16",
                 "vcruise_q16", "a_q16", "frac_q16", "active")

    def __init__(self):
        motion_init(self)


def motion_init(m: Motion) -> None:
    m.pos = [0] * 4
    m.target = [0] * 4
    m.delta = [0] * 4
    m.err = [0] * 4
    m.dir = [0] * 4
    m.n_major = m.done = m.v_q16 = m.vcruise_q16 = m.a_q16 = m.frac_q16 = 0
    m.active = 0


def motion_set_position(m: Motion, axis: int, pos: int) -> int:
    if axis >= MOTION_AXES:
        return MOTION_ERR_AXIS
    if m.active:
        return MOTION_ERR_BUSY
    if pos > MOTION_POS_MAX or pos < -MOTION_POS_MAX:
        return MOTION_ERR_LIMIT
    m.pos[axis] = pos
    m.target[axis] = pos
    return MOTION_OK


def _end_move(m: Motion) -> None:
    m.target = list(m.pos)
    m.delta = [0] * 4
    m.err = [0] * 4
    m.dir = [0] * 4
    m.n_major = m.done = m.v_q16 = m.frac_q16 = 0
    m.active = 0


def motion_stop(m: Motion) -> None:
    _end_move(m)


def motion_start(m: Motion, c: MotionCfg, target, v_q16: int) -> int:
    if m.active:
        return MOTION_ERR_BUSY
    if v_q16 <= 0:
        return MOTION_ERR_RATE
    for i in range(4):
        if (target[i] < c.pos_min[i] or target[i] > c.pos_max[i]
                or target[i] > MOTION_POS_MAX or target[i] < -MOTION_POS_MAX):
            return MOTION_ERR_LIMIT
    vcap = min(v_q16, MOTION_V_MAX_Q16)
    acap = MOTION_V_MAX_Q16
    for i in range(4):
        if target[i] == m.pos[i]:
            continue
        if c.vmax_q16[i] <= 0 or c.accel_q16[i] <= 0:
            return MOTION_ERR_RATE
        vcap = min(vcap, c.vmax_q16[i])
        acap = min(acap, c.accel_q16[i])
    nmax = 0
    for i in range(4):
        d = target[i] - m.pos[i]
        m.dir[i] = 1 if d > 0 else (-1 if d < 0 else 0)
        m.delta[i] = abs(d)
        m.target[i] = target[i]
        nmax = max(nmax, m.delta[i])
    m.n_major = nmax
    m.done = 0
    m.v_q16 = 0
    m.frac_q16 = 0
    if nmax == 0:
        _end_move(m)
        return MOTION_OK
    m.err = [nmax // 2] * 4
    m.vcruise_q16 = vcap
    m.a_q16 = acap
    m.active = 1
    return MOTION_OK


def _next_rate(m: Motion) -> int:
    v, a = m.v_q16, m.a_q16
    left_q16 = ((m.n_major - m.done) << 16) - m.frac_q16
    stop_q16 = _tdiv(v * v, 2 * a) + v
    if left_q16 <= stop_q16:
        v = v - a
    elif v < m.vcruise_q16:
        v = m.vcruise_q16 if v > m.vcruise_q16 - a else v + a
    if v > m.vcruise_q16:
        v = m.vcruise_q16
    if v < a:
        v = a if a < m.vcruise_q16 else m.vcruise_q16
    return v


def motion_tick(m: Motion, steps: list) -> int:
    """Fills ``steps`` (a list of 4) with this tick's signed steps per axis."""
    steps[:] = [0, 0, 0, 0]
    if not m.active:
        return 0
    m.v_q16 = _next_rate(m)
    s = m.frac_q16 + m.v_q16
    n = s >> 16
    m.frac_q16 = s & 0xFFFF
    left = m.n_major - m.done
    if n >= left:
        n = left
        m.frac_q16 = 0
    delta, err, dirs, nmaj = m.delta, m.err, m.dir, m.n_major
    for i in range(4):
        if delta[i] == 0 or n == 0:
            continue
        # n iterations of "err += delta; if err >= nmaj: err -= nmaj; step",
        # in closed form: the count of overflows is floor((err + n*delta) / nmaj)
        # because err < nmaj and delta <= nmaj keep at most one per iteration.
        total = err[i] + n * delta[i]
        k = total // nmaj
        err[i] = total - k * nmaj
        m.pos[i] += dirs[i] * k
        steps[i] = dirs[i] * k
    m.done += n
    if m.done >= m.n_major:
        _end_move(m)
    return n


# --- homing ------------------------------------------------------------------

class HomeCfg:
    __slots__ = ("dir", "seek_q16", "approach_q16", "backoff_steps", "max_travel_steps", "home_pos")

    def __init__(self, **kw):
        for name in self.__slots__:
            setattr(self, name, kw.pop(name, 0))
        if kw:
            raise TypeError(f"unknown home_cfg fields: {sorted(kw)}")


class Homing:
    __slots__ = ("state", "fail", "travelled", "frac_q16")

    def __init__(self):
        homing_init(self)


def homing_init(h: Homing) -> None:
    h.state, h.fail, h.travelled, h.frac_q16 = HOME_IDLE, HOME_FAIL_NONE, 0, 0


def homing_start(h: Homing, c: HomeCfg) -> int:
    if (c.dir not in (1, -1) or not 0 < c.seek_q16 <= _HOME_RATE_MAX
            or not 0 < c.approach_q16 <= 65536 or not 0 < c.backoff_steps <= _HOME_RATE_MAX
            or c.max_travel_steps <= 0):
        return -1
    if c.backoff_steps < (c.seek_q16 + 65535) >> 16:
        return -1
    h.state, h.fail, h.travelled, h.frac_q16 = HOME_SEEK, HOME_FAIL_NONE, 0, 0
    return 0


def _enter(h: Homing, state: int) -> None:
    h.state, h.travelled, h.frac_q16 = state, 0, 0


def _fail(h: Homing, why: int) -> int:
    _enter(h, HOME_FAILED)
    h.fail = why
    return 0


def _due(h: Homing, rate: int, limit: int) -> int:
    s = h.frac_q16 + rate
    n = s >> 16
    h.frac_q16 = s & 0xFFFF
    n = min(n, limit)
    h.travelled += n
    return n


def homing_tick(h: Homing, c: HomeCfg, pressed: int) -> int:
    if h.state == HOME_SEEK:
        if pressed:
            _enter(h, HOME_BACKOFF)
            return 0
        if h.travelled >= c.max_travel_steps:
            return _fail(h, HOME_FAIL_NOT_FOUND)
        return _due(h, c.seek_q16, c.max_travel_steps - h.travelled) * c.dir
    if h.state == HOME_BACKOFF:
        if h.travelled >= c.backoff_steps:
            if pressed:
                return _fail(h, HOME_FAIL_STUCK)
            _enter(h, HOME_APPROACH)
            return 0
        return -_due(h, c.seek_q16, c.backoff_steps - h.travelled) * c.dir
    if h.state == HOME_APPROACH:
        if pressed:
            _enter(h, HOME_DONE)
            return 0
        if h.travelled >= 2 * c.backoff_steps:
            return _fail(h, HOME_FAIL_LOST)
        return _due(h, c.approach_q16, 2 * c.backoff_steps - h.travelled) * c.dir
    return 0


# --- deadman -----------------------------------------------------------------

class Deadman:
    __slots__ = ("deadline_ms", "armed", "expired")

    def __init__(self):
        deadman_init(self)


def deadman_init(d: Deadman) -> None:
    d.deadline_ms, d.armed, d.expired = 0, 0, 0


def deadman_refresh(d: Deadman, now_ms: int, period_ms: int) -> None:
    period_ms = min(period_ms, 0x7FFFFFFF)
    d.deadline_ms = (now_ms + period_ms) & 0xFFFFFFFF
    d.armed, d.expired = 1, 0


def deadman_disarm(d: Deadman) -> None:
    d.armed, d.expired = 0, 0


def deadman_check(d: Deadman, now_ms: int) -> int:
    diff = (now_ms - d.deadline_ms) & 0xFFFFFFFF
    if diff >= 0x80000000:
        diff -= 1 << 32
    if d.armed and diff > 0:
        d.armed, d.expired = 0, 1
    return d.expired
