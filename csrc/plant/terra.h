/*
 * Terramechanics-lite for one rigid wheel on lunar regolith.
 *
 * Every terrain update (slow, ~10 ms) terra_set_load() turns the normal load
 * into Bekker sinkage, compaction resistance, contact length and the
 * Mohr-Coulomb shear limit.  Every 1 ms terra_step() advances the shear
 * displacement of the contact patch (longitudinal and lateral) and returns
 * the Janosi-Hanamoto shear forces:
 *   z   = [3 W / ((3 - n)(k_c + b k_phi) sqrt(D))]^(2 / (2n + 1))   (Bekker)
 *   R_c = (k_c + b k_phi) z^(n+1) / (n + 1)                        (Bekker)
 *   F_max = c A + W tan(phi),  A = b l,  l = r acos(1 - z/r) + l_grouser
 *   F = F_max (1 - exp(-j/K))                                      (Janosi-Hanamoto)
 *   dj/dt = (w r - u) - max(|w r|, |u|, v_min) j / l
 * In steady rolling j = s l with s = (w r - u) / max(|w r|, |u|), i.e. the
 * usual slip s = 1 - u/(w r) when driving; at rest j is the elastic shear
 * displacement that holds the rover on a slope.  See docs/plant.md.
 */
#ifndef ROVER_PLANT_TERRA_H
#define ROVER_PLANT_TERRA_H

#include <math.h>
#include <stdint.h>

#define TERRA_TAB_X_MAX 10.0
#define TERRA_TAB_N 256

/* cffi:begin */
struct soil_params {
	double kc_n_m2;             /* Bekker cohesive modulus k_c (n = 1 units) */
	double kphi_n_m3;           /* Bekker frictional modulus k_phi */
	double c_pa;                /* cohesion */
	double tan_phi;             /* tan of the internal friction angle */
	double k_m;                 /* shear deformation modulus K */
	double grouser_len_m;       /* extra shear length from grousers */
	double slip_sink_gain;      /* sinkage *= 1 + gain * |slip| */
	double damp_n_s_m;          /* soil shear damping on dj/dt */
	double v_min_mps;           /* relaxation floor for dj/dt */
	double rr_eps_mps;          /* rolling resistance smoothing band */
	/* derived by terra_derive() */
	double inv_k;
	double inv_rr_eps;
};

/* 1 - exp(-x) on [0, 10], linear interpolation; filled by terra_tab_init(). */
struct terra_tab {
	double one_minus_exp[257];
	double inv_step;
};

struct wheel_contact {
	/* cached by terra_set_load() */
	double load_n;
	double sink_m;
	double len_m;
	double inv_len;
	double fmax_n;
	double rc_n;
	/* state */
	double j_m;                 /* longitudinal shear displacement */
	double jt_m;                /* lateral shear displacement */
	double slip;                /* j / l */
	double f_long_n;            /* last shear force along the wheel */
	double f_lat_n;             /* last lateral force */
};
/* cffi:end */

void terra_tab_init(struct terra_tab *t);
void terra_derive(struct soil_params *s);
void terra_init(struct wheel_contact *c);
void terra_set_load(struct wheel_contact *c, const struct soil_params *s, double load_n,
		    double width_m, double radius_m);

/* 1 - exp(-x) from the table. */
static inline double terra_tab_lookup(const struct terra_tab *t, double x)
{
	double f;
	int i;

	if (x >= TERRA_TAB_X_MAX)
		return 1.0;
	f = x * t->inv_step;
	i = (int)f;
	f -= i;
	return t->one_minus_exp[i] + f * (t->one_minus_exp[i + 1] - t->one_minus_exp[i]);
}

static inline double terra_shear(const struct terra_tab *t, double fmax, double inv_k, double j)
{
	return j >= 0.0 ? fmax * terra_tab_lookup(t, j * inv_k) : -fmax * terra_tab_lookup(t, -j * inv_k);
}

static inline double terra_clamp(double v, double lim)
{
	return v > lim ? lim : (v < -lim ? -lim : v);
}

/* One 1 ms step.  v_roll = w r, u / ut = contact point velocity along / across
 * the wheel.  Returns the force on the body along the wheel (shear minus
 * compaction resistance); c->f_long_n holds the shear force (it reacts on the
 * wheel as the torque f_long_n * r); c->f_lat_n the lateral force. */
static inline double terra_step(struct wheel_contact *c, const struct soil_params *s,
		  const struct terra_tab *t, double v_roll, double u, double ut, double dt_s)
{
	double a = fabs(v_roll), b = fabs(u);
	double v_ref = a > b ? a : b;
	double relax, dj, djt, inv_k = s->inv_k, f, ft, rr;

	if (v_ref < s->v_min_mps)
		v_ref = s->v_min_mps;
	relax = v_ref * c->inv_len;
	dj = (v_roll - u) - relax * c->j_m;
	djt = -ut - relax * c->jt_m;
	c->j_m += dt_s * dj;
	c->jt_m += dt_s * djt;
	c->slip = c->j_m * c->inv_len;

	f = terra_clamp(terra_shear(t, c->fmax_n, inv_k, c->j_m) + s->damp_n_s_m * dj, c->fmax_n);
	ft = terra_clamp(terra_shear(t, c->fmax_n, inv_k, c->jt_m) + s->damp_n_s_m * djt, c->fmax_n);
	c->f_long_n = f;
	c->f_lat_n = ft;
	rr = c->rc_n * terra_clamp(u * s->inv_rr_eps, 1.0);
	return f - rr;
}

#endif
