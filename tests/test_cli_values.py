"""Every `rover` command and option with bad values: a usage error (exit 2)
whose Error line names the option and the problem, never a traceback.

The commands and options are enumerated from the click tree, so a new
option with a number or output-path type is covered without editing this
file; the bad values are chosen by the option's type."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from ground.cli.main import cli
from ground.cli.options import FiniteFloat, WritablePath

BAD_INTS = ["-1", "99999999999999999999999", "nan", "1.5", "", "0x10", "1e3"]
BAD_FLOATS = ["nan", "NaN", "inf", "-inf", "-1", "1e400", "", "abc", "0x1p3"]


def _commands():
    ctx = click.Context(cli)

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for n in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, n), path + [n])
        else:
            yield path, cmd
    return list(walk(cli, []))


def _required_args(path, cmd, tmp_path):
    """Valid values for a command's required arguments."""
    mission = tmp_path / "ok.seq"
    mission.write_text('LOG text="ok"\n')
    out = []
    for p in cmd.params:
        if isinstance(p, click.Argument) and p.required:
            out.append(str(mission) if "run" != path[-1] or path == ["run"] else str(tmp_path))
    if path in (["plot"], ["tlm", "export"], ["tlm", "info"]):
        out = [str(tmp_path)]
    return out


def _bad_values(p, tmp_path):
    t = p.type
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    if isinstance(t, WritablePath):
        return [str(blocker / "sub"), str(blocker) if t.kind == "dir" else str(tmp_path), ""]
    if isinstance(t, (click.types.IntParamType, click.IntRange)):
        return BAD_INTS
    if isinstance(t, (FiniteFloat, click.types.FloatParamType, click.FloatRange)):
        return BAD_FLOATS
    if isinstance(t, click.Choice):
        return ["bogus", ""]
    return []


def _accepted(p, v) -> bool:
    try:
        p.type.convert(v, p, None)
        return True
    except click.BadParameter:
        return False


def _cases(tmp_path):
    for path, cmd in _commands():
        for p in cmd.params:
            if not isinstance(p, click.Option) or p.is_flag:
                continue
            for v in _bad_values(p, tmp_path):
                if not _accepted(p, v):     # e.g. -1 is a fine goal coordinate
                    yield path, cmd, p, v


def test_every_typed_option_is_covered(tmp_path):
    covered = {(tuple(path), p.name) for path, _c, p, _v in _cases(tmp_path)}
    # the options users reported tracebacks for, and every seed
    for must in [(("run",), "seed"), (("run",), "max_sim_s"), (("run",), "out_dir"),
                 (("drive-demo",), "seed"), (("perf", "sim"), "seed"), (("perf", "link"), "seed"),
                 (("hil", "up"), "seed"), (("hil", "up"), "time_scale"),
                 (("seq", "compile"), "output"), (("plot",), "out_dir"),
                 (("tlm", "export"), "out_dir"), (("drive-demo",), "speed_mps")]:
        assert must in covered, must


def test_bad_option_values_are_one_line_usage_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # nothing may be written where the suite runs
    runner = CliRunner()
    tried = 0
    for path, cmd, p, v in _cases(tmp_path):
        opt = p.opts[-1]
        vals = [v] * p.nargs if p.nargs > 1 else [v]
        args = [*path, *_required_args(path, cmd, tmp_path), opt, *vals]
        r = runner.invoke(cli, args)
        tried += 1
        what = f"rover {' '.join(args)!r}:\n{r.output}"
        assert r.exception is None or isinstance(r.exception, SystemExit), what
        assert "Traceback" not in r.output, what
        assert r.exit_code == 2, what
        errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
        assert len(errors) == 1, what
        assert any(o in errors[0] for o in p.opts), what
    assert tried > 100


@pytest.mark.parametrize("value", ["nan", "-5", "0", "inf"])
def test_run_max_sim_s_names_the_problem(tmp_path, value):
    m = tmp_path / "ok.seq"
    m.write_text("NOOP\n")
    r = CliRunner().invoke(cli, ["run", str(m), "--max-sim-s", value])
    assert r.exit_code == 2 and "--max-sim-s" in r.output
    assert ("finite" in r.output) or ("must be >" in r.output)


def test_run_unwritable_out_dir_is_refused_before_running(tmp_path):
    m = tmp_path / "ok.seq"
    m.write_text("NOOP\n")
    (tmp_path / "f").write_text("x")
    r = CliRunner().invoke(cli, ["run", str(m), "--out", str(tmp_path / "f" / "run")])
    assert r.exit_code == 2 and "--out" in r.output and "not a directory" in r.output
