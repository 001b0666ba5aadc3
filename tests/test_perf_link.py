"""`rover perf link`'s lockstep half on a small scale (board time only): the
host-built firmware behind a lossy line runs every command once (the board's
own counters say so), round trips never beat the wire, and the fault model
drops and damages what it is told to."""
from __future__ import annotations

import os
import random
import shutil

import pytest

from hal.link import codec

P = pytest.importorskip("ground.perf_link")


def test_fault_model_drops_whole_frames_and_flips_single_bits():
    frames = [codec.encode_frame(i & 0xFF, 0, 0, codec.T_CMD, bytes([i & 0xFF]) * 20)
              for i in range(2000)]
    f = P.FrameFaults(0.01, 0.05, random.Random(4))
    out = f.apply(b"".join(frames))
    assert f.frames == 2000 and 60 <= f.frames_dropped <= 140          # 100 expected
    dec = codec.FrameDecoder()
    good = dec.feed(out)
    assert f.cmd_frames == 2000
    # every frame neither dropped nor damaged arrives, except one whose
    # neighbour's delimiter was damaged (the two merge): about 1 in 100 here
    assert 2000 - f.cmd_frames_lost - 60 <= len(good) <= 2000 - f.cmd_frames_lost
    assert dec.errors > 0
    clean = P.FrameFaults(0.0, 0.0, random.Random(4))
    assert clean.apply(b"".join(frames)) == b"".join(frames)


@pytest.mark.boards
@pytest.mark.skipif(not hasattr(os, "openpty") or shutil.which("gcc") is None,
                    reason="needs POSIX ptys and gcc")
def test_lockstep_soak_counts_executions_on_the_board(fw_exe):
    r = P.measure_lockstep(soak_commands=400, rtt_commands=30, goodput_s=0.5, seed=5,
                           p_corrupt=0.02, p_drop=0.02, build=False, exe=fw_exe)
    assert r["soak_acked_all"] and r["soak_commands"] == 400
    assert r["soak_executed"] == 400 and r["soak_lost"] == 0 and r["soak_executed_twice"] == 0
    assert r["soak_cmd_frames_lost"] > 0 and r["soak_retransmits"] >= r["soak_cmd_frames_lost"]
    assert r["soak_board_out_of_order"] > 0          # the board held commands behind a gap
    assert r["rtt_below_physical"] == 0 and r["rtt_commands"] == 30
    assert r["rtt_min_ms"] == pytest.approx(r["rtt_physical_min_ms"], abs=0.001)
    assert 0.5 < r["goodput_ratio"] <= r["goodput_frame_limit"]
