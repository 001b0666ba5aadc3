"""Semantic checks of a parsed sequence against the dictionary.

Runs on the AST (not the text), so the same checks protect both a source
file and a compiled binary.  Every problem is collected; nothing stops at
the first error.
"""
from __future__ import annotations

from common.dictionary import units as U
from common.dictionary.model import ArgumentError, Dictionary, INT_RANGES, suggest

from . import nodes as N
import re

from .bounds import BoundCalculator, CyclicCall
from .conditions import check_condition
from .errors import SeqError
from .limits import (MAX_ARGS, MAX_BLOCK_DEPTH, MAX_CALL_DEPTH, MAX_EXECUTED, MAX_EXPR_DEPTH,
                     MAX_LINE_CHARS, MAX_NAME_CHARS, MAX_STATEMENTS)
from .resolve import BindError, convert_arg, describe, to_param

MAX_REPEAT = 1000
STORED_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")   # names SEQ_START may load
ARM_COMMAND = "ARM"


def _children(s):
    if isinstance(s, N.Repeat):
        return s.body
    if isinstance(s, N.If):
        return s.then_body + s.else_body
    return ()


class _Checker:
    def __init__(self, seq: N.Sequence, d: Dictionary, sources: dict[str, list[str]] | None,
                 critical_decls=None):
        self.seq, self.d, self.sources = seq, d, sources or {}
        self.critical_decls = critical_decls or {}
        self.errors: list[SeqError] = []
        self.subs: dict[str, N.SubSequence] = {}
        # sub-sequence name -> [(param name, ArgDef, Command node)]
        self.usages: dict[str, list] = {}
        # sub-sequence name -> [(its param, callee SubSequence, callee Param, Call node)]:
        # a $param handed on to another sub-sequence, followed when values are checked
        self.flows: dict[str, list] = {}
        self.pending_calls: list = []
        self.critical_used: dict[str, object] = {}     # critical command -> first use
        self.armed: set[str] = set()                   # commands some ARM statement names
        self.seq_starts: list = []                     # (sub name or None, Command, name)

    def err(self, node, msg, col=None):
        lines = self.sources.get(node.file, [])
        src = lines[node.line - 1] if 0 < node.line <= len(lines) else ""
        self.errors.append(SeqError(node.file, node.line, col or node.col, msg, src))

    # ------------------------------------------------------------ driver
    def run(self) -> list[SeqError]:
        if not self.check_tree():
            return self.errors       # a malformed (crafted binary) tree: nothing else is safe
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
        for call, params, caller in self.pending_calls:
            self.record_flows(call, params, caller)
        for call, params, caller in self.pending_calls:
            self.check_call(call, params)
        # defaults must fit the parameter and every place it is used
        for sub in self.subs.values():
            for p in sub.params:
                if p.default is not None:
                    self.check_binding(sub, p, p.default, p.default)
        if self.check_recursion():
            self.check_call_depth()
            self.check_bound()
        self.check_critical()
        self.check_seq_starts()
        self.errors.sort(key=lambda e: (e.file, e.line, e.col))
        return self.errors

    # ------------------------------------------------------------ limits (text and binary)
    def check_tree(self) -> bool:
        """The limits of limits.py on the tree itself, so a compiled binary is held
        to what the text parser enforces.  False if the tree is unusable."""
        count = [0]

        def name_ok(node, name, what):
            if not isinstance(name, str) or not name or len(name) > MAX_NAME_CHARS:
                self.err(node, f"{what} name is empty or longer than {MAX_NAME_CHARS} characters")

        def expr(e, depth):
            if depth > 2 * MAX_EXPR_DEPTH + 4:
                self.err(e, f"condition nested more than {MAX_EXPR_DEPTH} levels deep")
                return
            if isinstance(e, N.Not):
                expr(e.operand, depth + 1)
            elif isinstance(e, N.BoolOp):
                for o in e.operands:
                    expr(o, depth + 1)
            elif isinstance(e, N.Compare):
                expr(e.left, depth + 1)
                expr(e.right, depth + 1)
            elif isinstance(e, N.Str) and len(e.value) > MAX_LINE_CHARS:
                self.err(e, f"string longer than {MAX_LINE_CHARS} characters")

        def args(node, a):
            if len(a) > MAX_ARGS:
                self.err(node, f"more than {MAX_ARGS} arguments")
            for x in a:
                name_ok(x, x.name, "argument")
                if isinstance(x.value, N.Str) and len(x.value.value) > MAX_LINE_CHARS:
                    self.err(x.value, f"string longer than {MAX_LINE_CHARS} characters")

        def stmts(body, depth):
            for st in body:
                count[0] += 1
                if isinstance(st, (N.Repeat, N.If)):
                    if depth >= MAX_BLOCK_DEPTH:
                        self.err(st, f"blocks nested more than {MAX_BLOCK_DEPTH} deep")
                        continue
                    if isinstance(st, N.If):
                        expr(st.cond, 0)
                    for b in ((st.body,) if isinstance(st, N.Repeat) else (st.then_body, st.else_body)):
                        stmts(b, depth + 1)
                elif isinstance(st, (N.Command, N.Call)):
                    name_ok(st, st.name, "command" if isinstance(st, N.Command) else "sequence")
                    args(st, st.args)
                elif isinstance(st, (N.WaitUntil, N.Check)):
                    expr(st.cond, 0)
                elif isinstance(st, (N.Goto, N.Label)):
                    name_ok(st, st.label if isinstance(st, N.Goto) else st.name, "label")
                elif isinstance(st, N.Abort) and len(st.message) > MAX_LINE_CHARS:
                    self.err(st, f"abort message longer than {MAX_LINE_CHARS} characters")

        stmts(self.seq.body, 0)
        for sub in self.seq.subsequences:
            name_ok(sub, sub.name, "sequence")
            if len(sub.params) > MAX_ARGS:
                self.err(sub, f"more than {MAX_ARGS} parameters")
            stmts(sub.body, 0)
        if count[0] > MAX_STATEMENTS:
            self.err(self.seq, f"{count[0]} statements; the limit is {MAX_STATEMENTS} per "
                               f"sequence (all files together)")
        if len(self.seq.critical) > len(self.d.commands):
            self.err(self.seq, "more critical declarations than commands")
        return count[0] <= MAX_STATEMENTS

    # ------------------------------------------------------------ run-time bound
    def check_call_depth(self):
        depth: dict[str, int] = {}

        def calls(body):
            for st in body:
                for inner in _walk(st):
                    if isinstance(inner, N.Call):
                        yield inner.name
                    pol = getattr(inner, "on_error", None)
                    if pol is not None and pol.kind == "call":
                        yield pol.target

        def d(name):
            if name in depth:
                return depth[name]
            sub = self.subs.get(name)
            depth[name] = 0
            if sub is None:
                return 0
            extra = [sub.on_error.target] if sub.on_error and sub.on_error.kind == "call" else []
            depth[name] = 1 + max((d(c) for c in [*calls(sub.body), *extra]), default=0)
            return depth[name]

        for name, sub in self.subs.items():
            if d(name) > MAX_CALL_DEPTH:
                self.err(sub, f"sequence '{name}' nests calls {d(name)} deep (a calls b calls "
                              f"...); the limit is {MAX_CALL_DEPTH}")
                return

    def check_bound(self):
        reported = [False]

        def on_stmt(node, b):
            if not reported[0] and b.statements > MAX_EXECUTED:
                reported[0] = True
                self.err(node, f"this can run {b.statements} statements (repeat counts and calls "
                               f"multiply); the limit is {MAX_EXECUTED} per run")
        try:
            total = BoundCalculator(self.seq, self.d, on_stmt).sequence()
        except CyclicCall:
            return
        if not reported[0] and total.statements > MAX_EXECUTED:
            self.err(self.seq, f"the sequence can run {total.statements} statements; the limit "
                               f"is {MAX_EXECUTED} per run")

    # ------------------------------------------------------------ critical commands
    def check_critical(self):
        declared = set(self.seq.critical)
        for name in self.seq.critical:
            cdef = self.d.commands.get(name)
            if cdef is None or not cdef.critical:
                where = [x for x in self.critical_decls.get(self.seq.file, ()) if x[0] == name]
                node = (N.Label(name, self.seq.file, where[0][1], where[0][2]) if where
                        else self.seq)
                crit = sorted(c.name for c in self.d.commands.values() if c.critical)
                self.err(node, f"'critical {name}': " + (
                    "unknown command" if cdef is None else f"{name} is not a critical command") +
                    f" (critical commands: {', '.join(crit)})")
        for name, node in self.critical_used.items():
            if name not in declared:
                self.err(node, f"{name} is a critical command: declare it at the top of the "
                               f"mission file with 'critical {name}'")
            elif name not in self.armed:
                self.err(node, f"{name} is a critical command: it runs only when armed; put "
                               f"'ARM command={name}' shortly before it")

    # ------------------------------------------------------------ SEQ_START
    def check_seq_starts(self):
        edges: dict[str, set] = {}
        for owner, cmd, name in self.seq_starts:
            if not STORED_NAME_RE.match(name):
                self.err(cmd, f"SEQ_START name {name!r}: a stored sequence name is letters, "
                              f"digits and '_' (it names a sub-sequence or NAME.seq beside the "
                              f"mission)")
                continue
            if name == self.seq.name and name not in self.subs:
                self.err(cmd, f"SEQ_START of '{name}' starts this mission again: a sequence "
                              f"must not start itself")
                continue
            if owner is not None and name in self.subs:
                edges.setdefault(owner, set()).add(name)
        # a sub-sequence that (through others) starts itself would run forever
        for start in edges:
            stack, seen = [(start, [start])], set()
            while stack:
                cur, path = stack.pop()
                for nxt in edges.get(cur, ()):
                    if nxt == start:
                        node = next(c for o, c, n in self.seq_starts if o == cur and n == nxt)
                        self.err(node, f"SEQ_START cycle {' -> '.join(path + [nxt])}: these "
                                       f"sequences would start each other forever")
                        return
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append((nxt, path + [nxt]))

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
            self.pending_calls.append((s, params, sub_name))
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
        if cdef is not None and cdef.critical:
            self.critical_used.setdefault(s.name, s)
        if s.name == ARM_COMMAND:
            for a in s.args:
                if a.name == "command" and isinstance(a.value, N.Sym):
                    self.armed.add(a.value.name)
        if s.name == "SEQ_START":
            for a in s.args:
                if a.name == "name" and isinstance(a.value, N.Str):
                    self.seq_starts.append((sub_name, s, a.value.value))
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

    def record_flows(self, s: N.Call, params, caller):
        """``call s(x=$y)`` inside sub-sequence ``caller``: values bound to $y
        later flow into s's parameter x; remembered so they are checked there."""
        sub = self.subs.get(s.name)
        if sub is None or caller is None:
            return
        pdefs = {p.name: p for p in sub.params}
        for a in s.args:
            if isinstance(a.value, N.ParamRef) and a.name in pdefs:
                self.flows.setdefault(caller, []).append((a.value.name, sub, pdefs[a.name], s))

    def check_binding(self, sub, p, value, where, depth=0):
        try:
            bound = to_param(p, value)
        except BindError as e:
            self.err(where, str(e))
            return
        if depth <= MAX_CALL_DEPTH:
            for pname, callee, cp, call in self.flows.get(sub.name, ()):
                if pname == p.name and callee.name != sub.name:
                    self.check_binding(callee, cp, bound, where, depth + 1)
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
        return not reported


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


def check_ast(seq: N.Sequence, dictionary: Dictionary, sources=None,
              critical_decls=None) -> list[SeqError]:
    """All semantic errors of a sequence, sorted by file, line and column.
    ``critical_decls``: file -> [(name, line, col)] of its 'critical' directives."""
    return _Checker(seq, dictionary, sources, critical_decls).run()
