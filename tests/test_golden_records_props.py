"""Property tests of the trace records (ground/golden/records.py) and of the
interpreter they feed (csrc/firmware/trace/trace_play.c): any well-formed
record stream splits back into its records; the end of an output is found
however its bytes arrive; the first difference is the first differing
byte; arbitrary bytes either split or raise RecordError; and any stream of
well-formed input records gives the same bytes on the simulator port as on
the host build."""
from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ground.golden.ports import Players
from ground.golden.records import (RecordError, first_difference, input_records, output_end,
                                   output_records)
from sim_hw.trace_port import TraceError, play

u8 = st.integers(0, 255)
i16 = st.integers(-32768, 32767)
i32 = st.integers(-(1 << 31), (1 << 31) - 1)
block = st.binary(max_size=64)

out_record = st.one_of(
    st.builds(lambda b: b"U" + bytes([b]), u8),
    st.builds(lambda c, v: b"P" + bytes([c]) + struct.pack("<h", v), u8, i16),
    st.builds(lambda c, v: b"S" + bytes([c]) + struct.pack("<h", v), u8, i16),
    st.builds(lambda a, v: b"T" + bytes([a]) + struct.pack("<i", v), u8, i32),
    st.builds(lambda r: b"C" + r, st.binary(min_size=9, max_size=9)),
    st.builds(lambda p: b"K" + bytes([len(p)]) + p, block),
)


@given(st.lists(out_record, max_size=40))
def test_output_records_split_back(recs):
    data = b"".join(recs) + b"Z"
    got = [r for _, r in output_records(data)]
    assert got == recs + [b"Z"]
    assert output_end(data) == len(data)
    assert output_end(b"".join(recs)) is None        # a 'Z' byte inside a record is data


@given(st.lists(out_record, max_size=20), st.data())
def test_output_end_is_found_at_any_cut(recs, data):
    stream = b"".join(recs) + b"Z" + b"trailing"
    cut = data.draw(st.integers(0, len(stream)))
    end = len(b"".join(recs)) + 1
    assert output_end(stream[:cut]) == (end if cut >= end else None)


@given(st.binary(max_size=200), st.binary(max_size=200))
def test_first_difference_is_the_first_differing_byte(a, b):
    d = first_difference(a, b)
    if a == b:
        assert d is None
        return
    assert a[:d.offset] == b[:d.offset]
    assert d.offset == min(len(a), len(b)) or a[d.offset] != b[d.offset]
    assert (d.expected_len, d.got_len) == (len(a), len(b))


@given(st.binary(max_size=300))
def test_any_bytes_split_or_raise_record_error(data):
    for split in (output_records, input_records):
        try:
            recs = [r for _, r in split(data)]
        except RecordError:
            continue
        assert b"".join(recs) == data


# input records the interpreter plays: no 'I' (power-up) and no 'Q' (end) inside
in_record = st.one_of(
    st.just(b"T"),
    st.builds(lambda n: b"N" + struct.pack("<H", n), st.integers(0, 300)),
    st.builds(lambda p: b"R" + bytes([len(p)]) + p, block),
    st.builds(lambda c, ab: b"E" + bytes([c, ab]), st.integers(0, 7), st.integers(0, 3)),
    st.builds(lambda c, v: b"A" + bytes([c]) + struct.pack("<i", v), st.integers(0, 20), i32),
    st.builds(lambda a, g: b"G" + struct.pack("<hhh", *a) + struct.pack("<iii", *g),
              st.tuples(i16, i16, i16), st.tuples(i32, i32, i32)),
    st.builds(lambda m: b"W" + bytes([m]), u8),
    st.builds(lambda f: b"F" + struct.pack("<H", f), st.integers(0, 0xFFFF)),
    st.just(b"D"),
    st.builds(lambda s, p: b"C" + bytes([s, len(p)]) + p, u8, block),
    st.builds(lambda i: b"K" + bytes([i]), st.integers(0, 7)),
    st.just(b"H"),
)


@given(st.lists(in_record, max_size=60))
def test_input_records_split_back(recs):
    data = b"".join(recs) + b"Q"
    assert [r for _, r in input_records(data)] == recs + [b"Q"]


@pytest.fixture(scope="module")
def players(tmp_path_factory):
    if Players.missing("host"):
        pytest.skip(Players.missing("host"))
    with Players(tmp_path_factory.mktemp("propbuild")) as p:
        yield p


@settings(max_examples=40)
@given(role=st.sampled_from(["mobility", "payload"]), recs=st.lists(in_record, max_size=60))
def test_simulator_port_equals_host_build_on_any_records(players, role, recs):
    trace = bytes(16) + b"".join(recs) + b"Q"
    host = players.play("host", role, trace)
    sim = play(role, trace)
    d = first_difference(host, sim)
    assert d is None, d.text()
    assert output_end(sim) == len(sim)


@given(st.lists(in_record, min_size=1, max_size=10), st.data())
def test_a_trace_cut_inside_a_record_is_refused(recs, data):
    whole = b"".join(recs)
    starts = {off for off, _ in input_records(whole)} | {len(whole)}
    cut = data.draw(st.integers(1, len(whole)))
    if cut in starts:
        assert output_end(play("payload", whole[:cut])) is None    # whole records, no end yet
    else:
        with pytest.raises(TraceError, match="ends inside a record"):
            play("payload", whole[:cut])
