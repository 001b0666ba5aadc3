/*
 * Printer motion: trapezoidal moves with exact step generation.
 *
 * Positions are stepper steps (int32).  Time is the 1 kHz control tick.
 * A move is a straight line from the current position to a target on up to
 * MOTION_AXES axes (X, Y, Z, recoater).  The axis with the most steps is the
 * major axis; its step rate follows a trapezoid (accelerate, cruise,
 * decelerate, each decided tick by tick from the steps left), and the other
 * axes follow it by Bresenham, so every axis lands exactly on its target.
 *
 * Rates are Q16 steps per tick (65536 = one step per ms = 1 kHz).
 * motion_tick() decides how many steps fall in the coming tick (at most
 * ceil(v_q16 / 65536), never above the axis limits) and produces them one by
 * one; a board's step timer spaces them evenly inside the tick.
 * docs/printer.md has the reasoning and the limits.
 */
#ifndef ROVER_CORE_MOTION_H
#define ROVER_CORE_MOTION_H

#include <stdint.h>

/* cffi:begin */
#define MOTION_AXES 4
/* Targets and positions are kept inside +-MOTION_POS_MAX so that every
 * Bresenham sum stays below 2^31. */
#define MOTION_POS_MAX 268435455
/* Rates and accelerations are capped here (16384 steps per tick), so the
 * fractional sum and v^2 stay in range. */
#define MOTION_V_MAX_Q16 1073741824

enum motion_status {
	MOTION_OK = 0,
	MOTION_ERR_BUSY = -1,       /* a move is in progress */
	MOTION_ERR_LIMIT = -2,      /* target outside the soft limits */
	MOTION_ERR_RATE = -3,       /* non-positive rate or acceleration */
	MOTION_ERR_AXIS = -4        /* axis index out of range */
};

struct motion_cfg {
	int32_t vmax_q16[4];        /* max step rate per axis, Q16 steps/tick */
	int32_t accel_q16[4];       /* max acceleration per axis, Q16 steps/tick^2 */
	int32_t pos_min[4];         /* soft limits, steps */
	int32_t pos_max[4];
};

struct motion {
	int32_t pos[4];             /* position, steps (commanded = emitted) */
	int32_t target[4];
	int32_t delta[4];           /* |target - start| per axis */
	int32_t err[4];             /* Bresenham accumulators */
	int8_t dir[4];              /* -1, 0, +1 */
	int32_t n_major;            /* steps of the major axis in this move */
	int32_t done;               /* major steps emitted */
	int32_t v_q16;              /* current major-axis rate */
	int32_t vcruise_q16;        /* cruise rate of this move */
	int32_t a_q16;              /* acceleration of this move */
	int32_t frac_q16;           /* fractional major step carried between ticks */
	uint8_t active;
};

void motion_init(struct motion *m);
/* Redefine an axis position (after homing).  Refused while moving. */
int motion_set_position(struct motion *m, uint8_t axis, int32_t pos);
/* Start a move to target[0..3] at up to v_q16 (major axis, capped by the
 * slowest participating axis).  Returns enum motion_status. */
int motion_start(struct motion *m, const struct motion_cfg *c, const int32_t *target,
		 int32_t v_q16);
/* One tick: emits this tick's steps, signed counts per axis into steps[4].
 * Returns the number of major-axis steps. */
int32_t motion_tick(struct motion *m, int32_t *steps);
/* Immediate stop (abort, fault): the move ends where it is. */
void motion_stop(struct motion *m);
/* cffi:end */

#endif
