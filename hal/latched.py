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

from common.dictionary import default_dictionary
from hal.errors import CommandRangeError
from hal.interfaces import (DeviceStatus, DriveWheel, Heater, Imu, Odometer, OdomPose,
                            PowerMonitor, SteeringActuator, ThermalSensor)



class Latch:
    """The latched readings and commands, with their power-on values."""

    def init_latch(self) -> None:
        self._speed = [0] * 6              # wheel speed, mrad/s
        self._count = [0] * 6              # encoder counts
        self._current_a = [0.0] * 6
        self._effort_q15 = [0] * 6
        self._stalled = [False] * 6
        self._steer = [0] * 4              # measured steering angle, mrad
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


class _Dev:
    kind = ""

    def __init__(self, hal, name: str, index: int = 0):
        self._hal = hal
        self.name = name
        self.index = index

    @property
    def status(self) -> DeviceStatus:
        return self._hal._device_status(self.kind, self.index)


class LatchedWheel(_Dev, DriveWheel):
    kind = "wheel"

    def set_speed_mradps(self, speed_mradps: int) -> None:
        limit = self._hal.geometry.max_wheel_mradps
        if not -limit <= speed_mradps <= limit:
            raise CommandRangeError(f"{self.name}: speed {speed_mradps} mrad/s outside "
                                    f"[-{limit}, {limit}] mrad/s")
        self._hal._wheel_cmd[self.index] = int(speed_mradps)

    @property
    def speed_mradps(self):
        return self._hal._speed[self.index]

    @property
    def encoder_count(self):
        return self._hal._count[self.index]

    @property
    def current_a(self):
        return self._hal._current_a[self.index]

    @property
    def effort_q15(self):
        return self._hal._effort_q15[self.index]

    @property
    def stalled(self):
        return self._hal._stalled[self.index]

    def clear_stall(self) -> None:
        self._hal._clear_stall(self.index)


class LatchedSteering(_Dev, SteeringActuator):
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

    @property
    def angle_mrad(self):
        return self._hal._steer[self.index]


class LatchedImu(_Dev, Imu):
    kind = "imu"

    @property
    def accel_mg(self):
        return self._hal._accel

    @property
    def gyro_mdps(self):
        return self._hal._gyro

    @property
    def pitch_mdeg(self):
        return self._hal._pitch_mdeg

    @property
    def roll_mdeg(self):
        return self._hal._roll_mdeg


class LatchedOdometer(_Dev, Odometer):
    kind = "odometer"

    @property
    def pose(self):
        return self._hal._pose

    def reset(self, x_m: float, y_m: float, yaw_rad: float) -> None:
        self._hal._reset_odometry(x_m, y_m, yaw_rad)
        self._hal._pose = OdomPose(x_m, y_m, yaw_rad)


class LatchedPower(_Dev, PowerMonitor):
    kind = "power"

    @property
    def battery_v(self):
        return self._hal._power[0]

    @property
    def battery_a(self):
        return self._hal._power[1]

    @property
    def soc_pct(self):
        return self._hal._power[2]

    @property
    def solar_w(self):
        return self._hal._power[3]

    @property
    def energy_used_j(self):
        return self._hal._power[4]


class LatchedThermal(_Dev, ThermalSensor):
    kind = "thermal"

    @property
    def temp_c(self):
        return self._hal._ebox_c


class LatchedHeater(_Dev, Heater):
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

    @property
    def duty(self):
        return self._hal._heater_duty

    @property
    def fault(self):
        return self._hal._heater_fault

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
