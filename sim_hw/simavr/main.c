/*
 * rover-simavr: command line, image loading, the run loop, wall-clock
 * pacing, statistics.  docs/hil.md section 10.
 *
 *   rover-simavr --role mobility|payload [--pty-link PATH]
 *                [--bootloader stk500v2.hex] [--firmware IMAGE.hex|.elf]
 *                [--flash-image FILE.bin] [--boot bootloader|app]
 *                [--reset-on-open] [--time-scale K] [--seed N] [--stats FILE.json]
 *                [--terrain FILE.f32 --nx N --ny N --cell-m M --x0-m X --y0-m Y]
 *                [--start-x-m X --start-y-m Y --start-yaw-deg D] [--baud B]
 *                [--truth-socket SOCKET [--truth-period-ms 1000]]   (mobility)
 *
 * Simulated time is the MCU's: 16 MHz cycles.  The harness holds it to K
 * times the wall clock (it sleeps when ahead; when the host cannot keep up,
 * simulated time simply runs slower, and the flight software's clock sync
 * measures the rate).  The UART, timers and plant all run on simulated
 * time, so at K = 1 bytes leave at the real baud.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <simavr/sim_elf.h>
#include <simavr/sim_hex.h>
#include <simavr/sim_cycle_timers.h>
#include <simavr/avr_ioport.h>
#include "harness.h"

volatile int h_sensor_open;
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The host's monotonic time at which board cycle `cycle` is due. */
static uint64_t wall_of(const struct harness *h, uint64_t cycle)
{
	return h->wall_t0_ns + (uint64_t)((double)(cycle - h->sim_t0_cycle) * 1e9 / H_FREQ_HZ /
					  h->time_scale);
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { 0, (long)(ns > 999999999u ? 999999999u : ns) };

	nanosleep(&ts, NULL);
}

/* Free-running pace: the board may run up to 0.2 ms ahead of the host's
 * clock between sleeps (a sleep per poll would cost more than it paces);
 * what leaves the board waits for its own time (h_wait_wall). */
void h_throttle(struct harness *h)
{
	uint64_t target = wall_of(h, h->avr->cycle), now = now_ns();

	if (target > now + 200000u) {
		sleep_ns(target - now);
	} else if (now > target + 200000000u) {
		/* more than 0.2 s behind (a loaded host): do not race to catch up */
		h->wall_t0_ns += now - target;
	}
}

/* The board cycle the host's clock is at now (the pace's mapping). */
uint64_t h_cycle_now(const struct harness *h)
{
	uint64_t now = now_ns();

	if (now <= h->wall_t0_ns)
		return h->sim_t0_cycle;
	return h->sim_t0_cycle +
	       (uint64_t)((double)(now - h->wall_t0_ns) * h->time_scale * H_FREQ_HZ / 1e9);
}

/* Returns no earlier than the host time of board cycle `cycle`: a byte
 * reaches the host no sooner than it could have crossed the line. */
void h_wait_wall(struct harness *h, uint64_t cycle)
{
	uint64_t target = wall_of(h, cycle), now = now_ns();

	if (target > now)
		sleep_ns(target - now);
}

/* simavr's default sleep callback usleep()s the time to the next timer, one
 * short sleep per timer while the MCU idles, and each overshoots; pacing is
 * ours (h_throttle), so an idle MCU just jumps to its next event. */
static void no_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
	struct harness *h = avr->custom.data;

	/* simavr then advances the clock by 1 + how_long cycles: the MCU's
	 * idle time (sleep mode), counted for the CPU load figure */
	if (h)
		h->st.sleep_cycles += 1u + how_long;
}

/* --- images --------------------------------------------------------------------- */
static int load_hex(avr_t *avr, const char *path, uint32_t limit, const char *what)
{
	ihex_chunk_p chunks = NULL;
	int n = read_ihex_chunks(path, &chunks), i;

	if (n <= 0) {
		fprintf(stderr, "rover-simavr: cannot read %s %s (not Intel hex?)\n", what, path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (chunks[i].baseaddr + chunks[i].size > limit) {
			fprintf(stderr, "rover-simavr: %s %s does not fit: ends at 0x%X, limit 0x%X\n", what,
				path, (unsigned)(chunks[i].baseaddr + chunks[i].size), (unsigned)limit);
			free_ihex_chunks(chunks);
			return -1;
		}
		memcpy(avr->flash + chunks[i].baseaddr, chunks[i].data, chunks[i].size);
	}
	free_ihex_chunks(chunks);
	return 0;
}

static int load_image(avr_t *avr, const char *path, uint32_t limit)
{
	size_t n = strlen(path);

	if (n > 4 && !strcmp(path + n - 4, ".elf")) {
		elf_firmware_t f;

		memset(&f, 0, sizeof f);
		if (elf_read_firmware(path, &f) || !f.flash) {
			fprintf(stderr, "rover-simavr: cannot read ELF %s\n", path);
			return -1;
		}
		if (f.flashbase + f.flashsize > limit) {
			fprintf(stderr, "rover-simavr: firmware %s is %u bytes, more than the %u the "
				"application section holds\n", path, (unsigned)f.flashsize, (unsigned)limit);
			return -1;
		}
		memcpy(avr->flash + f.flashbase, f.flash, f.flashsize);
		return 0;
	}
	return load_hex(avr, path, limit, "firmware");
}

static int load_flash_file(avr_t *avr, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return errno == ENOENT ? 0 : -1;   /* a new chip: erased */
	n = fread(avr->flash, 1, H_FLASH_BYTES, f);
	fclose(f);
	return n == H_FLASH_BYTES ? 0 : -1;
}

static void save_flash_file(avr_t *avr, const char *path)
{
	char tmp[1024];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f)
		return;
	if (fwrite(avr->flash, 1, H_FLASH_BYTES, f) == H_FLASH_BYTES && !fclose(f))
		rename(tmp, path);
	else
		unlink(tmp);
}

/* --- resets: simavr clears every cycle timer on reset; re-arm ours --------------- */
static void (*core_reset)(avr_t *avr);

static void on_reset(avr_t *avr)
{
	struct harness *h = avr->custom.data;

	if (core_reset)
		core_reset(avr);
	h->st.resets++;
	h_uart_connect(h);
	h_plant_connect(h);
	h_profile_arm(h);
}

/* --- options --------------------------------------------------------------------- */
struct opts {
	const char *role, *link, *boot_hex, *fw, *flash_file, *boot, *stats, *profile;
	double scale;
	double stats_from_s;            /* tick statistics and profile from here on */
	long baud;
	unsigned long long seed;
	int reset_on_open;
	struct plant_opts plant;        /* terrain, start pose, truth tap */
};

static void usage(void)
{
	fprintf(stderr,
		"usage: rover-simavr --role mobility|payload [--pty-link PATH]\n"
		"       [--bootloader HEX] [--firmware HEX|ELF] [--flash-image FILE] [--boot bootloader|app]\n"
		"       [--reset-on-open] [--time-scale K] [--seed N] [--stats FILE.json] [--baud B]\n"
		"       [--profile FILE.txt] [--stats-from SECONDS]\n"
		PLANT_OPTS_USAGE);
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof *o);
	o->scale = 1.0;
	o->baud = 115200;
	plant_opts_init(&o->plant);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			exit(0);
		}
		if (!strcmp(a, "--reset-on-open")) {
			o->reset_on_open = 1;
			continue;
		}
		if (!v) {
			fprintf(stderr, "rover-simavr: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (plant_opts_take(&o->plant, a, v))
			continue;
		if (!strcmp(a, "--role")) o->role = v;
		else if (!strcmp(a, "--pty-link")) o->link = v;
		else if (!strcmp(a, "--bootloader")) o->boot_hex = v;
		else if (!strcmp(a, "--firmware")) o->fw = v;
		else if (!strcmp(a, "--flash-image")) o->flash_file = v;
		else if (!strcmp(a, "--boot")) o->boot = v;
		else if (!strcmp(a, "--stats")) o->stats = v;
		else if (!strcmp(a, "--profile")) o->profile = v;
		else if (!strcmp(a, "--stats-from")) o->stats_from_s = strtod(v, NULL);
		else if (!strcmp(a, "--baud")) o->baud = strtol(v, NULL, 0);
		else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--time-scale")) o->scale = strtod(v, NULL);
		else {
			fprintf(stderr, "rover-simavr: unknown option %s\n", a);
			return -1;
		}
	}
	if (!o->role || (strcmp(o->role, "mobility") && strcmp(o->role, "payload"))) {
		fprintf(stderr, "rover-simavr: --role mobility|payload is required\n");
		return -1;
	}
	if (o->boot && strcmp(o->boot, "bootloader") && strcmp(o->boot, "app")) {
		fprintf(stderr, "rover-simavr: --boot is bootloader or app\n");
		return -1;
	}
	if (plant_opts_check(&o->plant, "rover-simavr", o->role))
		return -1;
	if (!(o->scale > 0.0) || o->scale > 100.0) {
		fprintf(stderr, "rover-simavr: --time-scale must be in (0, 100]\n");
		return -1;
	}
	if (o->baud != 115200) {
		/* the baud is the firmware's (UBRR0), not the harness's */
		fprintf(stderr, "rover-simavr: the Mega firmware runs its UART at 115200 baud\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct harness h;
	struct sigaction sa;
	avr_t *avr;
	uint32_t usr1_seen = 0;
	uint64_t next_stats;
	int state, rc = 0;

	if (parse(argc, argv, &o)) {
		usage();
		return 2;
	}
	memset(&h, 0, sizeof h);
	h.role = !strcmp(o.role, "mobility") ? 1 : 2;
	h.time_scale = o.scale;
	h.reset_on_open = o.reset_on_open;
	h.stats_path = o.stats;
	h.flash_image = o.flash_file;
	h.truth.listen_fd = h.truth.fd = -1;
	avr = avr_make_mcu_by_name("atmega2560");
	if (!avr) {
		fprintf(stderr, "rover-simavr: this simavr has no atmega2560 core\n");
		return 1;
	}
	avr_init(avr);
	avr->frequency = H_FREQ_HZ;
	avr->sleep = no_sleep;
	avr->log = LOG_ERROR;
	h.avr = avr;
	avr->custom.data = &h;
	memset(avr->flash, 0xFF, avr->flashend + 1);
	if (o.flash_file && load_flash_file(avr, o.flash_file)) {
		fprintf(stderr, "rover-simavr: flash image %s is not a %u-byte file\n", o.flash_file,
			H_FLASH_BYTES);
		return 1;
	}
	if (o.fw && load_image(avr, o.fw, o.boot_hex ? H_BOOT_ADDR : H_FLASH_BYTES))
		return 1;
	if (o.boot_hex && load_hex(avr, o.boot_hex, H_FLASH_BYTES, "bootloader"))
		return 1;
	/* BOOTRST programmed (the Arduino fuse setting): reset runs the bootloader */
	avr->reset_pc = (o.boot_hex && !(o.boot && !strcmp(o.boot, "app"))) ? H_BOOT_ADDR : 0;
	avr->codeend = avr->flashend;
	if (h_plant_init(&h, o.seed, &o.plant))
		return 1;
	if (o.plant.truth && truth_tap_open(&h.truth, "rover-simavr", o.plant.truth,
					    (uint32_t)o.plant.truth_period_ms))
		return 1;
	if (h_uart_open(&h, o.link)) {
		perror("rover-simavr: pty");
		return 1;
	}
	if (o.profile)
		h.prof = calloc(H_FLASH_BYTES / 2, sizeof *h.prof);
	core_reset = avr->reset;
	avr->reset = on_reset;
	avr_reset(avr);                         /* arms our timers through on_reset */
	h.st.resets = 0;
	h_spi_clock_connect(&h);
	h_stats_connect(&h);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("PTY %s\n", h.pty_name);
	fflush(stdout);

	h.wall_t0_ns = now_ns();
	h.sim_t0_cycle = avr->cycle;
	next_stats = avr->cycle + 500u * H_CYCLES_PER_MS;
	h.st.from_cycle = o.stats_from_s > 0 ? (uint64_t)(o.stats_from_s * H_FREQ_HZ) : 0;
	for (;;) {
		state = avr_run(avr);
		if (state == cpu_Done || state == cpu_Crashed) {
			fprintf(stderr, "rover-simavr: the MCU %s at pc 0x%05X\n",
				state == cpu_Done ? "stopped" : "crashed", (unsigned)avr->pc);
			rc = 1;
			break;
		}
		if (g_stop)
			break;
		if (h.want_reset) {
			h.want_reset = 0;
			avr_reset(avr);
		}
		if ((uint32_t)g_usr1 != usr1_seen) {
			usr1_seen = (uint32_t)g_usr1;
			h_sensor_open = !h_sensor_open;
		}
		if (h.st.from_cycle && !h.st.from_done && avr->cycle >= h.st.from_cycle)
			h_stats_restart(&h);
		if (avr->cycle >= next_stats) {
			next_stats = avr->cycle + 500u * H_CYCLES_PER_MS;
			h_stats_write(&h);
		}
	}
	/* power off: every pin floats, the drivers' pull-downs stop the outputs */
	if (o.flash_file)
		save_flash_file(avr, o.flash_file);
	h_stats_write(&h);
	if (o.profile && h.prof)
		h_profile_write(&h, o.profile);
	printf("SHUTDOWN at %.3f s simulated\n", (double)avr->cycle / H_FREQ_HZ);
	fflush(stdout);
	if (o.link)
		unlink(o.link);
	truth_tap_close(&h.truth);
	_exit(rc);      /* no simavr teardown: nothing of it needs flushing */
}
