"""Slip check and slip recovery on the simulator (terramechanics plant, VO),
in simulated time: a climb on weak soil is stopped and backed out of before
any wheel embeds."""
from __future__ import annotations

import numpy as np

from flight.rover.rover import Rover
from hal import open_hal

# A uniform soil patch 15 % weaker in shear than the nominal LRV soil (c and
# tan(phi) x 0.85, K / 0.85: the soil-patch model's factor, docs/plant.md) on
# the 10 deg test slope: the rover cannot climb it (steady slip would run
# away past 60 % and embed), the case of seed 2 of the demo traverse.
WEAK_SLOPE_URL = ("sim://?seed=3&site=test-slope&soil_var_frac=0"
                  "&soil_phi_deg=30.77&soil_c_pa=144.5&soil_k_m=0.0212")


def _run(hal, rover, goal, max_s, watch):
    t_end = hal.clock.now_ms() + int(1000 * max_s)
    while not goal.done and hal.clock.now_ms() < t_end:
        hal.read()
        rover.update(100)
        hal.write()
        hal.advance(100)
        watch()


def test_climb_on_weak_soil_stops_backs_out_and_never_embeds():
    hal = open_hal(WEAK_SLOPE_URL)
    try:
        rover = Rover(hal)
        hal.read()
        rover.update(0)
        goal = rover.go_to(30.0, 0.0, 0.15)         # straight up the slope
        task = rover.task
        seen = {"embedded": False, "stops": [], "backouts": [], "inner": None}

        def watch():
            truth = hal.truth()
            seen["embedded"] |= any(truth["embedded"])
            inner = rover.nav.goal
            prev = seen["inner"]
            if prev is not None and prev is not inner and prev.done:
                if prev.kind == "drive_to" and prev.reason.startswith("high slip"):
                    seen["stops"].append((float(np.mean(truth["slip"])),
                                          float(np.mean(hal.sim.sink_m))))
                elif prev.kind == "drive_distance":
                    seen["backouts"].append(prev.succeeded)
            seen["inner"] = inner
        _run(hal, rover, goal, 1500.0, watch)
        last = rover.nav.goal                        # the stop that ended the route
        if last.kind == "drive_to" and last.reason.startswith("high slip"):
            truth = hal.truth()
            seen["stops"].append((float(np.mean(truth["slip"])), float(np.mean(hal.sim.sink_m))))
        assert goal.done and not goal.succeeded
        assert goal.reason.startswith("high slip") and "after 2 slip recoveries" in goal.reason
        assert task.recoveries == 2 and seen["backouts"] == [True, True]
        assert len(seen["stops"]) == 3
        for slip, sink_m in seen["stops"]:          # stopped while the rover can still back out
            assert slip < 0.7 and sink_m < 0.010
        assert not seen["embedded"]                 # no wheel ever embedded
        assert not rover.nav.active
    finally:
        hal.close()
