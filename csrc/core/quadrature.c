/*
 * 4x quadrature decoder and windowed speed estimator.  See docs/fixed_point.md.
 */
#include "quadrature.h"
#include "fixed.h"

#define QUAD_ILLEGAL 2

/* Index (prev_ab << 2) | ab.  Forward gray order 00 -> 01 -> 11 -> 10 -> 00. */
static const int8_t quad_step[16] = {
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
	int8_t s;

	ab &= 3u;
	s = quad_step[((q->prev_ab & 3u) << 2) | ab];
	if (s == QUAD_ILLEGAL)
		q->illegal++;
	else
		/* Wraps modulo 2^32 (two's complement, as gcc and avr-gcc convert)
		 * so the windowed difference below stays right across the wrap. */
		q->count = (int32_t)((uint32_t)q->count + (uint32_t)(int32_t)s);
	q->prev_ab = ab;
}

int speed_est_init(struct speed_est *s, int32_t mrad_per_count_q16, uint8_t window_ms,
		   int32_t count_now)
{
	uint8_t i;

	if (window_ms < 1 || window_ms > SPEED_EST_WIN_MAX)
		return -1;
	for (i = 0; i < SPEED_EST_WIN_MAX; i++)
		s->hist[i] = 0;
	s->mrad_per_count_q16 = mrad_per_count_q16;
	s->speed_mradps = 0;
	s->window_ms = window_ms;
	s->hist[0] = count_now;
	s->head = (uint8_t)(1u % window_ms);
	s->filled = 1;
	return 0;
}

/*
 * speed = delta * k_q16 * 1000 / (span << 16), truncated toward zero, exact:
 * with den = span << 16, q = num / den and r = num % den (num = delta * k),
 * num * 1000 / den == q * 1000 + (r * 125) / (span << 13) because both parts
 * share the sign of num.  |r| < 2^22 so r * 125 fits int32.
 *
 * The common case (|delta| <= 32767, |k| <= 65535) works on magnitudes and
 * uses floor(floor(x / 2^n) / span) == floor(x / (span 2^n)): both
 * divisions become 16-bit by 8-bit, which an 8-bit MCU does in a fraction of
 * the time of a 32-bit division (six wheels at 1 kHz on an ATmega2560).
 * Otherwise 64 bits.  Results are identical either way.
 */
int32_t speed_est_update(struct speed_est *s, int32_t count_now)
{
	uint8_t w = s->window_ms, oldest;
	int32_t delta, k = s->mrad_per_count_q16, den, r;
	int32_t span;

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
	delta = (int32_t)((uint32_t)count_now - (uint32_t)s->hist[oldest]);

	if (delta >= -32767 && delta <= 32767 && k >= -65535 && k <= 65535) {
		int32_t num = delta * k, v;
		uint32_t a = num < 0 ? (uint32_t)(-num) : (uint32_t)num;	/* < 2^31 */
		uint16_t qa = (uint16_t)((uint16_t)(a >> 16) / (uint8_t)span);
		uint32_t ra = a - (((uint32_t)qa * (uint32_t)span) << 16);	/* < span 2^16 */
		uint16_t fa = (uint16_t)((uint16_t)((ra * 125u) >> 13) / (uint8_t)span);

		v = (int32_t)qa * 1000 + (int32_t)fa;
		s->speed_mradps = num < 0 ? -v : v;
	} else {
		int64_t num = (int64_t)delta * k, q;

		den = span * 65536;
		q = num / den;
		r = (int32_t)(num - q * den);
		s->speed_mradps = fx_sat32_from64(q * 1000 + (r * 125) / (span * 8192));
	}

	s->hist[s->head] = count_now;
	s->head = (uint8_t)(s->head + 1u);
	if (s->head >= w)
		s->head = 0;
	if (s->filled < w)
		s->filled++;
	return s->speed_mradps;
}
