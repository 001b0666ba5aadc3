/*
 * The emulated mobility board's plant options (plant_opts.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant_opts.h"
#include "sim/sim.h"

void plant_opts_init(struct plant_opts *o)
{
	memset(o, 0, sizeof *o);
	o->cell_m = 1.0;
	o->truth_period_ms = 1000;
}

int plant_opts_take(struct plant_opts *o, const char *a, const char *v)
{
	if (!strcmp(a, "--terrain")) o->terrain = v;
	else if (!strcmp(a, "--nx")) o->nx = strtol(v, NULL, 0);
	else if (!strcmp(a, "--ny")) o->ny = strtol(v, NULL, 0);
	else if (!strcmp(a, "--cell-m")) o->cell_m = strtod(v, NULL);
	else if (!strcmp(a, "--x0-m")) o->x0_m = strtod(v, NULL);
	else if (!strcmp(a, "--y0-m")) o->y0_m = strtod(v, NULL);
	else if (!strcmp(a, "--start-x-m")) o->sx_m = strtod(v, NULL);
	else if (!strcmp(a, "--start-y-m")) o->sy_m = strtod(v, NULL);
	else if (!strcmp(a, "--start-yaw-deg")) o->syaw_deg = strtod(v, NULL);
	else if (!strcmp(a, "--truth-socket")) o->truth = v;
	else if (!strcmp(a, "--truth-period-ms")) o->truth_period_ms = strtol(v, NULL, 0);
	else
		return 0;
	return 1;
}

int plant_opts_check(const struct plant_opts *o, const char *prog, const char *role)
{
	if (o->truth && (strcmp(role, "mobility") || !*o->truth)) {
		fprintf(stderr, "%s: --truth-socket SOCKET is for the mobility board (its plant "
			"has the rover's pose)\n", prog);
		return -1;
	}
	if (o->truth_period_ms < 1 || o->truth_period_ms > 60000) {
		fprintf(stderr, "%s: --truth-period-ms must be 1..60000\n", prog);
		return -1;
	}
	return 0;
}

int plant_opts_apply(const struct plant_opts *o, const char *prog, struct sim *sim,
		     float **heights)
{
	if (o->terrain) {
		size_t n = (size_t)o->nx * (size_t)o->ny;
		FILE *f = fopen(o->terrain, "rb");

		if (o->nx < 2 || o->ny < 2 || !f) {
			fprintf(stderr, "%s: cannot read terrain %s (--nx/--ny?)\n", prog, o->terrain);
			if (f)
				fclose(f);
			return -1;
		}
		*heights = malloc(n * sizeof(float));
		if (!*heights || fread(*heights, sizeof(float), n, f) != n) {
			fprintf(stderr, "%s: terrain file shorter than nx*ny float32\n", prog);
			fclose(f);
			return -1;
		}
		fclose(f);
		if (sim_bind_terrain(sim, *heights, (int32_t)o->nx, (int32_t)o->ny, o->cell_m,
				     o->x0_m, o->y0_m) != SIM_OK) {
			fprintf(stderr, "%s: bad terrain geometry\n", prog);
			return -1;
		}
	}
	if (sim_place(sim, o->sx_m, o->sy_m, o->syaw_deg * 3.14159265358979323846 / 180.0) != SIM_OK) {
		fprintf(stderr, "%s: start pose is off the terrain map\n", prog);
		return -1;
	}
	return 0;
}
