/*
 * Seeded pseudo-random numbers for the simulator (never for flight code).
 * xorshift64* (Vigna 2016) seeded through splitmix64; gaussian from the sum
 * of four 16-bit uniforms (Irwin-Hall, n = 4) rescaled to unit variance,
 * which is cheap and smooth enough for sensor noise (tails cut at ~3.5 sigma).
 */
#ifndef ROVER_PLANT_RNG_H
#define ROVER_PLANT_RNG_H

#include <stdint.h>

/* cffi:begin */
struct rng {
	uint64_t s;                 /* never 0 */
};
/* cffi:end */

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Approximately N(0, 1). */
double rng_gauss(struct rng *r);

#endif
