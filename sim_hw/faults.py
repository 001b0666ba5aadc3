"""Fault injection into the simulated rover: what a HIL bench does with a
clamp on a wheel, a cut encoder wire, a drained pack or a freezer.

Every injection acts on the plant state inside the C simulator, so the
flight software sees it only through its sensors, as it would on hardware.
"""
from __future__ import annotations

from common.vehicle import WHEEL_NAMES

KELVIN = 273.15


def _wheel_index(wheel) -> int:
    if isinstance(wheel, int) and 0 <= wheel < 6:
        return wheel
    if isinstance(wheel, str) and wheel.lower() in WHEEL_NAMES:
        return WHEEL_NAMES.index(wheel.lower())
    raise ValueError(f"unknown wheel {wheel!r}; wheels are 0..5 or {', '.join(WHEEL_NAMES)}")


class FaultInjector:
    def __init__(self, simulator):
        self.sim = simulator

    def lock_wheel(self, wheel, locked: bool = True) -> None:
        """The wheel cannot turn (rock jam, seized gearbox): the board's stall detector trips."""
        self.sim.wheel_locked[_wheel_index(wheel)] = 1 if locked else 0

    def kill_encoder(self, wheel, dead: bool = True) -> None:
        """The encoder stops producing edges (cut wire)."""
        self.sim.encoder_dead[_wheel_index(wheel)] = 1 if dead else 0

    def set_battery_soc(self, soc_pct: float) -> None:
        """Drain (or fill) the pack to a state of charge."""
        if not 0.0 <= soc_pct <= 100.0:
            raise ValueError(f"soc_pct must be in 0..100, got {soc_pct}")
        self.sim.plant.batt.soc = soc_pct / 100.0

    def set_ebox_temp_c(self, temp_c: float) -> None:
        """Put the electronics box at a temperature (e.g. after a long shadow)."""
        if not -200.0 <= temp_c <= 150.0:
            raise ValueError(f"temp_c must be in -200..150 C, got {temp_c}")
        self.sim.plant.ebox.temp_k = temp_c + KELVIN

    # -- the printer -------------------------------------------------------------
    def detach_thermocouple(self, detached: bool = True, reads: str = "open") -> None:
        """The head's thermocouple comes off: its wire breaks (``reads="open"``:
        far below -100 C) or it falls off the head and reads the ambient mount
        (``reads="ambient"``, -23 C: the head heats and the reading does not
        rise, a heating failure to the board's guard)."""
        if reads == "open":
            self.sim.set_heater_sensor_open("payload", detached)
        elif reads == "ambient":
            self.sim.set_heater_sensor_off_heater("payload", detached)
        else:
            raise ValueError(f"reads must be 'open' or 'ambient', got {reads!r}")

    def block_sun(self, blocked: bool = True) -> None:
        """Something shades the solar concentrator (its power drops to 0 at the
        next environment refresh, within a simulated second)."""
        self.sim.sun_blocked = bool(blocked)
        self.sim.refresh_env()

    def set_hopper_g(self, grams: float) -> None:
        """Put this much regolith in the printer's hopper (0 = empty)."""
        h = self.sim.hopper
        if not 0.0 <= grams <= h.capacity_g:
            raise ValueError(f"grams must be in 0..{h.capacity_g:g}, got {grams}")
        h.level_g = float(grams)
        self.sim.refresh_hopper()

    def jam_printer_axis(self, axis, load: float = 20.0) -> None:
        """Overload a printer axis (x, y, z, r or 0..3): it loses steps."""
        axes = ("x", "y", "z", "r")
        i = axes.index(axis) if axis in axes else axis
        if not isinstance(i, int) or not 0 <= i < 4:
            raise ValueError(f"unknown printer axis {axis!r}; axes are {', '.join(axes)} or 0..3")
        if not load >= 1.0:
            raise ValueError(f"load must be >= 1 (1 = nominal), got {load}")
        self.sim.gantry().load[i] = float(load)

    def clear_all(self) -> None:
        for i in range(6):
            self.sim.wheel_locked[i] = 0
            self.sim.encoder_dead[i] = 0
        self.sim.set_heater_sensor_open("payload", False)
        if self.sim.sun_blocked:
            self.block_sun(False)
        for i in range(4):
            self.sim.gantry().load[i] = 1.0
