/*
 * Bekker sinkage / compaction resistance, dig-in, and the Janosi-Hanamoto
 * shear integrated over the contact patch (see terra.h, docs/plant.md).
 */
#include <math.h>
#include "terra.h"


void terra_tab_init(struct terra_tab *t)
{
	int i;

	t->g[0] = 0.0;
	for (i = 1; i <= TERRA_TAB_N; i++) {
		double x = TERRA_TAB_X_MAX * i / TERRA_TAB_N;

		t->g[i] = 1.0 - (1.0 - exp(-x)) / x;
	}
	t->inv_step = TERRA_TAB_N / TERRA_TAB_X_MAX;
	for (i = 0; i < TERRA_TAB_N; i++) {
		t->seg[i][0] = t->g[i];
		t->seg[i][1] = t->g[i + 1] - t->g[i];
	}
}


void terra_derive(struct soil_params *s)
{
	s->inv_rr_eps = 1.0 / s->rr_eps_mps;
}

void terra_init(struct wheel_contact *c)
{
	c->load_n = 0.0;
	c->sink_m = 0.0;
	c->dig_m = 0.0;
	c->len_m = 1.0;
	c->inv_len = 1.0;
	c->fmax_n = 0.0;
	c->rc_n = 0.0;
	c->inv_k = 1.0;
	c->j_m = 0.0;
	c->jt_m = 0.0;
	c->slip = 0.0;
	c->f_long_n = 0.0;
	c->f_lat_n = 0.0;
}

/* acos(1 - x) for x in [0, 2]; the series sqrt(2x)(1 + x/12 + 3x^2/160) is
 * within 0.01 % below x = 0.2. */
static double contact_angle(double x)
{
	if (x < 0.2)
		return sqrt(2.0 * x) * (1.0 + x * (1.0 / 12.0 + x * (3.0 / 160.0)));
	if (x > 2.0)
		x = 2.0;
	return acos(1.0 - x);
}

void terra_set_load(struct wheel_contact *c, const struct soil_params *s, double load_n,
		    double width_m, double radius_m, double f_sink, double f_shear,
		    double v_roll, double u, double dt_s)
{
	double n = s->n;
	double k = (s->kc + width_m * s->kphi) * f_sink;   /* b (k_c/b + k_phi) */
	double w = load_n > 0.0 ? load_n : 0.0;
	double zs, z, rg, hg = s->grouser_h_m, au = fabs(u), dig = c->dig_m;

	/* Bekker rigid wheel: z = (3 W / ((3 - n) k sqrt(D)))^(2 / (2n + 1)). */
	if (n == 1.0) {
		zs = cbrt(3.0 * w / (2.0 * k * sqrt(2.0 * radius_m)));
		zs = zs * zs;
	} else {
		zs = pow(3.0 * w / ((3.0 - n) * k * sqrt(2.0 * radius_m)), 2.0 / (2.0 * n + 1.0));
	}
	/* Dig-in: slip excavates soil from under the wheel; forward travel over
	 * fresh ground (one contact length) relaxes it. */
	if (dt_s > 0.0 && w > 0.0) {
		double rate = s->dig_gain * fabs(v_roll - u) - au * c->inv_len * dig;

		dig += dt_s * rate;
		if (dig < 0.0)
			dig = 0.0;
	}
	if (zs + dig > radius_m)
		dig = radius_m - zs > 0.0 ? radius_m - zs : 0.0;
	c->dig_m = dig;
	z = zs + dig;
	if (z > radius_m)
		z = radius_m;
	rg = radius_m + hg;
	c->load_n = w;
	c->sink_m = z;
	c->len_m = rg * contact_angle((z + hg) / rg);
	if (c->len_m < 1e-4)
		c->len_m = 1e-4;
	c->inv_len = 1.0 / c->len_m;
	/* Patches move tan(phi) a third as much as c and K (see docs/plant.md). */
	c->fmax_n = f_shear * s->c_pa * width_m * c->len_m +
		    (1.0 + (f_shear - 1.0) * (1.0 / 3.0)) * w * s->tan_phi;
	c->inv_k = f_shear / s->k_m;       /* stronger soil shears stiffer */
	c->rc_n = n == 1.0 ? 0.5 * k * z * z : k * pow(z, n + 1.0) / (n + 1.0);
}

double terra_g(const struct terra_tab *t, double x)
{
	return terra_tab_lookup(t, x);
}
