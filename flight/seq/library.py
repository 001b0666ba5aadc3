"""Where stored sequences come from: a mission's own sub-sequences, then
``<name>.seq`` files in the search directories (the mission's folder, the
built-in fault responses).  Loaded sequences are cached per name."""
from __future__ import annotations

from pathlib import Path

from . import nodes as N
from .binary import SeqBinaryError, load_binary
from .checker import STORED_NAME_RE
from .errors import SeqError, SequenceErrors
from .limits import MAX_BINARY_BYTES, SourceError, read_bytes, under_roots
from .loader import load_sequence

BINARY_MAGIC = b"RSEQ"


def load_any(path: str | Path, dictionary, library_paths=()) -> N.Sequence:
    """A text sequence (checked) or a compiled binary (header and CRC verified).
    Only a regular file is opened (never a FIFO or a device)."""
    p = Path(path)
    try:
        data = read_bytes(str(p), MAX_BINARY_BYTES)
    except FileNotFoundError:
        raise FileNotFoundError(f"sequence file not found: {p}") from None
    except SourceError as e:
        raise SequenceErrors([SeqError(str(p), 0, 0, e.message)]) from None
    if data[:4] == BINARY_MAGIC:
        try:
            return load_binary(data, dictionary)
        except SeqBinaryError as e:
            raise SeqBinaryError(f"{p}: {e}") from None
    return load_sequence(p, dictionary, library_paths=library_paths)


def as_sequence(parent: N.Sequence, sub: N.SubSequence) -> N.Sequence:
    """Run a sub-sequence of ``parent`` as a top-level sequence."""
    return N.Sequence(sub.name, sub.on_error, sub.body, parent.subsequences, parent.dict_hash,
                      sub.file, sub.line, sub.col)


class SequenceLibrary:
    def __init__(self, dictionary, search_dirs=(), parent: N.Sequence | None = None):
        self.dictionary = dictionary
        self.search_dirs = [Path(d) for d in search_dirs if d is not None]
        self.parent = parent
        self._cache: dict[str, N.Sequence] = {}

    def get(self, name: str, parent: N.Sequence | None = None) -> N.Sequence:
        """``parent``: the sequence asking (its sub-sequences come first)."""
        for owner in (parent, self.parent):
            if owner is None:
                continue
            sub = owner.subsequence(name)
            if sub is not None:
                if any(p.default is None for p in sub.params):
                    raise KeyError(f"sequence {name!r} needs arguments and cannot be started "
                                   f"from a slot")
                return as_sequence(owner, sub)
        if name in self._cache:
            return self._cache[name]
        if not STORED_NAME_RE.match(name):
            raise KeyError(f"stored sequence name {name!r} must be letters, digits and '_'")
        seq = None
        for d in self.search_dirs:
            for ext in (".seq", ".rseq"):
                p = d / f"{name}{ext}"
                if p.exists() and under_roots(str(p), [d]):
                    try:
                        seq = load_any(p, self.dictionary)
                    except (SequenceErrors, SeqBinaryError) as e:
                        first = str(e).splitlines()[1] if len(str(e).splitlines()) > 1 else str(e)
                        raise KeyError(f"stored sequence {p.name} is not valid: {first}") from None
                    break
            if seq is not None:
                break
        if seq is None:
            where = ", ".join(str(d) for d in self.search_dirs) or "no directories"
            raise KeyError(f"no stored sequence {name!r} (looked in the mission and {where})")
        self._cache[name] = seq
        return seq
