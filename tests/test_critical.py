"""Critical commands fire only when armed (arm, then fire), from a sequence,
the bench API or the ground; report.json lists those executed."""
import json

from ground.runner import run_mission


def test_unarmed_critical_command_is_refused_naming_it(rover):
    h = rover.send("FP_SET_LIMITS", set="BENCH")
    assert h.done and not h.succeeded and "not armed" in h.reason
    e = rover.assert_event("CMD_REFUSED", command="FP_SET_LIMITS")
    assert "FP_SET_LIMITS" in e.message and "ARM command=FP_SET_LIMITS" in e.message


def test_arm_then_fire_and_the_arm_is_used_up(rover):
    rover.arm("FP_SET_LIMITS")
    h = rover.send_and_await_completion("FP_SET_LIMITS", set="BENCH")
    assert h.succeeded
    h = rover.send("FP_SET_LIMITS", set="FLIGHT")          # the arm was used up
    assert not h.succeeded and "not armed" in h.reason


def test_arm_expires_after_the_window(rover):
    from flight.commands.executor import ARM_WINDOW_MS
    rover.arm("FP_SET_LIMITS")
    rover.run_for(ARM_WINDOW_MS / 1000 + 0.5)
    h = rover.send("FP_SET_LIMITS", set="BENCH")
    assert not h.succeeded and "expired" in h.reason


def test_an_arm_from_another_source_does_not_count(rover):
    ex = rover.fs.executor
    ex.dispatch(rover.dictionary.command("ARM").command({"command": "FP_SET_LIMITS"}),
                source="payload")
    h = rover.send("FP_SET_LIMITS", set="BENCH")
    assert not h.succeeded and "not armed" in h.reason


def test_sequence_arms_and_report_lists_critical_commands(tmp_path):
    m = tmp_path / "crit.seq"
    m.write_text("critical FP_RESPONSE\n"
                 "ARM command=FP_RESPONSE\n"
                 "FP_RESPONSE name=\"tilt\" state=PASSIVE ; on error continue\n"
                 "FP_RESPONSE name=\"tilt\" state=ACTIVE ; on error continue\n")
    res = run_mission(m, hal_url="sim://?seed=1&site=flat", out_dir=tmp_path / "run")
    crit = json.loads((tmp_path / "run" / "report.json").read_text())["critical_commands"]
    assert [c["command"] for c in crit] == ["FP_RESPONSE"]        # the second was refused
    assert crit[0]["source"] == "mobility" and crit[0]["args"]["name"] == "tilt"
    refused = [e for e in res.system.bus.events if e.name == "CMD_REFUSED"]
    assert any("FP_RESPONSE not armed" in e.message for e in refused)
