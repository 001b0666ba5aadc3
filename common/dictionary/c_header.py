"""Generate csrc/generated/rover_dictionary.h from the dictionary.

The output is deterministic (sorted, no timestamps) so a test can compare
the committed header byte for byte with a fresh rendering.
"""
from __future__ import annotations

from pathlib import Path

from .model import Dictionary
from .wire import layout, payload_size

HEADER_RELPATH = "csrc/generated/rover_dictionary.h"
DISPATCH_RELPATH = "csrc/generated/fw_dispatch.h"
REGEN_HINT = "rover dict header -o csrc/generated"
_WIRE_ENUM = {"i8": "ROVER_WIRE_I8", "u8": "ROVER_WIRE_U8", "i16": "ROVER_WIRE_I16",
              "u16": "ROVER_WIRE_U16", "i32": "ROVER_WIRE_I32", "u32": "ROVER_WIRE_U32",
              "str": "ROVER_WIRE_STR"}


def _c_int(v: int) -> str:
    # INT32_MIN cannot be written as a literal without overflowing int first
    if v == -2**31:
        return "(-2147483647L - 1)"
    return f"{v}L" if v >= 0 else f"({v}L)"


def _ident(s: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in s).upper()


def render_header(d: Dictionary) -> str:
    L = []
    w = L.append
    w("/*")
    w(" * GENERATED from common/dictionary/rover.toml - do not edit by hand.")
    w(f" * Regenerate with: {REGEN_HINT}")
    w(" *")
    w(" * Wire format of a command payload: arguments packed in declaration order,")
    w(" * little-endian, no padding.  f32 arguments travel as int32 in fixed wire")
    w(" * units (mm, mm/s, mdeg, deci-C, ms, centi-%, mV, mA, mW; see")
    w(" * docs/dictionary.md); enum and bool as u8; str as a u8 length followed by")
    w(" * a fixed field of MAX bytes.  MIN/MAX below are in those wire units and")
    w(" * the board rejects (never clamps) a value outside them.")
    w(" */")
    w("#ifndef ROVER_DICTIONARY_H")
    w("#define ROVER_DICTIONARY_H")
    w("")
    w("#include <stdint.h>")
    w("")
    w(f'#define ROVER_DICT_HASH_HEX "{d.hash}"')
    w(f"#define ROVER_DICT_HASH32 0x{d.hash32:08X}UL")
    w("")
    w("/* modes: bit i of a command's mode mask allows it in mode i */")
    for i, m in enumerate(d.modes):
        w(f"#define ROVER_MODE_{_ident(m)} {i}")
    w(f"#define ROVER_MODE_COUNT {len(d.modes)}")
    w("")
    w("/* argument wire types */")
    for i, (k, v) in enumerate(_WIRE_ENUM.items()):
        w(f"#define {v} {i + 1}")
    w("")
    w("typedef struct {")
    w("\tuint8_t type;    /* ROVER_WIRE_* */")
    w("\tuint8_t offset;  /* bytes from the start of the payload */")
    w("\tuint8_t size;    /* bytes on the wire */")
    w("\tint32_t min;     /* wire units; for STR the length bounds */")
    w("\tint32_t max;")
    w("} rover_arg_layout_t;")
    w("")
    w("typedef struct {")
    w("\tuint16_t opcode;")
    w("\tuint8_t nargs;")
    w("\tuint8_t payload_size;")
    w("\tuint8_t critical;")
    w("\tuint8_t mode_mask;")
    w("\tuint32_t timeout_ms;")
    w("\tconst rover_arg_layout_t *args;")
    w("} rover_cmd_def_t;")
    w("")
    cmds = sorted(d.commands.values(), key=lambda c: c.opcode)
    for c in cmds:
        w(f"/* {c.name} ({c.subsystem}){' CRITICAL' if c.critical else ''}: "
          f"{c.description.replace('*/', '* /')} */")
        _command_macros(c, w)
    w("/* The tables below are static const; a file that only needs the macros")
    w(" * defines ROVER_DICT_NO_TABLES first (no unused-variable warnings). */")
    w("#ifndef ROVER_DICT_NO_TABLES")
    _arg_tables(cmds, w)
    w(f"#define ROVER_CMD_COUNT {len(cmds)}")
    w("static const rover_cmd_def_t rover_cmd_defs[ROVER_CMD_COUNT] = {")
    for c in cmds:
        mask = sum(1 << d.modes.index(m) for m in c.modes)
        args = f"rover_args_{c.name.lower()}" if c.args else "0"
        w(f"\t{{ROVER_OP_{_ident(c.name)}, {len(c.args)}, {payload_size(c)}, {int(c.critical)}, "
          f"0x{mask:02X}u, {int(round(c.timeout_s * 1000))}UL, {args}}},")
    w("};")
    w("#endif /* ROVER_DICT_NO_TABLES */")
    w("")
    _render_board(d, w)
    _render_shared(d, w)
    w("/* event ids and severities (ROVER_SEV_*) */")
    for e in sorted(d.events.values(), key=lambda e: e.id):
        w(f"#define ROVER_EVT_{_ident(e.name)} {e.id}u")
        w(f"#define ROVER_EVT_{_ident(e.name)}_SEVERITY ROVER_SEV_{_ident(e.severity)}")
    w("")
    w("#endif /* ROVER_DICTIONARY_H */")
    return "\n".join(L) + "\n"


def _command_macros(c, w) -> None:
    """Opcode, payload size and per-argument offset/size/bounds (and enum
    members) of one command, flight-level or board-level."""
    n = _ident(c.name)
    w(f"#define ROVER_OP_{n} 0x{c.opcode:04X}u")
    w(f"#define ROVER_{n}_PAYLOAD_SIZE {payload_size(c)}")
    for f in layout(c):
        an = f"ROVER_{n}_{_ident(f.arg.name)}"
        w(f"#define {an}_OFFSET {f.offset}")
        w(f"#define {an}_SIZE {f.size}")
        w(f"#define {an}_MIN {_c_int(f.min)}  /* {f.wire_unit} */")
        w(f"#define {an}_MAX {_c_int(f.max)}")
        for i, v in enumerate(f.arg.values):
            w(f"#define {an}_{_ident(v)} {i}")
    w("")


def _arg_tables(cmds, w) -> None:
    """The board-side bounds tables: one rover_arg_layout_t array per command."""
    for c in cmds:
        lay = layout(c)
        if not lay:
            continue
        w(f"static const rover_arg_layout_t rover_args_{c.name.lower()}[{len(lay)}] = {{")
        for f in lay:
            w(f"\t{{{_WIRE_ENUM[f.wire_type]}, {f.offset}, {f.size}, {_c_int(f.min)}, {_c_int(f.max)}}},"
              f" /* {f.arg.name} */")
        w("};")
    w("")


def _render_board(d: Dictionary, w) -> None:
    """Board roles, board-level commands and telemetry packets."""
    w("/* ---- boards on the serial link (role reported in IDENTIFY) ---- */")
    w("#define ROVER_BOARD_ANY 0")
    for b in sorted(d.boards.values(), key=lambda b: b.role):
        w(f"#define ROVER_BOARD_{_ident(b.name)} {b.role}")
    w("")
    w("typedef struct {")
    w("\tuint16_t opcode;")
    w("\tuint8_t nargs;")
    w("\tuint8_t payload_size;  /* argument bytes after the u16 opcode */")
    w("\tuint8_t board;         /* ROVER_BOARD_* (ANY = every board) */")
    w("\tconst rover_arg_layout_t *args;")
    w("} rover_board_cmd_def_t;")
    w("")
    bcmds = sorted(d.board_commands.values(), key=lambda c: c.opcode)
    for c in bcmds:
        w(f"/* {c.name} (board {c.board}): {c.description.replace('*/', '* /')} */")
        _command_macros(c, w)
    w("#ifndef ROVER_DICT_NO_TABLES")
    _arg_tables(bcmds, w)
    w(f"#define ROVER_BOARD_CMD_COUNT {len(bcmds)}")
    if bcmds:
        w("static const rover_board_cmd_def_t rover_board_cmd_defs[ROVER_BOARD_CMD_COUNT] = {")
        for c in bcmds:
            args = f"rover_args_{c.name.lower()}" if c.args else "0"
            w(f"\t{{ROVER_OP_{_ident(c.name)}, {len(c.args)}, {payload_size(c)}, "
              f"ROVER_BOARD_{_ident(c.board)}, {args}}},")
        w("};")
    w("#endif /* ROVER_DICT_NO_TABLES */")
    w("")
    w("/* ---- telemetry packets: TLM payload = [id u8][fields], little-endian;")
    w(" * _OFFSET counts from the id byte (0); _SIZE is one element, _COUNT elements. */")
    pkts = sorted(d.packets.values(), key=lambda k: k.id)
    for k in pkts:
        n = f"ROVER_PKT_{_ident(k.name)}"
        w(f"/* {k.name} (board {k.board}): {k.description.replace('*/', '* /')} */")
        w(f"#define {n}_ID 0x{k.id:02X}u")
        w(f"#define {n}_SIZE {k.size}")
        w(f"#define {n}_BOARD ROVER_BOARD_{_ident(k.board)}")
        w(f"#define {n}_PERIOD_MS {k.period_ms}u")
        w(f"#define {n}_FIXED {int(k.fixed)}")
        for f in k.fields:
            fn = f"{n}_{_ident(f.name)}"
            w(f"#define {fn}_OFFSET {f.offset}")
            w(f"#define {fn}_SIZE {f.size}")
            w(f"#define {fn}_COUNT {f.count}")
        w("")
    w(f"#define ROVER_PKT_COUNT {len(pkts)}")
    w("")


def _render_shared(d: Dictionary, w) -> None:
    """Severities, CMD_RESULT status codes, board fault flags, heaters, limits."""
    w("/* event severities, lowest first */")
    for i, sev in enumerate(d.severities):
        w(f"#define ROVER_SEV_{_ident(sev)} {i}")
    w("")
    w("/* CMD_RESULT status (EVENT payload [kind 1][seq u8][opcode u16][status u8][detail i32]) */")
    for st in sorted(d.cmd_statuses.values(), key=lambda st: st.code):
        note = f"  /* {st.description} */" if st.description else ""
        w(f"#define ROVER_CMD_{_ident(st.name)} {st.code}{note}")
    w("")
    w("/* board fault flags (fault_flags in MOB_BODY / PAY_STATUS) */")
    latched = []
    for f in sorted(d.fault_flags.values(), key=lambda f: f.bit):
        w(f"#define ROVER_FAULT_{_ident(f.name)} 0x{f.mask:04X}u"
          f"{'  /* latched */' if f.latched else ''}")
        if f.latched:
            latched.append(f"ROVER_FAULT_{_ident(f.name)}")
    w(f"#define ROVER_FAULT_LATCHED ({' | '.join(latched) or '0u'})")
    w("")
    w("/* heater zones: the highest target a command may set, deci-C */")
    for h in sorted(d.heaters.values(), key=lambda h: h.name):
        n = f"ROVER_HEATER_{_ident(h.name)}"
        w(f"#define {n}_BOARD ROVER_BOARD_{_ident(h.board)}")
        w(f"#define {n}_ZONE {h.zone}")
        w(f"#define {n}_MAX_DC {int(round(h.max_target_c * 10))}")
    w("")
    w("/* limits */")
    for x in sorted(d.limits.values(), key=lambda x: x.name):
        v = x.value
        text = f"{int(v)}" if float(v).is_integer() else repr(float(v))
        w(f"#define ROVER_LIMIT_{_ident(x.name)} {text}{'u' if float(v).is_integer() and v >= 0 else ''}"
          f"{f'  /* {x.unit} */' if x.unit else ''}")
    w("")


def render_dispatch(d: Dictionary) -> str:
    """The firmware's command dispatch table: one handler per board command,
    in the order of rover_board_cmd_defs (by opcode).  Each handler is
    declared beside its code with FW_COMMAND(OPNAME, handler) in its owner's
    source file; the prototypes here let the compiler hold the two to the
    same signature."""
    L = []
    w = L.append
    bcmds = sorted(d.board_commands.values(), key=lambda c: c.opcode)
    w("/*")
    w(" * GENERATED from common/dictionary/rover.toml - do not edit by hand.")
    w(f" * Regenerate with: {REGEN_HINT}")
    w(" *")
    w(" * Board command handlers (owner and handler of each [[command]] with a")
    w(" * board key).  fw_command_handlers[i] handles rover_board_cmd_defs[i].")
    w(" */")
    w("#ifndef ROVER_FW_DISPATCH_H")
    w("#define ROVER_FW_DISPATCH_H")
    w("")
    w('#include "fw.h"')
    w('#include "rover_dictionary.h"')
    w("")
    for c in bcmds:
        src = d.components[c.owner].source
        w(f"uint8_t {c.handler}(struct fw *fw, const uint8_t *args, int32_t *detail);"
          f"  /* {c.name}: {src} */")
    w("")
    w("static const fw_command_fn fw_command_handlers[ROVER_BOARD_CMD_COUNT] = {")
    for c in bcmds:
        w(f"	{c.handler},")
    w("};")
    w("")
    w("#endif /* ROVER_FW_DISPATCH_H */")
    return "\n".join(L) + "\n"


def generated_files(d: Dictionary) -> dict[str, str]:
    """Repository path -> text of every file generated from the dictionary."""
    return {HEADER_RELPATH: render_header(d), DISPATCH_RELPATH: render_dispatch(d)}


def write_generated(d: Dictionary, out_dir: str | Path) -> list[Path]:
    """Write the C header and the dispatch table into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in generated_files(d).items():
        path = out_dir / Path(rel).name
        path.write_text(text, encoding="ascii")
        written.append(path)
    return written
