"""The drive demo: plan around the slope hazard and drive a ~100 m traverse in simulated time.

Used by ``rover drive-demo`` and ``rover perf sim``.  Nothing here reads wall
time; the CLI measures it through the ``progress`` callback.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from flight.rover.planner import path_length_m
from flight.rover.rover import Rover

DEMO_GOAL_XY_M = (90.0, 20.0)       # east of the crater-wall hazard at the default site
DEMO_SPEED_MPS = 0.2
CYCLE_MS = 100                      # the flight cycle: 10 Hz
TRACK_EVERY_CYCLES = 10             # path samples for the plot: one per simulated second
GYRO_CAL_S = 30.0                   # standstill before driving: the pose learns the gyro bias


@dataclass
class TraverseResult:
    status: str                     # SUCCEEDED / FAILED
    reason: str
    waypoints: list
    planned_length_m: float
    distance_m: float = 0.0
    sim_time_s: float = 0.0
    energy_used_j: float = 0.0
    odometry_error_m: float | None = None
    yaw_error_deg: float | None = None
    max_tilt_deg: float = 0.0
    cycles: int = 0
    est_path: list = field(default_factory=list)     # [(x_m, y_m)]
    truth_path: list = field(default_factory=list)


def drive_goal(hal, rover: Rover, goal, max_sim_s: float, result: TraverseResult,
               progress=None, progress_every_cycles: int = 50) -> None:
    """Run the read -> update -> write -> advance cycle until the goal is done."""
    dt = CYCLE_MS
    t_end = hal.clock.now_ms() + int(max_sim_s * 1000)
    pose = rover.pose
    read, update, write, advance = hal.read, rover.update, hal.write, hal.advance
    est, tru = result.est_path, result.truth_path
    truth = hal.truth
    max_tilt = result.max_tilt_deg
    n = 0
    clock = hal.clock
    while not goal.done and clock.now_ms() < t_end:
        read()
        update(dt)
        write()
        advance(dt)
        n += 1
        p, r = pose.pitch_deg, pose.roll_deg
        if p > max_tilt or -p > max_tilt or r > max_tilt or -r > max_tilt:
            max_tilt = max(abs(p), abs(r))
        if n % TRACK_EVERY_CYCLES == 0:
            est.append((pose.x_m, pose.y_m))
            t = truth()
            if t:
                tru.append((t["x_m"], t["y_m"]))
            if progress is not None and n % progress_every_cycles == 0:
                progress(clock.now_ms() / 1000.0, pose.distance_m)
    if not goal.done:
        rover.stop()
    result.cycles += n
    result.max_tilt_deg = max_tilt


def standstill(hal, rover: Rover, duration_s: float = GYRO_CAL_S) -> None:
    """Hold still for duration_s of simulated time (gyro bias calibration)."""
    for _ in range(int(duration_s * 1000) // CYCLE_MS):
        hal.read()
        rover.update(CYCLE_MS)
        hal.write()
        hal.advance(CYCLE_MS)


def run_traverse(hal, rover: Rover | None = None, goal_xy_m=DEMO_GOAL_XY_M,
                 speed_mps: float = DEMO_SPEED_MPS, max_sim_s: float | None = None,
                 progress=None, calibrate_s: float = GYRO_CAL_S) -> TraverseResult:
    """Stand still for calibrate_s, plan from the current pose to goal_xy_m on
    hal.terrain_map() and drive it."""
    rover = rover or Rover(hal)
    hal.read()
    rover.update(0)
    standstill(hal, rover, calibrate_s)
    start = (rover.pose.x_m, rover.pose.y_m)
    waypoints = rover.plan_to(*goal_xy_m)
    length = path_length_m(start, waypoints)
    res = TraverseResult("ACTIVE", "", [tuple(round(c, 2) for c in w) for w in waypoints], length)
    e0 = hal.power.energy_used_j
    t0 = hal.clock.now_ms()
    goal = rover.go_to(*goal_xy_m, speed_mps)     # the same route, with slip recovery
    if max_sim_s is None:
        max_sim_s = 4.0 * length / speed_mps + 120.0
    drive_goal(hal, rover, goal, max_sim_s, res, progress)
    finish(hal, rover, res, goal, e0, t0)
    return res


def finish(hal, rover: Rover, res: TraverseResult, goal, e0_j: float, t0_ms: int) -> None:
    hal.read()
    res.status = goal.status.value if goal.done else "FAILED"
    res.reason = goal.reason if goal.done else "demo time limit reached"
    res.sim_time_s = (hal.clock.now_ms() - t0_ms) / 1000.0
    res.distance_m = rover.pose.distance_m
    res.energy_used_j = hal.power.energy_used_j - e0_j
    err = rover.pose.error_vs_truth(hal.truth())
    if err:
        res.odometry_error_m = err["position_error_m"]
        res.yaw_error_deg = err.get("yaw_error_deg")
    res.est_path.append((rover.pose.x_m, rover.pose.y_m))
    t = hal.truth()
    if t:
        res.truth_path.append((t["x_m"], t["y_m"]))


def write_path_png(path, terrain, res: TraverseResult, start_xy_m=(0.0, 0.0),
                   no_go_slope_deg: float = 20.0, title: str = "drive demo") -> None:
    """The traverse (estimated and true) over the slope map."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(8, 6.5), dpi=100)
    xs = [start_xy_m[0]] + [w[0] for w in res.waypoints]
    ys = [start_xy_m[1]] + [w[1] for w in res.waypoints]
    pts = res.est_path + res.truth_path + list(zip(xs, ys))
    pad = 20.0
    x_lo, x_hi = min(p[0] for p in pts) - pad, max(p[0] for p in pts) + pad
    y_lo, y_hi = min(p[1] for p in pts) - pad, max(p[1] for p in pts) + pad
    if terrain is not None:
        slope = np.asarray(terrain.slope_deg)
        ext = terrain.extent_m
        half = terrain.cell_m / 2
        im = ax.imshow(slope, origin="lower", cmap="magma_r", vmin=0, vmax=30,
                       extent=(ext[0] - half, ext[1] + half, ext[2] - half, ext[3] + half))
        fig.colorbar(im, ax=ax, label="slope (deg)")
        nogo = (slope > no_go_slope_deg) | np.asarray(terrain.no_go_mask, bool)
        ax.contour(nogo.astype(float), levels=[0.5], colors="cyan", linewidths=0.8, origin="lower",
                   extent=(ext[0], ext[1], ext[2], ext[3]))
    ax.plot(xs, ys, "o--", color="black", ms=4, lw=1, label="planned waypoints")
    if res.truth_path:
        ax.plot(*zip(*res.truth_path), "-", color="lime", lw=2, label="truth")
    if res.est_path:
        ax.plot(*zip(*res.est_path), "-", color="deepskyblue", lw=1.2, label="estimate (odometry)")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    ax.set_xlabel("x east (m)")
    ax.set_ylabel("y north (m)")
    err = "" if res.odometry_error_m is None else f", final odometry error {res.odometry_error_m:.2f} m"
    ax.set_title(f"{title}: {res.status}, {res.distance_m:.0f} m in {res.sim_time_s:.0f} s{err}",
                 fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def summary_dict(res: TraverseResult, wall_time_s: float) -> dict:
    rtf = res.sim_time_s / wall_time_s if wall_time_s > 0 else math.inf
    return {
        "status": res.status,
        "reason": res.reason,
        "distance_m": round(res.distance_m, 3),
        "planned_length_m": round(res.planned_length_m, 3),
        "sim_time_s": round(res.sim_time_s, 3),
        "wall_time_s": round(wall_time_s, 3),
        "realtime_factor": round(rtf, 1),
        "energy_used_j": round(res.energy_used_j, 1),
        "odometry_error_m": None if res.odometry_error_m is None else round(res.odometry_error_m, 3),
        "yaw_error_deg": None if res.yaw_error_deg is None else round(res.yaw_error_deg, 2),
        "max_tilt_deg": round(res.max_tilt_deg, 2),
        "cycles": res.cycles,
        "waypoints": [list(w) for w in res.waypoints],
    }
