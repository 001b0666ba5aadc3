/*
 * Cortex-M3 start-up for the STM32F103 (Nucleo-F103RB): the vector table
 * (ARMv7-M ARM B1.5.3; the 43 STM32F10x medium-density interrupts, RM0008
 * table 63, USART2 is IRQ 38), the reset handler (copy .data, zero .bss,
 * main).  No C library, no heap.
 */
#include <stdint.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
int main(void);
void stm32_systick(void);
void stm32_usart2(void);

void stm32_reset(void)
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

/* A fault or an unexpected interrupt: stop here.  The independent watchdog
 * is not started by this image, so a debugger finds the board halted. */
static void stm32_fault(void)
{
	for (;;)
		;
}

#define STM32_IRQS 43
#define IRQ_USART2 38

__attribute__((section(".vectors"), used))
static void (*const vectors[16 + STM32_IRQS])(void) = {
	[0] = (void (*)(void))(&__stack_top),
	[1] = stm32_reset,
	[2] = stm32_fault, [3] = stm32_fault, [4] = stm32_fault, [5] = stm32_fault,
	[6] = stm32_fault, [11] = stm32_fault, [12] = stm32_fault, [14] = stm32_fault,
	[15] = stm32_systick,
	[16 + IRQ_USART2] = stm32_usart2,
};
