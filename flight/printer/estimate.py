"""Time, energy and regolith before printing.  Every figure used is in
docs/printer.md section 3 with its source or labelled as our assumption."""
from __future__ import annotations

from dataclasses import dataclass

from flight.printer.geometry import region_area
from flight.printer.toolpath import Plan

REGOLITH_BULK_G_CM3 = 1.50      # Carrier et al. 1991 (Lunar Sourcebook ch. 9), top 15 cm
PLATE_AREA_MM2 = 200.0 * 200.0  # each layer is spread over the whole plate
RECOAT_S = 20.0                 # our assumption: recoater pass + Z lower
PREHEAT_S = 150.0               # from the head model: ambient -> 1100 C
COOLDOWN_S = 600.0              # below 200 C before the plate may be touched
PRINTER_BASE_W = 12.0           # gantry holding current + payload electronics
# Electric (bench) head, the lumped model of docs/firmware.md section 4:
# radiation eps*A = 2e-4 m^2 to a 100 K sink, 0.02 W/K to a 250 K mount.
HEAD_EPS_AREA_M2 = 2e-4
HEAD_G_W_K = 0.02
SIGMA = 5.670374419e-8           # Stefan-Boltzmann, CODATA 2018


def head_hold_w(temp_c: float) -> float:
    """Electric power that holds the bench head at temp_c (its losses)."""
    t = temp_c + 273.15
    return HEAD_EPS_AREA_M2 * SIGMA * (t**4 - 100.0**4) + HEAD_G_W_K * (t - 250.0)


@dataclass
class Estimate:
    layers: int
    time_s: float
    sinter_len_m: float
    travel_len_m: float
    electric_energy_wh: float
    electric_energy_heater_wh: float
    brick_mass_g: float
    powder_spread_g: float

    def lines(self) -> list[str]:
        h, rem = divmod(int(round(self.time_s)), 3600)
        return [
            f"layers            {self.layers}",
            f"print time        {h} h {rem // 60:02d} min ({self.time_s:.0f} s)",
            f"sinter path       {self.sinter_len_m:.2f} m, travel {self.travel_len_m:.2f} m",
            f"energy (solar)    {self.electric_energy_wh:.1f} Wh electric",
            f"energy (electric head) {self.electric_energy_heater_wh:.1f} Wh",
            f"regolith          {self.brick_mass_g:.0f} g in the brick, "
            f"{self.powder_spread_g:.0f} g spread (unsintered powder returns to the hopper)",
        ]


def estimate(plan: Plan) -> Estimate:
    s = plan.settings
    sinter = sum(layer.sinter_len_mm for layer in plan.layers)
    travel = sum(layer.travel_len_mm for layer in plan.layers)
    scan_s = sinter / s.scan_mmps + travel / s.travel_mmps
    time_s = PREHEAT_S + scan_s + RECOAT_S * len(plan.layers) + COOLDOWN_S
    area_mm2 = 0.0
    for layer in plan.layers:
        if layer.region:
            area_mm2 += region_area(layer.region)
        else:       # G-code: sintered tracks are spot-wide
            area_mm2 += layer.sinter_len_mm * min(s.spot_mm, s.hatch_mm)
    vol_cm3 = area_mm2 * s.layer_mm / 1000.0
    base_wh = PRINTER_BASE_W * time_s / 3600.0
    heat_wh = head_hold_w(s.sinter_c) * (PREHEAT_S + scan_s + RECOAT_S * len(plan.layers)) / 3600.0
    return Estimate(len(plan.layers), time_s, sinter / 1000.0, travel / 1000.0, base_wh,
                    base_wh + heat_wh, vol_cm3 * REGOLITH_BULK_G_CM3,
                    PLATE_AREA_MM2 * s.layer_mm * len(plan.layers) / 1000.0 * REGOLITH_BULK_G_CM3)
