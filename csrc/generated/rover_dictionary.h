/*
 * GENERATED from common/dictionary/rover.toml - do not edit by hand.
 * Regenerate with: rover dict header -o csrc/generated
 *
 * Wire format of a command payload: arguments packed in declaration order,
 * little-endian, no padding.  f32 arguments travel as int32 in fixed wire
 * units (mm, mm/s, mdeg, deci-C, ms, centi-%, mV, mA, mW; see
 * docs/dictionary.md); enum and bool as u8; str as a u8 length followed by
 * a fixed field of MAX bytes.  MIN/MAX below are in those wire units and
 * the board rejects (never clamps) a value outside them.
 */
#ifndef ROVER_DICTIONARY_H
#define ROVER_DICTIONARY_H

#include <stdint.h>

#define ROVER_DICT_HASH_HEX "7f90ec87377e0bcc84011f6b1300e881faf20b707da2b9eb98eff5e8db94b9d3"
#define ROVER_DICT_HASH32 0x7F90EC87UL

/* modes: bit i of a command's mode mask allows it in mode i */
#define ROVER_MODE_BOOT 0
#define ROVER_MODE_SAFE 1
#define ROVER_MODE_IDLE 2
#define ROVER_MODE_DRIVE 3
#define ROVER_MODE_PRINT 4
#define ROVER_MODE_SURVIVAL 5
#define ROVER_MODE_COUNT 6

/* argument wire types */
#define ROVER_WIRE_I8 1
#define ROVER_WIRE_U8 2
#define ROVER_WIRE_I16 3
#define ROVER_WIRE_U16 4
#define ROVER_WIRE_I32 5
#define ROVER_WIRE_U32 6
#define ROVER_WIRE_STR 7

typedef struct {
	uint8_t type;    /* ROVER_WIRE_* */
	uint8_t offset;  /* bytes from the start of the payload */
	uint8_t size;    /* bytes on the wire */
	int32_t min;     /* wire units; for STR the length bounds */
	int32_t max;
} rover_arg_layout_t;

typedef struct {
	uint16_t opcode;
	uint8_t nargs;
	uint8_t payload_size;
	uint8_t critical;
	uint8_t mode_mask;
	uint32_t timeout_ms;
	const rover_arg_layout_t *args;
} rover_cmd_def_t;

/* NOOP (core): Does nothing; proves the command path end to end. */
#define ROVER_OP_NOOP 0x0001u
#define ROVER_NOOP_PAYLOAD_SIZE 0

/* LOG (core): Emits a LOG event with the given text. */
#define ROVER_OP_LOG 0x0002u
#define ROVER_LOG_PAYLOAD_SIZE 81
#define ROVER_LOG_TEXT_OFFSET 0
#define ROVER_LOG_TEXT_SIZE 81
#define ROVER_LOG_TEXT_MIN 0L  /* bytes */
#define ROVER_LOG_TEXT_MAX 80L

/* SET_MODE (mode): Requests a mode change; the mode manager may refuse (MODE_REFUSED gives the reason). */
#define ROVER_OP_SET_MODE 0x0101u
#define ROVER_SET_MODE_PAYLOAD_SIZE 1
#define ROVER_SET_MODE_MODE_OFFSET 0
#define ROVER_SET_MODE_MODE_SIZE 1
#define ROVER_SET_MODE_MODE_MIN 0L  /* enum */
#define ROVER_SET_MODE_MODE_MAX 5L
#define ROVER_SET_MODE_MODE_BOOT 0
#define ROVER_SET_MODE_MODE_SAFE 1
#define ROVER_SET_MODE_MODE_IDLE 2
#define ROVER_SET_MODE_MODE_DRIVE 3
#define ROVER_SET_MODE_MODE_PRINT 4
#define ROVER_SET_MODE_MODE_SURVIVAL 5

/* CLEAR_FAULT (mode) CRITICAL: Clears latched fault-protection trips so the rover may leave SAFE. */
#define ROVER_OP_CLEAR_FAULT 0x0102u
#define ROVER_CLEAR_FAULT_PAYLOAD_SIZE 0

/* ARM (core): Arms one critical command for the next 10 s, for the same source only; the arm is used up by that command (docs/sequencer.md). */
#define ROVER_OP_ARM 0x0103u
#define ROVER_ARM_PAYLOAD_SIZE 1
#define ROVER_ARM_COMMAND_OFFSET 0
#define ROVER_ARM_COMMAND_SIZE 1
#define ROVER_ARM_COMMAND_MIN 0L  /* enum */
#define ROVER_ARM_COMMAND_MAX 3L
#define ROVER_ARM_COMMAND_CLEAR_FAULT 0
#define ROVER_ARM_COMMAND_FP_SET_LIMITS 1
#define ROVER_ARM_COMMAND_FP_RESPONSE 2
#define ROVER_ARM_COMMAND_PAYLOAD_HANDOVER 3

/* DRIVE_TO (mobility): Drives to a site-frame waypoint at the given speed (the navigator may slow down on slopes). */
#define ROVER_OP_DRIVE_TO 0x0201u
#define ROVER_DRIVE_TO_PAYLOAD_SIZE 12
#define ROVER_DRIVE_TO_X_OFFSET 0
#define ROVER_DRIVE_TO_X_SIZE 4
#define ROVER_DRIVE_TO_X_MIN (-200000L)  /* mm */
#define ROVER_DRIVE_TO_X_MAX 200000L
#define ROVER_DRIVE_TO_Y_OFFSET 4
#define ROVER_DRIVE_TO_Y_SIZE 4
#define ROVER_DRIVE_TO_Y_MIN (-200000L)  /* mm */
#define ROVER_DRIVE_TO_Y_MAX 200000L
#define ROVER_DRIVE_TO_SPEED_OFFSET 8
#define ROVER_DRIVE_TO_SPEED_SIZE 4
#define ROVER_DRIVE_TO_SPEED_MIN 10L  /* mm/s */
#define ROVER_DRIVE_TO_SPEED_MAX 200L

/* DRIVE_ARC (mobility): Drives a signed distance along an arc of the given turn radius. */
#define ROVER_OP_DRIVE_ARC 0x0202u
#define ROVER_DRIVE_ARC_PAYLOAD_SIZE 12
#define ROVER_DRIVE_ARC_DISTANCE_OFFSET 0
#define ROVER_DRIVE_ARC_DISTANCE_SIZE 4
#define ROVER_DRIVE_ARC_DISTANCE_MIN (-50000L)  /* mm */
#define ROVER_DRIVE_ARC_DISTANCE_MAX 50000L
#define ROVER_DRIVE_ARC_RADIUS_OFFSET 4
#define ROVER_DRIVE_ARC_RADIUS_SIZE 4
#define ROVER_DRIVE_ARC_RADIUS_MIN (-1000000L)  /* mm */
#define ROVER_DRIVE_ARC_RADIUS_MAX 1000000L
#define ROVER_DRIVE_ARC_SPEED_OFFSET 8
#define ROVER_DRIVE_ARC_SPEED_SIZE 4
#define ROVER_DRIVE_ARC_SPEED_MIN 10L  /* mm/s */
#define ROVER_DRIVE_ARC_SPEED_MAX 200L

/* TURN (mobility): Turns in place by a relative yaw angle (positive = counter-clockwise). */
#define ROVER_OP_TURN 0x0203u
#define ROVER_TURN_PAYLOAD_SIZE 4
#define ROVER_TURN_ANGLE_OFFSET 0
#define ROVER_TURN_ANGLE_SIZE 4
#define ROVER_TURN_ANGLE_MIN (-360000L)  /* mdeg */
#define ROVER_TURN_ANGLE_MAX 360000L

/* STOP (mobility): Stops all wheels; completes when the rover is at rest. */
#define ROVER_OP_STOP 0x0204u
#define ROVER_STOP_PAYLOAD_SIZE 0

/* CLEAR_STALL (mobility): Clears the latched stall flag of one wheel or of all wheels. */
#define ROVER_OP_CLEAR_STALL 0x0205u
#define ROVER_CLEAR_STALL_PAYLOAD_SIZE 1
#define ROVER_CLEAR_STALL_WHEEL_OFFSET 0
#define ROVER_CLEAR_STALL_WHEEL_SIZE 1
#define ROVER_CLEAR_STALL_WHEEL_MIN 0L  /* enum */
#define ROVER_CLEAR_STALL_WHEEL_MAX 6L
#define ROVER_CLEAR_STALL_WHEEL_ALL 0
#define ROVER_CLEAR_STALL_WHEEL_FL 1
#define ROVER_CLEAR_STALL_WHEEL_FR 2
#define ROVER_CLEAR_STALL_WHEEL_ML 3
#define ROVER_CLEAR_STALL_WHEEL_MR 4
#define ROVER_CLEAR_STALL_WHEEL_RL 5
#define ROVER_CLEAR_STALL_WHEEL_RR 6

/* HEATER_SET (thermal): Sets the setpoint of a heater zone. */
#define ROVER_OP_HEATER_SET 0x0301u
#define ROVER_HEATER_SET_PAYLOAD_SIZE 5
#define ROVER_HEATER_SET_ZONE_OFFSET 0
#define ROVER_HEATER_SET_ZONE_SIZE 1
#define ROVER_HEATER_SET_ZONE_MIN 0L  /* enum */
#define ROVER_HEATER_SET_ZONE_MAX 0L
#define ROVER_HEATER_SET_ZONE_EBOX 0
#define ROVER_HEATER_SET_TEMP_OFFSET 1
#define ROVER_HEATER_SET_TEMP_SIZE 4
#define ROVER_HEATER_SET_TEMP_MIN 0L  /* deci-C */
#define ROVER_HEATER_SET_TEMP_MAX 600L

/* FP_SET_LIMITS (fault) CRITICAL: Loads one of the fault-protection limit sets (bench limits are looser for HIL benches). */
#define ROVER_OP_FP_SET_LIMITS 0x0401u
#define ROVER_FP_SET_LIMITS_PAYLOAD_SIZE 1
#define ROVER_FP_SET_LIMITS_SET_OFFSET 0
#define ROVER_FP_SET_LIMITS_SET_SIZE 1
#define ROVER_FP_SET_LIMITS_SET_MIN 0L  /* enum */
#define ROVER_FP_SET_LIMITS_SET_MAX 1L
#define ROVER_FP_SET_LIMITS_SET_BENCH 0
#define ROVER_FP_SET_LIMITS_SET_FLIGHT 1

/* FP_RESPONSE (fault) CRITICAL: Changes the state of one fault response (ACTIVE fires, PASSIVE only reports). */
#define ROVER_OP_FP_RESPONSE 0x0402u
#define ROVER_FP_RESPONSE_PAYLOAD_SIZE 34
#define ROVER_FP_RESPONSE_NAME_OFFSET 0
#define ROVER_FP_RESPONSE_NAME_SIZE 33
#define ROVER_FP_RESPONSE_NAME_MIN 1L  /* bytes */
#define ROVER_FP_RESPONSE_NAME_MAX 32L
#define ROVER_FP_RESPONSE_STATE_OFFSET 33
#define ROVER_FP_RESPONSE_STATE_SIZE 1
#define ROVER_FP_RESPONSE_STATE_MIN 0L  /* enum */
#define ROVER_FP_RESPONSE_STATE_MAX 2L
#define ROVER_FP_RESPONSE_STATE_ACTIVE 0
#define ROVER_FP_RESPONSE_STATE_PASSIVE 1
#define ROVER_FP_RESPONSE_STATE_DISABLED 2

/* PAYLOAD_HANDOVER (payload) CRITICAL: Hands the power and thermal budget to the sintering printer (payload slot). */
#define ROVER_OP_PAYLOAD_HANDOVER 0x0501u
#define ROVER_PAYLOAD_HANDOVER_PAYLOAD_SIZE 0

/* SEQ_START (seq): Starts a stored sequence in a sequencer slot. */
#define ROVER_OP_SEQ_START 0x0601u
#define ROVER_SEQ_START_PAYLOAD_SIZE 34
#define ROVER_SEQ_START_NAME_OFFSET 0
#define ROVER_SEQ_START_NAME_SIZE 33
#define ROVER_SEQ_START_NAME_MIN 1L  /* bytes */
#define ROVER_SEQ_START_NAME_MAX 32L
#define ROVER_SEQ_START_SLOT_OFFSET 33
#define ROVER_SEQ_START_SLOT_SIZE 1
#define ROVER_SEQ_START_SLOT_MIN 0L  /* enum */
#define ROVER_SEQ_START_SLOT_MAX 3L
#define ROVER_SEQ_START_SLOT_MOBILITY 0
#define ROVER_SEQ_START_SLOT_PAYLOAD 1
#define ROVER_SEQ_START_SLOT_FAULT 2
#define ROVER_SEQ_START_SLOT_BOOT 3

/* SEQ_CANCEL (seq): Cancels the sequence running in a slot. */
#define ROVER_OP_SEQ_CANCEL 0x0602u
#define ROVER_SEQ_CANCEL_PAYLOAD_SIZE 1
#define ROVER_SEQ_CANCEL_SLOT_OFFSET 0
#define ROVER_SEQ_CANCEL_SLOT_SIZE 1
#define ROVER_SEQ_CANCEL_SLOT_MIN 0L  /* enum */
#define ROVER_SEQ_CANCEL_SLOT_MAX 3L
#define ROVER_SEQ_CANCEL_SLOT_MOBILITY 0
#define ROVER_SEQ_CANCEL_SLOT_PAYLOAD 1
#define ROVER_SEQ_CANCEL_SLOT_FAULT 2
#define ROVER_SEQ_CANCEL_SLOT_BOOT 3

/* PRINT_HOME (printer): Homes the printer's four axes against their limit switches; completes when all are homed (refused while a print job runs). */
#define ROVER_OP_PRINT_HOME 0x0701u
#define ROVER_PRINT_HOME_PAYLOAD_SIZE 0

/* PRINT_PREHEAT (printer): Heats the sintering head to a temperature and holds it; completes once within 10 C for 5 s. PRINT mode only (refused while a print job runs). */
#define ROVER_OP_PRINT_PREHEAT 0x0702u
#define ROVER_PRINT_PREHEAT_PAYLOAD_SIZE 4
#define ROVER_PRINT_PREHEAT_TEMP_OFFSET 0
#define ROVER_PRINT_PREHEAT_TEMP_SIZE 4
#define ROVER_PRINT_PREHEAT_TEMP_MIN 0L  /* deci-C */
#define ROVER_PRINT_PREHEAT_TEMP_MAX 15000L

/* PRINT_START (printer): Prints a design (plain-brick, hollow-brick, interlocking-brick, NAME:LxWxH in mm, or a design the mission registered) at a sinter temperature; completes when the print is DONE, fails on ABORTED or FAULT (docs/printer.md section 10). */
#define ROVER_OP_PRINT_START 0x0703u
#define ROVER_PRINT_START_PAYLOAD_SIZE 53
#define ROVER_PRINT_START_DESIGN_OFFSET 0
#define ROVER_PRINT_START_DESIGN_SIZE 49
#define ROVER_PRINT_START_DESIGN_MIN 1L  /* bytes */
#define ROVER_PRINT_START_DESIGN_MAX 48L
#define ROVER_PRINT_START_TEMP_OFFSET 49
#define ROVER_PRINT_START_TEMP_SIZE 4
#define ROVER_PRINT_START_TEMP_MIN 0L  /* deci-C */
#define ROVER_PRINT_START_TEMP_MAX 15000L

/* PRINT_PAUSE (printer): Pauses the print job: motion stops, heat off; PRINT_RESUME continues where it stopped. */
#define ROVER_OP_PRINT_PAUSE 0x0704u
#define ROVER_PRINT_PAUSE_PAYLOAD_SIZE 0

/* PRINT_RESUME (printer): Resumes a paused print job: re-heats, then continues the interrupted phase. */
#define ROVER_OP_PRINT_RESUME 0x0705u
#define ROVER_PRINT_RESUME_PAYLOAD_SIZE 0

/* PRINT_ABORT (printer): Aborts the print job (or a preheat): motion stops, heat off. */
#define ROVER_OP_PRINT_ABORT 0x0706u
#define ROVER_PRINT_ABORT_PAYLOAD_SIZE 0

/* PRINT_COOLDOWN (printer): Switches the head's heat off outside a job; completes when the head is below 200 C. */
#define ROVER_OP_PRINT_COOLDOWN 0x0707u
#define ROVER_PRINT_COOLDOWN_PAYLOAD_SIZE 0

/* The tables below are static const; a file that only needs the macros
 * defines ROVER_DICT_NO_TABLES first (no unused-variable warnings). */
#ifndef ROVER_DICT_NO_TABLES
static const rover_arg_layout_t rover_args_log[1] = {
	{ROVER_WIRE_STR, 0, 81, 0L, 80L}, /* text */
};
static const rover_arg_layout_t rover_args_set_mode[1] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 5L}, /* mode */
};
static const rover_arg_layout_t rover_args_arm[1] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 3L}, /* command */
};
static const rover_arg_layout_t rover_args_drive_to[3] = {
	{ROVER_WIRE_I32, 0, 4, (-200000L), 200000L}, /* x */
	{ROVER_WIRE_I32, 4, 4, (-200000L), 200000L}, /* y */
	{ROVER_WIRE_I32, 8, 4, 10L, 200L}, /* speed */
};
static const rover_arg_layout_t rover_args_drive_arc[3] = {
	{ROVER_WIRE_I32, 0, 4, (-50000L), 50000L}, /* distance */
	{ROVER_WIRE_I32, 4, 4, (-1000000L), 1000000L}, /* radius */
	{ROVER_WIRE_I32, 8, 4, 10L, 200L}, /* speed */
};
static const rover_arg_layout_t rover_args_turn[1] = {
	{ROVER_WIRE_I32, 0, 4, (-360000L), 360000L}, /* angle */
};
static const rover_arg_layout_t rover_args_clear_stall[1] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 6L}, /* wheel */
};
static const rover_arg_layout_t rover_args_heater_set[2] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 0L}, /* zone */
	{ROVER_WIRE_I32, 1, 4, 0L, 600L}, /* temp */
};
static const rover_arg_layout_t rover_args_fp_set_limits[1] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 1L}, /* set */
};
static const rover_arg_layout_t rover_args_fp_response[2] = {
	{ROVER_WIRE_STR, 0, 33, 1L, 32L}, /* name */
	{ROVER_WIRE_U8, 33, 1, 0L, 2L}, /* state */
};
static const rover_arg_layout_t rover_args_seq_start[2] = {
	{ROVER_WIRE_STR, 0, 33, 1L, 32L}, /* name */
	{ROVER_WIRE_U8, 33, 1, 0L, 3L}, /* slot */
};
static const rover_arg_layout_t rover_args_seq_cancel[1] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 3L}, /* slot */
};
static const rover_arg_layout_t rover_args_print_preheat[1] = {
	{ROVER_WIRE_I32, 0, 4, 0L, 15000L}, /* temp */
};
static const rover_arg_layout_t rover_args_print_start[2] = {
	{ROVER_WIRE_STR, 0, 49, 1L, 48L}, /* design */
	{ROVER_WIRE_I32, 49, 4, 0L, 15000L}, /* temp */
};

#define ROVER_CMD_COUNT 23
static const rover_cmd_def_t rover_cmd_defs[ROVER_CMD_COUNT] = {
	{ROVER_OP_NOOP, 0, 0, 0, 0x3Fu, 1000UL, 0},
	{ROVER_OP_LOG, 1, 81, 0, 0x3Fu, 1000UL, rover_args_log},
	{ROVER_OP_SET_MODE, 1, 1, 0, 0x3Fu, 5000UL, rover_args_set_mode},
	{ROVER_OP_CLEAR_FAULT, 0, 0, 1, 0x06u, 5000UL, 0},
	{ROVER_OP_ARM, 1, 1, 0, 0x3Fu, 1000UL, rover_args_arm},
	{ROVER_OP_DRIVE_TO, 3, 12, 0, 0x08u, 3600000UL, rover_args_drive_to},
	{ROVER_OP_DRIVE_ARC, 3, 12, 0, 0x08u, 1800000UL, rover_args_drive_arc},
	{ROVER_OP_TURN, 1, 4, 0, 0x08u, 600000UL, rover_args_turn},
	{ROVER_OP_STOP, 0, 0, 0, 0x3Fu, 30000UL, 0},
	{ROVER_OP_CLEAR_STALL, 1, 1, 0, 0x0Eu, 5000UL, rover_args_clear_stall},
	{ROVER_OP_HEATER_SET, 2, 5, 0, 0x3Eu, 5000UL, rover_args_heater_set},
	{ROVER_OP_FP_SET_LIMITS, 1, 1, 1, 0x06u, 5000UL, rover_args_fp_set_limits},
	{ROVER_OP_FP_RESPONSE, 2, 34, 1, 0x3Fu, 5000UL, rover_args_fp_response},
	{ROVER_OP_PAYLOAD_HANDOVER, 0, 0, 1, 0x14u, 60000UL, 0},
	{ROVER_OP_SEQ_START, 2, 34, 0, 0x3Fu, 5000UL, rover_args_seq_start},
	{ROVER_OP_SEQ_CANCEL, 1, 1, 0, 0x3Fu, 5000UL, rover_args_seq_cancel},
	{ROVER_OP_PRINT_HOME, 0, 0, 0, 0x14u, 120000UL, 0},
	{ROVER_OP_PRINT_PREHEAT, 1, 4, 0, 0x10u, 900000UL, rover_args_print_preheat},
	{ROVER_OP_PRINT_START, 2, 53, 0, 0x10u, 86400000UL, rover_args_print_start},
	{ROVER_OP_PRINT_PAUSE, 0, 0, 0, 0x3Fu, 5000UL, 0},
	{ROVER_OP_PRINT_RESUME, 0, 0, 0, 0x10u, 5000UL, 0},
	{ROVER_OP_PRINT_ABORT, 0, 0, 0, 0x3Fu, 5000UL, 0},
	{ROVER_OP_PRINT_COOLDOWN, 0, 0, 0, 0x16u, 1800000UL, 0},
};
#endif /* ROVER_DICT_NO_TABLES */

/* ---- boards on the serial link (role reported in IDENTIFY) ---- */
#define ROVER_BOARD_ANY 0
#define ROVER_BOARD_MOBILITY 1
#define ROVER_BOARD_PAYLOAD 2

typedef struct {
	uint16_t opcode;
	uint8_t nargs;
	uint8_t payload_size;  /* argument bytes after the u16 opcode */
	uint8_t board;         /* ROVER_BOARD_* (ANY = every board) */
	const rover_arg_layout_t *args;
} rover_board_cmd_def_t;

/* MOB_DRIVE (board mobility): All wheel speed and steering setpoints for one flight cycle; refreshes the 300 ms drive deadline. */
#define ROVER_OP_MOB_DRIVE 0x1001u
#define ROVER_MOB_DRIVE_PAYLOAD_SIZE 20
#define ROVER_MOB_DRIVE_W_FL_OFFSET 0
#define ROVER_MOB_DRIVE_W_FL_SIZE 2
#define ROVER_MOB_DRIVE_W_FL_MIN (-2000L)  /* mrad/s */
#define ROVER_MOB_DRIVE_W_FL_MAX 2000L
#define ROVER_MOB_DRIVE_W_FR_OFFSET 2
#define ROVER_MOB_DRIVE_W_FR_SIZE 2
#define ROVER_MOB_DRIVE_W_FR_MIN (-2000L)  /* mrad/s */
#define ROVER_MOB_DRIVE_W_FR_MAX 2000L
#define ROVER_MOB_DRIVE_W_ML_OFFSET 4
#define ROVER_MOB_DRIVE_W_ML_SIZE 2
#define ROVER_MOB_DRIVE_W_ML_MIN (-2000L)  /* mrad/s */
#define ROVER_MOB_DRIVE_W_ML_MAX 2000L
#define ROVER_MOB_DRIVE_W_MR_OFFSET 6
#define ROVER_MOB_DRIVE_W_MR_SIZE 2
#define ROVER_MOB_DRIVE_W_MR_MIN (-2000L)  /* mrad/s */
#define ROVER_MOB_DRIVE_W_MR_MAX 2000L
#define ROVER_MOB_DRIVE_W_RL_OFFSET 8
#define ROVER_MOB_DRIVE_W_RL_SIZE 2
#define ROVER_MOB_DRIVE_W_RL_MIN (-2000L)  /* mrad/s */
#define ROVER_MOB_DRIVE_W_RL_MAX 2000L
#define ROVER_MOB_DRIVE_W_RR_OFFSET 10
#define ROVER_MOB_DRIVE_W_RR_SIZE 2
#define ROVER_MOB_DRIVE_W_RR_MIN (-2000L)  /* mrad/s */
#define ROVER_MOB_DRIVE_W_RR_MAX 2000L
#define ROVER_MOB_DRIVE_S_FL_OFFSET 12
#define ROVER_MOB_DRIVE_S_FL_SIZE 2
#define ROVER_MOB_DRIVE_S_FL_MIN (-1200L)  /* mrad */
#define ROVER_MOB_DRIVE_S_FL_MAX 1200L
#define ROVER_MOB_DRIVE_S_FR_OFFSET 14
#define ROVER_MOB_DRIVE_S_FR_SIZE 2
#define ROVER_MOB_DRIVE_S_FR_MIN (-1200L)  /* mrad */
#define ROVER_MOB_DRIVE_S_FR_MAX 1200L
#define ROVER_MOB_DRIVE_S_RL_OFFSET 16
#define ROVER_MOB_DRIVE_S_RL_SIZE 2
#define ROVER_MOB_DRIVE_S_RL_MIN (-1200L)  /* mrad */
#define ROVER_MOB_DRIVE_S_RL_MAX 1200L
#define ROVER_MOB_DRIVE_S_RR_OFFSET 18
#define ROVER_MOB_DRIVE_S_RR_SIZE 2
#define ROVER_MOB_DRIVE_S_RR_MIN (-1200L)  /* mrad */
#define ROVER_MOB_DRIVE_S_RR_MAX 1200L

/* MOB_CLEAR_STALL (board mobility): Clears the latched stall of one wheel (0 FL .. 5 RR) or of all wheels (6). */
#define ROVER_OP_MOB_CLEAR_STALL 0x1002u
#define ROVER_MOB_CLEAR_STALL_PAYLOAD_SIZE 1
#define ROVER_MOB_CLEAR_STALL_WHEEL_OFFSET 0
#define ROVER_MOB_CLEAR_STALL_WHEEL_SIZE 1
#define ROVER_MOB_CLEAR_STALL_WHEEL_MIN 0L  /*  */
#define ROVER_MOB_CLEAR_STALL_WHEEL_MAX 6L

/* MOB_RESET_ODOM (board mobility): Sets the board odometry pose. */
#define ROVER_OP_MOB_RESET_ODOM 0x1003u
#define ROVER_MOB_RESET_ODOM_PAYLOAD_SIZE 10
#define ROVER_MOB_RESET_ODOM_X_OFFSET 0
#define ROVER_MOB_RESET_ODOM_X_SIZE 4
#define ROVER_MOB_RESET_ODOM_X_MIN (-1000000L)  /* mm */
#define ROVER_MOB_RESET_ODOM_X_MAX 1000000L
#define ROVER_MOB_RESET_ODOM_Y_OFFSET 4
#define ROVER_MOB_RESET_ODOM_Y_SIZE 4
#define ROVER_MOB_RESET_ODOM_Y_MIN (-1000000L)  /* mm */
#define ROVER_MOB_RESET_ODOM_Y_MAX 1000000L
#define ROVER_MOB_RESET_ODOM_YAW_OFFSET 8
#define ROVER_MOB_RESET_ODOM_YAW_SIZE 2
#define ROVER_MOB_RESET_ODOM_YAW_MIN (-3142L)  /* mrad */
#define ROVER_MOB_RESET_ODOM_YAW_MAX 3142L

/* BOARD_HEATER (board any): Heater target of a zone (0 = off); must be refreshed within 3 s. Mobility zone 0 = e-box 0..60 C, payload zone 0 = sintering head 0..1500 C. */
#define ROVER_OP_BOARD_HEATER 0x1101u
#define ROVER_BOARD_HEATER_PAYLOAD_SIZE 3
#define ROVER_BOARD_HEATER_ZONE_OFFSET 0
#define ROVER_BOARD_HEATER_ZONE_SIZE 1
#define ROVER_BOARD_HEATER_ZONE_MIN 0L  /*  */
#define ROVER_BOARD_HEATER_ZONE_MAX 0L
#define ROVER_BOARD_HEATER_TARGET_OFFSET 1
#define ROVER_BOARD_HEATER_TARGET_SIZE 2
#define ROVER_BOARD_HEATER_TARGET_MIN 0L  /* dC */
#define ROVER_BOARD_HEATER_TARGET_MAX 15000L

/* BOARD_SAFE (board any): Sets every output of the board to its safe state and disarms the heartbeat watchdog until the next heartbeat (the host's goodbye at the end of a run). */
#define ROVER_OP_BOARD_SAFE 0x1102u
#define ROVER_BOARD_SAFE_PAYLOAD_SIZE 0

/* BOARD_CLEAR_FAULT (board any): Clears the board's latched faults (heartbeat loss, bad command seen, heater guard). */
#define ROVER_OP_BOARD_CLEAR_FAULT 0x1103u
#define ROVER_BOARD_CLEAR_FAULT_PAYLOAD_SIZE 0

/* BOARD_TLM_PERIOD (board any): Period of the board's streamed packets in board ms; 0 = as fast as the line allows. */
#define ROVER_OP_BOARD_TLM_PERIOD 0x1104u
#define ROVER_BOARD_TLM_PERIOD_PAYLOAD_SIZE 2
#define ROVER_BOARD_TLM_PERIOD_PERIOD_OFFSET 0
#define ROVER_BOARD_TLM_PERIOD_PERIOD_SIZE 2
#define ROVER_BOARD_TLM_PERIOD_PERIOD_MIN 0L  /* ms */
#define ROVER_BOARD_TLM_PERIOD_PERIOD_MAX 60000L

/* PRN_HOME (board payload): Home the printer axes in the mask (bit 0 X, 1 Y, 2 Z, 3 recoater) against their limit switches; refused while moving (docs/printer.md). */
#define ROVER_OP_PRN_HOME 0x1201u
#define ROVER_PRN_HOME_PAYLOAD_SIZE 1
#define ROVER_PRN_HOME_AXES_OFFSET 0
#define ROVER_PRN_HOME_AXES_SIZE 1
#define ROVER_PRN_HOME_AXES_MIN 1L  /*  */
#define ROVER_PRN_HOME_AXES_MAX 15L

/* PRN_MOVE (board payload): Queue a straight move to absolute step positions at up to rate (Q16 steps per ms, major axis); refused when the queue is full, the target is outside the soft limits or an axis is not homed. */
#define ROVER_OP_PRN_MOVE 0x1202u
#define ROVER_PRN_MOVE_PAYLOAD_SIZE 21
#define ROVER_PRN_MOVE_X_OFFSET 0
#define ROVER_PRN_MOVE_X_SIZE 4
#define ROVER_PRN_MOVE_X_MIN (-268435455L)  /* steps */
#define ROVER_PRN_MOVE_X_MAX 268435455L
#define ROVER_PRN_MOVE_Y_OFFSET 4
#define ROVER_PRN_MOVE_Y_SIZE 4
#define ROVER_PRN_MOVE_Y_MIN (-268435455L)  /* steps */
#define ROVER_PRN_MOVE_Y_MAX 268435455L
#define ROVER_PRN_MOVE_Z_OFFSET 8
#define ROVER_PRN_MOVE_Z_SIZE 4
#define ROVER_PRN_MOVE_Z_MIN (-268435455L)  /* steps */
#define ROVER_PRN_MOVE_Z_MAX 268435455L
#define ROVER_PRN_MOVE_R_OFFSET 12
#define ROVER_PRN_MOVE_R_SIZE 4
#define ROVER_PRN_MOVE_R_MIN (-268435455L)  /* steps */
#define ROVER_PRN_MOVE_R_MAX 268435455L
#define ROVER_PRN_MOVE_RATE_OFFSET 16
#define ROVER_PRN_MOVE_RATE_SIZE 4
#define ROVER_PRN_MOVE_RATE_MIN 1L  /*  */
#define ROVER_PRN_MOVE_RATE_MAX 1073741824L
#define ROVER_PRN_MOVE_SINTER_OFFSET 20
#define ROVER_PRN_MOVE_SINTER_SIZE 1
#define ROVER_PRN_MOVE_SINTER_MIN 0L  /*  */
#define ROVER_PRN_MOVE_SINTER_MAX 1L

/* PRN_STOP (board payload): Stop printer motion now and empty the move queue (pause, abort, fault). */
#define ROVER_OP_PRN_STOP 0x1203u
#define ROVER_PRN_STOP_PAYLOAD_SIZE 0

#ifndef ROVER_DICT_NO_TABLES
static const rover_arg_layout_t rover_args_mob_drive[10] = {
	{ROVER_WIRE_I16, 0, 2, (-2000L), 2000L}, /* w_fl */
	{ROVER_WIRE_I16, 2, 2, (-2000L), 2000L}, /* w_fr */
	{ROVER_WIRE_I16, 4, 2, (-2000L), 2000L}, /* w_ml */
	{ROVER_WIRE_I16, 6, 2, (-2000L), 2000L}, /* w_mr */
	{ROVER_WIRE_I16, 8, 2, (-2000L), 2000L}, /* w_rl */
	{ROVER_WIRE_I16, 10, 2, (-2000L), 2000L}, /* w_rr */
	{ROVER_WIRE_I16, 12, 2, (-1200L), 1200L}, /* s_fl */
	{ROVER_WIRE_I16, 14, 2, (-1200L), 1200L}, /* s_fr */
	{ROVER_WIRE_I16, 16, 2, (-1200L), 1200L}, /* s_rl */
	{ROVER_WIRE_I16, 18, 2, (-1200L), 1200L}, /* s_rr */
};
static const rover_arg_layout_t rover_args_mob_clear_stall[1] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 6L}, /* wheel */
};
static const rover_arg_layout_t rover_args_mob_reset_odom[3] = {
	{ROVER_WIRE_I32, 0, 4, (-1000000L), 1000000L}, /* x */
	{ROVER_WIRE_I32, 4, 4, (-1000000L), 1000000L}, /* y */
	{ROVER_WIRE_I16, 8, 2, (-3142L), 3142L}, /* yaw */
};
static const rover_arg_layout_t rover_args_board_heater[2] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 0L}, /* zone */
	{ROVER_WIRE_I16, 1, 2, 0L, 15000L}, /* target */
};
static const rover_arg_layout_t rover_args_board_tlm_period[1] = {
	{ROVER_WIRE_U16, 0, 2, 0L, 60000L}, /* period */
};
static const rover_arg_layout_t rover_args_prn_home[1] = {
	{ROVER_WIRE_U8, 0, 1, 1L, 15L}, /* axes */
};
static const rover_arg_layout_t rover_args_prn_move[6] = {
	{ROVER_WIRE_I32, 0, 4, (-268435455L), 268435455L}, /* x */
	{ROVER_WIRE_I32, 4, 4, (-268435455L), 268435455L}, /* y */
	{ROVER_WIRE_I32, 8, 4, (-268435455L), 268435455L}, /* z */
	{ROVER_WIRE_I32, 12, 4, (-268435455L), 268435455L}, /* r */
	{ROVER_WIRE_U32, 16, 4, 1L, 1073741824L}, /* rate */
	{ROVER_WIRE_U8, 20, 1, 0L, 1L}, /* sinter */
};

#define ROVER_BOARD_CMD_COUNT 10
static const rover_board_cmd_def_t rover_board_cmd_defs[ROVER_BOARD_CMD_COUNT] = {
	{ROVER_OP_MOB_DRIVE, 10, 20, ROVER_BOARD_MOBILITY, rover_args_mob_drive},
	{ROVER_OP_MOB_CLEAR_STALL, 1, 1, ROVER_BOARD_MOBILITY, rover_args_mob_clear_stall},
	{ROVER_OP_MOB_RESET_ODOM, 3, 10, ROVER_BOARD_MOBILITY, rover_args_mob_reset_odom},
	{ROVER_OP_BOARD_HEATER, 2, 3, ROVER_BOARD_ANY, rover_args_board_heater},
	{ROVER_OP_BOARD_SAFE, 0, 0, ROVER_BOARD_ANY, 0},
	{ROVER_OP_BOARD_CLEAR_FAULT, 0, 0, ROVER_BOARD_ANY, 0},
	{ROVER_OP_BOARD_TLM_PERIOD, 1, 2, ROVER_BOARD_ANY, rover_args_board_tlm_period},
	{ROVER_OP_PRN_HOME, 1, 1, ROVER_BOARD_PAYLOAD, rover_args_prn_home},
	{ROVER_OP_PRN_MOVE, 6, 21, ROVER_BOARD_PAYLOAD, rover_args_prn_move},
	{ROVER_OP_PRN_STOP, 0, 0, ROVER_BOARD_PAYLOAD, 0},
};
#endif /* ROVER_DICT_NO_TABLES */

/* ---- telemetry packets: TLM payload = [id u8][fields], little-endian;
 * _OFFSET counts from the id byte (0); _SIZE is one element, _COUNT elements. */
/* MOB_WHEELS (board mobility): Wheel loops: encoders, speeds, currents, efforts, stalls (order FL FR ML MR RL RR). */
#define ROVER_PKT_MOB_WHEELS_ID 0x01u
#define ROVER_PKT_MOB_WHEELS_SIZE 60
#define ROVER_PKT_MOB_WHEELS_BOARD ROVER_BOARD_MOBILITY
#define ROVER_PKT_MOB_WHEELS_PERIOD_MS 50u
#define ROVER_PKT_MOB_WHEELS_FIXED 0
#define ROVER_PKT_MOB_WHEELS_TIME_MS_OFFSET 1
#define ROVER_PKT_MOB_WHEELS_TIME_MS_SIZE 4
#define ROVER_PKT_MOB_WHEELS_TIME_MS_COUNT 1
#define ROVER_PKT_MOB_WHEELS_ENC_COUNT_OFFSET 5
#define ROVER_PKT_MOB_WHEELS_ENC_COUNT_SIZE 4
#define ROVER_PKT_MOB_WHEELS_ENC_COUNT_COUNT 6
#define ROVER_PKT_MOB_WHEELS_WHEEL_SPEED_OFFSET 29
#define ROVER_PKT_MOB_WHEELS_WHEEL_SPEED_SIZE 2
#define ROVER_PKT_MOB_WHEELS_WHEEL_SPEED_COUNT 6
#define ROVER_PKT_MOB_WHEELS_MOTOR_CURRENT_OFFSET 41
#define ROVER_PKT_MOB_WHEELS_MOTOR_CURRENT_SIZE 2
#define ROVER_PKT_MOB_WHEELS_MOTOR_CURRENT_COUNT 6
#define ROVER_PKT_MOB_WHEELS_EFFORT_OFFSET 53
#define ROVER_PKT_MOB_WHEELS_EFFORT_SIZE 1
#define ROVER_PKT_MOB_WHEELS_EFFORT_COUNT 6
#define ROVER_PKT_MOB_WHEELS_STALLED_OFFSET 59
#define ROVER_PKT_MOB_WHEELS_STALLED_SIZE 1
#define ROVER_PKT_MOB_WHEELS_STALLED_COUNT 1

/* MOB_BODY (board mobility): Steering, IMU, tilt, odometry, power, e-box thermal and board faults. */
#define ROVER_PKT_MOB_BODY_ID 0x02u
#define ROVER_PKT_MOB_BODY_SIZE 63
#define ROVER_PKT_MOB_BODY_BOARD ROVER_BOARD_MOBILITY
#define ROVER_PKT_MOB_BODY_PERIOD_MS 50u
#define ROVER_PKT_MOB_BODY_FIXED 0
#define ROVER_PKT_MOB_BODY_TIME_MS_OFFSET 1
#define ROVER_PKT_MOB_BODY_TIME_MS_SIZE 4
#define ROVER_PKT_MOB_BODY_TIME_MS_COUNT 1
#define ROVER_PKT_MOB_BODY_STEER_OFFSET 5
#define ROVER_PKT_MOB_BODY_STEER_SIZE 2
#define ROVER_PKT_MOB_BODY_STEER_COUNT 4
#define ROVER_PKT_MOB_BODY_ACCEL_OFFSET 13
#define ROVER_PKT_MOB_BODY_ACCEL_SIZE 2
#define ROVER_PKT_MOB_BODY_ACCEL_COUNT 3
#define ROVER_PKT_MOB_BODY_GYRO_OFFSET 19
#define ROVER_PKT_MOB_BODY_GYRO_SIZE 2
#define ROVER_PKT_MOB_BODY_GYRO_COUNT 3
#define ROVER_PKT_MOB_BODY_PITCH_OFFSET 25
#define ROVER_PKT_MOB_BODY_PITCH_SIZE 4
#define ROVER_PKT_MOB_BODY_PITCH_COUNT 1
#define ROVER_PKT_MOB_BODY_ROLL_OFFSET 29
#define ROVER_PKT_MOB_BODY_ROLL_SIZE 4
#define ROVER_PKT_MOB_BODY_ROLL_COUNT 1
#define ROVER_PKT_MOB_BODY_ODOM_X_OFFSET 33
#define ROVER_PKT_MOB_BODY_ODOM_X_SIZE 4
#define ROVER_PKT_MOB_BODY_ODOM_X_COUNT 1
#define ROVER_PKT_MOB_BODY_ODOM_Y_OFFSET 37
#define ROVER_PKT_MOB_BODY_ODOM_Y_SIZE 4
#define ROVER_PKT_MOB_BODY_ODOM_Y_COUNT 1
#define ROVER_PKT_MOB_BODY_ODOM_YAW_OFFSET 41
#define ROVER_PKT_MOB_BODY_ODOM_YAW_SIZE 4
#define ROVER_PKT_MOB_BODY_ODOM_YAW_COUNT 1
#define ROVER_PKT_MOB_BODY_BATTERY_V_OFFSET 45
#define ROVER_PKT_MOB_BODY_BATTERY_V_SIZE 2
#define ROVER_PKT_MOB_BODY_BATTERY_V_COUNT 1
#define ROVER_PKT_MOB_BODY_BATTERY_A_OFFSET 47
#define ROVER_PKT_MOB_BODY_BATTERY_A_SIZE 2
#define ROVER_PKT_MOB_BODY_BATTERY_A_COUNT 1
#define ROVER_PKT_MOB_BODY_SOC_OFFSET 49
#define ROVER_PKT_MOB_BODY_SOC_SIZE 2
#define ROVER_PKT_MOB_BODY_SOC_COUNT 1
#define ROVER_PKT_MOB_BODY_SOLAR_OFFSET 51
#define ROVER_PKT_MOB_BODY_SOLAR_SIZE 2
#define ROVER_PKT_MOB_BODY_SOLAR_COUNT 1
#define ROVER_PKT_MOB_BODY_EBOX_TEMP_OFFSET 53
#define ROVER_PKT_MOB_BODY_EBOX_TEMP_SIZE 2
#define ROVER_PKT_MOB_BODY_EBOX_TEMP_COUNT 1
#define ROVER_PKT_MOB_BODY_HEATER_DUTY_OFFSET 55
#define ROVER_PKT_MOB_BODY_HEATER_DUTY_SIZE 1
#define ROVER_PKT_MOB_BODY_HEATER_DUTY_COUNT 1
#define ROVER_PKT_MOB_BODY_HEATER_FAULT_OFFSET 56
#define ROVER_PKT_MOB_BODY_HEATER_FAULT_SIZE 1
#define ROVER_PKT_MOB_BODY_HEATER_FAULT_COUNT 1
#define ROVER_PKT_MOB_BODY_FAULT_FLAGS_OFFSET 57
#define ROVER_PKT_MOB_BODY_FAULT_FLAGS_SIZE 2
#define ROVER_PKT_MOB_BODY_FAULT_FLAGS_COUNT 1
#define ROVER_PKT_MOB_BODY_ENERGY_USED_OFFSET 59
#define ROVER_PKT_MOB_BODY_ENERGY_USED_SIZE 4
#define ROVER_PKT_MOB_BODY_ENERGY_USED_COUNT 1

/* PAY_STATUS (board payload): Sintering head heater and hopper. */
#define ROVER_PKT_PAY_STATUS_ID 0x03u
#define ROVER_PKT_PAY_STATUS_SIZE 14
#define ROVER_PKT_PAY_STATUS_BOARD ROVER_BOARD_PAYLOAD
#define ROVER_PKT_PAY_STATUS_PERIOD_MS 100u
#define ROVER_PKT_PAY_STATUS_FIXED 0
#define ROVER_PKT_PAY_STATUS_TIME_MS_OFFSET 1
#define ROVER_PKT_PAY_STATUS_TIME_MS_SIZE 4
#define ROVER_PKT_PAY_STATUS_TIME_MS_COUNT 1
#define ROVER_PKT_PAY_STATUS_HEAD_TEMP_OFFSET 5
#define ROVER_PKT_PAY_STATUS_HEAD_TEMP_SIZE 2
#define ROVER_PKT_PAY_STATUS_HEAD_TEMP_COUNT 1
#define ROVER_PKT_PAY_STATUS_HEAD_TARGET_OFFSET 7
#define ROVER_PKT_PAY_STATUS_HEAD_TARGET_SIZE 2
#define ROVER_PKT_PAY_STATUS_HEAD_TARGET_COUNT 1
#define ROVER_PKT_PAY_STATUS_HEATER_DUTY_OFFSET 9
#define ROVER_PKT_PAY_STATUS_HEATER_DUTY_SIZE 1
#define ROVER_PKT_PAY_STATUS_HEATER_DUTY_COUNT 1
#define ROVER_PKT_PAY_STATUS_HEATER_FAULT_OFFSET 10
#define ROVER_PKT_PAY_STATUS_HEATER_FAULT_SIZE 1
#define ROVER_PKT_PAY_STATUS_HEATER_FAULT_COUNT 1
#define ROVER_PKT_PAY_STATUS_HOPPER_LEVEL_OFFSET 11
#define ROVER_PKT_PAY_STATUS_HOPPER_LEVEL_SIZE 1
#define ROVER_PKT_PAY_STATUS_HOPPER_LEVEL_COUNT 1
#define ROVER_PKT_PAY_STATUS_FAULT_FLAGS_OFFSET 12
#define ROVER_PKT_PAY_STATUS_FAULT_FLAGS_SIZE 2
#define ROVER_PKT_PAY_STATUS_FAULT_FLAGS_COUNT 1

/* LINK_STATS (board any): Board link and command counters (every bad input is counted here). */
#define ROVER_PKT_LINK_STATS_ID 0x04u
#define ROVER_PKT_LINK_STATS_SIZE 47
#define ROVER_PKT_LINK_STATS_BOARD ROVER_BOARD_ANY
#define ROVER_PKT_LINK_STATS_PERIOD_MS 1000u
#define ROVER_PKT_LINK_STATS_FIXED 1
#define ROVER_PKT_LINK_STATS_TIME_MS_OFFSET 1
#define ROVER_PKT_LINK_STATS_TIME_MS_SIZE 4
#define ROVER_PKT_LINK_STATS_TIME_MS_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_BYTES_OFFSET 5
#define ROVER_PKT_LINK_STATS_RX_BYTES_SIZE 4
#define ROVER_PKT_LINK_STATS_RX_BYTES_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_FRAMES_OFFSET 9
#define ROVER_PKT_LINK_STATS_RX_FRAMES_SIZE 4
#define ROVER_PKT_LINK_STATS_RX_FRAMES_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_CRC_OFFSET 13
#define ROVER_PKT_LINK_STATS_RX_CRC_SIZE 2
#define ROVER_PKT_LINK_STATS_RX_CRC_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_MALFORMED_OFFSET 15
#define ROVER_PKT_LINK_STATS_RX_MALFORMED_SIZE 2
#define ROVER_PKT_LINK_STATS_RX_MALFORMED_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_TOO_LONG_OFFSET 17
#define ROVER_PKT_LINK_STATS_RX_TOO_LONG_SIZE 2
#define ROVER_PKT_LINK_STATS_RX_TOO_LONG_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_TOO_SHORT_OFFSET 19
#define ROVER_PKT_LINK_STATS_RX_TOO_SHORT_SIZE 2
#define ROVER_PKT_LINK_STATS_RX_TOO_SHORT_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_BAD_TYPE_OFFSET 21
#define ROVER_PKT_LINK_STATS_RX_BAD_TYPE_SIZE 2
#define ROVER_PKT_LINK_STATS_RX_BAD_TYPE_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_BAD_FLAGS_OFFSET 23
#define ROVER_PKT_LINK_STATS_RX_BAD_FLAGS_SIZE 2
#define ROVER_PKT_LINK_STATS_RX_BAD_FLAGS_COUNT 1
#define ROVER_PKT_LINK_STATS_CMD_EXECUTED_OFFSET 25
#define ROVER_PKT_LINK_STATS_CMD_EXECUTED_SIZE 4
#define ROVER_PKT_LINK_STATS_CMD_EXECUTED_COUNT 1
#define ROVER_PKT_LINK_STATS_CMD_DUPLICATES_OFFSET 29
#define ROVER_PKT_LINK_STATS_CMD_DUPLICATES_SIZE 2
#define ROVER_PKT_LINK_STATS_CMD_DUPLICATES_COUNT 1
#define ROVER_PKT_LINK_STATS_CMD_OUT_OF_ORDER_OFFSET 31
#define ROVER_PKT_LINK_STATS_CMD_OUT_OF_ORDER_SIZE 2
#define ROVER_PKT_LINK_STATS_CMD_OUT_OF_ORDER_COUNT 1
#define ROVER_PKT_LINK_STATS_CMD_REJECTED_OFFSET 33
#define ROVER_PKT_LINK_STATS_CMD_REJECTED_SIZE 2
#define ROVER_PKT_LINK_STATS_CMD_REJECTED_COUNT 1
#define ROVER_PKT_LINK_STATS_TX_FRAMES_OFFSET 35
#define ROVER_PKT_LINK_STATS_TX_FRAMES_SIZE 4
#define ROVER_PKT_LINK_STATS_TX_FRAMES_COUNT 1
#define ROVER_PKT_LINK_STATS_TX_DROPPED_OFFSET 39
#define ROVER_PKT_LINK_STATS_TX_DROPPED_SIZE 2
#define ROVER_PKT_LINK_STATS_TX_DROPPED_COUNT 1
#define ROVER_PKT_LINK_STATS_HEARTBEATS_RX_OFFSET 41
#define ROVER_PKT_LINK_STATS_HEARTBEATS_RX_SIZE 2
#define ROVER_PKT_LINK_STATS_HEARTBEATS_RX_COUNT 1
#define ROVER_PKT_LINK_STATS_RX_UNEXPECTED_OFFSET 43
#define ROVER_PKT_LINK_STATS_RX_UNEXPECTED_SIZE 2
#define ROVER_PKT_LINK_STATS_RX_UNEXPECTED_COUNT 1
#define ROVER_PKT_LINK_STATS_TX_OVERFLOW_OFFSET 45
#define ROVER_PKT_LINK_STATS_TX_OVERFLOW_SIZE 2
#define ROVER_PKT_LINK_STATS_TX_OVERFLOW_COUNT 1

/* PAY_PRINTER (board payload): Printer motion: axis positions (X Y Z recoater, steps), queue, homing, limit switches (docs/printer.md). */
#define ROVER_PKT_PAY_PRINTER_ID 0x05u
#define ROVER_PKT_PAY_PRINTER_SIZE 33
#define ROVER_PKT_PAY_PRINTER_BOARD ROVER_BOARD_PAYLOAD
#define ROVER_PKT_PAY_PRINTER_PERIOD_MS 100u
#define ROVER_PKT_PAY_PRINTER_FIXED 0
#define ROVER_PKT_PAY_PRINTER_TIME_MS_OFFSET 1
#define ROVER_PKT_PAY_PRINTER_TIME_MS_SIZE 4
#define ROVER_PKT_PAY_PRINTER_TIME_MS_COUNT 1
#define ROVER_PKT_PAY_PRINTER_POS_OFFSET 5
#define ROVER_PKT_PAY_PRINTER_POS_SIZE 4
#define ROVER_PKT_PAY_PRINTER_POS_COUNT 4
#define ROVER_PKT_PAY_PRINTER_MOVING_OFFSET 21
#define ROVER_PKT_PAY_PRINTER_MOVING_SIZE 1
#define ROVER_PKT_PAY_PRINTER_MOVING_COUNT 1
#define ROVER_PKT_PAY_PRINTER_QUEUED_OFFSET 22
#define ROVER_PKT_PAY_PRINTER_QUEUED_SIZE 1
#define ROVER_PKT_PAY_PRINTER_QUEUED_COUNT 1
#define ROVER_PKT_PAY_PRINTER_HOME_STATE_OFFSET 23
#define ROVER_PKT_PAY_PRINTER_HOME_STATE_SIZE 1
#define ROVER_PKT_PAY_PRINTER_HOME_STATE_COUNT 4
#define ROVER_PKT_PAY_PRINTER_HOMED_OFFSET 27
#define ROVER_PKT_PAY_PRINTER_HOMED_SIZE 1
#define ROVER_PKT_PAY_PRINTER_HOMED_COUNT 1
#define ROVER_PKT_PAY_PRINTER_SWITCHES_OFFSET 28
#define ROVER_PKT_PAY_PRINTER_SWITCHES_SIZE 1
#define ROVER_PKT_PAY_PRINTER_SWITCHES_COUNT 1
#define ROVER_PKT_PAY_PRINTER_MOVES_DONE_OFFSET 29
#define ROVER_PKT_PAY_PRINTER_MOVES_DONE_SIZE 4
#define ROVER_PKT_PAY_PRINTER_MOVES_DONE_COUNT 1

#define ROVER_PKT_COUNT 5

/* event severities, lowest first */
#define ROVER_SEV_DIAG 0
#define ROVER_SEV_INFO 1
#define ROVER_SEV_WARN 2
#define ROVER_SEV_ERROR 3
#define ROVER_SEV_FATAL 4

/* CMD_RESULT status (EVENT payload [kind 1][seq u8][opcode u16][status u8][detail i32]) */
#define ROVER_CMD_OK 0
#define ROVER_CMD_UNKNOWN_OPCODE 1
#define ROVER_CMD_BAD_LENGTH 2  /* detail = argument bytes received */
#define ROVER_CMD_ARG_RANGE 3  /* detail = index of the argument out of range */
#define ROVER_CMD_NOT_ALLOWED 4  /* a latched fault forbids it */
#define ROVER_CMD_WRONG_BOARD 5

/* board fault flags (fault_flags in MOB_BODY / PAY_STATUS) */
#define ROVER_FAULT_HEARTBEAT_LOST 0x0001u  /* latched */
#define ROVER_FAULT_DRIVE_DEADLINE 0x0002u
#define ROVER_FAULT_HEATER_DEADLINE 0x0004u
#define ROVER_FAULT_HEATER 0x0008u
#define ROVER_FAULT_STALL 0x0010u
#define ROVER_FAULT_OFF_MAP 0x0020u
#define ROVER_FAULT_BAD_COMMAND 0x0040u  /* latched */
#define ROVER_FAULT_LATCHED (ROVER_FAULT_HEARTBEAT_LOST | ROVER_FAULT_BAD_COMMAND)

/* heater zones: the highest target a command may set, deci-C */
#define ROVER_HEATER_EBOX_BOARD ROVER_BOARD_MOBILITY
#define ROVER_HEATER_EBOX_ZONE 0
#define ROVER_HEATER_EBOX_MAX_DC 600
#define ROVER_HEATER_HEAD_BOARD ROVER_BOARD_PAYLOAD
#define ROVER_HEATER_HEAD_ZONE 0
#define ROVER_HEATER_HEAD_MAX_DC 15000

/* limits */
#define ROVER_LIMIT_BOARD_DRIVE_DEADLINE_MS 300u  /* ms */
#define ROVER_LIMIT_BOARD_HEARTBEAT_TIMEOUT_MS 1000u  /* ms */
#define ROVER_LIMIT_BOARD_HEATER_DEADLINE_MS 3000u  /* ms */
#define ROVER_LIMIT_HAZARD_TILT_DEG 20u  /* deg */

/* event ids and severities (ROVER_SEV_*) */
#define ROVER_EVT_MODE_CHANGED 1u
#define ROVER_EVT_MODE_CHANGED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_MODE_REFUSED 2u
#define ROVER_EVT_MODE_REFUSED_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_MODE_SAFING 3u
#define ROVER_EVT_MODE_SAFING_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_MODE_ACTION_FAILED 4u
#define ROVER_EVT_MODE_ACTION_FAILED_SEVERITY ROVER_SEV_ERROR
#define ROVER_EVT_CMD_DISPATCHED 10u
#define ROVER_EVT_CMD_DISPATCHED_SEVERITY ROVER_SEV_DIAG
#define ROVER_EVT_CMD_COMPLETED 11u
#define ROVER_EVT_CMD_COMPLETED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_CMD_FAILED 12u
#define ROVER_EVT_CMD_FAILED_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_CMD_REFUSED 13u
#define ROVER_EVT_CMD_REFUSED_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_CMD_TIMEOUT 14u
#define ROVER_EVT_CMD_TIMEOUT_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_SEQ_STARTED 20u
#define ROVER_EVT_SEQ_STARTED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_SEQ_COMPLETED 21u
#define ROVER_EVT_SEQ_COMPLETED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_SEQ_FAILED 22u
#define ROVER_EVT_SEQ_FAILED_SEVERITY ROVER_SEV_ERROR
#define ROVER_EVT_SEQ_ABORTED 23u
#define ROVER_EVT_SEQ_ABORTED_SEVERITY ROVER_SEV_ERROR
#define ROVER_EVT_CHECK_FAILED 24u
#define ROVER_EVT_CHECK_FAILED_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_WAIT_TIMEOUT 25u
#define ROVER_EVT_WAIT_TIMEOUT_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_SEQ_CANCELLED 26u
#define ROVER_EVT_SEQ_CANCELLED_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_TIME_TAG_LATE 27u
#define ROVER_EVT_TIME_TAG_LATE_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_FP_MONITOR_TRIPPED 30u
#define ROVER_EVT_FP_MONITOR_TRIPPED_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_FP_MONITOR_CLEARED 31u
#define ROVER_EVT_FP_MONITOR_CLEARED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_FP_RESPONSE_FIRED 32u
#define ROVER_EVT_FP_RESPONSE_FIRED_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_FP_TABLE_LOADED 33u
#define ROVER_EVT_FP_TABLE_LOADED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_FP_RESPONSE_LOGGED 34u
#define ROVER_EVT_FP_RESPONSE_LOGGED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_FP_RESPONSE_FAILED 35u
#define ROVER_EVT_FP_RESPONSE_FAILED_SEVERITY ROVER_SEV_ERROR
#define ROVER_EVT_HAZARD_STOP 40u
#define ROVER_EVT_HAZARD_STOP_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_WHEEL_STALL 41u
#define ROVER_EVT_WHEEL_STALL_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_TLM_LIMIT 42u
#define ROVER_EVT_TLM_LIMIT_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_LINK_LOST 50u
#define ROVER_EVT_LINK_LOST_SEVERITY ROVER_SEV_ERROR
#define ROVER_EVT_LINK_RESTORED 51u
#define ROVER_EVT_LINK_RESTORED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_DICT_MISMATCH 52u
#define ROVER_EVT_DICT_MISMATCH_SEVERITY ROVER_SEV_FATAL
#define ROVER_EVT_LOG 60u
#define ROVER_EVT_LOG_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_UNDECLARED_EVENT 61u
#define ROVER_EVT_UNDECLARED_EVENT_SEVERITY ROVER_SEV_WARN
#define ROVER_EVT_MISSION_PASSED 62u
#define ROVER_EVT_MISSION_PASSED_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_MISSION_FAILED 63u
#define ROVER_EVT_MISSION_FAILED_SEVERITY ROVER_SEV_ERROR
#define ROVER_EVT_PRINT_STATE 70u
#define ROVER_EVT_PRINT_STATE_SEVERITY ROVER_SEV_INFO
#define ROVER_EVT_PRINT_LAYER_DONE 71u
#define ROVER_EVT_PRINT_LAYER_DONE_SEVERITY ROVER_SEV_INFO

#endif /* ROVER_DICTIONARY_H */
