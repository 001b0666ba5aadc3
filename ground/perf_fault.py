"""`rover perf fault`: what fault protection costs per flight cycle.

The whole flight software runs the boot sequence on the simulator (every
monitor of the default table evaluated against real channels); only the
``FaultProtection.update()`` calls are timed.  Wall time is used for the
figure alone, never by the flight code.
"""
from __future__ import annotations

import time

CYCLES = 3000                  # 300 s of simulated time
BUDGET_REALTIME_FACTOR = 1000.0   # the simulator's speed target the cycle budget is taken at


def measure_fault_update(seed: int = 1, cycles: int = CYCLES) -> dict:
    from hal import open_hal
    from flight.system import FlightSystem

    hal = open_hal(f"sim://?seed={seed}")
    try:
        fs = FlightSystem(hal)
        update = fs.fault.update
        spent = 0.0

        def timed_update():
            nonlocal spent
            t0 = time.perf_counter()
            update()
            spent += time.perf_counter() - t0

        fs.fault.update = timed_update
        for _ in range(cycles):
            fs.cycle()
        n_monitors = len(fs.fault.table.monitors)
        n_responses = len(fs.fault.table.responses)
    finally:
        hal.close()
    us = spent / cycles * 1e6
    # At 1000x real time a whole 100 ms flight cycle may take 100 us of wall time.
    budget_us = fs.cycle_ms * 1000.0 / BUDGET_REALTIME_FACTOR
    return {"us_per_cycle": round(us, 2), "monitors": n_monitors, "responses": n_responses,
            "cycles": cycles, "cycle_budget_us_at_1000x": budget_us,
            "share_of_budget": round(us / budget_us, 3)}
