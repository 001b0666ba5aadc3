/*
 * Mobility plant wiring (host port only).  The plant is csrc/plant driven
 * through struct sim with effort_override set: the simulator's own board
 * loops are bypassed and the firmware's PWM efforts drive the motors, the
 * firmware's servo commands drive the steering, and every encoder edge the
 * plant produces is replayed, in order, into the firmware's decoder as a pin
 * change (what an encoder interrupt would see).
 *
 * The parameters are the defaults of sim_hw/params.py (RoverParams) and must
 * be kept in step with it.
 */
#include <math.h>
#include "port_host.h"

void mob_plant_params(struct sim_params *p)
{
	static const double ocv[11] = { 3.00, 3.45, 3.55, 3.62, 3.68, 3.74, 3.82, 3.90, 3.98, 4.07, 4.18 };
	static const double wx[6] = { 0.35, 0.35, 0.0, 0.0, -0.35, -0.35 };
	static const double wy[6] = { 0.25, -0.25, 0.27, -0.27, 0.25, -0.25 };
	int i;

	p->motor.r_ohm = 8.0;
	p->motor.l_h = 2.0e-3;
	p->motor.ke_vs_rad = 0.051;
	p->motor.gear_ratio = 150.0;
	p->motor.gear_eff = 0.70;
	p->motor.i_limit_a = 2.5;
	p->motor.j_rotor_kgm2 = 3.0e-6;
	p->motor.j_wheel_kgm2 = 4.0e-3;
	p->motor.fric_nm = 0.05;
	p->motor.fric_eps_radps = 0.05;
	p->soil.kc_n_m2 = 1.4e3;
	p->soil.kphi_n_m3 = 820e3;
	p->soil.c_pa = 170.0;
	p->soil.tan_phi = tan(34.0 * 3.14159265358979323846 / 180.0);
	p->soil.k_m = 0.018;
	p->soil.grouser_len_m = 0.05;
	p->soil.slip_sink_gain = 0.5;
	p->soil.damp_n_s_m = 50.0;
	p->soil.v_min_mps = 5.0e-4;
	p->soil.rr_eps_mps = 5.0e-3;
	p->body.mass_kg = 40.0;
	p->body.izz_kgm2 = 40.0 * (0.9 * 0.9 + 0.6 * 0.6) / 12.0;
	p->body.g_mps2 = 1.62;
	for (i = 0; i < 6; i++) {
		p->body.wx_m[i] = wx[i];
		p->body.wy_m[i] = wy[i];
		p->odom_geom.wheel_x_mm[i] = (int32_t)lround(wx[i] * 1000.0);
		p->odom_geom.wheel_y_mm[i] = (int32_t)lround(wy[i] * 1000.0);
	}
	p->servo.rate_radps = 0.5;
	p->servo.min_rad = -1.2;
	p->servo.max_rad = 1.2;
	p->imu.accel_noise_mg = 2.0;
	p->imu.vib_mg_per_mps = 25.0;
	p->imu.gyro_noise_mdps = 50.0;
	p->imu.gyro_bias_mdps = 100.0;
	p->batt.capacity_j = 200.0 * 3600.0;
	p->batt.r_int_ohm = 0.20;
	for (i = 0; i < 11; i++)
		p->batt.ocv_v[i] = ocv[i] * 8;
	p->batt.soc_init = 0.9;
	p->solar.area_m2 = 0.25;
	p->solar.efficiency = 0.28;
	p->solar.irradiance_w_m2 = 1361.0;
	p->solar.normal_body_rad = 3.14159265358979323846;
	p->ebox.heat_cap_j_k = 2000.0;
	p->ebox.eps_area_m2 = 0.06;
	p->ebox.heater_max_w = 20.0;
	p->ebox.temp_init_k = 20.0 + 273.15;
	/* the simulator's board loops are bypassed (effort_override); these
	 * only keep sim_init's checks satisfied */
	p->wheel_cfg.kp_q8 = 2048;
	p->wheel_cfg.ki_q8 = 13;
	p->wheel_cfg.effort_max = 32767;
	p->wheel_cfg.slew_q8 = 512;
	p->heater_cfg = mob_heater_cfg;
	p->tilt_cfg.alpha_q15 = 32113;
	p->wheel_radius_m = 0.10;
	p->wheel_width_m = 0.08;
	p->avionics_w = 15.0;
	p->embed_slip = 0.6;
	p->embed_ms = 3000;
	p->counts_per_motor_rev = 64;
	p->board_period_ms = 10;
	p->speed_window_ms = 20;
}

void mob_plant_step(struct port *p)
{
	struct sim *s = p->sim;
	int64_t before[6];
	int i;

	s->inp.effort_override = 1;
	for (i = 0; i < 6; i++) {
		s->inp.effort_cmd[i] = p->pwm[PORT_PWM_WHEEL0 + i];
		before[i] = s->enc[i].edge_pos;
	}
	for (i = 0; i < 4; i++)
		s->inp.steer_target_mrad[i] = p->servo_mrad[i];
	/* e-box heater: the firmware's duty, not the simulator's own loop */
	s->ebox.heater_w = (p->pwm[PORT_PWM_HEATER0] > 0 ? p->pwm[PORT_PWM_HEATER0] : 0) / 32767.0 *
			   s->p.ebox.heater_max_w;
	sim_step(s, 1);
	s->ebox.heater_w = (p->pwm[PORT_PWM_HEATER0] > 0 ? p->pwm[PORT_PWM_HEATER0] : 0) / 32767.0 *
			   s->p.ebox.heater_max_w;
	for (i = 0; i < 6; i++) {
		int64_t q = before[i], to = s->enc[i].edge_pos;

		while (q < to)
			fw_encoder_edge(p->fw, (uint8_t)i, enc_ab(++q));
		while (q > to)
			fw_encoder_edge(p->fw, (uint8_t)i, enc_ab(--q));
	}
}
