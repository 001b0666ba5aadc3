"""Shared pytest configuration."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "boards: runs against emulated boards (host firmware on ptys); "
                   "deselect with -m 'not boards'")
