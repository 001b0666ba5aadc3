/*
 * The SPI byte at the SPI clock.  libsimavr 1.6 raises the SPI interrupt a
 * fixed 100 us after every SPDR write, whatever the clock divider; the part
 * shifts a byte in 8 SCK periods (ATmega2560 datasheet, section 21, table
 * 21-5: SCK = fosc / 4, 16, 64, 128, halved with SPI2X).  At the firmware's
 * fosc/16 that is 128 cycles (8 us), so the emulated byte took 12.5 times
 * as long and a 10 ms sensor round spread its interrupts over four control
 * ticks.  The harness takes SPDR's write handler, lets simavr's run, then
 * moves the completion timer simavr just armed to the clock's 8 periods.
 */
#include <simavr/sim_avr.h>
#include <simavr/sim_cycle_timers.h>
#include "harness.h"

/* Data-space addresses (ATmega2560 datasheet, register summary) */
#define H_SPCR 0x4C
#define H_SPSR 0x4D
#define H_SPDR 0x4E

static avr_io_write_t spdr_write;
static void *spdr_param;

static avr_cycle_count_t spi_byte_cycles(const avr_t *avr)
{
	static const uint8_t div[4] = { 4, 16, 64, 128 };
	avr_cycle_count_t d = div[avr->data[H_SPCR] & 3u];

	if (avr->data[H_SPSR] & 1u)             /* SPI2X */
		d /= 2;
	return 8 * d;
}

static void on_spdr_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	avr_cycle_timer_slot_p t;

	(void)param;
	spdr_write(avr, addr, v, spdr_param);
	for (t = avr->cycle_timers.timer; t; t = t->next) {
		if (t->param == spdr_param) {
			avr_cycle_timer_t fn = t->timer;

			avr_cycle_timer_cancel(avr, fn, spdr_param);
			avr_cycle_timer_register(avr, spi_byte_cycles(avr), fn, spdr_param);
			return;
		}
	}
}

void h_spi_clock_connect(struct harness *h)
{
	avr_t *avr = h->avr;
	int io = AVR_DATA_TO_IO(H_SPDR);

	if (spdr_write || !avr->io[io].w.c)
		return;
	spdr_write = avr->io[io].w.c;
	spdr_param = avr->io[io].w.param;
	avr->io[io].w.c = on_spdr_write;
	avr->io[io].w.param = h;
}
