/*
 * Spatially varying soil: two float32 factor grids [ny][nx] bound from the
 * site (not copied), sampled at the nearest cell under each wheel.  sink
 * scales the Bekker moduli, shear the strength (c, tan phi) and stiffness (1/K).
 * Unbound or off the grid: factor 1 (nominal soil).
 */
#ifndef ROVER_PLANT_SOILMAP_H
#define ROVER_PLANT_SOILMAP_H

#include <stdint.h>

/* cffi:begin */
struct soil_map {
	const float *sink;
	const float *shear;
	int32_t nx, ny;
	double inv_cell;
	double origin_x_m, origin_y_m;
};
/* cffi:end */

static inline void soil_map_sample(const struct soil_map *m, double x_m, double y_m,
				   double *f_sink, double *f_shear)
{
	double u, v;
	int32_t i, j;

	*f_sink = 1.0;
	*f_shear = 1.0;
	if (!m->sink)
		return;
	u = (x_m - m->origin_x_m) * m->inv_cell + 0.5;
	v = (y_m - m->origin_y_m) * m->inv_cell + 0.5;
	if (!(u >= 0.0 && v >= 0.0 && u < (double)m->nx && v < (double)m->ny))
		return;
	i = (int32_t)u;
	j = (int32_t)v;
	*f_sink = m->sink[(int64_t)j * m->nx + i];
	*f_shear = m->shear[(int64_t)j * m->nx + i];
}

#endif
