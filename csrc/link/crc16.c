/*
 * CRC-16/CCITT-FALSE, byte at a time, without a lookup table.
 *
 * For the polynomial x^16 + x^12 + x^5 + 1 the eight shift/xor steps of the
 * bitwise algorithm collapse into a few whole-byte operations: with
 * t = (crc >> 8) ^ byte, and then t ^= t >> 4, the new remainder is
 * (crc << 8) ^ (t << 12) ^ (t << 5) ^ t.  Costs on an 8-bit AVR: about 20-30
 * cycles per byte and zero RAM, versus roughly 8 x 10 cycles for the bitwise
 * loop, and a 256-entry table that is only a little faster but needs 512 bytes
 * that avr-gcc places in SRAM unless marked PROGMEM (not portable C).
 * tests/test_link_codec.py checks it against a bit-by-bit reference.
 */
#include "crc16.h"

uint16_t crc16_update(uint16_t crc, uint8_t byte)
{
	uint16_t t;

	t = (uint16_t)(((crc >> 8) ^ byte) & 0xFFu);
	t = (uint16_t)(t ^ (t >> 4));
	return (uint16_t)((crc << 8) ^ (t << 12) ^ (t << 5) ^ t);
}

uint16_t crc16_block(uint16_t crc, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		crc = crc16_update(crc, data[i]);
	return crc;
}
