"""Reliable command delivery over a simulated lossy serial line (simulated time).

The host sender and board receiver are the C state machines (csrc/link/
reliable.c) through hal.link; the channel, its losses and the clock are here.
"""
import random
import struct

import pytest
from hypothesis import given, settings, strategies as st

from hal.link import (
    F_RETX, FrameDecoder, ReliableReceiver, ReliableSender, RX_DUPLICATE, RX_HELD,
    RX_EXECUTE, RX_IGNORED, RX_NO_SESSION, RX_OPENED, RX_OUT_OF_ORDER, T_CMD, T_NAK,
    WINDOW, Frame, T_ACK, F_ACK, NAK_CORRUPT, NAK_OUT_OF_ORDER,
)


class Line:
    """One direction of a serial line: pacing at a baud, latency, faults."""

    def __init__(self, rng, baud=115200, latency_ms=2, p_drop=0.0, p_byte=0.0):
        self.rng, self.baud, self.latency = rng, baud, latency_ms
        self.p_drop, self.p_byte = p_drop, p_byte
        self.free_at = 0.0
        self.queue = []           # (arrival ms, bytes)
        self.dropped = self.corrupted = 0

    def send(self, now, wire: bytes):
        # Split into frames so a drop takes a whole frame.
        for part in wire.split(b"\x00")[:-1]:
            frame = bytearray(part + b"\x00")
            start = max(self.free_at, now)
            self.free_at = start + len(frame) * 10 * 1000 / self.baud
            if self.rng.random() < self.p_drop:
                self.dropped += 1
                continue
            for i in range(len(frame)):
                if self.rng.random() < self.p_byte:
                    frame[i] ^= 1 << self.rng.randrange(8)
                    self.corrupted += 1
            self.queue.append((self.free_at + self.latency, bytes(frame)))

    def arrived(self, now):
        out = b"".join(b for t, b in self.queue if t <= now)
        self.queue = [(t, b) for t, b in self.queue if t > now]
        return out


class Board:
    """The board's side: decoder + receiver; records executed commands."""

    def __init__(self, line_back):
        self.dec, self.rx, self.back = FrameDecoder(), ReliableReceiver(), line_back
        self.executed, self.verdicts = [], []

    def receive(self, now, data):
        if not data:
            return
        errs = self.dec.errors
        frames = self.dec.feed(data)
        if self.dec.errors > errs:
            self.back.send(now, self.rx.on_corrupt())
        for f in frames:
            if f.ftype != T_CMD:
                continue
            verdict, reply = self.rx.on_frame(f)
            self.verdicts.append(verdict)
            if verdict == RX_EXECUTE:
                self.executed.append(f.payload)
                self.executed.extend(p for _, p in self.rx.pop_ready())
            self.back.send(now, reply)


def run_link(n_cmds, seed=0, p_drop=0.0, p_byte=0.0, first_seq=0, latency_ms=2,
             max_ms=600_000, check=None, clock0=0):
    """Run n_cmds through the lossy line; clock0 offsets the u32 ms clock the
    state machines see (to cross its wrap)."""
    rng = random.Random(seed)
    up = Line(rng, latency_ms=latency_ms, p_drop=p_drop, p_byte=p_byte)
    down = Line(rng, latency_ms=latency_ms, p_drop=p_drop, p_byte=p_byte)
    tx = ReliableSender(session=rng.getrandbits(32), first_seq=first_seq)
    board = Board(down)
    host_dec = FrameDecoder()
    want = [struct.pack("<I", i) + bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
            for i in range(n_cmds)]
    nxt, now, max_out = 0, 0, 0
    while now < max_ms:
        clock = (clock0 + now) & 0xFFFFFFFF
        for f in host_dec.feed(down.arrived(now)):
            tx.on_frame(f, clock)
        while nxt < n_cmds and tx.room > 0:
            assert tx.submit(want[nxt]) is not None
            nxt += 1
        # Offer the line only what it can take now (a UART's TX buffer).
        if up.free_at <= now + 1:
            up.send(now, tx.poll(clock, max_frames=2))
        max_out = max(max_out, tx.outstanding)
        board.receive(now, up.arrived(now))
        if check:
            check(now, tx)
        if nxt == n_cmds and tx.outstanding == 0:
            break
        now += 1
    return dict(tx=tx, board=board, want=want, now=now, max_out=max_out, up=up, down=down)


def test_clean_line_delivers_in_order():
    r = run_link(300)
    assert r["board"].executed == r["want"]
    assert r["tx"].stats["retransmits"] == 0
    assert r["board"].rx.stats["duplicates"] == 0
    assert r["max_out"] <= WINDOW


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), p_drop=st.sampled_from([0.0, 0.01, 0.05, 0.2]),
       p_byte=st.sampled_from([0.0, 0.001, 0.01]), first_seq=st.integers(0, 255),
       clock0=st.sampled_from([0, 2**32 - 700, 2**31]))
def test_lossy_line_exactly_once_in_order(seed, p_drop, p_byte, first_seq, clock0):
    r = run_link(150, seed=seed, p_drop=p_drop, p_byte=p_byte, first_seq=first_seq,
                 clock0=clock0)
    assert r["tx"].outstanding == 0, "did not finish"
    assert r["board"].executed == r["want"]
    assert r["max_out"] <= WINDOW
    assert r["board"].rx.stats["executed"] == 150
    assert r["board"].rx.stats["sessions"] == 1


def test_long_run_with_faults_wraps_sequence_many_times():
    # The later system target on the pty proxy: 10,000 commands, 1 % of bytes
    # corrupted and 1 % of frames dropped, none lost or run twice.
    r = run_link(10_000, seed=7, p_drop=0.01, p_byte=0.01, max_ms=3_600_000)
    tx, board = r["tx"], r["board"]
    assert board.executed == r["want"]          # none lost, none twice
    assert tx.stats["retransmits"] > 0
    assert board.rx.stats["duplicates"] > 0     # acks were lost and re-sent
    assert RX_DUPLICATE in board.verdicts


def test_window_is_never_exceeded_on_the_wire():
    seen = []

    def check(now, tx):
        seen.append(tx.outstanding)
        assert tx.outstanding <= WINDOW
        assert tx.room == WINDOW - tx.outstanding

    run_link(200, seed=3, p_drop=0.1, check=check)
    assert max(seen) == WINDOW


def test_sequence_wraps_past_255():
    r = run_link(40, first_seq=240)
    assert r["board"].executed == r["want"]
    assert r["board"].rx.expected == (240 + 1 + 40) % 256


def _rfc6298(samples, g=1):
    srtt = rttvar = None
    for r in samples:
        if srtt is None:
            srtt, rttvar = r, r / 2
        else:
            rttvar = 0.75 * rttvar + 0.25 * abs(srtt - r)
            srtt = 0.875 * srtt + 0.125 * r
    return srtt, rttvar, srtt + max(g, 4 * rttvar)


def test_rto_follows_rfc6298_estimate():
    rng = random.Random(5)
    tx = ReliableSender(session=1, rto_min_ms=1, rto_max_ms=60000)
    now, samples = 1000, []
    # The session-open frame plus commands, one at a time, each acked after
    # a random RTT.
    for i in range(60):
        if i:
            tx.submit(b"x")
        wire = tx.poll(now)
        assert wire
        rtt = rng.randrange(5, 200)
        now += rtt
        seq = FrameDecoder().feed(wire)[0].seq
        assert tx.on_frame(Frame(0, seq, F_ACK, T_ACK, b""), now) == 1
        samples.append(rtt)
        srtt, rttvar, rto = _rfc6298(samples)
        assert abs(tx.srtt_ms - srtt) <= 1.0
        assert abs(tx.rttvar_ms - rttvar) <= 1.0
        assert abs(tx.rto_ms - rto) <= 3.0
    assert tx.stats["rtt_samples"] == 60


def test_rto_clamped_and_backs_off_exponentially():
    tx = ReliableSender(session=9, rto_init_ms=100, rto_min_ms=20, rto_max_ms=1000)
    now = 0
    assert tx.poll(now)                 # session open goes out, never acked
    sends = []
    for now in range(1, 6000):
        wire = tx.poll(now)
        if wire:
            f = FrameDecoder().feed(wire)[0]
            assert f.flags & F_RETX
            sends.append(now)
    gaps = [b - a for a, b in zip([0] + sends, sends)]
    assert gaps[:5] == [100, 200, 400, 800, 1000]     # doubled, clamped at max
    assert all(g == 1000 for g in gaps[4:])
    assert tx.stats["timeouts"] == len(sends)


def test_karn_no_sample_from_retransmitted_command_and_backoff_kept():
    tx = ReliableSender(session=3, rto_init_ms=50, rto_min_ms=20, rto_max_ms=5000)
    tx.poll(0)
    assert tx.poll(50)                  # timed out, resent; RTO now 100
    assert tx.rto_ms == 100
    tx.on_frame(Frame(0, 0, F_ACK, T_ACK, b""), 60)
    assert tx.stats["rtt_samples"] == 0 and tx.srtt_ms is None
    assert tx.rto_ms == 100             # the backed-off value stays
    tx.submit(b"a")
    tx.poll(100)
    tx.on_frame(Frame(0, 1, F_ACK, T_ACK, b""), 130)
    assert tx.stats["rtt_samples"] == 1 and tx.srtt_ms == 30
    assert tx.rto_ms == 30 + 4 * 15     # SRTT + 4 * RTTVAR, backoff gone


def test_duplicate_is_acked_but_not_executed():
    rx = ReliableReceiver()
    tx = ReliableSender(session=0xABCD, first_seq=254)
    tx.submit(b"cmd-a")
    frames = FrameDecoder().feed(tx.poll(0))
    verdicts = [rx.on_frame(f)[0] for f in frames]
    assert verdicts == [RX_OPENED, RX_EXECUTE]
    v, reply = rx.on_frame(frames[1])   # the same command again (ack was lost)
    assert v == RX_DUPLICATE
    ack = FrameDecoder().feed(reply)[0]
    assert ack.ftype == T_ACK and ack.ack == 255 and ack.flags & F_ACK
    assert rx.stats["executed"] == 1
    # A retransmitted session-open of the same session is a duplicate too.
    assert rx.on_frame(frames[0])[0] == RX_DUPLICATE
    # Anything but a CMD is not the receiver's business.
    assert rx.on_frame(Frame(0, 0, 0, T_ACK, b"")) == (RX_IGNORED, b"")


def test_new_session_resets_numbering_and_old_board_session_naks():
    rx = ReliableReceiver()
    a = ReliableSender(session=1, first_seq=10)
    for f in FrameDecoder().feed(a.poll(0)):
        rx.on_frame(f)
    b = ReliableSender(session=2, first_seq=0)  # host restarted
    b.submit(b"x")
    verdicts = [rx.on_frame(f)[0] for f in FrameDecoder().feed(b.poll(0))]
    assert verdicts == [RX_OPENED, RX_EXECUTE]
    fresh = ReliableReceiver()                  # board restarted: no session
    c = ReliableSender(session=2, first_seq=5)
    c.poll(0)                                   # its open frame is lost
    c.submit(b"y")
    v, reply = fresh.on_frame(FrameDecoder().feed(c.poll(1))[0])
    assert v == RX_NO_SESSION
    c.on_frame(FrameDecoder().feed(reply)[0], 2)
    assert c.stats["peer_resets"] == 1


def _feed_replies(tx, replies, now):
    n = 0
    for r in replies:
        for f in FrameDecoder().feed(r):
            n += tx.on_frame(f, now)
    return n


def test_one_lost_command_costs_one_retransmission():
    """Selective repeat: commands behind a lost one are held by the board and
    selectively acked; only the lost one is resent, and the held ones run
    right after it, in order."""
    rx = ReliableReceiver()
    tx = ReliableSender(session=4, rto_init_ms=1000)
    for i in range(7):
        tx.submit(bytes([i]))
    frames = FrameDecoder().feed(tx.poll(0))
    assert [f.seq for f in frames] == list(range(8))
    replies = [rx.on_frame(frames[0])[1]]       # open accepted
    # frames[1] is lost; 2..7 arrive ahead of the gap: held, each acked with
    # the selective-ack bitmap of what is held.
    outs = [rx.on_frame(f) for f in frames[2:]]
    assert [v for v, _ in outs] == [RX_HELD] * 6
    acks = [FrameDecoder().feed(r)[0] for _, r in outs]
    assert all(a.ftype == T_ACK and a.ack == 0 for a in acks)
    assert [a.payload for a in acks] == [bytes([(1 << k) - 1]) for k in range(1, 7)]
    assert rx.held == 6 and rx.stats["executed"] == 0
    _feed_replies(tx, replies + [r for _, r in outs], 5)
    assert tx.stats["sacked"] == 6
    resent = FrameDecoder().feed(tx.poll(6))    # well before the RTO
    assert [f.seq for f in resent] == [1] and resent[0].flags & F_RETX
    v, reply = rx.on_frame(resent[0])
    assert v == RX_EXECUTE and resent[0].payload == bytes([0])
    assert [(s_, p) for s_, p in rx.pop_ready()] == [(k, bytes([k - 1])) for k in range(2, 8)]
    assert rx.pop_ready() == [] and rx.held == 0
    ack = FrameDecoder().feed(reply)[0]
    assert ack.ack == 7 and ack.payload == b"\x00"  # everything accepted at once
    assert _feed_replies(tx, [reply], 8) == 7
    assert tx.outstanding == 0 and tx.stats["retransmits"] == 1
    assert rx.stats["executed"] == 7 and rx.stats["held"] == 6


def test_held_command_sent_again_is_a_duplicate():
    rx = ReliableReceiver()
    tx = ReliableSender(session=5)
    for i in range(3):
        tx.submit(bytes([i]))
    frames = FrameDecoder().feed(tx.poll(0))
    rx.on_frame(frames[0])
    assert rx.on_frame(frames[2])[0] == RX_HELD
    v, reply = rx.on_frame(frames[2])
    assert v == RX_DUPLICATE and rx.held == 1
    assert FrameDecoder().feed(reply)[0].payload == b"\x01"
    assert rx.on_frame(frames[1])[0] == RX_EXECUTE
    assert [p for _, p in rx.pop_ready()] == [bytes([1])]
    assert rx.on_frame(frames[2])[0] == RX_DUPLICATE    # behind now
    assert rx.stats["executed"] == 2


def test_command_beyond_the_window_is_dropped_and_naked_once():
    rx = ReliableReceiver()
    tx = ReliableSender(session=6, first_seq=0)
    rx.on_frame(FrameDecoder().feed(tx.poll(0))[0])      # open, seq 0: expects 1
    far = [Frame(s_, 0, 0, T_CMD, b"x") for s_ in (1 + WINDOW, 2 + WINDOW)]
    outs = [rx.on_frame(f) for f in far]
    assert [v for v, _ in outs] == [RX_OUT_OF_ORDER] * 2
    naks = [FrameDecoder().feed(r)[0] for _, r in outs if r]
    assert len(naks) == 1 and naks[0].ftype == T_NAK
    assert naks[0].payload == bytes([NAK_OUT_OF_ORDER, 1, 0])
    assert rx.held == 0


def test_corrupt_nak_resends_the_expected_command_once():
    rx = ReliableReceiver()
    tx = ReliableSender(session=7, rto_init_ms=1000)
    tx.submit(b"a")
    frames = FrameDecoder().feed(tx.poll(0))
    _feed_replies(tx, [rx.on_frame(frames[0])[1]], 1)
    nak = rx.on_corrupt()                       # frames[1] arrived damaged
    assert rx.on_corrupt() == b""               # once per gap
    f = FrameDecoder().feed(nak)[0]
    assert f.ftype == T_NAK and f.payload == bytes([NAK_CORRUPT, 1, 0])
    _feed_replies(tx, [nak, nak], 2)            # a repeated NAK changes nothing
    assert [g.seq for g in FrameDecoder().feed(tx.poll(2))] == [1]
    assert tx.poll(3) == b""
    assert tx.stats["fast_retransmits"] == 1


def test_timeout_resends_only_what_is_not_held():
    rx = ReliableReceiver()
    tx = ReliableSender(session=8, rto_init_ms=150, rto_min_ms=150)
    for i in range(4):
        tx.submit(bytes([i]))
    frames = FrameDecoder().feed(tx.poll(0))
    replies = [rx.on_frame(frames[0])[1], rx.on_frame(frames[3])[1]]   # 1, 2 lost
    _feed_replies(tx, replies, 5)
    assert tx.stats["sacked"] == 1
    again = FrameDecoder().feed(tx.poll(6))     # the hold of 3 proves 1 and 2 lost,
    assert [f.seq for f in again] == [1, 2]     # not 4 (sent after 3)
    assert tx.poll(150) == b""                  # the timer restarted at the ack (5 ms)
    late = FrameDecoder().feed(tx.poll(155))    # nothing heard since: the timer resends
    assert [f.seq for f in late] == [1, 2, 4]   # everything not held, never the held 3
    assert tx.stats["timeouts"] == 1 and tx.rto_ms == 300


def test_a_hold_of_the_oldest_command_is_not_trusted_past_the_timer():
    """A board never holds the command it expects; a selective ack saying so
    (stale, or from another session) must not keep it from being resent."""
    tx = ReliableSender(session=9, rto_init_ms=100, rto_min_ms=100)
    tx.submit(b"a")
    assert [f.seq for f in FrameDecoder().feed(tx.poll(0))] == [0, 1]
    tx.on_frame(Frame(0, 254, F_ACK, T_ACK, b"\x01"), 5)     # "seq 0 is held"
    assert tx.stats["sacked"] == 1 and tx.stats["stale_acks"] == 1
    assert tx.poll(50) == b""
    assert [f.seq for f in FrameDecoder().feed(tx.poll(100))] == [0, 1]


def test_max_tries_declares_link_dead():
    tx = ReliableSender(session=1, rto_init_ms=20, max_tries=3)
    for now in range(0, 2000):
        tx.poll(now)
    assert tx.failed
    with pytest.raises(Exception):
        tx.submit(b"z")
