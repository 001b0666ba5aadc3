"""rover flash without a board: the board table, the command each board
gets, and the bad requests that must fail before anything touches a board
(unknown board, missing port, image too large, bad hex, missing tool)."""
from __future__ import annotations

import shlex

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from ground import flashing as F
from ground.cli.main import cli


def _hex_record(addr: int, data: bytes, rtype: int = 0) -> str:
    raw = bytes([len(data), (addr >> 8) & 0xFF, addr & 0xFF, rtype]) + data
    return ":" + (raw + bytes([(-sum(raw)) & 0xFF])).hex().upper()


def _hex_file(path, chunks):
    """chunks: (address, data) with addresses up to 1 MB (extended linear records)."""
    lines = []
    for addr, data in chunks:
        lines.append(_hex_record(0, bytes([(addr >> 24) & 0xFF, (addr >> 16) & 0xFF]), 4))
        lines.append(_hex_record(addr & 0xFFFF, data))
    lines.append(":00000001FF")
    path.write_text("\n".join(lines) + "\n")
    return path


@given(st.lists(st.tuples(st.integers(0, 0x3FFF0), st.binary(min_size=1, max_size=16)),
                min_size=1, max_size=8))
def test_hex_extent_is_lowest_and_one_past_highest(tmp_path_factory, chunks):
    p = _hex_file(tmp_path_factory.mktemp("hex") / "x.hex", chunks)
    lo, hi = F.hex_extent(p)
    assert lo == min(a for a, _ in chunks)
    assert hi == max(a + len(d) for a, d in chunks)


def test_mega_command_is_avrdude_wiring_without_chip_erase():
    cmd = F.flash_command("mega2560", "fw.hex", "/dev/ttyACM0")
    assert cmd == ["avrdude", "-c", "wiring", "-p", "m2560", "-P", "/dev/ttyACM0", "-b", "115200",
                   "-D", "-U", "flash:w:fw.hex:i"]


@pytest.mark.parametrize("board, tool, needle", [
    ("stm32vldiscovery", "st-flash", "write fw.bin 0x08000000"),
    ("nucleo-f103rb", "openocd", "program fw.bin 0x08000000 verify reset exit"),
])
def test_stm32_commands(board, tool, needle):
    cmd = F.flash_command(board, "fw.bin")
    assert cmd[0] == tool and needle in " ".join(cmd)


def test_dry_run_prints_the_command_and_touches_nothing():
    r = CliRunner().invoke(cli, ["flash", "--board", "nucleo-f103rb", "--role", "payload", "--dry-run"])
    assert r.exit_code == 0, r.output
    cmd = shlex.split(r.output.strip())
    assert cmd[:3] == ["openocd", "-f", "board/st_nucleo_f103rb.cfg"]
    assert cmd[-1].endswith("rover-fw-nucleo-f103rb-payload.bin 0x08000000 verify reset exit")


@pytest.mark.parametrize("args, message", [
    (["--board", "uno"], "unknown board 'uno'; boards: mega2560, nucleo-f103rb, stm32vldiscovery"),
    (["--board", "mega2560", "--no-build"], "mega2560: --port is required"),
])
def test_cli_misuse_exits_2_with_one_line(args, message):
    r = CliRunner().invoke(cli, ["flash", *args])
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output


def test_image_too_large_is_refused_before_flashing(tmp_path):
    big = _hex_file(tmp_path / "big.hex", [(0x3E000 - 8, bytes(16))])
    with pytest.raises(F.FlashError, match=r"mega2560: image big.hex needs 253960 bytes of flash but "
                                           r"the board's application area holds 253952"):
        F.flash("mega2560", big, "/nonexistent/port")


def test_missing_port_names_the_board(tmp_path):
    small = _hex_file(tmp_path / "small.hex", [(0, bytes(16))])
    if F.shutil.which("avrdude") is None:
        pytest.skip("avrdude not installed (the tool check comes first)")
    with pytest.raises(F.FlashError, match=r"mega2560 board: port /nonexistent/ttyACM9 does not exist"):
        F.flash("mega2560", small, "/nonexistent/ttyACM9")


def test_missing_tool_names_the_debian_package(monkeypatch, tmp_path):
    small = _hex_file(tmp_path / "small.hex", [(0, bytes(16))])
    monkeypatch.setenv("PATH", str(tmp_path))          # no avrdude anywhere
    with pytest.raises(F.FlashError, match=r"avrdude not found .*install the Debian package avrdude"):
        F.flash("mega2560", small, "/dev/ttyACM0")


def test_bad_hex_names_file_and_line(tmp_path):
    p = tmp_path / "bad.hex"
    p.write_text(":00000001FF\n")
    p.write_text(_hex_record(0, b"\x01\x02") + "\n:0400000001\n")
    with pytest.raises(F.FlashError, match=r"bad.hex:2: bad Intel hex record"):
        F.hex_extent(p)
