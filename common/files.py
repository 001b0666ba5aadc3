"""Reading a small input file (sequence, bench file, geometry) safely: only a
regular file is opened, never a FIFO (which would block), a device (which
could be endless) or a directory, and never more than a size limit."""
from __future__ import annotations

import os
import stat


class FileReadError(ValueError):
    """The file cannot be read as an input; the message says why."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path, limit: int) -> bytes:
    """The bytes of regular file ``path`` of at most ``limit`` bytes.
    FileNotFoundError if it does not exist, FileReadError for anything else."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise FileReadError(f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileReadError(f"is {_kind(st.st_mode)}; only regular files are read")
    if st.st_size > limit:
        raise FileReadError(f"file is {st.st_size} bytes; the limit is {limit} bytes")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise FileReadError(f"cannot read: {e.strerror or e}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):               # replaced since the stat
            raise FileReadError(f"is {_kind(mode)}; only regular files are read")
        chunks, total = [], 0
        while True:
            b = os.read(fd, 1 << 16)
            if not b:
                break
            total += len(b)
            if total > limit:
                raise FileReadError(f"file is larger than the limit of {limit} bytes")
            chunks.append(b)
    except OSError as e:
        raise FileReadError(f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)
