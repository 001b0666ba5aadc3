/*
 * Steering servo: moves toward its target at a limited rate inside a
 * mechanical range; reports its angle (potentiometer feedback).  Caches
 * cos/sin of the angle, recomputed only when the angle moves.
 */
#ifndef ROVER_PLANT_SERVO_H
#define ROVER_PLANT_SERVO_H

#include <math.h>
#include <stdint.h>

/* cffi:begin */
struct servo_params {
	double rate_radps;
	double min_rad;
	double max_rad;
};

struct servo {
	double angle_rad;
	double cos_a;
	double sin_a;
};
/* cffi:end */

void servo_init(struct servo *s, double angle_rad);

/* Move toward target_rad (clamped to the range) by at most rate * dt. */
static inline void servo_step(struct servo *s, const struct servo_params *p, double target_rad, double dt_s)
{
	double d, max_d = p->rate_radps * dt_s;

	if (target_rad > p->max_rad)
		target_rad = p->max_rad;
	else if (target_rad < p->min_rad)
		target_rad = p->min_rad;
	d = target_rad - s->angle_rad;
	if (d == 0.0)
		return;
	if (d > max_d)
		d = max_d;
	else if (d < -max_d)
		d = -max_d;
	s->angle_rad += d;
	s->cos_a = cos(s->angle_rad);
	s->sin_a = sin(s->angle_rad);
}

#endif
