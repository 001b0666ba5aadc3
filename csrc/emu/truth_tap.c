/*
 * Truth tap (truth_tap.h): the plant's pose, out of band, for the bench's
 * emulated navigation camera.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "truth_tap.h"
#include "plant/body.h"

int truth_tap_open(struct truth_tap *t, const char *who, const char *path, uint32_t period_ms)
{
	struct sockaddr_un a;

	memset(t, 0, sizeof *t);
	t->listen_fd = t->fd = -1;
	if (period_ms == 0) {
		fprintf(stderr, "%s: --truth-period-ms must be > 0\n", who);
		return -1;
	}
	if (strlen(path) >= sizeof a.sun_path) {
		fprintf(stderr, "%s: --truth-socket path %s is too long (%zu bytes; a UNIX socket path "
			"holds at most %zu)\n", who, path, strlen(path), sizeof a.sun_path - 1);
		return -1;
	}
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	unlink(path);
	t->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->listen_fd < 0 || bind(t->listen_fd, (struct sockaddr *)&a, sizeof a) ||
	    listen(t->listen_fd, 1)) {
		fprintf(stderr, "%s: --truth-socket %s: %s\n", who, path, strerror(errno));
		if (t->listen_fd >= 0)
			close(t->listen_fd);
		t->listen_fd = -1;
		return -1;
	}
	strcpy(t->path, path);
	t->period_ms = period_ms;
	return 0;
}

static void put_u16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *b, uint32_t v)
{
	put_u16(b, (uint16_t)v);
	put_u16(b + 2, (uint16_t)(v >> 16));
}

static void put_u64(uint8_t *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b + 4, (uint32_t)(v >> 32));
}

static void put_f64(uint8_t *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);       /* IEEE 754 binary64, written little-endian */
	put_u64(b, u);
}

void truth_tap_step(struct truth_tap *t, uint64_t t_ms, const struct body *b)
{
	uint8_t rec[TRUTH_TAP_SIZE];
	ssize_t r;

	if (t->listen_fd < 0 || t_ms % t->period_ms)
		return;
	if (t->fd < 0) {
		t->fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (t->fd < 0)
			return;         /* nobody reading */
		t->seq = 0;
	}
	memset(rec, 0, sizeof rec);
	rec[0] = TRUTH_TAP_TYPE;
	rec[1] = TRUTH_TAP_VERSION;
	put_u16(rec + 2, TRUTH_TAP_SIZE);
	put_u32(rec + 4, t->seq + 1u);
	put_u64(rec + 8, t_ms);
	put_f64(rec + 16, b->x_m);
	put_f64(rec + 24, b->y_m);
	put_f64(rec + 32, b->z_m);
	put_f64(rec + 40, b->yaw_rad);
	put_f64(rec + 48, b->pitch_rad);
	put_f64(rec + 56, b->roll_rad);
	r = send(t->fd, rec, sizeof rec, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (r == (ssize_t)sizeof rec) {
		t->seq++;
		t->sent++;
	} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		t->seq++;                /* the reader sees the gap */
		t->dropped++;
	} else {
		/* the reader went away (or a partial record: the stream is no
		 * longer aligned): drop the connection, take the next reader */
		close(t->fd);
		t->fd = -1;
	}
}

void truth_tap_close(struct truth_tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->listen_fd >= 0) {
		close(t->listen_fd);
		unlink(t->path);
	}
	t->fd = t->listen_fd = -1;
}
