"""Flight software: sequencer, modes, fault protection, rover, ISRU printer, telemetry bus and recorder.

flight/ talks to hardware only through hal/ interfaces; it never reads wall
time (a clock is injected) and never imports a HAL backend, common._native, sim_hw or the ground tools.
"""
