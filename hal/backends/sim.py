"""sim:// backend: the HAL's devices backed by the simulator in sim_hw.

URL: ``sim://?seed=N&site=NAME&x=X_M&y=Y_M&yaw=YAW_DEG&site_seed=M&sun_start_h=H``
``&head=solar|electric&hopper_g=G`` (the printer's heat source, solar by default,
and the regolith in its hopper at the start; docs/printer.md section 9).
``seed`` seeds the plant's noise (and the site unless ``site_seed`` is
given); ``sun_start_h`` is the simulated start time in hours after the
sun's epoch (local noon, docs/site.md), which sets where the sun stands
and what is in shadow.  ``link_drop``, ``link_corrupt`` (and ``link_burst``)
put a lossy serial line on simulated time between the flight software and
the boards (sim_hw/sim_link.py): frames lost or damaged at those rates, the
real reliable layer's retransmissions and the boards' heartbeat deadline.
Any of the dispersible model parameters of
``sim_hw.knobs`` may be added (``soil_phi_deg=31``, ``rock_cfa=0.02``, ...;
docs/plant.md lists them).  The simulator owns the clock: ``advance(dt_ms)``
steps the C plant and the boards' own firmware by dt_ms in one call and
moves ``hal.clock`` by the same amount.

The boards are driven exactly as over a line (hal.board_app, shared with the
board backend): ``write()`` sends a host heartbeat and the encoded MOB_DRIVE
(and the heater target) through the firmware's dispatch, argument checks and
handlers, and gets a CMD_RESULT back; ``read()`` latches MOB_WHEELS and
MOB_BODY as the firmware's pack functions produce them.  Only framing and
the UART are skipped, so the flight software sees the same latches,
deadlines and fault bits as on boards.  With a link, commands and host
heartbeats go as wire frames through the C reliable sender and the line
into the firmware's own receive path, and its answers come back the same way.
"""
from __future__ import annotations

import functools
import math

from collections import deque

from common.clock import SimClock
from common.dictionary import default_dictionary
from common.dictionary import packets as P
from hal.base import Hal
from hal.board_app import BoardApp
from hal.errors import HalUrlError
from hal.interfaces import DeviceStatus, TerrainMap, VisualOdometry, VoFrame
from hal.latched import Latch, make_devices
from hal.printer_app import PrinterApp

KNOWN_PARAMS = ("seed", "site", "x", "y", "yaw", "site_seed", "sun_start_h", "head", "hopper_g")
HEAD_SOURCES = ("solar", "electric")     # the printer's heat source; solar is the rover's
SITE_CACHE_SIZE = 2   # generated sites kept per process (read-only; ~0.5 s each to build)
# (role, its telemetry channel names): SimHal.telemetry runs every flight cycle
_LINK_KEYS = tuple((r, f"link.{r}.cmd_rejects", f"link.{r}.fault_flags", f"link.{r}.latched")
                   for r in default_dictionary().boards)


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
    if value >= 2**63:
        raise HalUrlError(f"sim:// parameter {key}={raw!r} is too large (must be < 2**63)")
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
    from sim_hw.knobs import KNOBS, rover_params, split_overrides
    from sim_hw.sim_link import LINK_KNOBS, link_settings

    unknown = sorted(set(params) - set(KNOWN_PARAMS) - set(KNOBS) - set(LINK_KNOBS))
    if unknown:
        raise HalUrlError(f"sim:// unknown parameter(s) {', '.join(unknown)} in {url!r}; "
                          f"known: {', '.join(KNOWN_PARAMS)} and the model knobs "
                          f"{', '.join(sorted(KNOBS))} and the link's "
                          f"{', '.join(LINK_KNOBS)}")
    try:
        link = link_settings({k: v for k, v in params.items() if k in LINK_KNOBS})
    except ValueError as e:
        raise HalUrlError(f"sim:// parameter {e}") from None
    try:
        rover_over, site_over = split_overrides({k: v for k, v in params.items() if k in KNOBS})
        rover = rover_params(rover_over)
    except ValueError as e:
        raise HalUrlError(f"sim:// parameter {e}") from None
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
    head = params.get("head", "solar")
    if head not in HEAD_SOURCES:
        raise HalUrlError(f"sim:// parameter head={head!r}: the printer's heat source is one of "
                          f"{', '.join(HEAD_SOURCES)}")
    from sim_hw.simulator import HOPPER_CAPACITY_G
    hopper_g = _float_param(params, "hopper_g", HOPPER_CAPACITY_G)
    if not 0.0 <= hopper_g <= HOPPER_CAPACITY_G:
        raise HalUrlError(f"sim:// parameter hopper_g={hopper_g!r} must be in "
                          f"0..{HOPPER_CAPACITY_G:g} g (the hopper's capacity)")
    try:
        site = _cached_site(site_name, site_seed, tuple(sorted(site_over.items())))
    except ValueError as e:
        raise HalUrlError(f"sim:// site parameter: {e}") from None
    if not site.contains(x_m, y_m, margin_m=2.0):
        raise HalUrlError(f"sim:// start position ({x_m}, {y_m}) m is outside site {site_name!r}")
    return SimHal(url, site, seed, x_m, y_m, math.radians(yaw_deg), sun_epoch_s=sun_start_h * 3600.0,
                  params=rover, head=head, hopper_g=hopper_g, link=link)


@functools.lru_cache(maxsize=SITE_CACHE_SIZE)
def _cached_site(name: str, seed: int, overrides: tuple = ()):
    """Sites are read-only and a pure function of (name, seed, site knobs): runs
    on the same site (campaigns, test suites) build it once per process."""
    from sim_hw.site import site_from_name
    return site_from_name(name, seed, **dict(overrides))


class SimVo(VisualOdometry):
    """The simulator's visual-odometry stand-in (sim_hw/vo.py), latched per cycle."""

    def __init__(self, hal):
        self._hal = hal
        self.name = "vo"

    @property
    def status(self) -> DeviceStatus:
        return DeviceStatus.OK

    @property
    def frame(self) -> VoFrame | None:
        return self._hal._vo_frame


class SimHal(PrinterApp, BoardApp, Latch, Hal):
    ROLES = tuple(default_dictionary().boards)      # the boards the simulator runs

    def __init__(self, url, site, seed, x_m, y_m, yaw_rad, sun_epoch_s: float = 0.0, params=None,
                 head: str = "solar", hopper_g: float | None = None, link: dict | None = None):
        from sim_hw.simulator import HOPPER_CAPACITY_G, Simulator

        super().__init__(url, SimClock(0))
        self.link = None                    # the simulated line, once configured (below)
        self._last_seq = self._pose_hold_seq = None
        self.site = site
        self.seed = seed
        self.dictionary = default_dictionary()
        self.sim = Simulator(site, seed, start_xy_m=(x_m, y_m), start_yaw_rad=yaw_rad,
                             sun_epoch_s=sun_epoch_s, params=params, head=head,
                             hopper_g=HOPPER_CAPACITY_G if hopper_g is None else hopper_g)
        self.geometry = self.sim.params.vehicle_geometry()
        self.init_latch()
        self.init_board_app()
        make_devices(self)
        self.init_printer(head)
        self._pay_status_id = self._pay_status_layout.id
        self._pay_printer_id = self._pay_printer_layout.id
        self._payload_flags = self.sim.fault_flags_reader("payload")
        # read()'s four packets: one call packs them, each unpacked in place
        self._latch_packets = self.sim.unpacker([(role, lay.id, lay.st) for role, lay in (
            ("mobility", self._wheels_layout), ("mobility", self._body_layout),
            ("payload", self._pay_status_layout), ("payload", self._pay_printer_layout))])
        self._vo_frame = None
        self.vo = SimVo(self)
        self._map = None
        self._seq = 0
        self._cmd_ok = self.dictionary.status_code("OK")
        self._hb_lost = self.dictionary.fault_mask("HEARTBEAT_LOST")
        self.results: deque = deque(maxlen=64)           # the latest rejections
        self.fault_events: deque = deque(maxlen=64)      # (role, FaultEvent) from the boards
        self.cmd_results = 0
        self.cmd_rejects = {r: 0 for r in self.ROLES}
        self.last_reject = None
        self.fault_flags = {r: 0 for r in self.ROLES}
        self._flags_seen = (None, None)
        self._tlm_key = self._tlm = None       # telemetry(), remembered while unchanged
        # the boards power up with odometry at 0: start it at the placed pose
        self._reset_odometry(x_m, y_m, yaw_rad)
        self.read()
        # the line, if any, starts once the boards are configured (as a board
        # link does after its connect handshake)
        if link is not None:
            from hal.link.session import HEARTBEAT_BOARD_MS
            from sim_hw.sim_link import SimLink
            self.link = SimLink(self.sim, {r: self.dictionary.roles[r] for r in self.ROLES}, link,
                                seed, heartbeat_ms=HEARTBEAT_BOARD_MS, on_event=self._on_link_event,
                                heartbeat_lost_mask=self._hb_lost)
            from common._native import lib
            self._t_tlm, self._t_event = lib.LINK_T_TLM, lib.LINK_T_EVENT

    # -- the boards, through the firmware's own dispatch and pack functions ------
    def execute(self, role: str, payload: bytes) -> "P.CmdResult":
        """An encoded CMD payload ``[opcode u16][args]`` into a board's
        firmware; the CMD_RESULT it answers."""
        self._seq = (self._seq + 1) & 0xFF
        r = P.CmdResult.unpack(self.sim.command(role, self._seq, payload))
        self.cmd_results += 1
        if r.status != self._cmd_ok:
            self.results.append(r)
            self.cmd_rejects[role] += 1
            self.last_reject = r
        return r

    def _send_payload(self, role: str, payload: bytes) -> bool:
        if self.link is not None:           # its CMD_RESULT comes back over the line
            self._last_seq = self.link.submit(role, payload)
            return self._last_seq is not None
        self._seq = (self._seq + 1) & 0xFF
        status = self.sim.command_status(role, self._seq, payload)
        self.cmd_results += 1
        if status == self._cmd_ok:          # CMD_RESULT status byte (docs/protocol.md 1.6)
            return True
        r = P.CmdResult.unpack(self.sim.last_result())
        self.results.append(r)
        self.cmd_rejects[role] += 1
        self.last_reject = r
        return False

    def _board_link_up(self, role: str) -> bool:
        return True         # in-process: always reachable (a lossy line never goes down for good)

    def _reset_odometry(self, x_m: float, y_m: float, yaw_rad: float) -> None:
        super()._reset_odometry(x_m, y_m, yaw_rad)
        if self.link is not None:           # a sample from before the reset would undo it
            self._pose_hold_seq = self._last_seq

    def _on_link_event(self, role: str, payload: bytes) -> None:
        ev = P.decode_event(payload)
        if isinstance(ev, P.CmdResult):
            self.cmd_results += 1
            if ev.status != self._cmd_ok:
                self.results.append(ev)
                self.cmd_rejects[role] += 1
                self.last_reject = ev
        else:
            self.fault_events.append((role, ev))

    def _read_over_link(self) -> None:
        """read() with a line: each sample is a frame that may not arrive."""
        s, w, b, link = self.sim, self._wheels_layout, self._body_layout, self.link
        tlm = self._t_tlm
        raw = s.pack("mobility", w.id)
        if link.sample_through("mobility", tlm, raw):
            self.latch_wheels_raw(w.st.unpack(raw))
        raw = s.pack("mobility", b.id)
        if link.sample_through("mobility", tlm, raw):
            hold = self._pose_hold_seq
            if hold is not None and not link.unacked("mobility", hold):
                hold = self._pose_hold_seq = None
            self.fault_flags["mobility"] = self.latch_body_raw(b.st.unpack(raw),
                                                               take_pose=hold is None)
        raw = s.pack("payload", self._pay_status_id)
        if link.sample_through("payload", tlm, raw):
            self.fault_flags["payload"] = s.fault_flags("payload")
            self.latch_pay_status_raw(self._pay_status_layout.st.unpack(raw))
        raw = s.pack("payload", self._pay_printer_id)
        if link.sample_through("payload", tlm, raw):
            self.latch_pay_printer_raw(self._pay_printer_layout.st.unpack(raw))
        for role in self.ROLES:
            for ev in s.events(role):
                if link.sample_through(role, self._t_event, ev):
                    self.fault_events.append((role, P.decode_event(ev)))
        flags = self.fault_flags["mobility"] | self.fault_flags["payload"]
        if flags:
            now = self.clock.now_ms()
            for role in self.ROLES:
                self.clear_bad_command_latch(role, self.fault_flags[role], now)

    # -- cycle ----------------------------------------------------------
    def read(self) -> None:
        if self.link is not None:
            self._read_over_link()
            f = self.sim.vo.frame
            if f is not None and (self._vo_frame is None or self._vo_frame.seq != f[0]):
                self._vo_frame = VoFrame(*f)
            return
        s = self.sim
        wheels, body, status, printer = self._latch_packets()
        self.latch_wheels_raw(wheels)
        flags = self.fault_flags["mobility"] = self.latch_body_raw(body)
        pay = self.fault_flags["payload"] = self._payload_flags()
        self.latch_pay_status_raw(status)
        self.latch_pay_printer_raw(printer)
        if (flags, pay) != self._flags_seen:        # FAULT events come only with a change
            self._flags_seen = (flags, pay)
            for role in self.ROLES:
                for ev in s.events(role):
                    self.fault_events.append((role, P.decode_event(ev)))
        if flags | pay:
            now = self.clock.now_ms()
            for role in self.ROLES:
                self.clear_bad_command_latch(role, self.fault_flags[role], now)
        f = s.vo.frame
        if f is not None and (self._vo_frame is None or self._vo_frame.seq != f[0]):
            self._vo_frame = VoFrame(*f)

    def _device_status(self, kind: str, index: int) -> DeviceStatus:
        if kind == "wheel" and self._stalled[index]:
            return DeviceStatus.FAULT
        if kind == "heater" and self._heater_fault:
            return DeviceStatus.FAULT
        return DeviceStatus.OK

    def _printer_status(self, kind: str) -> DeviceStatus:
        return DeviceStatus.OK          # in-process: always fresh

    def _source_available_w(self) -> float:
        return self.sim.head_source_w

    def write(self) -> None:
        if self.link is None:               # with a line, heartbeats go on its own cadence
            self.sim.heartbeat_all()
        now = self.clock.now_ms()
        self.write_board_commands(now)
        self.write_printer_commands(now)

    def clear_faults(self) -> None:
        self.board_clear_faults(self.ROLES)

    def safe(self) -> None:
        super().safe()
        for role in self.ROLES:
            self._command(role, "BOARD_SAFE")

    def advance(self, dt_ms: int) -> None:
        if not isinstance(dt_ms, int) or dt_ms <= 0:
            raise ValueError(f"advance: dt_ms must be a positive int, got {dt_ms!r}")
        if self.link is not None:
            self.link.advance(dt_ms)
        else:
            self.sim.advance(dt_ms)
        self.clock.advance(dt_ms)

    def telemetry(self) -> dict:
        """The boards' fault flags and latch, as the board backend publishes them
        (the same dict while they do not change: the caller only reads it)."""
        if self.link is None:
            key = (*self.fault_flags.values(), *self.cmd_rejects.values())
            if key == self._tlm_key:
                return self._tlm
        out = {}
        for role, k_rej, k_flags, k_latched in _LINK_KEYS:
            flags = self.fault_flags[role]
            out[k_rej] = self.cmd_rejects[role]
            out[k_flags] = flags
            out[k_latched] = 1 if flags & self._hb_lost else 0
        if self.link is not None:
            for role in self.ROLES:
                p = f"link.{role}."
                (out[p + "retransmits"], out[p + "frames_tx"], out[p + "frames_rx"],
                 out[p + "crc_errors"]) = self.link.counters(role)
        else:
            self._tlm_key, self._tlm = key, out
        return out

    def link_summary(self) -> dict | None:
        """The simulated line's figures (None without one): for run reports."""
        return self.link.summary() if self.link is not None else None

    # -- simulator extras -------------------------------------------------
    @property
    def faults(self):
        from sim_hw.faults import FaultInjector
        return FaultInjector(self.sim)

    def terrain_map(self) -> TerrainMap:
        if self._map is None:
            self._map = TerrainMap(height_m=self.site.height_m, slope_deg=self.site.slope_deg,
                                   no_go_mask=self.site.no_go_mask, cell_m=self.site.cell_m,
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
            "head_source_w": s.head_source_w, "hopper_g": s.hopper.level_g,
            "regolith_spread_g": s.bed.spread_g, "steps_lost": [int(v) for v in s.gantry().lost],
        }
