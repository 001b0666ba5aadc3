"""cffi (API mode, out-of-line) builder for the one private extension, common._native.

Run by setup.py at install time; nothing compiles at import time.  The C
declarations that Python may see are the regions of each header between the
markers ``/* cffi:begin */`` and ``/* cffi:end */``, so the headers stay the
single source of the API.  Headers are ordered by their local #include
dependencies so that struct types are declared before use.
"""
import os
import re
from pathlib import Path

from cffi import FFI

CSRC = Path(__file__).resolve().parent
# csrc/core: portable fixed-point loops for every target (host, AVR, ARM).
# csrc/link: the serial link protocol (framing, CRC, reliability), every target.
# csrc/plant + csrc/sim: simulator-only physics (float allowed), the simulator port
# and the board scheduler.
# csrc/firmware: the board firmware itself (not its host port), the same code as on a board.
SUBDIRS = ("core", "link", "plant", "firmware", "sim")

_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
_REGION = re.compile(r"/\*\s*cffi:begin\s*\*/(.*?)/\*\s*cffi:end\s*\*/", re.S)


def _headers():
    found = {}
    for sub in SUBDIRS:
        for h in sorted((CSRC / sub).glob("*.h")):
            found[f"{sub}/{h.name}"] = h
    return found


def _ordered(headers):
    """Topological order over local includes (#include "core/x.h" or "x.h")."""
    order, seen = [], set()

    def visit(key, stack=()):
        if key in seen:
            return
        if key in stack:
            raise RuntimeError(f"include cycle: {' -> '.join(stack + (key,))}")
        text = headers[key].read_text()
        sub = key.split("/")[0]
        for inc in _INCLUDE.findall(text):
            dep = inc if inc in headers else f"{sub}/{inc}"
            if dep in headers:
                visit(dep, stack + (key,))
        seen.add(key)
        order.append(key)

    for key in headers:
        visit(key)
    return order


def _cdef(headers, order):
    parts = []
    for key in order:
        for region in _REGION.findall(headers[key].read_text()):
            parts.append(f"/* {key} */\n{region}")
    return "\n".join(parts)


_headers_found = _headers()
_order = _ordered(_headers_found)

ffibuilder = FFI()
ffibuilder.cdef(_cdef(_headers_found, _order))

# setuptools wants source paths relative to the directory of setup.py.
_root = CSRC.parent
# csrc/firmware/trace/trace_play.c: the golden-vector interpreter, shared with the
# boards' trace port, played on the simulator port by csrc/sim/trace_sim.c.
EXTRA_SOURCES = ("firmware/trace/trace_play.c",)
_sources = [
    os.path.relpath(p, _root)
    for sub in SUBDIRS
    for p in sorted((CSRC / sub).glob("*.c"))
] + [os.path.relpath(CSRC / p, _root) for p in EXTRA_SOURCES]
# -ffp-contract=off: no fused multiply-add, so the plant's doubles round the
# same on every x86-64 and ARM host (golden vectors, same seed -> same run).
# -flto and -fvisibility=hidden: the firmware's per-edge and per-tick calls
# (fw_encoder_edge -> quad_update, wheel_loop_step) cross translation units;
# without them every one goes through the PLT and none can be inlined.  Only
# the module's init function is exported, which cffi marks visible itself.
# -O3 rather than -O2: about 7 % off the simulator's millisecond (docs/driving.md);
# no -march (the extension runs on any x86-64 / arm64 host) and no -ffast-math
# (it would change the plant's results).
_CFLAGS = ["-std=c99", "-O3", "-flto", "-fvisibility=hidden", "-fno-math-errno", "-ffp-contract=off"]
ffibuilder.set_source(
    "common._native",
    "\n".join(f'#include "{key}"' for key in _order),
    sources=_sources,
    include_dirs=[os.path.relpath(CSRC, _root), os.path.relpath(CSRC / "generated", _root),
                  os.path.relpath(CSRC / "firmware", _root)],
    extra_compile_args=_CFLAGS + ["-Wall", "-Wextra", "-Wno-unused-parameter"],
    # LTO happens at link time, so the code-generation flags go there too.
    extra_link_args=_CFLAGS,
    libraries=["m"],
)

if __name__ == "__main__":
    # Developer shortcut: build common/_native*.so in the source tree.
    ffibuilder.compile(tmpdir=str(_root), verbose=False)
