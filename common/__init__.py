"""The shared bottom layer: what every other layer may import and what imports
nothing above it.  The command/telemetry/event dictionary and the tables
generated from it, units, wire and packet formats, clock types, the vehicle's
naming conventions, and the one private compiled extension (``common._native``:
the portable C core, link codec and simulator plant, built at install time)."""
