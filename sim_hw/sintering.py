"""Plant models of the printer's process (simulator only): the degree of
sintering of a track from its temperature and dwell (the law itself is
common/sintering.py, which the flight software's quality estimate shares),
the powder the recoater takes from the hopper, and the powder bed.
docs/printer.md section 6.
"""
from __future__ import annotations

from common.sintering import (DWELL_REF_S, EA_J_MOL, K0_PER_S, R_J_MOL_K,  # noqa: F401
                              REGOLITH_BULK_G_CM3, T_REF_K, X_REF, degree, rate_per_s,
                              track_quality)


class Hopper:
    """Sieved regolith in the hopper: each recoat spreads plate area x layer
    of powder; what is not sintered falls back into the hopper's return bin
    (not back into the hopper: the level only goes down)."""

    def __init__(self, capacity_g: float = 5000.0, level_g: float | None = None):
        if not capacity_g > 0:
            raise ValueError(f"Hopper: capacity_g must be positive, got {capacity_g!r}")
        self.capacity_g = float(capacity_g)
        self.level_g = self.capacity_g if level_g is None else float(level_g)
        if not 0.0 <= self.level_g <= self.capacity_g:
            raise ValueError(f"Hopper: level {self.level_g} g outside 0..{self.capacity_g} g")

    @property
    def level_pct(self) -> float:
        return 100.0 * self.level_g / self.capacity_g

    def recoat(self, plate_area_mm2: float, layer_mm: float) -> float:
        """Spread one layer; returns the grams actually spread (less when the
        hopper runs out: a short layer)."""
        want = plate_area_mm2 * layer_mm / 1000.0 * REGOLITH_BULK_G_CM3
        got = min(want, self.level_g)
        self.level_g -= got
        return got


PLATE_AREA_MM2 = 200.0 * 200.0   # the build plate (docs/printer.md section 3)
Z_STEPS_PER_MM = 400.0           # the payload board's Z axis (docs/printer.md section 7)
R_STEPS_PER_MM = 80.0            # the recoater axis


class PowderBed:
    """The powder on the build plate, fed from the hopper by the recoater.

    The plate sits ``depth_mm`` below the recoater blade (the Z axis, positive
    down).  A forward pass of the recoater across the plate fills the bed up
    to the blade: it spreads plate area x (depth - what is already there) of
    powder from the hopper, or what the hopper has left.  Raising the plate
    above the powder (homing Z) scrapes the excess off.  The sintered part is
    counted as powder (sintering shrinkage is ignored, as in the estimate)."""

    def __init__(self, hopper: Hopper, plate_area_mm2: float = PLATE_AREA_MM2):
        self.hopper = hopper
        self.area_mm2 = float(plate_area_mm2)
        self.filled_mm = 0.0            # powder column on the plate
        self.spread_g = 0.0             # total taken from the hopper
        self.passes = 0
        self._r_prev_mm = 0.0

    def update(self, depth_mm: float, recoater_mm: float) -> None:
        """The gantry's true positions now (called after every block)."""
        depth = max(depth_mm, 0.0)
        if self.filled_mm > depth:
            self.filled_mm = depth
        if self._r_prev_mm < self.area_mm2 ** 0.5 <= recoater_mm:    # crossed the far edge
            gap_mm = depth - self.filled_mm
            if gap_mm > 0.0:
                got = self.hopper.recoat(self.area_mm2, gap_mm)
                self.spread_g += got
                self.filled_mm += got / REGOLITH_BULK_G_CM3 * 1000.0 / self.area_mm2
            self.passes += 1
        self._r_prev_mm = recoater_mm
