"""Reading a user's design file (outline or G-code) as text, with the checks
both formats share: a regular file (never a FIFO or a device that would
block or never end), at most ``limit_bytes``, UTF-8."""
from __future__ import annotations

from pathlib import Path

from common.files import FileReadError, read_regular_file
from flight.printer.designs import DesignError


def read_design_text(path: Path, limit_bytes: int) -> str:
    try:
        raw = read_regular_file(path, limit_bytes)
    except FileNotFoundError:
        raise DesignError(f"{path}: cannot read: no such file") from None
    except FileReadError as e:
        raise DesignError(f"{path}: {e}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DesignError(f"{path}: not UTF-8 text (byte {e.start})") from None
