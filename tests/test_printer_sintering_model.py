"""The sintering-quality and hopper models."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sim_hw import sintering as S


def test_calibration_point_and_ordering():
    assert S.degree(1000.0, 0.6) == pytest.approx(0.5)
    assert S.degree(1100.0, 0.6) > 0.95          # the sinter setpoint sinters well
    assert S.degree(900.0, 0.6) < 0.1            # too cold: loose powder
    assert S.degree(20.0, 3600.0) < 1e-6


@settings(max_examples=100, deadline=None)
@given(t1=st.floats(0, 1600), t2=st.floats(0, 1600), d1=st.floats(0, 100), d2=st.floats(0, 100))
def test_degree_is_bounded_and_monotonic(t1, t2, d1, d2):
    x = S.degree(t1, d1)
    assert 0.0 <= x <= 1.0
    if t1 <= t2 and d1 <= d2:
        assert x <= S.degree(t2, d2) + 1e-12


def test_track_quality_averages_the_samples():
    temps = np.array([1000.0, 1100.0])
    assert S.track_quality(temps, 0.6) == pytest.approx((S.degree(1000, 0.6) + S.degree(1100, 0.6)) / 2)
    assert S.track_quality([], 0.6) == 0.0


def test_hopper_runs_out():
    h = S.Hopper(capacity_g=100.0)
    per_layer = 200 * 200 * 1.0 / 1000 * 1.5       # 60 g
    assert h.recoat(200 * 200, 1.0) == pytest.approx(per_layer)
    assert h.level_pct == pytest.approx(40.0)
    assert h.recoat(200 * 200, 1.0) == pytest.approx(40.0)
    assert h.level_pct == 0.0 and h.recoat(200 * 200, 1.0) == 0.0
    with pytest.raises(ValueError, match="capacity_g"):
        S.Hopper(capacity_g=0)
