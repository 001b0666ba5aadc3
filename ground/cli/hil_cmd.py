"""`rover hil`: emulated dev boards for hardware-in-the-loop runs.

    rover hil up [--boards mobility,payload] [--seed N] [--site NAME]
                 [--baud 115200] [--time-scale K | --lockstep] [--dir DIR]
                 [--emulator host|simavr|qemu] [--no-vo]
    rover hil status [--dir DIR]
    rover hil down [--dir DIR]

`up` builds the host firmware, starts one process per board on a pty (in
the background), writes DIR/state.json (default runs/hil, or $ROVER_HIL_DIR)
and prints the ports and the HAL URL to pass to `rover run --hal` or
`pytest --hal`.  See docs/hil.md.
"""
from __future__ import annotations

import json
import sys

import click

from ground.cli.options import SEED, FiniteFloat


def _boards(value: str) -> list[str]:
    from ground.hil_launcher import board_names
    roles = [r.strip() for r in value.split(",") if r.strip()]
    bad = [r for r in roles if r not in board_names()]
    if bad or not roles:
        raise click.BadParameter(f"unknown board(s) {', '.join(bad) or '(none)'}; boards: "
                                 f"{', '.join(board_names())}", param_hint="--boards")
    return roles


@click.group("hil")
def hil():
    """Emulated boards (host firmware on ptys) for HIL runs."""


@hil.command("up")
@click.option("--boards", default=None,
              help="comma-separated boards to start (default: every board in the dictionary)")
@click.option("--seed", type=SEED, default=1, show_default=True)
@click.option("--site", default="mons-mouton", show_default=True, help="simulated site")
@click.option("--baud", type=click.IntRange(min=1), default=115200, show_default=True)
@click.option("--time-scale", type=FiniteFloat(0.01, 100.0), default=None,
              help="free-running boards: board time runs K times faster than wall time "
                   "[default: 1]")
@click.option("--lockstep", is_flag=True,
              help="boards run only on time the HAL grants (control sockets in the URL); "
                   "excludes --time-scale")
@click.option("--dir", "dir_", type=click.Path(file_okay=False), default=None,
              help="state directory (default $ROVER_HIL_DIR or runs/hil)")
@click.option("--emulator", type=click.Choice(["host", "simavr", "qemu"]), default="host",
              show_default=True,
              help="host: the firmware as a Linux process; simavr: the AVR image on an emulated "
                   "Mega 2560, flashed through its bootloader with avrdude; qemu: the Cortex-M3 "
                   "image on QEMU's mps2-an385")
@click.option("--no-vo", is_flag=True,
              help="no emulated navigation camera: the HAL gets no visual odometry (wheel-only "
                   "pose, as a bench of real boards without a camera); host and simavr benches "
                   "have it by default, QEMU's never (no plant)")
@click.option("--json", "as_json", is_flag=True, help="print the state as one JSON object")
def up_cmd(boards, seed, site, baud, time_scale, lockstep, dir_, emulator, no_vo, as_json):
    """Build the firmware and start the boards in the background."""
    from ground import hil_launcher as L
    from sim_hw.site import KNOWN_SITES

    roles = _boards(boards) if boards is not None else None
    if site not in KNOWN_SITES:
        raise click.BadParameter(f"unknown site {site!r}; sites: {', '.join(KNOWN_SITES)}",
                                 param_hint="--site")
    if lockstep and time_scale is not None:
        raise click.UsageError("--lockstep and --time-scale exclude each other: lockstepped boards "
                               "run on granted time, not on a scaled wall clock")
    try:
        st = L.up(roles, seed=seed, site=site, baud=baud, time_scale=time_scale, lockstep=lockstep,
                  dir_=dir_, emulator=emulator, vo=False if no_vo else None)
    except L.HilError as e:
        click.echo(f"rover hil up: {e}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(st))
        return
    for role, b in st["boards"].items():
        fl = st.get("flashed", {}).get(role)
        note = f"  flashed {fl['bytes']} bytes in {fl['wall_s']:.1f} s" if fl else ""
        click.echo(f"{role:9} pid {b['pid']:<7} port {b['pty']}{note}")
    clock = "lockstep" if st.get("lockstep") else f"time scale {st['time_scale'] or 1:g}"
    vo = "nav camera from the plant truth" if st.get("vo") else "no visual odometry"
    click.echo(f"emulator {st.get('emulator', 'host')}, baud {st['baud']}, {clock}, {vo}, "
               f"state {L.state_path(dir_)}")
    click.echo("HAL URL:")
    click.echo(st["url"])


@hil.command("down")
@click.option("--dir", "dir_", type=click.Path(file_okay=False), default=None)
def down_cmd(dir_):
    """Stop the boards started by `rover hil up` (SIGTERM, then wait)."""
    from ground import hil_launcher as L
    try:
        stopped = L.down(dir_)
    except L.HilError as e:
        click.echo(f"rover hil down: {e}", err=True)
        sys.exit(2)
    click.echo(f"stopped: {', '.join(stopped)}" if stopped else "no boards running")


@hil.command("status")
@click.option("--dir", "dir_", type=click.Path(file_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True)
def status_cmd(dir_, as_json):
    """Show the boards of the state file and whether they still run."""
    from ground import hil_launcher as L
    try:
        st = L.status(dir_)
    except L.HilError as e:
        click.echo(f"rover hil status: {e}", err=True)
        sys.exit(2)
    if st is None:
        click.echo("no boards (no state file)" if not as_json else "{}")
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(st))
        return
    for role, b in st["boards"].items():
        click.echo(f"{role:9} pid {b['pid']:<7} {'running' if b['alive'] else 'STOPPED':8} {b['pty']}")
    click.echo(st["url"])
