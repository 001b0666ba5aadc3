"""Golden vectors (docs/golden_vectors.md): the stored inputs in
tests/data/golden played on every port of the firmware give the stored
outputs byte for byte: the trace port built for this machine (host), the
simulator port in the extension (sim), the ATmega2560 image in simavr (avr)
and the Cortex-M3 image in QEMU (arm).  The vectors must also exercise what
they claim to (decoded here), and `rover golden` must report a changed
vector by name and first differing byte, write nothing without --write,
and refuse bad input with one line and exit status 2."""
from __future__ import annotations

import shutil
import struct
from collections import Counter

import pytest
from click.testing import CliRunner

from common.dictionary import default_dictionary
from common.dictionary.packets import decode_event, decode_tlm
from ground.golden import store
from ground.golden.ports import Players
from ground.golden.records import first_difference, input_records, output_records
from ground.golden.vectors import VECTORS
from hal.link import codec

NAMES = list(VECTORS)
D = default_dictionary()


@pytest.fixture(scope="module")
def players(tmp_path_factory):
    with Players(tmp_path_factory.mktemp("goldenbuild")) as p:
        yield p


def _check(players, port, name):
    why = Players.missing(port)
    if why:
        pytest.skip(why)
    r = store.check_one(players, port, name)
    assert r.ok, r.text()


@pytest.mark.parametrize("name", NAMES)
def test_simulator_port_gives_the_stored_bytes(players, name):
    _check(players, "sim", name)


@pytest.mark.parametrize("name", NAMES)
def test_host_port_gives_the_stored_bytes(players, name):
    _check(players, "host", name)


@pytest.mark.boards
@pytest.mark.parametrize("name", NAMES)
def test_atmega2560_gives_the_stored_bytes(players, name):
    _check(players, "avr", name)


@pytest.mark.boards
@pytest.mark.parametrize("name", NAMES)
def test_cortex_m3_gives_the_stored_bytes(players, name):
    _check(players, "arm", name)


def test_every_vector_is_stored_small_and_nothing_else_is():
    for name in NAMES:
        trace, expected = store.load(name)
        assert expected.endswith(b"Z"), name
        assert len(trace) <= store.MAX_VECTOR_BYTES and len(expected) <= store.MAX_VECTOR_BYTES
    assert store.stray_files() == []
    total = sum(p.stat().st_size for p in store.GOLDEN_DIR.iterdir())
    assert total < 400_000, f"the golden vectors hold {total} bytes"


# ---------------------------------------------------------------- what the vectors cover
def _decoded(name):
    """(CMD_RESULT statuses, FAULT events, packets, frame types) of a stored output."""
    _, out = store.load(name)
    statuses, faults, packets, ftypes, steps = Counter(), [], [], Counter(), Counter()
    uart = bytearray()
    for _, r in output_records(out):
        k = chr(r[0])
        if k == "C":
            statuses[struct.unpack("<BHBi", r[2:10])[2]] += 1
        elif k == "K" and len(r) > 2:
            packets.append(decode_tlm(D, bytes(r[2:])))
        elif k == "U":
            uart.append(r[1])
        elif k == "T":
            steps[r[1]] += 1
    if name.endswith("_line_session"):
        for f in codec.FrameDecoder().feed(bytes(uart)):
            ftypes[f.ftype] += 1
            if f.ftype == codec.T_EVENT:
                ev = decode_event(bytes(f.payload))
                if hasattr(ev, "status"):
                    statuses[ev.status] += 1
                else:
                    faults.append(ev)
            elif f.ftype == codec.T_TLM:
                packets.append(decode_tlm(D, bytes(f.payload)))
    else:
        i = 0
        while i < len(uart):
            n = uart[i]
            faults.append(decode_event(bytes(uart[i + 1:i + 1 + n])))
            i += 1 + n
    return statuses, faults, packets, ftypes, steps


def _bits_set(faults):
    return {f.bit for f in faults if f.set}


def test_vectors_cover_every_rejection_on_both_boards():
    for name in ("mob_bad_commands", "pay_deadman"):
        statuses = _decoded(name)[0]
        # OK, unknown opcode, bad length, argument range, not allowed (latched), wrong board
        assert {0, 1, 2, 3, 5} <= set(statuses), (name, statuses)
    assert 4 in _decoded("pay_deadman")[0]
    assert 6 in _bits_set(_decoded("mob_bad_commands")[1])      # BAD_COMMAND latched


def test_mobility_vectors_cover_the_deadlines_latches_and_stall():
    faults = _decoded("mob_deadman")[1]
    # HEARTBEAT_LOST (0), DRIVE_DEADLINE (1), HEATER_DEADLINE (2), OFF_MAP (5)
    assert {0, 1, 2, 5} <= _bits_set(faults)
    assert {0, 1, 2, 5} <= {f.bit for f in faults if not f.set}, "each also clears"
    assert 4 in _bits_set(_decoded("mob_drive")[1])              # STALL
    heater = [f for f in _decoded("mob_heater")[1] if f.bit == 3 and f.set]
    assert [f.detail for f in heater] == [2]                     # UNDERTEMP: sensor open
    wheels = [v for n, v in _decoded("mob_drive")[2] if n == "MOB_WHEELS"]
    assert max(abs(c) for w in wheels for c in w["enc_count"]) > 100, "the wheels turned"


def test_payload_vectors_cover_heater_guards_homing_and_motion():
    details = [f.detail for f in _decoded("pay_heater")[1] if f.bit == 3 and f.set]
    assert {1, 3, 4} <= set(details), details                    # OVERTEMP, RUNAWAY, NO_GAIN
    printer = [v for n, v in _decoded("pay_homing")[2] if n == "PAY_PRINTER"]
    states = {s for v in printer for s in v["home_state"]}
    assert {1, 2, 3, 4, 5} <= states                             # seek .. done, failed
    assert any(v["homed"] == 15 for v in printer)
    motion = [v for n, v in _decoded("pay_motion")[2] if n == "PAY_PRINTER"]
    assert any(v["moving"] for v in motion) and max(v["queued"] for v in motion) == 4
    assert motion[-1]["moves_done"] >= 5
    assert set(_decoded("pay_motion")[4]) == {0, 1, 2, 3}       # steps on every axis
    assert 0 in _bits_set(_decoded("pay_deadman")[1])            # HEARTBEAT_LOST


def test_line_vectors_carry_the_link():
    for name, pkt in (("mob_line_session", "MOB_WHEELS"), ("pay_line_session", "PAY_STATUS")):
        statuses, _, packets, ftypes, _ = _decoded(name)
        assert {codec.T_IDENTIFY, codec.T_CLOCK, codec.T_TLM, codec.T_EVENT, codec.T_HEARTBEAT} <= set(ftypes)
        assert {0, 1, 2} <= set(statuses), (name, statuses)
        assert pkt in {n for n, _ in packets}


# ---------------------------------------------------------------- the tool
def test_first_difference_names_the_byte_and_both_records():
    _, out = store.load("pay_homing")
    bad = bytearray(out)
    i = next(off for off, r in output_records(out) if r[:1] == b"T") + 2
    bad[i] ^= 0x01
    d = first_difference(out, bytes(bad))
    assert d.offset == i
    assert d.expected_record.startswith("T steps axis") and d.got_record.startswith("T steps axis")
    assert d.expected_record != d.got_record
    assert first_difference(out, out + b"x").offset == len(out)
    assert first_difference(out, out) is None


def test_check_reports_vector_port_offset_and_both_sides(tmp_path, monkeypatch):
    from ground.cli.golden_cmd import golden
    d = tmp_path / "golden"
    shutil.copytree(store.GOLDEN_DIR, d)
    out = bytearray((d / "mob_heater.out").read_bytes())
    off = next(o for o, r in output_records(bytes(out)) if r[:1] == b"C")
    out[off + 6] ^= 0x04                      # the status byte of the first result
    (d / "mob_heater.out").write_bytes(bytes(out))
    monkeypatch.setattr(store, "GOLDEN_DIR", d)
    r = CliRunner().invoke(golden, ["check", "--port", "sim", "mob_heater", "mob_drive"])
    assert r.exit_code == 1, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("FAIL"))
    assert "mob_heater on sim" in line and f"output byte {off + 6}" in line
    assert "expected [C result" in line and "got [C result" in line
    assert "ok   mob_drive on sim" in r.output


def test_regen_reports_changes_and_writes_only_when_told(tmp_path, monkeypatch, players):
    d = tmp_path / "golden"
    shutil.copytree(store.GOLDEN_DIR, d)
    good = (d / "pay_motion.out").read_bytes()
    (d / "pay_motion.out").write_bytes(good[:100] + bytes([good[100] ^ 0xFF]) + good[101:])
    (d / "mob_heater.in").unlink()
    (d / "mob_heater.out").unlink()
    changes = store.regenerate(players, ["pay_motion", "mob_heater", "pay_homing"], ports=("sim",),
                               where=d)
    what = {c.name: c.what for c in changes}
    assert what == {"pay_motion": "changed", "mob_heater": "new", "pay_homing": "unchanged"}
    text = next(c.text() for c in changes if c.name == "pay_motion")
    assert "pay_motion" in text and "output byte 100" in text
    assert (d / "pay_motion.out").read_bytes() != good          # not written yet
    assert store.write(changes, d) == ["pay_motion", "mob_heater"]
    assert (d / "pay_motion.out").read_bytes() == good
    assert (d / "mob_heater.in").read_bytes() == VECTORS["mob_heater"].make()   # a new vector: its recipe


def test_regen_cli_is_a_dry_run_without_write(tmp_path, monkeypatch):
    from ground.cli.golden_cmd import golden
    r = CliRunner().invoke(golden, ["regen", "--port", "sim", "pay_homing", "mob_bad_commands"])
    assert r.exit_code == 0, r.output
    assert "unchanged pay_homing" in r.output and "all vectors unchanged" in r.output


@pytest.mark.parametrize("args, words", [
    (["check", "nosuch"], "no golden vector 'nosuch'"),
    (["regen", "nosuch"], "no golden vector 'nosuch'"),
    (["show", "nosuch"], "no golden vector 'nosuch'"),
    (["check", "--port", "z80"], "Invalid value for '--port'"),
])
def test_bad_cli_input_is_one_line_exit_2(args, words):
    from ground.cli.golden_cmd import golden
    r = CliRunner().invoke(golden, args)
    assert r.exit_code == 2, r.output
    assert words in r.output
    assert "Traceback" not in r.output


def test_a_cut_short_vector_is_a_clear_error(tmp_path):
    d = tmp_path / "golden"
    shutil.copytree(store.GOLDEN_DIR, d)
    trace = (d / "mob_drive.in").read_bytes()
    (d / "mob_drive.in").write_bytes(trace[:-1])
    with pytest.raises(store.GoldenError, match=r"mob_drive\.in: the trace does not end with"):
        store.load("mob_drive", d)
    at = [off for off, _ in input_records(trace)][100]
    (d / "mob_drive.in").write_bytes(trace[:at] + b"R\x30")
    with pytest.raises(store.GoldenError, match=rf"mob_drive\.in: input: record 'R' at byte {at} is cut"):
        store.load("mob_drive", d)


def test_show_decodes_a_vector():
    from ground.cli.golden_cmd import golden
    r = CliRunner().invoke(golden, ["show", "pay_heater"])
    assert r.exit_code == 0, r.output
    assert "< C cmd" in r.output and "> K PAY_STATUS" in r.output and "FaultEvent" in r.output
    r = CliRunner().invoke(golden, ["show", "pay_heater", "--limit", "50"])
    assert r.exit_code == 0 and len(r.output.splitlines()) <= 52


@pytest.mark.boards
def test_regen_write_makes_every_available_port_agree_first(tmp_path, monkeypatch):
    from ground.cli.golden_cmd import golden
    for p in ("host", "avr", "arm"):
        if Players.missing(p):
            pytest.skip(Players.missing(p))
    d = tmp_path / "golden"
    shutil.copytree(store.GOLDEN_DIR, d)
    good = (d / "mob_bad_commands.out").read_bytes()
    (d / "mob_bad_commands.out").write_bytes(good[:-2] + b"Z")
    monkeypatch.setattr(store, "GOLDEN_DIR", d)
    r = CliRunner().invoke(golden, ["regen", "--write", "--build-dir", str(tmp_path / "build"),
                                    "mob_bad_commands"])
    assert r.exit_code == 0, r.output
    assert "ports compared: host, sim, avr, arm" in r.output
    assert "changed   mob_bad_commands" in r.output and "wrote 1 vector(s)" in r.output
    assert (d / "mob_bad_commands.out").read_bytes() == good
