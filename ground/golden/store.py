"""The stored golden vectors (tests/data/golden/NAME.in and NAME.out):
check a port against them, and regenerate them, reporting every change
before anything is written."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ground.golden.ports import REPO, Players
from ground.golden.records import Difference, RecordError, first_difference, input_records
from ground.golden.vectors import VECTORS, Vector

GOLDEN_DIR = REPO / "tests" / "data" / "golden"
# A vector's files stay small enough to review and to keep in git.
MAX_VECTOR_BYTES = 64 * 1024


class GoldenError(RuntimeError):
    """A vector that is missing, unreadable or not a valid trace."""


def vector(name: str) -> Vector:
    if name not in VECTORS:
        raise GoldenError(f"no golden vector {name!r} (known: {', '.join(VECTORS)})")
    return VECTORS[name]


def files(name: str, where: Path | None = None) -> tuple[Path, Path]:
    where = where or GOLDEN_DIR
    return where / f"{name}.in", where / f"{name}.out"


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise GoldenError(f"{path}: missing (make it with `rover golden regen --inputs --write`)")
    data = path.read_bytes()
    if len(data) > MAX_VECTOR_BYTES:
        raise GoldenError(f"{path}: {len(data)} bytes, over the {MAX_VECTOR_BYTES}-byte limit of a vector")
    return data


def load(name: str, where: Path | None = None) -> tuple[bytes, bytes]:
    """(input trace, expected output) of a stored vector."""
    vector(name)
    fin, fout = files(name, where)
    trace, expected = _read(fin), _read(fout)
    try:
        recs = list(input_records(trace))
    except RecordError as e:
        raise GoldenError(f"{fin}: {e}") from None
    if not recs or recs[-1][1] != b"Q":
        raise GoldenError(f"{fin}: the trace does not end with its end record 'Q'")
    return trace, expected


def stray_files(where: Path | None = None) -> list[Path]:
    """Files in the vector directory that belong to no vector."""
    where = where or GOLDEN_DIR
    known = {p.name for n in VECTORS for p in files(n, where)}
    return sorted(p for p in where.iterdir() if p.name not in known and p.name != "README.md")


def _shown(path: Path | None) -> str:
    if path is None:
        return "?"
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


@dataclass
class Result:
    name: str
    port: str
    diff: Difference | None
    error: str | None = None
    expected_file: Path | None = None

    @property
    def ok(self) -> bool:
        return self.diff is None and self.error is None

    def text(self) -> str:
        if self.error:
            return f"FAIL {self.name} on {self.port}: {self.error}"
        if self.diff:
            return f"FAIL {self.name} on {self.port} (expected {_shown(self.expected_file)}): {self.diff.text()}"
        return f"ok   {self.name} on {self.port}"


def check_one(players: Players, port: str, name: str, where: Path | None = None) -> Result:
    """Plays a stored vector on ``port``; compares with its stored output."""
    from ground.golden.ports import PlayError
    from sim_hw.trace_port import TraceError
    trace, expected = load(name, where)
    try:
        got = players.play(port, vector(name).role, trace)
    except (PlayError, TraceError) as e:
        return Result(name, port, None, str(e))
    return Result(name, port, first_difference(expected, got), None, files(name, where)[1])


@dataclass
class Change:
    name: str
    what: str                       # "unchanged", "new", "changed"
    input_changed: bool
    diff: Difference | None         # old output against the new one
    trace: bytes
    output: bytes

    def text(self) -> str:
        if self.what == "unchanged":
            return f"unchanged {self.name} ({len(self.trace)} B in, {len(self.output)} B out)"
        if self.what == "new":
            return f"new       {self.name} ({len(self.trace)} B in, {len(self.output)} B out)"
        parts = []
        if self.input_changed:
            parts.append("input changed")
        if self.diff:
            parts.append(f"output {self.diff.text()}")
        return f"changed   {self.name}: {'; '.join(parts)}"


class PortsDisagree(GoldenError):
    """Two ports gave different bytes for the same trace: nothing is written."""


def regenerate(players: Players, names, inputs: bool = False, ports=("host", "sim"),
               where: Path | None = None) -> list[Change]:
    """New outputs (and with ``inputs`` new inputs from the recipes) for the
    named vectors.  The first port's output is the reference; every other
    port in ``ports`` must give the same bytes, else PortsDisagree.  Nothing
    is written here (see write())."""
    changes = []
    for name in names:
        v = vector(name)
        fin, fout = files(name, where)
        old_in = fin.read_bytes() if fin.is_file() else None
        old_out = fout.read_bytes() if fout.is_file() else None
        trace = v.make() if inputs or old_in is None else old_in
        outs = {p: players.play(p, v.role, trace) for p in ports}
        ref = outs[ports[0]]
        for p in ports[1:]:
            d = first_difference(ref, outs[p])
            if d:
                raise PortsDisagree(f"{name}: {p} disagrees with {ports[0]}: {d.text()}; nothing written")
        for label, data in (("input", trace), ("output", ref)):
            if len(data) > MAX_VECTOR_BYTES:
                raise GoldenError(f"{name}: the new {label} is {len(data)} bytes, over the "
                                  f"{MAX_VECTOR_BYTES}-byte limit of a vector; shorten the recipe")
        if old_in is None or old_out is None:
            changes.append(Change(name, "new", True, None, trace, ref))
            continue
        d = first_difference(old_out, ref)
        same_in = old_in == trace
        changes.append(Change(name, "unchanged" if d is None and same_in else "changed",
                              not same_in, d, trace, ref))
    return changes


def write(changes, where: Path | None = None) -> list[str]:
    """Writes the new and changed vectors; returns their names."""
    where = where or GOLDEN_DIR
    where.mkdir(parents=True, exist_ok=True)
    written = []
    for c in changes:
        if c.what == "unchanged":
            continue
        fin, fout = files(c.name, where)
        fin.write_bytes(c.trace)
        fout.write_bytes(c.output)
        written.append(c.name)
    return written
