/*
 * Odometry and the fixed-point trig it (and tilt) uses.  See
 * docs/fixed_point.md for formats, rounding and measured error bounds.
 */
#include "odometry.h"
#include "fixed.h"

/* round(32767 * sin(i * pi / 256)), i = 0..128: a quarter wave, scaled by
 * 32767 so that sin(pi/2) fits int16 and sin = table / 32767 exactly. */
static const int16_t sin_tab[129] = {
	0, 402, 804, 1206, 1608, 2009, 2410, 2811, 3212, 3612,
	4011, 4410, 4808, 5205, 5602, 5998, 6393, 6786, 7179, 7571,
	7962, 8351, 8739, 9126, 9512, 9896, 10278, 10659, 11039, 11417,
	11793, 12167, 12539, 12910, 13279, 13645, 14010, 14372, 14732, 15090,
	15446, 15800, 16151, 16499, 16846, 17189, 17530, 17869, 18204, 18537,
	18868, 19195, 19519, 19841, 20159, 20475, 20787, 21096, 21403, 21705,
	22005, 22301, 22594, 22884, 23170, 23452, 23731, 24007, 24279, 24547,
	24811, 25072, 25329, 25582, 25832, 26077, 26319, 26556, 26790, 27019,
	27245, 27466, 27683, 27896, 28105, 28310, 28510, 28706, 28898, 29085,
	29268, 29447, 29621, 29791, 29956, 30117, 30273, 30424, 30571, 30714,
	30852, 30985, 31113, 31237, 31356, 31470, 31580, 31685, 31785, 31880,
	31971, 32057, 32137, 32213, 32285, 32351, 32412, 32469, 32521, 32567,
	32609, 32646, 32678, 32705, 32728, 32745, 32757, 32765, 32767
};

/* round(1e6 * atan(i / 128)), i = 0..128, in urad. */
static const uint32_t atan_tab[129] = {
	0, 7812, 15624, 23433, 31240, 39043, 46841, 54633,
	62419, 70197, 77967, 85727, 93477, 101215, 108942, 116655,
	124355, 132040, 139709, 147361, 154997, 162614, 170212, 177790,
	185348, 192884, 200399, 207890, 215358, 222801, 230220, 237612,
	244979, 252318, 259630, 266913, 274167, 281392, 288587, 295752,
	302885, 309986, 317056, 324092, 331096, 338066, 345002, 351904,
	358771, 365602, 372398, 379159, 385883, 392570, 399221, 405834,
	412410, 418949, 425450, 431912, 438337, 444722, 451070, 457378,
	463648, 469878, 476069, 482221, 488334, 494407, 500441, 506435,
	512389, 518304, 524180, 530015, 535811, 541568, 547284, 552962,
	558599, 564198, 569756, 575276, 580756, 586198, 591600, 596963,
	602287, 607573, 612820, 618029, 623199, 628332, 633426, 638482,
	643501, 648482, 653426, 658333, 663203, 668036, 672833, 677593,
	682317, 687004, 691657, 696273, 700854, 705400, 709912, 714388,
	718830, 723238, 727611, 731951, 736257, 740530, 744770, 748977,
	753151, 757293, 761403, 765480, 769526, 773541, 777524, 781477,
	785398
};

#define PI_U ((int32_t)FX_PI_URAD)
#define HALF_PI_U ((int32_t)FX_HALF_PI_URAD)
#define TWO_PI_U ((int32_t)FX_TWO_PI_URAD)

int32_t fx_wrap_urad(int32_t a)
{
	/* 2 pi = 6283185.307 urad: the 0.307 per turn is subtracted too, so
	 * even +-342 turns (all of int32) wrap to within 1 urad. */
	int32_t k = a / TWO_PI_U;
	int32_t r = a - k * TWO_PI_U - (k * 307) / 1000;

	if (r > PI_U)
		r -= TWO_PI_U;
	else if (r < -PI_U)
		r += TWO_PI_U;
	return r;
}

/* sin of x in [0, pi/2] urad, Q15 (scale 32767), linear interpolation. */
static int16_t sin_quarter(int32_t x)
{
	int32_t s = x * 128;			/* <= 2.02e8 */
	int32_t i = s / HALF_PI_U;
	int32_t f = s - i * HALF_PI_U;
	int32_t d;

	if (i >= 128)
		return sin_tab[128];
	d = (int32_t)sin_tab[i + 1] - sin_tab[i];	/* 0..402 */
	return (int16_t)(sin_tab[i] + (d * f + HALF_PI_U / 2) / HALF_PI_U);
}

int16_t fx_sin_urad(int32_t angle_urad)
{
	int32_t x = fx_wrap_urad(angle_urad);
	int16_t v;
	uint8_t neg = x < 0;

	if (neg)
		x = -x;
	if (x > HALF_PI_U)
		x = PI_U - x;
	v = sin_quarter(x);
	return neg ? (int16_t)-v : v;
}

int16_t fx_cos_urad(int32_t angle_urad)
{
	int32_t x = fx_wrap_urad(angle_urad);
	int32_t y;
	int16_t v;

	if (x < 0)
		x = -x;
	y = HALF_PI_U - x;			/* cos(x) = sin(pi/2 - |x|) */
	if (y < 0)
		return (int16_t)-sin_quarter(-y);
	v = sin_quarter(y);
	return v;
}

/* floor(num * 2^20 / den) for num < den, by restoring division (no 64 bit). */
static uint32_t ratio_q20(uint32_t num, uint32_t den)
{
	uint32_t q = 0, r = num;
	uint8_t n;

	if (num >= den)
		return (uint32_t)1 << 20;
	for (n = 0; n < 20; n++) {
		r <<= 1;			/* r < den <= 2^31: no wrap */
		q <<= 1;
		if (r >= den) {
			r -= den;
			q |= 1u;
		}
	}
	return q;
}

/* atan(t) in urad for t = q / 2^20 in [0, 1]. */
static int32_t atan_unit(uint32_t q)
{
	uint32_t i = q >> 13, f = q & 8191u;

	if (i >= 128)
		return (int32_t)atan_tab[128];
	return (int32_t)(atan_tab[i] + (((atan_tab[i + 1] - atan_tab[i]) * f + 4096u) >> 13));
}

int32_t fx_atan2_urad(int32_t y, int32_t x)
{
	/* Magnitudes as uint32 so INT32_MIN is fine. */
	uint32_t ax = x < 0 ? 0u - (uint32_t)x : (uint32_t)x;
	uint32_t ay = y < 0 ? 0u - (uint32_t)y : (uint32_t)y;
	int32_t a;

	if (ax == 0 && ay == 0)
		return 0;
	if (ay <= ax)
		a = atan_unit(ratio_q20(ay, ax));
	else
		a = HALF_PI_U - atan_unit(ratio_q20(ax, ay));
	if (x < 0)
		a = PI_U - a;
	if (y < 0)
		a = -a;
	return a;
}

void odom_init(struct odom_pose *p, int32_t x_um, int32_t y_um, int32_t yaw_urad)
{
	p->x_um = x_um;
	p->y_um = y_um;
	p->yaw_urad = fx_wrap_urad(yaw_urad);
}

/* Wheel index -> steer index, or -1 for the unsteered middle wheels. */
static const int8_t steer_of_wheel[6] = { 0, 1, -1, -1, 2, 3 };

/*
 * 64-bit math here is deliberate: odometry runs once per update for all six
 * wheels (not per wheel per tick), and d * cos * x needs ~58 bits.
 * Displacements are scaled by 32767 (the trig scale) until the final
 * rounded divisions, so straight driving (cos = 32767) is exact.
 */
void odom_update(struct odom_pose *p, const struct odom_geom *g,
		 const int32_t d_um[6], const int16_t steer_mrad[4])
{
	int64_t sx = 0, sy = 0, num = 0, den = 0, bx, by, dyaw, wx, wy;
	int32_t yaw, head, c, s;
	uint8_t i;

	for (i = 0; i < 6; i++) {
		int32_t d = fx_clamp32(d_um[i], -(int32_t)ODOM_D_MAX_UM, (int32_t)ODOM_D_MAX_UM);
		int32_t xm = fx_clamp32(g->wheel_x_mm[i], -(int32_t)ODOM_GEOM_MAX_MM,
					(int32_t)ODOM_GEOM_MAX_MM);
		int32_t ym = fx_clamp32(g->wheel_y_mm[i], -(int32_t)ODOM_GEOM_MAX_MM,
					(int32_t)ODOM_GEOM_MAX_MM);
		int32_t wc = FX_Q15_MAX, ws = 0;
		int64_t dx, dy;

		if (steer_of_wheel[i] >= 0) {
			int32_t a = (int32_t)steer_mrad[steer_of_wheel[i]] * 1000;

			wc = fx_cos_urad(a);
			ws = fx_sin_urad(a);
		}
		dx = (int64_t)d * wc;		/* um * 32767 */
		dy = (int64_t)d * ws;
		sx += dx;
		sy += dy;
		num += (int64_t)xm * dy - (int64_t)ym * dx;
		den += (int64_t)xm * xm + (int64_t)ym * ym;
	}
	bx = fx_rdiv64(sx, 6 * (int64_t)FX_Q15_MAX);	/* body-frame um */
	by = fx_rdiv64(sy, 6 * (int64_t)FX_Q15_MAX);
	if (den > 0) {
		/* num / den is um per mm = mrad; * 1000 for urad. */
		dyaw = fx_rdiv64(fx_rdiv64(num, FX_Q15_MAX) * 1000, den);
		if (dyaw > (int64_t)ODOM_DYAW_MAX_URAD)
			dyaw = ODOM_DYAW_MAX_URAD;
		else if (dyaw < -(int64_t)ODOM_DYAW_MAX_URAD)
			dyaw = -(int64_t)ODOM_DYAW_MAX_URAD;
	} else {
		dyaw = 0;
	}

	yaw = fx_wrap_urad(p->yaw_urad);
	head = fx_wrap_urad(yaw + (int32_t)(dyaw / 2));	/* mid-step heading */
	c = fx_cos_urad(head);
	s = fx_sin_urad(head);
	wx = fx_rdiv64(bx * c - by * s, FX_Q15_MAX);
	wy = fx_rdiv64(bx * s + by * c, FX_Q15_MAX);
	p->x_um = fx_sat32_from64((int64_t)p->x_um + wx);
	p->y_um = fx_sat32_from64((int64_t)p->y_um + wy);
	p->yaw_urad = fx_wrap_urad(yaw + (int32_t)dyaw);
}
