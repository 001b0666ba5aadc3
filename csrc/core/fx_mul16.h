/*
 * 16 x 16 -> 32-bit products for the tilt and odometry code.  avr-gcc 5
 * widens a product to its 16 x 16-bit helper (__umulhisi3, __mulhisi3) only
 * when it sees both operands as 16-bit values; a 16-bit value cut from a
 * 32-bit one it multiplies as 32 x 32 bits (__mulsi3, about twice the
 * cycles).  The empty asm statement on AVR hides where the operand came
 * from; elsewhere these are the plain products.  Same value everywhere.
 */
#ifndef ROVER_CORE_FX_MUL16_H
#define ROVER_CORE_FX_MUL16_H

#include <stdint.h>

static inline uint32_t fx_mul16u(uint16_t a, uint16_t b)
{
#if defined(__AVR__) && defined(__GNUC__)
	__asm__("" : "+r"(a));
#endif
	return (uint32_t)a * b;
}

static inline int32_t fx_mul16s(int16_t a, int16_t b)
{
#if defined(__AVR__) && defined(__GNUC__)
	__asm__("" : "+r"(a));
#endif
	return (int32_t)a * b;
}

#endif
