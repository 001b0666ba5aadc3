"""The parser and checker never crash: any text yields an AST or a list of
SeqErrors with sane positions."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from flight.seq import SeqError, parse_sequence

from seq_strategies import sequence_texts

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "missions" / "examples"
EXAMPLE = (EXAMPLE_DIR / "drive_square.seq").read_text()
MUT = str(EXAMPLE_DIR / "mut.seq")   # includes resolve next to the real examples

VOCAB = ["NOOP", "DRIVE_TO", "TURN", "LOG", "SET_MODE", "x", "=", "==", "<", ">=", "!=", "(", ")",
         ",", ";", ":", "%", "/", "-", "+", "@", "$dist", "m", "cm/s", "deg", "s", "ms", "10", "0.5",
         "1e3", "00:01:30", "99:99:99", '"txt"', '"', "A@", "R+", "on", "error", "abort", "continue",
         "goto", "call", "label", "repeat", "if", "else", "end", "wait", "until", "for", "timeout",
         "check", "include", '"nope.seq"', "sequence", "leg", "and", "or", "not", "true", "false",
         "mode", "DRIVE", "rover.x_m", "power.soc_pct", "#", "\t", "speed", "angle", "\\", "é"]


def _assert_sane(text, errors):
    # the parser's line rule: universal newlines only
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for e in errors:
        assert isinstance(e, SeqError)
        assert e.message
        assert 1 <= e.line <= max(len(lines), 1)
        assert 1 <= e.col <= len(lines[e.line - 1]) + 1 if lines else True
        str(e)  # formatting must not fail either


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text_never_crashes(text):
    _, errors = parse_sequence(text, "fuzz.seq")
    _assert_sane(text, errors)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(VOCAB), max_size=12), max_size=12))
def test_token_soup_never_crashes(lines):
    text = "\n".join(" ".join(toks) for toks in lines)
    _, errors = parse_sequence(text, "soup.seq")
    _assert_sane(text, errors)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_example_never_crashes(data):
    text = EXAMPLE
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["del", "ins", "dup"]))
        if op == "del":
            text = text[:i] + text[i + 1:]
        elif op == "ins":
            text = text[:i] + data.draw(st.sampled_from(VOCAB + ["\n", " "])) + text[i:]
        else:
            text = text[:i] + text[i:i + 20] + text[i:]
    _, errors = parse_sequence(text, MUT)
    _assert_sane(text, [e for e in errors if e.file == MUT])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence_texts())
def test_generated_valid_sequences_have_no_errors(text):
    _, errors = parse_sequence(text, "gen.seq")
    assert errors == [], text + "\n".join(map(str, errors))


def test_deep_nesting_is_an_error_not_a_recursion_crash():
    text = "check " + "(" * 500 + "true" + ")" * 500 + "\n" + "check " + "not " * 500 + "true\n"
    text += "repeat 2\n" * 40 + "NOOP\n" + "end\n" * 40
    _, errors = parse_sequence(text, "deep.seq")
    msgs = [e.message for e in errors]
    assert any("nested more than" in m for m in msgs)
    assert any("blocks nested more than 16 deep" in m for m in msgs)


@given(sequence_texts())
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generator_produces_statements(text):
    assert text.endswith("\n") and text.strip()
