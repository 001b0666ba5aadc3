"""Everything the dictionary owns comes from it: no literal elsewhere repeats
a dictionary value.  These scans catch the obvious repeats (a second table of
board roles, status codes, fault bits, severities, limits, the always-allowed
set, an event emitted with its own severity or text); they read the sources
as text, so they fail on the line that reintroduces one."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from common.dictionary import default_dictionary

ROOT = Path(__file__).resolve().parents[1]
D = default_dictionary()
PY_PACKAGES = ("common", "flight", "hal", "ground", "sim_hw")


def _py_files():
    for pkg in PY_PACKAGES:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            if f.parent != ROOT / "common" / "dictionary":    # the dictionary's own model
                yield f


def _c_files():
    fw = ROOT / "csrc" / "firmware"
    return sorted(list(fw.rglob("*.c")) + list(fw.rglob("*.h")))


def _hits(files, pattern, flags=0):
    rx = re.compile(pattern, flags)
    out = []
    for f in files:
        for i, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if rx.search(line):
                out.append(f"{f.relative_to(ROOT)}:{i}: {line.strip()}")
    return out


def _quoted(names):
    return "|".join(re.escape(n) for n in names)


BOARDS = _quoted(D.boards)
SEVERITIES = _quoted(D.severities)
OWNED_NAME = (r"^\s*(?:[A-Z0-9]+_)*(?:"
              rf"CMD_(?:{_quoted(D.cmd_statuses)})|FAULT_(?:{_quoted(D.fault_flags)})|ROLES?|"
              r"SEVERIT\w*|HEATER_MAX\w*|MAX_TARGET\w*|HAZARD_TILT\w*|\w*DEADLINE\w*"
              r")\s*(?::[^=]*)?=\s*[-\d({\[\"']")


@pytest.mark.parametrize("what, pattern", [
    # a second table of board roles or board names
    ("board role table", rf"[\"']({BOARDS})[\"']\s*:\s*\d"),
    ("board name tuple", rf"[(\[]\s*[\"']({BOARDS})[\"']\s*,\s*[\"']({BOARDS})[\"']\s*[)\],]"),
    # a second list of severities
    ("severity list", rf"[(\[{{]\s*[\"']({SEVERITIES})[\"']\s*,\s*[\"']({SEVERITIES})[\"']"),
    # the always-allowed commands as a set of names
    ("always-allowed set", r"(frozen)?set\(\{\s*\"[A-Z_]+\"\s*,.*\"STOP\"|\{\s*\"STOP\"\s*,\s*\"[A-Z_]+\""),
    # a constant named for something the dictionary owns
    ("owned constant", OWNED_NAME),
])
def test_python_repeats_no_dictionary_value(what, pattern):
    hits = _hits(_py_files(), pattern)
    assert not hits, f"{what} outside the dictionary:\n" + "\n".join(hits)


def test_no_event_is_emitted_with_its_own_severity_or_text():
    bad = []
    for f in _py_files():
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                    and n.func.attr == "emit" and (len(n.args) > 1 or any(
                        k.arg in ("severity", "message") for k in n.keywords))):
                bad.append(f"{f.relative_to(ROOT)}:{n.lineno}")
    assert not bad, "emit() with a severity or text of its own (the dictionary's event " \
                    "declaration gives both):\n" + "\n".join(bad)


def test_firmware_repeats_no_dictionary_value():
    # status codes, fault bits, roles and deadlines are ROVER_* macros of the
    # generated header; a #define of one with a number is a second copy
    defines = _hits(_c_files(), r"^\s*#define\s+(?!\w*EVENT)\w*(CMD_|FAULT_|ROLE_|DEADLINE|HB_TIMEOUT|"
                                r"HEATER_MAX|MAX_TARGET)\w*\s+\(?-?(0x[0-9A-Fa-f]+|\d+)")
    assert not defines, "firmware constants the dictionary owns:\n" + "\n".join(defines)
    # the heater limits as bare numbers (deci-C)
    values = {str(int(round(h.max_target_c * 10))) for h in D.heaters.values()}
    bare = _hits(_c_files(), rf"(?<![\w.])({'|'.join(sorted(values))})u?L?(?![\w.])")
    assert not bare, "dictionary limits typed as numbers in the firmware:\n" + "\n".join(bare)


def test_the_scans_see_a_repeat():
    """The patterns above are not vacuous: each finds the kind of line it is for."""
    samples = {
        "ROLES = {\"mobility\": 1, \"payload\": 2}": rf"[\"']({BOARDS})[\"']\s*:\s*\d",
        "boards=(\"mobility\", \"payload\")":
            rf"[(\[]\s*[\"']({BOARDS})[\"']\s*,\s*[\"']({BOARDS})[\"']\s*[)\],]",
        "SEVERITIES = (\"DIAG\", \"INFO\", \"WARN\")":
            rf"[(\[{{]\s*[\"']({SEVERITIES})[\"']\s*,\s*[\"']({SEVERITIES})[\"']",
        "SAFE_ALWAYS = frozenset({\"STOP\", \"SET_MODE\"})":
            r"(frozen)?set\(\{\s*\"[A-Z_]+\"\s*,.*\"STOP\"|\{\s*\"STOP\"\s*,\s*\"[A-Z_]+\"",
        "DEFAULT_HAZARD_TILT_DEG = 20.0": OWNED_NAME,
        "CMD_ARG_RANGE = 3": OWNED_NAME,
        "FAULT_HEARTBEAT_LOST = 1 << 0": OWNED_NAME,
        "SEVERITY_COLORS = {}": OWNED_NAME,
    }
    assert not re.search(OWNED_NAME, "DEFAULT_MAX_SPEED_MPS = 0.20")
    assert not re.search(OWNED_NAME, "HEATER_FAULT_OVERTEMP = 1")
    for line, pattern in samples.items():
        assert re.search(pattern, line), (line, pattern)
