"""Six-wheel, four-corner-steer drive kinematics (JPL Open Source Rover style).

The body turns about an instantaneous centre of rotation (ICR) on the body's
lateral (y) axis at (0, R): R > 0 turns left, R < 0 turns right.  Every wheel
is steered (or, for the unsteered middle wheels, placed) so its rolling
direction is perpendicular to the line from the ICR to its contact point,
which is the no-scrub condition.  For a wheel at (x, y) and yaw rate w:

    velocity  = w * (R - y, x)
    steer     = atan(x / (R - y))            (corner wheels)
    speed     = w * sign(R - y) * hypot(R - y, x) / r_wheel

For a symmetric vehicle these reduce to the Open Source Rover equations
(corner angles atan2(d3, |R| -+ d1), middle speeds (|R| -+ d4) w / r, corner
speeds hypot(|R| -+ d1, d3) w / r); see docs/driving.md.

Point turn: the ICR is the body centre, every corner is tangent to its circle
and the middle wheels run in opposite directions.

Everything is plain floats: this runs every 100 ms cycle at >1000x real time.
"""
from __future__ import annotations

import math
from typing import NamedTuple

from hal.errors import CommandRangeError
from common.vehicle import STEER_WHEEL_INDEX, VehicleGeometry

# Kinematics.arc is written out for this layout (corners fl fr rl rr steer)
if tuple(STEER_WHEEL_INDEX) != (0, 1, 4, 5):
    raise RuntimeError(f"Kinematics.arc assumes corners (0, 1, 4, 5), got {STEER_WHEEL_INDEX}")

# Steer angles are commanded in whole mrad; beyond this radius the largest
# corner angle rounds to 0 mrad, so any larger radius is driving straight.
STEER_RESOLUTION_RAD = 0.5e-3
# The ICR must stay this far outside the nearest wheel track so no wheel is
# asked to pivot on its own contact patch (keeps the inner speed well defined).
MIN_ICR_CLEARANCE_M = 0.05

MODE_STOP = "stop"
MODE_STRAIGHT = "straight"
MODE_ARC = "arc"
MODE_POINT_TURN = "point_turn"


_INF = math.inf
_isfinite, _hypot, _atan = math.isfinite, math.hypot, math.atan


class KinematicsRangeError(CommandRangeError):
    """A drive command outside what the vehicle can do (refused, never clamped)."""


class DriveCommand(NamedTuple):
    """One cycle's drive setpoints (a named tuple: built every flight cycle)."""
    mode: str
    wheel_mradps: tuple[int, int, int, int, int, int]   # hal wheel order
    steer_mrad: tuple[int, int, int, int]                # corners fl, fr, rl, rr
    speed_mps: float          # body-centre speed (0 for point turns)
    yaw_rate_radps: float
    radius_m: float           # math.inf when straight, 0.0 for a point turn


# A named tuple's generated __new__ is a Python call (~100 ns); the hot paths
# build their DriveCommand as tuple.__new__ does, fields in declaration order.
_tuple_new = tuple.__new__


def _finite(name: str, value: float) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise KinematicsRangeError(f"{name}={value!r} is not a number") from None
    if not math.isfinite(f):
        raise KinematicsRangeError(f"{name}={value!r} must be finite")
    return f


class Kinematics:
    """Maps body commands to wheel-speed and corner-steer setpoints for one vehicle."""

    def __init__(self, geometry: VehicleGeometry):
        if len(geometry.wheel_x_m) != 6 or len(geometry.wheel_y_m) != 6:
            raise ValueError("VehicleGeometry must give 6 wheel contact points")
        if geometry.wheel_radius_m <= 0 or geometry.max_wheel_mradps <= 0:
            raise ValueError("VehicleGeometry wheel radius and max wheel speed must be > 0")
        self.geometry = geometry
        self._x = tuple(float(v) for v in geometry.wheel_x_m)
        self._y = tuple(float(v) for v in geometry.wheel_y_m)
        self._steered = tuple(STEER_WHEEL_INDEX)
        self._is_steered = tuple(i in self._steered for i in range(6))
        self._lever_pairs = tuple(sorted({(abs(y), abs(x)) for x, y in zip(self._x, self._y)}))
        # conversion m/s at the rim -> mrad/s at the wheel
        self._k_mradps = 1000.0 / geometry.wheel_radius_m
        self.max_wheel_mradps = int(geometry.max_wheel_mradps)
        self.steer_min_rad = geometry.steer_min_mrad / 1000.0
        self.steer_max_rad = geometry.steer_max_mrad / 1000.0
        self._steer_min_mrad = geometry.steer_min_mrad
        self._steer_max_mrad = geometry.steer_max_mrad
        if not self.steer_min_rad < 0 < self.steer_max_rad:
            raise ValueError("steer range must include 0 "
                             f"(got {geometry.steer_min_mrad}..{geometry.steer_max_mrad} mrad)")
        self.min_radius_m = self._derive_min_radius()
        max_x = max(abs(self._x[i]) for i in self._steered)
        max_y = max(abs(v) for v in self._y)
        self.max_radius_m = max(max_x / STEER_RESOLUTION_RAD + max_y, 2.0 * self.min_radius_m)
        self.max_straight_speed_mps = self.max_wheel_mradps / self._k_mradps
        self.point_turn_steer_rad = self._point_turn_angles()
        self.point_turn_possible = all(self.steer_min_rad <= a <= self.steer_max_rad
                                       for a in self.point_turn_steer_rad)
        # wheel rim speed per unit yaw rate in a point turn
        self._pt_lever = tuple(math.hypot(self._x[i], self._y[i]) for i in range(6))
        # arc() runs every flight cycle: its per-wheel inputs unpacked once here,
        # the four corners' (x, y) and the two middle wheels' y
        # (x0, y0, x1, y1, x4, y4, x5, y5, y2, y3): one unpack a cycle
        self._arc_xy = (*(v for i in self._steered for v in (self._x[i], self._y[i])),
                        *(self._y[i] for i in range(6) if not self._is_steered[i]))
        self._straight_steer = (0, 0, 0, 0)

    # -- derived limits ---------------------------------------------------
    def _derive_min_radius(self) -> float:
        """Smallest |R| whose corner angles stay inside the steer range.

        A left turn needs wheel i at atan(x / (R - y)); that angle is inside
        [min, max] when R - y >= |x| / tan(limit on that side)."""
        lim_pos = min(self.steer_max_rad, math.radians(89.0))
        lim_neg = min(-self.steer_min_rad, math.radians(89.0))
        best = 0.0
        for sign in (1.0, -1.0):          # left, then right (mirror)
            for i in self._steered:
                x, y = self._x[i], sign * self._y[i]
                # left turn: front (x>0) corners steer positive, rear negative;
                # a right turn mirrors the sign of every angle
                want_pos = (x > 0) == (sign > 0)
                lim = lim_pos if want_pos else lim_neg
                need = y + abs(x) / math.tan(lim)
                best = max(best, need)
        clearance = max(abs(v) for v in self._y) + MIN_ICR_CLEARANCE_M
        return max(best, clearance)

    def _point_turn_angles(self) -> tuple[float, ...]:
        out = []
        for i in self._steered:
            # velocity direction for CCW spin is (-y, x); wheel axis angle mod pi
            out.append(math.atan(self._x[i] / -self._y[i]) if self._y[i] else math.pi / 2)
        return tuple(out)

    # -- checks -----------------------------------------------------------
    def _check_wheels(self, rim_mps: list[float], what, *what_args) -> tuple[int, ...]:
        """Rim speeds (m/s) to wheel commands (mrad/s), refused past the limit;
        the message is ``what.format(*what_args)``, built only on a refusal
        (this runs every flight cycle)."""
        k = self._k_mradps
        out = tuple([int(round(s * k)) for s in rim_mps])   # judged after rounding: the command counts
        self._check_wheel_range(out, what, *what_args)
        return out

    def _check_wheel_range(self, wheels_mradps: tuple[int, ...], what, *what_args) -> None:
        limit = self.max_wheel_mradps
        if max(wheels_mradps) > limit or min(wheels_mradps) < -limit:
            i, m = next((i, m) for i, m in enumerate(wheels_mradps) if m > limit or m < -limit)
            raise KinematicsRangeError(
                f"{what.format(*what_args)} needs wheel {i} at {m} mrad/s; allowed range is "
                f"-{limit}..{limit} mrad/s (max_wheel_mradps)")

    def max_speed_for_radius(self, radius_m: float) -> float:
        """Largest |body speed| (m/s) on an arc of this radius with every wheel
        inside max_wheel_mradps (radius inf or beyond max_radius_m = straight)."""
        r = abs(radius_m)
        if r >= self.max_radius_m:
            return self.max_straight_speed_mps
        # the outer wheels (r + |y|) are the farthest from the turn centre;
        # the largest lever kept as max() would (first one wins), no list built
        pairs = self._lever_pairs
        ay, ax = pairs[0]
        lever = _hypot(r + ay, ax)
        for ay, ax in pairs:
            h = _hypot(r + ay, ax)
            if h > lever:
                lever = h
        return self.max_straight_speed_mps * r / lever

    # -- commands ---------------------------------------------------------
    def stop(self, steer_mrad: tuple[int, int, int, int] = (0, 0, 0, 0)) -> DriveCommand:
        """Wheels at zero; steering held where it is (no pointless slewing)."""
        return DriveCommand(MODE_STOP, (0, 0, 0, 0, 0, 0), tuple(steer_mrad), 0.0, 0.0, math.inf)

    def straight(self, speed_mps: float) -> DriveCommand:
        v = _finite("speed_mps", speed_mps)
        return self._straight(v)

    def _straight(self, v: float) -> DriveCommand:
        """straight() for a speed already checked finite."""
        # every wheel at the same rate (round() of a float is an int already)
        m = round(v * self._k_mradps)
        wheels = (m, m, m, m, m, m)
        self._check_wheel_range(wheels, "straight at speed_mps={:.3f}", v)
        return _tuple_new(DriveCommand, (MODE_STRAIGHT, wheels, self._straight_steer, v, 0.0, _INF))

    def arc(self, speed_mps: float, radius_m: float) -> DriveCommand:
        """Drive on a circle of signed radius (left positive) at body speed.

        |radius| below min_radius_m is refused; at or above max_radius_m the
        command is a straight drive (the steer angles would round to 0)."""
        if (type(speed_mps) is float and type(radius_m) is float
                and _isfinite(speed_mps) and _isfinite(radius_m)):
            v, R = speed_mps, radius_m     # the navigator's floats, every cycle: as they are
        else:
            v = _finite("speed_mps", speed_mps)
            if radius_m == _INF or radius_m == -_INF:
                return self._straight(v)
            R = _finite("radius_m", radius_m)
        aR = abs(R)
        if aR >= self.max_radius_m:
            return self._straight(v)
        if aR < self.min_radius_m:
            raise KinematicsRangeError(
                f"radius_m={R:.3f} is too tight; allowed |radius_m| is "
                f"{self.min_radius_m:.3f}..inf m (use a point turn for 0)")
        w = v / R
        k = self._k_mradps
        # Written out wheel by wheel (hal order fl fr ml mr rl rr; corners
        # fl fr rl rr steer): this runs every cycle, and loops or
        # comprehensions over six wheels cost twice as much.  d* is each
        # wheel's lateral offset from the ICR, R - y.  A corner's rim speed is
        # w * copysign(hypot(d, x), d), its angle atan(x / d); a middle wheel
        # rolls along x, so only the forward component w * d counts.  Rim
        # speed (m/s) * k = wheel command (mrad/s); round() of a float is an int.
        # |R| >= min_radius_m keeps the ICR outside every wheel track, so each
        # d has R's sign and copysign(hypot(d, x), d) is +-hypot(d, x):
        # w * -h is (-w) * h bit for bit (a float's negation is exact).
        w_signed = w if R > 0.0 else -w
        x0, y0, x1, y1, x4, y4, x5, y5, y2, y3 = self._arc_xy
        d0, d1, d2, d3, d4, d5 = R - y0, R - y1, R - y2, R - y3, R - y4, R - y5
        wheels = (round(w_signed * _hypot(d0, x0) * k),
                  round(w_signed * _hypot(d1, x1) * k),
                  round(w * d2 * k),
                  round(w * d3 * k),
                  round(w_signed * _hypot(d4, x4) * k),
                  round(w_signed * _hypot(d5, x5) * k))
        limit = self.max_wheel_mradps
        if max(wheels) > limit or min(wheels) < -limit:
            self._check_wheel_range(wheels, "arc speed_mps={:.3f} radius_m={:.3f}", v, R)
        steer = (round(1000.0 * _atan(x0 / d0)), round(1000.0 * _atan(x1 / d1)),
                 round(1000.0 * _atan(x4 / d4)), round(1000.0 * _atan(x5 / d5)))
        if min(steer) < self._steer_min_mrad or max(steer) > self._steer_max_mrad:
            self._check_steer(steer)      # raises, naming the corner
        return _tuple_new(DriveCommand, (MODE_ARC, wheels, steer, v, w, R))

    def twist(self, speed_mps: float, yaw_rate_radps: float) -> DriveCommand:
        """Body speed and yaw rate; zero speed with a yaw rate is a point turn."""
        v = _finite("speed_mps", speed_mps)
        w = _finite("yaw_rate_radps", yaw_rate_radps)
        if w == 0.0:
            return self.straight(v)
        if v == 0.0:
            return self.point_turn(w)
        return self.arc(v, v / w)

    def point_turn(self, yaw_rate_radps: float) -> DriveCommand:
        """Spin about the body centre (counter-clockwise positive)."""
        w = _finite("yaw_rate_radps", yaw_rate_radps)
        if not self.point_turn_possible:
            raise KinematicsRangeError(
                "point turn needs corner angles "
                f"{[round(a * 1000) for a in self.point_turn_steer_rad]} mrad, outside the steer "
                f"range {self.geometry.steer_min_mrad}..{self.geometry.steer_max_mrad} mrad")
        ys = self._y
        rim = []
        for i in range(6):
            # rim speed along the wheel's rolling direction: velocity w*(-y, x)
            # projected on the steered heading; middle wheels (x=0) get -w*y
            if not self._is_steered[i]:
                rim.append(-w * ys[i])
            else:
                rim.append(w * math.copysign(self._pt_lever[i], -ys[i]))
        wheels = self._check_wheels(rim, "point turn at yaw_rate_radps={:.3f}", w)
        steer = tuple(int(round(a * 1000.0)) for a in self.point_turn_steer_rad)
        return DriveCommand(MODE_POINT_TURN, wheels, steer, 0.0, w, 0.0)

    def max_point_turn_rate_radps(self) -> float:
        return self.max_wheel_mradps / self._k_mradps / max(self._pt_lever)

    def _check_steer(self, steer: tuple[int, ...]) -> None:
        lo, hi = self.geometry.steer_min_mrad, self.geometry.steer_max_mrad
        for j, a in enumerate(steer):
            if a < lo or a > hi:   # guarded by min_radius_m; kept as a last check
                raise KinematicsRangeError(
                    f"steer corner {j} angle {a} mrad outside {lo}..{hi} mrad")
