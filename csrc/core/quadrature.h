/*
 * 4x quadrature decoder and windowed speed estimator.
 *
 * quad_update() is what an encoder ISR (or the plant, per edge) calls with
 * the current A/B pin levels packed as (A << 1) | B.  Gray sequence
 * 00 -> 01 -> 11 -> 10 -> 00 counts +1 per step; the reverse counts -1; no
 * change counts 0; both bits changing is illegal (counted, position kept).
 */
#ifndef ROVER_CORE_QUADRATURE_H
#define ROVER_CORE_QUADRATURE_H

#include <stdint.h>

/* cffi:begin */
#define SPEED_EST_WIN_MAX 64

struct quad_dec {
	int32_t count;
	uint32_t illegal;
	uint8_t prev_ab;
};

/* Speeds over the full window for |delta| = 0..n-1 counts, shared by
 * estimators of one rate (a board's six wheels): a lookup instead of the
 * two multiplies on an 8-bit MCU, the same values (speed_table_init()
 * computes them with the same formula).  n stops where a speed would no
 * longer fit 16 bits. */
#define SPEED_TABLE_MAX 64
struct speed_table {
	uint16_t speed[SPEED_TABLE_MAX];
	uint16_t rate_int;          /* the rate it was built for */
	uint16_t rate_frac_q16;
	uint8_t n;
};

struct speed_est {
	/* the scalars first: an 8-bit MCU reaches them with one
	 * displacement load (AVR's ldd reaches 63 bytes) */
	int32_t mrad_per_count_q16; /* wheel mrad per count, Q16 */
	int32_t speed_mradps;       /* last estimate */
	/* |k| * 1000 / window rounded, in Q16: mrad/s per count over the full
	 * window, kept as its integer and fraction halves (16 x 16-bit
	 * multiplies on an 8-bit MCU) */
	uint16_t rate_int;
	uint16_t rate_frac_q16;
	const struct speed_table *table; /* NULL, or one built for this rate */
	/* kept beside the ring so the 1 kHz update tests two bytes (set by
	 * speed_est_init and speed_est_use_table only) */
	uint8_t table_n;            /* table->n, 0 without a table */
	uint8_t k_neg;              /* mrad_per_count_q16 < 0 */
	uint8_t window_ms;          /* 1..SPEED_EST_WIN_MAX */
	uint8_t head;
	uint8_t filled;
	uint16_t hist[64];          /* low 16 bits of the count at each of the
				       last window ticks (a window's difference
				       is < 2^15 counts: docs/fixed_point.md) */
};

void quad_init(struct quad_dec *q, uint8_t ab);
void quad_update(struct quad_dec *q, uint8_t ab);

/* Returns 0, or -1 if window_ms is outside 1..SPEED_EST_WIN_MAX or one
 * count over the full window is worth 65536 mrad/s or more
 * (the rate would not fit 16.16 bits). */
int speed_est_init(struct speed_est *s, int32_t mrad_per_count_q16, uint8_t window_ms,
		   int32_t count_now);
/* Call once per 1 ms tick with the decoder count; returns speed in mrad/s. */
int32_t speed_est_update(struct speed_est *s, int32_t count_now);
/* The table of estimator s's rate (s initialised). */
void speed_table_init(struct speed_table *t, const struct speed_est *s);
/* Let s read t (after speed_est_init, which clears it); -1, and no table,
 * if t was built for another rate. */
int speed_est_use_table(struct speed_est *s, const struct speed_table *t);
/* cffi:end */

#endif
