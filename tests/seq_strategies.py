"""Hypothesis strategies producing valid sequence text (shared by the
binary round-trip and fuzz tests)."""
from __future__ import annotations

from hypothesis import strategies as st

MODES = ["BOOT", "SAFE", "IDLE", "DRIVE", "PRINT", "SURVIVAL"]
_text_chars = st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="\x7f")


def _num(lo, hi):
    return st.one_of(st.integers(int(lo), int(hi)).map(str),
                     st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(repr))


def _str_lit(max_bytes):
    def enc(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return st.text(_text_chars, max_size=max_bytes // 2).map(enc)


def commands():
    return st.one_of(
        st.just("NOOP"), st.just("STOP"),
        _str_lit(80).map(lambda s: f"LOG text={s}"),
        st.sampled_from(MODES).map(lambda m: f"SET_MODE mode={m}"),
        _num(-360, 360).map(lambda a: f"TURN angle={a} deg"),
        _num(-6, 6).map(lambda a: f"TURN angle={a} rad"),   # 6 rad = 344 deg: in range
        st.tuples(_num(-200, 200), _num(-20000, 20000), _num(1, 20)).map(
            lambda t: f"DRIVE_TO x={t[0]} m y={t[1]} cm speed={t[2]} cm/s"),
        _num(0, 60).map(lambda t: f"HEATER_SET zone=EBOX temp={t} C"),
        st.sampled_from(["ALL", "FL", "RR"]).map(lambda w: f"CLEAR_STALL wheel={w}"),
    )


def conditions(depth=2):
    leaf = st.one_of(
        st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), _num(-100, 100),
                  st.sampled_from(["m", "cm", "km", ""])).map(lambda t: f"rover.x_m {t[0]} {t[1]} {t[2]}".rstrip()),
        st.sampled_from(MODES).map(lambda m: f"mode == {m}"),
        st.sampled_from(MODES).map(lambda m: f'mode != "{m}"'),
        _num(0, 100).map(lambda v: f"power.soc_pct >= {v} %"),
        st.just("rover.speed_mps < 1 cm/s"),
    )
    if depth == 0:
        return leaf
    sub = conditions(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        sub.map(lambda c: f"not ({c})"),
    )


def _tag():
    return st.one_of(st.just(""), st.integers(0, 10**6).map(lambda ms: f"R+{ms} ms "),
                     st.tuples(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59)).map(
                         lambda t: f"R+{t[0]:02d}:{t[1]:02d}:{t[2]:02d} "))


def _suffix():
    return st.sampled_from(["", " ; on error continue", " ; on error abort"])


def simple_statements():
    waits = st.tuples(conditions(1), st.integers(0, 100), st.integers(0, 100)).map(
        lambda t: f"wait until {t[0]} for {min(t[1], t[2])} s timeout {max(t[1], t[2], 1)} s")
    return st.tuples(_tag(), st.one_of(commands(), waits, conditions().map(lambda c: f"check {c}"),
                                       st.integers(0, 10**5).map(lambda n: f"wait {n} ms")),
                     _suffix()).map(lambda t: f"{t[0]}{t[1]}{t[2]}")


def blocks(depth=2):
    if depth == 0:
        return st.lists(simple_statements(), min_size=1, max_size=4).map(lambda l: "\n".join(l))
    inner = blocks(depth - 1)
    one = st.one_of(
        simple_statements(),
        # outer repeats up to the language's 1000, inner ones small, so the
        # product stays under the checker's executed-statement limit
        st.tuples(st.integers(1, 200 if depth == 2 else 20), inner).map(
            lambda t: f"repeat {t[0]}\n{t[1]}\nend"),
        st.tuples(conditions(1), inner, st.one_of(st.none(), inner)).map(
            lambda t: f"if {t[0]}\n{t[1]}\n" + (f"else\n{t[2]}\n" if t[2] else "") + "end"),
    )
    return st.lists(one, min_size=1, max_size=4).map(lambda l: "\n".join(l))


@st.composite
def sequence_texts(draw):
    lines = []
    pol = draw(st.sampled_from(["", "on error continue", "on error abort"]))
    if pol:
        lines.append(pol)
    if draw(st.booleans()):
        lines.append("sequence leg(dist: m = 5 m, speed: m/s = 0.05, note: str = \"x\")\n"
                     "  DRIVE_ARC distance=$dist radius=0 speed=$speed\n  LOG text=$note\nend")
        d = draw(_num(-50, 50))
        lines.append(f"call leg(dist={d} m)")
    lines.append(draw(blocks()))
    if draw(st.booleans()):
        lines.append("NOOP ; on error goto tail\nlabel tail\nSTOP")
    return "\n".join(lines) + "\n"
