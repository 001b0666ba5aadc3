/*
 * Brushed DC motor, gearbox and wheel inertia.
 */
#include "motor.h"

void motor_derive(struct motor_params *p, double dt_s)
{
	double n = p->gear_ratio;

	p->j_eff_kgm2 = p->j_wheel_kgm2 + p->j_rotor_kgm2 * n * n;
	p->inv_j_eff = p->j_eff_kgm2 > 0.0 ? 1.0 / p->j_eff_kgm2 : 0.0;
	p->i_a_coef = 1.0 / (1.0 + dt_s * p->r_ohm / p->l_h);
	p->i_b_coef = dt_s / p->l_h * p->i_a_coef;
	p->kt_wheel_nm_a = p->ke_vs_rad * n * p->gear_eff;
	p->ke_wheel_vs_rad = p->ke_vs_rad * n;
	p->inv_fric_eps = 1.0 / p->fric_eps_radps;
}

void motor_init(struct motor *m)
{
	m->i_a = 0.0;
	m->w_radps = 0.0;
	m->v_applied = 0.0;
}

