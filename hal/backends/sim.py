"""sim:// backend: the HAL's devices backed by the simulator in sim_hw.

URL: ``sim://?seed=N&site=NAME&x=X_M&y=Y_M&yaw=YAW_DEG``.  The simulator
owns the clock: ``advance(dt_ms)`` steps the C plant and the board loops by
dt_ms in one call and moves ``hal.clock`` by the same amount.

``read()`` latches the board-side outputs into plain Python lists once per
cycle (the flight code then reads cheap attributes); ``write()`` copies the
latched commands into the simulator's input arrays.
"""
from __future__ import annotations

import math

from flight.clock import SimClock
from hal.base import Hal
from hal.errors import CommandRangeError, HalUrlError
from hal.interfaces import (STEER_NAMES, STEER_WHEEL_INDEX, WHEEL_NAMES, DeviceStatus, DriveWheel,
                            Heater, Imu, Odometer, OdomPose, PowerMonitor, SteeringActuator,
                            TerrainMap, ThermalSensor, VehicleGeometry)

KNOWN_PARAMS = ("seed", "site", "x", "y", "yaw")
EBOX_HEATER_MAX_C = 60.0   # survival heater for the electronics box; matches the dictionary range


def _int_param(params, key, default):
    raw = params.get(key)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HalUrlError(f"sim:// parameter {key}={raw!r} is not an integer") from None
    if value < 0:
        raise HalUrlError(f"sim:// parameter {key}={raw!r} must be >= 0")
    return value


def _float_param(params, key, default):
    raw = params.get(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise HalUrlError(f"sim:// parameter {key}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise HalUrlError(f"sim:// parameter {key}={raw!r} must be finite")
    return value


def open_sim(url: str, where: str, params: dict[str, str]) -> "SimHal":
    from sim_hw.site import KNOWN_SITES, site_from_name  # lazy: only when sim:// is used

    if where.strip("/"):
        raise HalUrlError(f"sim:// takes no host or path, got {where!r} in {url!r}")
    unknown = sorted(set(params) - set(KNOWN_PARAMS))
    if unknown:
        raise HalUrlError(f"sim:// unknown parameter(s) {', '.join(unknown)} in {url!r}; "
                          f"known: {', '.join(KNOWN_PARAMS)}")
    seed = _int_param(params, "seed", 0)
    site_name = params.get("site", "mons-mouton")
    if site_name == "":
        raise HalUrlError(f"sim:// parameter site is empty in {url!r}; known sites: {', '.join(KNOWN_SITES)}")
    if site_name not in KNOWN_SITES:
        raise HalUrlError(f"sim:// unknown site {site_name!r}; known sites: {', '.join(KNOWN_SITES)}")
    x_m = _float_param(params, "x", 0.0)
    y_m = _float_param(params, "y", 0.0)
    yaw_deg = _float_param(params, "yaw", 0.0)
    site = site_from_name(site_name, seed)
    if not site.contains(x_m, y_m, margin_m=2.0):
        raise HalUrlError(f"sim:// start position ({x_m}, {y_m}) m is outside site {site_name!r}")
    return SimHal(url, site, seed, x_m, y_m, math.radians(yaw_deg))


class _SimDevice:
    def __init__(self, hal: "SimHal", name: str):
        self._hal = hal
        self.name = name


class SimWheel(_SimDevice, DriveWheel):
    def __init__(self, hal, name, index):
        super().__init__(hal, name)
        self.index = index

    def set_speed_mradps(self, speed_mradps: int) -> None:
        limit = self._hal.geometry.max_wheel_mradps
        if not -limit <= speed_mradps <= limit:
            raise CommandRangeError(f"{self.name}: speed {speed_mradps} mrad/s outside "
                                    f"[-{limit}, {limit}] mrad/s")
        self._hal._wheel_cmd[self.index] = int(speed_mradps)

    @property
    def status(self):
        if self._hal._stalled[self.index]:
            return DeviceStatus.FAULT
        return DeviceStatus.OK

    @property
    def speed_mradps(self):
        return self._hal._speed[self.index]

    @property
    def encoder_count(self):
        return self._hal._count[self.index]

    @property
    def current_a(self):
        return self._hal._current_ma[self.index] / 1000.0

    @property
    def effort_q15(self):
        return self._hal._effort[self.index]

    @property
    def stalled(self):
        return bool(self._hal._stalled[self.index])

    def clear_stall(self) -> None:
        self._hal.sim.clear_stall(self.index)


class SimSteering(_SimDevice, SteeringActuator):
    def __init__(self, hal, name, index):
        super().__init__(hal, name)
        self.index = index
        self.min_angle_mrad = hal.geometry.steer_min_mrad
        self.max_angle_mrad = hal.geometry.steer_max_mrad

    def set_angle_mrad(self, angle_mrad: int) -> None:
        if not self.min_angle_mrad <= angle_mrad <= self.max_angle_mrad:
            raise CommandRangeError(f"{self.name}: angle {angle_mrad} mrad outside "
                                    f"[{self.min_angle_mrad}, {self.max_angle_mrad}] mrad")
        self._hal._steer_cmd[self.index] = int(angle_mrad)

    @property
    def status(self):
        return DeviceStatus.OK

    @property
    def angle_mrad(self):
        return self._hal._steer[self.index]


class SimImu(_SimDevice, Imu):
    @property
    def status(self):
        return DeviceStatus.OK

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


class SimOdometer(_SimDevice, Odometer):
    @property
    def status(self):
        return DeviceStatus.OK

    @property
    def pose(self):
        return self._hal._pose

    def reset(self, x_m: float, y_m: float, yaw_rad: float) -> None:
        self._hal.sim.reset_odometry(x_m, y_m, yaw_rad)
        self._hal._pose = OdomPose(x_m, y_m, yaw_rad)


class SimPower(_SimDevice, PowerMonitor):
    @property
    def status(self):
        return DeviceStatus.OK

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


class SimThermal(_SimDevice, ThermalSensor):
    @property
    def status(self):
        return DeviceStatus.OK

    @property
    def temp_c(self):
        return self._hal._ebox_c


class SimHeater(_SimDevice, Heater):
    max_target_c = EBOX_HEATER_MAX_C

    def __init__(self, hal, name):
        super().__init__(hal, name)
        self._target_c = 0.0

    def set_target_c(self, target_c: float) -> None:
        if not (0.0 <= target_c <= self.max_target_c):
            raise CommandRangeError(f"{self.name}: target {target_c} C outside [0, {self.max_target_c}] C")
        self._target_c = float(target_c)
        self._hal._heater_dirty = True

    @property
    def target_c(self):
        return self._target_c

    @property
    def status(self):
        return DeviceStatus.FAULT if self._hal._heater_fault else DeviceStatus.OK

    @property
    def duty(self):
        return self._hal._heater_duty

    @property
    def fault(self):
        return self._hal._heater_fault

    def reset_fault(self) -> None:
        self._hal.sim.reset_ebox_heater()


class SimHal(Hal):
    def __init__(self, url, site, seed, x_m, y_m, yaw_rad):
        from sim_hw.simulator import Simulator

        super().__init__(url, SimClock(0))
        self.site = site
        self.seed = seed
        self.sim = Simulator(site, seed, start_xy_m=(x_m, y_m), start_yaw_rad=yaw_rad)
        p = self.sim.params
        self.geometry = VehicleGeometry(
            wheel_x_m=tuple(p.wheel_x_m), wheel_y_m=tuple(p.wheel_y_m),
            wheel_radius_m=p.wheel_radius_m, max_wheel_mradps=int(p.max_wheel_mradps),
            steer_min_mrad=int(p.steer_min_mrad), steer_max_mrad=int(p.steer_max_mrad),
            counts_per_wheel_rev=int(p.counts_per_wheel_rev))
        self._wheel_cmd = [0] * 6
        self._steer_cmd = [0] * 4
        self._heater_dirty = False
        self.wheels = tuple(SimWheel(self, f"wheel.{n}", i) for i, n in enumerate(WHEEL_NAMES))
        self.steering = tuple(SimSteering(self, f"steer.{n}", i) for i, n in enumerate(STEER_NAMES))
        self.imu = SimImu(self, "imu")
        self.odometer = SimOdometer(self, "odometer")
        self.power = SimPower(self, "power")
        self.thermal = {"ebox": SimThermal(self, "thermal.ebox")}
        self.heaters = {"ebox": SimHeater(self, "heater.ebox")}
        self._map = None
        self.read()

    # -- cycle ----------------------------------------------------------
    def read(self) -> None:
        s = self.sim
        self._speed = s.wheel_speed_mradps.tolist()
        self._count = s.enc_count.tolist()
        self._current_ma = s.wheel_current_ma.tolist()
        self._effort = s.wheel_effort.tolist()
        self._stalled = s.wheel_stalled.tolist()
        self._steer = s.steer_angle_mrad.tolist()
        self._accel = tuple(s.accel_mg.tolist())
        self._gyro = tuple(s.gyro_mdps.tolist())
        self._pitch_mdeg = s.pitch_mdeg
        self._roll_mdeg = s.roll_mdeg
        self._pose = OdomPose(s.odom_x_um * 1e-6, s.odom_y_um * 1e-6, s.odom_yaw_urad * 1e-6)
        self._power = (s.battery_v, s.battery_a, s.soc_pct, s.solar_w, s.energy_used_j)
        self._ebox_c = s.ebox_temp_c
        self._heater_duty = s.ebox_heater_duty
        self._heater_fault = s.ebox_heater_fault

    def write(self) -> None:
        s = self.sim
        s.wheel_target_mradps[:] = self._wheel_cmd
        s.steer_target_mrad[:] = self._steer_cmd
        if self._heater_dirty:
            s.ebox_heater_target_dc = int(round(self.heaters["ebox"].target_c * 10))
            self._heater_dirty = False

    def advance(self, dt_ms: int) -> None:
        if not isinstance(dt_ms, int) or dt_ms <= 0:
            raise ValueError(f"advance: dt_ms must be a positive int, got {dt_ms!r}")
        self.sim.advance(dt_ms)
        self.clock.advance(dt_ms)

    # -- simulator extras -------------------------------------------------
    @property
    def faults(self):
        from sim_hw.faults import FaultInjector
        return FaultInjector(self.sim)

    def terrain_map(self) -> TerrainMap:
        if self._map is None:
            self._map = TerrainMap(height_m=self.site.height_m, slope_deg=self.site.slope_deg,
                                   no_go_mask=self.site.psr_mask, cell_m=self.site.cell_m,
                                   origin_xy_m=tuple(self.site.origin_xy_m))
        return self._map

    def truth(self) -> dict:
        s = self.sim
        return {
            "x_m": s.truth_x_m, "y_m": s.truth_y_m, "z_m": s.truth_z_m,
            "yaw_rad": s.truth_yaw_rad, "pitch_rad": s.truth_pitch_rad, "roll_rad": s.truth_roll_rad,
            "speed_mps": s.truth_speed_mps, "distance_m": s.distance_m,
            "slip": s.slip.tolist(), "embedded": s.embedded.tolist(),
            "off_map": bool(s.off_map), "sunlit": bool(s.sunlit),
        }
