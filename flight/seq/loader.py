"""Loading a sequence file: parse, resolve includes, check, all errors at once.

Inputs are bounded (flight/seq/limits.py): a file is read only if it is a
regular file within the size limit, as UTF-8 without a BOM; an include opens
only files inside the mission's folder or a declared library directory; the
errors shown per file are capped, with a count of the rest.
"""
from __future__ import annotations

import os
from pathlib import Path

from common.dictionary import default_dictionary
from common.dictionary.model import Dictionary

from . import nodes as N
from .checker import check_ast
from .errors import SeqError, SequenceErrors, cap_errors
from .limits import (MAX_INCLUDE_DEPTH, MAX_INCLUDE_FILES, SourceError, read_source,
                     under_roots)
from .parser import Include, parse_text


class _Ctx:
    def __init__(self, roots):
        self.errors: list[SeqError] = []
        self.sources: dict[str, list[str]] = {}
        self.subs: list[N.SubSequence] = []
        self.loaded: set[str] = set()
        self.roots = list(roots)
        self.critical_of: dict[str, list] = {}     # file -> its 'critical' declarations


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
        if not under_roots(target, ctx.roots):
            err(f"included file '{s.path}' is outside the mission's folder and the library "
                f"paths; includes open only files there")
            continue
        if real not in ctx.loaded and len(ctx.loaded) > MAX_INCLUDE_FILES:
            err(f"more than {MAX_INCLUDE_FILES} included files")
            continue
        try:
            sub_text = read_source(target)
        except FileNotFoundError:
            err(f"included file '{s.path}' not found (looked for {target})")
            continue
        except SourceError as e:
            if e.line:
                ctx.errors.append(SeqError(target, e.line, e.col, e.message))
                err(f"included file '{s.path}' cannot be read (see the error at "
                    f"{os.path.basename(target)}:{e.line}:{e.col})")
            else:
                err(f"included file '{s.path}' {e.message}")
            continue
        inc_on_error, inc_body = _parse_file(ctx, target, sub_text, chain + [real])
        if inc_on_error is not None:
            p = inc_on_error
            src = ctx.sources[target]
            ctx.errors.append(SeqError(p.file, p.line, p.col,
                                       "'on error' directive in an included file has no effect; "
                                       "put it in the main file", src[p.line - 1] if p.line <= len(src) else ""))
        for _name, line, col in ctx.critical_of.get(target, ()):
            src = ctx.sources[target]
            ctx.errors.append(SeqError(target, line, col, "'critical' in an included file: the "
                                       "mission file itself must declare its critical commands",
                                       src[line - 1] if line <= len(src) else ""))
        body.extend(inc_body)
    ctx.critical_of[file] = pf.critical
    return pf.on_error, body


def parse_sequence(text: str, file: str = "<string>", dictionary: Dictionary | None = None,
                   name: str | None = None, library_paths=()) -> tuple[N.Sequence, list[SeqError]]:
    """Parse and check ``text``; returns the (possibly partial) AST and all errors
    (at most limits.MAX_ERRORS_PER_FILE per file, then a count).  Includes are
    resolved relative to the directory of ``file`` and must lie in that
    directory (or below it) or in one of ``library_paths``."""
    d = dictionary or default_dictionary()
    roots = [os.path.dirname(os.path.abspath(file)), *[str(p) for p in library_paths]]
    ctx = _Ctx(roots)
    real = os.path.realpath(file)
    on_error, body = _parse_file(ctx, file, text, [real])
    critical = tuple(dict.fromkeys(n for n, _l, _c in ctx.critical_of.get(file, ())))
    seq = N.Sequence(name=name or Path(file).stem, on_error=on_error, body=tuple(body),
                     subsequences=tuple(ctx.subs), dict_hash=d.hash, file=file,
                     critical=critical)
    errors = ctx.errors + check_ast(seq, d, ctx.sources,
                                    critical_decls={file: ctx.critical_of.get(file, ())})
    # de-duplicate (a parse error can be re-found by the checker) and order by position
    uniq = sorted(set(errors), key=lambda e: (e.file != file, e.file, e.line, e.col, e.message))
    return seq, cap_errors(uniq)


def _read_main(file: str) -> str:
    try:
        return read_source(file)
    except FileNotFoundError:
        raise SequenceErrors([SeqError(file, 0, 0, "file not found")]) from None
    except SourceError as e:
        raise SequenceErrors([SeqError(file, e.line, e.col, e.message)]) from None


def check_sequence(path: str | Path, dictionary: Dictionary | None = None,
                   library_paths=()) -> list[SeqError]:
    """Every error in the sequence file (empty list = valid)."""
    file = str(path)
    try:
        text = _read_main(file)
    except SequenceErrors as e:
        return e.errors
    return parse_sequence(text, file, dictionary, library_paths=library_paths)[1]


def load_sequence(path: str | Path, dictionary: Dictionary | None = None,
                  library_paths=()) -> N.Sequence:
    """The checked AST of a sequence file; raises SequenceErrors listing every error."""
    file = str(path)
    text = _read_main(file)
    seq, errors = parse_sequence(text, file, dictionary, library_paths=library_paths)
    if errors:
        raise SequenceErrors(errors)
    return seq
