/*
 * Heater PID with runaway guard, for the electronics-box heaters now and the
 * printer's sintering head later (up to ~1500 C).
 *
 * Temperatures in deci-degrees C (int16, 0.1 C, range +-3276.7 C).  Output is
 * a Q15 duty 0..32767.  The guard mirrors the host-side heater checks that
 * 3D-printer firmware uses (Klipper verify_heater, Marlin thermal runaway),
 * with periods taken from the config so a big thermal mass gets long ones:
 *  - over max_temp_dc or under min_temp_dc (sensor open/short) -> FAULT;
 *  - while holding (|err| <= hysteresis), accumulated excess error beyond the
 *    hysteresis must stay under max_error_dcs (deci-C * s) -> else FAULT;
 *  - while heating from far below, temp must rise by gain_dc within
 *    gain_period_ms -> else FAULT.
 * A fault latches: output 0 until heater_reset().
 */
#ifndef ROVER_CORE_HEATER_H
#define ROVER_CORE_HEATER_H

#include <stdint.h>

/* cffi:begin */
enum heater_fault {
	HEATER_OK = 0,
	HEATER_FAULT_OVERTEMP = 1,
	HEATER_FAULT_UNDERTEMP = 2,   /* sensor reading below min: open/short */
	HEATER_FAULT_RUNAWAY = 3,     /* error budget exceeded while holding */
	HEATER_FAULT_NO_GAIN = 4      /* not heating while it should */
};

struct heater_cfg {
	int16_t kp_q8;              /* duty counts per deci-C, Q8 */
	int16_t ki_q8;              /* per deci-C per tick, Q8 */
	int16_t kd_q8;
	int16_t duty_max;           /* Q15, 0..32767 */
	int16_t min_temp_dc;        /* below: sensor fault */
	int16_t max_temp_dc;        /* above: over-temperature fault; also max target */
	int16_t hysteresis_dc;      /* "at target" band */
	int32_t max_error_dcs;      /* runaway error budget, deci-C * s */
	int16_t gain_dc;            /* required rise while heating ... */
	uint32_t gain_period_ms;    /* ... within this period */
	uint16_t tick_ms;           /* step period */
};

struct heater {
	int16_t target_dc;
	int32_t integ_q8;
	int16_t prev_err;
	int16_t duty;
	uint8_t fault;              /* enum heater_fault, latched */
	int32_t error_acc_dcms;     /* runaway accumulator, deci-C * ms */
	int16_t gain_ref_dc;        /* temperature at the start of the gain window */
	uint32_t gain_elapsed_ms;
	uint8_t holding;            /* reached the band since the last target change */
};

void heater_init(struct heater *h);
void heater_reset(struct heater *h);
/* Returns 0, or -1 if target is above cfg->max_temp_dc or below 0 C (refused,
 * target unchanged).  Target 0 means off. */
int heater_set_target(struct heater *h, const struct heater_cfg *c, int16_t target_dc);
/* One tick of cfg->tick_ms; returns duty (Q15). */
int16_t heater_step(struct heater *h, const struct heater_cfg *c, int16_t temp_dc);
/* cffi:end */

#endif
