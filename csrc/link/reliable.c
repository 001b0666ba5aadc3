/*
 * Reliable command delivery: sender and receiver state machines (selective
 * repeat).  See reliable.h and docs/protocol.md ("Reliability").
 */
#include "reliable.h"

#define REL_MASK (REL_WINDOW - 1u)
#define REL_RTT_CAP_MS 60000u   /* keeps srtt_x8 far from u32 overflow */

typedef char rel_window_ok[((REL_WINDOW & REL_MASK) == 0 && REL_WINDOW >= 2 &&
			    REL_WINDOW <= 8 && REL_HOLD == REL_WINDOW - 1) ? 1 : -1];

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

/* a was stamped before b (u16 stamps, differences far below 2^15) */
static int rel_stamp_before(uint16_t a, uint16_t b)
{
	return (uint16_t)(b - a) != 0 && (uint16_t)(b - a) < 0x8000u;
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
	s->state = REL_S_QUEUED;
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
	s->state = REL_S_QUEUED;
	s->nak_done = 0;
	s->flags = 0;
	s->len = (uint8_t)len;
	for (i = 0; i < len; i++)
		s->payload[i] = payload[i];
	seq = tx->next;
	tx->next++;
	tx->st.submitted++;
	return seq;
}

/* Mark every sent, unacknowledged, not held command for resending.  The
 * oldest one goes even if marked held: the board never holds the command it
 * expects (it would have accepted it), so such a mark came from a stale or
 * foreign ack, and trusting it could stall the window for ever. */
static void rel_mark_all_lost(struct rel_tx *tx)
{
	uint8_t seq;

	for (seq = tx->base; seq != tx->send; seq++) {
		struct rel_slot *s = &tx->slot[seq & REL_MASK];

		if (s->state == REL_S_SENT || (seq == tx->base && s->state == REL_S_SACKED))
			s->state = REL_S_LOST;
	}
}

/* The lowest-numbered command due for resending, or -1. */
static int rel_first_lost(const struct rel_tx *tx)
{
	uint8_t seq;

	for (seq = tx->base; seq != tx->send; seq++)
		if (tx->slot[seq & REL_MASK].state == REL_S_LOST)
			return seq;
	return -1;
}

size_t rel_tx_poll(struct rel_tx *tx, uint32_t now_ms, uint8_t *dst, size_t cap)
{
	struct rel_slot *s;
	uint8_t flags, seq;
	int lost;
	size_t n;

	if (tx->failed)
		return 0;
	if (tx->timer_on && (uint32_t)(now_ms - tx->timer_ms) >= tx->rto_ms) {
		/* Timeout: nothing was heard about what is in flight; resend
		 * every command not known to be held, oldest first, and double
		 * the timeout (RFC 6298 section 5.5). */
		tx->st.timeouts++;
		if (tx->cfg.max_tries &&
		    tx->slot[tx->base & REL_MASK].tries >= tx->cfg.max_tries) {
			tx->failed = 1;
			tx->timer_on = 0;
			return 0;
		}
		rel_mark_all_lost(tx);
		tx->rto_ms = rel_clamp_rto(tx, tx->rto_ms * 2u);
		tx->timer_ms = now_ms;
	}
	lost = rel_first_lost(tx);
	if (lost >= 0)
		seq = (uint8_t)lost;
	else if (tx->send != tx->next)
		seq = tx->send;
	else
		return 0;
	s = &tx->slot[seq & REL_MASK];
	flags = s->flags;
	if (s->tries)
		flags |= LINK_F_RETX;
	n = link_encode(seq, 0, flags, LINK_T_CMD, s->payload, s->len, dst, cap);
	if (n == 0)
		return 0;
	if (s->tries) {
		tx->st.retransmits++;
		if (s->tries < 0xFFu)
			s->tries++;
	} else {
		s->tries = 1;
		s->first_tx = tx->tx_stamp;
		tx->send++;
	}
	s->last_tx = tx->tx_stamp;
	tx->tx_stamp++;
	s->state = REL_S_SENT;
	s->sent_ms = now_ms;
	tx->st.sent++;
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
	if (tx->send != tx->next || rel_first_lost(tx) >= 0)
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

/* Is seq outstanding and already sent? */
static struct rel_slot *rel_sent_slot(struct rel_tx *tx, uint8_t seq)
{
	struct rel_slot *s;

	if ((uint8_t)(seq - tx->base) >= (uint8_t)(tx->send - tx->base))
		return NULL;
	s = &tx->slot[seq & REL_MASK];
	return s->tries ? s : NULL;
}

/* Selective ack: bit i of sack says the receiver holds seq ack + 2 + i.  A
 * held command is not resent.  The line keeps order, so a command whose
 * latest copy went out before the first copy of a held command has been
 * lost (or refused): it is marked for resending at once. */
static int rel_apply_sack(struct rel_tx *tx, uint8_t ack, uint8_t sack, uint32_t now_ms)
{
	struct rel_slot *s, *sample = NULL;
	uint16_t newest = 0;
	uint8_t i, seq, top = 0, have = 0;

	for (i = 0; i < REL_HOLD; i++) {
		if (!(sack & (1u << i)))
			continue;
		seq = (uint8_t)(ack + 2u + i);
		s = rel_sent_slot(tx, seq);
		if (s == NULL)
			continue;
		if (s->state != REL_S_SACKED) {
			s->state = REL_S_SACKED;
			tx->st.sacked++;
			if (s->tries == 1)
				sample = s;     /* newest first-time hold: Karn-safe */
		}
		if (!have || rel_stamp_before(newest, s->first_tx))
			newest = s->first_tx;
		top = seq;
		have = 1;
	}
	if (!have)
		return 0;
	for (seq = tx->base; seq != top; seq++) {
		s = &tx->slot[seq & REL_MASK];
		if (s->state == REL_S_SENT && rel_stamp_before(s->last_tx, newest)) {
			s->state = REL_S_LOST;
			tx->st.fast_retransmits++;
		}
	}
	if (sample != NULL)
		rel_rtt_sample(tx, (uint32_t)(now_ms - sample->sent_ms));
	return 1;
}

int rel_tx_on_ack(struct rel_tx *tx, uint8_t ack, uint8_t sack, uint8_t have_sack,
		  uint32_t now_ms)
{
	struct rel_slot *s;
	uint8_t d, n = 0, i, old_base;

	d = (uint8_t)(ack - tx->base);
	s = &tx->slot[ack & REL_MASK];
	if (d >= rel_tx_outstanding(tx) || s->tries == 0) {
		tx->st.stale_acks++;
	} else {
		n = (uint8_t)(d + 1u);
		/* Karn: time only commands that went out exactly once, and
		 * not one already held (it waited for the gap).  A valid
		 * sample also ends any backoff. */
		if (s->tries == 1 && s->state != REL_S_SACKED)
			rel_rtt_sample(tx, (uint32_t)(now_ms - s->sent_ms));
		old_base = tx->base;
		for (i = 0; i < n; i++) {
			s = &tx->slot[(uint8_t)(old_base + i) & REL_MASK];
			s->tries = 0;
			s->state = REL_S_FREE;
		}
		tx->base = (uint8_t)(old_base + n);
		tx->st.acked += n;
		if (tx->base == tx->next) {
			tx->timer_on = 0;
		} else {
			tx->timer_on = 1;       /* RFC 6298 section 5.3 */
			tx->timer_ms = now_ms;
		}
	}
	if (have_sack && sack)
		rel_apply_sack(tx, ack, sack, now_ms);
	return n;
}

int rel_tx_on_nak(struct rel_tx *tx, uint8_t reason, uint8_t expected, uint8_t sack,
		  uint8_t have_sack, uint32_t now_ms)
{
	struct rel_slot *s;
	int n;

	tx->st.naks++;
	if (reason == REL_NAK_NO_SESSION) {
		/* The board has no session (it restarted).  Whether the
		 * unacked commands ran is unknown: the caller decides, and
		 * opens a new session with rel_tx_init(). */
		tx->st.peer_resets++;
		return 0;
	}
	n = rel_tx_on_ack(tx, (uint8_t)(expected - 1u), sack, have_sack, now_ms);
	if (reason == REL_NAK_BUSY)
		return n;
	/* Out of order or corrupt: the receiver still waits for `expected`;
	 * resend it now rather than at the timeout, once per command. */
	s = rel_sent_slot(tx, expected);
	if (s != NULL && s->state == REL_S_SENT && !s->nak_done) {
		s->state = REL_S_LOST;
		s->nak_done = 1;
		tx->st.fast_retransmits++;
	}
	return n;
}

int rel_tx_on_frame(struct rel_tx *tx, const struct link_frame *f, uint32_t now_ms)
{
	if (f->type == LINK_T_NAK) {
		if (f->len < 2)
			return 0;
		return rel_tx_on_nak(tx, f->payload[0], f->payload[1],
				     f->len >= 3 ? f->payload[2] : 0, f->len >= 3, now_ms);
	}
	if (f->flags & LINK_F_ACK) {
		if (f->type == LINK_T_ACK && f->len >= 1)
			return rel_tx_on_ack(tx, f->ack, f->payload[0], 1, now_ms);
		return rel_tx_on_ack(tx, f->ack, 0, 0, now_ms);
	}
	return 0;
}

/* --- receiver ------------------------------------------------------------- */
void rel_rx_init(struct rel_rx *rx)
{
	rel_zero(rx, sizeof(*rx));
}

static int rel_rx_find(const struct rel_rx *rx, uint8_t seq)
{
	uint8_t i;

	for (i = 0; i < REL_HOLD; i++)
		if ((rx->used & (1u << i)) && rx->hold[i].seq == seq)
			return i;
	return -1;
}

static uint8_t rel_rx_sack(const struct rel_rx *rx)
{
	uint8_t i, d, sack = 0;

	for (i = 0; i < REL_HOLD; i++) {
		if (!(rx->used & (1u << i)))
			continue;
		d = (uint8_t)(rx->hold[i].seq - rx->expected - 1);
		if (d < REL_HOLD)
			sack = (uint8_t)(sack | (1u << d));
	}
	return sack;
}

static void rel_rx_ack(struct rel_rx *rx)
{
	rx->reply_type = LINK_T_ACK;
	rx->reply_ack = (uint8_t)(rx->expected - 1u);
	rx->reply_reason = 0;
	rx->reply_sack = rel_rx_sack(rx);
	rx->st.acks++;
}

static void rel_rx_nak(struct rel_rx *rx, uint8_t reason)
{
	rx->reply_type = LINK_T_NAK;
	rx->reply_ack = (uint8_t)(rx->expected - 1u);
	rx->reply_reason = reason;
	rx->reply_sack = rx->open ? rel_rx_sack(rx) : 0;
	rx->st.naks++;
}

/* Hold a command that arrived ahead of a gap; 0 if there is no room. */
static int rel_rx_hold(struct rel_rx *rx, const struct link_frame *f)
{
	uint8_t i, k;

	if (f->len > LINK_MAX_PAYLOAD)
		return 0;
	for (i = 0; i < REL_HOLD; i++) {
		if (rx->used & (1u << i))
			continue;
		rx->hold[i].seq = f->seq;
		rx->hold[i].len = f->len;
		for (k = 0; k < f->len; k++)
			rx->hold[i].payload[k] = f->payload[k];
		rx->used = (uint8_t)(rx->used | (1u << i));
		return 1;
	}
	return 0;
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
			/* A new session: forget the old numbering and
			 * whatever was held for it. */
			rx->open = 1;
			rx->session = sess;
			rx->expected = (uint8_t)(f->seq + 1u);
			rx->deliver = rx->expected;
			rx->used = 0;
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
		rx->deliver = (uint8_t)(rx->expected + 1u);
		rx->expected++;
		/* The gap is filled: everything held right behind it is
		 * accepted now (acked) and handed out by rel_rx_pop(). */
		while (rel_rx_find(rx, rx->expected) >= 0)
			rx->expected++;
		rx->nak_sent = 0;
		rel_rx_ack(rx);
		if (f->flags & LINK_F_OPEN)
			return REL_RX_OPENED;
		rx->st.executed++;
		return REL_RX_EXECUTE;
	}
	if (d >= 128u || rel_rx_find(rx, f->seq) >= 0) {
		/* Behind (already accepted, its ack was lost) or already
		 * held: ack again, do not execute. */
		rx->st.duplicates++;
		rel_rx_ack(rx);
		return REL_RX_DUPLICATE;
	}
	rx->st.out_of_order++;
	if (d < REL_WINDOW && !(f->flags & LINK_F_OPEN) && rel_rx_hold(rx, f)) {
		rx->st.held++;
		rel_rx_ack(rx);         /* the selective ack tells the host */
		return REL_RX_HELD;
	}
	if (!rx->nak_sent) {
		rx->nak_sent = 1;
		rel_rx_nak(rx, REL_NAK_OUT_OF_ORDER);
	}
	return REL_RX_OUT_OF_ORDER;
}

const struct rel_held *rel_rx_pop(struct rel_rx *rx)
{
	int i;

	if (rx->deliver == rx->expected)
		return NULL;
	i = rel_rx_find(rx, rx->deliver);
	if (i < 0) {
		rx->deliver = rx->expected;     /* cannot happen: nothing to hand out */
		return NULL;
	}
	rx->used = (uint8_t)(rx->used & ~(1u << i));
	rx->deliver++;
	rx->st.executed++;
	return &rx->hold[i];
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
	uint8_t p[3] = {0, 0, 0};
	uint8_t flags;

	if (rx->reply_type == LINK_T_ACK) {
		p[0] = rx->reply_sack;
		return link_encode(seq, rx->reply_ack, LINK_F_ACK, LINK_T_ACK, p, 1, dst, cap);
	}
	if (rx->reply_type != LINK_T_NAK)
		return 0;
	p[0] = rx->reply_reason;
	p[1] = rx->expected;
	p[2] = rx->reply_sack;
	flags = rx->open ? LINK_F_ACK : 0;
	return link_encode(seq, rx->open ? rx->reply_ack : 0, flags, LINK_T_NAK, p, 3,
			   dst, cap);
}
