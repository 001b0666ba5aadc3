"""Limits on every sequence input, and reading a source file within them.

Every number here is our own engineering choice (no external source): each
is one to three orders of magnitude above what a real mission needs (the demo
mission is 2 KB, 50 lines, one level of blocks), and small enough that the
parser, checker and engine stay fast and shallow on hostile input.
docs/sequences.md ("Limits") lists them for users.

The same limits hold for text and for compiled binaries: ``check_tree``
re-validates a decoded tree, so a binary with a valid CRC cannot carry what
the text parser would have refused.
"""
from __future__ import annotations

import os

from common.files import FileReadError, read_regular_file

MAX_FILE_BYTES = 1 << 20          # one sequence file (text), 1 MiB
MAX_BINARY_BYTES = 8 << 20        # one compiled sequence; positions make it ~4x the text
MAX_LINE_CHARS = 1000             # one line
MAX_ARGS = 32                     # arguments of one command or call, parameters of one sequence
MAX_BLOCK_DEPTH = 16              # nested repeat/if
MAX_EXPR_DEPTH = 32               # nested parentheses / not in a condition
MAX_CALL_DEPTH = 16               # nested sub-sequence calls (call a -> call b -> ...)
MAX_INCLUDE_DEPTH = 16            # nested includes
MAX_INCLUDE_FILES = 64            # distinct files one sequence may include
MAX_STATEMENTS = 20_000           # statements in one sequence, all files together
MAX_EXECUTED = 1_000_000          # statements one run may execute (repeat counts multiply)
MAX_ERRORS_PER_FILE = 20          # errors shown per file; the rest are counted
MAX_NAME_CHARS = 64               # names of sequences, labels, parameters, arguments
SHOWN_LINE_CHARS = 100            # a long source line is shown truncated around the caret
MAX_MESSAGE_CHARS = 300           # one error message (it may quote a long token)

UTF8_BOM = b"\xef\xbb\xbf"


class SourceError(Exception):
    """A file that cannot be read as sequence text; line/col are 1-based, 0 = whole file."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset`` (universal newlines)."""
    head = data[:offset].decode("utf-8", errors="replace")
    head = head.replace("\r\n", "\n").replace("\r", "\n")
    line = head.count("\n") + 1
    col = len(head) - (head.rfind("\n") + 1) + 1
    return line, col


def decode_source(data: bytes) -> str:
    """Text of a sequence file; SourceError with line:col for a BOM or bad UTF-8."""
    if data.startswith(UTF8_BOM):
        raise SourceError(1, 1, "file starts with a UTF-8 byte-order mark (BOM); save it as "
                                "UTF-8 without a BOM")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SourceError(1, 1, "file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                "save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, col = _line_col(data, e.start)
        bad = data[e.start:e.start + 1].hex()
        raise SourceError(line, col, f"byte 0x{bad} is not valid UTF-8; sequence files must "
                                     f"be UTF-8 (re-save the file as UTF-8)") from None


def read_bytes(path: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a *regular* file of at most ``limit`` bytes.  Device files,
    FIFOs, sockets and directories are refused before anything is read (a FIFO
    would block, a device could be endless)."""
    try:
        return read_regular_file(path, limit)
    except FileReadError as e:
        raise SourceError(0, 0, str(e)) from None


def read_source(path: str) -> str:
    """Text of a sequence file within the limits (SourceError / FileNotFoundError)."""
    return decode_source(read_bytes(path))


def under_roots(path: str, roots) -> bool:
    """Is ``path`` (after resolving symlinks) inside one of the ``roots`` directories?"""
    real = os.path.realpath(path)
    for r in roots:
        root = os.path.realpath(r)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False
