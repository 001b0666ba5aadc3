"""The print job state machine and its checkpoints."""
import json

import pytest
from hypothesis import given, settings, strategies as st

from flight.printer.checkpoint import (CHECKPOINT_NAME, Checkpoint, CheckpointError,
                                       load_checkpoint, write_checkpoint)
from flight.printer.designs import plain_brick
from flight.printer.job import (HEATING_STATES, JobInputs, JobRefused, JobState, PrintJob)
from flight.printer.slicer import slice_design
from flight.printer.toolpath import ProcessSettings

PLAN = slice_design(plain_brick(20, 10, 4), ProcessSettings(hatch_mm=2.5))


class Bench:
    """Just enough of a printer to run the job: moves finish one per cycle,
    homing takes two cycles, the head moves 50 C per cycle toward its target."""

    def __init__(self):
        self.temp_c = 20.0
        self.queue = []
        self.homing = 0
        self.homed = False
        self.sent = []

    def inputs(self, mode, t_ms, **kw):
        d = dict(mode=mode, t_ms=t_ms, homed=self.homed, motion_idle=not self.queue and not self.homing,
                 moves_free=4 - len(self.queue), moves_pending=len(self.queue),
                 head_temp_c=self.temp_c)
        d.update(kw)
        return JobInputs(**d)

    def apply(self, out):
        if out.stop:
            self.queue.clear()
        if out.home:
            self.homing, self.homed = 2, False
        self.queue.extend(out.moves)
        self.sent.extend(out.moves)
        target = out.heat_target_c if out.heat_target_c > 0 else 20.0
        step = max(-50.0, min(50.0, target - self.temp_c))
        self.temp_c += step
        if self.homing:
            self.homing -= 1
            self.homed = self.homing == 0
        elif self.queue:
            self.queue.pop(0)


def run(job, bench, cycles, mode="PRINT", **kw):
    t = 0
    completed = []
    for _ in range(cycles):
        t += 100
        out = job.update(bench.inputs(mode, t, **kw))
        bench.apply(out)
        if job.layer_completed is not None:
            completed.append(job.layer_completed)
        if job.state in (JobState.DONE, JobState.FAULT, JobState.ABORTED):
            break
    return completed


def test_a_whole_job_prints_every_layer_once_in_order():
    job, bench = PrintJob(PLAN), Bench()
    job.start()
    done = run(job, bench, 20000)
    assert job.state is JobState.DONE
    assert done == list(range(len(PLAN.layers)))
    sinter = [m for m in bench.sent if m.sinter]
    assert len(sinter) == sum(int(l.sinter.sum()) for l in PLAN.layers)


def test_start_outside_print_mode_is_refused_and_nothing_heats():
    job, bench = PrintJob(PLAN), Bench()
    job.start()
    out = job.update(bench.inputs("IDLE", 100))
    assert job.state is JobState.IDLE and "PRINT" in out.events[0][1]
    assert out.heat_target_c == 0 and not out.moves and not out.home


def test_thermocouple_open_faults_and_turns_heat_off():
    job, bench = PrintJob(PLAN), Bench()
    job.start()
    run(job, bench, 40)
    assert job.state in HEATING_STATES
    out = job.update(bench.inputs("PRINT", 10_000, head_temp_c=-250.0))
    assert job.state is JobState.FAULT and "thermocouple" in job.reason
    assert out.heat_target_c == 0 and out.stop


def test_sun_lost_pauses_and_resumes_the_same_layer_from_the_interrupted_move():
    job, bench = PrintJob(PLAN), Bench()
    job.start()
    t = 0
    while job.state is not JobState.SINTER:
        t += 100
        bench.apply(job.update(bench.inputs("PRINT", t)))
    for _ in range(3):
        t += 100
        bench.apply(job.update(bench.inputs("PRINT", t)))
    layer, pending = job.layer, len(bench.queue)
    sent_before = len(bench.sent)
    out = job.update(bench.inputs("PRINT", t + 100, sun_ok=False))
    bench.apply(out)
    assert job.state is JobState.PAUSED and out.heat_target_c == 0 and out.stop
    out = job.update(bench.inputs("PRINT", t + 200, sun_ok=False))
    assert job.state is JobState.PAUSED
    job.update(bench.inputs("PRINT", t + 300))
    assert job.state is JobState.PREHEAT
    done = run(job, bench, 20000)
    assert job.state is JobState.DONE and done[0] == layer
    first_after = bench.sent[sent_before]
    assert not first_after.sinter         # a travel back to the interrupted move's start
    assert pending > 0


@settings(max_examples=100, deadline=None)
@given(events=st.lists(st.tuples(
    st.sampled_from(["PRINT", "PRINT", "PRINT", "IDLE", "SAFE"]),
    st.one_of(st.just("none"), st.sampled_from(["pause", "resume", "start", "abort", "sun", "hopper",
                                                 "ebox", "tc", "fault", "resume", "resume"])),
    st.integers(1, 120)), max_size=12), start_layer=st.integers(0, 3))
def test_the_job_never_heats_outside_print_mode(events, start_layer):
    job, bench = PrintJob(PLAN, start_layer=start_layer, quality=[1.0] * start_layer), Bench()
    t = 0
    completed = []
    job.start()
    for mode, ev, n in [("PRINT", "none", 1)] + events:
        for k in range(n):
            t += 100
            kw = {}
            if k == 0 and ev in ("pause", "resume", "start", "abort"):
                try:
                    getattr(job, ev)()
                except JobRefused:
                    pass
            kw = {"sun": {"sun_ok": False}, "hopper": {"hopper_pct": 0.0}, "ebox": {"ebox_hot": True},
                  "tc": {"head_temp_c": 3000.0}, "fault": {"head_fault": 3}}.get(ev, {})
            out = job.update(bench.inputs(mode, t, **kw))
            if out.heat_target_c > 0:
                assert mode == "PRINT" and job.state in HEATING_STATES
            if job.state in (JobState.FAULT, JobState.ABORTED, JobState.PAUSED):
                assert out.heat_target_c == 0
            bench.apply(out)
            if job.layer_completed is not None:
                completed.append(job.layer_completed)
    # layers complete once each, in order, from the start layer
    assert completed == list(range(start_layer, start_layer + len(completed)))
    assert job.layers_done == start_layer + len(completed)


# --- checkpoints ---------------------------------------------------------------

def cp(**kw):
    d = dict(plan_name="p", plan_digest="abc", dictionary_hash="d1", layers_total=4, layers_done=2,
             z_steps=-800, t_ms=1234, quality=[0.9, 0.8])
    d.update(kw)
    return Checkpoint(**d)


def test_checkpoint_round_trip_and_refusals(tmp_path):
    write_checkpoint(tmp_path, cp())
    got = load_checkpoint(tmp_path, plan_digest="abc", dictionary_hash="d1")
    assert got == cp()
    # a torn temporary file from a killed writer does not matter
    (tmp_path / (CHECKPOINT_NAME + ".tmp")).write_text('{"plan_na')
    assert load_checkpoint(tmp_path, plan_digest="abc", dictionary_hash="d1").layers_done == 2
    with pytest.raises(CheckpointError, match="different design"):
        load_checkpoint(tmp_path, plan_digest="xyz", dictionary_hash="d1")
    with pytest.raises(CheckpointError, match="dictionary d1"):
        load_checkpoint(tmp_path, plan_digest="abc", dictionary_hash="d2")
    with pytest.raises(CheckpointError, match="no print checkpoint"):
        load_checkpoint(tmp_path / "nope", plan_digest="abc", dictionary_hash="d1")
    (tmp_path / CHECKPOINT_NAME).write_text("{not json")
    with pytest.raises(CheckpointError, match="not a print checkpoint"):
        load_checkpoint(tmp_path, plan_digest="abc", dictionary_hash="d1")
    write_checkpoint(tmp_path, cp(layers_done=3))
    with pytest.raises(CheckpointError, match="inconsistent"):
        load_checkpoint(tmp_path, plan_digest="abc", dictionary_hash="d1")


def test_resuming_from_a_checkpoint_prints_only_the_remaining_layers(tmp_path):
    job, bench = PrintJob(PLAN), Bench()
    job.start()
    t = 0
    while job.layers_done < 2:
        t += 100
        bench.apply(job.update(bench.inputs("PRINT", t)))
        if job.layer_completed is not None:
            write_checkpoint(tmp_path, cp(plan_digest=PLAN.digest(), layers_total=len(PLAN.layers),
                                          layers_done=job.layers_done, t_ms=t,
                                          quality=[1.0] * job.layers_done))
    c = load_checkpoint(tmp_path, plan_digest=PLAN.digest(), dictionary_hash="d1")
    job2, bench2 = PrintJob(PLAN, start_layer=c.layers_done, quality=c.quality), Bench()
    job2.start()
    out = job2.update(bench2.inputs("PRINT", 100))
    assert out.home and not out.home_z          # Z holds its position; only X, Y, R home
    bench2.apply(out)
    done = run(job2, bench2, 20000)
    assert done == list(range(2, len(PLAN.layers)))
    assert json.loads((tmp_path / CHECKPOINT_NAME).read_text())["layers_done"] == 2
