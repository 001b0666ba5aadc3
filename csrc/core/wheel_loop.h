/*
 * Wheel velocity loop, run at 1 kHz per wheel: slew-limited setpoint ramp,
 * PID with anti-windup and output clamp, stall detection.
 *
 * Units: wheel angular speed in mrad/s (wheel side of the gearbox), effort in
 * Q15 duty.  Gains are Q8 (value * 256).  Error is saturated to +-32767 mrad/s
 * before multiplying so every product fits in int32 (fast on AVR).
 */
#ifndef ROVER_CORE_WHEEL_LOOP_H
#define ROVER_CORE_WHEEL_LOOP_H

#include <stdint.h>

/* cffi:begin */
/* set_target saturates to +-this (about 1.5x the fastest wheel we plan,
 * and ramp_q8 = target * 256 then stays far inside int32). */
#define WHEEL_TARGET_MAX_MRADPS 1000000
/* meas is saturated to +-this before use (the error saturates anyway). */
#define WHEEL_MEAS_MAX_MRADPS 2000000

struct wheel_loop_cfg {
	int16_t kp_q8;              /* effort counts per mrad/s, Q8 */
	int16_t ki_q8;              /* effort counts per mrad/s per tick, Q8 */
	int16_t kd_q8;              /* effort counts per (mrad/s per tick), Q8 */
	int16_t effort_max;         /* output clamp, Q15, 0..32767 */
	int32_t slew_q8;            /* max setpoint change per tick, mrad/s Q8 */
	int16_t stall_effort;       /* |effort| at or above this counts as "pushing" */
	int16_t stall_speed_mradps; /* |speed| at or below this counts as "not turning" */
	uint16_t stall_ms;          /* consecutive ticks pushing+not turning -> stalled;
				       0 (or stall_effort <= 0) disables detection */
};

struct wheel_loop {
	int32_t target_mradps;      /* commanded setpoint */
	int32_t ramp_q8;            /* slew-limited setpoint, mrad/s Q8 */
	int32_t integ_q8;           /* integrator, effort Q8 (effort * 256) */
	int16_t prev_err;           /* previous error, mrad/s, saturated to +-32767 */
	int16_t effort;             /* last output, Q15 */
	uint16_t stall_count_ms;
	uint8_t stalled;            /* latched until wheel_loop_reset() */
};

void wheel_loop_init(struct wheel_loop *w);
/* Resets integrator, ramp, stall latch; output 0. */
void wheel_loop_reset(struct wheel_loop *w);
void wheel_loop_set_target(struct wheel_loop *w, int32_t target_mradps);
/* One 1 ms tick.  Returns the effort (also stored in w->effort). */
int16_t wheel_loop_step(struct wheel_loop *w, const struct wheel_loop_cfg *c,
			int32_t meas_mradps);
/* cffi:end */

#endif
