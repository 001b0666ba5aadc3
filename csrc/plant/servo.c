/*
 * Rate- and range-limited steering servo.
 */
#include <math.h>
#include "servo.h"

void servo_init(struct servo *s, double angle_rad)
{
	s->angle_rad = angle_rad;
	s->cos_a = cos(angle_rad);
	s->sin_a = sin(angle_rad);
}

