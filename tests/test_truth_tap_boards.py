"""The truth tap of the emulated mobility boards (csrc/emu/truth_tap.c) and
the navigation camera it feeds, against the real board processes: the host
build (lockstepped: board time is granted, so the stream and the frames are
the same on an idle or a loaded machine) and the emulated Mega (rover-simavr).
docs/hil.md section 13."""
from __future__ import annotations

import math
import os
import shutil
import subprocess

import pytest

from ground import flashing as F
from ground import hil_launcher as L

pytestmark = pytest.mark.boards


def _drive(hal, seconds, mradps=800):
    """Straight ahead at mradps on every wheel, one 100 ms flight cycle at a time."""
    for _ in range(int(seconds * 10)):
        for w in hal.wheels:
            w.set_speed_mradps(mradps)
        hal.write()
        hal.advance(100)
        hal.read()


def _frames_while_driving(fw_exe, seconds=12):
    from hal import open_hal
    with L.EmulatedBench(["mobility"], exe=fw_exe, seed=3) as bench:
        hal = open_hal(bench.url)
        try:
            frames, truth = [], []
            t0 = hal.clock.now_ms()
            for _ in range(seconds):
                _drive(hal, 1)
                frames.append(hal.vo.frame)
                truth.append(hal.vo.truth_pose)
            return frames, truth, hal.vo.stats(), hal.clock.now_ms() - t0
        finally:
            hal.close()


def test_host_board_streams_truth_each_camera_period_and_the_camera_sees_the_drive(fw_exe):
    frames, truth, stats, span_ms = _frames_while_driving(fw_exe)
    assert stats["connected"] and stats["gaps"] == 0 and stats["fault"] is None
    # one record per 1000 ms of plant time, on the period, from the first second
    assert [t["t_ms"] % 1000 for t in truth] == [0] * len(truth)
    assert stats["records"] == truth[-1]["t_ms"] // 1000 == span_ms // 1000
    assert frames[-1].seq == stats["records"] - 1 == stats["frames"]
    # the camera's frames are the plant's motion: in the body frame, forward
    moved = [f for f in frames[2:]]
    assert all(f.dx_m > 0.03 for f in moved), moved
    x0, y0 = truth[1]["x_m"], truth[1]["y_m"]
    d_truth = math.hypot(truth[-1]["x_m"] - x0, truth[-1]["y_m"] - y0)
    d_vo = sum(math.hypot(f.dx_m, f.dy_m) for f in frames[2:])
    assert d_truth > 0.5
    assert d_vo == pytest.approx(d_truth, rel=0.1)      # scale error 1 % (1 sigma) + 2 % noise


def test_host_board_camera_is_the_same_on_every_run(fw_exe):
    """Lockstep: the board's plant, its truth records and the camera's noise
    are functions of the seed and the granted time, not of the machine's load."""
    a = _frames_while_driving(fw_exe, seconds=4)
    b = _frames_while_driving(fw_exe, seconds=4)
    assert a[0] == b[0] and a[1] == b[1]


def test_a_bench_without_the_camera_has_no_vo_device(fw_exe):
    """A bench of real boards has no truth to make VO of: wheel-only, as before."""
    from hal import open_hal
    with L.EmulatedBench(["mobility"], exe=fw_exe, seed=3, vo=False) as bench:
        assert "vo_truth" not in bench.url
        hal = open_hal(bench.url)
        try:
            assert hal.vo is None and "vo" not in hal.devices()
            assert "vo" not in hal.link_stats()
        finally:
            hal.close()


def test_truth_options_are_for_the_mobility_board_only(fw_exe, tmp_path):
    r = subprocess.run([str(fw_exe), "--role", "payload", "--truth-socket", str(tmp_path / "t.sock")],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert "--truth-socket SOCKET is for the mobility board" in r.stderr
    r = subprocess.run([str(fw_exe), "--role", "mobility", "--truth-socket", str(tmp_path / "t.sock"),
                        "--truth-period-ms", "0"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "--truth-period-ms must be 1..60000" in r.stderr


def test_qemu_boards_have_no_plant_to_make_vo_of():
    with pytest.raises(L.HilError, match="QEMU boards carry no plant"):
        L.EmulatedBench(["mobility"], emulator="qemu", vo=True)


@pytest.mark.skipif(shutil.which("avr-gcc") is None, reason="needs gcc-avr and avr-libc")
@pytest.mark.skipif(not os.path.exists("/usr/include/simavr/sim_avr.h"),
                    reason="needs libsimavr-dev, libsimavrparts1, libelf-dev")
@pytest.mark.skipif(not F.STK500V2_HEX.is_file(), reason="needs arduino-core-avr")
@pytest.mark.timeout(300)
def test_emulated_mega_streams_truth_to_the_camera(tmp_path):
    """rover-simavr's plant, on the Mega's own clock: the camera gets a record
    each plant second and sees the drive the AVR firmware makes."""
    from hal import open_hal
    with L.EmulatedBench(["mobility"], emulator="simavr", flash_via="direct", seed=2,
                         build_dir=tmp_path / "build", dir_=tmp_path / "bench") as bench:
        assert "vo_truth=" in bench.url
        hal = open_hal(bench.url)
        try:
            _drive(hal, 8)
            st = hal.vo.stats()
            truth = hal.vo.truth_pose
            f = hal.vo.frame
        finally:
            hal.close()
    assert st["connected"] and st["fault"] is None and st["records"] >= 5, st
    assert truth["t_ms"] % 1000 == 0 and truth["x_m"] > 0.3, truth
    assert f is not None and f.dx_m > 0.03, f
