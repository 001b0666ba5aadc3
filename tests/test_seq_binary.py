"""Compiled sequence binaries: round trip, and every way a binary can be bad."""
from __future__ import annotations

import struct
import tomllib
import zlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from common.dictionary import DEFAULT_PATH, default_dictionary
from common.dictionary.loader import build_dictionary
from flight.seq import load_sequence, parse_sequence
from flight.seq import nodes as N
from flight.seq.binary import (FORMAT_VERSION, HEADER_SIZE, MAGIC, SeqBinaryError, _enc,
                               compile_sequence, load_binary)

from seq_strategies import sequence_texts

D = default_dictionary()
EXAMPLE = "missions/examples/drive_square.seq"


def _blob():
    return compile_sequence(load_sequence(EXAMPLE), D)


def _with_crc(data: bytes) -> bytes:
    return data + struct.pack("<I", zlib.crc32(data))


def test_header_layout():
    b = _blob()
    assert b[:4] == MAGIC
    magic, ver, _, dh, n = struct.unpack_from("<4sHH32sI", b)
    assert ver == FORMAT_VERSION and dh.hex() == D.hash
    assert len(b) == HEADER_SIZE + n + 4
    assert struct.unpack_from("<I", b, len(b) - 4)[0] == zlib.crc32(b[:-4])


def test_example_round_trip_keeps_positions():
    seq = load_sequence(EXAMPLE)
    back = load_binary(compile_sequence(seq, D), D)
    assert back == seq
    assert back.body[0].file == EXAMPLE and back.body[0].line == seq.body[0].line


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence_texts())
def test_round_trip_property(text):
    seq, errors = parse_sequence(text, "gen.seq")
    assert errors == [], text + "\n".join(map(str, errors))
    assert load_binary(compile_sequence(seq, D), D) == seq


def test_bad_magic():
    b = bytearray(_blob())
    b[:4] = b"XSEQ"
    with pytest.raises(SeqBinaryError, match=r"bad magic: expected b'RSEQ', got b'XSEQ'"):
        load_binary(bytes(b), D)


def test_bad_version():
    b = bytearray(_blob()[:-4])
    b[4:6] = struct.pack("<H", 99)
    with pytest.raises(SeqBinaryError, match=rf"unsupported format version: expected {FORMAT_VERSION}, got 99"):
        load_binary(_with_crc(bytes(b)), D)


def test_bad_crc():
    b = bytearray(_blob())
    b[HEADER_SIZE + 5] ^= 0x40
    with pytest.raises(SeqBinaryError, match=r"CRC mismatch: stored 0x[0-9A-F]{8}, computed 0x[0-9A-F]{8}"):
        load_binary(bytes(b), D)


def test_every_truncation_is_rejected():
    b = _blob()
    for n in range(len(b)):
        with pytest.raises(SeqBinaryError, match="truncated"):
            load_binary(b[:n], D)


def test_trailing_bytes_rejected():
    with pytest.raises(SeqBinaryError, match="trailing bytes"):
        load_binary(_blob() + b"\0", D)


def test_dictionary_mismatch_names_both_hashes():
    raw = tomllib.loads(DEFAULT_PATH.read_text())
    raw["command"][0]["timeout_s"] = 2
    other = build_dictionary(raw)
    assert other.hash != D.hash
    with pytest.raises(SeqBinaryError) as ei:
        load_binary(_blob(), other)
    msg = str(ei.value)
    assert "dictionary mismatch" in msg and D.hash in msg and other.hash in msg


def test_compile_refuses_sequence_checked_against_another_dictionary():
    seq = load_sequence(EXAMPLE)
    raw = tomllib.loads(DEFAULT_PATH.read_text())
    raw["command"][0]["timeout_s"] = 2
    with pytest.raises(SeqBinaryError, match="checked against dictionary"):
        compile_sequence(seq, build_dictionary(raw))


def test_valid_crc_but_malformed_tree():
    bad = N.Sequence("x", None, (42,), (), D.hash, "x.seq")   # a statement that is an int
    body = bytearray()
    _enc(bad, body)
    hdr = struct.pack("<4sHH32sI", MAGIC, FORMAT_VERSION, 0, bytes.fromhex(D.hash), len(body))
    with pytest.raises(SeqBinaryError, match="corrupt body"):
        load_binary(_with_crc(hdr + bytes(body)), D)


def test_valid_crc_but_semantically_bad_tree_is_rechecked():
    seq = load_sequence(EXAMPLE)
    cmd = N.Command("TURN", (N.Arg("angle", N.Num(999, "deg", "x.seq", 1, 12), "x.seq", 1, 6),),
                    None, None, "x.seq", 1, 1)
    bad = N.Sequence(seq.name, seq.on_error, (cmd,), seq.subsequences, D.hash, "x.seq")
    body = bytearray()
    _enc(bad, body)
    hdr = struct.pack("<4sHH32sI", MAGIC, FORMAT_VERSION, 0, bytes.fromhex(D.hash), len(body))
    with pytest.raises(SeqBinaryError, match=r"fails checks:\nx.seq:1:12: .*999 deg is out of range"):
        load_binary(_with_crc(hdr + bytes(body)), D)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_seqbinaryerror(data):
    with pytest.raises(SeqBinaryError):
        load_binary(MAGIC + struct.pack("<H", FORMAT_VERSION) + data, D)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_random_body_with_valid_crc_never_crashes(body):
    hdr = struct.pack("<4sHH32sI", MAGIC, FORMAT_VERSION, 0, bytes.fromhex(D.hash), len(body))
    try:
        seq = load_binary(_with_crc(hdr + body), D)
    except SeqBinaryError:
        return
    assert isinstance(seq, N.Sequence)
