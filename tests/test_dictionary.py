"""The dictionary: loading, validation, conversions, limits, events, hash,
the generated C header (stale header fails) and the `rover dict` CLI."""
from __future__ import annotations

import copy
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from common.clock import SimClock
from common.dictionary import (DEFAULT_PATH, ArgDef, ArgumentError, ChannelDef, DictionaryError,
                               UnknownNameError, default_dictionary, load_dictionary)
from common.dictionary.c_header import REGEN_HINT, generated_files, render_dispatch, render_header
from common.dictionary.loader import build_dictionary
from common.dictionary.wire import encode_args, layout
from flight.tlm.bus import TelemetryBus

ROOT = Path(__file__).resolve().parents[1]
D = default_dictionary()
RAW = tomllib.loads(DEFAULT_PATH.read_text())


def raw():
    return copy.deepcopy(RAW)


# ---------------------------------------------------------------- content
def test_required_entries_exist():
    for c in ["NOOP", "LOG", "SET_MODE", "DRIVE_TO", "DRIVE_ARC", "TURN", "STOP", "CLEAR_STALL",
              "HEATER_SET", "FP_SET_LIMITS", "FP_RESPONSE", "PAYLOAD_HANDOVER", "CLEAR_FAULT"]:
        assert c in D.commands
    for t in ["rover.x_m", "rover.y_m", "rover.yaw_deg", "rover.speed_mps", "rover.pitch_deg",
              "rover.roll_deg", "rover.nav_state", "rover.stalled_wheels", "rover.distance_m",
              "power.soc_pct", "power.battery_v", "power.battery_a", "power.solar_w",
              "power.energy_used_j", "thermal.ebox_c", "heater.ebox_duty", "mode",
              "link.mobility.heartbeat_age_ms", "link.payload.heartbeat_age_ms"] + \
             [f"seq.{s}.{f}" for s in ("mobility", "payload", "fault", "boot") for f in ("state", "line")]:
        assert t in D.telemetry
    for e in ["MODE_CHANGED", "MODE_REFUSED", "CMD_DISPATCHED", "CMD_COMPLETED", "CMD_FAILED",
              "CMD_REFUSED", "CMD_TIMEOUT", "SEQ_STARTED", "SEQ_COMPLETED", "SEQ_FAILED",
              "SEQ_ABORTED", "CHECK_FAILED", "WAIT_TIMEOUT", "FP_MONITOR_TRIPPED",
              "FP_MONITOR_CLEARED", "FP_RESPONSE_FIRED", "FP_TABLE_LOADED", "HAZARD_STOP",
              "WHEEL_STALL", "LINK_LOST", "LINK_RESTORED", "LOG"]:
        assert e in D.events
    assert D.modes == ("BOOT", "SAFE", "IDLE", "DRIVE", "PRINT", "SURVIVAL")


def test_mode_rules():
    assert D.command("DRIVE_TO").modes == ("DRIVE",)
    for c in ("STOP", "NOOP", "LOG", "SET_MODE"):
        assert set(D.command(c).modes) == set(D.modes)
    assert "DRIVE" in D.command("DRIVE_TO").modes and "SAFE" not in D.command("TURN").modes
    assert D.command("FP_RESPONSE").critical and not D.command("NOOP").critical
    assert D.command("DRIVE_TO").timeout_s > 0


def test_command_lookup_suggests():
    with pytest.raises(UnknownNameError, match=r"unknown command 'DRIVE_T0'; did you mean DRIVE_TO"):
        D.command("DRIVE_T0")
    with pytest.raises(KeyError, match="did you mean"):
        D.command("HEATER")
    assert D.by_opcode[0x0201].name == "DRIVE_TO"


# ---------------------------------------------------------------- conversion
def test_convert_units():
    speed = D.command("DRIVE_TO").arg("speed")
    assert speed.convert(0.1) == 0.1
    assert speed.convert(20, "cm/s") == 0.2          # exactly at the limit, no float noise
    assert speed.convert(200, "m/h") == pytest.approx(0.0555555556)
    assert D.command("DRIVE_TO").arg("x").convert(-0.2, "km") == -200
    assert D.command("TURN").arg("angle").convert(-90000, "mdeg") == -90
    assert D.command("HEATER_SET").arg("temp").convert(293.15, "K") == pytest.approx(20.0)


@pytest.mark.parametrize("arg,value,unit,msg", [
    (("DRIVE_TO", "speed"), 0.3, None, r"0\.3 m/s is out of range 0\.01\.\.0\.2 m/s"),
    (("DRIVE_TO", "speed"), 21, "cm/s", "out of range"),
    (("DRIVE_TO", "x"), 1, "deg", r"cannot convert deg \(angle\) to m \(length\)"),
    (("DRIVE_TO", "x"), 1, "furlong", "unknown unit 'furlong'"),
    (("DRIVE_TO", "x"), "10", None, "expects a number"),
    (("DRIVE_TO", "x"), True, None, "expects a number"),
    (("DRIVE_TO", "x"), float("nan"), None, "not a finite number"),
    (("SET_MODE", "mode"), "FLY", None, "'FLY' is not one of BOOT"),
    (("SET_MODE", "mode"), 3, None, "expects a name"),
    (("SET_MODE", "mode"), "DRIVE", "m", "takes no unit"),
    (("LOG", "text"), "x" * 81, None, "string of 81 bytes is outside 0..80 bytes"),
    (("FP_RESPONSE", "name"), "", None, "outside 1..32"),
])
def test_convert_rejects(arg, value, unit, msg):
    a = D.command(arg[0]).arg(arg[1])
    with pytest.raises(ArgumentError, match=msg):
        a.convert(value, unit)


def test_integer_args():
    a = ArgDef("n", "u8", unit="ms", min=0, max=200)
    assert a.convert(0.1, "s") == 100 and isinstance(a.convert(0.1, "s"), int)
    with pytest.raises(ArgumentError, match="must be a whole number"):
        a.convert(1.5)
    with pytest.raises(ArgumentError, match="out of range 0..200"):
        a.convert(201)
    b = ArgDef("n", "i8")
    assert b.convert(-128) == -128
    with pytest.raises(ArgumentError, match="out of range -128..127"):
        b.convert(128)


@given(st.floats(-1e4, 1e4, allow_nan=False))
def test_never_clamps(v):
    a = D.command("DRIVE_TO").arg("x")
    try:
        out = a.convert(v)
    except ArgumentError:
        assert not -200 <= v <= 200
    else:
        assert out == v and -200 <= v <= 200


def test_convert_args_whole_command():
    c = D.command("DRIVE_TO")
    assert c.convert_args({"x": 1, "y": 2, "speed": 5}, {"speed": "cm/s"}) == {"x": 1.0, "y": 2.0, "speed": 0.05}
    with pytest.raises(ArgumentError, match="missing argument"):
        c.convert_args({"x": 1, "y": 2})
    with pytest.raises(ArgumentError, match="unknown argument"):
        c.convert_args({"x": 1, "y": 2, "speed": 0.1, "z": 1})


# ---------------------------------------------------------------- telemetry limits
def test_limit_state():
    tilt = D.channel("rover.pitch_deg")
    assert [tilt.limit_state(v) for v in (0, 14.9, 15.1, 20.5, -16, -25)] == \
        ["GREEN", "GREEN", "YELLOW", "RED", "YELLOW", "RED"]
    soc = D.channel("power.soc_pct")
    assert [soc.limit_state(v) for v in (90, 30, 10)] == ["GREEN", "YELLOW", "RED"]
    assert D.channel("thermal.ebox_c").limit_state(60) == "RED"
    assert D.channel("mode").limit_state("SAFE") == "GREEN"
    assert ChannelDef("x", "f32").limit_state(1e9) == "GREEN"
    assert tilt.limit_state(float("nan")) == "RED"


# ---------------------------------------------------------------- events
def test_event_format_and_bus_formatter():
    ev = D.event("CMD_REFUSED")
    assert ev.format_message({"command": "TURN", "reason": "mode SAFE"}) == "TURN refused: mode SAFE"
    assert ev.format_message({"command": "TURN"}) == "TURN refused: <reason?>"   # never raises
    bus = TelemetryBus(SimClock(1234), D.event_formatter())
    e = bus.emit("LINK_LOST", link="mobility", age_ms=2500)
    assert (e.severity, e.message, e.t_ms) == ("ERROR", "link mobility lost: heartbeat age 2500 ms", 1234)
    w = bus.emit("NOT_DECLARED", a=1)
    assert w.severity == "WARN" and "undeclared event NOT_DECLARED" in w.message


# ---------------------------------------------------------------- validation
def _expect_problem(mutate, text):
    r = raw()
    mutate(r)
    with pytest.raises(DictionaryError) as ei:
        build_dictionary(r, source="test.toml")
    assert any(text in p for p in ei.value.problems), ei.value.problems
    assert str(ei.value).startswith("test.toml:")


def test_validation_duplicate_name():
    _expect_problem(lambda r: r["command"].append(dict(r["command"][0], opcode=0x7777)),
                    "duplicate command name NOOP")


def test_validation_duplicate_opcode():
    _expect_problem(lambda r: r["command"].append(dict(r["command"][0], name="NOOP2")),
                    "NOOP2: opcode 0x0001 already used by NOOP")


def test_validation_duplicate_event_id_and_channel():
    _expect_problem(lambda r: r["event"].append(dict(r["event"][0], name="X")), "event id 1 already used")
    _expect_problem(lambda r: r["telemetry"].append(r["telemetry"][0]), "duplicate channel name mode")


def test_validation_range_outside_type():
    def m(r):
        r["command"][0]["args"] = [{"name": "n", "type": "u8", "min": 0, "max": 300}]
    _expect_problem(m, "command #1 NOOP, arg #1 n: max=300 is outside the range of u8")


def test_validation_unknown_unit_and_empty_enum_and_bad_limits():
    def m(r):
        r["command"][0]["args"] = [{"name": "d", "type": "f32", "unit": "furlong"},
                                   {"name": "e", "type": "enum", "values": []}]
        r["telemetry"][1]["red_high"] = -1000
        r["telemetry"][1]["yellow_high"] = 10
    for text in ("arg #1 d: unknown unit 'furlong'", "arg #2 e: enum needs a non-empty list",
                 "limits must satisfy"):
        _expect_problem(m, text)


def test_validation_bad_event_format_and_severity():
    def m(r):
        r["event"][0]["format"] = "positional {} field"
        r["event"][1]["severity"] = "LOUD"
    _expect_problem(m, "fields must be named")
    _expect_problem(m, "severity must be one of")


def test_validation_lists_all_problems(tmp_path):
    p = tmp_path / "d.toml"
    p.write_text('[meta]\nmodes=["A"]\nseverities=["INFO"]\n'
                 '[[command]]\nname="X"\nopcode=0\n[[command]]\nname="y"\nopcode=1\n'
                 '[[event]]\nid=1\nname="E"\nseverity="INFO"\nformat="{a}"\nextra=1\n'
                 '[[event]]\nid=2\nname="UNDECLARED_EVENT"\nseverity="INFO"\nformat="{event}"\n')
    with pytest.raises(DictionaryError) as ei:
        load_dictionary(p)
    assert len(ei.value.problems) == 3 and str(p) in str(ei.value)


def test_toml_syntax_error_names_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[[command]\n")
    with pytest.raises(DictionaryError, match=r"(?s)bad\.toml: .*TOML syntax"):
        load_dictionary(p)


# ---------------------------------------------------------------- hash
def test_hash_is_independent_of_order_formatting_and_descriptions():
    r = raw()
    r["command"].reverse()
    r["telemetry"].reverse()
    for c in r["command"]:
        c["description"] = "changed"
        for a in c.get("args", []):
            a.pop("description", None)
    d2 = build_dictionary(r)
    assert d2.hash == D.hash and len(D.hash) == 64
    assert D.hash32 == int(D.hash[:8], 16)
    assert default_dictionary() is D          # cached


def test_hash_changes_with_content():
    r = raw()
    r["command"][4]["args"][2]["max"] = 0.25
    assert build_dictionary(r).hash != D.hash
    r = raw()
    r["command"][4]["args"].reverse()         # argument order is the wire layout
    assert build_dictionary(r).hash != D.hash


# ---------------------------------------------------------------- wire and C header
def test_wire_layout_and_encoding():
    lay = {f.arg.name: f for f in layout(D.command("DRIVE_TO"))}
    assert [(f.offset, f.size, f.wire_type) for f in lay.values()] == [(0, 4, "i32"), (4, 4, "i32"), (8, 4, "i32")]
    assert (lay["x"].min, lay["x"].max, lay["speed"].min, lay["speed"].max) == (-200000, 200000, 10, 200)
    t = {f.arg.name: f for f in layout(D.command("HEATER_SET"))}
    assert (t["temp"].min, t["temp"].max, t["temp"].wire_unit) == (0, 600, "deci-C")
    b = encode_args(D.command("DRIVE_TO"), {"x": 1.5, "y": -2.0, "speed": 0.05})
    assert b == (1500).to_bytes(4, "little", signed=True) + (-2000).to_bytes(4, "little", signed=True) \
        + (50).to_bytes(4, "little", signed=True)
    s = encode_args(D.command("FP_RESPONSE"), {"name": "ab", "state": "DISABLED"})
    assert s[:3] == b"\x02ab" and len(s) == 33 + 1 and s[-1] == 2


def test_committed_generated_files_are_current():
    for rel, text in generated_files(D).items():
        path = ROOT / rel
        assert path.exists(), f"{rel} is missing; regenerate with: {REGEN_HINT}"
        assert path.read_text() == text, \
            f"{rel} is stale (dictionary changed); regenerate with: {REGEN_HINT}"


def test_header_reflects_dictionary():
    h = render_header(D)
    assert f'#define ROVER_DICT_HASH_HEX "{D.hash}"' in h
    assert f"#define ROVER_DICT_HASH32 0x{D.hash32:08X}UL" in h
    assert "#define ROVER_OP_DRIVE_TO 0x0201u" in h
    assert "#define ROVER_DRIVE_TO_SPEED_MAX 200L" in h
    assert "#define ROVER_SET_MODE_MODE_DRIVE 3" in h


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")
def test_header_compiles_as_c99(tmp_path):
    src = tmp_path / "use.c"
    src.write_text('#include "rover_dictionary.h"\n'
                   "int op_ok(void) { return rover_cmd_defs[0].opcode == ROVER_OP_NOOP"
                   " && ROVER_DRIVE_TO_PAYLOAD_SIZE == 12; }\n")
    inc = ROOT / "csrc" / "generated"
    for args in (["-fsyntax-only", "-x", "c", str(inc / "rover_dictionary.h")], ["-c", "-o", str(tmp_path / "u.o"), str(src)]):
        r = subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-I", str(inc)] + args,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- CLI
def test_cli_listings():
    from ground.cli.dict_cmd import dict_cmd
    r = CliRunner()
    out = r.invoke(dict_cmd, ["commands"])
    assert out.exit_code == 0 and "0x0201 DRIVE_TO" in out.output and "0.01..0.2 m/s" in out.output
    out = r.invoke(dict_cmd, ["telemetry"])
    assert out.exit_code == 0 and "rover.pitch_deg" in out.output and "red>20" in out.output
    out = r.invoke(dict_cmd, ["events"])
    assert out.exit_code == 0 and "LINK_LOST" in out.output and "ERROR" in out.output
    out = r.invoke(dict_cmd, ["hash"])
    assert out.output.split() == [D.hash, f"0x{D.hash32:08X}"]
    out = r.invoke(dict_cmd, [])
    assert "# commands" in out.output and "# events" in out.output


def test_cli_header_and_bad_dictionary(tmp_path):
    from ground.cli.dict_cmd import dict_cmd
    r = CliRunner()
    out = r.invoke(dict_cmd, ["header", "-o", str(tmp_path)])
    assert out.exit_code == 0 and (tmp_path / "rover_dictionary.h").read_text() == render_header(D)
    assert (tmp_path / "fw_dispatch.h").read_text() == render_dispatch(D)
    bad = tmp_path / "bad.toml"
    bad.write_text("[meta]\nmodes=[]\n")
    out = r.invoke(dict_cmd, ["--file", str(bad), "hash"])
    assert out.exit_code == 2 and "meta.modes must be a non-empty list" in out.output
    assert "Traceback" not in out.output


# ---------------------------------------------------------------- board commands and packets
def test_board_commands_are_separate_from_flight_commands():
    assert {"MOB_DRIVE", "MOB_CLEAR_STALL", "MOB_RESET_ODOM", "BOARD_HEATER", "BOARD_SAFE",
            "BOARD_CLEAR_FAULT", "BOARD_TLM_PERIOD"} <= set(D.board_commands)
    assert not set(D.board_commands) & set(D.commands)
    assert D.board_command("MOB_DRIVE").board == "mobility"
    assert D.board_by_opcode[D.board_command("BOARD_SAFE").opcode].name == "BOARD_SAFE"
    assert D.roles == {"mobility": 1, "payload": 2}
    lay = layout(D.board_command("MOB_DRIVE"))
    assert len(lay) == 10 and all(f.wire_type == "i16" for f in lay)
    assert (lay[0].min, lay[0].max, lay[6].min, lay[6].max) == (-2000, 2000, -1200, 1200)


def test_packets_layout_and_limits():
    from common.dictionary.model import PACKET_MAX_PAYLOAD
    assert {"MOB_WHEELS", "MOB_BODY", "PAY_STATUS", "LINK_STATS"} <= set(D.packets)
    for k in D.packets.values():
        assert k.size <= PACKET_MAX_PAYLOAD
        off = 1
        for f in k.fields:
            assert f.offset == off
            off += f.total_size
    w = D.packet("MOB_WHEELS")
    assert w.field("enc_count").count == 6 and w.field("enc_count").offset == 5


def test_packet_codec_round_trip():
    from common.dictionary.packets import (CmdResult, PacketError, decode_packet, decode_tlm,
                                           encode_board_command, encode_packet)
    vals = {"time_ms": 4000000000, "steer": [0.5, -0.25, 0, 1.2], "pitch": -12.345,
            "battery_a": -1.5, "fault_flags": 0x41, "energy_used": 12345}
    b = encode_packet(D, "MOB_BODY", vals)
    assert len(b) == D.packet("MOB_BODY").size
    name, out = decode_tlm(D, b)
    assert name == "MOB_BODY" and out["time_ms"] == 4000000000 and out["fault_flags"] == 0x41
    assert out["steer"] == pytest.approx([0.5, -0.25, 0, 1.2]) and out["pitch"] == pytest.approx(-12.345)
    assert decode_packet(D, b[0], b[1:]) == (name, out)
    with pytest.raises(PacketError):
        decode_packet(D, 0xEE, b)
    with pytest.raises(PacketError):
        decode_tlm(D, b[:-1] + b"\0\0")
    with pytest.raises(PacketError):
        encode_packet(D, "PAY_STATUS", {"heater_duty": 300})
    p = encode_board_command(D, "BOARD_HEATER", zone=0, target=10000)
    assert p == bytes([0x01, 0x11, 0, 0x10, 0x27])
    with pytest.raises(ArgumentError):
        encode_board_command(D, "MOB_CLEAR_STALL", wheel=7)
    r = CmdResult(5, 0x1001, 3, 2)
    assert CmdResult.unpack(r.pack()) == r and r.status_name(D) == "ARG_RANGE"


def test_board_and_packet_validation():
    def dup_pkt(r):
        r["packet"].append(dict(r["packet"][0], name="X_PKT"))
    _expect_problem(dup_pkt, "packet id 0x01 already used by MOB_WHEELS")

    def big(r):
        r["packet"][0]["fields"] = [{"name": "a", "type": "u32", "count": 16}]
    _expect_problem(big, "payload is 65 bytes with the id byte, more than 64")

    def badtype(r):
        r["packet"][0]["fields"] = [{"name": "a", "type": "f32"}]
    _expect_problem(badtype, "type must be one of i8, u8")

    def badboard(r):
        r["packet"][0]["board"] = "arm"
        r["command"][-1]["board"] = "science"
    _expect_problem(badboard, "board must be one of mobility, payload, any, got 'arm'")
    _expect_problem(badboard, "got 'science'")

    def board_modes(r):
        r["command"][-1]["modes"] = ["ALL"]
    _expect_problem(board_modes, "a board command takes no modes")


def test_header_has_board_tables():
    h = render_header(D)
    assert "#define ROVER_BOARD_MOBILITY 1" in h and "#define ROVER_BOARD_PAYLOAD 2" in h
    assert "#define ROVER_OP_MOB_DRIVE 0x1001u" in h
    assert "rover_board_cmd_defs[ROVER_BOARD_CMD_COUNT]" in h
    assert "#define ROVER_PKT_MOB_WHEELS_ENC_COUNT_OFFSET 5" in h


def test_sequence_checker_refuses_board_commands(tmp_path):
    from flight.seq import check_sequence
    f = tmp_path / "b.seq"
    f.write_text("BOARD_SAFE\n")
    errs = check_sequence(f, D)
    assert len(errs) == 1 and "board-level command 'BOARD_SAFE'" in str(errs[0])
