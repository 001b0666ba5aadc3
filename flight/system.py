"""The flight software assembled: HAL -> rover -> bus -> fault protection ->
sequencer -> executor -> HAL, one fixed cycle on the HAL's clock.

    hal.read(); rover.update(dt); printer.update(dt); publish telemetry; fault.update();
    sequencer.update(); executor.update(); hal.write(); recorder.poll();
    hal.advance(dt)

Mode entry actions make the modes mean something: entering SAFE or SURVIVAL
stops the wheels and cancels the mobility and payload sequences (the fault
slot keeps running, it is what put us there); leaving DRIVE stops the wheels.
"""
from __future__ import annotations

from pathlib import Path

from flight.commands import CommandExecutor
from common.dictionary import default_dictionary
from flight.fault import FaultProtection, load_default_table
from flight.fault.tables import RESPONSES_DIR
from flight.modes import ModeManager
from flight.modes.guards import default_guards
from flight.printer.component import Printer
from flight.rover.rover import Rover
from flight.seq.commands import SequenceCommands
from flight.seq.engine import Sequencer
from flight.seq.library import SequenceLibrary, load_any
from flight.thermal import Thermal
from flight.tlm.bus import TelemetryBus

BOOT_SEQUENCE = Path(__file__).resolve().parent / "seq" / "boot.seq"
DEFAULT_CYCLE_MS = 100            # 10 Hz flight cycle; the board loops run at 1 kHz below it
TRUTH_EVERY_CYCLES = 10           # simulator truth is for the record, 1 Hz is plenty
# Slow rover channels (power, temperatures, per-wheel figures) at 1 Hz: the
# recorder samples at 1 s by default and the monitors on them allow 10-30 s of
# staleness (flight/fault/default_table.toml); rebuilding them every cycle was
# a fifth of the flight loop's cost.
SLOW_TLM_EVERY_CYCLES = 10


class FlightSystem:
    def __init__(self, hal, *, dictionary=None, fault_table=None, limit_set: str | None = None,
                 cycle_ms: int = DEFAULT_CYCLE_MS, search_dirs=(), mission=None,
                 boot: bool = True):
        if not isinstance(cycle_ms, int) or cycle_ms <= 0:
            raise ValueError(f"cycle_ms must be a positive int, got {cycle_ms!r}")
        self.hal = hal
        self.clock = hal.clock
        self.cycle_ms = cycle_ms
        self.dictionary = dictionary or default_dictionary()
        self.bus = TelemetryBus(self.clock, self.dictionary.event_formatter())
        self.rover = Rover(hal)
        self.thermal = Thermal(hal)
        self.modes = ModeManager(self.bus, self.clock, guards=default_guards())
        self.printer = Printer(hal, self.bus, self.modes, self.clock,
                               dictionary_hash=self.dictionary.hash)
        self.library = SequenceLibrary(self.dictionary, [*search_dirs, RESPONSES_DIR], mission)
        self.fault = FaultProtection(self.bus, self.clock, fault_table or load_default_table(),
                                     self._dispatch_response, limit_set=limit_set,
                                     clear_faults=hal.clear_faults)
        # the components that own commands, by their dictionary names
        self.executor = CommandExecutor(self.dictionary, self.bus, self.clock, self.modes, {
            "modes": self.modes, "rover": self.rover, "thermal": self.thermal,
            "fault": self.fault, "printer": self.printer,
            "sequencer": SequenceCommands(lambda: self.sequencer, self.library),
        })
        self.sequencer = Sequencer(self.dictionary, self.bus, self.clock, self.executor,
                                   cycle_ms=cycle_ms)
        self.modes.register_entry("SAFE", self._enter_safe)
        self.modes.register_entry("SURVIVAL", self._enter_safe)
        self.modes.register_exit("DRIVE", lambda change: self.rover.stop())
        self.recorder = None
        self.cycles = 0
        self._truth = hal.truth() is not None
        self._heaters = tuple(hal.heaters.items())
        self._hal_events = getattr(hal, "drain_events", None)   # link events of a board backend
        self._publish()
        if boot:
            self.sequencer.start("boot", load_any(BOOT_SEQUENCE, self.dictionary))

    # -- wiring -------------------------------------------------------------------
    def _enter_safe(self, change) -> None:
        self.rover.stop()
        self.printer.safe()
        # The slot that asked for SAFE (a failure handler, the fault slot) goes on.
        running = self.sequencer.running_slot
        self.sequencer.cancel_all(f"entered {change.to_mode}: {change.reason}",
                                  except_slots=("fault", running))

    def _dispatch_response(self, spec) -> None:
        seq = (load_any(spec.sequence_path, self.dictionary) if spec.sequence_path
               else self.library.get(spec.sequence))
        self.sequencer.start("fault", seq, preempt=True)

    def attach_recorder(self, recorder) -> None:
        self.recorder = recorder

    # -- the cycle -----------------------------------------------------------------
    def _publish(self) -> None:
        bus = self.bus
        bus.publish_many(self.rover.telemetry_fast())
        slow_due = self.cycles % SLOW_TLM_EVERY_CYCLES == 0
        if slow_due or self.printer.busy:
            bus.publish_many(self.printer.telemetry())
        if slow_due:
            bus.publish_many(self.rover.telemetry_slow())
            for name, h in self._heaters:
                bus.publish(f"heater.{name}_duty", h.duty)
        hal_tlm = self.hal.telemetry()
        if hal_tlm:
            bus.publish_many(hal_tlm)
        if self._hal_events is not None:
            for name, args in self._hal_events():
                bus.emit(name, **args)
        if self._truth and self.cycles % TRUTH_EVERY_CYCLES == 0:
            t = self.hal.truth()
            bus.publish_many({"truth.x_m": t["x_m"], "truth.y_m": t["y_m"],
                              "truth.distance_m": t["distance_m"],
                              "truth.max_slip": max(t["slip"])})

    def cycle(self) -> None:
        hal = self.hal
        dt = self.cycle_ms
        hal.read()
        self.rover.update(dt)
        self.printer.update(dt)
        self._publish()
        self.fault.update()
        self.sequencer.update()
        self.executor.update()
        hal.write()
        if self.recorder is not None:
            self.recorder.poll()
        hal.advance(dt)
        self.cycles += 1

    def run_until(self, predicate, timeout_ms: int) -> bool:
        """Cycle until predicate() is true or timeout_ms of simulated time pass."""
        end = self.clock.now_ms() + timeout_ms
        while not predicate():
            if self.clock.now_ms() >= end:
                return False
            self.cycle()
        return True
