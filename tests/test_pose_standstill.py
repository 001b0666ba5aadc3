"""The gyro-bias zero-velocity update: standing still is an unchanged
odometry pose AND wheels that say so.  A host that runs late takes two
flight cycles on one board sample (the pose then repeats mid-motion); that
must not be taken for a stop, or the bias learns the turn rate and the
heading freezes mid-turn (seen with emulated boards on a loaded machine)."""
from __future__ import annotations

import math

from flight.rover.rover import Rover
from hal import open_hal


def _cycle(hal, rover, late: bool):
    hal.read()
    rover.update(100)
    if late:                    # a second cycle on the same latched sample
        rover.update(100)
    hal.write()
    hal.advance(100)


def test_a_repeated_sample_mid_turn_is_not_a_standstill():
    hal = open_hal("sim://?seed=1")
    rover = Rover(hal)                       # gyro heading (the default)
    assert rover.pose.heading_source == "gyro"
    hal.read()
    rover.update(0)
    for _ in range(50):                      # parked: the bias is learned
        _cycle(hal, rover, late=True)
    bias_parked = rover.pose.gyro_bias_radps
    rover.turn_in_place(90.0)
    rate = []
    for k in range(150):
        _cycle(hal, rover, late=k % 3 == 0)
        rate.append(abs(hal.imu.gyro_mdps[2]) * math.pi / 180000.0)
    assert max(rate) > 0.01                  # it did turn
    # the parked estimate is kept: nothing of the turn rate leaked into it
    assert abs(rover.pose.gyro_bias_radps - bias_parked) < 0.001
