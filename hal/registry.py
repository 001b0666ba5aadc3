"""Backend selection by URL scheme, resolved lazily (a backend's imports
happen only when its scheme is used).  Unknown schemes are an error naming
the known ones; there is never a silent fallback to the simulator."""
from __future__ import annotations

import importlib
import os
from urllib.parse import parse_qs, urlsplit

from hal.errors import HalUrlError

ENV_VAR = "ROVER_HAL"
DEFAULT_SEED = 1

# scheme -> "module:function" taking (url, parsed params) and returning a Hal
_BACKENDS: dict[str, str] = {
    "sim": "hal.backends.sim:open_sim",
    "board": "hal.backends.board:open_board",      # a set of boards: board://?mobility=PORT&payload=PORT
    "serial": "hal.backends.board:open_serial",    # one board: serial:///dev/ttyACM0?role=mobility
    "bench": "hal.backends.board:open_bench",      # a bench file: bench://bench.toml
}


# Sensors a board bench may add beside its boards, by kind -> "module:function"
# taking (source, params, where).  "truth": visual odometry emulated from the
# plant truth an emulated mobility board streams (vo_truth=SOCKET, docs/hil.md
# section 13): a simulated-hardware plugin, reached here as sim:// is.
_VO_SOURCES: dict[str, str] = {
    "truth": "hal.backends.emulated_vo:open_truth_vo",
}


def open_vo_source(kind: str, source: str, params: dict, where: str):
    """The VisualOdometry device of a bench (lazily imported, like a backend)."""
    target = _VO_SOURCES.get(kind)
    if target is None:
        raise HalUrlError(f"{where}: unknown visual-odometry source {kind!r}; known: "
                          f"{', '.join(sorted(_VO_SOURCES))}")
    mod_name, func_name = target.split(":")
    return getattr(importlib.import_module(mod_name), func_name)(source, params, where)


def known_schemes() -> tuple[str, ...]:
    return tuple(sorted(_BACKENDS))


def parse_hal_url(url: str) -> tuple[str, str, dict[str, str]]:
    """-> (scheme, netloc+path, params).  Repeated parameters are an error."""
    if not isinstance(url, str) or not url.strip():
        raise HalUrlError(f"HAL URL must be a non-empty string, got {url!r}")
    parts = urlsplit(url.strip())
    if not parts.scheme:
        raise HalUrlError(f"HAL URL {url!r} has no scheme; known schemes: "
                          f"{', '.join(s + '://' for s in known_schemes())}")
    params: dict[str, str] = {}
    for key, values in parse_qs(parts.query, keep_blank_values=True, strict_parsing=False).items():
        if len(values) != 1:
            raise HalUrlError(f"HAL URL {url!r}: parameter {key!r} given {len(values)} times")
        params[key] = values[0]
    return parts.scheme.lower(), parts.netloc + parts.path, params


def resolve_hal_url(url: str | None = None, *, seed: int = DEFAULT_SEED,
                    source: str = "HAL URL") -> str:
    """The one default-HAL rule, used by every entry point: the explicit URL
    if one was given, else $ROVER_HAL, else ``sim://?seed=SEED``.  An empty
    URL (``--hal ""`` or ``ROVER_HAL=``) is an error, never the simulator.
    ``source`` names where an explicit URL came from (e.g. ``--hal``)."""
    if url is not None:
        where = source
    elif ENV_VAR in os.environ:
        url, where = os.environ[ENV_VAR], f"${ENV_VAR}"
    else:
        return f"sim://?seed={int(seed)}"
    if not isinstance(url, str) or not url.strip():
        raise HalUrlError(f"{where} is empty; give a HAL URL such as sim://?seed=1 or "
                          f"serial:///dev/ttyACM0?role=mobility&geometry=FILE "
                          f"(known schemes: {', '.join(s + '://' for s in known_schemes())})")
    return url.strip()


def open_hal(url: str | None = None, **overrides):
    """Open the HAL named by ``url``, resolved by :func:`resolve_hal_url`."""
    url = resolve_hal_url(url)
    scheme, where, params = parse_hal_url(url)
    target = _BACKENDS.get(scheme)
    if target is None:
        raise HalUrlError(f"unknown HAL scheme {scheme!r} in {url!r}; known schemes: "
                          f"{', '.join(s + '://' for s in known_schemes())}")
    mod_name, func_name = target.split(":")
    factory = getattr(importlib.import_module(mod_name), func_name)
    params.update({k: str(v) for k, v in overrides.items()})
    return factory(url, where, params)
