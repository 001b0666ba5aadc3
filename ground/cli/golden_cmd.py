"""`rover golden`: the firmware's golden vectors (docs/golden_vectors.md).

    rover golden list                         # the vectors, their boards and what each covers
    rover golden check [--port host|sim|avr|arm ...] [NAME ...]
    rover golden regen [--inputs] [--port P ...] [--write] [NAME ...]
    rover golden show NAME [--limit N]        # a vector in words, outputs decoded

``check`` plays each stored input on each port and compares the bytes with
the stored output (exit 1 on a difference, naming the vector, the port, the
first differing byte and both sides).  ``regen`` replays the stored inputs
(``--inputs``: makes them again from the recipes) on the host and simulator
ports (and any other ``--port``; with ``--write`` also the ATmega2560 and
the Cortex-M3 where their tools are installed), requires them to agree, and
prints which vectors changed and where; it writes only with ``--write``.  Errors are one
line, exit status 2.
"""
from __future__ import annotations

import sys

import click

from ground.golden.ports import PORTS

_EPILOG = "docs/golden_vectors.md explains the format and the review of a change."


def _names(names):
    from ground.golden.store import GoldenError, vector
    from ground.golden.vectors import VECTORS
    try:
        for n in names:
            vector(n)
    except GoldenError as e:
        _fail(str(e))
    return list(names) or list(VECTORS)


def _fail(msg: str):
    click.echo(f"rover golden: {msg}", err=True)
    sys.exit(2)


def _players(build_dir, ports):
    from ground.golden.ports import Players
    for p in ports:
        why = Players.missing(p)
        if why:
            _fail(f"port {p} cannot run here: {why}")
    return Players(build_dir)


@click.group("golden", epilog=_EPILOG)
def golden():
    """Golden vectors: fixed firmware inputs with their expected outputs."""


@golden.command("list")
def list_cmd():
    """The vectors: name, board, sizes, what each covers."""
    from ground.golden.store import files
    from ground.golden.vectors import VECTORS
    for name, v in VECTORS.items():
        fin, fout = files(name)
        size = (f"{fin.stat().st_size} B in, {fout.stat().st_size} B out"
                if fin.is_file() and fout.is_file() else "not stored")
        click.echo(f"{name:18s} {v.role:9s} {size}")
        click.echo(f"    {v.doc}")


@golden.command("check", epilog=_EPILOG)
@click.option("--port", "ports", type=click.Choice(PORTS), multiple=True,
              help="port(s) to play on (default: host and sim)")
@click.option("--build-dir", type=click.Path(file_okay=False), default=None,
              help="where to build the images (default: a temporary directory)")
@click.argument("names", nargs=-1)
def check_cmd(ports, build_dir, names):
    """Play the stored inputs; compare with the stored outputs byte for byte."""
    from ground.golden import store
    names = _names(names)
    ports = ports or ("host", "sim")
    failed = 0
    with _players(build_dir, ports) as players:
        for port in ports:
            for name in names:
                try:
                    r = store.check_one(players, port, name)
                except store.GoldenError as e:
                    _fail(str(e))
                click.echo(r.text())
                failed += not r.ok
    click.echo(f"{len(names) * len(ports) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


@golden.command("regen", epilog=_EPILOG)
@click.option("--inputs", is_flag=True, help="make the inputs again from the recipes too")
@click.option("--port", "ports", type=click.Choice(PORTS), multiple=True,
              help="ports that must agree, the first is the reference (default: host and sim; "
                   "with --write also avr and arm where their tools are installed)")
@click.option("--write", is_flag=True, help="write the new and changed vectors (else only report)")
@click.option("--build-dir", type=click.Path(file_okay=False), default=None)
@click.argument("names", nargs=-1)
def regen_cmd(inputs, ports, write, build_dir, names):
    """Recompute the expected outputs; report what changed; write with --write."""
    from ground.golden import store
    from ground.golden.ports import Players
    names = _names(names)
    if not ports:
        ports = ("host", "sim")
        if write:
            ports += tuple(p for p in ("avr", "arm") if Players.missing(p) is None)
    ports = tuple(dict.fromkeys(ports))
    click.echo(f"ports compared: {', '.join(ports)}")
    with _players(build_dir, ports) as players:
        try:
            changes = store.regenerate(players, names, inputs=inputs, ports=ports)
        except store.GoldenError as e:
            _fail(str(e))
    for c in changes:
        click.echo(c.text())
    pending = [c for c in changes if c.what != "unchanged"]
    if not pending:
        click.echo("all vectors unchanged")
        return
    if not write:
        click.echo(f"{len(pending)} vector(s) would change; nothing written: review, then rerun "
                   f"with --write")
        sys.exit(1)
    done = store.write(changes)
    click.echo(f"wrote {len(done)} vector(s) to {store.GOLDEN_DIR}: {', '.join(done)}")


@golden.command("show")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="at most this many lines")
@click.argument("name")
def show_cmd(limit, name):
    """A stored vector in words: inputs with the outputs each produced."""
    from ground.golden import store
    from ground.golden.timeline import timeline
    try:
        trace, _ = store.load(name)
    except store.GoldenError as e:
        _fail(str(e))
    for line in timeline(store.vector(name).role, trace, limit):
        click.echo(line)
