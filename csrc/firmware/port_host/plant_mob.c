/*
 * Mobility plant wiring (host port only).  The plant is csrc/plant driven
 * through struct sim with effort_override set: the simulator's own board
 * loops are bypassed and the firmware's PWM efforts drive the motors, the
 * firmware's servo commands drive the steering, and every encoder edge the
 * plant produces is replayed, in order, into the firmware's decoder as a pin
 * change (what an encoder interrupt would see).
 *
 * The parameters are sim_hw/params.py's defaults, through the generated
 * csrc/generated/sim_params_default.h (a test fails when it is stale).
 */
#include <math.h>
#include "port_host.h"
#include "sim_params_default.h"

void mob_plant_params(struct sim_params *p)
{
	/* the simulator's own numbers (generated from sim_hw/params.py) */
	sim_params_default(p);
	/* the e-box heater is the firmware's: its PWM drives the plant heater */
	p->heater_cfg = mob_heater_cfg;
}

void mob_plant_step(struct port *p)
{
	struct sim *s = p->sim;
	int64_t before[6];
	int i;

	s->inp.effort_override = 1;
	for (i = 0; i < 6; i++) {
		s->inp.effort_cmd[i] = p->pwm[PORT_PWM_WHEEL0 + i];
		before[i] = s->enc[i].edge_pos;
	}
	for (i = 0; i < 4; i++)
		s->inp.steer_target_mrad[i] = p->servo_mrad[i];
	/* e-box heater: the firmware's duty, not the simulator's own loop */
	s->ebox.heater_w = (p->pwm[PORT_PWM_HEATER0] > 0 ? p->pwm[PORT_PWM_HEATER0] : 0) / 32767.0 *
			   s->p.ebox.heater_max_w;
	sim_step(s, 1);
	s->ebox.heater_w = (p->pwm[PORT_PWM_HEATER0] > 0 ? p->pwm[PORT_PWM_HEATER0] : 0) / 32767.0 *
			   s->p.ebox.heater_max_w;
	for (i = 0; i < 6; i++) {
		int64_t q = before[i], to = s->enc[i].edge_pos;

		while (q < to)
			fw_encoder_edge(p->fw, (uint8_t)i, enc_ab(++q));
		while (q > to)
			fw_encoder_edge(p->fw, (uint8_t)i, enc_ab(--q));
	}
}
