/*
 * Golden-vector player on the simulator port: the board firmware as linked
 * into the extension, its port in recorded mode (port_sim.h), playing a
 * trace (csrc/firmware/trace/trace.h) from a buffer into a buffer.  The
 * same interpreter (trace_play.c) runs on the host, the ATmega2560 and the
 * Cortex-M3, so the outputs must be the same bytes (docs/golden_vectors.md).
 *
 * struct sim_trace is opaque to Python: allocate sim_trace_size() bytes.
 */
#ifndef ROVER_SIM_TRACE_SIM_H
#define ROVER_SIM_TRACE_SIM_H

#include <stddef.h>
#include <stdint.h>

/* cffi:begin */
/* One record writes at most this many output bytes (a tick's frames, a
 * telemetry pack, a burst of replies to 64 received bytes). */
#define SIM_TRACE_RECORD_MAX_OUT 8192
struct sim_trace;
size_t sim_trace_size(void);
/* A board of role (1 mobility, 2 payload) powered up with the build's
 * dictionary hash: 0, or -1 for an unknown role. */
int sim_trace_init(struct sim_trace *t, uint8_t role);
/* Plays whole records from in[0..n) while out has SIM_TRACE_RECORD_MAX_OUT
 * bytes of room.  Returns the input bytes consumed; *out_len gets the
 * output bytes written and *status 0 (stopped: input used up or out full),
 * 1 (the end record 'Q' was played) or -1 (the input ends inside a record). */
uint32_t sim_trace_feed(struct sim_trace *t, const uint8_t *in, uint32_t n, uint8_t *out,
			uint32_t cap, uint32_t *out_len, int *status);
/* cffi:end */

#endif
