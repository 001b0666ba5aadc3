/*
 * GENERATED from sim_hw/params.py (RoverParams, PayloadParams) - do not edit.
 * Regenerate with: python -m sim_hw.board_config_c -o csrc/generated/board_config.h
 *
 * The board firmware's loop gains, geometry and limits (docs/firmware.md
 * section 2.1).  Macros only: no storage, every port can include it.
 */
#ifndef ROVER_BOARD_CONFIG_H
#define ROVER_BOARD_CONFIG_H

/* struct wheel_loop_cfg, all six wheels */
#define BOARD_WHEEL_CFG { .kp_q8 = 2048, .ki_q8 = 13, .kd_q8 = 0, .effort_max = 32767, .slew_q8 = 512, .stall_effort = 29000, .stall_speed_mradps = 100, .stall_ms = 500 }
/* struct heater_cfg, mobility e-box heater */
#define BOARD_MOB_HEATER_CFG { .kp_q8 = 25600, .ki_q8 = 64, .kd_q8 = 0, .duty_max = 32767, .min_temp_dc = -1000, .max_temp_dc = 700, .hysteresis_dc = 20, .max_error_dcs = 3000, .gain_dc = 10, .gain_period_ms = 600000, .tick_ms = 100 }
/* struct heater_cfg, payload sintering head */
#define BOARD_PAY_HEATER_CFG { .kp_q8 = 16384, .ki_q8 = 64, .kd_q8 = 0, .duty_max = 32767, .min_temp_dc = -1000, .max_temp_dc = 16000, .hysteresis_dc = 50, .max_error_dcs = 5000, .gain_dc = 20, .gain_period_ms = 20000, .tick_ms = 100 }
/* tilt complementary filter gyro weight per update */
#define BOARD_TILT_ALPHA_Q15 32113
/* wheel contact x, body frame, FL FR ML MR RL RR */
#define BOARD_WHEEL_X_MM { 350, 350, 0, 0, -350, -350 }
/* wheel contact y, body frame */
#define BOARD_WHEEL_Y_MM { 250, -250, 270, -270, 250, -250 }
/* IMU, steering feedback and tilt period */
#define BOARD_MOB_PERIOD_MS 10
/* odometry integration period */
#define BOARD_ODOM_PERIOD_MS 50
/* speed estimator window */
#define BOARD_SPEED_WINDOW_MS 20
/* encoder counts per wheel turn (x4 decoding) */
#define BOARD_COUNTS_PER_WHEEL_REV 9600
/* wheel angle per count, Q16 */
#define BOARD_MRAD_PER_COUNT_Q16 42893L
/* rim travel per count, Q16 */
#define BOARD_UM_PER_COUNT_Q16 4289321L
/* wheel speed limit */
#define BOARD_MAX_WHEEL_MRADPS 2000
/* steering range */
#define BOARD_STEER_MIN_MRAD -1200
/* steering range */
#define BOARD_STEER_MAX_MRAD 1200

#endif
