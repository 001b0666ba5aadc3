"""The rover geometry is always stated for real boards: geometry files, bench
files and board URLs without one are refused with the problem named."""
import math

import pytest
from hypothesis import given, strategies as st

from common.vehicle import (GeometryError, VehicleGeometry, geometry_from_mapping, geometry_toml,
                            load_geometry)
from hal import HalUrlError, open_hal
from hal.backends.board import load_bench_file
from sim_hw.params import RoverParams

SIM_GEOMETRY = RoverParams().vehicle_geometry()

BOARD_LINES = '[[board]]\nrole = "mobility"\nport = "/dev/ttyROVER_NOPE"\n'


def test_geometry_file_round_trips(tmp_path):
    f = tmp_path / "g.toml"
    f.write_text(geometry_toml(SIM_GEOMETRY))
    assert load_geometry(f) == SIM_GEOMETRY


finite = st.floats(min_value=-5, max_value=5, allow_nan=False, allow_infinity=False)


@given(xs=st.lists(finite, min_size=6, max_size=6), ys=st.lists(finite, min_size=6, max_size=6),
       r=st.floats(min_value=0.01, max_value=2.0), wmax=st.integers(1, 10**6),
       smin=st.integers(-4000, -1), smax=st.integers(1, 4000), cpr=st.integers(1, 10**7))
def test_any_valid_geometry_survives_its_file(xs, ys, r, wmax, smin, smax, cpr):
    import tomllib
    g = VehicleGeometry(tuple(xs), tuple(ys), r, wmax, smin, smax, cpr)
    back = geometry_from_mapping(tomllib.loads(geometry_toml(g)), "text")
    assert back == g


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.pop("wheel_radius_m"), "missing wheel_radius_m"),
    (lambda d: d.update(track_m=1.0), "unknown track_m"),
    (lambda d: d.update(wheel_x_m=[0.0] * 4), "wheel_x_m must be a list of 6 numbers"),
    (lambda d: d.update(wheel_radius_m=-0.1), "wheel_radius_m must be a number in"),
    (lambda d: d.update(max_wheel_mradps=2.5), "max_wheel_mradps must be an integer"),
    (lambda d: d.update(counts_per_wheel_rev=0), "must be > 0"),
    (lambda d: d.update(steer_min_mrad=10), "steer_min_mrad < 0 < steer_max_mrad"),
])
def test_bad_geometry_names_the_field(edit, message):
    import tomllib
    d = tomllib.loads(geometry_toml(SIM_GEOMETRY))
    edit(d)
    with pytest.raises(GeometryError, match=message):
        geometry_from_mapping(d, "here")


def test_missing_and_broken_geometry_files(tmp_path):
    with pytest.raises(GeometryError, match="not found"):
        load_geometry(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("wheel_x_m = [\n")
    with pytest.raises(GeometryError, match=f"geometry file {bad}"):
        load_geometry(bad)


def test_bench_file_without_geometry_is_refused(tmp_path):
    f = tmp_path / "bench.toml"
    f.write_text(BOARD_LINES)
    with pytest.raises(HalUrlError, match=r"bench file .*: no geometry; add a \[geometry\] table"):
        load_bench_file(f)


def test_bench_file_may_name_a_geometry_file(tmp_path):
    (tmp_path / "rover.toml").write_text(geometry_toml(SIM_GEOMETRY))
    f = tmp_path / "bench.toml"
    f.write_text('geometry = "rover.toml"\n' + BOARD_LINES)
    assert load_bench_file(f)["geometry"] == SIM_GEOMETRY


def test_bench_file_geometry_table_is_checked(tmp_path):
    f = tmp_path / "bench.toml"
    f.write_text(BOARD_LINES + "[geometry]\nwheel_radius_m = 0.1\n")
    with pytest.raises(HalUrlError, match=r"\[geometry\]: geometry missing wheel_x_m"):
        load_bench_file(f)


@pytest.mark.parametrize("url", ["board://?mobility=/dev/ttyROVER_NOPE",
                                 "serial:///dev/ttyROVER_NOPE?role=payload"])
def test_board_urls_without_geometry_never_take_the_simulators(url):
    with pytest.raises(HalUrlError, match="needs the rover geometry"):
        open_hal(url)


def test_sim_geometry_is_the_simulators_parameters():
    p = RoverParams()
    assert SIM_GEOMETRY.wheel_x_m == tuple(p.wheel_x_m)
    assert SIM_GEOMETRY.counts_per_wheel_rev == p.counts_per_wheel_rev
    assert math.isclose(SIM_GEOMETRY.wheel_radius_m, p.wheel_radius_m)
