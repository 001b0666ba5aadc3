"""A whole print on the payload board's firmware in the simulator, driven by
the print job: every layer once, exact positions, the head held at the
sinter temperature; a thermocouple detached mid-print faults the job and
the board turns the heat off."""
from flight.printer.designs import plain_brick
from flight.printer.slicer import slice_design
from ground.print.bench import run_print

PLAN = slice_design(plain_brick(20, 10, 2))


def test_a_small_brick_prints_every_layer_on_the_board():
    r = run_print(PLAN, seed=2)
    assert (r.state, r.layers_done) == ("DONE", len(PLAN.layers))
    assert len(r.quality) == len(PLAN.layers) and min(r.quality) > 0.9
    assert r.steps_lost == [0, 0, 0, 0]
    assert 1090.0 <= r.max_head_c <= 1110.0
    assert r.moves_sent >= sum(len(l.moves) for l in PLAN.layers)


def test_thermocouple_detached_mid_print_faults_the_job_with_the_heat_off():
    def inject(t_ms, sim):
        if t_ms == 200_000:
            sim.set_heater_sensor_open("payload", True)

    r = run_print(PLAN, seed=2, inject=inject)
    assert r.state == "FAULT" and "heater guard" in r.reason
    assert r.sim_s * 1000 - 200_000 <= 100           # the job saw it one cycle later ...
    assert r.head_power_w_end == 0.0                 # ... and the board had already cut the heat
    assert r.layers_done < len(PLAN.layers)


def test_outside_print_mode_nothing_heats_or_moves():
    r = run_print(PLAN, seed=2, mode="IDLE", max_sim_s=30.0)
    assert r.state == "IDLE" and r.moves_sent == 0 and r.max_head_c < 100.0
