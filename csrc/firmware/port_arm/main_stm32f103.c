/*
 * STM32 port: the board firmware on a Nucleo-F103RB (STM32F103RB, Cortex-M3
 * at 64 MHz from the internal 8 MHz oscillator through the PLL), the link on
 * USART2 (PA2 TX, PA3 RX: the ST-LINK's virtual COM port, so the board is a
 * /dev/ttyACM* on the host).  docs/hil.md section 12.1.
 *
 * A link bring-up image: the link, dispatch, deadlines, heartbeat latch,
 * telemetry and the 1 kHz loops run on the real part; the rover's I/O is
 * not wired in this image.  Outputs are recorded and never leave the pins'
 * reset state (inputs, so the drivers' pull-downs hold the bridges and the
 * heater off); inputs read as a board with nothing attached: zero, and the
 * heater sensors read open (the heater guard then refuses to heat).  It
 * links and fits (`make -C csrc/firmware stm32`); QEMU has no model of
 * this part, so it is not run in the tests.
 *
 * Registers: ST RM0008 (STM32F10x reference manual): RCC 7.3, FLASH_ACR
 * 3.3.3, GPIO 9.2, USART 27.6; SysTick: ARMv7-M ARM B3.3.  Every fw_*()
 * call runs in the main loop; the interrupts only buffer, as on the AVR.
 */
#include <stdint.h>
#include "fw.h"
#define ROVER_DICT_NO_TABLES
#include "rover_dictionary.h"

#ifndef FW_ARM_ROLE
#error "build with -DFW_ARM_ROLE=ROVER_BOARD_MOBILITY or ROVER_BOARD_PAYLOAD"
#endif

#define HCLK_HZ 64000000u                   /* HSI / 2 x 16 */
#define PCLK1_HZ (HCLK_HZ / 2u)             /* APB1 at most 36 MHz */
#define BAUD 115200u

#define REG(a) (*(volatile uint32_t *)(a))
#define RCC_CR REG(0x40021000u)
#define RCC_CFGR REG(0x40021004u)
#define RCC_APB2ENR REG(0x40021018u)
#define RCC_APB1ENR REG(0x4002101Cu)
#define FLASH_ACR REG(0x40022000u)
#define GPIOA_CRL REG(0x40010800u)
#define USART2_SR REG(0x40004400u)
#define USART2_DR REG(0x40004404u)
#define USART2_BRR REG(0x40004408u)
#define USART2_CR1 REG(0x4000440Cu)
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER1 REG(0xE000E104u)

#define SR_RXNE (1u << 5)
#define SR_TXE (1u << 7)
#define SR_ORE (1u << 3)

#define RX_RING 256u
#define TX_RING 512u

struct port {
	struct fw *fw;
	uint8_t role;
	volatile uint8_t rx[RX_RING];
	volatile uint16_t rx_head, rx_tail;
	volatile uint16_t rx_overrun;
	uint8_t tx[TX_RING];
	uint16_t tx_head, tx_tail;
	volatile uint32_t ticks_due;
	uint32_t ticks_done;
	int16_t pwm[PORT_PWM_COUNT];        /* recorded; not on pins in this image */
	int16_t servo_mrad[4];
};

/* interrupt handlers take no arguments: the one instance they reach */
static struct port stm32_port;
static struct fw stm32_fw;

#include "arm_common.h"

static uint8_t arm_rx_due(struct port *p)
{
	(void)p;
	return 1;               /* the USART interrupts after the stop bit */
}

void stm32_systick(void)
{
	stm32_port.ticks_due++;
}

void stm32_usart2(void)
{
	struct port *p = &stm32_port;
	uint32_t sr = USART2_SR;

	if (sr & (SR_RXNE | SR_ORE)) {
		uint8_t b = (uint8_t)USART2_DR;     /* reading DR also clears ORE */

		if (sr & SR_ORE)
			p->rx_overrun++;
		if (!arm_rx_push(p, b))
			p->rx_overrun++;
	}
}

/* ---- port.h (the rest is arm_common.h) ---------------------------------------- */
int32_t port_adc_read(struct port *p, uint8_t ch)
{
	(void)p;
	/* nothing attached: an open heater sensor, zero elsewhere */
	return ch == PORT_ADC_HEATER0_DC ? -2000 : 0;
}

void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	uint8_t i;

	(void)p;
	for (i = 0; i < 3; i++) {
		accel_mg[i] = 0;
		gyro_mdps[i] = 0;
	}
}

void port_step_write(struct port *p, uint8_t axis, int32_t steps)
{
	(void)p;
	(void)axis;
	(void)steps;
}

uint8_t port_switch_read(struct port *p)
{
	(void)p;
	return 0;
}

uint16_t port_fault_flags(struct port *p)
{
	(void)p;
	return 0;
}

uint16_t port_uart_tx_pending(struct port *p)
{
	/* the ring and the byte the USART still holds */
	return (uint16_t)(arm_tx_queued(p) + !(USART2_SR & SR_TXE));
}

uint64_t port_time_us(struct port *p)
{
	uint32_t rvr = SYST_RVR + 1u, cvr = SYST_CVR;

	return (uint64_t)p->ticks_done * 1000u + (uint64_t)(rvr - cvr) * 1000u / rvr;
}

/* ---- clocks and peripherals ---------------------------------------------------- */
static void clock_init(void)
{
	uint32_t n;

	FLASH_ACR = (1u << 4) | 2u;                 /* prefetch, 2 wait states above 48 MHz */
	RCC_CFGR = (14u << 18) | (4u << 8);         /* PLL = HSI/2 x 16, APB1 = HCLK/2 */
	RCC_CR |= 1u << 24;                         /* PLLON */
	for (n = 0; n < 100000u && !(RCC_CR & (1u << 25)); n++)
		;
	RCC_CFGR = (RCC_CFGR & ~3u) | 2u;           /* SYSCLK = PLL */
	for (n = 0; n < 100000u && (RCC_CFGR & (3u << 2)) != (2u << 2); n++)
		;
}

static void usart2_init(void)
{
	RCC_APB2ENR |= (1u << 2) | 1u;              /* GPIOA, AFIO */
	RCC_APB1ENR |= 1u << 17;                    /* USART2 */
	/* PA2: AF push-pull 2 MHz (0xA); PA3: floating input (0x4) */
	GPIOA_CRL = (GPIOA_CRL & ~(0xFFu << 8)) | (0xAu << 8) | (0x4u << 12);
	USART2_BRR = (PCLK1_HZ + BAUD / 2u) / BAUD;  /* 278: 115 108 baud, -0.08 % */
	USART2_CR1 = (1u << 13) | (1u << 5) | (1u << 3) | (1u << 2);   /* UE RXNEIE TE RE */
	NVIC_ISER1 = 1u << (38u - 32u);             /* IRQ 38: USART2 */
}

/* ---- main loop --------------------------------------------------------------- */
static void uart_drain(struct port *p)
{
	/* the USART paces the line itself: one byte per TXE */
	while (p->tx_tail != p->tx_head && (USART2_SR & SR_TXE)) {
		USART2_DR = p->tx[p->tx_tail];
		p->tx_tail = (uint16_t)((p->tx_tail + 1u) % TX_RING);
	}
}

int main(void)
{
	struct port *p = &stm32_port;

	p->fw = &stm32_fw;
	p->role = FW_ARM_ROLE;
	clock_init();
	fw_init(p->fw, p, p->role, ROVER_DICT_HASH32);
	usart2_init();
	SYST_RVR = HCLK_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u;                              /* core clock, interrupt, enable */
	arm_main_loop(p, 0, uart_drain);            /* no plant in this image */
	return 0;
}
