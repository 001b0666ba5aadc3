/*
 * Trace port: the portable firmware driven by a recorded trace instead of
 * pins, the same on every target, so the targets' outputs can be compared
 * byte for byte (tests/test_port_traces.py, docs/firmware.md section 9).
 *
 * Input records (host -> target), one byte of type then the arguments:
 *   'T'                      one 1 kHz tick: fw_tick()
 *   'R' n b0..b(n-1)         bytes received on the UART: fw_rx()
 *   'E' ch ab                an encoder pin change: fw_encoder_edge()
 *   'A' ch v(i32 LE)         the value port_adc_read(ch) returns from now on
 *   'G' ax ay az (i16 LE) gx gy gz (i32 LE)   the IMU sample
 *   'Q'                      end: fw_shutdown(), then 'Z'
 * Output records (target -> host):
 *   'U' b                    a byte the firmware wrote to the UART
 *   'P' ch v(i16 LE)         a PWM output changed
 *   'S' ch v(i16 LE)         a servo command changed
 *   'Z'                      the end
 * The board clock is the tick count (port_time_us = ticks x 1000).
 */
#ifndef ROVER_FW_TRACE_H
#define ROVER_FW_TRACE_H

#include <stdint.h>

/* The target supplies these two (blocking byte I/O on its UART or stdio). */
int trace_getc(void);
void trace_putc(uint8_t b);

/* Runs a whole trace for a board role; returns when 'Q' arrives. */
void trace_run(uint8_t role);

#endif
