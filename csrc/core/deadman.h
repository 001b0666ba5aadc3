/*
 * Output deadman: an output (the printer's heat source) stays enabled only
 * while its command is refreshed within period_ms.  Not refreshed in time,
 * deadman_check() reports expired (the caller switches the output off) and
 * stays expired until the next refresh.  Board time in ms, compared with
 * wrap-safe subtraction.
 */
#ifndef ROVER_CORE_DEADMAN_H
#define ROVER_CORE_DEADMAN_H

#include <stdint.h>

/* cffi:begin */
struct deadman {
	uint32_t deadline_ms;
	uint8_t armed;              /* a refreshed command is in force */
	uint8_t expired;            /* the last armed command ran out */
};

void deadman_init(struct deadman *d);
/* A fresh command at now_ms: enabled until now_ms + period_ms. */
void deadman_refresh(struct deadman *d, uint32_t now_ms, uint32_t period_ms);
/* The output was switched off on purpose: nothing to watch. */
void deadman_disarm(struct deadman *d);
/* Returns 1 if the output must be off now because its command expired. */
uint8_t deadman_check(struct deadman *d, uint32_t now_ms);
/* cffi:end */

#endif
