"""The telemetry record file format: bytes <-> records.  No file I/O here.

Layout (docs/telemetry.md has it byte by byte, with a worked example):

    file header : magic(8) | u16 version | u16 flags | u32 json_len | u32 crc32(json) | json
    record      : u32 payload_len | u32 crc32(payload) | payload
    payload     : u8 kind | kind-specific body

All integers are little-endian.  Every record is self-checking, so a reader
can tell a completed record from a torn one (a kill -9 or power loss mid
write) and from garbage, and skip ahead to the next good record.
"""
from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

# PNG-style magic: the high byte catches 7-bit transfers, CR LF and the
# trailing LF catch newline translation, so a mangled copy fails loudly.
MAGIC = b"\x89RTLM\r\n\n"
FORMAT_VERSION = 1

_HEADER = struct.Struct("<8sHHII")       # magic, version, flags, json_len, json_crc
HEADER_FIXED_BYTES = _HEADER.size        # 20
MAX_HEADER_JSON_BYTES = 1 << 20

_FRAME = struct.Struct("<II")             # payload_len, crc32(payload)
FRAME_BYTES = _FRAME.size                 # 8
# Anything longer is treated as corruption: a random length word must not make
# the reader swallow the rest of the file as one "record".
MAX_PAYLOAD_BYTES = 1 << 24

KIND_SCHEMA = 0x01
KIND_SAMPLES = 0x02
KIND_EVENT = 0x03
KIND_CLOSE = 0x04

# Channel value types.  ASCII letters so they read in a hex dump.
TYPE_BOOL = "b"     # u8 0/1
TYPE_INT = "i"      # i64
TYPE_FLOAT = "f"    # f64
TYPE_STR = "s"      # u32 length + UTF-8
TYPE_JSON = "j"     # u32 length + UTF-8 JSON text (anything else: big ints, None, lists)
TYPE_CODES = (TYPE_BOOL, TYPE_INT, TYPE_FLOAT, TYPE_STR, TYPE_JSON)   # also the samples group order

I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1
MAX_CHANNEL_ID = 0xFFFF

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_KIND_T = struct.Struct("<Bq")            # kind, t_ms
_CLOSE = struct.Struct("<BqI")            # kind, t_ms, records_before


class TelemetryFormatError(ValueError):
    """The bytes are not a telemetry file this reader understands (bad header)."""


class RecordDecodeError(ValueError):
    """A CRC-valid payload that does not decode as a known record."""


# -- records ------------------------------------------------------------------

@dataclass(frozen=True)
class SchemaRecord:
    """Declares channel ids: (id, name, type code) triples."""
    channels: tuple[tuple[int, str, str], ...]


@dataclass(frozen=True)
class SamplesRecord:
    """Channel values at ``t_ms``, grouped by type code (see TYPE_CODES).

    ``groups[code]`` is a tuple of (channel id, value); empty groups may be
    omitted.  A channel holds its value until its next sample.
    """
    t_ms: int
    groups: dict[str, tuple[tuple[int, Any], ...]] = field(default_factory=dict)

    def items(self):
        """(id, type code, value) for every sample, in encoding order."""
        for code in TYPE_CODES:
            for cid, value in self.groups.get(code, ()):
                yield cid, code, value


@dataclass(frozen=True)
class EventRecord:
    t_ms: int
    name: str
    severity: str
    message: str
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CloseRecord:
    """Written by a clean close.  ``records_before`` lets a reader notice records lost mid-file."""
    t_ms: int
    records_before: int


# -- header -------------------------------------------------------------------

def encode_header(meta: dict) -> bytes:
    body = json.dumps(meta, sort_keys=True, default=json_default, separators=(",", ":")).encode()
    if len(body) > MAX_HEADER_JSON_BYTES:
        raise ValueError(f"header metadata is {len(body)} bytes, limit {MAX_HEADER_JSON_BYTES}")
    return _HEADER.pack(MAGIC, FORMAT_VERSION, 0, len(body), zlib.crc32(body)) + body


def decode_header(buf, name: str = "<bytes>") -> tuple[dict, int]:
    """Return (meta, header length).  Raises TelemetryFormatError naming ``name``."""
    if len(buf) < HEADER_FIXED_BYTES:
        if bytes(buf[:len(MAGIC)]) == MAGIC[:len(buf)] and len(buf) > 0:
            raise TelemetryFormatError(f"{name}: truncated telemetry header ({len(buf)} bytes)")
        raise TelemetryFormatError(f"{name}: not a telemetry file (too short, {len(buf)} bytes)")
    magic, version, _flags, json_len, json_crc = _HEADER.unpack_from(buf, 0)
    if magic != MAGIC:
        raise TelemetryFormatError(f"{name}: not a telemetry file (bad magic {magic!r})")
    if version != FORMAT_VERSION:
        raise TelemetryFormatError(
            f"{name}: telemetry format version {version} is not supported (this reader: {FORMAT_VERSION})")
    if json_len > MAX_HEADER_JSON_BYTES:
        raise TelemetryFormatError(f"{name}: corrupt telemetry header (metadata length {json_len})")
    end = HEADER_FIXED_BYTES + json_len
    if len(buf) < end:
        raise TelemetryFormatError(f"{name}: truncated telemetry header")
    body = bytes(buf[HEADER_FIXED_BYTES:end])
    if zlib.crc32(body) != json_crc:
        raise TelemetryFormatError(f"{name}: corrupt telemetry header (metadata CRC mismatch)")
    try:
        meta = json.loads(body)
    except ValueError as e:
        raise TelemetryFormatError(f"{name}: corrupt telemetry header metadata ({e})") from None
    if not isinstance(meta, dict):
        raise TelemetryFormatError(f"{name}: corrupt telemetry header (metadata is not an object)")
    return meta, end


# -- framing ------------------------------------------------------------------

def frame(payload: bytes) -> bytes:
    n = len(payload)
    if not 0 < n <= MAX_PAYLOAD_BYTES:
        raise ValueError(f"record payload of {n} bytes is outside 1..{MAX_PAYLOAD_BYTES}")
    return _FRAME.pack(n, zlib.crc32(payload)) + payload


def json_default(obj: Any) -> Any:
    """JSON fallback for args/values that are not plain JSON (numpy scalars and
    arrays, tuples, sets...): the closest plain value, else repr()."""
    tolist = getattr(obj, "tolist", None)        # numpy scalar or array -> Python values
    if callable(tolist):
        try:
            return tolist()
        except (TypeError, ValueError):
            pass
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=repr)
    return repr(obj)


def _str_bytes(s: str, limit: int, what: str) -> bytes:
    # surrogatepass: a lone surrogate in a Python str must not take the flight loop down
    b = s.encode("utf-8", "surrogatepass")
    if len(b) > limit:
        raise ValueError(f"{what} is {len(b)} bytes, limit {limit}")
    return b


# -- encoders -----------------------------------------------------------------

def encode_schema(channels) -> bytes:
    parts = [_U8.pack(KIND_SCHEMA), _U16.pack(len(channels))]
    if len(channels) > 0xFFFF:
        raise ValueError("too many channels in one schema record")
    for cid, name, code in channels:
        if code not in TYPE_CODES:
            raise ValueError(f"channel {name!r}: unknown type code {code!r}")
        nb = _str_bytes(name, 0xFFFF, "channel name")
        parts.append(struct.pack("<HcH", cid, code.encode(), len(nb)))
        parts.append(nb)
    return b"".join(parts)


def _text_group(ids, texts: list[bytes]) -> tuple[str, list]:
    n = len(ids)
    return f"H{n}H{n}I", [n, *ids, *map(len, texts)]


_NUMERIC_SAMPLES: dict[tuple[int, int, int], Any] = {}   # (nb, ni, nf) -> Struct.pack
_NUMERIC_SAMPLES_MAX = 1024


def _numeric_samples_packer(nb: int, ni: int, nf: int):
    """Struct.pack of a samples record with nb bools, ni ints, nf floats and
    empty text groups (the format encode_samples builds for them)."""
    if len(_NUMERIC_SAMPLES) >= _NUMERIC_SAMPLES_MAX:
        _NUMERIC_SAMPLES.clear()
    pack = struct.Struct(f"<Bq H{nb}H{nb}B H{ni}H{ni}q H{nf}H{nf}d H0H0I H0H0I").pack
    _NUMERIC_SAMPLES[(nb, ni, nf)] = pack
    return pack


def encode_samples(t_ms: int, b_ids=(), b_vals=(), i_ids=(), i_vals=(), f_ids=(), f_vals=(),
                   s_ids=(), s_vals=(), j_ids=(), j_vals=()) -> bytes:
    """Encode one samples record from per-type id and value sequences.

    Flat arguments (not a SamplesRecord) because the recorder builds these
    lists directly; one struct.pack call packs all fixed-size fields.
    """
    nb, ni, nf = len(b_ids), len(i_ids), len(f_ids)
    if not (s_ids or s_vals or j_ids or j_vals):
        # numbers only (most records): one cached Struct per group size, no
        # format string to build; the same bytes as the general path below
        pack = _NUMERIC_SAMPLES.get((nb, ni, nf))
        if pack is None:
            pack = _numeric_samples_packer(nb, ni, nf)
        if b_vals:
            return pack(KIND_SAMPLES, t_ms, nb, *b_ids, *[1 if v else 0 for v in b_vals],
                        ni, *i_ids, *i_vals, nf, *f_ids, *f_vals, 0, 0)
        return pack(KIND_SAMPLES, t_ms, nb, *b_ids, ni, *i_ids, *i_vals, nf, *f_ids, *f_vals, 0, 0)
    s_bytes = [_str_bytes(v, 0xFFFFFFFF, "string value") for v in s_vals]
    j_bytes = [json.dumps(v, default=json_default, separators=(",", ":")).encode() for v in j_vals]
    s_fmt, s_args = _text_group(s_ids, s_bytes)
    j_fmt, j_args = _text_group(j_ids, j_bytes)
    fmt = f"<Bq H{nb}H{nb}B H{ni}H{ni}q H{nf}H{nf}d {s_fmt} {j_fmt}"
    head = struct.pack(fmt, KIND_SAMPLES, t_ms,
                       nb, *b_ids, *[1 if v else 0 for v in b_vals],
                       ni, *i_ids, *i_vals,
                       nf, *f_ids, *f_vals,
                       *s_args, *j_args)
    return b"".join((head, *s_bytes, *j_bytes))


def encode_event(t_ms: int, name: str, severity: str, message: str, args: dict) -> bytes:
    sb = _str_bytes(severity, 0xFF, "event severity")
    nb = _str_bytes(name, 0xFFFF, "event name")
    mb = _str_bytes(message, MAX_PAYLOAD_BYTES, "event message")
    ab = json.dumps(args, default=json_default, separators=(",", ":")).encode()
    return b"".join((struct.pack("<BqB", KIND_EVENT, t_ms, len(sb)), sb,
                     _U16.pack(len(nb)), nb, _U32.pack(len(mb)), mb, _U32.pack(len(ab)), ab))


def encode_close(t_ms: int, records_before: int) -> bytes:
    return _CLOSE.pack(KIND_CLOSE, t_ms, records_before)


def encode_record(rec) -> bytes:
    """Payload bytes (unframed) of any record object."""
    if isinstance(rec, SamplesRecord):
        g = rec.groups
        cols = []
        for code in TYPE_CODES:
            pairs = g.get(code, ())
            cols.append([cid for cid, _ in pairs])
            cols.append([v for _, v in pairs])
        return encode_samples(rec.t_ms, *cols)
    if isinstance(rec, EventRecord):
        return encode_event(rec.t_ms, rec.name, rec.severity, rec.message, rec.args)
    if isinstance(rec, SchemaRecord):
        return encode_schema(rec.channels)
    if isinstance(rec, CloseRecord):
        return encode_close(rec.t_ms, rec.records_before)
    raise TypeError(f"not a telemetry record: {rec!r}")


# -- decoders -----------------------------------------------------------------

class _Cursor:
    """Bounds-checked reads from one payload; any overrun is a RecordDecodeError."""
    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes, pos: int = 0):
        self.buf, self.pos = buf, pos

    def unpack(self, fmt: str):
        s = struct.calcsize(fmt)
        if self.pos + s > len(self.buf):
            raise RecordDecodeError("record body is shorter than its fields")
        out = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += s
        return out

    def text(self, n: int) -> str:
        if self.pos + n > len(self.buf):
            raise RecordDecodeError("string runs past the end of the record")
        s = self.buf[self.pos:self.pos + n].decode("utf-8", "surrogatepass")
        self.pos += n
        return s


def _decode_schema(c: _Cursor) -> SchemaRecord:
    (n,) = c.unpack("<H")
    out = []
    for _ in range(n):
        cid, code, ln = c.unpack("<HcH")
        code = code.decode("ascii")
        if code not in TYPE_CODES:
            raise RecordDecodeError(f"unknown channel type code {code!r}")
        out.append((cid, c.text(ln), code))
    return SchemaRecord(tuple(out))


def _decode_samples(c: _Cursor) -> SamplesRecord:
    (t_ms,) = c.unpack("<q")
    groups = {}
    for code, vfmt in ((TYPE_BOOL, "B"), (TYPE_INT, "q"), (TYPE_FLOAT, "d")):
        (n,) = c.unpack("<H")
        if n:
            ids = c.unpack(f"<{n}H")
            vals = c.unpack(f"<{n}{vfmt}")
            if code == TYPE_BOOL:
                if any(v > 1 for v in vals):
                    raise RecordDecodeError("bool sample is not 0 or 1")
                vals = [v == 1 for v in vals]
            groups[code] = tuple(zip(ids, vals))
    text_groups = []
    for code in (TYPE_STR, TYPE_JSON):
        (n,) = c.unpack("<H")
        ids = c.unpack(f"<{n}H") if n else ()
        lens = c.unpack(f"<{n}I") if n else ()
        text_groups.append((code, ids, lens))
    for code, ids, lens in text_groups:      # texts follow all the length tables
        if ids:
            texts = [c.text(ln) for ln in lens]
            if code == TYPE_JSON:
                texts = [json.loads(t) for t in texts]
            groups[code] = tuple(zip(ids, texts))
    return SamplesRecord(t_ms, groups)


def _decode_event(c: _Cursor) -> EventRecord:
    t_ms, ls = c.unpack("<qB")
    sev = c.text(ls)
    (ln,) = c.unpack("<H")
    name = c.text(ln)
    (lm,) = c.unpack("<I")
    msg = c.text(lm)
    (la,) = c.unpack("<I")
    args = json.loads(c.text(la))
    if not isinstance(args, dict):
        raise RecordDecodeError("event args are not a JSON object")
    return EventRecord(t_ms, name, sev, msg, args)


def _decode_close(c: _Cursor) -> CloseRecord:
    t_ms, n = c.unpack("<qI")
    return CloseRecord(t_ms, n)


_DECODERS = {KIND_SCHEMA: _decode_schema, KIND_SAMPLES: _decode_samples,
             KIND_EVENT: _decode_event, KIND_CLOSE: _decode_close}


def decode_record(payload: bytes):
    """Decode one payload.  Raises RecordDecodeError for anything not a valid record."""
    if not payload:
        raise RecordDecodeError("empty record")
    dec = _DECODERS.get(payload[0])
    if dec is None:
        raise RecordDecodeError(f"unknown record kind 0x{payload[0]:02x}")
    c = _Cursor(payload, 1)
    try:
        rec = dec(c)
    except RecordDecodeError:
        raise
    # Any failure inside a CRC-valid payload (bad UTF-8, bad JSON, absurd
    # nesting) means "not a record we understand"; the caller counts it.
    except (ValueError, UnicodeDecodeError, RecursionError, struct.error) as e:
        raise RecordDecodeError(f"undecodable record: {e}") from None
    if c.pos != len(payload):
        raise RecordDecodeError(f"{len(payload) - c.pos} unexpected trailing bytes in record")
    return rec


# -- whole-buffer scan ----------------------------------------------------------

@dataclass
class ScanResult:
    meta: dict
    records: list = field(default_factory=list)
    bad_records: int = 0          # corrupt regions skipped mid-file (or CRC-valid but undecodable)
    skipped_bytes: int = 0        # bytes in those regions
    torn_tail_bytes: int = 0      # bytes after the last good record with no good record after them
    header_bytes: int = 0


def _try_frame(buf, pos: int, n: int):
    """Classify the bytes at pos.

    Returns None if no complete CRC-valid frame starts there, else
    (record or None, next_pos): None when the frame is intact but its payload
    does not decode (e.g. a record kind from a newer writer) so the scan can
    step over it whole instead of resynchronising inside it.
    """
    if pos + FRAME_BYTES > n:
        return None
    length, crc = _FRAME.unpack_from(buf, pos)
    # length 0 is rejected on purpose: crc32(b"") == 0, so a zero-filled tail
    # (what some filesystems leave after power loss) would otherwise parse.
    if length == 0 or length > MAX_PAYLOAD_BYTES or pos + FRAME_BYTES + length > n:
        return None
    payload = bytes(buf[pos + FRAME_BYTES:pos + FRAME_BYTES + length])
    if zlib.crc32(payload) != crc:
        return None
    try:
        return decode_record(payload), pos + FRAME_BYTES + length
    except RecordDecodeError:
        return None, pos + FRAME_BYTES + length


def scan(buf, name: str = "<bytes>") -> ScanResult:
    """Decode a whole file image.  Only a bad header raises; damage is counted.

    After a bad spot the scan resynchronises on the next offset that holds a
    complete, CRC-valid, decodable record (a false match needs a 1-in-2^32
    CRC coincidence).  Damage with no good record after it is the torn tail.
    """
    meta, pos = decode_header(buf, name)
    res = ScanResult(meta=meta, header_bytes=pos)
    n = len(buf)
    while pos < n:
        got = _try_frame(buf, pos, n)
        if got is not None:
            rec, pos = got
            if rec is None:
                res.bad_records += 1
            else:
                res.records.append(rec)
            continue
        nxt = _resync(buf, pos + 1, n)
        if nxt is None:
            res.torn_tail_bytes = n - pos
            break
        res.bad_records += 1
        res.skipped_bytes += nxt[1] - pos
        res.records.append(nxt[0])
        pos = nxt[2]
    return res


def _resync(buf, start: int, n: int):
    """(record, offset, next_pos) of the first decodable record at or after start, else None."""
    for p in range(start, n - FRAME_BYTES):
        length = _U32.unpack_from(buf, p)[0]
        # cheap rejects first: most garbage offsets fail the length check
        if length == 0 or length > MAX_PAYLOAD_BYTES or p + FRAME_BYTES + length > n:
            continue
        got = _try_frame(buf, p, n)
        if got is not None and got[0] is not None:
            return got[0], p, got[1]
    return None
