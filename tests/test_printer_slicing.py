"""Designs -> layers -> toolpaths: properties over random designs, G-code,
outline files, and every bad input with its message."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from flight.printer.designs import (BuildVolume, Body, Design, DesignError, hollow_brick,
                                    interlocking_brick, plain_brick)
from flight.printer.estimate import estimate
from flight.printer.gcode import load_gcode
from flight.printer.geometry import check_region, point_in_ring, rings_cross, rect, region_area, reverse
from flight.printer.outline_file import load_outline
from flight.printer.slicer import slice_design
from flight.printer.toolpath import ProcessSettings

DATA = __import__("pathlib").Path(__file__).parent / "data" / "printer"
VOL = BuildVolume()


def inside_region(region, x, y):
    return any(point_in_ring(x, y, o) and not any(point_in_ring(x, y, h) for h in holes)
               for o, holes in region)


def check_plan(plan, volume=VOL):
    assert plan.layers
    for k, layer in enumerate(plan.layers):
        assert layer.index == k
        assert math.isclose(layer.z_mm, (k + 1) * plan.settings.layer_mm)
        assert 0 < layer.z_mm <= volume.z_mm + 1e-9
        check_region(layer.region, f"layer {k}")          # closed, simple, holes inside
        m = layer.moves
        assert m.shape[1] == 4 and len(m) == len(layer.sinter) and layer.sinter.any()
        assert (m[:, [0, 2]] >= 0).all() and (m[:, [0, 2]] <= volume.x_mm).all()
        assert (m[:, [1, 3]] >= 0).all() and (m[:, [1, 3]] <= volume.y_mm).all()
        # moves chain end to start; sinter tracks run inside the layer's region
        assert np.allclose(m[1:, :2], m[:-1, 2:])
        for x0, y0, x1, y1 in m[layer.sinter]:
            assert inside_region(layer.region, (x0 + x1) / 2, (y0 + y1) / 2)
            # scan direction alternates: even layers along X, odd along Y
            assert (y0 == y1) if k % 2 == 0 else (x0 == x1)


dims = st.floats(5.0, 150.0)


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["plain", "hollow", "interlocking"]), l=dims, w=dims, h=st.floats(2.0, 60.0),
       layer=st.floats(0.3, 3.0), hatch=st.floats(0.8, 6.0))
def test_any_valid_parametric_design_slices_into_closed_layers_inside_the_volume(kind, l, w, h, layer, hatch):
    s = ProcessSettings(layer_mm=layer, hatch_mm=hatch)
    make = {"plain": lambda: plain_brick(l, w, h),
            "hollow": lambda: hollow_brick(l, w, h, cores=2, wall_mm=min(l, w) / 5),
            "interlocking": lambda: interlocking_brick(l, w, h, stud_d_mm=min(l / 6, w / 3),
                                                       stud_h_mm=h / 4, clearance_mm=0.5)}[kind]
    try:
        design = make()
        plan = slice_design(design, s)
    except DesignError as e:
        # only the honest refusals: too big, or too small for its features
        assert any(w in str(e) for w in ("build volume", "fit", "taller", "narrower than"))
        return
    check_plan(plan)
    assert len(plan.layers) == math.ceil(design.height_mm / layer - 1e-9)


@st.composite
def star_outline(draw):
    """A random simple polygon (star-shaped around its centre) with a hole."""
    n = draw(st.integers(3, 12))
    cx, cy = draw(st.floats(60, 140)), draw(st.floats(60, 140))
    radii = draw(st.lists(st.floats(20, 50), min_size=n, max_size=n))
    # angles spaced by construction (no rejection): k-th vertex at (k + jitter)
    # of an even step, jitter < 0.3, so every gap lies in 0.7..1.3 steps:
    # > 0.36 rad, and < 0.9 pi even for a triangle (the centre stays inside)
    jit = draw(st.lists(st.floats(0, 0.3), min_size=n, max_size=n))
    t = np.array([(k + j) * 2 * math.pi / n for k, j in enumerate(jit)])
    outer = np.column_stack([cx + np.array(radii) * np.cos(t), cy + np.array(radii) * np.sin(t)])
    hr = draw(st.floats(2, 8))
    hole = reverse(rect(cx - hr, cy - hr, cx + hr, cy + hr))
    assume(all(point_in_ring(x, y, outer) for x, y in hole) and not rings_cross(outer, hole))
    return [(outer, [hole])], draw(st.floats(1, 20))


@settings(max_examples=25, deadline=None)
@given(star=star_outline(), hatch=st.floats(0.8, 5.0))
def test_any_valid_outline_slices_into_closed_layers_inside_the_volume(star, hatch):
    region, h = star
    plan = slice_design(Design("star", [Body(0.0, h, region)]), ProcessSettings(hatch_mm=hatch))
    check_plan(plan)
    # the hatch covers the area: sinter length * hatch approximates it
    area = region_area(region)
    sinter = plan.layers[0].sinter_len_mm
    assert sinter * hatch == pytest.approx(area, rel=0.35)


def test_outline_file_and_estimate():
    d = load_outline(DATA / "tile.outline")
    assert d.name == "drain-tile" and d.height_mm == 6
    plan = slice_design(d)
    check_plan(plan)
    est = estimate(plan)
    area_cm2 = (80 * 60 - 20 * 20) / 100
    assert est.brick_mass_g == pytest.approx(area_cm2 * 0.6 * 1.5)
    assert est.layers == 6 and est.time_s > est.sinter_len_m * 1000 / plan.settings.scan_mmps


def test_gcode_layers():
    plan = load_gcode(DATA / "two_layers.gcode")
    assert [l.z_mm for l in plan.layers] == [1.0, 2.0]
    assert plan.settings.sinter_c == 1100
    assert plan.layers[0].sinter.tolist() == [False, True, False, True]
    assert plan.layers[0].moves[:2].tolist() == [[0, 0, 10, 10], [10, 10, 30, 10]]
    assert plan.layers[1].moves.tolist() == [[10, 12, 10, 14], [10, 14, 30, 14]]


def test_plan_digest_follows_the_plan():
    a, b = slice_design(plain_brick()), slice_design(plain_brick())
    assert a.digest() == b.digest()
    assert slice_design(plain_brick(height_mm=31)).digest() != a.digest()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


BAD_OUTLINES = [
    ("height 5\noutline\n0 0\n10 0\n10 10\n0 10\n", "open outline"),
    ("height 5\noutline\n20 20\n60 20\n20 60\n60 60\n20 20\n", "self-intersecting"),
    ("height 0\noutline\n0 0\n1 0\n1 1\n0 0\n", ":1:1: height must be positive"),
    ("height 5\noutline\n20 20\n60 20\nsixty 60\n20 20\n", ":5:1: 'sixty' is not a number"),
    ("height 5\nhole\n", ":2:1: 'hole' before any 'outline'"),
    ("outline\n20 20\n60 20\n60 60\n20 20\n", "no 'height' line"),
    ("height 5\noutline\n20 20\n60 20\n60 60\n20 20\nhole\n100 100\n110 100\n110 110\n100 100\n",
     "hole 1 of outline 1 is not inside it"),
    ("height 5\noutline\n20 20\n260 20\n260 60\n20 20\n", "does not fit the build volume"),
    ("height 5\noutline\n20 20\n60 20\n40 20\n20 20\n", "encloses no area"),
]


@pytest.mark.parametrize("text,msg", BAD_OUTLINES)
def test_bad_outlines_are_refused_with_position(tmp_path, text, msg):
    p = write(tmp_path, "bad.outline", text)
    with pytest.raises(DesignError, match=msg.replace("(", r"\(")) as e:
        slice_design(load_outline(p))
    assert str(p) in str(e.value) or "design" in str(e.value)


BAD_GCODE = [
    ("G0 X10 Y10 Z1\nG2 X20 Y20 I5\n", ":2:1: unsupported G-code 'G2'"),
    ("M104 S1600\n", ":1:6: setpoint 1600 C is above the head's rating 1500 C"),
    ("G0 X10 Y10 Z1\nG1 X10 Y10 Z3\n", ":2:12: Z 3 mm: each layer must rise"),
    ("G0 X10 Y10 Z1\nG1 X250\n", ":2:4: X 250 mm is outside the build volume"),
    ("G0 X10 Y10 Z1\nG1 X2Q\n", ":2:6: cannot read 'Q'"),
    ("G1 X10 Y10\n", ":1:1: G1 before the first layer's Z"),
    ("G0 X10 Y10 Z1\n", "no G1"),
    ("M109\n", ":1:1: M109 needs S"),
    ("G0 X1 Y1 Z1 S3\n", ":1:13: G0 takes no S word"),
]


@pytest.mark.parametrize("text,msg", BAD_GCODE)
def test_bad_gcode_is_refused_with_position(tmp_path, text, msg):
    p = write(tmp_path, "bad.gcode", text)
    with pytest.raises(DesignError) as e:
        load_gcode(p)
    assert msg in str(e.value)


@pytest.mark.parametrize("make,msg", [
    (lambda: plain_brick(0, 50, 30), "length_mm must be a positive number"),
    (lambda: plain_brick(100, -5, 30), "width_mm must be a positive number"),
    (lambda: hollow_brick(100, 50, 30, cores=5, wall_mm=20), "do not fit"),
    (lambda: interlocking_brick(100, 50, 4), "taller"),
    (lambda: slice_design(plain_brick(100, 50, 150)), "does not fit the build volume"),
    (lambda: slice_design(plain_brick(), ProcessSettings(sinter_c=1600)), "above the head's rating"),
    (lambda: slice_design(plain_brick(), ProcessSettings(layer_mm=0)), "layer_mm must be a positive"),
])
def test_bad_designs_are_refused(make, msg):
    with pytest.raises(DesignError, match=msg):
        make()


def test_rover_print_plan_cli(tmp_path):
    from click.testing import CliRunner
    from ground.cli.main import cli
    png = tmp_path / "p.png"
    r = CliRunner().invoke(cli, ["print", "plan", "hollow-brick", "--png", str(png)])
    assert r.exit_code == 0, r.output
    assert "layers            30" in r.output and "regolith" in r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = CliRunner().invoke(cli, ["print", "plan", str(DATA / "two_layers.gcode"), "--png", str(png)])
    assert r.exit_code == 0 and "layers            2" in r.output
    for args, msg in ((["plain-brick", "--height", "0"], "height_mm must be a positive"),
                      (["plain-brick", "--temp", "1700"], "above the head's rating"),
                      (["nosuch"], "unknown design 'nosuch'")):
        r = CliRunner().invoke(cli, ["print", "plan", *args, "--png", str(png)])
        assert r.exit_code == 2 and msg in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("suffix", [".outline", ".gcode"])
def test_design_files_that_cannot_be_read_are_refused_with_the_path(tmp_path, suffix):
    import os
    from flight.printer.gcode import load_gcode
    from flight.printer.outline_file import MAX_BYTES as OUTLINE_MAX, load_outline
    from flight.printer.gcode import MAX_BYTES as GCODE_MAX
    load = load_gcode if suffix == ".gcode" else load_outline
    limit = GCODE_MAX if suffix == ".gcode" else OUTLINE_MAX
    missing = tmp_path / f"missing{suffix}"
    with pytest.raises(DesignError, match=f"{missing}: cannot read: no such file"):
        load(missing)
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)                                    # would block a plain read forever
    with pytest.raises(DesignError, match="only regular files are read"):
        load(fifo)
    big = tmp_path / f"big{suffix}"
    big.write_bytes(b"#" * (limit + 1))
    with pytest.raises(DesignError, match=f"the limit is {limit} bytes"):
        load(big)
    bad = tmp_path / f"latin{suffix}"
    bad.write_bytes(b"name caf\xe9\n")
    with pytest.raises(DesignError, match=r"not UTF-8 text \(byte 8\)"):
        load(bad)
