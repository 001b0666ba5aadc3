/*
 * Trace port: the portable firmware driven by a recorded trace instead of
 * pins, the same on every target, so the targets' outputs can be compared
 * byte for byte with each other and with the golden vectors stored in the
 * repository (docs/golden_vectors.md, docs/firmware.md section 9).
 *
 * Input records (host -> target), one byte of type then the arguments
 * (integers little-endian):
 *   'T'                      one 1 kHz tick: fw_tick()
 *   'N' n(u16)               n ticks in a row (n x 'T')
 *   'R' n b0..b(n-1)         bytes received on the UART (n <= 64): fw_rx()
 *   'E' ch ab                an encoder pin change: fw_encoder_edge()
 *   'A' ch v(i32)            the value port_adc_read(ch) returns from now on
 *   'G' ax ay az (i16) gx gy gz (i32)   the IMU sample
 *   'W' m                    limit switches from now on (bit i = axis i pressed)
 *   'F' f(u16)               fault bits the port itself reports from now on
 *   'I' hash(u32)            power-up again: fw_init() with this dictionary
 *                            hash, board clock back to 0 (a vector starts
 *                            with one, so its bytes do not depend on the
 *                            dictionary's hash, only on what the firmware does)
 *   'D'                      direct mode (no line): fw_set_direct()
 *   'C' seq n b0..b(n-1)     a CMD payload through fw_execute() (n <= 64)
 *   'K' id                   fw_pack() of telemetry packet id
 *   'H'                      a host heartbeat: fw_host_heartbeat()
 *   'Q'                      end: fw_shutdown(), then 'Z'
 *   anything else            ignored (padding: bytes sent before a target's
 *                            UART is enabled are lost, as on a real MCU)
 * Output records (target -> host):
 *   'U' b                    a byte the firmware wrote to the UART
 *   'P' ch v(i16)            a PWM output changed
 *   'S' ch v(i16)            a servo command changed
 *   'T' axis steps(i32)      steps emitted on a printer axis this tick (non-zero)
 *   'C' result[9]            the CMD_RESULT payload of a 'C' input
 *   'K' n b0..b(n-1)         the packed telemetry of a 'K' input (n = 0: none)
 *   'Z'                      the end
 * The board clock is the tick count (port_time_us = ticks x 1000).
 *
 * The interpreter (trace_play.c) is shared by every player: the trace port
 * (trace.c, on the host, the ATmega2560 and the Cortex-M3) and the
 * simulator port's recorded mode (csrc/sim/port_sim.c, in the extension).
 */
#ifndef ROVER_FW_TRACE_H
#define ROVER_FW_TRACE_H

#include <stdint.h>
#include "fw.h"

/* Room the trace port reports in its UART ring: bytes leave at once (the
 * trace has no line), every player reports the same. */
#define TRACE_UART_FREE 1024u

struct trace_io {
	/* recorded inputs, as the port reads them */
	int32_t adc[PORT_ADC_COUNT];
	int16_t accel_mg[3];
	int32_t gyro_mdps[3];
	uint8_t switches;
	uint16_t port_faults;
	/* outputs as last recorded (PWM and servos are written on change) */
	int16_t pwm[PORT_PWM_COUNT];
	int16_t servo[4];
	uint32_t ticks;
	uint8_t role;
	/* the player's byte I/O: get() returns -1 when the input has run out */
	int (*get)(void *ctx);
	void (*put)(void *ctx, uint8_t b);
	void *ctx;
};

void trace_io_init(struct trace_io *t, uint8_t role, int (*get)(void *), void (*put)(void *, uint8_t),
		   void *ctx);

/* The port functions of a player call these (port.h semantics). */
void trace_pwm_write(struct trace_io *t, uint8_t ch, int16_t q15);
void trace_servo_write(struct trace_io *t, uint8_t ch, int16_t mrad);
int32_t trace_adc_read(const struct trace_io *t, uint8_t ch);
void trace_imu_read(const struct trace_io *t, int16_t accel_mg[3], int32_t gyro_mdps[3]);
void trace_step_write(struct trace_io *t, uint8_t axis, int32_t steps);
void trace_uart_write(struct trace_io *t, const uint8_t *b, uint16_t n);

/* Power-up: fw_init(fw, port, t->role, hash) with the clock at 0. */
int trace_power_up(struct trace_io *t, struct fw *fw, struct port *port, uint32_t hash);

/* Reads and executes one record.  Returns 0, 1 after 'Q' (the board is shut
 * down and 'Z' written), or -1 if the input ran out inside a record or
 * before one. */
int trace_record(struct trace_io *t, struct fw *fw, struct port *port);

/* --- the trace port (trace.c) ------------------------------------------------ */
/* The target supplies these two (blocking byte I/O on its UART or stdio). */
int trace_getc(void);
void trace_putc(uint8_t b);

/* Runs a whole trace for a board role; returns when 'Q' arrives. */
void trace_run(uint8_t role);

#endif
