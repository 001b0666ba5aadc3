/*
 * The wheel loop's 1 kHz step as a static inline function, so that a board
 * that runs it with a compile-time constant configuration (the mobility
 * board's BOARD_WHEEL_CFG) gets a copy specialised to its gains: the
 * derivative term with kd = 0, the clamps against a constant effort_max and
 * the stall test fold away.  wheel_loop_step() in wheel_loop.c is this same
 * function for any configuration.  One source, so the outputs are the same
 * on every target and for every configuration (docs/fixed_point.md).
 *
 * Integer only; every product is int32 x int16 of saturated operands so it
 * fits int32 (no 64-bit math in this 1 kHz path).
 */
#ifndef ROVER_CORE_WHEEL_LOOP_STEP_H
#define ROVER_CORE_WHEEL_LOOP_STEP_H

#include "wheel_loop.h"
#include "fixed.h"

#define WHEEL_ERR_MAX ((int32_t)32767)

/* Stalled (or just latched): stop pushing and forget the loop history so a
 * restart ramps up from rest instead of kicking with stale state. */
static inline int16_t wheel_go_idle(struct wheel_loop *w)
{
	w->ramp_q8 = 0;
	w->integ_q8 = 0;
	w->prev_err = 0;
	w->effort = 0;
	return 0;
}

/* floor(v / 256) for |v| < 2^30 without a signed shift: the bias makes
 * the operand positive (an 8-bit MCU then just drops the low byte). */
static inline int32_t wheel_floor_div256(int32_t v)
{
	return (int32_t)(((uint32_t)v + ((uint32_t)1 << 30)) >> 8) - ((int32_t)1 << 22);
}

static inline int16_t wheel_sat_err(int32_t v)
{
	return (int16_t)(v > WHEEL_ERR_MAX ? WHEEL_ERR_MAX : (v < -WHEEL_ERR_MAX ? -WHEEL_ERR_MAX : v));
}

/* The slew-limited setpoint, rounded half up to mrad/s.
 * |target_q8 - ramp| <= 2 * 2.56e8: no overflow.  Out of line in
 * wheel_loop.c: a settled ramp (the common case) never comes here. */
int32_t wheel_ramp_step(struct wheel_loop *w, int32_t slew);

/* Stall detection; returns 1 when the wheel has just latched. */
static inline uint8_t wheel_stall_step(struct wheel_loop *w, const struct wheel_loop_cfg *c,
				       int16_t eff, int32_t meas)
{
	if (c->stall_ms > 0 && c->stall_effort > 0 &&
	    (eff < 0 ? -eff : eff) >= c->stall_effort &&
	    (meas < 0 ? -meas : meas) <= c->stall_speed_mradps) {
		if (w->stall_count_ms < c->stall_ms)
			w->stall_count_ms++;
		if (w->stall_count_ms >= c->stall_ms) {
			w->stalled = 1;
			return 1;
		}
	} else if (w->stall_count_ms) {
		w->stall_count_ms = 0;
	}
	return 0;
}

/*
 * The common step of a loop with kd = 0, a proportional gain of whole
 * counts g = kp_q8 / 256 with |g| <= 8, |ki_q8| <= 127 and effort_max =
 * 32767 (the mobility board's): a settled ramp, an error within +-255 and
 * an integrator I within -30000 * 256 .. 30000 * 256 + 255.  Then nothing
 * saturates and the general step below reduces to a few short operations
 * with the same results (docs/fixed_point.md): |meas| <= 33023 so its
 * clamp is the identity; the error is not saturated; I is inside the
 * clamp; |u| = |g err 256 + I| <= 2040 * 256 + 7680255 < 32767 * 256, so
 * the integration is never skipped, and |I + ki err| <= 7680255 + 32385
 * needs no clamp; the output g err + floor((I' + 128) / 256) is at most
 * 2040 + 30128 in magnitude, inside the output clamp.  Returns 0 with w
 * untouched when the step is not of this kind (the general step runs).
 */
static inline uint8_t wheel_cfg_common(const struct wheel_loop_cfg *c)
{
	return c->kd_q8 == 0 && (c->kp_q8 & 0xFF) == 0 && c->kp_q8 >= -8 * 256 &&
	       c->kp_q8 <= 8 * 256 && c->ki_q8 >= -127 && c->ki_q8 <= 127 &&
	       c->effort_max == 32767;
}

static inline uint8_t wheel_step_common(struct wheel_loop *w, const struct wheel_loop_cfg *c,
					int32_t meas, int16_t *out)
{
	int32_t t = w->target_mradps, integ;
	uint32_t e;	/* t - meas + 255, modulo 2^32: no overflow for any meas */
	int16_t err, eff;

	if (w->stalled || t < -32768 || t > 32767 || w->ramp_q8 != (int32_t)(int16_t)t * 256)
		return 0;
	e = (uint32_t)t - (uint32_t)meas + 255u;
	if (e > 510u)		/* |t - meas| > 255 (a wrapped difference is far larger) */
		return 0;
	integ = w->integ_q8;
	if (integ < -(int32_t)30000 * 256 || integ > (int32_t)30000 * 256 + 255)
		return 0;
	err = (int16_t)((int16_t)e - 255);
	w->prev_err = err;
	/* |ki err| <= 127 * 255: the product fits 16 bits */
	integ += (int16_t)((int16_t)c->ki_q8 * err);
	w->integ_q8 = integ;
	eff = (int16_t)((int16_t)(c->kp_q8 / 256) * err +
			(int16_t)wheel_floor_div256(integ + 128));
	if (wheel_stall_step(w, c, eff, meas)) {
		*out = wheel_go_idle(w);
		return 1;
	}
	w->effort = eff;
	*out = eff;
	return 1;
}

/*
 * Ranges (docs/fixed_point.md): err and derr are saturated to +-32767 and
 * the gains are int16, so kp*err + kd*derr is at most 2 * 32768 * 32767
 * < 2^31 and needs no saturation.  It is then clamped to +-2^30: beyond
 * that the output saturates at +-effort_max and the anti-windup decision
 * is the same whatever the exact value (|integ| <= 32767 * 256 < 2^23), so
 * the result equals the saturating sum pd + integ while every later sum
 * stays inside int32.  Without the derivative term |kp*err| <= 32768 *
 * 32767 < 2^30 already, so the clamp only runs with kd != 0.  The
 * integrator step |ki * err| < 2^30 plus |integ| < 2^23 cannot overflow
 * either.
 *
 * A settled ramp (ramp_q8 == target * 256 with the target inside int16,
 * as every drive command's is) is left as it is and its rounded value is
 * the target itself: wheel_ramp_step() would compute exactly that
 * (d = 0 <= slew), so it is skipped.
 */
static inline int16_t wheel_loop_step_full_inline(struct wheel_loop *w,
						  const struct wheel_loop_cfg *c,
						  int32_t meas_mradps)
{
	const int32_t pd_max = (int32_t)1 << 30;
	int32_t meas, pd, inc, integ, emax_q8, u, r, t;
	int16_t emax, err, eff;

	if (w->stalled)
		return wheel_go_idle(w);

	meas = fx_clamp32(meas_mradps, -(int32_t)WHEEL_MEAS_MAX_MRADPS,
			  (int32_t)WHEEL_MEAS_MAX_MRADPS);
	t = w->target_mradps;
	if (t >= -32768 && t <= 32767 && w->ramp_q8 == (int32_t)(int16_t)t * 256)
		r = t;
	else
		r = wheel_ramp_step(w, c->slew_q8);
	err = wheel_sat_err(r - meas);
	/* products first, while little else is live (8-bit MCU registers) */
	inc = fx_mul_q8gain(c->ki_q8, err);
	pd = fx_mul_q8gain(c->kp_q8, err);
	if (c->kd_q8) {
		pd += (int32_t)c->kd_q8 * wheel_sat_err((int32_t)err - wheel_sat_err(w->prev_err));
		pd = fx_clamp32(pd, -pd_max, pd_max);
	}
	w->prev_err = err;

	emax = c->effort_max < 0 ? 0 : c->effort_max;
	emax_q8 = (int32_t)emax * 256;
	integ = fx_clamp32(w->integ_q8, -emax_q8, emax_q8);
	u = pd + integ;
	/* Conditional integration: no further windup in the direction the
	 * saturated output already pushes. */
	if (!((u >= emax_q8 && inc > 0) || (u <= -emax_q8 && inc < 0))) {
		integ = fx_clamp32(integ + inc, -emax_q8, emax_q8);
		u = pd + integ;
	}
	w->integ_q8 = integ;
	u += 128;
	if (u >= emax_q8)
		eff = emax;
	else if (u < 256 - emax_q8)
		eff = (int16_t)-emax;
	else
		eff = (int16_t)wheel_floor_div256(u);

	if (wheel_stall_step(w, c, eff, meas))
		return wheel_go_idle(w);
	w->effort = eff;
	return eff;
}

/* The step: the common case when it is one, else the general step (a board
 * may also call the two halves itself, e.g. the general one out of line). */
static inline int16_t wheel_loop_step_inline(struct wheel_loop *w, const struct wheel_loop_cfg *c,
					     int32_t meas_mradps)
{
	int16_t eff;

	if (wheel_cfg_common(c) && wheel_step_common(w, c, meas_mradps, &eff))
		return eff;
	return wheel_loop_step_full_inline(w, c, meas_mradps);
}

#endif
