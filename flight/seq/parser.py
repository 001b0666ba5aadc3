"""Parser: sequence text -> AST (flight.seq.nodes), collecting every syntax error.

Grammar (docs/sequences.md has the user-facing description):

    line      := [TAG time] statement [';' 'on' 'error' policy] | directive | block-end
    TAG time  := 'A@' (CLOCK | NUM unit) | 'R+' (CLOCK | NUM unit)
    statement := COMMAND {name '=' value [',']}
               | 'wait' duration | 'wait' 'until' cond ['for' duration] 'timeout' duration
               | 'check' cond | 'call' NAME ['(' [name '=' value {',' ...}] ')']
               | 'goto' NAME | 'label' NAME | 'abort' [STRING]
               | 'repeat' INT | 'if' cond            (opened blocks close with 'end')
    directive := 'on' 'error' policy | 'include' STRING
               | 'sequence' NAME '(' [param {',' param}] ')'
    policy    := 'abort' | 'continue' | 'goto' NAME | 'call' NAME
    cond      := or-expression over telemetry names, numbers with units, strings,
                 UPPERCASE enum words, true/false and $params

Semantic checks (names, types, ranges) are the checker's job; the parser
only builds the tree.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from common.dictionary import units as U

from . import nodes as N
from .errors import ParseError, SeqError
from .lexer import Token, tokenize
from .limits import (MAX_ARGS, MAX_BLOCK_DEPTH, MAX_EXPR_DEPTH, MAX_LINE_CHARS,
                     MAX_NAME_CHARS)

KEYWORDS = {"on", "error", "include", "sequence", "end", "else", "repeat", "if", "wait", "until",
            "for", "timeout", "check", "call", "goto", "label", "abort", "and", "or", "not",
            "true", "false", "continue", "critical"}
PARAM_TYPES = ("int", "float", "str", "bool", "enum")
MAX_DURATION_MS = 10_000 * 3_600_000   # 10000 h: over a year of lunar days; keeps ints small


@dataclass
class Include:
    """Parser-level include directive; the loader splices the file in its place."""
    path: str
    file: str
    line: int
    col: int


@dataclass
class ParsedFile:
    file: str
    on_error: N.Policy | None
    body: list                    # statements and Include markers
    subsequences: list            # of N.SubSequence (their bodies may hold Include markers)
    errors: list[SeqError] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    critical: list = field(default_factory=list)   # (name, line, col) of 'critical' directives


@dataclass
class _Block:
    kind: str                     # top | sequence | repeat | if
    line: int
    col: int
    header: object = None         # partial node data
    body: list = field(default_factory=list)
    else_body: list | None = None
    broken: bool = False          # opener had a syntax error: close quietly
    seen: bool = False            # a statement has been seen (on error must precede it)
    policy: N.Policy | None = None


class _Cursor:
    def __init__(self, toks: list[Token], file: str, line: int):
        self.toks, self.i, self.file, self.line = toks, 0, file, line

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "EOL":
            self.i += 1
        return t

    def is_op(self, text: str) -> bool:
        return self.tok.kind == "OP" and self.tok.text == text

    def is_kw(self, text: str) -> bool:
        return self.tok.kind == "IDENT" and self.tok.text == text

    def expect_op(self, text: str, what: str = "") -> Token:
        if not self.is_op(text):
            raise ParseError(self.tok.col, f"expected '{text}'{what}, got {_show(self.tok)}")
        return self.next()

    def expect_name(self, what: str) -> Token:
        t = self.tok
        if t.kind != "IDENT" or "." in t.text:
            raise ParseError(t.col, f"expected {what}, got {_show(t)}")
        if len(t.text) > MAX_NAME_CHARS:
            raise ParseError(t.col, f"name is {len(t.text)} characters long; the limit is "
                                    f"{MAX_NAME_CHARS}")
        return self.next()

    def pos(self, tok: Token | None = None):
        return dict(file=self.file, line=self.line, col=(tok or self.tok).col)


def _show(t: Token) -> str:
    if t.kind == "EOL":
        return "end of line"
    if t.kind == "STR":
        return f'string "{t.text}"'
    return f"'{t.text}'"


def parse_text(text: str, file: str) -> ParsedFile:
    # Lines end at \n, \r\n or \r (universal newlines, as Python reads text
    # files); str.splitlines would also split at \x85, \u2028 ... inside strings.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    pf = ParsedFile(file=file, on_error=None, body=[], subsequences=[], lines=lines)
    top = _Block("top", 0, 0, body=pf.body)
    stack = [top]

    def err(line_no, col, msg):
        src = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
        pf.errors.append(SeqError(file, line_no, col, msg, src))

    for line_no, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_CHARS:
            err(line_no, MAX_LINE_CHARS + 1, f"line is {len(raw)} characters long; the limit "
                                             f"is {MAX_LINE_CHARS} (split the statement)")
            _guess_block(raw[:MAX_LINE_CHARS], stack, line_no)
            continue
        try:
            toks = tokenize(raw)
        except ParseError as e:
            err(line_no, e.col, e.message)
            # keep block structure intact when the opener itself is unlexable
            _guess_block(raw, stack, line_no)
            continue
        if toks[0].kind == "EOL":
            continue
        c = _Cursor(toks, file, line_no)
        block = stack[-1]
        try:
            _parse_line(c, stack, pf)
        except ParseError as e:
            err(line_no, e.col, e.message)
            if stack[-1] is block:   # opener failed before pushing: push a placeholder
                first = toks[0].text if toks[0].kind != "TAG" else toks[1].text
                if first in ("repeat", "if", "sequence") and toks[0].kind in ("IDENT", "TAG"):
                    stack.append(_Block(first, line_no, toks[0].col, broken=True))

    for b in stack[1:]:
        err(b.line, b.col, f"'{b.kind}' block opened here is never closed with 'end'")
    return pf


def _guess_block(raw: str, stack, line_no):
    words = raw.split()
    if words and words[0] in ("repeat", "if", "sequence"):
        stack.append(_Block(words[0], line_no, raw.index(words[0]) + 1, broken=True))
    elif words and words[0] == "end" and len(stack) > 1:
        stack.pop()


def _parse_line(c: _Cursor, stack: list[_Block], pf: ParsedFile):
    block = stack[-1]
    tag = None
    if c.tok.kind == "TAG":
        tag = _parse_time_tag(c)
    t = c.tok
    if t.kind != "IDENT":
        raise ParseError(t.col, f"expected a command or statement, got {_show(t)}")
    word = t.text

    # ---- structure and directives (take no time tag, no policy suffix)
    if word in ("end", "else", "sequence", "include", "label", "critical") or \
            (word == "on" and c.peek().kind == "IDENT" and c.peek().text == "error"):
        if tag is not None:
            raise ParseError(tag.col, f"a time tag cannot be put on '{word}'")
    if word == "end":
        c.next()
        if len(stack) == 1:
            raise ParseError(t.col, "'end' without an open block (repeat, if or sequence)")
        b = stack.pop()   # pop before any error so one typo does not unbalance the file
        if not b.broken:
            node = _close_block(b, c.file)
            if b.kind == "sequence":
                pf.subsequences.append(node)
            else:
                _target(stack[-1]).append(node)
        _expect_eol(c)
        return
    if word == "else":
        c.next()
        if block.kind != "if":
            raise ParseError(t.col, "'else' outside an 'if' block")
        if block.else_body is not None:
            raise ParseError(t.col, "second 'else' in the same 'if' block")
        block.else_body = []
        _expect_eol(c)
        return
    if word == "on" and c.peek().text == "error":
        c.next(); c.next()
        pol = _parse_policy(c, t)
        _expect_eol(c)
        if block.kind not in ("top", "sequence"):
            raise ParseError(t.col, "'on error' directive is only allowed at the start of a "
                                    "file or of a 'sequence' block (use '; on error ...' on a statement)")
        if block.seen:
            raise ParseError(t.col, "'on error' directive must come before the first statement")
        if block.policy is not None:
            raise ParseError(t.col, "second 'on error' directive for the same sequence")
        block.policy = pol
        if block.kind == "top":
            pf.on_error = pol
        return
    if word == "include":
        c.next()
        if c.tok.kind != "STR":
            raise ParseError(c.tok.col, f"expected a quoted file name after 'include', got {_show(c.tok)}")
        path = c.next().text
        _expect_eol(c)
        if block.kind != "top":
            raise ParseError(t.col, "'include' is only allowed at the top level of a file")
        _target(block).append(Include(path, c.file, c.line, t.col))
        return
    if word == "critical":
        c.next()
        names = []
        while True:
            nt = c.tok
            if nt.kind != "IDENT" or not nt.text.isupper() or "." in nt.text:
                raise ParseError(nt.col, f"expected a critical COMMAND name after 'critical', "
                                         f"got {_show(nt)}")
            names.append((c.next().text, c.line, nt.col))
            if c.is_op(","):
                c.next()
                continue
            if c.tok.kind == "EOL":
                break
        if block.kind != "top":
            raise ParseError(t.col, "'critical' is only allowed at the top level of a file")
        pf.critical.extend(names)
        return
    if word == "sequence":
        c.next()
        name = c.expect_name("a sequence name")
        if name.text in KEYWORDS:
            raise ParseError(name.col, f"'{name.text}' is a keyword, not a sequence name")
        params = []
        if c.is_op("("):
            c.next()
            while not c.is_op(")"):
                if len(params) >= MAX_ARGS:
                    raise ParseError(c.tok.col, f"more than {MAX_ARGS} parameters")
                params.append(_parse_param(c))
                if c.is_op(","):
                    c.next()
                elif not c.is_op(")"):
                    raise ParseError(c.tok.col, f"expected ',' or ')' in parameter list, got {_show(c.tok)}")
            c.next()
        _expect_eol(c)
        if block.kind != "top":
            stack.append(_Block("sequence", c.line, t.col, broken=True))
            raise ParseError(t.col, "a 'sequence' definition cannot be nested in another block")
        nb = _Block("sequence", c.line, t.col, header=(name.text, tuple(params)))
        stack.append(nb)
        return
    if word == "label":
        c.next()
        name = c.expect_name("a label name")
        _expect_eol(c)
        _target(block).append(N.Label(name.text, c.file, c.line, t.col))
        return

    # ---- statements (may carry a time tag and an error policy)
    block.seen = True
    if word in ("repeat", "if") and len(stack) > MAX_BLOCK_DEPTH:
        raise ParseError(t.col, f"blocks nested more than {MAX_BLOCK_DEPTH} deep")
    if word == "repeat":
        c.next()
        if c.tok.kind != "NUM" or not c.tok.text.isdigit():
            raise ParseError(c.tok.col, f"'repeat' needs a whole-number count, got {_show(c.tok)}")
        count = int(c.next().text)
        pol = _parse_suffix(c)
        stack.append(_Block("repeat", c.line, t.col, header=(count, tag, pol)))
        stack[-1].seen = True
        return
    if word == "if":
        c.next()
        cond = _parse_expr(c)
        pol = _parse_suffix(c)
        stack.append(_Block("if", c.line, t.col, header=(cond, tag, pol)))
        stack[-1].seen = True
        return
    pos = dict(file=c.file, line=c.line, col=t.col)
    if word == "wait":
        c.next()
        if c.is_kw("until"):
            c.next()
            cond = _parse_expr(c)
            for_ms = 0
            if c.is_kw("for"):
                c.next()
                for_ms = _parse_duration(c, "'for' persistence")
            if not c.is_kw("timeout"):
                raise ParseError(c.tok.col, f"'wait until' needs 'timeout <duration>' (a wait must "
                                            f"be bounded), got {_show(c.tok)}")
            c.next()
            timeout = _parse_duration(c, "timeout")
            node = N.WaitUntil(cond, for_ms, timeout, tag, _parse_suffix(c), **pos)
        else:
            ms = _parse_duration(c, "'wait'")
            node = N.Delay(ms, tag, _parse_suffix(c), **pos)
    elif word == "check":
        c.next()
        cond = _parse_expr(c)
        node = N.Check(cond, tag, _parse_suffix(c), **pos)
    elif word == "call":
        c.next()
        name = c.expect_name("a sequence name after 'call'")
        args = []
        if c.is_op("("):
            c.next()
            while not c.is_op(")"):
                if len(args) >= MAX_ARGS:
                    raise ParseError(c.tok.col, f"more than {MAX_ARGS} arguments in one call")
                args.append(_parse_arg(c))
                if c.is_op(","):
                    c.next()
                elif not c.is_op(")"):
                    raise ParseError(c.tok.col, f"expected ',' or ')' in call arguments, got {_show(c.tok)}")
            c.next()
        node = N.Call(name.text, tuple(args), tag, _parse_suffix(c), **pos)
    elif word == "goto":
        c.next()
        name = c.expect_name("a label name after 'goto'")
        node = N.Goto(name.text, tag, _parse_suffix(c), **pos)
    elif word == "abort":
        c.next()
        msg = ""
        if c.tok.kind == "STR":
            msg = c.next().text
        node = N.Abort(msg, tag, _parse_suffix(c), **pos)
    elif word in KEYWORDS:
        raise ParseError(t.col, f"'{word}' cannot start a statement")
    elif "." in word or not word.isupper():
        raise ParseError(t.col, f"unknown statement '{word}' (commands are UPPER_CASE, "
                                f"keywords lower case)")
    else:
        c.next()
        args = []
        while c.tok.kind == "IDENT":
            if len(args) >= MAX_ARGS:
                raise ParseError(c.tok.col, f"more than {MAX_ARGS} arguments in one command")
            args.append(_parse_arg(c))
            if c.is_op(","):
                c.next()
        node = N.Command(word, tuple(args), tag, _parse_suffix(c), **pos)
    _target(block).append(node)


def _target(b: _Block) -> list:
    return b.else_body if b.else_body is not None else b.body


def _close_block(b: _Block, file: str):
    if b.kind == "sequence":
        name, params = b.header
        return N.SubSequence(name, params, b.policy, tuple(b.body), file, b.line, b.col)
    if b.kind == "repeat":
        count, tag, pol = b.header
        return N.Repeat(count, tuple(b.body), tag, pol, file, b.line, b.col)
    cond, tag, pol = b.header
    return N.If(cond, tuple(b.body), tuple(b.else_body or ()), tag, pol, file, b.line, b.col)


def _expect_eol(c: _Cursor):
    if c.tok.kind != "EOL":
        raise ParseError(c.tok.col, f"unexpected {_show(c.tok)} at end of statement")


def _parse_suffix(c: _Cursor) -> N.Policy | None:
    if c.tok.kind == "EOL":
        return None
    if not c.is_op(";"):
        raise ParseError(c.tok.col, f"unexpected {_show(c.tok)} (an error policy is written "
                                    f"'; on error abort|continue|goto LABEL|call NAME')")
    c.next()
    t = c.tok
    if not (c.is_kw("on") and c.peek().kind == "IDENT" and c.peek().text == "error"):
        raise ParseError(t.col, f"expected 'on error ...' after ';', got {_show(t)}")
    c.next()
    c.next()
    pol = _parse_policy(c, t)
    _expect_eol(c)
    return pol


def _parse_policy(c: _Cursor, start: Token) -> N.Policy:
    t = c.tok
    if c.is_kw("abort") or c.is_kw("continue"):
        c.next()
        return N.Policy(t.text, None, c.file, c.line, t.col)
    if c.is_kw("goto") or c.is_kw("call"):
        c.next()
        target = c.expect_name(f"a {'label' if t.text == 'goto' else 'sequence'} name after '{t.text}'")
        return N.Policy(t.text, target.text, c.file, c.line, t.col)
    raise ParseError(t.col, f"expected abort, continue, goto LABEL or call NAME after 'on error', "
                            f"got {_show(t)}")


def _parse_time_tag(c: _Cursor) -> N.TimeTag:
    t = c.next()
    kind = t.text[0]
    ms = _parse_duration(c, "time tag")
    return N.TimeTag(kind, ms, c.file, c.line, t.col)


def _parse_unit(c: _Cursor, before_arg: bool = True) -> str | None:
    """An optional unit after a number: IDENT, %, or IDENT '/' IDENT.
    ``before_arg``: a word followed by '=' is the next argument's name."""
    t = c.tok
    if t.kind == "OP" and t.text == "%":
        c.next()
        return "%"
    if t.kind != "IDENT" or t.text in KEYWORDS or \
            (before_arg and c.peek().kind == "OP" and c.peek().text == "="):
        return None
    if t.text.isupper() and t.text not in U.UNITS and len(t.text) > 1:
        return None   # an enum word, let the caller complain
    c.next()
    text = t.text
    if c.is_op("/") and c.peek().kind == "IDENT":
        c.next()
        text += "/" + c.next().text
    if text not in U.UNITS:
        raise ParseError(t.col, f"unknown unit '{text}' (known: {', '.join(U.UNITS)})")
    return text


def _parse_duration(c: _Cursor, what: str) -> int:
    t = c.tok
    if t.kind == "CLOCK":
        c.next()
        hms, _, frac = t.text.partition(".")
        h, m, s = (int(x) for x in hms.split(":"))
        if m > 59 or s > 59:
            raise ParseError(t.col, f"bad time '{t.text}': minutes and seconds must be 00..59")
        ms = ((h * 60 + m) * 60 + s) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)
        if ms > MAX_DURATION_MS:
            raise ParseError(t.col, f"{what} longer than {MAX_DURATION_MS // 3_600_000} h")
        return ms
    if t.kind == "OP" and t.text == "-":
        raise ParseError(t.col, f"{what} cannot be negative")
    if t.kind != "NUM":
        raise ParseError(t.col, f"expected a duration for {what} (e.g. 5 s or 00:01:30), got {_show(t)}")
    c.next()
    value = _num(t)
    ut = c.tok
    unit = _parse_unit(c)
    if unit is None:
        raise ParseError(t.col, f"duration {t.text} needs a time unit ({', '.join(U.TIME_UNITS)})")
    try:
        ms = U.duration_ms(value, unit)
    except U.UnitError as e:
        raise ParseError(ut.col, f"bad {what}: {e}") from None
    if ms > MAX_DURATION_MS:
        raise ParseError(t.col, f"{what} longer than {MAX_DURATION_MS // 3_600_000} h")
    return ms


def _num(t: Token):
    txt = t.text
    if all(ch.isdigit() for ch in txt) and len(txt) < 19:   # beyond that, a float (fits 64-bit encodings)
        return int(txt)
    v = float(txt)
    if v != v or v in (float("inf"), float("-inf")):
        raise ParseError(t.col, f"number {txt} is out of range")
    return v


def _parse_value(c: _Cursor, allow_sym_any_case: bool = True) -> N.Value:
    t = c.tok
    pos = dict(file=c.file, line=c.line, col=t.col)
    if t.kind == "OP" and t.text == "-":
        c.next()
        if c.tok.kind != "NUM":
            raise ParseError(c.tok.col, f"expected a number after '-', got {_show(c.tok)}")
        nt = c.next()
        return N.Num(-_num(nt), _parse_unit(c), **pos)
    if t.kind == "NUM":
        c.next()
        return N.Num(_num(t), _parse_unit(c), **pos)
    if t.kind == "STR":
        c.next()
        return N.Str(t.text, **pos)
    if t.kind == "PARAM":
        c.next()
        return N.ParamRef(t.text[1:], **pos)
    if t.kind == "IDENT" and "." not in t.text:
        c.next()
        if t.text in ("true", "false"):
            return N.Bool(t.text == "true", **pos)
        return N.Sym(t.text, **pos)
    raise ParseError(t.col, f"expected a value (number, \"string\", NAME, true/false or $param), "
                            f"got {_show(t)}")


def _parse_arg(c: _Cursor) -> N.Arg:
    name = c.tok
    if name.kind != "IDENT" or "." in name.text:
        raise ParseError(name.col, f"expected an argument 'name=value', got {_show(name)}")
    c.next()
    if not c.is_op("="):
        raise ParseError(c.tok.col, f"expected '=' after argument name '{name.text}', got {_show(c.tok)}")
    c.next()
    value = _parse_value(c)
    return N.Arg(name.text, value, c.file, c.line, name.col)


def _parse_param(c: _Cursor) -> N.Param:
    name = c.expect_name("a parameter name")
    c.expect_op(":", f" and a type after parameter '{name.text}'")
    t = c.tok
    unit = None
    if t.kind == "IDENT" and t.text in PARAM_TYPES:
        c.next()
        ptype = t.text
        if ptype in ("int", "float") and not c.is_op("=") and not c.is_op(",") and not c.is_op(")"):
            unit = _parse_unit(c, before_arg=False)
    else:
        if t.kind not in ("IDENT", "OP") or (t.kind == "OP" and t.text != "%"):
            raise ParseError(t.col, f"expected a parameter type ({', '.join(PARAM_TYPES)} or a unit), "
                                    f"got {_show(t)}")
        unit = _parse_unit(c, before_arg=False)
        if unit is None:
            raise ParseError(t.col, f"unknown parameter type '{t.text}' (use {', '.join(PARAM_TYPES)} "
                                    f"or a unit such as m or m/s)")
        ptype = "float"
    default = None
    if c.is_op("="):
        c.next()
        default = _parse_value(c)
    return N.Param(name.text, ptype, unit, default, c.file, c.line, name.col)


# ---------------------------------------------------------------- conditions
def _parse_expr(c: _Cursor, depth: int = 0) -> N.Expr:
    if depth > MAX_EXPR_DEPTH:
        raise ParseError(c.tok.col, f"condition nested more than {MAX_EXPR_DEPTH} levels deep")
    first = c.tok
    left = _parse_and(c, depth)
    if not c.is_kw("or"):
        return left
    ops = [left]
    while c.is_kw("or"):
        c.next()
        ops.append(_parse_and(c, depth))
    return N.BoolOp("or", tuple(ops), c.file, c.line, first.col)


def _parse_and(c: _Cursor, depth: int) -> N.Expr:
    first = c.tok
    left = _parse_not(c, depth)
    if not c.is_kw("and"):
        return left
    ops = [left]
    while c.is_kw("and"):
        c.next()
        ops.append(_parse_not(c, depth))
    return N.BoolOp("and", tuple(ops), c.file, c.line, first.col)


def _parse_not(c: _Cursor, depth: int) -> N.Expr:
    t = c.tok
    if c.is_kw("not"):
        if depth > MAX_EXPR_DEPTH:
            raise ParseError(t.col, f"condition nested more than {MAX_EXPR_DEPTH} levels deep")
        c.next()
        return N.Not(_parse_not(c, depth + 1), c.file, c.line, t.col)
    left = _parse_operand(c, depth)
    if c.tok.kind == "OP" and c.tok.text in ("<", "<=", ">", ">=", "==", "!="):
        op = c.next().text
        right = _parse_operand(c, depth)
        if c.tok.kind == "OP" and c.tok.text in ("<", "<=", ">", ">=", "==", "!="):
            raise ParseError(c.tok.col, "comparisons cannot be chained; use 'and'")
        return N.Compare(op, left, right, c.file, c.line, t.col)
    if c.tok.kind == "OP" and c.tok.text == "=":
        raise ParseError(c.tok.col, "use '==' to compare, not '='")
    return left


def _parse_operand(c: _Cursor, depth: int) -> N.Expr:
    t = c.tok
    pos = dict(file=c.file, line=c.line, col=t.col)
    if c.is_op("("):
        c.next()
        e = _parse_expr(c, depth + 1)
        c.expect_op(")", " to close '('")
        return e
    if t.kind == "IDENT":
        if t.text in KEYWORDS and t.text not in ("true", "false"):
            raise ParseError(t.col, f"expected a value or telemetry name, got keyword '{t.text}'")
        if t.text in ("true", "false"):
            c.next()
            return N.Bool(t.text == "true", **pos)
        c.next()
        # UPPERCASE bare words are enum literals; anything else names telemetry
        if "." not in t.text and t.text.isupper():
            return N.Sym(t.text, **pos)
        return N.Tlm(t.text, **pos)
    if t.kind in ("NUM", "STR", "PARAM") or (t.kind == "OP" and t.text == "-"):
        return _parse_value(c)
    raise ParseError(t.col, f"expected a condition operand, got {_show(t)}")
