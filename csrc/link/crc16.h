/*
 * CRC-16/CCITT-FALSE (the reveng catalogue calls it CRC-16/IBM-3740):
 *   width 16, poly 0x1021, init 0xFFFF, refin false, refout false,
 *   xorout 0x0000, check 0x29B1 (CRC of the ASCII bytes "123456789"),
 *   residue 0x0000 (CRC over data followed by its CRC, high byte first).
 *
 * It is the same function as Python's binascii.crc_hqx(data, 0xFFFF).
 * See docs/protocol.md for why this variant and this implementation.
 */
#ifndef ROVER_LINK_CRC16_H
#define ROVER_LINK_CRC16_H

#include <stddef.h>
#include <stdint.h>

/* cffi:begin */
#define CRC16_INIT 0xFFFF
#define CRC16_CHECK 0x29B1

/* Fold one byte into a running CRC (start from CRC16_INIT). */
uint16_t crc16_update(uint16_t crc, uint8_t byte);
/* CRC of len bytes starting from crc (pass CRC16_INIT for a fresh CRC). */
uint16_t crc16_block(uint16_t crc, const uint8_t *data, size_t len);
/* cffi:end */

#endif
