"""A planned drive to a point that recovers from high slip.

When the navigator stops a route leg on its slip check (the wheels were
digging in), the task marks the ground just ahead as a slip hazard on the
planner's map, backs out along its own track (ground it has just crossed
without sinking), re-plans to the same goal around the hazard and drives on.
After ``MAX_SLIP_RECOVERIES`` the goal fails with the last reason: a rover
that keeps finding soft ground should ask the ground for help, not dig.

The outer ``Goal`` is what a DRIVE_TO command waits on; it stays ACTIVE
through the back-out and the re-plan.  ``step()`` runs once per cycle from
``Rover.update``.
"""
from __future__ import annotations

import math

from flight.rover.navigator import GoalStatus, NavRefusedError
from flight.rover.planner import PlanError

# Our choices: two recoveries per goal; back out 1.5 m (a rover length and a
# half, enough for all six wheels to leave the rut); the hazard is a disc of
# 1.5 m radius centred 2 m ahead of the rover (0.5-3.5 m ahead: the ground
# the front wheels were sinking into), which the planner grows by the
# rover's half-width and its margin.  After the back-out the rover is 3.5 m
# from the centre, clear of the disc's cells on the 2 m planning grid.
MAX_SLIP_RECOVERIES = 2
BACKOUT_M = 1.5
# Back out briskly: wheels that turn slowly in their ruts dig deeper than the
# rover moves (a rover stopped at 85 % slip on the weakest soil backs out at
# 0.15 m/s but stays put at 0.05-0.10 m/s: docs/driving.md, "Slip recovery");
# the track behind has just carried the rover, so no slower pace is needed.
BACKOUT_SPEED_MPS = 0.15
# ... and stop digging: wheels spinning nearly in place (slip > 90 % for 5 s)
# end the back-out, so a rover that cannot get out is left with shallow
# ruts for the ground to work on, not buried to the hubs.
BACKOUT_SLIP_LIMIT = 0.9
BACKOUT_SLIP_PERSIST_S = 5.0
HAZARD_AHEAD_M = 2.0
HAZARD_RADIUS_M = 1.5

_DRIVING, _BACKING = "DRIVING", "BACKING"
_ACTIVE = GoalStatus.ACTIVE


class RouteTask:
    def __init__(self, rover, x_m: float, y_m: float, speed_mps: float):
        self.rover = rover
        self.target = (x_m, y_m)
        self.speed_mps = speed_mps
        self.recoveries = 0
        self.hazards: list[tuple[float, float]] = []
        self._phase = _DRIVING
        self._inner = rover.follow(rover.plan_to(x_m, y_m), speed_mps)   # raises if refused
        self.goal = rover.nav.new_goal("route", {"x_m": x_m, "y_m": y_m, "speed_mps": speed_mps})

    def cancel(self, reason: str) -> None:
        self.goal.finish(GoalStatus.FAILED, self.rover.hal.clock.now_ms(), reason)

    def step(self) -> None:
        """Follow the inner goal; on a slip stop, back out and re-plan."""
        inner = self._inner
        # goal.done and inner.done, without two property calls every cycle
        if self.goal.status is not _ACTIVE or inner.status is _ACTIVE:
            return
        now = self.rover.hal.clock.now_ms()
        if self._phase == _BACKING:
            self._phase = _DRIVING
            if not inner.succeeded:
                self.goal.finish(GoalStatus.FAILED, now,
                                 f"slip recovery {self.recoveries}: back-out failed: {inner.reason}")
                return
            self._replan(now)
            return
        if inner.succeeded:
            self.goal.finish(GoalStatus.SUCCEEDED, now)
            return
        if not inner.reason.startswith("high slip") or self.recoveries >= MAX_SLIP_RECOVERIES:
            suffix = f" (after {self.recoveries} slip recoveries)" if self.recoveries else ""
            self.goal.finish(GoalStatus.FAILED, now, inner.reason + suffix)
            return
        self.recoveries += 1
        pose = self.rover.pose
        hx = pose.x_m + HAZARD_AHEAD_M * math.cos(pose.yaw_rad)
        hy = pose.y_m + HAZARD_AHEAD_M * math.sin(pose.yaw_rad)
        self.hazards.append((hx, hy))
        self.rover.planner.add_hazard(hx, hy, HAZARD_RADIUS_M)
        self._phase = _BACKING
        try:
            self._inner = self.rover.drive_distance(-BACKOUT_M, math.inf, BACKOUT_SPEED_MPS,
                                                    slip_limit=BACKOUT_SLIP_LIMIT,
                                                    slip_persist_s=BACKOUT_SLIP_PERSIST_S)
        except NavRefusedError as e:
            self.goal.finish(GoalStatus.FAILED, now, f"slip recovery: cannot back out: {e}")

    def _replan(self, now: int) -> None:
        try:
            route = self.rover.plan_to(*self.target)
            self._inner = self.rover.follow(route, self.speed_mps)
        except (PlanError, NavRefusedError) as e:
            self.goal.finish(GoalStatus.FAILED, now,
                             f"slip recovery: no route around the soft ground at "
                             f"({self.hazards[-1][0]:.1f}, {self.hazards[-1][1]:.1f}) m: {e}")
