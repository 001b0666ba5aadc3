/*
 * Mobility board: six wheel velocity loops on quadrature encoders, four
 * steering servos, IMU tilt filter, odometry, e-box heater, power sensing.
 * Loop gains, geometry and limits come from the generated board_config.h
 * (sim_hw/params.py, tuned on the simulated plant; docs/plant.md).
 */
#define ROVER_DICT_NO_TABLES
#include "fw.h"
#include "board_config.h"
#include "core/wheel_loop_step.h"
#include "core/quad_step.h"

#define MOB_PERIOD_MS BOARD_MOB_PERIOD_MS   /* IMU, steering feedback, tilt */
#define MOB_ODOM_PERIOD_MS BOARD_ODOM_PERIOD_MS
#define MOB_ODOM_DELTA_MAX 400              /* counts per period; keeps int32 math */
/*
 * The decimated work runs on staggered ticks so that no tick carries two of
 * them (the worst tick stays one job over the wheel loops): the IMU and
 * tilt on multiples of MOB_PERIOD_MS, odometry MOB_ODOM_PHASE_MS earlier,
 * the heater MOB_HEATER_PHASE_MS earlier (docs/fixed_point.md).
 */
#define MOB_ODOM_PHASE_MS 5
#define MOB_HEATER_PHASE_MS 3

static const struct wheel_loop_cfg mob_wheel_cfg = BOARD_WHEEL_CFG;

/* e-box heater: 0..60 C targets, guard at -100 C (open sensor) and 70 C */
const struct heater_cfg mob_heater_cfg = BOARD_MOB_HEATER_CFG;

static const struct tilt_cfg mob_tilt_cfg = { BOARD_TILT_ALPHA_Q15 };

static const struct odom_geom mob_geom = { BOARD_WHEEL_X_MM, BOARD_WHEEL_Y_MM };

static void odom_reset_counts(struct mob_board *m)
{
	uint8_t i;

	for (i = 0; i < 6; i++) {
		m->odom_prev[i] = m->wh[i].qd.count;
		m->odom_rem_q16[i] = 0;
	}
}

void mob_init(struct fw *fw)
{
	struct mob_board *m = &fw->b.mob;
	uint8_t i;

	for (i = 0; i < 6; i++) {
		wheel_loop_init(&m->wh[i].wl);
		quad_init(&m->wh[i].qd, 0);
		speed_est_init(&m->wh[i].se, BOARD_MRAD_PER_COUNT_Q16, BOARD_SPEED_WINDOW_MS, 0);
	}
	/* one rate for all six: one table of speeds by count difference */
	speed_table_init(&m->speed_tab, &m->wh[0].se);
	for (i = 0; i < 6; i++)
		speed_est_use_table(&m->wh[i].se, &m->speed_tab);
	for (i = 0; i < 4; i++) {
		m->steer_cmd_mrad[i] = (int16_t)port_adc_read(fw->port, (uint8_t)(PORT_ADC_STEER_MRAD0 + i));
		m->steer_meas_mrad[i] = m->steer_cmd_mrad[i];
	}
	odom_init(&m->odom, 0, 0, 0);
	odom_reset_counts(m);
	tilt_init(&m->tilt);
	heater_init(&m->heater);
	m->odom_acc_ms = MOB_ODOM_PHASE_MS;
	m->heater_acc_ms = MOB_HEATER_PHASE_MS;
}

void fw_encoder_edge(struct fw *fw, uint8_t ch, uint8_t ab)
{
	if (fw->role == ROVER_BOARD_MOBILITY && ch < 6)
		quad_update(&fw->b.mob.wh[ch].qd, ab);
}

void fw_encoder_steps(struct fw *fw, const int8_t steps[6], const uint8_t illegal[6])
{
	struct mob_wheel *wh = fw->b.mob.wh;
	uint8_t i;

	if (fw->role != ROVER_BOARD_MOBILITY)
		return;
	for (i = 0; i < 6; i++, wh++)
		/* modulo 2^32, as quad_update() counts */
		wh->qd.count = (int32_t)((uint32_t)wh->qd.count + (uint32_t)(int32_t)steps[i]);
	if (!illegal)
		return;
	for (i = 0; i < 6; i++)
		fw->b.mob.wh[i].qd.illegal += illegal[i];
}

/* Rim travel since the last update from the count differences (carrying
 * the Q16 remainder), then the pose update.  Out of line: mob_tick_rest runs
 * every tick and would otherwise save this function's registers each time
 * (docs/fixed_point.md).  |delta| <= 400 so |num| < 2^31; the floor
 * division by 2^16 is fx_asr and the remainder num - d 2^16 (0..65535) the
 * low half of num. */
static FX_NOINLINE void odometry(struct mob_board *m)
{
	int32_t d_um[6];
	uint8_t i;

	for (i = 0; i < 6; i++) {
		int32_t c = m->wh[i].qd.count;
		int32_t delta = (int32_t)((uint32_t)c - (uint32_t)m->odom_prev[i]);
		int32_t num;

		if (delta > MOB_ODOM_DELTA_MAX)
			delta = MOB_ODOM_DELTA_MAX;
		else if (delta < -MOB_ODOM_DELTA_MAX)
			delta = -MOB_ODOM_DELTA_MAX;
		num = delta * BOARD_UM_PER_COUNT_Q16 + m->odom_rem_q16[i];
		d_um[i] = fx_asr(num, 16);
		m->odom_rem_q16[i] = (int32_t)((uint32_t)num & 0xFFFFu);
		m->odom_prev[i] = c;
	}
	odom_update(&m->odom, &mob_geom, d_um, m->steer_meas_mrad);
}

/* The general step (a ramp moving, a large error, a stall): out of line,
 * so the six wheels' loop below keeps only the common step's registers. */
static FX_NOINLINE int16_t mob_wheel_general(struct wheel_loop *w, int32_t meas_mradps)
{
	return wheel_loop_step_full_inline(w, &mob_wheel_cfg, meas_mradps);
}

/* The six wheels' 1 ms step: speed estimate, the velocity loop with the
 * board's constant gains, the PWM.  One loop over pointers, out of line:
 * its registers are its own and saved once a tick (an 8-bit MCU spills
 * when six inlined copies share a frame with the rest of the tick). */
static FX_NOINLINE void mob_wheels(struct fw *fw, struct mob_board *m)
{
	struct mob_wheel *wh = m->wh;
	uint8_t ch;

	/* the estimate stays in se.speed_mradps (telemetry reads it there) */
	for (ch = PORT_PWM_WHEEL0; ch < PORT_PWM_WHEEL0 + 6; ch++, wh++) {
		int32_t meas = speed_est_update_inline(&wh->se, wh->qd.count);
		int16_t eff;

		if (!(wheel_cfg_common(&mob_wheel_cfg) &&
		      wheel_step_common(&wh->wl, &mob_wheel_cfg, meas, &eff)))
			eff = mob_wheel_general(&wh->wl, meas);
		port_pwm_write(fw->port, ch, eff);
	}
}

/* The control part of the tick: the six wheel loops. */
void mob_tick(struct fw *fw)
{
	mob_wheels(fw, &fw->b.mob);
}

/* The rest of the tick: the decimated jobs, on staggered ticks. */
void mob_tick_rest(struct fw *fw)
{
	struct mob_board *m = &fw->b.mob;
	uint8_t i;

	if (++m->period_acc_ms >= MOB_PERIOD_MS) {
		m->period_acc_ms = 0;
		for (i = 0; i < 4; i++)
			m->steer_meas_mrad[i] = fw_sat16(port_adc_read(fw->port,
							(uint8_t)(PORT_ADC_STEER_MRAD0 + i)));
		port_imu_read(fw->port, m->accel_mg, m->gyro_mdps);
		tilt_update(&m->tilt, &mob_tilt_cfg, m->accel_mg, m->gyro_mdps, MOB_PERIOD_MS);
	}
	if (++m->odom_acc_ms >= MOB_ODOM_PERIOD_MS) {
		m->odom_acc_ms = 0;
		odometry(m);
	}
	if (++m->heater_acc_ms >= mob_heater_cfg.tick_ms) {
		int16_t t = fw_sat16(port_adc_read(fw->port, PORT_ADC_HEATER0_DC));

		m->heater_acc_ms = 0;
		port_pwm_write(fw->port, PORT_PWM_HEATER0, heater_step(&m->heater, &mob_heater_cfg, t));
	}
}

static void stop_wheels(struct mob_board *m, uint8_t hard)
{
	uint8_t i;

	for (i = 0; i < 6; i++) {
		wheel_loop_set_target(&m->wh[i].wl, 0);
		if (hard) {
			/* stop now (active braking), keep a latched stall visible */
			m->wh[i].wl.ramp_q8 = 0;
			m->wh[i].wl.integ_q8 = 0;
		}
	}
	m->drive_active = 0;
}

void mob_safe(struct fw *fw)
{
	/* wheels stop, steering holds where it is, heater off (fw.c) */
	stop_wheels(&fw->b.mob, 1);
	port_pwm_write(fw->port, PORT_PWM_HEATER0, 0);
}

void mob_drive_expired(struct fw *fw)
{
	/* a stale drive command: ramp the wheels down, steering holds */
	stop_wheels(&fw->b.mob, 0);
}

void mob_shutdown(struct fw *fw)
{
	uint8_t i;

	for (i = 0; i < PORT_PWM_COUNT; i++)
		port_pwm_write(fw->port, i, 0);
}

FW_COMMAND(MOB_DRIVE, cmd_mob_drive)
{
	struct mob_board *m = &fw->b.mob;
	uint8_t i, any = 0;

	(void)detail;
	if (fw->latched & ROVER_FAULT_HEARTBEAT_LOST)
		return ROVER_CMD_NOT_ALLOWED;
	for (i = 0; i < 6; i++) {
		int16_t w = (int16_t)fw_get16(args, (uint8_t)(ROVER_MOB_DRIVE_W_FL_OFFSET + 2 * i));

		wheel_loop_set_target(&m->wh[i].wl, w);
		any |= w != 0;
	}
	for (i = 0; i < 4; i++) {
		int16_t s = (int16_t)fw_get16(args, (uint8_t)(ROVER_MOB_DRIVE_S_FL_OFFSET + 2 * i));

		m->steer_cmd_mrad[i] = s;
		port_servo_write(fw->port, i, s);
	}
	m->drive_active = any;
	fw->drive_deadline_ms = fw->now_ms + ROVER_LIMIT_BOARD_DRIVE_DEADLINE_MS;
	fw->faults &= (uint16_t)~ROVER_FAULT_DRIVE_DEADLINE;
	return ROVER_CMD_OK;
}

FW_COMMAND(MOB_CLEAR_STALL, cmd_mob_clear_stall)
{
	struct mob_board *m = &fw->b.mob;
	uint8_t w = args[ROVER_MOB_CLEAR_STALL_WHEEL_OFFSET];
	uint8_t i;

	(void)detail;
	for (i = 0; i < 6; i++)
		if (w == 6 || w == i) {
			int32_t tgt = m->wh[i].wl.target_mradps;

			wheel_loop_reset(&m->wh[i].wl);
			wheel_loop_set_target(&m->wh[i].wl, tgt);
		}
	return ROVER_CMD_OK;
}

FW_COMMAND(MOB_RESET_ODOM, cmd_mob_reset_odom)
{
	struct mob_board *m = &fw->b.mob;
	int32_t x = (int32_t)fw_get32(args, ROVER_MOB_RESET_ODOM_X_OFFSET);
	int32_t y = (int32_t)fw_get32(args, ROVER_MOB_RESET_ODOM_Y_OFFSET);
	int16_t yaw = (int16_t)fw_get16(args, ROVER_MOB_RESET_ODOM_YAW_OFFSET);

	(void)detail;
	odom_init(&m->odom, x * 1000, y * 1000, (int32_t)yaw * 1000);
	odom_reset_counts(m);
	return ROVER_CMD_OK;
}

uint16_t mob_faults(struct fw *fw)
{
	uint8_t i;

	for (i = 0; i < 6; i++)
		if (fw->b.mob.wh[i].wl.stalled)
			return ROVER_FAULT_STALL;
	return 0;
}

static uint8_t pct(int16_t q15)
{
	return (uint8_t)(q15 > 0 ? fw_q15_pct(q15) : 0);
}

uint8_t mob_pack(struct fw *fw, uint8_t id, uint8_t *b)
{
	struct mob_board *m = &fw->b.mob;
	struct port *p = fw->port;
	uint8_t i, stalled = 0;

	b[0] = id;
	if (id == ROVER_PKT_MOB_WHEELS_ID) {
		fw_put32(b, ROVER_PKT_MOB_WHEELS_TIME_MS_OFFSET, fw->now_ms);
		for (i = 0; i < 6; i++) {
			fw_put32(b, (uint8_t)(ROVER_PKT_MOB_WHEELS_ENC_COUNT_OFFSET + 4 * i),
				 (uint32_t)m->wh[i].qd.count);
			fw_put16(b, (uint8_t)(ROVER_PKT_MOB_WHEELS_WHEEL_SPEED_OFFSET + 2 * i),
				 (uint16_t)fw_sat16(m->wh[i].se.speed_mradps));
			fw_put16(b, (uint8_t)(ROVER_PKT_MOB_WHEELS_MOTOR_CURRENT_OFFSET + 2 * i),
				 (uint16_t)fw_sat16(port_adc_read(p, (uint8_t)(PORT_ADC_MOTOR_MA0 + i))));
			b[ROVER_PKT_MOB_WHEELS_EFFORT_OFFSET + i] = (uint8_t)fw_q15_pct(m->wh[i].wl.effort);
			if (m->wh[i].wl.stalled)
				stalled |= (uint8_t)(1u << i);
		}
		b[ROVER_PKT_MOB_WHEELS_STALLED_OFFSET] = stalled;
		return ROVER_PKT_MOB_WHEELS_SIZE;
	}
	if (id == ROVER_PKT_MOB_BODY_ID) {
		int32_t v;

		fw_put32(b, ROVER_PKT_MOB_BODY_TIME_MS_OFFSET, fw->now_ms);
		for (i = 0; i < 4; i++)
			fw_put16(b, (uint8_t)(ROVER_PKT_MOB_BODY_STEER_OFFSET + 2 * i),
				 (uint16_t)m->steer_meas_mrad[i]);
		for (i = 0; i < 3; i++) {
			fw_put16(b, (uint8_t)(ROVER_PKT_MOB_BODY_ACCEL_OFFSET + 2 * i),
				 (uint16_t)m->accel_mg[i]);
			/* mdeg/s -> 0.01 deg/s */
			fw_put16(b, (uint8_t)(ROVER_PKT_MOB_BODY_GYRO_OFFSET + 2 * i),
				 (uint16_t)fw_sat16(m->gyro_mdps[i] / 10));
		}
		fw_put32(b, ROVER_PKT_MOB_BODY_PITCH_OFFSET, (uint32_t)m->tilt.pitch_mdeg);
		fw_put32(b, ROVER_PKT_MOB_BODY_ROLL_OFFSET, (uint32_t)m->tilt.roll_mdeg);
		fw_put32(b, ROVER_PKT_MOB_BODY_ODOM_X_OFFSET, (uint32_t)m->odom.x_um);
		fw_put32(b, ROVER_PKT_MOB_BODY_ODOM_Y_OFFSET, (uint32_t)m->odom.y_um);
		fw_put32(b, ROVER_PKT_MOB_BODY_ODOM_YAW_OFFSET, (uint32_t)m->odom.yaw_urad);
		v = port_adc_read(p, PORT_ADC_BATT_MV);
		fw_put16(b, ROVER_PKT_MOB_BODY_BATTERY_V_OFFSET, (uint16_t)(v < 0 ? 0 : (v > 65535 ? 65535 : v)));
		fw_put16(b, ROVER_PKT_MOB_BODY_BATTERY_A_OFFSET,
			 (uint16_t)fw_sat16(port_adc_read(p, PORT_ADC_BATT_MA)));
		fw_put16(b, ROVER_PKT_MOB_BODY_SOC_OFFSET, (uint16_t)port_adc_read(p, PORT_ADC_SOC_PERMILLE));
		fw_put16(b, ROVER_PKT_MOB_BODY_SOLAR_OFFSET, (uint16_t)port_adc_read(p, PORT_ADC_SOLAR_DW));
		fw_put16(b, ROVER_PKT_MOB_BODY_EBOX_TEMP_OFFSET,
			 (uint16_t)fw_sat16(port_adc_read(p, PORT_ADC_HEATER0_DC)));
		b[ROVER_PKT_MOB_BODY_HEATER_DUTY_OFFSET] = pct(m->heater.duty);
		b[ROVER_PKT_MOB_BODY_HEATER_FAULT_OFFSET] = m->heater.fault;
		fw_put16(b, ROVER_PKT_MOB_BODY_FAULT_FLAGS_OFFSET, fw_fault_flags(fw));
		fw_put32(b, ROVER_PKT_MOB_BODY_ENERGY_USED_OFFSET, (uint32_t)port_adc_read(p, PORT_ADC_ENERGY_J));
		return ROVER_PKT_MOB_BODY_SIZE;
	}
	return 0;
}
