"""Drive an emulated MCU board's six wheels over its link, as the board tests
on simavr and QEMU do: MOB_DRIVE refreshed inside the board's drive deadline
for a stretch of *board* time, every telemetry packet kept."""
from __future__ import annotations

import time

from common.dictionary import default_dictionary
from common.dictionary.packets import decode_tlm
from ground import hil_launcher as L

D = default_dictionary()


def drive_six_wheels(port: str, mradps: int = 500, board_ms: int = 3000):
    """Returns (last packet of each kind, every MOB_WHEELS packet in order)."""
    last, wheels_seen = {}, []

    def on_tlm(payload, t):
        name, vals = decode_tlm(D, payload)
        last[name] = vals
        if name == "MOB_WHEELS":
            wheels_seen.append(vals)

    d, s = L.open_session(port, 115200, on_tlm=on_tlm)
    try:
        assert L.send_wait(s, L.board_cmd(d, "BOARD_CLEAR_FAULT"))
        wheels = {f"w_{n}": mradps for n in ("fl", "fr", "ml", "mr", "rl", "rr")}
        drive = L.board_cmd(d, "MOB_DRIVE", **wheels, s_fl=0, s_fr=0, s_rl=0, s_rr=0)
        t_end = None
        while True:
            assert L.send_wait(s, drive)
            w = last.get("MOB_WHEELS")
            if w is not None and t_end is None:
                t_end = w["time_ms"] + board_ms
            if w is not None and w["time_ms"] >= t_end:
                break
            time.sleep(0.1)
    finally:
        s.close()
    return last, wheels_seen
