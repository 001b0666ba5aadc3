"""pytest plugin (registered through the ``pytest11`` entry point).

Options: ``--hal URL`` (else $ROVER_HAL, else ``sim://?seed=1``).
Fixtures: ``rover`` (a booted RoverBench, one fresh flight software per test)
and ``rover_unbooted`` (before the boot sequence has run).
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("rover", "rover HIL bench")
    group.addoption("--hal", action="store", default=None,
                    help="HAL URL for the rover fixture (default $ROVER_HAL or sim://?seed=1)")


def _hal_url(config) -> str:
    from hal import resolve_hal_url
    return resolve_hal_url(config.getoption("--hal"), source="--hal")


@pytest.fixture
def rover_hal_url(request) -> str:
    return _hal_url(request.config)


@pytest.fixture
def rover_unbooted(rover_hal_url):
    from flight.system import FlightSystem
    from ground.testing.bench import RoverBench
    from hal import open_hal

    hal = open_hal(rover_hal_url)
    try:
        yield RoverBench(FlightSystem(hal))
    finally:
        hal.close()


@pytest.fixture
def rover(rover_unbooted):
    rover_unbooted.boot()
    return rover_unbooted
