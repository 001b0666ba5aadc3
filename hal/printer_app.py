"""The brick printer on the payload board, for every backend whose payload
is a board running csrc/firmware (sim:// in-process, board:// on a line).

Latch: ``latch_payload_raw`` copies the PAY_STATUS and PAY_PRINTER packets
(unpacked wire tuples) into plain fields once per ``read()``; the devices
below serve the hal.interfaces printer API from them.  Commands: the devices
latch stop / home / moves / the head's target and ``write_printer_commands``
sends them in that order as PRN_STOP, PRN_HOME, PRN_MOVE and BOARD_HEATER
(zone 0 of the payload board, re-sent at least every second: the board's
heater deadline is 3 s).  docs/printer.md section 10.

A backend using this mixin provides what hal.board_app.BoardApp needs
(``_send_payload``, ``dictionary``) and ``_printer_status(kind) ->
DeviceStatus`` plus ``_source_available_w() -> float``.
"""
from __future__ import annotations

from common.dictionary import default_dictionary
from hal.board_app import HEATER_REFRESH_MS, PacketLayout
from hal.errors import CommandRangeError
from hal.latched import LatchedDevice, latched
from hal.interfaces import (PRINTER_AXES, DeviceStatus, HeatSource, HomeState, HopperLevel,
                            LimitSwitch, PrinterDevices, PrinterGantry, ThermalSensor)

# The payload board's axes (csrc/firmware/board_payload.c, docs/printer.md
# section 7): X, Y and recoater 80 steps/mm, Z 400 steps/mm; soft limits.
STEPS_PER_MM = (80.0, 80.0, 400.0, 80.0)
MIN_STEPS = (0, 0, 0, 0)
MAX_STEPS = (16000, 16000, 40000, 18400)
MOVE_QUEUE_DEPTH = 4                 # PAY_MOVE_QUEUE
MAX_RATE_Q16 = 1 << 30               # PRN_MOVE.rate's range
ELECTRIC_HEAD_W = 200.0              # the bench head's heater (docs/firmware.md section 4)
SOLAR_FULL_SUN_W = 204.0             # the concentrator in full sun (docs/printer.md section 9)
HOPPER_CAPACITY_G = 5000.0           # our assumption (docs/printer.md section 9)
_HOME_STATES = {int(s): s for s in HomeState}   # wire value -> state


class _PDev(LatchedDevice):
    @property
    def status(self) -> DeviceStatus:
        return self._hal._printer_status(self.kind)


class LatchedGantry(_PDev, PrinterGantry):
    kind = "gantry"
    steps_per_mm = STEPS_PER_MM
    queue_depth = MOVE_QUEUE_DEPTH
    min_steps = MIN_STEPS
    max_steps = MAX_STEPS
    max_rate_q16 = MAX_RATE_Q16

    def home(self, axes_mask: int) -> None:
        if not 1 <= axes_mask <= 15:
            raise CommandRangeError(f"{self.name}: axes mask {axes_mask} outside 1..15")
        self._hal._prn_home = axes_mask

    def move(self, target_steps, rate_q16: int, sinter: bool) -> None:
        t = tuple(int(v) for v in target_steps)
        if len(t) != 4:
            raise CommandRangeError(f"{self.name}: a move needs 4 axis targets, got {len(t)}")
        for ax, v, lo, hi in zip(PRINTER_AXES, t, MIN_STEPS, MAX_STEPS):
            if not lo <= v <= hi:
                raise CommandRangeError(f"{self.name}: axis {ax} target {v} steps outside "
                                        f"the soft limits {lo}..{hi}")
        if not 1 <= rate_q16 <= MAX_RATE_Q16:
            raise CommandRangeError(f"{self.name}: rate {rate_q16} outside 1..{MAX_RATE_Q16} "
                                    "(Q16 steps per ms)")
        self._hal._prn_moves.append((t, int(rate_q16), 1 if sinter else 0))

    def stop(self) -> None:
        self._hal._prn_stop = True
        self._hal._prn_home = 0
        self._hal._prn_moves.clear()

    position_steps = latched("_prn_pos")
    moving = latched("_prn_moving")
    queued = latched("_prn_queued")
    home_state = latched("_prn_home_state")
    homed_mask = latched("_prn_homed")
    moves_done = latched("_prn_moves_done")
    time_ms = latched("_prn_time_ms")
    refused = latched("_prn_refused")


class LatchedSwitch(_PDev, LimitSwitch):
    kind = "switch"

    @property
    def pressed(self):
        return bool(self._hal._prn_switches & (1 << self.index))


class LatchedHead(_PDev, HeatSource):
    kind = "head"

    def __init__(self, hal, name, source: str):
        super().__init__(hal, name)
        self.source = source
        self.rated_w = SOLAR_FULL_SUN_W if source == "solar" else ELECTRIC_HEAD_W
        self._target_c = 0.0
        self.max_target_c = default_dictionary().heater("head").max_target_c

    @property
    def status(self) -> DeviceStatus:
        st = self._hal._printer_status(self.kind)
        if st is DeviceStatus.OK and self._hal._head_fault:
            return DeviceStatus.FAULT
        return st

    def set_target_c(self, target_c: float) -> None:
        if not 0.0 <= target_c <= self.max_target_c:
            raise CommandRangeError(f"{self.name}: target {target_c} C outside "
                                    f"[0, {self.max_target_c}] C (the head's rating)")
        if float(target_c) != self._target_c:
            self._target_c = float(target_c)
            self._hal._head_dirty = True

    @property
    def target_c(self):
        return self._target_c

    duty = latched("_head_duty")
    fault = latched("_head_fault")

    def reset_fault(self) -> None:
        self._hal._command("payload", "BOARD_CLEAR_FAULT")

    @property
    def available_w(self):
        return self._hal._source_available_w()

    @property
    def power_w(self):
        return self._hal._head_duty * self._hal._source_available_w()


class LatchedThermocouple(_PDev, ThermalSensor):
    kind = "thermocouple"

    temp_c = latched("_head_c")


class LatchedHopper(_PDev, HopperLevel):
    kind = "hopper"
    capacity_g = HOPPER_CAPACITY_G

    level_pct = latched("_hopper_pct")


class PrinterApp:
    """Latch, devices and commands of the printer (see module docstring)."""

    def init_printer(self, source: str) -> None:
        d = self.dictionary
        self._pay_status_layout = PacketLayout(d, "PAY_STATUS")
        self._pay_printer_layout = PacketLayout(d, "PAY_PRINTER")
        at = self._pay_status_layout.at        # where latch_pay_status_raw finds its fields
        self._pay_status_at = (at["time_ms"], at["head_temp"], at["heater_duty"],
                               at["heater_fault"], at["hopper_level"],
                               self._pay_status_layout.scale["head_temp"])
        if self._pay_printer_layout.at["time_ms"] != 1:
            raise ValueError("PAY_PRINTER: time_ms must be the first field (the latch skips "
                             "unchanged packets by comparing what follows it)")
        self._prn_state: tuple | None = None
        self._head_c = 0.0
        self._head_duty = 0.0
        self._head_fault = 0
        self._hopper_pct = 0.0
        self._pay_time_ms = 0
        self._prn_pos = (0, 0, 0, 0)
        self._prn_moving = False
        self._prn_queued = 0
        self._prn_home_state = (HomeState.IDLE,) * 4
        self._prn_homed = 0
        self._prn_switches = 0
        self._prn_moves_done = 0
        self._prn_time_ms = 0
        self._prn_refused = 0
        self._prn_stop = False
        self._prn_home = 0
        self._prn_moves: list = []
        self._head_dirty = True
        self._head_sent_ms = None
        head = LatchedHead(self, "printer.head", source)
        self.printer = PrinterDevices(
            gantry=LatchedGantry(self, "printer.gantry"), head=head,
            thermocouple=LatchedThermocouple(self, "printer.thermocouple"),
            hopper=LatchedHopper(self, "printer.hopper"),
            switches=tuple(LatchedSwitch(self, f"printer.switch.{a}", i)
                           for i, a in enumerate(PRINTER_AXES)))

    # -- packets -> latch ----------------------------------------------------------
    def latch_pay_status_raw(self, raw: tuple) -> None:
        t, head, duty, fault, hopper, k_head = self._pay_status_at
        self._pay_time_ms = raw[t]
        self._head_c = raw[head] * k_head
        self._head_duty = raw[duty] / 100.0
        self._head_fault = raw[fault]
        self._hopper_pct = float(raw[hopper])

    def latch_pay_printer_raw(self, raw: tuple) -> None:
        self._prn_time_ms = raw[1]   # time_ms, first after the id (checked at init)
        state = raw[2:]              # everything after the id and time_ms
        if state == self._prn_state:
            return                   # an idle gantry: the same packet, a new time
        self._prn_state = state
        at = self._pay_printer_layout.at
        self._prn_pos = tuple(raw[at["pos"]])
        self._prn_moving = bool(raw[at["moving"]])
        self._prn_queued = raw[at["queued"]]
        self._prn_home_state = tuple(_HOME_STATES.get(v, HomeState.FAILED)
                                     for v in raw[at["home_state"]])
        self._prn_homed = raw[at["homed"]]
        self._prn_switches = raw[at["switches"]]
        self._prn_moves_done = raw[at["moves_done"]]

    # -- latch -> commands ---------------------------------------------------------
    def write_printer_commands(self, now_ms: int) -> None:
        """Stop, home, moves (in order), then the head's target when it
        changed or every second."""
        if self._prn_stop:
            self._prn_stop = False
            if not self._command("payload", "PRN_STOP"):
                self._prn_refused += 1
        if self._prn_home:
            mask, self._prn_home = self._prn_home, 0
            if not self._command("payload", "PRN_HOME", axes=mask):
                self._prn_refused += 1
        if self._prn_moves:
            moves, self._prn_moves = self._prn_moves, []
            for (x, y, z, r), rate, sinter in moves:
                if not self._command("payload", "PRN_MOVE", x=x, y=y, z=z, r=r, rate=rate,
                                     sinter=sinter):
                    self._prn_refused += 1
        if self._head_dirty or self._head_sent_ms is None \
                or now_ms - self._head_sent_ms >= HEATER_REFRESH_MS:
            target_dc = int(round(self.printer.head.target_c * 10))
            if self._command("payload", "BOARD_HEATER", zone=0, target=target_dc):
                self._head_dirty = False
                self._head_sent_ms = now_ms

    def printer_safe(self) -> None:
        """Heat off and motion stopped (latched; the backend's safe() writes)."""
        self.printer.head.set_target_c(0.0)
        self.printer.gantry.stop()
