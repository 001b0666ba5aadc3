"""`rover perf`: speed benchmarks (C loops vs Python, closed-loop simulation).

With --json the last line printed is exactly one JSON object.
"""
from __future__ import annotations

import json
import statistics
import sys
import time

import click

from ground.campaign import perf as campaign_perf   # its defaults (stdlib imports only)
from ground.cli.options import SEED, FiniteFloat

PERF_GOAL_XY_M = (90.0, 20.0)
MIN_SIM_S = 600.0


@click.group("perf")
def perf():
    """Speed benchmarks."""


@perf.command("loops")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
def loops(as_json):
    """Wheel-loop steps per second: C core vs the Python reference."""
    try:
        from ground.perf_loops import measure_loops   # bench tool: may use the simulator package
    except ImportError as e:
        raise click.ClickException(f"perf loops needs ground.perf_loops: {e}") from None

    r = measure_loops()
    if as_json:
        click.echo(json.dumps(r))
    else:
        click.echo(f"C: {r['c_steps_per_s']:.3g} steps/s, Python: {r['py_steps_per_s']:.3g} steps/s, "
                   f"speed-up {r['speedup']:.1f}x")


def run_perf_sim(url: str, min_sim_s: float = MIN_SIM_S, speed_mps: float = 0.2,
                 profile: bool = False) -> dict:
    """Drive out to PERF_GOAL_XY_M and back (planned routes) until min_sim_s has passed."""
    from hal import open_hal
    from ground.traverse import TraverseResult, drive_goal, standstill
    from flight.rover.rover import Rover

    hal = open_hal(url)
    rover = Rover(hal)
    hal.read()
    rover.update(0)
    standstill(hal, rover)     # gyro bias calibration (not timed)
    home = (rover.pose.x_m, rover.pose.y_m)
    res = TraverseResult("ACTIVE", "", [], 0.0)
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    wall0 = time.perf_counter()
    t0 = hal.clock.now_ms()
    legs = 0
    failures = []
    while (hal.clock.now_ms() - t0) / 1000.0 < min_sim_s:
        goal = rover.go_to(*(PERF_GOAL_XY_M if legs % 2 == 0 else home), speed_mps)
        drive_goal(hal, rover, goal, 2000.0, res)
        legs += 1
        if not goal.succeeded:
            failures.append(goal.reason)
            break
    wall = time.perf_counter() - wall0
    if prof is not None:
        prof.disable()
        import pstats
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    sim_s = (hal.clock.now_ms() - t0) / 1000.0
    hal.read()
    err = rover.pose.error_vs_truth(hal.truth())
    hal.close()
    return {
        "realtime_factor": round(sim_s / wall, 1) if wall > 0 else None,
        "sim_time_s": round(sim_s, 1),
        "wall_time_s": round(wall, 3),
        "distance_m": round(rover.pose.distance_m, 2),
        "cycles": res.cycles,
        "us_per_cycle": round(wall / max(1, res.cycles) * 1e6, 1),
        "legs": legs,
        "status": "FAILED" if failures else "SUCCEEDED",
        "reason": failures[0] if failures else "",
        "odometry_error_m": None if not err else round(err["position_error_m"], 3),
        "hal": url,
    }


MIN_MISSIONS = 3   # a traverse-only run is ~1 s of wall time: too short for a steady figure


def run_perf_mission(seed: int, min_sim_s: float, profile: bool = False,
                     min_missions: int = MIN_MISSIONS) -> dict:
    """The whole flight software in the loop (sequencer, modes, fault protection,
    recorder, rover, printer component) on the demo traverse
    (missions/examples/demo_traverse.seq: the demo without its brick print,
    which `rover perf print` measures; seeds seed, seed+1, ...), repeated until
    min_sim_s has passed and at least min_missions ran (or STEADY_WALL_S of
    wall time went by).  The figure is total simulated time over total wall
    time; the per-run factors show the spread."""
    import tempfile
    from pathlib import Path

    from ground.runner import run_mission

    mission = Path(__file__).resolve().parents[2] / "missions" / "examples" / "demo_traverse.seq"
    if not mission.is_file():
        raise click.ClickException(f"demo traverse mission not found at {mission}")
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    sim_s = wall_s = dist_m = 0.0
    runs, statuses, per_run, failures = 0, [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        while sim_s < min_sim_s or runs < min_missions:
            res = run_mission(mission, hal_url=f"sim://?seed={seed + runs}", seed=seed + runs,
                              out_dir=Path(tmp) / f"run{runs}", wall_clock=time.perf_counter)
            r = res.report
            # count only the timed loop (boot is part of it: flight code runs throughout)
            sim_s += r["sim_time_s"]
            wall_s += r["wall_time_s"]
            dist_m += r["distance_m"]
            statuses.append(r["status"])
            if r["status"] != "passed":
                failures.append({"seed": seed + runs, "reason": r.get("reason", "")})
            per_run.append(r["realtime_factor"])
            runs += 1
    if prof is not None:
        prof.disable()
        import pstats
        pstats.Stats(prof).sort_stats("tottime").print_stats(20)
    from ground.print.bench import sim_only_rate
    # what no flight software on top can beat: the plant and both boards'
    # firmware alone, in the same 100 ms blocks (measured now, on this machine)
    ceiling = sim_only_rate(seed=seed, sim_s=600.0)
    return {
        "realtime_factor": round(sim_s / wall_s, 1) if wall_s > 0 else None,
        "limit_realtime_factor_sim_only": round(ceiling, 1),
        "sim_time_s": round(sim_s, 1),
        "wall_time_s": round(wall_s, 3),
        "distance_m": round(dist_m, 2),
        "missions": runs,
        "realtime_factor_per_run": per_run,
        "realtime_factor_median": statistics.median(per_run),
        "status": "passed" if all(x == "passed" for x in statuses) else "failed",
        "failed_runs": failures,     # the figure counts them too: the flight code ran throughout
        "stack": "full: sequencer + modes + fault protection + recorder + rover + printer + sim",
    }


@perf.command("sim")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--seed", type=SEED, default=1, show_default=True)
@click.option("--hal", "hal_url", default=None,
              help="HAL URL for --rover-only (default: $ROVER_HAL, else sim://?seed=SEED); "
                   "the full-stack figure always runs the simulator")
@click.option("--sim-seconds", "min_sim_s", type=FiniteFloat(1.0, 10_000 * 3600.0, unit="s"), default=MIN_SIM_S,
              show_default=True, help="minimum simulated time")
@click.option("--rover-only", is_flag=True,
              help="drive with the Rover alone (no sequencer, modes, monitors or recorder)")
@click.option("--profile", is_flag=True, help="print a cProfile table of the run")
def sim(as_json, seed, hal_url, min_sim_s, rover_only, profile):
    """Closed-loop traverse with flight code in the loop; simulated s per wall s.

    By default the whole flight software runs the demo traverse (the demo
    without its brick print, which `rover perf print` measures; recorder
    included); --rover-only measures the driving stack alone."""
    if rover_only:
        from hal import resolve_hal_url
        from hal.errors import HalError
        try:
            url = resolve_hal_url(hal_url, seed=seed, source="--hal")
        except HalError as e:
            click.echo(f"rover perf sim: {e}", err=True)
            sys.exit(2)
        r = run_perf_sim(url, min_sim_s, profile=profile)
    else:
        r = run_perf_mission(seed, min_sim_s, profile=profile)
    if as_json:
        click.echo(json.dumps(r))
    else:
        notes = []
        if "realtime_factor_median" in r:
            notes.append(f"median of runs {r['realtime_factor_median']:.0f}x")
        if "limit_realtime_factor_sim_only" in r:
            notes.append(f"the simulator alone, no flight software: "
                         f"{r['limit_realtime_factor_sim_only']:.0f}x")
        click.echo(f"{r['sim_time_s']:.0f} s simulated in {r['wall_time_s']:.2f} s wall: "
                   f"{r['realtime_factor']:.0f}x real time"
                   + (f" ({'; '.join(notes)})" if notes else "")
                   + f", {r['distance_m']:.1f} m driven, {r['status']}")


@perf.command("traction")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
def traction(as_json):
    """Steady slip up 0-25 deg slopes on nominal soil, and the slope where the rover embeds.

    Beside each simulated slip: Wong's closed form for the same soil (equal
    wheel loads, no dig-in), the model-independent reference (docs/plant.md)."""
    from sim_hw.params import RoverParams
    from sim_hw.traction import SLOPES_DEG, embedding_slope_deg, measure_slip, wong_slip

    p = RoverParams()
    rows = [measure_slip(s, p) for s in SLOPES_DEG]
    r = {
        "mass_kg": p.mass_kg,
        "soil": {"n": p.soil_n, "kc_n_m2": p.soil_kc_n_m2, "kphi_n_m3": p.soil_kphi_n_m3,
                 "c_pa": p.soil_c_pa, "phi_deg": p.soil_phi_deg, "k_m": p.soil_k_m},
        "slope_deg": list(SLOPES_DEG),
        "slip": [round(x["slip"], 3) for x in rows],
        "embedded": [x["embedded"] for x in rows],
        "speed_mps": [round(x["speed_mps"], 4) for x in rows],
        "wong_closed_form_slip": [None if w is None else round(w, 3)
                                  for w in (wong_slip(s, p) for s in SLOPES_DEG)],
        "embedding_slope_deg": round(embedding_slope_deg(p), 1),
        "embed_slip": 0.6,
    }
    if as_json:
        click.echo(json.dumps(r))
    else:
        for s, x, w in zip(r["slope_deg"], r["slip"], r["wong_closed_form_slip"]):
            click.echo(f"{s:4.0f} deg: slip {x:5.3f}   (Wong closed form {w if w is not None else 'no climb'})")
        click.echo(f"embeds above {r['embedding_slope_deg']} deg")


def run_perf_odometry(seeds: int, first_seed: int = 1, url_extra: str = "") -> dict:
    """The demo traverse on `seeds` seeds (site, soil patches, sensor noise all
    follow the seed): final odometry error as a fraction of the distance."""
    import numpy as np

    from flight.rover.rover import Rover
    from ground.traverse import run_traverse
    from hal import open_hal

    errors, failed = [], []
    wall0 = time.perf_counter()
    for seed in range(first_seed, first_seed + seeds):
        hal = open_hal(f"sim://?seed={seed}{url_extra}")
        try:
            rover = Rover(hal)
            res = run_traverse(hal, rover)
            if res.status != "SUCCEEDED" or not res.distance_m:
                failed.append({"seed": seed, "reason": res.reason})
                continue
            errors.append(100.0 * res.odometry_error_m / res.distance_m)
        finally:
            hal.close()
    e = np.array(errors) if errors else np.array([float("nan")])
    return {
        "seeds": seeds,
        "succeeded": len(errors),
        "failed": failed,
        "odometry_error_pct_p50": round(float(np.percentile(e, 50)), 2),
        "odometry_error_pct_p95": round(float(np.percentile(e, 95)), 2),
        "odometry_error_pct_max": round(float(e.max()), 2),
        "target_p95_pct": 5.0,
        "vo_error_model": "MER-class stereo VO, ~2 % of distance (Maimone et al. 2007)",
        "wall_time_s": round(time.perf_counter() - wall0, 1),
    }


@perf.command("odometry")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--seeds", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--first-seed", type=click.IntRange(min=0), default=1, show_default=True)
def odometry(as_json, seeds, first_seed):
    """Odometry error over many seeds of the demo traverse (p50, p95 in % of distance)."""
    r = run_perf_odometry(seeds, first_seed)
    if as_json:
        click.echo(json.dumps(r))
    else:
        click.echo(f"{r['succeeded']}/{seeds} traverses: odometry error p50 {r['odometry_error_pct_p50']} %, "
                   f"p95 {r['odometry_error_pct_p95']} % of distance (target p95 <= 5 %)")


@perf.command("link")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--baud", type=click.IntRange(min=1200), default=115200, show_default=True)
@click.option("--seed", type=SEED, default=1, show_default=True, help="board and line-fault seed")
@click.option("--soak", "soak_commands", type=click.IntRange(min=1), default=10000,
              show_default=True, help="commands through the lossy line")
@click.option("--rtt", "rtt_commands", type=click.IntRange(min=10), default=1000,
              show_default=True, help="commands for the round-trip percentiles")
@click.option("--goodput-seconds", type=FiniteFloat(0.5, 3600.0, unit="s"), default=5.0, show_default=True)
@click.option("--wall/--no-wall", default=True, show_default=True,
              help="also measure the free-running board on the wall clock (host jitter included)")
def link(as_json, baud, seed, soak_commands, rtt_commands, goodput_seconds, wall):
    """Serial link against an emulated mobility board: goodput, command round
    trip, and exactly-once delivery through a lossy line.  The figures judged
    against the targets are in board time (lockstep: the protocol and the
    line); the wall-clock ones beside them include the host's scheduling
    (docs/protocol.md 5, docs/hil.md)."""
    try:
        from ground.hil_launcher import HilError   # bench tool
        from ground.perf_link import LinkError, measure_link
    except ImportError as e:
        raise click.ClickException(f"perf link needs ground.hil_launcher: {e}") from None
    from hal.errors import HalError

    say = None if as_json else (lambda m: click.echo(f"... {m}", err=True))
    try:
        r = measure_link(baud=baud, seed=seed, soak_commands=soak_commands,
                         rtt_commands=rtt_commands, goodput_s=goodput_seconds, wall=wall,
                         progress=say)
    except (HilError, HalError, LinkError) as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(r))
        return
    a = r["rtt_arithmetic"]
    click.echo(f"lockstep (board time: protocol and line) at {baud} baud:")
    click.echo(f"  goodput {r['goodput_ratio']:.3f} of the line (64-byte frames carry at most "
               f"{r['goodput_frame_limit']:.3f})")
    click.echo(f"  RTT min {r['rtt_min_ms']:.3f} ms (physical minimum {r['rtt_physical_min_ms']:.3f} "
               f"ms: {a['cmd_wire_bytes']} + {a['ack_wire_bytes']} bytes x {a['byte_ms']} ms), "
               f"p50 {r['rtt_p50_ms']:.3f} ms, p99 {r['rtt_p99_ms']:.3f} ms, max "
               f"{r['rtt_max_ms']:.3f} ms (worst case, an ack behind {a['tlm_low_water_bytes']} "
               f"bytes and the longest telemetry frame, {a['longest_tlm_wire_bytes']} bytes: "
               f"{a['worst_behind_telemetry_ms']:.3f} ms)")
    click.echo(f"  soak {r['soak_commands']} commands, {r['soak_p_corrupt']:.0%} bytes corrupted, "
               f"{r['soak_p_drop']:.0%} frames dropped: {r['soak_lost']} lost, "
               f"{r['soak_executed_twice']} executed twice (board counters), "
               f"{r['soak_retransmits']} retransmissions for {r['soak_cmd_frames_lost']} lost "
               f"command frames = {r['soak_retransmits_per_lost_frame']:.2f} per lost frame")
    if "wall" in r:
        w = r["wall"]
        click.echo(f"wall clock (free-running board, host scheduling included; load "
                   f"{w['load_avg_1min']}): goodput {w['goodput_ratio']:.3f}; RTT min "
                   f"{w['rtt_min_ms']:.2f} ms, p50 {w['rtt_p50_ms']:.2f} ms, p99 "
                   f"{w['rtt_p99_ms']:.2f} ms; soak {w.get('soak_lost', '-')} lost, "
                   f"{w.get('soak_executed_twice', '-')} executed twice")
    click.echo("PASS" if r["pass"] else "FAIL")


@perf.command("campaign")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--runs-per-worker", type=click.IntRange(min=1, max=1000),
              default=campaign_perf.RUNS_PER_WORKER, show_default=True,
              help="runs per worker in each timed phase")
@click.option("--rounds", type=click.IntRange(min=1, max=100), default=campaign_perf.ROUNDS,
              show_default=True, help="rounds of four timed phases (1, 2, 2, 1 workers)")
@click.option("--trivial-runs", type=click.IntRange(min=10), default=campaign_perf.TRIVIAL_RUNS,
              show_default=True, help="trivial runs for the scheduler's cost per run")
def campaign(as_json, runs_per_worker, rounds, trivial_runs):
    """Campaign runs/s on 1 and 2 local Dask workers, parallel efficiency, peak
    worker memory, scheduler overhead per run (docs/campaigns.md)."""
    from pathlib import Path

    from ground.campaign import CampaignError
    from ground.campaign.perf import measure_campaign

    mission = Path(__file__).resolve().parents[2] / "missions" / "short_drive.seq"
    say = None if as_json else (lambda m: click.echo(f"... {m}", err=True))
    try:
        r = measure_campaign(mission, runs_per_worker, trivial_runs, progress=say, rounds=rounds)
    except CampaignError as e:
        raise click.ClickException(str(e)) from None
    if as_json:
        click.echo(json.dumps(r))
    else:
        click.echo(f"short_drive: {r['runs_per_s_1w']:.2f} runs/s on 1 worker (limit "
                   f"{r['limit_runs_per_s_1w']:.2f}), {r['runs_per_s_2w']:.2f} on 2 (limit "
                   f"{r['limit_runs_per_s_2w']:.2f}); efficiency {r['parallel_efficiency_2w']:.2f} "
                   f"(rounds {r['parallel_efficiency_2w_per_round']}; target >= 0.8, limit 1.0); "
                   f"= CPU supply {r['cpu_supply_ratio_2w']:.2f} x per worker CPU second "
                   f"{r['cpu_efficiency_2w']:.2f}; cores we got "
                   f"{r['our_cores_1w']:.2f} / {r['our_cores_2w']:.2f}, the rest of the machine used "
                   f"{r['others_cores_1w']:.2f} / {r['others_cores_2w']:.2f}; "
                   f"load {r['loadavg_at_start'][0]:.1f} -> {r['loadavg_at_end'][0]:.1f}; "
                   f"runs per worker on 2 workers {r['runs_per_worker_2w']}, least busy worker "
                   f"{r['busy_share_min_2w']:.2f} of its phase; "
                   f"peak worker RSS {r['peak_worker_rss_mb']:.0f} MB; "
                   f"scheduler overhead {r['scheduler_overhead_ms_per_run']:.2f} ms/run")


@perf.command("firmware")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--quick", is_flag=True, help="shorter runs (fewer samples)")
def firmware(as_json, quick):
    """The AVR images on the emulated Mega 2560: flash/RAM, tick cycles and
    CPU at 16 MHz, interrupt latency, line goodput and round trip, flashing
    time through the bootloader (docs/firmware.md section 7.5)."""
    from ground.flashing import FlashError
    from ground.hil_launcher import HilError
    from ground.perf_firmware import run

    try:
        r = run(quick=quick)
    except (HilError, FlashError) as e:
        raise click.ClickException(str(e)) from None
    t, ln, fl = r["tick"], r["line"], r["flash"]
    r["pass"] = bool(all(i["ram_pct"] <= r["ram_target_pct"] for i in r["images"].values())
                     and t["cpu_fraction"] <= t["cpu_target"]
                     and ln["rtt"]["rtt_below_physical"] == 0)
    if as_json:
        click.echo(json.dumps(r))
        return
    for role, i in r["images"].items():
        click.echo(f"{role}: flash {i['flash_bytes']} B ({i['flash_pct']} % of 256 KB), RAM "
                   f"{i['ram_bytes']} B ({i['ram_pct']} % of 8 KB; target <= {r['ram_target_pct']:g} %)")
    click.echo(f"control tick (six wheel loops): mean {t['tick_cycles_mean']:.0f} cycles at speed, "
               f"min {t['tick_cycles_min']}, max "
               f"{t['tick_cycles_max']} (budget {t['tick_budget_cycles']} a ms): CPU "
               f"{100 * t['cpu_fraction']:.1f} % at 16 MHz (target <= {100 * t['cpu_target']:.0f} %)")
    click.echo(f"rest of the tick (IMU, tilt, odometry, heater, faults, telemetry schedule): mean "
               f"{t['rest_of_tick_cycles_mean']:.0f} cycles, max {t['rest_of_tick_cycles_max']}; "
               f"the whole tick {t['whole_tick_cycles_mean']:.0f} cycles, "
               f"{100 * t['cpu_fraction_whole_tick']:.1f} % at 16 MHz")
    click.echo(f"whole CPU load while driving (awake, not in idle sleep): "
               f"{100 * t['cpu_busy_fraction']:.0f} %")
    if t.get("tick_profile"):
        click.echo("where the tick goes: " + ", ".join(f"{p['function']} {p['pct']} %"
                                                       for p in t["tick_profile"][:8]))
    click.echo(f"ISR latency max: UART RX {t['uart_rx_isr_latency_us_max']} us, timer "
               f"{t['timer_isr_latency_us_max']} us")
    click.echo(f"line: goodput {ln['goodput']['goodput_ratio']:.3f} of {ln['line_bytes_per_s']:.0f} B/s; "
               f"RTT min {ln['rtt']['rtt_min_ms']} ms, p50 {ln['rtt']['rtt_p50_ms']} ms, p99 "
               f"{ln['rtt']['rtt_p99_ms']} ms (physical minimum {ln['rtt_physical_min_ms']} ms; "
               f"{ln['rtt']['rtt_below_physical']} below it)")
    click.echo(f"flash {fl['bytes']} B: write {fl['write_s']} s, verify {fl['verify_s']} s "
               f"(line floor {fl['line_floor_s_each_way']} s each way); "
               f"{'PASS' if r['pass'] else 'FAIL'}")


@perf.command("fault")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--seed", type=SEED, default=1, show_default=True)
def fault(as_json, seed):
    """Fault protection's cost per flight cycle (default table, simulator boot)."""
    from ground.perf_fault import measure_fault_update
    r = measure_fault_update(seed=seed)
    if as_json:
        click.echo(json.dumps(r))
    else:
        click.echo(f"FaultProtection.update(): {r['us_per_cycle']} us per cycle with "
                   f"{r['monitors']} monitors and {r['responses']} responses; a whole cycle may "
                   f"take {r['cycle_budget_us_at_1000x']:.0f} us at 1000x real time "
                   f"({100 * r['share_of_budget']:.1f} % of it)")


@perf.command("print-safety")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--seed", type=int, default=1, show_default=True)
def print_safety(as_json, seed):
    """Printer head: thermocouple detached while holding 1100 C; time until
    the payload board's guard turns the heat off (limit: one guard tick)."""
    from ground.print.safety import measure_tc_detach
    r = measure_tc_detach(seed=seed)
    if as_json:
        click.echo(json.dumps(r))
    else:
        click.echo(f"heat off {r['heat_off_after_ms']} ms after the thermocouple was detached at "
                   f"{r['temp_at_detach_c']} C ({r['power_at_detach_w']} W); guard period "
                   f"{r['guard_period_ms']} ms (the bound)")


@perf.command("print")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--design", default="plain-brick", show_default=True,
              help="a parametric brick, an .outline or a .gcode file")
def print_perf(as_json, seed, design):
    """A full brick printed by the print job on the payload board's firmware
    in the simulator (every step generated at its real rate in C):
    simulated seconds per wall second."""
    from flight.printer.designs import DesignError
    from ground.print.bench import run_print, sim_only_rate
    from ground.print.load import load_plan

    try:
        plan = load_plan(design)
    except DesignError as e:
        click.echo(f"rover perf print: {e}", err=True)
        sys.exit(2)
    t0 = time.perf_counter()       # wall time only for the figure
    r = run_print(plan, seed=seed)
    wall = time.perf_counter() - t0
    ceiling = sim_only_rate(seed=seed)
    out = {"design": plan.name, "layers": len(plan.layers), "state": r.state,
           "layers_done": r.layers_done, "sim_s": r.sim_s, "wall_s": round(wall, 2),
           "realtime_factor": round(r.sim_s / wall, 1),
           "limit_realtime_factor_sim_only": round(ceiling, 1),
           "moves": r.moves_sent, "steps_lost": r.steps_lost,
           "quality_min": min(r.quality) if r.quality else None}
    if as_json:
        click.echo(json.dumps(out))
    else:
        click.echo(f"{plan.name}: {r.layers_done}/{len(plan.layers)} layers, {r.sim_s:.0f} s simulated "
                   f"in {wall:.1f} s: {out['realtime_factor']}x real time (the simulator alone, "
                   f"no job: {out['limit_realtime_factor_sim_only']}x)")
