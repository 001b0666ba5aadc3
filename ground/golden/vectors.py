"""The golden vectors' inputs: a fixed set of recipes, each writing one trace
(csrc/firmware/trace/trace.h) for one board role.

The stored ``.in`` files are the vectors; these recipes only make them (again)
when someone asks for it (``rover golden regen --inputs``).  Closed-loop
recipes (wheels that turn when driven, a head that warms when heated, axes
that reach their limit switches) generate their inputs from the firmware's
own outputs as it runs on the simulator port, through simple plant models
written here; the models are ours, chosen for short, readable vectors, not
for fidelity (the simulator's plant is in csrc/plant).

Most vectors run the board in direct mode (commands through fw_execute,
telemetry through fw_pack: the firmware's port level), so a change to the
link layer touches only the two ``*_line_session`` vectors.
"""
from __future__ import annotations

import random
import struct
from dataclasses import dataclass
from typing import Callable

from common.dictionary import default_dictionary
from common.dictionary.packets import decode_tlm, encode_board_command
from ground.golden.records import output_records
from sim_hw.trace_port import SimTracePlayer

# Every vector powers the board up with this dictionary hash ('I' record), so
# its bytes depend on what the firmware does, not on the dictionary's hash.
GOLDEN_HASH = 0x474F4C44
# Bytes a target may lose before its UART is enabled; the parser skips them.
PADDING = 64

D = default_dictionary()


def _quad(pos: int) -> int:
    """Quadrature pin levels (A << 1) | B at encoder position ``pos``."""
    b0, b1 = pos & 1, (pos >> 1) & 1
    return (b1 << 1) | (b1 ^ b0)


def raw_command(name: str, *values: int) -> bytes:
    """A command payload with any argument values, in range or not."""
    cmd = D.board_command(name)
    fmt = "<H" + "".join({"i8": "b", "u8": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I"}[a.type]
                         for a in cmd.args)
    return struct.pack(fmt, cmd.opcode, *values)


class TraceBuilder:
    """Writes a trace record by record while playing it on the simulator
    port, so a recipe can read the outputs so far (PWM, servos, steps, results,
    packs) to close its loops."""

    def __init__(self, role: str, line: bool = False):
        self.role = role
        self.data = bytearray()
        self._player = SimTracePlayer(role)
        self._out = bytearray()
        self._parsed = 0
        self.pwm = [0] * 7
        self.servo = [0] * 4
        self.steps = [0] * 4          # steps emitted in the last tick
        self.results: list[tuple[int, int, int, int]] = []   # (seq, opcode, status, detail)
        self.packs: list[bytes] = []
        self.uart = bytearray()
        self.ticks = 0
        self._seq = 0
        self._adc: dict[int, int] = {}
        self._ticks_pending = 0     # played, not yet written: one 'T' or 'N' record
        self._rec(bytes(PADDING))
        self._rec(b"I" + struct.pack("<I", GOLDEN_HASH))
        if not line:
            self._rec(b"D")

    # ------------------------------------------------------------ plumbing
    def _flush_ticks(self) -> None:
        n = self._ticks_pending
        while n > 0:
            k = min(n, 0xFFFF)
            self.data += b"T" if k == 1 else b"N" + struct.pack("<H", k)
            n -= k
        self._ticks_pending = 0

    def _rec(self, rec: bytes, tick: bool = False) -> None:
        if tick:
            self._ticks_pending += 1
        else:
            self._flush_ticks()
            self.data += rec
        self._out += self._player.feed(rec)
        for _, r in output_records(bytes(self._out[self._parsed:])):
            k = chr(r[0])
            if k == "P":
                self.pwm[r[1]] = struct.unpack("<h", r[2:4])[0]
            elif k == "S":
                self.servo[r[1]] = struct.unpack("<h", r[2:4])[0]
            elif k == "T":
                self.steps[r[1]] += struct.unpack("<i", r[2:6])[0]
            elif k == "C":
                self.results.append(struct.unpack("<BHBi", r[2:10]))
            elif k == "K":
                self.packs.append(bytes(r[2:]))
            elif k == "U":
                self.uart.append(r[1])
        self._parsed = len(self._out)

    # ------------------------------------------------------------ inputs
    def tick(self, n: int = 1, plant: Callable[["TraceBuilder"], None] | None = None) -> None:
        for _ in range(n):
            self.steps = [0] * 4
            self._rec(b"T", tick=True)
            self.ticks += 1
            if plant is not None:
                plant(self)

    def adc(self, ch: int, value: int) -> None:
        """Recorded only when the value changes."""
        value = int(value)
        if self._adc.get(ch) != value:
            self._adc[ch] = value
            self._rec(b"A" + bytes([ch]) + struct.pack("<i", value))

    def imu(self, accel_mg, gyro_mdps) -> None:
        self._rec(b"G" + struct.pack("<hhhiii", *accel_mg, *gyro_mdps))

    def edge(self, ch: int, ab: int) -> None:
        self._rec(b"E" + bytes([ch, ab]))

    def switches(self, mask: int) -> None:
        self._rec(b"W" + bytes([mask]))

    def port_faults(self, flags: int) -> None:
        self._rec(b"F" + struct.pack("<H", flags))

    def rx(self, data: bytes) -> None:
        for i in range(0, len(data), 64):
            chunk = data[i:i + 64]
            self._rec(b"R" + bytes([len(chunk)]) + chunk)

    def cmd_raw(self, payload: bytes) -> tuple[int, int, int, int]:
        """A command payload through the board's dispatch; returns its result."""
        self._seq = (self._seq + 1) & 0xFF
        n = len(self.results)
        self._rec(b"C" + bytes([self._seq, len(payload)]) + payload)
        assert len(self.results) == n + 1, "the board gave no CMD_RESULT"
        return self.results[-1]

    def cmd(self, name: str, **args) -> tuple[int, int, int, int]:
        return self.cmd_raw(encode_board_command(D, name, **args))

    def pack(self, packet: str) -> bytes:
        n = len(self.packs)
        self._rec(b"K" + bytes([D.packets[packet].id]))
        assert len(self.packs) == n + 1
        return self.packs[-1]

    def heartbeat(self) -> None:
        self._rec(b"H")

    def end(self) -> bytes:
        self._rec(b"Q")
        return bytes(self.data)


# ---------------------------------------------------------------- plant models (ours)
class Wheels:
    """Six wheels: speed follows the PWM (3000 mrad/s at full duty, first
    order with a 40 ms time constant; below 10 % duty static friction holds
    a wheel), encoder edges from the position (9600 counts a revolution);
    motor current proportional to the duty (2 A at full), sampled every
    50 ms; steering feedback follows the servo command at 2 mrad/ms;
    ``jammed`` wheels do not turn."""

    COUNTS_PER_MRAD = 9600 / 6283.185

    def __init__(self, tb: TraceBuilder):
        self.speed = [0.0] * 6
        self.pos = [0.0] * 6
        self.count = [0] * 6
        self.steer = [0.0] * 4
        self.jammed: set[int] = set()
        for ch in range(6, 10):
            tb.adc(ch, 0)

    def __call__(self, tb: TraceBuilder) -> None:
        for i in range(6):
            target = 0.0 if i in self.jammed else tb.pwm[i] / 32767 * 3000.0
            self.speed[i] += (target - self.speed[i]) / 40.0
            if abs(tb.pwm[i]) < 3277 and abs(self.speed[i]) < 50.0:
                self.speed[i] = 0.0
            self.pos[i] += self.speed[i] / 1000.0 * self.COUNTS_PER_MRAD
            while int(self.pos[i]) != self.count[i]:
                self.count[i] += 1 if self.pos[i] > self.count[i] else -1
                tb.edge(i, _quad(self.count[i]))
            if tb.ticks % 50 == 0:
                tb.adc(i, round(tb.pwm[i] / 32767 * 2000))
        if tb.ticks % 10 == 0:
            for k in range(4):
                d = tb.servo[k] - self.steer[k]
                self.steer[k] += max(-20.0, min(20.0, d))
                tb.adc(6 + k, round(self.steer[k]))


class Thermal:
    """A heated mass: dT/dt = rate_dc_per_ms x duty - (T - ambient) / tau_ms,
    read as ADC channel 15 in deci-C, a new conversion every 100 ms (a
    MAX31855 converts in up to 100 ms, Maxim datasheet); ``detached``
    freezes the reading (a thermocouple off the part), ``offset`` shifts it."""

    def __init__(self, tb: TraceBuilder, temp_dc: float, ambient_dc: float, rate_dc_per_ms: float,
                 tau_ms: float):
        self.temp = temp_dc
        self.ambient = ambient_dc
        self.rate = rate_dc_per_ms
        self.tau = tau_ms
        self.detached = False
        self.offset = 0.0
        tb.adc(15, round(self.temp))

    def __call__(self, tb: TraceBuilder) -> None:
        self.temp += self.rate * tb.pwm[6] / 32767 - (self.temp - self.ambient) / self.tau
        if not self.detached and tb.ticks % 100 == 50:
            tb.adc(15, round(self.temp + self.offset))


class Axes:
    """Four stepper axes that follow their steps; the limit switch of each
    reads pressed at or below position 0; a ``stuck`` switch reads pressed
    always, a ``dead`` one never."""

    def __init__(self, tb: TraceBuilder, start_steps):
        self.pos = list(start_steps)
        self.stuck: set[int] = set()
        self.dead: set[int] = set()
        self._mask = -1
        self.sense(tb)

    def sense(self, tb: TraceBuilder) -> None:
        """Records the switches if they changed."""
        m = 0
        for i in range(4):
            if i in self.stuck or (self.pos[i] <= 0 and i not in self.dead):
                m |= 1 << i
        if m != self._mask:
            self._mask = m
            tb.switches(m)

    def __call__(self, tb: TraceBuilder) -> None:
        for i in range(4):
            self.pos[i] += tb.steps[i]
        self.sense(tb)


def _both(*plants):
    def step(tb):
        for p in plants:
            p(tb)
    return step


# ---------------------------------------------------------------- recipes
DRIVE = dict(w_fl=600, w_fr=600, w_ml=600, w_mr=600, w_rl=600, w_rr=600,
             s_fl=0, s_fr=0, s_rl=0, s_rr=0)
SLOW = dict(w_fl=250, w_fr=250, w_ml=250, w_mr=250, w_rl=250, w_rr=250,
            s_fl=100, s_fr=100, s_rl=-100, s_rr=-100)
TURN = dict(w_fl=500, w_fr=900, w_ml=450, w_mr=850, w_rl=500, w_rr=900,
            s_fl=300, s_fr=200, s_rl=-300, s_rr=-200)


def mob_drive() -> bytes:
    """Mobility board, direct: drive straight then turn with the wheel loops
    closed on the encoders, steering servos, IMU tilt, odometry reset, the
    wheel and body packets every 50 ms, then a jammed wheel until STALL."""
    tb = TraceBuilder("mobility")
    w = Wheels(tb)
    tb.adc(10, 32000)
    tb.adc(12, 870)
    tb.imu((30, -20, 1000), (0, 0, 0))
    for t in range(0, 400, 100):
        tb.cmd("MOB_DRIVE", **(DRIVE if t < 200 else TURN))
        if t == 200:
            tb.imu((120, -60, 990), (1500, -300, 4000))
        if t == 300:
            tb.cmd("MOB_RESET_ODOM", x=1000, y=-2000, yaw=100)
        for _ in range(2):
            tb.tick(50, w)
            tb.pack("MOB_WHEELS")
            tb.pack("MOB_BODY")
    tb.cmd("MOB_DRIVE", **{k: 0 for k in DRIVE})
    tb.tick(150, w)
    w.jammed.add(3)
    for _ in range(12):
        tb.cmd("MOB_DRIVE", **{k: (1500 if k == "w_mr" else 0) for k in DRIVE})
        tb.tick(100, w)
        tb.pack("MOB_WHEELS")
    tb.cmd("MOB_DRIVE", **{k: 0 for k in DRIVE})
    tb.tick(50, w)
    tb.pack("MOB_WHEELS")
    tb.pack("LINK_STATS")
    return tb.end()


def _bad_commands(tb: TraceBuilder, own: str, other: str) -> None:
    """Rejections every board makes: no opcode, unknown opcode, the other
    board's command, wrong lengths, out-of-range arguments."""
    tb.cmd_raw(b"")
    tb.cmd_raw(b"\x01")
    tb.cmd_raw(b"\x99\x99")
    tb.cmd_raw(b"\xff\xff" + bytes(64 - 2))
    tb.cmd_raw(encode_board_command(D, other, **_ok_args(other)))
    good = encode_board_command(D, own, **_ok_args(own))
    tb.cmd_raw(good[:-1])
    tb.cmd_raw(good + b"\x00")
    tb.cmd_raw(raw_command("BOARD_TLM_PERIOD", 60001))
    tb.cmd_raw(raw_command("BOARD_HEATER", 1, 100))
    tb.cmd_raw(raw_command("BOARD_HEATER", 0, -1))
    tb.cmd_raw(raw_command("BOARD_HEATER", 0, 15001))


def _ok_args(name: str) -> dict:
    return {"MOB_DRIVE": DRIVE, "PRN_HOME": dict(axes=1),
            "PRN_MOVE": dict(x=0, y=0, z=0, r=0, rate=65536, sinter=0)}[name]


def mob_bad_commands() -> bytes:
    """Mobility board, direct: every rejection class (bad length, unknown
    opcode, wrong board, each MOB_DRIVE argument one past each end of its
    range, a heater target above the e-box's limit), the BAD_COMMAND latch
    and its FAULT events, then a clear and a good command."""
    tb = TraceBuilder("mobility")
    tb.tick(5)
    _bad_commands(tb, "MOB_DRIVE", "PRN_HOME")
    cmd = D.board_command("MOB_DRIVE")
    base = [DRIVE[a.name] for a in cmd.args]
    for i, a in enumerate(cmd.args):
        for v in (int(a.min) - 1, int(a.max) + 1):
            vals = list(base)
            vals[i] = v
            tb.cmd_raw(raw_command("MOB_DRIVE", *vals))
    tb.cmd_raw(raw_command("MOB_RESET_ODOM", 1000001, 0, 0))
    tb.cmd_raw(raw_command("MOB_RESET_ODOM", 0, 0, -3143))
    tb.cmd("BOARD_HEATER", zone=0, target=601)
    tb.tick(3)
    tb.pack("LINK_STATS")
    tb.pack("MOB_WHEELS")
    tb.cmd("BOARD_CLEAR_FAULT")
    tb.tick(3)
    tb.cmd("MOB_DRIVE", **DRIVE)
    tb.tick(3)
    tb.pack("MOB_WHEELS")
    tb.cmd_raw(b"\x99\x99")
    tb.tick(2)
    return tb.end()


def mob_deadman() -> bytes:
    """Mobility board, direct: the board's own safety.  A drive not refreshed
    within its deadline stops (DRIVE_DEADLINE); a heater not refreshed goes
    off (HEATER_DEADLINE); host heartbeats stop and the board latches
    HEARTBEAT_LOST with every output safe, refuses the heater until cleared;
    a port fault bit (OFF_MAP) comes and goes; BOARD_SAFE stops a drive."""
    tb = TraceBuilder("mobility")
    w = Wheels(tb)
    th = Thermal(tb, 50, 0, 0.004, 20000)
    plant = _both(w, th)
    tb.heartbeat()
    tb.cmd("MOB_DRIVE", **SLOW)
    tb.cmd("BOARD_HEATER", zone=0, target=200)
    for t in range(0, 400, 100):
        tb.tick(100, plant)
        tb.heartbeat()
    tb.pack("MOB_WHEELS")          # the drive expired at 300 ms
    for t in range(0, 3000, 200):
        tb.tick(200, plant)
        tb.heartbeat()
    tb.pack("MOB_WHEELS")          # the heater expired at 3000 ms
    tb.cmd("MOB_DRIVE", **SLOW)
    tb.cmd("BOARD_HEATER", zone=0, target=200)
    tb.tick(1200, plant)           # no heartbeat: latched at 1000 ms
    tb.pack("MOB_WHEELS")
    tb.cmd("BOARD_HEATER", zone=0, target=200)
    tb.cmd("BOARD_CLEAR_FAULT")
    tb.heartbeat()
    tb.port_faults(0x0020)
    tb.tick(5, plant)
    tb.port_faults(0)
    tb.cmd("MOB_DRIVE", **SLOW)
    tb.tick(60, plant)
    tb.heartbeat()
    tb.cmd("BOARD_SAFE")
    tb.tick(40, plant)
    tb.pack("MOB_WHEELS")
    tb.pack("LINK_STATS")
    return tb.end()


def mob_heater() -> bytes:
    """Mobility board, direct: the e-box heater PID closed on a thermal
    model from -20 C to its 25 C target and holding, refreshed before its
    deadline; then the sensor reads open (UNDERTEMP fault, heater off),
    a refused restart, a clear, and a restart."""
    tb = TraceBuilder("mobility")
    th = Thermal(tb, -200, -300, 0.02, 30000)
    tb.heartbeat()
    for t in range(0, 6000, 1000):
        tb.cmd("BOARD_HEATER", zone=0, target=250)
        tb.tick(1000, th)
        tb.heartbeat()
        tb.pack("MOB_BODY")
    th.detached = True
    tb.adc(15, -2000)
    tb.tick(300)
    tb.pack("MOB_BODY")
    tb.cmd("BOARD_HEATER", zone=0, target=250)
    tb.cmd("BOARD_CLEAR_FAULT")
    th.detached = False
    tb.heartbeat()
    tb.cmd("BOARD_HEATER", zone=0, target=250)
    tb.tick(500, th)
    tb.pack("MOB_BODY")
    return tb.end()


def pay_heater() -> bytes:
    """Payload board, direct: the sintering head heated to 60 C and held
    (a fast test head: 1 deci-C per ms at full duty, ours), refreshed before
    the 3 s deadline; then the element fails and the head cools while the
    heater holds its target (RUNAWAY: error budget spent), clear; heating
    with the thermocouple detached (no rise within 20 s: NO_GAIN), clear;
    an over-temperature reading (OVERTEMP); a target above the head's
    limit refused."""
    tb = TraceBuilder("payload")
    th = Thermal(tb, 240, 200, 1.0, 4000)
    tb.adc(16, 75)
    tb.heartbeat()
    for t in range(0, 4000, 1000):
        tb.cmd("BOARD_HEATER", zone=0, target=600)
        tb.tick(1000, th)
        tb.heartbeat()
        tb.pack("PAY_STATUS")
    th.rate = 0.0                  # the element fails
    for t in range(0, 24000, 1000):
        tb.cmd("BOARD_HEATER", zone=0, target=600)
        tb.tick(1000, th)
        tb.heartbeat()
        if t % 4000 == 0:
            tb.pack("PAY_STATUS")
    tb.pack("PAY_STATUS")
    th.rate = 1.0
    tb.cmd("BOARD_CLEAR_FAULT")
    th.detached = True
    for t in range(0, 22000, 1000):
        tb.cmd("BOARD_HEATER", zone=0, target=8000)
        tb.tick(1000, th)
        tb.heartbeat()
    tb.pack("PAY_STATUS")
    tb.cmd("BOARD_CLEAR_FAULT")
    tb.adc(15, 16500)
    tb.cmd("BOARD_HEATER", zone=0, target=600)
    tb.tick(200)
    tb.pack("PAY_STATUS")
    tb.cmd("BOARD_CLEAR_FAULT")
    tb.adc(15, 300)
    tb.cmd_raw(raw_command("BOARD_HEATER", 0, 15001))
    tb.cmd("BOARD_HEATER", zone=0, target=15000)
    tb.tick(150)
    tb.pack("PAY_STATUS")
    return tb.end()


HOME_START = (300, 200, 40, 250)     # steps above each switch at power-up (ours)


def _home_all(tb: TraceBuilder, axes: Axes) -> None:
    tb.cmd("PRN_HOME", axes=15)
    for _ in range(60):
        tb.tick(100, axes)
        tb.pack("PAY_PRINTER")
        if decode_tlm(D, tb.packs[-1])[1]["homed"] == 15:
            break


def pay_homing() -> bytes:
    """Payload board, direct: homing all four axes against their switches
    (seek, back off, slow approach to the edge; the Z axis has its own
    rates), a move refused before homing and one refused while homing; then
    X again with a stuck switch (FAILED: stuck) and with a switch that goes
    dead after the back-off (FAILED: lost); PRN_STOP during homing."""
    tb = TraceBuilder("payload")
    axes = Axes(tb, HOME_START)
    tb.adc(15, 200)
    tb.adc(16, 75)
    tb.cmd("PRN_MOVE", x=100, y=100, z=0, r=0, rate=65536, sinter=0)
    _home_all(tb, axes)
    tb.pack("PAY_PRINTER")
    axes.stuck.add(0)
    axes.sense(tb)
    tb.cmd("PRN_HOME", axes=1)
    tb.cmd("PRN_HOME", axes=2)                 # refused: homing in progress
    tb.cmd("PRN_MOVE", x=0, y=0, z=0, r=0, rate=65536, sinter=0)
    tb.tick(150, axes)
    tb.pack("PAY_PRINTER")
    axes.stuck.clear()
    axes.pos[0] = 30
    axes.sense(tb)
    tb.cmd("PRN_HOME", axes=1)
    while axes.pos[0] > -100 and tb.ticks < 20000:
        tb.tick(1, axes)
        if axes.pos[0] >= 150:
            break
    axes.dead.add(0)
    axes.sense(tb)
    tb.tick(1400, axes)
    tb.pack("PAY_PRINTER")
    axes.dead.clear()
    axes.sense(tb)
    tb.cmd("PRN_HOME", axes=2)
    tb.tick(30, axes)
    tb.cmd("PRN_STOP")
    tb.tick(5, axes)
    tb.pack("PAY_PRINTER")
    return tb.end()


def pay_motion() -> bytes:
    """Payload board, direct: after homing, trapezoidal moves from the
    4-deep queue (a fifth refused while it is full), a sintering move, a
    target outside the soft limits refused, PRN_STOP in the middle of a move
    and a move after it, with the printer packet every 100 ms."""
    tb = TraceBuilder("payload")
    axes = Axes(tb, HOME_START)
    tb.adc(15, 200)
    tb.adc(16, 75)
    _home_all(tb, axes)
    moves = [(400, 0, 0, 0, 262144, 0), (400, 300, 0, 0, 131072, 1), (0, 300, 40, 0, 262144, 0),
             (0, 0, 40, 200, 262144, 0), (100, 100, 0, 0, 262144, 0)]
    for m in moves:
        tb.cmd("PRN_MOVE", x=m[0], y=m[1], z=m[2], r=m[3], rate=m[4], sinter=m[5])
    tb.pack("PAY_PRINTER")
    for _ in range(12):
        tb.tick(100, axes)
        tb.pack("PAY_PRINTER")
    tb.cmd_raw(raw_command("PRN_MOVE", 16001, 0, 0, 0, 65536, 0))
    tb.cmd_raw(raw_command("PRN_MOVE", 0, -1, 0, 0, 65536, 0))
    tb.cmd("PRN_MOVE", x=8000, y=0, z=0, r=0, rate=262144, sinter=1)
    tb.tick(150, axes)
    tb.cmd("PRN_STOP")
    tb.tick(20, axes)
    tb.pack("PAY_PRINTER")
    tb.cmd("PRN_MOVE", x=0, y=0, z=0, r=0, rate=262144, sinter=0)
    for _ in range(8):
        tb.tick(100, axes)
        tb.pack("PAY_PRINTER")
    return tb.end()


def pay_deadman() -> bytes:
    """Payload board, direct: heater and a move under way when the host's
    heartbeats stop: HEARTBEAT_LOST latches, the printer stops and the head
    goes off; moves, homing and heating refused until BOARD_CLEAR_FAULT; the
    heater's own 3 s deadline; the payload's bad commands."""
    tb = TraceBuilder("payload")
    axes = Axes(tb, HOME_START)
    th = Thermal(tb, 240, 200, 1.0, 4000)
    plant = _both(axes, th)
    tb.adc(16, 75)
    tb.heartbeat()
    tb.cmd("PRN_HOME", axes=15)
    for _ in range(45):
        tb.tick(100, plant)
        tb.heartbeat()
    tb.pack("PAY_PRINTER")
    tb.cmd("BOARD_HEATER", zone=0, target=500)
    tb.cmd("PRN_MOVE", x=4000, y=2000, z=0, r=0, rate=131072, sinter=1)
    tb.tick(400, plant)
    tb.pack("PAY_PRINTER")
    tb.tick(900, plant)            # heartbeat lost at 1000 ms after the last one
    tb.pack("PAY_PRINTER")
    tb.pack("PAY_STATUS")
    tb.cmd("PRN_MOVE", x=0, y=0, z=0, r=0, rate=131072, sinter=0)
    tb.cmd("PRN_HOME", axes=1)
    tb.cmd("BOARD_HEATER", zone=0, target=500)
    tb.cmd("BOARD_CLEAR_FAULT")
    tb.heartbeat()
    tb.cmd("BOARD_HEATER", zone=0, target=500)
    for _ in range(4):
        tb.tick(1000, plant)
        tb.heartbeat()
    tb.pack("PAY_STATUS")          # the heater's deadline passed at 3000 ms
    _bad_commands(tb, "PRN_MOVE", "MOB_DRIVE")
    tb.cmd_raw(raw_command("PRN_HOME", 0))
    tb.cmd_raw(raw_command("PRN_HOME", 16))
    tb.cmd_raw(raw_command("PRN_MOVE", 0, 0, 0, 0, 0, 0))
    tb.cmd_raw(raw_command("PRN_MOVE", 0, 0, 0, 0, 65536, 2))
    tb.tick(3)
    tb.pack("LINK_STATS")
    return tb.end()


def _line_session(tb: TraceBuilder, seed: int, cmds: dict, ticks: int, plant=None) -> None:
    """Bytes on the line: identify, a reliable command session (the host
    side is hal.link's ReliableSender), heartbeats, clock queries, a
    truncated and an unknown command, line noise, a corrupted frame."""
    from hal.link import codec
    rng = random.Random(seed)
    tb.rx(b"\x00" + codec.encode_frame(0, 0, 0, codec.T_IDENTIFY_REQ))
    tx = codec.ReliableSender(session=rng.randrange(1, 1 << 32))
    cmds.setdefault(5, []).append(encode_board_command(D, "BOARD_TLM_PERIOD", period=50))
    cmds.setdefault(60, []).append(b"\x99\x99")
    cmds.setdefault(70, []).append(encode_board_command(D, "BOARD_TLM_PERIOD", period=20)[:-1])
    cmds.setdefault(ticks - 50, []).append(encode_board_command(D, "BOARD_CLEAR_FAULT"))
    for t in range(ticks):
        if t % 200 == 1:
            tb.rx(codec.encode_frame(0, 0, 0, codec.T_HEARTBEAT, codec.HEARTBEAT_FMT.pack(t, 1)))
        if t % 97 == 3:
            tb.rx(codec.encode_frame(0, 0, 0, codec.T_CLOCK_REQ, struct.pack("<I", t)))
        for c in cmds.get(t, []):
            tx.submit(c)
        wire = tx.poll(t)
        if wire:
            tb.rx(wire)
        if t == 233:
            tb.rx(bytes(rng.randrange(256) for _ in range(40)))
        if t == 251:
            bad = bytearray(codec.encode_frame(0, 0, 0, codec.T_CLOCK_REQ, b"\x01\x02\x03\x04"))
            bad[3] ^= 0x10
            tb.rx(bytes(bad))
        tb.tick(1, plant)


def mob_line_session() -> bytes:
    """Mobility board on the line: identify, a reliable session driving
    the wheels (closed on the encoders), heater and odometry-reset commands,
    bad commands, heartbeats, clock queries, noise and a corrupted frame;
    telemetry and heartbeat frames out."""
    tb = TraceBuilder("mobility", line=True)
    w = Wheels(tb)
    tb.adc(10, 32000)
    tb.adc(15, 150)
    tb.imu((3, -2, 1000), (120, -40, 7))
    cmds: dict[int, list[bytes]] = {}
    for t in range(10, 400, 100):
        cmds.setdefault(t, []).append(encode_board_command(D, "MOB_DRIVE", **TURN))
    cmds[120] = [encode_board_command(D, "BOARD_HEATER", zone=0, target=300)]
    cmds[250] = [encode_board_command(D, "MOB_RESET_ODOM", x=1000, y=-2000, yaw=100)]
    _line_session(tb, 7, cmds, 450, w)
    return tb.end()


def pay_line_session() -> bytes:
    """Payload board on the line: identify, a reliable session homing two
    axes and heating the head, bad commands, heartbeats, clock queries,
    noise and a corrupted frame; status and printer telemetry out."""
    tb = TraceBuilder("payload", line=True)
    axes = Axes(tb, (30, 20, 40, 250))
    th = Thermal(tb, 240, 200, 1.0, 4000)
    tb.adc(16, 75)
    cmds: dict[int, list[bytes]] = {
        20: [encode_board_command(D, "BOARD_HEATER", zone=0, target=600)],
        30: [encode_board_command(D, "PRN_HOME", axes=3)],
    }
    _line_session(tb, 8, cmds, 450, _both(axes, th))
    return tb.end()


@dataclass(frozen=True)
class Vector:
    name: str
    role: str
    make: Callable[[], bytes]

    @property
    def doc(self) -> str:
        return " ".join((self.make.__doc__ or "").split())


VECTORS = {v.name: v for v in [
    Vector("mob_drive", "mobility", mob_drive),
    Vector("mob_bad_commands", "mobility", mob_bad_commands),
    Vector("mob_deadman", "mobility", mob_deadman),
    Vector("mob_heater", "mobility", mob_heater),
    Vector("mob_line_session", "mobility", mob_line_session),
    Vector("pay_heater", "payload", pay_heater),
    Vector("pay_homing", "payload", pay_homing),
    Vector("pay_motion", "payload", pay_motion),
    Vector("pay_deadman", "payload", pay_deadman),
    Vector("pay_line_session", "payload", pay_line_session),
]}
