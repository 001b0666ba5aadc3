"""Sequence parser and checker: every error kind with its exact file:line:col,
multi-error files listing all errors, and the valid examples."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.dictionary import default_dictionary
from flight.seq import SeqError, SequenceErrors, check_sequence, load_sequence, parse_sequence
from flight.seq import nodes as N

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad_seq"
EXAMPLES = ROOT / "missions" / "examples"
_EXPECT = re.compile(r"^#!\s+(?:(\S+\.seq)\s+)?(\d+):(\d+)\s+(.*)$")


def _expectations(path: Path):
    out = []
    for line in path.read_text().splitlines():
        m = _EXPECT.match(line)
        if m:
            fname = str(BAD / m.group(1)) if m.group(1) else str(path)
            out.append((fname, int(m.group(2)), int(m.group(3)), m.group(4).strip()))
    return out


BAD_FILES = sorted(p for p in BAD.glob("*.seq") if _expectations(p))


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_sequence_reports_exactly_the_expected_errors(path):
    """Each bad file lists its expected errors as '#! line:col text' comments;
    the checker must report all of them at exactly those positions, and no others."""
    expected = _expectations(path)
    errors = check_sequence(path)
    got = [(e.file, e.line, e.col, e.message) for e in errors]
    assert len(got) == len(expected), "\n".join(str(e) for e in errors)
    for (ef, el, ec, etext), (gf, gl, gc, gmsg) in zip(expected, got):
        assert (gf, gl, gc) == (ef, el, ec), f"expected {el}:{ec} {etext!r}, got {gl}:{gc} {gmsg!r}"
        assert etext in gmsg, f"{gl}:{gc}: {gmsg!r} does not contain {etext!r}"


def test_bad_files_cover_every_error_kind():
    assert len(BAD_FILES) >= 15


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.seq")), ids=lambda p: p.stem)
def test_examples_are_valid(path):
    assert check_sequence(path) == []
    seq = load_sequence(path)
    assert seq.dict_hash == default_dictionary().hash


def test_error_str_has_location_source_and_caret():
    e = SeqError("m.seq", 3, 7, "boom", "check\tx < 1")
    assert str(e) == "m.seq:3:7: boom\n    check\tx < 1\n         \t^"


def test_load_raises_with_all_errors(tmp_path):
    p = tmp_path / "two.seq"
    p.write_text("NOOOP\nTURN angle=999 deg\n")
    with pytest.raises(SequenceErrors) as ei:
        load_sequence(p)
    assert [(e.line, e.col) for e in ei.value.errors] == [(1, 1), (2, 12)]
    text = str(ei.value)
    assert "2 errors" in text and f"{p}:2:12:" in text and "TURN angle=999 deg" in text


def test_missing_file_is_an_error_not_a_crash(tmp_path):
    errs = check_sequence(tmp_path / "nope.seq")
    assert len(errs) == 1 and "not found" in errs[0].message


def _parse(text, **kw):
    seq, errors = parse_sequence(text, "t.seq", **kw)
    assert errors == [], "\n".join(map(str, errors))
    return seq


def test_ast_shapes_and_positions():
    seq = _parse(
        "on error continue\n"
        "R+1.5 s DRIVE_TO x=10 m y=-5 m speed=5 cm/s ; on error abort\n"
        "A@01:02:03.250 NOOP\n"
        "wait until rover.speed_mps < 1 cm/s for 5 s timeout 00:01:00\n"
        "wait 250 ms\n"
        "repeat 3\n"
        "  if not (mode == DRIVE or mode == \"IDLE\")\n"
        "    STOP\n"
        "  else\n"
        "    LOG text=\"a \\\"quoted\\\" word\"\n"
        "  end\n"
        "end\n")
    assert seq.on_error.kind == "continue"
    drive, noop, wait, delay, rep = seq.body
    assert isinstance(drive, N.Command) and (drive.line, drive.col) == (2, 9)
    assert drive.time_tag.kind == "R" and drive.time_tag.ms == 1500
    assert drive.on_error.kind == "abort"
    assert [(a.name, a.value.value, a.value.unit) for a in drive.args] == \
        [("x", 10, "m"), ("y", -5, "m"), ("speed", 5, "cm/s")]
    assert noop.time_tag.kind == "A" and noop.time_tag.ms == (3723 * 1000 + 250)
    assert isinstance(wait, N.WaitUntil) and wait.for_ms == 5000 and wait.timeout_ms == 60000
    assert isinstance(delay, N.Delay) and delay.ms == 250
    assert isinstance(rep, N.Repeat) and rep.count == 3
    (iff,) = rep.body
    assert isinstance(iff.cond, N.Not) and isinstance(iff.cond.operand, N.BoolOp)
    assert iff.then_body[0].name == "STOP"
    assert iff.else_body[0].args[0].value.value == 'a "quoted" word'
    assert (iff.line, iff.col) == (7, 3)


def test_subsequence_params_and_call():
    seq = _parse("sequence leg(dist: m = 5 m, n: int = 2, name: str = \"x\", fast: bool = false,"
                 " mode: enum = DRIVE, v: float m/s)\n"
                 "  DRIVE_ARC distance=$dist radius=0 speed=$v\n"
                 "end\n"
                 "call leg(v=10 cm/s)\n")
    sub = seq.subsequence("leg")
    assert [(p.name, p.type, p.unit) for p in sub.params] == [
        ("dist", "float", "m"), ("n", "int", None), ("name", "str", None), ("fast", "bool", None),
        ("mode", "enum", None), ("v", "float", "m/s")]
    assert sub.params[-1].default is None
    assert isinstance(sub.body[0].args[0].value, N.ParamRef)
    assert seq.body[0].name == "leg" and seq.body[0].args[0].value.unit == "cm/s"


def test_include_splices_statements_and_definitions(tmp_path):
    (tmp_path / "lib.seq").write_text("NOOP\nsequence s()\n  STOP\nend\n")
    (tmp_path / "main.seq").write_text('include "lib.seq"\ncall s\n')
    seq = load_sequence(tmp_path / "main.seq")
    assert seq.body[0].name == "NOOP" and seq.body[0].file == str(tmp_path / "lib.seq")
    assert seq.body[1].name == "s" and seq.subsequence("s") is not None


def test_include_twice_defines_once(tmp_path):
    (tmp_path / "lib.seq").write_text("sequence s()\n  STOP\nend\n")
    (tmp_path / "main.seq").write_text('include "lib.seq"\ninclude "lib.seq"\ncall s\n')
    assert check_sequence(tmp_path / "main.seq") == []


def test_on_error_in_included_file_is_rejected(tmp_path):
    (tmp_path / "lib.seq").write_text("on error continue\nNOOP\n")
    (tmp_path / "main.seq").write_text('include "lib.seq"\n')
    errs = check_sequence(tmp_path / "main.seq")
    assert [(e.file, e.line, e.col) for e in errs] == [(str(tmp_path / "lib.seq"), 1, 10)]
    assert "included file has no effect" in errs[0].message


def test_duplicate_subsequence(tmp_path):
    seq, errs = parse_sequence("sequence a()\nend\nsequence a()\nend\n", "d.seq")
    assert [(e.line, e.col) for e in errs] == [(3, 1)]
    assert "already defined at d.seq:1" in errs[0].message


def test_nested_sequence_definition_is_an_error():
    _, errs = parse_sequence("repeat 2\n  sequence x()\n  end\nend\n", "n.seq")
    assert [(e.line, e.col) for e in errs] == [(2, 3)]
    assert "cannot be nested" in errs[0].message


def test_one_error_per_line_first_twenty_shown_then_counted():
    text = "\n".join(f"NOOP{i}" for i in range(30)) + "\n"
    _, errs = parse_sequence(text, "many.seq")
    assert [e.line for e in errs[:20]] == list(range(1, 21))
    assert len(errs) == 21 and "10 more errors in this file" in errs[20].message


def test_unit_conversion_accepted_at_the_range_edge():
    # 20 cm/s is exactly the 0.2 m/s limit; float noise must not reject it
    _parse("DRIVE_TO x=20000 cm y=-0.2 km speed=20 cm/s\n")
    _, errs = parse_sequence("DRIVE_TO x=20001 cm y=0 speed=0.1\n", "e.seq")
    assert len(errs) == 1 and "out of range" in errs[0].message and errs[0].col == 12


def test_enum_literal_case_in_conditions():
    seq = _parse('check mode == DRIVE or mode == "IDLE" or seq.mobility.state != RUNNING\n')
    assert isinstance(seq.body[0].cond.operands[0].right, N.Sym)
    assert isinstance(seq.body[0].cond.operands[1].right, N.Str)
