/*
 * Consistent Overhead Byte Stuffing (S. Cheshire and M. Baker, IEEE/ACM
 * Trans. Networking 7(2), 1999) with 0x00 as the frame delimiter.
 *
 * cobs_encode() turns len bytes into at most COBS_ENC_MAX(len) bytes with no
 * zero in them, then appends the 0x00 delimiter.  The streaming decoder takes
 * one byte at a time, as a UART receive interrupt sees them, and says when a
 * whole frame is in its buffer; on any error it throws the partial frame away
 * and starts again after the next 0x00.
 */
#ifndef ROVER_LINK_COBS_H
#define ROVER_LINK_COBS_H

#include <stddef.h>
#include <stdint.h>

/* Worst-case encoded size of n bytes, delimiter included. */
#define COBS_ENC_MAX(n) ((n) + (n) / 254u + 2u)

/* cffi:begin */
#define COBS_BUF_MAX 80         /* decoder buffer, >= the largest link frame */

/* cobs_dec_byte() results (negative values are errors). */
#define COBS_MORE 0             /* keep feeding */
#define COBS_ERR_MALFORMED -1   /* delimiter inside a block: bytes lost */
#define COBS_ERR_TOO_LONG -2    /* frame longer than the buffer */
#define COBS_ERR_EMPTY -3       /* a frame that decodes to zero bytes */

struct cobs_dec {
	uint8_t buf[80];        /* COBS_BUF_MAX */
	uint16_t cap;           /* usable bytes of buf, <= COBS_BUF_MAX */
	uint16_t len;           /* decoded bytes so far */
	uint8_t left;           /* data bytes left in the current block */
	uint8_t code;           /* code byte of the current block, 0 = none yet */
	uint8_t discard;        /* 1: dropping bytes until the next 0x00 */
};

/* Encode len bytes of src into dst (cap bytes); appends the 0x00 delimiter.
 * Returns the number of bytes written, or 0 if cap is too small. */
size_t cobs_encode(const uint8_t *src, size_t len, uint8_t *dst, size_t cap);

/* cap = 0 or > COBS_BUF_MAX means COBS_BUF_MAX. */
void cobs_dec_init(struct cobs_dec *d, uint16_t cap);
/* Feed one wire byte.  Returns the decoded length (> 0) when b ends a frame
 * (the frame is in d->buf until the next call), COBS_MORE, or an error.
 * Empty frames (back-to-back delimiters) are idle fill and return COBS_MORE.
 * A too-long frame reports once, when it overflows; its remaining bytes up to
 * the next 0x00 are dropped silently. */
int cobs_dec_byte(struct cobs_dec *d, uint8_t b);
/* cffi:end */

#endif
