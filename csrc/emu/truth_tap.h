/*
 * Truth tap: an emulated mobility board streams the plant's true pose on a
 * UNIX-domain socket, out of band of its serial line, for the bench's
 * emulated navigation camera (visual odometry made from truth, as a HIL
 * bench's sensor emulator makes it from its dynamics simulator).  A real
 * board has no such thing.  Shared by the host port (rover-fw-host) and the
 * emulated Mega (rover-simavr); POSIX, emulation only, never in a firmware
 * image or the simulator's extension.  docs/hil.md section 13.
 *
 * The board listens; one reader at a time.  Every period_ms of plant time
 * (at plant times that are whole multiples of it) it sends one 64-byte
 * record, little-endian:
 *
 *   off size field
 *    0   1   type      0x54 ('T')
 *    1   1   version   TRUTH_TAP_VERSION
 *    2   2   size      64
 *    4   4   seq       records sent on this connection, from 1
 *    8   8   t_ms      plant time (ms since the board process started)
 *   16   8   x_m       f64, site frame
 *   24   8   y_m
 *   32   8   z_m
 *   40   8   yaw_rad   f64
 *   48   8   pitch_rad
 *   56   8   roll_rad
 *
 * A record that does not fit the socket's buffer (a reader that stopped
 * reading) is dropped and counted; the reader sees the gap in seq.
 */
#ifndef ROVER_EMU_TRUTH_TAP_H
#define ROVER_EMU_TRUTH_TAP_H

#include <stdint.h>

#define TRUTH_TAP_TYPE 0x54
#define TRUTH_TAP_VERSION 1
#define TRUTH_TAP_SIZE 64

struct body;

struct truth_tap {
	int listen_fd, fd;          /* -1: none */
	uint32_t period_ms;
	uint32_t seq;               /* on the current connection */
	uint64_t sent, dropped;
	char path[108];
};

/* Listen on path (replacing a stale socket).  Returns 0, or -1 after
 * printing why (prefixed with who). */
int truth_tap_open(struct truth_tap *t, const char *who, const char *path, uint32_t period_ms);
/* Call after every plant millisecond with the plant time and body; sends a
 * record when t_ms is a multiple of the period (accepting a waiting reader
 * first).  No-op on a tap that was never opened. */
void truth_tap_step(struct truth_tap *t, uint64_t t_ms, const struct body *b);
void truth_tap_close(struct truth_tap *t);

#endif
