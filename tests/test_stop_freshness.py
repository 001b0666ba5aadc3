"""A dead board never confirms a STOP: its frozen odometry reads zero speed,
so STOP completion requires fresh odometry (emulated board, killed)."""
import pytest

from ground import hil_launcher as L
from hal import open_hal
from hal.interfaces import DeviceStatus

pytestmark = pytest.mark.boards


def test_stop_after_the_board_died_fails_instead_of_completing(fw_exe):
    from flight.rover.rover import STOP_STALE_FAIL_MS
    from flight.system import FlightSystem

    with L.EmulatedBench(["mobility"], time_scale=5.0, lockstep=False, exe=fw_exe) as b:
        h = open_hal(b.url)
        try:
            fs = FlightSystem(h, boot=False)
            fs.run_until(lambda: False, 1000)
            fs.executor.dispatch(fs.dictionary.command("STOP").command(), source="ground")
            # alive, the board's fresh odometry confirms a STOP (ours, or the fault slot's)
            assert fs.run_until(lambda: any(e.name == "CMD_COMPLETED" and
                                            e.args.get("command") == "STOP"
                                            for e in fs.bus.events), 5000)
            b.kill("mobility")
            t_kill = h.clock.now_ms()
            assert fs.run_until(lambda: h.wheels[0].status is not DeviceStatus.OK, 3000)
            fs.executor.dispatch(fs.dictionary.command("STOP").command(), source="ground")
            # fault protection also sends its own STOP when the heartbeat is lost
            fs.run_until(lambda: False, STOP_STALE_FAIL_MS + 3000)
            after = [e for e in fs.bus.events if e.t_ms > t_kill and e.args.get("command") == "STOP"]
            assert not [e for e in after if e.name == "CMD_COMPLETED"], after
            failed = [e for e in after if e.name == "CMD_FAILED"]
            assert any("no fresh odometry" in e.args.get("reason", "") for e in failed), failed
        finally:
            h.close()
