/*
 * IMU sampling from the body state.
 */
#include <math.h>
#include "imu.h"

#define STANDARD_G 9.80665          /* m/s^2 per g (CGPM 1901) */
#define RAD_TO_MDEG (180000.0 / 3.14159265358979323846)

void imu_init(struct imu *m, const struct imu_params *p, struct rng *r)
{
	int i;

	for (i = 0; i < 3; i++) {
		m->gyro_bias_mdps[i] = p->gyro_bias_mdps * rng_gauss(r);
		m->accel_mg[i] = 0;
		m->gyro_mdps[i] = 0;
	}
	m->ax_int_prev_mps = 0.0;
	m->ay_int_prev_mps = 0.0;
	m->t_int_prev_s = 0.0;
}

static int16_t to_i16(double v)
{
	v = floor(v + 0.5);
	return (int16_t)(v > 32767.0 ? 32767.0 : (v < -32767.0 ? -32767.0 : v));
}

static int32_t to_i32(double v)
{
	v = floor(v + 0.5);
	return (int32_t)(v > 2e9 ? 2e9 : (v < -2e9 ? -2e9 : v));
}

void imu_sample(struct imu *m, const struct imu_params *p, struct rng *r,
		const struct body *b, double g_mps2)
{
	double k = 1000.0 / STANDARD_G;
	double speed = fabs(b->vx_mps) + fabs(b->vy_mps);
	double sig = p->accel_noise_mg + p->vib_mg_per_mps * speed;
	double f[3], w[3], ax = b->ax_mps2, ay = b->ay_mps2;
	double span_s = b->t_int_s - m->t_int_prev_s;
	int i;

	/* Mean acceleration since the last sample (the body was just placed:
	 * no history, take the present value). */
	if (span_s > 0.0) {
		ax = (b->ax_int_mps - m->ax_int_prev_mps) / span_s;
		ay = (b->ay_int_mps - m->ay_int_prev_mps) / span_s;
	}
	m->ax_int_prev_mps = b->ax_int_mps;
	m->ay_int_prev_mps = b->ay_int_mps;
	m->t_int_prev_s = b->t_int_s;
	/* Specific force = inertial acceleration minus gravity, in body axes. */
	f[0] = ax + g_mps2 * b->sin_pitch;
	f[1] = ay + g_mps2 * b->sin_roll * b->cos_pitch;
	f[2] = g_mps2 * b->cos_pitch * b->cos_roll;
	w[0] = b->roll_rate_radps;
	w[1] = -b->pitch_rate_radps;
	w[2] = b->wz_radps;
	for (i = 0; i < 3; i++) {
		m->accel_mg[i] = to_i16(f[i] * k + sig * rng_gauss(r));
		m->gyro_mdps[i] = to_i32(w[i] * RAD_TO_MDEG + m->gyro_bias_mdps[i] +
					 p->gyro_noise_mdps * rng_gauss(r));
	}
}
