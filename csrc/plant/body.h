/*
 * Rigid rover body on the terrain plane: planar dynamics (surge vx, sway vy,
 * yaw rate wz) in the body frame, driven by the six wheel forces and by
 * gravity along the slope; pitch, roll and height come from the terrain fit.
 *   m (dvx/dt - wz vy) = sum fx - m g sin(pitch)
 *   m (dvy/dt + wz vx) = sum fy - m g sin(roll) cos(pitch)
 *   Izz dwz/dt         = sum (x_i fy_i - y_i fx_i)
 * Semi-implicit Euler (velocities first, then pose with the new velocities).
 * World motion is the body velocity projected to the horizontal.
 */
#ifndef ROVER_PLANT_BODY_H
#define ROVER_PLANT_BODY_H

#include <stdint.h>

/* cffi:begin */
struct body_params {
	double mass_kg;
	double izz_kgm2;
	double g_mps2;
	double wx_m[6];             /* contact points, body frame */
	double wy_m[6];
	/* derived by body_derive() */
	double inv_mass;
	double inv_izz;
};

struct body {
	double x_m, y_m, z_m;
	double yaw_rad, pitch_rad, roll_rad;
	double cos_yaw, sin_yaw;
	double cos_pitch, sin_pitch, cos_roll, sin_roll;
	double vx_mps, vy_mps, wz_radps;
	double ax_mps2, ay_mps2;    /* inertial acceleration in the body frame */
	/* Running integrals of ax, ay (m/s) and of time (s): an accelerometer
	 * reads their mean over its sample period (imu.c), not the last step. */
	double ax_int_mps, ay_int_mps, t_int_s;
	double pitch_rate_radps, roll_rate_radps;
	double distance_m;          /* path length along the ground */
};
void body_derive(struct body_params *p);
void body_init(struct body *b, double x_m, double y_m, double yaw_rad);
/* Set the attitude from the terrain fit (dt_s > 0 updates the rates). */
void body_set_attitude(struct body *b, double z_m, double slope_x, double slope_y, double dt_s);
/* fx, fy: body-frame forces at each contact (N). */
void body_step(struct body *b, const struct body_params *p, const double fx_n[6],
	       const double fy_n[6], double dt_s);
/* Recompute cos/sin(yaw) exactly (the step updates them incrementally). */
void body_renorm(struct body *b);
/* cffi:end */


#endif
