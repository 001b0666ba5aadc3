/*
 * Host port: the firmware as a Linux process.  The UART is a pty paced at
 * the real baud; the pins are wired to simulated plants (mobility: the C
 * rover plant of csrc/plant driven through struct sim; payload: a lumped
 * thermal model of the sintering head).
 */
#ifndef ROVER_FW_PORT_HOST_H
#define ROVER_FW_PORT_HOST_H

#include <stdint.h>
#include "fw.h"
#include "sim/sim.h"
#include "sim/head.h"
#include "plant/gantry.h"
#include "emu/truth_tap.h"

#define HOST_TX_RING 2048u
#define HOST_RX_QUEUE 1024u    /* host bytes still crossing the line */

struct port {
	struct fw *fw;
	uint8_t role;
	/* UART */
	uint8_t tx[HOST_TX_RING];
	uint16_t tx_head, tx_tail;  /* head: next write; tail: next byte to the line */
	uint8_t tx_busy;            /* the line is sending the ring's bytes */
	/* pins */
	int16_t pwm[PORT_PWM_COUNT];
	int16_t servo_mrad[4];
	uint8_t sensor_fault;       /* test hook: heater sensor reads open */
	/* clock */
	uint64_t ticks;             /* board ms */
	uint64_t wall_us_now;       /* board us derived from the wall clock */
	/* plants */
	struct sim *sim;            /* mobility */
	float *terrain;
	struct truth_tap truth;     /* mobility: the plant's pose for the bench (--truth-socket) */
	struct head_plant head;     /* payload */
	struct gantry gantry;       /* payload steppers */
	struct gantry_params gantry_p;
	int32_t steps[4];           /* steps emitted this tick */
};

/* Mobility plant (plant_mob.c). */
void mob_plant_params(struct sim_params *p);
/* One board ms of plant; encoder edges go to the firmware. */
void mob_plant_step(struct port *p);

#endif
