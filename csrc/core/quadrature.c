/*
 * 4x quadrature decoder and windowed speed estimator.  See docs/fixed_point.md.
 */
#include "quad_step.h"
#include "fixed.h"

/* Index (prev_ab << 2) | ab.  Forward gray order 00 -> 01 -> 11 -> 10 -> 00. */
const int8_t quad_step_table[16] = {
	/* prev 00 */ 0, 1, -1, QUAD_ILLEGAL,
	/* prev 01 */ -1, 0, QUAD_ILLEGAL, 1,
	/* prev 10 */ 1, QUAD_ILLEGAL, 0, -1,
	/* prev 11 */ QUAD_ILLEGAL, -1, 1, 0,
};

void quad_init(struct quad_dec *q, uint8_t ab)
{
	q->count = 0;
	q->illegal = 0;
	q->prev_ab = (uint8_t)(ab & 3u);
}

void quad_update(struct quad_dec *q, uint8_t ab)
{
	quad_update_inline(q, ab);
}

int speed_est_init(struct speed_est *s, int32_t mrad_per_count_q16, uint8_t window_ms,
		   int32_t count_now)
{
	uint64_t num, rate;
	uint8_t i;

	if (window_ms < 1 || window_ms > SPEED_EST_WIN_MAX)
		return -1;
	/* rate = |k| * 1000 / window mrad/s per count, Q16, rounded */
	num = (uint64_t)(mrad_per_count_q16 < 0 ? -(int64_t)mrad_per_count_q16
						 : (int64_t)mrad_per_count_q16) * 1000u;
	rate = (num + window_ms / 2u) / window_ms;
	if (rate > 0xFFFFFFFFu)
		return -1;
	for (i = 0; i < SPEED_EST_WIN_MAX; i++)
		s->hist[i] = 0;
	s->mrad_per_count_q16 = mrad_per_count_q16;
	s->rate_int = (uint16_t)(rate >> 16);
	s->rate_frac_q16 = (uint16_t)(rate & 0xFFFFu);
	s->speed_mradps = 0;
	s->table = 0;
	s->table_n = 0;
	s->k_neg = mrad_per_count_q16 < 0;
	s->window_ms = window_ms;
	s->hist[0] = (uint16_t)((uint32_t)count_now & 0xFFFFu);
	s->head = (uint8_t)(1u % window_ms);
	s->filled = 1;
	return 0;
}

/*
 * While the window fills (the first window_ms - 1 updates after init) the
 * span is shorter and the exact quotient is used:
 * speed = delta * k_q16 * 1000 / (span << 16), truncated toward zero.  With
 * den = span << 16, q = num / den and r = num % den (num = delta * k),
 * num * 1000 / den == q * 1000 + (r * 125) / (span << 13) because both parts
 * share the sign of num.  |r| < 2^22 so r * 125 fits int32.  When
 * |k| <= 65535 this works on magnitudes with 16-bit by 8-bit divisions,
 * using floor(floor(x / 2^n) / span) == floor(x / (span 2^n)); otherwise
 * 64 bits.  Also repairs corrupted ring indices.  Out of line (declared in
 * quad_step.h) so that the inline full-window path stays small.
 */
int32_t speed_est_update_slow(struct speed_est *s, int32_t count_now)
{
	uint8_t w = s->window_ms, oldest, span;
	uint16_t now16 = (uint16_t)((uint32_t)count_now & 0xFFFFu), d16;
	int32_t delta, k = s->mrad_per_count_q16;

	if (w < 1 || w > SPEED_EST_WIN_MAX)
		w = SPEED_EST_WIN_MAX;	/* corrupted state: stay in bounds */
	if (s->filled < 1 || s->filled > w)
		s->filled = w;
	if (s->head >= w)
		s->head = 0;

	oldest = (uint8_t)(s->head + w - s->filled);	/* < 2w <= 128 */
	if (oldest >= w)
		oldest = (uint8_t)(oldest - w);
	span = s->filled;
	/* the count difference modulo 2^16, read as -32768..32767 */
	d16 = (uint16_t)(now16 - s->hist[oldest]);
	delta = d16 >= 0x8000u ? (int32_t)d16 - 65536 : (int32_t)d16;

	if (span == w) {
		s->speed_mradps = speed_signed(speed_full_window((uint16_t)(delta < 0 ? -delta : delta),
								 s), (delta < 0) != (k < 0));
	} else if (k >= -65535 && k <= 65535) {
		int32_t num = delta * k, v;
		uint32_t a = num < 0 ? (uint32_t)(-num) : (uint32_t)num;	/* < 2^31 */
		uint16_t qa = (uint16_t)((uint16_t)(a >> 16) / span);
		uint32_t ra = a - (((uint32_t)qa * (uint32_t)span) << 16);	/* < span 2^16 */
		uint16_t fa = (uint16_t)((uint16_t)((ra * 125u) >> 13) / span);

		v = (int32_t)qa * 1000 + (int32_t)fa;
		s->speed_mradps = num < 0 ? -v : v;
	} else {
		int64_t num = (int64_t)delta * k, q, den = (int64_t)span * 65536;
		int32_t r;

		q = num / den;
		r = (int32_t)(num - q * den);
		s->speed_mradps = fx_sat32_from64(q * 1000 + (r * 125) / ((int32_t)span * 8192));
	}

	s->hist[s->head] = now16;
	s->head = (uint8_t)(s->head + 1u);
	if (s->head >= w)
		s->head = 0;
	if (s->filled < w)
		s->filled++;
	return s->speed_mradps;
}

int32_t speed_est_update(struct speed_est *s, int32_t count_now)
{
	return speed_est_update_inline(s, count_now);
}

void speed_table_init(struct speed_table *t, const struct speed_est *s)
{
	uint8_t a;

	t->rate_int = s->rate_int;
	t->rate_frac_q16 = s->rate_frac_q16;
	for (a = 0; a < SPEED_TABLE_MAX; a++) {
		uint32_t v = speed_full_window(a, s);	/* grows with a */

		if (v > 0xFFFFu)
			break;
		t->speed[a] = (uint16_t)v;
	}
	t->n = a;
}

int speed_est_use_table(struct speed_est *s, const struct speed_table *t)
{
	if (t->rate_int != s->rate_int || t->rate_frac_q16 != s->rate_frac_q16 ||
	    t->n > SPEED_TABLE_MAX) {
		s->table = 0;
		s->table_n = 0;
		return -1;
	}
	s->table = t;
	s->table_n = t->n;
	return 0;
}
