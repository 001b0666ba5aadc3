"""`rover dict`: show the command/telemetry/event dictionary, its hash,
check it against the code, and write the generated C files.

A broken dictionary is reported one line per problem, each naming the file,
with exit code 2."""
from __future__ import annotations

import sys

import click

from common.dictionary import DictionaryError, default_dictionary, load_dictionary


def _fail(lines) -> None:
    for line in lines:
        click.echo(f"rover dict: {line}", err=True)
    sys.exit(2)


def _load(path):
    try:
        return load_dictionary(path) if path else default_dictionary()
    except DictionaryError as e:
        _fail(str(e).splitlines())


def _range(a):
    if a.type == "enum":
        return "|".join(a.values)
    if a.type == "str":
        return f"{'' if a.min is None else int(a.min)}..{int(a.max)} bytes"
    if a.min is None and a.max is None:
        return ""
    fmt = lambda v: "" if v is None else f"{v:g}"
    return f"{fmt(a.min)}..{fmt(a.max)}" + (f" {a.unit}" if a.unit else "")


def _commands(d):
    lines = []
    for c in sorted(d.commands.values(), key=lambda c: c.opcode):
        flag = " CRITICAL" if c.critical else ""
        modes = "ALL" if set(c.modes) == set(d.modes) else ",".join(c.modes)
        lines.append(f"0x{c.opcode:04X} {c.name:<18} {c.subsystem:<9} modes={modes} "
                     f"timeout={c.timeout_s:g}s{flag}")
        for a in c.args:
            lines.append(f"         {a.name:<10} {a.type:<5} {_range(a)}")
    return lines


def _telemetry(d):
    lines = []
    for t in sorted(d.telemetry.values(), key=lambda t: t.name):
        lim = ""
        if t.has_limits:
            f = lambda v: "-" if v is None else f"{v:g}"
            lim = f" red<{f(t.red_low)} yellow<{f(t.yellow_low)} yellow>{f(t.yellow_high)} red>{f(t.red_high)}"
        lines.append(f"{t.name:<32} {t.type:<4} {t.unit or '':<4}{lim}")
    return lines


def _events(d):
    return [f"{e.id:>5} {e.name:<20} {e.severity:<5} {e.format}"
            for e in sorted(d.events.values(), key=lambda e: e.id)]


_SECTIONS = {"commands": _commands, "telemetry": _telemetry, "events": _events}


@click.group("dict", invoke_without_command=True)
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None,
              help="dictionary TOML (default: the flight dictionary)")
@click.pass_context
def dict_cmd(ctx, path):
    """Show the command, telemetry and event dictionary."""
    ctx.obj = path
    if ctx.invoked_subcommand is None:
        d = _load(path)
        for name, fn in _SECTIONS.items():
            click.echo(f"# {name}")
            click.echo("\n".join(fn(d)))
        click.echo(f"# hash {d.hash}")


def _section(name):
    @click.pass_context
    def show(ctx):
        click.echo("\n".join(_SECTIONS[name](_load(ctx.obj))))
    show.__doc__ = f"List the dictionary's {name}."
    return click.command(name)(show)


for _n in _SECTIONS:
    dict_cmd.add_command(_section(_n))


@dict_cmd.command("hash")
@click.pass_context
def hash_cmd(ctx):
    """Print the dictionary hash (SHA-256) and the 32-bit form boards report."""
    d = _load(ctx.obj)
    click.echo(d.hash)
    click.echo(f"0x{d.hash32:08X}")


@dict_cmd.command("header")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), required=True,
              help="directory for the generated C files (csrc/generated)")
@click.pass_context
def header_cmd(ctx, out_dir):
    """Write the generated C files: the dictionary header and the firmware
    dispatch table."""
    from common.dictionary.c_header import write_generated
    for path in write_generated(_load(ctx.obj), out_dir):
        click.echo(f"wrote {path}")


@dict_cmd.command("check")
@click.option("--root", type=click.Path(file_okay=False, exists=True), default=None,
              help="source tree to check (default: this one)")
@click.pass_context
def check_cmd(ctx, root):
    """Check the dictionary, that every command has exactly one handler on
    the side it runs on (FW_COMMAND in C, @handles in flight code), and that
    the generated C files are current."""
    from pathlib import Path

    from common.dictionary.c_header import REGEN_HINT, generated_files
    from common.dictionary.handlers import REPO_ROOT, check_repository
    d = _load(ctx.obj)
    base = Path(root) if root else REPO_ROOT
    problems = check_repository(d, base)
    for rel, text in generated_files(d).items():
        f = base / rel
        if not f.is_file() or f.read_text(encoding="ascii", errors="replace") != text:
            problems.append(f"{rel} is stale or missing; regenerate with: {REGEN_HINT}")
    if problems:
        _fail(problems)
    n = len(d.commands) + len(d.board_commands)
    click.echo(f"dictionary {d.hash[:12]}: {n} commands, each with one handler; generated files current")
