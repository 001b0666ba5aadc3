"""The board application as the flight software sees it, for every backend
whose devices are boards running csrc/firmware: sim:// (the firmware linked
into the simulator) and board:// / serial:// / bench:// (the firmware on a
line).  Both worlds therefore latch the same packets into the same fields,
send the same commands at the same moments, and see the same deadlines,
latches and fault bits (docs/firmware.md section 3).

A backend using this mixin provides ``_send_payload(role, payload) -> bool``
(send one encoded board command; False, counted, when it could not go out)
and ``_board_link_up(role) -> bool``; it keeps ``self.dictionary`` and the
latch fields of hal.latched.Latch.
"""
from __future__ import annotations

import math
import struct
from collections.abc import Callable
from operator import itemgetter

from hal.interfaces import OdomPose

from common.dictionary import packets as P
from common.dictionary.wire import layout

HEATER_REFRESH_MS = 1000       # the board's heater deadline is 3 s
LATCH_CLEAR_MS = 1000          # the "bad command" flag is cleared at most this often
# MOB_WHEELS effort (i8, %) -> Q15 duty, and the stall mask (u8) -> six flags:
# tables, as the latch runs every flight cycle.
_EFFORT_Q15 = {v: int(round(v * 32767 / 100)) for v in range(-128, 128)}
_STALL_BITS = tuple(tuple(bool(m & (1 << i)) for i in range(6)) for m in range(256))
ENCODE_CACHE_MAX = 256         # distinct payloads remembered (moves rarely repeat)
DRIVE_ORDER = ("w_fl", "w_fr", "w_ml", "w_mr", "w_rl", "w_rr", "s_fl", "s_fr", "s_rl", "s_rr")


class IntCommandPacker:
    """CMD payloads of one all-integer board command, packed with one
    precompiled struct from the dictionary's wire layout (the per-cycle
    MOB_DRIVE costs one call, not a generic encode).  Out-of-range values
    raise ArgumentError exactly as encode_board_command does."""

    def __init__(self, dictionary, name: str):
        cmd = dictionary.board_command(name)
        fields = layout(cmd)
        if any(f.wire_type not in P._FMT or f.scale != 1 for f in fields):
            raise ValueError(f"{name}: not an all-integer command")
        self.name = name
        self.names = tuple(f.arg.name for f in fields)
        self.bounds = tuple((f.min, f.max) for f in fields)
        self.st = struct.Struct("<H" + "".join(P._FMT[f.wire_type] for f in fields))
        self.opcode = cmd.opcode
        # runs of arguments sharing their bounds (MOB_DRIVE: six wheels, four
        # steering angles), checked with one min() and max() each
        self._runs: list[tuple[int, int, int, int]] = []
        for i, b in enumerate(self.bounds):
            if self._runs and self.bounds[i - 1] == b:
                self._runs[-1] = (self._runs[-1][0], i + 1, *b)
            else:
                self._runs.append((i, i + 1, *b))
        self._last_values: tuple | None = None
        self._last_payload = b""

    def pack(self, values) -> bytes:
        values = tuple(values)
        if values == self._last_values:      # a steady drive refreshes the same setpoints
            return self._last_payload
        if len(values) != len(self.names):
            raise P.ArgumentError(f"{self.name}: {len(values)} values for {len(self.names)} "
                                  f"arguments")
        for a, b, lo, hi in self._runs:
            run = values[a:b]
            if not (lo <= min(run) and max(run) <= hi):
                self._refuse(values)
        payload = self.st.pack(self.opcode, *values)
        self._last_values, self._last_payload = values, payload
        return payload


    def _refuse(self, values) -> None:
        for n, v, (lo, hi) in zip(self.names, values, self.bounds):
            if not lo <= v <= hi:
                raise P.ArgumentError(f"{self.name}.{n}: {v} outside {lo}..{hi}")
        raise P.ArgumentError(f"{self.name}: {values!r} not comparable with its bounds")


class PacketLayout:
    """Where each field of a TLM packet sits in its unpacked tuple."""

    def __init__(self, dictionary, name: str):
        pk = dictionary.packet(name)
        self.id = pk.id
        self.st = P.packet_struct(pk)
        self.at, i = {}, 1
        self.scale = {}
        self._int_fields = {f.name for f in pk.fields if f.type[0] in "iu"}
        for f in pk.fields:
            self.at[f.name] = slice(i, i + f.count) if f.count > 1 else i
            self.scale[f.name] = f.scale
            i += f.count

    def multiplier(self, name: str, k) -> Callable | None:
        """``k.__mul__`` for an integer field, None when k is 1 (the wire
        value is the latch value): map() runs it without a comprehension's
        frame, and int * int or float * int is the same product as ``v * k``.
        (A float field would get NotImplemented.)"""
        if name not in self._int_fields:
            raise ValueError(f"field {name}: not an integer wire type")
        return None if k == 1 and type(k) is int else k.__mul__

    def milli(self, name: str) -> int:
        """Integer factor from wire units to milli-units of the field's unit."""
        k = self.scale[name] * 1000.0
        if abs(k - round(k)) > 1e-9:
            raise ValueError(f"field {name}: scale {self.scale[name]} is not a whole number of milli-units")
        return int(round(k))


class BoardApp:
    """Commands and latching shared by the sim and board backends."""

    def init_board_app(self) -> None:
        d = self.dictionary
        self._drive_packer = IntCommandPacker(d, "MOB_DRIVE")
        if self._drive_packer.names != DRIVE_ORDER:
            raise ValueError(f"MOB_DRIVE arguments {self._drive_packer.names} are not in the "
                             f"order the latch sends them ({', '.join(DRIVE_ORDER)})")
        self._wheels_layout = w = PacketLayout(d, "MOB_WHEELS")
        self._body_layout = b = PacketLayout(d, "MOB_BODY")
        self._k_speed = w.milli("wheel_speed")        # wire -> mrad/s
        self._k_current = w.scale["motor_current"]
        # each packet's fields in one C call: itemgetter of their indices and slices
        self._wheels_get = itemgetter(*(w.at[n] for n in (
            "enc_count", "wheel_speed", "motor_current", "effort", "stalled")))
        self._k_steer = b.milli("steer")              # wire -> mrad
        self._k_accel = b.milli("accel")              # wire -> mg
        self._k_gyro = b.milli("gyro")                # wire -> mdeg/s
        self._k_tilt = b.milli("pitch")               # wire -> mdeg
        self._body_get = itemgetter(*(b.at[n] for n in (
            "steer", "accel", "gyro", "pitch", "roll", "odom_x", "odom_y", "odom_yaw",
            "battery_v", "battery_a", "soc", "solar", "ebox_temp", "heater_duty", "heater_fault",
            "fault_flags", "energy_used")))
        self._body_sc = tuple(b.scale[n] for n in (
            "odom_x", "odom_y", "odom_yaw", "battery_v", "battery_a", "soc", "solar",
            "energy_used", "ebox_temp", "heater_duty"))
        self._mul_speed = w.multiplier("wheel_speed", self._k_speed)
        self._mul_current = w.multiplier("motor_current", self._k_current)
        self._mul_steer = b.multiplier("steer", self._k_steer)
        self._mul_accel = b.multiplier("accel", self._k_accel)
        self._mul_gyro = b.multiplier("gyro", self._k_gyro)
        self._encoded: dict[tuple, bytes] = {}
        self._heater_dirty = True        # send the heater target on the first write
        self._heater_sent_ms = None
        self._latch_clear_ms: dict[str, int] = {}
        self.latch_clears: dict[str, int] = {}

    # -- packets -> latch ----------------------------------------------------------
    def latch_wheels_raw(self, raw: tuple) -> None:
        """A MOB_WHEELS payload's unpacked wire values into the latch."""
        count, speed, current, effort, stalled = self._wheels_get(raw)
        # map() with bound multiplies (PacketLayout.multiplier): every flight cycle
        m = self._mul_speed
        self._count = count
        self._speed = speed if m is None else tuple(map(m, speed))
        self._current_a = tuple(map(self._mul_current, current))
        self._effort_q15 = tuple(map(_EFFORT_Q15.__getitem__, effort))
        self._stalled = _STALL_BITS[stalled]

    def latch_body_raw(self, raw: tuple, take_pose: bool = True) -> int:
        """A MOB_BODY payload's unpacked wire values into the latch (the pose
        only when ``take_pose``); returns the board's fault flags."""
        (steer, accel, gyro, pitch, roll, ox, oy, oyaw, bv, ba, soc, solar, ebox, duty, hfault,
         flags, energy) = self._body_get(raw)
        k_t, sc = self._k_tilt, self._body_sc
        m = self._mul_steer
        self._steer = steer if m is None else tuple(map(m, steer))
        m = self._mul_accel
        self._accel = accel if m is None else tuple(map(m, accel))
        m = self._mul_gyro
        self._gyro = gyro if m is None else tuple(map(m, gyro))
        self._pitch_mdeg = pitch * k_t
        self._roll_mdeg = roll * k_t
        if take_pose:
            self._pose = OdomPose(ox * sc[0], oy * sc[1], oyaw * sc[2])
        self._power = (bv * sc[3], ba * sc[4], soc * sc[5], solar * sc[6], float(energy * sc[7]))
        self._ebox_c = ebox * sc[8]
        self._heater_duty = duty * sc[9] / 100.0
        self._heater_fault = hfault
        return flags

    # -- latch -> commands ---------------------------------------------------------
    def _command(self, role: str, name: str, **args) -> bool:
        """Encode one board command from the dictionary and send it."""
        # the key carries each value's type: 1, 1.0 and True are equal in a dict,
        # but the encoder may refuse one of them
        return self._send_payload(role, self._encode(
            name, tuple((k, type(v), v) for k, v in args.items())))

    def _encode(self, name: str, args: tuple) -> bytes:
        """encode_board_command, remembered: the periodic commands (heater
        targets every second on both boards) repeat the same few payloads."""
        cache = self._encoded
        key = (name, args)
        payload = cache.get(key)
        if payload is None:
            payload = P.encode_board_command(self.dictionary, name,
                                             **{k: v for k, _, v in args})
            if len(cache) >= ENCODE_CACHE_MAX:
                cache.clear()
            cache[key] = payload
        return payload

    def write_board_commands(self, now_ms: int) -> None:
        """One MOB_DRIVE with every setpoint (refreshes the 300 ms drive
        deadline) and the heater target when changed or every second."""
        self._send_payload("mobility", self._drive_packer.pack(self._wheel_cmd + self._steer_cmd))
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
