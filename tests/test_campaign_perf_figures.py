"""`rover perf campaign`'s arithmetic: the efficiency over ABBA rounds, and its
exact split into the CPU the machine gave the workers and the CPU per run
(the measurement itself is the benchmark, not a test)."""
import pytest
from hypothesis import given, strategies as st

from ground.campaign import CampaignError
from ground.campaign.perf import ABBA, check_phase, phase_figures, worker_busy


def _phase(n, runs, wall_s, cpu_per_run_s):
    return {"n": n, "runs": runs, "wall_s": wall_s, "sim_s": 190.0 * runs, "busy_s": 0.9 * n * wall_s,
            "worker_cpu_s": cpu_per_run_s * runs, "ours_cpu_s": cpu_per_run_s * runs * 1.05,
            "others_cpu_s": 1.0 * wall_s, "steal_s": 0.0, "runs_per_worker": [runs // n] * n,
            "busy_share_per_worker": [0.9] * n}


phase = st.tuples(st.floats(2.0, 200.0), st.floats(0.1, 2.0))      # wall s, CPU s per run


@given(st.lists(st.tuples(phase, phase, phase, phase), min_size=1, max_size=3),
       st.integers(2, 40))
def test_efficiency_is_cpu_supply_times_cpu_efficiency(rounds, k):
    phases = [_phase(n, k * n, wall, cpu) for r in rounds for n, (wall, cpu) in zip(ABBA, r)]
    f = phase_figures(phases, len(rounds), 1.0)
    s, c = f["cpu_supply_ratio_2w"], f["cpu_efficiency_2w"]
    # each figure is rounded to 3 decimals: the product can be off by 0.0005 (s + c) + ...
    assert f["parallel_efficiency_2w"] == pytest.approx(s * c, abs=0.0006 * (1 + s + c))
    assert min(f["parallel_efficiency_2w_per_round"]) <= f["parallel_efficiency_2w"] * 1.01 + 1e-3
    assert max(f["parallel_efficiency_2w_per_round"]) >= f["parallel_efficiency_2w"] * 0.99 - 1e-3


def test_a_session_share_that_does_not_grow_with_workers_halves_the_efficiency():
    # one worker gets 0.25 cores, two workers 0.25 cores between them, same CPU per run
    phases = []
    for _ in range(2):
        for n in ABBA:
            runs = 8 * n
            phases.append(_phase(n, runs, runs * 0.3 / 0.25, 0.3))
    f = phase_figures(phases, 2, 1.0)
    assert f["cpu_supply_ratio_2w"] == pytest.approx(0.5)
    assert f["cpu_efficiency_2w"] == pytest.approx(1.0)
    assert f["parallel_efficiency_2w"] == pytest.approx(0.5)
    assert f["parallel_efficiency_2w_per_round"] == [0.5, 0.5]
    assert f["worker_cores_1w"] == pytest.approx(0.25) and f["worker_cores_2w"] == pytest.approx(0.25)


def test_two_workers_with_a_core_each_and_no_slowdown_are_fully_efficient():
    phases = [_phase(n, 8 * n, 8 * 0.3, 0.3) for _ in range(2) for n in ABBA]
    f = phase_figures(phases, 2, 1.0)
    assert f["parallel_efficiency_2w"] == pytest.approx(1.0)
    assert f["cpu_supply_ratio_2w"] == pytest.approx(1.0)
    assert f["runs_per_worker_2w"] == [(8, 8)]


def _row(run, status, reason=""):
    return {"run": run, "status": status, "reason": reason}


def test_a_phase_with_a_crashed_run_is_an_error_not_a_rate():
    ok = [_row(i, s) for i, s in enumerate(["passed", "failed", "aborted", "passed"])]
    check_phase("r0p1w2", 2, 4, 4, ok)                      # mission outcomes are all runs
    lost = ok[:3] + [_row(3, "crashed", "FutureCancelledError: lost dependencies.")]
    with pytest.raises(CampaignError, match=r"r0p1w2 \(2 worker\(s\)\): 1 of 4 runs .*run 3 "
                                            r"crashed: FutureCancelledError"):
        check_phase("r0p1w2", 2, 4, 4, lost)
    with pytest.raises(CampaignError, match="timed out"):
        check_phase("r0p0w1", 1, 4, 4, ok[:3] + [_row(3, "timeout", "over budget")])
    with pytest.raises(CampaignError, match="3 of 4 ran"):
        check_phase("r0p0w1", 1, 4, 3, ok[:3])


def test_busy_time_per_worker_counts_compute_of_runs_only_and_names_idle_workers():
    def rec(key, worker, *spans):
        return {"key": key, "worker": worker,
                "startstops": tuple({"action": a, "start": t0, "stop": t1} for a, t0, t1 in spans)}
    stream = [rec("run-0-ab", "w1", ("transfer", 0.0, 0.5), ("compute", 0.5, 0.8)),
              rec("run-1-ab", "w1", ("compute", 0.8, 1.0)),
              rec("MissionBundle-1", "w1", ("compute", 0.0, 9.0))]      # not a run
    busy = worker_busy(stream, ["w1", "w2"])
    assert busy["w2"] == (0, 0.0)
    assert busy["w1"][0] == 2 and busy["w1"][1] == pytest.approx(0.5)
