"""rover boards: pyserial's port list, IDENTIFY on ports (the host firmware
on a pty, one built for another dictionary), ports with nothing or with no
board behind them; bench files naming a board by USB serial number."""
from __future__ import annotations

import os
import pty
import subprocess
import tty

import pytest
from click.testing import CliRunner

from common.dictionary import default_dictionary
from ground import board_probe as P
from ground.cli.main import cli
from hal import HalUrlError
from hal.backends.board import load_bench_file

D = default_dictionary()


@pytest.fixture(scope="module")
def host_exe():
    from ground import hil_launcher as L
    try:
        return L.build_firmware()
    except L.HilError as e:
        pytest.skip(str(e))


def _board(exe, tmp_path, role, *extra):
    link = tmp_path / f"{role}.pty"
    p = subprocess.Popen([str(exe), "--role", role, "--pty-link", str(link), *extra],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().startswith("PTY ")
    return p, str(link)


@pytest.mark.boards
def test_identify_reports_role_version_and_hash(host_exe, tmp_path):
    p, port = _board(host_exe, tmp_path, "payload")
    try:
        r = P.identify(port, timeout_s=3.0)
    finally:
        p.terminate()
        p.wait(timeout=5)
    assert r["role"] == "payload" and r["hash_ok"] and r["dict_hash32"] == f"0x{D.hash32:08X}"
    assert r["firmware"].count(".") == 2 and "reflash" not in r


@pytest.mark.boards
def test_stale_dictionary_says_which_board_to_reflash(host_exe, tmp_path):
    p, port = _board(host_exe, tmp_path, "mobility", "--dict-hash32", "0xDEADBEEF")
    try:
        r = CliRunner().invoke(cli, ["boards", "--port", port, "--timeout", "3"])
    finally:
        p.terminate()
        p.wait(timeout=5)
    assert r.exit_code == 0, r.output
    assert "mobility board, firmware" in r.output and "0xDEADBEEF (MISMATCH)" in r.output
    assert f"reflash the mobility board with firmware built from dictionary {D.hash}" in r.output


def test_port_with_no_board_is_reported_not_raised():
    m, s = pty.openpty()
    tty.setraw(s)
    try:
        r = P.identify(os.ttyname(s), timeout_s=0.3)
    finally:
        os.close(m)
        os.close(s)
    assert r["error"].startswith("no IDENTIFY answer within 0.3 s")


def test_missing_port():
    assert P.identify("/nonexistent/ttyACM7")["error"] == "port /nonexistent/ttyACM7 does not exist"


def test_list_only_opens_nothing():
    r = CliRunner().invoke(cli, ["boards", "--no-probe", "--json"])
    assert r.exit_code == 0
    import json
    rows = json.loads(r.output.strip().splitlines()[-1])["ports"]
    assert all(set(row) >= {"device", "vid_pid", "serial_number"} for row in rows)
    assert not any("role" in row or "error" in row for row in rows)


def test_bench_file_serial_number_not_present(tmp_path):
    f = tmp_path / "bench.toml"
    f.write_text('[[board]]\nrole = "mobility"\nserial_number = "NO-SUCH-SERIAL-123"\n')
    with pytest.raises(HalUrlError, match=r"board #1 \(mobility\): no serial port with serial "
                                          r"number 'NO-SUCH-SERIAL-123'"):
        load_bench_file(f)


def test_bench_file_port_and_serial_number_exclusive(tmp_path):
    f = tmp_path / "bench.toml"
    f.write_text('[[board]]\nrole = "mobility"\nport = "/dev/ttyACM0"\nserial_number = "X"\n')
    with pytest.raises(HalUrlError, match="give port or serial_number, not both"):
        load_bench_file(f)
