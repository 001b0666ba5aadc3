/*
 * port.h for the simulator (see port_sim.h).
 */
#define ROVER_DICT_NO_TABLES
#include <math.h>
#include "rover_dictionary.h"
#include "port_sim.h"

void port_pwm_write(struct port *p, uint8_t ch, int16_t q15)
{
	if (p->rec) {
		trace_pwm_write(p->rec, ch, q15);
		return;
	}
	if (p->role == ROVER_BOARD_MOBILITY) {
		if (ch < PORT_PWM_WHEEL0 + 6)
			p->sim->inp.effort_cmd[ch - PORT_PWM_WHEEL0] = q15;
		else if (ch == PORT_PWM_HEATER0)
			p->sim->inp.ebox_heater_q15 = q15;
	} else if (ch == PORT_PWM_HEATER0) {
		p->head_q15 = q15;
	}
}

void port_servo_write(struct port *p, uint8_t ch, int16_t mrad)
{
	if (p->rec) {
		trace_servo_write(p->rec, ch, mrad);
		return;
	}
	if (p->role == ROVER_BOARD_MOBILITY && ch < 4)
		p->sim->inp.steer_target_mrad[ch] = mrad;
}

static int32_t rnd(double v)
{
	return (int32_t)floor(v + 0.5);
}

int32_t port_adc_read(struct port *p, uint8_t ch)
{
	if (p->rec)
		return trace_adc_read(p->rec, ch);
	if (ch == PORT_ADC_HEATER0_DC && p->sensor_fault == SIM_SENSOR_AMBIENT)
		return -232;        /* off the head, reading its 250 K mount */
	if (ch == PORT_ADC_HEATER0_DC && p->sensor_fault)
		return -2000;       /* open sensor */
	if (p->role == ROVER_BOARD_MOBILITY)
		return sim_adc(p->sim, ch);
	if (ch == PORT_ADC_HEATER0_DC)
		return rnd((p->head->temp_k - 273.15) * 10.0);
	if (ch == PORT_ADC_HOPPER_PCT)
		return p->hopper_pct;   /* sim_hw's hopper model (sim_board_set_hopper) */
	return 0;
}

void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	int i;

	if (p->rec) {
		trace_imu_read(p->rec, accel_mg, gyro_mdps);
		return;
	}
	for (i = 0; i < 3; i++) {
		accel_mg[i] = p->sim ? p->sim->imu.accel_mg[i] : 0;
		gyro_mdps[i] = p->sim ? p->sim->imu.gyro_mdps[i] : 0;
	}
}

void port_step_write(struct port *p, uint8_t axis, int32_t steps)
{
	if (p->rec) {
		trace_step_write(p->rec, axis, steps);
		return;
	}
	if (p->gantry && axis < 4)
		p->steps[axis] += steps;
}

uint8_t port_switch_read(struct port *p)
{
	if (p->rec)
		return p->rec->switches;
	return p->gantry ? gantry_switches(p->gantry) : 0;
}

uint16_t port_fault_flags(struct port *p)
{
	if (p->rec)
		return p->rec->port_faults;
	return (p->sim && p->sim->out.off_map) ? ROVER_FAULT_OFF_MAP : 0;
}

uint16_t port_uart_tx_free(struct port *p)
{
	if (p->rec)
		return TRACE_UART_FREE;
	if (p->line)
		return (uint16_t)(p->line_cap - p->line_len);
	return (uint16_t)(SIM_PORT_EVENT_BYTES - p->ev_len);
}

uint16_t port_uart_tx_pending(struct port *p)
{
	(void)p;
	return 0;       /* no line: nothing ever waits for it */
}

void port_uart_write(struct port *p, const uint8_t *b, uint16_t n)
{
	uint16_t i;

	if (p->rec) {
		trace_uart_write(p->rec, b, n);
		return;
	}
	if (p->line) {
		for (i = 0; i < n && p->line_len < p->line_cap; i++)
			p->line[p->line_len++] = b[i];
		return;
	}
	for (i = 0; i < n && p->ev_len < SIM_PORT_EVENT_BYTES; i++)
		p->ev[p->ev_len++] = b[i];
}

uint64_t port_time_us(struct port *p)
{
	if (p->rec)
		return (uint64_t)p->rec->ticks * 1000u;
	return (uint64_t)p->ticks * 1000u;
}
