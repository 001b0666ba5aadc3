"""Property tests of the selective-repeat state machines (csrc/link/reliable.c
through hal.link) on simulated time: whatever the channel does to the frames
within its limits (drop, duplicate, reorder by a bounded amount, damage a
byte), in either direction, every command is executed exactly once and in
order, the window is never exceeded, and the receiver never holds more than
it has room for.

The channel here is adversarial, not a UART: hypothesis chooses each frame's
fate.  The limit on reordering (a copy overtaken by at most MAX_SKEW later
frames) keeps every copy far inside half the sequence space, which is what the
protocol assumes (docs/protocol.md 3.2); a real line never reorders at all.
"""
from __future__ import annotations

import struct

from hypothesis import given, settings, strategies as st

from hal.link import (
    HOLD, RX_DUPLICATE, RX_EXECUTE, RX_HELD, T_CMD, WINDOW, FrameDecoder, ReliableReceiver, ReliableSender,
)

DELIVER, DROP, DUPLICATE, DELAY, DAMAGE = range(5)
MAX_SKEW = 3                 # a delayed copy is overtaken by at most this many frames

fates = st.lists(st.sampled_from([DELIVER, DELIVER, DELIVER, DROP, DUPLICATE, DELAY, DAMAGE]),
                 max_size=400)


class Channel:
    """One direction: frames in, frames out, each frame's fate from a script
    (then clean once the script runs out, so every run can finish)."""

    def __init__(self, script: list[int], damage_at: int):
        self.script, self.i = list(script), 0
        self.damage_at = damage_at
        self.queue: list[bytes] = []      # in transit, in arrival order
        self.delayed: list[list] = []     # [frames still to overtake it, frame]

    def send(self, wire: bytes) -> None:
        for part in wire.split(b"\x00")[:-1]:
            frame = part + b"\x00"
            fate = self.script[self.i] if self.i < len(self.script) else DELIVER
            self.i += 1
            if fate == DROP:
                continue
            if fate == DAMAGE:
                b = bytearray(frame)
                k = self.damage_at % max(1, len(b) - 1)
                b[k] ^= 0x5A if b[k] != 0x5A else 0x21
                frame = bytes(b)
            if fate == DELAY:
                self.delayed.append([1 + self.i % MAX_SKEW, frame])
                continue
            self._put(frame)
            if fate == DUPLICATE:
                self._put(frame)

    def _put(self, frame: bytes) -> None:
        self.queue.append(frame)
        for d in self.delayed:
            d[0] -= 1
        due = [d for d in self.delayed if d[0] <= 0]
        self.delayed = [d for d in self.delayed if d[0] > 0]
        self.queue.extend(f for _, f in due)

    def take(self) -> bytes:
        out = b"".join(self.queue)
        self.queue = []
        return out

    def flush_delayed(self) -> None:
        self.queue.extend(f for _, f in self.delayed)
        self.delayed = []


def run(n_cmds: int, up_script, down_script, first_seq: int, damage_at: int,
        max_ms: int = 200_000):
    tx = ReliableSender(session=0xC0FFEE, first_seq=first_seq, rto_min_ms=5, rto_init_ms=20,
                        rto_max_ms=200)
    rx = ReliableReceiver()
    up, down = Channel(up_script, damage_at), Channel(down_script, damage_at + 3)
    bdec, hdec = FrameDecoder(), FrameDecoder()
    want = [struct.pack("<HI", 0x0101, i) for i in range(n_cmds)]
    executed: list[bytes] = []
    nxt = now = 0
    max_out = max_held = 0
    while now < max_ms:
        while nxt < n_cmds and tx.room:
            tx.submit(want[nxt])
            nxt += 1
        max_out = max(max_out, tx.outstanding)
        up.send(tx.poll(now))
        data = up.take()
        if data:
            errs = bdec.errors
            frames = bdec.feed(data)
            if bdec.errors > errs:
                down.send(rx.on_corrupt())
            for f in frames:
                if f.ftype != T_CMD:
                    continue
                verdict, reply = rx.on_frame(f)
                if verdict == RX_EXECUTE:
                    executed.append(f.payload)
                    executed.extend(p for _, p in rx.pop_ready())
                max_held = max(max_held, rx.held)
                down.send(reply)
        for f in hdec.feed(down.take()):
            tx.on_frame(f, now)
        if nxt == n_cmds and tx.outstanding == 0:
            break
        if now % 50 == 49:                # nothing stays delayed for ever
            up.flush_delayed()
            down.flush_delayed()
        now += 1
    return dict(tx=tx, rx=rx, want=want, executed=executed, max_out=max_out,
                max_held=max_held, now=now)


@settings(max_examples=150, deadline=None)
@given(up=fates, down=fates, n=st.integers(1, 60), first_seq=st.integers(0, 255),
       damage_at=st.integers(0, 200))
def test_every_command_once_in_order_whatever_the_channel_does(up, down, n, first_seq,
                                                               damage_at):
    r = run(n, up, down, first_seq, damage_at)
    assert r["tx"].outstanding == 0, "did not finish"
    assert r["executed"] == r["want"]
    assert r["rx"].stats["executed"] == n
    assert r["max_out"] <= WINDOW
    assert r["max_held"] <= HOLD
    assert r["rx"].held == 0


@settings(max_examples=60, deadline=None)
@given(lost=st.sets(st.integers(1, 40), max_size=6), first_seq=st.integers(0, 255))
def test_each_lost_command_costs_one_retransmission(lost, first_seq):
    """A clean return line and lost host frames at chosen positions: each
    loss is repaired by exactly one resend (the board holds what follows it),
    unless the loss leaves nothing behind it to reveal it (then the timer)."""
    script = [DROP if i in lost else DELIVER for i in range(41)]
    r = run(40, script, [], first_seq, 0)
    assert r["executed"] == r["want"]
    # frame i of the script is the i-th frame sent; frame 0 is the OPEN
    assert r["tx"].stats["retransmits"] == len(lost)


@settings(max_examples=60, deadline=None)
@given(script=st.lists(st.sampled_from([DELIVER, DROP, DUPLICATE]), min_size=1, max_size=200))
def test_receiver_alone_executes_a_window_of_any_arrival_order_once(script):
    """Straight at the receiver: any arrival pattern of copies of commands
    within one window of the expected one executes each exactly once, in
    order, once all have arrived."""
    rx = ReliableReceiver()
    tx = ReliableSender(session=77)
    for i in range(WINDOW - 1):
        tx.submit(bytes([i]))
    frames = FrameDecoder().feed(tx.poll(0))
    rx.on_frame(frames[0])
    cmds = frames[1:]
    executed, k = [], 0
    for fate in script:
        f = cmds[k % len(cmds)]
        k += 1 + (fate == DROP)
        for _ in range(2 if fate == DUPLICATE else 1):
            v, _ = rx.on_frame(f)
            assert v in (RX_EXECUTE, RX_HELD, RX_DUPLICATE)
            if v == RX_EXECUTE:
                executed.append(f.payload)
                executed.extend(p for _, p in rx.pop_ready())
    for f in cmds:                                    # the rest arrive at last
        if rx.on_frame(f)[0] == RX_EXECUTE:
            executed.append(f.payload)
            executed.extend(p for _, p in rx.pop_ready())
    assert executed == [f.payload for f in cmds]
    assert rx.held == 0
