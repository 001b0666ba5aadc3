/*
 * The quadrature decoder's step and the speed estimator's update as static
 * inline functions: what quad_update() and speed_est_update() do, for a
 * port that decodes in its encoder interrupt (a call from an interrupt
 * handler would save every call-clobbered register) and a board that runs
 * six estimators a tick.  quadrature.c's functions are these same ones.
 */
#ifndef ROVER_CORE_QUAD_STEP_H
#define ROVER_CORE_QUAD_STEP_H

#include <stdint.h>
#include "quadrature.h"

#define QUAD_ILLEGAL 2

/* Index (prev_ab << 2) | ab (quadrature.c).  Kept in RAM on AVR too: it
 * is read on every encoder edge. */
extern const int8_t quad_step_table[16];

/* The step from A/B levels prev_ab to ab: -1, 0, +1, or QUAD_ILLEGAL
 * (both lines changed).  8-bit only, for an interrupt handler that keeps
 * a small signed count of steps (and of illegal changes) between ticks. */
static inline int8_t quad_step_of(uint8_t prev_ab, uint8_t ab)
{
	return quad_step_table[((prev_ab & 3u) << 2) | (ab & 3u)];
}

static inline void quad_update_inline(struct quad_dec *q, uint8_t ab)
{
	int8_t s;

	ab &= 3u;
	s = quad_step_of(q->prev_ab, ab);
	if (s == QUAD_ILLEGAL)
		q->illegal++;
	else
		/* Wraps modulo 2^32 (two's complement, as gcc and avr-gcc convert)
		 * so the windowed difference stays right across the wrap. */
		q->count = (int32_t)((uint32_t)q->count + (uint32_t)(int32_t)s);
	q->prev_ab = ab;
}

/* round(a * rate / 2^16) for a <= 2^15 with two 16 x 16 -> 32-bit
 * multiplies: a * rate_int * 2^16 is a multiple of 2^16, so rounding the
 * fraction's product alone is exact; a * frac + 2^15 < 2^31 and the sum
 * < 2^32. */
static inline uint32_t speed_full_window(uint16_t a, const struct speed_est *s)
{
	return (((uint32_t)a * s->rate_frac_q16 + 0x8000u) >> 16) + (uint32_t)a * s->rate_int;
}

static inline int32_t speed_signed(uint32_t v, uint8_t neg)
{
	if (v > (uint32_t)INT32_MAX)
		v = (uint32_t)INT32_MAX;
	return neg ? -(int32_t)v : (int32_t)v;
}

/* While the window fills, and for corrupted ring state (quadrature.c). */
int32_t speed_est_update_slow(struct speed_est *s, int32_t count_now);

/*
 * speed_est_update() (what quadrature.c's is).  Over the full window
 * (every update once it has filled): speed = round(|delta| * rate / 2^16)
 * with the sign of delta * k, saturated to +-INT32_MAX: two 16 x 16 ->
 * 32-bit multiplies, no division, or the speed table's entry for |delta|.
 * The oldest sample is the one at head.
 */
static inline int32_t speed_est_update_inline(struct speed_est *s, int32_t count_now)
{
	uint8_t w = s->window_ms, head = s->head;
	uint16_t now16 = (uint16_t)((uint32_t)count_now & 0xFFFFu), d16;
	uint32_t v;
	uint8_t neg;

	if (s->filled != w || head >= w || w > SPEED_EST_WIN_MAX)
		return speed_est_update_slow(s, count_now);
	d16 = (uint16_t)(now16 - s->hist[head]);
	neg = d16 >= 0x8000u;
	s->hist[head] = now16;
	s->head = (uint8_t)(head + 1u >= w ? 0u : head + 1u);
	if (neg)
		d16 = (uint16_t)(0u - d16);		/* |delta| <= 32768 */
	neg = (uint8_t)(neg != s->k_neg);
	if (d16 < s->table_n) {
		/* the same value; 16 bits, so no saturation */
		uint16_t v16 = s->table->speed[d16];

		s->speed_mradps = neg ? -(int32_t)v16 : (int32_t)v16;
		return s->speed_mradps;
	}
	v = speed_full_window(d16, s);
	s->speed_mradps = speed_signed(v, neg);
	return s->speed_mradps;
}

#endif
