/*
 * Battery and solar panel.
 */
#include <math.h>
#include "power.h"

double battery_ocv(const struct battery_params *p, double soc)
{
	double x;
	int i;

	if (soc <= 0.0)
		return p->ocv_v[0];
	if (soc >= 1.0)
		return p->ocv_v[10];
	x = soc * 10.0;
	i = (int)x;
	x -= i;
	return p->ocv_v[i] + x * (p->ocv_v[i + 1] - p->ocv_v[i]);
}

void battery_init(struct battery *b, const struct battery_params *p)
{
	b->soc = p->soc_init;
	b->v_term = battery_ocv(p, b->soc);
	b->i_a = 0.0;
	b->energy_used_j = 0.0;
}

void battery_step(struct battery *b, const struct battery_params *p, double load_w,
		  double solar_w, double dt_s)
{
	double ocv = battery_ocv(p, b->soc);
	double net_w = load_w - solar_w, r = p->r_int_ohm, disc, i;

	if (b->soc >= 1.0 && net_w < 0.0)
		net_w = 0.0;            /* full: the charger sheds the surplus */
	/* I (OCV - I R) = P  ->  R I^2 - OCV I + P = 0, smaller root. */
	disc = ocv * ocv - 4.0 * r * net_w;
	if (disc < 0.0)
		disc = 0.0;             /* beyond max power: deliver what it can */
	i = r > 0.0 ? (ocv - sqrt(disc)) / (2.0 * r) : net_w / ocv;
	b->i_a = i;
	b->v_term = ocv - i * r;
	b->soc -= ocv * i * dt_s / p->capacity_j;
	if (b->soc > 1.0)
		b->soc = 1.0;
	if (b->soc < 0.0)
		b->soc = 0.0;
	if (load_w > 0.0)
		b->energy_used_j += load_w * dt_s;
}

double solar_power(const struct solar_params *p, double yaw_rad, double sun_az_rad,
		   double sun_el_rad, int sunlit)
{
	double c;

	if (!sunlit)
		return 0.0;
	c = cos(sun_el_rad) * cos(sun_az_rad - (yaw_rad + p->normal_body_rad));
	if (c <= 0.0)
		return 0.0;
	return p->irradiance_w_m2 * p->area_m2 * p->efficiency * c;
}
