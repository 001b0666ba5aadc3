"""Hardware abstraction layer: device interfaces and backends.

``open_hal(url)`` picks the backend by one URL string (``sim://`` is the
default).  flight/ uses only the interfaces in hal.interfaces.
"""
from hal.errors import HalError, HalUrlError, DeviceBusyError  # noqa: F401
from hal.registry import known_schemes, open_hal, resolve_hal_url  # noqa: F401
