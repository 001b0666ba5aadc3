/*
 * Complementary-filter tilt estimate (pitch, roll) from accelerometer and gyro.
 *
 * angle = alpha * (angle + gyro * dt) + (1 - alpha) * accel_angle, alpha Q15.
 * Accelerometer in mg (body frame: x forward, y left, z up; at rest on flat
 * ground az = +1000 mg on Earth, +165 mg on the Moon, the filter is
 * scale-free because it uses atan2).  Gyro in mdeg/s.  Angles in mdeg.
 * Pitch positive nose up, roll positive left side up.
 */
#ifndef ROVER_CORE_TILT_H
#define ROVER_CORE_TILT_H

#include <stdint.h>

/* cffi:begin */
struct tilt_cfg {
	int16_t alpha_q15;          /* gyro weight per update, e.g. 0.98 -> 32113 */
};

struct tilt_est {
	int32_t pitch_mdeg;
	int32_t roll_mdeg;
	uint8_t primed;             /* first update takes the accel angle directly */
};

void tilt_init(struct tilt_est *t);
/* accel_mg[3] (x,y,z), gyro_mdps[3] (x,y,z), dt_ms > 0. */
void tilt_update(struct tilt_est *t, const struct tilt_cfg *c,
		 const int16_t accel_mg[3], const int32_t gyro_mdps[3], uint16_t dt_ms);
/* floor(sqrt(v)), exact for every uint32. */
uint32_t fx_isqrt32(uint32_t v);
/* floor(x / 1000) for x < 2^31 without a division (docs/fixed_point.md). */
uint32_t fx_udiv1000(uint32_t x);
/* cffi:end */

#endif
