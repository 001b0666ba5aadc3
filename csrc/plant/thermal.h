/*
 * Lumped thermal model of the warm electronics box:
 *   C dT/dt = P_internal + P_heater - eps_A sigma (T^4 - T_env^4)
 * T_env is the effective radiative sink supplied from Python (surface
 * temperature under the rover).  Explicit Euler; stable for any step under
 * ~C / (4 eps_A sigma T^3), i.e. hours.
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
};

struct ebox {
	double temp_k;
	double heater_w;
};
/* cffi:end */

void ebox_init(struct ebox *e, const struct ebox_params *p);
void ebox_step(struct ebox *e, const struct ebox_params *p, double env_k, double internal_w,
	       double dt_s);

#endif
