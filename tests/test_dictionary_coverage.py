"""The dictionary is the single source of truth: everything the flight
software publishes or emits is declared there, every event's message format
uses only fields the emitter provides, and every command has a handler."""
import pytest

from common.dictionary.model import format_fields
from flight.system import FlightSystem
from ground.testing import RoverBench
from hal import open_hal


@pytest.fixture(scope="module")
def exercised():
    """A run that touches most paths: boot, drive, a stall, low battery."""
    b = RoverBench(FlightSystem(open_hal("sim://?seed=2")))
    b.boot()
    b.send_and_await_completion("SET_MODE", mode="DRIVE")
    b.send("DRIVE_ARC", distance="10 m", radius=0, speed="10 cm/s")
    b.run_for(3)
    b.faults.lock_wheel("ml")
    b.run_for(10)
    b.send("DRIVE_ARC", distance="1 m", radius=0, speed="10 cm/s")   # refused in SAFE
    b.faults.set_battery_soc(10.0)
    b.run_for(20)
    b.send("SEQ_START", name="nope", slot="payload")                    # fails
    b.run_for(1)
    return b


def test_every_published_channel_is_declared(exercised):
    d = exercised.dictionary
    undeclared = sorted(set(exercised.bus.values) - set(d.telemetry))
    assert not undeclared, f"channels published but not in rover.toml: {undeclared}"


def test_every_emitted_event_is_declared_with_matching_fields(exercised):
    d = exercised.dictionary
    problems = []
    for e in exercised.bus.events:
        ed = d.events.get(e.name)
        if ed is None:
            problems.append(f"{e.name}: not declared")
            continue
        missing = set(format_fields(ed.format)) - set(e.args)
        if missing:
            problems.append(f"{e.name}: format needs {sorted(missing)}, emitter gives {sorted(e.args)}")
    assert not problems, "\n".join(sorted(set(problems)))
    names = {e.name for e in exercised.bus.events}
    assert {"MODE_CHANGED", "FP_RESPONSE_FIRED", "CMD_REFUSED", "CMD_FAILED"} <= names


def test_event_formatter_fills_messages_from_the_dictionary(exercised):
    ev = exercised.bus.emit("LINK_LOST", link="mobility", age_ms=1500)
    assert ev.message == "link mobility lost: heartbeat age 1500 ms"
    assert ev.severity == exercised.dictionary.events["LINK_LOST"].severity
