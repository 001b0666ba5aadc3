/*
 * Heightmap terrain bound from Python (float32, row = y, column = x, no
 * copy) and a least-squares plane through the six wheel contact heights.
 * The fit's pseudo-inverse depends only on the fixed body-frame contact
 * points, so it is computed once: a fit is three 6-element dot products.
 * A NULL height pointer means an unbounded flat plane at z = 0.
 */
#ifndef ROVER_PLANT_TERRAIN_H
#define ROVER_PLANT_TERRAIN_H

#include <stdint.h>

/* cffi:begin */
struct terrain {
	const float *height_m;      /* [ny][nx], NULL = flat, unbounded */
	int32_t nx;
	int32_t ny;
	double cell_m;
	double inv_cell;
	double origin_x_m;          /* world position of height_m[0][0] */
	double origin_y_m;
};

struct plane_fit {
	double px[6];               /* body-frame contact points */
	double py[6];
	double pinv[3][6];          /* rows: z0, dz/dx_body, dz/dy_body */
};
/* cffi:end */

/* Returns 0, or -1 if (x, y) is outside the map. */
int terrain_height(const struct terrain *t, double x_m, double y_m, double *z_m);
/* Returns 0, or -1 if the contact geometry is degenerate. */
int plane_fit_init(struct plane_fit *f, const double px[6], const double py[6]);
/* Fit at body position (x, y) with heading cos/sin.  Returns 0, or -1 if a
 * contact point is off the map (outputs untouched). */
int terrain_fit(const struct terrain *t, const struct plane_fit *f, double x_m, double y_m,
		double cos_yaw, double sin_yaw, double *z0_m, double *slope_x, double *slope_y);

#endif
