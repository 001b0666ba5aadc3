/*
 * Mobility plant wiring (host port).  The plant is csrc/plant driven
 * through struct sim (csrc/sim/sim.h): the firmware's PWM efforts drive the
 * motors, its servo commands the steering and its heater PWM the e-box
 * heater; every encoder edge the plant produces is replayed, in order, into
 * the firmware's decoder as a pin change (what an encoder interrupt would
 * see).  The simulator port (csrc/sim/boards.c) does the same per ms.
 *
 * The parameters are sim_hw/params.py's defaults, through the generated
 * csrc/generated/sim_params_default.h (a test fails when it is stale).
 */
#include "port_host.h"
#include "sim_params_default.h"

void mob_plant_params(struct sim_params *p)
{
	sim_params_default(p);
}

void mob_plant_step(struct port *p)
{
	struct sim *s = p->sim;
	int i, ab;

	for (i = 0; i < 6; i++)
		s->inp.effort_cmd[i] = p->pwm[PORT_PWM_WHEEL0 + i];
	for (i = 0; i < 4; i++)
		s->inp.steer_target_mrad[i] = p->servo_mrad[i];
	s->inp.ebox_heater_q15 = p->pwm[PORT_PWM_HEATER0];
	sim_step_ms(s);
	truth_tap_step(&p->truth, s->t_ms, &s->body);
	for (i = 0; i < 6; i++)
		while ((ab = enc_next_edge(&s->enc[i])) >= 0)
			fw_encoder_edge(p->fw, (uint8_t)i, (uint8_t)ab);
}
