"""Navigator and Rover tests.

Part 1 drives an ideal kinematic stand-in HAL (no slip, steering that slews at
a fixed rate) to check goal logic exactly.  Part 2 drives the real simulator
(sim://) for the closed-loop behaviour: arrival, odometry error, hazards.
"""
import math

import pytest
from hypothesis import given, settings, strategies as st

from common.clock import SimClock
from hal.base import Hal
from hal.errors import DeviceBusyError
from common.vehicle import VehicleGeometry
from hal.interfaces import (DeviceStatus, DriveWheel, Imu, Odometer, OdomPose, PowerMonitor,
                            SteeringActuator, ThermalSensor)
from flight.rover.limits import SpeedLimits
from flight.rover.kinematics import Kinematics
from flight.rover.navigator import GoalStatus, NavConfig, NavRefusedError, Navigator
from flight.rover.rover import Rover

D1, D3, D4 = 0.184, 0.267, 0.256
GEOM = VehicleGeometry((D3, D3, 0.0, 0.0, -D3, -D3), (D1, -D1, D4, -D4, D1, -D1),
                       0.075, 4000, -1100, 1100, 4096)
STEER_RATE_MRAD_PER_MS = 1.0     # 1 rad/s corner slew in the stand-in


# -- an ideal stand-in HAL -------------------------------------------------------------
class _Dev:
    status = DeviceStatus.OK

    def __init__(self, name):
        self.name = name


class FakeWheel(_Dev, DriveWheel):
    def __init__(self, name):
        super().__init__(name)
        self.cmd = 0
        self.locked = False

    def set_speed_mradps(self, v):
        assert -4000 <= v <= 4000
        self.cmd = v

    speed_mradps = property(lambda self: 0 if self.locked else self.cmd)
    encoder_count = property(lambda self: 0)
    current_a = property(lambda self: 0.5)
    effort_q15 = property(lambda self: 0)
    stalled = property(lambda self: self.locked and self.cmd != 0)

    def clear_stall(self):
        pass


class FakeSteer(_Dev, SteeringActuator):
    min_angle_mrad, max_angle_mrad = -1100, 1100

    def __init__(self, name):
        super().__init__(name)
        self.cmd = 0
        self.angle = 0.0

    def set_angle_mrad(self, a):
        assert -1100 <= a <= 1100
        self.cmd = a

    angle_mrad = property(lambda self: int(round(self.angle)))


class FakeImu(_Dev, Imu):
    def __init__(self):
        super().__init__("imu")
        self.pitch, self.roll = 0, 0
    accel_mg = property(lambda self: (0, 0, 165))
    gyro_mdps = property(lambda self: (0, 0, 0))
    pitch_mdeg = property(lambda self: self.pitch)
    roll_mdeg = property(lambda self: self.roll)


class FakeOdom(_Dev, Odometer):
    def __init__(self):
        super().__init__("odometer")
        self.p = OdomPose(0.0, 0.0, 0.0)
    pose = property(lambda self: self.p)

    def reset(self, x_m, y_m, yaw_rad):
        self.p = OdomPose(x_m, y_m, yaw_rad)


class FakePower(_Dev, PowerMonitor):
    battery_v = property(lambda self: 28.0)
    battery_a = property(lambda self: 1.0)
    soc_pct = property(lambda self: 90.0)
    solar_w = property(lambda self: 50.0)
    energy_used_j = property(lambda self: 0.0)


class FakeTemp(_Dev, ThermalSensor):
    temp_c = property(lambda self: 20.0)


class FakeHal(Hal):
    """Rigid-body motion from the wheel commands, fitted the way the board's
    odometry does it; the pose is exact (no slip)."""

    def __init__(self):
        super().__init__("fake://", SimClock())
        self.geometry = GEOM
        self.wheels = tuple(FakeWheel(f"wheel.{n}") for n in "fl fr ml mr rl rr".split())
        self.steering = tuple(FakeSteer(f"steer.{n}") for n in "fl fr rl rr".split())
        self.imu, self.odometer, self.power = FakeImu(), FakeOdom(), FakePower("power")
        self.thermal, self.heaters = {"ebox": FakeTemp("thermal.ebox")}, {}
        self.frozen = False

    def read(self):
        pass

    def write(self):
        pass

    def advance(self, dt_ms):
        for s in self.steering:
            step = STEER_RATE_MRAD_PER_MS * dt_ms
            s.angle += max(-step, min(step, s.cmd - s.angle))
        steer = [self.steering[k].angle / 1000 for k in (0, 1)] + [0, 0] + \
                [self.steering[k].angle / 1000 for k in (2, 3)]
        dx = dy = num = den = 0.0
        for i, w in enumerate(self.wheels):
            d = w.speed_mradps / 1000 * GEOM.wheel_radius_m * dt_ms / 1000
            wx, wy = d * math.cos(steer[i]), d * math.sin(steer[i])
            dx, dy = dx + wx / 6, dy + wy / 6
            x, y = GEOM.wheel_x_m[i], GEOM.wheel_y_m[i]
            num += x * wy - y * wx
            den += x * x + y * y
        p = self.odometer.p
        if self.frozen:
            dx = dy = num = 0.0
        dyaw = num / den
        mid = p.yaw_rad + dyaw / 2
        self.odometer.p = OdomPose(p.x_m + dx * math.cos(mid) - dy * math.sin(mid),
                                   p.y_m + dx * math.sin(mid) + dy * math.cos(mid), p.yaw_rad + dyaw)
        self.clock.advance(dt_ms)


def run(hal, rover, goal, max_s=600.0, dt_ms=100):
    t_end = hal.clock.now_ms() + int(max_s * 1000)
    while not goal.done and hal.clock.now_ms() < t_end:
        hal.read()
        rover.update(dt_ms)
        hal.write()
        hal.advance(dt_ms)
    return goal


@pytest.fixture
def fake():
    hal = FakeHal()
    # the stand-in has exact odometry and no gyro: trust the odometry fully
    return hal, Rover(hal, heading_source="odometry", odometry_scale=1.0)


def test_claims_actuators_once(fake):
    hal, rover = fake
    assert hal.owner_of("wheel.fl") == "rover" and hal.owner_of("steer.rr") == "rover"
    with pytest.raises(DeviceBusyError):
        Rover(hal, owner="other")
    rover.release()
    assert hal.owner_of("wheel.fl") is None


def test_drive_to_arrives_and_status_waits_for_arrival(fake):
    hal, rover = fake
    g = rover.drive_to(10.0, 5.0, 0.15)
    assert g.status is GoalStatus.ACTIVE
    run(hal, rover, g, max_s=5)
    assert g.status is GoalStatus.ACTIVE       # accepted is not done
    run(hal, rover, g)
    assert g.status is GoalStatus.SUCCEEDED, g.reason
    assert math.hypot(rover.pose.x_m - 10, rover.pose.y_m - 5) <= NavConfig().arrival_tol_m
    assert rover.nav.state == "IDLE"
    assert all(w.cmd == 0 for w in hal.wheels)
    # no faster than commanded, no slower than 1/3 of it on a 11 m drive with one turn
    t_s = (g.t_end_ms - g.t_start_ms) / 1000
    assert 11.18 / 0.15 <= t_s <= 3 * 11.18 / 0.15


def test_goal_behind_uses_point_turn_then_arc(fake):
    hal, rover = fake
    g = rover.drive_to(-5.0, 0.5, 0.1)
    modes = set()
    while not g.done:
        hal.read(); rover.update(100); hal.write(); hal.advance(100)
        modes.add(rover.nav.last_command.mode)
    assert g.succeeded, g.reason
    assert "point_turn" in modes and "arc" in modes or "straight" in modes


def test_follow_waypoints_square(fake):
    hal, rover = fake
    square = [(6, 0), (6, 6), (0, 6), (0, 0)]
    g = run(hal, rover, rover.follow(square, 0.2))
    assert g.succeeded, g.reason
    assert math.hypot(rover.pose.x_m, rover.pose.y_m) < 0.3
    assert 20.0 < rover.pose.distance_m < 24.5    # corners are cut by the switch radius


def test_drive_distance_straight_reverse_and_arc(fake):
    hal, rover = fake
    g = run(hal, rover, rover.drive_distance(3.0, math.inf, 0.1))
    assert g.succeeded
    assert rover.pose.x_m == pytest.approx(3.0, abs=0.03)
    g = run(hal, rover, rover.drive_distance(-1.0, math.inf, 0.1))
    assert g.succeeded and rover.pose.x_m == pytest.approx(2.0, abs=0.05)
    yaw0 = rover.pose.yaw_unwrapped_rad
    R = 2.0
    g = run(hal, rover, rover.drive_distance(math.pi * R / 2, R, 0.1))     # quarter circle left
    assert g.succeeded
    assert rover.pose.yaw_unwrapped_rad - yaw0 == pytest.approx(math.pi / 2, abs=0.05)


def test_turn_in_place(fake):
    hal, rover = fake
    g = run(hal, rover, rover.turn_in_place(90))
    assert g.succeeded, g.reason
    assert math.degrees(rover.pose.yaw_rad) == pytest.approx(90, abs=1.5)
    assert math.hypot(rover.pose.x_m, rover.pose.y_m) < 0.01   # spun on the spot
    g = run(hal, rover, rover.turn_in_place(-180))
    assert g.succeeded and math.degrees(rover.pose.yaw_rad) == pytest.approx(-90, abs=1.5)


@pytest.mark.parametrize("call, match", [
    (lambda r: r.drive_to(1, 1, 0.5), "speed_mps"),
    (lambda r: r.drive_to(1, 1, 0.0), "speed_mps"),
    (lambda r: r.drive_to(float("nan"), 1, 0.1), "waypoint"),
    (lambda r: r.drive_distance(1.0, 0.2, 0.1), "radius_m"),
    (lambda r: r.drive_distance(0.0, math.inf, 0.1), "distance_m"),
    (lambda r: r.drive_distance(5.0, math.inf, -0.1), "speed_mps"),
    (lambda r: r.turn_in_place(400), "angle_deg"),
    (lambda r: r.follow([], 0.1), "waypoint"),
])
def test_bad_goals_refused_and_change_nothing(fake, call, match):
    hal, rover = fake
    before = rover.drive_to(3, 0, 0.1)
    with pytest.raises(NavRefusedError, match=match):
        call(rover)
    assert rover.nav.goal is before and before.status is GoalStatus.ACTIVE


def test_tilt_hazard_stops_and_fails(fake):
    hal, rover = fake
    g = rover.drive_to(20, 0, 0.2)
    run(hal, rover, g, max_s=5)
    hal.imu.roll = 21_000           # 21 deg roll
    run(hal, rover, g, max_s=1)
    assert g.status is GoalStatus.FAILED
    assert "roll 21.0 deg" in g.reason and "20.0" in g.reason
    assert all(w.cmd == 0 for w in hal.wheels)
    assert rover.telemetry()["rover.nav_state"] == "FAILED"


def test_stalled_wheel_stops_and_fails(fake):
    hal, rover = fake
    g = rover.drive_to(20, 0, 0.2)
    run(hal, rover, g, max_s=3)
    hal.wheels[3].locked = True
    run(hal, rover, g, max_s=1)
    assert g.status is GoalStatus.FAILED and "3 (mr)" in g.reason


def test_stop_and_supersede(fake):
    hal, rover = fake
    g1 = rover.drive_to(20, 0, 0.2)
    run(hal, rover, g1, max_s=3)
    g2 = rover.turn_in_place(30)
    assert g1.status is GoalStatus.FAILED and "superseded" in g1.reason
    s = rover.stop()
    assert s.succeeded and g2.status is GoalStatus.FAILED and "stopped" in g2.reason
    assert all(w.cmd == 0 for w in hal.wheels)


def test_timeout_fails_goal(fake):
    hal, rover = fake
    g = rover.drive_to(20, 0, 0.2)
    hal.frozen = True              # the wheels turn but the rover goes nowhere (embedded)
    run(hal, rover, g, max_s=1000)
    assert g.status is GoalStatus.FAILED and "timeout" in g.reason


def test_telemetry_channels(fake):
    hal, rover = fake
    run(hal, rover, rover.drive_to(2, 0, 0.1))
    t = rover.telemetry()
    for k in ("rover.x_m", "rover.y_m", "rover.yaw_deg", "rover.speed_mps", "rover.pitch_deg",
              "rover.roll_deg", "rover.nav_state", "rover.stalled_wheels", "power.soc_pct",
              "power.battery_v", "power.solar_w", "thermal.ebox_c"):
        assert k in t
    assert t["rover.x_m"] == pytest.approx(2.0, abs=0.3)
    assert t["rover.nav_state"] == "IDLE" and t["rover.goal_status"] == "SUCCEEDED"


# -- part 2: the simulator in the loop ------------------------------------------------
from hal import open_hal                       # noqa: E402
from ground.traverse import standstill      # noqa: E402


def sim_rover(site="flat", **kw):
    hal = open_hal(f"sim://?seed=1&site={site}")
    rover = Rover(hal, **kw)
    standstill(hal, rover, 20.0)                # learn the gyro bias first
    return hal, rover


def truth_xy(hal):
    hal.read()
    t = hal.truth()
    return t["x_m"], t["y_m"], t["yaw_rad"]


def test_sim_drive_straight_10m_on_flat():
    hal, rover = sim_rover()
    g = run(hal, rover, rover.drive_to(10.0, 0.0, 0.2))
    assert g.succeeded, g.reason
    tx, ty, _ = truth_xy(hal)
    assert math.hypot(tx - 10.0, ty) < NavConfig().arrival_tol_m + 0.3
    assert rover.pose.error_vs_truth(hal.truth())["position_error_m"] < 0.3
    assert 50.0 <= (g.t_end_ms - g.t_start_ms) / 1000 <= 80.0   # 10 m at 0.2 m/s plus ramps


def test_sim_turn_in_place():
    hal, rover = sim_rover()
    g = run(hal, rover, rover.turn_in_place(90.0))
    assert g.succeeded, g.reason
    tx, ty, tyaw = truth_xy(hal)
    assert math.degrees(tyaw) == pytest.approx(90.0, abs=3.0)
    assert math.hypot(tx, ty) < 0.1


def test_sim_out_and_back_returns_near_start():
    hal, rover = sim_rover()
    assert run(hal, rover, rover.drive_to(10.0, 3.0, 0.2)).succeeded
    assert run(hal, rover, rover.drive_to(0.0, 0.0, 0.2)).succeeded
    tx, ty, _ = truth_xy(hal)
    assert math.hypot(tx, ty) < 0.6


def test_sim_refuses_out_of_range_commands():
    hal, rover = sim_rover()
    with pytest.raises(NavRefusedError, match="speed_mps"):
        rover.drive_to(5, 0, 0.25)
    with pytest.raises(NavRefusedError, match="radius_m"):
        rover.drive_distance(2.0, 0.3, 0.1)
    with pytest.raises(NavRefusedError, match="max_wheel_mradps"):
        rover.drive_distance(2.0, 1.0, 0.2)    # outer wheels would exceed 2000 mrad/s
    assert rover.nav.state == "IDLE"


def test_sim_tilt_hazard_on_test_slope():
    hal, rover = sim_rover("test-slope", limits=SpeedLimits(slow_tilt_deg=2.0, crawl_tilt_deg=4.0,
                                                            hazard_tilt_deg=5.0))
    g = run(hal, rover, rover.drive_to(10.0, 0.0, 0.2), max_s=30)
    assert g.status is GoalStatus.FAILED
    assert "tilt hazard: pitch" in g.reason and "5.0 deg" in g.reason
    assert rover.nav.last_command.wheel_mradps == (0,) * 6
    run(hal, rover, g, max_s=5)                 # stays stopped: wheels spin down to 0
    hal.read()
    assert all(abs(w.speed_mradps) < 50 for w in hal.wheels)


def test_sim_stall_stops_with_locked_wheel():
    hal, rover = sim_rover()
    g = rover.drive_to(10.0, 0.0, 0.2)
    run(hal, rover, g, max_s=5)
    hal.sim.wheel_locked[2] = 1
    run(hal, rover, g, max_s=10)
    assert g.status is GoalStatus.FAILED
    assert "stalled" in g.reason and "2 (ml)" in g.reason
    assert rover.nav.last_command.wheel_mradps == (0,) * 6
    assert rover.telemetry()["rover.nav_state"] == "FAILED"


def test_time_budget_follows_the_achievable_speed_on_steep_legs(fake):
    """A leg on 15 deg ground is budgeted at the crawl speed, not the commanded one."""
    hal, rover = fake
    nav = rover.nav
    c = nav.config
    for slope_deg, speed in ((0.0, 0.15), (15.0, rover.limits.crawl_speed_mps)):
        nav.leg_slope = lambda x0, y0, x1, y1, s=slope_deg: s
        t0 = hal.clock.now_ms()
        nav.follow([(30.0, 0.0)], 0.15)
        budget_s = (nav._deadline_ms - t0) / 1000.0
        assert budget_s == pytest.approx(c.timeout_factor * 30.0 / speed + c.timeout_slack_s, rel=1e-3)
        nav.stop()


# -- slip check and slip recovery (fake HAL: the slip estimate is set by hand) ---
def test_slip_check_stops_only_after_the_persistence_time(fake):
    hal, rover = fake
    c = rover.nav.config
    rover.pose.slip_scale = 1.0 - (c.slip_limit - 0.05)     # just under the limit: drives on
    g = rover.drive_to(30, 0, 0.2)
    run(hal, rover, g, max_s=20)
    assert not g.done
    rover.pose.slip_scale = 1.0 - (c.slip_limit + 0.2)
    run(hal, rover, g, max_s=c.slip_persist_s - 0.5)
    assert not g.done                                       # not yet persistent
    run(hal, rover, g, max_s=1.0)
    assert g.status is GoalStatus.FAILED
    assert g.reason.startswith("high slip: 70 %") and "limit 50 %" in g.reason
    assert all(w.cmd == 0 for w in hal.wheels)


def test_slip_limit_must_be_a_fraction():
    with pytest.raises(NavRefusedError, match="slip_limit"):
        NavConfig(slip_limit=1.5)


def cycle(hal, rover, n=1, dt_ms=100):
    for _ in range(n):
        hal.read()
        rover.update(dt_ms)
        hal.write()
        hal.advance(dt_ms)


class MapHal(FakeHal):
    """The stand-in with a flat 60 m x 60 m map, so DRIVE_TO plans routes."""

    def terrain_map(self):
        from hal.interfaces import TerrainMap
        import numpy as np
        n = 121
        return TerrainMap(np.zeros((n, n), np.float32), np.zeros((n, n), np.float32),
                          np.zeros((n, n), bool), 0.5, (-30.0, -30.0))


def test_route_backs_out_of_soft_ground_and_replans_around_it():
    hal = MapHal()
    rover = Rover(hal, heading_source="odometry", odometry_scale=1.0)
    goal = rover.go_to(20.0, 0.0, 0.2)
    task = rover.task
    run(hal, rover, goal, max_s=20)                # firm ground for 20 s
    x_soft = rover.pose.x_m
    rover.pose.slip_scale = 0.3                    # 70 % slip from here on
    backing_seen = False
    t_end = hal.clock.now_ms() + 600_000
    while not goal.done and hal.clock.now_ms() < t_end:
        cycle(hal, rover)
        if rover.nav.goal.kind == "drive_distance":
            backing_seen = True
            rover.pose.slip_scale = 1.0            # the rut is behind: firm again
    assert backing_seen
    assert goal.succeeded, goal.reason
    assert task.recoveries == 1 and len(task.hazards) == 1
    hx, hy = task.hazards[0]
    assert hx > x_soft and abs(hy) < 0.5           # marked ahead of where it sank
    assert rover.planner.grid.hard[rover.planner.grid.cell_of(hx, hy)]
    assert math.hypot(rover.pose.x_m - 20.0, rover.pose.y_m) < 0.3


def test_route_gives_up_after_two_recoveries():
    hal = MapHal()
    rover = Rover(hal, heading_source="odometry", odometry_scale=1.0)
    goal = rover.go_to(20.0, 0.0, 0.2)
    run(hal, rover, goal, max_s=5)
    t_end = hal.clock.now_ms() + 900_000
    while not goal.done and hal.clock.now_ms() < t_end:
        inner = rover.nav.goal
        # soft while driving forward, firm while backing out: it keeps finding soft ground
        rover.pose.slip_scale = 1.0 if inner.kind == "drive_distance" else 0.3
        cycle(hal, rover)
    assert goal.status is GoalStatus.FAILED
    assert goal.reason.startswith("high slip") and "after 2 slip recoveries" in goal.reason
    assert all(w.cmd == 0 for w in hal.wheels)


def test_back_out_stops_digging_when_the_wheels_spin_in_place():
    """A back-out whose wheels spin nearly in place (slip above 90 % for 5 s)
    ends there, with the reason, instead of digging on to its time budget."""
    from flight.rover import route_task as RT
    hal = MapHal()
    rover = Rover(hal, heading_source="odometry", odometry_scale=1.0)
    goal = rover.go_to(20.0, 0.0, 0.2)
    run(hal, rover, goal, max_s=5)
    rover.pose.slip_scale = 1.0 - 0.7
    while rover.nav.goal.kind != "drive_distance":
        cycle(hal, rover)                          # the leg fails on slip, backing starts
    t_back = hal.clock.now_ms()
    assert rover.nav.goal.args["speed_mps"] == RT.BACKOUT_SPEED_MPS
    rover.pose.slip_scale = 1.0 - 0.85             # moving, if slowly: backs on
    cycle(hal, rover, 60)
    assert not goal.done and rover.nav.goal.kind == "drive_distance"
    rover.pose.slip_scale = 1.0 - 0.95             # spinning in place
    run(hal, rover, goal, max_s=RT.BACKOUT_SLIP_PERSIST_S + 1.0)
    assert goal.status is GoalStatus.FAILED
    assert goal.reason.startswith("slip recovery 1: back-out failed: high slip: 95 %")
    assert "limit 90 %" in goal.reason
    assert hal.clock.now_ms() - t_back < 1000 * (6.0 + RT.BACKOUT_SLIP_PERSIST_S + 1.0)
    assert all(w.cmd == 0 for w in hal.wheels)


def test_drive_distance_refuses_a_bad_slip_limit(fake):
    hal, rover = fake
    for kw in ({"slip_limit": 1.0}, {"slip_limit": 0.0}, {"slip_persist_s": -1.0}):
        with pytest.raises(NavRefusedError, match="out of range"):
            rover.drive_distance(1.0, math.inf, 0.1, **kw)
    assert not rover.nav.active


def test_stop_cancels_a_route_in_recovery():
    hal = MapHal()
    rover = Rover(hal, heading_source="odometry", odometry_scale=1.0)
    goal = rover.go_to(20.0, 0.0, 0.2)
    rover.pose.slip_scale = 0.3
    cycle(hal, rover, 50)                          # the leg fails on slip, backing starts
    assert rover.nav.goal.kind == "drive_distance" and not goal.done
    rover.stop()
    assert goal.status is GoalStatus.FAILED and goal.reason == "stopped by command"
    assert rover.task is None and not rover.nav.active


def test_hazard_marking_refuses_bad_input_and_grows_no_go():
    from flight.rover.planner import PlanError
    hal = MapHal()
    rover = Rover(hal, heading_source="odometry", odometry_scale=1.0)
    p = rover.planner
    assert not p.grid.inflated.any()
    with pytest.raises(PlanError, match="radius"):
        p.add_hazard(0.0, 0.0, 0.0)
    with pytest.raises(PlanError, match="finite"):
        p.add_hazard(float("nan"), 0.0, 1.0)
    assert p.add_hazard(10.0, 0.0, 1.5) > 0
    assert p.grid.hard[p.grid.cell_of(10.0, 0.0)]
    assert p.leg_refusal(0.0, 0.0, 20.0, 0.0)      # straight through it is now refused
    route = p.plan((0.0, 0.0), (20.0, 0.0))
    assert any(abs(y) > 2.0 for _, y in route)      # ... and the plan goes round


SIM_GEOM = VehicleGeometry((0.35, 0.35, 0.0, 0.0, -0.35, -0.35), (0.25, -0.25, 0.27, -0.27, 0.25, -0.25),
                           0.1, 2000, -1200, 1200, 9600)


@settings(max_examples=400, deadline=None)
@given(geom=st.sampled_from([GEOM, SIM_GEOM]), speed=st.floats(0.001, 0.2),
       cap_frac=st.floats(0.0, 1.0), radius=st.one_of(st.floats(0.0, 2000.0), st.just(math.inf)),
       sign=st.sampled_from([1.0, -1.0]))
def test_arc_speed_limit_skipped_only_where_it_cannot_bind(geom, speed, cap_frac, radius, sign):
    """The route and distance steps skip 0.98 * max_speed_for_radius from the
    goal's unlimiting radius on: there it must leave every cap <= the goal's
    speed as it is (min() returns the cap itself)."""
    kin = Kinematics(geom)
    nav = Navigator(kin, SpeedLimits(), None, SimClock())
    free_m = nav._unlimiting_radius_m(speed)
    if math.isnan(free_m):
        assert 0.98 * kin.max_straight_speed_mps < speed * (1.0 + 1e-9)
        return
    assert kin.min_radius_m <= free_m <= kin.max_radius_m
    r = sign * max(radius, kin.min_radius_m)
    cap = speed * cap_frac
    if abs(r) >= free_m:
        assert min(cap, 0.98 * kin.max_speed_for_radius(r)) is cap
    elif free_m > kin.min_radius_m:
        # just inside the free radius the limit is below the goal's speed (+1e-9)
        assert 0.98 * kin.max_speed_for_radius(math.nextafter(free_m, 0.0)) < speed * (1.0 + 1e-9)
