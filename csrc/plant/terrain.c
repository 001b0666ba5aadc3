/*
 * Heightmap sampling and contact-plane fit.
 */
#include "terrain.h"

int terrain_height(const struct terrain *t, double x_m, double y_m, double *z_m)
{
	double u, v, fx, fy;
	const float *r0, *r1;
	int32_t i, j;

	if (!t->height_m) {
		*z_m = 0.0;
		return 0;
	}
	u = (x_m - t->origin_x_m) * t->inv_cell;
	v = (y_m - t->origin_y_m) * t->inv_cell;
	if (!(u >= 0.0 && v >= 0.0 && u <= (double)(t->nx - 1) && v <= (double)(t->ny - 1)))
		return -1;      /* also catches NaN */
	i = (int32_t)u;
	j = (int32_t)v;
	if (i > t->nx - 2)
		i = t->nx - 2;
	if (j > t->ny - 2)
		j = t->ny - 2;
	fx = u - i;
	fy = v - j;
	r0 = t->height_m + (int64_t)j * t->nx + i;
	r1 = r0 + t->nx;
	*z_m = ((double)r0[0] * (1.0 - fx) + (double)r0[1] * fx) * (1.0 - fy) +
	       ((double)r1[0] * (1.0 - fx) + (double)r1[1] * fx) * fy;
	return 0;
}

int plane_fit_init(struct plane_fit *f, const double px[6], const double py[6])
{
	/* Normal equations M = A^T A for A = [1 x y]; pinv = M^-1 A^T. */
	double m[3][3] = { { 0 } }, inv[3][3], det;
	int i, r, c;

	for (i = 0; i < 6; i++) {
		double a[3] = { 1.0, px[i], py[i] };

		f->px[i] = px[i];
		f->py[i] = py[i];
		for (r = 0; r < 3; r++)
			for (c = 0; c < 3; c++)
				m[r][c] += a[r] * a[c];
	}
	inv[0][0] = m[1][1] * m[2][2] - m[1][2] * m[2][1];
	inv[0][1] = m[0][2] * m[2][1] - m[0][1] * m[2][2];
	inv[0][2] = m[0][1] * m[1][2] - m[0][2] * m[1][1];
	inv[1][0] = m[1][2] * m[2][0] - m[1][0] * m[2][2];
	inv[1][1] = m[0][0] * m[2][2] - m[0][2] * m[2][0];
	inv[1][2] = m[0][2] * m[1][0] - m[0][0] * m[1][2];
	inv[2][0] = m[1][0] * m[2][1] - m[1][1] * m[2][0];
	inv[2][1] = m[0][1] * m[2][0] - m[0][0] * m[2][1];
	inv[2][2] = m[0][0] * m[1][1] - m[0][1] * m[1][0];
	det = m[0][0] * inv[0][0] + m[0][1] * inv[1][0] + m[0][2] * inv[2][0];
	if (det < 1e-12 && det > -1e-12)
		return -1;
	for (r = 0; r < 3; r++)
		for (i = 0; i < 6; i++) {
			double a[3] = { 1.0, px[i], py[i] };

			f->pinv[r][i] = (inv[r][0] * a[0] + inv[r][1] * a[1] + inv[r][2] * a[2]) / det;
		}
	return 0;
}

int terrain_fit(const struct terrain *t, const struct plane_fit *f, double x_m, double y_m,
		double cos_yaw, double sin_yaw, double *z0_m, double *slope_x, double *slope_y)
{
	double z[6], a = 0.0, b = 0.0, c = 0.0;
	int i;

	for (i = 0; i < 6; i++) {
		double wx = x_m + f->px[i] * cos_yaw - f->py[i] * sin_yaw;
		double wy = y_m + f->px[i] * sin_yaw + f->py[i] * cos_yaw;

		if (terrain_height(t, wx, wy, &z[i]))
			return -1;
	}
	for (i = 0; i < 6; i++) {
		a += f->pinv[0][i] * z[i];
		b += f->pinv[1][i] * z[i];
		c += f->pinv[2][i] * z[i];
	}
	*z0_m = a;
	*slope_x = b;
	*slope_y = c;
	return 0;
}
