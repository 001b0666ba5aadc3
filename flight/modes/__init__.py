"""Rover operating modes: a transition table declared as data, guards that
say why they refuse, and one ``request_mode`` call that can refuse.

    from flight.modes import ModeManager
    modes = ModeManager(bus, clock)
    modes.request_mode("IDLE", "boot complete")
"""
from flight.modes.guards import GuardContext, GuardLimits, default_guards
from flight.modes.manager import ModeManager, ModeResult
from flight.modes.table import (
    BOOT, DRIVE, IDLE, MODES, PRINT, SAFE, SURVIVAL, TRANSITIONS, Transition,
    UnknownModeError, check_mode,
)

__all__ = [
    "BOOT", "DRIVE", "IDLE", "MODES", "PRINT", "SAFE", "SURVIVAL", "TRANSITIONS",
    "GuardContext", "GuardLimits", "ModeManager", "ModeResult", "Transition",
    "UnknownModeError", "check_mode", "default_guards",
]
