/*
 * Homing against a limit switch; see homing.h and docs/printer.md.
 */
#include "homing.h"
#include "fixed.h"

#define HOME_RATE_MAX 1073741824L

void homing_init(struct homing *h)
{
	h->state = HOME_IDLE;
	h->fail = HOME_FAIL_NONE;
	h->travelled = 0;
	h->frac_q16 = 0;
}

int homing_start(struct homing *h, const struct home_cfg *c)
{
	if ((c->dir != 1 && c->dir != -1) || c->seek_q16 <= 0 || c->seek_q16 > HOME_RATE_MAX ||
	    c->approach_q16 <= 0 || c->approach_q16 > 65536L || c->backoff_steps <= 0 ||
	    c->backoff_steps > HOME_RATE_MAX || c->max_travel_steps <= 0)
		return -1;
	/* The seek may overrun the switch edge by the steps of one tick, so the
	 * backoff must be at least that long to release the switch. */
	if (c->backoff_steps < fx_asr(c->seek_q16 + 65535L, 16))
		return -1;
	h->state = HOME_SEEK;
	h->fail = HOME_FAIL_NONE;
	h->travelled = 0;
	h->frac_q16 = 0;
	return 0;
}

static void enter(struct homing *h, uint8_t state)
{
	h->state = state;
	h->travelled = 0;
	h->frac_q16 = 0;
}

static int32_t fail(struct homing *h, uint8_t why)
{
	enter(h, HOME_FAILED);
	h->fail = why;
	return 0;
}

/* Steps due this tick at rate q16, at most limit. */
static int32_t due(struct homing *h, int32_t rate_q16, int32_t limit)
{
	int32_t n = fx_asr(h->frac_q16 + rate_q16, 16);

	h->frac_q16 = (h->frac_q16 + rate_q16) & 0xFFFFL;
	if (n > limit)
		n = limit;
	h->travelled += n;
	return n;
}

int32_t homing_tick(struct homing *h, const struct home_cfg *c, uint8_t pressed)
{
	int32_t n;

	switch (h->state) {
	case HOME_SEEK:
		if (pressed) {
			enter(h, HOME_BACKOFF);
			return 0;
		}
		if (h->travelled >= c->max_travel_steps)
			return fail(h, HOME_FAIL_NOT_FOUND);
		n = due(h, c->seek_q16, c->max_travel_steps - h->travelled);
		return n * c->dir;
	case HOME_BACKOFF:
		if (h->travelled >= c->backoff_steps) {
			if (pressed)
				return fail(h, HOME_FAIL_STUCK);
			enter(h, HOME_APPROACH);
			return 0;
		}
		n = due(h, c->seek_q16, c->backoff_steps - h->travelled);
		return -n * c->dir;
	case HOME_APPROACH:
		if (pressed) {
			enter(h, HOME_DONE);
			return 0;
		}
		if (h->travelled >= 2 * c->backoff_steps)
			return fail(h, HOME_FAIL_LOST);
		n = due(h, c->approach_q16, 2 * c->backoff_steps - h->travelled);
		return n * c->dir;
	default:
		return 0;
	}
}
