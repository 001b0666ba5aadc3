/*
 * The printer's stepper drivers and limit switches (payload board).
 * docs/firmware.md section 7.2 has the pins, 7.6 the timing and its sources.
 *
 * Outputs: one STEP/DIR pair per axis (X, Y, Z, recoater) to a step/dir
 * driver such as the Allegro A4988 or the TI DRV8825.  STEP X..R on PC1..PC4
 * (one port, so the four axes pulse together), DIR X..R on PK0..PK3, high =
 * toward larger positions (away from the limit switch).  Both are written
 * through the PINx toggle registers (datasheet section 13.2.2: writing a one
 * to PINxn toggles PORTxn), which is atomic: nothing else on ports C and K
 * is disturbed, whatever an interrupt does to them.
 *
 * Timing (the slower of the two drivers sets it): STEP high and low at least
 * 1.9 us each and DIR settled 650 ns before a rising STEP edge (DRV8825,
 * TI SLVSA73F, 7.6 "Timing Requirements": tWH(STEP), tWL(STEP), tSU(STEP);
 * the A4988, Allegro A4988-DS, needs 1 us, 1 us and 200 ns).  We use 2 us
 * high, 2 us low and 1 us of DIR set-up: at 4 steps a tick, the most the
 * payload's motion and homing configurations command, a burst of 14 us.
 *
 * The tick's steps are emitted as one burst right after fw_tick()
 * (avr_steps_emit, from main.c), not spaced over the millisecond: a burst
 * costs no interrupt and no timer, and the axes' positions are the same.
 * Steps beyond AVR_STEP_MAX_PER_TICK on an axis wait for the next tick.
 *
 * Inputs: the limit switches on PL1 (X), PL2 (Y), PL6 (Z), PL7 (recoater),
 * internal pull-ups on.  Normally closed contacts to ground (our choice):
 * pressed opens the contact and the pin reads high; a broken wire also reads
 * pressed, so homing fails (the switch never releases) instead of driving the
 * axis into its hard stop.
 */
#include <avr/io.h>
#include "port_avr.h"

#define STEP_SHIFT 1u                       /* STEP of axis i: PC(1 + i) */
#define STEP_MASK (0x0Fu << STEP_SHIFT)
#define DIR_MASK 0x0Fu                      /* DIR of axis i: PK(i) */
#define SW_MASK (_BV(PL1) | _BV(PL2) | _BV(PL6) | _BV(PL7))

/* 16 MHz: 62.5 ns a cycle.  The delays are the minimum; the instructions
 * around each add a few cycles. */
#define STEP_HIGH_CYCLES 32u                /* 2 us >= 1.9 us (DRV8825 tWH) */
#define STEP_LOW_CYCLES 32u                 /* 2 us >= 1.9 us (DRV8825 tWL) */
#define DIR_SETUP_CYCLES 16u                /* 1 us >= 650 ns (DRV8825 tSU) */

void avr_steppers_init(struct port *p)
{
	uint8_t i;

	for (i = 0; i < MOTION_AXES; i++)
		p->step_due[i] = 0;
	p->step_pending = 0;
	p->step_dir = 0;
	PORTC &= (uint8_t)~STEP_MASK;       /* STEP low, DIR low, then outputs */
	DDRC |= STEP_MASK;
	PORTK &= (uint8_t)~DIR_MASK;
	DDRK |= DIR_MASK;
	DDRL &= (uint8_t)~SW_MASK;          /* switches: inputs with pull-ups */
	PORTL |= SW_MASK;
}

void port_step_write(struct port *p, uint8_t axis, int32_t steps)
{
	if (axis < MOTION_AXES && steps) {
		p->step_due[axis] += steps;
		p->step_pending = 1;
	}
}

uint8_t port_switch_read(struct port *p)
{
	uint8_t l = PINL;

	(void)p;
	/* PL1, PL2 -> bits 0, 1; PL6, PL7 -> bits 2, 3; high = pressed */
	return (uint8_t)(((l >> 1) & 0x03u) | ((l >> 4) & 0x0Cu));
}

/* This tick's pulses for axis i (at most AVR_STEP_MAX_PER_TICK; the rest
 * stays due and keeps step_pending set) and its DIR level in *dir.  Inline
 * with a constant axis: no shifts by a variable on the AVR. */
static inline uint8_t take_steps(struct port *p, uint8_t i, uint8_t *dir)
{
	int32_t d = p->step_due[i];

	if (d > 0) {
		*dir |= (uint8_t)(1u << i);
		if (d > (int32_t)AVR_STEP_MAX_PER_TICK) {
			p->step_due[i] = d - (int32_t)AVR_STEP_MAX_PER_TICK;
			p->step_pending = 1;
			return AVR_STEP_MAX_PER_TICK;
		}
	} else if (d < 0) {
		*dir &= (uint8_t)~(1u << i);
		if (d < -(int32_t)AVR_STEP_MAX_PER_TICK) {
			p->step_due[i] = d + (int32_t)AVR_STEP_MAX_PER_TICK;
			p->step_pending = 1;
			return AVR_STEP_MAX_PER_TICK;
		}
		d = -d;
	} else {
		return 0;
	}
	p->step_due[i] = 0;
	return (uint8_t)d;
}

/* Called after fw_tick() when step_pending is set. */
void avr_steps_emit(struct port *p)
{
	uint8_t dir, n0, n1, n2, n3, k;

	p->step_pending = 0;
	dir = p->step_dir;
	n0 = take_steps(p, 0, &dir);
	n1 = take_steps(p, 1, &dir);
	n2 = take_steps(p, 2, &dir);
	n3 = take_steps(p, 3, &dir);
	if (dir != p->step_dir) {
		PINK = (uint8_t)(dir ^ p->step_dir);    /* toggle the DIR lines that change */
		p->step_dir = dir;
		__builtin_avr_delay_cycles(DIR_SETUP_CYCLES);
	}
	for (k = 0;; k++) {
		uint8_t m = 0;

		if (n0 > k)
			m |= _BV(PC1);
		if (n1 > k)
			m |= _BV(PC2);
		if (n2 > k)
			m |= _BV(PC3);
		if (n3 > k)
			m |= _BV(PC4);
		if (!m)
			break;
		if (k)
			__builtin_avr_delay_cycles(STEP_LOW_CYCLES);
		PINC = m;                               /* rising edges */
		__builtin_avr_delay_cycles(STEP_HIGH_CYCLES);
		PINC = m;                               /* falling edges */
	}
}
