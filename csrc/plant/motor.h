/*
 * Brushed DC motor + gearbox + wheel, one per wheel.
 *
 * Electrical: L di/dt = V - R i - ke * w_motor, stepped backward-Euler (the
 * electrical time constant L/R is below the 1 ms step), then clamped to the
 * driver's current limit.  Mechanical, at the wheel side of the gear:
 *   J_eff dw/dt = kt * i * N * eta - T_fric(w) - T_load,
 *   J_eff = J_wheel + J_rotor * N^2 (rotor inertia reflected through the gear).
 * The drive is sign-magnitude PWM from the battery bus: V = duty * V_bus and the
 * bus current is duty * i.  See docs/plant.md.
 */
#ifndef ROVER_PLANT_MOTOR_H
#define ROVER_PLANT_MOTOR_H

#include <stdint.h>

/* cffi:begin */
struct motor_params {
	double r_ohm;               /* armature resistance */
	double l_h;                 /* armature inductance */
	double ke_vs_rad;           /* back-EMF constant = torque constant (SI) */
	double gear_ratio;          /* motor turns per wheel turn */
	double gear_eff;            /* 0..1, applied to the motor torque */
	double i_limit_a;           /* driver current limit */
	double j_rotor_kgm2;
	double j_wheel_kgm2;
	double fric_nm;             /* gearbox Coulomb friction at the wheel */
	double fric_eps_radps;      /* friction smoothing band at the wheel */
	/* derived by motor_derive() */
	double j_eff_kgm2;
	double inv_j_eff;
	double i_a_coef;            /* backward-Euler current update coefficients */
	double i_b_coef;
	double kt_wheel_nm_a;       /* kt * N * eta */
	double ke_wheel_vs_rad;     /* ke * N */
	double inv_fric_eps;
};

struct motor {
	double i_a;                 /* armature current */
	double w_radps;             /* wheel angular speed */
	double v_applied;           /* terminal voltage this step */
};
/* cffi:end */

void motor_derive(struct motor_params *p, double dt_s);
void motor_init(struct motor *m);

/* One step: v_cmd terminal voltage, load_nm soil torque at the wheel opposing
 * positive rotation; a locked wheel cannot turn. */
static inline void motor_step(struct motor *m, const struct motor_params *p, double v_cmd,
		double load_nm, int locked, double dt_s)
{
	double i, t_fric, x;

	m->v_applied = v_cmd;
	i = p->i_a_coef * m->i_a + p->i_b_coef * (v_cmd - p->ke_wheel_vs_rad * m->w_radps);
	if (i > p->i_limit_a)
		i = p->i_limit_a;
	else if (i < -p->i_limit_a)
		i = -p->i_limit_a;
	m->i_a = i;
	if (locked) {
		m->w_radps = 0.0;
		return;
	}
	x = m->w_radps * p->inv_fric_eps;
	if (x > 1.0)
		x = 1.0;
	else if (x < -1.0)
		x = -1.0;
	t_fric = p->fric_nm * x;
	m->w_radps += dt_s * p->inv_j_eff * (p->kt_wheel_nm_a * i - t_fric - load_nm);
}

#endif
