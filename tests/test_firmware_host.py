"""The board firmware built for the host (csrc/firmware, `make host`): a Linux
process whose UART is a pty and whose pins drive the simulated plant.  These
tests talk to it over the real serial path with pyserial and hal.link.codec.

The boards are lockstepped (--lockstep): they run only on the time the test
grants them, so every wait here is in board time and a loaded machine cannot
change what the board sees.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest

from common.dictionary import default_dictionary
from common.dictionary.packets import CmdResult, decode_event, decode_tlm, encode_board_command
from hal.link import codec
from hal.link.line import LockstepLine
from hal.link.lockstep import BoardControl

serial = pytest.importorskip("serial")
ROOT = Path(__file__).resolve().parents[1]
D = default_dictionary()
# CMD_RESULT status codes and fault bits: the dictionary's [[cmd_status]] / [[fault_flag]]
CMD_OK, CMD_ARG_RANGE, CMD_BAD_LENGTH, CMD_NOT_ALLOWED, CMD_UNKNOWN_OPCODE, CMD_WRONG_BOARD = (
    D.status_code(n) for n in ("OK", "ARG_RANGE", "BAD_LENGTH", "NOT_ALLOWED", "UNKNOWN_OPCODE",
                               "WRONG_BOARD"))
FAULT_BAD_COMMAND, FAULT_DRIVE_DEADLINE, FAULT_HEARTBEAT_LOST, FAULT_HEATER = (
    D.fault_mask(n) for n in ("BAD_COMMAND", "DRIVE_DEADLINE", "HEARTBEAT_LOST", "HEATER"))

pytestmark = [
    pytest.mark.boards,
    pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs POSIX ptys"),
    pytest.mark.skipif(shutil.which("make") is None or shutil.which("gcc") is None,
                       reason="needs make and gcc"),
]


BAUD = 115200
BYTE_NS = (10 * 1_000_000_000 + BAUD // 2) // BAUD      # one byte on the line, as the board counts it


class Board:
    """A lockstepped host-build board process and a minimal host side of the
    link; time passes only in pump(), in board seconds."""

    def __init__(self, exe, role="mobility", extra=()):
        self._dir = tempfile.TemporaryDirectory(prefix="fw-")   # short: a socket path is <= 107 bytes
        self.link = Path(self._dir.name) / f"{role}.pty"
        sock = str(Path(self._dir.name) / f"{role}.sock")
        self.proc = subprocess.Popen([str(exe), "--role", role, "--pty-link", str(self.link),
                                      "--lockstep", sock, "--seed", "7", *extra],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("PTY /dev/"), line
        assert os.path.realpath(self.link) == line.split()[1]
        self.ser = serial.Serial(str(self.link), BAUD, timeout=0)
        self.ser.reset_input_buffer()
        self.line = LockstepLine(BoardControl(sock, role))
        assert self.line.attach(required=True, join_board_time=True)
        assert self.line.t_us == 0                           # a fresh board is halted at 0
        self.line.opened()
        self.dec = codec.FrameDecoder()
        self.tx = codec.ReliableSender(session=random.randrange(1, 1 << 32))
        self.rx_log: list[tuple[int, codec.Frame]] = []     # (board us, frame) in arrival order
        self.tlm: dict[str, dict] = {}
        self.tlm_count: dict[str, int] = {}
        self.results: dict[int, CmdResult] = {}
        self.n_results = 0
        self.other: list = []
        self.faults: list = []
        self.hb_seq = 0

    @property
    def us(self) -> int:
        return self.line.t_us

    def ms(self):
        return self.line.t_us // 1000

    def write(self, data: bytes):
        n = 0
        while n < len(data):
            n += os.write(self.ser.fileno(), data[n:])
        self.line.wrote(len(data))

    def pump(self, dt=0.0):
        """Grant dt board seconds, handling every frame when it arrives."""
        end = self.line.t_us + round(dt * 1e6)
        while True:
            data = self.line.read(self.ser.fileno(), (end - self.line.t_us) / 1e6)
            assert data is not None, self.line.failure or "the board hung up"
            if data:
                for f in self.dec.feed(data):
                    self.rx_log.append((self.line.t_us, f))
                    self.tx.on_frame(f, self.ms())
                    if f.ftype == codec.T_TLM:
                        name, vals = decode_tlm(D, f.payload)
                        self.tlm[name] = vals
                        self.tlm_count[name] = self.tlm_count.get(name, 0) + 1
                    elif f.ftype == codec.T_EVENT:
                        r = decode_event(f.payload)
                        if not isinstance(r, CmdResult):
                            self.faults.append(r)
                            continue
                        self.results[r.seq] = r
                        self.n_results += 1
                    else:
                        self.other.append(f)
            out = self.tx.poll(self.ms())
            if out:
                self.write(out)
            if self.line.t_us >= end:
                return

    def wait(self, pred, timeout=3.0, what="condition"):
        """pump() until pred() is true; timeout in board seconds."""
        end = self.line.t_us + round(timeout * 1e6)
        while self.line.t_us < end:
            self.pump(0.01)
            v = pred()
            if v:
                return v
        raise AssertionError(f"no {what} within {timeout} board s")

    def command(self, name, timeout=3.0, **args) -> CmdResult:
        return self.raw_command(encode_board_command(D, name, **args), timeout)

    def raw_command(self, payload: bytes, timeout=3.0) -> CmdResult:
        seq = self.tx.submit(payload)
        assert seq is not None
        return self.wait(lambda: self.results.get(seq), timeout, f"CMD_RESULT seq {seq}")

    def heartbeat(self):
        self.hb_seq = (self.hb_seq + 1) & 0xFF
        self.write(codec.encode_frame(self.hb_seq, 0, 0, codec.T_HEARTBEAT,
                                      codec.HEARTBEAT_FMT.pack(self.ms(), 0)))

    def fresh(self, name, timeout=2.0):
        """The next packet of this name (one received after the call)."""
        n0 = self.tlm_count.get(name, 0)
        self.wait(lambda: self.tlm_count.get(name, 0) > n0, timeout, f"packet {name}")
        return self.tlm[name]

    def close(self):
        self.line.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.ser.close()
        self._dir.cleanup()


@pytest.fixture
def board(fw_exe):
    made = []

    def make(role="mobility", extra=()):
        b = Board(fw_exe, role, extra)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()


def drive(**kw):
    args = {f"w_{w}": 0 for w in ("fl", "fr", "ml", "mr", "rl", "rr")}
    args.update({f"s_{w}": 0 for w in ("fl", "fr", "rl", "rr")})
    args.update(kw)
    return args


# ---------------------------------------------------------------- identify, clock
def test_identify_and_clock(board):
    b = board("mobility")
    b.write(b"\x00" + codec.encode_frame(0, 0, 0, codec.T_IDENTIFY_REQ))
    f = b.wait(lambda: next((x for x in b.other if x.ftype == codec.T_IDENTIFY), None), what="IDENTIFY")
    ident = codec.Identify.unpack(f.payload)
    assert ident.role == D.roles["mobility"] and ident.fw_version == (1, 0, 0)
    assert ident.dict_hash32 == D.hash32
    assert ident.max_payload == 64 and ident.window == 8 and ident.clock_hz == 1_000_000
    b.pump(0.1)
    for tag, pause_s in ((11, 0.2), (12, 1.234567)):
        b.pump(pause_s)
        t0_us = b.us
        req = codec.encode_frame(1, 0, 0, codec.T_CLOCK_REQ, struct.pack("<I", tag))
        b.write(req)
        f = b.wait(lambda: next((x for x in b.other if x.ftype == codec.T_CLOCK
                                 and codec.CLOCK_FMT.unpack(x.payload)[0] == tag), None), what="CLOCK")
        # the board read its clock when the request's last byte arrived: the
        # granted time plus the request's bytes at 10 bits each
        assert codec.CLOCK_FMT.unpack(f.payload)[1] == (t0_us * 1000 + len(req) * BYTE_NS) // 1000


def test_uart_runs_at_the_baud_in_board_time_both_ways(board):
    """Telemetry as fast as the line allows fills the line from board to host
    and never more; bytes from the host take 10 bit times each too."""
    b = board("mobility")
    assert b.command("BOARD_TLM_PERIOD", period=0).status == CMD_OK
    b.pump(0.2)
    t0 = b.us
    b.pump(2.0)
    log = [(t, f) for t, f in b.rx_log if t > t0]
    wire = sum(len(codec.encode_frame(f.seq, f.ack, f.flags, f.ftype, f.payload)) for _, f in log)
    line_bytes = (b.us - t0) * 1e-6 * BAUD / 10
    assert 0.97 * line_bytes <= wire <= line_bytes + 72, (wire, line_bytes)
    # from the host: 2000 bytes of filler ending in a frame delimiter (one
    # damaged frame to the board), then a CLOCK_REQ: answered after all of it
    assert b.command("BOARD_TLM_PERIOD", period=60000).status == CMD_OK
    b.pump(0.5)
    t_w = b.us
    filler = b"\x01" * 2000 + b"\x00"
    req = codec.encode_frame(2, 0, 0, codec.T_CLOCK_REQ, struct.pack("<I", 99))
    b.write(filler + req)
    f = b.wait(lambda: next((x for x in b.other if x.ftype == codec.T_CLOCK), None), what="CLOCK")
    assert codec.CLOCK_FMT.unpack(f.payload)[1] == \
        (t_w * 1000 + (len(filler) + len(req)) * BYTE_NS) // 1000


def test_stale_dictionary_hash_override(board):
    b = board("payload", extra=("--dict-hash32", "0x12345678"))
    b.write(codec.encode_frame(0, 0, 0, codec.T_IDENTIFY_REQ))
    f = b.wait(lambda: next((x for x in b.other if x.ftype == codec.T_IDENTIFY), None), what="IDENTIFY")
    ident = codec.Identify.unpack(f.payload)
    assert ident.role == D.roles["payload"] and ident.dict_hash32 == 0x12345678


# ---------------------------------------------------------------- driving and deadlines
def test_drive_follows_setpoints_then_deadline_stops(board):
    b = board("mobility")
    b.fresh("MOB_WHEELS")
    targets = [800, 800, 1000, 1000, 600, 600]
    names = ("fl", "fr", "ml", "mr", "rl", "rr")
    end = b.ms() + 3000                    # 3 s of board time, refreshed every ~100 ms
    while b.ms() < end:
        r = b.command("MOB_DRIVE", **drive(**{f"w_{n}": t for n, t in zip(names, targets)}, s_fl=200))
        assert r.status == CMD_OK, r
        t_cmd = b.ms()
        b.pump(0.08)
    w = b.fresh("MOB_WHEELS")
    assert w["wheel_speed"] == pytest.approx([t / 1000 for t in targets], abs=0.08), w
    assert all(c > 0 for c in w["enc_count"]) and all(e > 0 for e in w["effort"])
    assert b.fresh("MOB_BODY")["steer"][0] == pytest.approx(0.2, abs=0.02)
    # stop refreshing: after 300 ms of board time the wheels stop, fault bit 1
    body = b.wait(lambda: b.tlm["MOB_BODY"]["fault_flags"] & FAULT_DRIVE_DEADLINE and b.tlm["MOB_BODY"],
                  2.0, "drive deadline")
    assert 300 <= b.ms() - t_cmd <= 300 + 50 + 20    # the deadline, then the next MOB_BODY
    assert body["steer"][0] == pytest.approx(0.2, abs=0.02)             # steering holds
    b.pump(1.6)                                                          # ramped down
    w = b.fresh("MOB_WHEELS")
    assert w["wheel_speed"] == pytest.approx([0] * 6, abs=0.05), w
    # a fresh command clears the deadline bit
    assert b.command("MOB_DRIVE", **drive()).status == CMD_OK
    assert not b.fresh("MOB_BODY")["fault_flags"] & FAULT_DRIVE_DEADLINE


def test_heartbeat_loss_latches_and_clear_fault(board):
    b = board("mobility")
    for _ in range(4):
        b.pump(0.25)
        b.heartbeat()
    t_hb = b.ms()
    assert b.command("MOB_DRIVE", **drive(w_fl=500)).status == CMD_OK
    assert b.command("BOARD_HEATER", zone=0, target=300).status == CMD_OK
    b.pump(0.9 - (b.ms() - t_hb) / 1000)                       # 0.9 s without a heartbeat
    assert not b.fresh("MOB_BODY")["fault_flags"] & FAULT_HEARTBEAT_LOST
    b.pump(1.1 - (b.ms() - t_hb) / 1000)                       # 1.1 s: over the 1 s limit
    body = b.fresh("MOB_BODY")
    assert body["fault_flags"] & FAULT_HEARTBEAT_LOST and body["heater_duty"] == 0
    # the board says so in a FAULT event too (docs/protocol.md 1.6)
    hb_bit = FAULT_HEARTBEAT_LOST.bit_length() - 1
    ev = [e for e in b.faults if e.bit == hb_bit]
    assert ev and ev[-1].set and ev[-1].flags & FAULT_HEARTBEAT_LOST and ev[-1].board_ms > 1000
    b.pump(1.5)
    assert b.fresh("MOB_WHEELS")["wheel_speed"][0] == pytest.approx(0, abs=0.05)
    r = b.command("MOB_DRIVE", **drive(w_fl=500))
    assert r.status == CMD_NOT_ALLOWED                          # latched: refused
    b.heartbeat()
    assert b.command("BOARD_CLEAR_FAULT").status == CMD_OK
    b.heartbeat()
    assert not b.fresh("MOB_BODY")["fault_flags"] & FAULT_HEARTBEAT_LOST
    assert b.command("MOB_DRIVE", **drive(w_fl=500)).status == CMD_OK


# ---------------------------------------------------------------- bad input
def test_rejected_commands_answer_with_reasons_and_move_nothing(board):
    b = board("mobility")
    bad_range = bytearray(encode_board_command(D, "MOB_DRIVE", **drive()))
    struct.pack_into("<h", bad_range, 2 + 2 * 3, 2001)               # w_mr out of range
    r = b.raw_command(bytes(bad_range))
    assert (r.status, r.detail, r.opcode) == (CMD_ARG_RANGE, 3, 0x1001)
    r = b.raw_command(struct.pack("<H", 0x7E7E) + b"\x01")
    assert (r.status, r.opcode) == (CMD_UNKNOWN_OPCODE, 0x7E7E)
    r = b.raw_command(bytes(bad_range[:-1]))
    assert r.status == CMD_BAD_LENGTH
    r = b.raw_command(encode_board_command(D, "BOARD_HEATER", zone=0, target=601))  # e-box max 60 C
    assert (r.status, r.detail) == (CMD_ARG_RANGE, 1)
    b.pump(0.6)
    w, body = b.fresh("MOB_WHEELS"), b.fresh("MOB_BODY")
    assert all(e == 0 for e in w["effort"]) and all(c == 0 for c in w["enc_count"])
    assert body["heater_duty"] == 0 and body["fault_flags"] & FAULT_BAD_COMMAND
    stats = b.fresh("LINK_STATS", 3.0)
    assert stats["cmd_rejected"] == 4 and stats["cmd_executed"] == 4


def test_payload_refuses_mobility_commands(board):
    b = board("payload")
    r = b.command("MOB_DRIVE", **drive(w_fl=100))
    assert r.status == CMD_WRONG_BOARD


def test_garbage_truncated_and_corrupt_frames_are_counted(board):
    b = board("mobility")
    rng = random.Random(3)
    b.write(bytes(rng.randrange(256) for _ in range(3000)) + b"\x00")
    good = bytearray(codec.encode_frame(0, 0, 0, codec.T_CMD,
                                        encode_board_command(D, "MOB_DRIVE", **drive(w_fl=900))))
    b.write(bytes(good[:8]) + b"\x00")                                   # truncated
    bad = bytearray(good)
    bad[6] ^= 0x10
    b.write(bytes(bad))                                                  # bad CRC
    b.write(b"\x05" + b"\x11" * 200 + b"\x00")                           # oversize
    b.write(codec.encode_frame(0, 0, 0x80, codec.T_CMD, b"\x01\x10"))    # reserved flag
    b.write(codec.encode_frame(0, 0, 0, codec.T_TLM, b"\x01"))           # not for a board
    b.write(good)                                                        # no session: dropped
    b.pump(2.4)
    s = b.fresh("LINK_STATS", 3.0)
    assert s["rx_crc"] + s["rx_malformed"] + s["rx_too_short"] + s["rx_too_long"] >= 10
    assert s["rx_too_long"] >= 1 and s["rx_bad_flags"] >= 1 and s["rx_unexpected"] >= 1
    assert s["cmd_executed"] == 0
    w = b.fresh("MOB_WHEELS")
    assert all(e == 0 for e in w["effort"]) and all(c == 0 for c in w["enc_count"])
    assert b.fresh("MOB_BODY")["fault_flags"] & FAULT_BAD_COMMAND


def test_retransmitted_command_executes_once(board):
    b = board("payload")
    assert b.command("BOARD_TLM_PERIOD", period=100).status == CMD_OK
    payload = encode_board_command(D, "BOARD_SAFE")
    seq = b.tx.submit(payload)
    frame = b.tx.poll(b.ms())
    b.write(frame)
    b.write(frame)                          # the same frame again (a lost ack's retransmission)
    b.write(frame)
    b.wait(lambda: b.results.get(seq), what="result")
    b.pump(1.2)
    s = b.fresh("LINK_STATS", 1.5)
    assert s["cmd_executed"] == 2 and s["cmd_duplicates"] == 2   # TLM_PERIOD + SAFE once each
    assert b.n_results == 2


# ---------------------------------------------------------------- payload heater
def test_payload_heater_reaches_1000C_and_guard_trips_on_sensor_fault(board):
    b = board("payload")
    assert b.command("BOARD_TLM_PERIOD", period=1000).status == CMD_OK
    t_end = b.ms() + 480_000
    st = None
    while b.ms() < t_end:
        assert b.command("BOARD_HEATER", zone=0, target=10000).status == CMD_OK
        b.pump(1.6)                                                  # < the 3 s heater deadline
        st = b.tlm.get("PAY_STATUS")
        if st and st["head_temp"] >= 995:
            break
    assert st and st["head_temp"] >= 995 and st["head_target"] == 1000, st
    for _ in range(10):                                              # holds near the target
        assert b.command("BOARD_HEATER", zone=0, target=10000).status == CMD_OK
        b.pump(1.6)
    st = b.fresh("PAY_STATUS")
    assert abs(st["head_temp"] - 1000) < 10 and st["heater_fault"] == 0, st
    b.proc.send_signal(signal.SIGUSR1)                               # thermocouple opens
    st = b.wait(lambda: b.tlm["PAY_STATUS"]["heater_fault"] and b.tlm["PAY_STATUS"], 2, "guard")
    assert st["heater_fault"] == 2 and st["heater_duty"] == 0 and st["fault_flags"] & FAULT_HEATER
    assert b.command("BOARD_HEATER", zone=0, target=10000).status == CMD_NOT_ALLOWED


# ---------------------------------------------------------------- shutdown
def test_sigterm_runs_shutdown_and_exits_0(board):
    b = board("payload")
    assert b.command("BOARD_HEATER", zone=0, target=5000).status == CMD_OK
    b.pump(1.0)
    assert b.fresh("PAY_STATUS")["heater_duty"] > 0
    b.proc.send_signal(signal.SIGTERM)
    out, _ = b.proc.communicate(timeout=5)
    assert b.proc.returncode == 0
    assert "SHUTDOWN outputs safe (heater 0, wheels 0 0 0 0 0 0)" in out
    assert not b.link.exists()
