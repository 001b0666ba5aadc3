"""`rover tlm export RUN` and `rover tlm info RUN`: read a recorded run.

RUN is a run directory (as written by `rover run --out DIR`, holding
telemetry.rtlm) or the telemetry file itself.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from ground.cli.options import WRITABLE_DIR

from ground.tlm.reader import RunLog, RunNotFoundError, read_run
from common.record_format import TelemetryFormatError


def load_run(run: str) -> RunLog:
    """read_run with errors turned into a one-line CLI error."""
    try:
        return read_run(run)
    except (RunNotFoundError, TelemetryFormatError) as e:
        raise click.ClickException(str(e)) from None
    except OSError as e:          # e.g. permission denied: name the file, no traceback
        raise click.ClickException(f"{run}: cannot read telemetry ({e.strerror or e})") from None


def default_out_dir(log: RunLog) -> Path:
    return log.path.parent


@click.group("tlm")
def tlm():
    """Inspect and export recorded telemetry."""


@tlm.command("export")
@click.argument("run", type=click.Path())
@click.option("--csv", "as_csv", is_flag=True, default=True,
              help="CSV output (the only format; the default).")
@click.option("--per-channel", is_flag=True,
              help="One channels/<name>.csv per channel instead of one wide telemetry.csv.")
@click.option("-o", "--out", "out_dir", type=WRITABLE_DIR,
              help="Output directory (default: the run directory).")
def export(run, as_csv, per_channel, out_dir):
    """Export RUN's channels and events as CSV."""
    from ground.tlm.export import export_csv
    log = load_run(run)
    out = Path(out_dir) if out_dir else default_out_dir(log)
    files = export_csv(log, out, per_channel=per_channel)
    if per_channel:
        click.echo(f"wrote {len(files) - 1} channel CSV files under {out / 'channels'}")
        click.echo(f"wrote {files[-1]}")
    else:
        for f in files:
            click.echo(f"wrote {f}")
    _warn_damage(log)


@tlm.command("info")
@click.argument("run", type=click.Path())
def info(run):
    """Summarise RUN: metadata, channels, samples, events, how the file ended."""
    log = load_run(run)
    click.echo(f"file:     {log.path} ({log.file_bytes} bytes, {log.record_count} records)")
    meta = ", ".join(f"{k}={v}" for k, v in sorted(log.meta.items()))
    click.echo(f"meta:     {meta}")
    click.echo(f"time:     {log.start_t_ms} .. {log.end_t_ms} ms "
               f"({(log.end_t_ms - log.start_t_ms) / 1000.0:.1f} s simulated)")
    click.echo(f"ending:   {log.damage_summary()}")
    n_samples = sum(len(s) for s in log.samples.values())
    click.echo(f"channels: {len(log.samples)} ({n_samples} samples)")
    width = max((len(n) for n in log.channels), default=0)
    for n in log.channels:
        s = log.samples[n]
        last = s.values[-1]
        last = last.item() if hasattr(last, "item") else last     # numpy scalar -> plain repr
        click.echo(f"  {n:<{width}}  {log.channel_types.get(n, '?'):>3}  {len(s):>7}  last={last!r}")
    sev = Counter(e.severity for e in log.events)
    by_sev = ", ".join(f"{k} {v}" for k, v in sorted(sev.items()))
    click.echo(f"events:   {len(log.events)}" + (f" ({by_sev})" if by_sev else ""))
    names = Counter(e.name for e in log.events)
    for name, count in names.most_common(15):
        click.echo(f"  {name}  x{count}")


def _warn_damage(log: RunLog) -> None:
    if not log.closed_cleanly or log.torn_tail_bytes or log.bad_records or log.missing_records:
        click.echo(f"note: {log.path}: {log.damage_summary()}", err=True)
