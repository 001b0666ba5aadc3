/*
 * Heater PID with a latched runaway guard.  Guard logic and its reasoning:
 * docs/fixed_point.md ("Heater runaway guard").
 */
#include "heater.h"
#include "fixed.h"

#define ERR_MAX ((int32_t)32767)
/* gain_ref_dc value meaning "no gain window running". */
#define GAIN_IDLE INT16_MIN

static void clear_loop(struct heater *h)
{
	h->integ_q8 = 0;
	h->prev_err = 0;
	h->duty = 0;
	h->error_acc_dcms = 0;
	h->gain_ref_dc = GAIN_IDLE;
	h->gain_elapsed_ms = 0;
	h->holding = 0;
}

void heater_init(struct heater *h)
{
	h->target_dc = 0;
	h->fault = HEATER_OK;
	clear_loop(h);
}

void heater_reset(struct heater *h)
{
	/* Clearing a fault also switches the heater off: re-arming is explicit. */
	heater_init(h);
}

int heater_set_target(struct heater *h, const struct heater_cfg *c, int16_t target_dc)
{
	if (target_dc < 0 || target_dc > c->max_temp_dc)
		return -1;
	if (target_dc != h->target_dc) {
		h->target_dc = target_dc;
		/* New goal: the guard restarts (not holding, fresh windows). */
		h->holding = 0;
		h->error_acc_dcms = 0;
		h->gain_ref_dc = GAIN_IDLE;
		h->gain_elapsed_ms = 0;
	}
	return 0;
}

static int16_t trip(struct heater *h, uint8_t fault)
{
	h->fault = fault;
	clear_loop(h);
	return 0;
}

/* acc + excess * tick, saturating at INT32_MAX (excess >= 0). */
static int32_t acc_add(int32_t acc, int32_t excess, uint16_t tick_ms)
{
	uint32_t add = (uint32_t)excess * tick_ms;	/* <= 65535 * 65535 < 2^32 */

	if (acc < 0)
		acc = 0;
	if (add > (uint32_t)(INT32_MAX - acc))
		return INT32_MAX;
	return acc + (int32_t)add;
}

int16_t heater_step(struct heater *h, const struct heater_cfg *c, int16_t temp_dc)
{
	int32_t err, aerr, hyst, dmax, dmax_q8, derr, pd, integ, inc, u, duty, budget;

	if (h->fault != HEATER_OK) {
		h->duty = 0;
		return 0;
	}
	if (temp_dc > c->max_temp_dc)
		return trip(h, HEATER_FAULT_OVERTEMP);
	if (temp_dc < c->min_temp_dc)
		return trip(h, HEATER_FAULT_UNDERTEMP);
	if (h->target_dc <= 0) {
		clear_loop(h);
		return 0;
	}

	dmax = fx_clamp32(c->duty_max, 0, FX_Q15_MAX);
	err = (int32_t)h->target_dc - temp_dc;
	aerr = err < 0 ? -err : err;
	hyst = c->hysteresis_dc < 0 ? 0 : c->hysteresis_dc;
	if (!h->holding && aerr <= hyst)
		h->holding = 1;

	if (h->holding) {
		/* Holding: time-integrated excess error beyond the band. */
		h->gain_ref_dc = GAIN_IDLE;
		h->gain_elapsed_ms = 0;
		if (aerr > hyst) {
			budget = c->max_error_dcs <= 0 ? 0 :
				 (c->max_error_dcs > INT32_MAX / 1000 ? INT32_MAX :
				  c->max_error_dcs * 1000);
			h->error_acc_dcms = acc_add(h->error_acc_dcms, aerr - hyst, c->tick_ms);
			if (h->error_acc_dcms > budget)
				return trip(h, HEATER_FAULT_RUNAWAY);
		} else {
			h->error_acc_dcms = 0;
		}
	} else if (c->gain_period_ms > 0 && err > hyst + (c->gain_dc > 0 ? c->gain_dc : 0) &&
		   h->duty >= dmax) {
		/* Heating flat out from far below: must rise gain_dc per
		 * gain_period_ms.  Only while the last output was at duty_max
		 * (a PID that chooses to creep is no evidence of a fault) and
		 * while there is room to rise gain_dc before the band. */
		if (h->gain_ref_dc == GAIN_IDLE) {
			h->gain_ref_dc = temp_dc;
			h->gain_elapsed_ms = 0;
		} else {
			h->gain_elapsed_ms = h->gain_elapsed_ms > UINT32_MAX - c->tick_ms ?
					     UINT32_MAX : h->gain_elapsed_ms + c->tick_ms;
			if (h->gain_elapsed_ms >= c->gain_period_ms) {
				if ((int32_t)temp_dc - h->gain_ref_dc < c->gain_dc)
					return trip(h, HEATER_FAULT_NO_GAIN);
				h->gain_ref_dc = temp_dc;
				h->gain_elapsed_ms = 0;
			}
		}
	} else {
		h->gain_ref_dc = GAIN_IDLE;
		h->gain_elapsed_ms = 0;
	}

	/* PID, same shape as the wheel loop but the output is 0..duty_max. */
	dmax_q8 = dmax * 256;
	err = fx_clamp32(err, -ERR_MAX, ERR_MAX);
	derr = fx_clamp32(err - h->prev_err, -ERR_MAX, ERR_MAX);
	h->prev_err = (int16_t)err;
	pd = fx_add_sat32((int32_t)c->kp_q8 * err, (int32_t)c->kd_q8 * derr);
	integ = fx_clamp32(h->integ_q8, 0, dmax_q8);
	inc = (int32_t)c->ki_q8 * err;
	u = fx_add_sat32(pd, integ);
	if (!((u >= dmax_q8 && inc > 0) || (u <= 0 && inc < 0)))
		integ = fx_clamp32(fx_add_sat32(integ, inc), 0, dmax_q8);
	h->integ_q8 = integ;
	u = fx_add_sat32(pd, integ);
	duty = fx_clamp32(fx_asr(fx_add_sat32(u, 128), 8), 0, dmax);
	h->duty = (int16_t)duty;
	return h->duty;
}
