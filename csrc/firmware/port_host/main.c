/*
 * rover-fw-host: the board firmware as a Linux process.
 *
 * The "UART" is a pty (the slave path is printed as "PTY <path>" and linked
 * at --pty-link); bytes leave at the real line rate (10 bits per byte at
 * --baud).  The 1 kHz tick runs --time-scale ticks per wall millisecond, and
 * each tick steps the simulated plant wired to the pin layer.  With
 * --lockstep SOCKET the board runs only on time the host grants over that
 * control socket, and the UART is paced in board time (lockstep.c).
 * SIGTERM or SIGINT runs the shutdown handler and exits 0.  SIGUSR1 toggles a heater
 * sensor fault (open sensor) for tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "emu/plant_opts.h"
#include "lockstep.h"
#include "port_host.h"
#include "rover_dictionary.h"

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_usr1;

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	g_usr1++;
}

/* ---- port.h implementation ------------------------------------------------ */
void port_pwm_write(struct port *p, uint8_t ch, int16_t q15)
{
	if (ch < PORT_PWM_COUNT)
		p->pwm[ch] = q15;
}

void port_step_write(struct port *p, uint8_t axis, int32_t steps)
{
	if (p->role == ROVER_BOARD_PAYLOAD && axis < 4)
		p->steps[axis] += steps;
}

uint8_t port_switch_read(struct port *p)
{
	return p->role == ROVER_BOARD_PAYLOAD ? gantry_switches(&p->gantry) : 0;
}

void port_servo_write(struct port *p, uint8_t ch, int16_t mrad)
{
	if (ch < 4)
		p->servo_mrad[ch] = mrad;
}

static int32_t rnd(double v)
{
	return (int32_t)floor(v + 0.5);
}

int32_t port_adc_read(struct port *p, uint8_t ch)
{
	if (p->role == ROVER_BOARD_PAYLOAD) {
		if (ch == PORT_ADC_HEATER0_DC)
			return p->sensor_fault ? -2000 : rnd((p->head.temp_k - 273.15) * 10.0);
		if (ch == PORT_ADC_HOPPER_PCT)
			return 75;      /* no feed mechanism yet: a constant level */
		return 0;
	}
	if (ch == PORT_ADC_HEATER0_DC && p->sensor_fault)
		return -2000;
	return sim_adc(p->sim, ch);
}

void port_imu_read(struct port *p, int16_t accel_mg[3], int32_t gyro_mdps[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		accel_mg[i] = p->sim ? p->sim->imu.accel_mg[i] : 0;
		gyro_mdps[i] = p->sim ? p->sim->imu.gyro_mdps[i] : 0;
	}
}

uint16_t port_fault_flags(struct port *p)
{
	return (p->sim && p->sim->out.off_map) ? ROVER_FAULT_OFF_MAP : 0;
}

uint16_t port_uart_tx_pending(struct port *p)
{
	return (uint16_t)((p->tx_head - p->tx_tail) % HOST_TX_RING);
}

uint16_t port_uart_tx_free(struct port *p)
{
	return (uint16_t)(HOST_TX_RING - 1u - port_uart_tx_pending(p));
}

void port_uart_write(struct port *p, const uint8_t *b, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		p->tx[p->tx_head] = b[i];
		p->tx_head = (uint16_t)((p->tx_head + 1u) % HOST_TX_RING);
	}
}

uint64_t port_time_us(struct port *p)
{
	/* board time: the tick count, refined by the wall clock inside the ms */
	uint64_t base = p->ticks * 1000u;

	if (p->wall_us_now <= base)
		return base;
	return p->wall_us_now - base > 999u ? base + 999u : p->wall_us_now;
}

/* ---- host process ---------------------------------------------------------- */
struct opts {
	const char *role, *link, *lockstep;
	long baud;
	unsigned long long seed;
	double scale;
	struct plant_opts plant;        /* terrain, start pose, truth tap */
	int have_hash, have_scale;
	uint32_t hash;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: rover-fw-host --role mobility|payload [--pty-link PATH] [--baud 115200]\n"
		"       [--seed N] [--time-scale K | --lockstep SOCKET] [--dict-hash32 0xHEX]\n"
		PLANT_OPTS_USAGE);
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof *o);
	o->baud = 115200;
	o->scale = 1.0;
	plant_opts_init(&o->plant);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "rover-fw-host: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (plant_opts_take(&o->plant, a, v))
			continue;
		if (!strcmp(a, "--role")) o->role = v;
		else if (!strcmp(a, "--pty-link")) o->link = v;
		else if (!strcmp(a, "--baud")) o->baud = strtol(v, NULL, 0);
		else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--time-scale")) o->scale = strtod(v, NULL), o->have_scale = 1;
		else if (!strcmp(a, "--lockstep")) o->lockstep = v;
		else if (!strcmp(a, "--dict-hash32")) {
			o->have_hash = 1;
			o->hash = (uint32_t)strtoul(v, NULL, 0);
		} else {
			fprintf(stderr, "rover-fw-host: unknown option %s\n", a);
			return -1;
		}
	}
	if (!o->role || (strcmp(o->role, "mobility") && strcmp(o->role, "payload"))) {
		fprintf(stderr, "rover-fw-host: --role mobility|payload is required\n");
		return -1;
	}
	if (o->lockstep && (o->have_scale || !*o->lockstep)) {
		fprintf(stderr, "rover-fw-host: --lockstep SOCKET and --time-scale exclude each other "
			"(a lockstepped board runs on granted time)\n");
		return -1;
	}
	if (plant_opts_check(&o->plant, "rover-fw-host", o->role))
		return -1;
	if (o->baud < 300 || o->baud > 4000000 || !(o->scale > 0.0) || o->scale > 1000.0) {
		fprintf(stderr, "rover-fw-host: bad --baud or --time-scale\n");
		return -1;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int open_pty(int *master, int *slave, char *name, size_t cap)
{
	struct termios t;
	const char *sn;
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0 || grantpt(m) || unlockpt(m) || !(sn = ptsname(m)))
		return -1;
	snprintf(name, cap, "%s", sn);
	/* keep our own slave fd open: the master never sees a hang-up while the
	 * host reconnects, and the slave stays in raw mode */
	*slave = open(name, O_RDWR | O_NOCTTY);
	if (*slave < 0)
		return -1;
	if (tcgetattr(*slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(*slave, TCSANOW, &t);
	}
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	*master = m;
	return 0;
}

static int setup_mobility(struct port *p, const struct opts *o)
{
	struct sim_params sp;

	memset(&sp, 0, sizeof sp);
	mob_plant_params(&sp);
	p->sim = calloc(1, sizeof *p->sim);
	if (!p->sim || sim_init(p->sim, &sp, o->seed) != SIM_OK) {
		fprintf(stderr, "rover-fw-host: plant init failed\n");
		return -1;
	}
	return plant_opts_apply(&o->plant, "rover-fw-host", p->sim, &p->terrain);
}

/* each SIGUSR1 toggles the open heater sensor */
static void apply_signals(struct port *p)
{
	p->sensor_fault = (uint8_t)(g_usr1 & 1);
}

static void board_tick(struct port *p)
{
	fw_tick(p->fw);
	if (p->role == ROVER_BOARD_MOBILITY)
		mob_plant_step(p);
	else {
		int i;

		pay_plant_step(&p->head, p->pwm[PORT_PWM_HEATER0], 0.001);
		gantry_step(&p->gantry, &p->gantry_p, p->steps);
		for (i = 0; i < 4; i++)
			p->steps[i] = 0;
	}
	p->ticks++;
}

/* Bytes of `queued` whose last bit has crossed the line by `now`; *line_ns
 * is when the line finished the bytes before them, and advances by what is
 * returned. */
static uint16_t line_due(double *line_ns, uint16_t queued, double byte_ns, uint64_t now)
{
	double n;

	if (!queued || (double)now < *line_ns + byte_ns)
		return 0;
	n = floor(((double)now - *line_ns) / byte_ns);
	if (n > queued)
		n = queued;
	*line_ns += n * byte_ns;
	return (uint16_t)n;
}

/* A reply may not start before it exists: a byte queued while the line is
 * idle starts at t; one queued behind bytes still on the line follows them. */
static void tx_start(struct port *p, double *line_ns, uint64_t t)
{
	if (port_uart_tx_pending(p) && !p->tx_busy) {
		if (*line_ns < (double)t)
			*line_ns = (double)t;
		p->tx_busy = 1;
	}
}

/* Write the bytes whose last bit has left the line by t. */
static void tx_flush(struct port *p, int master, double *line_ns, double byte_ns, uint64_t t)
{
	uint16_t n;
	ssize_t r;

	if (!p->tx_busy)
		return;
	n = line_due(line_ns, port_uart_tx_pending(p), byte_ns, t);
	while (n) {
		uint16_t room = (uint16_t)(HOST_TX_RING - p->tx_tail), m = n > room ? room : n;

		r = write(master, p->tx + p->tx_tail, m);
		if (r <= 0) {
			/* nobody reading and the pty is full: like a real UART
			 * the bytes go out anyway and are lost */
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				break;
			r = m;
		}
		p->tx_tail = (uint16_t)((p->tx_tail + (uint16_t)r) % HOST_TX_RING);
		n = (uint16_t)(n - r);
	}
	if (!port_uart_tx_pending(p))
		p->tx_busy = 0;
}

/* Hand the firmware the first `queued` bytes of rxq that have crossed the
 * line by t; returns how many (removed from rxq).  The transmit line is
 * brought up to t first, so a reply to these bytes starts no earlier than
 * they arrived. */
static uint16_t rx_deliver(struct port *p, struct fw *fw, int master, uint8_t *rxq, uint16_t queued,
			   double *rx_line_ns, double *tx_line_ns, double byte_ns, uint64_t t)
{
	uint16_t n = line_due(rx_line_ns, queued, byte_ns, t);

	if (!n)
		return 0;
	tx_flush(p, master, tx_line_ns, byte_ns, t);
	fw_rx(fw, rxq, n);
	memmove(rxq, rxq + n, (size_t)(HOST_RX_QUEUE - n));
	tx_start(p, tx_line_ns, t);
	return n;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct port *p;
	struct fw *fw;
	struct sigaction sa;
	char name[256];
	int master, slave, ls_fd = -1;
	uint64_t t0;
	/* The line, both directions, 10 bits a byte at --baud: a byte is on the
	 * far side only once its last bit is (docs/firmware.md section 4). */
	double byte_ns, tx_line_ns = 0.0, rx_line_ns = 0.0;
	uint8_t rxq[HOST_RX_QUEUE];
	uint16_t rxq_len = 0;

	if (parse(argc, argv, &o)) {
		usage();
		return 2;
	}
	p = calloc(1, sizeof *p);
	fw = calloc(1, sizeof *fw);
	if (!p || !fw)
		return 1;
	p->role = !strcmp(o.role, "mobility") ? ROVER_BOARD_MOBILITY : ROVER_BOARD_PAYLOAD;
	p->fw = fw;
	p->truth.listen_fd = p->truth.fd = -1;
	if (p->role == ROVER_BOARD_MOBILITY) {
		if (setup_mobility(p, &o))
			return 1;
		if (o.plant.truth && truth_tap_open(&p->truth, "rover-fw-host", o.plant.truth,
						    (uint32_t)o.plant.truth_period_ms))
			return 1;
	} else {
		pay_plant_init(&p->head);
		gantry_default_params(&p->gantry_p);
		gantry_init(&p->gantry, &p->gantry_p);
	}
	fw_init(fw, p, p->role, o.have_hash ? o.hash : (uint32_t)ROVER_DICT_HASH32);
	(void)rover_cmd_defs;
	(void)rover_board_cmd_defs;

	/* the control socket exists before the port does: a host that finds
	 * the port finds the socket too */
	if (o.lockstep && (ls_fd = lockstep_listen(o.lockstep)) < 0)
		return 1;
	if (open_pty(&master, &slave, name, sizeof name)) {
		perror("rover-fw-host: pty");
		return 1;
	}
	if (o.link) {
		unlink(o.link);
		if (symlink(name, o.link)) {
			perror("rover-fw-host: symlink");
			return 1;
		}
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("PTY %s\n", name);
	fflush(stdout);

	byte_ns = 10.0 * 1e9 / (double)o.baud;
	t0 = now_ns();
	if (o.lockstep) {
		const struct ls_hooks hooks = { board_tick, apply_signals, &g_stop };

		lockstep_serve(ls_fd, p, master, o.baud, &hooks);
	}
	while (!o.lockstep && !g_stop) {
		uint64_t now = now_ns(), target;
		struct pollfd pfd;
		struct timespec to;
		ssize_t r;
		uint16_t n;
		int k;

		apply_signals(p);
		/* board time = scaled wall time; catch up in bounded batches so the
		 * UART keeps being served */
		p->wall_us_now = (uint64_t)((double)(now - t0) * o.scale / 1000.0);
		target = p->wall_us_now / 1000u;
		for (k = 0; k < 50 && p->ticks < target; k++)
			board_tick(p);

		/* TX first, so the line's cursor is current before this pass
		 * queues anything; what ticks queued starts now if the line is
		 * idle (nothing is banked while idle). */
		tx_flush(p, master, &tx_line_ns, byte_ns, now);
		tx_start(p, &tx_line_ns, now);

		/* RX: the host's bytes cross the line at the baud too.  Whatever the
		 * pty holds is queued; a queued byte reaches the firmware once its
		 * wire time has passed. */
		if (rxq_len < HOST_RX_QUEUE) {
			uint16_t old = rxq_len;

			r = read(master, rxq + rxq_len, HOST_RX_QUEUE - rxq_len);
			if (r > 0) {
				/* New bytes start when they were there to read (they
				 * may have been written while the ticks above ran),
				 * or right behind older bytes still on the line. */
				now = now_ns();
				n = rx_deliver(p, fw, master, rxq, old, &rx_line_ns, &tx_line_ns,
					       byte_ns, now);
				old = (uint16_t)(old - n);
				rxq_len = (uint16_t)(rxq_len - n);
				if (old == 0 && rx_line_ns < (double)now)
					rx_line_ns = (double)now;
				rxq_len = (uint16_t)(rxq_len + r);
			}
		}
		n = rx_deliver(p, fw, master, rxq, rxq_len, &rx_line_ns, &tx_line_ns, byte_ns, now);
		rxq_len = (uint16_t)(rxq_len - n);
		fw_service(fw);
		tx_start(p, &tx_line_ns, now);
		tx_flush(p, master, &tx_line_ns, byte_ns, now);

		if (p->ticks < target)
			continue;   /* behind: no sleep */
		pfd.fd = master;
		pfd.events = POLLIN;
		to.tv_sec = 0;
		to.tv_nsec = (port_uart_tx_pending(p) || rxq_len) ? (long)byte_ns : (long)(1e6 / o.scale);
		if (to.tv_nsec > 1000000)
			to.tv_nsec = 1000000;
		if (to.tv_nsec < 20000)
			to.tv_nsec = 20000;
		ppoll(&pfd, 1, &to, NULL);
	}
	fw_shutdown(fw);
	printf("SHUTDOWN outputs safe (heater %d, wheels %d %d %d %d %d %d)\n", p->pwm[PORT_PWM_HEATER0],
	       p->pwm[0], p->pwm[1], p->pwm[2], p->pwm[3], p->pwm[4], p->pwm[5]);
	fflush(stdout);
	if (o.link)
		unlink(o.link);
	if (ls_fd >= 0) {
		close(ls_fd);
		unlink(o.lockstep);
	}
	truth_tap_close(&p->truth);
	close(slave);
	close(master);
	free(p->terrain);
	free(p->sim);
	free(p);
	free(fw);
	return 0;
}
