"""`rover boards`: serial ports and the boards answering on them.

    rover boards [--port PATH ...] [--no-probe] [--timeout S] [--json]

Lists pyserial's ports (device, USB VID:PID, serial number) and, for each,
asks IDENTIFY: role, firmware version, dictionary hash; a board built from
another dictionary gets a "reflash the ... board" line.  ``--port`` adds
ports the enumeration does not show (ptys of emulated boards).
"""
from __future__ import annotations

import json

import click


@click.command("boards")
@click.option("--port", "ports", multiple=True, help="also probe this port (repeatable)")
@click.option("--baud", type=click.IntRange(min=1200), default=115200, show_default=True)
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0.1), default=3.0, show_default=True,
              help="seconds to wait for IDENTIFY on each port")
@click.option("--no-probe", is_flag=True, help="list the ports only; open nothing")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object as the last line")
def boards(ports, baud, timeout_s, no_probe, as_json):
    """List serial ports and identify the boards on them."""
    from ground.board_probe import discover

    rows = discover(ports, baud=baud, timeout_s=timeout_s, probe=not no_probe)
    if as_json:
        click.echo(json.dumps(dict(ports=rows)))
        return
    if not rows:
        click.echo("no serial ports")
        return
    for r in rows:
        usb = f"{r['vid_pid'] or '-':9} serial {r['serial_number'] or '-'}"
        if no_probe:
            board = ""
        elif "error" in r:
            board = f"  no board: {r['error']}"
        else:
            board = (f"  {r['role']} board, firmware {r['firmware']}, dictionary {r['dict_hash32']}"
                     f"{'' if r['hash_ok'] else ' (MISMATCH)'}")
        click.echo(f"{r['device']:24} {usb}{board}")
        if r.get("reflash"):
            click.echo(f"    {r['reflash']}")
