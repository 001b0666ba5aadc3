"""Drive an emulated MCU board over its link, as the board tests on simavr and
QEMU do: the mobility board's six wheels (MOB_DRIVE refreshed inside the
board's drive deadline for a stretch of *board* time, every telemetry packet
kept), and the payload board's printer (homing and moves, PrinterLink)."""
from __future__ import annotations

import time

from common.dictionary import default_dictionary
from common.dictionary.packets import CmdResult, decode_event, decode_tlm
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


class PrinterLink:
    """A payload board's printer over its link, as the flight software's HAL
    would reach it but without it: board commands with the board's own
    CMD_RESULT, and the newest PAY_PRINTER packet.  Waits are bounded in
    *board* time (the packet's stamp); the wall-clock bound is only a guard
    against a board that stopped answering."""

    def __init__(self, port: str, time_scale: float = 1.0):
        self.last: dict | None = None
        self.results: dict[int, object] = {}
        self.d, self.s = L.open_session(port, 115200, on_tlm=self._tlm, on_event=self._event,
                                        role="payload", time_scale=time_scale)

    def _tlm(self, payload, t):
        name, vals = decode_tlm(D, payload)
        if name == "PAY_PRINTER":
            self.last = vals

    def _event(self, payload, t):
        ev = decode_event(payload)
        if isinstance(ev, CmdResult):
            self.results[ev.seq] = ev

    def close(self):
        self.s.close()

    def cmd(self, name: str, wall_guard_s: float = 30.0, **args) -> tuple[str, int]:
        """(status name, detail) of one board command."""
        payload = L.board_cmd(self.d, name, **args)
        end = time.monotonic() + wall_guard_s
        seq = self.s.send_command(payload)
        while seq is None:
            assert time.monotonic() < end, f"no room in the link window for {name}"
            time.sleep(0.001)
            seq = self.s.send_command(payload)
        while seq not in self.results:
            assert time.monotonic() < end, f"no CMD_RESULT for {name} (seq {seq})"
            time.sleep(0.001)
        r = self.results.pop(seq)
        return r.status_name(self.d), r.detail

    def until(self, pred, board_ms: int, wall_guard_s: float = 600.0) -> dict:
        """The first PAY_PRINTER packet that satisfies pred, within board_ms of board time."""
        end = time.monotonic() + wall_guard_s
        while self.last is None:
            assert time.monotonic() < end, "no PAY_PRINTER packet"
            time.sleep(0.01)
        t_end = self.last["time_ms"] + board_ms
        while True:
            p = self.last
            if pred(p):
                return p
            assert p["time_ms"] <= t_end, f"not within {board_ms} ms of board time: {p}"
            assert time.monotonic() < end, f"board time stopped advancing: {p}"
            time.sleep(0.01)


HOME_BUSY = (1, 2, 3)           # csrc/core/homing.h: SEEK, BACKOFF, APPROACH
ONE_STEP_PER_MS = 65536         # PRN_MOVE rate, Q16 steps per ms


def home_and_move(port: str, moves, rate: int = 3 * ONE_STEP_PER_MS, time_scale: float = 1.0):
    """On a payload board: a move before homing (refused), PRN_HOME of all four
    axes, a move outside the soft limits (refused, naming the axis), then each
    move in turn to its end.  Returns what the board reported at each step."""
    p = PrinterLink(port, time_scale)
    out = {}
    try:
        assert p.cmd("BOARD_CLEAR_FAULT")[0] == "OK"
        out["move_unhomed"] = p.cmd("PRN_MOVE", x=100, y=0, z=0, r=0, rate=rate, sinter=0)
        out["home"] = p.cmd("PRN_HOME", axes=15)
        st = p.until(lambda s: s["homed"] == 15 and not set(s["home_state"]) & set(HOME_BUSY),
                     board_ms=30_000)
        out["homed"] = dict(pos=list(st["pos"]), switches=st["switches"],
                            home_state=list(st["home_state"]))
        out["move_outside"] = p.cmd("PRN_MOVE", x=0, y=0, z=0, r=18401, rate=rate, sinter=0)
        out["moves"] = []
        for m in moves:
            done0 = p.last["moves_done"]
            x, y, z, r = m
            status = p.cmd("PRN_MOVE", x=x, y=y, z=z, r=r, rate=rate, sinter=0)
            st = p.until(lambda s: s["moves_done"] > done0 and not s["moving"] and not s["queued"],
                         board_ms=30_000)
            out["moves"].append(dict(status=status, pos=list(st["pos"]), switches=st["switches"]))
        out["board_ms"] = p.last["time_ms"]
    finally:
        p.close()
    return out
