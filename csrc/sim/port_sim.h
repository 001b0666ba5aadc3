/*
 * The simulator port: the board firmware (csrc/firmware) linked into the
 * simulator's extension, its pins wired to the C plant (struct sim for the
 * mobility board, struct head_plant for the payload board), its time the
 * simulator's.  There is no line: the firmware runs in direct mode
 * (fw_set_direct), commands enter through fw_execute() and telemetry leaves
 * through fw_pack(); the "UART" only carries the board's EVENT payloads as
 * [len][payload] records for the simulator to collect.  With a simulated
 * line (sim_board_rx) the board's receive path is its own fw_rx, and what it
 * answers on the UART during that call (ACK/NAK, CMD_RESULT frames) is wire
 * bytes collected in line[].
 *
 * Recorded mode (golden vectors, csrc/sim/trace_sim.c): with rec set, the
 * pins read recorded inputs and write output records (the trace format of
 * csrc/firmware/trace/trace.h) instead of the plant, so the firmware as
 * linked into the extension can be compared byte for byte with the boards.
 */
#ifndef ROVER_SIM_PORT_SIM_H
#define ROVER_SIM_PORT_SIM_H

#include <stdint.h>
#include "firmware/fw.h"
#include "sim/sim.h"
#include "sim/head.h"
#include "plant/gantry.h"
#include "firmware/trace/trace.h"

#define SIM_PORT_EVENT_BYTES 512u
#define SIM_SENSOR_AMBIENT 2u

struct port {
	struct sim *sim;            /* mobility plant (NULL on the payload board) */
	struct head_plant *head;    /* payload plant (NULL on the mobility board) */
	uint8_t role;
	uint8_t sensor_fault;       /* test hook: the heater sensor reads open (1) or
				     * has come off and reads ambient (SIM_SENSOR_AMBIENT) */
	int16_t head_q15;           /* payload heater PWM */
	struct gantry *gantry;      /* payload steppers (NULL on the mobility board) */
	int32_t hopper_pct;         /* hopper level sensor, % (set by the simulator) */
	struct trace_io *rec;       /* recorded mode: inputs and outputs (else NULL) */
	int32_t steps[4];           /* steps emitted this tick */
	uint32_t ticks;             /* board ms */
	uint16_t ev_len;
	uint8_t ev[SIM_PORT_EVENT_BYTES];
	/* While sim_board_rx() feeds the board wire bytes, its UART writes are
	 * wire frames for the simulated line: they go here (NULL otherwise). */
	uint8_t *line;
	uint16_t line_len, line_cap;
};

#endif
