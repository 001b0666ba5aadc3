"""The firmware on a Cortex-M3 in QEMU (csrc/firmware/port_arm, machine
mps2-an385): the image built with arm-none-eabi-gcc, UART0 on a pty, the
plant linked into the image.  The link protocol, dispatch and loops run on
the emulated MCU; the host talks to it over pyserial as to any board."""
from __future__ import annotations

import shutil

import pytest

from ground import hil_launcher as L
from mcu_drive import drive_six_wheels

pytestmark = [
    pytest.mark.boards,
    pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None,
                       reason="needs gcc-arm-none-eabi and libnewlib-arm-none-eabi"),
    pytest.mark.skipif(shutil.which("qemu-system-arm") is None, reason="needs qemu-system-arm"),
]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    build = tmp_path_factory.mktemp("armbuild")
    with L.EmulatedBench(["mobility", "payload"], emulator="qemu", build_dir=build,
                         dir_=tmp_path_factory.mktemp("qemu")) as b:
        yield b


def test_both_boards_identify_on_the_cortex_m3(bench):
    from ground.board_probe import identify
    for role in ("mobility", "payload"):
        r = identify(bench.ports[role], timeout_s=3.0)
        assert r["role"] == role and r["hash_ok"] and r["clock_hz"] == 1_000_000, r


def test_six_wheels_turn_on_the_cortex_m3(bench):
    last, seen = drive_six_wheels(bench.ports["mobility"])
    w, b = last["MOB_WHEELS"], last["MOB_BODY"]
    assert all(c > 100 for c in w["enc_count"]), w["enc_count"]
    # Over the whole run, not its last samples: QEMU runs on the wall clock, and
    # on a loaded host a late refresh lets the board's drive deadline stop the
    # wheels (as it must) near the end; reaching the commanded speed is the claim.
    peak = [max(p["wheel_speed"][i] for p in seen) for i in range(6)]
    assert all(0.4 < v < 0.6 for v in peak), peak
    assert 0.1 < b["accel"][2] < 0.25 and 25 < b["battery_v"] < 40


def test_no_round_trip_beats_the_wire_on_the_cortex_m3(bench):
    """QEMU's UART passes bytes at once both ways; the port paces them by
    SysTick's clock as a 115 200 baud line would (each byte at its stop bit),
    so send -> ack is never shorter than the command's and the ACK's bytes
    take on the wire.  QEMU's clock does not run ahead of the host's, and
    load only lengthens a round trip.  Before that pacing about half of 150
    round trips beat the floor (the fastest 1.1 ms against 3.385 ms)."""
    r = L.measure_rtt(bench.ports["mobility"], 115200, n=100)
    assert r["rtt_commands"] >= 50, r
    assert r["rtt_below_physical"] == 0 and r["rtt_min_ms"] >= r["rtt_physical_min_ms"], r
