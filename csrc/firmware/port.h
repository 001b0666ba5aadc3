/*
 * The port layer: everything the portable firmware (fw.c, board_*.c) needs
 * from a board, and nothing else.  A port implements these functions for
 * its hardware; the portable code never touches a register, a file
 * descriptor or a clock directly.  Ports today: port_host/ (a Linux process
 * on a pty), csrc/sim/port_sim.c (in-process, linked into the simulator's
 * extension); AVR and ARM ports implement the same contract.
 *
 * PORT_API_VERSION changes only when a function here changes meaning or
 * signature; docs/firmware.md section 1.1 is the contract in prose.
 *
 * Conventions: every call takes the port handle the port gave to fw_init();
 * values are already in engineering units (the port owns the ADC scaling,
 * because only it knows the divider, the shunt and the reference).  None of
 * these functions may call back into fw_*().
 *
 * Entry points the other way (port -> firmware) are in fw.h: fw_rx() for
 * received UART bytes, fw_encoder_edge() for each encoder pin change,
 * fw_tick() once per 1 ms timer tick, fw_service() whenever the main loop
 * is idle, fw_shutdown() on exit.  All of them run in ONE context (the main
 * loop): an interrupt only buffers (UART RX ring, encoder edge ring, a
 * "tick due" count) and the main loop hands the buffered events over, in
 * order, before the tick they belong to.
 */
#ifndef ROVER_FW_PORT_H
#define ROVER_FW_PORT_H

#include <stdint.h>

#define PORT_API_VERSION 1

struct port;

/* PWM outputs, signed Q15 (-32767..32767); the sign selects the H-bridge
 * direction.  Heaters take 0..32767. */
enum port_pwm {
	PORT_PWM_WHEEL0 = 0,        /* ..5: drive motors FL FR ML MR RL RR */
	PORT_PWM_HEATER0 = 6,       /* mobility: e-box heater; payload: sintering head */
	PORT_PWM_COUNT = 7
};

/* Analogue inputs and smart sensors, in engineering units (int32). */
enum port_adc {
	PORT_ADC_MOTOR_MA0 = 0,     /* ..5: motor current, mA (signed) */
	PORT_ADC_STEER_MRAD0 = 6,   /* ..9: steering angle feedback, mrad */
	PORT_ADC_BATT_MV = 10,      /* battery terminal voltage */
	PORT_ADC_BATT_MA = 11,      /* battery current, positive = discharging */
	PORT_ADC_SOC_PERMILLE = 12, /* fuel gauge state of charge */
	PORT_ADC_ENERGY_J = 13,     /* fuel gauge energy delivered */
	PORT_ADC_SOLAR_DW = 14,     /* solar array power, 0.1 W */
	PORT_ADC_HEATER0_DC = 15,   /* heater zone 0 sensor, deci-C */
	PORT_ADC_HOPPER_PCT = 16,   /* hopper level, % */
	PORT_ADC_COUNT = 17
};

void port_pwm_write(struct port *p, uint8_t ch, int16_t q15);
/* Steering servo position command (0..3 -> wheels FL FR RL RR), mrad. */
void port_servo_write(struct port *p, uint8_t ch, int16_t mrad);
int32_t port_adc_read(struct port *p, uint8_t ch);
/* IMU sample: acceleration in mg and rates in mdeg/s, body axes x y z. */
void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3]);
/* Fault bits the port itself reports (ROVER_FAULT_*, e.g. OFF_MAP from the
 * host plant), ORed into the board fault flags. */
uint16_t port_fault_flags(struct port *p);

/* Stepper outputs (payload board): signed steps for axis 0..3 (X, Y, Z,
 * recoater) in the coming tick, with the step driver's pulse timing; a port
 * may space them evenly over the millisecond (a step timer) or emit them as
 * one burst after the tick (the AVR port).  Other boards ignore it. */
void port_step_write(struct port *p, uint8_t axis, int32_t steps);
/* Limit switches (payload board): bit i = the switch of axis i pressed. */
uint8_t port_switch_read(struct port *p);

/* UART transmit: a ring the port drains at the line rate. */
uint16_t port_uart_tx_free(struct port *p);     /* bytes of room */
uint16_t port_uart_tx_pending(struct port *p);  /* bytes not yet on the line */
/* Appends n bytes; the caller checks port_uart_tx_free() first. */
void port_uart_write(struct port *p, const uint8_t *b, uint16_t n);

/* Board clock: microseconds since power-up (the same timebase as the
 * 1 kHz tick).  Frequency reported in IDENTIFY. */
uint64_t port_time_us(struct port *p);
#define PORT_CLOCK_HZ 1000000UL

#endif
