/*
 * Trace port (see trace.h): port.h implemented on recorded inputs.  Only
 * the byte I/O (trace_getc/trace_putc) differs between targets.
 */
#define ROVER_DICT_NO_TABLES
#include "trace.h"

struct port {
	struct trace_io io;
};

void port_pwm_write(struct port *p, uint8_t ch, int16_t q15)
{
	trace_pwm_write(&p->io, ch, q15);
}

void port_servo_write(struct port *p, uint8_t ch, int16_t mrad)
{
	trace_servo_write(&p->io, ch, mrad);
}

int32_t port_adc_read(struct port *p, uint8_t ch)
{
	return trace_adc_read(&p->io, ch);
}

void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	trace_imu_read(&p->io, accel_mg, gyro_mdps);
}

void port_step_write(struct port *p, uint8_t axis, int32_t steps)
{
	trace_step_write(&p->io, axis, steps);
}

uint8_t port_switch_read(struct port *p)
{
	return p->io.switches;
}

uint16_t port_fault_flags(struct port *p)
{
	return p->io.port_faults;
}

uint16_t port_uart_tx_free(struct port *p)
{
	(void)p;
	return TRACE_UART_FREE;
}

uint16_t port_uart_tx_pending(struct port *p)
{
	(void)p;
	return 0;
}

void port_uart_write(struct port *p, const uint8_t *b, uint16_t n)
{
	trace_uart_write(&p->io, b, n);
}

uint64_t port_time_us(struct port *p)
{
	return (uint64_t)p->io.ticks * 1000u;
}

static int io_get(void *ctx)
{
	(void)ctx;
	return trace_getc();
}

static void io_put(void *ctx, uint8_t b)
{
	(void)ctx;
	trace_putc(b);
}

void trace_run(uint8_t role)
{
	struct fw fw;
	struct port port;

	trace_io_init(&port.io, role, io_get, io_put, 0);
	trace_power_up(&port.io, &fw, &port, ROVER_DICT_HASH32);
	while (trace_record(&port.io, &fw, &port) == 0)
		;
}
