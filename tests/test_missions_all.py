"""Every mission in missions/ passes on sim://, or says in its header
(`# bench-only: REASON`) why it needs a bench; library files (only
sub-sequences, no statements) are included by a mission."""
from pathlib import Path

import pytest

from flight.seq import load_sequence
from flight.seq import nodes as N
from ground.runner import run_mission

MISSIONS = Path(__file__).resolve().parents[1] / "missions"
ALL = sorted(MISSIONS.rglob("*.seq"))
BENCH_ONLY = "# bench-only:"


def _bench_only_reason(path: Path) -> str | None:
    head = path.read_text().splitlines()[:15]
    for i, line in enumerate(head):
        if line.startswith(BENCH_ONLY):
            more = [ln.lstrip("# ") for ln in head[i + 1:] if ln.startswith("# ")]
            return " ".join([line[len(BENCH_ONLY):].strip(), *more]).strip()
    return None


def test_there_are_missions():
    assert len(ALL) >= 5


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(MISSIONS)))
def test_mission_passes_on_sim_or_is_marked_bench_only(path):
    seq = load_sequence(path)
    if not any(not isinstance(s, N.Label) for s in seq.body):
        users = [p for p in ALL if f'include "{path.name}"' in p.read_text()]
        assert users, f"{path.name} has no statements and no mission includes it"
        return
    reason = _bench_only_reason(path)
    if reason is not None:
        assert len(reason) > 40, f"{path.name}: say why it needs a bench"
        pytest.skip(f"bench-only: {reason}")
    res = run_mission(path, hal_url="sim://?seed=1", out_dir=None, record=False)
    assert res.status == "passed", f"{path.name}: {res.status}: {res.reason}"
    assert res.report["final_mode"] not in ("SAFE", "SURVIVAL")
    if "PRINT_START" in path.read_text():         # a mission that prints reports its brick
        b = res.report["brick"]
        assert b["state"] == "DONE" and b["layers_printed"] == b["layers_total"] > 0, b
        assert b["print_time_s"] > 0 and b["regolith_used_g"] > 0 and b["quality_min"] > 0.5
