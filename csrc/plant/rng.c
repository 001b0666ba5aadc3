/*
 * xorshift64* generator, splitmix64 seeding, Irwin-Hall gaussian.
 */
#include "rng.h"

void rng_seed(struct rng *r, uint64_t seed)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ull;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	r->s = z ? z : 0x2545F4914F6CDD1Dull;
}

uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

double rng_gauss(struct rng *r)
{
	uint64_t v = rng_next(r);
	/* Sum of four U(0, 65535) has mean 131070 and variance 4 * 65536^2 / 12. */
	double sum = (double)(v & 0xFFFFu) + (double)((v >> 16) & 0xFFFFu) +
		     (double)((v >> 32) & 0xFFFFu) + (double)(v >> 48);

	return (sum - 131070.0) * (1.7320508075688772 / 65536.0);
}
