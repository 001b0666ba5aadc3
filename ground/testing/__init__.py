"""Test-bench API: a pytest plugin that commands the rover by dictionary names
and awaits telemetry and events on simulated time, against any HAL."""
from .bench import BenchTimeout, RoverBench  # noqa: F401
