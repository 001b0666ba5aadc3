/*
 * Quadrature A/B edge generator on the motor shaft (the encoder sits on the
 * motor, before the gearbox).  The shaft position is tracked in counts
 * (lines * 4 per motor turn); every whole-count change is one A/B edge,
 * delivered to the board's decoder one edge at a time as its ISR would see
 * them.  Gray sequence 00 -> 01 -> 11 -> 10 for increasing position.
 */
#ifndef ROVER_PLANT_ENCODER_H
#define ROVER_PLANT_ENCODER_H

#include <stdint.h>
#include "core/quadrature.h"

/* cffi:begin */
struct enc_gen {
	double pos_counts;          /* shaft position in counts (fractional) */
	int64_t edge_pos;           /* position of the last edge emitted */
	int64_t line_pos;           /* position the A/B lines last showed a port */
};
/* cffi:end */

void enc_init(struct enc_gen *e);
/* A/B levels packed (A << 1) | B for a whole count position: the gray
 * sequence 00, 01, 11, 10 is A = bit 1, B = bit 1 ^ bit 0. */
static inline uint8_t enc_ab(int64_t pos)
{
	uint8_t b0 = (uint8_t)(pos & 1), b1 = (uint8_t)((pos >> 1) & 1);

	return (uint8_t)((b1 << 1) | (b1 ^ b0));
}

/* Advance by d_counts without a decoder: a port replays the edges from
 * line_pos to edge_pos into the firmware (enc_next_edge).  Dead lines show
 * nothing: line_pos follows edge_pos silently. */
static inline void enc_move(struct enc_gen *e, double d_counts, int dead)
{
	int64_t target;

	e->pos_counts += d_counts;
	target = (int64_t)e->pos_counts;
	if ((double)target > e->pos_counts)
		target--;      /* floor without a libm call */
	e->edge_pos = target;
	if (dead)
		e->line_pos = target;
}

/* The next A/B level change still to be shown on the lines, or -1 when the
 * lines are up to date. */
static inline int enc_next_edge(struct enc_gen *e)
{
	if (e->line_pos < e->edge_pos)
		return enc_ab(++e->line_pos);
	if (e->line_pos > e->edge_pos)
		return enc_ab(--e->line_pos);
	return -1;
}

/* Advance by d_counts; emit each edge to q unless dead (lines stuck).
 * Returns the number of edges produced. */
static inline int enc_advance(struct enc_gen *e, double d_counts, struct quad_dec *q, int dead)
{
	int64_t target, p;
	int n = 0;

	e->pos_counts += d_counts;
	target = (int64_t)e->pos_counts;
	if ((double)target > e->pos_counts)
		target--;      /* floor without a libm call */
	p = e->edge_pos;
	if (target == p)
		return 0;
	if (dead) {
		/* Lines stuck: the shaft turns, the decoder sees nothing. */
		e->edge_pos = target;
		return 0;
	}
	while (p < target) {
		p++;
		quad_update(q, enc_ab(p));
		n++;
	}
	while (p > target) {
		p--;
		quad_update(q, enc_ab(p));
		n++;
	}
	e->edge_pos = p;
	return n;
}

#endif
