"""Tokenizer for one line of sequence text.

The language is line oriented (one statement per line), so the lexer works
a line at a time; an error in one line never hides errors in the next.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ParseError

# ordered: the first match wins
_TOKEN_RES = [
    ("CLOCK", re.compile(r"\d+:\d\d:\d\d(?:\.\d{1,3})?(?![\w:.])")),
    ("NUM", re.compile(r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")),
    ("PARAM", re.compile(r"\$[A-Za-z_]\w*")),
    ("IDENT", re.compile(r"[A-Za-z_]\w*(?:\.\w+)*")),
    ("OP", re.compile(r"<=|>=|==|!=|[<>=(),:;/%+\-@]")),
]
_TAG_RE = re.compile(r"[AR][@+]")


@dataclass(frozen=True)
class Token:
    kind: str       # CLOCK NUM PARAM IDENT OP STR TAG EOL
    text: str       # source text (for STR: the decoded value)
    col: int        # 1-based


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def tokenize(line: str) -> list[Token]:
    """Tokens of one line, ending with an EOL token; raises ParseError."""
    toks: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch in " \t\r\n\f\v":
            i += 1
            continue
        if ch == "#":
            break
        if not toks:
            m = _TAG_RE.match(line, i)
            if m:
                toks.append(Token("TAG", m.group(), i + 1))
                i = m.end()
                continue
        if ch == '"':
            start, i, buf = i, i + 1, []
            while True:
                if i >= n:
                    raise ParseError(start + 1, "unterminated string (missing closing \")")
                c = line[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    if i + 1 >= n or line[i + 1] not in _ESCAPES:
                        raise ParseError(i + 1, "bad escape in string (use \\\" \\\\ \\n \\t)")
                    buf.append(_ESCAPES[line[i + 1]])
                    i += 2
                    continue
                buf.append(c)
                i += 1
            toks.append(Token("STR", "".join(buf), start + 1))
            continue
        for kind, rx in _TOKEN_RES:
            m = rx.match(line, i)
            if m:
                toks.append(Token(kind, m.group(), i + 1))
                i = m.end()
                break
        else:
            raise ParseError(i + 1, f"unexpected character {ch!r}")
    toks.append(Token("EOL", "", len(line.rstrip("\r\n")) + 1))
    return toks
