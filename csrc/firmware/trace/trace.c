/*
 * Trace port (see trace.h): port.h implemented on recorded inputs.  Only
 * the byte I/O differs between targets.
 */
#include "trace.h"
#include "fw.h"
#define ROVER_DICT_NO_TABLES
#include "rover_dictionary.h"

struct port {
	struct fw *fw;
	int32_t adc[PORT_ADC_COUNT];
	int16_t accel[3];
	int32_t gyro[3];
	int16_t pwm[PORT_PWM_COUNT];
	int16_t servo[4];
	uint32_t ticks;
};

static void put16(int16_t v)
{
	trace_putc((uint8_t)((uint16_t)v & 0xFFu));
	trace_putc((uint8_t)((uint16_t)v >> 8));
}

static uint32_t get32(void)
{
	uint32_t v = 0;
	uint8_t i;

	for (i = 0; i < 4; i++)
		v |= (uint32_t)(uint8_t)trace_getc() << (8 * i);
	return v;
}

void port_pwm_write(struct port *p, uint8_t ch, int16_t q15)
{
	if (ch >= PORT_PWM_COUNT || p->pwm[ch] == q15)
		return;
	p->pwm[ch] = q15;
	trace_putc('P');
	trace_putc(ch);
	put16(q15);
}

void port_servo_write(struct port *p, uint8_t ch, int16_t mrad)
{
	if (ch >= 4 || p->servo[ch] == mrad)
		return;
	p->servo[ch] = mrad;
	trace_putc('S');
	trace_putc(ch);
	put16(mrad);
}

int32_t port_adc_read(struct port *p, uint8_t ch)
{
	return ch < PORT_ADC_COUNT ? p->adc[ch] : 0;
}

void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	uint8_t i;

	for (i = 0; i < 3; i++) {
		accel_mg[i] = p->accel[i];
		gyro_mdps[i] = p->gyro[i];
	}
}

/* Printer steps are outputs like the others: recorded ('T' axis steps32)
 * whenever a tick emits some.  The recorded inputs have no limit switches. */
void port_step_write(struct port *p, uint8_t axis, int32_t steps)
{
	uint8_t i;

	(void)p;
	if (steps == 0)
		return;
	trace_putc('T');
	trace_putc(axis);
	for (i = 0; i < 4; i++)
		trace_putc((uint8_t)(((uint32_t)steps >> (8 * i)) & 0xFFu));
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

uint16_t port_uart_tx_free(struct port *p)
{
	(void)p;
	return 1024;            /* bytes leave at once: the trace has no line */
}

uint16_t port_uart_tx_pending(struct port *p)
{
	(void)p;
	return 0;
}

void port_uart_write(struct port *p, const uint8_t *b, uint16_t n)
{
	uint16_t i;

	(void)p;
	for (i = 0; i < n; i++) {
		trace_putc('U');
		trace_putc(b[i]);
	}
}

uint64_t port_time_us(struct port *p)
{
	return (uint64_t)p->ticks * 1000u;
}

void trace_run(uint8_t role)
{
	struct fw fw;
	struct port port;
	uint8_t *z = (uint8_t *)&port, buf[64];
	uint16_t i;

	for (i = 0; i < sizeof port; i++)
		z[i] = 0;
	port.fw = &fw;
	fw_init(&fw, &port, role, ROVER_DICT_HASH32);
	for (;;) {
		int t = trace_getc();
		uint8_t n, ch;

		switch (t) {
		case 'T':
			fw_tick(&fw);
			port.ticks++;
			break;
		case 'R':
			n = (uint8_t)trace_getc();
			for (i = 0; i < n && i < sizeof buf; i++)
				buf[i] = (uint8_t)trace_getc();
			fw_rx(&fw, buf, (uint16_t)i);
			break;
		case 'E':
			ch = (uint8_t)trace_getc();
			fw_encoder_edge(&fw, ch, (uint8_t)trace_getc());
			break;
		case 'A':
			ch = (uint8_t)trace_getc();
			if (ch < PORT_ADC_COUNT)
				port.adc[ch] = (int32_t)get32();
			else
				(void)get32();
			break;
		case 'G':
			for (i = 0; i < 3; i++) {
				uint16_t lo = (uint8_t)trace_getc();

				port.accel[i] = (int16_t)(lo | ((uint16_t)(uint8_t)trace_getc() << 8));
			}
			for (i = 0; i < 3; i++)
				port.gyro[i] = (int32_t)get32();
			break;
		case 'Q':
			fw_shutdown(&fw);
			trace_putc('Z');
			return;
		default:
			break;      /* padding or noise: ignored */
		}
	}
}
