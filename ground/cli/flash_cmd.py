"""`rover flash`: build the firmware for a dev board and flash it.

    rover flash --board mega2560 --port /dev/ttyACM0 [--role mobility]
    rover flash --board nucleo-f103rb --role payload --dry-run
    rover flash --board mega2560 --port PORT --image FILE.hex [--json]

The Mega runs avrdude through its stk500v2 bootloader (write, then verify);
the STM32 boards run st-flash or openocd.  ``--dry-run`` prints the command
and touches nothing.  Errors name the board and the fix (exit status 2).
docs/firmware.md section 8.
"""
from __future__ import annotations

import json
import shlex
import sys

import click

from common.dictionary import default_dictionary



# the boards of the dictionary's [[board]] table (one firmware image each)
_BOARDS = tuple(default_dictionary().boards)

@click.command("flash")
@click.option("--board", required=True, help="board type (mega2560, stm32vldiscovery, nucleo-f103rb)")
@click.option("--port", default=None, help="serial port of the board (avrdude boards)")
@click.option("--role", type=click.Choice(_BOARDS), default="mobility",
              show_default=True, help="which firmware image")
@click.option("--image", type=click.Path(dir_okay=False), default=None,
              help="flash this image instead of building one")
@click.option("--build-dir", type=click.Path(file_okay=False), default=None)
@click.option("--no-build", is_flag=True, help="use the image already built")
@click.option("--dry-run", is_flag=True, help="print the flashing command, run nothing")
@click.option("--json", "as_json", is_flag=True, help="print the result as one JSON object")
def flash(board, port, role, image, build_dir, no_build, dry_run, as_json):
    """Build and flash the board firmware."""
    from ground import flashing as F

    try:
        bt = F.board_type(board)
        if image is None:
            image = F.image_path(bt.name, role, build_dir)
            if bt.arch == "avr" and not no_build and not dry_run:
                F.build_avr_images(build_dir)
            elif bt.name in F.ARM_IMAGE_TARGETS and not no_build and not dry_run:
                F.build_arm_images(bt.name, build_dir)
        cmd = F.flash_command(bt.name, image, port)
        if dry_run:
            click.echo(shlex.join(cmd))
            return
        res = F.flash(bt.name, image, port)
    except F.FlashError as e:
        click.echo(f"rover flash: {e}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(res))
        return
    extra = ""
    if res.get("write_s") is not None:
        extra = f" (write {res['write_s']:.2f} s, verify {res['verify_s']:.2f} s)"
    click.echo(f"{res['board']} on {res['port']}: {res['bytes']} bytes written and verified in "
               f"{res['wall_s']:.2f} s{extra}")
