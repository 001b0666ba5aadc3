/* Trace port on the host: stdin/stdout.  rover-fw-trace mobility|payload */
#include <stdio.h>
#include <string.h>
#define ROVER_DICT_NO_TABLES
#include "trace.h"

int trace_getc(void)
{
	int c = getchar();

	return c == EOF ? 'Q' : c;
}

void trace_putc(uint8_t b)
{
	putchar(b);
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "mobility") && strcmp(argv[1], "payload"))) {
		fprintf(stderr, "usage: rover-fw-trace mobility|payload < trace > outputs\n");
		return 2;
	}
	trace_run(!strcmp(argv[1], "mobility") ? ROVER_BOARD_MOBILITY : ROVER_BOARD_PAYLOAD);
	fflush(stdout);
	return 0;
}
