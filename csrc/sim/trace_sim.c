/*
 * Golden-vector player on the simulator port (trace_sim.h).
 */
#define ROVER_DICT_NO_TABLES
#include "rover_dictionary.h"
#include "trace_sim.h"
#include "port_sim.h"

struct sim_trace {
	struct fw fw;
	struct port port;
	struct trace_io io;
	const uint8_t *in;
	uint32_t n, pos;
	uint8_t *out;
	uint32_t cap, len;
};

size_t sim_trace_size(void)
{
	return sizeof(struct sim_trace);
}

static int buf_get(void *ctx)
{
	struct sim_trace *t = ctx;

	return t->pos < t->n ? t->in[t->pos++] : -1;
}

static void buf_put(void *ctx, uint8_t b)
{
	struct sim_trace *t = ctx;

	if (t->len < t->cap)        /* room is checked per record: cannot fail */
		t->out[t->len++] = b;
}

int sim_trace_init(struct sim_trace *t, uint8_t role)
{
	uint8_t *z = (uint8_t *)t;
	size_t i;

	if (role != ROVER_BOARD_MOBILITY && role != ROVER_BOARD_PAYLOAD)
		return -1;
	for (i = 0; i < sizeof *t; i++)
		z[i] = 0;
	trace_io_init(&t->io, role, buf_get, buf_put, t);
	t->port.role = role;
	t->port.rec = &t->io;
	return trace_power_up(&t->io, &t->fw, &t->port, ROVER_DICT_HASH32);
}

uint32_t sim_trace_feed(struct sim_trace *t, const uint8_t *in, uint32_t n, uint8_t *out,
			uint32_t cap, uint32_t *out_len, int *status)
{
	uint32_t done = 0;
	int r = 0;

	t->in = in;
	t->n = n;
	t->pos = 0;
	t->out = out;
	t->cap = cap;
	t->len = 0;
	while (t->pos < n && cap - t->len >= SIM_TRACE_RECORD_MAX_OUT) {
		r = trace_record(&t->io, &t->fw, &t->port);
		if (r != 0)
			break;
		done = t->pos;
	}
	if (r == 1)
		done = t->pos;
	*out_len = t->len;
	*status = r;
	return done;
}
