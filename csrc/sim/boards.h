/*
 * The board scheduler: the simulated rover's plant plus every board's
 * firmware (mobility, payload) on the simulator port, advanced together in
 * one call.  Per simulated millisecond, for each board: its 1 kHz tick
 * (fw_tick: loops read the pins, write PWM and servos); then one plant
 * millisecond; then every encoder edge the plant produced is decoded, in
 * order, as the mobility board's encoder interrupts would, and handed over
 * as that millisecond's net steps (fw_encoder_steps, as on the AVR port).
 *
 * struct sim_boards is opaque to Python: allocate sim_boards_size() bytes.
 */
#ifndef ROVER_SIM_BOARDS_H
#define ROVER_SIM_BOARDS_H

#include <stddef.h>
#include <stdint.h>
#include "sim/sim.h"

/* cffi:begin */
struct sim_boards;
size_t sim_boards_size(void);
/* Both boards at power-up on plant s (which must outlive them). */
int sim_boards_init(struct sim_boards *b, struct sim *s, uint32_t dict_hash32);
/* Advance plant and boards by n_ms: SIM_OK or SIM_ERR_OFF_MAP (then frozen). */
int sim_run(struct sim_boards *b, uint32_t n_ms);
/* role: 1 mobility, 2 payload.  A CMD payload [opcode u16][args] through the
 * board's dispatch; fills the 9-byte CMD_RESULT payload, returns its status
 * (255: no such board). */
uint8_t sim_board_execute(struct sim_boards *b, uint8_t role, uint8_t seq,
			  const uint8_t *payload, uint8_t len, uint8_t *result);
/* TLM payload of packet id from the board's own pack function; 0 if none. */
uint8_t sim_board_pack(struct sim_boards *b, uint8_t role, uint8_t id, uint8_t *buf);
/* n packets in one call (the flight cycle's latch): entry i is board
 * roles[i]'s packet ids[i], written at out + SIM_PACK_STRIDE * i; lens[i] is
 * its length (0 if none). */
#define SIM_PACK_STRIDE 64
void sim_board_pack_many(struct sim_boards *b, uint8_t n, const uint8_t *roles,
			 const uint8_t *ids, uint8_t *out, uint8_t *lens);
/* Wire bytes from a simulated line into the board's own receive path
 * (fw_rx: COBS/CRC decoder, reliable receiver, dispatch, heartbeat).  For
 * the call the board is on a line: its answers (ACK/NAK, CMD_RESULT events,
 * each with the piggy-backed cumulative ack) are wire frames written to
 * out[cap]; returns their bytes (what does not fit is counted as tx
 * overflow by the firmware, as on a full UART). */
uint16_t sim_board_rx(struct sim_boards *b, uint8_t role, const uint8_t *data, uint16_t n,
		      uint8_t *out, uint16_t cap);
/* A host heartbeat reaches the board; every board. */
void sim_board_heartbeat(struct sim_boards *b, uint8_t role);
void sim_boards_heartbeat(struct sim_boards *b);
/* Move the board's EVENT records ([len][payload]...) into buf; returns bytes. */
uint16_t sim_board_events(struct sim_boards *b, uint8_t role, uint8_t *buf, uint16_t cap);
uint16_t sim_board_fault_flags(struct sim_boards *b, uint8_t role);
uint32_t sim_board_now_ms(struct sim_boards *b, uint8_t role);
/* Test hook: the board's heater sensor reads open (1), normal (0), or has
 * come off its heater and reads the ambient mount (2). */
void sim_board_sensor_fault(struct sim_boards *b, uint8_t role, uint8_t open);
struct head_plant *sim_board_head(struct sim_boards *b);
/* What the payload board's hopper level sensor reads, % (sim_hw's hopper). */
void sim_board_set_hopper(struct sim_boards *b, int32_t pct);
/* The payload board's stepper axes (plant truth, fault injection: load). */
struct gantry *sim_board_gantry(struct sim_boards *b);
/* cffi:end */

#endif
