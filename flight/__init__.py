"""Flight software: sequencer, modes, fault protection, rover, ISRU printer, telemetry, CLI.

flight/ talks to hardware only through hal/ interfaces; it never reads wall
time (a clock is injected) and never imports a HAL backend or hal._native.
"""
