/*
 * 6-axis IMU on the body: accelerometer (specific force, mg, +g up at rest)
 * with white noise plus drive vibration growing with speed; gyro (mdeg/s)
 * with a per-unit constant bias drawn at power-up and white noise.  Axes
 * follow the body frame (x forward, y left, z up), right-handed rates, so a
 * nose-up pitch rate reads negative on gyro y.  All noise from the seeded rng.
 * The accelerometer reads the mean acceleration since its previous sample,
 * as a MEMS part's anti-alias/decimation filter does (docs/plant.md): a
 * point sample of the 1 kHz plant would alias the soil-contact ripple into
 * a false tilt.
 */
#ifndef ROVER_PLANT_IMU_H
#define ROVER_PLANT_IMU_H

#include <stdint.h>
#include "rng.h"
#include "body.h"

/* cffi:begin */
struct imu_params {
	double accel_noise_mg;      /* 1-sigma white noise per sample */
	double vib_mg_per_mps;      /* extra 1-sigma per m/s of ground speed */
	double gyro_noise_mdps;     /* 1-sigma white noise per sample */
	double gyro_bias_mdps;      /* 1-sigma of the power-up bias */
};

struct imu {
	double gyro_bias_mdps[3];
	int16_t accel_mg[3];
	int32_t gyro_mdps[3];
	double ax_int_prev_mps, ay_int_prev_mps, t_int_prev_s;   /* body integrals at the last sample */
};
void imu_init(struct imu *m, const struct imu_params *p, struct rng *r);
void imu_sample(struct imu *m, const struct imu_params *p, struct rng *r,
		const struct body *b, double g_mps2);
/* cffi:end */


#endif
