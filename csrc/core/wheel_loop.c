/*
 * Wheel velocity loop: slew-limited ramp, PID with anti-windup, stall latch.
 * The step itself is in wheel_loop_step.h (inline, so a board can
 * specialise it to constant gains).  See docs/fixed_point.md.
 */
#include "wheel_loop_step.h"

void wheel_loop_init(struct wheel_loop *w)
{
	w->target_mradps = 0;
	wheel_loop_reset(w);
}

void wheel_loop_reset(struct wheel_loop *w)
{
	w->ramp_q8 = 0;
	w->integ_q8 = 0;
	w->prev_err = 0;
	w->effort = 0;
	w->stall_count_ms = 0;
	w->stalled = 0;
}

void wheel_loop_set_target(struct wheel_loop *w, int32_t target_mradps)
{
	w->target_mradps = fx_clamp32(target_mradps, -(int32_t)WHEEL_TARGET_MAX_MRADPS,
				      (int32_t)WHEEL_TARGET_MAX_MRADPS);
	/* A stall stays latched until wheel_loop_reset(): commanding zero (which
	 * any stop does) must not hide it from the host's fault protection. */
}

int32_t wheel_ramp_step(struct wheel_loop *w, int32_t slew)
{
	const int32_t tmax_q8 = (int32_t)WHEEL_TARGET_MAX_MRADPS * 256;
	int32_t target_q8 = fx_clamp32(w->target_mradps, -(int32_t)WHEEL_TARGET_MAX_MRADPS,
				       (int32_t)WHEEL_TARGET_MAX_MRADPS) * 256;
	int32_t ramp = fx_clamp32(w->ramp_q8, -tmax_q8, tmax_q8);
	int32_t d = target_q8 - ramp;

	if (slew < 0)
		slew = 0;
	if (d > slew)
		ramp += slew;
	else if (d < -slew)
		ramp -= slew;
	else
		ramp = target_q8;
	w->ramp_q8 = ramp;
	return wheel_floor_div256(ramp + 128);
}

int16_t wheel_loop_step(struct wheel_loop *w, const struct wheel_loop_cfg *c,
			int32_t meas_mradps)
{
	return wheel_loop_step_inline(w, c, meas_mradps);
}
