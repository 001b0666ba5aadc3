"""Goal-level driving: waypoints, fixed distances, turns in place, stop.

Each goal is a ``Goal`` whose status is ACTIVE until the rover has really
finished (arrived, driven the distance, turned the angle) -> SUCCEEDED, or
something stopped it -> FAILED with a reason.  A sequencer waits on that
status, never on mere acceptance.  Bad arguments are refused at the call with
a clear error and change nothing.

Steering onto a leg is pure pursuit: aim at a point ``lookahead_m`` further
along the leg and drive the arc through it (curvature 2 sin(alpha) / L).  When
the heading error is large the rover stops and turns in place first.  Every
cycle, before anything else, the hazard checks run: tilt beyond the limit or a
stalled wheel stops the rover and fails the goal.

The navigator never touches the HAL: it reads the pose estimate and a few
measurements passed in, and returns a ``DriveCommand`` for the caller to send.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from common.vehicle import WHEEL_NAMES
from flight.rover.kinematics import MODE_STOP, DriveCommand, Kinematics, KinematicsRangeError
from flight.rover.limits import SpeedLimits

_DEG = math.pi / 180.0
_INF = math.inf
_hypot, _atan2, _sin, _copysign = math.hypot, math.atan2, math.sin, math.copysign
_PI, _TWO_PI, _fmod = math.pi, 2.0 * math.pi, math.fmod       # wrap_pi's, written out below


class GoalStatus(str, enum.Enum):
    ACTIVE = "ACTIVE"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


_ACTIVE = GoalStatus.ACTIVE      # read several times a cycle


class NavRefusedError(ValueError):
    """A goal the navigator will not start (bad argument, no-go leg)."""


class Goal:
    """One navigation goal and its outcome, stamped in simulated ms."""

    __slots__ = ("goal_id", "kind", "args", "status", "reason", "t_start_ms", "t_end_ms")

    def __init__(self, goal_id: int, kind: str, args: dict, t_ms: int):
        self.goal_id = goal_id
        self.kind = kind
        self.args = args
        self.status = GoalStatus.ACTIVE
        self.reason = ""
        self.t_start_ms = t_ms
        self.t_end_ms: int | None = None

    @property
    def done(self) -> bool:
        return self.status is not _ACTIVE

    @property
    def succeeded(self) -> bool:
        return self.status is GoalStatus.SUCCEEDED

    def finish(self, status: GoalStatus, t_ms: int, reason: str = "") -> None:
        if self.status is GoalStatus.ACTIVE:
            self.status, self.reason, self.t_end_ms = status, reason, t_ms

    def __repr__(self) -> str:
        r = f"({self.reason})" if self.reason else ""
        return f"Goal#{self.goal_id} {self.kind} {self.status.value}{r}"


@dataclass(frozen=True)
class NavConfig:
    arrival_tol_m: float = 0.25          # final waypoint reached
    waypoint_switch_m: float = 1.0       # intermediate waypoints: move on without stopping
    lookahead_m: float = 1.5             # pure pursuit look-ahead
    point_turn_enter_deg: float = 45.0   # heading error that triggers a turn in place
    point_turn_exit_deg: float = 5.0     # ... and ends it
    turn_tol_deg: float = 1.0            # turn_in_place accuracy
    turn_gain_per_s: float = 1.0         # yaw rate = gain * remaining angle (clipped)
    min_turn_rate_radps: float = 1.0 * _DEG
    distance_tol_m: float = 0.02
    slowdown_m: float = 1.0              # slow down over the last metre of a goal
    min_speed_mps: float = 0.02
    steer_settle_mrad: int = 150         # hold wheels while steering is this far off
    timeout_factor: float = 3.0          # goal fails after factor * nominal time + slack
    timeout_slack_s: float = 60.0
    # Slip check (MER practice: drives stop when visual odometry shows the
    # wheels slipping beyond a limit; Maimone et al. 2007, J. Field Robotics
    # 24(3)).  The numbers are ours, from the traction tests in
    # docs/driving.md ("Slip check"): on the weakest soil patches slip runs
    # from 50 % to 85 % within 3-4 s of climbing, and a rover stopped at 85 %
    # no longer backs out at a crawl; so the check reads the slip of each VO
    # frame (the low-passed estimate lags about two frames) and stops after
    # 1 s (two frames) above 50 %, with the wheels still under ~10 mm of dig-in.
    slip_limit: float = 0.5
    slip_persist_s: float = 1.0

    def __post_init__(self):
        for name, v in self.__dict__.items():
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise NavRefusedError(f"NavConfig.{name}={v!r} must be a finite number > 0")
        if self.slip_limit >= 1.0:
            raise NavRefusedError(f"NavConfig.slip_limit={self.slip_limit!r} must be < 1 (a fraction)")
        if self.point_turn_exit_deg >= self.point_turn_enter_deg:
            raise NavRefusedError("NavConfig: point_turn_exit_deg must be < point_turn_enter_deg")


# internal activities
_IDLE, _ROUTE, _DISTANCE, _TURN = "IDLE", "DRIVING", "DISTANCE", "TURNING"


class Navigator:
    def __init__(self, kinematics: Kinematics, limits: SpeedLimits, pose, clock,
                 config: NavConfig = NavConfig(), leg_checker=None, leg_slope=None):
        self.kin = kinematics
        self.limits = limits
        self.pose = pose
        self.clock = clock
        self.config = config
        self.leg_checker = leg_checker     # (x0, y0, x1, y1) -> reason | None
        self.leg_slope = leg_slope         # (x0, y0, x1, y1) -> steepest slope on the leg, deg
        self.goal: Goal | None = None
        self.history: list[Goal] = []
        self._next_id = 1
        self._activity = _IDLE
        self._last_cmd = kinematics.stop()
        self._spinning = False
        self._deadline_ms = 0
        # route state
        self._wps: list[tuple[float, float]] = []
        self._wp_i = 0
        self._leg_a = (0.0, 0.0)
        self._leg_m = 0.0                  # the current leg's length and unit vector
        self._leg_unit = (0.0, 0.0)
        self._speed = 0.0
        self._free_radius_m = math.nan     # see _set_speed
        # distance / turn state
        self._dist0 = 0.0
        self._dist_goal = 0.0
        self._radius = math.inf
        self._yaw_target = 0.0
        self._slip_since_ms: int | None = None
        self._slip_limit, self._slip_persist_s = config.slip_limit, config.slip_persist_s
        self.last_failure = ""
        # per-cycle constants, derived once (config and limits are frozen)
        self._pose_has_vo = getattr(pose, "has_vo", False)
        self._point_turn_enter_rad = config.point_turn_enter_deg * _DEG
        self._point_turn_exit_rad = config.point_turn_exit_deg * _DEG
        self._slow_tilt_deg = limits.slow_tilt_deg

    # -- state -------------------------------------------------------------
    @property
    def active(self) -> bool:
        """True while a goal is being driven (the rover must send commands)."""
        return self._activity != _IDLE

    @property
    def state(self) -> str:
        """IDLE, DRIVING, DISTANCE, TURNING, or the last goal's FAILED/SUCCEEDED when idle."""
        if self._activity != _IDLE:
            return self._activity
        if self.goal is not None and self.goal.status is GoalStatus.FAILED:
            return "FAILED"
        return _IDLE

    @property
    def last_command(self) -> DriveCommand:
        return self._last_cmd

    def new_goal(self, kind: str, args: dict) -> Goal:
        """A goal numbered and logged here but driven by a caller through
        goals of its own (a route with slip recovery, flight/rover/route_task.py)."""
        g = Goal(self._next_id, kind, args, self.clock.now_ms())
        self._next_id += 1
        self.history.append(g)
        return g

    def _start(self, kind: str, args: dict, activity: str, nominal_s: float) -> Goal:
        now = self.clock.now_ms()
        if self.goal is not None and not self.goal.done:
            self.goal.finish(GoalStatus.FAILED, now, f"superseded by {kind}")
        g = Goal(self._next_id, kind, args, now)
        self._next_id += 1
        self.goal = g
        self.history.append(g)
        self._activity = activity
        self._spinning = False
        self._slip_since_ms = None
        c = self.config
        self._slip_limit, self._slip_persist_s = c.slip_limit, c.slip_persist_s
        self._deadline_ms = now + int(1000.0 * (c.timeout_factor * nominal_s + c.timeout_slack_s))
        return g

    # -- goals -------------------------------------------------------------
    def drive_to(self, x_m: float, y_m: float, speed_mps: float) -> Goal:
        return self.follow([(x_m, y_m)], speed_mps)

    def follow(self, waypoints, speed_mps: float) -> Goal:
        """Drive through waypoints [(x_m, y_m), ...], stopping at the last."""
        v = self._check_speed(speed_mps)
        wps = []
        for k, wp in enumerate(waypoints):
            try:
                x, y = float(wp[0]), float(wp[1])
            except (TypeError, ValueError, IndexError):
                raise NavRefusedError(f"waypoint {k}={wp!r} is not an (x_m, y_m) pair") from None
            if not (math.isfinite(x) and math.isfinite(y)):
                raise NavRefusedError(f"waypoint {k}=({x}, {y}) must be finite")
            wps.append((x, y))
        if not wps:
            raise NavRefusedError("follow() needs at least one waypoint")
        start = (self.pose.x_m, self.pose.y_m)
        if self.leg_checker is not None:
            a = start
            for b in wps:
                why = self.leg_checker(a[0], a[1], b[0], b[1])
                if why:
                    raise NavRefusedError(why)
                a = b
        nominal_s = sum(math.dist(a, b) / self._achievable_mps(v, a, b)
                        for a, b in zip([start] + wps[:-1], wps))
        g = self._start("drive_to", {"waypoints": wps, "speed_mps": v}, _ROUTE, nominal_s)
        self._wps = wps
        self._set_speed(v)
        self._set_leg(0, start)
        return g

    def _set_leg(self, wp_i: int, a: tuple[float, float]) -> None:
        """Drive from point a to waypoint wp_i; the leg's length and direction
        are fixed while it is driven (not recomputed every cycle)."""
        bx, by = self._wps[wp_i]
        ax, ay = a
        lx, ly = bx - ax, by - ay
        leg_m = _hypot(lx, ly)
        self._wp_i, self._leg_a, self._leg_m = wp_i, a, leg_m
        self._leg_unit = (lx / leg_m, ly / leg_m) if leg_m > 1e-6 else (0.0, 0.0)

    def _set_speed(self, speed_mps: float) -> None:
        """The goal's speed (already checked <= limits.max_speed_mps), and the
        least |radius| from which the wheel-speed limit on an arc cannot
        lower it (nan: none), so the steps skip computing that limit."""
        self._speed = speed_mps
        self._free_radius_m = self._unlimiting_radius_m(speed_mps)

    def _unlimiting_radius_m(self, speed_mps: float) -> float:
        """Least |radius| at which 0.98 * kin.max_speed_for_radius (the steps'
        arc limit) exceeds speed_mps by a relative 1e-9, or nan if no radius
        does.  The limit grows with the radius (r / hypot(r + |y|, |x|) does),
        and its float evaluation is within a few ulps (~1e-15) of the exact
        value, so from this radius on the computed limit is above every speed
        cap (<= speed_mps): min(cap, limit) is the cap, bit for bit."""
        kin = self.kin
        want = speed_mps * (1.0 + 1e-9)
        if not 0.98 * kin.max_speed_for_radius(_INF) >= want:
            return math.nan
        lo, hi = kin.min_radius_m, kin.max_radius_m
        if 0.98 * kin.max_speed_for_radius(lo) >= want:
            return lo
        for _ in range(64):            # bisection: hi always satisfies, lo never
            mid = 0.5 * (lo + hi)
            if 0.98 * kin.max_speed_for_radius(mid) >= want:
                hi = mid
            else:
                lo = mid
        return hi

    def _achievable_mps(self, v: float, a, b) -> float:
        """Ground speed the rover can make on leg a -> b: the tilt-limited speed on
        the leg's steepest slope, less the current slip estimate."""
        if self.leg_slope is not None:
            v = min(v, self.limits.speed_limit_mps(self.leg_slope(a[0], a[1], b[0], b[1])))
        slip = getattr(self.pose, "slip_est", 0.0)
        return v * (1.0 - min(max(slip, 0.0), 0.9))

    def drive_distance(self, distance_m: float, radius_m: float = math.inf,
                       speed_mps: float = 0.1,
                       slip_limit: float | None = None, slip_persist_s: float | None = None) -> Goal:
        """Drive a path length (negative = reverse) on an arc (inf = straight).
        ``slip_limit``/``slip_persist_s`` replace the configured slip check for
        this goal: a back-out of soft ground expects its wheels to slip until
        they leave the rut, so it stops only when they spin nearly in place
        (flight/rover/route_task.py)."""
        v = self._check_speed(speed_mps)
        c = self.config
        lim = c.slip_limit if slip_limit is None else slip_limit
        persist = c.slip_persist_s if slip_persist_s is None else slip_persist_s
        for name, x, hi in (("slip_limit", lim, 1.0), ("slip_persist_s", persist, math.inf)):
            if not isinstance(x, (int, float)) or not 0.0 < x < hi:
                raise NavRefusedError(f"{name}={x!r} out of range; allowed 0 < {name} < {hi}")
        try:
            d = float(distance_m)
            r = float(radius_m)
        except (TypeError, ValueError):
            raise NavRefusedError(f"distance_m={distance_m!r} and radius_m={radius_m!r} must be numbers") from None
        if not math.isfinite(d) or d == 0.0 or abs(d) > 1000.0:
            raise NavRefusedError(f"distance_m={distance_m!r} out of range; allowed 0 < |distance_m| <= 1000 m")
        if math.isnan(r) or abs(r) < self.kin.min_radius_m:
            raise NavRefusedError(f"radius_m={radius_m!r} out of range; allowed |radius_m| >= "
                                  f"{self.kin.min_radius_m:.3f} m or inf (straight)")
        try:
            self.kin.arc(math.copysign(v, d), r)   # refuse now if a wheel would be too fast
        except KinematicsRangeError as e:
            raise NavRefusedError(str(e)) from None
        g = self._start("drive_distance", {"distance_m": d, "radius_m": r, "speed_mps": v},
                        _DISTANCE, abs(d) / v)
        self._dist0, self._dist_goal, self._radius = self.pose.distance_m, d, r
        self._slip_limit, self._slip_persist_s = lim, persist
        self._set_speed(v)
        return g

    def turn_in_place(self, angle_deg: float) -> Goal:
        """Turn by angle_deg (counter-clockwise positive), -360..360 deg."""
        try:
            a = float(angle_deg)
        except (TypeError, ValueError):
            raise NavRefusedError(f"angle_deg={angle_deg!r} is not a number") from None
        if not math.isfinite(a) or abs(a) > 360.0:
            raise NavRefusedError(f"angle_deg={angle_deg!r} out of range; allowed -360..360 deg")
        if not self.kin.point_turn_possible:
            raise NavRefusedError("turn_in_place refused: this vehicle's steer range cannot "
                                  "place the corners for a point turn")
        rate = min(self.limits.max_yaw_rate_radps, self.kin.max_point_turn_rate_radps())
        g = self._start("turn_in_place", {"angle_deg": a}, _TURN, abs(a) * _DEG / rate + 5.0)
        self._yaw_target = self.pose.yaw_unwrapped_rad + a * _DEG
        return g

    def stop(self) -> Goal:
        """Stop now.  The active goal fails ("stopped by command"); the stop goal
        itself succeeds at once (wheels are commanded to 0 from this cycle)."""
        now = self.clock.now_ms()
        if self.goal is not None and not self.goal.done:
            self.goal.finish(GoalStatus.FAILED, now, "stopped by command")
        g = Goal(self._next_id, "stop", {}, now)
        self._next_id += 1
        g.finish(GoalStatus.SUCCEEDED, now)
        self.history.append(g)
        self._activity = _IDLE
        self._last_cmd = self.kin.stop(self._last_cmd.steer_mrad)
        return g

    def _check_speed(self, speed_mps) -> float:
        try:
            return self.limits.check_speed(speed_mps)
        except ValueError as e:
            raise NavRefusedError(str(e)) from None

    # -- the cycle -----------------------------------------------------------
    def update(self, dt_ms: int, stalled_wheels: tuple = (), steer_meas_mrad=None) -> DriveCommand:
        """One flight cycle.  stalled_wheels: indices of stalled wheels;
        steer_meas_mrad: measured corner angles (to hold the wheels while the
        steering swings)."""
        activity = self._activity
        if activity == _IDLE:
            return self._last_cmd
        pose = self.pose
        now = self.clock.now_ms()
        # hazards first, every cycle
        pitch_deg, roll_deg = pose.pitch_deg, pose.roll_deg
        pitch_leads = abs(pitch_deg) >= abs(roll_deg)
        tilt = pitch_deg if pitch_leads else roll_deg
        tilt_abs_deg = abs(tilt)           # = pose.tilt_deg, already at hand
        hazard_deg = self.limits.hazard_tilt_deg
        if tilt_abs_deg > hazard_deg:
            which = "pitch" if pitch_leads else "roll"
            return self._fail(now, f"tilt hazard: {which} {tilt:.1f} deg exceeds limit "
                                   f"{hazard_deg:.1f} deg")
        if stalled_wheels:
            names = ", ".join(f"{i} ({WHEEL_NAMES[i]})" for i in stalled_wheels)
            return self._fail(now, f"wheel stalled: {names}")
        if activity != _TURN:
            why = self._slip_check(now)
            if why:
                return self._fail(now, why)
        if now > self._deadline_ms:
            goal = self.goal
            return self._fail(now, f"timeout: {goal.kind} not finished after "
                                   f"{(now - goal.t_start_ms) / 1000.0:.0f} s")
        try:
            if activity == _ROUTE:
                cmd = self._route_step(now, tilt_abs_deg)
            elif activity == _DISTANCE:
                cmd = self._distance_step(now, tilt_abs_deg)
            else:
                cmd = self._turn_step(now)
        except KinematicsRangeError as e:   # should not happen: speeds are pre-limited
            return self._fail(now, f"kinematics: {e}")
        # equal tuples (the usual case): the corners are already where they should be
        if (steer_meas_mrad is not None and cmd.mode != MODE_STOP
                and cmd.steer_mrad != steer_meas_mrad):
            tol = self.config.steer_settle_mrad
            for want, have in zip(cmd.steer_mrad, steer_meas_mrad):
                if want - have > tol or have - want > tol:
                    cmd = self.kin.stop(cmd.steer_mrad)   # let the corners swing first
                    break
        self._last_cmd = cmd
        return cmd

    def _slip_check(self, now: int) -> str | None:
        """A reason to stop when the slip has stayed above the goal's limit for
        its persistence time (None otherwise, or without a slip measurement).
        With visual odometry the slip is that of the last VO frame
        (``pose.slip_frame``; None, a frame with too little wheel travel to
        judge, counts as no slip); else the pose's slip estimate."""
        pose = self.pose
        if self._pose_has_vo:
            slip = pose.slip_frame
            if slip is None:
                slip = 0.0
        else:
            slip = getattr(pose, "slip_est", 0.0)
        limit = self._slip_limit
        if slip <= limit:
            self._slip_since_ms = None
            return None
        if self._slip_since_ms is None:
            self._slip_since_ms = now
            return None
        if now - self._slip_since_ms < self._slip_persist_s * 1000.0:
            return None
        return (f"high slip: {100.0 * slip:.0f} % for {(now - self._slip_since_ms) / 1000.0:.1f} s "
                f"(limit {100.0 * limit:.0f} %): stopped before the wheels dig in")

    def _fail(self, now: int, reason: str) -> DriveCommand:
        if self.goal is not None:
            self.goal.finish(GoalStatus.FAILED, now, reason)
        self.last_failure = reason
        self._activity = _IDLE
        self._last_cmd = self.kin.stop(self._last_cmd.steer_mrad)
        return self._last_cmd

    def _succeed(self, now: int) -> DriveCommand:
        self.goal.finish(GoalStatus.SUCCEEDED, now)
        self._activity = _IDLE
        self._last_cmd = self.kin.stop(self._last_cmd.steer_mrad)
        return self._last_cmd

    def _speed_cap(self, remaining_m: float, tilt_deg: float) -> float:
        c = self.config
        if abs(tilt_deg) <= self._slow_tilt_deg:
            v = self._speed     # the tilt limit is max_speed_mps there, >= the goal's speed
        else:
            v = min(self._speed, self.limits.speed_limit_mps(tilt_deg))
        if remaining_m < c.slowdown_m:
            v = min(v, max(c.min_speed_mps, v * remaining_m / c.slowdown_m))
        return v

    def _spin_toward(self, err_rad: float) -> DriveCommand:
        c = self.config
        rate_max = min(self.limits.max_yaw_rate_radps, 0.98 * self.kin.max_point_turn_rate_radps())
        rate = min(rate_max, max(c.min_turn_rate_radps, c.turn_gain_per_s * abs(err_rad)))
        return self.kin.point_turn(math.copysign(rate, err_rad))

    def _route_step(self, now: int, tilt_deg: float) -> DriveCommand:
        c = self.config
        pose = self.pose
        px, py = pose.x_m, pose.y_m
        wps = self._wps
        last = len(wps) - 1
        wp_i = self._wp_i
        while True:
            bx, by = wps[wp_i]
            dist = _hypot(bx - px, by - py)
            if wp_i == last:
                if dist <= c.arrival_tol_m:
                    return self._succeed(now)
                break
            if dist > c.waypoint_switch_m:
                break
            wp_i += 1
            self._set_leg(wp_i, (bx, by))
        # pure pursuit on the leg A -> B
        ax, ay = self._leg_a
        leg = self._leg_m
        lookahead_m = c.lookahead_m
        if leg > 1e-6 and dist > lookahead_m:
            ux, uy = self._leg_unit
            t = (px - ax) * ux + (py - ay) * uy + lookahead_m
            t = 0.0 if t < 0.0 else (leg if t > leg else t)
            tx, ty = ax + t * ux, ay + t * uy
        else:
            tx, ty = bx, by
        dx, dy = tx - px, ty - py
        ld = _hypot(dx, dy)
        alpha = _fmod(_atan2(dy, dx) - pose.yaw_rad + _PI, _TWO_PI)   # wrap_pi, written out
        alpha = (alpha + _TWO_PI if alpha <= 0.0 else alpha) - _PI
        a_abs = abs(alpha)
        if self._spinning:
            if a_abs < self._point_turn_exit_rad:
                self._spinning = False
        elif a_abs > self._point_turn_enter_rad:
            self._spinning = True
        if self._spinning:
            return self._spin_toward(alpha)
        # remaining path length to the final waypoint (slowdown only near the end)
        remaining = dist if wp_i == last else _INF
        kin = self.kin
        s = _sin(alpha)
        if ld < 1e-6 or abs(s) < 1e-9:
            radius = _INF
        else:
            radius = ld / (2.0 * s)
            if abs(radius) < kin.min_radius_m:
                radius = _copysign(kin.min_radius_m, radius)
        v = self._speed_cap(remaining, tilt_deg)
        if not abs(radius) >= self._free_radius_m:     # the arc may limit the speed
            v = min(v, 0.98 * kin.max_speed_for_radius(radius))
        return kin.arc(v, radius)

    def _distance_step(self, now: int, tilt_deg: float) -> DriveCommand:
        travelled = self.pose.distance_m - self._dist0
        remaining = abs(self._dist_goal) - travelled
        if remaining <= self.config.distance_tol_m:
            return self._succeed(now)
        v = self._speed_cap(remaining, tilt_deg)
        if not abs(self._radius) >= self._free_radius_m:   # the arc may limit the speed
            v = min(v, 0.98 * self.kin.max_speed_for_radius(self._radius))
        return self.kin.arc(math.copysign(v, self._dist_goal), self._radius)

    def _turn_step(self, now: int) -> DriveCommand:
        err = self._yaw_target - self.pose.yaw_unwrapped_rad
        if abs(err) <= self.config.turn_tol_deg * _DEG:
            return self._succeed(now)
        return self._spin_toward(err)
