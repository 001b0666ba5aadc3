/*
 * Planar rigid-body dynamics of the rover on the terrain plane.
 */
#include <math.h>
#include "body.h"

#define PI 3.14159265358979323846

void body_derive(struct body_params *p)
{
	p->inv_mass = 1.0 / p->mass_kg;
	p->inv_izz = 1.0 / p->izz_kgm2;
}

void body_init(struct body *b, double x_m, double y_m, double yaw_rad)
{
	b->x_m = x_m;
	b->y_m = y_m;
	b->z_m = 0.0;
	b->yaw_rad = atan2(sin(yaw_rad), cos(yaw_rad));
	b->pitch_rad = 0.0;
	b->roll_rad = 0.0;
	b->cos_pitch = 1.0;
	b->sin_pitch = 0.0;
	b->cos_roll = 1.0;
	b->sin_roll = 0.0;
	b->vx_mps = 0.0;
	b->vy_mps = 0.0;
	b->wz_radps = 0.0;
	b->ax_mps2 = 0.0;
	b->ay_mps2 = 0.0;
	b->ax_int_mps = 0.0;
	b->ay_int_mps = 0.0;
	b->t_int_s = 0.0;
	b->pitch_rate_radps = 0.0;
	b->roll_rate_radps = 0.0;
	b->distance_m = 0.0;
	body_renorm(b);
}

void body_renorm(struct body *b)
{
	b->cos_yaw = cos(b->yaw_rad);
	b->sin_yaw = sin(b->yaw_rad);
}

void body_set_attitude(struct body *b, double z_m, double slope_x, double slope_y, double dt_s)
{
	/* Plane z = z0 + sx * x_b + sy * y_b: nose-up pitch = atan(sx), left-up
	 * roll = atan(sy * cos(pitch)) (slope measured across the tilted body). */
	double pitch = atan(slope_x);
	double roll = atan(slope_y * cos(pitch));

	if (dt_s > 0.0) {
		b->pitch_rate_radps = (pitch - b->pitch_rad) / dt_s;
		b->roll_rate_radps = (roll - b->roll_rad) / dt_s;
	}
	b->z_m = z_m;
	b->pitch_rad = pitch;
	b->roll_rad = roll;
	b->cos_pitch = cos(pitch);
	b->sin_pitch = sin(pitch);
	b->cos_roll = cos(roll);
	b->sin_roll = sin(roll);
}

void body_step(struct body *b, const struct body_params *p, const double fx_n[6],
	       const double fy_n[6], double dt_s)
{
	double fx = 0.0, fy = 0.0, mz = 0.0, inv_m = p->inv_mass;
	double ax, ay, dpsi, c, s, vxw, vyw, v;
	int i;

	for (i = 0; i < 6; i++) {
		fx += fx_n[i];
		fy += fy_n[i];
		mz += p->wx_m[i] * fy_n[i] - p->wy_m[i] * fx_n[i];
	}
	ax = fx * inv_m - p->g_mps2 * b->sin_pitch;
	ay = fy * inv_m - p->g_mps2 * b->sin_roll * b->cos_pitch;
	b->ax_mps2 = ax;
	b->ay_mps2 = ay;
	b->ax_int_mps += ax * dt_s;
	b->ay_int_mps += ay * dt_s;
	b->t_int_s += dt_s;
	b->vx_mps += dt_s * (ax + b->wz_radps * b->vy_mps);
	b->vy_mps += dt_s * (ay - b->wz_radps * b->vx_mps);
	b->wz_radps += dt_s * mz * p->inv_izz;

	dpsi = b->wz_radps * dt_s;
	b->yaw_rad += dpsi;
	if (b->yaw_rad > PI)
		b->yaw_rad -= 2.0 * PI;
	else if (b->yaw_rad <= -PI)
		b->yaw_rad += 2.0 * PI;
	/* Rotate the cached heading by dpsi (2nd order); body_renorm() resets. */
	c = b->cos_yaw * (1.0 - 0.5 * dpsi * dpsi) - b->sin_yaw * dpsi;
	s = b->sin_yaw * (1.0 - 0.5 * dpsi * dpsi) + b->cos_yaw * dpsi;
	b->cos_yaw = c;
	b->sin_yaw = s;

	vxw = b->vx_mps * b->cos_pitch;
	vyw = b->vy_mps * b->cos_roll;
	b->x_m += dt_s * (vxw * c - vyw * s);
	b->y_m += dt_s * (vxw * s + vyw * c);
	v = b->vx_mps * b->vx_mps + b->vy_mps * b->vy_mps;
	if (v > 0.0)
		b->distance_m += dt_s * sqrt(v);
}
