/*
 * ARM port: the board firmware on a Cortex-M3 (ARM MPS2 AN385 as QEMU models
 * it, `qemu-system-arm -M mps2-an385`), UART0 on the link.  docs/hil.md
 * section 12.
 *
 * The plant runs inside the image: QEMU has no pins to wire, so the mobility
 * plant (csrc/plant through csrc/sim, double precision in software) or the
 * payload head model steps once per tick, exactly as the host port does, and
 * its encoder edges and sensor values go to the firmware through the same
 * port calls.  What runs on the Cortex-M is therefore the whole board: link,
 * dispatch, loops, safety, with the plant as a test fixture linked in.
 *
 * Peripherals (ARM DAI0385, AN385; CMSDK APB UART, ARM DDI0479): UART0 at
 * 0x40004000 (DATA, STATE bit0 TX full / bit1 RX full, CTRL bit0 TX enable /
 * bit1 RX enable / bit3 RX interrupt, INTCLEAR, BAUDDIV = 25 MHz / 115200),
 * its RX interrupt IRQ 0; SysTick (ARMv7-M ARM B3.3) at 1 kHz from the 25 MHz
 * core clock.  The RX interrupt only buffers; every fw_*() call runs in the
 * main loop, as on the AVR.
 */
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "fw.h"
#define ROVER_DICT_NO_TABLES
#include "rover_dictionary.h"
#include "sim/sim.h"
#include "sim/head.h"
#include "plant/gantry.h"
#include "sim_params_default.h"

#ifndef FW_ARM_ROLE
#error "build with -DFW_ARM_ROLE=ROVER_BOARD_MOBILITY or ROVER_BOARD_PAYLOAD"
#endif

#define CORE_HZ 25000000u
#define UART0 0x40004000u
#define REG(a) (*(volatile uint32_t *)(a))
#define UART_DATA REG(UART0 + 0x00)
#define UART_STATE REG(UART0 + 0x04)
#define UART_CTRL REG(UART0 + 0x08)
#define UART_INTCLEAR REG(UART0 + 0x0C)
#define UART_BAUDDIV REG(UART0 + 0x10)
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER0 REG(0xE000E100u)
#define SCB_ICSR REG(0xE000ED04u)
#define ICSR_PENDSTSET (1u << 26)

#define RX_RING 256u
#define TX_RING 2048u
#define BYTE_US 87u                         /* 10 bits at 115 200 baud: 86.8 us */

struct port {
	struct fw *fw;
	uint8_t role;
	volatile uint8_t rx[RX_RING];
	volatile uint16_t rx_head, rx_tail;
	uint8_t tx[TX_RING];
	uint16_t tx_head, tx_tail;
	volatile uint32_t ticks_due;
	uint32_t ticks_done;
	volatile uint32_t ticks_seen;       /* SysTick's count, for the line's clock */
	uint64_t tx_due_us;                 /* the byte out leaves the line then (0: none) */
	uint64_t rx_free_us;                /* the line in finished its last byte then */
	uint64_t rx_at_us[RX_RING];         /* when each received byte reached the UART */
	int16_t pwm[PORT_PWM_COUNT];
	int16_t servo_mrad[4];
	struct sim sim;
	struct head_plant head;
	struct gantry gantry;            /* payload steppers */
	struct gantry_params gantry_p;
	int32_t steps[4];
};

/* interrupt handlers take no arguments: the one instance they reach */
static struct port arm_port;
static struct fw arm_fw;

#include "arm_common.h"

void arm_systick(void)
{
	arm_port.ticks_due++;
	arm_port.ticks_seen++;
}

/* The line's clock, for pacing the UART as hardware would: SysTick's own
 * time.  port_time_us() is the firmware's time, which waits for the main
 * loop to run the ticks SysTick signalled, so it can lag by a tick and then
 * jump.  CVR is read before the pending bit: a wrap between the two reads
 * counts a tick early, which paces later, never sooner. */
static uint64_t line_time_us(const struct port *p)
{
	uint32_t rvr = SYST_RVR + 1u, seen, cvr, pending;

	do {
		seen = p->ticks_seen;
		cvr = SYST_CVR;
		pending = (SCB_ICSR & ICSR_PENDSTSET) ? 1u : 0u;
	} while (seen != p->ticks_seen);
	return (uint64_t)(seen + pending) * 1000u + (uint64_t)(rvr - cvr) * 1000u / rvr;
}

/* QEMU's UART takes the host's bytes as fast as the guest reads them; a line
 * delivers one per byte time, each when its stop bit has arrived: a byte
 * time after it started, which is when it reached the UART or when the one
 * before it ended. */
static uint8_t arm_rx_due(struct port *p)
{
	uint64_t at = p->rx_at_us[p->rx_tail];
	uint64_t done = (at > p->rx_free_us ? at : p->rx_free_us) + BYTE_US;

	if (done > line_time_us(p))
		return 0;
	p->rx_free_us = done;
	return 1;
}

void arm_uart0_rx(void)
{
	struct port *p = &arm_port;
	uint64_t now = line_time_us(p);

	UART_INTCLEAR = 2u;
	while (UART_STATE & 2u) {
		uint16_t slot = p->rx_head;

		if (arm_rx_push(p, (uint8_t)UART_DATA))   /* a full ring drops, as a line would */
			p->rx_at_us[slot] = now;
	}
}

/* ---- port.h (the rest is arm_common.h) ---------------------------------------- */
int32_t port_adc_read(struct port *p, uint8_t ch)
{
	if (p->role == ROVER_BOARD_PAYLOAD) {
		if (ch == PORT_ADC_HEATER0_DC)
			return (int32_t)floor((p->head.temp_k - 273.15) * 10.0 + 0.5);
		return ch == PORT_ADC_HOPPER_PCT ? 75 : 0;
	}
	return sim_adc(&p->sim, ch);
}

void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		accel_mg[i] = p->role == ROVER_BOARD_MOBILITY ? p->sim.imu.accel_mg[i] : 0;
		gyro_mdps[i] = p->role == ROVER_BOARD_MOBILITY ? p->sim.imu.gyro_mdps[i] : 0;
	}
}

void port_step_write(struct port *p, uint8_t axis, int32_t steps)
{
	if (p->role == ROVER_BOARD_PAYLOAD && axis < 4)
		p->steps[axis] += steps;
}

uint8_t port_switch_read(struct port *p)
{
	return p->role == ROVER_BOARD_PAYLOAD ? gantry_switches(&p->gantry) : 0;
}

uint16_t port_fault_flags(struct port *p)
{
	return (p->role == ROVER_BOARD_MOBILITY && p->sim.out.off_map) ? ROVER_FAULT_OFF_MAP : 0;
}

uint16_t port_uart_tx_pending(struct port *p)
{
	return arm_tx_queued(p);
}

uint64_t port_time_us(struct port *p)
{
	uint32_t cvr = SYST_CVR, rvr = SYST_RVR + 1u;

	return (uint64_t)p->ticks_done * 1000u + (uint64_t)(rvr - cvr) * 1000u / rvr;
}

/* ---- plant (a test fixture in the image) --------------------------------------- */
static void plant_step(struct port *p)
{
	int i, ab;

	if (p->role == ROVER_BOARD_PAYLOAD) {
		pay_plant_step(&p->head, p->pwm[PORT_PWM_HEATER0], 0.001);
		gantry_step(&p->gantry, &p->gantry_p, p->steps);
		for (i = 0; i < 4; i++)
			p->steps[i] = 0;
		return;
	}
	for (i = 0; i < 6; i++)
		p->sim.inp.effort_cmd[i] = p->pwm[PORT_PWM_WHEEL0 + i];
	for (i = 0; i < 4; i++)
		p->sim.inp.steer_target_mrad[i] = p->servo_mrad[i];
	p->sim.inp.ebox_heater_q15 = p->pwm[PORT_PWM_HEATER0];
	sim_step_ms(&p->sim);
	for (i = 0; i < 6; i++)
		while ((ab = enc_next_edge(&p->sim.enc[i])) >= 0)
			fw_encoder_edge(p->fw, (uint8_t)i, (uint8_t)ab);
}

/* ---- main loop --------------------------------------------------------------- */
/* QEMU's CMSDK UART hands a byte to the host the moment it is written; on a
 * line the receiver has it when its stop bit has left, 10 bit times after
 * its start.  So the port writes each byte at that time by the board clock:
 * a byte time after it started, which is when it was seen queued on an idle
 * line, or when the byte before it left.  Late (the main loop busy), it
 * starts the next byte then: never two bytes in less than a byte time. */
static void uart_drain(struct port *p)
{
	uint64_t now = line_time_us(p);

	if (p->tx_tail == p->tx_head) {
		p->tx_due_us = 0;
		return;
	}
	if (!p->tx_due_us)
		p->tx_due_us = now + BYTE_US;
	while (p->tx_tail != p->tx_head && now >= p->tx_due_us && !(UART_STATE & 1u)) {
		UART_DATA = p->tx[p->tx_tail];
		p->tx_tail = (uint16_t)((p->tx_tail + 1u) % TX_RING);
		p->tx_due_us = p->tx_tail == p->tx_head ? 0 : now + BYTE_US;
	}
}

int main(void)
{
	struct port *p = &arm_port;
	struct sim_params sp;

	p->fw = &arm_fw;
	p->role = FW_ARM_ROLE;
	if (p->role == ROVER_BOARD_MOBILITY) {
		memset(&sp, 0, sizeof sp);
		sim_params_default(&sp);
		sim_init(&p->sim, &sp, 1);
		sim_place(&p->sim, 0.0, 0.0, 0.0);
	} else {
		pay_plant_init(&p->head);
		gantry_default_params(&p->gantry_p);
		gantry_init(&p->gantry, &p->gantry_p);
	}
	fw_init(p->fw, p, p->role, ROVER_DICT_HASH32);
	UART_BAUDDIV = CORE_HZ / 115200u;
	UART_CTRL = 1u | 2u | 8u;                  /* TX, RX, RX interrupt */
	NVIC_ISER0 = 1u;                            /* IRQ 0: UART0 RX */
	SYST_RVR = CORE_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u;                              /* core clock, interrupt, enable */
	arm_main_loop(p, plant_step, uart_drain);   /* bytes waiting: spins on the meter */
	return 0;
}
