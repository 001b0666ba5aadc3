"""Thermal control: the heater zones the flight software commands.

Owns the HEATER_SET command.  A zone is a dictionary [[heater]] the HAL
provides (``hal.heaters``); this component claims each one at start so nothing
else drives it.  The target is already converted and range-checked against
the dictionary where the command entered; the HAL device and the board each
check it again as the last line before the hardware.
"""
from __future__ import annotations

from flight.commands.handlers import CommandFailed, handles

OWNER = "thermal"


class Thermal:
    def __init__(self, hal, owner: str = OWNER):
        self.zones = {name: hal.claim(f"heater.{name}", owner) for name in hal.heaters}

    @handles("HEATER_SET")
    def cmd_heater_set(self, cmd) -> None:
        zone = cmd.args["zone"].lower()
        heater = self.zones.get(zone)
        if heater is None:
            raise CommandFailed(f"no heater zone {cmd.args['zone']} on this vehicle")
        heater.set_target_c(cmd.args["temp"])
