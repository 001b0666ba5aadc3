/*
 * Constant tables of csrc/core.  On AVR, const data is copied to SRAM at
 * start-up unless it is placed in flash and read with LPM; there these
 * macros do that (avr-libc <avr/pgmspace.h>).  Elsewhere const data already
 * lives in flash and the macros are plain reads.  Results are identical.
 */
#ifndef ROVER_CORE_ROM_H
#define ROVER_CORE_ROM_H

#include <stdint.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
#define FX_ROM PROGMEM
#define fx_rom_i8(p) ((int8_t)pgm_read_byte(p))
#define fx_rom_i16(p) ((int16_t)pgm_read_word(p))
#define fx_rom_u32(p) ((uint32_t)pgm_read_dword(p))
#else
#define FX_ROM
#define fx_rom_i8(p) (*(p))
#define fx_rom_i16(p) (*(p))
#define fx_rom_u32(p) (*(p))
#endif

#endif
