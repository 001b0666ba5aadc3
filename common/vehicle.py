"""The vehicle's naming conventions and geometry record, shared by every layer.

Wheel order everywhere: 0 front-left, 1 front-right, 2 middle-left,
3 middle-right, 4 rear-left, 5 rear-right.  Steered corners are wheels
0, 1, 4, 5 (steering index 0..3).  Body frame: x forward, y left, z up;
yaw counter-clockwise from world +x (east).
"""
from __future__ import annotations

from dataclasses import dataclass

WHEEL_NAMES = ("fl", "fr", "ml", "mr", "rl", "rr")
STEER_NAMES = ("fl", "fr", "rl", "rr")
STEER_WHEEL_INDEX = (0, 1, 4, 5)


@dataclass(frozen=True)
class VehicleGeometry:
    """What the flight software needs to know about the vehicle it drives.
    The backend supplies it (simulator parameters or a board's config)."""
    wheel_x_m: tuple[float, ...]      # contact points, body frame, wheel order above
    wheel_y_m: tuple[float, ...]
    wheel_radius_m: float
    max_wheel_mradps: int             # wheel speed command limit
    steer_min_mrad: int
    steer_max_mrad: int
    counts_per_wheel_rev: int


class GeometryError(ValueError):
    """A geometry file or table that does not describe a rover."""


_GEOMETRY_FIELDS = {f: t for f, t in VehicleGeometry.__annotations__.items()}


def geometry_from_mapping(raw, where: str) -> VehicleGeometry:
    """A VehicleGeometry from a TOML table; ``where`` names the source in errors."""
    if not isinstance(raw, dict):
        raise GeometryError(f"{where}: geometry must be a table of "
                            f"{', '.join(_GEOMETRY_FIELDS)}")
    missing = [k for k in _GEOMETRY_FIELDS if k not in raw]
    extra = sorted(set(raw) - set(_GEOMETRY_FIELDS))
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + \
                ([f"unknown {', '.join(extra)}"] if extra else [])
        raise GeometryError(f"{where}: geometry {'; '.join(parts)}")
    g = {}
    for k in ("wheel_x_m", "wheel_y_m"):
        v = raw[k]
        if (not isinstance(v, list) or len(v) != len(WHEEL_NAMES)
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)):
            raise GeometryError(f"{where}: {k} must be a list of {len(WHEEL_NAMES)} numbers "
                                f"(wheels {', '.join(WHEEL_NAMES)})")
        g[k] = tuple(float(x) for x in v)
    r = raw["wheel_radius_m"]
    if not isinstance(r, (int, float)) or isinstance(r, bool) or not 0 < r < 10:
        raise GeometryError(f"{where}: wheel_radius_m must be a number in (0, 10) m, got {r!r}")
    g["wheel_radius_m"] = float(r)
    for k in ("max_wheel_mradps", "steer_min_mrad", "steer_max_mrad", "counts_per_wheel_rev"):
        v = raw[k]
        if not isinstance(v, int) or isinstance(v, bool):
            raise GeometryError(f"{where}: {k} must be an integer, got {v!r}")
        g[k] = v
    if g["max_wheel_mradps"] <= 0 or g["counts_per_wheel_rev"] <= 0:
        raise GeometryError(f"{where}: max_wheel_mradps and counts_per_wheel_rev must be > 0")
    if not g["steer_min_mrad"] < 0 < g["steer_max_mrad"]:
        raise GeometryError(f"{where}: need steer_min_mrad < 0 < steer_max_mrad, got "
                            f"{g['steer_min_mrad']}..{g['steer_max_mrad']}")
    return VehicleGeometry(**g)


def load_geometry(path) -> VehicleGeometry:
    """Read a geometry file: a TOML file whose top level (or ``[geometry]``
    table) holds the VehicleGeometry fields."""
    import tomllib
    from pathlib import Path

    from common.files import FileReadError, read_regular_file
    path = Path(path)
    try:
        raw = tomllib.loads(read_regular_file(path, 64 * 1024).decode("utf-8"))
    except FileNotFoundError:
        raise GeometryError(f"geometry file {path} not found") from None
    except (OSError, FileReadError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise GeometryError(f"geometry file {path}: {e}") from None
    return geometry_from_mapping(raw.get("geometry", raw), f"geometry file {path}")


def geometry_toml(g: VehicleGeometry) -> str:
    """The text of a geometry file for ``g`` (what load_geometry reads)."""
    def fmt(v):
        if isinstance(v, tuple):
            return "[" + ", ".join(repr(float(x)) for x in v) + "]"
        return repr(v)
    return "".join(f"{k} = {fmt(getattr(g, k))}\n" for k in _GEOMETRY_FIELDS)
