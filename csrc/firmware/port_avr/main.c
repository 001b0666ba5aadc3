/*
 * AVR port entry point: reset handling, the 1 kHz tick, the watchdog and the
 * main loop.  docs/firmware.md section 7.
 *
 * Concurrency: interrupts only buffer (UART bytes, encoder edges, a count of
 * due ticks, ADC results); every fw_*() call runs here, in the main
 * loop, so the portable firmware never runs re-entrantly.  Per pass: bytes
 * received -> fw_rx(); for each due tick: the encoder decoders' state ->
 * fw_encoder_steps(), then fw_tick_control(), then (payload) the tick's
 * STEP pulses (timing pin PC0 high around these: the control tick), then
 * every 10 ms the polled SPI sensor round and the ADC scan's start, and
 * fw_tick_rest() (PC5 high: the rest of the tick),
 * then fw_service() (telemetry, which the tick leaves to the port here:
 * fw_set_port_services()); then sleep (idle mode) until the next interrupt.
 *
 * The one mutable global of the firmware lives here: interrupt vectors take
 * no arguments, so the port state they fill must be reachable by name.
 *
 * Watchdog: 250 ms, interrupt-then-reset mode.  A main loop that stops
 * resetting it first gets the WDT interrupt, which forces every output pin
 * to its safe state from the interrupt, then the next timeout resets the
 * MCU (datasheet 12.5).  After any reset the outputs are inputs (high
 * impedance) until the firmware re-initialises them: the motor drivers'
 * pull-downs keep the bridges off.
 */
#include <avr/io.h>
#include <avr/interrupt.h>
#include <avr/sleep.h>
#include <avr/wdt.h>
#include "port_avr.h"

#ifndef FW_AVR_ROLE
#error "build with -DFW_AVR_ROLE=ROVER_BOARD_MOBILITY or ROVER_BOARD_PAYLOAD"
#endif

#define AVR_SPI_PERIOD_MS 10u     /* SPI sensors and the ADC scan */

struct port avr_port;
static struct fw avr_fw;

void avr_pins_init(void);
void avr_servos_enable(const int16_t mrad[4]);

/* The watchdog stays enabled across a watchdog reset: turn it off before
 * anything else runs (avr-libc <avr/wdt.h> documentation). */
uint8_t avr_reset_cause __attribute__((section(".noinit")));
void avr_wdt_early(void) __attribute__((naked, used, section(".init3")));
void avr_wdt_early(void)
{
	avr_reset_cause = MCUSR;
	MCUSR = 0;
	wdt_disable();
}

/* 10 kHz: sample the polled encoders (4 and 5), and every tenth is the
 * 1 kHz control tick */
ISR(TIMER2_COMPA_vect)
{
	avr_encoders_poll();
	if (++avr_port.sub_ticks < AVR_SUBTICKS)
		return;
	avr_port.sub_ticks = 0;
	avr_port.ticks++;
	if (avr_port.ticks_due < 255u)
		avr_port.ticks_due++;
}

ISR(WDT_vect)
{
	/* the main loop hung: outputs safe now; the next timeout resets */
	avr_outputs_off();
}

/* Board time counts the ticks the firmware has executed (fw->now_ms), refined
 * by Timer2 inside the millisecond, so that CLOCK replies and telemetry time
 * tags agree even when the main loop falls behind the 1 kHz interrupt. */
uint64_t port_time_us(struct port *p)
{
	uint8_t c, sub, s = SREG;

	cli();
	c = TCNT2;
	sub = p->sub_ticks;
	SREG = s;
	return (uint64_t)p->ticks_done * 1000u + (uint64_t)sub * 100u + (uint64_t)c * 4u;
}

static void tick_timer_init(void)
{
	TCCR2A = _BV(WGM21);                /* CTC, TOP = OCR2A */
	TCCR2B = _BV(CS22);                 /* /64: 4 us per count */
	OCR2A = 24;                         /* 25 counts = 100 us */
	TIMSK2 = _BV(OCIE2A);
}

static void wdt_start(void)
{
	wdt_reset();
	WDTCSR = _BV(WDCE) | _BV(WDE);
	WDTCSR = _BV(WDIE) | _BV(WDE) | _BV(WDP2);     /* 250 ms, interrupt + reset */
}

static void hand_over_rx(struct port *p)
{
	uint8_t buf[16], n = 0;

	while (p->rx_tail != p->rx_head && n < sizeof buf) {
		buf[n++] = p->rx[p->rx_tail];
		p->rx_tail = (uint8_t)((p->rx_tail + 1u) & (AVR_RX_RING - 1u));
	}
	if (n)
		fw_rx(p->fw, buf, n);
}

/* The steps the encoder interrupts decoded since the last tick, taken with
 * interrupts off, to the firmware. */
static void hand_over_encoders(struct port *p)
{
	int8_t st[6];
	uint8_t ill[6], any = 0, i;
	struct avr_enc *e = p->enc_isr;

	if (FW_AVR_ROLE != ROVER_BOARD_MOBILITY)
		return;
	cli();
	for (i = 0; i < 6; i++, e++) {
		st[i] = e->steps;
		e->steps = 0;
		ill[i] = e->illegal;
		any |= ill[i];
		e->illegal = 0;
	}
	sei();
	fw_encoder_steps(p->fw, st, any ? ill : 0);
}

static uint8_t take_tick(struct port *p)
{
	uint8_t due;

	cli();
	due = p->ticks_due;
	if (due)
		p->ticks_due = (uint8_t)(due - 1u);
	sei();
	return due;
}

int main(void)
{
	struct port *p = &avr_port;
	uint16_t wait;

	p->fw = &avr_fw;
	p->role = FW_AVR_ROLE;
	DDRC |= _BV(PC0) | _BV(PC5);        /* timing pins */
	avr_pins_init();
	avr_uart_init();
	avr_io_init(p);
	tick_timer_init();
	sei();
	/* one full ADC scan and one SPI round before the firmware reads inputs */
	avr_spi_round(p);
	for (wait = 0; wait < 50u && (wait < 3u || p->adc_busy); wait++)
		while (!take_tick(p))
			;
	fw_init(p->fw, p, p->role, ROVER_DICT_HASH32);
	fw_set_port_services(p->fw);
	/* the round on the tick before the mobility board's 10 ms IMU and
	 * tilt job (board time multiples of 10 ms): neither tick then
	 * carries both, and the filter reads a round 1 ms old */
	p->spi_acc_ms = 1;
	if (p->role == ROVER_BOARD_MOBILITY)
		avr_servos_enable(p->fw->b.mob.steer_cmd_mrad);
	wdt_start();
	for (;;) {
		wdt_reset();
		hand_over_rx(p);
		while (take_tick(p)) {
			wdt_reset();
			PORTC |= _BV(PC0);
			hand_over_encoders(p);
			fw_tick_control(p->fw);
			if (FW_AVR_ROLE == ROVER_BOARD_PAYLOAD && p->step_pending)
				avr_steps_emit(p);      /* the tick's STEP pulses */
			p->ticks_done++;
			PORTC &= (uint8_t)~_BV(PC0);
			PORTC |= _BV(PC5);
			/* the sensor round (polled SPI) and the ADC scan's start
			 * first, so that the rest of this tick already reads them */
			if (++p->spi_acc_ms >= AVR_SPI_PERIOD_MS) {
				p->spi_acc_ms = 0;
				avr_adc_scan_start(p);
				avr_spi_round(p);
			}
			fw_tick_rest(p->fw);
			PORTC &= (uint8_t)~_BV(PC5);
			/* telemetry packing and framing: background work, after
			 * the timed control tick (fw_set_port_services) */
			fw_service(p->fw);
			hand_over_rx(p);
		}
		fw_service(p->fw);
		cli();
		if (p->rx_tail == p->rx_head && !p->ticks_due) {
			set_sleep_mode(SLEEP_MODE_IDLE);
			sleep_enable();
			sei();
			sleep_cpu();
			sleep_disable();
		}
		sei();
	}
}
