"""Driving speed limits: a flat-ground maximum and a slower speed on tilted ground.

Sources for the defaults (docs/driving.md has the reasoning):
- VIPER's top speed is 0.22 m/s; our rover is smaller, so 0.20 m/s on the flat.
- Yutu-2's maximum is 200 m/h (0.056 m/s); used as the crawl speed on the
  steepest ground we still drive.
- Operable slopes reach about 15 deg; more than 20-25 deg is no-go for a small
  rover, so the navigator's tilt hazard stop defaults to the dictionary's
  ``hazard_tilt_deg`` limit (20 deg), which the firmware shares.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from common.dictionary import default_dictionary

VIPER_MAX_SPEED_MPS = 0.22        # NASA VIPER top speed
YUTU2_MAX_SPEED_MPS = 200.0 / 3600.0   # Yutu-2: 200 m/h
DEFAULT_MAX_SPEED_MPS = 0.20
DEFAULT_SLOW_TILT_DEG = 8.0       # full speed up to here
DEFAULT_CRAWL_TILT_DEG = 15.0     # operable-slope limit: crawl speed from here on
DEFAULT_HAZARD_TILT_DEG = default_dictionary().limit("hazard_tilt_deg")   # stop: no-go beyond
DEFAULT_MAX_YAW_RATE_RADPS = math.radians(10.0)   # point turns: slow, low scrub loads


class LimitError(ValueError):
    """A limit configuration or a commanded value outside the configured limits."""


@dataclass(frozen=True)
class SpeedLimits:
    max_speed_mps: float = DEFAULT_MAX_SPEED_MPS
    crawl_speed_mps: float = YUTU2_MAX_SPEED_MPS
    slow_tilt_deg: float = DEFAULT_SLOW_TILT_DEG
    crawl_tilt_deg: float = DEFAULT_CRAWL_TILT_DEG
    hazard_tilt_deg: float = DEFAULT_HAZARD_TILT_DEG
    max_yaw_rate_radps: float = DEFAULT_MAX_YAW_RATE_RADPS

    def __post_init__(self):
        for name in ("max_speed_mps", "crawl_speed_mps", "slow_tilt_deg", "crawl_tilt_deg",
                     "hazard_tilt_deg", "max_yaw_rate_radps"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise LimitError(f"{name}={v!r} must be a finite number > 0")
        if self.crawl_speed_mps > self.max_speed_mps:
            raise LimitError(f"crawl_speed_mps={self.crawl_speed_mps} must be <= "
                             f"max_speed_mps={self.max_speed_mps}")
        if not self.slow_tilt_deg < self.crawl_tilt_deg <= self.hazard_tilt_deg <= 90.0:
            raise LimitError("tilts must satisfy slow_tilt_deg < crawl_tilt_deg <= "
                             f"hazard_tilt_deg <= 90 (got {self.slow_tilt_deg}, "
                             f"{self.crawl_tilt_deg}, {self.hazard_tilt_deg})")

    def speed_limit_mps(self, tilt_deg: float) -> float:
        """Allowed speed at this tilt (max |pitch|, |roll|): full speed up to
        slow_tilt_deg, linear down to crawl speed at crawl_tilt_deg, crawl beyond
        (the hazard stop is the navigator's job)."""
        t = abs(tilt_deg)
        if t <= self.slow_tilt_deg:
            return self.max_speed_mps
        if t >= self.crawl_tilt_deg:
            return self.crawl_speed_mps
        f = (t - self.slow_tilt_deg) / (self.crawl_tilt_deg - self.slow_tilt_deg)
        return self.max_speed_mps + f * (self.crawl_speed_mps - self.max_speed_mps)

    def check_speed(self, speed_mps: float, name: str = "speed_mps") -> float:
        """Refuse (never clamp) a requested speed outside 0 < speed <= max."""
        try:
            v = float(speed_mps)
        except (TypeError, ValueError):
            raise LimitError(f"{name}={speed_mps!r} is not a number") from None
        if not math.isfinite(v) or v <= 0.0 or v > self.max_speed_mps:
            raise LimitError(f"{name}={speed_mps!r} out of range; allowed "
                             f"0 < {name} <= {self.max_speed_mps} m/s")
        return v
