/*
 * Trapezoidal moves and exact step generation; see motion.h and
 * docs/printer.md ("Motion").
 */
#include "motion.h"
#include "fixed.h"

void motion_init(struct motion *m)
{
	uint8_t i;

	for (i = 0; i < MOTION_AXES; i++) {
		m->pos[i] = 0;
		m->target[i] = 0;
		m->delta[i] = 0;
		m->err[i] = 0;
		m->dir[i] = 0;
	}
	m->n_major = 0;
	m->done = 0;
	m->v_q16 = 0;
	m->vcruise_q16 = 0;
	m->a_q16 = 0;
	m->frac_q16 = 0;
	m->active = 0;
}

int motion_set_position(struct motion *m, uint8_t axis, int32_t pos)
{
	if (axis >= MOTION_AXES)
		return MOTION_ERR_AXIS;
	if (m->active)
		return MOTION_ERR_BUSY;
	if (pos > MOTION_POS_MAX || pos < -MOTION_POS_MAX)
		return MOTION_ERR_LIMIT;
	m->pos[axis] = pos;
	m->target[axis] = pos;
	return MOTION_OK;
}

static void end_move(struct motion *m)
{
	uint8_t i;

	for (i = 0; i < MOTION_AXES; i++) {
		m->target[i] = m->pos[i];
		m->delta[i] = 0;
		m->err[i] = 0;
		m->dir[i] = 0;
	}
	m->n_major = 0;
	m->done = 0;
	m->v_q16 = 0;
	m->frac_q16 = 0;
	m->active = 0;
}

void motion_stop(struct motion *m)
{
	end_move(m);
}

int motion_start(struct motion *m, const struct motion_cfg *c, const int32_t *target,
		 int32_t v_q16)
{
	int32_t d, vcap, acap, nmax = 0;
	uint8_t i;

	if (m->active)
		return MOTION_ERR_BUSY;
	if (v_q16 <= 0)
		return MOTION_ERR_RATE;
	for (i = 0; i < MOTION_AXES; i++) {
		if (target[i] < c->pos_min[i] || target[i] > c->pos_max[i] ||
		    target[i] > MOTION_POS_MAX || target[i] < -MOTION_POS_MAX)
			return MOTION_ERR_LIMIT;
	}
	vcap = v_q16 > MOTION_V_MAX_Q16 ? MOTION_V_MAX_Q16 : v_q16;
	acap = MOTION_V_MAX_Q16;
	for (i = 0; i < MOTION_AXES; i++) {
		if (target[i] == m->pos[i])
			continue;
		if (c->vmax_q16[i] <= 0 || c->accel_q16[i] <= 0)
			return MOTION_ERR_RATE;
		if (c->vmax_q16[i] < vcap)
			vcap = c->vmax_q16[i];
		if (c->accel_q16[i] < acap)
			acap = c->accel_q16[i];
	}
	for (i = 0; i < MOTION_AXES; i++) {
		/* both ends inside +-MOTION_POS_MAX: the difference fits int32 */
		d = target[i] - m->pos[i];
		m->dir[i] = (int8_t)(d > 0 ? 1 : (d < 0 ? -1 : 0));
		m->delta[i] = d < 0 ? -d : d;
		m->target[i] = target[i];
		if (m->delta[i] > nmax)
			nmax = m->delta[i];
	}
	m->n_major = nmax;
	m->done = 0;
	m->v_q16 = 0;
	m->frac_q16 = 0;
	if (nmax == 0) {
		end_move(m);
		return MOTION_OK;
	}
	/* Bresenham starts half way: minor steps are rounded to nearest. */
	for (i = 0; i < MOTION_AXES; i++)
		m->err[i] = nmax / 2;
	m->vcruise_q16 = vcap;
	m->a_q16 = acap;
	m->active = 1;
	return MOTION_OK;
}

/* Rate for the coming tick.  Decelerate when the steps left (Q16, minus the
 * carried fraction) are within the stopping distance from the current rate
 * plus one tick of travel: v^2 / (2a) + v, which bounds the discrete sum
 * v + (v - a) + (v - 2a) + ...; else accelerate up to the cruise rate.  The
 * rate never falls below one tick of acceleration (a), so the last steps are
 * always reached. */
static int32_t next_rate(const struct motion *m)
{
	int64_t left_q16, stop_q16;
	int32_t v = m->v_q16, a = m->a_q16;

	left_q16 = ((int64_t)(m->n_major - m->done) << 16) - m->frac_q16;
	stop_q16 = ((int64_t)v * v) / (2 * (int64_t)a) + v;
	if (left_q16 <= stop_q16)
		v = v - a;
	else if (v < m->vcruise_q16)
		v = v > m->vcruise_q16 - a ? m->vcruise_q16 : v + a;
	if (v > m->vcruise_q16)
		v = m->vcruise_q16;
	if (v < a)
		v = a < m->vcruise_q16 ? a : m->vcruise_q16;
	return v;
}

int32_t motion_tick(struct motion *m, int32_t *steps)
{
	int32_t n, k, left;
	uint8_t i;

	for (i = 0; i < MOTION_AXES; i++)
		steps[i] = 0;
	if (!m->active)
		return 0;
	m->v_q16 = next_rate(m);
	/* frac < 65536 and v <= vmax < 2^31 - 65536 keep the sum in range */
	n = fx_asr(m->frac_q16 + m->v_q16, 16);
	m->frac_q16 = (m->frac_q16 + m->v_q16) & 0xFFFFL;
	left = m->n_major - m->done;
	if (n >= left) {
		n = left;
		m->frac_q16 = 0;
	}
	for (k = 0; k < n; k++) {
		for (i = 0; i < MOTION_AXES; i++) {
			m->err[i] += m->delta[i];
			if (m->err[i] >= m->n_major) {
				m->err[i] -= m->n_major;
				m->pos[i] += m->dir[i];
				steps[i] += m->dir[i];
			}
		}
	}
	m->done += n;
	if (m->done >= m->n_major)
		end_move(m);
	return n;
}
