"""Sequence errors: every one names file:line:col and shows the source line
with a caret, and loading collects all of them before failing."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeqError:
    file: str
    line: int
    col: int
    message: str
    source_line: str = ""

    def __str__(self) -> str:
        head = f"{self.file}:{self.line}:{self.col}: {self.message}"
        if not self.source_line:
            return head
        src = self.source_line.rstrip("\r\n")
        # keep tabs in the padding so the caret lines up however tabs render
        pad = "".join("\t" if ch == "\t" else " " for ch in src[: max(self.col - 1, 0)])
        return f"{head}\n    {src}\n    {pad}^"


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
