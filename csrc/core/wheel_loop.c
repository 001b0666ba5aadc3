/*
 * Wheel velocity loop: slew-limited ramp, PID with anti-windup, stall latch.
 * Integer only; every product is int32 x int16 of saturated operands so it
 * fits int32 (no 64-bit math in this 1 kHz path).  See docs/fixed_point.md.
 */
#include "wheel_loop.h"
#include "fixed.h"

#define ERR_MAX ((int32_t)32767)

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

/* floor(v / 256) for |v| < 2^30 without a signed shift: the bias makes
 * the operand positive (an 8-bit MCU then just drops the low byte). */
static int32_t floor_div256(int32_t v)
{
	return (int32_t)(((uint32_t)v + ((uint32_t)1 << 30)) >> 8) - ((int32_t)1 << 22);
}

static int16_t sat_err(int32_t v)
{
	return (int16_t)(v > ERR_MAX ? ERR_MAX : (v < -ERR_MAX ? -ERR_MAX : v));
}

/*
 * Ranges (docs/fixed_point.md): err and derr are saturated to +-32767 and
 * the gains are int16, so kp*err + kd*derr is at most 2 * 32768 * 32767
 * < 2^31 and needs no saturation.  It is then clamped to +-2^30: beyond
 * that the output saturates at +-effort_max and the anti-windup decision
 * is the same whatever the exact value (|integ| <= 32767 * 256 < 2^23), so
 * the result equals the saturating sum pd + integ while every later sum
 * stays inside int32.  The integrator step |ki * err| < 2^30 plus
 * |integ| < 2^23 cannot overflow either.
 */
/* The slew-limited setpoint, rounded half up to mrad/s.
 * |target_q8 - ramp| <= 2 * 2.56e8: no overflow. */
static int32_t ramp_step(struct wheel_loop *w, int32_t slew)
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
	return floor_div256(ramp + 128);
}

/* Stall detection; returns 1 when the wheel has just latched. */
static uint8_t stall_step(struct wheel_loop *w, const struct wheel_loop_cfg *c, int16_t eff,
			  int32_t meas)
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
	} else {
		w->stall_count_ms = 0;
	}
	return 0;
}

/*
 * Ranges (docs/fixed_point.md): err and derr are saturated to +-32767 and
 * the gains are int16, so kp*err + kd*derr is at most 2 * 32768 * 32767
 * < 2^31 and needs no saturation.  It is then clamped to +-2^30: beyond
 * that the output saturates at +-effort_max and the anti-windup decision
 * is the same whatever the exact value (|integ| <= 32767 * 256 < 2^23), so
 * the result equals the saturating sum pd + integ while every later sum
 * stays inside int32.  The integrator step |ki * err| < 2^30 plus
 * |integ| < 2^23 cannot overflow either.
 */
int16_t wheel_loop_step(struct wheel_loop *w, const struct wheel_loop_cfg *c,
			int32_t meas_mradps)
{
	const int32_t pd_max = (int32_t)1 << 30;
	int32_t meas, pd, inc, integ, emax_q8, u;
	int16_t emax, err, eff;

	if (w->stalled)
		return go_idle(w);

	meas = fx_clamp32(meas_mradps, -(int32_t)WHEEL_MEAS_MAX_MRADPS,
			  (int32_t)WHEEL_MEAS_MAX_MRADPS);
	err = sat_err(ramp_step(w, c->slew_q8) - meas);
	/* products first, while little else is live (8-bit MCU registers) */
	inc = (int32_t)c->ki_q8 * err;
	pd = (int32_t)c->kp_q8 * err;
	if (c->kd_q8)
		pd += (int32_t)c->kd_q8 * sat_err((int32_t)err - sat_err(w->prev_err));
	w->prev_err = err;
	pd = fx_clamp32(pd, -pd_max, pd_max);

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
		eff = (int16_t)floor_div256(u);

	if (stall_step(w, c, eff, meas))
		return go_idle(w);
	w->effort = eff;
	return eff;
}
