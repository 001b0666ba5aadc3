"""Semantic checks of a parsed sequence against the dictionary.

Runs on the AST (not the text), so the same checks protect both a source
file and a compiled binary.  Every problem is collected; nothing stops at
the first error.
"""
from __future__ import annotations

from common.dictionary import units as U
from common.dictionary.model import ArgumentError, Dictionary, INT_RANGES, suggest

from . import nodes as N
from .conditions import check_condition
from .errors import SeqError
from .resolve import BindError, convert_arg, describe, to_param

MAX_REPEAT = 1000


def _children(s):
    if isinstance(s, N.Repeat):
        return s.body
    if isinstance(s, N.If):
        return s.then_body + s.else_body
    return ()


class _Checker:
    def __init__(self, seq: N.Sequence, d: Dictionary, sources: dict[str, list[str]] | None):
        self.seq, self.d, self.sources = seq, d, sources or {}
        self.errors: list[SeqError] = []
        self.subs: dict[str, N.SubSequence] = {}
        # sub-sequence name -> [(param name, ArgDef, Command node)]
        self.usages: dict[str, list] = {}
        self.pending_calls: list = []

    def err(self, node, msg, col=None):
        lines = self.sources.get(node.file, [])
        src = lines[node.line - 1] if 0 < node.line <= len(lines) else ""
        self.errors.append(SeqError(node.file, node.line, col or node.col, msg, src))

    # ------------------------------------------------------------ driver
    def run(self) -> list[SeqError]:
        for sub in self.seq.subsequences:
            if sub.name in self.subs:
                first = self.subs[sub.name]
                self.err(sub, f"sequence '{sub.name}' is already defined at "
                              f"{first.file}:{first.line}")
                continue
            self.subs[sub.name] = sub
        # first pass: bodies (collects param usages for the call-site checks)
        for sub in self.subs.values():
            params = {}
            for p in sub.params:
                if p.name in params:
                    self.err(p, f"parameter '{p.name}' declared twice")
                params[p.name] = p
            self.check_scope(sub.body, sub.on_error, params, sub.name)
        self.check_scope(self.seq.body, self.seq.on_error, None, None)
        for call, params in self.pending_calls:
            self.check_call(call, params)
        # defaults must fit the parameter and every place it is used
        for sub in self.subs.values():
            for p in sub.params:
                if p.default is not None:
                    self.check_binding(sub, p, p.default, p.default)
        self.check_recursion()
        self.errors.sort(key=lambda e: (e.file, e.line, e.col))
        return self.errors

    # ------------------------------------------------------------ scopes
    def check_scope(self, body, policy, params, sub_name):
        labels: dict[str, tuple[int, N.Label]] = {}
        for i, s in enumerate(body):
            if isinstance(s, N.Label):
                if s.name in labels:
                    prev = labels[s.name][1]
                    self.err(s, f"label '{s.name}' already defined at line {prev.line}")
                else:
                    labels[s.name] = (i, s)
        for i, s in enumerate(body):
            for inner in _walk(s):
                if inner is not s and isinstance(inner, N.Label):
                    self.err(inner, f"label '{inner.name}' must be at the top level of a sequence, "
                                    f"not inside repeat/if")
        if policy is not None:
            self.check_policy(policy, labels, None)
        last_abs = [None]
        for i, s in enumerate(body):
            self.check_stmt(s, i, labels, params, sub_name, False, last_abs)

    def check_policy(self, pol: N.Policy, labels, index):
        if pol.kind == "goto":
            if pol.target not in labels:
                self.err(pol, self._no_label(pol.target, labels))
            elif index is not None and labels[pol.target][0] <= index:
                self.err(pol, f"'on error goto {pol.target}' jumps backwards; error handlers "
                              f"must jump forward so a failure cannot loop")
        elif pol.kind == "call":
            sub = self.subs.get(pol.target)
            if sub is None:
                self.err(pol, self._no_sub(pol.target))
            else:
                req = [p.name for p in sub.params if p.default is None]
                if req:
                    self.err(pol, f"error handler '{pol.target}' needs parameter(s) "
                                  f"{', '.join(req)}; handlers are called without arguments")

    def _no_label(self, name, labels):
        s = suggest(name, labels)
        return f"goto unknown label '{name}'" + (f"; did you mean {' or '.join(s)}?" if s else "")

    def _no_sub(self, name):
        s = suggest(name, self.subs)
        return f"call of unknown sequence '{name}'" + (f"; did you mean {' or '.join(s)}?" if s else "")

    # ------------------------------------------------------------ statements
    def check_stmt(self, s, top_index, labels, params, sub_name, in_repeat, last_abs):
        tag = getattr(s, "time_tag", None)
        if tag is not None and tag.kind == "A":
            if sub_name is not None:
                self.err(tag, "absolute time tag (A@) inside a 'sequence' block; use R+ "
                              "(a sub-sequence may run at any time)")
            elif in_repeat:
                self.err(tag, "absolute time tag (A@) inside 'repeat' would repeat the same "
                              "time; use R+")
            else:
                if last_abs[0] is not None and tag.ms < last_abs[0].ms:
                    self.err(tag, f"absolute time tag {_hms(tag.ms)} is earlier than the one at "
                                  f"line {last_abs[0].line} ({_hms(last_abs[0].ms)})")
                last_abs[0] = tag
        pol = getattr(s, "on_error", None)
        if pol is not None:
            self.check_policy(pol, labels, top_index)
        if isinstance(s, N.Command):
            self.check_command(s, params, sub_name)
        elif isinstance(s, (N.WaitUntil, N.Check, N.If)):
            for node, msg in check_condition(s.cond, self.d, params):
                self.err(node, msg)
            if isinstance(s, N.WaitUntil):
                if s.timeout_ms <= 0:
                    self.err(s, "'wait until' timeout must be greater than 0")
                elif s.for_ms > s.timeout_ms:
                    self.err(s, f"persistence 'for {_dur(s.for_ms)}' is longer than 'timeout "
                                f"{_dur(s.timeout_ms)}': the wait could never succeed")
        elif isinstance(s, N.Call):
            # after every body is checked, so all parameter usages are known
            self.pending_calls.append((s, params))
        elif isinstance(s, N.Goto):
            if s.label not in labels:
                self.err(s, self._no_label(s.label, labels))
            elif labels[s.label][0] <= top_index:
                self.err(s, f"goto '{s.label}' jumps backwards (to line "
                            f"{labels[s.label][1].line}); loops must use 'repeat N' so they "
                            f"are bounded")
        elif isinstance(s, N.Repeat):
            if not 1 <= s.count <= MAX_REPEAT:
                self.err(s, f"repeat count must be 1..{MAX_REPEAT}, got {s.count}")
        for c in _children(s):
            self.check_stmt(c, top_index, labels, params, sub_name,
                            in_repeat or isinstance(s, N.Repeat), last_abs)

    def check_command(self, s: N.Command, params, sub_name):
        cdef = self.d.commands.get(s.name)
        if cdef is None and s.name in getattr(self.d, "board_commands", {}):
            bdef = self.d.board_commands[s.name]
            self.err(s, f"board-level command '{s.name}' (board {bdef.board}) cannot be used "
                        f"in a sequence; the HAL sends it to the board")
            return
        if cdef is None:
            sug = suggest(s.name, self.d.commands)
            self.err(s, f"unknown command '{s.name}'" +
                     (f"; did you mean {' or '.join(sug)}?" if sug else ""))
            return
        seen = set()
        for a in s.args:
            if a.name in seen:
                self.err(a, f"argument '{a.name}' given twice")
                continue
            seen.add(a.name)
            adef = cdef.arg(a.name)
            if adef is None:
                names = [x.name for x in cdef.args]
                sug = suggest(a.name, names)
                self.err(a, f"{s.name} has no argument '{a.name}'" +
                         (f"; did you mean {' or '.join(sug)}?" if sug else
                          f" (arguments: {', '.join(names) or 'none'})"))
                continue
            v = a.value
            if isinstance(v, N.ParamRef):
                p = (params or {}).get(v.name)
                if p is None:
                    self.err(v, f"unknown parameter ${v.name}" + (
                        "" if params is not None else
                        " (parameters exist only inside 'sequence' blocks)"))
                    continue
                msg = _param_fits_arg(p, adef)
                if msg:
                    self.err(v, f"{s.name}.{a.name}: {msg}")
                else:
                    self.usages.setdefault(sub_name, []).append((p.name, adef, s, a))
                continue
            try:
                convert_arg(adef, v)
            except ArgumentError as e:
                self.err(v, f"{s.name}: {e}")
        missing = [x.name for x in cdef.args if x.name not in seen]
        if missing:
            self.err(s, f"{s.name} is missing argument(s) {', '.join(missing)}")

    def check_call(self, s: N.Call, params):
        sub = self.subs.get(s.name)
        if sub is None:
            self.err(s, self._no_sub(s.name))
            return
        pdefs = {p.name: p for p in sub.params}
        seen = set()
        for a in s.args:
            if a.name in seen:
                self.err(a, f"argument '{a.name}' given twice")
                continue
            seen.add(a.name)
            p = pdefs.get(a.name)
            if p is None:
                sug = suggest(a.name, pdefs)
                self.err(a, f"sequence '{s.name}' has no parameter '{a.name}'" +
                         (f"; did you mean {' or '.join(sug)}?" if sug else
                          f" (parameters: {', '.join(pdefs) or 'none'})"))
                continue
            if isinstance(a.value, N.ParamRef):
                outer = (params or {}).get(a.value.name)
                if outer is None:
                    self.err(a.value, f"unknown parameter ${a.value.name}")
                elif _ptype_kind(outer) != _ptype_kind(p) or not _units_compatible(outer.unit, p.unit):
                    self.err(a.value, f"${outer.name} ({_pdesc(outer)}) does not fit parameter "
                                      f"'{p.name}' ({_pdesc(p)})")
                continue
            self.check_binding(sub, p, a.value, a)
        missing = [p.name for p in sub.params if p.default is None and p.name not in seen]
        if missing:
            self.err(s, f"call of '{s.name}' is missing parameter(s) {', '.join(missing)}")

    def check_binding(self, sub, p, value, where):
        try:
            bound = to_param(p, value)
        except BindError as e:
            self.err(where, str(e))
            return
        for pname, adef, cmd, arg in self.usages.get(sub.name, ()):
            if pname != p.name:
                continue
            try:
                convert_arg(adef, bound)
            except ArgumentError as e:
                self.err(where, f"{p.name}={describe(value)} does not fit {cmd.name}.{adef.name} "
                                f"(used at {cmd.file}:{cmd.line}): {e}")

    # ------------------------------------------------------------ recursion
    def check_recursion(self):
        edges: dict[str, list] = {}
        for sub in self.subs.values():
            calls = []
            if sub.on_error and sub.on_error.kind == "call":
                calls.append(sub.on_error)
            for s in sub.body:
                for inner in _walk(s):
                    if isinstance(inner, N.Call):
                        calls.append(inner)
                    pol = getattr(inner, "on_error", None)
                    if pol is not None and pol.kind == "call":
                        calls.append(pol)
            edges[sub.name] = calls
        reported = set()
        state: dict[str, int] = {}

        def visit(name, path):
            state[name] = 1
            for node in edges.get(name, ()):
                tgt = node.name if isinstance(node, N.Call) else node.target
                if tgt not in edges:
                    continue
                if state.get(tgt) == 1:
                    cyc = path[path.index(tgt):] + [tgt]
                    key = frozenset(cyc)
                    if key not in reported:
                        reported.add(key)
                        self.err(node, f"recursive call {' -> '.join(cyc)}: sequences must not "
                                       f"call themselves (use 'repeat N' for bounded loops)")
                elif state.get(tgt) is None:
                    visit(tgt, path + [tgt])
            state[name] = 2

        for name in edges:
            if state.get(name) is None:
                visit(name, [name])


def _walk(s):
    yield s
    for c in _children(s):
        yield from _walk(c)


def _ptype_kind(p):
    return "num" if p.type in ("int", "float") else p.type


def _pdesc(p):
    return f"{p.type} {p.unit}" if p.unit else p.type


def _units_compatible(a, b):
    if a is None or b is None:
        return a is None and b is None
    return U.UNITS[a].dimension == U.UNITS[b].dimension


def _param_fits_arg(p: N.Param, adef) -> str | None:
    t = adef.type
    if t in INT_RANGES or t == "f32":
        if p.type not in ("int", "float"):
            return f"${p.name} is {p.type}, the argument needs a number"
        if p.unit and not adef.unit:
            return f"${p.name} is in {p.unit} but the argument has no unit"
        if p.unit and adef.unit and U.UNITS[p.unit].dimension != U.UNITS[adef.unit].dimension:
            return f"${p.name} is in {p.unit}, the argument is in {adef.unit}"
        return None
    want = {"enum": ("enum", "str"), "str": ("str",), "bool": ("bool",)}[t]
    if p.type not in want:
        return f"${p.name} is {p.type}, the argument needs {' or '.join(want)}"
    return None


def _hms(ms):
    s, ms = divmod(ms, 1000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" + (f".{ms:03d}" if ms else "")


def _dur(ms):
    return f"{ms / 1000:g} s"


def check_ast(seq: N.Sequence, dictionary: Dictionary, sources=None) -> list[SeqError]:
    """All semantic errors of a sequence, sorted by file, line and column."""
    return _Checker(seq, dictionary, sources).run()
