"""sim:// backend: the HAL's devices backed by the simulator in sim_hw.

URL: ``sim://?seed=N&site=NAME&x=X_M&y=Y_M&yaw=YAW_DEG&site_seed=M&sun_start_h=H``.
``seed`` seeds the plant's noise (and the site unless ``site_seed`` is
given); ``sun_start_h`` is the simulated start time in hours after the
sun's epoch (local noon, docs/site.md), which sets where the sun stands
and what is in shadow.  The simulator
owns the clock: ``advance(dt_ms)`` steps the C plant and the board loops by
dt_ms in one call and moves ``hal.clock`` by the same amount.

``read()`` latches the board-side outputs into plain Python lists once per
cycle (the flight code then reads cheap attributes); ``write()`` copies the
latched commands into the simulator's input arrays.
"""
from __future__ import annotations

import functools
import math

from common.clock import SimClock
from hal.base import Hal
from hal.errors import HalUrlError
from hal.interfaces import DeviceStatus, OdomPose, TerrainMap
from hal.latched import Latch, make_devices

KNOWN_PARAMS = ("seed", "site", "x", "y", "yaw", "site_seed", "sun_start_h")
SITE_CACHE_SIZE = 2   # generated sites kept per process (read-only; ~0.5 s each to build)


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
    from sim_hw.site import KNOWN_SITES  # lazy: only when sim:// is used

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
    site_seed = _int_param(params, "site_seed", seed)
    sun_start_h = _float_param(params, "sun_start_h", 0.0)
    if sun_start_h < 0:
        raise HalUrlError(f"sim:// parameter sun_start_h={sun_start_h!r} must be >= 0")
    site = _cached_site(site_name, site_seed)
    if not site.contains(x_m, y_m, margin_m=2.0):
        raise HalUrlError(f"sim:// start position ({x_m}, {y_m}) m is outside site {site_name!r}")
    return SimHal(url, site, seed, x_m, y_m, math.radians(yaw_deg), sun_epoch_s=sun_start_h * 3600.0)


@functools.lru_cache(maxsize=SITE_CACHE_SIZE)
def _cached_site(name: str, seed: int):
    """Sites are read-only and a pure function of (name, seed): runs on the
    same site (campaigns, test suites) build it once per process."""
    from sim_hw.site import site_from_name
    return site_from_name(name, seed)


class SimHal(Latch, Hal):
    def __init__(self, url, site, seed, x_m, y_m, yaw_rad, sun_epoch_s: float = 0.0):
        from sim_hw.simulator import Simulator

        super().__init__(url, SimClock(0))
        self.site = site
        self.seed = seed
        self.sim = Simulator(site, seed, start_xy_m=(x_m, y_m), start_yaw_rad=yaw_rad,
                             sun_epoch_s=sun_epoch_s)
        self.geometry = self.sim.params.vehicle_geometry()
        self.init_latch()
        make_devices(self)
        self._map = None
        self.read()

    # -- cycle ----------------------------------------------------------
    def read(self) -> None:
        s = self.sim
        self._speed = s.wheel_speed_mradps.tolist()
        self._count = s.enc_count.tolist()
        self._current_a = [ma / 1000.0 for ma in s.wheel_current_ma.tolist()]
        self._effort_q15 = s.wheel_effort.tolist()
        self._stalled = [bool(x) for x in s.wheel_stalled.tolist()]
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

    # -- what the latched devices ask of a backend ---------------------------
    def _device_status(self, kind: str, index: int) -> DeviceStatus:
        if kind == "wheel" and self._stalled[index]:
            return DeviceStatus.FAULT
        if kind == "heater" and self._heater_fault:
            return DeviceStatus.FAULT
        return DeviceStatus.OK

    def _clear_stall(self, index: int) -> None:
        self.sim.clear_stall(index)

    def _reset_odometry(self, x_m: float, y_m: float, yaw_rad: float) -> None:
        self.sim.reset_odometry(x_m, y_m, yaw_rad)

    def _reset_heater(self) -> None:
        self.sim.reset_ebox_heater()

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
