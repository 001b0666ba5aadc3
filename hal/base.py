"""The HAL object: a named set of devices plus the read -> update -> write cycle.

A backend subclasses Hal and fills in the devices.  The loop that owns the
cycle does::

    hal.read()            # latch fresh sensor values
    ...flight update(dt)  # decide
    hal.write()           # send latched actuator commands
    hal.advance(dt_ms)    # let time pass: the simulator steps its plant;
                          # a board backend waits for the board's clock

``hal.clock`` is the only time source flight/ may use.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from hal.errors import DeviceBusyError, HalError
from common.vehicle import STEER_NAMES, WHEEL_NAMES, VehicleGeometry
from hal.interfaces import (Device, DriveWheel, Heater, Imu, Odometer, PowerMonitor,
                            PrinterDevices, PrinterGantry, SteeringActuator, TerrainMap,
                            ThermalSensor, VisualOdometry)

ACTUATOR_TYPES = (DriveWheel, SteeringActuator, Heater, PrinterGantry)


class Hal(ABC):
    url: str
    wheels: tuple[DriveWheel, ...]
    steering: tuple[SteeringActuator, ...]
    imu: Imu
    odometer: Odometer
    power: PowerMonitor
    thermal: dict[str, ThermalSensor]
    heaters: dict[str, Heater]
    vo: VisualOdometry | None = None   # optional: backends without a camera leave None
    printer: PrinterDevices | None = None   # the brick printer (payload board), if any

    def __init__(self, url: str, clock):
        self.url = url
        self.clock = clock
        self._owners: dict[str, str] = {}

    # -- devices --------------------------------------------------------
    def devices(self) -> dict[str, Device]:
        out: dict[str, Device] = {}
        for n, w in zip(WHEEL_NAMES, self.wheels):
            out[f"wheel.{n}"] = w
        for n, s in zip(STEER_NAMES, self.steering):
            out[f"steer.{n}"] = s
        out["imu"] = self.imu
        out["odometer"] = self.odometer
        out["power"] = self.power
        for n, t in self.thermal.items():
            out[f"thermal.{n}"] = t
        for n, h in self.heaters.items():
            out[f"heater.{n}"] = h
        if self.vo is not None:
            out["vo"] = self.vo
        if self.printer is not None:
            out.update(self.printer.devices())
        return out

    def device(self, name: str) -> Device:
        devs = self.devices()
        if name not in devs:
            raise HalError(f"no device {name!r} on {self.url}; devices: {', '.join(sorted(devs))}")
        return devs[name]

    def claim(self, name: str, owner: str) -> Device:
        """Take ownership of an actuator.  Actuators have exactly one owner."""
        dev = self.device(name)
        if not isinstance(dev, ACTUATOR_TYPES):
            raise HalError(f"device {name!r} is a sensor; only actuators are claimed")
        holder = self._owners.get(name)
        if holder is not None and holder != owner:
            raise DeviceBusyError(f"actuator {name!r} is already claimed by {holder!r} "
                                  f"(claim by {owner!r} refused)")
        self._owners[name] = owner
        return dev

    def release(self, name: str, owner: str) -> None:
        if self._owners.get(name) == owner:
            del self._owners[name]

    def owner_of(self, name: str) -> str | None:
        return self._owners.get(name)

    # -- cycle ----------------------------------------------------------
    @abstractmethod
    def read(self) -> None: ...

    @abstractmethod
    def write(self) -> None: ...

    @abstractmethod
    def advance(self, dt_ms: int) -> None: ...

    # -- one cycle's readings of a device group, in one call (the rover reads
    # them every cycle; a backend with a latch serves its latched tuple)
    def wheel_stall_flags(self) -> tuple[bool, ...]:
        """Each wheel's ``stalled``, in WHEEL_NAMES order."""
        return tuple(w.stalled for w in self.wheels)

    def steering_angles_mrad(self) -> tuple[int, ...]:
        """Each steering actuator's ``angle_mrad``, in STEER_NAMES order."""
        return tuple(s.angle_mrad for s in self.steering)

    def safe(self) -> None:
        """Every actuator to its safe state (wheels 0, heaters off) and write."""
        for w in self.wheels:
            w.set_speed_mradps(0)
        for h in self.heaters.values():
            h.set_target_c(0.0)
        if self.printer is not None:
            self.printer.head.set_target_c(0.0)
            self.printer.gantry.stop()
        self.write()

    geometry: "VehicleGeometry"

    def terrain_map(self) -> "TerrainMap | None":
        """The map the flight software plans on, if the backend has one."""
        return None

    def telemetry(self) -> dict:
        """Backend channels the flight software publishes every cycle (link
        statistics of a board backend: link.<board>.*); {} when there are none."""
        return {}

    def clear_faults(self) -> None:
        """Release latched device faults (stalls, heater guard trips, a board's
        safe-output latch).  Only an explicit operator/flight decision calls this."""
        for w in self.wheels:
            if w.stalled:
                w.clear_stall()
        for h in self.heaters.values():
            if h.fault:
                h.reset_fault()
        if self.printer is not None and self.printer.head.fault:
            self.printer.head.reset_fault()

    @property
    def faults(self):
        """Fault injection (lock a wheel, drain the pack, ...): simulator only."""
        raise HalError(f"fault injection needs the simulator; this HAL is {self.url}")

    def truth(self) -> dict | None:
        """Ground truth (simulator only): pose, slip, ...; None on hardware."""
        return None

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
