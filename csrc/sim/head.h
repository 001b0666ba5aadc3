/*
 * Lumped thermal model of the payload's sintering head (simulator and host
 * port), docs/firmware.md section 4.
 */
#ifndef ROVER_SIM_HEAD_H
#define ROVER_SIM_HEAD_H

#include <stdint.h>

/* cffi:begin */
struct head_plant {
	double temp_k;
	double heater_w;            /* present power into the head (electric or sunlight) */
	double source_w;            /* power at full duty: the electric heater's rating, or the
				     * concentrated sunlight the solar shutter lets through
				     * when fully open (set by the simulator from the sun) */
};
/* cffi:end */

#define PAY_HEAD_HEATER_W 200.0

void pay_plant_init(struct head_plant *h);
void pay_plant_step(struct head_plant *h, int16_t duty_q15, double dt_s);

#endif
