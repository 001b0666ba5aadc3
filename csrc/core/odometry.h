/*
 * Odometry for the 6-wheel, 4-corner-steered rover.
 *
 * Each update takes the wheel rim displacements since the last update (um)
 * and the steering angles, fits the body twist by least squares over the six
 * wheel contact points (vx = mean(d cos delta), vy = mean(d sin delta),
 * dyaw = sum(x*dy - y*dx) / sum(x^2 + y^2)) and integrates the pose at the
 * mid-step heading.  Pose: x_um, y_um (int32, +-2.1 km), yaw_urad wrapped
 * to (-pi, pi].  sin/cos come from a const Q15 table (no mutable statics).
 *
 * Wheel order everywhere: 0 front-left, 1 front-right, 2 middle-left,
 * 3 middle-right, 4 rear-left, 5 rear-right.  Steered corners: 0,1,4,5
 * (steer index 0..3 maps to wheels 0,1,4,5).  Body frame: x forward,
 * y left, yaw counter-clockwise positive.
 */
#ifndef ROVER_CORE_ODOMETRY_H
#define ROVER_CORE_ODOMETRY_H

#include <stdint.h>

/* cffi:begin */
/* Angle constants in urad: pi = 3141592.65, so (-pi, pi] holds exactly the
 * 6283185 integers -3141592..3141592 and wrapping works modulo 6283185. */
#define FX_PI_URAD 3141592
#define FX_HALF_PI_URAD 1570796
#define FX_TWO_PI_URAD 6283185
/* Inputs odom_update saturates before use (documented limits). */
#define ODOM_D_MAX_UM 16777216      /* 16.7 m of rim travel per update */
#define ODOM_GEOM_MAX_MM 32767      /* wheel contact coordinates */
#define ODOM_DYAW_MAX_URAD 1073741824

struct odom_geom {
	int32_t wheel_x_mm[6];      /* contact point positions in the body frame */
	int32_t wheel_y_mm[6];
};

struct odom_pose {
	int32_t x_um;
	int32_t y_um;
	int32_t yaw_urad;
};

void odom_init(struct odom_pose *p, int32_t x_um, int32_t y_um, int32_t yaw_urad);
/* d_um: rim displacement of each wheel since last call; steer_mrad[4]. */
void odom_update(struct odom_pose *p, const struct odom_geom *g,
		 const int32_t d_um[6], const int16_t steer_mrad[4]);

/* Fixed-point trig used by odometry and tilt: angle in urad, result Q15. */
int16_t fx_sin_urad(int32_t angle_urad);
int16_t fx_cos_urad(int32_t angle_urad);
/* atan2 in urad, (-pi, pi]; atan2(0,0) = 0. */
int32_t fx_atan2_urad(int32_t y, int32_t x);
/* Any angle (urad) wrapped to (-pi, pi] = -3141592..3141592. */
int32_t fx_wrap_urad(int32_t angle_urad);
/* floor(x / 32767) for x < 2^31 without a division (docs/fixed_point.md). */
uint32_t fx_udiv_q15max(uint32_t x);
/* cffi:end */

#endif
