/*
 * Portable board firmware: link, command dispatch, safety, telemetry.
 *
 * C99, no malloc, no mutable statics: the whole board is one struct fw the
 * port allocates.  Only port.h, csrc/core, csrc/link and the generated
 * dictionary header are used, so the same files build for the host (a
 * Linux process on a pty), an ATmega2560 and a Cortex-M3.  docs/firmware.md
 * explains the design; docs/protocol.md the link.
 */
#ifndef ROVER_FW_H
#define ROVER_FW_H

#include <stdint.h>

#include "link/frame.h"
#include "link/reliable.h"
#include "core/wheel_loop.h"
#include "core/quadrature.h"
#include "core/odometry.h"
#include "core/tilt.h"
#include "core/heater.h"
#include "core/motion.h"
#include "core/homing.h"
#include "port.h"
#include "rover_dictionary.h"

#define FW_VERSION_MAJOR 1
#define FW_VERSION_MINOR 0
#define FW_VERSION_PATCH 0

/* Board roles (ROVER_BOARD_*), CMD_RESULT status codes (ROVER_CMD_*), fault
 * flags (ROVER_FAULT_*), heater limits (ROVER_HEATER_*) and the safety
 * deadlines (ROVER_LIMIT_*) come from the dictionary header. */
#define FW_HB_PERIOD_MS 200u
/* Telemetry is queued only when at most this many bytes wait for the line,
 * so a reply never waits behind more than about one telemetry frame. */
#define FW_TLM_TX_LOW 8u

#define FW_MAX_PACKETS 3

struct fw_tlm {
	uint8_t id;                 /* ROVER_PKT_*_ID */
	uint8_t fixed;              /* ignores BOARD_TLM_PERIOD */
	uint8_t pending;            /* due, waiting for the line */
	uint16_t period_ms;
	uint32_t next_ms;
};

struct fw_counters {
	uint32_t tx_frames;
	uint16_t cmd_rejected;
	uint16_t tx_dropped;        /* telemetry due again before it went out */
	uint16_t tx_overflow;       /* control frame lost: UART ring full */
	uint16_t heartbeats_rx;
	uint16_t rx_unexpected;
};

/* One wheel's state together: the 1 kHz step reaches every field it uses
 * from one pointer (on AVR, one displacement load each: the estimator's
 * history comes last). */
struct mob_wheel {
	struct wheel_loop wl;
	struct quad_dec qd;
	struct speed_est se;
};

struct mob_board {
	struct mob_wheel wh[6];
	struct speed_table speed_tab;   /* the six estimators' shared rate */
	struct odom_pose odom;
	struct tilt_est tilt;
	struct heater heater;
	int32_t odom_prev[6];
	int32_t odom_rem_q16[6];
	int32_t gyro_mdps[3];
	int16_t accel_mg[3];
	int16_t steer_cmd_mrad[4];
	int16_t steer_meas_mrad[4];
	uint8_t drive_active;       /* a non-zero drive command is in force */
	uint8_t period_acc_ms;
	uint8_t odom_acc_ms;
	uint8_t heater_acc_ms;
};

#define PAY_MOVE_QUEUE 4

struct pay_move {
	int32_t target[MOTION_AXES];    /* steps */
	int32_t rate_q16;
	uint8_t sinter;
};

struct pay_board {
	struct heater heater;
	int16_t head_dc;
	uint8_t heater_acc_ms;
	/* printer motion (docs/printer.md) */
	struct motion motion;
	struct homing home[MOTION_AXES];
	struct pay_move queue[PAY_MOVE_QUEUE];
	uint8_t q_head, q_len;
	uint8_t homing_mask;            /* axes homing now */
	uint8_t homed_mask;             /* axes homed since power-up */
	uint8_t switches;
	uint8_t sinter;                 /* the executing move sinters */
	uint32_t moves_done;
};

struct fw {
	struct port *port;
	uint8_t role;
	uint32_t dict_hash32;
	uint32_t now_ms;            /* board time: 1 kHz ticks since power-up */
	/* link */
	struct link_rx rx;
	struct rel_rx rel;
	uint8_t tx_seq;
	uint8_t txbuf[LINK_MAX_WIRE];
	/* safety */
	uint16_t latched;           /* ROVER_FAULT_LATCHED bits */
	uint16_t faults;            /* current non-latched bits (deadlines, stall, ...) */
	uint16_t faults_reported;   /* fault flags as last reported in FAULT events */
	int32_t last_reject;        /* (opcode << 8) | status of the last rejected command */
	uint8_t hb_armed;           /* a host heartbeat has been seen */
	uint8_t heater_active;
	uint32_t last_hb_ms;
	uint32_t drive_deadline_ms;
	uint32_t heater_deadline_ms;
	uint32_t next_hb_ms;
	uint8_t shut_down;
	uint8_t direct;             /* no link: see fw_set_direct() */
	uint8_t port_services;      /* see fw_set_port_services() */
	/* telemetry */
	struct fw_tlm tlm[FW_MAX_PACKETS];
	uint8_t ntlm;
	uint8_t tlm_rr;             /* round-robin start */
	struct fw_counters cnt;
	union {
		struct mob_board mob;
		struct pay_board pay;
	} b;
};

/* --- entry points for the port ------------------------------------------ */
/* Returns 0, or -1 for an unknown role.  Every output starts safe. */
int fw_init(struct fw *fw, struct port *port, uint8_t role, uint32_t dict_hash32);
/* Bytes received on the UART, in order. */
void fw_rx(struct fw *fw, const uint8_t *b, uint16_t n);
/* An encoder pin change: ab = (A << 1) | B. */
void fw_encoder_edge(struct fw *fw, uint8_t ch, uint8_t ab);
/* Instead of fw_encoder_edge(): a port that decodes its encoders in their
 * interrupts (with csrc/core's quadrature step, quad_step_of()) hands over,
 * before every tick, the net steps and the illegal changes of each of the
 * six encoders since the last hand-over, taken consistently (interrupts
 * off).  The firmware's decoders then count what fw_encoder_edge() would
 * have counted from the same edges.  illegal may be NULL: none. */
void fw_encoder_steps(struct fw *fw, const int8_t steps[6], const uint8_t illegal[6]);
/* The 1 kHz tick: fw_tick_control() then fw_tick_rest(). */
void fw_tick(struct fw *fw);
/* The same tick in its two halves, for a port that times its control loop
 * apart from the rest of the tick's work: fw_tick_control() is the
 * time-critical part (board time, the deadlines, the control loops and
 * their outputs: the mobility board's six wheel loops, all of the payload
 * board's tick), fw_tick_rest() the rest of the same tick (the mobility
 * board's lower-rate jobs: IMU, tilt, steering feedback, odometry, e-box
 * heater; fault events, heartbeat, telemetry schedule).  A port calls both,
 * in this order, once a tick, with no other fw_*() call between them: the
 * firmware then does exactly what fw_tick() does. */
void fw_tick_control(struct fw *fw);
void fw_tick_rest(struct fw *fw);
/* Idle work between ticks: queue telemetry when the line is free. */
void fw_service(struct fw *fw);
/* After fw_init(): the port calls fw_service() itself right after every
 * fw_tick(), so fw_tick() only schedules telemetry and does not pack and
 * frame it (on an MCU that times its control tick, the packing then runs
 * as the background work it is).  The bytes sent are the same. */
void fw_set_port_services(struct fw *fw);
/* Every output to its safe state; the board stays quiet afterwards. */
void fw_shutdown(struct fw *fw);
/* Current fault flags (latched | live | port). */
uint16_t fw_fault_flags(struct fw *fw);

/* --- board commands ---------------------------------------------------------
 * A handler gets the argument bytes (already length- and range-checked
 * against the dictionary by the dispatcher) and returns ROVER_CMD_*, with
 * an argument index or other detail in *detail.  Each handler is declared
 * beside its code:
 *
 *	FW_COMMAND(MOB_DRIVE, cmd_mob_drive)
 *	{
 *		...
 *	}
 *
 * in the source file of the component the dictionary names as the
 * command's owner.  The dispatch table (generated/fw_dispatch.h) is
 * generated from the dictionary; `rover dict check` proves every board
 * command has exactly one FW_COMMAND. */
typedef uint8_t (*fw_command_fn)(struct fw *fw, const uint8_t *args, int32_t *detail);
#define FW_COMMAND(opname, fn) uint8_t fn(struct fw *fw, const uint8_t *args, int32_t *detail)

/* --- the same path without a line (a port in the simulator) --------------
 * A port with no UART calls these instead of fw_rx()/fw_service(): the
 * command goes through the same dispatch, argument checks and handlers as a
 * CMD frame; the telemetry through the same pack functions.  Only framing,
 * sequence numbers and the line are skipped. */
/* EVENT payloads start with a kind byte (docs/protocol.md 1.6). */
#define FW_EVENT_CMD_RESULT 1       /* [kind][seq u8][opcode u16][status u8][detail i32] */
#define FW_EVENT_FAULT 2            /* [kind][board ms u32][bit u8][set u8][flags u16][detail i32] */
#define FW_RESULT_SIZE 9
#define FW_FAULT_EVENT_SIZE 13
/* After fw_init(): no frames are sent, no telemetry is scheduled; EVENT
 * payloads other than CMD_RESULT go to port_uart_write() as records
 * [len u8][payload]. */
void fw_set_direct(struct fw *fw);
/* Execute one CMD payload [opcode u16][args]; fills the CMD_RESULT payload
 * (with seq) and returns its status (ROVER_CMD_*).  Counts and latches a
 * rejection exactly as a command from the line. */
uint8_t fw_execute(struct fw *fw, uint8_t seq, const uint8_t *payload, uint8_t len,
		   uint8_t result[FW_RESULT_SIZE]);
/* Pack telemetry packet `id` (TLM payload, id byte first) into buf
 * (LINK_MAX_PAYLOAD bytes); returns its size, 0 if this board has no such
 * packet. */
uint8_t fw_pack(struct fw *fw, uint8_t id, uint8_t *buf);
/* A host HEARTBEAT arrived (what a HEARTBEAT frame does). */
void fw_host_heartbeat(struct fw *fw);

/* --- shared between fw.c and the board files ----------------------------- */
/* All outputs safe: wheels stopped, steering held, heaters off. */
void fw_outputs_safe(struct fw *fw);

void mob_init(struct fw *fw);
void mob_tick(struct fw *fw);
void mob_tick_rest(struct fw *fw);
void mob_safe(struct fw *fw);
void mob_drive_expired(struct fw *fw);
void mob_shutdown(struct fw *fw);
uint8_t mob_pack(struct fw *fw, uint8_t id, uint8_t *buf);
uint16_t mob_faults(struct fw *fw);

void pay_init(struct fw *fw);
void pay_tick(struct fw *fw);
void pay_safe(struct fw *fw);
void pay_shutdown(struct fw *fw);
uint8_t pay_pack(struct fw *fw, uint8_t id, uint8_t *buf);
uint16_t pay_faults(struct fw *fw);

/* Heater zone 0 helpers used by BOARD_HEATER and the deadlines. */
struct heater *fw_heater(struct fw *fw);
const struct heater_cfg *fw_heater_cfg(const struct fw *fw);
extern const struct heater_cfg mob_heater_cfg;    /* board_mobility.c */
extern const struct heater_cfg pay_heater_cfg;    /* board_payload.c */

/* Little-endian field access (no alignment assumptions). */
static inline void fw_put16(uint8_t *b, uint8_t off, uint16_t v)
{
	b[off] = (uint8_t)(v & 0xFFu);
	b[off + 1] = (uint8_t)(v >> 8);
}

static inline void fw_put32(uint8_t *b, uint8_t off, uint32_t v)
{
	b[off] = (uint8_t)(v & 0xFFu);
	b[off + 1] = (uint8_t)((v >> 8) & 0xFFu);
	b[off + 2] = (uint8_t)((v >> 16) & 0xFFu);
	b[off + 3] = (uint8_t)(v >> 24);
}

static inline uint16_t fw_get16(const uint8_t *b, uint8_t off)
{
	return (uint16_t)((uint16_t)b[off] | ((uint16_t)b[off + 1] << 8));
}

static inline uint32_t fw_get32(const uint8_t *b, uint8_t off)
{
	return (uint32_t)b[off] | ((uint32_t)b[off + 1] << 8) | ((uint32_t)b[off + 2] << 16) |
	       ((uint32_t)b[off + 3] << 24);
}

static inline int16_t fw_sat16(int32_t v)
{
	return (int16_t)(v > 32767 ? 32767 : (v < -32768 ? -32768 : v));
}

/* Q15 duty -> percent, rounded toward zero. */
static inline int8_t fw_q15_pct(int16_t q15)
{
	return (int8_t)(((int32_t)q15 * 100) / 32767);
}

#endif
