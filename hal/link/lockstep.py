"""The host end of a lockstepped emulated board's control socket.

An emulated board started with ``--lockstep SOCKET`` (``rover-fw-host``;
docs/firmware.md 4) is halted until a host grants it time: "run until your
clock reads T".  The socket is out of band of the serial line (a real board
has no such thing; it is the emulator's, like a debugger halting a CPU).
docs/hil.md section 4.1 specifies the messages; this module speaks them:

    24 bytes, little-endian
    off size field
     0   1   type      RUN 0x01 (host->board); HELLO 0x81, REACHED 0x82 (board->host)
     1   1   version   1
     2   2   flags     RUN: bit 0 stop after a 0x00 byte left the line;
                       REACHED: bit 0 it stopped there, before the target
     4   4   seq       RUN: any; REACHED echoes it; HELLO: 0
     8   8   t_us      RUN: board time to run to; HELLO/REACHED: board time now
    16   4   rx_total  RUN: bytes the host has written to the line in total
                       (counted on from HELLO's rx_total); HELLO/REACHED:
                       bytes the board has received
    20   4   tx_total  HELLO/REACHED: bytes the board has sent; RUN: 0

The only wall-clock reads here are timeouts that detect a board process that
died or hangs; they never decide what happens in board time.
"""
from __future__ import annotations

import errno
import os
import select
import socket
import struct
from dataclasses import dataclass

from hal.errors import HalError

MSG = struct.Struct("<BBHIQII")
VERSION = 1
T_RUN = 0x01
T_HELLO = 0x81
T_REACHED = 0x82
F_STOP_ON_FRAME_END = 0x0001
WALL_TIMEOUT_S = 30.0          # a board that answers nothing this long is hung
SUN_PATH_MAX = 107             # bytes of a UNIX socket path (sun_path is 108 with the NUL)


class LockstepError(HalError):
    """A lockstep control socket cannot be used; the message names board and socket."""


@dataclass(frozen=True)
class BoardState:
    """A HELLO or REACHED: where the board is."""
    t_us: int
    rx_total: int
    tx_total: int
    stopped_on_frame_end: bool = False


def pack(mtype: int, *, flags: int = 0, seq: int = 0, t_us: int = 0, rx_total: int = 0,
         tx_total: int = 0, version: int = VERSION) -> bytes:
    return MSG.pack(mtype, version, flags, seq & 0xFFFFFFFF, t_us, rx_total & 0xFFFFFFFF,
                    tx_total & 0xFFFFFFFF)


def unpack(data: bytes) -> tuple[int, int, int, int, int, int, int]:
    """(type, version, flags, seq, t_us, rx_total, tx_total)"""
    return MSG.unpack(data)


def check_socket_path(path: str, who: str) -> None:
    n = len(os.fsencode(path))
    if n > SUN_PATH_MAX:
        raise LockstepError(f"{who}: lockstep control socket path {path} is too long ({n} bytes; "
                            f"a UNIX socket path holds at most {SUN_PATH_MAX})")


class BoardControl:
    """One board's control connection: :meth:`connect` (reads HELLO), then
    :meth:`run` as often as wanted.  ``gone`` holds the reason once the board
    stopped answering (process exited, or hung past ``wall_timeout_s``)."""

    def __init__(self, path: str, role: str, wall_timeout_s: float = WALL_TIMEOUT_S):
        self.path, self.role = str(path), role
        self.wall_timeout_s = wall_timeout_s
        self._sock: socket.socket | None = None
        self._seq = 0
        self.gone: str | None = None
        self.grants = 0
        self._hung_inode = None            # the socket of a board that hung: not tried again

    @property
    def who(self) -> str:
        return f"{self.role} board"

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def connect(self, required: bool = False) -> BoardState | None:
        """Connect and read the board's HELLO.  None when nobody listens at the
        path (the board is not running); with ``required`` that is an error
        saying so.  Errors that retrying cannot fix always raise."""
        check_socket_path(self.path, self.who)
        if self._hung_inode is not None and _inode(self.path) == self._hung_inode:
            return None                    # the same hung process; a restarted board makes a new one
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(self.path)
        except (FileNotFoundError, ConnectionRefusedError) as e:
            s.close()
            if not required:
                return None
            why = ("does not exist" if isinstance(e, FileNotFoundError)
                   else "refuses connections (the board process is gone)")
            raise LockstepError(f"{self.who}: lockstep control socket {self.path} {why}; is the "
                                f"board running with --lockstep {self.path}?") from None
        except OSError as e:
            s.close()
            if not required and e.errno in (errno.ENOTSOCK, errno.ECONNREFUSED, errno.ENOENT):
                return None
            raise LockstepError(f"{self.who}: lockstep control socket {self.path}: {e.strerror}") \
                from None
        self._sock = s
        self.gone = None
        try:
            mtype, version, _f, _seq, t_us, rx, tx = self._recv()
        except LockstepError as e:
            self._note_hang()
            self.close()
            raise LockstepError(f"{e} (another host may be driving this board: one host at a "
                                f"time)") from None
        if version != VERSION or mtype != T_HELLO:
            self.close()
            raise LockstepError(f"{self.who}: lockstep control socket {self.path} greets with type "
                                f"0x{mtype:02X} version {version}; this host speaks HELLO 0x{T_HELLO:02X} "
                                f"version {VERSION}")
        return BoardState(t_us, rx, tx)

    def run(self, target_us: int, rx_total: int, stop_on_frame_end: bool) -> BoardState | None:
        """Grant time up to board time target_us; None (and ``gone`` set) when
        the board stopped answering."""
        if self._sock is None:
            return None
        self._seq = (self._seq + 1) & 0xFFFFFFFF
        msg = pack(T_RUN, flags=F_STOP_ON_FRAME_END if stop_on_frame_end else 0, seq=self._seq,
                   t_us=max(0, int(target_us)), rx_total=rx_total)
        try:
            self._sock.sendall(msg)
            mtype, version, flags, seq, t_us, rx, tx = self._recv()
        except LockstepError as e:
            self.gone = str(e)
            self._note_hang()
            self.close()
            return None
        except (BrokenPipeError, ConnectionResetError):
            self.gone = (f"{self.who}: lockstep control socket {self.path} closed (the board "
                         f"process exited)")
            self.close()
            return None
        except OSError as e:
            self.gone = f"{self.who}: lockstep control socket {self.path}: {e.strerror or e}"
            self.close()
            return None
        if mtype != T_REACHED or seq != self._seq:
            self.gone = (f"{self.who}: lockstep answer type 0x{mtype:02X} seq {seq} to RUN seq "
                         f"{self._seq} (expected REACHED 0x{T_REACHED:02X})")
            self.close()
            return None
        self.grants += 1
        return BoardState(t_us, rx, tx, bool(flags & F_STOP_ON_FRAME_END))

    def _note_hang(self) -> None:
        if self.gone is None or "hung" in self.gone:
            self._hung_inode = _inode(self.path)

    def _recv(self) -> tuple:
        buf = b""
        sock = self._sock
        while len(buf) < MSG.size:
            r, _, _ = select.select([sock], [], [], self.wall_timeout_s)
            if not r:
                raise LockstepError(f"{self.who}: no lockstep answer on {self.path} within "
                                    f"{self.wall_timeout_s:g} s of wall time (board process hung?)")
            try:
                chunk = sock.recv(MSG.size - len(buf))
            except OSError as e:
                raise LockstepError(f"{self.who}: lockstep control socket {self.path}: "
                                    f"{e.strerror or e}") from None
            if not chunk:
                raise LockstepError(f"{self.who}: lockstep control socket {self.path} closed "
                                    f"(the board process exited)")
            buf += chunk
        return unpack(buf)

    def close(self) -> None:
        s, self._sock = self._sock, None
        if s is not None:
            try:
                s.close()
            except OSError:
                pass


def _inode(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)
