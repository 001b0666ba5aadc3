"""Compiled sequence binaries.

Layout (all little-endian):

    offset size  field
    0      4     magic b"RSEQ"
    4      2     format version (FORMAT_VERSION)
    6      2     reserved, 0
    8      32    SHA-256 of the dictionary the sequence was checked against
    40     4     body length N
    44     N     body: the AST, tagged-value encoded (see _enc)
    44+N   4     CRC-32 (zlib.crc32) of bytes 0 .. 44+N-1

The body is the checked, include-resolved AST with source positions, so a
run-time failure of a binary still names file:line:col.  load_binary checks
everything (length, magic, version, CRC, dictionary hash, then re-runs the
semantic checker on the decoded tree) before returning; it never returns a
partial sequence.
"""
from __future__ import annotations

import dataclasses
import struct
import types
import typing
import zlib

from common.dictionary.model import Dictionary

from . import nodes as N
from .checker import check_ast

MAGIC = b"RSEQ"
FORMAT_VERSION = 2                  # 2: Sequence.critical (declared critical commands)
_HEADER = struct.Struct("<4sHH32sI")
HEADER_SIZE = _HEADER.size          # 44
MAX_DEPTH = 200                     # decoder recursion guard against crafted input

_NODE_TAG = {cls: i for i, cls in enumerate(N.NODE_TYPES)}
_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in N.NODE_TYPES}
T_NONE, T_FALSE, T_TRUE, T_INT, T_FLOAT, T_STR, T_TUPLE, T_NODE = range(8)


_HINTS = {cls: typing.get_type_hints(cls, vars(N)) for cls in N.NODE_TYPES}


def _conforms(v, hint) -> bool:
    """Does decoded value ``v`` match the node field type ``hint``?"""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(v, h) for h in typing.get_args(hint))
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        return isinstance(v, tuple) and all(_conforms(x, item) for x in v)
    if hint is type(None):
        return v is None
    if hint is float:
        return isinstance(v, float)
    if hint is int:
        return isinstance(v, int) and not isinstance(v, bool)
    return isinstance(v, hint)


def _validate(node, path="sequence"):
    """Field-by-field type check of a decoded tree (the CRC only catches accidents)."""
    for f in dataclasses.fields(node):
        v = getattr(node, f.name)
        if not _conforms(v, _HINTS[type(node)][f.name]):
            raise SeqBinaryError(f"corrupt body: {path}.{f.name} of {type(node).__name__} "
                                 f"has a {type(v).__name__}")
        for x in (v if isinstance(v, tuple) else (v,)):
            if type(x) in _HINTS:
                _validate(x, f"{path}.{f.name}")


class SeqBinaryError(ValueError):
    """A compiled sequence that cannot be loaded; the message says why."""


def _enc(v, out: bytearray):
    if v is None:
        out.append(T_NONE)
    elif v is True:
        out.append(T_TRUE)
    elif v is False:
        out.append(T_FALSE)
    elif isinstance(v, int):
        if not -2**63 <= v < 2**63:
            raise SeqBinaryError(f"integer {v} does not fit 64 bits")
        out.append(T_INT)
        out += struct.pack("<q", v)
    elif isinstance(v, float):
        out.append(T_FLOAT)
        out += struct.pack("<d", v)
    elif isinstance(v, str):
        b = v.encode("utf-8")
        out.append(T_STR)
        out += struct.pack("<I", len(b)) + b
    elif isinstance(v, tuple):
        out.append(T_TUPLE)
        out += struct.pack("<I", len(v))
        for x in v:
            _enc(x, out)
    elif type(v) in _NODE_TAG:
        out.append(T_NODE)
        out.append(_NODE_TAG[type(v)])
        for name in _FIELDS[type(v)]:
            _enc(getattr(v, name), out)
    else:
        raise SeqBinaryError(f"cannot encode {type(v).__name__}")


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.i = data, 0

    def take(self, n: int) -> bytes:
        if self.i + n > len(self.data):
            raise SeqBinaryError(f"corrupt body: needs {n} more bytes at offset {self.i}, "
                                 f"only {len(self.data) - self.i} left")
        b = self.data[self.i:self.i + n]
        self.i += n
        return b

    def value(self, depth: int = 0):
        if depth > MAX_DEPTH:
            raise SeqBinaryError(f"corrupt body: nesting deeper than {MAX_DEPTH}")
        tag = self.take(1)[0]
        if tag == T_NONE:
            return None
        if tag == T_TRUE:
            return True
        if tag == T_FALSE:
            return False
        if tag == T_INT:
            return struct.unpack("<q", self.take(8))[0]
        if tag == T_FLOAT:
            return struct.unpack("<d", self.take(8))[0]
        if tag == T_STR:
            n = struct.unpack("<I", self.take(4))[0]
            try:
                return self.take(n).decode("utf-8")
            except UnicodeDecodeError as e:
                raise SeqBinaryError(f"corrupt body: bad UTF-8 string: {e}") from None
        if tag == T_TUPLE:
            n = struct.unpack("<I", self.take(4))[0]
            if n > len(self.data) - self.i:    # every element takes >= 1 byte
                raise SeqBinaryError(f"corrupt body: tuple of {n} items cannot fit")
            return tuple(self.value(depth + 1) for _ in range(n))
        if tag == T_NODE:
            idx = self.take(1)[0]
            if idx >= len(N.NODE_TYPES):
                raise SeqBinaryError(f"corrupt body: unknown node type {idx}")
            cls = N.NODE_TYPES[idx]
            vals = [self.value(depth + 1) for _ in _FIELDS[cls]]
            try:
                return cls(*vals)
            except TypeError as e:
                raise SeqBinaryError(f"corrupt body: bad {cls.__name__}: {e}") from None
        raise SeqBinaryError(f"corrupt body: unknown value tag {tag} at offset {self.i - 1}")


def compile_sequence(seq: N.Sequence, dictionary: Dictionary) -> bytes:
    """Serialize a checked sequence.  The sequence must have been checked
    against this same dictionary (its dict_hash must match)."""
    if seq.dict_hash != dictionary.hash:
        raise SeqBinaryError(f"sequence was checked against dictionary {seq.dict_hash[:12]}..., "
                             f"compiling for {dictionary.hash[:12]}...: reload it first")
    body = bytearray()
    _enc(seq, body)
    header = _HEADER.pack(MAGIC, FORMAT_VERSION, 0, bytes.fromhex(dictionary.hash), len(body))
    blob = header + bytes(body)
    return blob + struct.pack("<I", zlib.crc32(blob) & 0xFFFFFFFF)


def read_header(data: bytes) -> dict:
    """Header fields after validating length and magic (no CRC or hash check)."""
    if len(data) < HEADER_SIZE + 4:
        raise SeqBinaryError(f"truncated: {len(data)} bytes, a sequence binary has at least "
                             f"{HEADER_SIZE + 4}")
    magic, version, _res, dhash, body_len = _HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise SeqBinaryError(f"bad magic: expected {MAGIC!r}, got {magic!r} (not a sequence binary)")
    return {"version": version, "dict_hash": dhash.hex(), "body_len": body_len}


def load_binary(data: bytes, dictionary: Dictionary) -> N.Sequence:
    """The sequence in a compiled binary; raises SeqBinaryError on any problem."""
    data = bytes(data)
    h = read_header(data)
    if h["version"] != FORMAT_VERSION:
        raise SeqBinaryError(f"unsupported format version: expected {FORMAT_VERSION}, got {h['version']}")
    want = HEADER_SIZE + h["body_len"] + 4
    if len(data) < want:
        raise SeqBinaryError(f"truncated: header says {want} bytes, got {len(data)}")
    if len(data) > want:
        raise SeqBinaryError(f"{len(data) - want} unexpected trailing bytes after the CRC")
    crc_got = struct.unpack_from("<I", data, want - 4)[0]
    crc_calc = zlib.crc32(data[:want - 4]) & 0xFFFFFFFF
    if crc_got != crc_calc:
        raise SeqBinaryError(f"CRC mismatch: stored 0x{crc_got:08X}, computed 0x{crc_calc:08X} "
                             f"(file corrupted)")
    if h["dict_hash"] != dictionary.hash:
        raise SeqBinaryError(f"dictionary mismatch: compiled for {h['dict_hash']}, flight software "
                             f"has {dictionary.hash}; recompile the sequence")
    r = _Reader(data[HEADER_SIZE:want - 4])
    seq = r.value()
    if r.i != h["body_len"]:
        raise SeqBinaryError(f"corrupt body: {h['body_len'] - r.i} bytes left after the sequence")
    if not isinstance(seq, N.Sequence):
        raise SeqBinaryError(f"corrupt body: top value is {type(seq).__name__}, not a Sequence")
    _validate(seq)
    try:
        errors = check_ast(seq, dictionary)
    except Exception as e:   # a crafted tree with wrong field types; CRC only catches accidents
        raise SeqBinaryError(f"corrupt body: malformed sequence tree ({type(e).__name__}: {e})") from None
    if errors:
        raise SeqBinaryError("sequence in binary fails checks:\n" + "\n".join(str(e) for e in errors))
    return seq
