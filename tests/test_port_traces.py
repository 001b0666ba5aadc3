"""The same firmware gives the same bytes on every target: recorded inputs
(commands good and bad, heartbeats, clock queries, line noise, encoder edges,
sensor values; tests/port_traces.py) played through the trace port
(csrc/firmware/trace) on the host build, the ATmega2560 image in simavr and
the Cortex-M3 image in QEMU; every UART byte and every output change must be
identical.  An 8-bit AVR (16-bit int) and a 32-bit Cortex-M against x86-64 is
where an integer-width or signedness slip in the portable C would show."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import port_traces as T
from common.dictionary.packets import decode_tlm
from hal.link import codec

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (7, 8)


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    if shutil.which("make") is None or shutil.which("gcc") is None:
        pytest.skip("needs make and gcc")
    b = tmp_path_factory.mktemp("tracebuild")
    r = subprocess.run(["make", "-s", "-C", str(ROOT / "csrc" / "firmware"), "trace-host", f"BUILD={b}"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return b


def _make_trace_images(build):
    r = subprocess.run(["make", "-s", "-C", str(ROOT / "csrc" / "firmware"), "trace", f"BUILD={build}"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _frames(out: bytes):
    u, i = bytearray(), 0
    while i < len(out):
        k = out[i]
        if k == ord("U"):
            u.append(out[i + 1])
            i += 2
        else:
            i += 4 if k in (ord("P"), ord("S")) else 1
    return codec.FrameDecoder().feed(bytes(u))


@pytest.mark.parametrize("role", ["mobility", "payload"])
def test_host_trace_exercises_the_firmware(build, role):
    out = T.run_host(build / "rover-fw-trace", role, T.make_trace(role, SEEDS[0]))
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
    again = T.run_host(build / "rover-fw-trace", role, T.make_trace(role, SEEDS[0]))
    assert again == out


@pytest.mark.boards
@pytest.mark.skipif(shutil.which("avr-gcc") is None or not os.path.exists("/usr/include/simavr/sim_avr.h"),
                    reason="needs gcc-avr, avr-libc and libsimavr-dev")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("role", ["mobility", "payload"])
def test_atmega2560_matches_host_byte_for_byte(build, role, seed, tmp_path):
    from ground import hil_launcher as L
    _make_trace_images(build)
    harness = L.build_simavr(build)["exe"]
    trace = T.make_trace(role, seed)
    host = T.run_host(build / "rover-fw-trace", role, trace)
    avr = T.run_simavr(harness, build / "avr" / f"rover-fw-trace-mega2560-{role}.hex", role, trace,
                       tmp_path)
    assert avr == host


@pytest.mark.boards
@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which("qemu-system-arm") is None,
                    reason="needs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm")
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("role", ["mobility", "payload"])
def test_cortex_m3_matches_host_byte_for_byte(build, role, seed):
    _make_trace_images(build)
    trace = T.make_trace(role, seed)
    host = T.run_host(build / "rover-fw-trace", role, trace)
    arm = T.run_qemu(build / "arm" / f"rover-fw-trace-mps2-an385-{role}.elf", trace)
    assert arm == host
