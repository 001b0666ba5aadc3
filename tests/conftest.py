"""Shared pytest configuration: hypothesis profiles and the fixtures more than
one test module uses.  Markers are registered in pyproject.toml."""
import os

import pytest
from hypothesis import HealthCheck, settings

# CI: derandomised (the same examples every run, so a red CI is reproducible)
# and no per-example deadline (a loaded 2-core machine must not fail a test).
# Local runs: random, more examples, to find new failures.  HYPOTHESIS_PROFILE
# picks one explicitly.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def fw_exe(tmp_path_factory):
    """The host-built board firmware, built once per test process (each xdist
    worker has its own build directory, so parallel builds never race)."""
    from ground import hil_launcher as L
    return L.build_firmware(tmp_path_factory.mktemp("fwbuild"))
