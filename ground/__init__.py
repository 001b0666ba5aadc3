"""Ground tools: everything that drives, watches or measures the flight
software from outside it.  The `rover` command line, the mission runner,
telemetry export and plots, the HIL launcher, benchmarks and the pytest
bench plugin.  Nothing in flight/, hal/ or sim_hw/ imports this package."""
