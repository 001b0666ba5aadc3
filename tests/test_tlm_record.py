"""Record codec and file scan: round trips, truncation, garbage, random bytes."""
from __future__ import annotations

import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common import record_format as rf
from ground.tlm.reader import decode_run

# -- strategies -----------------------------------------------------------------

ids = st.integers(0, rf.MAX_CHANNEL_ID)
t_ms = st.integers(rf.I64_MIN, rf.I64_MAX)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(1 << 80), 1 << 80)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
group_values = {
    rf.TYPE_BOOL: st.booleans(),
    rf.TYPE_INT: st.integers(rf.I64_MIN, rf.I64_MAX),
    rf.TYPE_FLOAT: st.floats(),                     # NaN, inf, -0.0 included
    rf.TYPE_STR: st.text(max_size=40),
    rf.TYPE_JSON: json_values,
}


@st.composite
def samples_records(draw):
    groups = {}
    for code in rf.TYPE_CODES:
        pairs = draw(st.lists(st.tuples(ids, group_values[code]), max_size=6))
        if pairs:
            groups[code] = tuple(pairs)
    return rf.SamplesRecord(draw(t_ms), groups)


schema_records = st.builds(
    rf.SchemaRecord,
    st.lists(st.tuples(ids, st.text(max_size=30), st.sampled_from(rf.TYPE_CODES)), max_size=8).map(tuple))
event_records = st.builds(
    rf.EventRecord, t_ms, st.text(max_size=20), st.text(max_size=60), st.text(max_size=80),
    st.dictionaries(st.text(max_size=10), json_values, max_size=5))
close_records = st.builds(rf.CloseRecord, t_ms, st.integers(0, 0xFFFFFFFF))
records = st.one_of(samples_records(), schema_records, event_records, close_records)
metas = st.dictionaries(st.text(max_size=10), json_values, max_size=4)


def canon(x):
    """Comparable form: floats by bit pattern (so NaN == NaN), bool kept apart from int."""
    if isinstance(x, bool):
        return ("bool", x)
    if isinstance(x, float):
        return ("float", struct.pack("<d", x))
    if isinstance(x, dict):
        return ("dict", tuple(sorted((repr(k), canon(v)) for k, v in x.items())))
    if isinstance(x, (list, tuple)):
        return ("seq", tuple(canon(v) for v in x))
    if hasattr(x, "__dataclass_fields__"):
        return (type(x).__name__, canon(vars(x)))
    return x


def build_file(meta, recs) -> tuple[bytes, list[int]]:
    """File bytes and the end offset of each record."""
    data = bytearray(rf.encode_header(meta))
    ends = []
    for r in recs:
        data += rf.frame(rf.encode_record(r))
        ends.append(len(data))
    return bytes(data), ends


FAST = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- round trips --------------------------------------------------------------------


@FAST
@given(records)
def test_any_record_round_trips(rec):
    assert canon(rf.decode_record(rf.encode_record(rec))) == canon(rec)


@FAST
@given(metas, st.lists(records, max_size=6))
def test_file_round_trips(meta, recs):
    data, _ = build_file(meta, recs)
    res = rf.scan(data)
    assert canon(res.meta) == canon(meta)
    assert canon(res.records) == canon(recs)
    assert (res.bad_records, res.skipped_bytes, res.torn_tail_bytes) == (0, 0, 0)


def test_frame_layout_is_length_crc_payload():
    payload = rf.encode_close(1234, 7)
    framed = rf.frame(payload)
    assert struct.unpack_from("<II", framed) == (len(payload), zlib.crc32(payload))
    assert framed[8:] == payload
    assert payload == bytes([rf.KIND_CLOSE]) + struct.pack("<qI", 1234, 7)


def test_worked_example_in_docs_is_what_the_codec_writes():
    # docs/telemetry.md walks through exactly these bytes; a format change must update both
    assert rf.encode_header({"run_id": "demo", "seed": 7}).hex(" ") == (
        "89 52 54 4c 4d 0d 0a 0a 01 00 00 00 1a 00 00 00 53 7c 4e 60 "
        + b'{"run_id":"demo","seed":7}'.hex(" "))
    assert rf.frame(rf.encode_samples(1000, f_ids=[1], f_vals=[87.5], s_ids=[0], s_vals=["SAFE"])).hex(" ") == (
        "27 00 00 00 b5 e3 57 1d 02 e8 03 00 00 00 00 00 00 00 00 00 00 01 00 01 00 "
        "00 00 00 00 00 e0 55 40 01 00 00 00 04 00 00 00 00 00 53 41 46 45")
    assert rf.frame(rf.encode_close(2000, 3)).hex(" ") == "0d 00 00 00 95 a3 ff a8 04 d0 07 00 00 00 00 00 00 03 00 00 00"
    assert rf.frame(rf.encode_schema([(0, "mode", "s"), (1, "power.soc_pct", "f")]))[:8].hex(" ") == "1e 00 00 00 f2 02 0b 31"
    assert rf.frame(rf.encode_event(1500, "WHEEL_STALL", "WARN", "wheel fl stalled", {"wheel": "fl"}))[:8].hex(" ") == (
        "41 00 00 00 95 c9 31 38")


# -- damage -----------------------------------------------------------------------------


@FAST
@given(st.lists(records, min_size=1, max_size=6), st.data())
def test_any_truncation_reads_back_exactly_the_completed_records(recs, data):
    blob, ends = build_file({"run_id": "t"}, recs)
    header_len = len(rf.encode_header({"run_id": "t"}))
    cut = data.draw(st.integers(header_len, len(blob)), label="cut")
    res = rf.scan(blob[:cut])
    complete = [r for r, end in zip(recs, ends) if end <= cut]
    last_end = max([header_len] + [e for e in ends if e <= cut])
    assert canon(res.records) == canon(complete)
    assert res.torn_tail_bytes == cut - last_end
    assert res.bad_records == 0


@FAST
@given(st.lists(records, max_size=5), st.binary(min_size=1, max_size=300))
def test_garbage_after_valid_records_is_skipped(recs, garbage):
    blob, _ = build_file({}, recs)
    res = rf.scan(blob + garbage)
    assert canon(res.records) == canon(recs)
    assert res.torn_tail_bytes == len(garbage)
    assert res.bad_records == 0


@FAST
@given(st.lists(records, min_size=1, max_size=3), st.binary(min_size=1, max_size=200),
       st.lists(records, min_size=1, max_size=3))
def test_garbage_between_records_is_counted_and_reading_resumes(before, garbage, after):
    head, _ = build_file({}, before)
    tail = b"".join(rf.frame(rf.encode_record(r)) for r in after)
    res = rf.scan(head + garbage + tail)
    assert canon(res.records) == canon(before + after)
    assert res.bad_records == 1
    assert res.skipped_bytes == len(garbage)
    assert res.torn_tail_bytes == 0


@FAST
@given(st.lists(records, min_size=1, max_size=6), st.data())
def test_a_flipped_byte_never_invents_a_record(recs, data):
    blob, ends = build_file({}, recs)
    header_len = len(rf.encode_header({}))
    pos = data.draw(st.integers(header_len, len(blob) - 1), label="pos")
    flip = data.draw(st.integers(1, 255), label="xor")
    damaged = bytearray(blob)
    damaged[pos] ^= flip
    got = canon(rf.scan(bytes(damaged)).records)
    # what is read back is the originals minus the damaged one, in order
    hit = next(i for i, end in enumerate(ends) if pos < end)
    assert got == canon(recs[:hit] + recs[hit + 1:])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_reader(blob):
    try:
        rf.scan(blob)
    except rf.TelemetryFormatError:
        pass
    header = rf.encode_header({"run_id": "r"})
    log = decode_run(header + blob)             # after a good header: never raises
    assert log.torn_tail_bytes + log.skipped_bytes <= len(blob)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_payloads_either_decode_or_raise_decode_error(payload):
    try:
        rf.decode_record(payload)
    except rf.RecordDecodeError:
        pass


def test_zero_filled_tail_is_a_torn_tail_not_a_record():
    # crc32(b"") == 0, so an all-zero frame would "check" if length 0 were allowed
    blob, _ = build_file({}, [rf.CloseRecord(5, 0)])
    res = rf.scan(blob + bytes(64))
    assert len(res.records) == 1 and res.torn_tail_bytes == 64


def test_crc_valid_but_unknown_kind_is_stepped_over_whole():
    future = rf.frame(bytes([0x7F]) + rf.frame(rf.encode_close(1, 0)))  # a valid frame nested inside
    blob, _ = build_file({}, [rf.CloseRecord(0, 0)])
    res = rf.scan(blob + future + rf.frame(rf.encode_close(9, 1)))
    assert [r.t_ms for r in res.records] == [0, 9]
    assert res.bad_records == 1


# -- header errors --------------------------------------------------------------------


@pytest.mark.parametrize("blob, words", [
    (b"", "too short"),
    (b"hello world, this is text", "bad magic"),
    (rf.encode_header({"a": 1})[:12], "truncated"),
    (rf.encode_header({"a": 1})[:-1], "truncated"),
    (rf.MAGIC + struct.pack("<HHII", 99, 0, 0, 0), "version 99"),
])
def test_bad_header_is_a_clear_error_naming_the_file(blob, words):
    with pytest.raises(rf.TelemetryFormatError, match=words) as e:
        rf.scan(blob, "runs/x/telemetry.rtlm")
    assert "runs/x/telemetry.rtlm" in str(e.value)


def test_corrupt_header_metadata_is_detected():
    h = bytearray(rf.encode_header({"run_id": "abc"}))
    h[-2] ^= 0x01
    with pytest.raises(rf.TelemetryFormatError, match="CRC"):
        rf.scan(bytes(h), "f.rtlm")


@FAST
@given(t_ms, st.lists(st.tuples(ids, st.booleans()), max_size=8),
       st.lists(st.tuples(ids, st.integers(rf.I64_MIN, rf.I64_MAX)), max_size=8),
       st.lists(st.tuples(ids, st.floats()), max_size=8))
def test_numbers_only_samples_are_the_wire_layout_field_by_field(t, b, i, f):
    """encode_samples packs numbers-only records with a cached Struct: the
    bytes are the documented layout, written here one field at a time."""
    expected = struct.pack("<Bq", rf.KIND_SAMPLES, t)
    for pairs, id_fmt, val_fmt in ((b, "H", "B"), (i, "H", "q"), (f, "H", "d")):
        expected += struct.pack("<H", len(pairs))
        expected += b"".join(struct.pack("<" + id_fmt, cid) for cid, _ in pairs)
        expected += b"".join(struct.pack("<" + val_fmt, int(v) if val_fmt == "B" else v) for _, v in pairs)
    expected += struct.pack("<HH", 0, 0)                 # no strings, no JSON values
    cols = [[cid for cid, _ in g] for g in (b, i, f)], [[v for _, v in g] for g in (b, i, f)]
    got = rf.encode_samples(t, cols[0][0], cols[1][0], cols[0][1], cols[1][1], cols[0][2], cols[1][2])
    assert got == expected
    # and the same again from the cache, with the general path's text groups empty
    assert rf.encode_samples(t, cols[0][0], cols[1][0], cols[0][1], cols[1][1], cols[0][2], cols[1][2],
                             [], [], [], []) == expected


def test_numbers_only_samples_refuse_what_the_general_path_refuses():
    with pytest.raises(struct.error):
        rf.encode_samples(0, i_ids=[1], i_vals=[1 << 70])           # beyond int64
    with pytest.raises(struct.error):
        rf.encode_samples(0, f_ids=[1, 2], f_vals=[1.0])             # a value missing
    with pytest.raises(struct.error):
        rf.encode_samples(0, b_vals=[True])                          # a value without an id
