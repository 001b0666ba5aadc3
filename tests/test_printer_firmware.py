"""The printer's motion on the payload board's own firmware (linked into
the simulator): homing against the limit switches, queued moves landing
exactly, refusals, stop, and missed steps when an axis is overloaded."""
import pytest

from common.dictionary import default_dictionary
from common.dictionary import packets as P
from sim_hw.site import site_from_name
from sim_hw.simulator import Simulator

D = default_dictionary()
OK = D.status_code("OK")
NOT_ALLOWED = D.status_code("NOT_ALLOWED")
ARG_RANGE = D.status_code("ARG_RANGE")
PRINTER_ID = D.packet("PAY_PRINTER").id
ONE_STEP = 65536


class Board:
    def __init__(self, seed=1):
        self.sim = Simulator(site_from_name("flat", seed), seed)
        self.seq = 0

    def cmd(self, name, **args):
        self.seq += 1
        r = P.CmdResult.unpack(self.sim.command("payload", self.seq,
                                                P.encode_board_command(D, name, **args)))
        return r

    def run(self, ms):
        for _ in range(ms // 100):
            for role in ("mobility", "payload"):
                self.sim.heartbeat(role)
            self.sim.advance(100)

    def status(self):
        return P.decode_tlm(D, self.sim.pack("payload", PRINTER_ID))[1]

    @property
    def gantry(self):
        return self.sim.gantry()

    def until(self, pred, limit_ms=120_000):
        t = 0
        while not pred(self.status()):
            self.run(100)
            t += 100
            assert t < limit_ms, self.status()
        return t


def test_home_then_moves_land_exactly_on_board_and_plant():
    b = Board()
    assert b.cmd("PRN_MOVE", x=100, y=0, z=0, r=0, rate=ONE_STEP, sinter=0).status == NOT_ALLOWED
    assert b.cmd("PRN_HOME", axes=15).status == OK
    b.until(lambda s: s["homed"] == 15)
    st = b.status()
    assert list(st["pos"]) == [0, 0, 0, 0] and st["switches"] == 15
    assert list(b.gantry.pos) == [0.0, 0.0, 0.0, 0.0]          # at the switch edge, to the step
    moves = [(8000, 4000, 400, 0), (1234, 15999, 400, 0), (0, 0, 800, 18400), (77, 33, 801, 5)]
    for x, y, z, r in moves:
        assert b.cmd("PRN_MOVE", x=x, y=y, z=z, r=r, rate=3 * ONE_STEP, sinter=1).status == OK
    assert b.cmd("PRN_MOVE", x=1, y=1, z=1, r=1, rate=ONE_STEP, sinter=0).status == NOT_ALLOWED  # queue full
    b.until(lambda s: s["moves_done"] == 4 and not s["moving"])
    assert list(b.status()["pos"]) == [77, 33, 801, 5]
    assert list(b.gantry.pos) == [77.0, 33.0, 801.0, 5.0]
    assert list(b.gantry.lost) == [0, 0, 0, 0]


def test_out_of_range_and_stop():
    b = Board()
    b.cmd("PRN_HOME", axes=15)
    b.until(lambda s: s["homed"] == 15)
    r = b.cmd("PRN_MOVE", x=0, y=16001, z=0, r=0, rate=ONE_STEP, sinter=0)
    assert (r.status, r.detail) == (ARG_RANGE, 1)
    assert b.cmd("PRN_MOVE", x=16000, y=0, z=0, r=0, rate=ONE_STEP, sinter=0).status == OK
    b.run(500)
    assert b.cmd("PRN_HOME", axes=1).status == NOT_ALLOWED      # busy
    assert b.cmd("PRN_STOP").status == OK
    b.run(200)
    s = b.status()
    assert not s["moving"] and s["queued"] == 0 and 0 < s["pos"][0] < 16000
    assert b.gantry.pos[0] == s["pos"][0]


def test_an_overloaded_axis_misses_steps_and_homing_recovers_it():
    b = Board()
    b.cmd("PRN_HOME", axes=15)
    b.until(lambda s: s["homed"] == 15)
    b.gantry.load[0] = 20.0             # a jam: the motor cannot follow the rate
    b.cmd("PRN_MOVE", x=12000, y=0, z=0, r=0, rate=4 * ONE_STEP, sinter=0)
    b.until(lambda s: s["moves_done"] == 1 and not s["moving"])
    assert b.status()["pos"][0] == 12000
    assert b.gantry.pos[0] < 12000 and b.gantry.lost[0] > 0     # the board does not know
    b.gantry.load[0] = 1.0
    b.cmd("PRN_HOME", axes=1)
    b.until(lambda s: s["homed"] & 1)
    b.cmd("PRN_MOVE", x=12000, y=0, z=0, r=0, rate=4 * ONE_STEP, sinter=0)
    b.until(lambda s: s["moves_done"] == 2 and not s["moving"])
    assert b.gantry.pos[0] == 12000.0
