"""The printer's HAL devices over board:// against the host-built payload
firmware (lockstepped, so every time below is board time): homing against
the limit switches, queued moves landing exactly, the head heating under
the board's PID, a move outside the soft limits refused before the line,
and the head switched off by the board when the host goes quiet."""
import pytest

from hal import open_hal
from hal.errors import CommandRangeError
from hal.interfaces import DeviceStatus, HomeState

pytestmark = pytest.mark.boards
from ground import hil_launcher as L  # noqa: E402


@pytest.fixture(scope="module")
def hal(fw_exe):
    with L.EmulatedBench(["mobility", "payload"], exe=fw_exe) as b:
        h = open_hal(b.url)
        try:
            yield h
        finally:
            h.close()


def cycle(h, seconds, until=None):
    end = h.clock.now_ms() + int(seconds * 1000)
    while h.clock.now_ms() < end:
        h.read()
        if until is not None and until():
            return True
        h.write()
        h.advance(100)
    return False


def test_printer_devices_over_the_line(hal):
    p = hal.printer
    assert p is not None and p.head.source == "electric"
    cycle(hal, 0.5)
    for dev in (p.gantry, p.head, p.thermocouple, p.hopper, *p.switches):
        assert dev.status is DeviceStatus.OK, dev.name
    assert 0 <= p.hopper.level_pct <= 100
    g = p.gantry
    g.home(0b1111)
    sent = hal.clock.now_ms()
    assert cycle(hal, 60, lambda: g.time_ms > sent and g.homed_mask == 0b1111
                 and not any(s in (HomeState.SEEK, HomeState.BACKOFF, HomeState.APPROACH)
                             for s in g.home_state))
    assert g.position_steps == (0, 0, 0, 0)
    assert all(s.pressed for s in p.switches)
    done0 = g.moves_done
    targets = [(800, 400, 0, 0), (1600, 400, 400, 0), (1600, 1200, 400, 800)]
    for t in targets:
        g.move(t, 65536 * 2, sinter=False)
    assert cycle(hal, 60, lambda: g.moves_done - done0 == 3 and not g.moving and g.queued == 0)
    assert g.position_steps == targets[-1]
    assert not any(s.pressed for s in p.switches[:2])
    assert g.refused == 0


def test_head_heats_on_the_board_and_the_range_is_checked_before_the_line(hal):
    p = hal.printer
    with pytest.raises(CommandRangeError, match="rating"):
        p.head.set_target_c(1501.0)
    with pytest.raises(CommandRangeError, match="soft limits"):
        p.gantry.move((0, 0, 0, 99999), 65536, sinter=False)
    p.head.set_target_c(600.0)
    assert cycle(hal, 300, lambda: abs(p.thermocouple.temp_c - 600.0) < 5.0)
    assert p.head.duty > 0.0 and p.head.power_w > 0.0 and p.head.fault == 0


def test_the_board_switches_the_head_off_when_nobody_refreshes_it(hal):
    p = hal.printer
    p.head.set_target_c(600.0)
    cycle(hal, 2)
    assert p.head.duty > 0.0
    # the host keeps its heartbeat but stops the head's target: advance without write()
    t0 = hal.clock.now_ms()
    off_at = None
    while hal.clock.now_ms() - t0 < 6000:
        hal.advance(100)
        hal.read()
        if off_at is None and p.head.duty == 0.0:
            off_at = hal.clock.now_ms() - t0
    assert off_at is not None and off_at <= 3300, off_at
    p.head.set_target_c(0.0)
    hal.clear_faults()
    cycle(hal, 1)
