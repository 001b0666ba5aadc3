/*
 * Link frames: header, payload and CRC, carried in one COBS packet.
 *
 *   offset 0      seq    u8   sender's sequence number (CMD), else free-running
 *   offset 1      ack    u8   last command accepted in order (if LINK_F_ACK)
 *   offset 2      flags  u8   LINK_F_* bits
 *   offset 3      type   u8   LINK_T_*
 *   offset 4..    payload     0..LINK_MAX_PAYLOAD bytes
 *   last 2 bytes  crc16       CRC-16/CCITT-FALSE of bytes 0..n-3, high byte first
 *
 * then COBS-encoded and followed by one 0x00.  docs/protocol.md is the spec.
 */
#ifndef ROVER_LINK_FRAME_H
#define ROVER_LINK_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "cobs.h"

/* cffi:begin */
#define LINK_VERSION 2
#define LINK_HDR_LEN 4
#define LINK_CRC_LEN 2
#define LINK_MAX_PAYLOAD 64
#define LINK_MIN_FRAME 6        /* header + CRC, empty payload */
#define LINK_MAX_FRAME 70       /* header + LINK_MAX_PAYLOAD + CRC */
#define LINK_MAX_WIRE 72        /* COBS of LINK_MAX_FRAME + delimiter */

/* Frame types. */
#define LINK_T_CMD 0x01         /* host -> board, reliable */
#define LINK_T_ACK 0x02         /* board -> host, ack field valid */
#define LINK_T_NAK 0x03         /* board -> host, [reason u8][expected seq u8] */
#define LINK_T_TLM 0x10         /* board -> host, unreliable telemetry */
#define LINK_T_EVENT 0x11       /* board -> host, unreliable event record */
#define LINK_T_HEARTBEAT 0x20   /* both ways, [time_ms u32][state u8] */
#define LINK_T_IDENTIFY_REQ 0x30
#define LINK_T_IDENTIFY 0x31
#define LINK_T_CLOCK_REQ 0x32   /* host -> board, [tag u32] */
#define LINK_T_CLOCK 0x33       /* board -> host, [tag u32][board_us u64] */

/* Flag bits. */
#define LINK_F_ACK 0x01         /* the ack field is meaningful */
#define LINK_F_OPEN 0x02        /* CMD opens a session: payload [session u32] */
#define LINK_F_RETX 0x04        /* a retransmission (informational) */
#define LINK_F_MASK 0x07        /* other bits must be zero */

/* link_rx_byte() errors (after a COBS error code these come next). */
#define LINK_ERR_CRC -10
#define LINK_ERR_TOO_SHORT -11
#define LINK_ERR_BAD_TYPE -12
#define LINK_ERR_BAD_FLAGS -13

struct link_frame {
	uint8_t seq;
	uint8_t ack;
	uint8_t flags;
	uint8_t type;
	uint8_t len;                    /* payload bytes */
	uint8_t payload[64];            /* LINK_MAX_PAYLOAD */
};

/* Every byte that reaches the decoder is accounted for by one of these. */
struct link_rx_stats {
	uint32_t bytes;                 /* wire bytes fed */
	uint32_t frames;                /* good frames delivered */
	uint32_t crc;                   /* CRC mismatch */
	uint32_t too_long;              /* longer than LINK_MAX_FRAME */
	uint32_t too_short;             /* shorter than LINK_MIN_FRAME (or empty) */
	uint32_t malformed;             /* COBS block cut short by a 0x00 */
	uint32_t bad_type;              /* unknown frame type */
	uint32_t bad_flags;             /* reserved flag bits set */
};

struct link_rx {
	struct cobs_dec cobs;
	struct link_rx_stats st;
	struct link_frame frame;        /* the last good frame */
};

/* 1 if type is one of LINK_T_*. */
int link_type_known(uint8_t type);

/* Build one wire frame (COBS + 0x00) into dst.  Returns its length, or 0 if
 * len > LINK_MAX_PAYLOAD or cap is too small (LINK_MAX_WIRE always is enough). */
size_t link_encode(uint8_t seq, uint8_t ack, uint8_t flags, uint8_t type,
		   const uint8_t *payload, size_t len, uint8_t *dst, size_t cap);

void link_rx_init(struct link_rx *rx);
/* Feed one wire byte.  Returns 1 when rx->frame holds a new good frame, 0 to
 * keep going, or a negative COBS_ERR_* / LINK_ERR_* (already counted). */
int link_rx_byte(struct link_rx *rx, uint8_t b);
/* Feed up to len bytes, stopping just after the first byte that completes a
 * good frame.  Returns the bytes consumed; *got is 1 if rx->frame is new. */
size_t link_rx_feed(struct link_rx *rx, const uint8_t *data, size_t len, int *got);
/* cffi:end */

#endif
