/*
 * Stepper axes with missed steps; see gantry.h.
 */
#include <math.h>
#include <string.h>
#include "gantry.h"

void gantry_default_params(struct gantry_params *p)
{
	static const double steps_per_mm[4] = {80.0, 80.0, 400.0, 80.0};
	int i;

	for (i = 0; i < 4; i++) {
		p->pullout_steps_per_ms[i] = i == 2 ? 4.0 : 8.0;
		p->slew_steps_per_ms2[i] = i == 2 ? 0.1 : 0.2;
		p->stop_steps[i] = 3.0 * steps_per_mm[i];
		p->start_pos[i] = (i == 2 ? 5.0 : 40.0) * steps_per_mm[i];
	}
}

void gantry_init(struct gantry *g, const struct gantry_params *p)
{
	int i;

	for (i = 0; i < 4; i++) {
		g->pos[i] = p->start_pos[i];
		g->field[i] = p->start_pos[i];
		g->rate[i] = 0.0;
		g->load[i] = 1.0;
		g->lost[i] = 0;
	}
}

/* The field (commanded position) moves by the board's steps; the rotor
 * follows it at a rate limited by the pull-out rate and the torque margin
 * (slew), except in the start-stop region (both rates at most one step per
 * ms), where it follows step by step.  When the rotor lags the field by
 * more than GANTRY_SLIP_STEPS (two full steps at 1/16 microstepping: past
 * that the torque reverses) it slips: the field re-locks where the rotor
 * is and the difference is lost. */
#define GANTRY_SLIP_STEPS 32.0

#define SIGN_BIT 0x8000000000000000ull

static uint64_t bits(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof u);
	return u;
}

void gantry_step(struct gantry *g, const struct gantry_params *p, const int32_t *steps)
{
	int i;

	for (i = 0; i < 4; i++) {
		double load, vmax, dv, v, lag;

		/* At rest on its field above the hard stop, with no steps: the step
		 * below would leave every value as it is, bit for bit, so it is
		 * skipped.  Rotor and field the same bits, not -0.0 (adding 0 would
		 * make it +0.0), finite; the rate exactly +0.0; the pull-out rate
		 * not negative. */
		if (steps[i] == 0 && bits(g->rate[i]) == 0 && bits(g->pos[i]) == bits(g->field[i]) &&
		    bits(g->pos[i]) != SIGN_BIT && g->pos[i] > -p->stop_steps[i] &&
		    g->pos[i] < HUGE_VAL && !(p->pullout_steps_per_ms[i] < 0.0))
			continue;
		load = g->load[i] > 1.0 ? g->load[i] : 1.0;
		vmax = p->pullout_steps_per_ms[i] / load;
		dv = p->slew_steps_per_ms2[i] / load;

		g->field[i] += (double)steps[i];
		v = g->field[i] - g->pos[i];               /* catch up in one ms if it can */
		if (!(fabs(v) <= 1.0 && fabs(g->rate[i]) <= 1.0)) {
			if (v > g->rate[i] + dv)
				v = g->rate[i] + dv;
			if (v < g->rate[i] - dv)
				v = g->rate[i] - dv;
		}
		if (v > vmax)
			v = vmax;
		if (v < -vmax)
			v = -vmax;
		if (g->pos[i] + v < -p->stop_steps[i])
			v = -p->stop_steps[i] - g->pos[i];     /* against the hard stop */
		g->pos[i] += v;
		g->rate[i] = v;
		lag = g->field[i] - g->pos[i];
		if (fabs(lag) > GANTRY_SLIP_STEPS || g->pos[i] <= -p->stop_steps[i]) {
			g->pos[i] = floor(g->pos[i] + 0.5);   /* settles on a step */
			g->lost[i] += (int64_t)floor(fabs(g->field[i] - g->pos[i]) + 0.5);
			g->field[i] = g->pos[i];
		}
	}
}

uint8_t gantry_switches(const struct gantry *g)
{
	uint8_t m = 0;
	int i;

	for (i = 0; i < 4; i++)
		if (g->pos[i] <= 0.0)
			m |= (uint8_t)(1u << i);
	return m;
}
