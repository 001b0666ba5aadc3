"""Telemetry and events: the bus, the crash-safe recorder, export and plots."""
