"""Recorder behaviour on simulated time: decimation, on-change, events, close, errors."""
from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from common.clock import SimClock
from flight.tlm import recorder as recorder_mod
from flight.tlm.bus import TelemetryBus
from ground.tlm.reader import TELEMETRY_FILENAME, RunNotFoundError, read_run
from common.record_format import TelemetryFormatError
from flight.tlm.recorder import Recorder


@pytest.fixture
def rig(tmp_path):
    clock = SimClock()
    bus = TelemetryBus(clock)
    path = tmp_path / TELEMETRY_FILENAME
    return clock, bus, path


def fly(clock, bus, rec, cycles, step_ms=100, publish=None):
    for k in range(cycles):
        if publish:
            publish(k)
        rec.poll()
        clock.advance(step_ms)


def test_channels_are_decimated_to_the_sample_period(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus, sample_period_ms=1000, meta={"run_id": "r1", "seed": 7})
    fly(clock, bus, rec, 100, publish=lambda k: bus.publish("rover.x_m", k * 0.01))
    rec.close()
    log = read_run(path.parent)
    s = log.samples["rover.x_m"]
    # 10 s at a 100 ms cycle, sampled each 1 s, plus the final values at close
    assert s.t_ms.tolist() == list(range(0, 10_000, 1000)) + [10_000]
    assert s.values[:3].tolist() == pytest.approx([0.0, 0.1, 0.2])
    assert s.values[-1] == pytest.approx(0.99)
    assert log.meta["run_id"] == "r1" and log.meta["seed"] == 7
    assert log.meta["sample_period_ms"] == 1000
    assert log.closed_cleanly and log.torn_tail_bytes == 0 and log.bad_records == 0


def test_unchanged_channels_are_not_rewritten(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus, sample_period_ms=500)
    bus.publish("power.battery_v", 28.0)
    fly(clock, bus, rec, 50, publish=lambda k: bus.publish("power.battery_v", 28.0))
    rec.close()
    assert read_run(path).samples["power.battery_v"].t_ms.tolist() == [0]


def test_string_channels_are_recorded_on_the_cycle_they_change(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus, sample_period_ms=1000)

    def publish(k):
        bus.publish("mode", "SAFE" if k < 13 else ("DRIVE" if k < 15 else "IDLE"))
        bus.publish("rover.x_m", float(k))

    fly(clock, bus, rec, 30, publish=publish)
    rec.close()
    log = read_run(path)
    mode = log.samples["mode"]
    assert mode.values == ["SAFE", "DRIVE", "IDLE"]
    assert mode.t_ms.tolist() == [0, 1300, 1500]
    # the numeric channel stays on its 1 s grid
    assert log.samples["rover.x_m"].t_ms.tolist() == [0, 1000, 2000, 3000]


def test_on_change_channels_declared_before_they_exist(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus, on_change=["rover.stalled_wheels"])
    fly(clock, bus, rec, 12, publish=lambda k: k == 11 and bus.publish("rover.stalled_wheels", 0))
    fly(clock, bus, rec, 3, publish=lambda k: k == 1 and bus.publish("rover.stalled_wheels", 2))
    rec.close()
    s = read_run(path).samples["rover.stalled_wheels"]
    assert s.t_ms.tolist() == [1100, 1300]
    assert s.values.tolist() == [0, 2]


def test_events_are_written_immediately_without_poll(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus)
    size0 = path.stat().st_size
    clock.advance(250)
    bus.emit("WHEEL_STALL", wheel="fl", current_a=np.float64(1.5))
    assert path.stat().st_size > size0          # on disk before any poll or close
    log = read_run(path)                        # readable while still open
    assert not log.closed_cleanly
    (ev,) = log.events
    assert (ev.t_ms, ev.name, ev.severity, ev.message) == (250, "WHEEL_STALL", "WARN", "wheel fl stalled")
    assert ev.args == {"wheel": "fl", "current_a": 1.5}
    rec.close()
    assert read_run(path).closed_cleanly


def test_new_channels_and_type_changes_mid_run(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus, sample_period_ms=100)
    bus.publish("a", 0)
    rec.poll()
    clock.advance(100)
    bus.publish_many({"a": 0.5, "b.flag": True, "c.list": [1, 2], "d.big": 1 << 70, "e.np": np.int32(3)})
    rec.poll()
    clock.advance(100)
    bus.publish_many({"b.flag": False, "e.np": np.int32(4)})
    rec.close()
    log = read_run(path)
    assert log.samples["a"].values.dtype == np.float64            # int then float -> float
    assert log.samples["a"].values.tolist() == [0.0, 0.5]
    assert log.samples["b.flag"].values.tolist() == [True, False]
    assert log.samples["c.list"].values == [[1, 2]]
    assert log.samples["d.big"].values == [1 << 70]               # beyond int64: kept exactly
    assert log.samples["e.np"].values.tolist() == [3, 4]
    assert rec.encode_errors == 0


def test_existing_file_is_refused_unless_overwrite(rig):
    clock, bus, path = rig
    Recorder(path, bus).close()
    with pytest.raises(FileExistsError, match="already exists"):
        Recorder(path, bus)
    Recorder(path, bus, overwrite=True, meta={"run_id": "second"}).close()
    assert read_run(path).meta["run_id"] == "second"


def test_disk_errors_are_counted_not_raised(rig, monkeypatch):
    clock, bus, path = rig
    rec = Recorder(path, bus)

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(recorder_mod.os, "write", full)
    bus.emit("LOG", text="lost")
    bus.publish("rover.x_m", 1.0)
    rec.poll()
    assert rec.write_errors == 2
    assert bus.value("tlm.write_errors") == 2
    assert "No space" in rec.last_error
    monkeypatch.undo()
    bus.emit("LINK_RESTORED", link="kept")
    rec.close()
    log = read_run(path)
    assert [e.name for e in log.events] == ["LINK_RESTORED"]
    assert log.closed_cleanly


def test_fsync_period_is_on_simulated_time(rig, monkeypatch):
    clock, bus, path = rig
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(recorder_mod.os, "fsync", lambda fd: (synced.append(clock.now_ms()), real_fsync(fd)))
    rec = Recorder(path, bus, sample_period_ms=1000, fsync_every_s=5)
    fly(clock, bus, rec, 120, publish=lambda k: bus.publish("x", k))
    assert synced == [5000, 10000]
    rec.close()
    assert synced[-1] == 12000                   # and once on close


def test_poll_with_nothing_due_writes_nothing(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus, sample_period_ms=1000)
    bus.publish_many({"mode": "SAFE", "x": 1.0})
    rec.poll()
    size = path.stat().st_size
    for t in range(1, 1000, 7):
        bus.publish("x", float(t))               # numeric changes wait for the period
        assert rec.poll(t) is False
    assert path.stat().st_size == size
    rec.close()


def test_reader_errors_name_the_path(tmp_path):
    with pytest.raises(RunNotFoundError, match="no such run"):
        read_run(tmp_path / "nope")
    with pytest.raises(RunNotFoundError, match="no telemetry.rtlm"):
        read_run(tmp_path)
    bad = tmp_path / "x.rtlm"
    bad.write_bytes(b"not telemetry at all")
    with pytest.raises(TelemetryFormatError, match="x.rtlm: not a telemetry file"):
        read_run(bad)


def test_record_missing_mid_file_is_reported(rig):
    clock, bus, path = rig
    rec = Recorder(path, bus)
    for k in range(3):
        clock.advance(10)
        bus.emit("LOG", text=f"event {k}")
    rec.close()
    data = bytearray(path.read_bytes())
    log = read_run(path)
    assert [e.message for e in log.events] == ["event 0", "event 1", "event 2"]
    # corrupt the middle event's payload: it is skipped, counted, and the close marker's count shows the loss
    i = data.index(b"event 1")
    data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    log = read_run(path)
    assert [e.message for e in log.events] == ["event 0", "event 2"]
    assert log.bad_records == 1 and log.missing_records == 1
    assert "1 bad record" in log.damage_summary()
