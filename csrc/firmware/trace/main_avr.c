/* Trace port on the ATmega2560: USART0 polled, 115200 baud (U2X, UBRR 16). */
#include <avr/io.h>
#define ROVER_DICT_NO_TABLES
#include "trace.h"

int trace_getc(void)
{
	while (!(UCSR0A & _BV(RXC0)))
		;
	return UDR0;
}

void trace_putc(uint8_t b)
{
	while (!(UCSR0A & _BV(UDRE0)))
		;
	UDR0 = b;
}

int main(void)
{
	UCSR0A = _BV(U2X0);
	UBRR0 = 16;
	UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
	UCSR0B = _BV(RXEN0) | _BV(TXEN0);
	for (;;)
		trace_run(FW_TRACE_ROLE);
}
