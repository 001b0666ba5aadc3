"""The campaign engine on an in-process Dask cluster: the window of runs in
flight, the journal, --retry-crashed, a worker exception recorded as a
crashed run (the run functions here stand in for the simulation; the real
one runs in test_campaign_dask.py and test_campaign_results.py)."""
from pathlib import Path

import pytest

from ground.campaign.engine import execute, finish, prepare
from ground.campaign.journal import Journal
from ground.campaign.task import crashed_row

MISSION = Path(__file__).resolve().parent.parent / "missions" / "short_drive.seq"


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture()
def camp(tmp_path):
    d = tmp_path / "d.toml"
    d.write_text('[campaign]\nsite = "flat"\n[params]\nyaw = { dist = "uniform", min = -5, max = 5 }\n')
    return lambda runs: prepare(MISSION, d, tmp_path / "out", runs)


def odd_runs_raise(bundle, spec):
    if spec.run % 2:
        raise RuntimeError(f"run {spec.run} blew up on the worker")
    return crashed_row(spec, "passed", "")


def every_run_passes(bundle, spec):
    return crashed_row(spec, "passed", "")


def test_every_run_is_journalled_once_with_its_inputs(client, camp):
    c = camp(23)
    seen = []
    tally = execute(c, client, task=every_run_passes, window=3, on_row=lambda r, t: seen.append(r["run"]))
    assert tally.done == 23 and sorted(seen) == list(range(23))
    rows = Journal(c.out).load()
    assert sorted(rows) == list(range(23))
    assert all(rows[i]["in.yaw"] == c.disp.draw(i).values["yaw"] for i in rows)
    # nothing left to do: a second call runs nothing
    assert execute(camp(23), client, task=every_run_passes).done == 0


def test_worker_exceptions_become_crashed_rows_and_retry_replaces_them(client, camp):
    c = camp(6)
    t = execute(c, client, task=odd_runs_raise)
    assert t.done == 6 and t.crashed == 3
    rows = Journal(c.out).load()
    assert [rows[i]["status"] for i in range(6)] == ["passed", "crashed"] * 3
    assert "blew up on the worker" in rows[1]["reason"]
    assert execute(camp(6), client, task=every_run_passes).done == 0          # finished runs stay
    t = execute(camp(6), client, task=every_run_passes, retry_crashed=True)
    assert t.done == 3 and t.resumed == 3
    rows = Journal(c.out).load()
    assert all(rows[i]["status"] == "passed" for i in range(6))
    s = finish(camp(6), report=False)
    assert s["success"]["passed"] == 6 and s["runs_done"] == 6


def run_of_execution(execution, bundle, spec):
    row = crashed_row(spec, "passed", f"execution {execution}")
    row["error"] = bundle.name         # the scattered mission reached the run
    return row


@pytest.mark.timeout(120)   # the bug this guards against also showed as a campaign that never ended
def test_the_same_campaign_executed_again_on_one_client_runs_every_run_afresh(client, tmp_path):
    # The benchmark's phases (and any program running campaigns in a row) execute
    # one campaign again and again through one client.  When the Dask keys of the
    # scattered mission and of the runs were derived from the campaign alone, a
    # new execution reused keys whose release by the previous one was still on
    # its way: the scheduler dropped the new mission ("lost dependencies": every
    # run recorded as crashed in milliseconds), or a worker dropped its new copy
    # and the broadcast scatter waited forever (the timeout above).  A window
    # smaller than the campaign keeps submitting after the first runs came back,
    # as a real campaign does.
    from functools import partial
    d = tmp_path / "d.toml"
    d.write_text('[campaign]\nsite = "flat"\n[params]\nyaw = { dist = "uniform", min = -5, max = 5 }\n')
    for k in range(6):
        c = prepare(MISSION, d, tmp_path / f"out{k}", 12)
        t = execute(c, client, task=partial(run_of_execution, k), window=3)
        rows = Journal(c.out).load()
        assert t.done == 12 and sorted(rows) == list(range(12))
        bad = {i: rows[i]["reason"] for i in rows if rows[i]["reason"] != f"execution {k}"}
        assert not bad, f"execution {k}: runs not run by this execution: {bad}"
        assert {r["error"] for r in rows.values()} == {MISSION.name}
