"""One serial link to one board: port, reader thread, reliable commands,
identify and dictionary check, clock sync, heartbeats, statistics, reconnect.

docs/protocol.md is the wire specification, docs/hil.md the user's view.

Threads: the flight loop calls :meth:`BoardSession.send_command` (it writes
the frame at once, so a command's round trip does not wait for the reader);
one I/O thread per session reads the port, hands frames to the C decoder,
answers acks into the reliable sender, fires retransmissions, sends the host
heartbeat and the clock queries, and runs the reconnect loop.  A lock guards
the sender and the port writes.

Times: the session's clock and its way of waiting for bytes are its
*line* (hal.link.line).  With a free-running board (``WallLine``) the link
layer (retransmission timers, heartbeat cadence, silence detection) runs on
the host's monotonic clock, because the line and the operating system are
wall-time things, and ages reported to the flight software (heartbeat,
telemetry) are converted to board milliseconds with the clock fit
(``rate``).  With a lockstepped emulated board (``LockstepLine``) there is
no I/O thread and no clock exchange: the session's time is the board time
the HAL granted, :meth:`BoardSession.run_until` does the I/O thread's work
up to a given time, and every timer and age is in board time.
"""
from __future__ import annotations

import enum
import os
import random
import select
import struct
import threading
import time
from collections import deque
from typing import Callable

from common.dictionary import default_dictionary
from hal.errors import HalError
from hal.link import codec as C
from hal.link.clock_sync import BoardClock
from hal.link.line import WallLine

HEARTBEAT_BOARD_MS = 200      # host heartbeat cadence, board ms (docs/protocol.md 3.4)
CLOCK_PERIOD_S = 0.25         # clock query cadence, host s (after the start-up burst)
LOST_BOARD_MS = 1000          # silence that declares the board lost, board ms ...
LOST_MIN_WALL_S = 0.25        # ... but never on less than this much wall time (OS hiccups)
LOST_MAX_WALL_S = 2.0         # ... and always after this much wall time
RETRY_S = 0.5                 # reopen cadence while the board is away
IDENTIFY_TIMEOUT_S = 2.0
IDENTIFY_RETRY_S = 0.1
CLOCK_BURST_SPACING_S = 0.02  # between burst exchanges
CLOCK_BURST = 6               # clock exchanges at connect before the link counts as up


class LinkState(str, enum.Enum):
    CONNECTING = "CONNECTING"
    UP = "UP"
    DOWN = "DOWN"             # was up, lost: reconnecting
    FAILED = "FAILED"         # will not come back by itself (dictionary mismatch, wrong role)
    CLOSED = "CLOSED"


class LinkError(HalError):
    """The link cannot be (re)established; the message names board, port and why."""


def hash_mismatch_message(role: str, port: str, got: int, expected: int, expected_hex: str) -> str:
    return (f"{role} board on {port}: dictionary hash 0x{got:08X} does not match the flight "
            f"software's 0x{expected:08X}; reflash the {role} board with firmware built from "
            f"dictionary {expected_hex}")


def _percentile(sorted_vals, q: float):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


class BoardSession:
    """The link to one board.

    ``on_tlm(payload, host_t)`` / ``on_event(payload, host_t)`` are called from
    the I/O thread for TLM and EVENT frames; ``on_state(session, state, why)``
    on every state change; ``on_up(session)`` after every (re)connect, once the
    reliable session is open (the backend re-sends its configuration there).
    """

    def __init__(self, port: str, role: str, *, baud: int = 115200,
                 expected_hash32: int | None = None, expected_hash_hex: str = "",
                 clock: BoardClock | None = None, clock_master: bool = True,
                 on_tlm: Callable | None = None, on_event: Callable | None = None,
                 on_state: Callable | None = None, on_up: Callable | None = None,
                 rtt_window: int = 256, rng: random.Random | None = None,
                 host_time: Callable[[], float] = time.monotonic,
                 roles: dict[str, int] | None = None, line=None):
        # board name -> IDENTIFY role byte: the dictionary's [[board]] table
        self.roles = roles if roles is not None else default_dictionary().roles
        if role not in self.roles:
            raise LinkError(f"unknown board role {role!r}; known roles: {', '.join(self.roles)}")
        self.port_path = port
        self.role = role
        self.baud = int(baud)
        self.expected_hash32 = expected_hash32
        self.expected_hash_hex = expected_hash_hex
        self.clock = clock if clock is not None else BoardClock()
        self.clock_master = clock_master
        self.on_tlm, self.on_event = on_tlm, on_event
        self.on_state, self.on_up = on_state, on_up
        self._rng = rng or random.Random()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._line = line if line is not None else WallLine(host_time, self._stop)
        self._lockstep = self._line.lockstep
        self._host_time = self._line.now
        self._limit_s = None          # lockstep: run_until's target
        self._thread: threading.Thread | None = None
        self._ser = None
        self._fd = None
        self.state = LinkState.CONNECTING
        self.state_reason = ""
        self.identify: C.Identify | None = None
        self.last_identify: C.Identify | None = None   # also when it was refused
        self.decoder = C.FrameDecoder()
        self.sender = C.ReliableSender(self._rng.getrandbits(32))
        self._tx_frame_seq = 0
        # rates on the board clock: board ms per host s (the fit's slope x 1000)
        self._last_rx = None           # host time of the last good frame
        self._last_tlm = None          # host time of the last TLM frame
        self._last_board_hb_ms = None  # board time in its last heartbeat
        self._next_hb = 0.0
        self._next_clock = 0.0
        self._clock_tags: dict[int, float] = {}
        self._clock_tag = 0
        self._sent_at: dict[int, float] = {}
        self.rtts_ms: deque[float] = deque(maxlen=rtt_window)
        self.counters = dict(frames_rx=0, frames_tx=0, bytes_rx=0, bytes_tx=0, tlm_rx=0,
                             payload_bytes_rx=0,
                             events_rx=0, heartbeats_rx=0, cmds_sent=0, cmds_acked=0,
                             cmds_window_full=0, cmds_while_down=0, cmds_unconfirmed=0,
                             reconnects=0, losses=0, board_resets=0, open_failures=0,
                             write_errors=0, clock_exchanges=0)
        self._rx_err_base = 0         # decoder errors carried over from earlier connections
        self._crc_base = 0
        self._presync_base = 0        # decode failures before a fresh port's first good frame
        self._tx_base = dict(retransmits=0, timeouts=0, naks=0)

    # -- life cycle -----------------------------------------------------------------
    def connect(self, timeout_s: float = IDENTIFY_TIMEOUT_S) -> None:
        """Open the port, identify, check the dictionary, sync the clock and open
        the reliable session; then start the I/O thread.  Raises LinkError
        naming the board, the port and why."""
        self._open_port()
        try:
            self._handshake(timeout_s)
        except Exception:
            self._close_port()
            raise
        self._set_state(LinkState.UP, "connected")
        if self.on_up is not None:
            self.on_up(self)
        if self._lockstep:
            return                    # the HAL drives it: run_until()
        self._thread = threading.Thread(target=self._run, name=f"link-{self.role}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._thread = None
        with self._lock:
            self._close_port()
        self._line.close()
        self._set_state(LinkState.CLOSED, "closed")

    def _open_port(self) -> None:
        import serial

        path = self.port_path
        if not os.path.exists(path):
            raise LinkError(f"{self.role} board: port {path} does not exist")
        try:
            ser = serial.Serial(path, self.baud, timeout=0, write_timeout=1.0, exclusive=True)
        except serial.SerialException as e:
            msg = str(e)
            if "lock" in msg.lower() or "busy" in msg.lower() or "Resource temporarily" in msg:
                raise LinkError(f"{self.role} board: port {path} is busy "
                                f"(another program has it open): {msg}") from None
            raise LinkError(f"{self.role} board: cannot open port {path}: {msg}") from None
        except (OSError, ValueError) as e:
            raise LinkError(f"{self.role} board: cannot open port {path}: {e}") from None
        self._ser = ser
        self._fd = ser.fileno()
        try:
            ser.reset_input_buffer()
        except Exception:
            pass
        self._line.opened()
        self.decoder = self._carry_decoder(self.decoder)

    def _close_port(self) -> None:
        ser, self._ser, self._fd = self._ser, None, None
        if ser is not None:
            try:
                ser.close()
            except Exception:
                pass

    # -- raw I/O --------------------------------------------------------------------
    def _write(self, data: bytes) -> bool:
        ser = self._ser
        if ser is None or not data:
            return False
        try:
            n = 0
            while n < len(data):          # the port is non-blocking: wait for room on a short write
                try:
                    n += os.write(self._fd, data[n:])
                except BlockingIOError:
                    pass
                if n < len(data):
                    _, w, _ = select.select([], [self._fd], [], 0.2)
                    if not w:
                        raise OSError("write timed out")
            self.counters["bytes_tx"] += len(data)
            self._line.wrote(len(data))
            return True
        except OSError:
            self.counters["write_errors"] += 1
            return False

    def _send_frame(self, ftype: int, payload: bytes = b"") -> bool:
        with self._lock:
            seq = self._tx_frame_seq
            self._tx_frame_seq = (seq + 1) & 0xFF
            ok = self._write(C.encode_frame(seq, 0, 0, ftype, payload))
            if ok:
                self.counters["frames_tx"] += 1
            return ok

    def _read_available(self, timeout_s: float) -> list[C.Frame] | None:
        """Frames read within timeout_s; None when the port went away."""
        fd = self._fd
        if fd is None:
            return None
        data = self._line.read(fd, timeout_s)
        if data is None:                  # hang-up (the far end closed) or the board stopped
            return None
        if not data:
            return []
        self.counters["bytes_rx"] += len(data)
        return self.decoder.feed(data)

    # -- handshake --------------------------------------------------------------------
    def _handshake(self, timeout_s: float) -> None:
        port = self.port_path
        self._write(b"\x00")              # flush a receiver that started mid-frame
        ident = None
        deadline = self._host_time() + timeout_s
        next_req = 0.0
        while ident is None:
            now = self._host_time()
            if now >= deadline:
                raise LinkError(f"{self.role} board on {port}: no IDENTIFY answer within "
                                f"{timeout_s:g} s (is a board with our link protocol there, at "
                                f"{self.baud} baud?)")
            if now >= next_req:
                self._send_frame(C.T_IDENTIFY_REQ)
                next_req = now + IDENTIFY_RETRY_S
            frames = self._read_available(min(IDENTIFY_RETRY_S, deadline - now))
            if frames is None:
                raise LinkError(f"{self.role} board on {port}: port closed during identify")
            for f in frames:
                self._note_rx(f)
                if f.ftype == C.T_IDENTIFY and len(f.payload) >= C.IDENTIFY_FMT.size:
                    ident = C.Identify.unpack(f.payload)
        self.last_identify = ident
        names = {v: k for k, v in self.roles.items()}
        got_role = names.get(ident.role, f"role {ident.role}")
        if got_role != self.role:
            self._fail(f"{self.role} board expected on {port}, but the board there says it is "
                       f"the {got_role} board; check the port or the role= parameter")
        if self.expected_hash32 is not None and ident.dict_hash32 != self.expected_hash32:
            self._fail(hash_mismatch_message(self.role, port, ident.dict_hash32,
                                             self.expected_hash32, self.expected_hash_hex))
        self.identify = ident
        self._last_board_hb_ms = None
        self._last_tlm = None
        # clock: a short burst so the fit has a slope before the flight loop runs
        # (a lockstepped board's time is known: no exchanges)
        if self.clock_master and not self._lockstep:
            self.clock.rebase()
        got = 0 if not self._lockstep else CLOCK_BURST
        deadline = self._host_time() + timeout_s
        while got < CLOCK_BURST:
            if self._host_time() >= deadline:
                raise LinkError(f"{self.role} board on {port}: no CLOCK answers "
                                f"({got} of {CLOCK_BURST}) within {timeout_s:g} s")
            t_req = self._host_time()
            self._send_clock_req()
            end = t_req + 0.05
            while self._host_time() < end:
                frames = self._read_available(0.01)
                if frames is None:
                    raise LinkError(f"{self.role} board on {port}: port closed during clock sync")
                before = self.counters["clock_exchanges"]
                for f in frames:
                    self._handle(f)
                if self.counters["clock_exchanges"] > before:
                    got += 1
                    # spread the burst over ~100 ms so the first fit has a usable slope
                    pause = t_req + CLOCK_BURST_SPACING_S - self._host_time()
                    if pause > 0:
                        time.sleep(pause)
                    break
        # reliable session: a new number per connection; the OPEN command must be acked
        with self._lock:
            st = self.sender.stats
            for k in self._tx_base:
                self._tx_base[k] += st[k]
            self.sender.reopen(self._rng.getrandbits(32), self._rng.getrandbits(8))
            self._peer_resets_seen = 0
            self._sent_at.clear()
            self._pump_locked()
        deadline = self._host_time() + timeout_s
        while self.sender.outstanding:
            if self._host_time() >= deadline:
                raise LinkError(f"{self.role} board on {port}: session open not acknowledged "
                                f"within {timeout_s:g} s")
            frames = self._read_available(0.01)
            if frames is None:
                raise LinkError(f"{self.role} board on {port}: port closed while opening the session")
            for f in frames:
                self._handle(f)
            with self._lock:
                self._pump_locked()
        now = self._host_time()
        self._last_rx = now
        self._next_hb = 0.0
        self._next_clock = now + CLOCK_PERIOD_S if not self._lockstep else float("inf")
        self._send_heartbeat()

    def _fail(self, why: str):
        self._set_state(LinkState.FAILED, why)
        raise LinkError(why)

    # -- frames in ---------------------------------------------------------------------
    def _carry_decoder(self, old: C.FrameDecoder) -> C.FrameDecoder:
        """A fresh decoder for a fresh port, keeping the error counts cumulative.
        The board may be mid-frame when the port opens: what fails to decode
        before the first good frame is the tail of a frame we joined late,
        counted apart (``rx_presync_errors``), not as line errors."""
        st = old.stats
        self._rx_err_base += sum(v for k, v in st.items() if k not in ("bytes", "frames"))
        self._crc_base += st["crc"]
        self._presync_base += sum(old.presync.values())
        return C.FrameDecoder(mid_stream=True)

    def _note_rx(self, f: C.Frame) -> None:
        self._last_rx = self._host_time()
        self.counters["frames_rx"] += 1

    def _handle(self, f: C.Frame) -> None:
        now = self._host_time()
        self._last_rx = now
        c = self.counters
        c["frames_rx"] += 1
        c["payload_bytes_rx"] += len(f.payload)
        t = f.ftype
        if (f.flags & C.F_ACK) or t == C.T_NAK:
            self._on_ack(f, now)
        if t == C.T_TLM:
            self.counters["tlm_rx"] += 1
            self._last_tlm = now
            if self.on_tlm is not None:
                self.on_tlm(f.payload, now)
        elif t == C.T_EVENT:
            self.counters["events_rx"] += 1
            if self.on_event is not None:
                self.on_event(f.payload, now)
        elif t == C.T_HEARTBEAT:
            self.counters["heartbeats_rx"] += 1
            if len(f.payload) >= C.HEARTBEAT_FMT.size:
                board_ms, _state = C.HEARTBEAT_FMT.unpack(f.payload[:C.HEARTBEAT_FMT.size])
                prev = self._last_board_hb_ms
                self._last_board_hb_ms = board_ms
                if prev is not None and board_ms + 500 < prev and prev - board_ms < 0x80000000:
                    self._peer_reset("its clock went back (board reset)")
        elif t == C.T_CLOCK:
            if len(f.payload) >= C.CLOCK_FMT.size:
                tag, board_us = C.CLOCK_FMT.unpack(f.payload[:C.CLOCK_FMT.size])
                t0 = self._clock_tags.pop(tag, None)
                if t0 is not None:
                    self.counters["clock_exchanges"] += 1
                    if self.clock_master:
                        self.clock.add_exchange(t0, now, board_us / 1e6)
        elif t == C.T_IDENTIFY:
            pass                           # a late answer to a repeated IDENTIFY_REQ

    def _on_ack(self, f: C.Frame, now: float) -> None:
        with self._lock:
            base = self.sender.base
            n = self.sender.on_frame(f, int(now * 1000))
            if n > 0:
                self.counters["cmds_acked"] += n
                for i in range(n):
                    t_sent = self._sent_at.pop((base + i) & 0xFF, None)
                    if t_sent is not None:
                        self.rtts_ms.append((now - t_sent) * 1000.0)
            if self.sender.stats["peer_resets"] > self._peer_resets_seen:
                self._peer_resets_seen = self.sender.stats["peer_resets"]
                reset = True
            else:
                reset = False
            self._pump_locked()
        if reset:
            self._peer_reset("it answered NAK no-session (board reset)")

    _peer_resets_seen = 0

    def _peer_reset(self, why: str) -> None:
        self.counters["board_resets"] += 1
        self._lose(f"{self.role} board on {self.port_path}: {why}")

    # -- frames out ----------------------------------------------------------------------
    def _pump_locked(self) -> None:
        """Send whatever the reliable sender has due (caller holds the lock)."""
        now_ms = int(self._host_time() * 1000)
        before = self.sender.stats["sent"]
        data = self.sender.poll(now_ms)
        if data:
            if self._write(data):
                self.counters["frames_tx"] += self.sender.stats["sent"] - before

    def send_command(self, payload: bytes) -> int | None:
        """Queue and send one command (``[opcode u16][args]``).  Returns its
        sequence number, or None when it was not taken (window full, link not
        up); those are counted, never raised."""
        with self._lock:
            if self.state is not LinkState.UP or self._ser is None:
                self.counters["cmds_while_down"] += 1
                return None
            seq = self.sender.submit(payload)
            if seq is None:
                self.counters["cmds_window_full"] += 1
                return None
            self.counters["cmds_sent"] += 1
            self._sent_at[seq] = self._host_time()
            self._pump_locked()
            return seq

    @property
    def room(self) -> int:
        return self.sender.room

    saying_goodbye = False     # set when the host says goodbye (BOARD_SAFE at close): no more heartbeats

    def flush(self, timeout_s: float = 1.0) -> bool:
        """Wait (wall time, at most ``timeout_s``) until every command sent has
        been acknowledged by the board; False if some were not."""
        import time
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            with self._lock:
                if self.sender.outstanding == 0:
                    return True
                if self.state is not LinkState.UP:
                    return False
                self._pump_locked()
            time.sleep(0.005)
        return False

    def _send_heartbeat(self) -> None:
        now_ms = self._host_time() * 1000 if self._lockstep else self.clock.now_ms()
        board_ms = int(now_ms) & 0xFFFFFFFF
        self._send_frame(C.T_HEARTBEAT, C.HEARTBEAT_FMT.pack(board_ms, 1))

    def _send_clock_req(self) -> None:
        self._clock_tag = (self._clock_tag + 1) & 0xFFFFFFFF
        tag = self._clock_tag
        if len(self._clock_tags) > 16:
            self._clock_tags.clear()
        self._clock_tags[tag] = self._host_time()
        self._send_frame(C.T_CLOCK_REQ, struct.pack("<I", tag))

    # -- the I/O thread --------------------------------------------------------------------
    def _rate_ms_per_s(self) -> float:
        if self._lockstep:
            return 1000.0             # the session's time is board time
        return max(1e-3, self.clock.rate) * 1000.0

    @property
    def now_s(self) -> float:
        """The session's time: host seconds (free-running) or board seconds (lockstep)."""
        return self._host_time()

    def run_until(self, t_s: float) -> None:
        """Lockstep: what the I/O thread does, until the board's line reaches
        time t_s (a reconnect handshake may carry it a little past)."""
        if not self._lockstep:
            raise RuntimeError("run_until is for lockstepped boards; this session runs its own thread")
        self._limit_s = t_s
        limit_us = round(t_s * 1e6)
        try:
            while round(self._host_time() * 1e6) < limit_us and not self._stop.is_set():
                if self.state is LinkState.UP:
                    self._service()
                elif self.state in (LinkState.DOWN, LinkState.CONNECTING):
                    self._reconnect_once()
                else:
                    self._line.pause(t_s - self._host_time())
        finally:
            self._limit_s = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.state is LinkState.UP:
                self._service()
            elif self.state is LinkState.FAILED:
                self._stop.wait(RETRY_S)
            else:
                self._reconnect_once()

    def _service(self) -> None:
        now = self._host_time()
        hb_period = HEARTBEAT_BOARD_MS / self._rate_ms_per_s()
        if now >= self._next_hb:
            if not self.saying_goodbye:        # after goodbye no heartbeat may re-arm the board,
                self._send_heartbeat()         # but the schedule moves on (a due heartbeat left
            self._next_hb = now + hb_period    # in the past would stop lockstep time: wait <= 0)
        if now >= self._next_clock:
            self._send_clock_req()
            self._next_clock = now + CLOCK_PERIOD_S
        with self._lock:
            due = self.sender.next_due(int(now * 1000))
            if due == 0:
                self._pump_locked()
                due = self.sender.next_due(int(self._host_time() * 1000))
        wait = min(self._next_hb, self._next_clock) - now
        if due is not None:
            wait = min(wait, due / 1000.0)
        if self._limit_s is not None:  # lockstep: board time, up to run_until's target
            wait = min(wait, self._limit_s - now)
        else:
            wait = min(max(wait, 0.0005), 0.05)
        frames = self._read_available(wait)
        if frames is None:
            self._lose(self._line.failure or
                       f"{self.role} board on {self.port_path}: port closed (board gone)")
            return
        for f in frames:
            self._handle(f)
            if self.state is not LinkState.UP:
                return
        silent = self._host_time() - (self._last_rx or now)
        if self._lockstep:
            lost = silent * 1000.0 > LOST_BOARD_MS
        else:
            lost = (silent * self._rate_ms_per_s() > LOST_BOARD_MS and silent > LOST_MIN_WALL_S) \
                or silent > LOST_MAX_WALL_S
        if lost:
            self._lose(f"{self.role} board on {self.port_path}: silent for "
                       f"{silent * self._rate_ms_per_s():.0f} board ms")

    def _lose(self, why: str) -> None:
        with self._lock:
            if self.state is not LinkState.UP:
                return
            self.counters["losses"] += 1
            self.counters["cmds_unconfirmed"] += self.sender.outstanding
            self._close_port()
            self._next_retry = self._host_time()        # first retry at once
        self._set_state(LinkState.DOWN, why)

    _next_retry = 0.0

    def _reconnect_once(self) -> None:
        now = self._host_time()
        if now < self._next_retry:
            wait = min(RETRY_S, self._next_retry - now)
            if self._limit_s is not None:
                wait = min(wait, self._limit_s - now)
            self._line.pause(wait)
            return
        self._next_retry = now + RETRY_S
        try:
            with self._lock:
                self._open_port()
            self._handshake(IDENTIFY_TIMEOUT_S)
        except LinkError as e:
            self.counters["open_failures"] += 1
            with self._lock:
                self._close_port()
            if self.state is not LinkState.FAILED:
                self.state_reason = str(e)
            return
        self.counters["reconnects"] += 1
        self._set_state(LinkState.UP, "reconnected")
        if self.on_up is not None:
            try:
                self.on_up(self)
            except Exception:
                pass

    def _set_state(self, state: LinkState, why: str) -> None:
        changed = state is not self.state
        self.state = state
        self.state_reason = why
        if changed and self.on_state is not None:
            try:
                self.on_state(self, state, why)
            except Exception:
                pass

    # -- what the HAL publishes ------------------------------------------------------------
    def _age_ms(self, t) -> int:
        if t is None:
            return 0x7FFFFFFF
        return int(max(0.0, self._host_time() - t) * self._rate_ms_per_s())

    @property
    def heartbeat_age_ms(self) -> int:
        """Board ms since the last good frame from the board."""
        return self._age_ms(self._last_rx)

    @property
    def telemetry_age_ms(self) -> int:
        return self._age_ms(self._last_tlm)

    def rtt_percentiles(self) -> tuple[float | None, float | None]:
        vals = sorted(self.rtts_ms)
        return _percentile(vals, 0.5), _percentile(vals, 0.99)

    def stats(self) -> dict:
        d = self.decoder.stats
        tx = self.sender.stats
        p50, p99 = self.rtt_percentiles()
        out = dict(self.counters)
        out.update(
            state=self.state.value,
            crc_errors=self._crc_base + d["crc"],
            rx_presync_errors=self._presync_base + sum(self.decoder.presync.values()),
            rx_errors=self._rx_err_base + sum(v for k, v in d.items() if k not in ("bytes", "frames")),
            rx_decoder=d,
            retransmits=self._tx_base["retransmits"] + tx["retransmits"],
            timeouts=self._tx_base["timeouts"] + tx["timeouts"],
            naks=self._tx_base["naks"] + tx["naks"],
            rtt_p50_ms=p50, rtt_p99_ms=p99,
            srtt_ms=self.sender.srtt_ms, rto_ms=self.sender.rto_ms,
            heartbeat_age_ms=self.heartbeat_age_ms, telemetry_age_ms=self.telemetry_age_ms,
            outstanding=self.sender.outstanding,
        )
        return out
