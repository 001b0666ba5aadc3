"""A second peer written from docs/protocol.md alone (tests/minipeer.py: its
own CRC, COBS, frames, session and decoding) talks to the host-built board
firmware on a pty: identify, open a session, commands and their CMD_RESULTs,
telemetry, and a FAULT event.  If the document left something out, this
peer would not interoperate."""
from __future__ import annotations

import binascii
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import minipeer as M

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs POSIX ptys"),
]


@given(st.binary(max_size=300))
def test_peer_crc_and_cobs_match_the_documented_definitions(data):
    assert M.crc16(data) == binascii.crc_hqx(data, 0xFFFF)
    enc = M.cobs_encode(data)
    assert b"\x00" not in enc and M.cobs_decode(enc) == data


def test_peer_reproduces_the_worked_example():
    # docs/protocol.md section 2
    assert M.frame(5, 0, 0, 0x01, bytes.fromhex("1000e803")).hex() == "020501030110" + "05e803610e00"
    assert M.frame(0, 5, 1, 0x02, b"\x00") == bytes.fromhex("01040501020 3fc1b00".replace(" ", ""))
    assert M.frame(7, 1, 1, 0x02, b"\x03") == bytes.fromhex("080701010203615d00")
    assert M.frame(9, 4, 1, 0x03, bytes([1, 5, 0])) == bytes.fromhex("07090401030105" + "0325eb00")


@pytest.fixture
def board(fw_exe, tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("needs gcc")
    link = Path(tmp_path) / f"mob-{random.randrange(1 << 30)}.pty"
    proc = subprocess.Popen([str(fw_exe), "--role", "mobility", "--pty-link", str(link),
                             "--seed", "3"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("PTY ")
    yield str(link)
    proc.terminate()
    proc.wait(timeout=5)


@pytest.mark.boards
def test_peer_from_the_document_drives_a_board(board):
    from common.dictionary import default_dictionary
    lay = M.Layouts()
    peer = M.Peer(board, lay)
    try:
        ident = peer.do_identify()
        assert ident["role"] == 1 and ident["hash32"] == default_dictionary().hash32
        assert ident["clock_hz"] == 1_000_000 and ident["max_payload"] == 64
        peer.open_session()
        peer.heartbeat()
        ok = lay.status["OK"]
        r = peer.command(lay.command("BOARD_TLM_PERIOD", period=50))
        assert r[0] == "CMD_RESULT" and r[3] == ok
        drive = dict(w_fl=800, w_fr=800, w_ml=800, w_mr=800, w_rl=800, w_rr=800,
                     s_fl=0, s_fr=0, s_rl=0, s_rr=0)
        for _ in range(8):
            peer.heartbeat()
            assert peer.command(lay.command("MOB_DRIVE", **drive))[3] == ok
            peer.pump(0.1)
        w = peer.wait(lambda: peer.tlm.get("MOB_WHEELS"))
        assert all(c > 0 for c in w["enc_count"])
        assert w["wheel_speed"] == pytest.approx([0.8] * 6, abs=0.1)
        # a refused command: CMD_RESULT with its status, then a FAULT event (bit 6)
        r = peer.command(lay.command("BOARD_HEATER", zone=0, target=5000))
        assert r[3] == lay.status["ARG_RANGE"] and r[4] == 1
        fault = peer.wait(lambda: next((e for e in peer.events if e[0] == "FAULT" and e[2] == 6), None))
        assert fault[3] is True and fault[4] & 0x40 and fault[5] == (0x1101 << 8) | lay.status["ARG_RANGE"]
        # a payload shorter than an opcode (docs/protocol.md 3.5)
        r = peer.command(b"\x01")
        assert r[2:] == (0, lay.status["BAD_LENGTH"], 0)
        # (the next MOB_BODY packets carry the latched bit; an older one may be on hand)
        assert peer.wait(lambda: peer.tlm.get("MOB_BODY", {}).get("fault_flags", 0) & 0x40)
        # selective repeat (section 3): a window of commands, the second one's
        # frame lost on the way; the board holds the rest, the peer resends
        # only the lost one, and every command runs once, in order
        peer.heartbeat()
        periods = [100 + 10 * i for i in range(7)]
        peer.lose_next = {peer.stamp + 1}
        peer.rto_s = 5.0           # only the selective ack may trigger the resend
        n_events = len(peer.events)
        seqs = peer.run([lay.command("BOARD_TLM_PERIOD", period=p) for p in periods])
        assert peer.retransmits == 1
        for s in seqs:
            peer.result(s)
        got = [e for e in peer.events[n_events:] if e[0] == "CMD_RESULT"]
        assert [e[1] for e in got] == seqs and all(e[3] == ok for e in got)
    finally:
        peer.close()
