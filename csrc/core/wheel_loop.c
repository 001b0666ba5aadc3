/*
 * Wheel velocity loop: slew-limited ramp, PID with anti-windup, stall latch.
 * Integer only; every product is int32 x int16 of saturated operands so it
 * fits int32 (no 64-bit math in this 1 kHz path).  See docs/fixed_point.md.
 */
#include "wheel_loop.h"
#include "fixed.h"

#define ERR_MAX ((int32_t)32767)

static int32_t abs32(int32_t v)
{
	return v < 0 ? -v : v;	/* callers pass saturated values, never INT32_MIN */
}

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

/* Stalled (or just latched): stop pushing and forget the loop history so a
 * restart ramps up from rest instead of kicking with stale state. */
static int16_t go_idle(struct wheel_loop *w)
{
	w->ramp_q8 = 0;
	w->integ_q8 = 0;
	w->prev_err = 0;
	w->effort = 0;
	return 0;
}

int16_t wheel_loop_step(struct wheel_loop *w, const struct wheel_loop_cfg *c,
			int32_t meas_mradps)
{
	const int32_t tmax = (int32_t)WHEEL_TARGET_MAX_MRADPS;
	int32_t emax, emax_q8, slew, meas, target_q8, ramp, d, sp;
	int32_t err, derr, pd, integ, inc, u, eff;

	if (w->stalled)
		return go_idle(w);

	emax = fx_clamp32(c->effort_max, 0, FX_Q15_MAX);
	emax_q8 = emax * 256;
	slew = c->slew_q8 < 0 ? 0 : c->slew_q8;
	meas = fx_clamp32(meas_mradps, -(int32_t)WHEEL_MEAS_MAX_MRADPS,
			  (int32_t)WHEEL_MEAS_MAX_MRADPS);

	/* Ramp: |target_q8 - ramp| <= 2 * 2.56e8, no overflow. */
	target_q8 = fx_clamp32(w->target_mradps, -tmax, tmax) * 256;
	ramp = fx_clamp32(w->ramp_q8, -tmax * 256, tmax * 256);
	d = target_q8 - ramp;
	if (d > slew)
		ramp += slew;
	else if (d < -slew)
		ramp -= slew;
	else
		ramp = target_q8;
	w->ramp_q8 = ramp;

	/* Setpoint rounded half up to mrad/s. */
	sp = fx_asr(ramp + 128, 8);
	err = fx_clamp32(sp - meas, -ERR_MAX, ERR_MAX);
	derr = fx_clamp32(err - fx_clamp32(w->prev_err, -ERR_MAX, ERR_MAX), -ERR_MAX, ERR_MAX);
	w->prev_err = err;

	pd = fx_add_sat32((int32_t)c->kp_q8 * err, (int32_t)c->kd_q8 * derr);
	integ = fx_clamp32(w->integ_q8, -emax_q8, emax_q8);
	inc = (int32_t)c->ki_q8 * err;
	u = fx_add_sat32(pd, integ);
	/* Conditional integration: no further windup in the direction the
	 * saturated output already pushes. */
	if (!((u >= emax_q8 && inc > 0) || (u <= -emax_q8 && inc < 0)))
		integ = fx_clamp32(fx_add_sat32(integ, inc), -emax_q8, emax_q8);
	w->integ_q8 = integ;
	u = fx_add_sat32(pd, integ);
	eff = fx_clamp32(fx_asr(fx_add_sat32(u, 128), 8), -emax, emax);

	if (c->stall_ms > 0 && c->stall_effort > 0 &&
	    abs32(eff) >= c->stall_effort && abs32(meas) <= c->stall_speed_mradps) {
		if (w->stall_count_ms < c->stall_ms)
			w->stall_count_ms++;
		if (w->stall_count_ms >= c->stall_ms) {
			w->stalled = 1;
			return go_idle(w);
		}
	} else {
		w->stall_count_ms = 0;
	}

	w->effort = (int16_t)eff;
	return w->effort;
}
