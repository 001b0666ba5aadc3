/*
 * Board scheduler (boards.h): plant + the boards' firmware, batched.
 */
#define ROVER_DICT_NO_TABLES
#include "rover_dictionary.h"
#include "boards.h"
#include "port_sim.h"
#include "core/quad_step.h"
#include "link/frame.h"

/* every packet fits its slot of sim_board_pack_many */
typedef char sim_pack_stride_fits[SIM_PACK_STRIDE >= LINK_MAX_PAYLOAD ? 1 : -1];

struct sim_boards {
	struct sim *sim;
	struct head_plant head;
	struct gantry gantry;
	struct gantry_params gantry_p;
	struct fw fw[2];            /* [0] mobility, [1] payload */
	struct port port[2];
	/* The mobility board's encoder interrupts, decoded on the port's side
	 * as the AVR port does: the A/B levels each decoder last saw. */
	uint8_t enc_seen_ab[6];
};

size_t sim_boards_size(void)
{
	return sizeof(struct sim_boards);
}

static struct fw *board(struct sim_boards *b, uint8_t role)
{
	if (role == ROVER_BOARD_MOBILITY)
		return &b->fw[0];
	if (role == ROVER_BOARD_PAYLOAD)
		return &b->fw[1];
	return 0;
}

int sim_boards_init(struct sim_boards *b, struct sim *s, uint32_t dict_hash32)
{
	uint8_t *z = (uint8_t *)b;
	size_t i;

	for (i = 0; i < sizeof *b; i++)
		z[i] = 0;
	b->sim = s;
	pay_plant_init(&b->head);
	gantry_default_params(&b->gantry_p);
	gantry_init(&b->gantry, &b->gantry_p);
	b->port[1].gantry = &b->gantry;
	b->port[0].sim = s;
	b->port[0].role = ROVER_BOARD_MOBILITY;
	b->port[1].head = &b->head;
	b->port[1].role = ROVER_BOARD_PAYLOAD;
	b->port[1].hopper_pct = 100;
	for (i = 0; i < 2; i++) {
		if (fw_init(&b->fw[i], &b->port[i], b->port[i].role, dict_hash32))
			return SIM_ERR_PARAMS;
		fw_set_direct(&b->fw[i]);
	}
	/* the decoder starts where the lines are */
	for (i = 0; i < 6; i++) {
		b->enc_seen_ab[i] = enc_ab(s->enc[i].line_pos);
		quad_init(&b->fw[0].b.mob.wh[i].qd, b->enc_seen_ab[i]);
	}
	return SIM_OK;
}

/*
 * Every A/B change the plant made this millisecond, line_pos -> edge_pos one
 * count at a time, decoded with csrc/core's quadrature step and handed to
 * the mobility board as net steps and illegal changes (fw_encoder_steps):
 * what fw_encoder_edge() would count from the same edges, without a call
 * per edge.  Only the first change can be anything but one step in the
 * direction of travel (after dead lines the decoder saw an older level);
 * every later one moves between neighbouring positions of the gray
 * sequence.  More than 127 net steps go over in several hand-overs (the
 * count adds modulo 2^32, in any grouping).
 */
static void hand_over_encoders(struct sim_boards *b, struct sim *s)
{
	int64_t left[6];
	int8_t st[6];
	uint8_t ill[6], i, more = 0;

	for (i = 0; i < 6; i++) {
		struct enc_gen *e = &s->enc[i];
		int64_t n = e->edge_pos - e->line_pos, d = n > 0 ? 1 : -1;
		int8_t first;

		left[i] = 0;
		ill[i] = 0;
		if (n == 0)
			continue;
		more = 1;
		first = quad_step_of(b->enc_seen_ab[i], enc_ab(e->line_pos + d));
		if (first == QUAD_ILLEGAL)
			ill[i] = 1;
		else
			left[i] = first;
		left[i] += n - d;
		b->enc_seen_ab[i] = enc_ab(e->edge_pos);
		e->line_pos = e->edge_pos;
	}
	while (more) {
		more = 0;
		for (i = 0; i < 6; i++) {
			int64_t take = left[i] > 127 ? 127 : (left[i] < -127 ? -127 : left[i]);

			st[i] = (int8_t)take;
			left[i] -= take;
			more |= left[i] != 0;
		}
		fw_encoder_steps(&b->fw[0], st, ill);
		for (i = 0; i < 6; i++)
			ill[i] = 0;
	}
}

int sim_run(struct sim_boards *b, uint32_t n_ms)
{
	struct sim *s = b->sim;
	uint32_t k;
	uint8_t i;
	int rc;

	if (s->out.off_map)
		return SIM_ERR_OFF_MAP;
	for (k = 0; k < n_ms; k++) {
		for (i = 0; i < 2; i++) {
			b->port[i].ticks++;
			fw_tick(&b->fw[i]);
		}
		rc = sim_step_ms(s);
		pay_plant_step(&b->head, b->port[1].head_q15, 0.001);
		gantry_step(&b->gantry, &b->gantry_p, b->port[1].steps);
		for (i = 0; i < 4; i++)
			b->port[1].steps[i] = 0;
		hand_over_encoders(b, s);
		if (rc != SIM_OK)
			return rc;
	}
	return SIM_OK;
}

uint8_t sim_board_execute(struct sim_boards *b, uint8_t role, uint8_t seq,
			  const uint8_t *payload, uint8_t len, uint8_t *result)
{
	struct fw *fw = board(b, role);

	if (!fw)
		return 255;
	return fw_execute(fw, seq, payload, len, result);
}

uint8_t sim_board_pack(struct sim_boards *b, uint8_t role, uint8_t id, uint8_t *buf)
{
	struct fw *fw = board(b, role);

	return fw ? fw_pack(fw, id, buf) : 0;
}

void sim_board_pack_many(struct sim_boards *b, uint8_t n, const uint8_t *roles,
			 const uint8_t *ids, uint8_t *out, uint8_t *lens)
{
	uint8_t i;

	for (i = 0; i < n; i++)
		lens[i] = sim_board_pack(b, roles[i], ids[i], out + SIM_PACK_STRIDE * i);
}

uint16_t sim_board_rx(struct sim_boards *b, uint8_t role, const uint8_t *data, uint16_t n,
		      uint8_t *out, uint16_t cap)
{
	struct fw *fw = board(b, role);
	struct port *p;
	uint8_t direct;

	if (!fw)
		return 0;
	p = fw->port;
	p->line = out;
	p->line_len = 0;
	p->line_cap = cap;
	direct = fw->direct;
	fw->direct = 0;
	fw_rx(fw, data, n);
	fw->direct = direct;
	p->line = 0;
	return p->line_len;
}

void sim_board_heartbeat(struct sim_boards *b, uint8_t role)
{
	struct fw *fw = board(b, role);

	if (fw)
		fw_host_heartbeat(fw);
}

void sim_boards_heartbeat(struct sim_boards *b)
{
	uint8_t i;

	for (i = 0; i < sizeof b->fw / sizeof b->fw[0]; i++)
		fw_host_heartbeat(&b->fw[i]);
}

uint16_t sim_board_events(struct sim_boards *b, uint8_t role, uint8_t *buf, uint16_t cap)
{
	struct fw *fw = board(b, role);
	struct port *p;
	uint16_t n, i;

	if (!fw)
		return 0;
	p = fw->port;
	n = p->ev_len < cap ? p->ev_len : cap;
	for (i = 0; i < n; i++)
		buf[i] = p->ev[i];
	for (i = n; i < p->ev_len; i++)
		p->ev[i - n] = p->ev[i];
	p->ev_len = (uint16_t)(p->ev_len - n);
	return n;
}

uint16_t sim_board_fault_flags(struct sim_boards *b, uint8_t role)
{
	struct fw *fw = board(b, role);

	return fw ? fw_fault_flags(fw) : 0;
}

uint32_t sim_board_now_ms(struct sim_boards *b, uint8_t role)
{
	struct fw *fw = board(b, role);

	return fw ? fw->now_ms : 0;
}

void sim_board_sensor_fault(struct sim_boards *b, uint8_t role, uint8_t open)
{
	struct fw *fw = board(b, role);

	if (fw)
		fw->port->sensor_fault = open;
}

void sim_board_set_hopper(struct sim_boards *b, int32_t pct)
{
	b->port[1].hopper_pct = pct;
}

struct head_plant *sim_board_head(struct sim_boards *b)
{
	return &b->head;
}

struct gantry *sim_board_gantry(struct sim_boards *b)
{
	return &b->gantry;
}
