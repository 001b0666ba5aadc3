/*
 * What both Cortex-M images share (the QEMU MPS2 board, main.c, and the
 * Nucleo-F103RB, main_stm32f103.c): the receive ring the UART interrupt
 * fills and the main loop empties into the firmware, the transmit ring
 * port_uart_write() fills and the image's uart_drain() empties, the
 * recorded outputs, and the main loop.  Included once, by each image's main
 * file, after its struct port, which has: fw, rx[RX_RING], rx_head,
 * rx_tail, tx[TX_RING], tx_head, tx_tail, ticks_due, ticks_done,
 * pwm[PORT_PWM_COUNT] and servo_mrad[4].  The image also defines
 * arm_rx_due() (below).
 */
#ifndef ROVER_PORT_ARM_COMMON_H
#define ROVER_PORT_ARM_COMMON_H

/* Interrupt side: one received byte into the ring; 0 when it is full. */
static inline uint8_t arm_rx_push(struct port *p, uint8_t b)
{
	uint16_t next = (uint16_t)((p->rx_head + 1u) % RX_RING);

	if (next == p->rx_tail)
		return 0;
	p->rx[p->rx_head] = b;
	p->rx_head = next;
	return 1;
}

/* Whether the byte at rx_tail has wholly arrived (its stop bit): a real
 * USART raises its interrupt only then; an emulated one may hand bytes over
 * sooner, and the image then holds them back. */
static uint8_t arm_rx_due(struct port *p);

static void arm_rx_hand_over(struct port *p)
{
	uint8_t buf[32];
	uint16_t n = 0;

	while (p->rx_tail != p->rx_head && n < sizeof buf && arm_rx_due(p)) {
		buf[n++] = p->rx[p->rx_tail];
		p->rx_tail = (uint16_t)((p->rx_tail + 1u) % RX_RING);
	}
	if (n)
		fw_rx(p->fw, buf, n);
}

/* Bytes in the transmit ring (not yet handed to the UART). */
static inline uint16_t arm_tx_queued(const struct port *p)
{
	return (uint16_t)((p->tx_head - p->tx_tail + TX_RING) % TX_RING);
}

uint16_t port_uart_tx_free(struct port *p)
{
	return (uint16_t)(TX_RING - 1u - arm_tx_queued(p));
}

void port_uart_write(struct port *p, const uint8_t *b, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		p->tx[p->tx_head] = b[i];
		p->tx_head = (uint16_t)((p->tx_head + 1u) % TX_RING);
	}
}

/* Outputs are recorded in the port (the QEMU plant reads them; the
 * Nucleo image does not wire them to pins). */
void port_pwm_write(struct port *p, uint8_t ch, int16_t q15)
{
	if (ch < PORT_PWM_COUNT)
		p->pwm[ch] = q15;
}

void port_servo_write(struct port *p, uint8_t ch, int16_t mrad)
{
	if (ch < 4)
		p->servo_mrad[ch] = mrad;
}

/* The main loop: every tick SysTick counted runs fw_tick(), then
 * `after_tick` (the linked-in plant's step, or NULL), the bytes received
 * meanwhile and the line; then the firmware's background work; it sleeps
 * until the next interrupt when nothing is pending (bytes waiting to go
 * out keep it spinning on `drain`). */
static void arm_main_loop(struct port *p, void (*after_tick)(struct port *),
			  void (*drain)(struct port *))
{
	for (;;) {
		arm_rx_hand_over(p);
		while (p->ticks_due) {
			__asm__ volatile("cpsid i");
			p->ticks_due--;
			__asm__ volatile("cpsie i");
			fw_tick(p->fw);
			if (after_tick)
				after_tick(p);
			p->ticks_done++;
			arm_rx_hand_over(p);
			drain(p);
		}
		fw_service(p->fw);
		drain(p);
		if (p->tx_tail == p->tx_head && !p->ticks_due && p->rx_tail == p->rx_head)
			__asm__ volatile("wfi");
	}
}

#endif
