/*
 * Reliable command delivery: sender and receiver state machines.
 * See reliable.h and docs/protocol.md ("Reliability").
 */
#include "reliable.h"

#define REL_MASK (REL_WINDOW - 1u)
#define REL_RTT_CAP_MS 60000u   /* keeps srtt_x8 far from u32 overflow */

typedef char rel_window_ok[((REL_WINDOW & REL_MASK) == 0 && REL_WINDOW >= 2 &&
			    REL_WINDOW < 128) ? 1 : -1];

void rel_cfg_default(struct rel_cfg *cfg)
{
	cfg->rto_init_ms = 250;
	cfg->rto_min_ms = 20;
	cfg->rto_max_ms = 2000;
	cfg->max_tries = 0;
}

static void rel_zero(void *p, size_t n)
{
	uint8_t *b = (uint8_t *)p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = 0;
}

static uint32_t rel_clamp_rto(const struct rel_tx *tx, uint32_t rto)
{
	if (rto < tx->cfg.rto_min_ms)
		rto = tx->cfg.rto_min_ms;
	if (rto > tx->cfg.rto_max_ms)
		rto = tx->cfg.rto_max_ms;
	return rto;
}

void rel_tx_init(struct rel_tx *tx, const struct rel_cfg *cfg, uint32_t session,
		 uint8_t first_seq)
{
	struct rel_slot *s;

	rel_zero(tx, sizeof(*tx));
	tx->cfg = *cfg;
	if (tx->cfg.rto_min_ms == 0)
		tx->cfg.rto_min_ms = 1;
	if (tx->cfg.rto_max_ms < tx->cfg.rto_min_ms)
		tx->cfg.rto_max_ms = tx->cfg.rto_min_ms;
	tx->session = session;
	tx->rto_ms = rel_clamp_rto(tx, cfg->rto_init_ms);
	tx->base = first_seq;
	tx->send = first_seq;
	/* The session-open command takes the first sequence number. */
	s = &tx->slot[first_seq & REL_MASK];
	s->flags = LINK_F_OPEN;
	s->len = 4;
	s->payload[0] = (uint8_t)(session & 0xFFu);
	s->payload[1] = (uint8_t)((session >> 8) & 0xFFu);
	s->payload[2] = (uint8_t)((session >> 16) & 0xFFu);
	s->payload[3] = (uint8_t)((session >> 24) & 0xFFu);
	tx->next = (uint8_t)(first_seq + 1u);
}

uint8_t rel_tx_outstanding(const struct rel_tx *tx)
{
	return (uint8_t)(tx->next - tx->base);
}

uint8_t rel_tx_room(const struct rel_tx *tx)
{
	return (uint8_t)(REL_WINDOW - rel_tx_outstanding(tx));
}

int rel_tx_submit(struct rel_tx *tx, const uint8_t *payload, size_t len)
{
	struct rel_slot *s;
	size_t i;
	int seq;

	if (tx->failed)
		return -3;
	if (len > LINK_MAX_PAYLOAD)
		return -2;
	if (rel_tx_room(tx) == 0)
		return -1;
	s = &tx->slot[tx->next & REL_MASK];
	s->tries = 0;
	s->flags = 0;
	s->len = (uint8_t)len;
	for (i = 0; i < len; i++)
		s->payload[i] = payload[i];
	seq = tx->next;
	tx->next++;
	tx->st.submitted++;
	return seq;
}

size_t rel_tx_poll(struct rel_tx *tx, uint32_t now_ms, uint8_t *dst, size_t cap)
{
	struct rel_slot *s;
	uint8_t flags;
	size_t n;

	if (tx->failed)
		return 0;
	if (tx->timer_on && (uint32_t)(now_ms - tx->timer_ms) >= tx->rto_ms) {
		/* Timeout: go back to the oldest unacked command and resend
		 * the window; double the timeout (RFC 6298 section 5.5). */
		tx->st.timeouts++;
		if (tx->cfg.max_tries &&
		    tx->slot[tx->base & REL_MASK].tries >= tx->cfg.max_tries) {
			tx->failed = 1;
			tx->timer_on = 0;
			return 0;
		}
		tx->send = tx->base;
		tx->rto_ms = rel_clamp_rto(tx, tx->rto_ms * 2u);
		tx->timer_ms = now_ms;
	}
	if (tx->send == tx->next)
		return 0;
	s = &tx->slot[tx->send & REL_MASK];
	flags = s->flags;
	if (s->tries)
		flags |= LINK_F_RETX;
	n = link_encode(tx->send, 0, flags, LINK_T_CMD, s->payload, s->len, dst, cap);
	if (n == 0)
		return 0;
	if (s->tries) {
		tx->st.retransmits++;
		if (s->tries < 0xFFu)
			s->tries++;
	} else {
		s->tries = 1;
	}
	s->sent_ms = now_ms;
	tx->st.sent++;
	tx->send++;
	if (!tx->timer_on) {
		tx->timer_on = 1;
		tx->timer_ms = now_ms;
	}
	return n;
}

uint32_t rel_tx_next_due(const struct rel_tx *tx, uint32_t now_ms)
{
	uint32_t el;

	if (tx->failed)
		return 0xFFFFFFFFu;
	if (tx->send != tx->next)
		return 0;
	if (!tx->timer_on)
		return 0xFFFFFFFFu;
	el = (uint32_t)(now_ms - tx->timer_ms);
	return el >= tx->rto_ms ? 0 : tx->rto_ms - el;
}

/* RFC 6298 section 2, in Jacobson's scaled integers: alpha = 1/8, beta = 1/4,
 * K = 4, clock granularity G = 1 ms. */
static void rel_rtt_sample(struct rel_tx *tx, uint32_t r)
{
	uint32_t d_x8, rto, var;

	if (r > REL_RTT_CAP_MS)
		r = REL_RTT_CAP_MS;
	if (!tx->have_rtt) {
		tx->srtt_x8 = r * 8u;          /* SRTT = R */
		tx->rttvar_x4 = r * 2u;        /* RTTVAR = R / 2 */
		tx->have_rtt = 1;
	} else {
		/* RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, with the old SRTT. */
		d_x8 = tx->srtt_x8 > r * 8u ? tx->srtt_x8 - r * 8u : r * 8u - tx->srtt_x8;
		tx->rttvar_x4 = tx->rttvar_x4 - (tx->rttvar_x4 >> 2) + (d_x8 >> 3);
		/* SRTT = 7/8 SRTT + 1/8 R */
		tx->srtt_x8 = tx->srtt_x8 - (tx->srtt_x8 >> 3) + r;
	}
	tx->st.rtt_samples++;
	/* RTO = SRTT + max(G, K * RTTVAR); K * RTTVAR is rttvar_x4 in ms. */
	var = tx->rttvar_x4 > 1u ? tx->rttvar_x4 : 1u;
	rto = (tx->srtt_x8 >> 3) + var;
	tx->rto_ms = rel_clamp_rto(tx, rto);
}

int rel_tx_on_ack(struct rel_tx *tx, uint8_t ack, uint32_t now_ms)
{
	struct rel_slot *s;
	uint8_t d, n, i, old_base;

	d = (uint8_t)(ack - tx->base);
	s = &tx->slot[ack & REL_MASK];
	if (d >= rel_tx_outstanding(tx) || s->tries == 0) {
		tx->st.stale_acks++;
		return 0;
	}
	n = (uint8_t)(d + 1u);
	/* Karn: time only commands that went out exactly once.  A valid
	 * sample also ends any backoff. */
	if (s->tries == 1)
		rel_rtt_sample(tx, (uint32_t)(now_ms - s->sent_ms));
	old_base = tx->base;
	for (i = 0; i < n; i++)
		tx->slot[(uint8_t)(old_base + i) & REL_MASK].tries = 0;
	tx->base = (uint8_t)(old_base + n);
	if ((uint8_t)(tx->send - old_base) < n)
		tx->send = tx->base;    /* acked while a go-back was pending */
	tx->st.acked += n;
	tx->fast_done = 0;
	if (tx->base == tx->next) {
		tx->timer_on = 0;
	} else {
		tx->timer_on = 1;       /* RFC 6298 section 5.3 */
		tx->timer_ms = now_ms;
	}
	return n;
}

int rel_tx_on_nak(struct rel_tx *tx, uint8_t reason, uint8_t expected, uint32_t now_ms)
{
	int n = 0;

	tx->st.naks++;
	if (reason == REL_NAK_NO_SESSION) {
		/* The board has no session (it restarted).  Whether the
		 * unacked commands ran is unknown: the caller decides, and
		 * opens a new session with rel_tx_init(). */
		tx->st.peer_resets++;
		return 0;
	}
	if ((uint8_t)(expected - tx->base) != 0)
		n = rel_tx_on_ack(tx, (uint8_t)(expected - 1u), now_ms);
	if (reason == REL_NAK_BUSY)
		return n;
	/* Out of order or corrupt: the receiver is waiting for `expected`;
	 * go back now rather than at the timeout, once per hole. */
	if (tx->base != tx->next && tx->send != tx->base && !tx->fast_done) {
		tx->send = tx->base;
		tx->fast_done = 1;
		tx->last_fast_ms = now_ms;
		tx->st.fast_retransmits++;
		tx->timer_on = 1;
		tx->timer_ms = now_ms;
	}
	return n;
}

int rel_tx_on_frame(struct rel_tx *tx, const struct link_frame *f, uint32_t now_ms)
{
	if (f->type == LINK_T_NAK) {
		if (f->len < 2)
			return 0;
		return rel_tx_on_nak(tx, f->payload[0], f->payload[1], now_ms);
	}
	if (f->flags & LINK_F_ACK)
		return rel_tx_on_ack(tx, f->ack, now_ms);
	return 0;
}

void rel_rx_init(struct rel_rx *rx)
{
	rel_zero(rx, sizeof(*rx));
}

static void rel_rx_ack(struct rel_rx *rx)
{
	rx->reply_type = LINK_T_ACK;
	rx->reply_ack = (uint8_t)(rx->expected - 1u);
	rx->reply_reason = 0;
	rx->st.acks++;
}

static void rel_rx_nak(struct rel_rx *rx, uint8_t reason)
{
	rx->reply_type = LINK_T_NAK;
	rx->reply_ack = (uint8_t)(rx->expected - 1u);
	rx->reply_reason = reason;
	rx->st.naks++;
}

int rel_rx_on_cmd(struct rel_rx *rx, const struct link_frame *f)
{
	uint32_t sess;
	uint8_t d;

	rx->reply_type = 0;
	if (f->type != LINK_T_CMD)
		return REL_RX_IGNORED;
	if ((f->flags & LINK_F_OPEN) && f->len >= 4) {
		sess = (uint32_t)f->payload[0] | ((uint32_t)f->payload[1] << 8) |
		       ((uint32_t)f->payload[2] << 16) | ((uint32_t)f->payload[3] << 24);
		if (!rx->open || sess != rx->session) {
			/* A new session: forget the old numbering. */
			rx->open = 1;
			rx->session = sess;
			rx->expected = (uint8_t)(f->seq + 1u);
			rx->nak_sent = 0;
			rx->st.sessions++;
			rel_rx_ack(rx);
			return REL_RX_OPENED;
		}
		/* Same session again: a retransmitted open, numbered as usual. */
	}
	if (!rx->open) {
		rx->st.no_session++;
		rel_rx_nak(rx, REL_NAK_NO_SESSION);
		return REL_RX_NO_SESSION;
	}
	d = (uint8_t)(f->seq - rx->expected);
	if (d == 0) {
		rx->expected++;
		rx->nak_sent = 0;
		rel_rx_ack(rx);
		if (f->flags & LINK_F_OPEN)
			return REL_RX_OPENED;
		rx->st.executed++;
		return REL_RX_EXECUTE;
	}
	if (d >= 128u) {
		/* Behind: already executed, its ack was lost.  Ack again. */
		rx->st.duplicates++;
		rel_rx_ack(rx);
		return REL_RX_DUPLICATE;
	}
	rx->st.out_of_order++;
	if (!rx->nak_sent) {
		rx->nak_sent = 1;
		rel_rx_nak(rx, REL_NAK_OUT_OF_ORDER);
	}
	return REL_RX_OUT_OF_ORDER;
}

int rel_rx_on_corrupt(struct rel_rx *rx)
{
	rx->reply_type = 0;
	if (!rx->open || rx->nak_sent)
		return 0;
	rx->nak_sent = 1;
	rel_rx_nak(rx, REL_NAK_CORRUPT);
	return 1;
}

size_t rel_rx_reply(const struct rel_rx *rx, uint8_t seq, uint8_t *dst, size_t cap)
{
	uint8_t p[2] = {0, 0};
	uint8_t flags;

	if (rx->reply_type == LINK_T_ACK)
		return link_encode(seq, rx->reply_ack, LINK_F_ACK, LINK_T_ACK, NULL, 0, dst, cap);
	if (rx->reply_type != LINK_T_NAK)
		return 0;
	p[0] = rx->reply_reason;
	p[1] = rx->expected;
	flags = rx->open ? LINK_F_ACK : 0;
	return link_encode(seq, rx->open ? rx->reply_ack : 0, flags, LINK_T_NAK, p, 2,
			   dst, cap);
}
