/*
 * Fixed-point helpers shared by every loop in csrc/core.
 *
 * Conventions (see docs/fixed_point.md):
 *  - Q15 effort/duty: int16, -32767..32767 is -100 %..+100 % (-32768 never produced).
 *  - Q8 gains: int16 or int32 holding value * 256.
 *  - Right shifts of negative numbers: we never rely on implementation-defined
 *    arithmetic shift; fx_asr() rounds toward minus infinity portably.
 *  - Every narrowing saturates (fx_sat16/fx_sat32), nothing wraps.
 */
#ifndef ROVER_CORE_FIXED_H
#define ROVER_CORE_FIXED_H

#include <stdint.h>

/* Keep a function out of line (a loop an 8-bit MCU should run in its own
 * register frame); no effect on compilers without the attribute. */
#if defined(__GNUC__)
#define FX_NOINLINE __attribute__((noinline))
#else
#define FX_NOINLINE
#endif

#define FX_Q15_MAX 32767
#define FX_Q15_MIN (-32767)

static inline int32_t fx_sat32_from64(int64_t v)
{
	if (v > INT32_MAX)
		return INT32_MAX;
	if (v < -INT32_MAX)
		return -INT32_MAX;
	return (int32_t)v;
}

static inline int32_t fx_clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

static inline int16_t fx_sat16(int32_t v)
{
	return (int16_t)fx_clamp32(v, FX_Q15_MIN, FX_Q15_MAX);
}

/* Arithmetic shift right, floor semantics, portable for negative values. */
static inline int32_t fx_asr(int32_t v, unsigned n)
{
	return v >= 0 ? (v >> n) : -(int32_t)(((uint32_t)(-(v + 1)) >> n) + 1);
}

static inline int64_t fx_asr64(int64_t v, unsigned n)
{
	return v >= 0 ? (v >> n) : -(int64_t)(((uint64_t)(-(v + 1)) >> n) + 1);
}

/* gain_q8 * x for int16 operands (|product| < 2^31).  A gain of whole
 * counts (gain_q8 a multiple of 256) multiplies by gain_q8 / 256 and moves
 * the result up one byte: the same product, but with a constant gain such
 * as 2048 an 8-bit MCU does three bit shifts and a byte move instead of a
 * bit-by-bit loop of eleven (what avr-gcc makes of "* 2048"). */
static inline int32_t fx_mul_q8gain(int16_t gain_q8, int16_t x)
{
	if ((gain_q8 & 0xFF) == 0)
		return (int32_t)((uint32_t)((int32_t)(gain_q8 / 256) * x) << 8);
	return (int32_t)gain_q8 * x;
}

/* a + b saturated to [-INT32_MAX, INT32_MAX] without signed overflow. */
static inline int32_t fx_add_sat32(int32_t a, int32_t b)
{
	if (b >= 0 && a > INT32_MAX - b)
		return INT32_MAX;
	if (b <= 0 && a < -INT32_MAX - b)
		return -INT32_MAX;
	return fx_clamp32(a + b, -INT32_MAX, INT32_MAX);
}

/* n / d rounded half away from zero; d > 0. */
static inline int32_t fx_rdiv32(int32_t n, int32_t d)
{
	return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

static inline int64_t fx_rdiv64(int64_t n, int64_t d)
{
	return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

/* fx_rdiv64 for 0 < d, computed in 32 bits when n and d fit: the same
 * quotient for a quarter of the work on an 8-bit MCU. */
static inline int64_t fx_rdiv64_narrow(int64_t n, int64_t d)
{
	if (d <= INT32_MAX && n > -(int64_t)INT32_MAX + d && n < (int64_t)INT32_MAX - d)
		return fx_rdiv32((int32_t)n, (int32_t)d);
	return fx_rdiv64(n, d);
}

#endif
