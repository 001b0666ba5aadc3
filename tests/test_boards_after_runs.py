"""Boards after runs: a run ends its board sessions cleanly (BOARD_SAFE as a
goodbye, acknowledged before the port closes), so the next run finds the
boards unlatched; `rover hil up --boards ROLE` restarts one board while the
others keep running on the same ports."""
import time

import pytest

from common.dictionary import default_dictionary
from ground import hil_launcher as L
from hal import open_hal

pytestmark = pytest.mark.boards
SCALE = 1.0        # real time: the 1 s heartbeat deadline is not at the mercy of a loaded CI box


def _latched(fs, role):
    return fs.bus.value(f"link.{role}.latched")


def test_next_run_after_a_clean_end_starts_unlatched(fw_exe):
    from flight.system import FlightSystem
    hb_ms = default_dictionary().limit("board_heartbeat_timeout_ms")
    with L.EmulatedBench(["mobility"], time_scale=SCALE, lockstep=False, exe=fw_exe) as b:
        h = open_hal(b.url)
        fs = FlightSystem(h, boot=False)
        fs.run_until(lambda: False, 1000)
        assert _latched(fs, "mobility") == 0
        h.close()                                         # the end of a run
        time.sleep(3 * hb_ms / 1000.0 / SCALE + 0.5)      # well past the board's heartbeat timeout
        h2 = open_hal(b.url)
        try:
            fs2 = FlightSystem(h2, boot=False)
            fs2.run_until(lambda: False, 1500)
            assert _latched(fs2, "mobility") == 0
            assert not any(e.name == "FP_RESPONSE_FIRED" for e in fs2.bus.events)
        finally:
            h2.close()


def test_hil_up_restarts_one_board_while_the_other_runs(fw_exe, tmp_path):
    st = L.up(["mobility", "payload"], time_scale=SCALE, dir_=tmp_path,
              build_dir=fw_exe.parent if hasattr(fw_exe, "parent") else None)
    try:
        pay_pid = st["boards"]["payload"]["pid"]
        mob_pid = st["boards"]["mobility"]["pid"]
        with pytest.raises(L.HilError, match="--boards ROLE"):
            L.up(None, dir_=tmp_path)
        st2 = L.up(["mobility"], dir_=tmp_path)
        assert st2["boards"]["payload"]["pid"] == pay_pid           # untouched
        assert st2["boards"]["mobility"]["pid"] != mob_pid          # restarted
        assert st2["url"] == st["url"]                              # same ports
        assert L._alive(pay_pid) and not L._alive(mob_pid)
        h = open_hal(st2["url"])
        try:
            assert h.wheels[0].status.name in ("OK", "STALE")
        finally:
            h.close()
    finally:
        L.down(tmp_path)
