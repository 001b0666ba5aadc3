/*
 * GENERATED from common/dictionary/rover.toml - do not edit by hand.
 * Regenerate with: rover dict header -o csrc/generated
 *
 * Board command handlers (owner and handler of each [[command]] with a
 * board key).  fw_command_handlers[i] handles rover_board_cmd_defs[i].
 */
#ifndef ROVER_FW_DISPATCH_H
#define ROVER_FW_DISPATCH_H

#include "fw.h"
#include "rover_dictionary.h"

uint8_t cmd_mob_drive(struct fw *fw, const uint8_t *args, int32_t *detail);  /* MOB_DRIVE: csrc/firmware/board_mobility.c */
uint8_t cmd_mob_clear_stall(struct fw *fw, const uint8_t *args, int32_t *detail);  /* MOB_CLEAR_STALL: csrc/firmware/board_mobility.c */
uint8_t cmd_mob_reset_odom(struct fw *fw, const uint8_t *args, int32_t *detail);  /* MOB_RESET_ODOM: csrc/firmware/board_mobility.c */
uint8_t cmd_board_heater(struct fw *fw, const uint8_t *args, int32_t *detail);  /* BOARD_HEATER: csrc/firmware/fw.c */
uint8_t cmd_board_safe(struct fw *fw, const uint8_t *args, int32_t *detail);  /* BOARD_SAFE: csrc/firmware/fw.c */
uint8_t cmd_board_clear_fault(struct fw *fw, const uint8_t *args, int32_t *detail);  /* BOARD_CLEAR_FAULT: csrc/firmware/fw.c */
uint8_t cmd_board_tlm_period(struct fw *fw, const uint8_t *args, int32_t *detail);  /* BOARD_TLM_PERIOD: csrc/firmware/fw.c */
uint8_t cmd_prn_home(struct fw *fw, const uint8_t *args, int32_t *detail);  /* PRN_HOME: csrc/firmware/board_payload.c */
uint8_t cmd_prn_move(struct fw *fw, const uint8_t *args, int32_t *detail);  /* PRN_MOVE: csrc/firmware/board_payload.c */
uint8_t cmd_prn_stop(struct fw *fw, const uint8_t *args, int32_t *detail);  /* PRN_STOP: csrc/firmware/board_payload.c */

static const fw_command_fn fw_command_handlers[ROVER_BOARD_CMD_COUNT] = {
	cmd_mob_drive,
	cmd_mob_clear_stall,
	cmd_mob_reset_odom,
	cmd_board_heater,
	cmd_board_safe,
	cmd_board_clear_fault,
	cmd_board_tlm_period,
	cmd_prn_home,
	cmd_prn_move,
	cmd_prn_stop,
};

#endif /* ROVER_FW_DISPATCH_H */
