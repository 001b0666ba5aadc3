"""Trace records (csrc/firmware/trace/trace.h): split input and output
streams into records, describe them for a reviewer, and say where two
outputs first differ."""
from __future__ import annotations

import struct
from dataclasses import dataclass

# Input records: type -> fixed size, or None when a length byte follows
# (after `pre` fixed argument bytes).
_IN_FIXED = {"T": 1, "N": 3, "E": 3, "A": 6, "G": 19, "W": 2, "F": 3, "I": 5, "D": 1, "K": 2, "H": 1,
             "Q": 1}
_IN_BLOCK = {"R": 1, "C": 2}          # type -> offset of the length byte
_OUT_FIXED = {"U": 2, "P": 4, "S": 4, "T": 6, "C": 10, "Z": 1}
_OUT_BLOCK = {"K": 1}


class RecordError(ValueError):
    """A stream that does not parse as records."""


def _split(data: bytes, fixed: dict, block: dict, skip_unknown: bool, what: str):
    i, n = 0, len(data)
    while i < n:
        k = chr(data[i])
        if k in fixed:
            size = fixed[k]
        elif k in block:
            at = i + block[k]
            if at >= n:
                raise RecordError(f"{what}: record {k!r} at byte {i} is cut short")
            size = block[k] + 1 + data[at]
        elif skip_unknown:
            size = 1
        else:
            raise RecordError(f"{what}: unknown record type 0x{data[i]:02x} at byte {i}")
        if i + size > n:
            raise RecordError(f"{what}: record {k!r} at byte {i} is cut short ({n - i} of {size} bytes)")
        yield i, data[i:i + size]
        i += size


def input_records(trace: bytes):
    """(offset, record bytes) of an input trace; padding bytes come out one by one."""
    return _split(trace, _IN_FIXED, _IN_BLOCK, True, "input")


def output_records(out: bytes):
    """(offset, record bytes) of an output stream."""
    return _split(out, _OUT_FIXED, _OUT_BLOCK, False, "output")


def output_end(out: bytes) -> int | None:
    """The length of the stream up to and including its end record 'Z', or
    None if it has none yet (a 'Z' byte inside a record is data)."""
    i, n = 0, len(out)
    while i < n:
        k = chr(out[i])
        if k == "Z":
            return i + 1
        if k in _OUT_FIXED:
            i += _OUT_FIXED[k]
        elif k in _OUT_BLOCK:
            if i + 1 >= n:
                return None
            i += 2 + out[i + 1]
        else:
            i += 1
    return None


def describe_output(rec: bytes) -> str:
    """One output record in words."""
    k = chr(rec[0])
    if k == "U":
        return f"U uart 0x{rec[1]:02x}"
    if k in "PS":
        (v,) = struct.unpack("<h", rec[2:4])
        return f"{'P pwm' if k == 'P' else 'S servo'} ch{rec[1]} = {v}"
    if k == "T":
        (v,) = struct.unpack("<i", rec[2:6])
        return f"T steps axis{rec[1]} {v:+d}"
    if k == "C":
        seq, op, status, detail = struct.unpack("<BHBi", rec[2:10])
        return f"C result seq {seq} opcode 0x{op:04x} status {status} detail {detail}"
    if k == "K":
        return f"K packet {rec[2:].hex() or '(none)'}"
    if k == "Z":
        return "Z end"
    return f"? {rec.hex()}"


def describe_input(rec: bytes) -> str:
    """One input record in words."""
    k = chr(rec[0])
    if k == "T":
        return "T tick"
    if k == "N":
        return f"N {struct.unpack('<H', rec[1:3])[0]} ticks"
    if k == "R":
        return f"R rx {rec[2:].hex()}"
    if k == "E":
        return f"E encoder ch{rec[1]} ab={rec[2]}"
    if k == "A":
        return f"A adc ch{rec[1]} = {struct.unpack('<i', rec[2:6])[0]}"
    if k == "G":
        return "G imu " + " ".join(str(v) for v in struct.unpack("<hhhiii", rec[1:19]))
    if k == "W":
        return f"W switches 0b{rec[1]:04b}"
    if k == "F":
        return f"F port faults 0x{struct.unpack('<H', rec[1:3])[0]:04x}"
    if k == "I":
        return f"I power-up hash 0x{struct.unpack('<I', rec[1:5])[0]:08x}"
    if k == "D":
        return "D direct mode"
    if k == "C":
        return f"C cmd seq {rec[1]} {rec[3:].hex()}"
    if k == "K":
        return f"K pack packet {rec[1]}"
    if k == "H":
        return "H host heartbeat"
    if k == "Q":
        return "Q end"
    return f"padding 0x{rec[0]:02x}"


@dataclass
class Difference:
    offset: int             # first differing byte (or the length of the shorter)
    expected_len: int
    got_len: int
    expected_record: str    # the records that hold that byte, in words
    got_record: str
    record_index: int       # index of that output record in the expected stream

    def text(self) -> str:
        return (f"first difference at output byte {self.offset} (output record #{self.record_index}): "
                f"expected [{self.expected_record}], got [{self.got_record}]; "
                f"lengths expected {self.expected_len} B, got {self.got_len} B")


def _record_at(out: bytes, offset: int) -> tuple[int, str]:
    try:
        for idx, (i, rec) in enumerate(output_records(out)):
            if i <= offset < i + len(rec):
                return idx, describe_output(rec)
    except RecordError as e:
        return -1, f"unparsable: {e}"
    return -1, "(end of output)"


def first_difference(expected: bytes, got: bytes) -> Difference | None:
    """None if equal, else where and how they first differ."""
    if expected == got:
        return None
    n = min(len(expected), len(got))
    off = next((i for i in range(n) if expected[i] != got[i]), n)
    idx, exp_rec = _record_at(expected, off)
    _, got_rec = _record_at(got, off)
    return Difference(off, len(expected), len(got), exp_rec, got_rec, idx)
