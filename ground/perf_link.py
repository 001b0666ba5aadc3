"""`rover perf link`: the serial link against an emulated mobility board.

Two clocks, reported side by side:

* **lockstep** (the figures that judge the targets): the host-built board
  firmware runs only on time this module grants it over its control socket
  (docs/hil.md 4.1), and every time here is board time.  Bytes cross the
  emulated line at the baud, 10 bits a byte, both ways; a frame is seen when
  its last byte has left the board.  So the round trips, goodput and soak
  below are the protocol's and the line's, whatever else the machine is
  doing.  The lossy line of the soak is a seeded fault model on the host's
  end of the line (the same rules as ``sim_hw.link_proxy.LinkProxy``: each
  frame dropped with ``p_drop``, each byte given one flipped bit with
  ``p_corrupt``, both directions).
* **wall**: the same board free-running on the wall clock, the HAL's own
  link session (``hal.link.session``, an I/O thread) and ``LinkProxy`` on
  real ptys.  These include the host's scheduling: on a loaded 2-core
  machine a thread that should wake at once can wake several milliseconds
  late, which the lockstep figures show is not the protocol's doing.

The soak counts executions on the board: its own ``LINK_STATS`` counters
(``cmd_executed``, ``cmd_duplicates``, ``cmd_out_of_order``) before and
after, plus every CMD_RESULT event, which the firmware emits once per
execution.
"""
from __future__ import annotations

import os
import random
import struct
import tty

from common.dictionary import default_dictionary
from common.dictionary.packets import CmdResult, decode_event, decode_tlm, encode_board_command
from hal.link import codec
from hal.link.line import LockstepLine
from hal.link.lockstep import BoardControl

HEARTBEAT_MS = 200                 # host heartbeat cadence (docs/protocol.md 3.4)
FW_TLM_TX_LOW = 8                  # csrc/firmware/fw.h: telemetry waits until <= 8 bytes wait
TARGETS = dict(goodput_ratio_min=0.85, rtt_p99_ms_max=10.0, lost=0, executed_twice=0,
               rtt_below_physical=0, retransmits_per_lost_frame_max=2.0)
ZERO_DRIVE = {k: 0 for k in ("w_fl", "w_fr", "w_ml", "w_mr", "w_rl", "w_rr",
                             "s_fl", "s_fr", "s_rl", "s_rr")}


class LinkError(RuntimeError):
    """The benchmark could not run (board silent, no statistics)."""


class FrameFaults:
    """One direction of a lossy line, applied to a byte stream: each frame
    (bytes up to and including a 0x00) is dropped whole with ``p_drop``; each
    byte of the others gets one random bit flipped with ``p_corrupt``."""

    def __init__(self, p_corrupt: float, p_drop: float, rng: random.Random):
        self.p_corrupt, self.p_drop, self.rng = p_corrupt, p_drop, rng
        self.in_frame = self.dropping = False
        self.frames = self.frames_dropped = self.bytes_corrupted = 0
        self.cmd_frames = self.cmd_frames_lost = 0
        self._frame = bytearray()          # the frame in progress, as sent

    def apply(self, data: bytes) -> bytes:
        if self.p_corrupt <= 0 and self.p_drop <= 0:
            return data
        out = bytearray()
        rng = self.rng
        for b in data:
            if not self.in_frame:
                self.in_frame = True
                self.dropping = self.p_drop > 0 and rng.random() < self.p_drop
                self._damaged = False
                self._frame.clear()
            self._frame.append(b)
            if b == 0:
                self.in_frame = False
                self.frames += 1
                self._count(self.dropping or self._damaged)
            if self.dropping:
                if b == 0:
                    self.frames_dropped += 1
                continue
            if self.p_corrupt > 0 and rng.random() < self.p_corrupt:
                b ^= 1 << rng.randrange(8)
                self.bytes_corrupted += 1
                self._damaged = True
            out.append(b)
        return bytes(out)

    def _count(self, lost: bool) -> None:
        """CMD frames sent and lost on this direction (decoded as sent)."""
        f = codec.FrameDecoder().feed(bytes(self._frame))
        if f and f[0].ftype == codec.T_CMD:
            self.cmd_frames += 1
            self.cmd_frames_lost += bool(lost)

    _damaged = False


class LockstepHost:
    """The host end of one lockstepped board's line: the C reliable sender,
    heartbeats, decoding; time is board time, passing only in :meth:`pump`."""

    def __init__(self, port: str, sock: str, role: str = "mobility", *, up=None, down=None,
                 session: int = 0x5EED0001):
        self.d = default_dictionary()
        self.fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        self.line = LockstepLine(BoardControl(sock, role))
        if not self.line.attach(required=True, join_board_time=True):
            raise LinkError(f"{role} board: no answer on {sock}")
        self.line.opened()
        self.up, self.down = up, down
        self.dec = codec.FrameDecoder()
        self.tx = codec.ReliableSender(session=session)
        self.sent_at: dict[int, int] = {}     # seq -> board us at submit
        self.rtts_us: list[int] = []
        self.results: list[CmdResult] = []
        self.link_stats: list[tuple[int, dict]] = []
        self.payload_bytes = self.tlm_bytes = 0
        self.counting = False
        self._next_hb_us = 0
        self._write(b"\x00")

    @property
    def us(self) -> int:
        return self.line.t_us

    def close(self) -> None:
        self.line.close()
        os.close(self.fd)

    def _write(self, data: bytes) -> None:
        if self.up is not None:
            data = self.up.apply(data)
        n = 0
        while n < len(data):
            try:
                n += os.write(self.fd, data[n:])
            except BlockingIOError:
                import select
                select.select([], [self.fd], [], 0.1)
        self.line.wrote(len(data))

    def submit(self, payload: bytes) -> int | None:
        seq = self.tx.submit(payload)
        if seq is not None:
            self.sent_at[seq] = self.us
        return seq

    def _handle(self, f: codec.Frame) -> None:
        base = self.tx.base
        n = self.tx.on_frame(f, self.us // 1000)
        for i in range(n):
            t0 = self.sent_at.pop((base + i) & 0xFF, None)
            if t0 is not None:
                self.rtts_us.append(self.us - t0)
        if self.counting:
            self.payload_bytes += len(f.payload)
        if f.ftype == codec.T_TLM:
            if self.counting:
                self.tlm_bytes += len(f.payload)
            try:
                name, vals = decode_tlm(self.d, f.payload)
            except Exception:
                return
            if name == "LINK_STATS":
                self.link_stats.append((self.us, vals))
        elif f.ftype == codec.T_EVENT:
            r = decode_event(f.payload)
            if isinstance(r, CmdResult):
                self.results.append(r)

    def pump(self, dt_s: float) -> None:
        """Let dt_s of board time pass, answering the board as frames arrive."""
        end = self.us + max(1, round(dt_s * 1e6))
        while True:
            if self.us >= self._next_hb_us:
                self._next_hb_us = self.us + HEARTBEAT_MS * 1000
                self._write(codec.encode_frame(0, 0, 0, codec.T_HEARTBEAT,
                                               codec.HEARTBEAT_FMT.pack(self.us // 1000, 1)))
            out = self.tx.poll(self.us // 1000)
            if out:
                self._write(out)
            if self.us >= end:
                return
            wait_us = min(end, self._next_hb_us) - self.us
            due = self.tx.next_due(self.us // 1000)
            if due is not None:
                wait_us = min(wait_us, max(1000, due * 1000))
            data = self.line.read(self.fd, wait_us / 1e6)
            if data is None:
                raise LinkError(self.line.failure or "the board hung up")
            if data and self.down is not None:
                data = self.down.apply(data)
            for f in self.dec.feed(data):
                self._handle(f)

    def until(self, pred, timeout_s: float, what: str) -> None:
        end = self.us + round(timeout_s * 1e6)
        while not pred():
            if self.us >= end:
                raise LinkError(f"no {what} within {timeout_s:g} board s")
            self.pump(0.002)

    def command(self, name: str, timeout_s: float = 5.0, **args) -> None:
        payload = encode_board_command(self.d, name, **args)
        self.until(lambda: self.submit(payload) is not None, timeout_s, f"room for {name}")
        self.until(lambda: self.tx.outstanding == 0, timeout_s, f"ack of {name}")

    def fresh_link_stats(self, timeout_s: float = 10.0) -> dict:
        t = self.us
        self.until(lambda: self.link_stats and self.link_stats[-1][0] > t, timeout_s,
                   "LINK_STATS packet")
        return self.link_stats[-1][1]


def physical_min_rtt_ms(baud: int, cmd_payload: bytes) -> float:
    """The least time from a command's first byte to its ack's last: both
    frames' bytes at 10 bits a byte, zero time on the board."""
    cmd = codec.encode_frame(1, 0, 0, codec.T_CMD, cmd_payload)
    ack = codec.encode_frame(1, 1, codec.F_ACK, codec.T_ACK, b"\x00")
    return (len(cmd) + len(ack)) * 10.0 / baud * 1000.0


def _pick(vals, q):
    return vals[min(len(vals) - 1, int(round(q * (len(vals) - 1))))]


def rtt_arithmetic(baud: int, cmd_payload: bytes, tlm_max_payload: int) -> dict:
    """Why a round trip can exceed the bare minimum: the reply waits behind
    telemetry already on the board's line.  The firmware queues a telemetry
    frame only when at most FW_TLM_TX_LOW bytes wait, so the most ahead of a
    reply is that many bytes plus one whole telemetry frame."""
    byte_ms = 10.0 * 1000.0 / baud
    cmd = len(codec.encode_frame(1, 0, 0, codec.T_CMD, cmd_payload))
    ack = len(codec.encode_frame(1, 1, codec.F_ACK, codec.T_ACK, b"\x00"))
    tlm = len(codec.encode_frame(1, 1, codec.F_ACK, codec.T_TLM, bytes(tlm_max_payload)))
    worst = (cmd + FW_TLM_TX_LOW + tlm + ack) * byte_ms
    return dict(byte_ms=round(byte_ms, 4), cmd_wire_bytes=cmd, ack_wire_bytes=ack,
                longest_tlm_wire_bytes=tlm, tlm_low_water_bytes=FW_TLM_TX_LOW,
                physical_min_ms=round((cmd + ack) * byte_ms, 3),
                worst_behind_telemetry_ms=round(worst, 3))


def lockstep_rtt(host: LockstepHost, baud: int, n: int, seed: int) -> dict:
    """One MOB_DRIVE at a time (zero setpoints) with the board's telemetry at
    its 100 ms period on the return line; gaps between commands drawn from a
    seeded uniform 0..20 ms so that commands meet telemetry at every phase."""
    rng = random.Random(seed)
    host.command("BOARD_CLEAR_FAULT")
    host.command("BOARD_TLM_PERIOD", period=100)
    host.pump(0.3)
    drive = encode_board_command(host.d, "MOB_DRIVE", **ZERO_DRIVE)
    host.rtts_us.clear()
    r0 = host.tx.stats["retransmits"]
    lost = 0
    for _ in range(n):
        host.pump(rng.uniform(0.0005, 0.020))
        if host.submit(drive) is None:
            lost += 1
            continue
        try:
            host.until(lambda: host.tx.outstanding == 0, 2.0, "ack")
        except LinkError:
            lost += 1
    vals = sorted(v / 1000.0 for v in host.rtts_us)
    phys = physical_min_rtt_ms(baud, drive)
    tlm_max = _longest_tlm(host.d, "mobility")
    return dict(rtt_p50_ms=round(_pick(vals, 0.5), 3), rtt_p99_ms=round(_pick(vals, 0.99), 3),
                rtt_max_ms=round(vals[-1], 3), rtt_min_ms=round(vals[0], 3),
                rtt_physical_min_ms=round(phys, 3),
                # board time has 1 us steps: a frame ending at 3385.4 us is seen at 3385
                rtt_below_physical=sum(1 for v in vals if v < phys - 0.001),
                rtt_resolution_ms=0.001,
                rtt_commands=len(vals), rtt_timeouts=lost,
                rtt_retransmits=host.tx.stats["retransmits"] - r0,
                rtt_arithmetic=rtt_arithmetic(baud, drive, tlm_max))


def _longest_tlm(d, role: str) -> int:
    """The longest TLM payload a board of this role sends (dictionary)."""
    return max(p.size for p in d.packets.values() if p.for_board(role))


def lockstep_goodput(host: LockstepHost, baud: int, seconds: float) -> dict:
    """Telemetry streaming as fast as the line allows (BOARD_TLM_PERIOD 0)."""
    host.command("BOARD_CLEAR_FAULT")
    host.command("BOARD_TLM_PERIOD", period=0)
    host.pump(0.2)
    host.payload_bytes = host.tlm_bytes = 0
    host.counting = True
    t0 = host.us
    host.pump(seconds)
    host.counting = False
    dt = (host.us - t0) / 1e6
    host.command("BOARD_TLM_PERIOD", period=100)
    cap = baud / 10.0
    return dict(goodput_ratio=round(host.payload_bytes / dt / cap, 4),
                payload_bytes_per_s=round(host.payload_bytes / dt, 1),
                tlm_goodput_ratio=round(host.tlm_bytes / dt / cap, 4),
                line_bytes_per_s=cap, goodput_board_s=round(dt, 3),
                goodput_frame_limit=round(codec.MAX_PAYLOAD / (codec.MAX_PAYLOAD + 8), 4))


def lockstep_soak(host: LockstepHost, n: int, p_corrupt: float, p_drop: float) -> dict:
    """n BOARD_CLEAR_FAULT commands, window kept full, through the lossy line
    (both directions); executions counted by the board."""
    host.command("BOARD_TLM_PERIOD", period=60000)
    base = host.fresh_link_stats()
    host.up.p_corrupt = host.down.p_corrupt = p_corrupt
    host.up.p_drop = host.down.p_drop = p_drop
    tx0 = dict(host.tx.stats)
    up0 = (host.up.cmd_frames, host.up.cmd_frames_lost)
    n_res0 = len(host.results)
    seq0 = (host.tx.base + host.tx.outstanding) & 0xFF    # the first soak command's seq
    payload = encode_board_command(host.d, "BOARD_CLEAR_FAULT")
    t0 = host.us
    sent = 0
    while sent < n:
        while sent < n and host.submit(payload) is not None:
            sent += 1
        host.pump(0.001)
    host.until(lambda: host.tx.outstanding == 0, 60.0, "ack of every soak command")
    board_s = (host.us - t0) / 1e6
    host.up.p_corrupt = host.down.p_corrupt = host.up.p_drop = host.down.p_drop = 0.0
    final = host.fresh_link_stats()
    tx = {k: host.tx.stats[k] - tx0[k] for k in tx0}
    lost_frames = host.up.cmd_frames_lost - up0[1]
    executed = (final["cmd_executed"] - base["cmd_executed"]) & 0xFFFFFFFF
    # CMD_RESULT events: one per execution, in execution order; a command run
    # twice would show its seq again behind the ones after it
    repeats, expect = 0, seq0
    for r in host.results[n_res0:]:
        ahead = (r.seq - expect) & 0xFF
        if ahead >= 128:
            repeats += 1
        else:
            expect = (r.seq + 1) & 0xFF
    return dict(soak_commands=sent, soak_acked_all=host.tx.outstanding == 0,
                soak_executed=executed, soak_lost=max(0, sent - executed),
                soak_executed_twice=max(0, executed - sent) + repeats,
                soak_board_duplicates=(final["cmd_duplicates"] - base["cmd_duplicates"]) & 0xFFFF,
                soak_board_out_of_order=(final["cmd_out_of_order"] - base["cmd_out_of_order"])
                & 0xFFFF,
                soak_results_seen=len(host.results) - n_res0, soak_results_repeated=repeats,
                soak_cmd_frames_sent=tx["sent"], soak_cmd_frames_lost=lost_frames,
                soak_retransmits=tx["retransmits"], soak_timeouts=tx["timeouts"],
                soak_fast_retransmits=tx["fast_retransmits"],
                soak_retransmits_per_lost_frame=round(tx["retransmits"] / max(1, lost_frames), 3),
                soak_board_s=round(board_s, 2), soak_p_corrupt=p_corrupt, soak_p_drop=p_drop,
                soak_line=dict(h2b_frames_dropped=host.up.frames_dropped,
                               h2b_bytes_corrupted=host.up.bytes_corrupted,
                               b2h_frames_dropped=host.down.frames_dropped,
                               b2h_bytes_corrupted=host.down.bytes_corrupted))


def measure_lockstep(baud: int = 115200, seed: int = 1, soak_commands: int = 10000,
                     rtt_commands: int = 1000, goodput_s: float = 5.0,
                     p_corrupt: float = 0.01, p_drop: float = 0.01, build: bool = True,
                     exe=None, progress=None) -> dict:
    from ground.hil_launcher import EmulatedBench

    say = progress or (lambda msg: None)
    out = {}
    with EmulatedBench(["mobility"], seed=seed, baud=baud, lockstep=True, build=build,
                       exe=exe) as bench:
        rng = random.Random(seed)
        up = FrameFaults(0.0, 0.0, random.Random(rng.getrandbits(32)))
        down = FrameFaults(0.0, 0.0, random.Random(rng.getrandbits(32)))
        host = LockstepHost(bench.ports["mobility"], bench.sockets["mobility"], up=up, down=down,
                            session=rng.getrandbits(32))
        try:
            host.until(lambda: host.tx.outstanding == 0, 5.0, "ack of the session open")
            say(f"lockstep goodput: telemetry streaming for {goodput_s:g} board s")
            out.update(lockstep_goodput(host, baud, goodput_s))
            say(f"lockstep round trip: {rtt_commands} commands, one at a time")
            out.update(lockstep_rtt(host, baud, rtt_commands, seed))
            say(f"lockstep soak: {soak_commands} commands, {p_corrupt:.0%} of bytes corrupted, "
                f"{p_drop:.0%} of frames dropped, both ways")
            out.update(lockstep_soak(host, soak_commands, p_corrupt, p_drop))
        finally:
            host.close()
    return out


def measure_wall(baud: int, seed: int, soak_commands: int, rtt_commands: int,
                 goodput_s: float, build: bool = True, progress=None) -> dict:
    from ground.hil_launcher import EmulatedBench, measure_goodput, measure_rtt, measure_soak

    say = progress or (lambda msg: None)
    out = {}
    with EmulatedBench(["mobility"], seed=seed, baud=baud, time_scale=1.0, lockstep=False,
                       build=build) as bench:
        port = bench.ports["mobility"]
        say("wall goodput: telemetry streaming at BOARD_TLM_PERIOD 0")
        out.update(measure_goodput(port, baud, goodput_s))
        say(f"wall round trip: {rtt_commands} commands, one at a time")
        out.update(measure_rtt(port, baud, rtt_commands))
        if soak_commands:
            say(f"wall soak: {soak_commands} commands through LinkProxy")
            out.update(measure_soak(port, baud, soak_commands, seed=seed))
    return out


def measure_link(baud: int = 115200, seed: int = 1, soak_commands: int = 10000,
                 rtt_commands: int = 1000, goodput_s: float = 5.0, wall: bool = True,
                 wall_soak_commands: int | None = None, build: bool = True,
                 progress=None) -> dict:
    """Everything `rover perf link` reports.  The top-level figures are the
    lockstep ones (protocol and line); ``wall`` holds the free-running ones."""
    out = dict(baud=baud, reported="lockstep: board time, protocol and line only")
    out.update(measure_lockstep(baud, seed, soak_commands, rtt_commands, goodput_s,
                                build=build, progress=progress))
    if wall:
        w = measure_wall(baud, seed, soak_commands if wall_soak_commands is None
                         else wall_soak_commands, rtt_commands, goodput_s, build=False,
                         progress=progress)
        w["load_avg_1min"] = round(os.getloadavg()[0], 2)
        out["wall"] = w
    out["targets"] = TARGETS
    out["pass"] = bool(out["goodput_ratio"] >= TARGETS["goodput_ratio_min"]
                       and out["rtt_p99_ms"] <= TARGETS["rtt_p99_ms_max"]
                       and out["rtt_below_physical"] == 0
                       and (not wall or out["wall"]["rtt_below_physical"] == 0)
                       and out["soak_lost"] == 0 and out["soak_executed_twice"] == 0
                       and out["soak_acked_all"]
                       and out["soak_retransmits_per_lost_frame"]
                       <= TARGETS["retransmits_per_lost_frame_max"])
    return out


