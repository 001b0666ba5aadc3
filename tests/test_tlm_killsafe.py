"""kill -9 a real recording process and read back what it left.

The child records in a loop and, after each event's write has returned,
prints the event's counter on stdout.  Whatever counter the parent saw, that
event (and everything before it) must be in the file after the kill.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from common import record_format as rf
from ground.tlm.reader import read_run

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, sys
from common.clock import SimClock
from flight.tlm.bus import TelemetryBus
from flight.tlm.recorder import Recorder

clock = SimClock()
bus = TelemetryBus(clock)
rec = Recorder(sys.argv[1], bus, sample_period_ms=500, meta={"run_id": "kill-test"})
k = 0
while True:
    clock.advance(100)
    bus.publish_many({"counter": k, "rover.x_m": k * 0.1, "mode": "B" if (k // 7) % 2 else "A"})
    rec.poll()
    bus.emit("LOG", text="tick", n=k, pad="x" * (k % 300))
    os.write(1, b"%d\n" % k)          # event k's os.write has returned
    k += 1
"""


def run_and_kill(path: Path, kill_after: int) -> int:
    """Start the child, SIGKILL it once it reports kill_after; return the last counter it reported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=ROOT)
    last = -1
    try:
        for line in proc.stdout:
            last = int(line)
            if last >= kill_after:
                os.kill(proc.pid, signal.SIGKILL)
                break
        else:
            pytest.fail(f"child ended on its own: {proc.stderr.read().decode()}")
        # lines the child printed before the kill landed also count as acknowledged
        for line in proc.stdout:
            last = int(line)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return last


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_loses_no_completed_record(tmp_path, seed):
    kill_after = random.Random(seed).randint(5, 1500)
    path = tmp_path / "telemetry.rtlm"
    acked = run_and_kill(path, kill_after)

    log = read_run(path)
    ns = [e.args["n"] for e in log.events]
    # every acknowledged event is there, in order, with no gaps; at most one
    # more (written, killed before it was acknowledged)
    assert ns == list(range(len(ns))), f"seed {seed}: gap or reorder"
    assert acked <= ns[-1] <= acked + 1, f"seed {seed}: acked {acked}, read {ns[-1]}"
    assert not log.closed_cleanly
    assert log.bad_records == 0
    # a kill cannot split a single write() to a regular file; anything torn is at most one record
    assert log.torn_tail_bytes < 8 + 2000
    counter = log.samples["counter"]
    assert counter.values.tolist() == sorted(set(counter.values.tolist()))
    assert counter.values[-1] <= ns[-1] + 1
    assert set(log.samples["mode"].values) <= {"A", "B"}
    assert log.meta["run_id"] == "kill-test"

    # A torn last record (what power loss can leave) is detected, reported and
    # skipped; everything before it reads back.
    data = path.read_bytes()
    last_start = _last_record_offset(data)
    cut = random.Random(seed).randint(last_start + 1, len(data) - 1)
    path.write_bytes(data[:cut])
    torn = read_run(path)
    assert torn.torn_tail_bytes == cut - last_start
    assert torn.record_count == log.record_count - 1
    assert torn.bad_records == 0


def _last_record_offset(data: bytes) -> int:
    _, pos = rf.decode_header(data)
    last = pos
    while pos < len(data):
        (length, _crc) = rf._FRAME.unpack_from(data, pos)
        last, pos = pos, pos + rf.FRAME_BYTES + length
    assert pos == len(data)
    return last
