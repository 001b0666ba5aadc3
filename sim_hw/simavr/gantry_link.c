/*
 * The payload Mega's printer pins wired to the gantry plant (csrc/plant/
 * gantry.c, the plant the host port and the simulator drive, with the same
 * gantry_default_params): every rising edge of a STEP pin is one step of
 * its axis, in the direction the DIR pin has at that edge; once per
 * simulated millisecond the edges counted are one gantry_step(), and the
 * limit switch pins are driven from gantry_switches().  Pins: csrc/firmware/
 * port_avr/steppers.c (STEP PC1..PC4, DIR PK0..PK3 high = up, switches PL1,
 * PL2, PL6, PL7, normally closed: pressed reads high).
 *
 * The harness also measures the STEP/DIR timing the firmware produces
 * (high and low times, DIR set-up and hold), written with the statistics
 * for the tests to hold against the drivers' minimums.
 */
#include <stdint.h>
#include <stdio.h>
#include <simavr/avr_ioport.h>
#include "harness.h"

static const uint8_t sw_pin[4] = { 1, 2, 6, 7 };        /* PL1 X, PL2 Y, PL6 Z, PL7 recoater */

static void at_least(uint64_t *min, uint64_t v)
{
	if (v < *min)
		*min = v;
}

static void on_step(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct h_axis *a = param;
	struct harness *h = a->h;
	uint64_t c = h->avr->cycle;

	(void)irq;
	if (value) {
		h->steps[a->i] += (h->avr->data[R_PORTK] >> a->i) & 1u ? 1 : -1;
		h->step.edges[a->i]++;
		if (a->fall_cycle)
			at_least(&h->step.low_min, c - a->fall_cycle);
		if (a->dir_cycle)
			at_least(&h->step.dir_setup_min, c - a->dir_cycle);
		a->dir_cycle = 0;       /* set-up counts from the last DIR change before an edge */
		a->rise_cycle = c;
		return;
	}
	if (a->rise_cycle)
		at_least(&h->step.high_min, c - a->rise_cycle);
	a->fall_cycle = c;
}

static void on_dir(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct h_axis *a = param;
	uint64_t c = a->h->avr->cycle;

	(void)irq;
	(void)value;
	if (a->rise_cycle)
		at_least(&a->h->step.dir_hold_min, c - a->rise_cycle);
	a->dir_cycle = c;
}

void h_gantry_init(struct harness *h)
{
	gantry_default_params(&h->gantry_p);
	gantry_init(&h->gantry, &h->gantry_p);
	h->step.high_min = h->step.low_min = UINT64_MAX;
	h->step.dir_setup_min = h->step.dir_hold_min = UINT64_MAX;
}

/* After every reset (simavr keeps the hooks; a duplicate is not added). */
void h_gantry_connect(struct harness *h)
{
	avr_t *avr = h->avr;
	int i;

	for (i = 0; i < 4; i++) {
		struct h_axis *a = &h->axis[i];

		a->h = h;
		a->i = i;
		a->rise_cycle = a->fall_cycle = a->dir_cycle = 0;
		avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('C'), H_STEP_PIN0 + i),
					on_step, a);
		avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('K'), i), on_dir, a);
		h->sw_irq[i] = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('L'), sw_pin[i]);
	}
	/* a reset cleared the PIN registers, but simavr passes a pin level on
	 * only when it changes: drive every switch line afresh at the next ms */
	h->sw_force = 1;
}

/* The millisecond: this ms's steps to the plant, then its switches to the pins. */
void h_gantry_ms(struct harness *h)
{
	avr_ioport_external_t ext = { 0, 0, 0 };
	uint8_t pressed;
	int i;

	gantry_step(&h->gantry, &h->gantry_p, h->steps);
	for (i = 0; i < 4; i++)
		h->steps[i] = 0;
	pressed = gantry_switches(&h->gantry);
	ext.name = 'L';
	for (i = 0; i < 4; i++) {
		ext.mask |= 1u << sw_pin[i];
		if (pressed & (1u << i))
			ext.value |= 1u << sw_pin[i];
	}
	/* the switch circuit sets the level even when the firmware writes PORTL
	 * (simavr would otherwise pass the pull-up's high on) */
	avr_ioctl(h->avr, AVR_IOCTL_IOPORT_SET_EXTERNAL('L'), &ext);
	for (i = 0; i < 4; i++) {
		uint32_t lvl = (pressed >> i) & 1u;

		if (h->sw_force)
			avr_raise_irq(h->sw_irq[i], !lvl);
		avr_raise_irq(h->sw_irq[i], lvl);
	}
	h->sw_force = 0;
}

static unsigned long long or_zero(uint64_t v)
{
	return v == UINT64_MAX ? 0ull : (unsigned long long)v;
}

/* The gantry's part of the --stats JSON (no braces): the plant's true
 * positions and lost steps, the STEP edges counted, the measured timing. */
void h_gantry_stats(struct harness *h, FILE *f)
{
	const struct gantry *g = &h->gantry;
	const struct h_step_stats *s = &h->step;

	fprintf(f, "\"gantry_pos_steps\": [%.3f, %.3f, %.3f, %.3f], "
		"\"gantry_lost_steps\": [%lld, %lld, %lld, %lld], "
		"\"step_edges\": [%llu, %llu, %llu, %llu], \"step_high_cycles_min\": %llu, "
		"\"step_low_cycles_min\": %llu, \"dir_setup_cycles_min\": %llu, "
		"\"dir_hold_cycles_min\": %llu",
		g->pos[0], g->pos[1], g->pos[2], g->pos[3],
		(long long)g->lost[0], (long long)g->lost[1], (long long)g->lost[2], (long long)g->lost[3],
		(unsigned long long)s->edges[0], (unsigned long long)s->edges[1],
		(unsigned long long)s->edges[2], (unsigned long long)s->edges[3],
		or_zero(s->high_min), or_zero(s->low_min), or_zero(s->dir_setup_min),
		or_zero(s->dir_hold_min));
}
