/*
 * Quadrature edge generation from the motor shaft position.
 */
#include "encoder.h"

void enc_init(struct enc_gen *e)
{
	e->pos_counts = 0.0;
	e->edge_pos = 0;
	e->line_pos = 0;
}

