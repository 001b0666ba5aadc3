"""The printer as a flight component on sim://: PRINT_* commands through the
executor, a small brick printed on the payload board's firmware, the job
summary and checkpoints, and the bad inputs refused before anything moves."""
import json

import pytest

from flight.printer.checkpoint import CHECKPOINT_NAME, CheckpointError
from flight.printer.designs import DesignError
from flight.system import FlightSystem
from ground.testing.bench import RoverBench
from hal import open_hal
from hal.errors import CommandRangeError

SMALL = "plain-brick:20x10x3"          # 3 layers, about 20 simulated minutes


@pytest.fixture
def bench():
    hal = open_hal("sim://?seed=1&site=flat")
    try:
        b = RoverBench(FlightSystem(hal))
        b.boot()
        yield b
    finally:
        hal.close()


def _print_mode(b):
    b.send_and_await_completion("SET_MODE", mode="PRINT")


def test_small_brick_prints_layer_by_layer(bench, tmp_path):
    b = bench
    _print_mode(b)
    b.fs.printer.set_checkpoint_dir(tmp_path)
    layers = []
    b.fs.printer.on_layer(lambda k, q: layers.append((k, q)))
    h = b.send("PRINT_START", design=SMALL, temp=0)
    assert not h.done
    b._until(lambda: h.done, 3 * 3600, "the print", lambda: b.value("printer.state"))
    assert h.succeeded, h.reason
    s = b.fs.printer.summary()
    assert s["state"] == "DONE" and s["layers_done"] == s["layers_total"] == 3
    assert [k for k, _ in layers] == [0, 1, 2]
    assert len(s["quality_per_layer"]) == 3 and all(q > 0.9 for q in s["quality_per_layer"])
    assert s["print_time_s"] > 0 and s["heat_energy_j"] > 0 and s["electric_energy_j"] > 0
    # three layers of 1 mm over the 200 x 200 mm plate at 1.5 g/cm3: 180 g, read
    # through the hopper's 1 % (50 g) sensor
    assert 100.0 <= s["regolith_used_g"] <= 200.0
    assert s["moves_refused"] == 0
    cp = json.loads((tmp_path / CHECKPOINT_NAME).read_text())
    assert cp["layers_done"] == 3 and cp["plan_digest"] == s["plan_digest"]
    assert b.value("printer.state") == "DONE"
    assert b.value("printer.layers_done") == 3
    assert b.value("printer.head_target_c") == 0.0
    done = [e for e in b.events("PRINT_LAYER_DONE")]
    assert [e.args["layer"] for e in done] == [0, 1, 2]
    # the simulator's powder bed agrees: every layer was spread from the hopper
    assert b.fs.hal.truth()["regolith_spread_g"] == pytest.approx(180.0, abs=1.0)


def test_start_outside_print_mode_is_refused_and_nothing_heats(bench):
    b = bench
    h = b.send("PRINT_START", design=SMALL, temp=0)
    assert h.done and not h.succeeded
    assert "PRINT" in h.reason
    b.run_for(5)
    assert b.fs.printer.job is None
    assert b.fs.hal.printer.head.target_c == 0.0
    assert b.fs.hal.sim.head_power_w == 0.0


@pytest.mark.parametrize("design, why", [
    ("no-such-brick", "unknown design 'no-such-brick'"),
    ("plain-brick:20x10", "not LxWxH"),
    ("plain-brick:0x10x3", "length_mm must be a positive"),
    ("plain-brick:900x10x3", "build volume"),
])
def test_bad_designs_fail_with_the_reason(bench, design, why):
    b = bench
    _print_mode(b)
    h = b.send("PRINT_START", design=design, temp=0)
    assert h.done and not h.succeeded
    assert why in h.reason
    assert b.fs.printer.job is None
    b.run_for(2)
    assert b.fs.hal.printer.gantry.homed_mask == 0      # nothing moved


def test_setpoint_above_the_rating_is_refused_where_it_enters(bench):
    from common.dictionary.model import ArgumentError
    b = bench
    with pytest.raises(ArgumentError, match="temp"):
        b.send("PRINT_PREHEAT", temp=1600)
    with pytest.raises(ArgumentError, match="temp"):
        b.send("PRINT_START", design=SMALL, temp=1501)
    # and the HAL device refuses it too, naming the rating
    with pytest.raises(CommandRangeError, match="rating"):
        b.fs.hal.printer.head.set_target_c(1600.0)
    with pytest.raises(DesignError, match="outside the head's range"):
        b.fs.printer.plan_for("plain-brick", sinter_c=1600.0)


def test_home_preheat_cooldown_outside_a_job(bench):
    b = bench
    _print_mode(b)
    b.send_and_await_completion("PRINT_HOME")
    assert b.fs.hal.printer.gantry.homed_mask == 0b1111
    b.send_and_await_completion("PRINT_PREHEAT", temp=900)
    assert abs(b.value("printer.spot_c") - 900) < 10
    b.send_and_await_completion("PRINT_COOLDOWN")
    assert b.value("printer.spot_c") < 200


def test_leaving_print_mode_drops_a_manual_preheat(bench):
    b = bench
    _print_mode(b)
    h = b.send("PRINT_PREHEAT", temp=1000)
    b.run_for(20)
    assert b.fs.hal.printer.head.target_c == 1000.0
    b.send_and_await_completion("SET_MODE", mode="IDLE")
    b.run_for(0.2)
    assert h.done and not h.succeeded and "left PRINT" in h.reason
    assert b.fs.hal.printer.head.target_c == 0.0
    b.run_for(1)
    assert b.fs.hal.sim.head_power_w == 0.0


def test_pause_resume_abort(bench):
    b = bench
    _print_mode(b)
    h = b.send("PRINT_START", design=SMALL, temp=0)
    b.await_telemetry(lambda v: v.get("printer.state") == "SINTER", 1800)
    b.send_and_await_completion("PRINT_PAUSE")
    b.run_for(1)
    assert b.value("printer.state") == "PAUSED"
    assert b.fs.hal.printer.head.target_c == 0.0
    assert not b.fs.hal.printer.gantry.moving
    b.send_and_await_completion("PRINT_RESUME")
    b.await_telemetry(lambda v: v.get("printer.state") == "SINTER", 600)
    b.send_and_await_completion("PRINT_ABORT")
    b.run_for(1)
    assert h.done and not h.succeeded and "ABORTED" in h.reason
    assert b.fs.hal.printer.head.target_c == 0.0
    # a resume of a finished job says so
    r = b.send("PRINT_RESUME")
    assert not r.succeeded and "nothing to resume" in r.reason


def test_restore_refuses_another_plan(bench, tmp_path):
    b = bench
    p = b.fs.printer
    small = p.plan_for(SMALL)
    other = p.plan_for("plain-brick:20x10x4")
    from flight.printer.checkpoint import Checkpoint, write_checkpoint
    write_checkpoint(tmp_path, Checkpoint(small.name, small.digest(), b.dictionary.hash, 3, 1, 400,
                                          1000, [0.9]))
    _print_mode(b)
    with pytest.raises(CheckpointError, match="different design or settings"):
        p.restore(other, tmp_path)
    job_cp = p.restore(small, tmp_path)
    assert job_cp.layers_done == 1 and p.job.layer == 1
