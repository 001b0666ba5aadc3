/*
 * Outputs: motor PWM + direction, steering servo pulses, heater PWM, and the
 * safe state.  Timer modes and registers: ATmega2560 datasheet sections 16
 * (Timer0) and 17 (16-bit Timer1/3/4/5), fast PWM with ICRn as TOP (mode 14).
 * A zero duty disconnects the compare output so the pin stays low (fast PWM
 * with OCR = 0 would still give a one-count pulse every period).
 */
#include <avr/io.h>
#include "port_avr.h"

/* TOP before the clock: a timer started with ICRn = 0 counts to 0 until
 * ICRn is written (and simavr 1.6 only reconfigures the timer on a TCCRn or
 * OCRn write, so it kept the TOP of 0: a compare every few cycles). */
static void motor_timer(volatile uint8_t *tccra, volatile uint8_t *tccrb, volatile uint16_t *icr)
{
	*icr = AVR_MOTOR_TOP;
	*tccra = _BV(WGM11);                        /* same bit positions on 1/3/4/5 */
	*tccrb = _BV(WGM13) | _BV(WGM12) | _BV(CS10);
}

/* The mobility board's drives: the payload board has none, so its timers
 * 1, 3, 4 and 5 stay stopped and those pins stay inputs (reset state). */
static void mobility_pins_init(void)
{
	/* motors: Timer4 (PH3..5) and Timer5 (PL3..5), direction PA0..5 */
	motor_timer(&TCCR4A, &TCCR4B, &ICR4);
	motor_timer(&TCCR5A, &TCCR5B, &ICR5);
	PORTH &= (uint8_t)~(_BV(PH3) | _BV(PH4) | _BV(PH5));
	PORTL &= (uint8_t)~(_BV(PL3) | _BV(PL4) | _BV(PL5));
	DDRH |= _BV(PH3) | _BV(PH4) | _BV(PH5);
	DDRL |= _BV(PL3) | _BV(PL4) | _BV(PL5);
	PORTA &= (uint8_t)~0x3Fu;
	DDRA |= 0x3Fu;
	/* servos: Timer1 (PB5..7) and Timer3 OC3A (PE3), 50 Hz, /8 */
	ICR1 = AVR_SERVO_TOP;
	TCCR1A = _BV(WGM11) | _BV(COM1A1) | _BV(COM1B1) | _BV(COM1C1);
	TCCR1B = _BV(WGM13) | _BV(WGM12) | _BV(CS11);
	ICR3 = AVR_SERVO_TOP;
	TCCR3A = _BV(WGM31) | _BV(COM3A1);
	TCCR3B = _BV(WGM33) | _BV(WGM32) | _BV(CS31);
}

void avr_pins_init(void)
{
	if (FW_AVR_ROLE == ROVER_BOARD_MOBILITY)
		mobility_pins_init();
	/* heater (either board): Timer0 fast PWM, /1024 -> 61 Hz, OC0B on PG5 */
	TCCR0A = _BV(WGM01) | _BV(WGM00);
	TCCR0B = _BV(CS02) | _BV(CS00);
	OCR0B = 0;
	PORTG &= (uint8_t)~_BV(PG5);
	DDRG |= _BV(PG5);
}

void avr_servos_enable(const int16_t mrad[4])
{
	port_servo_write(&avr_port, 0, mrad[0]);
	port_servo_write(&avr_port, 1, mrad[1]);
	port_servo_write(&avr_port, 2, mrad[2]);
	port_servo_write(&avr_port, 3, mrad[3]);
	DDRB |= _BV(PB5) | _BV(PB6) | _BV(PB7);
	DDRE |= _BV(PE3);
}

/* Direction on PAch (high = forward) first, then duty 0..AVR_MOTOR_TOP+1
 * to the channel's compare register; a zero duty disconnects the compare
 * output.  One case per channel, so every register access and bit is a
 * constant (this runs six times a tick): the bridge never sees the old
 * duty with the new direction for more than this pair of writes. */
#define MOTOR_SET(ocr, tccra, com, dir) do {				\
		if (neg)						\
			PORTA &= (uint8_t)~_BV(dir);			\
		else							\
			PORTA |= _BV(dir);				\
		if (duty == 0) {					\
			tccra &= (uint8_t)~_BV(com);			\
			ocr = 0;					\
		} else {						\
			ocr = (uint16_t)(duty - 1u);			\
			tccra |= _BV(com);				\
		}							\
	} while (0)

static void motor_write(uint8_t ch, uint8_t neg, uint16_t duty)
{
	switch (ch) {
	case 0: MOTOR_SET(OCR4A, TCCR4A, COM4A1, PA0); break;
	case 1: MOTOR_SET(OCR4B, TCCR4A, COM4B1, PA1); break;
	case 2: MOTOR_SET(OCR4C, TCCR4A, COM4C1, PA2); break;
	case 3: MOTOR_SET(OCR5A, TCCR5A, COM5A1, PA3); break;
	case 4: MOTOR_SET(OCR5B, TCCR5A, COM5B1, PA4); break;
	default: MOTOR_SET(OCR5C, TCCR5A, COM5C1, PA5); break;
	}
}

void port_pwm_write(struct port *p, uint8_t ch, int16_t q15)
{
	uint16_t mag;

	(void)p;
	if (ch >= PORT_PWM_COUNT)
		return;
	if (ch == PORT_PWM_HEATER0) {
		uint8_t d = q15 > 0 ? (uint8_t)((uint16_t)q15 >> 7) : 0;	/* q15 * 256 / 32768 */

		OCR0B = d ? (uint8_t)(d - 1u) : 0;
		if (d)
			TCCR0A |= _BV(COM0B1);
		else
			TCCR0A &= (uint8_t)~_BV(COM0B1);
		return;
	}
	if (FW_AVR_ROLE != ROVER_BOARD_MOBILITY)
		return;
	mag = (uint16_t)(q15 < 0 ? -(int32_t)q15 : q15);
	/* mag * 800 / 32768 == mag * 25 / 1024 with two 8 x 8-bit products:
	 * mag * 25 = hi * 25 * 256 + lo * 25, and floor(that / 1024) =
	 * (hi * 25 + floor(lo * 25 / 256)) / 4 exactly (nested floors) */
	motor_write(ch, (uint8_t)(q15 < 0),
		    (uint16_t)(((uint16_t)((uint8_t)(mag >> 8) * 25u) +
				((uint16_t)((uint8_t)mag * 25u) >> 8)) >> 2));
}

void port_servo_write(struct port *p, uint8_t ch, int16_t mrad)
{
	/* 1500 us +- 0.5 us per mrad: OCR = 3000 + mrad (0.5 us counts) */
	uint16_t ocr = (uint16_t)((int32_t)AVR_SERVO_CENTER + mrad);

	(void)p;
	switch (ch) {
	case 0: OCR1A = ocr; break;
	case 1: OCR1B = ocr; break;
	case 2: OCR1C = ocr; break;
	case 3: OCR3A = ocr; break;
	default: break;
	}
}

void avr_outputs_off(void)
{
	/* the hardware safe state, callable from any context */
	TCCR4A &= (uint8_t)~(_BV(COM4A1) | _BV(COM4B1) | _BV(COM4C1));
	TCCR5A &= (uint8_t)~(_BV(COM5A1) | _BV(COM5B1) | _BV(COM5C1));
	PORTH &= (uint8_t)~(_BV(PH3) | _BV(PH4) | _BV(PH5));
	PORTL &= (uint8_t)~(_BV(PL3) | _BV(PL4) | _BV(PL5));
	TCCR0A &= (uint8_t)~_BV(COM0B1);
	PORTG &= (uint8_t)~_BV(PG5);
}
