"""Helpers for tests that drive sim_hw.simulator.Simulator's boards the way the
flight software does: encoded board commands refreshed inside the board's
deadlines, telemetry decoded from the firmware's own packets."""
from __future__ import annotations

from common.dictionary import default_dictionary
from common.dictionary import packets as P

WHEELS = ("fl", "fr", "ml", "mr", "rl", "rr")
STEERS = ("fl", "fr", "rl", "rr")
D = default_dictionary()
OK = D.status_code("OK")
REFRESH_MS = 100        # the flight cycle: inside the 300 ms drive and 3 s heater deadlines


def cmd(sim, name, role="mobility", **args) -> P.CmdResult:
    payload = P.encode_board_command(default_dictionary(), name, **args)
    return P.CmdResult.unpack(sim.command(role, 1, payload))


def drive_args(wheels, steer=(0, 0, 0, 0)) -> dict:
    if isinstance(wheels, int):
        wheels = [wheels] * 6
    a = {f"w_{n}": int(v) for n, v in zip(WHEELS, wheels)}
    a.update({f"s_{n}": int(v) for n, v in zip(STEERS, steer)})
    return a


def run(sim, ms, wheels=None, steer=(0, 0, 0, 0), heater_dc=None, step=REFRESH_MS):
    """Advance ms, refreshing the drive (and heater) commands every step and
    sending host heartbeats, as the HAL's write() does each cycle."""
    left = ms
    while left > 0:
        sim.heartbeat("mobility")
        if wheels is not None:
            assert cmd(sim, "MOB_DRIVE", **drive_args(wheels, steer)).status == OK
        if heater_dc is not None:
            assert cmd(sim, "BOARD_HEATER", zone=0, target=heater_dc).status == OK
        n = min(step, left)
        sim.advance(n)
        left -= n


def tlm(sim, name, role="mobility") -> dict:
    d = default_dictionary()
    return P.decode_tlm(d, sim.pack(role, d.packet(name).id))[1]


class Driver:
    """The flight software's part in plant tests: holds wheel and steering
    setpoints and refreshes them every cycle while time passes."""

    def __init__(self, sim):
        self.sim = sim
        self.wheels = [0] * 6
        self.steer = [0, 0, 0, 0]

    def run(self, ms):
        run(self.sim, ms, wheels=list(self.wheels), steer=list(self.steer))
        return self

    def wheels_tlm(self):
        return tlm(self.sim, "MOB_WHEELS")

    def body(self):
        return tlm(self.sim, "MOB_BODY")

    def speed_mradps(self):
        import numpy as np
        return np.array([round(v * 1000) for v in self.wheels_tlm()["wheel_speed"]])

    def stalled(self):
        m = self.wheels_tlm()["stalled"]
        return [(m >> i) & 1 for i in range(6)]
