/*
 * Lockstep mode of the host port (emulation only, like a debugger halting
 * the CPU): board time passes only when the host grants it over a
 * UNIX-domain control socket, out of band of the serial line.  Between
 * grants the board is halted.  Within a grant the board runs its 1 kHz
 * ticks and its UART in board time: bytes take 10 bit times at the baud in
 * both directions.
 *
 * Control messages are 24 bytes, little-endian (docs/hil.md, "Lockstep"):
 *
 *   off size field
 *    0   1   type      RUN 0x01 (host->board); HELLO 0x81, REACHED 0x82 (board->host)
 *    1   1   version   LS_VERSION
 *    2   2   flags     RUN: bit 0 stop after a 0x00 byte left the line;
 *                      REACHED: bit 0 stopped there (before the target)
 *    4   4   seq       RUN: any; REACHED echoes it; HELLO 0
 *    8   8   t_us      RUN: board time to run to; HELLO/REACHED: board time now
 *   16   4   rx_total  RUN: bytes the host has put on the line to the board,
 *                      counted from HELLO's rx_total (the board waits for
 *                      them before it runs); HELLO/REACHED: bytes received
 *   20   4   tx_total  HELLO/REACHED: bytes the board has put on the line
 *                      (written to the pty); RUN: 0
 */
#ifndef ROVER_FW_LOCKSTEP_H
#define ROVER_FW_LOCKSTEP_H

#include <signal.h>
#include <stdint.h>

struct port;

#define LS_MSG_SIZE 24
#define LS_VERSION 1
#define LS_T_RUN 0x01
#define LS_T_HELLO 0x81
#define LS_T_REACHED 0x82
#define LS_F_STOP_ON_FRAME_END 0x0001u

struct ls_hooks {
	void (*tick)(struct port *p);       /* one board ms: fw_tick, then the plant */
	void (*signals)(struct port *p);    /* apply signals that arrived */
	volatile sig_atomic_t *stop;        /* set by SIGTERM/SIGINT */
};

/* Create the listening control socket at path (replacing a stale one).
 * Returns the descriptor, or -1 after printing why. */
int lockstep_listen(const char *path);

/* Serve grants until *h->stop: one host at a time; a new host may connect
 * after the previous one closed.  master is the pty master (non-blocking). */
int lockstep_serve(int listen_fd, struct port *p, int master, long baud, const struct ls_hooks *h);

#endif
