"""Campaign rows: one run on this process (fault injection, crash, timeout,
determinism), the crash-safe journal, the Parquet table, the statistics."""
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from ground.campaign.dispersions import Injection, parse_dispersions
from ground.campaign.journal import Journal
from ground.campaign.results import (percentiles, read_parquet, reason_group, summarize,
                                     wilson_interval, write_parquet)
from ground.campaign.task import NONDETERMINISTIC, MissionBundle, RunSpec, execute_run

MISSIONS = Path(__file__).resolve().parent.parent / "missions"
FLAT = "sim://?seed=5&site=flat"


@pytest.fixture(scope="module")
def bundle():
    return MissionBundle.from_path(MISSIONS / "short_drive.seq")


def _same(a, b):
    return {k: v for k, v in a.items() if k not in NONDETERMINISTIC} == \
        {k: v for k, v in b.items() if k not in NONDETERMINISTIC}


def test_a_run_twice_gives_the_same_row(bundle):
    spec = RunSpec(0, FLAT + "&yaw=12.5", 5, (), 400.0)
    a, b = execute_run(bundle, spec), execute_run(bundle, spec)
    assert a["status"] == "passed" and a["distance_m"] > 9.5 and a["odometry_error_m"] is not None
    assert _same(a, b)


def test_a_locked_wheel_injected_mid_drive_fails_the_mission(bundle):
    spec = RunSpec(1, FLAT, 5, (Injection(45.0, "lock_wheel", "ml", None),), 400.0)
    row = execute_run(bundle, spec)
    assert row["status"] == "failed"
    assert "wheel stalled" in row["reason"] and "(ml)" in row["reason"]
    assert row["reason"].startswith("short_drive.seq:")     # no worker scratch path
    assert row["injected"] == 1 and row["final_mode"] == "SAFE" and row["faults_seen"] >= 1


def test_an_injection_after_the_end_is_not_counted(bundle):
    spec = RunSpec(2, FLAT, 5, (Injection(399.0, "battery_soc", None, 5.0),), 400.0)
    row = execute_run(bundle, spec)
    assert row["status"] == "passed" and row["injected"] == 0


def test_a_run_that_cannot_start_is_recorded_as_crashed(bundle):
    row = execute_run(bundle, RunSpec(3, "sim://?site=atlantis", 1, (), 100.0))
    assert row["status"] == "crashed" and "unknown site 'atlantis'" in row["reason"]
    assert "HalUrlError" in row["error"] and row["run"] == 3


def test_a_run_over_its_wall_budget_is_recorded_as_timeout(bundle):
    row = execute_run(bundle, RunSpec(4, FLAT, 5, (), 400.0, run_timeout_s=1e-3))
    assert row["status"] == "timeout" and "wall-clock budget" in row["reason"]


def test_journal_skips_a_torn_tail_and_appends_after_it(tmp_path):
    j = Journal(tmp_path)
    j.append({"run": 0, "status": "passed"})
    j.append({"run": 1, "status": "crashed"})
    j.close()
    with open(j.path, "a") as f:
        f.write('{"run": 2, "sta')                     # killed mid-write
    assert sorted(Journal(tmp_path).load()) == [0, 1]
    j = Journal(tmp_path)
    j.append({"run": 1, "status": "passed", "x": math.nan})   # a retry: the last line wins
    j.close()
    rows = Journal(tmp_path).load()
    assert rows[1] == {"run": 1, "status": "passed", "x": None}
    assert all(json.loads(line) for line in j.path.read_text().splitlines())


def test_parquet_table_has_typed_columns_and_nulls(tmp_path):
    d = parse_dispersions('[params]\nyaw = { dist = "uniform", min = -5, max = 5 }\n'
                          'site_seed = { dist = "seed" }\n'
                          '[faults.kill_encoder]\nprobability = 0.5\nat_s = [1, 2]\n', "d.toml")
    rows = []
    for i in range(6):
        r = {"run": i, "status": "passed" if i % 2 else "crashed", "reason": "", "sim_time_s": 1.0 * i,
             "distance_m": None if i == 0 else 2.0}
        r.update(d.draw(i).inputs)
        rows.append(r)
    path = write_parquet(rows[::-1], d.input_columns(), tmp_path / "t.parquet")
    back = read_parquet(path)
    assert [r["run"] for r in back] == list(range(6))
    assert back[0]["distance_m"] is None and back[1]["distance_m"] == 2.0
    assert all(isinstance(r["in.site_seed"], int) for r in back)
    assert all(isinstance(r["fault.kill_encoder"], bool) for r in back)
    assert all((r["fault.kill_encoder.wheel"] is None) != r["fault.kill_encoder"] for r in back)
    import pyarrow.parquet as pq
    schema = pq.read_schema(path)
    assert str(schema.field("in.yaw").type) == "double" and str(schema.field("run").type) == "int64"


@given(n=st.integers(1, 10**6), data=st.data())
def test_wilson_interval_is_the_score_test_inversion(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k, n)
    p = k / n
    assert 0.0 <= lo <= p <= hi <= 1.0
    z = 1.959963984540054
    # the endpoints solve |p - q| = z sqrt(q (1 - q) / n) (Wilson 1927), unless clipped at 0 or 1
    for q in (lo, hi):
        if 0.0 < q < 1.0:
            assert math.isclose(abs(p - q), z * math.sqrt(q * (1 - q) / n), rel_tol=1e-6, abs_tol=1e-12)


def test_wilson_interval_known_values():
    # 0 of 10: [0, z^2 / (n + z^2)]; 6 of 8 worked by hand from the score equation
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and math.isclose(hi, 3.8415 / 13.8415, rel_tol=1e-4)
    lo, hi = wilson_interval(6, 8)
    assert math.isclose(lo, 0.4093, abs_tol=1e-4) and math.isclose(hi, 0.9285, abs_tol=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(5, 4)


def test_summary_counts_groups_and_percentiles():
    rows = [{"run": i, "status": "passed", "reason": "", "distance_m": float(i)} for i in range(1, 101)]
    rows += [{"run": 200 + i, "status": "failed", "reason": f"slot mobility failed at {i}.5 s",
              "distance_m": None} for i in range(3)]
    rows.append({"run": 300, "status": "crashed", "reason": "RuntimeError: boom", "distance_m": None})
    s = summarize(rows, 110, {"seed": 1}, ["yaw"])
    assert s["by_status"] == {"passed": 100, "failed": 3, "aborted": 0, "crashed": 1, "timeout": 0}
    assert s["success"]["passed"] == 100 and s["success"]["runs"] == 104
    assert s["failures_by_reason"][0] == {"reason": "failed: slot mobility failed at # s",
                                          "count": 3, "runs": [200, 201, 202]}
    d = s["figures"]["distance_m"]
    assert d["n"] == 100 and d["min"] == 1.0 and d["max"] == 100.0 and d["p50"] == 50.5
    assert math.isclose(d["p95"], 95.05)
    assert percentiles([None, math.nan]) == {"n": 0}
    assert reason_group("x=-3.25 at 12") == "x=# at #"


def test_a_printing_run_carries_its_brick_and_a_driving_run_none(bundle):
    from ground.campaign.task import BRICK_COLUMNS, execute_run_with_report
    coupon = MissionBundle.from_path(Path(__file__).resolve().parent / "data" / "printer" / "coupon.seq")
    row, report = execute_run_with_report(coupon, RunSpec(0, "sim://?seed=1", 1, (), 3600.0))
    assert row["status"] == "passed", row["reason"]
    brick = report["brick"]
    assert {c: row[c] for c in BRICK_COLUMNS} == {c: brick[k] for c, k in BRICK_COLUMNS.items()}
    assert row["brick_state"] == "DONE" and row["brick_layers_printed"] == row["brick_layers_total"] > 0
    assert row["brick_print_time_s"] > 0 and row["brick_heat_energy_j"] > 0
    assert row["brick_regolith_used_g"] > 0 and 0 < row["brick_quality_min"] <= row["brick_quality_mean"] <= 1
    drive = execute_run(bundle, RunSpec(1, FLAT, 5, (), 400.0))
    assert all(drive[c] is None for c in BRICK_COLUMNS)
