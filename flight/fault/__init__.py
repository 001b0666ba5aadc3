"""Fault protection as data: monitors (channel, limits, persistence,
staleness) and responses (condition over monitor states -> response
sequence), loaded from TOML tables all or nothing.

    from flight.fault import FaultProtection, load_default_table
    fp = FaultProtection(bus, clock, load_default_table(), dispatcher)
    fp.update()   # once per flight cycle

Response sequences live in this package's responses/ folder (``<name>.seq``).
"""
from flight.fault.dispatch import ModeDispatcher, RecordingDispatcher
from flight.fault.engine import FaultProtection
from flight.fault.expr import GREEN, MONITOR_STATES, STALE, TRIPPED, UNKNOWN, ExpressionError, parse_condition
from flight.fault.monitors import Limits, Monitor, MonitorSpec
from flight.fault.responses import ACTIVE, DISABLED, PASSIVE, ResponseSpec
from flight.fault.tables import (
    DEFAULT_TABLE_PATH, RESPONSES_DIR, FaultTable, TableError, load_default_table, load_table, loads_table,
)

__all__ = [
    "ACTIVE", "DISABLED", "PASSIVE", "GREEN", "TRIPPED", "STALE", "UNKNOWN", "MONITOR_STATES",
    "DEFAULT_TABLE_PATH", "RESPONSES_DIR", "ExpressionError", "FaultProtection", "FaultTable",
    "Limits", "ModeDispatcher", "Monitor", "MonitorSpec", "RecordingDispatcher", "ResponseSpec",
    "TableError", "load_default_table", "load_table", "loads_table", "parse_condition",
]
