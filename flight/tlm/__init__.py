"""Telemetry and events on board: the bus and the crash-safe recorder (reading
runs back, export and plots are ground tools: ground.tlm)."""
