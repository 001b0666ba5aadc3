"""The bench's emulated navigation camera: visual odometry made from the plant
truth an emulated mobility board streams out of band (csrc/emu/truth_tap.c).

On a rover, visual odometry runs on the flight computer from a navigation
camera, not on a motor-control MCU; a HIL bench emulates such a sensor from
its dynamics simulator's truth.  Our emulated boards carry the plant, so the
mobility board process (``rover-fw-host`` or ``rover-simavr`` with
``--truth-socket SOCKET``) sends the rover's true pose every VO period on a
UNIX-domain socket, and :class:`NavCamera` turns each record into a VO frame
with the simulator's own error model (sim_hw/vo.py: the same noise, the same
seed stream), so a board bench gets the VO that sim:// gives for the same
seed.  Record format: 64 bytes, little-endian (docs/hil.md section 13):
type 0x54, version, size, seq (u32, from 1 per connection), t_ms (u64, plant
time), then x, y, z (m) and yaw, pitch, roll (rad) as f64.
"""
from __future__ import annotations

import errno
import math
import os
import socket
import struct
from dataclasses import dataclass

RECORD = struct.Struct("<BBHIQdddddd")
RECORD_TYPE = 0x54
RECORD_VERSION = 1
RECORD_SIZE = RECORD.size            # 64
MAX_BUFFER = 64 * RECORD_SIZE        # bytes kept of an unfinished record stream


class TruthTapError(RuntimeError):
    """The truth stream cannot be opened or carries something that is not a record."""


@dataclass(frozen=True)
class TruthRecord:
    seq: int
    t_ms: int
    x_m: float
    y_m: float
    z_m: float
    yaw_rad: float
    pitch_rad: float
    roll_rad: float


def encode_record(r: TruthRecord) -> bytes:
    return RECORD.pack(RECORD_TYPE, RECORD_VERSION, RECORD_SIZE, r.seq, r.t_ms, r.x_m, r.y_m,
                       r.z_m, r.yaw_rad, r.pitch_rad, r.roll_rad)


def decode_records(buf: bytearray, where: str = "truth stream") -> list[TruthRecord]:
    """Take every whole record off the front of ``buf`` (a partial one stays).
    A record with another type, version or size, or a non-finite pose, is a
    TruthTapError naming ``where`` and the byte offset."""
    out = []
    off = 0
    while len(buf) - off >= RECORD_SIZE:
        typ, ver, size, seq, t_ms, *pose = RECORD.unpack_from(buf, off)
        if typ != RECORD_TYPE or ver != RECORD_VERSION or size != RECORD_SIZE:
            raise TruthTapError(f"{where}: not a truth record at byte {off}: type 0x{typ:02x} "
                                f"version {ver} size {size} (want type 0x{RECORD_TYPE:02x} version "
                                f"{RECORD_VERSION} size {RECORD_SIZE})")
        if not all(math.isfinite(v) for v in pose):
            raise TruthTapError(f"{where}: record seq {seq} at t={t_ms} ms has a non-finite pose")
        out.append(TruthRecord(seq, t_ms, *pose))
        off += RECORD_SIZE
    del buf[:off]
    return out


class TruthTapReader:
    """One connection to a board's truth socket; non-blocking reads."""

    def __init__(self, path: str, where: str = "truth stream"):
        self.path, self.where = path, where
        self.closed_reason: str | None = None
        self._buf = bytearray()
        self.records = 0
        self.gaps = 0                    # records the board dropped (seq jumps)
        self._last_seq = 0
        if not os.path.exists(path):
            raise TruthTapError(f"{where}: truth socket {path} does not exist; is the mobility "
                                f"board running with --truth-socket {path}?")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
        except OSError as e:
            s.close()
            why = ("refuses connections (the board process is gone?)"
                   if e.errno in (errno.ECONNREFUSED, errno.ENOENT) else str(e))
            raise TruthTapError(f"{where}: truth socket {path} {why}") from None
        s.setblocking(False)
        self._sock = s

    def read(self) -> list[TruthRecord]:
        """Every whole record received so far (none once closed)."""
        if self._sock is None:
            return []
        while True:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                self._close(f"read failed: {e}")
                break
            if not data:
                self._close("the board closed the truth stream (board process gone?)")
                break
            self._buf += data
            if len(self._buf) > MAX_BUFFER:
                break
        try:
            recs = decode_records(self._buf, f"{self.where} ({self.path})")
        except TruthTapError as e:
            self._close(str(e))
            return []
        for r in recs:
            if r.seq != self._last_seq + 1:
                self.gaps += max(0, r.seq - self._last_seq - 1)
            self._last_seq = r.seq
        self.records += len(recs)
        return recs

    def _close(self, why: str) -> None:
        self.closed_reason = why
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def close(self) -> None:
        if self._sock is not None:
            self._close("closed")


class NavCamera:
    """Visual odometry from a truth stream: each record is one camera frame of
    sim_hw/vo.py's model (the first sets the reference, each later one yields
    a frame), the noise drawn from the run seed's VO stream as in sim://."""

    def __init__(self, path: str, seed: int, noise_frac: float, scale_sigma_frac: float,
                 yaw_noise_mdeg: float, where: str = "nav camera"):
        from sim_hw.vo import VO_PERIOD_MS, VoModel
        self.period_ms = VO_PERIOD_MS
        self.model = VoModel(seed, noise_frac, scale_sigma_frac, yaw_noise_mdeg)
        self.reader = TruthTapReader(path, where)
        self.where = where
        self.fault: str | None = None
        self.last: TruthRecord | None = None

    def poll(self):
        """Feed every record received; returns the newest frame tuple
        (seq, t_ms, dx_m, dy_m, dyaw_rad) or None before the second frame."""
        for r in self.reader.read():
            if self.fault is None and r.t_ms % self.period_ms:
                self.fault = (f"{self.where}: the board streams truth at t={r.t_ms} ms, not on "
                              f"the camera's {self.period_ms} ms period (start it with "
                              f"--truth-period-ms {self.period_ms})")
            if self.fault is not None:
                continue
            self.model.update(r.t_ms, r.x_m, r.y_m, r.yaw_rad)
            self.last = r
        return self.model.frame

    def close(self) -> None:
        self.reader.close()
