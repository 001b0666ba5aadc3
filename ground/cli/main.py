"""`rover` entry point.  Subcommands live in their own modules and are
imported lazily so `rover --help` stays fast."""
from __future__ import annotations

import importlib

import click

# name -> (module, attribute); each attribute is a click command or group
SUBCOMMANDS = {
    "drive-demo": ("ground.cli.drive_demo", "drive_demo"),
    "perf": ("ground.cli.perf", "perf"),
    "tlm": ("ground.cli.tlm_cmd", "tlm"),
    "run": ("ground.cli.run_cmd", "run"),
    "dict": ("ground.cli.dict_cmd", "dict_cmd"),
    "seq": ("ground.cli.seq_cmd", "seq_cmd"),
    "plot": ("ground.cli.plot_cmd", "plot"),
    "hil": ("ground.cli.hil_cmd", "hil"),
    "campaign": ("ground.cli.campaign_cmd", "campaign"),
    "flash": ("ground.cli.flash_cmd", "flash"),
    "boards": ("ground.cli.boards_cmd", "boards"),
    "print": ("ground.cli.print_cmd", "print_cmd"),
    "golden": ("ground.cli.golden_cmd", "golden"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx, name):
        if name not in SUBCOMMANDS:
            return None
        mod, attr = SUBCOMMANDS[name]
        return getattr(importlib.import_module(mod), attr)


@click.group(cls=LazyGroup)
def cli():
    """Lunar rover flight software, simulator and HIL bench tools."""


INTERNAL_ERROR_EXIT = 70          # EX_SOFTWARE: our bug, not the user's input


def main():
    # Last line of defence: every input error is a one-line message with exit
    # code 2 from the command itself; anything reaching here is a bug, still
    # reported as one line (ROVER_DEBUG=1 re-raises for the traceback).
    try:
        cli()
    except Exception as e:
        import os
        import sys
        if os.environ.get("ROVER_DEBUG"):
            raise
        text = " ".join(str(e).split())[:300]
        sys.stderr.write(f"rover: internal error: {type(e).__name__}: {text} "
                         f"(ROVER_DEBUG=1 shows the traceback)\n")
        sys.exit(INTERNAL_ERROR_EXIT)


if __name__ == "__main__":
    main()
