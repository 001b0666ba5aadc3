/*
 * Lockstep mode of the host port: board time passes only when the host
 * grants it (lockstep.h has the control messages; docs/hil.md the user's
 * view).
 *
 * Within a grant the board is an event loop in board nanoseconds.  Events:
 * the 1 kHz tick (at every whole board millisecond), a received byte's stop
 * bit (bytes the host wrote arrive one after the other, 10 bit times each,
 * starting when the board first sees them), and a transmitted byte's stop
 * bit (the UART sends the transmit ring continuously, 10 bit times a byte,
 * as a transmit interrupt keeping the hardware FIFO full would).  After
 * every event the firmware gets fw_service(), as in a main loop.  A byte
 * counts as sent (and is written to the pty) when its stop bit has left the
 * line; port_uart_tx_pending() counts it until then.
 *
 * Nothing here reads the wall clock except to give up waiting for bytes the
 * host says it wrote (the pty delivers them through a kernel work queue).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lockstep.h"
#include "port_host.h"

#define LS_RXQ 4096u                 /* bytes on the line towards the board (power of 2) */
#define LS_OUT 512u                  /* sent bytes waiting to be written to the pty */
#define LS_RX_WAIT_MS 5000           /* give up waiting for the host's announced bytes */

struct ls_uart {
	struct port *p;
	int master;
	uint64_t now_ns;                 /* board time */
	uint64_t byte_ns;                /* 10 bit times */
	/* receive: queued bytes and the board time their stop bit ends */
	uint8_t rxq[LS_RXQ];
	uint64_t rx_at[LS_RXQ];
	uint32_t rx_head, rx_tail;       /* head: next to deliver; tail: next free */
	uint64_t rx_line_free_ns;        /* the last queued byte's stop bit */
	uint32_t rx_total;
	/* transmit: the byte at p->tx_tail is on the line while tx_busy */
	int tx_busy;
	uint64_t tx_done_ns;
	uint8_t out[LS_OUT];
	uint16_t nout;
	uint32_t tx_total;
	int warned_late;
};

/* ---- messages ---------------------------------------------------------------- */
struct ls_msg {
	uint8_t type, version;
	uint16_t flags;
	uint32_t seq;
	uint64_t t_us;
	uint32_t rx_total, tx_total;
};

static void put_le(uint8_t *b, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *b, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

static int send_msg(int fd, const struct ls_msg *m)
{
	uint8_t b[LS_MSG_SIZE];
	size_t off = 0;

	b[0] = m->type;
	b[1] = m->version;
	put_le(b + 2, m->flags, 2);
	put_le(b + 4, m->seq, 4);
	put_le(b + 8, m->t_us, 8);
	put_le(b + 16, m->rx_total, 4);
	put_le(b + 20, m->tx_total, 4);
	while (off < sizeof b) {
		ssize_t r = send(fd, b + off, sizeof b - off, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

/* 1: a message; 0: the host closed; -1: error */
static int recv_msg(int fd, struct ls_msg *m)
{
	uint8_t b[LS_MSG_SIZE];
	size_t off = 0;

	while (off < sizeof b) {
		ssize_t r = recv(fd, b + off, sizeof b - off, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return 0;
		if (r < 0)
			return -1;
		off += (size_t)r;
	}
	m->type = b[0];
	m->version = b[1];
	m->flags = (uint16_t)get_le(b + 2, 2);
	m->seq = (uint32_t)get_le(b + 4, 4);
	m->t_us = get_le(b + 8, 8);
	m->rx_total = (uint32_t)get_le(b + 16, 4);
	m->tx_total = (uint32_t)get_le(b + 20, 4);
	return 1;
}

static int send_state(struct ls_uart *u, int fd, uint8_t type, uint32_t seq, uint16_t flags)
{
	struct ls_msg m;

	m.type = type;
	m.version = LS_VERSION;
	m.flags = flags;
	m.seq = seq;
	m.t_us = u->now_ns / 1000u;
	m.rx_total = u->rx_total;
	m.tx_total = u->tx_total;
	return send_msg(fd, &m);
}

/* ---- the UART in board time --------------------------------------------------- */
static uint32_t rx_queued(const struct ls_uart *u)
{
	return u->rx_tail - u->rx_head;
}

/* Queue what the pty holds.  The host announced `expect` bytes in total;
 * wait (wall clock, bounded) until they are all here, since the pty hands
 * them over through a kernel work queue. */
static void take_rx(struct ls_uart *u, uint32_t expect)
{
	uint8_t buf[512];
	int waited_ms = 0;

	for (;;) {
		uint32_t room = LS_RXQ - rx_queued(u);
		ssize_t r, i;

		if (room == 0)
			return;
		r = read(u->master, buf, room < sizeof buf ? room : sizeof buf);
		if (r > 0) {
			for (i = 0; i < r; i++) {
				uint64_t start = u->rx_line_free_ns > u->now_ns ? u->rx_line_free_ns : u->now_ns;

				u->rx_line_free_ns = start + u->byte_ns;
				u->rxq[u->rx_tail % LS_RXQ] = buf[i];
				u->rx_at[u->rx_tail % LS_RXQ] = u->rx_line_free_ns;
				u->rx_tail++;
				u->rx_total++;
			}
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if ((int32_t)(u->rx_total - expect) >= 0)
			return;
		if (waited_ms >= LS_RX_WAIT_MS) {
			if (!u->warned_late++)
				fprintf(stderr, "rover-fw-host: lockstep: %u announced byte(s) did not "
					"arrive within %d ms\n", (unsigned)(expect - u->rx_total), LS_RX_WAIT_MS);
			return;
		}
		{
			struct pollfd pf = { u->master, POLLIN, 0 };

			poll(&pf, 1, 10);
			waited_ms += 10;
		}
	}
}

static void flush_out(struct ls_uart *u)
{
	ssize_t r;

	if (u->nout == 0)
		return;
	do {
		r = write(u->master, u->out, u->nout);
	} while (r < 0 && errno == EINTR);
	/* nobody reading and the pty full: the bytes are lost, as a real
	 * UART's would be; only bytes the pty took count as sent */
	if (r > 0)
		u->tx_total += (uint32_t)r;
	u->nout = 0;
}

static void tx_start(struct ls_uart *u)
{
	if (!u->tx_busy && port_uart_tx_pending(u->p)) {
		u->tx_busy = 1;
		u->tx_done_ns = u->now_ns + u->byte_ns;
	}
}

/* The byte on the line has left it; returns the byte. */
static uint8_t tx_done(struct ls_uart *u)
{
	struct port *p = u->p;
	uint8_t b = p->tx[p->tx_tail];

	p->tx_tail = (uint16_t)((p->tx_tail + 1u) % HOST_TX_RING);
	u->tx_busy = 0;
	if (u->nout == LS_OUT)
		flush_out(u);
	u->out[u->nout++] = b;
	return b;
}

static void set_now(struct ls_uart *u, uint64_t t_ns)
{
	u->now_ns = t_ns;
	u->p->wall_us_now = t_ns / 1000u;   /* port_time_us() refines the tick count with it */
}

/* Run to target_ns (or to the first 0x00 that leaves the line when
 * stop_on_end).  Returns 1 when it stopped on a frame end. */
static int run_to(struct ls_uart *u, const struct ls_hooks *h, uint64_t target_ns, int stop_on_end)
{
	struct port *p = u->p;
	int stopped = 0;

	tx_start(u);
	while (!stopped) {
		uint64_t t_tick = (p->ticks + 1u) * 1000000u, t = t_tick;

		if (u->tx_busy && u->tx_done_ns < t)
			t = u->tx_done_ns;
		if (rx_queued(u) && u->rx_at[u->rx_head % LS_RXQ] < t)
			t = u->rx_at[u->rx_head % LS_RXQ];
		if (t > target_ns)
			break;
		set_now(u, t);
		if (u->tx_busy && u->tx_done_ns == t)
			stopped = tx_done(u) == 0x00 && stop_on_end;
		if (rx_queued(u) && u->rx_at[u->rx_head % LS_RXQ] <= t) {
			uint8_t buf[64];
			uint16_t n = 0;

			while (rx_queued(u) && u->rx_at[u->rx_head % LS_RXQ] <= t && n < sizeof buf)
				buf[n++] = u->rxq[u->rx_head++ % LS_RXQ];
			fw_rx(p->fw, buf, n);
			fw_service(p->fw);
		}
		if (t == t_tick)
			h->tick(p);             /* fw_tick() ends with fw_service() */
		else
			fw_service(p->fw);
		tx_start(u);
	}
	if (!stopped && target_ns > u->now_ns)
		set_now(u, target_ns);
	flush_out(u);
	return stopped;
}

/* ---- the control socket --------------------------------------------------------- */
int lockstep_listen(const char *path)
{
	struct sockaddr_un a;
	int fd;

	if (strlen(path) >= sizeof a.sun_path) {
		fprintf(stderr, "rover-fw-host: --lockstep path %s is too long (%zu bytes; a UNIX "
			"socket path holds at most %zu)\n", path, strlen(path), sizeof a.sun_path - 1);
		return -1;
	}
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 1)) {
		fprintf(stderr, "rover-fw-host: --lockstep %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int lockstep_serve(int listen_fd, struct port *p, int master, long baud, const struct ls_hooks *h)
{
	struct ls_uart *u = calloc(1, sizeof *u);
	int conn = -1;

	if (!u)
		return -1;
	u->p = p;
	u->master = master;
	u->byte_ns = (10u * UINT64_C(1000000000) + (uint64_t)baud / 2u) / (uint64_t)baud;
	while (!*h->stop) {
		struct pollfd pf = { conn >= 0 ? conn : listen_fd, POLLIN, 0 };
		struct ls_msg m;
		int r = poll(&pf, 1, 200);

		h->signals(p);
		if (r <= 0)
			continue;
		if (conn < 0) {
			conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (conn >= 0 && send_state(u, conn, LS_T_HELLO, 0, 0)) {
				close(conn);
				conn = -1;
			}
			continue;
		}
		r = recv_msg(conn, &m);
		if (r > 0 && (m.version != LS_VERSION || m.type != LS_T_RUN)) {
			fprintf(stderr, "rover-fw-host: lockstep: unexpected message type 0x%02x version "
				"%u (want RUN 0x%02x version %u); closing the control connection\n",
				m.type, m.version, LS_T_RUN, LS_VERSION);
			r = -1;
		}
		if (r <= 0) {
			close(conn);        /* the host went away: halt until the next one */
			conn = -1;
			continue;
		}
		h->signals(p);
		take_rx(u, m.rx_total);
		r = run_to(u, h, m.t_us * 1000u, (m.flags & LS_F_STOP_ON_FRAME_END) != 0);
		if (send_state(u, conn, LS_T_REACHED, m.seq, r ? LS_F_STOP_ON_FRAME_END : 0)) {
			close(conn);
			conn = -1;
		}
	}
	if (conn >= 0)
		close(conn);
	free(u);
	return 0;
}
