"""The accelerometer reads the mean acceleration over its output period, as a
MEMS part's decimation filter does (docs/plant.md, IMU): a ripple that
alternates every plant step must not alias into a false tilt."""
import math

from hypothesis import given, settings, strategies as st

from common._native import ffi, lib

G_MOON = 1.625
STANDARD_G = 9.80665


def _body_imu():
    bp = ffi.new("struct body_params *")
    bp.mass_kg, bp.izz_kgm2, bp.g_mps2 = 30.0, 2.0, G_MOON
    lib.body_derive(bp)
    b = ffi.new("struct body *")
    lib.body_init(b, 0.0, 0.0, 0.0)
    ip = ffi.new("struct imu_params *")        # all noise zero: the reading is exact
    rng = ffi.new("struct rng *")
    m = ffi.new("struct imu *")
    lib.imu_init(m, ip, rng)
    return bp, b, ip, rng, m


def _step(bp, b, fx_total_n):
    fx = ffi.new("double[6]", [fx_total_n / 6.0] * 6)
    fy = ffi.new("double[6]", [0.0] * 6)
    lib.body_step(b, bp, fx, fy, 0.001)


@settings(max_examples=50, deadline=None)
@given(amp_n=st.floats(10.0, 600.0), period_ms=st.sampled_from([2, 4, 10, 20]))
def test_alternating_force_reads_its_mean_not_its_phase(amp_n, period_ms):
    bp, b, ip, rng, m = _body_imu()
    lib.imu_sample(m, ip, rng, b, G_MOON)          # start of the first period
    for k in range(period_ms):
        _step(bp, b, amp_n if k % 2 == 0 else -amp_n)
    lib.imu_sample(m, ip, rng, b, G_MOON)
    # zero mean force over the period: reads 0 mg (within 1 mg rounding), while
    # the last step alone was -amp/m, which a point sample would have reported
    assert abs(m.accel_mg[0]) <= 1
    assert abs(b.ax_mps2) * 1000.0 / STANDARD_G > 30


@settings(max_examples=50, deadline=None)
@given(force_n=st.floats(-300.0, 300.0), steps=st.integers(1, 50))
def test_steady_force_reads_f_over_m(force_n, steps):
    bp, b, ip, rng, m = _body_imu()
    lib.imu_sample(m, ip, rng, b, G_MOON)
    for _ in range(steps):
        _step(bp, b, force_n)
    lib.imu_sample(m, ip, rng, b, G_MOON)
    want_mg = force_n / bp.mass_kg * 1000.0 / STANDARD_G
    assert math.isclose(m.accel_mg[0], want_mg, abs_tol=1.0)


def test_a_replaced_body_is_sampled_as_is():
    """After the body is placed anew (integrals restart) the sample takes the
    present acceleration instead of a negative span."""
    bp, b, ip, rng, m = _body_imu()
    for _ in range(20):
        _step(bp, b, 90.0)
    lib.imu_sample(m, ip, rng, b, G_MOON)
    lib.body_init(b, 0.0, 0.0, 0.0)
    b.ax_mps2 = 0.5
    lib.imu_sample(m, ip, rng, b, G_MOON)
    assert math.isclose(m.accel_mg[0], 0.5 * 1000.0 / STANDARD_G, abs_tol=1.0)
