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

#define MDEG_TURN ((int64_t)360000)
#define MDEG_HALF ((int64_t)180000)

uint32_t fx_isqrt32(uint32_t v)
{
	uint32_t r = 0, bit = (uint32_t)1 << 30;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
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
 * factor is 961264 / 2^24 (0.0572957798 against 0.0572957795: 0.06 mdeg
 * at pi); |urad| <= pi * 1e6 < 2^22 is split as uh * 2^12 + ul so both
 * products fit 32 bits, and
 * (A * 2^12 + B) >> 24 == (A + (B >> 12)) >> 12 with A = uh * M,
 * B = ul * M + 2^23 (floor of a floor): no 64-bit arithmetic. */
#define URAD_TO_MDEG_Q24 961264u
static int32_t urad_to_mdeg(int32_t urad)
{
	uint32_t u = urad < 0 ? (uint32_t)-urad : (uint32_t)urad;	/* < 2^22 */
	uint32_t a = (u >> 12) * URAD_TO_MDEG_Q24;
	uint32_t b = (u & 4095u) * URAD_TO_MDEG_Q24 + ((uint32_t)1 << 23);
	int32_t m = (int32_t)((a + (b >> 12)) >> 12);

	return urad < 0 ? -m : m;
}

void tilt_init(struct tilt_est *t)
{
	t->pitch_mdeg = 0;
	t->roll_mdeg = 0;
	t->primed = 0;
}

static int32_t blend_wide(int32_t angle, int64_t rate_mdps, uint16_t dt_ms, int32_t acc,
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

/* fx_rdiv32(n, 1000) for |n| < 2^31 - 500 */
static int32_t rdiv1000(int32_t n)
{
	return n >= 0 ? (int32_t)fx_udiv1000((uint32_t)n + 500u)
		      : -(int32_t)fx_udiv1000((uint32_t)-n + 500u);
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

/* round(x * w / 2^15) half away from zero for |x| < 2^18 and 0 <= w <= 2^15
 * (what fx_rdiv64(x * w, 32768) gives) in 32 bits: with |x| = h * 2^15 + l,
 * (|x| * w + 2^14) >> 15 == h * w + ((l * w + 2^14) >> 15), because h * w * 2^15
 * is a multiple of 2^15; l * w < 2^30. */
static int32_t mul_q15_round(int32_t x, int32_t w)
{
	uint32_t a = x < 0 ? (uint32_t)-x : (uint32_t)x;
	uint32_t r = (a >> 15) * (uint16_t)w +
		     (((a & 32767u) * (uint32_t)(uint16_t)w + 16384u) >> 15);

	return x < 0 ? -(int32_t)r : (int32_t)r;
}

static int32_t blend(int32_t angle, int64_t rate_mdps, uint16_t dt_ms, int32_t acc,
		     int32_t w_acc_q15)
{
	/* The IMU's case in 32 bits (the same values): angles already in
	 * (-180, 180] deg, |rate| < 2^20 mdeg/s and dt < 2^10 ms so
	 * |rate * dt| < 2^30, the innovation within half a turn and the
	 * weight in 0..2^15. */
	if (angle > -(int32_t)MDEG_HALF && angle <= (int32_t)MDEG_HALF &&
	    acc > -(int32_t)MDEG_HALF && acc <= (int32_t)MDEG_HALF &&
	    rate_mdps > -((int64_t)1 << 20) && rate_mdps < ((int64_t)1 << 20) && dt_ms < 1024u &&
	    w_acc_q15 >= 0 && w_acc_q15 <= 32768) {
		int32_t pred = wrap_mdeg32(angle + rdiv1000((int32_t)rate_mdps * (int32_t)dt_ms));
		int32_t innov = wrap_mdeg32(acc - pred);
		int32_t corr = mul_q15_round(innov, w_acc_q15);

		if (corr == 0 && innov != 0)
			corr = innov > 0 ? 1 : -1;
		return wrap_mdeg32(pred + corr);
	}
	return blend_wide(angle, rate_mdps, dt_ms, acc, w_acc_q15);
}

void tilt_update(struct tilt_est *t, const struct tilt_cfg *c,
		 const int16_t accel_mg[3], const int32_t gyro_mdps[3], uint16_t dt_ms)
{
	int32_t ax = accel_mg[0], ay = accel_mg[1], az = accel_mg[2];
	uint32_t s = (uint32_t)(ay * ay) + (uint32_t)(az * az);	/* <= 2^31 */
	uint8_t k = 0;
	int32_t acc_pitch, acc_roll, w_acc;

	/* Scale hypot(ay, az) up to >= 2^15 so the integer sqrt keeps ~15
	 * significant bits even for lunar 165 mg; scale ax the same. */
	if (s != 0) {
		while (s < ((uint32_t)1 << 30)) {
			s <<= 2;
			k++;
		}
	}
	acc_pitch = urad_to_mdeg(fx_atan2_urad(ax * ((int32_t)1 << k), (int32_t)fx_isqrt32(s)));
	acc_roll = urad_to_mdeg(fx_atan2_urad(ay, az));

	if (!t->primed) {
		t->pitch_mdeg = acc_pitch;
		t->roll_mdeg = acc_roll;
		t->primed = 1;
		return;
	}
	w_acc = 32768 - fx_clamp32(c->alpha_q15, 0, FX_Q15_MAX);
	t->pitch_mdeg = blend(t->pitch_mdeg, -(int64_t)gyro_mdps[1], dt_ms, acc_pitch, w_acc);
	t->roll_mdeg = blend(t->roll_mdeg, (int64_t)gyro_mdps[0], dt_ms, acc_roll, w_acc);
}
