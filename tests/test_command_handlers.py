"""Commands are owned where they are handled: the dictionary names each
command's owner and handler, the code declares the handler beside its body
(FW_COMMAND in the firmware, @handles in flight code), and every command has
exactly one handler on the side it runs on."""
from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from common.dictionary import DEFAULT_PATH, DictionaryError, default_dictionary
from common.dictionary.handlers import SCAN, check_repository, scan_declarations
from common.dictionary.loader import build_dictionary
from flight.seq.commands import SequenceCommands
from ground.cli.dict_cmd import dict_cmd

ROOT = Path(__file__).resolve().parents[1]
D = default_dictionary()


def test_every_command_has_exactly_one_handler_on_its_side():
    assert check_repository(D, ROOT) == []
    fl = {x.command: x for x in scan_declarations(ROOT) if x.side == "flight"}
    assert set(fl) == set(D.commands)
    for name, c in D.commands.items():
        assert fl[name].handler == c.handler and fl[name].path == D.components[c.owner].source


def test_the_flight_system_binds_every_flight_command():
    from flight.commands.handlers import HandlerError, bind_handlers
    from flight.system import FlightSystem
    from hal.registry import open_hal

    fs = FlightSystem(open_hal("sim://?seed=1"), boot=False)
    components = {"executor": fs.executor, "modes": fs.modes, "rover": fs.rover,
                  "thermal": fs.thermal, "fault": fs.fault, "printer": fs.printer,
                  "sequencer": SequenceCommands(lambda: fs.sequencer, fs.library)}
    bound = bind_handlers(D, components)
    assert set(bound) == set(D.commands)
    assert all(fn.handles_command == name for name, fn in bound.items())
    del components["thermal"]
    with pytest.raises(HandlerError, match=r"^command HEATER_SET: owner thermal is not running"):
        bind_handlers(D, components)
    components["thermal"] = fs.rover
    with pytest.raises(HandlerError, match=r"^command HEATER_SET: Rover.cmd_heater_set is not "
                                           r"declared @handles\('HEATER_SET'\)"):
        bind_handlers(D, components)


def test_every_board_command_has_exactly_one_firmware_handler():
    assert check_repository(D, ROOT, sides=("firmware",)) == []
    fw = {x.command: x for x in scan_declarations(ROOT) if x.side == "firmware"}
    assert set(fw) == set(D.board_commands)
    for name, c in D.board_commands.items():
        assert fw[name].handler == c.handler and fw[name].path == D.components[c.owner].source


def test_every_command_names_an_owner_on_its_side():
    for c in D.commands.values():
        assert D.components[c.owner].side == "flight", c.name
    for c in D.board_commands.values():
        assert D.components[c.owner].side == "firmware", c.name


# ---------------------------------------------------------------- bad dictionaries
def raw() -> dict:
    return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def _problems(mutate) -> list[str]:
    r = raw()
    mutate(r)
    with pytest.raises(DictionaryError) as ei:
        build_dictionary(r, source="test.toml")
    for line in str(ei.value).splitlines():
        assert line.startswith("test.toml: ")
    return ei.value.problems


def _cmd(r, name):
    return next(c for c in r["command"] if c["name"] == name)


def test_dictionary_without_a_handler_is_refused():
    probs = _problems(lambda r: _cmd(r, "MOB_DRIVE").pop("handler"))
    assert probs == ["command MOB_DRIVE: no handler: owner and handler are required"]


def test_dictionary_with_a_handler_declared_twice_is_refused():
    probs = _problems(lambda r: _cmd(r, "MOB_CLEAR_STALL").update(handler="cmd_mob_drive"))
    assert probs == ["command MOB_CLEAR_STALL: handler cmd_mob_drive is declared twice "
                     "(MOB_DRIVE and MOB_CLEAR_STALL)"]


def test_dictionary_owner_must_exist_and_run_on_the_right_side():
    probs = _problems(lambda r: _cmd(r, "BOARD_SAFE").update(owner="nobody"))
    assert len(probs) == 1 and "owner 'nobody' is not a [[component]]" in probs[0]
    probs = _problems(lambda r: _cmd(r, "BOARD_SAFE").update(owner="rover"))
    assert probs == ["command BOARD_SAFE: owner rover runs on the flight side; a board command "
                     "is handled on the firmware side"]


# ---------------------------------------------------------------- the code against the dictionary
@pytest.fixture()
def tree(tmp_path):
    """A copy of the sources the check reads."""
    for side, (sub, _) in SCAN.items():
        shutil.copytree(ROOT / sub, tmp_path / sub)
    shutil.copytree(ROOT / "csrc" / "generated", tmp_path / "csrc" / "generated")
    return tmp_path


def _check(root) -> tuple[int, list[str]]:
    out = CliRunner().invoke(dict_cmd, ["check", "--root", str(root)])
    assert "Traceback" not in out.output
    return out.exit_code, [x for x in out.output.splitlines() if x]


def test_firmware_handler_declared_twice_is_one_line_exit_2(tree):
    mob = tree / "csrc" / "firmware" / "board_mobility.c"
    mob.write_text(mob.read_text() + "\nFW_COMMAND(MOB_DRIVE, cmd_mob_drive)\n{\n\treturn 0;\n}\n")
    code, lines = _check(tree)
    dup = [x for x in lines if "MOB_DRIVE" in x]
    assert code == 2 and len(dup) == 1
    assert dup[0].startswith("rover dict: command MOB_DRIVE: handler declared twice: "
                             "csrc/firmware/board_mobility.c:")


def test_flight_handler_declared_twice_or_missing_is_one_line_exit_2(tree):
    th = tree / "flight" / "thermal.py"
    text = th.read_text()
    th.write_text(text + '\n    @handles("STOP")\n    def cmd_stop(self, cmd):\n        pass\n')
    code, lines = _check(tree)
    assert code == 2 and lines == [
        "rover dict: command STOP: handler declared twice: flight/rover/rover.py:"
        f"{_line(tree / 'flight' / 'rover' / 'rover.py', 'def cmd_stop')}, "
        f"flight/thermal.py:{text.count(chr(10)) + 3}"]
    th.write_text(text.replace('@handles("HEATER_SET")', ""))
    code, lines = _check(tree)
    assert code == 2 and lines == ['rover dict: command HEATER_SET: handler missing: no '
                                   '@handles("HEATER_SET") def cmd_heater_set in flight/thermal.py']


def _line(path, text) -> int:
    return path.read_text().split(text)[0].count("\n") + 1


def test_firmware_handler_missing_is_one_line_exit_2(tree):
    fw = tree / "csrc" / "firmware" / "fw.c"
    fw.write_text(fw.read_text().replace("FW_COMMAND(BOARD_SAFE, cmd_board_safe)",
                                         "static uint8_t cmd_board_safe(struct fw *fw, "
                                         "const uint8_t *args, int32_t *detail)"))
    code, lines = _check(tree)
    assert code == 2
    assert ("rover dict: command BOARD_SAFE: handler missing: no FW_COMMAND(BOARD_SAFE, "
            "cmd_board_safe) in csrc/firmware/fw.c") in lines


def test_handler_outside_its_owner_or_misnamed_is_reported(tree):
    fw = tree / "csrc" / "firmware" / "fw.c"
    mob = tree / "csrc" / "firmware" / "board_mobility.c"
    text = fw.read_text()
    start = text.index("FW_COMMAND(BOARD_SAFE, cmd_board_safe)")
    end = text.index("FW_COMMAND(BOARD_CLEAR_FAULT")
    fw.write_text(text[:start] + text[end:])
    mob.write_text(mob.read_text() + "\n" + text[start:end].replace("cmd_board_safe", "board_safe"))
    code, lines = _check(tree)
    assert code == 2
    assert any("board_mobility.c:" in x and "BOARD_SAFE is handled by board_safe, but the "
               "dictionary names cmd_board_safe" in x for x in lines)
    assert any("BOARD_SAFE is declared outside its owner fw_core (csrc/firmware/fw.c)" in x
               for x in lines)


def test_stale_generated_dispatch_is_reported(tree):
    gen = tree / "csrc" / "generated" / "fw_dispatch.h"
    gen.write_text(gen.read_text().replace("\tcmd_board_safe,\n", ""))
    code, lines = _check(tree)
    assert code == 2 and any("csrc/generated/fw_dispatch.h is stale" in x for x in lines)
