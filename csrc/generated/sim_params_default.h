/*
 * GENERATED from sim_hw/params.py (RoverParams defaults) - do not edit.
 * Regenerate with: python -m sim_hw.params_c -o csrc/generated/sim_params_default.h
 *
 * The simulated rover's plant parameters for C outside the Python extension
 * (the emulated boards' host port), so both run the same plant.
 */
#ifndef ROVER_SIM_PARAMS_DEFAULT_H
#define ROVER_SIM_PARAMS_DEFAULT_H

#include "sim/sim.h"

static inline void sim_params_default(struct sim_params *p)
{
	p->motor.r_ohm = 8.0;
	p->motor.l_h = 0.002;
	p->motor.ke_vs_rad = 0.051;
	p->motor.gear_ratio = 150.0;
	p->motor.gear_eff = 0.7;
	p->motor.i_limit_a = 2.5;
	p->motor.j_rotor_kgm2 = 3e-06;
	p->motor.j_wheel_kgm2 = 0.004;
	p->motor.fric_nm = 0.05;
	p->motor.fric_eps_radps = 0.05;
	p->motor.j_eff_kgm2 = 0.0;
	p->motor.inv_j_eff = 0.0;
	p->motor.i_a_coef = 0.0;
	p->motor.i_b_coef = 0.0;
	p->motor.kt_wheel_nm_a = 0.0;
	p->motor.ke_wheel_vs_rad = 0.0;
	p->motor.inv_fric_eps = 0.0;
	p->soil.n = 1.0;
	p->soil.kc = 1400.0;
	p->soil.kphi = 820000.0;
	p->soil.c_pa = 170.0;
	p->soil.tan_phi = 0.7002075382097097;
	p->soil.k_m = 0.018;
	p->soil.grouser_h_m = 0.015;
	p->soil.dig_gain = 0.02;
	p->soil.damp_n_s_m = 50.0;
	p->soil.v_min_mps = 0.0005;
	p->soil.rr_eps_mps = 0.005;
	p->soil.inv_rr_eps = 0.0;
	p->body.mass_kg = 40.0;
	p->body.izz_kgm2 = 3.9;
	p->body.g_mps2 = 1.62;
	p->body.wx_m[0] = 0.35;
	p->body.wx_m[1] = 0.35;
	p->body.wx_m[2] = 0.0;
	p->body.wx_m[3] = 0.0;
	p->body.wx_m[4] = -0.35;
	p->body.wx_m[5] = -0.35;
	p->body.wy_m[0] = 0.25;
	p->body.wy_m[1] = -0.25;
	p->body.wy_m[2] = 0.27;
	p->body.wy_m[3] = -0.27;
	p->body.wy_m[4] = 0.25;
	p->body.wy_m[5] = -0.25;
	p->body.inv_mass = 0.0;
	p->body.inv_izz = 0.0;
	p->servo.rate_radps = 0.5;
	p->servo.min_rad = -1.2;
	p->servo.max_rad = 1.2;
	p->imu.accel_noise_mg = 2.0;
	p->imu.vib_mg_per_mps = 25.0;
	p->imu.gyro_noise_mdps = 50.0;
	p->imu.gyro_bias_mdps = 100.0;
	p->batt.capacity_j = 720000.0;
	p->batt.r_int_ohm = 0.2;
	p->batt.ocv_v[0] = 24.0;
	p->batt.ocv_v[1] = 27.6;
	p->batt.ocv_v[2] = 28.4;
	p->batt.ocv_v[3] = 28.96;
	p->batt.ocv_v[4] = 29.44;
	p->batt.ocv_v[5] = 29.92;
	p->batt.ocv_v[6] = 30.56;
	p->batt.ocv_v[7] = 31.2;
	p->batt.ocv_v[8] = 31.84;
	p->batt.ocv_v[9] = 32.56;
	p->batt.ocv_v[10] = 33.44;
	p->batt.soc_init = 0.9;
	p->solar.area_m2 = 0.25;
	p->solar.efficiency = 0.28;
	p->solar.irradiance_w_m2 = 1361.0;
	p->solar.normal_body_rad = 3.141592653589793;
	p->ebox.heat_cap_j_k = 2000.0;
	p->ebox.eps_area_m2 = 0.06;
	p->ebox.heater_max_w = 20.0;
	p->ebox.temp_init_k = 293.15;
	p->ebox.ground_view = 0.5;
	p->ebox.sun_abs_area_m2 = 0.005;
	p->wheel_radius_m = 0.1;
	p->wheel_width_m = 0.08;
	p->cg_height_m = 0.25;
	p->belly_clearance_m = 0.15;
	p->belly_area_m2 = 0.3;
	p->avionics_w = 15.0;
	p->embed_slip = 0.6;
	p->embed_ms = 3000;
	p->counts_per_motor_rev = 64;
	p->plant_period_ms = 10;
	p->thermal_period_ms = 100;
}

#endif
