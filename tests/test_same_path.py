"""Bad input, same answer in both worlds: the in-process board (sim://, the
firmware on the simulator port) and the host-built board on a line refuse the
same out-of-range, malformed and wrong-board commands with the same CMD_RESULT
status and detail, because they are the same dispatch code."""
from __future__ import annotations

import os
import random
import struct
import subprocess
from pathlib import Path

import pytest

import minipeer as M
from sim_hw.simulator import Simulator
from sim_hw.site import site_from_name
from common.dictionary.packets import CmdResult

pytestmark = [pytest.mark.boards,
              pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs POSIX ptys")]

BAD = [
    struct.pack("<Hhhhhhhhhhh", 0x1001, 2001, 0, 0, 0, 0, 0, 0, 0, 0, 0),  # wheel over range
    struct.pack("<Hhhhhhhhhhh", 0x1001, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1201),  # steer under range
    struct.pack("<HB", 0x1002, 7),                 # MOB_CLEAR_STALL wheel 7
    struct.pack("<HBh", 0x1101, 0, 5000),          # mobility heater above 60 C
    struct.pack("<HBh", 0x1101, 1, 100),           # no heater zone 1
    struct.pack("<HB", 0x1101, 0),                 # short arguments
    struct.pack("<H", 0x7777),                     # unknown opcode
    b"\x02",                                       # shorter than an opcode
    struct.pack("<HBh", 0x1101, 0, 300) + b"\x00",  # one byte too many
]


@pytest.fixture
def line_board(fw_exe, tmp_path):
    link = Path(tmp_path) / f"mob-{random.randrange(1 << 30)}.pty"
    proc = subprocess.Popen([str(fw_exe), "--role", "mobility", "--pty-link", str(link)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("PTY ")
    peer = M.Peer(str(link))
    yield peer
    peer.close()
    proc.terminate()
    proc.wait(timeout=5)


def test_bad_commands_get_the_same_refusals_in_process_and_on_a_line(line_board):
    sim = Simulator(site_from_name("flat", 0, size_m=30.0), seed=0)
    peer = line_board
    peer.do_identify()
    peer.open_session()
    in_process, on_line = [], []
    for payload in BAD:
        r = CmdResult.unpack(sim.command("mobility", 1, payload))
        in_process.append((r.opcode, r.status, r.detail))
        _, _, opcode, status, detail = peer.command(payload)
        on_line.append((opcode, status, detail))
    assert in_process == on_line
    assert all(status != 0 for _, status, _ in on_line)          # every one refused
    # and the wrong board: a mobility command to the payload board
    pay = CmdResult.unpack(sim.command("payload", 1, BAD[2]))
    assert pay.status == peer.lay.status["WRONG_BOARD"]
