"""Fuzz campaign over everything a user types or hands us: sequence text (a
corpus of nasty files in tests/data/nasty plus generated ones), compiled
sequences (mutated with a valid CRC, and crafted trees), HAL URLs and bench
files.  Promises: never a traceback (only the documented error types), never
a hang (FIFOs and devices refused before reading), output per error bounded,
errors per file capped, and accepted hostile files end within their bound."""
from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flight.seq import SeqError, SequenceErrors, check_sequence, load_sequence, parse_sequence
from flight.seq import nodes as N
from flight.seq.binary import HEADER_SIZE, SeqBinaryError, _enc, _HEADER, FORMAT_VERSION, MAGIC
from flight.seq.binary import compile_sequence, load_binary
from flight.seq.limits import MAX_ERRORS_PER_FILE, MAX_LINE_CHARS

NASTY = Path(__file__).resolve().parent / "data" / "nasty"
MAX_ERROR_CHARS = 1200        # file name + 300-char message + 106-char source window + caret

EXPECTED = {
    "bom.seq": "1:1: file starts with a UTF-8 byte-order mark",
    "utf16.seq": "1:1: file is UTF-16",
    "latin1.seq": "2:14: byte 0xe9 is not valid UTF-8",
    "nul_and_escapes.seq": "1:6: unexpected character '\\x00'",
    "too_many_args.seq": "more than 32 arguments",
    "many_bad_args_one_line.seq": "more errors in this file",
    "long_line.seq": "1:1001: line is 5011 characters long",
    "huge_token.seq": "unknown command",
    "deep_blocks.seq": "blocks nested more than 16 deep",
    "repeat_explosion.seq": "the limit is 1000000 per run",
    "mutual_recursion.seq": "recursive call",
    "seq_start_self.seq": "starts this mission again",
    "seq_start_cycle.seq": "SEQ_START cycle",
    "seq_start_traversal.seq": "letters, digits",
    "include_outside.seq": "outside the mission's folder",
    "include_device.seq": "outside the mission's folder",
    "nested_param_range.seq": "does not fit DRIVE_ARC.distance",
    "huge_numbers.seq": "longer than 10000 h",
    "critical_undeclared.seq": "declare it at the top",
    "critical_unarmed.seq": "put 'ARM command=FP_SET_LIMITS'",
    "unterminated.seq": "unterminated string",
    "many_errors.seq": "480 more errors in this file",
    "crlf_cr_mix.seq": "3:1: unknown command 'BOGUS'",
    "on_error_in_block.seq": "only allowed at the start",
    "backward_goto.seq": "jumps backwards",
}


def _assert_bounded(errors, path):
    per_file = {}
    for e in errors:
        assert isinstance(e, SeqError)
        text = str(e)
        assert len(text) <= MAX_ERROR_CHARS + len(e.file), text[:300]
        assert text.count("\n") <= 2                      # head, source line, caret
        per_file[e.file] = per_file.get(e.file, 0) + 1
    assert all(n <= MAX_ERRORS_PER_FILE + 1 for n in per_file.values()), per_file


def test_corpus_is_complete():
    names = {p.name for p in NASTY.glob("*.seq")}
    assert names == set(EXPECTED), names ^ set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_nasty_file_is_refused_with_a_located_bounded_error(name):
    errors = check_sequence(NASTY / name)
    assert errors, name
    _assert_bounded(errors, NASTY / name)
    text = "\n".join(str(e) for e in errors)
    assert EXPECTED[name] in text, text[:2000]


def test_fifo_device_directory_and_oversize_inputs_are_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.seq"
    os.mkfifo(fifo)
    main = tmp_path / "main.seq"
    main.write_text('include "pipe.seq"\nNOOP\n')
    errs = check_sequence(main)                   # would block forever if it opened the FIFO
    assert len(errs) == 1 and "is a FIFO" in str(errs[0]) and errs[0].line == 1
    for path, what in ((fifo, "is a FIFO"), ("/dev/zero", "is a device"), (tmp_path, "is a directory")):
        errs = check_sequence(path)
        assert len(errs) == 1 and what in errs[0].message
    big = tmp_path / "big.seq"
    big.write_bytes(b"NOOP\n" * 300_000)          # 1.5 MB
    errs = check_sequence(big)
    assert len(errs) == 1 and "the limit is 1048576 bytes" in errs[0].message


def test_include_through_a_symlink_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "lib.seq").write_text("sequence s()\n    NOOP\nend\n")
    mission = tmp_path / "mission"
    mission.mkdir()
    (mission / "lib.seq").symlink_to(outside / "lib.seq")
    (mission / "m.seq").write_text('include "lib.seq"\ncall s\n')
    errs = check_sequence(mission / "m.seq")
    assert any("outside the mission's folder" in e.message for e in errs)
    # declared as a library path, the same include is fine
    assert load_sequence(mission / "m.seq", library_paths=[outside]).body


@pytest.mark.parametrize("name", sorted(p.name for p in (NASTY / "accepted").glob("*.seq")))
def test_accepted_hostile_files_end_within_their_bound(name):
    from flight.system import FlightSystem
    from hal import open_hal
    seq = load_sequence(NASTY / "accepted" / name)
    fs = FlightSystem(open_hal("sim://?seed=3&site=flat"), boot=False)
    fs.modes.request_mode("IDLE", "test")
    slot = fs.sequencer.start("mobility", seq)
    limit = slot.bound.max_sim_ms(fs.cycle_ms)
    assert fs.run_until(lambda: not slot.busy, limit + fs.cycle_ms)
    assert slot.steps <= slot.bound.statements
    assert len(fs.bus.events) < 100


# ------------------------------------------------------------ generated text
_junk = st.text(st.characters(min_codepoint=1, max_codepoint=0x10FFFF, blacklist_categories=("Cs",)),
                max_size=40)
_word = st.sampled_from(["NOOP", "DRIVE_TO", "x=", "1e999", "repeat", "end", "if", "(", '"', "\\",
                         "$p", "on error goto", "call", "sequence s(", "label", "A@", "R+", ";",
                         "critical", "ARM command=CLEAR_FAULT", "SEQ_START name=", "include"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.lists(st.one_of(_word, _junk), max_size=30),
                          st.integers(0, 3000)), min_size=1, max_size=30))
def test_generated_hostile_text_gives_bounded_errors(lines):
    text = "\n".join(" ".join(ws) + ("Z" * pad if pad > 2000 else "") for ws, pad in lines)
    _, errors = parse_sequence(text, "gen.seq")
    _assert_bounded(errors, "gen.seq")
    for e in errors:
        assert e.line >= 1 and e.col >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_as_a_sequence_file(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("b") / "bytes.seq"
    p.write_bytes(data)
    errors = check_sequence(p)
    _assert_bounded(errors, p)


# ------------------------------------------------------------ compiled sequences
_GOOD = compile_sequence(load_sequence(Path(__file__).resolve().parents[1] / "missions" / "demo.seq"),
                         __import__("common.dictionary", fromlist=["x"]).default_dictionary())


def _with_crc(body: bytes) -> bytes:
    head = _GOOD[:HEADER_SIZE - 4] + struct.pack("<I", len(body))
    blob = head + body
    return blob + struct.pack("<I", zlib.crc32(blob) & 0xFFFFFFFF)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
       st.integers(-40, 40))
def test_mutated_binary_with_valid_crc_is_refused_or_valid(edits, resize):
    from common.dictionary import default_dictionary
    body = bytearray(_GOOD[HEADER_SIZE:-4])
    for pos, val in edits:
        body[pos % len(body)] = val
    if resize > 0:
        body += bytes(resize)
    elif resize < 0:
        del body[resize:]
    try:
        seq = load_binary(_with_crc(bytes(body)), default_dictionary())
    except SeqBinaryError as e:
        assert len(str(e)) < 20_000
        return
    assert isinstance(seq, N.Sequence)


def _crafted(seq: N.Sequence) -> bytes:
    from common.dictionary import default_dictionary
    body = bytearray()
    _enc(seq, body)
    head = _HEADER.pack(MAGIC, FORMAT_VERSION, 0, bytes.fromhex(default_dictionary().hash),
                        len(body))
    blob = head + bytes(body)
    return blob + struct.pack("<I", zlib.crc32(blob) & 0xFFFFFFFF)


def _seq(body, subs=()):
    from common.dictionary import default_dictionary
    return N.Sequence("c", None, tuple(body), tuple(subs), default_dictionary().hash, "c.seq")


def _cmd(name, args=()):
    return N.Command(name, tuple(args), None, None, "c.seq", 1, 1)


@pytest.mark.parametrize("seq, message", [
    (_seq([_cmd("LOG", [N.Arg(f"a{i}", N.Num(1, None, "c.seq", 1, 1), "c.seq", 1, 1)
                        for i in range(40)])]), "more than 32 arguments"),
    (_seq([N.Repeat(2, (), None, None, "c.seq", 1, 1)]), None),
    (_seq([N.Abort("x" * 5000, None, None, "c.seq", 1, 1)]), "abort message longer"),
    (_seq([_cmd("LOG", [N.Arg("text", N.Str("y" * 5000, "c.seq", 1, 1), "c.seq", 1, 1)])]),
     "string longer than 1000"),
    (_seq([_cmd("N" * 500)]), "name is empty or longer than 64"),
])
def test_crafted_binary_is_held_to_the_text_limits(seq, message):
    from common.dictionary import default_dictionary
    blob = _crafted(seq)
    if message is None:
        load_binary(blob, default_dictionary())       # within the limits: fine
        return
    with pytest.raises(SeqBinaryError, match=message):
        load_binary(blob, default_dictionary())


def test_crafted_binary_with_deep_blocks_or_huge_repeat_product_is_refused():
    from common.dictionary import default_dictionary
    inner = (_cmd("NOOP"),)
    for _ in range(20):
        inner = (N.Repeat(2, inner, None, None, "c.seq", 1, 1),)
    with pytest.raises(SeqBinaryError, match="blocks nested more than 16"):
        load_binary(_crafted(_seq(inner)), default_dictionary())
    inner = (_cmd("NOOP"),)
    for _ in range(3):
        inner = (N.Repeat(1000, inner, None, None, "c.seq", 1, 1),)
    with pytest.raises(SeqBinaryError, match="limit is 1000000"):
        load_binary(_crafted(_seq(inner)), default_dictionary())


def test_binary_file_that_is_a_fifo_or_too_big_is_refused(tmp_path):
    from common.dictionary import default_dictionary
    from flight.seq.library import load_any
    fifo = tmp_path / "x.rseq"
    os.mkfifo(fifo)
    with pytest.raises(SequenceErrors, match="is a FIFO"):
        load_any(fifo, default_dictionary())
    big = tmp_path / "big.rseq"
    big.write_bytes(MAGIC + bytes(9 << 20))
    with pytest.raises(SequenceErrors, match="the limit is"):
        load_any(big, default_dictionary())


# ------------------------------------------------------------ HAL URLs and bench files
_vals = st.sampled_from(["", "nan", "inf", "-1", "0", "1e400", "99999999999999999999999", "\x00",
                         "../x", "flat", "mons-mouton", "/dev/null", "/dev/zero", "x" * 300, "%00",
                         "1.5", "mobility"])
_keys = st.sampled_from(["seed", "site", "x", "y", "yaw", "site_seed", "sun_start_h", "bogus",
                         "mobility", "payload", "baud", "role", "geometry", "time_scale",
                         "connect_timeout", "terrain"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["sim", "board", "serial", "bench", "warp", "SIM", ""]),
       st.sampled_from(["", "/", "/dev/null", "/dev/zero", "host", "/nonexistent/x"]),
       st.lists(st.tuples(_keys, _vals), max_size=4))
def test_hal_urls_open_or_fail_with_a_hal_error(scheme, where, params):
    from hal import open_hal
    from hal.errors import HalError
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{where}" + (f"?{query}" if query else "")
    try:
        hal = open_hal(url)
    except HalError as e:
        assert str(e) and len(str(e)) < 2000
        return
    hal.close()


_toml_bits = st.sampled_from([
    '[[board]]\n', 'role = "mobility"\n', 'role = "payload"\n', 'role = 7\n', 'port = "/dev/null"\n',
    'port = ""\n', 'baud = -5\n', 'baud = 115200\n', 'baud = "fast"\n', '[geometry]\n',
    'wheel_radius_m = 0.1\n', 'geometry = "/dev/zero"\n', 'terrain = "/dev/zero"\n',
    'time_scale = nan\n', 'time_scale = 1e400\n', 'name = "x"\n', '= broken\n', '[[board]\n',
    'unknown = 1\n', '\x00\n', '\ufeff', 'board = 5\n',
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_toml_bits, max_size=12))
def test_bench_files_parse_or_fail_with_a_hal_error(tmp_path_factory, bits):
    from hal.backends.board import load_bench_file
    from hal.errors import HalError
    p = tmp_path_factory.mktemp("bench") / "bench.toml"
    p.write_text("".join(bits))
    try:
        load_bench_file(p)
    except HalError as e:
        assert str(e) and len(str(e)) < 2000
