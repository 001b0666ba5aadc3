/*
 * Output deadman; see deadman.h.
 */
#include "deadman.h"

void deadman_init(struct deadman *d)
{
	d->deadline_ms = 0;
	d->armed = 0;
	d->expired = 0;
}

void deadman_refresh(struct deadman *d, uint32_t now_ms, uint32_t period_ms)
{
	/* periods are at most 2^31 - 1 ms so the wrap-safe compare holds */
	if (period_ms > 0x7FFFFFFFUL)
		period_ms = 0x7FFFFFFFUL;
	d->deadline_ms = now_ms + period_ms;
	d->armed = 1;
	d->expired = 0;
}

void deadman_disarm(struct deadman *d)
{
	d->armed = 0;
	d->expired = 0;
}

uint8_t deadman_check(struct deadman *d, uint32_t now_ms)
{
	if (d->armed && (int32_t)(now_ms - d->deadline_ms) > 0) {
		d->armed = 0;
		d->expired = 1;
	}
	return d->expired;
}
