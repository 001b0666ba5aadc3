/*
 * Batched stepping of the simulated rover's plant.  The boards' firmware
 * runs on it through csrc/sim/boards.c.
 */
#include <math.h>
#include "sim.h"
#include "firmware/port.h"

#define TWO_PI 6.28318530717958647692
#define DT_S 0.001

/* Steered corner for each wheel (-1: fixed middle wheel). */
static const int8_t wheel_servo[6] = { 0, 1, -1, -1, 2, 3 };

static int bad(double v)
{
	return !(v > 0.0) || isinf(v);
}

static int check_params(const struct sim_params *p)
{
	const struct motor_params *m = &p->motor;
	const struct soil_params *so = &p->soil;

	if (bad(m->r_ohm) || bad(m->l_h) || bad(m->ke_vs_rad) || bad(m->gear_ratio) ||
	    bad(m->gear_eff) || bad(m->i_limit_a) || bad(m->j_wheel_kgm2) ||
	    bad(m->fric_eps_radps) || m->j_rotor_kgm2 < 0.0 || m->fric_nm < 0.0)
		return -1;
	if (bad(so->kphi) || so->kc < 0.0 || bad(so->k_m) || bad(so->v_min_mps) ||
	    bad(so->rr_eps_mps) || so->tan_phi < 0.0 || so->c_pa < 0.0 || bad(so->n) ||
	    so->n >= 3.0 || so->damp_n_s_m < 0.0 || so->grouser_h_m < 0.0 || so->dig_gain < 0.0)
		return -1;
	if (p->cg_height_m < 0.0 || p->belly_clearance_m < 0.0 || p->belly_area_m2 < 0.0)
		return -1;
	if (bad(p->body.mass_kg) || bad(p->body.izz_kgm2) || bad(p->body.g_mps2) ||
	    bad(p->wheel_radius_m) || bad(p->wheel_width_m))
		return -1;
	if (bad(p->servo.rate_radps) || !(p->servo.min_rad <= p->servo.max_rad))
		return -1;
	if (bad(p->batt.capacity_j) || p->batt.r_int_ohm < 0.0 || bad(p->batt.ocv_v[0]) ||
	    p->batt.soc_init < 0.0 || p->batt.soc_init > 1.0)
		return -1;
	if (bad(p->ebox.heat_cap_j_k) || bad(p->ebox.temp_init_k) || p->ebox.eps_area_m2 < 0.0 ||
	    p->ebox.heater_max_w < 0.0 || !(p->ebox.ground_view >= 0.0 && p->ebox.ground_view <= 1.0) ||
	    p->ebox.sun_abs_area_m2 < 0.0)
		return -1;
	if (p->counts_per_motor_rev == 0 || p->plant_period_ms == 0 ||
	    p->thermal_period_ms == 0 || p->avionics_w < 0.0)
		return -1;
	return 0;
}

static int32_t rnd32(double v)
{
	return (int32_t)floor(v + 0.5);
}

static void refresh_wheel_outputs(struct sim *s)
{
	int i;

	for (i = 0; i < 6; i++) {
		s->out.wheel_current_ma[i] = rnd32(s->motor[i].i_a * 1000.0);
		s->truth.wheel_radps[i] = s->motor[i].w_radps;
	}
	for (i = 0; i < 4; i++)
		s->out.steer_angle_mrad[i] = (int16_t)rnd32(s->servo[i].angle_rad * 1000.0);
}

static void refresh_slow_outputs(struct sim *s)
{
	s->out.battery_v = s->batt.v_term;
	s->out.battery_a = s->batt.i_a;
	s->out.soc = s->batt.soc;
	s->out.energy_used_j = s->batt.energy_used_j;
	s->out.ebox_temp_c = s->ebox.temp_k - 273.15;
}

int32_t sim_adc(const struct sim *s, uint8_t ch)
{
	if (ch < PORT_ADC_MOTOR_MA0 + 6)
		return rnd32(s->motor[ch - PORT_ADC_MOTOR_MA0].i_a * 1000.0);
	if (ch < PORT_ADC_STEER_MRAD0 + 4)
		return rnd32(s->servo[ch - PORT_ADC_STEER_MRAD0].angle_rad * 1000.0);
	switch (ch) {
	case PORT_ADC_BATT_MV:
		return rnd32(s->batt.v_term * 1000.0);
	case PORT_ADC_BATT_MA:
		return rnd32(s->batt.i_a * 1000.0);
	case PORT_ADC_SOC_PERMILLE:
		return rnd32(s->batt.soc * 1000.0);
	case PORT_ADC_ENERGY_J:
		return rnd32(s->batt.energy_used_j);
	case PORT_ADC_SOLAR_DW:
		return rnd32(s->out.solar_w * 10.0);
	case PORT_ADC_HEATER0_DC:
		return rnd32((s->ebox.temp_k - 273.15) * 10.0);
	default:
		return 0;
	}
}

/* Contact velocity along wheel i (body frame -> wheel heading). */
static double wheel_u(const struct sim *s, int i)
{
	const struct body *b = &s->body;
	double ux = b->vx_mps - b->wz_radps * s->p.body.wy_m[i];
	double uy = b->vy_mps + b->wz_radps * s->p.body.wx_m[i];
	int k = wheel_servo[i];

	if (k < 0)
		return ux;
	return ux * s->servo[k].cos_a + uy * s->servo[k].sin_a;
}

/* Normal loads: weight on the contact plane, shifted by the CG height times
 * the total wheel force (moment balance about the CG, linear in x and y),
 * minus what the belly carries where it touches the soil. */
static void wheel_loads(struct sim *s, double bump_m, double load_n[6])
{
	const struct sim_params *p = &s->p;
	double w_tot = p->body.mass_kg * p->body.g_mps2 * s->body.cos_pitch * s->body.cos_roll;
	double mean = w_tot / 6.0, sx2 = 0.0, sy2 = 0.0, a, b, sum = 0.0, sink = 0.0, pen;
	int i;

	for (i = 0; i < 6; i++) {
		sx2 += p->body.wx_m[i] * p->body.wx_m[i];
		sy2 += p->body.wy_m[i] * p->body.wy_m[i];
		sink += s->contact[i].sink_m;
	}
	a = mean > 0.0 ? -p->cg_height_m * s->fx_sum_n / (mean * sx2) : 0.0;
	b = mean > 0.0 ? -p->cg_height_m * s->fy_sum_n / (mean * sy2) : 0.0;
	for (i = 0; i < 6; i++) {
		double w = mean * (1.0 + a * p->body.wx_m[i] + b * p->body.wy_m[i]);

		load_n[i] = w > 0.0 ? w : 0.0;
		sum += load_n[i];
	}
	/* Belly: penetration of the belly plane into the soil surface. */
	pen = sink / 6.0 + bump_m - p->belly_clearance_m;
	s->truth.belly_load_n = 0.0;
	s->belly_drag_n = 0.0;
	if (pen > 0.0 && w_tot > 0.0) {
		double nb = p->soil.kphi * pen * p->belly_area_m2;

		if (nb > w_tot)
			nb = w_tot;
		s->truth.belly_load_n = nb;
		s->belly_drag_n = p->soil.c_pa * p->belly_area_m2 + nb * p->soil.tan_phi;
		w_tot -= nb;
	}
	for (i = 0; i < 6; i++)
		load_n[i] = sum > 0.0 ? load_n[i] * (w_tot / sum) : 0.0;
}

/* Terrain fit -> attitude, soil under the wheels and wheel loads.
 * Returns 0 or -1 (off map). */
static int update_terrain(struct sim *s, double dt_s)
{
	const double r = s->p.wheel_radius_m;
	double z0, sx, sy, bump = -1.0, load[6];
	int i, k;

	body_renorm(&s->body);
	if (terrain_fit(&s->terrain, &s->fit, s->body.x_m, s->body.y_m, s->body.cos_yaw,
			s->body.sin_yaw, &z0, &sx, &sy)) {
		s->out.off_map = 1;
		return -1;
	}
	/* Ground under the belly, between the axles, above the contact plane. */
	for (k = -1; k <= 1; k += 2) {
		double xb = 0.5 * k * s->p.body.wx_m[0], zg;

		if (terrain_height(&s->terrain, s->body.x_m + xb * s->body.cos_yaw,
				   s->body.y_m + xb * s->body.sin_yaw, &zg) == 0 &&
		    zg - (z0 + sx * xb) > bump)
			bump = zg - (z0 + sx * xb);
	}
	body_set_attitude(&s->body, z0, sx, sy, dt_s);
	for (i = 0; i < 6; i++) {
		double wx = s->body.x_m + s->p.body.wx_m[i] * s->body.cos_yaw -
			    s->p.body.wy_m[i] * s->body.sin_yaw;
		double wy = s->body.y_m + s->p.body.wx_m[i] * s->body.sin_yaw +
			    s->p.body.wy_m[i] * s->body.cos_yaw;

		soil_map_sample(&s->soil_map, wx, wy, &s->f_sink[i], &s->f_shear[i]);
	}
	wheel_loads(s, bump, load);
	for (i = 0; i < 6; i++) {
		terra_set_load(&s->contact[i], &s->p.soil, load[i], s->p.wheel_width_m, r,
			       s->f_sink[i], s->f_shear[i], s->motor[i].w_radps * r, wheel_u(s, i),
			       dt_s);
		s->truth.load_n[i] = s->contact[i].load_n;
		s->truth.sink_m[i] = s->contact[i].sink_m;
	}
	return 0;
}

int sim_bind_soil(struct sim *s, const float *sink, const float *shear, int32_t nx, int32_t ny,
		  double cell_m, double origin_x_m, double origin_y_m)
{
	if (!sink || !shear || nx < 1 || ny < 1 || !(cell_m > 0.0))
		return SIM_ERR_PARAMS;
	s->soil_map.sink = sink;
	s->soil_map.shear = shear;
	s->soil_map.nx = nx;
	s->soil_map.ny = ny;
	s->soil_map.inv_cell = 1.0 / cell_m;
	s->soil_map.origin_x_m = origin_x_m;
	s->soil_map.origin_y_m = origin_y_m;
	return SIM_OK;
}

int sim_init(struct sim *s, const struct sim_params *p, uint64_t seed)
{
	double cpw;
	int i;

	if (check_params(p))
		return SIM_ERR_PARAMS;
	s->p = *p;
	motor_derive(&s->p.motor, DT_S);
	terra_derive(&s->p.soil);
	body_derive(&s->p.body);
	if (plane_fit_init(&s->fit, s->p.body.wx_m, s->p.body.wy_m))
		return SIM_ERR_PARAMS;
	s->t_ms = 0;
	rng_seed(&s->rng, seed);
	terra_tab_init(&s->tab);
	s->terrain.height_m = 0;
	s->terrain.nx = 0;
	s->terrain.ny = 0;
	s->terrain.cell_m = 1.0;
	s->terrain.inv_cell = 1.0;
	s->terrain.origin_x_m = 0.0;
	s->terrain.origin_y_m = 0.0;
	s->soil_map.sink = 0;
	s->soil_map.shear = 0;
	s->soil_map.nx = 0;
	s->soil_map.ny = 0;
	s->soil_map.inv_cell = 1.0;
	s->soil_map.origin_x_m = 0.0;
	s->soil_map.origin_y_m = 0.0;
	s->fx_sum_n = 0.0;
	s->fy_sum_n = 0.0;
	s->belly_drag_n = 0.0;
	s->truth.belly_load_n = 0.0;

	for (i = 0; i < 6; i++) {
		s->inp.wheel_locked[i] = 0;
		s->inp.encoder_dead[i] = 0;
		s->inp.effort_cmd[i] = 0;
		s->truth.embedded[i] = 0;
		s->truth.high_slip_ms[i] = 0;
		motor_init(&s->motor[i]);
		terra_init(&s->contact[i]);
		enc_init(&s->enc[i]);
	}
	for (i = 0; i < 4; i++) {
		s->inp.steer_target_mrad[i] = 0;
		servo_init(&s->servo[i], 0.0);
	}
	s->inp.ebox_heater_q15 = 0;
	s->inp.sun_az_rad = 0.0;
	s->inp.sun_el_rad = 0.0;
	s->inp.sunlit = 1;
	s->inp.env_temp_k = 220.0;

	cpw = (double)s->p.counts_per_motor_rev * s->p.motor.gear_ratio;
	s->counts_per_rad = cpw / TWO_PI;

	imu_init(&s->imu, &s->p.imu, &s->rng);
	battery_init(&s->batt, &s->p.batt);
	ebox_init(&s->ebox, &s->p.ebox);
	s->energy_acc_j = 0.0;
	s->thermal_acc_ms = 0;
	s->period_acc_ms = 0;
	s->truth.load_w = 0.0;
	s->out.solar_w = 0.0;
	s->out.off_map = 0;
	return sim_place(s, 0.0, 0.0, 0.0) ? SIM_ERR_PARAMS : SIM_OK;
}

int sim_bind_terrain(struct sim *s, const float *height_m, int32_t nx, int32_t ny,
		     double cell_m, double origin_x_m, double origin_y_m)
{
	if (!height_m || nx < 2 || ny < 2 || !(cell_m > 0.0))
		return SIM_ERR_PARAMS;
	s->terrain.height_m = height_m;
	s->terrain.nx = nx;
	s->terrain.ny = ny;
	s->terrain.cell_m = cell_m;
	s->terrain.inv_cell = 1.0 / cell_m;
	s->terrain.origin_x_m = origin_x_m;
	s->terrain.origin_y_m = origin_y_m;
	return SIM_OK;
}

int sim_place(struct sim *s, double x_m, double y_m, double yaw_rad)
{
	int i;

	body_init(&s->body, x_m, y_m, yaw_rad);
	s->fx_sum_n = 0.0;
	s->fy_sum_n = 0.0;
	for (i = 0; i < 6; i++) {
		terra_init(&s->contact[i]);
		s->motor[i].w_radps = 0.0;
	}
	s->out.off_map = 0;
	if (update_terrain(s, 0.0))
		return SIM_ERR_OFF_MAP;
	imu_sample(&s->imu, &s->p.imu, &s->rng, &s->body, s->p.body.g_mps2);
	refresh_wheel_outputs(s);
	refresh_slow_outputs(s);
	return SIM_OK;
}

static void thermal_tick(struct sim *s, double dt_s)
{
	int16_t duty = s->inp.ebox_heater_q15;
	/* sunlight on the box's face toward the sun */
	double sun_w_m2 = s->inp.sunlit ? s->p.solar.irradiance_w_m2 * cos(s->inp.sun_el_rad) : 0.0;

	s->ebox.heater_w = (duty > 0 ? duty : 0) / 32767.0 * s->p.ebox.heater_max_w;
	ebox_step(&s->ebox, &s->p.ebox, s->inp.env_temp_k, s->p.avionics_w, sun_w_m2, dt_s);
}

static void period_tick(struct sim *s)
{
	double dt_s = s->p.plant_period_ms * DT_S;
	double load_w, solar_w;

	imu_sample(&s->imu, &s->p.imu, &s->rng, &s->body, s->p.body.g_mps2);
	solar_w = solar_power(&s->p.solar, s->body.yaw_rad, s->inp.sun_az_rad, s->inp.sun_el_rad,
			      s->inp.sunlit);
	load_w = s->p.avionics_w + s->ebox.heater_w + s->energy_acc_j / dt_s;
	s->energy_acc_j = 0.0;
	battery_step(&s->batt, &s->p.batt, load_w, solar_w, dt_s);
	s->out.solar_w = solar_w;
	s->truth.load_w = load_w;
	refresh_slow_outputs(s);
}

/* One 1 ms tick of the plant.  The wheels do not interact within a tick,
 * so each stage runs over all six before the next: independent arithmetic
 * side by side for the processor, and for each wheel the same operations
 * in the same order as one wheel at a time (the sums stay in wheel order). */
static void tick(struct sim *s)
{
	const double r = s->p.wheel_radius_m;
	const double vbus_per_q15 = s->batt.v_term * (1.0 / 32767.0);
	double cd[6], sd[6], ul[6], ut[6], vr[6], fl[6], v[6], fx[6], fy[6], e_j = 0.0;
	struct body *b = &s->body;
	int i;

	/* Plant: soil at the contact, then motor and wheel. */
	for (i = 0; i < 6; i++) {
		int k = wheel_servo[i];
		double ux, uy;

		cd[i] = k >= 0 ? s->servo[k].cos_a : 1.0;
		sd[i] = k >= 0 ? s->servo[k].sin_a : 0.0;
		ux = b->vx_mps - b->wz_radps * s->p.body.wy_m[i];
		uy = b->vy_mps + b->wz_radps * s->p.body.wx_m[i];
		ul[i] = ux * cd[i] + uy * sd[i];
		ut[i] = -ux * sd[i] + uy * cd[i];
	}
	for (i = 0; i < 6; i++)
		vr[i] = s->motor[i].w_radps * r;
	terra_step_n(s->contact, &s->p.soil, &s->tab, vr, ul, ut, DT_S, 6, fl);
	for (i = 0; i < 6; i++) {
		fx[i] = fl[i] * cd[i] - s->contact[i].f_lat_n * sd[i];
		fy[i] = fl[i] * sd[i] + s->contact[i].f_lat_n * cd[i];
	}
	for (i = 0; i < 6; i++) {
		v[i] = s->inp.effort_cmd[i] * vbus_per_q15;
		motor_step(&s->motor[i], &s->p.motor, v[i], s->contact[i].f_long_n * r,
			   s->inp.wheel_locked[i], DT_S);
	}
	for (i = 0; i < 6; i++)
		e_j += v[i] * s->motor[i].i_a * DT_S;
	for (i = 0; i < 6; i++)
		enc_move(&s->enc[i], s->motor[i].w_radps * DT_S * s->counts_per_rad,
			 s->inp.encoder_dead[i]);
	for (i = 0; i < 6; i++) {
		double w = s->motor[i].w_radps;

		/* Slip as usually defined, s = 1 - u / (w r), positive when the wheel
		 * turns faster than the ground passes, in either direction. */
		s->truth.slip[i] = w < 0.0 ? -s->contact[i].slip : s->contact[i].slip;
		/* Embedded: the wheel spins well ahead of the ground for long. */
		if (s->truth.slip[i] > s->p.embed_slip && fabs(w) * r > s->p.soil.v_min_mps) {
			if (s->truth.high_slip_ms[i] < s->p.embed_ms)
				s->truth.high_slip_ms[i]++;
		} else {
			s->truth.high_slip_ms[i] = 0;
		}
		s->truth.embedded[i] = s->truth.high_slip_ms[i] >= s->p.embed_ms;
	}
	{
		double sfx = 0.0, sfy = 0.0;

		for (i = 0; i < 6; i++) {
			sfx += fx[i];
			sfy += fy[i];
		}
		/* Low-passed (10 ms time constant): the load transfer follows the
		 * mean drive force, not the 1 kHz soil-spring ripple. */
		s->fx_sum_n += 0.1 * (sfx - s->fx_sum_n);
		s->fy_sum_n += 0.1 * (sfy - s->fy_sum_n);
	}
	if (s->belly_drag_n > 0.0) {
		/* Belly shear opposes the body's motion, split evenly (no yaw moment). */
		double dx = s->belly_drag_n / 6.0 * terra_clamp(b->vx_mps * s->p.soil.inv_rr_eps, 1.0);
		double dy = s->belly_drag_n / 6.0 * terra_clamp(b->vy_mps * s->p.soil.inv_rr_eps, 1.0);

		for (i = 0; i < 6; i++) {
			fx[i] -= dx;
			fy[i] -= dy;
		}
	}
	body_step(b, &s->p.body, fx, fy, DT_S);
	for (i = 0; i < 4; i++)
		servo_step(&s->servo[i], &s->p.servo, s->inp.steer_target_mrad[i] * 1e-3, DT_S);
	s->energy_acc_j += e_j;
}

int sim_step_ms(struct sim *s)
{
	if (s->out.off_map)
		return SIM_ERR_OFF_MAP;
	tick(s);
	s->t_ms++;
	if (++s->period_acc_ms >= s->p.plant_period_ms) {
		s->period_acc_ms = 0;
		refresh_wheel_outputs(s);
		if (update_terrain(s, s->p.plant_period_ms * DT_S)) {
			refresh_slow_outputs(s);
			return SIM_ERR_OFF_MAP;
		}
		period_tick(s);
	}
	if (++s->thermal_acc_ms >= s->p.thermal_period_ms) {
		s->thermal_acc_ms = 0;
		thermal_tick(s, s->p.thermal_period_ms * DT_S);
	}
	return SIM_OK;
}

int sim_step(struct sim *s, uint32_t n_ms)
{
	uint32_t k;
	int rc;

	if (s->out.off_map)
		return SIM_ERR_OFF_MAP;
	for (k = 0; k < n_ms; k++) {
		rc = sim_step_ms(s);
		if (rc != SIM_OK)
			return rc;
	}
	refresh_wheel_outputs(s);
	return SIM_OK;
}
