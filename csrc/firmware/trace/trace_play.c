/*
 * The trace interpreter and the output records (format in trace.h), shared
 * by every player so that the bytes can only differ where the firmware's
 * computation differs.
 */
#define ROVER_DICT_NO_TABLES
#include "trace.h"

void trace_io_init(struct trace_io *t, uint8_t role, int (*get)(void *), void (*put)(void *, uint8_t),
		   void *ctx)
{
	uint8_t *z = (uint8_t *)t;
	uint16_t i;

	for (i = 0; i < sizeof *t; i++)
		z[i] = 0;
	t->role = role;
	t->get = get;
	t->put = put;
	t->ctx = ctx;
}

static void put16(struct trace_io *t, int16_t v)
{
	t->put(t->ctx, (uint8_t)((uint16_t)v & 0xFFu));
	t->put(t->ctx, (uint8_t)((uint16_t)v >> 8));
}

static void put32(struct trace_io *t, int32_t v)
{
	uint8_t i;

	for (i = 0; i < 4; i++)
		t->put(t->ctx, (uint8_t)(((uint32_t)v >> (8 * i)) & 0xFFu));
}

void trace_pwm_write(struct trace_io *t, uint8_t ch, int16_t q15)
{
	if (ch >= PORT_PWM_COUNT || t->pwm[ch] == q15)
		return;
	t->pwm[ch] = q15;
	t->put(t->ctx, 'P');
	t->put(t->ctx, ch);
	put16(t, q15);
}

void trace_servo_write(struct trace_io *t, uint8_t ch, int16_t mrad)
{
	if (ch >= 4 || t->servo[ch] == mrad)
		return;
	t->servo[ch] = mrad;
	t->put(t->ctx, 'S');
	t->put(t->ctx, ch);
	put16(t, mrad);
}

int32_t trace_adc_read(const struct trace_io *t, uint8_t ch)
{
	return ch < PORT_ADC_COUNT ? t->adc[ch] : 0;
}

void trace_imu_read(const struct trace_io *t, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	uint8_t i;

	for (i = 0; i < 3; i++) {
		accel_mg[i] = t->accel_mg[i];
		gyro_mdps[i] = t->gyro_mdps[i];
	}
}

void trace_step_write(struct trace_io *t, uint8_t axis, int32_t steps)
{
	if (steps == 0)
		return;
	t->put(t->ctx, 'T');
	t->put(t->ctx, axis);
	put32(t, steps);
}

void trace_uart_write(struct trace_io *t, const uint8_t *b, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		t->put(t->ctx, 'U');
		t->put(t->ctx, b[i]);
	}
}

int trace_power_up(struct trace_io *t, struct fw *fw, struct port *port, uint32_t hash)
{
	t->ticks = 0;
	return fw_init(fw, port, t->role, hash);
}

/* Input bytes: -1 once the input has run out (sticky through a record). */
static int get8(struct trace_io *t, int *eof)
{
	int c = t->get(t->ctx);

	if (c < 0) {
		*eof = 1;
		return 0;
	}
	return c & 0xFF;
}

static uint32_t get32(struct trace_io *t, int *eof)
{
	uint32_t v = 0;
	uint8_t i;

	for (i = 0; i < 4; i++)
		v |= (uint32_t)get8(t, eof) << (8 * i);
	return v;
}

/* A length-prefixed block of at most 64 bytes (the rest is read and dropped). */
static uint8_t get_block(struct trace_io *t, uint8_t *buf, int *eof)
{
	uint8_t n = (uint8_t)get8(t, eof), i;

	for (i = 0; i < n; i++) {
		uint8_t b = (uint8_t)get8(t, eof);

		if (i < LINK_MAX_PAYLOAD)
			buf[i] = b;
	}
	return n < LINK_MAX_PAYLOAD ? n : LINK_MAX_PAYLOAD;
}

int trace_record(struct trace_io *t, struct fw *fw, struct port *port)
{
	uint8_t buf[LINK_MAX_PAYLOAD], result[FW_RESULT_SIZE], n, ch, i;
	int eof = 0, c = t->get(t->ctx);

	if (c < 0)
		return -1;
	switch (c) {
	case 'T':
		t->ticks++;
		fw_tick(fw);
		break;
	case 'N': {
		uint16_t k = (uint16_t)get8(t, &eof);

		k = (uint16_t)(k | ((uint16_t)get8(t, &eof) << 8));
		for (; !eof && k > 0; k--) {
			t->ticks++;
			fw_tick(fw);
		}
		break;
	}
	case 'R':
		n = get_block(t, buf, &eof);
		if (!eof)
			fw_rx(fw, buf, n);
		break;
	case 'E':
		ch = (uint8_t)get8(t, &eof);
		n = (uint8_t)get8(t, &eof);
		if (!eof)
			fw_encoder_edge(fw, ch, n);
		break;
	case 'A': {
		uint32_t v;

		ch = (uint8_t)get8(t, &eof);
		v = get32(t, &eof);
		if (!eof && ch < PORT_ADC_COUNT)
			t->adc[ch] = (int32_t)v;
		break;
	}
	case 'G':
		for (i = 0; i < 3; i++) {
			uint16_t lo = (uint16_t)get8(t, &eof);

			t->accel_mg[i] = (int16_t)(lo | ((uint16_t)get8(t, &eof) << 8));
		}
		for (i = 0; i < 3; i++)
			t->gyro_mdps[i] = (int32_t)get32(t, &eof);
		break;
	case 'W':
		t->switches = (uint8_t)get8(t, &eof);
		break;
	case 'F': {
		uint16_t lo = (uint16_t)get8(t, &eof);

		t->port_faults = (uint16_t)(lo | ((uint16_t)get8(t, &eof) << 8));
		break;
	}
	case 'I': {
		uint32_t hash = get32(t, &eof);

		if (!eof)
			trace_power_up(t, fw, port, hash);
		break;
	}
	case 'D':
		fw_set_direct(fw);
		break;
	case 'C': {
		uint8_t seq = (uint8_t)get8(t, &eof);

		n = get_block(t, buf, &eof);
		if (eof)
			break;
		fw_execute(fw, seq, buf, n, result);
		t->put(t->ctx, 'C');
		for (i = 0; i < FW_RESULT_SIZE; i++)
			t->put(t->ctx, result[i]);
		break;
	}
	case 'K':
		ch = (uint8_t)get8(t, &eof);
		if (eof)
			break;
		n = fw_pack(fw, ch, buf);
		t->put(t->ctx, 'K');
		t->put(t->ctx, n);
		for (i = 0; i < n; i++)
			t->put(t->ctx, buf[i]);
		break;
	case 'H':
		fw_host_heartbeat(fw);
		break;
	case 'Q':
		fw_shutdown(fw);
		t->put(t->ctx, 'Z');
		return 1;
	default:
		break;      /* padding or noise: ignored */
	}
	return eof ? -1 : 0;
}
