/*
 * Lumped thermal model of the warm electronics box:
 *   C dT/dt = P_internal + P_heater + P_sun
 *             - eps_A sigma (T^4 - F_g T_ground^4 - (1 - F_g) T_sky^4)
 * The box radiates to the ground (view factor F_g) and to space (3 K);
 * T_ground is the surface temperature under the rover, supplied from Python.
 * P_sun = alpha_A S cos(el) while sunlit (the face toward the sun).
 * Explicit Euler; stable for any step under ~C / (4 eps_A sigma T^3), i.e. hours.
 */
#ifndef ROVER_PLANT_THERMAL_H
#define ROVER_PLANT_THERMAL_H

#include <stdint.h>

/* cffi:begin */
struct ebox_params {
	double heat_cap_j_k;
	double eps_area_m2;         /* emissivity * effective radiating area */
	double heater_max_w;
	double temp_init_k;
	double ground_view;         /* view factor to the ground (rest: sky) */
	double sun_abs_area_m2;     /* solar absorptance * projected area toward the sun */
};

struct ebox {
	double temp_k;
	double heater_w;
};
/* cffi:end */

void ebox_init(struct ebox *e, const struct ebox_params *p);
void ebox_step(struct ebox *e, const struct ebox_params *p, double ground_k, double internal_w,
	       double sun_w_m2, double dt_s);

#endif
