/*
 * Cortex-M3 start-up for the ARM port: the vector table (ARMv7-M ARM, B1.5.3),
 * the reset handler (copy .data, zero .bss, main), and the newlib hooks a
 * freestanding image needs.  No operating system.
 */
#include <stdint.h>
#include <sys/types.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
extern uint8_t __heap_start, __heap_end;
int main(void);
void arm_systick(void);
void arm_uart0_rx(void);

void arm_reset(void)
{
	uint32_t *s = &__data_load, *d = &__data_start;

	while (d < &__data_end)
		*d++ = *s++;
	for (d = &__bss_start; d < &__bss_end; d++)
		*d = 0;
	main();
	for (;;)
		;
}

static void arm_fault(void)
{
	for (;;)
		;
}

/* 16 system exceptions, then the AN385 interrupts (UART0 RX is IRQ 0) */
__attribute__((section(".vectors"), used))
static void (*const vectors[16 + 32])(void) = {
	(void (*)(void))(&__stack_top), arm_reset, arm_fault, arm_fault, arm_fault, arm_fault,
	arm_fault, 0, 0, 0, 0, arm_fault, arm_fault, 0, arm_fault, arm_systick,
	arm_uart0_rx,
};

/* newlib: the plant's libm needs errno and, in theory, a heap */
void *_sbrk(ptrdiff_t n)
{
	static uint8_t *brk = &__heap_start;
	uint8_t *old = brk;

	if (brk + n > &__heap_end)
		return (void *)-1;
	brk += n;
	return old;
}
