"""Python face of the C rover simulator (csrc/sim): the plant and the boards'
own firmware (csrc/firmware on the simulator port), block stepping.

The HAL sim backend drives the rover through this class exactly as the board
backend drives a board over a line: an encoded board command in
(``command``), a CMD_RESULT out; telemetry packets packed by the firmware's
own pack functions (``pack``).  Only framing and the UART are skipped.  Plant
faults and truth are numpy views straight onto the C struct (bound once);
``advance`` crosses into C once per block (once per simulated second at most
for long blocks, when the sun and the environment temperature are
refreshed).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from functools import partial
from operator import call

import numpy as np

from common.dictionary import default_dictionary
from common.dictionary import packets as P
from sim_hw.params import RoverParams

SIM_OK = 0
SIM_ERR_OFF_MAP = 1
SIM_ERR_PARAMS = 2
# Ground temperature seen by the e-box once the rover is off the map (it is
# then frozen): level sunlit ground at a mid sun elevation (docs/site.md).
OFF_MAP_GROUND_K = 220.0
ENV_PERIOD_MS = 1000  # sun / shadow / ground temperature refresh period
START_MARGIN_M = 1.0  # the whole rover must fit on the map at the start
HEAD_SOURCES = ("electric", "solar")
HOPPER_CAPACITY_G = 5000.0   # our assumption: 3.3 l of sieved regolith, about 80 layers of the plate


def native():
    """(ffi, lib) of the private extension; a clear error if it is not built."""
    try:
        from common._native import ffi, lib
    except ImportError as exc:  # pragma: no cover - depends on the build
        raise ImportError("common._native is not built: run `python csrc/build_native.py` "
                          "or install the package") from exc
    return ffi, lib


def fill_params(ffi, params: RoverParams):
    """A new ``struct sim_params *`` filled from ``params``."""
    params.validate()
    p = ffi.new("struct sim_params *")
    m = p.motor
    m.r_ohm = params.motor_r_ohm
    m.l_h = params.motor_l_h
    m.ke_vs_rad = params.motor_ke_vs_rad
    m.gear_ratio = params.gear_ratio
    m.gear_eff = params.gear_eff
    m.i_limit_a = params.current_limit_a
    m.j_rotor_kgm2 = params.rotor_j_kgm2
    m.j_wheel_kgm2 = params.wheel_j_kgm2
    m.fric_nm = params.gear_friction_nm
    m.fric_eps_radps = params.gear_friction_eps_radps
    s = p.soil
    s.n = params.soil_n
    s.kc = params.soil_kc_n_m2
    s.kphi = params.soil_kphi_n_m3
    s.c_pa = params.soil_c_pa
    s.tan_phi = math.tan(math.radians(params.soil_phi_deg))
    s.k_m = params.soil_k_m
    s.grouser_h_m = params.grouser_h_m
    s.dig_gain = params.dig_gain
    s.damp_n_s_m = params.soil_damp_n_s_m
    s.v_min_mps = params.soil_v_min_mps
    s.rr_eps_mps = params.rr_eps_mps
    b = p.body
    b.mass_kg = params.mass_kg
    b.izz_kgm2 = params.izz_kgm2
    b.g_mps2 = params.g_mps2
    b.wx_m = list(params.wheel_x_m)
    b.wy_m = list(params.wheel_y_m)
    p.servo.rate_radps = params.steer_rate_radps
    p.servo.min_rad = params.steer_min_mrad * 1e-3
    p.servo.max_rad = params.steer_max_mrad * 1e-3
    p.imu.accel_noise_mg = params.accel_noise_mg
    p.imu.vib_mg_per_mps = params.vib_mg_per_mps
    p.imu.gyro_noise_mdps = params.gyro_noise_mdps
    p.imu.gyro_bias_mdps = params.gyro_bias_mdps
    p.batt.capacity_j = params.battery_capacity_wh * 3600.0
    p.batt.r_int_ohm = params.battery_r_ohm
    p.batt.ocv_v = [v * params.battery_cells for v in params.cell_ocv_v]
    p.batt.soc_init = params.battery_soc_init
    p.solar.area_m2 = params.panel_area_m2
    p.solar.efficiency = params.panel_efficiency
    p.solar.irradiance_w_m2 = 1361.0  # solar constant, as sim_hw.sun
    p.solar.normal_body_rad = params.panel_normal_body_rad
    p.ebox.heat_cap_j_k = params.ebox_heat_cap_j_k
    p.ebox.eps_area_m2 = params.ebox_eps_area_m2
    p.ebox.heater_max_w = params.ebox_heater_w
    p.ebox.temp_init_k = params.ebox_temp_init_c + 273.15
    p.ebox.ground_view = params.ebox_ground_view
    p.ebox.sun_abs_area_m2 = params.ebox_sun_abs_area_m2
    p.wheel_radius_m = params.wheel_radius_m
    p.wheel_width_m = params.wheel_width_m
    p.cg_height_m = params.cg_height_m
    p.belly_clearance_m = params.belly_clearance_m
    p.belly_area_m2 = params.belly_area_m2
    p.avionics_w = params.avionics_w
    p.embed_slip = params.embed_slip
    p.embed_ms = params.embed_ms
    p.counts_per_motor_rev = params.counts_per_motor_rev
    p.plant_period_ms = params.board_period_ms
    p.thermal_period_ms = params.heater_tick_ms
    return p


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**64:
        raise ValueError(f"Simulator: seed must be a non-negative int below 2**64, got {seed!r}")
    return int(seed)


# board name -> IDENTIFY role byte (= the firmware's role): the dictionary's [[board]] table
ROLE_IDS = default_dictionary().roles


def new_sim(params: RoverParams, seed: int):
    """(ffi, lib, struct sim *) initialised on flat, unbounded ground."""
    ffi, lib = native()
    seed = check_seed(seed)
    sim = ffi.new("struct sim *")
    rc = lib.sim_init(sim, fill_params(ffi, params), seed)
    if rc != SIM_OK:
        raise ValueError(f"Simulator: sim_init refused the parameters (status {rc})")
    return ffi, lib, sim


class Simulator:
    """The simulated rover on a site; see module docstring and docs/plant.md."""

    def __init__(self, site, seed: int, start_xy_m=(0.0, 0.0), start_yaw_rad: float = 0.0,
                 params: RoverParams | None = None, sun_epoch_s: float = 0.0,
                 head: str = "electric", hopper_g: float = HOPPER_CAPACITY_G):
        """``sun_epoch_s``: sun time at t = 0 (sim_hw.sun.sun_vector's epoch),
        i.e. the start time of day; the plant clock itself starts at 0.
        ``head``: the printer's heat source, "electric" (the bench head, 200 W)
        or "solar" (the concentrator of sim_hw/concentrator.py, whose power
        follows the sun and the site's shading); ``hopper_g``: regolith in the
        hopper at the start (capacity HOPPER_CAPACITY_G)."""
        if head not in HEAD_SOURCES:
            raise ValueError(f"Simulator: head must be one of {', '.join(HEAD_SOURCES)}, got {head!r}")
        self.head_source = head
        self.params = params if params is not None else RoverParams()
        if isinstance(sun_epoch_s, bool) or not isinstance(sun_epoch_s, numbers.Real) \
                or not math.isfinite(sun_epoch_s):
            raise ValueError(f"Simulator: sun_epoch_s must be a finite number, got {sun_epoch_s!r}")
        self.sun_epoch_s = float(sun_epoch_s)
        seed = check_seed(seed)
        try:
            x0, y0 = (float(v) for v in start_xy_m)
            yaw0 = float(start_yaw_rad)
        except (TypeError, ValueError):
            raise ValueError(f"Simulator: start position {start_xy_m!r} / yaw "
                             f"{start_yaw_rad!r} must be numbers") from None
        if not (math.isfinite(x0) and math.isfinite(y0) and math.isfinite(yaw0)):
            raise ValueError(f"Simulator: start position ({x0}, {y0}) m, yaw {yaw0} must be finite")
        reach = max(math.hypot(x, y) for x, y in zip(self.params.wheel_x_m, self.params.wheel_y_m))
        if not site.contains(x0, y0, reach + START_MARGIN_M):
            raise ValueError(f"Simulator: start position ({x0:.3f}, {y0:.3f}) m is outside the "
                             f"site (or within {reach + START_MARGIN_M:.2f} m of its edge)")
        self.site = site
        self.seed = seed
        ffi, lib, sim = new_sim(self.params, seed)
        self._ffi, self._lib, self._sim = ffi, lib, sim
        h = site.height_m
        if not (isinstance(h, np.ndarray) and h.dtype == np.float32 and h.ndim == 2
                and h.flags.c_contiguous):
            raise ValueError("Simulator: site.height_m must be a C-contiguous float32 [ny, nx] array")
        self._height = h  # keep the buffer alive: C holds a pointer into it
        ny, nx = h.shape
        ox, oy = site.origin_xy_m
        rc = lib.sim_bind_terrain(sim, ffi.from_buffer("float[]", h), nx, ny,
                                  float(site.cell_m), float(ox), float(oy))
        if rc != SIM_OK:
            raise ValueError(f"Simulator: site heightmap rejected (status {rc})")
        from sim_hw.soil import make_soil_maps

        self.soil = make_soil_maps(seed, site.extent_m, self.params.soil_var_frac,
                                   self.params.soil_patch_m)
        rc = lib.sim_bind_soil(sim, ffi.from_buffer("float[]", self.soil.sink),
                               ffi.from_buffer("float[]", self.soil.shear),
                               self.soil.sink.shape[1], self.soil.sink.shape[0],
                               float(self.soil.cell_m), *map(float, self.soil.origin_xy_m))
        if rc != SIM_OK:
            raise ValueError(f"Simulator: soil maps rejected (status {rc})")
        if lib.sim_place(sim, x0, y0, yaw0) != SIM_OK:
            raise ValueError(f"Simulator: start position ({x0:.3f}, {y0:.3f}) m puts a wheel off the map")
        from common.dictionary import default_dictionary
        self._boards_mem = ffi.new("char[]", lib.sim_boards_size())
        self._boards = ffi.cast("struct sim_boards *", self._boards_mem)
        if lib.sim_boards_init(self._boards, sim, default_dictionary().hash32) != SIM_OK:
            raise ValueError("Simulator: board firmware refused to start")
        # pointers into _boards_mem, which lives as long as this simulator
        self._head_p = lib.sim_board_head(self._boards)
        self._gantry_p = lib.sim_board_gantry(self._boards)
        self._gantry_pos = self._gantry_p.pos          # double[4], read every advance
        from common.dictionary.packets import CMD_RESULT_FMT
        self._result = ffi.new("uint8_t[]", CMD_RESULT_FMT.size)
        self._pkt = ffi.new("uint8_t[64]")
        self._pkt_buf = ffi.buffer(self._pkt)
        self._ev = ffi.new("uint8_t[512]")
        self._next_env_ms = 0
        from sim_hw.vo import VO_PERIOD_MS, VoModel

        self.vo = VoModel(seed, self.params.vo_noise_frac, self.params.vo_scale_sigma_frac,
                          self.params.vo_yaw_noise_mdeg)
        self._vo_period_ms = VO_PERIOD_MS
        self._in = sim.inp
        self._bind_views()
        from sim_hw.sintering import Hopper, PowderBed

        self.hopper = Hopper(HOPPER_CAPACITY_G, hopper_g)
        self.bed = PowderBed(self.hopper)
        self._bed_pos = None                 # (Z, recoater) steps at the last bed update
        self.sun_blocked = False        # fault injection: something shades the concentrator
        self._update_hopper()
        self._update_env()

    # -- numpy views onto the C struct ----------------------------------------
    def _view(self, cdata, dtype):
        return np.frombuffer(self._ffi.buffer(cdata), dtype=dtype)

    def _bind_views(self):
        s, v = self._sim, self._view
        inp = self._in = s.inp
        self.wheel_locked = v(inp.wheel_locked, np.uint8)
        self.encoder_dead = v(inp.encoder_dead, np.uint8)
        self.effort_cmd = v(inp.effort_cmd, np.int16)          # the board's PWM outputs
        self.steer_target_mrad = v(inp.steer_target_mrad, np.int16)
        o = s.out
        self.wheel_current_ma = v(o.wheel_current_ma, np.int32)
        self.steer_angle_mrad = v(o.steer_angle_mrad, np.int16)
        self.slip = v(s.truth.slip, np.float64)
        self.embedded = v(s.truth.embedded, np.uint8)
        self.truth_wheel_radps = v(s.truth.wheel_radps, np.float64)
        self.load_n = v(s.truth.load_n, np.float64)
        self.sink_m = v(s.truth.sink_m, np.float64)

    # -- stepping ---------------------------------------------------------------
    @property
    def plant(self):
        """The C simulator state (struct sim via cffi): what fault injection edits."""
        return self._sim

    @property
    def t_ms(self) -> int:
        return int(self._sim.t_ms)

    def _update_env(self):
        from sim_hw import concentrator, illumination, sun  # local: keeps import of this module cheap

        t_s = self._sim.t_ms / 1000.0
        b = self._sim.body
        x, y = b.x_m, b.y_m
        site = self.site
        az, el = sun.sun_vector(t_s, self.sun_epoch_s, latitude_deg=site.params.latitude_deg)
        # the skyline toward the sun and the PSR test, once for sunlight and
        # the concentrator (sun.sunlit_at and _solar_w's rules, shared)
        on_map = site.contains(x, y)
        psr = on_map and site.in_psr(x, y)
        horizon = (sun.horizon_angle_rad(site, x, y, az)     # needed from the sun's upper limb up
                   if on_map and el > -concentrator.SUN_RADIUS_RAD else None)
        lit = on_map and not psr and el > 0.0 and el > horizon
        self._in.sun_az_rad = az
        self._in.sun_el_rad = el
        self._in.sunlit = 1 if lit else 0
        self._in.env_temp_k = (illumination.surface_temp_at_k(site, x, y, az, el, lit)
                               if on_map else OFF_MAP_GROUND_K)
        if self.head_source == "solar":
            self.head_plant.source_w = self._solar_w(el, horizon, psr)
        self._next_env_ms = self.t_ms + ENV_PERIOD_MS

    def _solar_w(self, el: float, horizon: float | None, psr: bool) -> float:
        """The concentrator's power for the sun at el over the skyline
        horizon (None: off the map, or the sun wholly below the level)."""
        from sim_hw import concentrator

        if self.sun_blocked or horizon is None or el <= -concentrator.SUN_RADIUS_RAD:
            return 0.0
        return concentrator.available_w(el, horizon, in_psr=psr)

    def refresh_env(self) -> None:
        """Recompute the sun and the environment now (after a fault injection)."""
        self._update_env()

    def refresh_hopper(self) -> None:
        """The hopper sensor reads the model now (after a fault injection)."""
        self._bed_pos = None
        self._update_hopper()

    def _update_hopper(self) -> None:
        gp = self._gantry_pos
        pos = (gp[2], gp[3])
        if pos == self._bed_pos:
            return               # neither Z nor the recoater moved: bed and hopper as they were
        self._bed_pos = pos
        from sim_hw.sintering import R_STEPS_PER_MM, Z_STEPS_PER_MM
        self.bed.update(pos[0] / Z_STEPS_PER_MM, pos[1] / R_STEPS_PER_MM)
        self._lib.sim_board_set_hopper(self._boards, int(math.ceil(self.hopper.level_pct)))

    def advance(self, dt_ms: int) -> None:
        """Advance plant and board loops by dt_ms simulated milliseconds."""
        if type(dt_ms) is not int and (isinstance(dt_ms, bool)
                                       or not isinstance(dt_ms, numbers.Integral)) or dt_ms <= 0:
            raise ValueError(f"Simulator.advance: dt_ms must be a positive int, got {dt_ms!r}")
        sim, out, run, boards = self._sim, self._sim.out, self._lib.sim_run, self._boards
        left = int(dt_ms)
        while left > 0:
            t = sim.t_ms
            if t >= self._next_env_ms and not out.off_map:
                self._update_env()
            n = min(left, self._next_env_ms - t) if self._next_env_ms > t else left
            run(boards, n)
            self._update_hopper()
            left -= n
            if out.off_map:
                return
            t = sim.t_ms
            if t % self._vo_period_ms == 0:
                b = sim.body
                self.vo.update(t, b.x_m, b.y_m, b.yaw_rad)

    # -- the boards: the same path as over a line, minus framing ------------------
    def command(self, role: str, seq: int, payload: bytes) -> bytes:
        """Execute one CMD payload ``[opcode u16][args]`` on a board's firmware
        (the same dispatch, checks and handlers as a CMD frame); returns the
        CMD_RESULT payload (docs/protocol.md 1.6)."""
        self.command_status(role, seq, payload)
        return self.last_result()

    def command_status(self, role: str, seq: int, payload: bytes) -> int:
        """command() for the flight cycle's steady stream of accepted
        commands: returns only the CMD_RESULT status byte; the whole result
        is last_result() until the next command."""
        if len(payload) > 64:
            raise ValueError(f"Simulator.command: payload of {len(payload)} bytes exceeds 64")
        result = self._result
        if self._lib.sim_board_execute(self._boards, ROLE_IDS[role], seq & 0xFF, payload,
                                       len(payload), result) == 255:
            raise ValueError(f"Simulator.command: no board {role!r}")
        return result[P.CMD_RESULT_STATUS_AT]

    def last_result(self) -> bytes:
        """The CMD_RESULT payload of the last command."""
        return bytes(self._ffi.buffer(self._result))

    def heartbeat_all(self) -> None:
        """A host heartbeat reaches every board."""
        self._lib.sim_boards_heartbeat(self._boards)

    def pack(self, role: str, packet_id: int) -> bytes:
        """A TLM payload (id byte first) from the board's own pack function;
        b"" when the board has no such packet."""
        n = self._lib.sim_board_pack(self._boards, ROLE_IDS[role], packet_id, self._pkt)
        return self._pkt_buf[:n]

    def unpacker(self, packets) -> Callable[[], tuple]:
        """A no-argument function returning, for each (role, packet_id,
        struct) of ``packets``, ``struct.unpack`` of that board packet packed
        now (id byte first): the flight cycle's read() latches four packets
        every cycle, in one call and unpacked in place."""
        ffi, lib = self._ffi, self._lib
        n, stride = len(packets), lib.SIM_PACK_STRIDE
        roles = ffi.new("uint8_t[]", [ROLE_IDS[role] for role, _, _ in packets])
        ids = ffi.new("uint8_t[]", [pid for _, pid, _ in packets])
        out = ffi.new("uint8_t[]", stride * n)
        lens = ffi.new("uint8_t[]", n)
        want = tuple(st.size for _, _, st in packets)
        if max(want) > stride:
            raise ValueError(f"Simulator.unpacker: a {max(want)}-byte packet exceeds {stride}")
        buf, lens_buf, want_b = ffi.buffer(out), ffi.buffer(lens), bytes(want)
        # each packet's unpack_from bound to its slot: one map() call unpacks them all
        unpacks = tuple(partial(st.unpack_from, buf, stride * i)
                        for i, (_, _, st) in enumerate(packets))
        pack_many, boards = lib.sim_board_pack_many, self._boards

        def unpack() -> tuple:
            pack_many(boards, n, roles, ids, out, lens)
            if lens_buf[:] != want_b:
                raise ValueError(f"boards packed {tuple(lens)} bytes for packets "
                                 f"{[(r, p) for r, p, _ in packets]}, the dictionary's "
                                 f"layouts {want}")
            return tuple(map(call, unpacks))
        unpack.cdata = (roles, ids, out, lens)      # alive as long as the function
        return unpack

    def board_rx(self, role: str, data: bytes, out, cap: int) -> int:
        """Wire bytes from a simulated line into the board's own receive path
        (fw_rx); its answers (wire frames) are written to the cdata buffer
        ``out`` of ``cap`` bytes; returns how many (sim_hw.sim_link)."""
        return int(self._lib.sim_board_rx(self._boards, ROLE_IDS[role], data, len(data), out, cap))

    def heartbeat(self, role: str) -> None:
        """A host heartbeat reaches the board (arms its heartbeat monitor)."""
        self._lib.sim_board_heartbeat(self._boards, ROLE_IDS[role])

    def events(self, role: str) -> list[bytes]:
        """EVENT payloads the board emitted since the last call (fault events)."""
        n = self._lib.sim_board_events(self._boards, ROLE_IDS[role], self._ev, 512)
        raw, out, i = bytes(self._ffi.buffer(self._ev, n)), [], 0
        while i < n:
            ln = raw[i]
            out.append(raw[i + 1:i + 1 + ln])
            i += 1 + ln
        return out

    def fault_flags(self, role: str) -> int:
        return int(self._lib.sim_board_fault_flags(self._boards, ROLE_IDS[role]))

    def fault_flags_reader(self, role: str) -> Callable[[], int]:
        """fault_flags(role) as one bound C call (the flight cycle reads it
        every cycle)."""
        return partial(self._lib.sim_board_fault_flags, self._boards, ROLE_IDS[role])

    def board_ms(self, role: str) -> int:
        return int(self._lib.sim_board_now_ms(self._boards, ROLE_IDS[role]))

    def set_heater_sensor_open(self, role: str, open_: bool) -> None:
        """Fault injection: the board's heater sensor reads open."""
        self._lib.sim_board_sensor_fault(self._boards, ROLE_IDS[role], 1 if open_ else 0)

    def set_heater_sensor_off_heater(self, role: str, off: bool) -> None:
        """Fault injection: the heater's sensor has come off it and reads the
        ambient mount (-23 C) while the heater runs (a heating failure as the
        board sees it)."""
        self._lib.sim_board_sensor_fault(self._boards, ROLE_IDS[role], 2 if off else 0)

    @property
    def head_plant(self):
        """The sintering head's plant state (temp_k, heater_w, source_w)."""
        return self._head_p

    @property
    def head_source_w(self) -> float:
        """Power the heat source delivers at full duty now (solar: the sun)."""
        return float(self.head_plant.source_w)

    @property
    def head_power_w(self) -> float:
        """Electrical power into the payload's sintering head now (plant truth)."""
        return float(self._head_p.heater_w)

    def gantry(self):
        """The payload board's stepper axes (plant truth: pos, lost; load for
        fault injection: 1 nominal, more is a jam)."""
        return self._gantry_p

    @property
    def head_temp_c(self) -> float:
        return float(self._head_p.temp_k) - 273.15

    # -- plant scalar outputs ----------------------------------------------------
    battery_v = property(lambda self: float(self._sim.out.battery_v))
    battery_a = property(lambda self: float(self._sim.out.battery_a))
    soc_pct = property(lambda self: float(self._sim.out.soc) * 100.0)
    solar_w = property(lambda self: float(self._sim.out.solar_w))
    energy_used_j = property(lambda self: float(self._sim.out.energy_used_j))
    ebox_temp_c = property(lambda self: float(self._sim.out.ebox_temp_c))

    # -- truth (simulator only) ----------------------------------------------------
    truth_x_m = property(lambda self: float(self._sim.body.x_m))
    truth_y_m = property(lambda self: float(self._sim.body.y_m))
    truth_z_m = property(lambda self: float(self._sim.body.z_m))
    truth_yaw_rad = property(lambda self: float(self._sim.body.yaw_rad))
    truth_pitch_rad = property(lambda self: float(self._sim.body.pitch_rad))
    truth_roll_rad = property(lambda self: float(self._sim.body.roll_rad))
    truth_speed_mps = property(lambda self: math.hypot(self._sim.body.vx_mps, self._sim.body.vy_mps))
    distance_m = property(lambda self: float(self._sim.body.distance_m))
    off_map = property(lambda self: bool(self._sim.out.off_map))
    belly_load_n = property(lambda self: float(self._sim.truth.belly_load_n))
    sunlit = property(lambda self: bool(self._in.sunlit))
    env_temp_k = property(lambda self: float(self._in.env_temp_k))
