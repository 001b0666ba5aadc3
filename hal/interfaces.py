"""Device interfaces every backend implements (sim, serial boards, ...).

Units are in the names.  Readings come from the backend's last ``read()``;
commands are latched and sent on ``write()`` (the fixed read -> update ->
write cycle).  Device problems are reported in ``status`` (and counters),
never thrown out of the cycle.

Wheel order everywhere: 0 front-left, 1 front-right, 2 middle-left,
3 middle-right, 4 rear-left, 5 rear-right.  Steered corners are wheels
0, 1, 4, 5 (steering index 0..3).  Body frame: x forward, y left, z up;
yaw counter-clockwise from world +x (east).
"""
from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from typing import NamedTuple
from dataclasses import dataclass



class DeviceStatus(enum.IntEnum):
    OK = 0
    STALE = 1      # no fresh data within its deadline (link or sensor)
    FAULT = 2      # the device reports a fault (stall, heater runaway, ...)
    OFFLINE = 3    # backend cannot reach it


class Device(ABC):
    """Anything with a name and a status."""

    name: str

    @property
    @abstractmethod
    def status(self) -> DeviceStatus: ...


class DriveWheel(Device):
    @abstractmethod
    def set_speed_mradps(self, speed_mradps: int) -> None:
        """Wheel angular speed setpoint (wheel side of the gearbox)."""

    @property
    @abstractmethod
    def speed_mradps(self) -> int: ...

    @property
    @abstractmethod
    def encoder_count(self) -> int: ...

    @property
    @abstractmethod
    def current_a(self) -> float: ...

    @property
    @abstractmethod
    def effort_q15(self) -> int: ...

    @property
    @abstractmethod
    def stalled(self) -> bool: ...

    @abstractmethod
    def clear_stall(self) -> None: ...


class SteeringActuator(Device):
    min_angle_mrad: int
    max_angle_mrad: int

    @abstractmethod
    def set_angle_mrad(self, angle_mrad: int) -> None: ...

    @property
    @abstractmethod
    def angle_mrad(self) -> int: ...


class Imu(Device):
    @property
    @abstractmethod
    def accel_mg(self) -> tuple[int, int, int]: ...

    @property
    @abstractmethod
    def gyro_mdps(self) -> tuple[int, int, int]: ...

    @property
    @abstractmethod
    def pitch_mdeg(self) -> int:
        """Board-side complementary-filter pitch (nose up positive)."""

    @property
    @abstractmethod
    def roll_mdeg(self) -> int:
        """Board-side complementary-filter roll (left side up positive)."""


class OdomPose(NamedTuple):
    """The board's integrated pose (immutable; a named tuple, as one is
    latched every flight cycle)."""
    x_m: float
    y_m: float
    yaw_rad: float


class Odometer(Device):
    """Wheel odometry integrated on the mobility board (csrc/core/odometry)."""

    @property
    @abstractmethod
    def pose(self) -> OdomPose: ...

    @abstractmethod
    def reset(self, x_m: float, y_m: float, yaw_rad: float) -> None: ...


class VoFrame(NamedTuple):
    """One visual-odometry update: the horizontal displacement (m) and yaw change
    (rad) since the previous frame, in the body frame of that previous frame."""
    seq: int
    t_ms: int
    dx_m: float
    dy_m: float
    dyaw_rad: float


class VisualOdometry(Device):
    """Stereo visual odometry (a camera pair and its tracker); None when absent."""

    @property
    @abstractmethod
    def frame(self) -> VoFrame | None: ...


class PowerMonitor(Device):
    @property
    @abstractmethod
    def battery_v(self) -> float: ...

    @property
    @abstractmethod
    def battery_a(self) -> float:
        """Positive when discharging."""

    @property
    @abstractmethod
    def soc_pct(self) -> float: ...

    @property
    @abstractmethod
    def solar_w(self) -> float: ...

    @property
    @abstractmethod
    def energy_used_j(self) -> float: ...


class ThermalSensor(Device):
    @property
    @abstractmethod
    def temp_c(self) -> float: ...


class Heater(Device):
    max_target_c: float

    @abstractmethod
    def set_target_c(self, target_c: float) -> None:
        """0 turns it off; above max_target_c raises CommandRangeError."""

    @property
    @abstractmethod
    def target_c(self) -> float: ...

    @property
    @abstractmethod
    def duty(self) -> float:
        """0..1"""

    @property
    @abstractmethod
    def fault(self) -> int:
        """0 = ok, else the csrc/core/heater.h fault code (latched)."""

    @abstractmethod
    def reset_fault(self) -> None: ...


@dataclass(frozen=True)
class TerrainMap:
    """A gridded map product (orbital DEM in a real mission; the site in the
    simulator).  Row index = y (north), column = x (east)."""
    height_m: "object"                # numpy float32 [ny, nx]
    slope_deg: "object"               # numpy float32 [ny, nx]
    no_go_mask: "object"              # numpy bool [ny, nx] (e.g. permanently shadowed)
    cell_m: float
    origin_xy_m: tuple[float, float]  # world coordinates of [0, 0]

    @property
    def extent_m(self) -> tuple[float, float, float, float]:
        ny, nx = self.height_m.shape
        x0, y0 = self.origin_xy_m
        return (x0, x0 + (nx - 1) * self.cell_m, y0, y0 + (ny - 1) * self.cell_m)


# -- the brick printer (payload board) -------------------------------------------
PRINTER_AXES = ("x", "y", "z", "r")     # X, Y, Z (plate depth, positive down), recoater


class HomeState(enum.IntEnum):
    """Homing state of one axis (csrc/core/homing.h)."""
    IDLE = 0
    SEEK = 1
    BACKOFF = 2
    APPROACH = 3
    DONE = 4
    FAILED = 5


class PrinterGantry(Device):
    """The printer's four stepper axes (X, Y, Z, recoater) on the payload
    board.  Moves and homing run in the board's firmware (trapezoidal moves
    from a queue, homing against the limit switches, docs/printer.md
    sections 1 and 7); this device latches the commands and sends them in
    order on ``write()``: stop first, then home, then the moves.  Positions
    are in steps; ``steps_per_mm`` converts.  ``time_ms`` is the board time of
    the state latched by the last ``read()`` (a command sent at t is seen in
    the state only from a packet with time_ms > t)."""

    steps_per_mm: tuple[float, float, float, float]
    queue_depth: int
    min_steps: tuple[int, int, int, int]        # soft limits (the board refuses beyond)
    max_steps: tuple[int, int, int, int]
    max_rate_q16: int                           # a move's rate bound (Q16 steps per ms)

    @abstractmethod
    def home(self, axes_mask: int) -> None:
        """Home the axes in the mask (bit 0 X .. bit 3 recoater)."""

    @abstractmethod
    def move(self, target_steps: tuple[int, int, int, int], rate_q16: int, sinter: bool) -> None:
        """Queue a straight move to absolute step positions at ``rate_q16``
        (Q16 steps per ms of the major axis); a target outside the soft
        limits or a rate outside 1..max_rate_q16 raises CommandRangeError."""

    @abstractmethod
    def stop(self) -> None:
        """Stop now, empty the board's queue, cancel homing (and any move
        latched but not sent yet)."""

    @property
    @abstractmethod
    def position_steps(self) -> tuple[int, int, int, int]: ...

    @property
    @abstractmethod
    def moving(self) -> bool: ...

    @property
    @abstractmethod
    def queued(self) -> int:
        """Moves waiting in the board's queue (not counting the executing one)."""

    @property
    @abstractmethod
    def home_state(self) -> tuple[HomeState, HomeState, HomeState, HomeState]: ...

    @property
    @abstractmethod
    def homed_mask(self) -> int:
        """Bit i = axis i homed since the board's power-up."""

    @property
    @abstractmethod
    def moves_done(self) -> int:
        """Moves the board completed since power-up (a monotonic counter)."""

    @property
    @abstractmethod
    def time_ms(self) -> int:
        """Board time of the latched state."""

    @property
    @abstractmethod
    def refused(self) -> int:
        """Printer commands the board refused (a counter)."""


class LimitSwitch(Device):
    """One axis' home switch (pressed at or below the axis' zero)."""

    @property
    @abstractmethod
    def pressed(self) -> bool: ...


class HeatSource(Heater):
    """The sintering head's heat source under the board's PID and runaway
    guard: a solar concentrator behind a shutter (the duty is the shutter's
    opening) or an electric heater (bench).  ``set_target_c`` is the head
    temperature the board holds; the board switches the source off if the
    target is not refreshed within its deadline."""

    source: str          # "solar" or "electric"
    rated_w: float       # power at full duty in full sun / at the rated supply

    @property
    @abstractmethod
    def available_w(self) -> float:
        """Power the source delivers at full duty now (solar: what the sun
        gives after shading; electric: the rating)."""

    @property
    @abstractmethod
    def power_w(self) -> float:
        """Power into the head now (duty x available)."""


class HopperLevel(Device):
    """The regolith hopper's level sensor."""

    capacity_g: float        # regolith in a full hopper

    @property
    @abstractmethod
    def level_pct(self) -> float: ...


@dataclass(frozen=True)
class PrinterDevices:
    """The printer's devices as one group (``hal.printer``; None on a
    backend without a payload)."""
    gantry: PrinterGantry
    head: HeatSource
    thermocouple: ThermalSensor        # the spot temperature
    hopper: HopperLevel
    switches: tuple[LimitSwitch, ...]  # X, Y, Z, recoater

    def devices(self) -> dict[str, Device]:
        out: dict[str, Device] = {"printer.gantry": self.gantry, "printer.head": self.head,
                                  "printer.thermocouple": self.thermocouple,
                                  "printer.hopper": self.hopper}
        for s in self.switches:
            out[s.name] = s
        return out
