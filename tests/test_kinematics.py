"""Kinematics and speed-limit tests (pure math, no simulator)."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from hal.errors import CommandRangeError
from common.vehicle import VehicleGeometry
from flight.rover.kinematics import Kinematics, KinematicsRangeError
from flight.rover.limits import (LimitError, SpeedLimits, VIPER_MAX_SPEED_MPS,
                                 YUTU2_MAX_SPEED_MPS)

# An Open-Source-Rover-sized test vehicle: corners at x = +-0.267 m, y = +-0.184 m,
# middle wheels at y = +-0.256 m (OSR d1..d4), mirrored exactly left/right.
D1, D3, D4 = 0.184, 0.267, 0.256
R_WHEEL = 0.075
GEOM = VehicleGeometry(
    wheel_x_m=(D3, D3, 0.0, 0.0, -D3, -D3),
    wheel_y_m=(D1, -D1, D4, -D4, D1, -D1),
    wheel_radius_m=R_WHEEL, max_wheel_mradps=4000,
    steer_min_mrad=-1100, steer_max_mrad=1100, counts_per_wheel_rev=4096)
KIN = Kinematics(GEOM)
STEERED = (0, 1, 4, 5)

radii = st.floats(min_value=KIN.min_radius_m, max_value=KIN.max_radius_m * 2,
                  allow_nan=False).flatmap(lambda r: st.sampled_from((r, -r)))
speeds = st.floats(min_value=-0.1, max_value=0.1, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


def test_min_radius_derived_from_steer_limit():
    # inner corner hits the steer limit: R_min = d1 + d3 / tan(limit)
    assert KIN.min_radius_m == pytest.approx(D1 + D3 / math.tan(1.1))
    cmd = KIN.arc(0.05, KIN.min_radius_m)
    assert max(abs(a) for a in cmd.steer_mrad) <= 1100
    assert max(abs(a) for a in cmd.steer_mrad) >= 1095


def test_matches_open_source_rover_equations():
    R, v = 1.5, 0.1
    w = v / R
    cmd = KIN.arc(v, R)   # left turn: left side is inner
    inner = math.atan2(D3, R - D1)
    outer = math.atan2(D3, R + D1)
    assert cmd.steer_mrad == (round(1000 * inner), round(1000 * outer),
                              round(-1000 * inner), round(-1000 * outer))
    k = 1000.0 / R_WHEEL
    assert cmd.wheel_mradps[2] == round((R - D4) * w * k)
    assert cmd.wheel_mradps[3] == round((R + D4) * w * k)
    assert cmd.wheel_mradps[0] == round(math.hypot(R - D1, D3) * w * k)
    assert cmd.wheel_mradps[1] == round(math.hypot(R + D1, D3) * w * k)


@settings(max_examples=200, deadline=None)
@given(speeds, radii)
def test_mirror_symmetry(v, R):
    a = KIN.arc(v, R)
    b = KIN.arc(v, -R)
    fl, fr, rl, rr = a.steer_mrad
    assert b.steer_mrad == (-fr, -fl, -rr, -rl)
    w = a.wheel_mradps
    assert b.wheel_mradps == (w[1], w[0], w[3], w[2], w[5], w[4])


@settings(max_examples=200, deadline=None)
@given(speeds, st.floats(min_value=KIN.min_radius_m, max_value=1e4))
def test_no_scrub_every_wheel_tangent_to_its_circle(v, R):
    cmd = KIN.arc(v, R)
    if cmd.mode == "straight":
        assert R >= KIN.max_radius_m
        return
    ratios = []
    for i in range(6):
        x, y = GEOM.wheel_x_m[i], GEOM.wheel_y_m[i]
        delta = cmd.steer_mrad[STEERED.index(i)] / 1000.0 if i in STEERED else 0.0
        # rolling direction is perpendicular to the ICR radius (0, R) -> (x, y)
        rx, ry = x, y - R
        dist = math.hypot(rx, ry)
        cos_between = (math.cos(delta) * rx + math.sin(delta) * ry) / dist
        assert abs(cos_between) < 1e-3    # mrad rounding only
        ratios.append(cmd.wheel_mradps[i] / dist)
    # every wheel turns at the same yaw rate about the ICR (within 1 count rounding)
    expect = v / R * 1000.0 / R_WHEEL
    for i, r in enumerate(ratios):
        dist = math.hypot(GEOM.wheel_x_m[i], GEOM.wheel_y_m[i] - R)
        assert abs(r - expect) * dist <= 0.51


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.005, max_value=0.1), st.floats(min_value=KIN.min_radius_m, max_value=200.0))
def test_outer_wheels_faster_than_inner(v, R):
    left = KIN.arc(v, R).wheel_mradps      # left turn: right side outer
    for inner, outer in ((0, 1), (2, 3), (4, 5)):
        assert left[outer] >= left[inner]
    if v / R * 2 * D1 * 1000 / R_WHEEL > 2:    # difference bigger than the rounding
        assert sum(left[1::2]) > sum(left[0::2])


@settings(max_examples=100, deadline=None)
@given(speeds, st.floats(min_value=1.0, max_value=1e9))
def test_straight_line_limit(v, scale):
    R = KIN.max_radius_m * scale
    for r in (R, -R, math.inf):
        cmd = KIN.arc(v, r)
        assert cmd.steer_mrad == (0, 0, 0, 0)
        assert len(set(cmd.wheel_mradps)) == 1
    # approaching the limit: angles and speed differences shrink towards 0
    near = KIN.arc(v, KIN.max_radius_m * 0.99)
    assert max(abs(a) for a in near.steer_mrad) <= 1
    assert max(near.wheel_mradps) - min(near.wheel_mradps) <= 2


def test_straight_and_reverse():
    cmd = KIN.straight(0.15)
    assert cmd.wheel_mradps == (2000,) * 6 and cmd.steer_mrad == (0, 0, 0, 0)
    back = KIN.straight(-0.15)
    assert back.wheel_mradps == (-2000,) * 6


def test_point_turn_tangent_and_middle_wheels_opposite():
    w = 0.2
    cmd = KIN.point_turn(w)
    assert cmd.mode == "point_turn"
    for k, i in enumerate(STEERED):
        x, y = GEOM.wheel_x_m[i], GEOM.wheel_y_m[i]
        d = cmd.steer_mrad[k] / 1000.0
        # tangent to the circle about the centre: perpendicular to (x, y)
        assert abs(math.cos(d) * x + math.sin(d) * y) / math.hypot(x, y) < 1e-3
        # and rolling the CCW way: velocity w*(-y, x) along the wheel heading
        along = (math.cos(d) * -y + math.sin(d) * x) * w
        assert math.copysign(1, along) == math.copysign(1, cmd.wheel_mradps[i])
        assert abs(cmd.wheel_mradps[i]) == round(w * math.hypot(x, y) * 1000 / R_WHEEL)
    assert cmd.wheel_mradps[2] == -cmd.wheel_mradps[3]
    assert cmd.wheel_mradps[2] < 0          # CCW spin: left side backwards
    assert KIN.point_turn(-w).wheel_mradps == tuple(-s for s in cmd.wheel_mradps)
    assert KIN.twist(0.0, w) == cmd


def test_twist_is_arc_with_r_equals_v_over_w():
    assert KIN.twist(0.1, 0.1) == KIN.arc(0.1, 1.0)
    assert KIN.twist(0.1, 0.0) == KIN.straight(0.1)


@pytest.mark.parametrize("R", [0.0, 0.1, -0.3, KIN.min_radius_m * 0.99])
def test_too_tight_radius_refused(R):
    with pytest.raises(KinematicsRangeError, match="radius_m"):
        KIN.arc(0.05, R)


@pytest.mark.parametrize("bad", [float("nan"), "fast", None])
def test_non_numbers_refused(bad):
    with pytest.raises(KinematicsRangeError):
        KIN.arc(bad, 2.0)
    with pytest.raises(KinematicsRangeError):
        KIN.arc(0.1, bad)


def test_wheel_overspeed_refused_with_name_and_limit():
    assert issubclass(KinematicsRangeError, CommandRangeError)
    with pytest.raises(KinematicsRangeError, match=r"max_wheel_mradps") as e:
        KIN.straight(0.31)
    assert "4000" in str(e.value)
    # on a tight arc the outer wheel saturates first: max_speed_for_radius says when
    R = 1.0
    vmax = KIN.max_speed_for_radius(R)
    assert vmax < KIN.max_straight_speed_mps
    KIN.arc(0.99 * vmax, R)
    with pytest.raises(KinematicsRangeError, match="wheel 3"):   # the outer middle wheel is furthest from the ICR
        KIN.arc(1.02 * vmax, R)
    with pytest.raises(KinematicsRangeError, match="yaw_rate"):
        KIN.point_turn(10.0)


def test_point_turn_refused_when_steer_range_too_small():
    narrow = Kinematics(VehicleGeometry(GEOM.wheel_x_m, GEOM.wheel_y_m, R_WHEEL, 4000, -500, 500, 4096))
    assert not narrow.point_turn_possible
    with pytest.raises(KinematicsRangeError, match="steer range"):
        narrow.point_turn(0.1)
    assert narrow.min_radius_m > KIN.min_radius_m


# -- limits ---------------------------------------------------------------------

def test_default_limits_sources():
    lim = SpeedLimits()
    assert lim.max_speed_mps <= VIPER_MAX_SPEED_MPS
    assert lim.crawl_speed_mps == pytest.approx(200 / 3600)   # Yutu-2, 200 m/h
    assert lim.speed_limit_mps(0.0) == lim.max_speed_mps
    assert lim.speed_limit_mps(-30.0) == YUTU2_MAX_SPEED_MPS


@given(st.floats(min_value=0, max_value=90), st.floats(min_value=0, max_value=90))
def test_speed_limit_never_increases_with_tilt(a, b):
    lim = SpeedLimits()
    lo, hi = min(a, b), max(a, b)
    assert lim.speed_limit_mps(hi) <= lim.speed_limit_mps(lo)
    assert lim.crawl_speed_mps <= lim.speed_limit_mps(hi) <= lim.max_speed_mps


@pytest.mark.parametrize("v", [0.0, -0.1, 0.21, float("inf"), float("nan"), "x"])
def test_check_speed_refuses(v):
    with pytest.raises(LimitError, match="speed_mps"):
        SpeedLimits().check_speed(v)


def test_bad_limit_config_refused():
    with pytest.raises(LimitError, match="crawl_speed_mps"):
        SpeedLimits(max_speed_mps=0.01)
    with pytest.raises(LimitError, match="tilt"):
        SpeedLimits(slow_tilt_deg=16.0)
    with pytest.raises(LimitError, match="max_speed_mps"):
        SpeedLimits(max_speed_mps=-1.0)
