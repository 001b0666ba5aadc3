"""The same firmware gives the same bytes on every target: recorded inputs
(commands good and bad, heartbeats, clock queries, line noise, encoder edges,
sensor values; tests/port_traces.py) played through the trace port
(csrc/firmware/trace) on the host build, the simulator port in the extension,
the ATmega2560 image in simavr and the Cortex-M3 image in QEMU; every UART
byte and every output change must be identical (the golden vectors,
tests/test_golden_vectors.py, are the fixed set with stored outputs).  An
8-bit AVR (16-bit int) and a 32-bit Cortex-M against x86-64 is where an
integer-width or signedness slip in the portable C would show."""
from __future__ import annotations

import pytest

import port_traces as T
from common.dictionary.packets import decode_tlm
from ground.golden.ports import Players
from ground.golden.records import first_difference, output_records
from hal.link import codec

SEEDS = (7, 8)


@pytest.fixture(scope="module")
def players(tmp_path_factory):
    with Players(tmp_path_factory.mktemp("tracebuild")) as p:
        yield p


def _frames(out: bytes):
    u = bytes(r[1] for _, r in output_records(out) if r[:1] == b"U")
    return codec.FrameDecoder().feed(u)


@pytest.mark.parametrize("role", ["mobility", "payload"])
def test_host_trace_exercises_the_firmware(players, role):
    if Players.missing("host"):
        pytest.skip(Players.missing("host"))
    out = players.play("host", role, T.make_trace(role, SEEDS[0]))
    assert out.endswith(b"Z")
    frames = _frames(out)
    kinds = {f.ftype for f in frames}
    assert {codec.T_IDENTIFY, codec.T_CLOCK, codec.T_TLM, codec.T_EVENT, codec.T_HEARTBEAT} <= kinds
    results = [bytes(f.payload) for f in frames if f.ftype == codec.T_EVENT]
    # CMD_RESULT events: [kind 1][seq][opcode u16][status][detail i32]
    statuses = {p[4] for p in results if len(p) == 9 and p[0] == 1}
    assert {0, 1, 2} <= statuses           # OK, unknown opcode, bad length
    tlm = [decode_tlm(T.D, bytes(f.payload))[0] for f in frames if f.ftype == codec.T_TLM]
    assert ("MOB_WHEELS" in tlm) if role == "mobility" else ("PAY_STATUS" in tlm)
    assert b"P" in out                      # outputs moved
    again = players.play("host", role, T.make_trace(role, SEEDS[0]))
    assert again == out


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("role", ["mobility", "payload"])
def test_simulator_port_matches_host_byte_for_byte(players, role, seed):
    if Players.missing("host"):
        pytest.skip(Players.missing("host"))
    trace = T.make_trace(role, seed)
    d = first_difference(players.play("host", role, trace), players.play("sim", role, trace))
    assert d is None, d.text()


@pytest.mark.boards
@pytest.mark.parametrize("port", ["avr", "arm"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("role", ["mobility", "payload"])
def test_mcu_matches_host_byte_for_byte(players, port, role, seed):
    for p in ("host", port):
        if Players.missing(p):
            pytest.skip(Players.missing(p))
    trace = T.make_trace(role, seed)
    d = first_difference(players.play("host", role, trace), players.play(port, role, trace))
    assert d is None, f"{port}, {role}, seed {seed}: {d.text()}"
