"""Loading a sequence file: parse, resolve includes, check, all errors at once."""
from __future__ import annotations

import os
from pathlib import Path

from common.dictionary import default_dictionary
from common.dictionary.model import Dictionary

from . import nodes as N
from .checker import check_ast
from .errors import SeqError, SequenceErrors
from .parser import Include, parse_text

MAX_INCLUDE_DEPTH = 16


class _Ctx:
    def __init__(self):
        self.errors: list[SeqError] = []
        self.sources: dict[str, list[str]] = {}
        self.subs: list[N.SubSequence] = []
        self.loaded: set[str] = set()


def _read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def _parse_file(ctx: _Ctx, file: str, text: str, chain: list[str]):
    pf = parse_text(text, file)
    ctx.sources[file] = pf.lines
    ctx.errors.extend(pf.errors)
    key = os.path.realpath(file)
    first_time = key not in ctx.loaded
    ctx.loaded.add(key)
    if first_time:   # a library included twice contributes its definitions once
        ctx.subs.extend(pf.subsequences)
    body = []
    base = os.path.dirname(file)
    for s in pf.body:
        if not isinstance(s, Include):
            body.append(s)
            continue
        target = os.path.normpath(os.path.join(base, s.path))
        lines = pf.lines

        def err(msg):
            ctx.errors.append(SeqError(s.file, s.line, s.col, msg,
                                       lines[s.line - 1] if s.line <= len(lines) else ""))
        real = os.path.realpath(target)
        if real in chain:
            names = [os.path.basename(p) for p in chain[chain.index(real):]] + [os.path.basename(real)]
            err(f"include cycle: {' -> '.join(names)}")
            continue
        if len(chain) >= MAX_INCLUDE_DEPTH:
            err(f"includes nested more than {MAX_INCLUDE_DEPTH} deep")
            continue
        try:
            sub_text = _read(target)
        except FileNotFoundError:
            err(f"included file '{s.path}' not found (looked for {target})")
            continue
        except (OSError, UnicodeDecodeError) as e:
            err(f"cannot read included file '{s.path}': {e}")
            continue
        inc_on_error, inc_body = _parse_file(ctx, target, sub_text, chain + [real])
        if inc_on_error is not None:
            p = inc_on_error
            src = ctx.sources[target]
            ctx.errors.append(SeqError(p.file, p.line, p.col,
                                       "'on error' directive in an included file has no effect; "
                                       "put it in the main file", src[p.line - 1] if p.line <= len(src) else ""))
        body.extend(inc_body)
    return pf.on_error, body


def parse_sequence(text: str, file: str = "<string>", dictionary: Dictionary | None = None,
                   name: str | None = None) -> tuple[N.Sequence, list[SeqError]]:
    """Parse and check ``text``; returns the (possibly partial) AST and all errors.
    Includes are resolved relative to the directory of ``file``."""
    d = dictionary or default_dictionary()
    ctx = _Ctx()
    real = os.path.realpath(file)
    on_error, body = _parse_file(ctx, file, text, [real])
    seq = N.Sequence(name=name or Path(file).stem, on_error=on_error, body=tuple(body),
                     subsequences=tuple(ctx.subs), dict_hash=d.hash, file=file)
    errors = ctx.errors + check_ast(seq, d, ctx.sources)
    # de-duplicate (a parse error can be re-found by the checker) and order by position
    uniq = sorted(set(errors), key=lambda e: (e.file != file, e.file, e.line, e.col, e.message))
    return seq, uniq


def check_sequence(path: str | Path, dictionary: Dictionary | None = None) -> list[SeqError]:
    """Every error in the sequence file (empty list = valid)."""
    file = str(path)
    try:
        text = _read(file)
    except FileNotFoundError:
        return [SeqError(file, 0, 0, "file not found")]
    except (OSError, UnicodeDecodeError) as e:
        return [SeqError(file, 0, 0, f"cannot read: {e}")]
    return parse_sequence(text, file, dictionary)[1]


def load_sequence(path: str | Path, dictionary: Dictionary | None = None) -> N.Sequence:
    """The checked AST of a sequence file; raises SequenceErrors listing every error."""
    file = str(path)
    try:
        text = _read(file)
    except FileNotFoundError:
        raise SequenceErrors([SeqError(file, 0, 0, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SequenceErrors([SeqError(file, 0, 0, f"cannot read: {e}")]) from None
    seq, errors = parse_sequence(text, file, dictionary)
    if errors:
        raise SequenceErrors(errors)
    return seq
