/*
 * COBS encoder and byte-at-a-time decoder.  See cobs.h and docs/protocol.md.
 */
#include "cobs.h"

size_t cobs_encode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap)
{
	size_t in, out, code_at;
	uint8_t code;

	if (cap < 2)
		return 0;
	code_at = 0;            /* where the pending block's code byte goes */
	out = 1;
	code = 1;               /* 1 + data bytes in the pending block */
	for (in = 0; in < len; in++) {
		if (src[in] == 0) {
			dst[code_at] = code;
			code_at = out++;
			code = 1;
		} else {
			if (out >= cap)
				return 0;
			dst[out++] = src[in];
			code++;
			/* A full block (254 data bytes) ends without an implied
			 * zero; open the next block only if more input follows. */
			if (code == 0xFF && in + 1 < len) {
				dst[code_at] = code;
				code_at = out++;
				code = 1;
			}
		}
		if (out >= cap)
			return 0;
	}
	dst[code_at] = code;
	if (out >= cap)
		return 0;
	dst[out++] = 0x00;
	return out;
}

void cobs_dec_init(struct cobs_dec *d, uint16_t cap)
{
	if (cap == 0 || cap > COBS_BUF_MAX)
		cap = COBS_BUF_MAX;
	d->cap = cap;
	d->len = 0;
	d->left = 0;
	d->code = 0;
	d->discard = 0;
}

static void cobs_dec_restart(struct cobs_dec *d)
{
	d->len = 0;
	d->left = 0;
	d->code = 0;
	d->discard = 0;
}

int cobs_dec_byte(struct cobs_dec *d, uint8_t b)
{
	int n;

	if (b == 0x00) {
		if (d->discard) {
			cobs_dec_restart(d);
			return COBS_MORE;
		}
		if (d->code == 0) {
			/* Nothing since the last delimiter: idle fill. */
			return COBS_MORE;
		}
		if (d->left != 0) {
			cobs_dec_restart(d);
			return COBS_ERR_MALFORMED;
		}
		n = (int)d->len;
		cobs_dec_restart(d);
		return n > 0 ? n : COBS_ERR_EMPTY;       /* buf still holds the frame */
	}
	if (d->discard)
		return COBS_MORE;
	if (d->left == 0) {
		/* b is a code byte.  The block before it, unless it was a
		 * full one (code 0xFF) or there was none, ended in a zero. */
		if (d->code != 0 && d->code != 0xFF) {
			if (d->len >= d->cap) {
				d->discard = 1;
				return COBS_ERR_TOO_LONG;
			}
			d->buf[d->len++] = 0x00;
		}
		d->code = b;
		d->left = (uint8_t)(b - 1u);
		return COBS_MORE;
	}
	if (d->len >= d->cap) {
		d->discard = 1;
		return COBS_ERR_TOO_LONG;
	}
	d->buf[d->len++] = b;
	d->left--;
	return COBS_MORE;
}
