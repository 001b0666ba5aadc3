"""Random request / telemetry sequences against the mode manager (hypothesis).

A small fake actuator set stands in for the rover: wheels start only through
a DRIVE-only command, the sinter head only through a PRINT-only command,
leaving DRIVE/PRINT stops them, and the SAFE entry action stops everything --
the same wiring the flight build uses.
"""
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from common.clock import SimClock
from flight.modes import DRIVE, MODES, PRINT, SAFE, SURVIVAL, ModeManager
from flight.tlm.bus import TelemetryBus


class FakeActuators:
    def __init__(self):
        self.moving = {"wheels": False, "steering": False, "sinter_head": False}

    def stop(self, *names):
        for n in names or self.moving:
            self.moving[n] = False

    def any_moving(self):
        return any(self.moving.values())


class ModeMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.clock = SimClock()
        self.bus = TelemetryBus(self.clock)
        self.bus.publish_many({"rover.pitch_deg": 0.0, "rover.roll_deg": 0.0, "rover.stalled_wheels": 0,
                               "power.soc_pct": 90.0, "thermal.ebox_c": 20.0, "rover.nav_state": "IDLE"})
        self.m = ModeManager(self.bus, self.clock)
        self.act = FakeActuators()
        self.m.register_entry(SAFE, lambda c: self.act.stop())
        self.m.register_entry(SURVIVAL, lambda c: self.act.stop())
        self.m.register_exit(DRIVE, lambda c: self.act.stop("wheels", "steering"))
        self.m.register_exit(PRINT, lambda c: self.act.stop("sinter_head"))

    @rule(mode=st.sampled_from(MODES), dt=st.integers(0, 5000))
    def request(self, mode, dt):
        self.clock.advance(dt)
        before = self.m.mode
        res = self.m.request_mode(mode, "random request")
        assert res.ok == (self.m.mode == mode)
        if not res.ok:
            assert self.m.mode == before and res.reason
            assert self.bus.events[-1].name == "MODE_REFUSED"

    @rule(dest=st.sampled_from([DRIVE, PRINT]))
    def via_idle(self, dest):
        # random requests alone rarely get through the guards; this walks the usual path
        self.m.request_mode("IDLE", "sortie")
        self.m.request_mode(dest, "sortie")

    @rule()
    def nominal_telemetry(self):
        self.bus.publish_many({"rover.pitch_deg": 3.0, "rover.roll_deg": -2.0, "rover.stalled_wheels": 0,
                               "power.soc_pct": 70.0, "thermal.ebox_c": 18.0, "rover.nav_state": "IDLE"})

    @rule()
    def go_safe(self):
        res = self.m.request_mode(SAFE, "operator")
        assert res.ok and self.m.mode == SAFE

    @rule(pitch=st.floats(-40, 40), roll=st.floats(-40, 40), soc=st.floats(0, 100),
          stalled=st.integers(0, 2), ebox=st.floats(-50, 40),
          nav=st.sampled_from(["IDLE", "DRIVING", "TURNING", "FAILED"]))
    def telemetry(self, pitch, roll, soc, stalled, ebox, nav):
        self.bus.publish_many({"rover.pitch_deg": pitch, "rover.roll_deg": roll, "power.soc_pct": soc,
                               "rover.stalled_wheels": stalled, "thermal.ebox_c": ebox,
                               "rover.nav_state": nav})

    @rule()
    def start_wheels(self):
        if self.m.check_command("DRIVE_ARC", [DRIVE]).ok:
            self.act.moving["wheels"] = self.act.moving["steering"] = True
        else:
            assert self.bus.events[-1].name == "CMD_REFUSED"

    @rule()
    def start_sinter_head(self):
        if self.m.check_command("PRINT_LAYER", [PRINT]).ok:
            self.act.moving["sinter_head"] = True

    @invariant()
    def mode_telemetry_matches(self):
        assert self.bus.value("mode") == self.m.mode

    @invariant()
    def safe_always_reachable(self):
        assert self.m.mode == SAFE or SAFE in self.m.allowed_targets()

    @invariant()
    def nothing_moves_in_safe(self):
        if self.m.mode in (SAFE, SURVIVAL):
            assert not self.act.any_moving()

    @invariant()
    def never_drive_while_print(self):
        mv = self.act.moving
        assert not (mv["wheels"] and mv["sinter_head"])
        if mv["wheels"]:
            assert self.m.mode == DRIVE
        if mv["sinter_head"]:
            assert self.m.mode == PRINT
        last = next((e for e in reversed(self.bus.events) if e.name == "MODE_CHANGED"), None)
        if last is not None:
            assert {last.args["from_mode"], last.args["to_mode"]} != {DRIVE, PRINT}


ModeMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestModeMachine = ModeMachine.TestCase
