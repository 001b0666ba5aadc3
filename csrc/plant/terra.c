/*
 * Bekker sinkage / compaction resistance and Janosi-Hanamoto shear traction.
 */
#include <math.h>
#include "terra.h"


void terra_tab_init(struct terra_tab *t)
{
	int i;

	for (i = 0; i <= TERRA_TAB_N; i++)
		t->one_minus_exp[i] = 1.0 - exp(-TERRA_TAB_X_MAX * i / TERRA_TAB_N);
	t->inv_step = TERRA_TAB_N / TERRA_TAB_X_MAX;
}


void terra_derive(struct soil_params *s)
{
	s->inv_k = 1.0 / s->k_m;
	s->inv_rr_eps = 1.0 / s->rr_eps_mps;
}

void terra_init(struct wheel_contact *c)
{
	c->load_n = 0.0;
	c->sink_m = 0.0;
	c->len_m = 1.0;
	c->inv_len = 1.0;
	c->fmax_n = 0.0;
	c->rc_n = 0.0;
	c->j_m = 0.0;
	c->jt_m = 0.0;
	c->slip = 0.0;
	c->f_long_n = 0.0;
	c->f_lat_n = 0.0;
}

void terra_set_load(struct wheel_contact *c, const struct soil_params *s, double load_n,
		    double width_m, double radius_m)
{
	double k = s->kc_n_m2 + width_m * s->kphi_n_m3;   /* b (k_c/b + k_phi), n = 1 */
	double w = load_n > 0.0 ? load_n : 0.0;
	double z, x, theta;
	double slip = fabs(c->slip);

	if (slip > 1.0)
		slip = 1.0;
	/* n = 1: z = (3 W / (2 k sqrt(D)))^(2/3). */
	z = cbrt(3.0 * w / (2.0 * k * sqrt(2.0 * radius_m)));
	z = z * z * (1.0 + s->slip_sink_gain * slip);
	if (z > radius_m)
		z = radius_m;
	/* Contact angle acos(1 - x), x = z/r, by its series
	 * sqrt(2x) (1 + x/12 + 3x^2/160): < 0.01 % error for x < 0.2. */
	x = z / radius_m;
	theta = x < 0.2 ? sqrt(2.0 * x) * (1.0 + x * (1.0 / 12.0 + x * (3.0 / 160.0)))
			: acos(1.0 - x);
	c->load_n = w;
	c->sink_m = z;
	c->len_m = radius_m * theta + s->grouser_len_m;
	if (c->len_m < 1e-4)
		c->len_m = 1e-4;
	c->inv_len = 1.0 / c->len_m;
	c->fmax_n = s->c_pa * width_m * c->len_m + w * s->tan_phi;
	c->rc_n = 0.5 * k * z * z;
}




