"""Visual-odometry stand-in and the pose's slip estimate."""
from __future__ import annotations

import math

import numpy as np
import pytest

from flight.rover.rover import Rover
from hal import open_hal
from sim_hw.vo import VoModel


def test_vo_frames_are_true_motion_with_the_error_model():
    exact = VoModel(3, 0.0, 0.0, 0.0)
    exact.update(0, 0.0, 0.0, 0.5)
    exact.update(1000, 1.0, 1.0, 0.6)
    seq, t_ms, dx, dy, dyaw = exact.frame
    c, s = math.cos(0.5), math.sin(0.5)
    assert (seq, t_ms) == (1, 1000)
    assert dx == pytest.approx(c + s) and dy == pytest.approx(-s + c) and dyaw == pytest.approx(0.1)
    # Per-step noise scales with the step; the scale error is fixed per seed.
    steps = []
    noisy = VoModel(4, 0.02, 0.0, 0.0)
    noisy.update(0, 0.0, 0.0, 0.0)
    for k in range(1, 2001):
        noisy.update(1000 * k, 0.1 * k, 0.0, 0.0)
        steps.append(noisy.frame[2])
    assert np.std(steps) == pytest.approx(0.002, rel=0.1)
    assert np.mean(steps) == pytest.approx(0.1, abs=2e-4)
    scales = {VoModel(seed, 0.0, 0.01, 0.0).scale for seed in range(200)}
    assert len(scales) == 200 and np.std(list(scales)) == pytest.approx(0.01, rel=0.2)
    a, b = VoModel(9, 0.02, 0.01, 50.0), VoModel(9, 0.02, 0.01, 50.0)
    for m in (a, b):
        m.update(0, 0.0, 0.0, 0.0)
        m.update(1000, 0.2, 0.0, 0.0)
    assert a.frame == b.frame


def _drive_uphill(url: str, seconds: int = 60, vo: bool = True):
    hal = open_hal(url)
    if not vo:
        hal.vo = None                           # a HAL without a camera
    rover = Rover(hal)
    hal.read()
    rover.update(0)
    goal = rover.drive_distance(50.0, math.inf, 0.15)
    for _ in range(seconds * 10):
        hal.read()
        rover.update(100)
        hal.write()
        hal.advance(100)
    return hal, rover, goal


def test_slip_estimate_follows_the_true_slip_on_a_slope():
    hal, rover, _ = _drive_uphill("sim://?seed=2&site=test-slope&soil_var_frac=0&vo_scale_sigma_frac=0")
    true_slip = float(np.mean(hal.truth()["slip"]))
    assert true_slip > 0.2                      # 10 deg test slope: a lot of slip
    assert rover.pose.slip_est == pytest.approx(true_slip, abs=0.05)
    err = rover.pose.error_vs_truth(hal.truth())["position_error_m"]
    assert err < 0.02 * rover.pose.distance_m + 0.1


def test_without_vo_wheel_odometry_over_reads_by_the_slip():
    hal, rover, _ = _drive_uphill("sim://?seed=2&site=test-slope&soil_var_frac=0", vo=False)
    truth = hal.truth()
    true_slip = float(np.mean(truth["slip"]))
    assert rover.pose.slip_est == 0.0           # no VO: no estimate, raw wheel odometry
    assert rover.pose.distance_m * (1.0 - true_slip) == pytest.approx(truth["distance_m"], rel=0.05)
    assert rover.pose.distance_m > 1.2 * truth["distance_m"]
    hal.close()
