"""`rover seq`: check and compile sequence files."""
from __future__ import annotations

from pathlib import Path

import click

from ground.cli.options import WRITABLE_FILE

from common.dictionary import DictionaryError, default_dictionary, load_dictionary


def _dict(path):
    try:
        return load_dictionary(path) if path else default_dictionary()
    except DictionaryError as e:
        raise click.ClickException(str(e)) from None


@click.group("seq")
def seq_cmd():
    """Check and compile command sequences (docs/sequences.md)."""


_dict_opt = click.option("--dict", "dict_path", type=click.Path(dir_okay=False), default=None,
                         help="dictionary TOML (default: the flight dictionary)")
_lib_opt = click.option("--lib", "lib_dirs", multiple=True,
                        type=click.Path(exists=True, file_okay=False),
                        help="library directory includes may also open (repeatable)")


@seq_cmd.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_dict_opt
@_lib_opt
def check_cmd(files, dict_path, lib_dirs):
    """Check sequence FILES; print every error; exit 1 if any.  A valid file
    prints its run bound and the critical commands it uses."""
    from flight.seq import SequenceErrors, load_sequence
    from flight.seq.bounds import sequence_bound
    d = _dict(dict_path)
    total = 0
    for f in files:
        try:
            seq = load_sequence(f, d, library_paths=lib_dirs)
        except SequenceErrors as e:
            for err in e.errors:
                click.echo(str(err), err=False)
            total += len(e.errors)
            continue
        b = sequence_bound(seq, d)
        crit = ", ".join(seq.critical) if seq.critical else "none"
        click.echo(f"{f}: ok (at most {b.statements} statements, "
                   f"{b.max_sim_ms(100) / 1000:g} s simulated; critical commands: {crit})")
    if total:
        click.echo(f"{total} error{'s' if total != 1 else ''}", err=True)
        raise SystemExit(1)


@seq_cmd.command("compile")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=WRITABLE_FILE, default=None,
              help="output binary (default: FILE with suffix .rseq)")
@_dict_opt
@_lib_opt
def compile_cmd(file, output, dict_path, lib_dirs):
    """Check FILE and write a binary sequence (magic, version, dictionary hash, CRC-32)."""
    from flight.seq import SequenceErrors, load_sequence
    from flight.seq.binary import SeqBinaryError, compile_sequence
    d = _dict(dict_path)
    try:
        seq = load_sequence(file, d, library_paths=lib_dirs)
    except SequenceErrors as e:
        for err in e.errors:
            click.echo(str(err))
        click.echo(f"{len(e.errors)} error{'s' if len(e.errors) != 1 else ''}; nothing written", err=True)
        raise SystemExit(1)
    out = Path(output) if output else Path(file).with_suffix(".rseq")
    try:
        blob = compile_sequence(seq, d)
    except SeqBinaryError as e:
        raise click.ClickException(f"{file}: {e}") from None
    out.write_bytes(blob)
    click.echo(f"wrote {out} ({len(blob)} bytes, dictionary {d.hash[:12]})")
