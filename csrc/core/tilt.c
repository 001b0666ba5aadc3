/*
 * Complementary-filter tilt.  Signs (body x forward, y left, z up; the
 * accelerometer reads specific force, i.e. +g "up" at rest):
 *   nose up by theta   -> ax = +g sin(theta)      -> pitch = atan2(ax, hypot(ay, az))
 *   left side up by phi -> ay = +g sin(phi) cos(theta) -> roll = atan2(ay, az)
 *   right-handed gyro: +rate about +y (left) dips the nose, so
 *   pitch rate = -gyro_y; +rate about +x (forward) lifts the left side, so
 *   roll rate = +gyro_x.
 * Filter in the angle domain so it is right across +-180 deg:
 *   pred = wrap(angle + rate * dt); new = wrap(pred + (1 - alpha) * wrap(acc - pred)),
 * the correction rounded but never 0 while acc != pred.
 * 64-bit here is fine: tilt runs at the IMU rate (<= 100 Hz), not per wheel.
 */
#include "tilt.h"
#include "odometry.h"
#include "fixed.h"
#include "rom.h"
#include "fx_mul16.h"

#define MDEG_TURN ((int64_t)360000)
#define MDEG_HALF ((int64_t)180000)

/* floor(sqrt(2^24 (64 + j))) - 2^15, j = 0..192: sqrt at the top byte of a
 * value in [2^30, 2^32), the last entry 2^16 (so the values fit uint16 with
 * the offset and the step between entries is 128..255). */
static const uint16_t sqrt_tab[193] FX_ROM = {
	0, 255, 508, 759, 1008, 1255, 1501, 1745, 1987, 2228, 2467, 2704,
	2940, 3174, 3406, 3638, 3867, 4096, 4322, 4548, 4772, 4995, 5216, 5436,
	5655, 5873, 6090, 6305, 6519, 6732, 6944, 7154, 7364, 7572, 7780, 7986,
	8192, 8396, 8599, 8801, 9003, 9203, 9402, 9601, 9798, 9995, 10191, 10386,
	10579, 10773, 10965, 11156, 11347, 11537, 11725, 11914, 12101, 12288, 12473, 12658,
	12843, 13026, 13209, 13391, 13572, 13753, 13933, 14112, 14291, 14469, 14646, 14823,
	14999, 15174, 15349, 15523, 15696, 15869, 16041, 16213, 16384, 16554, 16724, 16893,
	17061, 17230, 17397, 17564, 17730, 17896, 18062, 18226, 18391, 18554, 18717, 18880,
	19042, 19204, 19365, 19526, 19686, 19846, 20005, 20163, 20322, 20480, 20637, 20794,
	20950, 21106, 21261, 21416, 21571, 21725, 21879, 22032, 22185, 22338, 22490, 22641,
	22792, 22943, 23093, 23243, 23393, 23542, 23691, 23839, 23987, 24135, 24282, 24429,
	24576, 24722, 24867, 25013, 25158, 25302, 25447, 25591, 25734, 25877, 26020, 26163,
	26305, 26447, 26588, 26729, 26870, 27011, 27151, 27291, 27430, 27569, 27708, 27847,
	27985, 28123, 28261, 28398, 28535, 28672, 28808, 28944, 29080, 29215, 29350, 29485,
	29620, 29754, 29888, 30022, 30155, 30289, 30422, 30554, 30686, 30819, 30950, 31082,
	31213, 31344, 31475, 31605, 31735, 31865, 31995, 32124, 32253, 32382, 32511, 32639,
	32768
};

/* floor(sqrt(s)) for 2^30 <= s < 2^32.  The table entry at the top byte plus
 * the chord to the next entry at the next byte (an 8 x 8-bit product) is
 * never above sqrt(s): the entries are floors, sqrt is concave (the chord
 * lies below it), the fraction and the product are truncated.  It is at
 * most 3.25 below (chord 0.25 at the first interval, 1 for the entry, 1 for
 * the fraction's dropped low 16 bits at a slope <= 255 / 256, 1 for the
 * product), so at most three steps up with the remainder s - r^2
 * (< 8 * 2^16 + 16) give the floor.  Checked on the host for every s in the
 * range. */
static uint16_t isqrt_norm(uint32_t s)
{
	uint8_t j = (uint8_t)((uint8_t)(s >> 24) - 64u);
	uint8_t f = (uint8_t)(s >> 16);
	uint16_t t0 = (uint16_t)fx_rom_i16(&sqrt_tab[j]);
	uint8_t d = (uint8_t)((uint16_t)fx_rom_i16(&sqrt_tab[j + 1]) - t0);
	uint16_t r = (uint16_t)(32768u + t0 + (uint8_t)(((uint16_t)d * f) >> 8));
	uint32_t e = s - fx_mul16u(r, r);

	while (e > 2u * (uint32_t)r) {		/* (r + 1)^2 <= s */
		e -= 2u * (uint32_t)r + 1u;
		r++;
	}
	return r;
}

/* s scaled by 4^k into [2^30, 2^32) for s != 0; k returned. */
static uint8_t norm4(uint32_t *s)
{
	uint32_t v = *s;
	uint8_t k = 0;

	while (v < ((uint32_t)1 << 22)) {
		v <<= 8;
		k += 4;
	}
	while (v < ((uint32_t)1 << 30)) {
		v <<= 2;
		k++;
	}
	*s = v;
	return k;
}

/* floor(sqrt(v)) = floor(floor(sqrt(v 4^k)) / 2^k) (floor(floor(x) / n) =
 * floor(x / n) for an integer n), with v 4^k in [2^30, 2^32). */
uint32_t fx_isqrt32(uint32_t v)
{
	uint8_t k;

	if (v == 0)
		return 0;
	k = norm4(&v);
	return (uint32_t)(isqrt_norm(v) >> k);
}

/* Any mdeg value to (-180000, 180000].  Within three half turns that is
 * one add or subtract of a turn (no 64-bit remainder): the common case. */
static int32_t wrap_mdeg(int64_t v)
{
	int64_t r;

	if (v > -MDEG_HALF && v <= MDEG_HALF)
		return (int32_t)v;
	if (v > MDEG_HALF && v <= 3 * MDEG_HALF)
		return (int32_t)(v - MDEG_TURN);
	if (v <= -MDEG_HALF && v > -3 * MDEG_HALF)
		return (int32_t)(v + MDEG_TURN);
	r = v % MDEG_TURN;		/* C99: sign of v */
	if (r > MDEG_HALF)
		r -= MDEG_TURN;
	else if (r <= -MDEG_HALF)
		r += MDEG_TURN;
	return (int32_t)r;
}

/* urad -> mdeg: * 180 / (1000 pi), rounded half away from zero.  The
 * factor is 961264 / 2^24 = 60079 / 2^20 (0.0572957798 against
 * 0.0572957795: 0.06 mdeg at pi), so round(u 961264 / 2^24) =
 * (u 60079 + 2^19) >> 20.  |urad| <= pi * 1e6 < 2^22 is split as
 * uh 2^16 + ul (uh < 48) so both products are 16 x 16 bits, and
 * (A 2^16 + B) >> 20 == (A + (B >> 16)) >> 4 with A = uh 60079,
 * B = ul 60079 + 2^19 < 2^32 (floor of a floor): no 64-bit arithmetic. */
#define URAD_TO_MDEG_Q20 60079u
static int32_t urad_to_mdeg(int32_t urad)
{
	uint32_t u = urad < 0 ? (uint32_t)-urad : (uint32_t)urad;	/* < 2^22 */
	uint32_t a = fx_mul16u((uint16_t)(u >> 16), URAD_TO_MDEG_Q20);
	uint32_t b = fx_mul16u((uint16_t)u, URAD_TO_MDEG_Q20) + ((uint32_t)1 << 19);
	int32_t m = (int32_t)((a + (uint16_t)(b >> 16)) >> 4);

	return urad < 0 ? -m : m;
}

void tilt_init(struct tilt_est *t)
{
	t->pitch_mdeg = 0;
	t->roll_mdeg = 0;
	t->primed = 0;
}

static FX_NOINLINE int32_t blend_wide(int32_t angle, int64_t rate_mdps, uint16_t dt_ms, int32_t acc,
			  int32_t w_acc_q15)
{
	int32_t pred = wrap_mdeg((int64_t)angle + fx_rdiv64_narrow(rate_mdps * dt_ms, 1000));
	int32_t innov = wrap_mdeg((int64_t)acc - pred);
	int32_t corr = (int32_t)fx_rdiv64((int64_t)innov * w_acc_q15, 32768);

	/* At least 1 mdeg toward the accel angle: without this, rounding leaves
	 * a dead band of 0.5 / (1 - alpha) mdeg (160 mdeg at alpha = 0.997). */
	if (corr == 0 && innov != 0)
		corr = innov > 0 ? 1 : -1;
	return wrap_mdeg((int64_t)pred + corr);
}

/* floor(x / 1000) for x < 2^31 without a division: the high half of
 * x * 274877907 (= ceil(2^38 / 1000)) shifted down 6 more bits, the standard
 * exact reciprocal for 32-bit operands (checked for every x below 2^31), its
 * 32 x 32-bit product formed from four 16 x 16-bit products: with
 * x = xh 2^16 + xl and M = 4194 * 2^16 + 19923,
 * floor(x M / 2^32) = xh 4194 + floor((xh 19923 + xl 4194 + floor(xl 19923 / 2^16)) / 2^16),
 * and that middle sum stays below 2^32. */
uint32_t fx_udiv1000(uint32_t x)
{
	uint16_t xh = (uint16_t)(x >> 16), xl = (uint16_t)x;
	uint32_t mid = (uint32_t)xh * 19923u + (uint32_t)xl * 4194u + (((uint32_t)xl * 19923u) >> 16);

	return ((uint32_t)xh * 4194u + (mid >> 16)) >> 6;
}

/* wrap_mdeg() for an int32 value: the same result without 64-bit compares
 * in the common case (one turn added or subtracted at most). */
static int32_t wrap_mdeg32(int32_t v)
{
	if (v > -(int32_t)MDEG_HALF && v <= (int32_t)MDEG_HALF)
		return v;
	if (v > (int32_t)MDEG_HALF && v <= 3 * (int32_t)MDEG_HALF)
		return v - (int32_t)MDEG_TURN;
	if (v <= -(int32_t)MDEG_HALF && v > -3 * (int32_t)MDEG_HALF)
		return v + (int32_t)MDEG_TURN;
	return wrap_mdeg(v);
}

/* floor(x / 1000) for x < 493447: (x 67109) >> 26, 67109 = ceil(2^26 / 1000)
 * (1000 67109 = 2^26 + 136: the excess x 136 / (1000 2^26) stays below the
 * 1/1000 gap to the next integer while x 136 < 2^26), with
 * x 67109 = x 2^16 + x 1573 and (x 2^16 + B) >> 26 = (x + (B >> 16)) >> 10. */
static uint32_t udiv1000_small(uint32_t x)
{
	uint32_t v = x + ((x * 1573u) >> 16);	/* < 2^19 */

	return (uint16_t)(v >> 8) >> 2;
}

/* round(x * w / 2^15) half away from zero for |x| < 2^18 and 0 <= w <= 2^15
 * (what fx_rdiv64(x * w, 32768) gives) in 32 bits: with |x| = h 2^16 + l
 * (h <= 3), (|x| w + 2^14) >> 15 == 2 h w + ((l w + 2^14) >> 15), because
 * h w 2^16 is a multiple of 2^15; l w + 2^14 < 2^31 (a 16 x 16-bit product),
 * so its >> 15 is a doubling and the upper half. */
static int32_t mul_q15_round(int32_t x, uint16_t w)
{
	uint32_t a = x < 0 ? (uint32_t)-x : (uint32_t)x;
	uint8_t h = (uint8_t)(a >> 16);
	uint32_t r = ((fx_mul16u((uint16_t)a, w) + 16384u) << 1) >> 16;

	if (h) {
		r += (uint32_t)w << 1;
		if (h > 1)
			r += (uint32_t)w << 1;
	}
	return x < 0 ? -(int32_t)r : (int32_t)r;
}

/* The angle within (-180, 180] deg plus a step within a turn. */
static int32_t wrap_half_turn(int32_t v)
{
	if (v > (int32_t)MDEG_HALF)
		return v - (int32_t)MDEG_TURN;
	if (v <= -(int32_t)MDEG_HALF)
		return v + (int32_t)MDEG_TURN;
	return v;
}

/* The filter step with a rate of int32 (the wide form takes the negated
 * pitch rate in 64 bits).  The IMU's case in 32 bits (the same values):
 * angles already in (-180, 180] deg, |rate| < 2^20 mdeg/s and dt < 2^10 ms
 * so |rate * dt| < 2^30 (|rate| times dt, a 32 x 16-bit product), the
 * innovation acc - pred and pred + corr within a turn (|corr| <= |innov|
 * <= 180000), the weight in 1..2^15 (tilt_update's 32768 - alpha). */
static int32_t blend(int32_t angle, int32_t rate_mdps, uint8_t neg_rate, uint16_t dt_ms,
		     int32_t acc, uint16_t w_acc_q15)
{
	if (angle > -(int32_t)MDEG_HALF && angle <= (int32_t)MDEG_HALF &&
	    acc > -(int32_t)MDEG_HALF && acc <= (int32_t)MDEG_HALF &&
	    rate_mdps > -((int32_t)1 << 20) && rate_mdps < ((int32_t)1 << 20) && dt_ms < 1024u) {
		uint8_t neg = (rate_mdps < 0) ^ neg_rate;
		uint32_t ar = rate_mdps < 0 ? (uint32_t)-rate_mdps : (uint32_t)rate_mdps;
		uint32_t m = ar < 65536u ? fx_mul16u((uint16_t)ar, dt_ms) : ar * dt_ms;
		int32_t q = (int32_t)(m < 493447u - 500u ? udiv1000_small(m + 500u)
						    : fx_udiv1000(m + 500u));	/* fx_rdiv32(m, 1000) */
		int32_t pred = wrap_mdeg32(neg ? angle - q : angle + q);
		int32_t innov = wrap_half_turn(acc - pred);
		int32_t corr = mul_q15_round(innov, w_acc_q15);

		if (corr == 0 && innov != 0)
			corr = innov > 0 ? 1 : -1;
		return wrap_half_turn(pred + corr);
	}
	return blend_wide(angle, neg_rate ? -(int64_t)rate_mdps : (int64_t)rate_mdps, dt_ms, acc,
			  w_acc_q15);
}

void tilt_update(struct tilt_est *t, const struct tilt_cfg *c,
		 const int16_t accel_mg[3], const int32_t gyro_mdps[3], uint16_t dt_ms)
{
	int16_t ax = accel_mg[0], ay = accel_mg[1], az = accel_mg[2];
	/* 16 x 16-bit products, sum <= 2^31 */
	uint32_t s = (uint32_t)fx_mul16s(ay, ay) + (uint32_t)fx_mul16s(az, az);
	uint8_t k = 0;
	uint32_t r = 0, axk;
	int32_t acc_pitch, acc_roll;
	uint16_t w_acc;

	/* Scale hypot(ay, az) up to >= 2^15 so the integer sqrt keeps ~15
	 * significant bits even for lunar 165 mg; scale ax the same
	 * (|ax| 2^k <= 2^15 2^15: no overflow). */
	if (s != 0) {
		k = norm4(&s);
		r = isqrt_norm(s);
	}
	axk = ax < 0 ? (uint32_t)-(int32_t)ax : (uint32_t)ax;
	if (k >= 8) {			/* a byte at a time first */
		axk <<= 8;
		k -= 8;
	}
	axk <<= k;
	acc_pitch = urad_to_mdeg(fx_atan2_urad(ax < 0 ? -(int32_t)axk : (int32_t)axk, (int32_t)r));
	acc_roll = urad_to_mdeg(fx_atan2_urad(ay, az));

	if (!t->primed) {
		t->pitch_mdeg = acc_pitch;
		t->roll_mdeg = acc_roll;
		t->primed = 1;
		return;
	}
	w_acc = (uint16_t)(32768 - fx_clamp32(c->alpha_q15, 0, FX_Q15_MAX));	/* 1..2^15 */
	t->pitch_mdeg = blend(t->pitch_mdeg, gyro_mdps[1], 1, dt_ms, acc_pitch, w_acc);
	t->roll_mdeg = blend(t->roll_mdeg, gyro_mdps[0], 0, dt_ms, acc_roll, w_acc);
}
