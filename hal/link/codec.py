"""Thin Python wrappers over the C link protocol in csrc/link (common._native).

Per-byte work stays in C: ``FrameDecoder.feed`` hands a whole ``bytes``
object to ``link_rx_feed`` and crosses back into Python once per decoded
frame, not once per byte.  docs/protocol.md is the specification.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from common._native import ffi, lib

MAX_PAYLOAD = lib.LINK_MAX_PAYLOAD
MAX_WIRE = lib.LINK_MAX_WIRE
WINDOW = lib.REL_WINDOW

# Frame types and flags, mirrored from csrc/link/frame.h.
T_CMD = lib.LINK_T_CMD
T_ACK = lib.LINK_T_ACK
T_NAK = lib.LINK_T_NAK
T_TLM = lib.LINK_T_TLM
T_EVENT = lib.LINK_T_EVENT
T_HEARTBEAT = lib.LINK_T_HEARTBEAT
T_IDENTIFY_REQ = lib.LINK_T_IDENTIFY_REQ
T_IDENTIFY = lib.LINK_T_IDENTIFY
T_CLOCK_REQ = lib.LINK_T_CLOCK_REQ
T_CLOCK = lib.LINK_T_CLOCK

F_ACK = lib.LINK_F_ACK
F_OPEN = lib.LINK_F_OPEN
F_RETX = lib.LINK_F_RETX

NAK_OUT_OF_ORDER = lib.REL_NAK_OUT_OF_ORDER
NAK_NO_SESSION = lib.REL_NAK_NO_SESSION
NAK_CORRUPT = lib.REL_NAK_CORRUPT
NAK_BUSY = lib.REL_NAK_BUSY

RX_IGNORED = lib.REL_RX_IGNORED
RX_EXECUTE = lib.REL_RX_EXECUTE
RX_OPENED = lib.REL_RX_OPENED
RX_DUPLICATE = lib.REL_RX_DUPLICATE
RX_OUT_OF_ORDER = lib.REL_RX_OUT_OF_ORDER
RX_NO_SESSION = lib.REL_RX_NO_SESSION
RX_HELD = lib.REL_RX_HELD
HOLD = lib.REL_HOLD

_RX_STAT_FIELDS = ("bytes", "frames", "crc", "too_long", "too_short", "malformed",
                   "bad_type", "bad_flags")
_TX_STAT_FIELDS = ("submitted", "sent", "retransmits", "timeouts", "fast_retransmits",
                   "acked", "rtt_samples", "stale_acks", "naks", "peer_resets", "sacked")
_RRX_STAT_FIELDS = ("executed", "duplicates", "out_of_order", "no_session", "sessions",
                    "naks", "acks", "held")


class LinkError(ValueError):
    """A frame that cannot be built (payload too long, bad field)."""


@dataclass(frozen=True)
class Frame:
    seq: int
    ack: int
    flags: int
    ftype: int
    payload: bytes


def crc16(data: bytes, crc: int = lib.CRC16_INIT) -> int:
    """CRC-16/CCITT-FALSE of data, computed by the C code."""
    return lib.crc16_block(crc, ffi.from_buffer(data), len(data))


def cobs_encode(data: bytes) -> bytes:
    """COBS-encode data and append the 0x00 delimiter (the C encoder)."""
    cap = len(data) + len(data) // 254 + 2
    out = ffi.new("uint8_t[]", cap)
    n = lib.cobs_encode(ffi.from_buffer(data), len(data), out, cap)
    if n == 0:
        raise LinkError("COBS encode failed")
    return bytes(ffi.buffer(out, n))


def _u8(name, v):
    if not 0 <= v <= 255:
        raise LinkError(f"{name} must be 0..255, got {v}")


def encode_frame(seq: int, ack: int, flags: int, ftype: int, payload: bytes = b"") -> bytes:
    """One wire frame: header, payload, CRC, COBS and the 0x00 delimiter."""
    for name, v in (("seq", seq), ("ack", ack), ("flags", flags), ("ftype", ftype)):
        _u8(name, v)
    if len(payload) > MAX_PAYLOAD:
        raise LinkError(f"payload is {len(payload)} bytes, max {MAX_PAYLOAD}")
    out = ffi.new("uint8_t[]", MAX_WIRE)
    n = lib.link_encode(seq, ack, flags, ftype, ffi.from_buffer(payload), len(payload),
                        out, MAX_WIRE)
    if n == 0:
        raise LinkError("frame encode failed")
    return bytes(ffi.buffer(out, n))


def _frame_from_c(f) -> Frame:
    return Frame(f.seq, f.ack, f.flags, f.type, bytes(ffi.buffer(f.payload, f.len)))


def _frame_to_c(frame: Frame):
    if len(frame.payload) > MAX_PAYLOAD:
        raise LinkError("payload too long")
    f = ffi.new("struct link_frame *")
    f.seq, f.ack, f.flags, f.type = frame.seq, frame.ack, frame.flags, frame.ftype
    f.len = len(frame.payload)
    ffi.memmove(f.payload, frame.payload, len(frame.payload))
    return f


class FrameDecoder:
    """Streaming decoder: feed any chunk of wire bytes, get the good frames.

    Bad input (CRC, COBS, length, unknown type) is counted in ``stats`` and
    dropped; the decoder picks up again at the next 0x00.

    ``mid_stream``: the port was just opened on a board that may already be
    sending, so the first bytes can be the tail of a frame.  Until the first
    good frame the decoder cannot tell such a tail from a damaged frame:
    what it rejects before then is counted in ``presync`` (the same keys as
    ``stats``), not in ``stats``, which then counts the line's errors.
    """

    def __init__(self, mid_stream: bool = False):
        self._rx = ffi.new("struct link_rx *")
        lib.link_rx_init(self._rx)
        self._got = ffi.new("int *")
        self._synced = not mid_stream
        self.presync = dict.fromkeys(_RX_STAT_FIELDS, 0)

    def feed(self, data: bytes) -> list[Frame]:
        frames = []
        buf = ffi.from_buffer(data)
        off, n = 0, len(data)
        while off < n:
            used = lib.link_rx_feed(self._rx, buf + off, n - off, self._got)
            off += used
            if self._got[0]:
                if not self._synced:
                    self._sync()
                frames.append(_frame_from_c(self._rx.frame))
        return frames

    def _sync(self) -> None:
        """The first good frame: the rejections so far become ``presync``
        (the bytes and this frame stay in ``stats``)."""
        self._synced = True
        st = self._rx.st
        for k in _RX_STAT_FIELDS:
            if k not in ("bytes", "frames"):
                self.presync[k] = getattr(st, k)
                setattr(st, k, 0)

    @property
    def stats(self) -> dict:
        st = self._rx.st
        return {k: getattr(st, k) for k in _RX_STAT_FIELDS}

    @property
    def errors(self) -> int:
        s = self.stats
        return sum(v for k, v in s.items() if k not in ("bytes", "frames"))


class ReliableSender:
    """Host side of reliable command delivery (see csrc/link/reliable.h).

    Time is the caller's millisecond clock (simulated or real), never read here.
    """

    def __init__(self, session: int, first_seq: int = 0, rto_init_ms: int = 250,
                 rto_min_ms: int = 20, rto_max_ms: int = 2000, max_tries: int = 0):
        self._cfg = ffi.new("struct rel_cfg *", {
            "rto_init_ms": rto_init_ms, "rto_min_ms": rto_min_ms,
            "rto_max_ms": rto_max_ms, "max_tries": max_tries})
        self._tx = ffi.new("struct rel_tx *")
        self._buf = ffi.new("uint8_t[]", MAX_WIRE)
        self.reopen(session, first_seq)

    def reopen(self, session: int, first_seq: int = 0) -> None:
        """Start a new session (drops anything outstanding)."""
        lib.rel_tx_init(self._tx, self._cfg, session & 0xFFFFFFFF, first_seq & 0xFF)

    def submit(self, payload: bytes) -> int | None:
        """Queue a command; its sequence number, or None if the window is full."""
        r = lib.rel_tx_submit(self._tx, ffi.from_buffer(payload), len(payload))
        if r == -1:
            return None
        if r == -2:
            raise LinkError(f"payload is {len(payload)} bytes, max {MAX_PAYLOAD}")
        if r == -3:
            raise LinkError("link failed: retransmission limit reached")
        return r

    def poll(self, now_ms: int, max_frames: int | None = None) -> bytes:
        """Wire bytes due now (new commands and retransmissions)."""
        out = []
        now = now_ms & 0xFFFFFFFF
        while max_frames is None or len(out) < max_frames:
            n = lib.rel_tx_poll(self._tx, now, self._buf, MAX_WIRE)
            if n == 0:
                break
            out.append(bytes(ffi.buffer(self._buf, n)))
        return b"".join(out)

    def on_frame(self, frame: Frame, now_ms: int) -> int:
        """Feed a frame from the board; returns how many commands it acked."""
        return lib.rel_tx_on_frame(self._tx, _frame_to_c(frame), now_ms & 0xFFFFFFFF)

    def next_due(self, now_ms: int) -> int | None:
        """ms until poll() has something to do; None when idle."""
        r = lib.rel_tx_next_due(self._tx, now_ms & 0xFFFFFFFF)
        return None if r == 0xFFFFFFFF else r

    @property
    def room(self) -> int:
        return lib.rel_tx_room(self._tx)

    @property
    def outstanding(self) -> int:
        return lib.rel_tx_outstanding(self._tx)

    @property
    def base(self) -> int:
        return self._tx.base

    @property
    def failed(self) -> bool:
        return bool(self._tx.failed)

    @property
    def rto_ms(self) -> int:
        return self._tx.rto_ms

    @property
    def srtt_ms(self) -> float | None:
        return self._tx.srtt_x8 / 8 if self._tx.have_rtt else None

    @property
    def rttvar_ms(self) -> float | None:
        return self._tx.rttvar_x4 / 4 if self._tx.have_rtt else None

    @property
    def stats(self) -> dict:
        st = self._tx.st
        return {k: getattr(st, k) for k in _TX_STAT_FIELDS}


class ReliableReceiver:
    """Board side of reliable command delivery (also runs in the emulated board).

    ``on_frame`` returns ``(verdict, reply)``: always send ``reply`` (may be
    b"").  When verdict is RX_EXECUTE, execute the command's payload and then
    each payload of :meth:`pop_ready` (commands that were held ahead of the
    gap this one filled), in that order.
    """

    def __init__(self):
        self._rx = ffi.new("struct rel_rx *")
        lib.rel_rx_init(self._rx)
        self._buf = ffi.new("uint8_t[]", MAX_WIRE)
        self._seq = 0

    def _reply(self) -> bytes:
        n = lib.rel_rx_reply(self._rx, self._seq, self._buf, MAX_WIRE)
        if n:
            self._seq = (self._seq + 1) & 0xFF
        return bytes(ffi.buffer(self._buf, n))

    def on_frame(self, frame: Frame) -> tuple[int, bytes]:
        verdict = lib.rel_rx_on_cmd(self._rx, _frame_to_c(frame))
        return verdict, self._reply()

    def pop_ready(self) -> list[tuple[int, bytes]]:
        """(seq, payload) of the held commands now in order, to execute next."""
        out = []
        while True:
            h = lib.rel_rx_pop(self._rx)
            if h == ffi.NULL:
                return out
            out.append((h.seq, bytes(ffi.buffer(h.payload, h.len))))

    def on_corrupt(self) -> bytes:
        """Call when the decoder counted a damaged frame; a NAK or b""."""
        lib.rel_rx_on_corrupt(self._rx)
        return self._reply()

    @property
    def expected(self) -> int:
        return self._rx.expected

    @property
    def session(self) -> int | None:
        return self._rx.session if self._rx.open else None

    @property
    def held(self) -> int:
        """Commands held ahead of a gap now."""
        return bin(self._rx.used).count("1")

    @property
    def stats(self) -> dict:
        st = self._rx.st
        return {k: getattr(st, k) for k in _RRX_STAT_FIELDS}


# --- payload layouts of the link-level frames (docs/protocol.md) ---------------

IDENTIFY_FMT = struct.Struct("<BBBBIIBB")   # role, fw major/minor/patch, dict hash32,
                                             # clock Hz, max payload, window
CLOCK_FMT = struct.Struct("<IQ")             # host tag, board time in us
HEARTBEAT_FMT = struct.Struct("<IB")         # sender time ms, state


@dataclass(frozen=True)
class Identify:
    role: int
    fw_version: tuple[int, int, int]
    dict_hash32: int
    clock_hz: int
    max_payload: int
    window: int

    def pack(self) -> bytes:
        return IDENTIFY_FMT.pack(self.role, *self.fw_version, self.dict_hash32,
                                 self.clock_hz, self.max_payload, self.window)

    @classmethod
    def unpack(cls, payload: bytes) -> "Identify":
        r, a, b, c, h, hz, mp, w = IDENTIFY_FMT.unpack(payload[:IDENTIFY_FMT.size])
        return cls(r, (a, b, c), h, hz, mp, w)
