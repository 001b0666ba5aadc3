/*
 * Link frame encoder and validating decoder.  See frame.h, docs/protocol.md.
 */
#include "frame.h"
#include "crc16.h"

typedef char link_wire_fits[(COBS_ENC_MAX(LINK_MAX_FRAME) <= LINK_MAX_WIRE) ? 1 : -1];
typedef char link_buf_fits[(LINK_MAX_FRAME <= COBS_BUF_MAX) ? 1 : -1];

int link_type_known(uint8_t type)
{
	switch (type) {
	case LINK_T_CMD:
	case LINK_T_ACK:
	case LINK_T_NAK:
	case LINK_T_TLM:
	case LINK_T_EVENT:
	case LINK_T_HEARTBEAT:
	case LINK_T_IDENTIFY_REQ:
	case LINK_T_IDENTIFY:
	case LINK_T_CLOCK_REQ:
	case LINK_T_CLOCK:
		return 1;
	default:
		return 0;
	}
}

size_t link_encode(uint8_t seq, uint8_t ack, uint8_t flags, uint8_t type,
		   const uint8_t *payload, size_t len, uint8_t *dst, size_t cap)
{
	uint8_t raw[LINK_MAX_FRAME];
	uint16_t crc;
	size_t i, n;

	if (len > LINK_MAX_PAYLOAD)
		return 0;
	raw[0] = seq;
	raw[1] = ack;
	raw[2] = flags;
	raw[3] = type;
	for (i = 0; i < len; i++)
		raw[LINK_HDR_LEN + i] = payload[i];
	n = LINK_HDR_LEN + len;
	crc = crc16_block(CRC16_INIT, raw, n);
	raw[n++] = (uint8_t)(crc >> 8);
	raw[n++] = (uint8_t)(crc & 0xFFu);
	return cobs_encode(raw, n, dst, cap);
}

void link_rx_init(struct link_rx *rx)
{
	uint8_t *p = (uint8_t *)&rx->st;
	size_t i;

	cobs_dec_init(&rx->cobs, LINK_MAX_FRAME);
	for (i = 0; i < sizeof(rx->st); i++)
		p[i] = 0;
	rx->frame.seq = 0;
	rx->frame.ack = 0;
	rx->frame.flags = 0;
	rx->frame.type = 0;
	rx->frame.len = 0;
}

/* Check a decoded packet of n bytes in rx->cobs.buf and copy it out. */
static int link_rx_accept(struct link_rx *rx, int n)
{
	const uint8_t *b = rx->cobs.buf;
	uint8_t i, len;

	if (n < LINK_MIN_FRAME) {
		rx->st.too_short++;
		return LINK_ERR_TOO_SHORT;
	}
	/* A non-reflected CRC run over data plus its CRC (high byte first)
	 * leaves remainder zero. */
	if (crc16_block(CRC16_INIT, b, (size_t)n) != 0) {
		rx->st.crc++;
		return LINK_ERR_CRC;
	}
	if (!link_type_known(b[3])) {
		rx->st.bad_type++;
		return LINK_ERR_BAD_TYPE;
	}
	if (b[2] & (uint8_t)~LINK_F_MASK) {
		rx->st.bad_flags++;
		return LINK_ERR_BAD_FLAGS;
	}
	len = (uint8_t)(n - LINK_MIN_FRAME);
	rx->frame.seq = b[0];
	rx->frame.ack = b[1];
	rx->frame.flags = b[2];
	rx->frame.type = b[3];
	rx->frame.len = len;
	for (i = 0; i < len; i++)
		rx->frame.payload[i] = b[LINK_HDR_LEN + i];
	rx->st.frames++;
	return 1;
}

int link_rx_byte(struct link_rx *rx, uint8_t b)
{
	int r;

	rx->st.bytes++;
	r = cobs_dec_byte(&rx->cobs, b);
	if (r > 0)
		return link_rx_accept(rx, r);
	switch (r) {
	case COBS_MORE:
		return 0;
	case COBS_ERR_TOO_LONG:
		rx->st.too_long++;
		break;
	case COBS_ERR_EMPTY:
		rx->st.too_short++;
		break;
	default:
		rx->st.malformed++;
		break;
	}
	return r;
}

size_t link_rx_feed(struct link_rx *rx, const uint8_t *data, size_t len, int *got)
{
	size_t i;

	*got = 0;
	for (i = 0; i < len; i++) {
		if (link_rx_byte(rx, data[i]) == 1) {
			*got = 1;
			return i + 1;
		}
	}
	return len;
}
