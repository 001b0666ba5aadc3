"""Link codec (csrc/link via hal.link): CRC, COBS, frames, bad input."""
import binascii
import random

import pytest
from hypothesis import given, settings, strategies as st

from common._native import ffi, lib
from hal.link import (
    FrameDecoder, Frame, LinkError, MAX_PAYLOAD, MAX_WIRE, T_CMD, T_TLM, T_ACK,
    cobs_encode, crc16, encode_frame,
)

PROPS = settings(max_examples=150, deadline=None)
payloads = st.binary(min_size=0, max_size=MAX_PAYLOAD)
u8 = st.integers(0, 255)
known_types = st.sampled_from([0x01, 0x02, 0x03, 0x10, 0x11, 0x20, 0x30, 0x31, 0x32, 0x33])
flag_bits = st.integers(0, 7)


def crc16_bitwise(data: bytes, crc: int = 0xFFFF) -> int:
    """Textbook MSB-first CRC: poly 0x1021, no reflection, no final xor."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


# --- CRC ----------------------------------------------------------------------

def test_crc_catalogue_check_value():
    assert crc16(b"123456789") == 0x29B1 == lib.CRC16_CHECK
    assert crc16(b"") == 0xFFFF


@PROPS
@given(data=st.binary(max_size=300))
def test_crc_matches_bitwise_and_binascii(data):
    c = crc16(data)
    assert c == crc16_bitwise(data) == binascii.crc_hqx(data, 0xFFFF)
    # Residue: data followed by its CRC (high byte first) checks to zero.
    assert crc16(data + bytes([c >> 8, c & 0xFF])) == 0


# --- COBS ---------------------------------------------------------------------

@PROPS
@given(data=st.one_of(st.binary(max_size=600),
                      st.lists(st.sampled_from([0, 1, 255]), max_size=600).map(bytes)))
def test_c_cobs_matches_cobs_package(data):
    cobs = pytest.importorskip("cobs.cobs")
    enc = cobs_encode(data)
    assert enc[-1] == 0 and 0 not in enc[:-1]
    assert enc[:-1] == cobs.encode(data)
    assert cobs.decode(enc[:-1]) == data
    assert len(enc) <= len(data) + len(data) // 254 + 2


@pytest.mark.parametrize("n", [0, 1, 253, 254, 255, 508, 509])
def test_cobs_block_edges(n):
    cobs = pytest.importorskip("cobs.cobs")
    for fill in (b"\x01", b"\x00"):
        data = fill * n
        assert cobs_encode(data)[:-1] == cobs.encode(data)


def test_cobs_encode_respects_bound():
    out = ffi.new("uint8_t[]", 8)
    assert lib.cobs_encode(b"\x01" * 10, 10, out, 8) == 0
    assert lib.cobs_encode(b"\x01" * 6, 6, out, 8) == 8


# --- frames -------------------------------------------------------------------

@PROPS
@given(seq=u8, ack=u8, flags=flag_bits, ftype=known_types, payload=payloads)
def test_frame_round_trip(seq, ack, flags, ftype, payload):
    wire = encode_frame(seq, ack, flags, ftype, payload)
    assert len(wire) <= MAX_WIRE
    assert wire[-1] == 0 and 0 not in wire[:-1]
    dec = FrameDecoder()
    assert dec.feed(wire) == [Frame(seq, ack, flags, ftype, payload)]
    assert dec.errors == 0


@PROPS
@given(frames=st.lists(st.tuples(u8, payloads), min_size=1, max_size=8),
       cuts=st.lists(st.integers(0, 600), max_size=6))
def test_stream_split_anywhere(frames, cuts):
    wire = b"".join(encode_frame(s, 0, 0, T_TLM, p) for s, p in frames)
    dec = FrameDecoder()
    got, last = [], 0
    for c in sorted(set(min(c, len(wire)) for c in cuts)) + [len(wire)]:
        got += dec.feed(wire[last:c])
        last = c
    assert [(f.seq, f.payload) for f in got] == frames


@PROPS
@given(garbage=st.binary(max_size=200),
       frames=st.lists(st.tuples(u8, payloads), min_size=2, max_size=5))
def test_decoder_resynchronises_after_garbage(garbage, frames):
    wire = [encode_frame(s, 0, 0, T_CMD, p) for s, p in frames]
    dec = FrameDecoder()
    got = dec.feed(garbage + b"".join(wire))
    # The first frame may merge with garbage that has no trailing 0x00; every
    # later frame comes through, and nothing is invented.
    want = [(s, p) for s, p in frames]
    got = [(f.seq, f.payload) for f in got]
    assert got == want or got == want[1:]
    # With a delimiter after the garbage, every frame comes through.
    dec2 = FrameDecoder()
    assert [(f.seq, f.payload) for f in dec2.feed(garbage + b"\x00" + b"".join(wire))] == want
    st2 = dec2.stats
    assert st2["frames"] == len(frames)


@PROPS
@given(frames=st.lists(st.tuples(u8, payloads), min_size=3, max_size=6),
       cut=st.integers(0, 400), bad=st.integers(0, 10_000))
def test_a_port_opened_mid_frame_counts_the_tail_apart(frames, cut, bad):
    """A decoder for a port opened while the board sends (mid_stream): what
    fails before the first good frame is the tail of a frame joined late
    (presync); a frame damaged after that is a line error (stats), counted
    as a decoder in sync counts it."""
    wire = [encode_frame(s, 0, 0, T_TLM, p) for s, p in frames]
    tail = wire[0][min(cut, len(wire[0]) - 1):]             # joined somewhere in frame 0
    damaged = bytearray(wire[2])
    damaged[bad % (len(damaged) - 1)] ^= 0x5A               # any byte but the delimiter
    after = wire[1] + bytes(damaged) + b"".join(wire[3:])
    dec = FrameDecoder(mid_stream=True)
    got = [(f.seq, f.payload) for f in dec.feed(tail + after)]
    want = [frames[1]] + frames[3:]
    assert got in (want, [frames[0]] + want)                 # frame 0 only if joined at its start

    def errors(d):
        return {k: v for k, v in d.items() if k not in ("bytes", "frames")}
    in_sync, tail_only = FrameDecoder(), FrameDecoder()
    in_sync.feed(after)
    tail_only.feed(tail)
    assert errors(dec.stats) == errors(in_sync.stats)        # the damaged frame, as a line error
    assert sum(errors(in_sync.stats).values()) >= 1
    assert errors(dec.presync) == errors(tail_only.stats)    # the tail, apart
    assert dec.stats["bytes"] == len(tail + after)


def test_bad_crc_counted_and_dropped():
    good = encode_frame(1, 0, 0, T_CMD, b"abc")
    raw = bytearray(b"\x01\x00\x00\x01abc")
    c = crc16(bytes(raw)) ^ 0x0001
    bad = cobs_encode(bytes(raw) + bytes([c >> 8, c & 0xFF]))
    dec = FrameDecoder()
    assert dec.feed(bad + good) == [Frame(1, 0, 0, T_CMD, b"abc")]
    assert dec.stats["crc"] == 1 and dec.stats["frames"] == 1


def test_truncated_frame_counted_then_resync():
    good = encode_frame(7, 0, 0, T_CMD, b"payload")
    dec = FrameDecoder()
    # A frame cut off mid-way, then the rest of the line carries on.
    out = dec.feed(good[:5] + b"\x00" + good)
    assert out == [Frame(7, 0, 0, T_CMD, b"payload")]
    s = dec.stats
    assert s["malformed"] + s["crc"] + s["too_short"] == 1


def test_too_short_frames_counted():
    dec = FrameDecoder()
    # "01 00" decodes to an empty packet; 5 bytes is one short of a header + CRC.
    dec.feed(b"\x01\x00" + cobs_encode(b"\x01\x02\x03\x04\x05"))
    assert dec.stats["too_short"] == 2
    # Back-to-back delimiters are idle fill, not errors.
    dec.feed(b"\x00" * 10)
    assert dec.errors == 2


def test_oversize_frame_counted_and_dropped():
    raw = bytes([1, 0, 0, T_TLM]) + b"\x55" * (MAX_PAYLOAD + 1)
    c = crc16(raw)
    big = cobs_encode(raw + bytes([c >> 8, c & 0xFF]))
    good = encode_frame(2, 0, 0, T_TLM, b"ok")
    dec = FrameDecoder()
    assert dec.feed(big + good) == [Frame(2, 0, 0, T_TLM, b"ok")]
    assert dec.stats["too_long"] == 1
    # A very long run without a delimiter is one error, not thousands.
    dec.feed(b"\x07" * 5000 + b"\x00" + good)
    assert dec.stats["too_long"] == 2 and dec.stats["frames"] == 2


def test_unknown_type_and_reserved_flags_counted():
    dec = FrameDecoder()
    dec.feed(encode_frame(0, 0, 0, 0x7F, b"") + encode_frame(0, 0, 0x80, T_ACK, b""))
    assert dec.stats["bad_type"] == 1 and dec.stats["bad_flags"] == 1
    assert dec.stats["frames"] == 0


def test_encode_rejects_bad_fields():
    with pytest.raises(LinkError):
        encode_frame(0, 0, 0, T_CMD, b"x" * (MAX_PAYLOAD + 1))
    with pytest.raises(LinkError):
        encode_frame(256, 0, 0, T_CMD, b"")


def test_random_noise_never_yields_frames_and_every_byte_counted():
    rng = random.Random(1)
    noise = bytes(rng.randrange(256) for _ in range(20000))
    dec = FrameDecoder()
    frames = dec.feed(noise)
    s = dec.stats
    assert s["bytes"] == len(noise)
    # A 16-bit CRC lets about 1 in 65536 random packets through; the type and
    # flag checks cut that further.  20000 bytes are ~80 packets.
    assert len(frames) == 0
    assert dec.errors > 0


def test_worked_example_in_docs():
    # docs/protocol.md, "Worked example".
    wire = encode_frame(0x05, 0x00, 0x00, T_CMD, bytes([0x10, 0x00, 0xE8, 0x03]))
    raw = bytes.fromhex("05 00 00 01 10 00 e8 03")
    assert binascii.crc_hqx(raw, 0xFFFF) == 0x610E
    assert wire.hex(" ") == "02 05 01 03 01 10 05 e8 03 61 0e 00"
