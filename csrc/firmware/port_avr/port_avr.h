/*
 * AVR port: the board firmware on an Arduino Mega 2560 (ATmega2560, 16 MHz).
 *
 * Pin map (docs/firmware.md section 7 has it as a table with the Arduino
 * pin numbers), datasheet: Atmel ATmega640/1280/1281/2560/2561, doc 2549Q.
 *
 *   USART0 (PE0/PE1)   the link, 115200 baud (U2X, UBRR0 = 16)
 *   Timer2 CTC         10 kHz (16 MHz / 64 / 25): polled encoders; every
 *                      tenth interrupt is the 1 kHz control tick
 *   Timer4 OC4A..C     motor PWM wheels 0..2 (PH3..PH5), 20 kHz, TOP 799
 *   Timer5 OC5A..C     motor PWM wheels 3..5 (PL3..PL5), 20 kHz, TOP 799
 *   PA0..PA5           motor direction (high = forward)
 *   Timer1 OC1A..C     steering servos 0..2 (PB5..PB7), 50 Hz, 0.5 us counts
 *   Timer3 OC3A        steering servo 3 (PE3)
 *   Timer0 OC0B        heater zone 0 (PG5), 61 Hz, 8 bit
 *   INT0..INT7         encoders 0..3 (PD0/PD1, PD2/PD3, PE4/PE5, PE6/PE7)
 *   PJ0/PJ1, PK6/PK7   encoders 4 and 5, sampled at 10 kHz (every interrupt
 *                      pin is taken; 10 kHz is over three times the fastest
 *                      edge rate, 3 kHz at 2 rad/s)
 *   ADC0..ADC7         motor currents 0..5, steering pots 0..1 (payload: ADC0 hopper)
 *   SPI + PL0 CS       MCP3008 10-bit ADC: steering pots 2..3, battery V, battery I,
 *                      e-box temperature (mobility)
 *   SPI + PB0 CS       IMU (MPU-6000 register map) / payload: MAX31855
 *   SPI + PB4 CS       power monitor (mobility; register map ours)
 *   PC0                timing pin: high while the control tick runs
 *   PC5                timing pin: high while the rest of the tick runs
 *   PC1..PC4           payload: STEP of the printer axes X, Y, Z, recoater
 *   PK0..PK3           payload: DIR of the same axes (high = away from the switch)
 *   PL1, PL2, PL6, PL7 payload: limit switches X, Y, Z, recoater (pull-ups;
 *                      normally closed to ground, so pressed reads high)
 */
#ifndef ROVER_FW_PORT_AVR_H
#define ROVER_FW_PORT_AVR_H

#include <stdint.h>
#include <avr/io.h>
#include "fw.h"
#define ROVER_DICT_NO_TABLES
#include "rover_dictionary.h"
#include "core/quad_step.h"

#define AVR_RX_RING 64u             /* power of two */
#define AVR_TX_RING 256u            /* power of two */
#define AVR_NADC 8u                 /* on-chip ADC0..7 (see the note on ADC8..15) */
#define AVR_NEXT_ADC 5u             /* MCP3008 channels 0..4 */
#define AVR_MOTOR_TOP 799u          /* 16 MHz / 800 = 20 kHz */
#define AVR_SERVO_TOP 39999u        /* 16 MHz / 8 / 40000 = 50 Hz */
#define AVR_SERVO_CENTER 3000u      /* 1500 us in 0.5 us counts */
#define AVR_SUBTICKS 10u            /* 10 kHz interrupts per 1 kHz tick */
#define AVR_STEP_MAX_PER_TICK 8u    /* STEP pulses per axis a tick (twice the most commanded) */

/* Units of the analogue front ends (our choices, docs/firmware.md 7.3). */
#define AVR_MA_PER_COUNT 20         /* motor and battery current, 512 = 0 A */
#define AVR_STEER_MRAD_PER_COUNT 3  /* steering pot, 512 = straight */
#define AVR_BATT_MV_PER_COUNT 40
#define AVR_TEMP_DC_ZERO_COUNT 400  /* e-box sensor: (count - 400) * 2 deci-C */
#define AVR_TEMP_DC_PER_COUNT 2
#define AVR_SENSOR_OPEN_DC (-2000)  /* an open sensor reads a rail */

/* SPI devices */
#define AVR_IMU_READ_CMD 0xBBu      /* MPU-6000: 0x3B (ACCEL_XOUT_H) | 0x80 read */
#define AVR_PWR_READ_CMD 0x01u
#define AVR_IMU_BYTES 14u
#define AVR_PWR_BYTES 8u
#define AVR_TC_BYTES 4u

struct avr_spi_job {
	volatile uint8_t *cs_port;  /* chip select: PORTx and bit */
	uint8_t cs_mask;
	uint8_t tx[3];              /* command bytes sent first, then zeros */
	uint8_t ntx;
	uint8_t skip;               /* leading reply bytes that are not data */
	uint8_t n;                  /* data bytes kept */
	uint8_t *dest;
};
#define AVR_MAX_JOBS 7u

/* One encoder as its interrupt handler sees it.  |steps| <= 127 holds
 * 40 ms of the fastest wheel (3 edges a ms at 2 rad/s); the main loop
 * takes the steps every tick. */
struct avr_enc {
	volatile int8_t steps;      /* net quadrature steps not yet taken */
	volatile uint8_t illegal;   /* illegal changes (both lines) not yet taken */
	volatile uint8_t ab;        /* the levels last seen, (A << 1) | B */
};

struct port {
	struct fw *fw;
	uint8_t role;
	/* UART rings: ISR writes head of rx / reads tail of tx */
	volatile uint8_t rx[AVR_RX_RING];
	volatile uint8_t rx_head, rx_tail;
	volatile uint16_t rx_overrun;
	volatile uint8_t tx[AVR_TX_RING];
	volatile uint8_t tx_head, tx_tail;
	/* encoders: decoded in their interrupts into a net step count since
	 * the last tick (8 bits, so a handler saves few registers), which the
	 * main loop takes with interrupts off and hands to the firmware */
	struct avr_enc enc_isr[6];
	uint8_t enc_raw45;                  /* PJ1..0 and PK7..6 as last sampled */
	/* tick */
	volatile uint8_t ticks_due;
	volatile uint8_t sub_ticks;          /* 100 us counts inside the ms */
	volatile uint32_t ticks;            /* timer interrupts */
	uint32_t ticks_done;                /* ticks executed */
	/* ADC scan */
	volatile uint16_t adc_raw[AVR_NADC];
	volatile uint8_t adc_ch, adc_busy;
	/* SPI: the sensor round's jobs, run in turn by avr_spi_round() from
	 * the main loop, and what they read */
	struct avr_spi_job jobs[AVR_MAX_JOBS];
	uint8_t njobs;
	uint8_t imu[AVR_IMU_BYTES];     /* main loop only: no interrupt guard */
	uint8_t pwr[AVR_PWR_BYTES];
	uint8_t tc[AVR_TC_BYTES];
	uint8_t ext_adc[2 * AVR_NEXT_ADC];
	uint8_t spi_acc_ms;
	/* printer steppers (payload): steps the tick asked for, not yet emitted
	 * (avr_steps_emit after fw_tick), and the DIR levels as last written */
	int32_t step_due[MOTION_AXES];
	uint8_t step_pending;               /* some step_due is not 0 */
	uint8_t step_dir;
};

/* io.c */
void avr_io_init(struct port *p);
void avr_outputs_off(void);
void avr_spi_round(struct port *p);
void avr_adc_scan_start(struct port *p);
/* steppers.c (payload) */
void avr_steppers_init(struct port *p);
void avr_steps_emit(struct port *p);
/* uart.c */
void avr_uart_init(void);

extern struct port avr_port;       /* the one instance the ISRs reach */

/* A change of encoder levels to ab, decoded with csrc/core's quadrature
 * step table (quad_step_of). */
static inline void avr_enc_change(struct avr_enc *e, uint8_t ab)
{
	int8_t s = quad_step_of(e->ab, ab);

	if (s == QUAD_ILLEGAL)
		e->illegal++;
	else
		e->steps = (int8_t)(e->steps + s);
	e->ab = ab;
}

/* Encoders 4 (PJ0 A, PJ1 B) and 5 (PK6 A, PK7 B): no interrupt pin left,
 * sampled from the 10 kHz timer interrupt and decoded there.  Inline so
 * that the common case (neither changed: the four pins read as one byte
 * equal to the last) costs a few instructions and no call. */
static inline void avr_encoders_poll(void)
{
	uint8_t raw = (uint8_t)((PINJ & 0x03u) | (PINK & 0xC0u)), ab;

	if (FW_AVR_ROLE != ROVER_BOARD_MOBILITY || raw == avr_port.enc_raw45)
		return;
	avr_port.enc_raw45 = raw;
	ab = (uint8_t)(((raw & 1u) << 1) | ((raw >> 1) & 1u));
	if (ab != avr_port.enc_isr[4].ab)
		avr_enc_change(&avr_port.enc_isr[4], ab);
	ab = (uint8_t)(((raw >> 5) & 2u) | ((raw >> 7) & 1u));
	if (ab != avr_port.enc_isr[5].ab)
		avr_enc_change(&avr_port.enc_isr[5], ab);
}

#endif
