/*
 * Terramechanics for one rigid wheel with grousers on lunar regolith.
 *
 * Every terrain update (10 ms) terra_set_load() turns the wheel's normal load,
 * the local soil (nominal values times the patch factors under the wheel) and
 * the dig-in state into sinkage, contact length, compaction resistance and the
 * Mohr-Coulomb shear limit:
 *   z_s = [3 W / ((3 - n)(k_c + b k_phi) sqrt(D))]^(2 / (2n + 1))   (Bekker)
 *   z   = z_s + z_dig, capped at the wheel radius (hub buried)
 *   l   = r_g acos(1 - (z + h_g) / r_g),  r_g = r + h_g                (shear at the grouser tips)
 *   R_c = b (k_c / b + k_phi) z^(n+1) / (n + 1)                    (Bekker)
 *   F_max = c b l + W tan(phi)                                     (Mohr-Coulomb)
 *   dz_dig/dt = k_dig |w r - u| - (|u| / l) z_dig                  (dig-in; see docs/plant.md)
 * Every 1 ms terra_step_n() advances the shear displacement j at the rear of the
 * patch, which grows from 0 at the front:
 *   dj/dt = (w r - u) - max(|w r|, |u|, v_min) j / l     (steady rolling: j = s l)
 * and returns the Janosi-Hanamoto shear integrated over the patch (Wong):
 *   F = F_max [1 - (K / j)(1 - exp(-j / K))]
 * At rest j is the elastic shear that holds the rover on a slope.
 */
#ifndef ROVER_PLANT_TERRA_H
#define ROVER_PLANT_TERRA_H

#include <math.h>
#include <stdint.h>

#define TERRA_TAB_X_MAX 20.0
#define TERRA_TAB_N 512
#define TERRA_STEP_N_MAX 6

/* cffi:begin */
struct soil_params {
	double n;                   /* Bekker sinkage exponent */
	double kc;                  /* Bekker cohesive modulus k_c, N/m^(n+1) */
	double kphi;                /* Bekker frictional modulus k_phi, N/m^(n+2) */
	double c_pa;                /* cohesion */
	double tan_phi;             /* tan of the internal friction angle */
	double k_m;                 /* shear deformation modulus K */
	double grouser_h_m;         /* grouser height (0: smooth rim) */
	double dig_gain;            /* k_dig: sinkage per metre of slip travel */
	double damp_n_s_m;          /* soil shear damping on dj/dt */
	double v_min_mps;           /* relaxation floor for dj/dt */
	double rr_eps_mps;          /* rolling resistance smoothing band */
	/* derived by terra_derive() */
	double inv_rr_eps;
};

/* g(x) = 1 - (1 - exp(-x)) / x on [0, 20], linear interpolation; beyond,
 * 1 - 1/x (exp(-20) is below double rounding of the result).  seg[i] holds
 * g[i] and g[i + 1] - g[i] side by side: the interpolation reads one pair
 * and does not subtract on the way (the same difference, computed once). */
struct terra_tab {
	double g[513];
	double inv_step;
	double seg[512][2];
};

struct wheel_contact {
	/* cached by terra_set_load() */
	double load_n;
	double sink_m;              /* total sinkage */
	double dig_m;               /* dig-in part of the sinkage (state) */
	double len_m;
	double inv_len;
	double fmax_n;
	double rc_n;
	double inv_k;               /* 1 / K of the soil under the wheel */
	/* state */
	double j_m;                 /* longitudinal shear displacement (rear of patch) */
	double jt_m;                /* lateral shear displacement */
	double slip;                /* j / l */
	double f_long_n;            /* last shear force along the wheel */
	double f_lat_n;             /* last lateral force */
};

void terra_tab_init(struct terra_tab *t);
void terra_derive(struct soil_params *s);
void terra_init(struct wheel_contact *c);
/* f_sink scales k_c and k_phi; f_shear scales c, divides K and moves tan(phi) by a
 * third as much (soil patches).
 * v_roll = w r and u (contact velocity along the wheel) drive the dig-in over dt_s. */
void terra_set_load(struct wheel_contact *c, const struct soil_params *s, double load_n,
		    double width_m, double radius_m, double f_sink, double f_shear,
		    double v_roll, double u, double dt_s);
/* g(x) from the table (out-of-line, for tests). */
double terra_g(const struct terra_tab *t, double x);
/* cffi:end */

/* g(x) from the table. */
static inline double terra_tab_lookup(const struct terra_tab *t, double x)
{
	double f;
	int i;

	if (x >= TERRA_TAB_X_MAX)
		return 1.0 - 1.0 / x;
	f = x * t->inv_step;
	i = (int)f;
	f -= i;
	return t->seg[i][0] + f * t->seg[i][1];
}

static inline double terra_shear(const struct terra_tab *t, double fmax, double inv_k, double j)
{
	return j >= 0.0 ? fmax * terra_tab_lookup(t, j * inv_k) : -fmax * terra_tab_lookup(t, -j * inv_k);
}

static inline double terra_clamp(double v, double lim)
{
	return v > lim ? lim : (v < -lim ? -lim : v);
}

/* One 1 ms step of n wheels (at most TERRA_STEP_N_MAX).  v_roll[i] = w r,
 * u[i] / ut[i] = contact point velocity along / across wheel i.  fl[i] is
 * the force on the body along the wheel (shear minus compaction
 * resistance); c[i].f_long_n holds the shear force (it reacts on the wheel
 * as the torque f_long_n * r); c[i].f_lat_n the lateral force.  Each stage
 * (shear displacements, table lookups, forces) runs over all the wheels
 * before the next: independent work side by side for the processor; for
 * each wheel the operations and their order are those of one wheel alone. */
static inline void terra_step_n(struct wheel_contact *c, const struct soil_params *s,
				const struct terra_tab *t, const double *v_roll, const double *u,
				const double *ut, double dt_s, int n, double *fl)
{
	double dj[TERRA_STEP_N_MAX], djt[TERRA_STEP_N_MAX], sh[TERRA_STEP_N_MAX], sht[TERRA_STEP_N_MAX];
	int i;

	for (i = 0; i < n; i++) {
		double a = fabs(v_roll[i]), b = fabs(u[i]);
		double v_ref = a > b ? a : b, relax;

		if (v_ref < s->v_min_mps)
			v_ref = s->v_min_mps;
		relax = v_ref * c[i].inv_len;
		dj[i] = (v_roll[i] - u[i]) - relax * c[i].j_m;
		djt[i] = -ut[i] - relax * c[i].jt_m;
		c[i].j_m += dt_s * dj[i];
		c[i].jt_m += dt_s * djt[i];
		c[i].slip = c[i].j_m * c[i].inv_len;
	}
	for (i = 0; i < n; i++) {
		sh[i] = terra_shear(t, c[i].fmax_n, c[i].inv_k, c[i].j_m);
		sht[i] = terra_shear(t, c[i].fmax_n, c[i].inv_k, c[i].jt_m);
	}
	for (i = 0; i < n; i++) {
		double f = terra_clamp(sh[i] + s->damp_n_s_m * dj[i], c[i].fmax_n);
		double ft = terra_clamp(sht[i] + s->damp_n_s_m * djt[i], c[i].fmax_n);

		c[i].f_long_n = f;
		c[i].f_lat_n = ft;
		fl[i] = f - c[i].rc_n * terra_clamp(u[i] * s->inv_rr_eps, 1.0);
	}
}

#endif
