"""The board application as the flight software sees it, for every backend
whose devices are boards running csrc/firmware: sim:// (the firmware linked
into the simulator) and board:// / serial:// / bench:// (the firmware on a
line).  Both worlds therefore latch the same packets into the same fields,
send the same commands at the same moments, and see the same deadlines,
latches and fault bits (docs/firmware.md section 3).

A backend using this mixin provides ``_command(role, name, **args) -> bool``
(send one board command; False, counted, when it could not go out) and
``_board_link_up(role) -> bool``; it keeps ``self.dictionary`` and the
latch fields of hal.latched.Latch.
"""
from __future__ import annotations

import math

HEATER_REFRESH_MS = 1000       # the board's heater deadline is 3 s
LATCH_CLEAR_MS = 1000          # the "bad command" flag is cleared at most this often


class BoardApp:
    """Commands and latching shared by the sim and board backends."""

    def init_board_app(self) -> None:
        self._heater_dirty = True        # send the heater target on the first write
        self._heater_sent_ms = None
        self._latch_clear_ms: dict[str, int] = {}
        self.latch_clears: dict[str, int] = {}

    # -- packets -> latch ----------------------------------------------------------
    def latch_wheels(self, w: dict) -> None:
        """MOB_WHEELS fields (decoded, scaled) into the latch."""
        self._count = list(w["enc_count"])
        self._speed = [int(round(v * 1000)) for v in w["wheel_speed"]]
        self._current_a = [float(v) for v in w["motor_current"]]
        self._effort_q15 = [int(round(v * 32767 / 100)) for v in w["effort"]]
        mask = int(w["stalled"])
        self._stalled = [bool(mask & (1 << i)) for i in range(6)]

    def latch_body(self, f: dict, take_pose: bool = True) -> None:
        """MOB_BODY fields into the latch (the pose only when ``take_pose``)."""
        self._steer = [int(round(v * 1000)) for v in f["steer"]]
        self._accel = tuple(int(round(v * 1000)) for v in f["accel"])
        self._gyro = tuple(int(round(v * 1000)) for v in f["gyro"])
        self._pitch_mdeg = int(round(f["pitch"] * 1000))
        self._roll_mdeg = int(round(f["roll"] * 1000))
        if take_pose:
            from hal.interfaces import OdomPose
            self._pose = OdomPose(f["odom_x"], f["odom_y"], f["odom_yaw"])
        self._power = (float(f["battery_v"]), float(f["battery_a"]), float(f["soc"]),
                       float(f["solar"]), float(f["energy_used"]))
        self._ebox_c = float(f["ebox_temp"])
        self._heater_duty = f["heater_duty"] / 100.0
        self._heater_fault = int(f["heater_fault"])

    # -- latch -> commands ---------------------------------------------------------
    def write_board_commands(self, now_ms: int) -> None:
        """One MOB_DRIVE with every setpoint (refreshes the 300 ms drive
        deadline) and the heater target when changed or every second."""
        w, s = self._wheel_cmd, self._steer_cmd
        self._command("mobility", "MOB_DRIVE",
                      w_fl=w[0], w_fr=w[1], w_ml=w[2], w_mr=w[3], w_rl=w[4], w_rr=w[5],
                      s_fl=s[0], s_fr=s[1], s_rl=s[2], s_rr=s[3])
        if self._heater_dirty or self._heater_sent_ms is None \
                or now_ms - self._heater_sent_ms >= HEATER_REFRESH_MS:
            target_dc = int(round(self.heaters["ebox"].target_c * 10))
            if self._command("mobility", "BOARD_HEATER", zone=0, target=target_dc):
                self._heater_dirty = False
                self._heater_sent_ms = now_ms

    def _clear_stall(self, index: int) -> None:
        self._command("mobility", "MOB_CLEAR_STALL", wheel=index)

    def _reset_odometry(self, x_m: float, y_m: float, yaw_rad: float) -> None:
        yaw = math.remainder(yaw_rad, 2 * math.pi)
        self._command("mobility", "MOB_RESET_ODOM", x=int(round(x_m * 1000)),
                      y=int(round(y_m * 1000)),
                      yaw=max(-3142, min(3142, int(round(yaw * 1000)))))

    def _reset_heater(self) -> None:
        self._command("mobility", "BOARD_CLEAR_FAULT")

    def board_clear_faults(self, roles) -> None:
        """The operator's CLEAR_FAULT: release every board's latches and stalls."""
        for role in roles:
            self._command(role, "BOARD_CLEAR_FAULT")
        if "mobility" in roles:
            self._command("mobility", "MOB_CLEAR_STALL", wheel=6)

    def clear_bad_command_latch(self, role: str, flags: int, now_ms: int) -> None:
        """"Bad command seen" is a counter-like flag (every rejected command or
        damaged frame sets it) that the host has already counted: clear it
        while the board is reachable, at most once a second per board.  The
        heartbeat-lost latch and a heater trip are NOT cleared here: the board
        holds its outputs safe until the flight software decides (fault
        protection goes to SAFE, CLEAR_FAULT -> clear_faults() releases it)."""
        d = self.dictionary
        if not flags & d.fault_mask("BAD_COMMAND") or flags & d.fault_mask("HEARTBEAT_LOST", "HEATER"):
            return
        if not self._board_link_up(role):
            return
        last = self._latch_clear_ms.get(role)
        if last is not None and now_ms - last < LATCH_CLEAR_MS:
            return
        if self._command(role, "BOARD_CLEAR_FAULT"):
            self._latch_clear_ms[role] = now_ms
            self.latch_clears[role] = self.latch_clears.get(role, 0) + 1
