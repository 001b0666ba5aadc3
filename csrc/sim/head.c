/*
 * Lumped thermal model of the payload's sintering head (simulator and host port).
 *
 *   C dT/dt = P duty - eps A sigma (T^4 - T_sink^4) - G (T - T_mount)
 *
 * Assumptions (docs/firmware.md): C = 15 J/K (a small resistively heated
 * tip, about 17 g of alumina at 0.9 J/(g K)); P = 200 W heater; eps A =
 * 2e-4 m^2 (a 10 cm^2 radiating tip behind a shield); G = 0.02 W/K to the
 * payload structure at 250 K; radiative sink 100 K (shadowed polar terrain
 * and sky).  Steady state at full power is about 1950 K (1680 C), so 1500 C
 * targets are reachable with margin; from -23 C the head reaches 1000 C in
 * about two minutes.  The heat source's power at full duty is source_w: the
 * electric heater's 200 W, or (solar variant) the sunlight the concentrator
 * delivers now, which the shutter's duty lets through in proportion
 * (sim_hw/concentrator.py, docs/printer.md section 9).
 */
#include "head.h"

#define HEAD_C_J_K 15.0
#define HEAD_EPS_A_M2 2.0e-4
#define HEAD_G_W_K 0.02
#define HEAD_MOUNT_K 250.0
#define HEAD_SINK_K 100.0
#define SIGMA 5.670374419e-8

void pay_plant_init(struct head_plant *h)
{
	h->temp_k = HEAD_MOUNT_K;
	h->heater_w = 0.0;
	h->source_w = PAY_HEAD_HEATER_W;
}

void pay_plant_step(struct head_plant *h, int16_t duty_q15, double dt_s)
{
	double t = h->temp_k, t2 = t * t, s2 = HEAD_SINK_K * HEAD_SINK_K;
	double q;

	h->heater_w = (duty_q15 > 0 ? duty_q15 : 0) / 32767.0 * h->source_w;
	q = h->heater_w - HEAD_EPS_A_M2 * SIGMA * (t2 * t2 - s2 * s2) - HEAD_G_W_K * (t - HEAD_MOUNT_K);
	h->temp_k = t + q / HEAD_C_J_K * dt_s;
}
