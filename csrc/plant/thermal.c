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

#define SKY_K 3.0                          /* cosmic background */

void ebox_step(struct ebox *e, const struct ebox_params *p, double ground_k, double internal_w,
	       double sun_w_m2, double dt_s)
{
	double t2 = e->temp_k * e->temp_k, g2 = ground_k * ground_k, s2 = SKY_K * SKY_K;
	double sink4 = p->ground_view * g2 * g2 + (1.0 - p->ground_view) * s2 * s2;
	double q = internal_w + e->heater_w + p->sun_abs_area_m2 * sun_w_m2 -
		   p->eps_area_m2 * STEFAN_BOLTZMANN * (t2 * t2 - sink4);

	e->temp_k += dt_s * q / p->heat_cap_j_k;
	if (e->temp_k < 3.0)
		e->temp_k = 3.0;
}
