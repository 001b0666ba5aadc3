"""Pose estimate: position from wheel odometry, heading from odometry or the gyro,
tilt from the IMU's complementary filter.

Heading source (``heading_source``):
- "odometry" (default): the mobility board's least-squares odometry yaw.  The
  six-wheel fit averages out single-wheel slip and, unlike a rate gyro, has
  no bias to integrate into a drift that grows with time instead of distance.
  Its weakness is skid in point turns, which we keep slow.
- "gyro": integrate the IMU's body z rate (trapezoid rule per cycle).  Better
  when wheels skid (point turns), but sampled once per flight cycle it misses
  motion between samples, and gyro bias becomes heading drift.  The bias is
  learned whenever the odometry shows the rover standing still (a zero-velocity
  update: heading is also frozen then; the wheels' speed estimates must agree,
  so a repeated board sample mid-turn is not taken for a stop), so park a
  while before driving.
docs/driving.md gives the measured errors of both on the simulator.

Odometry displacements are along the ground; they are projected onto the
horizontal with the current pitch and roll so positions compare with maps.

Slip: wheels on regolith turn faster than the ground passes (10 % on the flat,
30 % and more on slopes, varying with the soil), so raw wheel odometry
over-reads distance.  When the HAL has visual odometry (``hal.vo``), each VO
frame (a) replaces the wheel-odometry displacement since the previous frame by
the VO displacement, and (b) updates the slip estimate
``slip_scale = VO distance / wheel distance`` (low-passed), which scales the
wheel odometry between frames.  Without VO the estimate stays at 1 (raw
wheel odometry, times the fixed ``odometry_scale`` calibration, default 1).
``slip_frame`` is the slip of the last VO frame alone (None when that frame
saw too little wheel travel to judge, or without VO): the slip check acts on
it because the low-passed estimate lags a slip that runs away by about two
frames (docs/driving.md, "Slip check").
docs/driving.md has the measured errors.
"""
from __future__ import annotations

import math

HEADING_SOURCES = ("odometry", "gyro")
# Fixed wheel-odometry calibration (wheel radius error etc.); slip is estimated
# on line from visual odometry instead of being folded into this factor.
DEFAULT_ODOMETRY_SCALE = 1.0
# Slip estimate: low-pass gain per VO frame, the least wheel travel between
# frames that updates it, and its range (1 = no slip, 0.05 = 95 % slip).
SLIP_GAIN = 0.3
SLIP_MIN_TRAVEL_M = 0.02
SLIP_SCALE_RANGE = (0.05, 1.2)
# Heading: weight of the VO yaw change against the gyro's over each VO frame.
# Equal weights: the two error models give comparable random walks over a
# traverse (docs/driving.md); the gyro's bias residual is what VO removes.
VO_YAW_WEIGHT = 0.5
# Gyro bias: running mean over at most this many standstill samples (10 Hz).
GYRO_BIAS_WINDOW = 600
# Standstill also needs every wheel's speed estimate at most this: one encoder
# count over the board's 20 ms speed window reads 33 mrad/s (the estimate's
# noise at rest), while a turn in place at its slowest (1 deg/s) drives the
# corner wheels at about 75 mrad/s.  An unchanged odometry pose alone is not
# proof: two flight cycles can read the same board sample when the host runs
# late, and learning the bias then, mid-turn, eats the turn rate.
STANDSTILL_WHEEL_MRADPS = 50
_MDEG_TO_RAD = math.pi / 180000.0
_DEG_TO_RAD = 0.017453292519943295
_PI = math.pi
_TWO_PI = 2.0 * math.pi
_fmod, _cos, _sin, _hypot = math.fmod, math.cos, math.sin, math.hypot


def wrap_pi(angle_rad: float) -> float:
    """Wrap to (-pi, pi]."""
    a = _fmod(angle_rad + _PI, _TWO_PI)
    if a <= 0.0:
        a += _TWO_PI
    return a - _PI


class PoseEstimator:
    """Reads hal.odometer and hal.imu after each hal.read()."""

    __slots__ = ("_odom", "_imu", "heading_source", "x_m", "y_m", "yaw_rad", "yaw_unwrapped_rad",
                 "pitch_deg", "roll_deg", "speed_mps", "distance_m", "_odom_prev",
                 "_gz_prev", "_primed", "odometry_scale", "gyro_bias_radps",
                 "_bias_n", "_vo", "_vo_seq", "_vo_anchor", "_wheel_since_vo", "slip_scale", "_yaw_since_vo",
                 "_wheels", "slip_frame")

    def __init__(self, hal, heading_source: str = "odometry",
                 odometry_scale: float = DEFAULT_ODOMETRY_SCALE):
        if heading_source not in HEADING_SOURCES:
            raise ValueError(f"heading_source={heading_source!r}; allowed: {HEADING_SOURCES}")
        if not (isinstance(odometry_scale, (int, float)) and 0.5 <= odometry_scale <= 1.5):
            raise ValueError(f"odometry_scale={odometry_scale!r} out of range; allowed 0.5..1.5")
        self.odometry_scale = float(odometry_scale)
        self.gyro_bias_radps = 0.0
        self._bias_n = 0
        self._odom = hal.odometer
        self._imu = hal.imu
        self._wheels = tuple(getattr(hal, "wheels", ()))
        self._vo = getattr(hal, "vo", None)
        self._vo_seq = None
        self._vo_anchor = None
        self._wheel_since_vo = 0.0
        self._yaw_since_vo = 0.0
        self.slip_scale = 1.0          # ground distance / wheel distance, from VO
        self.slip_frame: float | None = None   # slip over the last VO frame alone
        self.heading_source = heading_source
        self.x_m = 0.0
        self.y_m = 0.0
        self.yaw_rad = 0.0
        self.yaw_unwrapped_rad = 0.0   # for counting turns
        self.pitch_deg = 0.0
        self.roll_deg = 0.0
        self.speed_mps = 0.0           # signed, along the body x axis
        self.distance_m = 0.0          # path length driven since reset
        self._primed = False
        self._odom_prev = (0.0, 0.0, 0.0)   # the board pose last cycle (x_m, y_m, yaw_rad)
        self._gz_prev = 0.0

    def reset(self, x_m: float = 0.0, y_m: float = 0.0, yaw_rad: float = 0.0) -> None:
        """Set the estimate (and the board odometry) to a known pose."""
        self._odom.reset(x_m, y_m, yaw_rad)
        self.x_m, self.y_m = float(x_m), float(y_m)
        self.yaw_rad = self.yaw_unwrapped_rad = wrap_pi(float(yaw_rad))
        self.distance_m = 0.0
        self._primed = False
        self._vo_anchor = None
        self._wheel_since_vo = 0.0
        self._yaw_since_vo = 0.0
        self.slip_frame = None

    @property
    def has_vo(self) -> bool:
        """True when visual odometry measures the slip (slip_frame is then kept)."""
        return self._vo is not None

    @property
    def slip_est(self) -> float:
        """Estimated wheel slip, 1 - ground / wheel distance."""
        return 1.0 - self.slip_scale

    def update(self, dt_ms: int) -> None:
        p = self._odom.pose
        imu = self._imu
        pitch_deg = imu.pitch_mdeg * 0.001
        roll_deg = imu.roll_mdeg * 0.001
        self.pitch_deg = pitch_deg
        self.roll_deg = roll_deg
        ox, oy, oyaw = p            # an OdomPose (x_m, y_m, yaw_rad): one unpack
        if not self._primed:
            # first cycle after start/reset: the board pose is the reference
            self._odom_prev = p
            self._gz_prev = imu.gyro_mdps[2] * _MDEG_TO_RAD
            self._primed = True
            return
        prev_ox, prev_oy, prev_oyaw = self._odom_prev
        self._odom_prev = p
        dox = ox - prev_ox
        doy = oy - prev_oy
        dyaw_odom = oyaw - prev_oyaw
        if dyaw_odom > _PI:
            dyaw_odom -= _TWO_PI
        elif dyaw_odom < -_PI:
            dyaw_odom += _TWO_PI
        # body-frame displacement (rotate back by the board's mid-step heading)
        mid = prev_oyaw + 0.5 * dyaw_odom
        c, s = _cos(mid), _sin(mid)
        bx = c * dox + s * doy
        by = -s * dox + c * doy
        # ground -> horizontal
        k = self.odometry_scale
        bx *= k * _cos(pitch_deg * _DEG_TO_RAD)
        by *= k * _cos(roll_deg * _DEG_TO_RAD)
        self._wheel_since_vo += _hypot(bx, by)
        slip_scale = self.slip_scale
        bx *= slip_scale
        by *= slip_scale
        if self.heading_source == "gyro":
            gz = imu.gyro_mdps[2] * _MDEG_TO_RAD
            if dox == 0.0 and doy == 0.0 and dyaw_odom == 0.0 and all(
                    abs(w.speed_mradps) <= STANDSTILL_WHEEL_MRADPS for w in self._wheels):
                # standing still: the gyro reads its bias (plus noise)
                n = self._bias_n + 1 if self._bias_n < GYRO_BIAS_WINDOW else GYRO_BIAS_WINDOW
                self.gyro_bias_radps += (gz - self.gyro_bias_radps) / n
                self._bias_n = n
                dyaw = 0.0
            else:
                dyaw = (0.5 * (gz + self._gz_prev) - self.gyro_bias_radps) * dt_ms * 0.001
            self._gz_prev = gz
        else:
            dyaw = dyaw_odom
        yaw_rad = self.yaw_rad
        mid = yaw_rad + 0.5 * dyaw
        c, s = _cos(mid), _sin(mid)
        self.x_m += c * bx - s * by
        self.y_m += s * bx + c * by
        self.yaw_unwrapped_rad += dyaw
        a = _fmod(yaw_rad + dyaw + _PI, _TWO_PI)       # wrap_pi, written out (every cycle)
        self.yaw_rad = (a + _TWO_PI if a <= 0.0 else a) - _PI
        self._yaw_since_vo += dyaw
        self.distance_m += _hypot(bx, by)
        if dt_ms > 0:
            self.speed_mps = bx * 1000.0 / dt_ms
        vo = self._vo
        if vo is not None:
            f = vo.frame
            if f is not None and f.seq != self._vo_seq:    # a new frame: a few per second
                self._vo_update(f)

    def _vo_update(self, f) -> None:
        self._vo_seq = f.seq
        if self._vo_anchor is not None:
            ax, ay, ayaw = self._vo_anchor
            d_vo = math.hypot(f.dx_m, f.dy_m)
            if self._wheel_since_vo > SLIP_MIN_TRAVEL_M:
                lo, hi = SLIP_SCALE_RANGE
                ratio = min(hi, max(lo, d_vo / self._wheel_since_vo))
                self.slip_scale += SLIP_GAIN * (ratio - self.slip_scale)
                self.slip_frame = 1.0 - ratio
            else:
                self.slip_frame = None
            c, s = math.cos(ayaw), math.sin(ayaw)
            self.x_m = ax + c * f.dx_m - s * f.dy_m
            self.y_m = ay + s * f.dx_m + c * f.dy_m
            dyaw = VO_YAW_WEIGHT * (f.dyaw_rad - self._yaw_since_vo)
            self.yaw_rad = wrap_pi(self.yaw_rad + dyaw)
            self.yaw_unwrapped_rad += dyaw
        self._vo_anchor = (self.x_m, self.y_m, self.yaw_rad)
        self._wheel_since_vo = 0.0
        self._yaw_since_vo = 0.0

    @property
    def tilt_deg(self) -> float:
        """The larger of |pitch| and |roll|."""
        return max(abs(self.pitch_deg), abs(self.roll_deg))

    def error_vs_truth(self, truth: dict | None) -> dict | None:
        """Position and heading error against the simulator's truth (None on hardware)."""
        if not truth:
            return None
        tx, ty = float(truth["x_m"]), float(truth["y_m"])
        out = {"position_error_m": math.hypot(self.x_m - tx, self.y_m - ty)}
        if "yaw_rad" in truth:
            out["yaw_error_deg"] = math.degrees(abs(wrap_pi(self.yaw_rad - float(truth["yaw_rad"]))))
        return out
