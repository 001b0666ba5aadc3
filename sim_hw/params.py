"""Rover plant parameters (simulator only), with the source of every number.

"Assumption" marks a design choice of this project where no public figure
exists for our rover; docs/plant.md explains the reasoning.  Wheel order is
0 FL, 1 FR, 2 ML, 3 MR, 4 RL, 5 RR; steer index 0..3 -> wheels 0, 1, 4, 5.
Body frame: x forward, y left, z up.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from common.vehicle import VehicleGeometry

# Lunar surface gravity (NASA Moon fact sheet, 1.62 m/s^2).
LUNAR_G_MPS2 = 1.62
# Lunar soil values used for the Apollo LRV mobility analysis (Bekker 1969;
# Wong, "Theory of Ground Vehicles", lunar soil table; Carrier et al. 1991,
# Lunar Sourcebook ch. 9): n = 1, k_c = 1.4 kN/m^2, k_phi = 820 kN/m^3,
# c = 0.17 kPa, phi = 35 deg, K = 1.8 cm.
REGOLITH_N = 1.0
REGOLITH_KC_N_M2 = 1.4e3
REGOLITH_KPHI_N_M3 = 820e3
REGOLITH_C_PA = 170.0
REGOLITH_PHI_DEG = 35.0
REGOLITH_K_M = 0.018
# Solar constant at 1 AU (Kopp & Lean 2011, 1360.8 W/m^2).
SOLAR_CONSTANT_W_M2 = 1361.0
# Li-ion NMC cell open-circuit voltage at SOC 0, 10, ..., 100 %.  Assumption:
# a typical 18650 NMC discharge curve at C/20 (3.0 V cut-off, 4.18 V full).
CELL_OCV_V = (3.00, 3.45, 3.55, 3.62, 3.68, 3.74, 3.82, 3.90, 3.98, 4.07, 4.18)


@dataclass(frozen=True)
class RoverParams:
    """All plant and board-loop parameters of the simulated rover."""

    # --- Geometry: JPL Open Source Rover layout scaled to our wheels (assumption).
    wheel_x_m: tuple[float, ...] = (0.35, 0.35, 0.0, 0.0, -0.35, -0.35)
    wheel_y_m: tuple[float, ...] = (0.25, -0.25, 0.27, -0.27, 0.25, -0.25)
    wheel_radius_m: float = 0.10
    wheel_width_m: float = 0.08
    mass_kg: float = 40.0
    # Izz of a uniform 0.9 m x 0.6 m plate: m (L^2 + W^2) / 12.
    izz_kgm2: float = 40.0 * (0.9 ** 2 + 0.6 ** 2) / 12.0
    g_mps2: float = LUNAR_G_MPS2
    # --- Speed: 0.2 m/s top speed (VIPER 0.22 m/s per the brief) -> 2 rad/s wheel.
    max_wheel_mradps: int = 2000
    # --- Drive: 24 V class brushed DC motor + 150:1 gearbox (assumption; a
    # small 24 V gearmotor: 4500 rpm no-load -> ke = 24 / 471 V s/rad, 3 A stall).
    motor_r_ohm: float = 8.0
    motor_l_h: float = 2.0e-3
    motor_ke_vs_rad: float = 0.051
    gear_ratio: float = 150.0
    gear_eff: float = 0.70
    current_limit_a: float = 2.5
    rotor_j_kgm2: float = 3.0e-6
    wheel_j_kgm2: float = 4.0e-3  # 0.5 kg rim-heavy wheel, r = 0.1 m
    gear_friction_nm: float = 0.05  # Coulomb friction at the wheel (assumption)
    gear_friction_eps_radps: float = 0.05
    # 16-line encoder on the motor shaft, x4 decoding -> 64 counts per motor turn.
    counts_per_motor_rev: int = 64
    # --- Soil (see constants above) + our terramechanics extras (assumptions, docs/plant.md).
    soil_n: float = REGOLITH_N
    soil_kc_n_m2: float = REGOLITH_KC_N_M2
    soil_kphi_n_m3: float = REGOLITH_KPHI_N_M3
    soil_c_pa: float = REGOLITH_C_PA
    soil_phi_deg: float = REGOLITH_PHI_DEG
    soil_k_m: float = REGOLITH_K_M
    # Patch-to-patch soil variation: +-30 % (2 sigma) on the Bekker moduli and
    # on the shear parameters, correlated over ~10 m (assumption, docs/plant.md).
    soil_var_frac: float = 0.3
    soil_patch_m: float = 10.0
    grouser_h_m: float = 0.015  # 1.5 cm grousers on the rim (assumption; shear at the tips)
    dig_gain: float = 0.02  # dig-in: sinkage per metre of slip travel (assumption)
    cg_height_m: float = 0.25  # CG above the contact plane (assumption)
    belly_clearance_m: float = 0.15  # belly above ground, wheels on the surface (assumption)
    belly_area_m2: float = 0.3  # belly footprint 0.6 m x 0.5 m (assumption)
    soil_damp_n_s_m: float = 50.0
    soil_v_min_mps: float = 5.0e-4
    rr_eps_mps: float = 5.0e-3
    # Embedded: slip > 0.6 sustained (brief), for 3 s (assumption).
    embed_slip: float = 0.6
    embed_ms: int = 3000
    # --- Steering servos (assumption: hobby-class metal-gear servo, slowed).
    steer_rate_radps: float = 0.5
    steer_min_mrad: int = -1200
    steer_max_mrad: int = 1200
    # --- IMU (assumption: MEMS class, e.g. datasheet-typical 2 mg, 0.05 deg/s).
    accel_noise_mg: float = 2.0
    vib_mg_per_mps: float = 25.0
    gyro_noise_mdps: float = 50.0
    gyro_bias_mdps: float = 100.0
    # --- Visual odometry stand-in (sim_hw/vo.py; MER-class stereo VO, Maimone et
    # al. 2007: within ~2 % of distance).  Assumptions: 1 % scale (1 sigma, per
    # run), 2 % of each step as white noise per axis, 50 mdeg yaw per frame.
    vo_noise_frac: float = 0.02
    vo_scale_sigma_frac: float = 0.01
    vo_yaw_noise_mdeg: float = 50.0
    # --- Power: 8S Li-ion, 200 Wh (assumption), 0.2 ohm pack resistance.
    battery_capacity_wh: float = 200.0
    battery_r_ohm: float = 0.20
    battery_cells: int = 8
    battery_soc_init: float = 0.9
    avionics_w: float = 15.0  # computer, radio, IMU, drivers idle (assumption)
    # Vertical 0.5 m x 0.5 m triple-junction panel (28 % efficiency class),
    # facing the rover's rear.
    panel_area_m2: float = 0.25
    panel_efficiency: float = 0.28
    panel_normal_body_rad: float = math.pi
    # --- Electronics box (assumption: 2 kg Al + boards, MLI-wrapped).  It sees
    # the ground with view factor 0.5 (bottom and half the sides) and space with
    # the rest; absorptance x projected area toward the sun 0.005 m^2 (MLI outer
    # layer, alpha ~0.1 on a 0.05 m^2 face).  No heater: ~0 C over 220 K ground,
    # ~-15 C over a cold trap, ~+20 C in full sun (docs/plant.md).
    ebox_heat_cap_j_k: float = 2000.0
    ebox_eps_area_m2: float = 0.06
    ebox_ground_view: float = 0.5
    ebox_sun_abs_area_m2: float = 0.005
    ebox_heater_w: float = 20.0
    ebox_temp_init_c: float = 20.0
    # --- Board loops (csrc/core configs; tuned on this plant, docs/plant.md).
    board_period_ms: int = 10
    # Odometry integrates every 50 ms (the MOB_BODY telemetry period that
    # carries it), not at the 10 ms IMU rate: at the 0.1 rad/s turn rates of
    # the traverses the heading moves 5 mrad per step and the mid-step
    # integration error is O((w T)^2 / 24), 1e-6 of the distance, far below
    # slip; it spares the AVR's tick budget (docs/fixed_point.md).  Ours.
    odometry_period_ms: int = 50
    speed_window_ms: int = 20
    wheel_kp_q8: int = 2048  # 8 effort counts per mrad/s
    wheel_ki_q8: int = 13
    wheel_kd_q8: int = 0
    wheel_effort_max: int = 32767
    wheel_slew_q8: int = 512  # 2 mrad/s per ms: 0 -> 2 rad/s in 1 s
    stall_effort: int = 29000
    stall_speed_mradps: int = 100
    stall_ms: int = 500
    tilt_alpha_q15: int = 32113  # 0.98 per 10 ms update
    heater_kp_q8: int = 25600
    heater_ki_q8: int = 64
    heater_kd_q8: int = 0
    heater_min_temp_dc: int = -1000
    heater_max_temp_dc: int = 700
    heater_hysteresis_dc: int = 20
    heater_max_error_dcs: int = 3000
    heater_gain_dc: int = 10
    heater_gain_period_ms: int = 600_000
    heater_tick_ms: int = 100
    cell_ocv_v: tuple[float, ...] = field(default=CELL_OCV_V)

    @property
    def counts_per_wheel_rev(self) -> int:
        return int(round(self.counts_per_motor_rev * self.gear_ratio))

    @property
    def max_speed_mps(self) -> float:
        return self.max_wheel_mradps * 1e-3 * self.wheel_radius_m

    def vehicle_geometry(self) -> VehicleGeometry:
        """What the flight software is told about this rover (the sim:// HAL,
        and the geometry file the HIL launcher writes for emulated boards)."""
        return VehicleGeometry(
            wheel_x_m=tuple(float(x) for x in self.wheel_x_m),
            wheel_y_m=tuple(float(y) for y in self.wheel_y_m),
            wheel_radius_m=float(self.wheel_radius_m), max_wheel_mradps=int(self.max_wheel_mradps),
            steer_min_mrad=int(self.steer_min_mrad), steer_max_mrad=int(self.steer_max_mrad),
            counts_per_wheel_rev=int(self.counts_per_wheel_rev))

    def validate(self) -> None:
        """Raise ValueError naming the first field that is out of range."""
        for name in ("wheel_x_m", "wheel_y_m"):
            v = getattr(self, name)
            if len(v) != 6 or not all(math.isfinite(x) for x in v):
                raise ValueError(f"RoverParams.{name} must be 6 finite numbers, got {v!r}")
        if len(self.cell_ocv_v) != 11:
            raise ValueError("RoverParams.cell_ocv_v must have 11 entries (SOC 0..100 % by 10)")
        positive = ("wheel_radius_m", "wheel_width_m", "mass_kg", "izz_kgm2", "g_mps2",
                    "motor_r_ohm", "motor_l_h", "motor_ke_vs_rad", "gear_ratio", "gear_eff",
                    "current_limit_a", "wheel_j_kgm2", "gear_friction_eps_radps",
                    "counts_per_motor_rev", "soil_k_m", "soil_v_min_mps", "rr_eps_mps",
                    "soil_kphi_n_m3", "soil_n", "soil_patch_m", "cg_height_m",
                    "steer_rate_radps", "battery_capacity_wh", "ebox_heat_cap_j_k",
                    "board_period_ms", "heater_tick_ms", "max_wheel_mradps")
        for name in positive:
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"RoverParams.{name} must be > 0, got {v!r}")
        nonneg = ("soil_kc_n_m2", "soil_c_pa", "soil_var_frac", "grouser_h_m", "dig_gain",
                  "belly_clearance_m", "belly_area_m2", "soil_damp_n_s_m",
                  "gyro_bias_mdps", "gyro_noise_mdps", "accel_noise_mg", "vib_mg_per_mps",
                  "vo_noise_frac", "vo_scale_sigma_frac", "vo_yaw_noise_mdeg",
                  "ebox_sun_abs_area_m2")
        for name in nonneg:
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ValueError(f"RoverParams.{name} must be >= 0, got {v!r}")
        if not 0.0 <= self.ebox_ground_view <= 1.0:
            raise ValueError(f"RoverParams.ebox_ground_view must be in [0, 1], got {self.ebox_ground_view!r}")
        if not 0.0 <= self.soil_phi_deg < 90.0:
            raise ValueError(f"RoverParams.soil_phi_deg must be in [0, 90), got {self.soil_phi_deg!r}")
        if not 0.0 < self.soil_n <= 2.0:
            raise ValueError(f"RoverParams.soil_n must be in (0, 2], got {self.soil_n!r}")
        if not 0.0 <= self.soil_var_frac <= 0.9:
            raise ValueError(f"RoverParams.soil_var_frac must be in [0, 0.9], got {self.soil_var_frac!r}")
        if not 0 < self.gear_eff <= 1:
            raise ValueError(f"RoverParams.gear_eff must be in (0, 1], got {self.gear_eff!r}")
        if not 0.0 <= self.battery_soc_init <= 1.0:
            raise ValueError(f"RoverParams.battery_soc_init must be in [0, 1], got {self.battery_soc_init!r}")
        if not self.steer_min_mrad <= 0 <= self.steer_max_mrad:
            raise ValueError("RoverParams.steer_min_mrad <= 0 <= steer_max_mrad must hold")
        if not (isinstance(self.odometry_period_ms, int) and 1 <= self.odometry_period_ms <= 100):
            raise ValueError(f"RoverParams.odometry_period_ms must be in 1..100, got {self.odometry_period_ms!r}")
        if not 1 <= self.speed_window_ms <= 64:
            raise ValueError(f"RoverParams.speed_window_ms must be in 1..64, got {self.speed_window_ms!r}")


@dataclass(frozen=True)
class PayloadParams:
    """The payload board's sintering-head heater loop (docs/firmware.md section 4).

    Assumptions of this project (no public figure exists for this head):
    100 ms ticks; kp 64 duty counts per deci-C, so full power up to 5 C below
    the target; ki 0.25 per deci-C per tick; guard: below -100 C (open
    thermocouple) or above 1600 C trips, a 5 C holding band with a 50 C s
    error budget, and a rise of 2 C per 20 s while heating flat out (the
    Marlin/Klipper watch-period idea, scaled to the head's thermal mass).
    The highest target is the dictionary's (common/dictionary/rover.toml [[heater]]).
    """

    heater_kp_q8: int = 16384
    heater_ki_q8: int = 64
    heater_kd_q8: int = 0
    heater_min_temp_dc: int = -1000
    heater_max_temp_dc: int = 16000
    heater_hysteresis_dc: int = 50
    heater_max_error_dcs: int = 5000
    heater_gain_dc: int = 20
    heater_gain_period_ms: int = 20_000
    heater_tick_ms: int = 100
