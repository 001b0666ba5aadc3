"""A lossy serial line on simulated time between the flight software and the
simulator's boards (``sim://?link_drop=P&link_corrupt=Q[&link_burst=L]``).

Without these parameters a sim:// run has no line at all: commands go
straight into the boards' firmware (docs/plant.md).  With them, every board
gets what a serial link gives it, built from the real parts:

- host -> board: commands go through the host's reliable sender (the C
  ``rel_tx`` of csrc/link with its default timers: RTO 250 ms before the
  first RTT sample, 20..2000 ms after, RFC 6298 estimator, backoff), host
  heartbeats every ``heartbeat_ms``; each frame is encoded by the C codec,
  paced at the line's baud (10 line bits a byte), damaged or lost on the way,
  and fed byte by byte into the board firmware's own receive path
  (``fw_rx``: decoder, reliable receiver, dispatch, heartbeat monitor,
  "bad command" latch on a damaged frame);
- board -> host: the firmware's answers to those bytes (ACK/NAK, CMD_RESULT
  events, each with the piggy-backed cumulative ack) travel back the same
  way into the host's C decoder and reliable sender;
- telemetry samples and FAULT events (still sampled from the firmware once a
  flight cycle, as without a line) are frames on the board -> host line: a
  lost or damaged one never reaches the flight software, which keeps the
  previous sample.  Their line time is not modelled (our simplification: a
  board sends them on its own schedule, the simulator samples them at the
  flight cycle).

So the cost of a loss is what the protocol makes it: a retransmission after
the timer or a NAK, whichever scheme csrc/link/reliable.c implements, and a
board that hears no heartbeat for its deadline latches its outputs safe.

Losses, per direction, per frame: with ``link_drop`` = p alone, each frame is
lost independently with probability p; with ``link_burst`` = L (mean frames
per loss burst), losses follow the two-state Gilbert-Elliott channel (E. N.
Gilbert, Bell Syst. Tech. J. 39:1253-1265, 1960; E. O. Elliott, BSTJ
42:1977-1997, 1963) in its simplest form (every frame lost in the bad state,
none in the good one) with the same long-run loss fraction p: leave the bad
state with probability 1/L per frame, enter it with p / (L (1 - p)).
Corruption: each byte on the line independently gets one random bit flipped
with probability ``link_corrupt`` (the same fault as sim_hw.link_proxy's),
and the receiver's CRC and COBS checks decide what becomes of the frame.

Deterministic: the line draws from its own generator seeded from the run's
seed, and the simulator's clock is the only time it knows.
"""
from __future__ import annotations

import math
import random
import struct
from collections import deque

from common._native import ffi, lib
from sim_hw.knobs import Knob

LINK_BAUD = 115200            # docs/protocol.md 3.4: every dev board's USB-UART
LINE_BITS_PER_BYTE = 10       # 8N1
LINK_RNG_STREAM = 0x4C494E4B  # "LINK": the line's generator, beside the plant's seed
NEVER = 1 << 62               # bytes before the next bit error on a clean line
MAX_REPLY = 512               # bytes a board may answer to one delivery

LINK_KNOBS: dict[str, Knob] = {k.name: k for k in (
    Knob("link_drop", "link", 0.0, 1.0, hi_open=True,
         doc="probability a frame on the line is lost whole, each direction"),
    Knob("link_corrupt", "link", 0.0, 1.0, hi_open=True,
         doc="probability a byte on the line gets one bit flipped"),
    Knob("link_burst", "link", 1.0, 1e6,
         doc="mean frames per loss burst (Gilbert-Elliott); unset: independent losses"),
)}

_HB = struct.Struct("<IB")    # HEARTBEAT payload: [sender time ms u32][state u8]
HOST_HB_STATE = 1             # "flight software running" (docs/protocol.md 1.3)

_TX_STATS = ("submitted", "sent", "retransmits", "timeouts", "fast_retransmits", "acked",
             "rtt_samples", "stale_acks", "naks", "peer_resets")
_RX_ERRORS = ("crc", "too_long", "too_short", "malformed", "bad_type", "bad_flags")


def link_settings(values: dict[str, str]) -> dict[str, float] | None:
    """The link knobs of a sim:// URL, checked; None when the run has no line
    (no knob given, or every rate 0).  ValueError names the knob and range."""
    out = {}
    for name, knob in LINK_KNOBS.items():
        raw = values.get(name)
        if raw is None:
            continue
        try:
            v = float(raw)
        except ValueError:
            raise ValueError(f"{name}={raw!r} is not a number, range {knob.range_text()}") from None
        out[name] = knob.check(v)
    p = out.get("link_drop", 0.0)
    burst = out.get("link_burst")
    if burst is not None and p > 0 and p / (burst * (1.0 - p)) > 1.0:
        raise ValueError(f"link_burst={burst:g} is too short for link_drop={p:g}: a loss "
                         f"fraction p needs bursts of at least p/(1-p) = {p / (1 - p):.3g} frames")
    if not out or (p == 0.0 and out.get("link_corrupt", 0.0) == 0.0):
        return None
    return out


class LossyLine:
    """One direction of the line: pacing on simulated time, losses, bit errors."""

    def __init__(self, rng: random.Random, drop: float, corrupt: float, burst: float | None,
                 baud: int = LINK_BAUD):
        self.rng = rng
        self.ms_per_byte = LINE_BITS_PER_BYTE * 1000.0 / baud
        self.drop, self.corrupt = drop, corrupt
        if burst is not None and drop > 0:
            self.p_exit = 1.0 / burst                           # bad -> good
            self.p_enter = drop / (burst * (1.0 - drop))        # good -> bad
        else:
            self.p_exit = self.p_enter = None
        self.bad = False
        self._log_q = math.log1p(-corrupt) if corrupt > 0 else None
        if self._log_q == 0.0:      # a rate too small for a double: never in practice
            self._log_q = None
        self._next_bad_byte = self._gap()
        self.free_at_ms = 0.0
        self.counts = dict(frames=0, bytes=0, frames_dropped=0, frames_corrupted=0,
                           bytes_corrupted=0)

    def _gap(self) -> int:
        """Clean bytes before the next corrupted one (geometric: one draw per error)."""
        if self._log_q is None:
            return NEVER
        g = math.log1p(-self.rng.random()) / self._log_q
        return int(g) if g < NEVER else NEVER

    def _lost(self) -> bool:
        if self.p_enter is None:
            return self.drop > 0 and self.rng.random() < self.drop
        if self.bad:
            self.bad = self.rng.random() >= self.p_exit
        else:
            self.bad = self.rng.random() < self.p_enter
        return self.bad

    def fault(self, wire: bytes) -> bytes | None:
        """What of one frame reaches the far end: None (lost), or its bytes."""
        c = self.counts
        c["frames"] += 1
        c["bytes"] += len(wire)
        n = len(wire)
        pos = self._next_bad_byte
        if pos >= n:
            self._next_bad_byte = pos - n
            damaged = wire
        else:
            b = bytearray(wire)
            while pos < n:
                b[pos] ^= 1 << self.rng.randrange(8)
                c["bytes_corrupted"] += 1
                pos += 1 + self._gap()
            self._next_bad_byte = pos - n
            damaged = bytes(b)
            c["frames_corrupted"] += 1
        if self._lost():
            c["frames_dropped"] += 1
            return None
        return damaged

    def send(self, t_ms: int, wire: bytes) -> tuple[int, bytes | None]:
        """Put a frame on the line at t_ms: (ms its last byte arrives, what arrives)."""
        start = max(float(t_ms), self.free_at_ms)
        self.free_at_ms = start + len(wire) * self.ms_per_byte
        return int(math.ceil(self.free_at_ms - 1e-9)), self.fault(wire)


def _frames(data: bytes) -> list[bytes]:
    """Wire bytes cut into frames at each 0x00 delimiter (the delimiter kept)."""
    out, i = [], 0
    while i < len(data):
        j = data.find(b"\0", i)
        if j < 0:
            out.append(data[i:])
            break
        out.append(data[i:j + 1])
        i = j + 1
    return out


class _BoardLine:
    """The line to one board: host sender and decoder, both directions."""

    def __init__(self, role: str, role_id: int, session: int, rng, settings, baud):
        drop = settings.get("link_drop", 0.0)
        corrupt = settings.get("link_corrupt", 0.0)
        burst = settings.get("link_burst")
        self.role, self.role_id = role, role_id
        self.down = LossyLine(random.Random(rng.getrandbits(64)), drop, corrupt, burst, baud)
        self.up = LossyLine(random.Random(rng.getrandbits(64)), drop, corrupt, burst, baud)
        cfg = ffi.new("struct rel_cfg *")
        lib.rel_cfg_default(cfg)
        self.tx = ffi.new("struct rel_tx *")
        lib.rel_tx_init(self.tx, cfg, session & 0xFFFFFFFF, 0)
        self.rx = ffi.new("struct link_rx *")
        lib.link_rx_init(self.rx)
        self.to_board: deque = deque()      # (arrival ms, bytes or None)
        self.to_host: deque = deque()
        self.hb_seq = 0
        self.counts = dict(heartbeats_sent=0, cmds_window_full=0, cmd_results=0,
                           events_lost=0, tlm_lost=0, heartbeat_latches=0)
        self.latched = False


class SimLink:
    """Lines to every board of a Simulator; ``advance`` replaces Simulator.advance.

    ``on_event(role, payload)`` receives the EVENT payloads that reach the host
    (CMD_RESULTs and FAULT events)."""

    def __init__(self, sim, roles: dict[str, int], settings: dict, seed: int, *,
                 heartbeat_ms: int, on_event, heartbeat_lost_mask: int, baud: int = LINK_BAUD):
        self.sim = sim
        self._hb_lost = heartbeat_lost_mask
        self.settings = dict(settings)
        self.heartbeat_ms = int(heartbeat_ms)
        self.on_event = on_event
        rng = random.Random((int(seed) << 32) ^ LINK_RNG_STREAM)
        self.lines = {r: _BoardLine(r, rid, rng.getrandbits(32), rng, self.settings, baud)
                      for r, rid in roles.items()}
        self._next_hb_ms = sim.t_ms
        self._buf = ffi.new("uint8_t[]", lib.LINK_MAX_WIRE)
        self._reply = ffi.new("uint8_t[]", MAX_REPLY)
        self._got = ffi.new("int *")

    # -- host side ---------------------------------------------------------------
    def submit(self, role: str, payload: bytes) -> int | None:
        """Queue a board command on the reliable sender: its sequence number, or
        None when the window is full (the command is lost, counted)."""
        ln = self.lines[role]
        r = lib.rel_tx_submit(ln.tx, payload, len(payload))
        if r < 0:
            ln.counts["cmds_window_full"] += 1
            return None
        return r

    def unacked(self, role: str, seq: int) -> bool:
        """True while command ``seq`` is not acknowledged (not yet executed:
        the board acks a command in the same call that executes it)."""
        tx = self.lines[role].tx
        return (seq - tx.base) % 256 < lib.rel_tx_outstanding(tx)

    def _encode(self, seq, ack, flags, ftype, payload: bytes) -> bytes:
        n = lib.link_encode(seq, ack, flags, ftype, payload, len(payload), self._buf,
                            lib.LINK_MAX_WIRE)
        return bytes(ffi.buffer(self._buf, n))

    def _pump(self, t: int) -> None:
        """Frames due from the host at t: heartbeats, commands, retransmissions."""
        hb = t >= self._next_hb_ms
        if hb:
            self._next_hb_ms = t + self.heartbeat_ms
        now = t & 0xFFFFFFFF
        for ln in self.lines.values():
            if hb:
                wire = self._encode(ln.hb_seq, 0, 0, lib.LINK_T_HEARTBEAT,
                                    _HB.pack(now, HOST_HB_STATE))
                ln.hb_seq = (ln.hb_seq + 1) & 0xFF
                ln.counts["heartbeats_sent"] += 1
                ln.to_board.append(ln.down.send(t, wire))
            while True:
                n = lib.rel_tx_poll(ln.tx, now, self._buf, lib.LINK_MAX_WIRE)
                if n == 0:
                    break
                ln.to_board.append(ln.down.send(t, bytes(ffi.buffer(self._buf, n))))

    def _next_event(self, t: int, end: int) -> int:
        nxt = min(end, self._next_hb_ms)
        for ln in self.lines.values():
            if ln.to_board:
                nxt = min(nxt, ln.to_board[0][0])
            if ln.to_host:
                nxt = min(nxt, ln.to_host[0][0])
            due = lib.rel_tx_next_due(ln.tx, t & 0xFFFFFFFF)
            if due != 0xFFFFFFFF:
                nxt = min(nxt, t + max(1, due))
        return max(nxt, t)

    def _deliver(self, t: int) -> None:
        for ln in self.lines.values():
            while ln.to_board and ln.to_board[0][0] <= t:
                _, data = ln.to_board.popleft()
                if data is None:
                    continue
                n = self.sim.board_rx(ln.role, data, self._reply, MAX_REPLY)
                if n:
                    for wire in _frames(bytes(ffi.buffer(self._reply, n))):
                        ln.to_host.append(ln.up.send(t, wire))
            while ln.to_host and ln.to_host[0][0] <= t:
                _, data = ln.to_host.popleft()
                if data is not None:
                    self._host_rx(ln, data, t)

    def _host_rx(self, ln: _BoardLine, data: bytes, t: int) -> None:
        buf = ffi.from_buffer(data)
        off, n = 0, len(data)
        while off < n:
            off += lib.link_rx_feed(ln.rx, buf + off, n - off, self._got)
            if not self._got[0]:
                continue
            f = ln.rx.frame
            lib.rel_tx_on_frame(ln.tx, ffi.addressof(f), t & 0xFFFFFFFF)
            if f.type == lib.LINK_T_EVENT:
                payload = bytes(ffi.buffer(f.payload, f.len))
                if payload[:1] == b"\x01":
                    ln.counts["cmd_results"] += 1
                self.on_event(ln.role, payload)

    def advance(self, dt_ms: int) -> None:
        """Advance the simulator by dt_ms, the lines working at their own instants."""
        t = self.sim.t_ms
        end = t + dt_ms
        while True:
            self._pump(t)
            nxt = self._next_event(t, end)
            if nxt > t:
                self.sim.advance(nxt - t)
                if self.sim.off_map:          # the plant froze: nothing more moves
                    return
                t = nxt
            self._deliver(t)
            if t >= end:
                self._pump(t)
                break
        for ln in self.lines.values():       # the firmware's own latch, as the board holds it
            latched = bool(self.sim.fault_flags(ln.role) & self._hb_lost)
            if latched and not ln.latched:
                ln.counts["heartbeat_latches"] += 1
            ln.latched = latched

    # -- board -> host samples ---------------------------------------------------
    def sample_through(self, role: str, ftype: int, payload: bytes) -> bool:
        """A telemetry sample or FAULT event on the board -> host line: True if it
        arrives intact (the host's decoder takes it)."""
        ln = self.lines[role]
        data = ln.up.fault(self._encode(0, 0, 0, ftype, payload))
        if data is not None:
            before = ln.rx.st.frames
            buf = ffi.from_buffer(data)
            off = 0
            while off < len(data):
                off += lib.link_rx_feed(ln.rx, buf + off, len(data) - off, self._got)
            if ln.rx.st.frames > before:
                return True
        ln.counts["tlm_lost" if ftype == lib.LINK_T_TLM else "events_lost"] += 1
        return False

    # -- figures -------------------------------------------------------------------
    def counters(self, role: str) -> tuple[int, int, int, int]:
        """(retransmissions, frames sent to the board, good frames received,
        receive errors) of one board's line: the per-cycle telemetry, cheaply."""
        ln = self.lines[role]
        rx = ln.rx.st
        return (int(ln.tx.st.retransmits), ln.down.counts["frames"], int(rx.frames),
                int(rx.crc + rx.too_long + rx.too_short + rx.malformed + rx.bad_type
                    + rx.bad_flags))

    def stats(self) -> dict:
        """Per board: the line's counters, the host sender's and decoder's."""
        out = {}
        for role, ln in self.lines.items():
            st = ln.tx.st
            rx = ln.rx.st
            d = {f"tx_{k}": int(getattr(st, k)) for k in _TX_STATS}
            d["host_rx_errors"] = int(sum(getattr(rx, k) for k in _RX_ERRORS))
            d["host_rx_frames"] = int(rx.frames)
            for side, line in (("down", ln.down), ("up", ln.up)):
                for k, v in line.counts.items():
                    d[f"{side}_{k}"] = v
            d.update(ln.counts)
            out[role] = d
        return out

    def summary(self) -> dict:
        """Totals over the boards (for reports and campaign tables)."""
        per = self.stats()
        tot = lambda k: sum(v[k] for v in per.values())           # noqa: E731
        return {
            "settings": self.settings,
            "retransmits": tot("tx_retransmits"),
            "timeouts": tot("tx_timeouts"),
            "fast_retransmits": tot("tx_fast_retransmits"),
            "frames_dropped": tot("down_frames_dropped") + tot("up_frames_dropped"),
            "frames_corrupted": tot("down_frames_corrupted") + tot("up_frames_corrupted"),
            "cmds_window_full": tot("cmds_window_full"),
            "heartbeat_latches": tot("heartbeat_latches"),
            "tlm_lost": tot("tlm_lost"),
            "boards": per,
        }
