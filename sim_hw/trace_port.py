"""The board firmware on the simulator port in recorded mode: the firmware
exactly as linked into the simulator's extension (csrc/sim/port_sim.c,
csrc/sim/trace_sim.c), fed a trace (csrc/firmware/trace/trace.h) instead of
the plant.  The golden vectors (docs/golden_vectors.md) compare its output
bytes with the boards'."""
from __future__ import annotations



def _roles() -> dict[str, int]:
    """Board name -> role number, from the dictionary's [[board]] table."""
    from common.dictionary import default_dictionary
    return {name: b.role for name, b in default_dictionary().boards.items()}


def missing() -> str | None:
    """Why the simulator port cannot play here (extension not built), or None."""
    from sim_hw.simulator import native
    try:
        native()
    except ImportError as e:
        return str(e)
    return None


class TraceError(ValueError):
    """A trace the player cannot play (unknown role, a record cut short)."""


class SimTracePlayer:
    """One board powered up on the simulator port; ``feed`` plays whole
    records and returns the output records they produced."""

    def __init__(self, role: str):
        roles = _roles()
        if role not in roles:
            raise TraceError(f"unknown board role {role!r} (one of {', '.join(roles)})")
        from sim_hw.simulator import native
        self._ffi, self._lib = native()
        self._mem = self._ffi.new("char[]", self._lib.sim_trace_size())
        self._t = self._ffi.cast("struct sim_trace *", self._mem)
        if self._lib.sim_trace_init(self._t, roles[role]) != 0:
            raise TraceError(f"the simulator port refused role {role!r}")
        self._cap = max(1 << 16, 2 * self._lib.SIM_TRACE_RECORD_MAX_OUT)
        self._out = self._ffi.new("uint8_t[]", self._cap)
        self._n = self._ffi.new("uint32_t *")
        self._status = self._ffi.new("int *")
        self.ended = False

    def feed(self, records: bytes) -> bytes:
        """Plays ``records`` (whole records); returns the outputs."""
        if self.ended:
            raise TraceError("the trace has already ended (its 'Q' record was played)")
        data = bytes(records)
        out = bytearray()
        pos = 0
        while pos < len(data) and not self.ended:
            chunk = data[pos:]
            used = self._lib.sim_trace_feed(self._t, chunk, len(chunk), self._out, self._cap,
                                            self._n, self._status)
            out += self._ffi.buffer(self._out, self._n[0])
            pos += used
            if self._status[0] == 1:
                self.ended = True
            elif self._status[0] < 0:
                raise TraceError(f"the trace ends inside a record at input byte {pos}")
        return bytes(out)


def play(role: str, trace: bytes) -> bytes:
    """The whole output of ``trace`` on the simulator port."""
    return SimTracePlayer(role).feed(trace)
