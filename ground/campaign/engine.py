"""A campaign from start to report: check every input and the output
directory before anything runs, submit the runs that are not yet in the
journal to Dask (a bounded window of them in flight), journal each row as
it comes back, then write the Parquet table, summary.json and the report.

The campaign directory:

    campaign.json        what this campaign is (mission hash, dispersions hash, seed, ...)
    dispersions.toml     a copy of the dispersions file
    mission/             a copy of the mission and the sequences beside it
    runs.jsonl           the journal: one row per finished run (resume reads it)
    results.parquet      one row per run, inputs drawn and figures
    summary.json         success rate with its Wilson interval, percentiles, failures by reason
    report.html, report/ the plots
    runs/NNNNNN/         full run directories, only with --keep-runs
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ground.campaign import CampaignError
from ground.campaign.dispersions import Dispersions, load_dispersions
from ground.campaign.journal import JOURNAL_NAME, Journal
from ground.campaign.results import (PARQUET_NAME, SUMMARY_NAME, summarize, write_parquet,
                                     write_summary)
from ground.campaign.task import MissionBundle, RunSpec, crashed_row, execute_run

IDENTITY_NAME = "campaign.json"
DISPERSIONS_COPY = "dispersions.toml"
MISSION_COPY = "mission"
RUNS_DIR = "runs"
FORMAT = 1
MAX_RUNS = 10_000_000
DEFAULT_RUN_TIMEOUT_S = 900.0
WINDOW_PER_WORKER = 8            # runs in flight per worker: hides the round trip, memory bounded
# What makes two campaigns the same campaign (run i means the same thing in both).
IDENTITY_KEYS = ("format", "mission", "mission_sha256", "dispersions_sha256", "seed", "site",
                 "max_sim_s", "dictionary_hash")


@dataclass
class Campaign:
    out: Path
    disp: Dispersions
    bundle: MissionBundle
    runs: int
    identity: dict

    def spec(self, run: int, run_timeout_s: float | None = None, keep: bool = False) -> tuple[RunSpec, dict]:
        inputs = self.disp.draw(run)
        keep_dir = str(self.out / RUNS_DIR / f"{run:06d}") if keep else None
        spec = RunSpec(run, self.disp.hal_url(inputs), inputs.sim_seed, inputs.injections,
                       self.disp.max_sim_s, run_timeout_s, keep_dir)
        return spec, inputs.inputs

    def input_columns(self) -> dict[str, str]:
        return self.disp.input_columns()


def _check_mission(mission: Path) -> MissionBundle:
    from common.dictionary import default_dictionary
    from flight.seq.library import load_any

    try:
        load_any(mission, default_dictionary())
    except FileNotFoundError as e:
        raise CampaignError(str(e)) from None
    except Exception as e:               # SequenceErrors (file:line:col), SeqBinaryError
        raise CampaignError(f"{mission}: mission rejected, nothing ran:\n{e}") from None
    try:
        return MissionBundle.from_path(mission)
    except (OSError, ValueError) as e:
        raise CampaignError(str(e)) from None


def _identity(disp: Dispersions, bundle: MissionBundle) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    import numpy

    from common.dictionary import default_dictionary
    try:
        pkg = version("lunar-rover-fsw")
    except PackageNotFoundError:
        pkg = "unknown"
    return {"format": FORMAT, "mission": bundle.name, "mission_sha256": bundle.sha256,
            "dispersions_sha256": disp.sha256, "seed": disp.seed, "site": disp.site,
            "max_sim_s": disp.max_sim_s, "dictionary_hash": default_dictionary().hash,
            "package": pkg, "numpy": numpy.__version__}


def read_identity(out: Path) -> dict | None:
    p = Path(out) / IDENTITY_NAME
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise CampaignError(f"{p}: unreadable campaign identity ({e}); not a campaign directory?") \
            from None


def prepare(mission, dispersions, out, runs: int, seed: int | None = None,
            claim: bool = True) -> Campaign:
    """Check everything and claim (or re-open) the campaign directory; CampaignError
    otherwise.  With claim=False nothing is written yet (the CLI claims the
    directory only once the cluster is up): call ``claim_dir(campaign)``."""
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= MAX_RUNS:
        raise CampaignError(f"--runs must be in 1..{MAX_RUNS}, got {runs!r}")
    disp = load_dispersions(dispersions, seed)
    bundle = _check_mission(Path(mission))
    ident = _identity(disp, bundle)
    out = Path(out)
    old = read_identity(out)
    if old is not None:
        diff = [k for k in IDENTITY_KEYS if old.get(k) != ident.get(k)]
        if diff:
            detail = "; ".join(f"{k}: {old.get(k)!r} there, {ident.get(k)!r} now" for k in diff)
            raise CampaignError(f"{out} holds a different campaign ({detail}); use another --out "
                                "directory, or the same mission, dispersions and seed to resume")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CampaignError(f"{out} exists and is not an empty directory or a campaign directory; "
                            "use a new --out directory")
    ident["runs"] = max(runs, (old or {}).get("runs", 0))
    camp = Campaign(out, disp, bundle, runs, ident)
    if claim:
        claim_dir(camp)
    return camp


def claim_dir(camp: Campaign) -> None:
    """Write the campaign's identity and input copies into its directory."""
    out = camp.out
    fresh = not (out / IDENTITY_NAME).exists()
    out.mkdir(parents=True, exist_ok=True)
    (out / IDENTITY_NAME).write_text(json.dumps(camp.identity, indent=2) + "\n")
    if fresh:
        (out / DISPERSIONS_COPY).write_text(camp.disp.text, encoding="utf-8")
        camp.bundle.write_to(out / MISSION_COPY)


def open_campaign(out) -> Campaign:
    """A campaign as recorded in its directory (for `rover run --from-campaign`)."""
    out = Path(out)
    ident = read_identity(out)
    if ident is None:
        raise CampaignError(f"{out} is not a campaign directory (no {IDENTITY_NAME})")
    disp = load_dispersions(out / DISPERSIONS_COPY, ident["seed"])
    mdir = out / MISSION_COPY
    if not (mdir / ident["mission"]).is_file():
        raise CampaignError(f"{mdir / ident['mission']}: the campaign's copy of its mission is missing")
    files = {p.name: p.read_bytes() for p in sorted(mdir.iterdir()) if p.is_file()}
    bundle = MissionBundle.from_files(ident["mission"], files)
    if bundle.sha256 != ident["mission_sha256"] or disp.sha256 != ident["dispersions_sha256"]:
        raise CampaignError(f"{out}: the mission or dispersions copy no longer matches "
                            f"{IDENTITY_NAME} (edited after the campaign ran?)")
    return Campaign(out, disp, bundle, int(ident.get("runs", 0)), ident)


# ------------------------------------------------------------------ progress
@dataclass
class Tally:
    total: int
    resumed: int
    done: int = 0
    not_passed: int = 0
    crashed: int = 0
    started_s: float = 0.0

    def rate(self, now: float) -> float:
        dt = now - self.started_s
        return self.done / dt if dt > 0 else 0.0

    def eta_s(self, now: float) -> float | None:
        r = self.rate(now)
        left = self.total - self.resumed - self.done
        return left / r if r > 0 else None


# ------------------------------------------------------------------ execute
def execute(camp: Campaign, client, *, run_timeout_s: float | None = DEFAULT_RUN_TIMEOUT_S,
            keep_runs: bool = False, retry_crashed: bool = False,
            on_row: Callable[[dict, Tally], None] | None = None,
            task=None, window: int | None = None) -> Tally:
    """Run what the journal does not hold yet; returns the tally of this session.
    ``task(bundle, spec)`` replaces the run function (the scheduler-overhead
    benchmark); it gets the scattered mission like a real run."""
    from distributed import as_completed

    journal = Journal(camp.out)
    done = journal.load()
    redo = ("crashed", "timeout") if retry_crashed else ()
    todo = [i for i in range(camp.runs) if i not in done or done[i]["status"] in redo]
    tally = Tally(camp.runs, camp.runs - len(todo), started_s=time.perf_counter())
    if not todo:
        return tally
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    window = window or WINDOW_PER_WORKER * n_workers
    fn = task or execute_run
    # Dask keys unique to this execution, never derived from the campaign
    # alone.  The same campaign executed again through one client (the
    # benchmark's phases, a program running campaigns in a row) used to reuse
    # the mission's content-hashed key and the runs' keys while the previous
    # execution's release of them was still travelling (client -> scheduler ->
    # workers, on streams that a scatter's direct calls overtake).  Either the
    # scheduler dropped the new mission (every run cancelled, "lost
    # dependencies", recorded as crashed in milliseconds), or a worker's late
    # "free" deleted its new copy and the broadcast's replication waited
    # forever for a copy no worker held: the campaign hung in scatter.
    session = uuid.uuid4().hex[:12]
    bundle = client.scatter(camp.bundle, broadcast=True, hash=False)
    inflight: dict[str, tuple[RunSpec, dict, object]] = {}
    it = iter(todo)
    ac = as_completed()

    def submit_next() -> bool:
        i = next(it, None)
        if i is None:
            return False
        spec, inputs = camp.spec(i, run_timeout_s, keep_runs)
        key = f"run-{i}-{session}"
        fut = client.submit(fn, bundle, spec, key=key, pure=False)
        inflight[key] = (spec, inputs, fut)
        ac.add(fut)
        return True

    try:
        for _ in range(window):
            if not submit_next():
                break
        for fut in ac:
            spec, inputs, _ = inflight.pop(fut.key)
            try:
                row = fut.result()
            except Exception as e:      # noqa: BLE001 -- worker died (KilledWorker) etc.
                row = crashed_row(spec, "crashed",
                                  f"{type(e).__name__}: {e}".splitlines()[0][:500])
                row["worker"] = ""
            row.update(inputs)
            journal.append(row)
            tally.done += 1
            if row["status"] != "passed":
                tally.not_passed += 1
            if row["status"] in ("crashed", "timeout"):
                tally.crashed += 1
            if on_row is not None:
                on_row(row, tally)
            fut.release()
            submit_next()
    finally:
        if inflight:
            client.cancel([f for _, _, f in inflight.values()])
        bundle.release()
        journal.close()
    return tally


def finish(camp: Campaign, report: bool = True) -> dict:
    """Table, summary and report from the journal (also after a partial campaign)."""
    rows = [r for _, r in sorted(Journal(camp.out).load().items())]
    cols = camp.input_columns()
    write_parquet(rows, cols, camp.out / PARQUET_NAME)
    summary = summarize(rows, int(camp.identity.get("runs", camp.runs)), camp.identity,
                        camp.disp.dispersed())
    summary["files"] = {"journal": JOURNAL_NAME, "table": PARQUET_NAME}
    write_summary(summary, camp.out / SUMMARY_NAME)
    if report:
        from ground.campaign.report import write_report
        inputs = [c for c in cols if (c.startswith("in.") and c[3:] in camp.disp.dispersed())
                  or (c.startswith("fault.") and c.count(".") == 1)
                  or (c.startswith("fault.") and c.endswith(".at_s"))]
        summary["report"] = str(write_report(camp.out, rows, summary, inputs).name)
        write_summary(summary, camp.out / SUMMARY_NAME)
    return summary
