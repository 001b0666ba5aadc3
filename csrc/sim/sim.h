/*
 * The whole simulated rover in one struct: plant (motors, soil, body,
 * encoders, servos, IMU, battery, solar panel, electronics-box thermal) and
 * the board loops from csrc/core running on it at 1 kHz.  One sim_step()
 * call advances everything by n_ms, so Python crosses the boundary once per
 * block, never per wheel or per millisecond.
 *
 * Per 1 ms tick: speed estimate + wheel loop per wheel (board), motor, soil,
 * body, encoder edges into the decoder, servos.  Every board_period_ms
 * (10 ms): terrain plane fit and wheel loads, IMU sample + tilt filter,
 * odometry from encoder count deltas and measured steer angles, battery.
 * Every heater tick: thermal model + heater loop.
 *
 * Wheel order: 0 FL, 1 FR, 2 ML, 3 MR, 4 RL, 5 RR; steer 0..3 -> wheels 0,1,4,5.
 */
#ifndef ROVER_SIM_SIM_H
#define ROVER_SIM_SIM_H

#include <stdint.h>
#include "core/wheel_loop.h"
#include "core/quadrature.h"
#include "core/odometry.h"
#include "core/tilt.h"
#include "core/heater.h"
#include "plant/rng.h"
#include "plant/motor.h"
#include "plant/terra.h"
#include "plant/encoder.h"
#include "plant/servo.h"
#include "plant/power.h"
#include "plant/thermal.h"
#include "plant/terrain.h"
#include "plant/body.h"
#include "plant/imu.h"

/* cffi:begin */
enum sim_status {
	SIM_OK = 0,
	SIM_ERR_OFF_MAP = 1,        /* a wheel contact left the heightmap */
	SIM_ERR_PARAMS = 2          /* sim_init: inconsistent parameters */
};

struct sim_params {
	struct motor_params motor;
	struct soil_params soil;
	struct body_params body;
	struct servo_params servo;
	struct imu_params imu;
	struct battery_params batt;
	struct solar_params solar;
	struct ebox_params ebox;
	struct wheel_loop_cfg wheel_cfg;
	struct heater_cfg heater_cfg;
	struct tilt_cfg tilt_cfg;
	struct odom_geom odom_geom;
	double wheel_radius_m;
	double wheel_width_m;
	double avionics_w;          /* base electrical load, dissipated in the e-box */
	double embed_slip;          /* slip above this ... */
	uint32_t embed_ms;          /* ... for this long -> embedded */
	uint32_t counts_per_motor_rev;
	uint16_t board_period_ms;   /* terrain/IMU/tilt/odometry/battery period */
	uint8_t speed_window_ms;
};

struct sim_inputs {
	int32_t wheel_target_mradps[6];
	int16_t steer_target_mrad[4];
	uint8_t wheel_locked[6];    /* fault: wheel cannot turn */
	uint8_t encoder_dead[6];    /* fault: encoder lines stuck */
	uint8_t effort_override;    /* test hook: drive effort_cmd open loop */
	int16_t effort_cmd[6];
	double sun_az_rad;          /* environment, refreshed from Python */
	double sun_el_rad;
	uint8_t sunlit;
	double env_temp_k;
};

struct sim_outputs {
	int32_t enc_count[6];
	int32_t wheel_speed_mradps[6];
	int16_t wheel_effort[6];
	int32_t wheel_current_ma[6];
	uint8_t wheel_stalled[6];
	uint32_t quad_illegal[6];
	int16_t steer_angle_mrad[4];
	int16_t accel_mg[3];
	int32_t gyro_mdps[3];
	int32_t pitch_mdeg;
	int32_t roll_mdeg;
	double battery_v;
	double battery_a;
	double soc;
	double solar_w;
	double energy_used_j;
	double ebox_temp_c;
	double ebox_heater_duty;
	uint8_t ebox_heater_fault;
	uint8_t off_map;
};

struct sim_truth {
	double slip[6];
	uint8_t embedded[6];
	uint32_t high_slip_ms[6];
	double wheel_radps[6];
	double load_w;              /* mean electrical load over the last period */
};

struct sim {
	struct sim_params p;
	uint64_t t_ms;
	struct sim_inputs inp;
	struct sim_outputs out;
	struct sim_truth truth;
	/* plant */
	struct rng rng;
	struct terra_tab tab;
	struct terrain terrain;
	struct plane_fit fit;
	struct body body;
	struct motor motor[6];
	struct wheel_contact contact[6];
	struct enc_gen enc[6];
	struct servo servo[4];
	struct imu imu;
	struct battery batt;
	struct ebox ebox;
	double counts_per_rad;      /* encoder counts per wheel radian */
	double energy_acc_j;        /* electrical energy since the last battery step */
	uint32_t batt_acc_ms;
	/* board */
	struct wheel_loop wl[6];
	struct quad_dec qd[6];
	struct speed_est se[6];
	struct odom_pose odom;
	struct tilt_est tilt;
	struct heater heater;
	int32_t odom_prev_count[6];
	int64_t odom_rem_q16[6];
	int64_t um_per_count_q16;
	int32_t loop_target[6];     /* last target handed to the wheel loop */
	uint32_t heater_acc_ms;
	uint32_t period_acc_ms;
};

/* Returns SIM_OK or SIM_ERR_PARAMS.  Flat unbounded ground until a terrain
 * is bound; pose (0, 0, yaw 0). */
int sim_init(struct sim *s, const struct sim_params *p, uint64_t seed);
/* Bind a float32 heightmap [ny][nx] (not copied; keep it alive). */
int sim_bind_terrain(struct sim *s, const float *height_m, int32_t nx, int32_t ny,
		     double cell_m, double origin_x_m, double origin_y_m);
/* Place the rover at rest; SIM_ERR_OFF_MAP if a contact is off the map. */
int sim_place(struct sim *s, double x_m, double y_m, double yaw_rad);
/* Board odometry reset to a pose. */
void sim_reset_odometry(struct sim *s, int32_t x_um, int32_t y_um, int32_t yaw_urad);
/* Advance plant + board loops by n_ms.  Returns SIM_OK, or SIM_ERR_OFF_MAP
 * (out.off_map set; the state then stays frozen). */
int sim_step(struct sim *s, uint32_t n_ms);
/* cffi:end */

#endif
