"""The rover: pose estimate + navigator + limits, driving the HAL's wheels and steering.

Usage, inside the fixed cycle::

    hal.read(); rover.update(dt_ms); hal.write(); hal.advance(dt_ms)

``update`` is the hot path (10 calls per simulated second at >1000x real
time), so it works on plain floats and only sends actuator commands when they
change.
"""
from __future__ import annotations

import math

from common.vehicle import STEER_NAMES, WHEEL_NAMES
from hal.interfaces import DeviceStatus
from flight.commands.handlers import CommandFailed, Pending, handles
from flight.rover.kinematics import Kinematics
from flight.rover.limits import SpeedLimits
from flight.rover.navigator import Goal, GoalStatus, NavConfig, Navigator, NavRefusedError
from flight.rover.planner import Planner, PlanError, PlannerConfig
from flight.rover.pose import DEFAULT_ODOMETRY_SCALE, PoseEstimator
from flight.rover.route_task import RouteTask

OWNER = "rover"
STOPPED_SPEED_MPS = 0.005          # "at rest": when STOP completes
# STOP fails (instead of completing) once its odometry has been stale this
# long: our choice, four times the board backend's 500 ms staleness deadline,
# so a brief link hiccup does not fail a STOP but a dead board does.
STOP_STALE_FAIL_MS = 2_000
# rover.goal_status text per status (an enum's .value is a slow descriptor)
_GOAL_STATUS_TEXT = {s: s.value for s in GoalStatus}
_degrees = math.degrees
_ACTIVE = GoalStatus.ACTIVE


class Rover:
    def __init__(self, hal, limits: SpeedLimits | None = None, nav_config: NavConfig | None = None,
                 heading_source: str = "gyro", planner_config: PlannerConfig | None = None,
                 owner: str = OWNER, odometry_scale: float = DEFAULT_ODOMETRY_SCALE):
        self.hal = hal
        self.owner = owner
        self.limits = limits or SpeedLimits()
        self.kin = Kinematics(hal.geometry)
        self.pose = PoseEstimator(hal, heading_source, odometry_scale)
        # claim every drive actuator before touching anything (one owner each)
        self._claimed: list[str] = []
        try:
            for n in WHEEL_NAMES:
                hal.claim(f"wheel.{n}", owner)
                self._claimed.append(f"wheel.{n}")
            for n in STEER_NAMES:
                hal.claim(f"steer.{n}", owner)
                self._claimed.append(f"steer.{n}")
        except Exception:
            self.release()
            raise
        self._wheels = tuple(hal.wheels)
        self._steering = tuple(hal.steering)
        half_width_m = max(abs(y) for y in hal.geometry.wheel_y_m)
        self.planner_config = planner_config or PlannerConfig(half_width_m=half_width_m)
        self._planner: Planner | None = None
        self._terrain = hal.terrain_map()     # None: no map, drive straight legs
        has_map = self._terrain is not None
        self.nav = Navigator(self.kin, self.limits, self.pose, hal.clock,
                             nav_config or NavConfig(),
                             leg_checker=self._leg_refusal if has_map else None,
                             leg_slope=self._leg_slope if has_map else None)
        self._sent_wheels = None
        self._sent_steer = None
        self.task: RouteTask | None = None    # a planned DRIVE_TO (slip recovery)
        self._tlm_keys = None                 # channel names, built on first use
        self.cycles = 0

    # -- planning ------------------------------------------------------------
    @property
    def planner(self) -> Planner:
        if self._planner is None:
            self._planner = Planner(self._terrain, self.planner_config)
        return self._planner

    def prepare_map(self) -> None:
        """Build the planner's cost grid from the terrain map now (on a rover:
        when the map is uplinked) rather than on the first DRIVE_TO; without
        a map, nothing to do."""
        if self._terrain is not None:
            _ = self.planner

    def _leg_refusal(self, x0, y0, x1, y1):
        return self.planner.leg_refusal(x0, y0, x1, y1)

    def _leg_slope(self, x0, y0, x1, y1):
        try:
            return self.planner.leg_max_slope_deg(x0, y0, x1, y1)
        except (IndexError, ValueError):   # a leg off the map: no slope known
            return 0.0

    def plan_to(self, x_m: float, y_m: float) -> list[tuple[float, float]]:
        return self.planner.plan((self.pose.x_m, self.pose.y_m), (x_m, y_m))

    # -- goals (forwarded to the navigator) ------------------------------------
    def drive_to(self, x_m: float, y_m: float, speed_mps: float) -> Goal:
        return self.nav.drive_to(x_m, y_m, speed_mps)

    def follow(self, waypoints, speed_mps: float) -> Goal:
        return self.nav.follow(waypoints, speed_mps)

    def drive_distance(self, distance_m: float, radius_m: float = math.inf,
                       speed_mps: float = 0.1,
                       slip_limit: float | None = None, slip_persist_s: float | None = None) -> Goal:
        return self.nav.drive_distance(distance_m, radius_m, speed_mps, slip_limit, slip_persist_s)

    def turn_in_place(self, angle_deg: float) -> Goal:
        return self.nav.turn_in_place(angle_deg)

    def stop(self) -> Goal:
        if self.task is not None:
            self.task.cancel("stopped by command")
            self.task = None
        g = self.nav.stop()
        self._send(self.nav.last_command)
        return g

    def go_to(self, x_m: float, y_m: float, speed_mps: float) -> Goal:
        """Drive to a site-frame point: along a planned route when the rover
        has a terrain map (backing out of soft ground and re-planning around
        it, flight/rover/route_task.py), else straight there."""
        if self._terrain is not None:
            if self.task is not None:
                self.task.cancel("superseded by drive_to")
            self.task = None
            task = RouteTask(self, x_m, y_m, speed_mps)
            self.task = task
            return task.goal
        return self.drive_to(x_m, y_m, speed_mps)

    # -- the commands the rover owns (arguments already in range) --------------
    def _goal(self, start) -> Pending:
        try:
            goal = start()
        except (NavRefusedError, PlanError) as e:
            raise CommandFailed(str(e)) from None

        def cancel():
            if not goal.done:
                self.stop()
        return Pending(lambda: (goal.succeeded, goal.reason) if goal.done else None, cancel)

    @handles("DRIVE_TO")
    def cmd_drive_to(self, cmd) -> Pending:
        a = cmd.args
        return self._goal(lambda: self.go_to(a["x"], a["y"], a["speed"]))

    @handles("DRIVE_ARC")
    def cmd_drive_arc(self, cmd) -> Pending:
        a = cmd.args
        radius = math.inf if a["radius"] == 0 else a["radius"]
        return self._goal(lambda: self.drive_distance(a["distance"], radius, a["speed"]))

    @handles("TURN")
    def cmd_turn(self, cmd) -> Pending:
        return self._goal(lambda: self.turn_in_place(cmd.args["angle"]))

    @handles("STOP")
    def cmd_stop(self, cmd) -> Pending:
        """Completes when the rover is at rest on *fresh* odometry: a dead
        board's frozen odometry reads zero speed and must never confirm a
        STOP.  An OFFLINE source (its link is down) fails the STOP at once:
        no confirmation can come, and the board's own drive deadline stops
        the wheels; after STOP_STALE_FAIL_MS of stale odometry it fails too."""
        self.stop()
        pose = self.pose
        hal = self.hal
        sources = (hal.odometer, *hal.wheels)
        stale_since = [None]

        def poll():
            dead = [d for d in sources if d.status in (DeviceStatus.STALE, DeviceStatus.OFFLINE)]
            now = hal.clock.now_ms()
            if dead:
                if stale_since[0] is None:
                    stale_since[0] = now
                offline = any(d.status is DeviceStatus.OFFLINE for d in dead)
                if offline or now - stale_since[0] >= STOP_STALE_FAIL_MS:
                    return (False, f"cannot confirm the rover stopped: {dead[0].name} is "
                                   f"{dead[0].status.name} (no fresh odometry)")
                return None
            stale_since[0] = None
            return (True, "") if abs(pose.speed_mps) < STOPPED_SPEED_MPS else None
        return Pending(poll)

    @handles("CLEAR_STALL")
    def cmd_clear_stall(self, cmd) -> None:
        which = cmd.args["wheel"]
        for n, w in zip(WHEEL_NAMES, self._wheels):
            if which == "ALL" or which == n.upper():
                w.clear_stall()

    # -- the cycle -------------------------------------------------------------
    def update(self, dt_ms: int) -> None:
        """Flight update between hal.read() and hal.write()."""
        self.cycles += 1
        self.pose.update(dt_ms)
        task = self.task
        if task is not None:
            task.step()
            if task.goal.status is not _ACTIVE:     # goal.done, without a property call
                self.task = None
        nav = self.nav
        if not nav.active:
            return
        # the group readings: one HAL call each, not one property per device
        meas = self.hal.steering_angles_mrad()
        self._send(nav.update(dt_ms, self._stalled_indices(), meas))

    def _stalled_indices(self) -> tuple[int, ...]:
        """Indices of the stalled wheels; () in the usual case, found without
        building anything (read every cycle)."""
        flags = self.hal.wheel_stall_flags()
        if not any(flags):
            return ()
        return tuple(i for i, s in enumerate(flags) if s)

    def _send(self, cmd) -> None:
        wheels = cmd.wheel_mradps
        if wheels != self._sent_wheels:
            for dev, v in zip(self._wheels, wheels):
                dev.set_speed_mradps(v)
            self._sent_wheels = wheels
        steer = cmd.steer_mrad
        if steer != self._sent_steer:
            for dev, a in zip(self._steering, steer):
                dev.set_angle_mrad(a)
            self._sent_steer = steer

    # -- telemetry -------------------------------------------------------------
    def telemetry(self) -> dict:
        """Every rover channel (both rates)."""
        out = self.telemetry_fast()
        out.update(self.telemetry_slow())
        return out

    def telemetry_fast(self) -> dict:
        """Channels published every flight cycle: pose, attitude, navigation
        and stall state (fault monitors and sequences act on these)."""
        p = self.pose
        stalled = self._stalled_indices()
        nav = self.nav
        goal = nav.goal
        return {
            "rover.x_m": p.x_m,
            "rover.y_m": p.y_m,
            "rover.yaw_deg": _degrees(p.yaw_rad),
            "rover.speed_mps": p.speed_mps,
            "rover.distance_m": p.distance_m,
            "rover.pitch_deg": p.pitch_deg,
            "rover.roll_deg": p.roll_deg,
            "rover.slip_est": 1.0 - p.slip_scale,     # p.slip_est, without a property call
            "rover.nav_state": nav.state,
            "rover.goal_status": _GOAL_STATUS_TEXT[goal.status] if goal else "NONE",
            "rover.goal_reason": goal.reason if goal else "",
            "rover.stalled_wheels": len(stalled),
            "rover.stalled_list": ",".join([WHEEL_NAMES[i] for i in stalled]) if stalled else "",
        }

    def telemetry_slow(self) -> dict:
        """Channels that change slowly or matter only to the record and plots
        (power, temperatures, per-wheel speeds and currents, steering, gyro
        bias): FlightSystem publishes them once per second of simulated time,
        the recorder's default sample period (docs/telemetry.md)."""
        p = self.pose
        hal = self.hal
        pw = hal.power
        out = {
            "rover.gyro_bias_dps": math.degrees(p.gyro_bias_radps),
            "power.soc_pct": pw.soc_pct,
            "power.battery_v": pw.battery_v,
            "power.battery_a": pw.battery_a,
            "power.solar_w": pw.solar_w,
            "power.energy_used_j": pw.energy_used_j,
        }
        keys = self._tlm_keys
        if keys is None:
            keys = self._tlm_keys = (
                tuple(f"thermal.{name}_c" for name in hal.thermal),
                tuple(f"rover.wheel_speed_mradps.{n}" for n in WHEEL_NAMES),
                tuple(f"rover.wheel_current_a.{n}" for n in WHEEL_NAMES),
                tuple(f"rover.steer_mrad.{n}" for n in STEER_NAMES))
        k_therm, k_speed, k_current, k_steer = keys
        wheels = self._wheels
        out.update(zip(k_therm, [sensor.temp_c for sensor in hal.thermal.values()]))
        out.update(zip(k_speed, [w.speed_mradps for w in wheels]))
        out.update(zip(k_current, [w.current_a for w in wheels]))
        out.update(zip(k_steer, [st.angle_mrad for st in self._steering]))
        return out

    def release(self) -> None:
        """Give the actuators back (wheels are left commanded to 0)."""
        for name in self._claimed:
            dev = self.hal.device(name)
            if name.startswith("wheel."):
                dev.set_speed_mradps(0)
            self.hal.release(name, self.owner)
        self._claimed = []
