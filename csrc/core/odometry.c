/*
 * Odometry and the fixed-point trig it (and tilt) uses.  See
 * docs/fixed_point.md for formats, rounding and measured error bounds.
 */
#include "odometry.h"
#include "fixed.h"
#include "rom.h"
#include "fx_mul16.h"

/* round(32767 * sin(i * 8192e-6)), i = 0..192: a quarter wave (and a
 * little beyond pi/2) sampled every 2^13 urad, so the index and the
 * interpolation fraction of an angle in urad are a shift and a mask (no
 * division); scaled by 32767 so that sin(pi/2) fits int16 and
 * sin = table / 32767 exactly. */
#define SIN_STEP_SHIFT 13
static const int16_t sin_tab[193] FX_ROM = {
	0, 268, 537, 805, 1074, 1342, 1610, 1878, 2146, 2414, 2681, 2949,
	3216, 3483, 3750, 4016, 4283, 4549, 4814, 5080, 5345, 5609, 5873, 6137,
	6401, 6664, 6926, 7189, 7450, 7711, 7972, 8232, 8492, 8751, 9009, 9267,
	9524, 9780, 10036, 10291, 10546, 10800, 11053, 11305, 11557, 11807, 12057, 12307,
	12555, 12803, 13049, 13295, 13540, 13784, 14027, 14269, 14510, 14750, 14990, 15228,
	15465, 15701, 15936, 16170, 16403, 16635, 16866, 17095, 17324, 17551, 17777, 18002,
	18225, 18448, 18669, 18889, 19108, 19325, 19541, 19756, 19970, 20182, 20393, 20602,
	20810, 21017, 21222, 21426, 21628, 21829, 22028, 22226, 22423, 22618, 22811, 23003,
	23194, 23383, 23570, 23755, 23940, 24122, 24303, 24482, 24660, 24836, 25010, 25182,
	25353, 25523, 25690, 25856, 26020, 26182, 26343, 26501, 26658, 26814, 26967, 27119,
	27268, 27416, 27562, 27707, 27849, 27989, 28128, 28265, 28400, 28533, 28664, 28793,
	28920, 29045, 29168, 29290, 29409, 29526, 29642, 29755, 29867, 29976, 30083, 30189,
	30292, 30393, 30493, 30590, 30685, 30778, 30869, 30958, 31045, 31130, 31213, 31293,
	31372, 31448, 31523, 31595, 31665, 31733, 31799, 31863, 31924, 31984, 32041, 32096,
	32149, 32200, 32248, 32295, 32339, 32381, 32421, 32459, 32495, 32528, 32559, 32588,
	32615, 32640, 32663, 32683, 32701, 32717, 32731, 32742, 32752, 32759, 32764, 32766,
	32767
};

/* round(1e6 * atan(i / 128)), i = 0..128, in urad. */
static const uint32_t atan_tab[129] FX_ROM = {
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
	int32_t k, r;

	/* Within three half turns the general formula below reduces to one
	 * add or subtract of 2 pi (k is 0 or +-1 and k * 307 / 1000 is 0):
	 * the common case, without a division. */
	if (a >= -PI_U && a <= PI_U)
		return a;
	if (a > PI_U && a <= 3 * PI_U)
		return a - TWO_PI_U;
	if (a < -PI_U && a >= -3 * PI_U)
		return a + TWO_PI_U;
	/* 2 pi = 6283185.307 urad: the 0.307 per turn is subtracted too, so
	 * even +-342 turns (all of int32) wrap to within 1 urad. */
	k = a / TWO_PI_U;
	r = a - k * TWO_PI_U - (k * 307) / 1000;
	if (r > PI_U)
		r -= TWO_PI_U;
	else if (r < -PI_U)
		r += TWO_PI_U;
	return r;
}

/* sin of x in [0, pi/2] urad, Q15 (scale 32767): the table entry below x
 * plus the linear interpolation to the next, rounded.  The step between
 * entries is at most 269, so d * f < 2^22 (a 16 x 16-bit product), and
 * d f + 2^12 < 2^29: its >> 13 is << 3 and the upper half. */
static int16_t sin_quarter(int32_t x)
{
	uint8_t i = (uint8_t)((uint16_t)((uint32_t)x >> 8) >> (SIN_STEP_SHIFT - 8)); /* <= 191 */
	uint16_t f = (uint16_t)((uint32_t)x & ((1u << SIN_STEP_SHIFT) - 1u));
	int16_t t0 = fx_rom_i16(&sin_tab[i]);
	uint16_t d = (uint16_t)(fx_rom_i16(&sin_tab[i + 1]) - t0);

	return (int16_t)(t0 + (int16_t)(((fx_mul16u(d, f) + (1u << (SIN_STEP_SHIFT - 1))) <<
					 (16 - SIN_STEP_SHIFT)) >> 16));
}

/* fx_sin_urad and fx_cos_urad of an angle x already wrapped to [-pi, pi]
 * (one wrap for both; the same branches as each). */
static void sincos_wrapped(int32_t x, int16_t *sin_q15, int16_t *cos_q15)
{
	int32_t ax = x < 0 ? -x : x;
	int16_t v;

	if (ax > HALF_PI_U) {
		v = sin_quarter(PI_U - ax);
		*cos_q15 = (int16_t)-sin_quarter(ax - HALF_PI_U);
	} else {
		v = sin_quarter(ax);
		*cos_q15 = sin_quarter(HALF_PI_U - ax);
	}
	*sin_q15 = x < 0 ? (int16_t)-v : v;
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

/* floor(r * 2^20 / d) for r < d < 2^16: the restoring division in 16 bits.
 * The remainder stays below d; doubling it may carry out of 16 bits, and
 * then 2 r >= 2^16 > d, so d is subtracted, and 2 r - d < d is what the
 * 16-bit difference leaves.  The quotient's top 4 bits and low 16 are
 * formed in their own bytes. */
#define RATIO_STEP(q)					\
	do {							\
		if (r & 0x8000u) {				\
			r = (uint16_t)((r << 1) - d);		\
			q = (q << 1) | 1u;			\
		} else {					\
			r <<= 1;				\
			q <<= 1;				\
			if (r >= d) {				\
				r -= d;				\
				q |= 1u;			\
			}					\
		}						\
	} while (0)

static uint32_t ratio_q20_16(uint16_t r, uint16_t d)
{
	uint8_t qh = 0, n;
	uint16_t ql = 0;

	for (n = 0; n < 4; n++)
		RATIO_STEP(qh);
	for (n = 0; n < 4; n++) {
		RATIO_STEP(ql);
		RATIO_STEP(ql);
		RATIO_STEP(ql);
		RATIO_STEP(ql);
	}
	return ((uint32_t)qh << 16) | ql;
}

/* floor(num * 2^20 / den) for num < den <= 2^31, by restoring division (no
 * 64 bit); out of line so the 16-bit case below keeps a small frame. */
static FX_NOINLINE uint32_t ratio_q20_32(uint32_t num, uint32_t den)
{
	uint32_t q = 0, r = num;
	uint8_t n;

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

/* floor(num * 2^20 / den), or 2^20 for num >= den; in 16 bits when den
 * fits them (the same quotient). */
static uint32_t ratio_q20(uint32_t num, uint32_t den)
{
	if (num >= den)
		return (uint32_t)1 << 20;
	if (den <= 0xFFFFu)
		return ratio_q20_16((uint16_t)num, (uint16_t)den);
	return ratio_q20_32(num, den);
}

/* atan(t) in urad for t = q / 2^20 in [0, 1]: the entry at q >> 13 plus
 * the interpolation, rounded.  The step between entries is below 7813 and
 * the fraction below 2^13, so d f + 4096 < 2^26 (a 16 x 16-bit product)
 * and its >> 13 is << 3 and the upper half. */
static int32_t atan_unit(uint32_t q)
{
	uint8_t i = (uint8_t)((uint16_t)(q >> 8) >> 5);
	uint16_t f = (uint16_t)q & 8191u;
	uint32_t t0;
	uint16_t d;

	if (i >= 128)
		return (int32_t)fx_rom_u32(&atan_tab[128]);
	t0 = fx_rom_u32(&atan_tab[i]);
	d = (uint16_t)(fx_rom_u32(&atan_tab[i + 1]) - t0);
	return (int32_t)(t0 + (uint16_t)(((fx_mul16u(d, f) + 4096u) << 3) >> 16));
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
static const int8_t steer_of_wheel[6] FX_ROM = { 0, 1, -1, -1, 2, 3 };

/*
 * Rounded divisions by the trig scale without a division instruction (an
 * 8-bit MCU has none; a 32-bit division is some 600 cycles there).
 *
 * floor(x / 32767) for 0 <= x < 2^31: with m = 2^15 - 1,
 * x = q0 * 2^15 + r0 = q0 * m + t (t = q0 + r0 < 2^16 + 2^15), and
 * t = q1 * 2^15 + r1 = q1 * m + u (q1 <= 2, u = q1 + r1 <= 32769 < 2 m),
 * so x = (q0 + q1) * m + u with 0 <= u < 2 m: the quotient is
 * q0 + q1 + (u >= m).
 */
uint32_t fx_udiv_q15max(uint32_t x)
{
	uint32_t q0 = (x << 1) >> 16;			/* x >> 15 (x < 2^31) */
	uint32_t t = q0 + (x & 32767u);
	uint16_t q1 = (uint16_t)((t << 1) >> 16);	/* t >> 15 */
	uint16_t u = (uint16_t)(q1 + (uint16_t)(t & 32767u));

	return q0 + q1 + (u >= 32767u);
}

/* fx_rdiv32(n, 32767) for |n| <= INT32_MAX - 16383. */
static int32_t rdiv_q15max(int32_t n)
{
	return n >= 0 ? (int32_t)fx_udiv_q15max((uint32_t)n + 16383u)
		      : -(int32_t)fx_udiv_q15max((uint32_t)-n + 16383u);
}

/* fx_rdiv32(n, 6 * 32767) for |n| <= INT32_MAX - 98301: floor(floor(x / a)
 * / b) == floor(x / (a b)), and floor(q / 6) == (q * 43691) >> 18 for
 * q < 2^17 (43691 * 6 = 2^18 + 2, so the excess q * 2 / (6 * 2^18) stays
 * below the 1/6 gap to the next integer); here q <= 65538 and
 * q * 43691 < 2^32. */
static int32_t rdiv_6q15max(int32_t n)
{
	uint32_t x = n >= 0 ? (uint32_t)n + 98301u : (uint32_t)-n + 98301u;
	uint32_t q = (uint16_t)((fx_udiv_q15max(x) * 43691u) >> 16) >> 2;	/* >> 18 */

	return n >= 0 ? (int32_t)q : -(int32_t)q;
}

/* fx_rdiv64_narrow(n, d) for d = 32767 and 6 * 32767: the division-free
 * forms when n fits their range, else the general one (same quotient). */
static int64_t rdiv64_q15max(int64_t n)
{
	if (n >= -(int64_t)(INT32_MAX - 16383) && n <= (int64_t)(INT32_MAX - 16383))
		return rdiv_q15max((int32_t)n);
	return fx_rdiv64(n, FX_Q15_MAX);
}

static int64_t rdiv64_6q15max(int64_t n)
{
	if (n >= -(int64_t)(INT32_MAX - 98301) && n <= (int64_t)(INT32_MAX - 98301))
		return rdiv_6q15max((int32_t)n);
	return fx_rdiv64(n, 6 * (int64_t)FX_Q15_MAX);
}

/* dyaw's clamp to +-ODOM_DYAW_MAX_URAD */
static int64_t clamp_dyaw(int64_t v)
{
	if (v > (int64_t)ODOM_DYAW_MAX_URAD)
		return ODOM_DYAW_MAX_URAD;
	if (v < -(int64_t)ODOM_DYAW_MAX_URAD)
		return -(int64_t)ODOM_DYAW_MAX_URAD;
	return v;
}

/*
 * 64-bit math here is deliberate: odometry runs once per update for all six
 * wheels (not per wheel per tick), and d * cos * x needs ~58 bits; the
 * divisions run in 32 bits whenever their operands fit (same quotient).
 * Displacements are scaled by 32767 (the trig scale) until the final
 * rounded divisions, so straight driving (cos = 32767) is exact.
 */
static FX_NOINLINE void odom_update_wide(struct odom_pose *p, const struct odom_geom *g,
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
		int8_t si = fx_rom_i8(&steer_of_wheel[i]);

		/* a straight wheel keeps cos 0 = 32767, sin 0 = 0 (what the
		 * table gives: no lookup) */
		if (si >= 0 && steer_mrad[si] != 0) {
			int32_t a = (int32_t)steer_mrad[si] * 1000;

			wc = fx_cos_urad(a);
			ws = fx_sin_urad(a);
		}
		if (d >= -65535 && d <= 65535) {
			/* |d * 32767| < 2^31: 32-bit products, same values, and
			 * the lever arms as 32 x 32 -> 64-bit products */
			int32_t dx32 = d * wc, dy32 = d * ws;	/* um * 32767 */

			dx = dx32;
			dy = dy32;
			num += (int64_t)xm * dy32 - (int64_t)ym * dx32;
		} else {
			dx = (int64_t)d * wc;
			dy = (int64_t)d * ws;
			num += (int64_t)xm * dy - (int64_t)ym * dx;
		}
		sx += dx;
		sy += dy;
		/* 2 * 32767^2 < 2^31 */
		den += (int32_t)(xm * xm + ym * ym);
	}
	bx = rdiv64_6q15max(sx);	/* body-frame um, |bx| <= 2^24 + 1 */
	by = rdiv64_6q15max(sy);
	if (den > 0) {
		/* num / den is um per mm = mrad; * 1000 for urad. */
		dyaw = fx_rdiv64_narrow(rdiv64_q15max(num) * 1000, den);
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
	if (bx > -32768 && bx < 32768 && by > -32768 && by < 32768) {
		/* 16 x 16-bit products, |sum| < 2 * 2^15 * 32767 < 2^31 */
		int16_t bx16 = (int16_t)bx, by16 = (int16_t)by;

		wx = rdiv_q15max((int32_t)bx16 * c - (int32_t)by16 * s);
		wy = rdiv_q15max((int32_t)bx16 * s + (int32_t)by16 * c);
	} else {
		wx = rdiv64_q15max(bx * c - by * s);
		wy = rdiv64_q15max(bx * s + by * c);
	}
	p->x_um = fx_sat32_from64((int64_t)p->x_um + wx);
	p->y_um = fx_sat32_from64((int64_t)p->y_um + wy);
	p->yaw_urad = fx_wrap_urad(yaw + (int32_t)dyaw);
}

/*
 * The update in 32 bits for the rover's ranges (the same values): every
 * |d| <= ODOM_NARROW_D_UM and every contact coordinate within
 * +-ODOM_NARROW_MM, so the clamps above are the identity.
 *
 * sum(d cos) is 32767 times the straight wheels' sum of d plus the steered
 * wheels' d cos; |sum| <= 6 * 10922 * 32767 <= INT32_MAX - 98301, the
 * range of rdiv_6q15max.
 *
 * num = sum(d (x sin - y cos)) needs ~46 bits; it is kept as
 * num = 32767 na + nb: a straight wheel adds -y d to na; a steered one
 * splits P = x sin - y cos (|P| <= 2 * 16000 * 32767 < 2^30) as
 * P = 32767 pq + pr (truncated: |pq| <= 32000, |pr| <= 32766) and adds
 * d pq to na, d pr to nb (16 x 16-bit products).  |na| <= 6 * 10922 * 32000
 * and |nb| <= 4 * 10922 * 32766 fit int32.  Since 32767 is odd, num / 32767
 * is never a half, so rounding half away from zero is rounding to nearest
 * and rdiv(32767 na + nb, 32767) = na + rdiv(nb, 32767) exactly.
 *
 * The body step |bx|, |by| <= 10923 um, so the rotation is 16 x 16-bit.
 */
#define ODOM_NARROW_D_UM 10922
#define ODOM_NARROW_MM 16000

/* n = 32767 q + r, q = trunc(n / 32767), for |n| <= 2 * 16000 * 32767
 * (|q| <= 32000, |r| <= 32766). */
static int16_t split_q15max(int32_t n, int16_t *rem)
{
	uint32_t a = n < 0 ? (uint32_t)-n : (uint32_t)n;
	uint16_t q = (uint16_t)fx_udiv_q15max(a);
	uint16_t r = (uint16_t)(a - ((uint32_t)q << 15) + q);	/* a - 32767 q < 32767 */

	if (n < 0) {
		*rem = (int16_t)-(int16_t)r;
		return (int16_t)-(int16_t)q;
	}
	*rem = (int16_t)r;
	return (int16_t)q;
}

/* floor(x / d) and x mod d for d > 0: by shifts and subtractions when the
 * quotient is below 2^12 (a few steps; the turn rates of an update give a
 * handful), else the library division. */
static uint32_t udiv_rem(uint32_t x, uint32_t d, uint32_t *rem)
{
	uint32_t q = 0;
	uint8_t n = 0;

	if (x < d) {
		*rem = x;
		return 0;
	}
	if ((x >> 12) >= d) {
		*rem = x % d;
		return x / d;
	}
	while (d <= (x >> 1)) {		/* 2 d <= x, without overflow */
		d <<= 1;
		n++;
	}
	for (;;) {			/* x < 2 d */
		q <<= 1;
		if (x >= d) {
			x -= d;
			q |= 1u;
		}
		if (n == 0)
			break;
		n--;
		d >>= 1;
	}
	*rem = x;
	return q;
}

/* clamp(rdiv(n * 1000, den), +-ODOM_DYAW_MAX_URAD) for |n| < 2^31 and
 * 0 < den < 2^22 without 64 bits: with |n| = a den + b (b < den) and
 * h = floor(den / 2), floor((1000 |n| + h) / den) = 1000 a +
 * floor((1000 b + h) / den), where 1000 b + h < 1001 den < 2^32 and the
 * second quotient is below 1024 (ten restoring steps).  a > 1073741 means
 * 1000 a > 2^30: the clamp. */
static int32_t dyaw_narrow(int32_t n, uint32_t den)
{
	uint32_t an = n < 0 ? (uint32_t)-n : (uint32_t)n;
	uint32_t b, a = udiv_rem(an, den, &b), q;

	if (a > 1073741u) {
		q = ODOM_DYAW_MAX_URAD;
	} else {
		uint32_t r = b * 1000u + (den >> 1), dd = den << 9;
		uint16_t q2 = 0;
		uint8_t k;

		for (k = 0; k < 10; k++) {
			q2 <<= 1;
			if (r >= dd) {
				r -= dd;
				q2 |= 1u;
			}
			dd >>= 1;
		}
		q = a * 1000u + q2;
		if (q > ODOM_DYAW_MAX_URAD)
			q = ODOM_DYAW_MAX_URAD;
	}
	return n < 0 ? -(int32_t)q : (int32_t)q;
}

static void odom_update_narrow(struct odom_pose *p, const struct odom_geom *g,
			       const int32_t d_um[6], const int16_t steer_mrad[4])
{
	int32_t sxq = 0, sxr = 0, sy = 0, na = 0, nb = 0, n, yaw, head, dyaw, bx, by;
	uint32_t den = 0;
	int16_t c, s;
	uint8_t i;

	for (i = 0; i < 6; i++) {
		int16_t d = (int16_t)d_um[i];
		int16_t xm = (int16_t)g->wheel_x_mm[i], ym = (int16_t)g->wheel_y_mm[i];
		int8_t si = fx_rom_i8(&steer_of_wheel[i]);

		/* each <= 2 * 16000^2; the sum of six < 2^32 */
		den += (uint32_t)(fx_mul16s(xm, xm) + fx_mul16s(ym, ym));
		if (si >= 0 && steer_mrad[si] != 0) {
			int32_t a = fx_mul16s(steer_mrad[si], 1000);
			int16_t pq, pr;

			if (a < -PI_U || a > PI_U)	/* fx_wrap_urad keeps [-pi, pi] */
				a = fx_wrap_urad(a);
			sincos_wrapped(a, &s, &c);
			sxr += fx_mul16s(d, c);
			sy += fx_mul16s(d, s);
			pq = split_q15max(fx_mul16s(xm, s) - fx_mul16s(ym, c), &pr);
			na += fx_mul16s(d, pq);
			nb += fx_mul16s(d, pr);
		} else {
			/* cos 0 = 32767, sin 0 = 0 (what the table gives) */
			sxq += d;
			na -= fx_mul16s(ym, d);
		}
	}
	bx = rdiv_6q15max(sxq * FX_Q15_MAX + sxr);	/* |bx| <= 10923 um */
	by = rdiv_6q15max(sy);
	n = na + rdiv_q15max(nb);			/* rdiv(num, 32767) */
	if (den == 0)
		dyaw = 0;
	else if (den < ((uint32_t)1 << 22))
		dyaw = dyaw_narrow(n, den);
	else
		dyaw = (int32_t)clamp_dyaw(fx_rdiv64_narrow((int64_t)n * 1000, den));

	yaw = fx_wrap_urad(p->yaw_urad);
	head = fx_wrap_urad(yaw + dyaw / 2);		/* mid-step heading */
	sincos_wrapped(head, &s, &c);
	p->x_um = fx_add_sat32(p->x_um, rdiv_q15max(fx_mul16s((int16_t)bx, c) -
						     fx_mul16s((int16_t)by, s)));
	p->y_um = fx_add_sat32(p->y_um, rdiv_q15max(fx_mul16s((int16_t)bx, s) +
						     fx_mul16s((int16_t)by, c)));
	p->yaw_urad = fx_wrap_urad(yaw + dyaw);
}

void odom_update(struct odom_pose *p, const struct odom_geom *g,
		 const int32_t d_um[6], const int16_t steer_mrad[4])
{
	uint8_t i;

	for (i = 0; i < 6; i++) {
		if (d_um[i] < -ODOM_NARROW_D_UM || d_um[i] > ODOM_NARROW_D_UM ||
		    g->wheel_x_mm[i] < -ODOM_NARROW_MM || g->wheel_x_mm[i] > ODOM_NARROW_MM ||
		    g->wheel_y_mm[i] < -ODOM_NARROW_MM || g->wheel_y_mm[i] > ODOM_NARROW_MM) {
			odom_update_wide(p, g, d_um, steer_mrad);
			return;
		}
	}
	odom_update_narrow(p, g, d_um, steer_mrad);
}
