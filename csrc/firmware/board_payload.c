/*
 * Payload board: the sintering head heater (core heater PID + runaway
 * guard, 0..1500 C), the hopper level sensor, and the printer's motion:
 * trapezoidal moves from a 4-deep queue and homing (csrc/core motion.c,
 * homing.c) on four stepper axes (commands PRN_HOME, PRN_MOVE, PRN_STOP;
 * packet PAY_PRINTER), besides the fw_core commands (BOARD_HEATER, ...).
 */
#define ROVER_DICT_NO_TABLES
#include "fw.h"
#include "board_config.h"

/* Sintering head: PID in deci-C -> Q15 duty (sim_hw/params.py PayloadParams
 * through the generated board_config.h; docs/firmware.md has the reasoning). */
const struct heater_cfg pay_heater_cfg = BOARD_PAY_HEATER_CFG;

/* --- printer motion (docs/printer.md sections 1 and 7) -------------------- */
/* Axes X, Y (80 steps/mm: 1.8 deg motor, 1/16 microsteps, GT2 belt on a
 * 20-tooth pulley), Z (400 steps/mm: 8 mm lead screw), recoater (80).
 * Rates: X, Y, recoater up to 4 steps/ms (50 mm/s), Z 2 steps/ms (5 mm/s);
 * accelerations 500 mm/s^2 (Z 50 mm/s^2).  Soft limits: the 200 x 200 mm
 * plate, 100 mm of Z, 230 mm of recoater travel. */
const struct motion_cfg pay_motion_cfg = {
	{262144L, 262144L, 131072L, 262144L},
	{2621L, 2621L, 1311L, 2621L},
	{0L, 0L, 0L, 0L},
	{16000L, 16000L, 40000L, 18400L},
};

/* Homing toward the switch at position 0 of each axis: seek 20 mm/s (Z
 * 2 mm/s), approach 0.25 steps/ms, back off 2 mm, give up after 250 mm. */
const struct home_cfg pay_home_cfg[MOTION_AXES] = {
	{-1, 104858L, 16384L, 160L, 20000L, 0L},
	{-1, 104858L, 16384L, 160L, 20000L, 0L},
	{-1, 52429L, 16384L, 800L, 45000L, 0L},
	{-1, 104858L, 16384L, 160L, 20000L, 0L},
};

static void prn_stop(struct pay_board *pb)
{
	uint8_t i;

	motion_stop(&pb->motion);
	pb->q_len = 0;
	pb->sinter = 0;
	for (i = 0; i < MOTION_AXES; i++)
		if (pb->homing_mask & (1u << i))
			homing_init(&pb->home[i]);
	pb->homing_mask = 0;
}

static void prn_tick(struct fw *fw)
{
	struct pay_board *pb = &fw->b.pay;
	int32_t steps[MOTION_AXES];
	uint8_t i, was_active;

	pb->switches = port_switch_read(fw->port);
	if (pb->homing_mask) {
		for (i = 0; i < MOTION_AXES; i++) {
			int32_t n;

			if (!(pb->homing_mask & (1u << i)))
				continue;
			n = homing_tick(&pb->home[i], &pay_home_cfg[i], (uint8_t)((pb->switches >> i) & 1u));
			pb->motion.pos[i] += n;
			pb->motion.target[i] = pb->motion.pos[i];
			port_step_write(fw->port, i, n);
			if (pb->home[i].state == HOME_DONE) {
				motion_set_position(&pb->motion, i, pay_home_cfg[i].home_pos);
				pb->homed_mask |= (uint8_t)(1u << i);
				pb->homing_mask &= (uint8_t)~(1u << i);
			} else if (pb->home[i].state == HOME_FAILED) {
				pb->homing_mask &= (uint8_t)~(1u << i);
			}
		}
		return;
	}
	if (!pb->motion.active && pb->q_len) {
		struct pay_move *m = &pb->queue[pb->q_head];

		pb->q_head = (uint8_t)((pb->q_head + 1u) % PAY_MOVE_QUEUE);
		pb->q_len--;
		pb->sinter = m->sinter;
		if (motion_start(&pb->motion, &pay_motion_cfg, m->target, m->rate_q16) != MOTION_OK ||
		    !pb->motion.active)
			pb->moves_done++;       /* nothing to do (already there) */
	}
	was_active = pb->motion.active;
	motion_tick(&pb->motion, steps);
	for (i = 0; i < MOTION_AXES; i++)
		if (steps[i])
			port_step_write(fw->port, i, steps[i]);
	if (was_active && !pb->motion.active) {
		pb->moves_done++;
		pb->sinter = 0;
	}
}

FW_COMMAND(PRN_HOME, cmd_prn_home)
{
	struct pay_board *pb = &fw->b.pay;
	uint8_t axes = args[ROVER_PRN_HOME_AXES_OFFSET];
	uint8_t i;

	(void)detail;
	if ((fw->latched & ROVER_FAULT_HEARTBEAT_LOST) || pb->motion.active || pb->q_len ||
	    pb->homing_mask)
		return ROVER_CMD_NOT_ALLOWED;
	for (i = 0; i < MOTION_AXES; i++)
		if (axes & (1u << i)) {
			homing_start(&pb->home[i], &pay_home_cfg[i]);
			pb->homed_mask &= (uint8_t)~(1u << i);
		}
	pb->homing_mask = axes;
	return ROVER_CMD_OK;
}

FW_COMMAND(PRN_MOVE, cmd_prn_move)
{
	struct pay_board *pb = &fw->b.pay;
	struct pay_move *m;
	uint8_t i;

	if ((fw->latched & ROVER_FAULT_HEARTBEAT_LOST) || pb->homing_mask ||
	    pb->homed_mask != (1u << MOTION_AXES) - 1u || pb->q_len >= PAY_MOVE_QUEUE)
		return ROVER_CMD_NOT_ALLOWED;
	m = &pb->queue[(pb->q_head + pb->q_len) % PAY_MOVE_QUEUE];
	for (i = 0; i < MOTION_AXES; i++) {
		int32_t t = (int32_t)fw_get32(args, (uint8_t)(ROVER_PRN_MOVE_X_OFFSET + 4 * i));

		if (t < pay_motion_cfg.pos_min[i] || t > pay_motion_cfg.pos_max[i]) {
			*detail = i;
			return ROVER_CMD_ARG_RANGE;
		}
		m->target[i] = t;
	}
	m->rate_q16 = (int32_t)fw_get32(args, ROVER_PRN_MOVE_RATE_OFFSET);
	m->sinter = args[ROVER_PRN_MOVE_SINTER_OFFSET];
	pb->q_len++;
	return ROVER_CMD_OK;
}

FW_COMMAND(PRN_STOP, cmd_prn_stop)
{
	(void)args;
	(void)detail;
	prn_stop(&fw->b.pay);
	return ROVER_CMD_OK;
}

static uint8_t pack_printer(struct fw *fw, uint8_t *b)
{
	struct pay_board *pb = &fw->b.pay;
	uint8_t i;

	b[0] = ROVER_PKT_PAY_PRINTER_ID;
	fw_put32(b, ROVER_PKT_PAY_PRINTER_TIME_MS_OFFSET, fw->now_ms);
	for (i = 0; i < MOTION_AXES; i++) {
		fw_put32(b, (uint8_t)(ROVER_PKT_PAY_PRINTER_POS_OFFSET + 4 * i), (uint32_t)pb->motion.pos[i]);
		b[ROVER_PKT_PAY_PRINTER_HOME_STATE_OFFSET + i] = pb->home[i].state;
	}
	b[ROVER_PKT_PAY_PRINTER_MOVING_OFFSET] = pb->motion.active;
	b[ROVER_PKT_PAY_PRINTER_QUEUED_OFFSET] = pb->q_len;
	b[ROVER_PKT_PAY_PRINTER_HOMED_OFFSET] = pb->homed_mask;
	b[ROVER_PKT_PAY_PRINTER_SWITCHES_OFFSET] = pb->switches;
	fw_put32(b, ROVER_PKT_PAY_PRINTER_MOVES_DONE_OFFSET, pb->moves_done);
	return ROVER_PKT_PAY_PRINTER_SIZE;
}

void pay_init(struct fw *fw)
{
	uint8_t i;

	heater_init(&fw->b.pay.heater);
	motion_init(&fw->b.pay.motion);
	for (i = 0; i < MOTION_AXES; i++)
		homing_init(&fw->b.pay.home[i]);
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
	prn_tick(fw);
}

void pay_safe(struct fw *fw)
{
	prn_stop(&fw->b.pay);
	port_pwm_write(fw->port, PORT_PWM_HEATER0, 0);
}

void pay_shutdown(struct fw *fw)
{
	prn_stop(&fw->b.pay);
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

	if (id == ROVER_PKT_PAY_PRINTER_ID)
		return pack_printer(fw, b);
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
