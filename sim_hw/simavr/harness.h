/*
 * rover-simavr: an emulated Arduino Mega 2560 on libsimavr.
 *
 * The ATmega2560 core runs the exact image that would be flashed (Intel
 * hex or ELF, or an empty flash with Debian's stk500v2 bootloader), at
 * 16 MHz of simulated time.  Its USART0 is a pty; its output pins drive the
 * C plant (csrc/plant through csrc/sim) once per simulated millisecond; the
 * plant's encoder edges, analogue voltages and SPI sensor replies come back
 * to the pins in simulated time.  docs/hil.md section 10.
 */
#ifndef ROVER_SIMAVR_HARNESS_H
#define ROVER_SIMAVR_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_irq.h>
#include "sim/sim.h"
#include "sim/head.h"
#include "plant/gantry.h"
#include "emu/truth_tap.h"
#include "emu/plant_opts.h"

#define H_FREQ_HZ 16000000u
#define H_CYCLES_PER_MS (H_FREQ_HZ / 1000u)
#define H_BOOT_ADDR 0x3E000u          /* stk500v2 bootloader, BOOTSZ = 4096 words */
#define H_FLASH_BYTES (256u * 1024u)
#define H_MAX_EDGES 512
#define H_TXQ 16                      /* the UART holds one byte at a time; slack */

/* ATmega2560 data-space addresses (datasheet register summary; I/O + 0x20) */
#define R_PORTA 0x22
#define R_PORTB 0x25
#define R_PORTC 0x28
#define R_TCCR0A 0x44
#define R_OCR0B 0x48
#define R_TCCR1A 0x80
#define R_OCR1A 0x88
#define R_OCR1B 0x8A
#define R_OCR1C 0x8C
#define R_TCCR3A 0x90
#define R_OCR3A 0x98
#define R_TCCR4A 0xA0
#define R_OCR4A 0xA8
#define R_TCCR5A 0x120
#define R_OCR5A 0x128
#define R_PORTK 0x108

/* The payload's printer pins (csrc/firmware/port_avr/steppers.c): STEP of
 * axis i on PC(1 + i), DIR on PK(i) (high = up), switches on PL1, PL2, PL6,
 * PL7 (high = pressed). */
#define H_STEP_PIN0 1


struct h_edge {
	uint8_t ch, ab;
	uint32_t at;                    /* cycle offset inside the ms */
};

/* One STEP line as the harness sees it. */
struct h_axis {
	struct harness *h;
	int i;
	uint64_t rise_cycle, fall_cycle, dir_cycle;     /* last edges (0: none yet) */
};

/* The STEP/DIR timing the harness measured, in cycles, against a driver's
 * minimums (docs/firmware.md section 7.6); UINT64_MAX: not seen yet. */
struct h_step_stats {
	uint64_t edges[4];              /* rising STEP edges per axis */
	uint64_t high_min;              /* STEP high time */
	uint64_t low_min;               /* STEP low time between two pulses (same axis) */
	uint64_t dir_setup_min;         /* DIR change to the next rising STEP edge */
	uint64_t dir_hold_min;          /* rising STEP edge to the next DIR change */
};

/* The pulses of one timing pin: how long it stayed high, in cycles. */
struct h_span {
	uint64_t n;                     /* pulses seen */
	uint64_t sum, max, min;
	uint64_t rise_cycle;
	int high;                       /* the pin is high now */
};

struct h_stats {
	struct h_span tick;             /* PC0: the control tick */
	struct h_span rest;             /* PC5: the rest of the tick's work */
	uint64_t from_cycle;            /* --stats-from: spans and profile restart here */
	int from_done;
	uint64_t isr_count[2];          /* 0: USART0 RX, 1: TIMER2 COMPA */
	uint64_t isr_latency_max[2], isr_latency_sum[2];
	uint64_t isr_pending_cycle[2];
	uint64_t uart_rx_bytes, uart_tx_bytes;
	uint64_t resets;
	uint64_t flash_writes;          /* SPM page writes seen (bootloader) */
	uint64_t sleep_cycles;          /* cycles the MCU spent asleep (idle) */
};

struct harness {
	avr_t *avr;
	int role;                       /* 1 mobility, 2 payload */
	double time_scale;
	uint64_t wall_t0_ns;
	uint64_t sim_t0_cycle;
	/* UART <-> pty */
	int master;
	int slave_open;                 /* someone has the pty open */
	int reset_on_open;
	int xoff;
	uint64_t rx_next_cycle;         /* earliest cycle for the next byte in */
	uint32_t cycles_per_byte;       /* 10 bit times at the firmware's baud */
	/* bytes on the line out: each goes to the pty when its stop bit has
	 * left (cycle tx_due), not when the firmware wrote UDR (uart_bridge.c) */
	uint8_t tx_byte[H_TXQ];
	uint64_t tx_due[H_TXQ];
	uint8_t tx_head, tx_n;
	int want_reset;
	uint8_t inbuf[4096];
	int in_len, in_pos;
	char pty_name[128];
	/* plant */
	struct sim *sim;
	float *terrain;
	struct truth_tap truth;         /* mobility: the plant's pose for the bench */
	struct head_plant head;
	struct gantry gantry;           /* payload: the printer's steppers */
	struct gantry_params gantry_p;
	struct h_axis axis[4];
	int32_t steps[4];               /* signed STEP edges of this ms, per axis */
	avr_irq_t *sw_irq[4];
	int sw_force;                   /* re-drive the switch pins (after a reset) */
	struct h_step_stats step;
	struct h_edge edges[H_MAX_EDGES];
	int n_edges, next_edge;
	int extint_fix;
	int pins_set;                 /* turn off simavr's level polling */
	uint8_t pin_state[6];
	avr_irq_t *enc_irq[6][2];
	/* SPI devices */
	uint8_t spi_buf[16];
	int spi_len, spi_pos, spi_dev;  /* dev: -1 none, 0 CS PB0, 1 CS PB4, 2 CS PL0 */
	int spi_ch;
	uint16_t ext_adc[8];            /* MCP3008 inputs, counts */
	avr_irq_t *spi_in;
	/* statistics */
	struct h_stats st;
	const char *stats_path;
	const char *flash_image;
	uint8_t flash_dirty;
	uint32_t *prof;                 /* --profile: pc histogram */
};

/* plant_link.c */
int h_plant_init(struct harness *h, uint64_t seed, const struct plant_opts *o);
void h_plant_connect(struct harness *h);
/* gantry_link.c (payload) */
void h_gantry_init(struct harness *h);
void h_gantry_connect(struct harness *h);
void h_gantry_ms(struct harness *h);
void h_gantry_stats(struct harness *h, FILE *f);
/* uart_bridge.c */
int h_uart_open(struct harness *h, const char *link);
void h_uart_connect(struct harness *h);
void h_uart_fix_word(struct harness *h);
/* spi_clock.c */
void h_spi_clock_connect(struct harness *h);
/* stats.c */
void h_stats_connect(struct harness *h);
void h_stats_write(struct harness *h);
void h_stats_restart(struct harness *h);
void h_profile_arm(struct harness *h);
void h_profile_write(struct harness *h, const char *path);
/* main.c: the pace (board cycles against the host's monotonic clock) */
void h_throttle(struct harness *h);
uint64_t h_cycle_now(const struct harness *h);
void h_wait_wall(struct harness *h, uint64_t cycle);

#endif
