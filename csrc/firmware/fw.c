/*
 * Portable board firmware core: link handling, command dispatch with
 * board-side bounds checks, CMD_RESULT events, heartbeats, identify, clock,
 * telemetry scheduling, deadlines, latched faults and shutdown.
 * Board-specific loops live in board_mobility.c and board_payload.c.
 */
#include "fw.h"
#include "board_config.h"
#include "fw_dispatch.h"

/* Sending a frame: control frames (replies, results, heartbeats) go to the
 * UART ring at once; telemetry only when the line is nearly idle. */
static int send_frame(struct fw *fw, uint8_t type, const uint8_t *payload, uint8_t len)
{
	uint8_t flags = 0, ack = 0;
	size_t n;

	if (fw->shut_down)
		return -1;
	if (fw->direct) {
		/* no line: only events leave, as [len][payload] records */
		if (type != LINK_T_EVENT || port_uart_tx_free(fw->port) < (uint16_t)len + 1u) {
			if (type == LINK_T_EVENT)
				fw->cnt.tx_overflow++;
			return -1;
		}
		port_uart_write(fw->port, &len, 1);
		port_uart_write(fw->port, payload, len);
		return 0;
	}
	if (fw->rel.open) {
		/* every frame carries the cumulative ack: a lost ACK costs nothing */
		flags = LINK_F_ACK;
		ack = (uint8_t)(fw->rel.expected - 1u);
	}
	n = link_encode(fw->tx_seq, ack, flags, type, payload, len, fw->txbuf, sizeof fw->txbuf);
	if (n == 0 || port_uart_tx_free(fw->port) < n) {
		fw->cnt.tx_overflow++;
		return -1;
	}
	port_uart_write(fw->port, fw->txbuf, (uint16_t)n);
	fw->tx_seq++;
	fw->cnt.tx_frames++;
	return 0;
}

static void send_rel_reply(struct fw *fw)
{
	size_t n = rel_rx_reply(&fw->rel, fw->tx_seq, fw->txbuf, sizeof fw->txbuf);

	if (n == 0 || fw->shut_down)
		return;
	if (port_uart_tx_free(fw->port) < n) {
		fw->cnt.tx_overflow++;
		return;
	}
	port_uart_write(fw->port, fw->txbuf, (uint16_t)n);
	fw->tx_seq++;
	fw->cnt.tx_frames++;
}

static uint8_t make_result(struct fw *fw, uint8_t seq, uint16_t opcode, uint8_t status,
			   int32_t detail, uint8_t *p)
{
	p[0] = FW_EVENT_CMD_RESULT;
	p[1] = seq;
	fw_put16(p, 2, opcode);
	p[4] = status;
	fw_put32(p, 5, (uint32_t)detail);
	if (status != ROVER_CMD_OK) {
		fw->cnt.cmd_rejected++;
		fw->latched |= ROVER_FAULT_BAD_COMMAND;
		fw->last_reject = (int32_t)(((uint32_t)opcode << 8) | status);
	}
	return status;
}

/* One FAULT event per fault bit that changed since the last report: the
 * bit, whether it is now set, all flags, and a detail (heater guard code,
 * or (opcode << 8) | status of the last rejected command). */
static void report_faults(struct fw *fw)
{
	uint16_t now = fw_fault_flags(fw), changed = (uint16_t)(now ^ fw->faults_reported);
	uint8_t p[FW_FAULT_EVENT_SIZE], bit;

	if (!changed)
		return;
	for (bit = 0; bit < 16; bit++) {
		uint16_t m = (uint16_t)(1u << bit);
		int32_t detail = 0;

		if (!(changed & m))
			continue;
		if (m == ROVER_FAULT_HEATER)
			detail = fw_heater(fw)->fault;
		else if (m == ROVER_FAULT_BAD_COMMAND)
			detail = fw->last_reject;
		p[0] = FW_EVENT_FAULT;
		fw_put32(p, 1, fw->now_ms);
		p[5] = bit;
		p[6] = (uint8_t)((now & m) != 0);
		fw_put16(p, 7, now);
		fw_put32(p, 9, (uint32_t)detail);
		if (send_frame(fw, LINK_T_EVENT, p, FW_FAULT_EVENT_SIZE))
			return;         /* no room: the rest goes with the next tick */
		fw->faults_reported ^= m;
	}
}

static void send_heartbeat(struct fw *fw)
{
	uint8_t p[5];

	fw_put32(p, 0, fw->now_ms);
	p[4] = (uint8_t)(fw_fault_flags(fw) & 0xFFu);
	send_frame(fw, LINK_T_HEARTBEAT, p, 5);
}

static void send_identify(struct fw *fw)
{
	uint8_t p[14];

	p[0] = fw->role;
	p[1] = FW_VERSION_MAJOR;
	p[2] = FW_VERSION_MINOR;
	p[3] = FW_VERSION_PATCH;
	fw_put32(p, 4, fw->dict_hash32);
	fw_put32(p, 8, PORT_CLOCK_HZ);
	p[12] = LINK_MAX_PAYLOAD;
	p[13] = REL_WINDOW;
	send_frame(fw, LINK_T_IDENTIFY, p, 14);
}

static void send_clock(struct fw *fw, const uint8_t *tag)
{
	uint8_t p[12];
	uint64_t us = port_time_us(fw->port);

	p[0] = tag[0];
	p[1] = tag[1];
	p[2] = tag[2];
	p[3] = tag[3];
	fw_put32(p, 4, (uint32_t)(us & 0xFFFFFFFFu));
	fw_put32(p, 8, (uint32_t)(us >> 32));
	send_frame(fw, LINK_T_CLOCK, p, 12);
}

/* --- heaters ---------------------------------------------------------------- */
struct heater *fw_heater(struct fw *fw)
{
	return fw->role == ROVER_BOARD_MOBILITY ? &fw->b.mob.heater : &fw->b.pay.heater;
}

const struct heater_cfg *fw_heater_cfg(const struct fw *fw)
{
	return fw->role == ROVER_BOARD_MOBILITY ? &mob_heater_cfg : &pay_heater_cfg;
}

/* --- telemetry -------------------------------------------------------------- */
static void tlm_add(struct fw *fw, uint8_t id, uint16_t period, uint8_t fixed)
{
	struct fw_tlm *t;

	if (fw->ntlm >= FW_MAX_PACKETS)
		return;
	t = &fw->tlm[fw->ntlm++];
	t->id = id;
	t->period_ms = period;
	t->fixed = fixed;
	t->pending = 0;
	t->next_ms = period;
}

static uint8_t pack_link_stats(struct fw *fw, uint8_t *b)
{
	const struct link_rx_stats *s = &fw->rx.st;

	b[0] = ROVER_PKT_LINK_STATS_ID;
	fw_put32(b, ROVER_PKT_LINK_STATS_TIME_MS_OFFSET, fw->now_ms);
	fw_put32(b, ROVER_PKT_LINK_STATS_RX_BYTES_OFFSET, s->bytes);
	fw_put32(b, ROVER_PKT_LINK_STATS_RX_FRAMES_OFFSET, s->frames);
	fw_put16(b, ROVER_PKT_LINK_STATS_RX_CRC_OFFSET, (uint16_t)s->crc);
	fw_put16(b, ROVER_PKT_LINK_STATS_RX_MALFORMED_OFFSET, (uint16_t)s->malformed);
	fw_put16(b, ROVER_PKT_LINK_STATS_RX_TOO_LONG_OFFSET, (uint16_t)s->too_long);
	fw_put16(b, ROVER_PKT_LINK_STATS_RX_TOO_SHORT_OFFSET, (uint16_t)s->too_short);
	fw_put16(b, ROVER_PKT_LINK_STATS_RX_BAD_TYPE_OFFSET, (uint16_t)s->bad_type);
	fw_put16(b, ROVER_PKT_LINK_STATS_RX_BAD_FLAGS_OFFSET, (uint16_t)s->bad_flags);
	fw_put32(b, ROVER_PKT_LINK_STATS_CMD_EXECUTED_OFFSET, fw->rel.st.executed);
	fw_put16(b, ROVER_PKT_LINK_STATS_CMD_DUPLICATES_OFFSET, (uint16_t)fw->rel.st.duplicates);
	fw_put16(b, ROVER_PKT_LINK_STATS_CMD_OUT_OF_ORDER_OFFSET, (uint16_t)fw->rel.st.out_of_order);
	fw_put16(b, ROVER_PKT_LINK_STATS_CMD_REJECTED_OFFSET, fw->cnt.cmd_rejected);
	fw_put32(b, ROVER_PKT_LINK_STATS_TX_FRAMES_OFFSET, fw->cnt.tx_frames);
	fw_put16(b, ROVER_PKT_LINK_STATS_TX_DROPPED_OFFSET, fw->cnt.tx_dropped);
	fw_put16(b, ROVER_PKT_LINK_STATS_HEARTBEATS_RX_OFFSET, fw->cnt.heartbeats_rx);
	fw_put16(b, ROVER_PKT_LINK_STATS_RX_UNEXPECTED_OFFSET, fw->cnt.rx_unexpected);
	fw_put16(b, ROVER_PKT_LINK_STATS_TX_OVERFLOW_OFFSET, fw->cnt.tx_overflow);
	return ROVER_PKT_LINK_STATS_SIZE;
}

uint8_t fw_pack(struct fw *fw, uint8_t id, uint8_t *buf)
{
	if (id == ROVER_PKT_LINK_STATS_ID)
		return pack_link_stats(fw, buf);
	return fw->role == ROVER_BOARD_MOBILITY ? mob_pack(fw, id, buf) : pay_pack(fw, id, buf);
}

static void tlm_schedule(struct fw *fw)
{
	uint8_t i;

	for (i = 0; i < fw->ntlm; i++) {
		struct fw_tlm *t = &fw->tlm[i];

		if (t->period_ms == 0) {
			t->pending = 1;
			continue;
		}
		if ((int32_t)(fw->now_ms - t->next_ms) >= 0) {
			if (t->pending)
				fw->cnt.tx_dropped++;
			t->pending = 1;
			t->next_ms += t->period_ms;
			if ((int32_t)(fw->now_ms - t->next_ms) >= 0)
				t->next_ms = fw->now_ms + t->period_ms;   /* fell behind: resync */
		}
	}
}

void fw_service(struct fw *fw)
{
	uint8_t buf[LINK_MAX_PAYLOAD];
	uint8_t k, i = 0, n;

	if (fw->shut_down || fw->direct)
		return;
	/* one frame at a time, only when the line is (nearly) idle */
	while (port_uart_tx_pending(fw->port) <= FW_TLM_TX_LOW) {
		/* round robin from tlm_rr (no division: this runs every pass) */
		i = fw->tlm_rr < fw->ntlm ? fw->tlm_rr : 0;
		for (k = 0; k < fw->ntlm; k++) {
			if (fw->tlm[i].pending)
				break;
			if (++i >= fw->ntlm)
				i = 0;
		}
		if (k == fw->ntlm)
			return;
		fw->tlm[i].pending = 0;
		fw->tlm_rr = (uint8_t)(i + 1u >= fw->ntlm ? 0u : i + 1u);
		n = fw_pack(fw, fw->tlm[i].id, buf);
		if (n == 0 || send_frame(fw, LINK_T_TLM, buf, n))
			return;
	}
}

/* --- commands --------------------------------------------------------------- */
static int16_t find_cmd(uint16_t opcode)
{
	uint8_t i;

	for (i = 0; i < ROVER_BOARD_CMD_COUNT; i++)
		if (rover_board_cmd_defs[i].opcode == opcode)
			return (int16_t)i;
	return -1;
}

static int32_t read_arg(const rover_arg_layout_t *a, const uint8_t *args)
{
	const uint8_t *p = args + a->offset;

	switch (a->type) {
	case ROVER_WIRE_I8:
		return (int8_t)p[0];
	case ROVER_WIRE_U8:
		return p[0];
	case ROVER_WIRE_I16:
		return (int16_t)fw_get16(p, 0);
	case ROVER_WIRE_U16:
		return fw_get16(p, 0);
	case ROVER_WIRE_I32:
		return (int32_t)fw_get32(p, 0);
	default:
		return 0;   /* u32 / str: range-checked separately */
	}
}

/* Returns the index of the first argument outside its range, or -1. */
static int16_t check_args(const rover_board_cmd_def_t *d, const uint8_t *args)
{
	uint8_t i;

	for (i = 0; i < d->nargs; i++) {
		const rover_arg_layout_t *a = &d->args[i];

		if (a->type == ROVER_WIRE_U32) {
			uint32_t v = fw_get32(args + a->offset, 0);

			if (v > (uint32_t)a->max || (a->min > 0 && v < (uint32_t)a->min))
				return (int16_t)i;
		} else if (a->type == ROVER_WIRE_STR) {
			uint8_t len = args[a->offset];

			if ((int32_t)len < a->min || (int32_t)len > a->max)
				return (int16_t)i;
		} else {
			int32_t v = read_arg(a, args);

			if (v < a->min || v > a->max)
				return (int16_t)i;
		}
	}
	return -1;
}

FW_COMMAND(BOARD_HEATER, cmd_board_heater)
{
	int16_t target = (int16_t)fw_get16(args, ROVER_BOARD_HEATER_TARGET_OFFSET);
	int16_t max_dc = fw->role == ROVER_BOARD_MOBILITY ? ROVER_HEATER_EBOX_MAX_DC
							  : ROVER_HEATER_HEAD_MAX_DC;
	struct heater *h = fw_heater(fw);

	/* the dictionary range covers both boards; each board narrows it */
	if (target > max_dc) {
		*detail = 1;
		return ROVER_CMD_ARG_RANGE;
	}
	if (target > 0 && (fw->latched & ROVER_FAULT_HEARTBEAT_LOST))
		return ROVER_CMD_NOT_ALLOWED;
	if (target > 0 && h->fault != HEATER_OK) {
		*detail = h->fault;
		return ROVER_CMD_NOT_ALLOWED;
	}
	if (heater_set_target(h, fw_heater_cfg(fw), target)) {
		*detail = 1;
		return ROVER_CMD_ARG_RANGE;
	}
	fw->heater_active = target > 0;
	fw->heater_deadline_ms = fw->now_ms + ROVER_LIMIT_BOARD_HEATER_DEADLINE_MS;
	fw->faults &= (uint16_t)~ROVER_FAULT_HEATER_DEADLINE;
	return ROVER_CMD_OK;
}

/* BOARD_SAFE is also the host's goodbye at the end of a run: outputs go
 * safe and the heartbeat watchdog is disarmed until the next heartbeat, so a
 * clean end leaves no HEARTBEAT_LOST latch for the next run.  A host that
 * vanishes without it (pulled cable, killed process) still latches. */
FW_COMMAND(BOARD_SAFE, cmd_board_safe)
{
	(void)args;
	(void)detail;
	fw_outputs_safe(fw);
	fw->hb_armed = 0;
	return ROVER_CMD_OK;
}

FW_COMMAND(BOARD_CLEAR_FAULT, cmd_board_clear_fault)
{
	(void)args;
	(void)detail;
	fw->latched = 0;
	fw->faults = 0;
	if (fw_heater(fw)->fault != HEATER_OK)
		heater_reset(fw_heater(fw));
	fw->last_hb_ms = fw->now_ms;
	return ROVER_CMD_OK;
}

FW_COMMAND(BOARD_TLM_PERIOD, cmd_board_tlm_period)
{
	uint16_t period = fw_get16(args, ROVER_BOARD_TLM_PERIOD_PERIOD_OFFSET);
	uint8_t i;

	(void)detail;
	for (i = 0; i < fw->ntlm; i++) {
		if (fw->tlm[i].fixed)
			continue;
		fw->tlm[i].period_ms = period;
		fw->tlm[i].next_ms = fw->now_ms + period;
		fw->tlm[i].pending = 0;
	}
	return ROVER_CMD_OK;
}

/* Every board command passes here: known opcode, right board, exact
 * length, arguments inside the dictionary's bounds (the last check before
 * the hardware), then its handler from the generated table. */
static uint8_t dispatch(struct fw *fw, const uint8_t *payload, uint8_t len, int32_t *detail,
			uint16_t *opcode)
{
	const rover_board_cmd_def_t *d;
	const uint8_t *args = payload + 2;
	int16_t i, bad;

	*detail = 0;
	if (len < 2) {
		*opcode = 0;
		return ROVER_CMD_BAD_LENGTH;
	}
	*opcode = fw_get16(payload, 0);
	i = find_cmd(*opcode);
	if (i < 0)
		return ROVER_CMD_UNKNOWN_OPCODE;
	d = &rover_board_cmd_defs[i];
	if (d->board != ROVER_BOARD_ANY && d->board != fw->role)
		return ROVER_CMD_WRONG_BOARD;
	if ((uint8_t)(len - 2u) != d->payload_size) {
		*detail = (int32_t)len - 2;
		return ROVER_CMD_BAD_LENGTH;
	}
	bad = check_args(d, args);
	if (bad >= 0) {
		*detail = bad;
		return ROVER_CMD_ARG_RANGE;
	}
	return fw_command_handlers[i](fw, args, detail);
}

uint8_t fw_execute(struct fw *fw, uint8_t seq, const uint8_t *payload, uint8_t len,
		   uint8_t result[FW_RESULT_SIZE])
{
	int32_t detail;
	uint16_t opcode;
	uint8_t status = dispatch(fw, payload, len, &detail, &opcode);

	return make_result(fw, seq, opcode, status, detail, result);
}

static void on_cmd(struct fw *fw, const struct link_frame *f)
{
	int verdict = rel_rx_on_cmd(&fw->rel, f);
	uint8_t result[FW_RESULT_SIZE];
	const struct rel_held *h;

	send_rel_reply(fw);
	if (verdict != REL_RX_EXECUTE)
		return;
	fw_execute(fw, f->seq, f->payload, f->len, result);
	send_frame(fw, LINK_T_EVENT, result, FW_RESULT_SIZE);
	/* commands held ahead of the gap this one filled, in order */
	while ((h = rel_rx_pop(&fw->rel)) != NULL) {
		fw_execute(fw, h->seq, h->payload, h->len, result);
		send_frame(fw, LINK_T_EVENT, result, FW_RESULT_SIZE);
	}
}

void fw_host_heartbeat(struct fw *fw)
{
	fw->cnt.heartbeats_rx++;
	fw->last_hb_ms = fw->now_ms;
	fw->hb_armed = 1;
}

static void on_frame(struct fw *fw, const struct link_frame *f)
{
	switch (f->type) {
	case LINK_T_CMD:
		on_cmd(fw, f);
		break;
	case LINK_T_HEARTBEAT:
		fw_host_heartbeat(fw);
		break;
	case LINK_T_IDENTIFY_REQ:
		send_identify(fw);
		break;
	case LINK_T_CLOCK_REQ:
		if (f->len >= 4)
			send_clock(fw, f->payload);
		else
			fw->cnt.rx_unexpected++;
		break;
	default:
		fw->cnt.rx_unexpected++;
		break;
	}
}

void fw_rx(struct fw *fw, const uint8_t *b, uint16_t n)
{
	uint16_t i;
	int r;

	if (fw->shut_down)
		return;
	for (i = 0; i < n; i++) {
		r = link_rx_byte(&fw->rx, b[i]);
		if (r == 1) {
			on_frame(fw, &fw->rx.frame);
		} else if (r < 0) {
			fw->latched |= ROVER_FAULT_BAD_COMMAND;
			if (rel_rx_on_corrupt(&fw->rel))
				send_rel_reply(fw);
		}
	}
}

/* --- safety ------------------------------------------------------------------ */
void fw_outputs_safe(struct fw *fw)
{
	heater_set_target(fw_heater(fw), fw_heater_cfg(fw), 0);
	fw->heater_active = 0;
	if (fw->role == ROVER_BOARD_MOBILITY)
		mob_safe(fw);
	else
		pay_safe(fw);
}

uint16_t fw_fault_flags(struct fw *fw)
{
	uint16_t f = (uint16_t)(fw->latched | fw->faults | port_fault_flags(fw->port));

	if (fw_heater(fw)->fault != HEATER_OK)
		f |= ROVER_FAULT_HEATER;
	f |= fw->role == ROVER_BOARD_MOBILITY ? mob_faults(fw) : pay_faults(fw);
	return f;
}

static void check_deadlines(struct fw *fw)
{
	if (fw_heater(fw)->fault != HEATER_OK)
		fw->heater_active = 0;      /* the guard already switched it off */
	if (fw->hb_armed && !(fw->latched & ROVER_FAULT_HEARTBEAT_LOST) &&
	    fw->now_ms - fw->last_hb_ms > ROVER_LIMIT_BOARD_HEARTBEAT_TIMEOUT_MS) {
		fw->latched |= ROVER_FAULT_HEARTBEAT_LOST;
		fw_outputs_safe(fw);
	}
	if (fw->heater_active && (int32_t)(fw->now_ms - fw->heater_deadline_ms) > 0) {
		heater_set_target(fw_heater(fw), fw_heater_cfg(fw), 0);
		fw->heater_active = 0;
		fw->faults |= ROVER_FAULT_HEATER_DEADLINE;
	}
	if (fw->role == ROVER_BOARD_MOBILITY && fw->b.mob.drive_active &&
	    (int32_t)(fw->now_ms - fw->drive_deadline_ms) > 0) {
		mob_drive_expired(fw);
		fw->faults |= ROVER_FAULT_DRIVE_DEADLINE;
	}
}

void fw_tick_control(struct fw *fw)
{
	if (fw->shut_down)
		return;
	fw->now_ms++;
	check_deadlines(fw);
	if (fw->role == ROVER_BOARD_MOBILITY)
		mob_tick(fw);
	else
		pay_tick(fw);
}

void fw_tick_rest(struct fw *fw)
{
	if (fw->shut_down)
		return;
	if (fw->role == ROVER_BOARD_MOBILITY)
		mob_tick_rest(fw);
	report_faults(fw);
	if (fw->direct)
		return;     /* no line: no heartbeat, no telemetry schedule */
	if ((int32_t)(fw->now_ms - fw->next_hb_ms) >= 0) {
		fw->next_hb_ms = fw->now_ms + FW_HB_PERIOD_MS;
		send_heartbeat(fw);
	}
	tlm_schedule(fw);
	if (!fw->port_services)
		fw_service(fw);
}

void fw_tick(struct fw *fw)
{
	fw_tick_control(fw);
	fw_tick_rest(fw);
}

void fw_set_direct(struct fw *fw)
{
	fw->direct = 1;
}

void fw_set_port_services(struct fw *fw)
{
	fw->port_services = 1;
}

void fw_shutdown(struct fw *fw)
{
	fw_outputs_safe(fw);
	if (fw->role == ROVER_BOARD_MOBILITY)
		mob_shutdown(fw);
	else
		pay_shutdown(fw);
	fw->shut_down = 1;
}

int fw_init(struct fw *fw, struct port *port, uint8_t role, uint32_t dict_hash32)
{
	uint8_t *z = (uint8_t *)fw;
	uint16_t i;

	(void)rover_cmd_defs;   /* flight-level table: not used on a board */
	if (role != ROVER_BOARD_MOBILITY && role != ROVER_BOARD_PAYLOAD)
		return -1;
	for (i = 0; i < sizeof *fw; i++)
		z[i] = 0;
	fw->port = port;
	fw->role = role;
	fw->dict_hash32 = dict_hash32;
	link_rx_init(&fw->rx);
	rel_rx_init(&fw->rel);
	fw->next_hb_ms = FW_HB_PERIOD_MS;
	if (role == ROVER_BOARD_MOBILITY) {
		tlm_add(fw, ROVER_PKT_MOB_WHEELS_ID, ROVER_PKT_MOB_WHEELS_PERIOD_MS,
			ROVER_PKT_MOB_WHEELS_FIXED);
		tlm_add(fw, ROVER_PKT_MOB_BODY_ID, ROVER_PKT_MOB_BODY_PERIOD_MS,
			ROVER_PKT_MOB_BODY_FIXED);
		mob_init(fw);
	} else {
		tlm_add(fw, ROVER_PKT_PAY_STATUS_ID, ROVER_PKT_PAY_STATUS_PERIOD_MS,
			ROVER_PKT_PAY_STATUS_FIXED);
		tlm_add(fw, ROVER_PKT_PAY_PRINTER_ID, ROVER_PKT_PAY_PRINTER_PERIOD_MS,
			ROVER_PKT_PAY_PRINTER_FIXED);
		pay_init(fw);
	}
	tlm_add(fw, ROVER_PKT_LINK_STATS_ID, ROVER_PKT_LINK_STATS_PERIOD_MS,
		ROVER_PKT_LINK_STATS_FIXED);
	fw_outputs_safe(fw);
	return 0;
}
