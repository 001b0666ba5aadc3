/*
 * Measurements taken from the emulated MCU, in cycles of simulated time:
 * the timing pins PC0 (high while the main loop runs the control tick: the
 * encoder counts, fw_tick_control) and PC5 (the rest of the tick's work:
 * the SPI sensor round, fw_tick_rest), the latency of two interrupts
 * (from the flag being raised to the first instruction of the handler),
 * through simavr's per-vector pending/running signals, and the cycles the
 * MCU slept (main.c's sleep callback).  Written as JSON to --stats.
 */
#include <stdio.h>
#include <string.h>
#include <simavr/avr_ioport.h>
#include <simavr/sim_interrupts.h>
#include <simavr/sim_cycle_timers.h>
#include "harness.h"

#define VEC_TIMER2_COMPA 13     /* ATmega2560 datasheet table 14-1 (vector 14, 0-based 13) */
#define VEC_USART0_RX 25

static void span_edge(struct h_span *sp, uint64_t c, uint32_t value)
{
	sp->high = value != 0;
	if (value) {
		sp->rise_cycle = c;
		return;
	}
	if (!sp->rise_cycle)
		return;
	c -= sp->rise_cycle;
	sp->n++;
	sp->sum += c;
	if (c > sp->max)
		sp->max = c;
	if (!sp->min || c < sp->min)
		sp->min = c;
}

static void on_tick_pin(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct harness *h = param;

	(void)irq;
	span_edge(&h->st.tick, h->avr->cycle, value);
}

static void on_rest_pin(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct harness *h = param;

	(void)irq;
	span_edge(&h->st.rest, h->avr->cycle, value);
}

static void isr_event(struct harness *h, int k, int running, uint32_t value)
{
	if (!value)
		return;
	if (!running) {
		h->st.isr_pending_cycle[k] = h->avr->cycle;
		return;
	}
	if (h->st.isr_pending_cycle[k]) {
		uint64_t lat = h->avr->cycle - h->st.isr_pending_cycle[k];

		h->st.isr_count[k]++;
		h->st.isr_latency_sum[k] += lat;
		if (lat > h->st.isr_latency_max[k])
			h->st.isr_latency_max[k] = lat;
		h->st.isr_pending_cycle[k] = 0;
	}
}

static void on_rx_pending(struct avr_irq_t *i, uint32_t v, void *p) { (void)i; isr_event(p, 0, 0, v); }
static void on_rx_running(struct avr_irq_t *i, uint32_t v, void *p) { (void)i; isr_event(p, 0, 1, v); }
static void on_t2_pending(struct avr_irq_t *i, uint32_t v, void *p) { (void)i; isr_event(p, 1, 0, v); }
static void on_t2_running(struct avr_irq_t *i, uint32_t v, void *p) { (void)i; isr_event(p, 1, 1, v); }

/* --profile: sample the program counter every 997 cycles (a prime, so the
 * samples do not lock onto the 1 ms tick) into a histogram of flash words,
 * only while a timing pin is high: where the tick's cycles go, including
 * the interrupts that preempt it */
static avr_cycle_count_t pc_sample(avr_t *avr, avr_cycle_count_t when, void *param)
{
	struct harness *h = param;

	if (h->prof && (h->st.tick.high || h->st.rest.high) && avr->pc / 2 < H_FLASH_BYTES / 2)
		h->prof[avr->pc / 2]++;
	return when + 997;
}

/* --stats-from: the timing pins' statistics and the profile start over
 * (a pulse under way still ends in the new window), so a benchmark reads
 * the steady state rather than the start-up. */
static void span_restart(struct h_span *sp)
{
	sp->n = sp->sum = sp->max = sp->min = 0;
}

void h_stats_restart(struct harness *h)
{
	span_restart(&h->st.tick);
	span_restart(&h->st.rest);
	if (h->prof)
		memset(h->prof, 0, (H_FLASH_BYTES / 2) * sizeof *h->prof);
	h->st.from_done = 1;
}

void h_profile_arm(struct harness *h)
{
	if (h->prof)
		avr_cycle_timer_register(h->avr, 997, pc_sample, h);
}

void h_profile_write(struct harness *h, const char *path)
{
	FILE *f = fopen(path, "w");
	uint32_t i;

	if (!f)
		return;
	for (i = 0; i < H_FLASH_BYTES / 2; i++)
		if (h->prof[i])
			fprintf(f, "0x%05x %u\n", (unsigned)(i * 2), (unsigned)h->prof[i]);
	fclose(f);
}

void h_stats_connect(struct harness *h)
{
	avr_t *avr = h->avr;
	avr_irq_t *rx = avr_get_interrupt_irq(avr, VEC_USART0_RX);
	avr_irq_t *t2 = avr_get_interrupt_irq(avr, VEC_TIMER2_COMPA);

	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('C'), 0), on_tick_pin, h);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('C'), 5), on_rest_pin, h);
	if (rx) {
		avr_irq_register_notify(rx + AVR_INT_IRQ_PENDING, on_rx_pending, h);
		avr_irq_register_notify(rx + AVR_INT_IRQ_RUNNING, on_rx_running, h);
	}
	if (t2) {
		avr_irq_register_notify(t2 + AVR_INT_IRQ_PENDING, on_t2_pending, h);
		avr_irq_register_notify(t2 + AVR_INT_IRQ_RUNNING, on_t2_running, h);
	}
}

void h_stats_write(struct harness *h)
{
	const struct h_stats *s = &h->st;
	char tmp[1100];
	FILE *f;

	if (!h->stats_path)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", h->stats_path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"state\": %d, ", h->avr->state);
	fprintf(f, "\"clock_hz\": %u, \"pc\": %u, \"cycles\": %llu, \"ticks\": %llu, \"tick_cycles_sum\": %llu, \"tick_cycles_mean\": %.1f, "
		"\"tick_cycles_max\": %llu, \"tick_cycles_min\": %llu, "
		"\"rest_n\": %llu, \"rest_cycles_sum\": %llu, \"rest_cycles_max\": %llu, \"stats_from_cycle\": %llu, "
		"\"stats_restarted\": %d, \"uart_rx_isr\": %llu, \"uart_rx_latency_cycles_max\": %llu, "
		"\"uart_rx_latency_cycles_mean\": %.2f, \"timer_isr\": %llu, "
		"\"timer_latency_cycles_max\": %llu, \"timer_latency_cycles_mean\": %.2f, "
		"\"uart_rx_bytes\": %llu, \"uart_tx_bytes\": %llu, \"resets\": %llu, \"sleep_cycles\": %llu",
		H_FREQ_HZ, (unsigned)h->avr->pc, (unsigned long long)h->avr->cycle, (unsigned long long)s->tick.n,
		(unsigned long long)s->tick.sum, s->tick.n ? (double)s->tick.sum / (double)s->tick.n : 0.0,
		(unsigned long long)s->tick.max, (unsigned long long)s->tick.min,
		(unsigned long long)s->rest.n, (unsigned long long)s->rest.sum, (unsigned long long)s->rest.max,
		(unsigned long long)s->from_cycle, s->from_done,
		(unsigned long long)s->isr_count[0],
		(unsigned long long)s->isr_latency_max[0],
		s->isr_count[0] ? (double)s->isr_latency_sum[0] / (double)s->isr_count[0] : 0.0,
		(unsigned long long)s->isr_count[1], (unsigned long long)s->isr_latency_max[1],
		s->isr_count[1] ? (double)s->isr_latency_sum[1] / (double)s->isr_count[1] : 0.0,
		(unsigned long long)s->uart_rx_bytes, (unsigned long long)s->uart_tx_bytes,
		(unsigned long long)s->resets, (unsigned long long)s->sleep_cycles);
	if (h->role == 2) {
		fprintf(f, ", ");
		h_gantry_stats(h, f);
	}
	fprintf(f, "}\n");
	if (!fclose(f))
		rename(tmp, h->stats_path);
}
