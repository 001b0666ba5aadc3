/*
 * GENERATED from flight/dictionary/rover.toml - do not edit by hand.
 * Regenerate with: rover dict header -o csrc/generated/rover_dictionary.h
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

#define ROVER_DICT_HASH_HEX "938b3640a614991472f9aaf81abf49af9edeafe9460cedb35fa069ccb67ad7d4"
#define ROVER_DICT_HASH32 0x938B3640UL

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

static const rover_arg_layout_t rover_args_log[1] = {
	{ROVER_WIRE_STR, 0, 81, 0L, 80L}, /* text */
};
static const rover_arg_layout_t rover_args_set_mode[1] = {
	{ROVER_WIRE_U8, 0, 1, 0L, 5L}, /* mode */
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

#define ROVER_CMD_COUNT 15
static const rover_cmd_def_t rover_cmd_defs[ROVER_CMD_COUNT] = {
	{ROVER_OP_NOOP, 0, 0, 0, 0x3Fu, 1000UL, 0},
	{ROVER_OP_LOG, 1, 81, 0, 0x3Fu, 1000UL, rover_args_log},
	{ROVER_OP_SET_MODE, 1, 1, 0, 0x3Fu, 5000UL, rover_args_set_mode},
	{ROVER_OP_CLEAR_FAULT, 0, 0, 1, 0x06u, 5000UL, 0},
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
};

/* event ids and severities (0 DIAG .. 4 FATAL) */
#define ROVER_EVT_MODE_CHANGED 1u
#define ROVER_EVT_MODE_CHANGED_SEVERITY 1
#define ROVER_EVT_MODE_REFUSED 2u
#define ROVER_EVT_MODE_REFUSED_SEVERITY 2
#define ROVER_EVT_CMD_DISPATCHED 10u
#define ROVER_EVT_CMD_DISPATCHED_SEVERITY 0
#define ROVER_EVT_CMD_COMPLETED 11u
#define ROVER_EVT_CMD_COMPLETED_SEVERITY 1
#define ROVER_EVT_CMD_FAILED 12u
#define ROVER_EVT_CMD_FAILED_SEVERITY 2
#define ROVER_EVT_CMD_REFUSED 13u
#define ROVER_EVT_CMD_REFUSED_SEVERITY 2
#define ROVER_EVT_CMD_TIMEOUT 14u
#define ROVER_EVT_CMD_TIMEOUT_SEVERITY 2
#define ROVER_EVT_SEQ_STARTED 20u
#define ROVER_EVT_SEQ_STARTED_SEVERITY 1
#define ROVER_EVT_SEQ_COMPLETED 21u
#define ROVER_EVT_SEQ_COMPLETED_SEVERITY 1
#define ROVER_EVT_SEQ_FAILED 22u
#define ROVER_EVT_SEQ_FAILED_SEVERITY 2
#define ROVER_EVT_SEQ_ABORTED 23u
#define ROVER_EVT_SEQ_ABORTED_SEVERITY 2
#define ROVER_EVT_CHECK_FAILED 24u
#define ROVER_EVT_CHECK_FAILED_SEVERITY 2
#define ROVER_EVT_WAIT_TIMEOUT 25u
#define ROVER_EVT_WAIT_TIMEOUT_SEVERITY 2
#define ROVER_EVT_FP_MONITOR_TRIPPED 30u
#define ROVER_EVT_FP_MONITOR_TRIPPED_SEVERITY 2
#define ROVER_EVT_FP_MONITOR_CLEARED 31u
#define ROVER_EVT_FP_MONITOR_CLEARED_SEVERITY 1
#define ROVER_EVT_FP_RESPONSE_FIRED 32u
#define ROVER_EVT_FP_RESPONSE_FIRED_SEVERITY 2
#define ROVER_EVT_FP_TABLE_LOADED 33u
#define ROVER_EVT_FP_TABLE_LOADED_SEVERITY 1
#define ROVER_EVT_HAZARD_STOP 40u
#define ROVER_EVT_HAZARD_STOP_SEVERITY 2
#define ROVER_EVT_WHEEL_STALL 41u
#define ROVER_EVT_WHEEL_STALL_SEVERITY 2
#define ROVER_EVT_TLM_LIMIT 42u
#define ROVER_EVT_TLM_LIMIT_SEVERITY 2
#define ROVER_EVT_LINK_LOST 50u
#define ROVER_EVT_LINK_LOST_SEVERITY 3
#define ROVER_EVT_LINK_RESTORED 51u
#define ROVER_EVT_LINK_RESTORED_SEVERITY 1
#define ROVER_EVT_DICT_MISMATCH 52u
#define ROVER_EVT_DICT_MISMATCH_SEVERITY 4
#define ROVER_EVT_LOG 60u
#define ROVER_EVT_LOG_SEVERITY 1

#endif /* ROVER_DICTIONARY_H */
