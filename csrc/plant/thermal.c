/*
 * Electronics-box lumped thermal model.
 */
#include "thermal.h"

#define STEFAN_BOLTZMANN 5.670374419e-8   /* W m^-2 K^-4, CODATA 2018 */

void ebox_init(struct ebox *e, const struct ebox_params *p)
{
	e->temp_k = p->temp_init_k;
	e->heater_w = 0.0;
}

void ebox_step(struct ebox *e, const struct ebox_params *p, double env_k, double internal_w,
	       double dt_s)
{
	double t2 = e->temp_k * e->temp_k, e2 = env_k * env_k;
	double q = internal_w + e->heater_w - p->eps_area_m2 * STEFAN_BOLTZMANN * (t2 * t2 - e2 * e2);

	e->temp_k += dt_s * q / p->heat_cap_j_k;
	if (e->temp_k < 3.0)
		e->temp_k = 3.0;
}
