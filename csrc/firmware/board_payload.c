/*
 * Payload board: the sintering head heater (core heater PID + runaway
 * guard, 0..1500 C) and the hopper level sensor.  The printer's steppers
 * join with the printer issue; the payload board has no commands of its own
 * yet (it takes the fw_core ones: BOARD_HEATER, BOARD_SAFE, ...).
 */
#define ROVER_DICT_NO_TABLES
#include "fw.h"
#include "board_config.h"

/* Sintering head: PID in deci-C -> Q15 duty (sim_hw/params.py PayloadParams
 * through the generated board_config.h; docs/firmware.md has the reasoning). */
const struct heater_cfg pay_heater_cfg = BOARD_PAY_HEATER_CFG;

void pay_init(struct fw *fw)
{
	heater_init(&fw->b.pay.heater);
	fw->b.pay.head_dc = fw_sat16(port_adc_read(fw->port, PORT_ADC_HEATER0_DC));
}

void pay_tick(struct fw *fw)
{
	struct pay_board *pb = &fw->b.pay;

	if (++pb->heater_acc_ms >= pay_heater_cfg.tick_ms) {
		pb->heater_acc_ms = 0;
		pb->head_dc = fw_sat16(port_adc_read(fw->port, PORT_ADC_HEATER0_DC));
		port_pwm_write(fw->port, PORT_PWM_HEATER0,
			       heater_step(&pb->heater, &pay_heater_cfg, pb->head_dc));
	}
}

void pay_safe(struct fw *fw)
{
	port_pwm_write(fw->port, PORT_PWM_HEATER0, 0);
}

void pay_shutdown(struct fw *fw)
{
	port_pwm_write(fw->port, PORT_PWM_HEATER0, 0);
}

uint16_t pay_faults(struct fw *fw)
{
	(void)fw;
	return 0;
}

uint8_t pay_pack(struct fw *fw, uint8_t id, uint8_t *b)
{
	struct pay_board *pb = &fw->b.pay;
	int32_t lvl;

	if (id != ROVER_PKT_PAY_STATUS_ID)
		return 0;
	b[0] = id;
	fw_put32(b, ROVER_PKT_PAY_STATUS_TIME_MS_OFFSET, fw->now_ms);
	fw_put16(b, ROVER_PKT_PAY_STATUS_HEAD_TEMP_OFFSET, (uint16_t)pb->head_dc);
	fw_put16(b, ROVER_PKT_PAY_STATUS_HEAD_TARGET_OFFSET, (uint16_t)pb->heater.target_dc);
	b[ROVER_PKT_PAY_STATUS_HEATER_DUTY_OFFSET] =
		(uint8_t)(pb->heater.duty > 0 ? fw_q15_pct(pb->heater.duty) : 0);
	b[ROVER_PKT_PAY_STATUS_HEATER_FAULT_OFFSET] = pb->heater.fault;
	lvl = port_adc_read(fw->port, PORT_ADC_HOPPER_PCT);
	b[ROVER_PKT_PAY_STATUS_HOPPER_LEVEL_OFFSET] = (uint8_t)(lvl < 0 ? 0 : (lvl > 100 ? 100 : lvl));
	fw_put16(b, ROVER_PKT_PAY_STATUS_FAULT_FLAGS_OFFSET, fw_fault_flags(fw));
	return ROVER_PKT_PAY_STATUS_SIZE;
}
