"""The emulated navigation camera (sim_hw/truth_tap.py, hal/backends/emulated_vo.py):
the truth record codec, the VO it makes being the simulator's own (same
model, same seed stream), and the board URL / bench file options for it.
The emulated boards' side (csrc/emu/truth_tap.c) is tested against the real
board processes in tests/test_truth_tap_boards.py."""
from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hal.errors import HalError, HalUrlError
from sim_hw import truth_tap as T

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
records = st.builds(T.TruthRecord, st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1),
                    finite, finite, finite, finite, finite, finite)


@given(st.lists(records, max_size=8), st.lists(st.integers(1, 200), max_size=20))
def test_records_survive_any_chunking(recs, cuts):
    """A stream socket hands over arbitrary pieces: whole records come out, in
    order, and a partial one waits for the rest."""
    wire = b"".join(T.encode_record(r) for r in recs)
    buf, out, pos = bytearray(), [], 0
    for n in cuts + [len(wire)]:
        buf += wire[pos:pos + n]
        pos += n
        out += T.decode_records(buf)
        assert len(buf) < T.RECORD_SIZE
    assert out == recs and not buf


@given(records, st.integers(0, 3), st.integers(0, 255))
def test_a_foreign_record_is_refused_naming_where(rec, field, value):
    raw = bytearray(T.encode_record(rec))
    good = (T.RECORD_TYPE, T.RECORD_VERSION, T.RECORD_SIZE & 0xFF, 0)
    if value == good[field]:
        return
    raw[field] = value
    buf = bytearray(T.encode_record(rec)) + raw
    with pytest.raises(T.TruthTapError, match=r"bench X: not a truth record at byte 64"):
        T.decode_records(buf, "bench X")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_pose_is_refused(bad):
    buf = bytearray(T.encode_record(T.TruthRecord(3, 1000, 0.0, bad, 0.0, 0.0, 0.0, 0.0)))
    with pytest.raises(T.TruthTapError, match="seq 3 at t=1000 ms has a non-finite pose"):
        T.decode_records(buf)


class _Board:
    """The board's end of a truth socket (what csrc/emu/truth_tap.c does)."""

    def __init__(self, path):
        self.path = path
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(1)
        self.conn = None
        self.seq = 0

    def send(self, t_ms, x, y, yaw, z=0.0, pitch=0.0, roll=0.0):
        if self.conn is None:
            self.conn, _ = self.srv.accept()
        self.seq += 1
        self.conn.sendall(T.encode_record(T.TruthRecord(self.seq, t_ms, x, y, z, yaw, pitch, roll)))

    def close(self):
        for s in (self.conn, self.srv):
            if s is not None:
                s.close()


@pytest.fixture
def board():
    with tempfile.TemporaryDirectory(prefix="tt-") as d:
        b = _Board(os.path.join(d, "m.truth.sock"))
        yield b
        b.close()


def test_the_camera_gives_the_simulators_vo_for_the_same_seed_and_poses(board):
    """The simulator's own run: its true pose at every VO period, streamed as a
    board would, gives frame for frame the VO the simulator gave."""
    from hal import open_hal
    from hal.registry import open_vo_source

    sim = open_hal("sim://?seed=7")
    vo = open_vo_source("truth", board.path, {"seed": "7"}, "test")
    seen = 0
    try:
        for _ in range(25):                  # 25 s of driving an arc
            for w in sim.wheels:
                w.set_speed_mradps(600)
            sim.steering[0].set_angle_mrad(200)
            sim.steering[1].set_angle_mrad(200)
            for _ in range(10):
                sim.write()
                sim.advance(100)
                sim.read()
            s = sim.sim
            board.send(s.t_ms, s.truth_x_m, s.truth_y_m, s.truth_yaw_rad)
            vo.poll()
            if sim.vo.frame is None:
                assert vo.frame is None
                continue
            assert vo.frame == sim.vo.frame
            seen += 1
        assert seen == 24 and vo.frame.dx_m > 0.05          # it moved, and every frame agreed
        assert vo.truth_pose["x_m"] == s.truth_x_m
        assert vo.stats()["records"] == 25 and vo.stats()["gaps"] == 0
    finally:
        vo.close()
        sim.close()


def test_a_stream_off_the_camera_period_is_a_device_fault(board):
    from hal.interfaces import DeviceStatus
    from hal.registry import open_vo_source

    vo = open_vo_source("truth", board.path, {}, "bench Q")
    board.send(1000, 0.0, 0.0, 0.0)
    board.send(1500, 0.1, 0.0, 0.0)
    vo.poll()
    assert vo.status is DeviceStatus.FAULT and vo.frame is None
    assert "t=1500 ms, not on the camera's 1000 ms period" in vo.status_reason
    vo.close()


def test_a_board_that_goes_away_leaves_the_camera_offline(board):
    from hal.interfaces import DeviceStatus
    from hal.registry import open_vo_source

    vo = open_vo_source("truth", board.path, {"seed": 1}, "bench Q")
    board.send(1000, 0.0, 0.0, 0.0)
    board.send(2000, 0.1, 0.0, 0.0)
    board.close()
    vo.poll()
    assert vo.frame is not None and vo.frame.seq == 1          # what arrived is kept
    assert vo.status is DeviceStatus.OFFLINE
    assert "closed the truth stream" in vo.status_reason


def test_a_missing_truth_socket_names_it(tmp_path):
    from hal.registry import open_vo_source
    with pytest.raises(HalError, match=r"truth socket .*nope.sock does not exist; is the mobility "
                                       r"board running with --truth-socket"):
        open_vo_source("truth", str(tmp_path / "nope.sock"), {}, "board://x")


@pytest.mark.parametrize("query, message", [
    ("vo_seed=1", "vo_seed given without vo_truth=SOCKET"),
    ("vo_truth=&vo_seed=1", "given without vo_truth=SOCKET"),
    ("vo_truth={sock}&vo_seed=-1", "vo seed='-1' must be in 0.."),
    ("vo_truth={sock}&vo_noise_frac=2", "vo noise_frac='2' must be in 0..1"),
    ("vo_truth={sock}&vo_yaw_noise_mdeg=x", "vo yaw_noise_mdeg='x' is not a number"),
    ("vo_truth={sock}&vo_scale_sigma_frac=nan", "vo scale_sigma_frac='nan' must be in"),
])
def test_bad_vo_parameters_are_named(board, tmp_path, query, message):
    """Refused before any board is opened (the mobility port does not exist)."""
    from hal import open_hal
    geom = tmp_path / "g.toml"
    _write_geometry(geom)
    url = (f"board://?mobility={tmp_path}/no-port&geometry={geom}&"
           + query.format(sock=board.path))
    with pytest.raises(HalUrlError, match=message):
        open_hal(url)


def _write_geometry(path):
    from common.vehicle import geometry_toml
    from sim_hw.params import RoverParams
    path.write_text(geometry_toml(RoverParams().vehicle_geometry()))


@pytest.mark.parametrize("table, message", [
    ('[vo]\nseed = 1\n', r'\[vo\] needs truth = "SOCKET"'),
    ('[vo]\ntruth = "m.sock"\nfps = 3\n', r"\[vo\] unknown key\(s\) fps; known: truth, seed"),
    ('vo = "m.sock"\n', r"vo must be a \[vo\] table"),
])
def test_bad_vo_tables_in_a_bench_file_are_named(tmp_path, table, message):
    from hal.backends.board import load_bench_file
    _write_geometry(tmp_path / "g.toml")
    f = tmp_path / "bench.toml"
    top, tables = (table, "") if table.startswith("vo =") else ("", table)
    f.write_text(top + 'geometry = "g.toml"\n[[board]]\nrole = "mobility"\nport = "/dev/null"\n'
                 + tables)
    with pytest.raises(HalUrlError, match=message):
        load_bench_file(f)


def test_a_bench_file_vo_table_is_relative_to_the_file(tmp_path):
    from hal.backends.board import load_bench_file
    _write_geometry(tmp_path / "g.toml")
    f = tmp_path / "bench.toml"
    f.write_text('geometry = "g.toml"\n[[board]]\nrole = "mobility"\nport = "/dev/null"\n'
                 '[vo]\ntruth = "m.truth.sock"\nseed = 4\n')
    assert load_bench_file(f)["vo"] == ("truth", str(tmp_path / "m.truth.sock"), {"seed": 4})
    f.write_text('geometry = "g.toml"\n[[board]]\nrole = "mobility"\nport = "/dev/null"\n')
    assert load_bench_file(f)["vo"] is None                 # a real bench: no camera


def test_the_board_backend_reaches_the_simulated_camera_only_when_asked():
    """Without vo_truth the board backend loads nothing of sim_hw (a real bench
    needs none of it); the camera comes through hal's registry."""
    code = ("import sys, hal.backends.board as b, hal.registry\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sim_hw'))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
