/* Trace port on the Cortex-M3 (QEMU mps2-an385): CMSDK UART0 polled. */
#include <stdint.h>
#define ROVER_DICT_NO_TABLES
#include "trace.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define UART_DATA REG(0x40004000u)
#define UART_STATE REG(0x40004004u)
#define UART_CTRL REG(0x40004008u)
#define UART_BAUDDIV REG(0x40004010u)

int trace_getc(void)
{
	while (!(UART_STATE & 2u))
		;
	return (int)(UART_DATA & 0xFFu);
}

void trace_putc(uint8_t b)
{
	while (UART_STATE & 1u)
		;
	UART_DATA = b;
}

void arm_systick(void) {}
void arm_uart0_rx(void) {}

int main(void)
{
	UART_BAUDDIV = 25000000u / 115200u;
	UART_CTRL = 3u;
	for (;;)
		trace_run(FW_TRACE_ROLE);
}
