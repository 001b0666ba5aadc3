"""Board telemetry packets and board-command payloads, derived from the dictionary.

A TLM frame's payload is ``[packet id u8][fields]`` with the fields of the
packet's ``[[packet]]`` entry packed in order, little-endian, no padding
(docs/firmware.md).  A decoded value is ``wire * scale`` in the field's unit:
an int when the scale is 1, else a float; a field with ``count > 1`` decodes
to a list.  The firmware writes the same layout from
csrc/generated/rover_dictionary.h, so the two cannot drift apart.

Also here: the board application's CMD_RESULT event and
``encode_board_command`` (opcode + arguments, the CMD frame payload).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

from .model import ArgumentError, Dictionary, PacketDef
from .wire import encode_args

_FMT = {"i8": "b", "u8": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I"}

# EVENT frame payloads start with a kind byte (docs/protocol.md 1.6):
#   kind 1 CMD_RESULT [kind][seq u8][opcode u16][status u8][detail i32]
#   kind 2 FAULT      [kind][board ms u32][bit u8][set u8][flags u16][detail i32]
# the status codes and the fault-flag bits are the dictionary's [[cmd_status]]
# and [[fault_flag]] entries (Dictionary.status_code, fault_mask, fault_names).
EVENT_CMD_RESULT = 1
EVENT_FAULT = 2
CMD_RESULT_FMT = struct.Struct("<BBHBi")
CMD_RESULT_STATUS_AT = struct.calcsize("<BBH")     # kind, seq, opcode, then the status byte
FAULT_EVENT_FMT = struct.Struct("<BIBBHi")


class PacketError(ValueError):
    """A TLM payload that does not match the dictionary (unknown id, wrong size)."""


@dataclass(frozen=True)
class CmdResult:
    seq: int
    opcode: int
    status: int
    detail: int

    def status_name(self, dictionary: Dictionary) -> str:
        return dictionary.status_name(self.status)

    @classmethod
    def unpack(cls, payload: bytes) -> "CmdResult":
        if len(payload) != CMD_RESULT_FMT.size or payload[0] != EVENT_CMD_RESULT:
            raise PacketError(f"CMD_RESULT is {CMD_RESULT_FMT.size} bytes starting with kind "
                              f"{EVENT_CMD_RESULT}, got {bytes(payload[:1]).hex() or 'nothing'} "
                              f"in {len(payload)} bytes")
        return cls(*CMD_RESULT_FMT.unpack(payload)[1:])

    def pack(self) -> bytes:
        return CMD_RESULT_FMT.pack(EVENT_CMD_RESULT, self.seq, self.opcode, self.status, self.detail)


@dataclass(frozen=True)
class FaultEvent:
    """A board fault bit changed (set or cleared)."""
    board_ms: int
    bit: int
    set: bool
    flags: int
    detail: int

    @classmethod
    def unpack(cls, payload: bytes) -> "FaultEvent":
        if len(payload) != FAULT_EVENT_FMT.size or payload[0] != EVENT_FAULT:
            raise PacketError(f"FAULT event is {FAULT_EVENT_FMT.size} bytes starting with kind "
                              f"{EVENT_FAULT}, got {len(payload)} bytes")
        _, ms, bit, on, flags, detail = FAULT_EVENT_FMT.unpack(payload)
        return cls(ms, bit, bool(on), flags, detail)


def decode_event(payload: bytes) -> "CmdResult | FaultEvent":
    """An EVENT frame payload by its kind byte; PacketError for unknown kinds."""
    if not payload:
        raise PacketError("empty EVENT payload")
    if payload[0] == EVENT_CMD_RESULT:
        return CmdResult.unpack(payload)
    if payload[0] == EVENT_FAULT:
        return FaultEvent.unpack(payload)
    raise PacketError(f"unknown EVENT kind {payload[0]}")


@lru_cache(maxsize=64)
def _struct(pk: PacketDef) -> struct.Struct:
    return struct.Struct("<B" + "".join(f"{f.count}{_FMT[f.type]}" if f.count > 1 else _FMT[f.type]
                                        for f in pk.fields))


def packet_struct(pk: PacketDef) -> struct.Struct:
    """The struct.Struct of a whole TLM payload (id byte first)."""
    return _struct(pk)


def decode_packet(dictionary: Dictionary, packet_id: int, payload: bytes) -> tuple[str, dict]:
    """Decode a TLM payload.  ``payload`` may start with the id byte (it must
    then equal ``packet_id``) or be the fields alone.  Returns
    ``(name, {field: scaled value})``."""
    pk = dictionary.packets_by_id.get(packet_id)
    if pk is None:
        raise PacketError(f"unknown packet id 0x{packet_id:02X}")
    st = _struct(pk)
    if len(payload) == st.size - 1:
        payload = bytes([packet_id]) + bytes(payload)
    if len(payload) != st.size:
        raise PacketError(f"{pk.name}: payload is {len(payload)} bytes, expected {st.size}")
    if payload[0] != packet_id:
        raise PacketError(f"{pk.name}: id byte 0x{payload[0]:02X} != 0x{packet_id:02X}")
    raw = st.unpack(payload)
    out, i = {}, 1
    for f in pk.fields:
        vals = raw[i:i + f.count]
        i += f.count
        if f.scale != 1.0:
            vals = [v * f.scale for v in vals]
        out[f.name] = list(vals) if f.count > 1 else vals[0]
    return pk.name, out


def decode_tlm(dictionary: Dictionary, payload: bytes) -> tuple[str, dict]:
    """Decode a whole TLM frame payload (id byte first)."""
    if not payload:
        raise PacketError("empty TLM payload")
    return decode_packet(dictionary, payload[0], payload)


def encode_packet(dictionary: Dictionary, name: str, values: dict) -> bytes:
    """The TLM payload (id byte first) for scaled ``values`` (for tests and
    emulated boards).  Missing fields are 0; values are rounded to the wire
    resolution and must fit the wire type."""
    pk = dictionary.packet(name)
    extra = set(values) - {f.name for f in pk.fields}
    if extra:
        raise PacketError(f"{name}: unknown field(s) {', '.join(sorted(extra))}")
    flat = [pk.id]
    for f in pk.fields:
        v = values.get(f.name, [0] * f.count if f.count > 1 else 0)
        vals = list(v) if f.count > 1 else [v]
        if len(vals) != f.count:
            raise PacketError(f"{name}.{f.name}: expected {f.count} values, got {len(vals)}")
        lo, hi = _range(f.type)
        for x in vals:
            n = int(round(x / f.scale))
            if not lo <= n <= hi:
                raise PacketError(f"{name}.{f.name}: {x} is outside the {f.type} wire range")
            flat.append(n)
    return _struct(pk).pack(*flat)


def _range(t: str) -> tuple[int, int]:
    bits = int(t[1:])
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if t[0] == "i" else (0, (1 << bits) - 1)


def encode_board_command(dictionary: Dictionary, name: str, **values) -> bytes:
    """CMD frame payload ``[opcode u16][args]`` for a board-level command.
    Arguments are in the command's own (integer) units; they are range-checked
    here as well as on the board (never clamped)."""
    cmd = dictionary.board_command(name)
    conv = cmd.convert_args(values)
    return struct.pack("<H", cmd.opcode) + encode_args(cmd, conv)


def board_packets(dictionary: Dictionary, board: str) -> list[PacketDef]:
    """Packets a board of this role sends."""
    return sorted((k for k in dictionary.packets.values() if k.for_board(board)), key=lambda k: k.id)


__all__ = ["EVENT_CMD_RESULT", "EVENT_FAULT", "FaultEvent", "decode_event",
           "CmdResult", "PacketError", "ArgumentError", "decode_packet", "decode_tlm",
           "encode_packet", "encode_board_command", "board_packets", "packet_struct"]
