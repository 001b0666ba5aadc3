"""`rover run MISSION --from-campaign DIR --run I`: one campaign run again,
alone, with its full run directory (telemetry, events, plots, report.json),
drawn from (campaign seed, I) exactly as the campaign drew it.  The row it
produces is compared with the campaign's row for I (every field but the
wall time and the worker) and the verdict printed."""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click


def _fail(msg: str):
    click.echo(f"rover run: {msg}", err=True)
    sys.exit(2)


def run_from_campaign(mission, campaign_dir, run_index, out_dir, given, quiet, force=False) -> None:
    from ground.campaign import CampaignError
    from ground.campaign.engine import open_campaign
    from ground.campaign.journal import Journal
    from ground.campaign.task import NONDETERMINISTIC, MissionBundle, execute_run_with_report

    if campaign_dir is None or run_index is None:
        _fail("--from-campaign DIR and --run I go together")
    if given:
        _fail(f"{', '.join(given)} cannot be combined with --from-campaign: the campaign "
              "fixes the HAL, seed, limits and simulated-time budget of its runs")
    if run_index < 0:
        _fail(f"--run must be >= 0, got {run_index}")
    try:
        camp = open_campaign(campaign_dir)
        mine = MissionBundle.from_path(mission)
    except CampaignError as e:
        _fail(str(e))
    except (OSError, ValueError) as e:
        _fail(str(e))
    if mine.sha256 != camp.bundle.sha256:
        _fail(f"{mission} is not the mission of campaign {campaign_dir} (its copy is "
              f"{Path(campaign_dir) / 'mission' / camp.bundle.name})")
    from ground.runner import MissionError, free_run_dir, prepare_run_dir
    out = (Path(out_dir) if out_dir else
           free_run_dir(Path("runs") / f"{Path(mission).stem}-campaign-run{run_index}"))
    try:
        prepare_run_dir(out, force)          # never replaces an earlier run unless --force
    except MissionError as e:
        _fail(str(e))
    spec, inputs = camp.spec(run_index, None, keep=True)
    spec = dataclasses.replace(spec, keep_dir=str(out))
    if not quiet:
        click.echo(f"campaign run {run_index}: {spec.hal_url}", err=True)
        for inj in spec.injections:
            click.echo(f"  injects {inj.kind} at {inj.at_s:.1f} s", err=True)
    row, report = execute_run_with_report(camp.bundle, spec)
    row.update(inputs)
    if report is None:
        click.echo(f"run {run_index} {row['status'].upper()}: {row['reason']}")
        if row["error"]:
            click.echo(row["error"], err=True)
    else:
        click.echo(f"mission {report['status'].upper()}"
                   f"{': ' + report['reason'] if report['reason'] else ''}")
        click.echo(f"  sim time {report['sim_time_s']:.1f} s, distance {report['distance_m']:.1f} m, "
                   f"energy {report['energy_used_j'] / 3600:.1f} Wh, final mode {report['final_mode']}")
        click.echo(f"  run directory: {out}")
    (out / "campaign_row.json").parent.mkdir(parents=True, exist_ok=True)
    (out / "campaign_row.json").write_text(json.dumps(row, indent=2, sort_keys=True) + "\n")
    recorded = Journal(camp.out).load().get(run_index)
    if recorded is None:
        click.echo(f"  (run {run_index} is not in the campaign's journal yet: nothing to compare)")
    else:
        again = json.loads(json.dumps(row))              # the journal's JSON view of the row
        diff = sorted(k for k in set(recorded) | set(again) if k not in NONDETERMINISTIC
                      and k != "error" and recorded.get(k) != again.get(k))
        if diff:
            click.echo(f"  DIFFERS from the campaign's run {run_index}: " + "; ".join(
                f"{k}: {recorded.get(k)!r} there, {again.get(k)!r} now" for k in diff[:8]))
            sys.exit(1)
        click.echo(f"  matches the campaign's run {run_index} (every field but wall time)")
    sys.exit(0 if row["status"] == "passed" else 1)
