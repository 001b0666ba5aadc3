"""`rover seq check` and `rover seq compile`."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ground.cli.seq_cmd import seq_cmd
from common.dictionary import default_dictionary
from flight.seq import load_sequence
from flight.seq.binary import load_binary

ROOT = Path(__file__).resolve().parents[1]
GOOD = str(ROOT / "missions" / "examples" / "drive_square.seq")
BAD = str(ROOT / "tests" / "data" / "bad_seq" / "bad_args.seq")


def test_check_ok_and_errors():
    r = CliRunner()
    out = r.invoke(seq_cmd, ["check", GOOD])
    assert out.exit_code == 0 and out.output.startswith(f"{GOOD}: ok (at most ")
    assert "critical commands: none" in out.output
    out = r.invoke(seq_cmd, ["check", GOOD, BAD])
    assert out.exit_code == 1
    # every error, with location, source line and caret
    assert out.output.count(f"{BAD}:") == 5
    assert f"{BAD}:6:22: DRIVE_TO has no argument 'sped'; did you mean speed?" in out.output
    assert "    DRIVE_TO x=1 m y=2 m sped=0.1\n" in out.output
    assert "5 errors" in out.output


def test_compile_writes_verified_binary(tmp_path):
    out_path = tmp_path / "sq.rseq"
    out = CliRunner().invoke(seq_cmd, ["compile", GOOD, "-o", str(out_path)])
    assert out.exit_code == 0, out.output
    d = default_dictionary()
    assert load_binary(out_path.read_bytes(), d) == load_sequence(GOOD)


def test_compile_refuses_bad_sequence(tmp_path):
    out_path = tmp_path / "x.rseq"
    out = CliRunner().invoke(seq_cmd, ["compile", BAD, "-o", str(out_path)])
    assert out.exit_code == 1 and "nothing written" in out.output and not out_path.exists()


def test_check_missing_file():
    out = CliRunner().invoke(seq_cmd, ["check", "no/such.seq"])
    assert out.exit_code == 1 and "no/such.seq:0:0: file not found" in out.output
