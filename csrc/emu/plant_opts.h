/*
 * The command-line options of an emulated mobility board's plant, shared by
 * the host port (rover-fw-host) and the emulated Mega (rover-simavr): the
 * terrain height map, the start pose and the truth tap (truth_tap.h).
 * POSIX, emulation only.  docs/hil.md sections 10 and 13.
 */
#ifndef ROVER_EMU_PLANT_OPTS_H
#define ROVER_EMU_PLANT_OPTS_H

struct sim;

struct plant_opts {
	const char *terrain;            /* float32 heights, nx * ny, row-major */
	long nx, ny;
	double cell_m, x0_m, y0_m;
	double sx_m, sy_m, syaw_deg;    /* start pose */
	const char *truth;              /* truth tap socket (mobility only) */
	long truth_period_ms;
};

#define PLANT_OPTS_USAGE \
	"       [--terrain FILE.f32 --nx N --ny N --cell-m M --x0-m X --y0-m Y]\n" \
	"       [--start-x-m X --start-y-m Y --start-yaw-deg D]\n" \
	"       [--truth-socket SOCKET [--truth-period-ms 1000]]   (mobility)\n"

void plant_opts_init(struct plant_opts *o);
/* Takes option `a` with its value `v` when it is one of these: 1, else 0. */
int plant_opts_take(struct plant_opts *o, const char *a, const char *v);
/* The options against the board's role; an error is printed as "PROG:
 * ..." and returns -1. */
int plant_opts_check(const struct plant_opts *o, const char *prog, const char *role);
/* Binds the terrain file (its heights in *heights, which the plant keeps
 * pointing at) and places the rover at the start pose; -1 with a message
 * naming PROG and what is wrong. */
int plant_opts_apply(const struct plant_opts *o, const char *prog, struct sim *sim,
		     float **heights);

#endif
