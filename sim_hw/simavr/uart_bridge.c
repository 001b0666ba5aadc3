/*
 * USART0 <-> pty.  The harness holds only the pty master; it does not keep
 * the slave open, so it can see when a program opens the port (reads stop
 * failing with EIO) and, with --reset-on-open, reset the MCU then: the
 * auto-reset a real Mega 2560 gets from DTR through its 100 nF capacitor,
 * which a pty cannot carry.
 *
 * Everything runs on the simulator's thread: a cycle timer polls the master
 * every 50 us of simulated time (less than one byte time at 115200 baud) and
 * hands received bytes to the UART no faster than one per byte time (10 bit
 * times at the baud the firmware set): simavr 1.6's receiver lets firmware
 * read two bytes per byte time from its FIFO (it models the USART's
 * two-byte receive buffer that way), so a FIFO filled ahead would let the
 * line run up to twice its baud.  Bytes the firmware writes are paced by
 * simavr (the data-register-empty flag comes back one byte time later), but
 * it hands each one over when the firmware writes UDR, as its start bit
 * leaves; a receiver has it only after the stop bit.  So each byte goes to
 * the pty one byte time after UDR was written, and not before the host's
 * clock reaches that board time (the pace lets the board run up to 0.2 ms
 * ahead between sleeps).  A board running behind the host's clock (it
 * catches up at full speed) takes what the host wrote at the board time the
 * host's clock was at when it was read, not at its own lagging time.  So no
 * reply reaches the host sooner than its bytes could cross the line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <simavr/avr_uart.h>
#include <simavr/sim_time.h>
#include <simavr/sim_cycle_timers.h>
#include "harness.h"


#define POLL_CYCLES 800u               /* 50 us at 16 MHz */

int h_uart_open(struct harness *h, const char *link)
{
	struct termios t;
	const char *sn;
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0 || grantpt(m) || unlockpt(m) || !(sn = ptsname(m)))
		return -1;
	snprintf(h->pty_name, sizeof h->pty_name, "%s", sn);
	if (tcgetattr(m, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(m, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	h->master = m;
	if (link) {
		unlink(link);
		if (symlink(h->pty_name, link))
			return -1;
	}
	return 0;
}

static void tx_write(struct harness *h, uint8_t b)
{
	if (h->slave_open)
		(void)!write(h->master, &b, 1);    /* a full pty drops, as a line would */
}

/* Bytes whose stop bit has left by `when` go to the pty, each at its own
 * board time on the host's clock; returns the next byte's cycle (0: none). */
static avr_cycle_count_t tx_flush(avr_t *avr, avr_cycle_count_t when, void *param)
{
	struct harness *h = param;

	(void)avr;
	while (h->tx_n && h->tx_due[h->tx_head] <= when) {
		h_wait_wall(h, h->tx_due[h->tx_head]);
		tx_write(h, h->tx_byte[h->tx_head]);
		h->tx_head = (uint8_t)((h->tx_head + 1u) % H_TXQ);
		h->tx_n--;
	}
	return h->tx_n ? h->tx_due[h->tx_head] : 0;
}

static void on_uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
	struct harness *h = param;
	uint8_t i;

	(void)irq;
	h->st.uart_tx_bytes++;
	if (h->tx_n == H_TXQ)              /* cannot happen: UDRE paces the firmware */
		tx_flush(h->avr, (avr_cycle_count_t)-1, h);
	i = (uint8_t)((h->tx_head + h->tx_n) % H_TXQ);
	h->tx_byte[i] = (uint8_t)value;
	h->tx_due[i] = h->avr->cycle + h->cycles_per_byte;
	if (h->tx_n++ == 0)
		avr_cycle_timer_register(h->avr, h->cycles_per_byte, tx_flush, h);
}

static void on_xon(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	(void)value;
	((struct harness *)param)->xoff = 0;
}

static void on_xoff(struct avr_irq_t *irq, uint32_t value, void *param)
{
	(void)irq;
	((struct harness *)param)->xoff = value ? 1 : 0;
}

static avr_cycle_count_t poll_pty(avr_t *avr, avr_cycle_count_t when, void *param)
{
	struct harness *h = param;
	avr_irq_t *in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);

	if (h->in_pos >= h->in_len) {
		ssize_t r = read(h->master, h->inbuf, sizeof h->inbuf);

		h->in_pos = h->in_len = 0;
		if (r > 0) {
			/* bytes the host wrote at its time now start on the line no
			 * earlier than the board time that maps to: a board running
			 * behind the host's clock catches up, but what it receives
			 * does not arrive early in board time */
			uint64_t at = h_cycle_now(h);

			h->in_len = (int)r;
			if (at > h->rx_next_cycle)
				h->rx_next_cycle = at;
		} else if (r < 0 && errno == EIO) {
			h->slave_open = 0;             /* nobody has the port open */
		}
		if ((r > 0 || (r < 0 && errno == EAGAIN)) && !h->slave_open) {
			h->slave_open = 1;
			if (h->reset_on_open) {
				h->in_len = 0;          /* bytes sent during reset are lost */
				h->want_reset = 1;      /* done by the run loop */
			}
		}
	}
	if (!h->xoff && h->in_pos < h->in_len && when >= h->rx_next_cycle) {
		h->st.uart_rx_bytes++;
		avr_raise_irq(in, h->inbuf[h->in_pos++]);
		h->rx_next_cycle = (h->rx_next_cycle + h->cycles_per_byte > when ? h->rx_next_cycle : when) +
				   h->cycles_per_byte;
	}
	h_throttle(h);
	return when + POLL_CYCLES;
}

/* simavr 1.6 counts a parity bit in every word (1 + 8 + 1 + 1 = 11 bit
 * times for 8N1); the line carries 10.  Called once per simulated ms. */
void h_uart_fix_word(struct harness *h)
{
	avr_io_t *io;

	for (io = h->avr->io_port; io; io = io->next) {
		avr_uart_t *u = (avr_uart_t *)io;
		uint32_t ubrr, bit;

		if (strcmp(io->kind, "uart") || u->name != '0')
			continue;
		ubrr = h->avr->data[u->r_ucsra + 4] | ((uint32_t)h->avr->data[u->r_ucsra + 5] << 8);
		bit = (ubrr + 1u) * 8u * ((h->avr->data[u->r_ucsra] & 0x02u) ? 1u : 2u);
		if (u->cycles_per_byte == 11u * bit)
			u->cycles_per_byte = 10u * bit;
		h->cycles_per_byte = 10u * bit;
	}
}

void h_uart_connect(struct harness *h)
{
	avr_t *avr = h->avr;
	uint32_t f = 0;

	/* no console echo, and no poll-sleep: simavr's default sleeps ~55 us of
	 * wall time on every status read with nothing pending, which starves a
	 * bootloader that polls TXC after each byte */
	avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &f);
	f &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
	avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &f);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
				on_uart_out, h);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON),
				on_xon, h);
	avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF),
				on_xoff, h);
	if (!h->cycles_per_byte)
		h->cycles_per_byte = 10u * 17u * 8u;   /* until the firmware sets UBRR0: 115200, U2X */
	h->rx_next_cycle = 0;
	avr_cycle_timer_register(avr, POLL_CYCLES, poll_pty, h);
	/* a reset cleared the timers: what was on the line still arrives */
	tx_flush(avr, (avr_cycle_count_t)-1, h);
}
