"""The report's brick section and the brick plots (ground/print/brick_report.py,
ground/print/brick_plots.py): sums across a resume, partial prints, runs
that print nothing."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flight.printer.component import plan_for_design
from ground.print.brick_plots import plot_brick_layers, plot_spot_temperature
from ground.print.brick_report import ADDED, brick_section
from ground.runner import run_mission


def summary(**over):
    s = {"design": "plain-brick", "plan_digest": "abc", "state": "DONE", "reason": "",
         "layers_total": 4, "layers_done": 4, "start_layer": 0, "print_time_s": 100.0,
         "heat_energy_j": 7200.0, "electric_energy_j": 3600.0, "heat_source": "solar",
         "regolith_used_g": 40.0, "quality_per_layer": [0.9, 0.95, 0.97, 0.99],
         "quality_mean": 0.9525, "pauses": 0, "max_spot_c": 1101.0, "moves_sent": 40}
    s.update(over)
    return s


def test_nothing_printed_is_no_section():
    assert brick_section({"state": "NONE", "layers_total": 0, "layers_done": 0}) is None
    assert brick_section({}) is None


def test_section_of_a_whole_print():
    b = brick_section(summary())
    assert b["layers_printed"] == 4 and b["quality_min"] == 0.9
    assert b["heat_energy_wh"] == 2.0 and b["electric_energy_wh"] == 1.0
    assert "resumed" not in b


def test_a_resumed_print_adds_up_both_parts():
    before = summary(state="LOWER", layers_done=2, print_time_s=60.0, heat_energy_j=3600.0,
                     electric_energy_j=1800.0, regolith_used_g=20.0, quality_per_layer=[0.9, 0.95],
                     max_spot_c=1130.0, pauses=1, moves_sent=20)
    after = summary(start_layer=2, print_time_s=50.0, max_spot_c=1101.0)
    b = brick_section(after, before, {"from_layer": 2})
    assert b["print_time_s"] == 110.0 and b["heat_energy_j"] == 10800.0
    assert b["electric_energy_j"] == 5400.0 and b["regolith_used_g"] == 60.0
    assert b["max_spot_c"] == 1130.0 and b["pauses"] == 1 and b["moves_sent"] == 60
    assert b["start_layer"] == 0 and b["resumed"] == {"from_layer": 2}
    assert b["quality_per_layer"] == [0.9, 0.95, 0.97, 0.99]     # the job carries the earlier layers


@pytest.mark.parametrize("printed", [0, 3, 5])
def test_stacked_layer_view_of_a_partial_or_whole_print(tmp_path, printed):
    plan = plan_for_design("hollow-brick:60x30x5")
    n = len(plan.layers)
    quality = [0.5 + 0.1 * i for i in range(min(printed, n))]
    p = plot_brick_layers(plan, quality, tmp_path / "b.png")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000


def test_a_run_that_prints_nothing_has_no_brick(tmp_path):
    m = tmp_path / "tiny.seq"
    m.write_text('LOG text="no print"\n')
    res = run_mission(m, hal_url="sim://?seed=1", out_dir=tmp_path / "run")
    assert res.status == "passed"
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert "brick" not in report
    assert "brick_layers.png" not in report["plots"]
    assert not (tmp_path / "run" / "brick_layers.png").exists()


def test_spot_trace_needs_the_channel(tmp_path):
    from ground.tlm.reader import RunLog
    assert plot_spot_temperature(RunLog(tmp_path / "t.rtlm", {}), tmp_path / "s.png") is None
    assert not (tmp_path / "s.png").exists()


_num = st.floats(0.0, 1e6, allow_nan=False)


@given(before=st.fixed_dictionaries({k: _num for k in ADDED}),
       after=st.fixed_dictionaries({k: _num for k in ADDED}),
       quality=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_resumed_totals_are_the_sum_of_both_parts(before, after, quality):
    b = brick_section(summary(**after, quality_per_layer=quality),
                      summary(**before, state="SINTER"), {"from_layer": 1})
    for k in ADDED:
        assert b[k] == pytest.approx(before[k] + after[k], abs=0.051)
    assert b["layers_printed"] == len(quality) and b["quality_min"] == round(min(quality), 4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kills=st.integers(1, 5))
def test_killed_records_are_set_aside_never_overwritten(tmp_path_factory, kills):
    from ground.resume import set_aside_killed_record
    d = tmp_path_factory.mktemp("run")
    for i in range(kills):
        (d / "telemetry.rtlm").write_bytes(b"record %d" % i)
        kept = set_aside_killed_record(d)
        assert kept.read_bytes() == b"record %d" % i and not (d / "telemetry.rtlm").exists()
    want = ["telemetry.killed.rtlm"] + [f"telemetry.killed-{n}.rtlm" for n in range(2, kills + 1)]
    assert sorted(p.name for p in d.iterdir()) == sorted(want)
    assert {p.read_bytes() for p in d.iterdir()} == {b"record %d" % i for i in range(kills)}
    assert set_aside_killed_record(d) is None       # nothing left to keep
