"""Sequence errors: every one names file:line:col and shows the source line
with a caret, and loading collects all of them before failing."""
from __future__ import annotations

from dataclasses import dataclass

from .limits import MAX_ERRORS_PER_FILE, MAX_MESSAGE_CHARS, SHOWN_LINE_CHARS


@dataclass(frozen=True)
class SeqError:
    file: str
    line: int
    col: int
    message: str
    source_line: str = ""

    def __str__(self) -> str:
        msg = self.message
        if len(msg) > MAX_MESSAGE_CHARS:          # a message quoting a huge token stays bounded
            msg = msg[:MAX_MESSAGE_CHARS - 3] + "..."
        head = f"{self.file}:{self.line}:{self.col}: {_one_line(msg)}"
        if not self.source_line:
            return head
        src = self.source_line.rstrip("\r\n")
        col = max(self.col - 1, 0)
        if len(src) > SHOWN_LINE_CHARS:
            # a long line is shown as a window around the caret, so one error
            # never prints more than about SHOWN_LINE_CHARS of source
            start = max(0, min(col - SHOWN_LINE_CHARS // 2, len(src) - SHOWN_LINE_CHARS))
            end = start + SHOWN_LINE_CHARS
            pre = "..." if start > 0 else ""
            post = "..." if end < len(src) else ""
            src = pre + src[start:end] + post
            col = col - start + len(pre)
        # keep tabs in the padding so the caret lines up however tabs render;
        # other control characters are shown escaped so the output stays one line
        shown = "".join(_show_char(ch) for ch in src)
        pad = "".join("\t" if ch == "\t" else " " * len(_show_char(ch)) for ch in src[:col])
        return f"{head}\n    {shown}\n    {pad}^"


def _one_line(text: str) -> str:
    return "".join(_show_char(ch) for ch in text)


def _show_char(ch: str) -> str:
    if ch == "\t" or ch.isprintable():
        return ch
    return ch.encode("unicode_escape").decode("ascii")


def cap_errors(errors: list[SeqError], per_file: int = MAX_ERRORS_PER_FILE) -> list[SeqError]:
    """The first ``per_file`` errors of each file, then one line counting the rest
    (errors are assumed sorted by position within each file)."""
    out, shown, extra = [], {}, {}
    for e in errors:
        n = shown.get(e.file, 0)
        if n < per_file:
            shown[e.file] = n + 1
            out.append(e)
        else:
            first, count = extra.get(e.file, (e, 0))
            extra[e.file] = (first, count + 1)
    for file, (first, count) in extra.items():
        out.append(SeqError(file, first.line, first.col,
                            f"... and {count} more error{'s' if count != 1 else ''} in this file "
                            f"(showing the first {per_file}); fix these and check again"))
    return out


class SequenceErrors(Exception):
    """Raised by load_sequence when a sequence has one or more errors."""

    def __init__(self, errors: list[SeqError]):
        self.errors = list(errors)
        n = len(self.errors)
        super().__init__(f"{n} error{'s' if n != 1 else ''} in sequence:\n"
                         + "\n".join(str(e) for e in self.errors))


class ParseError(Exception):
    """Internal: aborts parsing of one line; becomes a SeqError."""

    def __init__(self, col: int, message: str):
        self.col, self.message = col, message
        super().__init__(message)
