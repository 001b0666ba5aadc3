/*
 * The Mega's pins wired to the plant, once per simulated millisecond:
 * output compare registers and direction pins -> motor efforts, servo
 * targets and heater power; one plant step; then the plant's encoder edges
 * are played onto the encoder pins spread over the next millisecond (each
 * a separate pin change, so the firmware's interrupts see every one), the
 * analogue channels get the voltages of the front ends the firmware assumes
 * (docs/firmware.md 7.3), and the SPI devices answer with the plant's IMU,
 * power and thermocouple values when selected.
 *
 * Mobility plant: struct sim (csrc/sim), one sim_step_ms() per ms with the
 * efforts, servo targets and heater duty read from the pins, exactly as the
 * host and simulator ports drive it.  Payload: the sintering-head model
 * (csrc/sim/head.c, docs/firmware.md section 4) and the printer's gantry
 * on the STEP/DIR and limit switch pins (gantry_link.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <simavr/avr_adc.h>
#include <simavr/avr_extint.h>
#include <simavr/avr_ioport.h>
#include <simavr/avr_spi.h>
#include <simavr/sim_cycle_timers.h>
#include "harness.h"
#include "port.h"
#include "sim_params_default.h"

extern volatile int h_sensor_open;     /* main.c: SIGUSR1 test hook */


static long lround_clamp(double v, long lo, long hi)
{
	long r = lround(v);

	return r < lo ? lo : (r > hi ? hi : r);
}

int h_plant_init(struct harness *h, uint64_t seed, const struct plant_opts *o)
{
	struct sim_params sp;

	if (h->role == 2) {
		pay_plant_init(&h->head);
		h_gantry_init(h);
		return 0;
	}
	memset(&sp, 0, sizeof sp);
	sim_params_default(&sp);
	h->sim = calloc(1, sizeof *h->sim);
	if (!h->sim || sim_init(h->sim, &sp, seed) != SIM_OK) {
		fprintf(stderr, "rover-simavr: plant init failed\n");
		return -1;
	}
	return plant_opts_apply(o, "rover-simavr", h->sim, &h->terrain);
}

/* --- outputs ------------------------------------------------------------------ */
static uint16_t rd16(avr_t *avr, unsigned a)
{
	return (uint16_t)(avr->data[a] | (avr->data[a + 1] << 8));
}

static int16_t motor_effort(avr_t *avr, int ch)
{
	static const uint8_t com[3] = { 7, 5, 3 };     /* COMnA1, COMnB1, COMnC1 */
	unsigned tccra = ch < 3 ? R_TCCR4A : R_TCCR5A, ocr = (ch < 3 ? R_OCR4A : R_OCR5A) + 2u * (ch % 3);
	long duty, q15;

	if (!(avr->data[tccra] & (1u << com[ch % 3])))
		return 0;
	duty = rd16(avr, ocr) + 1L;                     /* counts high per 800 */
	q15 = lround_clamp(duty * 32768.0 / 800.0, 0, 32767);
	return (int16_t)((avr->data[R_PORTA] & (1u << ch)) ? q15 : -q15);
}

/* heater PWM (Timer0 OC0B, 8 bit) as Q15 */
static int16_t heater_q15(avr_t *avr)
{
	if (!(avr->data[R_TCCR0A] & (1u << 5)))        /* COM0B1 */
		return 0;
	return (int16_t)lround_clamp((avr->data[R_OCR0B] + 1.0) * 128.0, 0, 32767);
}

static void servo_targets(struct harness *h, int16_t out[4])
{
	avr_t *avr = h->avr;
	static const unsigned ocr[4] = { R_OCR1A, R_OCR1B, R_OCR1C, R_OCR3A };
	static const unsigned tccr[4] = { R_TCCR1A, R_TCCR1A, R_TCCR1A, R_TCCR3A };
	static const uint8_t com[4] = { 7, 5, 3, 7 };
	int i;

	for (i = 0; i < 4; i++) {
		if (avr->data[tccr[i]] & (1u << com[i]))
			out[i] = (int16_t)((int32_t)rd16(avr, ocr[i]) - 3000);
		else
			out[i] = h->sim->inp.steer_target_mrad[i];     /* no pulses: servo holds */
	}
}

/* --- analogue ------------------------------------------------------------------- */
static void adc_set(avr_t *avr, int ch, long raw)
{
	uint32_t mv;

	if (raw < 0)
		raw = 0;
	if (raw > 1023)
		raw = 1023;
	mv = (uint32_t)((raw * 5000L + 1022L) / 1023L);   /* simavr: raw = mV * 1023 / AVcc */
	avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + ch), mv);
}

/* analogue input k: 0..7 the MCU's ADC pins, 8..12 the MCP3008's 0..4 */
static void ain_set(struct harness *h, int k, long raw)
{
	if (k < 8) {
		adc_set(h->avr, k, raw);
		return;
	}
	h->ext_adc[k - 8] = (uint16_t)(raw < 0 ? 0 : (raw > 1023 ? 1023 : raw));
}

static void adc_update(struct harness *h)
{
	avr_t *avr = h->avr;
	struct sim *s = h->sim;
	int i;

	if (h->role == 2) {
		adc_set(avr, 0, lround(75.0 * 1023.0 / 100.0));    /* hopper: constant 75 % */
		return;
	}
	/* the plant's values in engineering units (sim_adc), through each
	 * front end's transfer function (docs/firmware.md 7.3) */
	for (i = 0; i < 6; i++)
		ain_set(h, i, 512 + lround(sim_adc(s, (uint8_t)(PORT_ADC_MOTOR_MA0 + i)) / 20.0));
	for (i = 0; i < 4; i++)
		ain_set(h, 6 + i, 512 + lround(sim_adc(s, (uint8_t)(PORT_ADC_STEER_MRAD0 + i)) / 3.0));
	ain_set(h, 10, lround(sim_adc(s, PORT_ADC_BATT_MV) / 40.0));
	ain_set(h, 11, 512 + lround(sim_adc(s, PORT_ADC_BATT_MA) / 20.0));
	if (h_sensor_open)
		ain_set(h, 12, 1023);
	else
		ain_set(h, 12, lround_clamp(400.0 + sim_adc(s, PORT_ADC_HEATER0_DC) / 2.0, 1, 1022));
}

/* --- encoders ------------------------------------------------------------------- */
static avr_cycle_count_t edge_timer(avr_t *avr, avr_cycle_count_t when, void *param)
{
	struct harness *h = param;
	struct h_edge *e;
	uint8_t old;

	(void)avr;
	if (h->next_edge >= h->n_edges)
		return 0;
	e = &h->edges[h->next_edge++];
	old = h->pin_state[e->ch];
	if ((old ^ e->ab) & 2u)
		avr_raise_irq(h->enc_irq[e->ch][0], (e->ab >> 1) & 1u);
	if ((old ^ e->ab) & 1u)
		avr_raise_irq(h->enc_irq[e->ch][1], e->ab & 1u);
	h->pin_state[e->ch] = e->ab;
	if (h->next_edge >= h->n_edges)
		return 0;
	/* the next edge's offset in this ms; never the same cycle */
	return when + (h->edges[h->next_edge].at > e->at ? h->edges[h->next_edge].at - e->at : 1);
}

/* Each wheel's k edges of this ms are spread evenly over it (the j-th at
 * (j + 1) / (k + 1) ms, as a wheel turning steadily would give them), and
 * all wheels' edges are played in time order. */
static void queue_edges(struct harness *h)
{
	uint8_t ab[6][H_MAX_EDGES / 6];
	int i, j, k[6], n;

	h->n_edges = h->next_edge = 0;
	for (i = 0; i < 6; i++) {
		int e;

		for (k[i] = 0; k[i] < H_MAX_EDGES / 6 && (e = enc_next_edge(&h->sim->enc[i])) >= 0; k[i]++)
			ab[i][k[i]] = (uint8_t)e;
	}
	for (i = 0; i < 6; i++) {
		for (j = 0; j < k[i]; j++) {
			struct h_edge e;
			int m;

			e.ch = (uint8_t)i;
			e.ab = ab[i][j];
			e.at = (uint32_t)((uint64_t)(j + 1) * H_CYCLES_PER_MS / (uint64_t)(k[i] + 1));
			/* insertion in time order (a few dozen edges a ms at most) */
			for (m = h->n_edges; m > 0 && h->edges[m - 1].at > e.at; m--)
				h->edges[m] = h->edges[m - 1];
			h->edges[m] = e;
			h->n_edges++;
		}
	}
	n = h->n_edges;
	if (n)
		avr_cycle_timer_register(h->avr, h->edges[0].at, edge_timer, h);
}

/* --- the millisecond step --------------------------------------------------------- */
static avr_cycle_count_t plant_ms(avr_t *avr, avr_cycle_count_t when, void *param)
{
	struct harness *h = param;
	int k;

	if (h->extint_fix) {
		/* simavr polls a low-level-triggered INTn pin every cycle while it
		 * is low (ISC = 00, the reset default, e.g. under the bootloader),
		 * which slows it thirtyfold while an encoder line rests low; the
		 * firmware uses any-edge mode.  The extint reset re-arms the
		 * polling after ours ran, so this is done at the first ms. */
		for (k = 0; k < 8; k++)
			avr_extint_set_strict_lvl_trig(avr, (uint8_t)k, 0);
		h->extint_fix = 0;
		/* a reset cleared the pin registers: drive the encoder lines again */
		for (k = 0; k < 6 && h->role == 1; k++) {
			avr_raise_irq(h->enc_irq[k][0], (h->pin_state[k] >> 1) & 1u);
			avr_raise_irq(h->enc_irq[k][1], h->pin_state[k] & 1u);
		}
	}
	h_uart_fix_word(h);
	if (h->role == 2) {
		pay_plant_step(&h->head, heater_q15(avr), 0.001);
		h_gantry_ms(h);
	} else {
		struct sim *s = h->sim;
		int16_t servo[4];
		int i;

		for (i = 0; i < 6; i++)
			s->inp.effort_cmd[i] = motor_effort(avr, i);
		servo_targets(h, servo);
		for (i = 0; i < 4; i++)
			s->inp.steer_target_mrad[i] = servo[i];
		s->inp.ebox_heater_q15 = heater_q15(avr);
		sim_step_ms(s);
		truth_tap_step(&h->truth, s->t_ms, &s->body);
		queue_edges(h);
	}
	adc_update(h);
	return when + H_CYCLES_PER_MS;
}

/* --- SPI devices ------------------------------------------------------------------ */
static void put_be16(uint8_t *b, long v)
{
	if (v > 32767)
		v = 32767;
	if (v < -32768)
		v = -32768;
	b[0] = (uint8_t)(((uint16_t)(int16_t)v) >> 8);
	b[1] = (uint8_t)((uint16_t)(int16_t)v & 0xFFu);
}

static void spi_select(struct harness *h, int dev)
{
	uint8_t *b = h->spi_buf;
	int i;

	memset(b, 0, sizeof h->spi_buf);
	h->spi_dev = dev;
	h->spi_pos = 0;
	if (h->role == 2) {                            /* MAX31855 */
		uint32_t f;
		double dc = (h->head.temp_k - 273.15) * 10.0;
		long t = lround_clamp(dc * 0.4, -8192, 8191);   /* 0.25 C counts */

		if (h_sensor_open)
			f = 0x00010001UL;                        /* fault + OC */
		else
			f = ((uint32_t)(t & 0x3FFF) << 18) | ((uint32_t)(25 * 16) << 4);
		for (i = 0; i < 4; i++)
			b[i] = (uint8_t)(f >> (24 - 8 * i));
		h->spi_len = 4;
		return;
	}
	if (dev == 0) {                                /* IMU: dummy + 14 bytes */
		for (i = 0; i < 3; i++) {
			put_be16(b + 1 + 2 * i, lround(h->sim->imu.accel_mg[i] * 16.384));
			put_be16(b + 9 + 2 * i, lround(h->sim->imu.gyro_mdps[i] * 0.131));
		}
		h->spi_len = 15;
	} else {                                       /* power monitor: dummy + 8 */
		long soc = lround_clamp(sim_adc(h->sim, PORT_ADC_SOC_PERMILLE), 0, 65535);
		long ej = lround_clamp(sim_adc(h->sim, PORT_ADC_ENERGY_J), 0, 2147483647L);
		long sol = lround_clamp(sim_adc(h->sim, PORT_ADC_SOLAR_DW), 0, 65535);

		b[1] = (uint8_t)(soc & 0xFF);
		b[2] = (uint8_t)(soc >> 8);
		for (i = 0; i < 4; i++)
			b[3 + i] = (uint8_t)((unsigned long)ej >> (8 * i));
		b[7] = (uint8_t)(sol & 0xFF);
		b[8] = (uint8_t)(sol >> 8);
		h->spi_len = 9;
	}
}

static void on_cs0(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	if (value == 0)
		spi_select(param, 0);
	else if (((struct harness *)param)->spi_dev == 0)
		((struct harness *)param)->spi_dev = -1;
}

static void on_cs1(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	if (value == 0)
		spi_select(param, 1);
	else if (((struct harness *)param)->spi_dev == 1)
		((struct harness *)param)->spi_dev = -1;
}

static void on_cs2(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct harness *h = param;

	(void)irq;
	if (value == 0) {
		h->spi_dev = 2;                 /* MCP3008 */
		h->spi_pos = 0;
	} else if (h->spi_dev == 2) {
		h->spi_dev = -1;
	}
}

static void on_spi_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct harness *h = param;
	uint8_t r = 0xFF;

	(void)irq;
	if (h->spi_dev == 2) {
		/* MCP3008: byte 0 carries the start bit; during byte 1 (SGL, D2..D0)
		 * the chip samples and shifts out a null bit, B9 and B8; byte 2
		 * brings B7..B0 (Microchip DS21295, figure 6-1) */
		if (h->spi_pos == 1)
			h->spi_ch = (int)((value >> 4) & 7u);
		r = h->spi_pos == 1 ? (uint8_t)((h->ext_adc[h->spi_ch & 7] >> 8) & 3u)
				    : (h->spi_pos == 2 ? (uint8_t)(h->ext_adc[h->spi_ch & 7] & 0xFFu) : 0);
		h->spi_pos++;
	} else if (h->spi_dev >= 0 && h->spi_pos < h->spi_len) {
		r = h->spi_buf[h->spi_pos++];
	}
	avr_raise_irq(h->spi_in, r);
}

void h_plant_connect(struct harness *h)
{
	avr_t *avr = h->avr;
	static const char port[6] = { 'D', 'D', 'E', 'E', 'J', 'K' };
	static const uint8_t pin_a[6] = { 0, 2, 4, 6, 0, 6 };
	int i;

	h->extint_fix = 1;
	avr->avcc = 5000;
	avr->aref = 5000;
	avr->vcc = 5000;
	for (i = 0; i < 6; i++) {
		h->enc_irq[i][0] = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port[i]), pin_a[i]);
		h->enc_irq[i][1] = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(port[i]), pin_a[i] + 1);
		if (!h->pins_set)
			h->pin_state[i] = enc_ab(h->sim ? h->sim->enc[i].line_pos : 0);
	}
	h->pins_set = 1;
	h->spi_dev = -1;
	h->spi_in = avr_io_getirq(avr, AVR_IOCTL_SPI_GETIRQ(0), SPI_IRQ_INPUT);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_SPI_GETIRQ(0), SPI_IRQ_OUTPUT), on_spi_out, h);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('B'), 0), on_cs0, h);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('B'), 4), on_cs1, h);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('L'), 0), on_cs2, h);
	if (h->role == 2)
		h_gantry_connect(h);
	adc_update(h);
	avr_cycle_timer_register(avr, H_CYCLES_PER_MS, plant_ms, h);
}
