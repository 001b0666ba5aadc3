/*
 * Reliable, exactly-once, in-order delivery of host -> board commands.
 *
 * Selective repeat.  Sender (host): a window of REL_WINDOW outstanding
 * commands numbered mod 256; cumulative acks plus a selective-ack bitmap of
 * the commands the receiver holds beyond the cumulative ack; a command is
 * resent only when it is known lost (a later command was held although it was
 * sent after this command's latest copy: the line keeps order), on a
 * receiver's NAK for it, or on timeout (RTO from RFC 6298's SRTT/RTTVAR
 * estimator, Karn's rule, exponential backoff, clamped).  Receiver (board):
 * executes in order, holds up to REL_WINDOW - 1 commands that arrive ahead of
 * a gap and hands them out in order once the gap is filled, re-acks
 * duplicates without executing them, NAKs a damaged frame once per gap.
 *
 * Neither side reads a clock: time is a u32 millisecond count passed in (it
 * may wrap; only differences are used).  See docs/protocol.md.
 */
#ifndef ROVER_LINK_RELIABLE_H
#define ROVER_LINK_RELIABLE_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* cffi:begin */
#define REL_WINDOW 8            /* power of two, divides 256, < 128 */
#define REL_HOLD 7              /* REL_WINDOW - 1: commands a receiver holds ahead of a gap */

/* NAK reason codes (first payload byte of a LINK_T_NAK). */
#define REL_NAK_OUT_OF_ORDER 1  /* a command ahead of the expected one could not be held */
#define REL_NAK_NO_SESSION 2    /* a command arrived before any session open */
#define REL_NAK_CORRUPT 3       /* a damaged frame arrived (CRC, COBS, length) */
#define REL_NAK_BUSY 4          /* receiver cannot take the command now */

/* rel_rx_on_cmd() verdicts. */
#define REL_RX_IGNORED 0        /* not a CMD frame: nothing to do */
#define REL_RX_EXECUTE 1        /* new command, in order: execute the payload, then rel_rx_pop() */
#define REL_RX_OPENED 2         /* a session was opened (nothing to execute) */
#define REL_RX_DUPLICATE 3      /* seen before (executed or held): acked again, not executed */
#define REL_RX_OUT_OF_ORDER 4   /* ahead of the window: dropped */
#define REL_RX_NO_SESSION 5     /* no session open: dropped */
#define REL_RX_HELD 6           /* ahead of a gap, inside the window: held for later */

/* rel_slot.state (sender) */
#define REL_S_FREE 0            /* not outstanding */
#define REL_S_QUEUED 1          /* submitted, never sent */
#define REL_S_SENT 2            /* sent, no news */
#define REL_S_LOST 3            /* known lost (or timed out): resend due */
#define REL_S_SACKED 4          /* the receiver holds it (selective ack) */

struct rel_cfg {
	uint16_t rto_init_ms;   /* before the first RTT sample */
	uint16_t rto_min_ms;
	uint16_t rto_max_ms;
	uint8_t max_tries;      /* 0 = retry forever; else give up (dead link) */
};

struct rel_slot {
	uint32_t sent_ms;       /* time of the last transmission */
	uint16_t first_tx;      /* transmission stamp of the first copy */
	uint16_t last_tx;       /* transmission stamp of the latest copy */
	uint8_t tries;          /* transmissions so far */
	uint8_t state;          /* REL_S_* */
	uint8_t nak_done;       /* a NAK already made us resend it */
	uint8_t flags;          /* LINK_F_OPEN for the session-open command */
	uint8_t len;
	uint8_t payload[64];    /* LINK_MAX_PAYLOAD */
};

struct rel_tx_stats {
	uint32_t submitted;
	uint32_t sent;          /* frames transmitted, retransmissions included */
	uint32_t retransmits;
	uint32_t timeouts;
	uint32_t fast_retransmits; /* commands found lost from a selective ack or a NAK */
	uint32_t acked;
	uint32_t rtt_samples;
	uint32_t stale_acks;    /* acks that free nothing (a SACK in them still counts) */
	uint32_t naks;
	uint32_t peer_resets;   /* NAK NO_SESSION: the board lost our session */
	uint32_t sacked;        /* commands the receiver reported held */
};

struct rel_tx {
	struct rel_cfg cfg;
	struct rel_slot slot[8];        /* REL_WINDOW, indexed by seq % REL_WINDOW */
	struct rel_tx_stats st;
	uint32_t session;
	uint32_t srtt_x8;       /* smoothed RTT, ms * 8 */
	uint32_t rttvar_x4;     /* RTT variation, ms * 4 */
	uint32_t rto_ms;        /* current timeout, backoff included */
	uint32_t timer_ms;      /* start of the retransmission timer */
	uint16_t tx_stamp;      /* transmissions so far (wraps), stamps slot copies */
	uint8_t base;           /* oldest unacked sequence number */
	uint8_t next;           /* sequence number for the next submit */
	uint8_t send;           /* next sequence number never sent */
	uint8_t timer_on;
	uint8_t have_rtt;
	uint8_t failed;         /* max_tries exhausted: link declared dead */
};

struct rel_rx_stats {
	uint32_t executed;      /* handed out for execution, in order */
	uint32_t duplicates;
	uint32_t out_of_order;  /* arrived ahead of the expected one (held or dropped) */
	uint32_t no_session;
	uint32_t sessions;
	uint32_t naks;
	uint32_t acks;
	uint32_t held;          /* ahead of a gap and kept (subset of out_of_order) */
};

/* A command held ahead of a gap (receiver). */
struct rel_held {
	uint8_t seq;
	uint8_t len;
	uint8_t payload[64];    /* LINK_MAX_PAYLOAD */
};

struct rel_rx {
	struct rel_rx_stats st;
	uint32_t session;
	uint8_t expected;       /* next sequence number to accept */
	uint8_t deliver;        /* next sequence number rel_rx_pop() hands out */
	uint8_t open;           /* a session is open */
	uint8_t nak_sent;       /* a NAK went out for the current gap */
	uint8_t used;           /* bit i: hold[i] holds a command */
	/* The reply the caller should send for the last frame (0 = none). */
	uint8_t reply_type;     /* LINK_T_ACK or LINK_T_NAK */
	uint8_t reply_ack;      /* cumulative ack: last accepted seq */
	uint8_t reply_reason;   /* NAK reason */
	uint8_t reply_sack;     /* bit i: seq reply_ack + 2 + i is held */
	struct rel_held hold[7];        /* REL_HOLD */
};

/* Defaults: rto_init 250 ms, min 20 ms, max 2000 ms, max_tries 0. */
void rel_cfg_default(struct rel_cfg *cfg);

/* Start a session: the first frame sent is a session-open command carrying
 * the session number (choose a new one per connection, e.g. random). */
void rel_tx_init(struct rel_tx *tx, const struct rel_cfg *cfg, uint32_t session,
		 uint8_t first_seq);
/* Free window slots (the session-open frame holds one until acked). */
uint8_t rel_tx_room(const struct rel_tx *tx);
uint8_t rel_tx_outstanding(const struct rel_tx *tx);
/* Queue a command.  Returns its sequence number, -1 if the window is full,
 * -2 if len > LINK_MAX_PAYLOAD, -3 if the link failed (max_tries). */
int rel_tx_submit(struct rel_tx *tx, const uint8_t *payload, size_t len);
/* Timer check and next transmission: writes at most one wire frame into dst
 * and returns its length, or 0 when nothing is due.  Resends (lowest seq
 * first) go before new commands.  Call until it returns 0, or as often as the
 * line has room. */
size_t rel_tx_poll(struct rel_tx *tx, uint32_t now_ms, uint8_t *dst, size_t cap);
/* Milliseconds until the retransmission timer fires (0 = due now or
 * something to send); 0xFFFFFFFF if idle. */
uint32_t rel_tx_next_due(const struct rel_tx *tx, uint32_t now_ms);
/* Feed a frame from the board (any type; the ACK flag, an ACK's selective-ack
 * byte and NAKs are used).  Returns the number of commands newly acknowledged
 * (cumulatively). */
int rel_tx_on_frame(struct rel_tx *tx, const struct link_frame *f, uint32_t now_ms);
/* Lower-level handlers that rel_tx_on_frame() calls.  have_sack = 0 for a
 * piggy-backed ack (no bitmap). */
int rel_tx_on_ack(struct rel_tx *tx, uint8_t ack, uint8_t sack, uint8_t have_sack,
		  uint32_t now_ms);
int rel_tx_on_nak(struct rel_tx *tx, uint8_t reason, uint8_t expected, uint8_t sack,
		  uint8_t have_sack, uint32_t now_ms);

void rel_rx_init(struct rel_rx *rx);
/* Judge a CMD frame; sets rx->reply_* and returns REL_RX_*.  Always send the
 * reply.  On REL_RX_EXECUTE execute the frame's payload, then call
 * rel_rx_pop() until it returns NULL, executing each command it hands out,
 * before the next rel_rx_on_cmd(). */
int rel_rx_on_cmd(struct rel_rx *rx, const struct link_frame *f);
/* The next held command that is now in order (its seq, len and payload stay
 * valid until the next call into this receiver), or NULL. */
const struct rel_held *rel_rx_pop(struct rel_rx *rx);
/* A damaged frame arrived: sets a NAK CORRUPT reply once per gap (returns 1)
 * so the host resends without waiting for its timer. */
int rel_rx_on_corrupt(struct rel_rx *rx);
/* Encode the pending reply (ACK or NAK) into dst; returns its length, 0 if
 * none.  seq is the board's own free-running frame counter. */
size_t rel_rx_reply(const struct rel_rx *rx, uint8_t seq, uint8_t *dst, size_t cap);
/* cffi:end */

#endif
