/*
 * Homing one axis against its limit switch.
 *
 * SEEK: step toward the switch at seek rate until it reads pressed (at most
 * max_travel steps, else FAILED); BACKOFF: step away backoff steps (the
 * switch must release, else FAILED: stuck switch); APPROACH: step back
 * toward it at the approach rate, at most one step per tick, so the edge is
 * found to one step (at most 2 * backoff steps, else FAILED); DONE: the
 * axis position is home_pos at the switch edge.
 *
 * The switch is sampled once per tick before the tick's steps; homing_tick()
 * returns the signed steps to emit in that tick.  Homing moves are slow
 * enough to start and stop without a ramp (below the motor's pull-in rate).
 */
#ifndef ROVER_CORE_HOMING_H
#define ROVER_CORE_HOMING_H

#include <stdint.h>

/* cffi:begin */
enum home_state {
	HOME_IDLE = 0,
	HOME_SEEK = 1,
	HOME_BACKOFF = 2,
	HOME_APPROACH = 3,
	HOME_DONE = 4,
	HOME_FAILED = 5
};

enum home_fail {
	HOME_FAIL_NONE = 0,
	HOME_FAIL_NOT_FOUND = 1,    /* no switch within max_travel */
	HOME_FAIL_STUCK = 2,        /* switch still pressed after the backoff */
	HOME_FAIL_LOST = 3          /* switch not found again on the approach */
};

struct home_cfg {
	int8_t dir;                 /* -1 or +1: direction toward the switch */
	int32_t seek_q16;           /* seek and backoff rate, Q16 steps/tick */
	int32_t approach_q16;       /* approach rate, Q16 steps/tick, <= 65536 */
	int32_t backoff_steps;      /* >= the seek steps of one tick */
	int32_t max_travel_steps;   /* > 0 */
	int32_t home_pos;           /* position at the switch edge, steps */
};

struct homing {
	uint8_t state;              /* enum home_state */
	uint8_t fail;               /* enum home_fail */
	int32_t travelled;          /* steps in the current phase */
	int32_t frac_q16;
};

void homing_init(struct homing *h);
/* Returns 0, or -1 for an invalid configuration (state unchanged). */
int homing_start(struct homing *h, const struct home_cfg *c);
/* One tick with the switch level sampled at its start (1 = pressed).
 * Returns the signed steps to emit. */
int32_t homing_tick(struct homing *h, const struct home_cfg *c, uint8_t pressed);
/* cffi:end */

#endif
