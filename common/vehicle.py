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
