"""Devices over values latched once per cycle, shared by every backend.

A backend's ``read()`` copies what the hardware (or the simulator) reported
into plain attributes of the HAL — the *latch* — and these device classes
serve the hal.interfaces API from it, so a reading costs an attribute access
and every device sees the same instant.  Commands are range-checked here
(refused, never clamped) and latched for the backend's ``write()``.

A backend provides, besides the latch fields (see ``Latch``):
  ``_device_status(kind, index) -> DeviceStatus`` (link health, staleness),
  ``_clear_stall(index)``, ``_reset_odometry(x_m, y_m, yaw_rad)``,
  ``_reset_heater()``.
"""
from __future__ import annotations

from operator import attrgetter

from common.dictionary import default_dictionary
from hal.errors import CommandRangeError
from hal.interfaces import (DeviceStatus, DriveWheel, Heater, Imu, Odometer, OdomPose,
                            PowerMonitor, SteeringActuator, ThermalSensor)


def latched(field: str) -> property:
    """A read-only device reading served from the HAL's latch field ``field``
    (a C-speed getter: readings are taken every flight cycle)."""
    return property(attrgetter("_hal." + field))


def latched_at(field: str, i: int) -> property:
    """Element ``i`` of a latch field."""
    return property(lambda dev: getattr(dev._hal, field)[i])


class Latch:
    """The latched readings and commands, with their power-on values."""

    def init_latch(self) -> None:
        self._speed = [0] * 6              # wheel speed, mrad/s
        self._count = [0] * 6              # encoder counts
        self._current_a = [0.0] * 6
        self._effort_q15 = [0] * 6
        self._stalled = (False,) * 6
        self._steer = (0,) * 4             # measured steering angle, mrad
        self._accel = (0, 0, 1000)         # mg
        self._gyro = (0, 0, 0)             # mdeg/s
        self._pitch_mdeg = 0
        self._roll_mdeg = 0
        self._pose = OdomPose(0.0, 0.0, 0.0)
        self._power = (0.0, 0.0, 0.0, 0.0, 0.0)   # V, A, soc %, solar W, energy J
        self._ebox_c = 0.0
        self._heater_duty = 0.0
        self._heater_fault = 0
        self._wheel_cmd = [0] * 6
        self._steer_cmd = [0] * 4
        self._heater_dirty = False

    def wheel_stall_flags(self) -> tuple[bool, ...]:
        """The latched stall flags (Hal.wheel_stall_flags, one attribute load)."""
        return self._stalled

    def steering_angles_mrad(self) -> tuple[int, ...]:
        return self._steer


class LatchedDevice:
    """A device of the standard set: its name, index and kind; its status
    comes from the backend (link health, staleness, device faults)."""
    kind = ""

    def __init__(self, hal, name: str, index: int = 0):
        self._hal = hal
        self.name = name
        self.index = index

    @property
    def status(self) -> DeviceStatus:
        return self._hal._device_status(self.kind, self.index)


class LatchedWheel(LatchedDevice, DriveWheel):
    kind = "wheel"

    def set_speed_mradps(self, speed_mradps: int) -> None:
        limit = self._hal.geometry.max_wheel_mradps
        if not -limit <= speed_mradps <= limit:
            raise CommandRangeError(f"{self.name}: speed {speed_mradps} mrad/s outside "
                                    f"[-{limit}, {limit}] mrad/s")
        self._hal._wheel_cmd[self.index] = int(speed_mradps)

    # element [own index] of a latch field, written out (attribute loads, no
    # getattr() call): the rover reads these every flight cycle
    speed_mradps = property(lambda dev: dev._hal._speed[dev.index])
    encoder_count = property(lambda dev: dev._hal._count[dev.index])
    current_a = property(lambda dev: dev._hal._current_a[dev.index])
    effort_q15 = property(lambda dev: dev._hal._effort_q15[dev.index])
    stalled = property(lambda dev: dev._hal._stalled[dev.index])

    def clear_stall(self) -> None:
        self._hal._clear_stall(self.index)


class LatchedSteering(LatchedDevice, SteeringActuator):
    kind = "steer"

    def __init__(self, hal, name, index):
        super().__init__(hal, name, index)
        self.min_angle_mrad = hal.geometry.steer_min_mrad
        self.max_angle_mrad = hal.geometry.steer_max_mrad

    def set_angle_mrad(self, angle_mrad: int) -> None:
        if not self.min_angle_mrad <= angle_mrad <= self.max_angle_mrad:
            raise CommandRangeError(f"{self.name}: angle {angle_mrad} mrad outside "
                                    f"[{self.min_angle_mrad}, {self.max_angle_mrad}] mrad")
        self._hal._steer_cmd[self.index] = int(angle_mrad)

    angle_mrad = property(lambda dev: dev._hal._steer[dev.index])


class LatchedImu(LatchedDevice, Imu):
    kind = "imu"

    accel_mg = latched("_accel")
    gyro_mdps = latched("_gyro")
    pitch_mdeg = latched("_pitch_mdeg")
    roll_mdeg = latched("_roll_mdeg")


class LatchedOdometer(LatchedDevice, Odometer):
    kind = "odometer"

    pose = latched("_pose")

    def reset(self, x_m: float, y_m: float, yaw_rad: float) -> None:
        self._hal._reset_odometry(x_m, y_m, yaw_rad)
        self._hal._pose = OdomPose(x_m, y_m, yaw_rad)


class LatchedPower(LatchedDevice, PowerMonitor):
    kind = "power"

    battery_v = latched_at("_power", 0)
    battery_a = latched_at("_power", 1)
    soc_pct = latched_at("_power", 2)
    solar_w = latched_at("_power", 3)
    energy_used_j = latched_at("_power", 4)


class LatchedThermal(LatchedDevice, ThermalSensor):
    kind = "thermal"

    temp_c = latched("_ebox_c")


class LatchedHeater(LatchedDevice, Heater):
    kind = "heater"

    def __init__(self, hal, name, index=0):
        super().__init__(hal, name, index)
        self._target_c = 0.0
        # the dictionary's [[heater]] entry: the highest target a command may set
        self.max_target_c = default_dictionary().heater(name.removeprefix("heater.")).max_target_c

    def set_target_c(self, target_c: float) -> None:
        if not (0.0 <= target_c <= self.max_target_c):
            raise CommandRangeError(f"{self.name}: target {target_c} C outside "
                                    f"[0, {self.max_target_c}] C")
        self._target_c = float(target_c)
        self._hal._heater_dirty = True

    @property
    def target_c(self):
        return self._target_c

    duty = latched("_heater_duty")
    fault = latched("_heater_fault")

    def reset_fault(self) -> None:
        self._hal._reset_heater()


def make_devices(hal) -> None:
    """Attach the standard device set to ``hal`` (wheels, steering, IMU,
    odometer, power, electronics-box thermal sensor and heater)."""
    from common.vehicle import STEER_NAMES, WHEEL_NAMES
    hal.wheels = tuple(LatchedWheel(hal, f"wheel.{n}", i) for i, n in enumerate(WHEEL_NAMES))
    hal.steering = tuple(LatchedSteering(hal, f"steer.{n}", i) for i, n in enumerate(STEER_NAMES))
    hal.imu = LatchedImu(hal, "imu")
    hal.odometer = LatchedOdometer(hal, "odometer")
    hal.power = LatchedPower(hal, "power")
    hal.thermal = {"ebox": LatchedThermal(hal, "thermal.ebox")}
    hal.heaters = {"ebox": LatchedHeater(hal, "heater.ebox")}
