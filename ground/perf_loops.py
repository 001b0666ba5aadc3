"""Speed of the 1 kHz wheel loops + plant: C (batched sim_step) vs pure Python.

A "step" is one 1 ms tick of all six wheel loops (speed estimate + PID) and
the 6-wheel plant (motor, soil, body, encoder edges into the decoder).  The
C side runs the whole simulator (plant + both boards' firmware) in blocks
through one ``sim_run`` call, refreshing MOB_DRIVE every block; the
Python side runs sim_hw.pyref.loops + sim_hw.pyref.plant per tick.  Both
drive the rover at its top wheel speed on flat ground.  Both are single
threaded, so each uses one core.  Functions return dicts and print nothing
(the CLI prints).
"""
from __future__ import annotations

import time

from sim_hw.params import RoverParams
from sim_hw.simulator import Simulator

BLOCK_MS = 250  # C block per sim_run call: inside the board's 300 ms drive deadline
MIN_C_WALL_S = 0.05  # repeat the C run until timing is above clock noise


def _check_seconds(name: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
        raise ValueError(f"{name}: sim_seconds must be a positive number, got {v!r}")
    return float(v)


def _drive_payload(target: int) -> bytes:
    from common.dictionary import default_dictionary
    from common.dictionary.packets import encode_board_command
    w = {f"w_{n}": target for n in ("fl", "fr", "ml", "mr", "rl", "rr")}
    return encode_board_command(default_dictionary(), "MOB_DRIVE", s_fl=0, s_fr=0, s_rl=0,
                                s_rr=0, **w)


def _c_run(params: RoverParams, seed: int, sim_ms: int, target: int):
    """Wall seconds for sim_ms of C simulation (after a 1 s spin-up)."""
    from sim_hw.site import site_from_name
    reach_m = (sim_ms + 1000) / 1000.0 * params.max_speed_mps + 5.0
    sim = Simulator(site_from_name("flat", 0, size_m=2 * reach_m), seed, params=params,
                    start_yaw_rad=0.0)
    drive = _drive_payload(target)
    for _ in range(4):
        sim.command("mobility", 0, drive)
        sim.advance(BLOCK_MS)
    t0 = time.perf_counter()
    left = sim_ms
    while left > 0:
        n = min(BLOCK_MS, left)
        sim.command("mobility", 0, drive)
        sim.advance(n)
        left -= n
    return time.perf_counter() - t0, sim


def _py_run(params: RoverParams, sim_ms: int, target: int):
    """Wall seconds for sim_ms of the pure-Python loops + plant."""
    from sim_hw.pyref import loops as L
    from sim_hw.pyref.plant import PlantRef, gray_ab

    cfg = L.WheelLoopCfg(kp_q8=params.wheel_kp_q8, ki_q8=params.wheel_ki_q8,
                         kd_q8=params.wheel_kd_q8, effort_max=params.wheel_effort_max,
                         slew_q8=params.wheel_slew_q8, stall_effort=params.stall_effort,
                         stall_speed_mradps=params.stall_speed_mradps, stall_ms=params.stall_ms)
    cpw = params.counts_per_wheel_rev
    k_q16 = int(round(6283.185307179586 / cpw * 65536.0))
    wl = [L.WheelLoop() for _ in range(6)]
    qd = [L.QuadDec(gray_ab(0)) for _ in range(6)]
    se = [L.SpeedEst() for _ in range(6)]
    for i in range(6):
        L.speed_est_init(se[i], k_q16, params.speed_window_ms, 0)
        L.wheel_loop_set_target(wl[i], target)
    plant = PlantRef(params, 0.0, bus_v=32.0)
    quad_update, speed_update, loop_step = L.quad_update, L.speed_est_update, L.wheel_loop_step

    def on_edge(i, ab):
        quad_update(qd[i], ab)

    effort = [0] * 6
    t0 = time.perf_counter()
    for _ in range(sim_ms):
        for i in range(6):
            effort[i] = loop_step(wl[i], cfg, speed_update(se[i], qd[i].count))
        plant.step(effort, on_edge)
    return time.perf_counter() - t0, plant


def measure_loops(sim_seconds: float = 2.0, seed: int = 0) -> dict:
    """Steps per wall second for C and Python, and their ratio."""
    sim_s = _check_seconds("measure_loops", sim_seconds)
    params = RoverParams()
    target = params.max_wheel_mradps
    py_ms = max(1, int(round(sim_s * 1000)))
    py_wall, _ = _py_run(params, py_ms, target)
    c_ms, c_wall = py_ms, 0.0
    while True:
        c_wall, _ = _c_run(params, seed, c_ms, target)
        if c_wall >= MIN_C_WALL_S or c_ms >= 3_600_000:
            break
        c_ms *= 4
    c_rate = c_ms / c_wall
    py_rate = py_ms / py_wall
    return {"c_steps_per_s": c_rate, "py_steps_per_s": py_rate, "speedup": c_rate / py_rate,
            "c_sim_s": c_ms / 1000.0, "py_sim_s": py_ms / 1000.0}


def measure_sim_step(sim_seconds: float = 60.0, seed: int = 0) -> dict:
    """Real-time factor of plant + board firmware alone (simulated ms per wall ms), driving
    at top speed."""
    sim_s = _check_seconds("measure_sim_step", sim_seconds)
    params = RoverParams()
    sim_ms = max(1, int(round(sim_s * 1000)))
    wall, _ = _c_run(params, seed, sim_ms, params.max_wheel_mradps)
    return {"realtime_factor": sim_ms / (wall * 1000.0), "sim_s": sim_ms / 1000.0,
            "wall_s": wall, "ns_per_step": wall * 1e9 / sim_ms}
