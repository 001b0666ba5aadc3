"""board:// serial:// bench:// backends: the HAL's devices on real or emulated
dev boards over serial links (hal.link.session), one session per board.

URLs (docs/hil.md):

    board://?mobility=PORT&payload=PORT&geometry=FILE.toml&baud=115200[&terrain=FILE.npz]
            [&time_scale=K | &lockstep=mobility:SOCKET,payload:SOCKET]
            [&vo_truth=SOCKET&vo_seed=N]
    serial://PORT?role=mobility&geometry=FILE.toml&baud=115200[&terrain=FILE.npz]
            [&time_scale=K | &lockstep=SOCKET]
    bench://FILE.toml

``vo_truth`` (emulated benches only): visual odometry emulated from the plant
truth the emulated mobility board streams on SOCKET (docs/hil.md section 13),
opened through hal's registry; without it the HAL has no VO device and the
flight software's pose is wheel odometry and gyro alone, as on a bench of
real boards with no navigation camera.

A bench file lists the boards (``[[board]]`` with ``role``, ``port``,
``baud``), states the rover's geometry (a ``[geometry]`` table of the
VehicleGeometry fields, or ``geometry = "FILE.toml"``) and may carry
``terrain = "FILE.npz"`` and ``time_scale``, or per board ``lockstep =
"SOCKET"``; relative paths are relative to the file.  The geometry is always stated: boards do not know the vehicle they
sit in, and the simulator's rover is never assumed (the HIL launcher writes
the emulated boards' geometry file from the simulator's parameters).

The cycle: ``read()`` latches the newest packets the reader threads decoded;
``write()`` sends one MOB_DRIVE with every wheel and steering setpoint (it
refreshes the board's 300 ms drive deadline) and refreshes the heater target
at least once a second (the board's heater deadline is 3 s); ``advance(dt)``
sleeps until the board clock (clock sync with the mobility board, the time
master) reaches the next cycle.  Lockstepped emulated boards (``lockstep=``,
docs/hil.md 4.1) free-run never: the HAL's clock is a SimClock, and
``advance(dt)`` grants every board time up to the next cycle and returns
when all of them got there, however slow the machine.  Device status: OFFLINE when the board's link
is down, STALE when its packet is older than STALE_MS, FAULT from the
board's flags; errors never leave the cycle as exceptions.
"""
from __future__ import annotations

import math
import os
import threading
import tomllib
from collections import deque
from pathlib import Path

from hal.base import Hal
from hal.board_app import BoardApp
from hal.errors import HalError, HalUrlError
from common.vehicle import GeometryError, geometry_from_mapping, load_geometry
from hal.interfaces import DeviceStatus, TerrainMap
from hal.printer_app import PrinterApp
from hal.latched import Latch, make_devices
from common.clock import SimClock
from hal.link.clock_sync import BoardClock
from hal.link.line import LockstepLine
from hal.link.lockstep import BoardControl, LockstepError, check_socket_path
from hal.link.session import BoardSession, LinkError, LinkState

DEFAULT_BAUD = 115200
STALE_MS = 500                 # board ms without a packet before a device reads STALE
TLM_PERIOD_MS = 100            # packet period we ask for: one per 10 Hz flight cycle
MAX_LATE_CYCLES = 5            # advance() re-synchronises when this far behind
CLOSE_GRANT_MS = 50            # lockstep: board time granted at close for BOARD_SAFE to run
LOCKSTEP_STEP_MS = 10          # lockstep: time granted per step while waiting at connect
VO_KEYS = ("vo_truth", "vo_seed", "vo_noise_frac", "vo_scale_sigma_frac", "vo_yaw_noise_mdeg")
KNOWN = {
    # board:// also takes one port parameter per board of the dictionary (_known)
    "board": ("geometry", "baud", "terrain", "time_scale", "connect_timeout", "lockstep", *VO_KEYS),
    "serial": ("role", "geometry", "baud", "terrain", "time_scale", "connect_timeout",
               "lockstep", *VO_KEYS),
    "bench": ("connect_timeout",),
}

# ------------------------------------------------------------------ URL parsing
def _known(scheme) -> tuple[str, ...]:
    return (*_roles(), *KNOWN[scheme]) if scheme == "board" else KNOWN[scheme]


def _check_params(scheme, url, params):
    unknown = sorted(set(params) - set(_known(scheme)))
    if unknown:
        raise HalUrlError(f"{scheme}:// unknown parameter(s) {', '.join(unknown)} in {url!r}; "
                          f"known: {', '.join(_known(scheme))}")


def _num(scheme, params, key, default, kind=int, lo=None):
    raw = params.get(key)
    if raw is None:
        return default
    try:
        v = kind(raw)
    except ValueError:
        raise HalUrlError(f"{scheme}:// parameter {key}={raw!r} is not a number") from None
    if isinstance(v, float) and not math.isfinite(v):
        raise HalUrlError(f"{scheme}:// parameter {key}={raw!r} must be finite")
    if lo is not None and v < lo:
        raise HalUrlError(f"{scheme}:// parameter {key}={raw!r} must be >= {lo}")
    return v


def _geometry(scheme, url, params):
    path = params.get("geometry")
    if not path:
        raise HalUrlError(f"{scheme}:// needs the rover geometry: add geometry=FILE.toml to {url!r} "
                          f"(the VehicleGeometry fields; docs/hil.md); boards never assume the "
                          f"simulator's rover")
    try:
        return load_geometry(path)
    except GeometryError as e:
        raise HalUrlError(f"{scheme}://: {e}") from None


def _vo_url(scheme, url, params):
    """vo_truth=SOCKET (+ vo_seed, the error model's knobs) -> ("truth", SOCKET, {...})."""
    given = [k for k in VO_KEYS if k in params]
    if not given:
        return None
    if not params.get("vo_truth"):
        raise HalUrlError(f"{scheme}:// {', '.join(given)} given without vo_truth=SOCKET (the "
                          f"emulated mobility board's truth socket) in {url!r}")
    return ("truth", params["vo_truth"],
            {k[3:]: params[k] for k in given if k != "vo_truth"})


def _common(scheme, url, params):
    return dict(geometry=_geometry(scheme, url, params), terrain=params.get("terrain") or None,
                time_scale=_num(scheme, params, "time_scale", None, float, 0.001),
                connect_timeout=_num(scheme, params, "connect_timeout", 3.0, float, 0.1),
                vo=_vo_url(scheme, url, params))


def _roles() -> dict[str, int]:
    """Board names -> IDENTIFY role numbers, from the dictionary."""
    from common.dictionary import default_dictionary
    return default_dictionary().roles


def _lockstep_board(url, raw, roles) -> dict[str, str]:
    """board://'s lockstep=ROLE:SOCKET,ROLE:SOCKET: a socket for every board."""
    out = {}
    for item in raw.split(","):
        role, sep, path = item.strip().partition(":")
        if not sep or not path:
            raise HalUrlError(f"board:// lockstep={raw!r}: each entry is ROLE:SOCKET, got "
                              f"{item.strip()!r} in {url!r}")
        if role not in _roles():
            raise HalUrlError(f"board:// lockstep: {role!r} is not a board role; known: "
                              f"{', '.join(_roles())}")
        if role not in roles:
            raise HalUrlError(f"board:// lockstep names the {role} board, but the URL gives it no "
                              f"port ({role}=PORT) in {url!r}")
        if role in out:
            raise HalUrlError(f"board:// lockstep names the {role} board twice in {url!r}")
        out[role] = path
    missing = [r for r in roles if r not in out]
    if missing:
        raise HalUrlError(f"board:// lockstep must name every board (a HAL cannot mix granted and "
                          f"free-running time); missing: {', '.join(missing)} in {url!r}")
    return out


def _no_scale_with_lockstep(where, time_scale, lockstep):
    if lockstep and time_scale is not None:
        raise HalUrlError(f"{where}: time_scale and lockstep exclude each other (lockstepped "
                          f"boards run on granted time, not on a scaled wall clock)")


def open_board(url: str, where: str, params: dict[str, str]) -> "BoardHal":
    _check_params("board", url, params)
    if where.strip("/"):
        raise HalUrlError(f"board:// takes the ports as parameters (board://?mobility=PORT"
                          f"&payload=PORT), not a path; got {where!r} in {url!r}")
    baud = _num("board", params, "baud", DEFAULT_BAUD, int, 1)
    roles = _roles()
    boards = [(role, params[role], baud) for role in roles if params.get(role)]
    for role in roles:
        if role in params and not params[role]:
            raise HalUrlError(f"board:// parameter {role} is empty in {url!r}: give the port")
    if not boards:
        raise HalUrlError(f"board:// needs at least the mobility port: "
                          f"board://?mobility=PORT[&payload=PORT] (got {url!r})")
    common = _common("board", url, params)
    lockstep = None
    if "lockstep" in params:
        lockstep = _lockstep_board(url, params["lockstep"], [b[0] for b in boards])
        _no_scale_with_lockstep(f"board:// {url!r}", common["time_scale"], lockstep)
    return BoardHal(url, boards, lockstep=lockstep, **common)


def open_serial(url: str, where: str, params: dict[str, str]) -> "BoardHal":
    _check_params("serial", url, params)
    port = where
    if not port or port == "/":
        raise HalUrlError(f"serial:// needs a port: serial:///dev/ttyACM0?baud=115200&role=mobility "
                          f"(got {url!r})")
    role = params.get("role", "mobility")
    if role not in _roles():
        raise HalUrlError(f"serial:// role={role!r} is not a board role; known: {', '.join(_roles())}")
    baud = _num("serial", params, "baud", DEFAULT_BAUD, int, 1)
    common = _common("serial", url, params)
    lockstep = None
    if "lockstep" in params:
        if not params["lockstep"]:
            raise HalUrlError(f"serial:// lockstep= is empty in {url!r}: give the board's control "
                              f"socket (lockstep=SOCKET)")
        lockstep = {role: params["lockstep"]}
        _no_scale_with_lockstep(f"serial:// {url!r}", common["time_scale"], lockstep)
    return BoardHal(url, [(role, port, baud)], lockstep=lockstep, **common)


def _port_for_serial(where: str, role, serial_number) -> str:
    """The device of the USB serial port with this serial number (pyserial's
    port list), so a bench file survives ports being renumbered."""
    from serial.tools import list_ports

    if not isinstance(serial_number, str) or not serial_number:
        raise HalUrlError(f"{where} ({role}): serial_number must be a non-empty string")
    ports = list(list_ports.comports())
    for p in ports:
        if p.serial_number == serial_number:
            return p.device
    known = ", ".join(f"{p.serial_number} ({p.device})" for p in ports if p.serial_number)
    raise HalUrlError(f"{where} ({role}): no serial port with serial number {serial_number!r} "
                      f"(is the board plugged in? ports with serial numbers: {known or 'none'})")


CLOSE_FLUSH_S = 1.0                # wall time close() waits for the board to ack BOARD_SAFE
BENCH_FILE_MAX_BYTES = 64 * 1024      # a bench file names a few boards; ours, generous


def load_bench_file(path: str | Path) -> dict:
    """Parse and check a bench file; returns the keyword arguments of BoardHal."""
    from common.files import FileReadError, read_regular_file
    path = Path(path)
    try:
        raw = tomllib.loads(read_regular_file(path, BENCH_FILE_MAX_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise HalUrlError(f"bench file {path} not found") from None
    except FileReadError as e:
        raise HalUrlError(f"bench file {path}: {e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise HalUrlError(f"bench file {path}: {e}") from None
    allowed = {"board", "terrain", "time_scale", "geometry", "name", "description", "vo"}
    extra = sorted(set(raw) - allowed)
    if extra:
        raise HalUrlError(f"bench file {path}: unknown key(s) {', '.join(extra)}; "
                          f"known: {', '.join(sorted(allowed))}")
    boards = []
    lockstep = {}
    seen = set()
    if not isinstance(raw.get("board", []), list):
        raise HalUrlError(f"bench file {path}: 'board' must be [[board]] tables")
    for i, b in enumerate(raw.get("board", [])):
        where = f"bench file {path}: board #{i + 1}"
        if not isinstance(b, dict):
            raise HalUrlError(f"{where}: must be a table")
        bad = sorted(set(b) - {"role", "port", "serial_number", "baud", "lockstep"})
        if bad:
            raise HalUrlError(f"{where}: unknown key(s) {', '.join(bad)}; known: role, port, "
                              f"serial_number, baud, lockstep")
        role, port = b.get("role"), b.get("port")
        if "serial_number" in b:
            if port is not None:
                raise HalUrlError(f"{where} ({role}): give port or serial_number, not both")
            port = _port_for_serial(where, role, b["serial_number"])
        if role not in _roles():
            raise HalUrlError(f"{where}: role {role!r} is not one of {', '.join(_roles())}")
        if role in seen:
            raise HalUrlError(f"{where}: role {role} listed twice")
        seen.add(role)
        if not isinstance(port, str) or not port:
            raise HalUrlError(f"{where} ({role}): port missing")
        baud = b.get("baud", DEFAULT_BAUD)
        if not isinstance(baud, int) or baud <= 0:
            raise HalUrlError(f"{where} ({role}): baud must be a positive integer")
        boards.append((role, _rel(path, port), baud))
        if "lockstep" in b:
            sock = b["lockstep"]
            if not isinstance(sock, str) or not sock:
                raise HalUrlError(f"{where} ({role}): lockstep must be the path of the board's "
                                  f"control socket")
            lockstep[role] = _rel(path, sock)
    if not boards:
        raise HalUrlError(f"bench file {path}: no [[board]] entries")
    if lockstep and len(lockstep) != len(boards):
        missing = [r for r, _p, _b in boards if r not in lockstep]
        raise HalUrlError(f"bench file {path}: lockstep must be given for every board (a HAL "
                          f"cannot mix granted and free-running time); missing: {', '.join(missing)}")
    g = raw.get("geometry")
    try:
        if g is None:
            raise GeometryError(f"bench file {path}: no geometry; add a [geometry] table (the "
                                f"VehicleGeometry fields) or geometry = \"FILE.toml\" (docs/hil.md)")
        if not isinstance(g, (str, dict)):
            raise GeometryError(f"bench file {path}: geometry must be a [geometry] table or a "
                                f"file name")
        geometry = (load_geometry(_rel(path, g)) if isinstance(g, str)
                    else geometry_from_mapping(g, f"bench file {path}: [geometry]"))
    except GeometryError as e:
        raise HalUrlError(str(e)) from None
    terrain = raw.get("terrain")
    if terrain is not None and not isinstance(terrain, str):
        raise HalUrlError(f"bench file {path}: terrain must be a file name")
    ts = raw.get("time_scale")
    if ts is not None and (isinstance(ts, bool) or not isinstance(ts, (int, float))
                           or not math.isfinite(ts) or ts <= 0):
        raise HalUrlError(f"bench file {path}: time_scale must be a positive finite number")
    _no_scale_with_lockstep(f"bench file {path}", ts, lockstep)
    return dict(boards=boards, terrain=_rel(path, terrain) if terrain else None,
                time_scale=float(ts) if ts is not None else None, geometry=geometry,
                lockstep=lockstep or None, vo=_vo_bench(path, raw.get("vo")))


VO_TABLE_KEYS = ("truth", "seed", "noise_frac", "scale_sigma_frac", "yaw_noise_mdeg")


def _vo_bench(path: Path, vo) -> tuple | None:
    """A bench file's [vo] table: truth = "SOCKET" (relative to the file), seed, noise knobs."""
    if vo is None:
        return None
    if not isinstance(vo, dict):
        raise HalUrlError(f"bench file {path}: vo must be a [vo] table")
    bad = sorted(set(vo) - set(VO_TABLE_KEYS))
    if bad:
        raise HalUrlError(f"bench file {path}: [vo] unknown key(s) {', '.join(bad)}; known: "
                          f"{', '.join(VO_TABLE_KEYS)}")
    sock = vo.get("truth")
    if not isinstance(sock, str) or not sock:
        raise HalUrlError(f"bench file {path}: [vo] needs truth = \"SOCKET\" (the emulated mobility "
                          f"board's truth socket)")
    return ("truth", _rel(path, sock), {k: v for k, v in vo.items() if k != "truth"})


def _rel(base: Path, p: str) -> str:
    if p.startswith("/dev/") or os.path.isabs(p):
        return p
    return str((base.parent / p))


def open_bench(url: str, where: str, params: dict[str, str]) -> "BoardHal":
    _check_params("bench", url, params)
    if not where:
        raise HalUrlError(f"bench:// needs a file: bench://path/to/bench.toml (got {url!r})")
    cfg = load_bench_file(where)
    return BoardHal(url, cfg.pop("boards"), connect_timeout=_num("bench", params, "connect_timeout",
                                                                 3.0, float, 0.1), **cfg)


# ------------------------------------------------------------------ the HAL
class _Board:
    """What the backend keeps per board: its session and the newest packets."""

    def __init__(self, role, port, baud):
        self.role, self.port, self.baud = role, port, baud
        self.session: BoardSession | None = None
        self.lock = threading.Lock()
        self.latest: dict[str, tuple[dict, float]] = {}     # packet -> (fields, host time)
        self.raw: dict[str, bytes] = {}                      # packet -> newest payload
        self.rx_counts: dict[str, int] = {}
        self.packet_errors = 0
        self.cmd_results = 0
        self.cmd_rejects = 0
        self.last_reject = None
        self.fault_flags = 0
        self.link_stats: dict = {}
        self.results: deque = deque(maxlen=64)
        self.fault_events: deque = deque(maxlen=64)          # the board's FAULT events


class BoardHal(PrinterApp, BoardApp, Latch, Hal):
    def __init__(self, url, boards, *, geometry, terrain=None, time_scale=None,
                 connect_timeout: float = 3.0, dictionary=None,
                 lockstep: dict[str, str] | None = None, vo: tuple | None = None):
        from common.dictionary import default_dictionary
        from common.dictionary import packets as P

        self._P = P
        self.dictionary = dictionary or default_dictionary()
        self._cmd_ok = self.dictionary.status_code("OK")
        roles = [b[0] for b in boards]
        master = "mobility" if "mobility" in roles else roles[0]
        self.lockstep = bool(lockstep)
        super().__init__(url, SimClock() if self.lockstep else BoardClock(rate_guess=time_scale or 1.0))
        self.geometry = geometry
        self.time_master = master
        self._terrain_path = terrain
        self._map = None
        self._events: list[tuple[str, dict]] = []
        self._events_lock = threading.Lock()
        self.boards: dict[str, _Board] = {r: _Board(r, p, b) for r, p, b in boards}
        self.init_latch()
        self.init_board_app()
        self._pose_hold_until = 0
        self.cmd_drops = 0
        self.cycle_overruns = 0
        self._target_ms = None
        self.payload_status: dict = {}
        make_devices(self)
        # the bench's payload board heats with the electric head (docs/printer.md section 10)
        self.init_printer("electric")
        if terrain is not None and not os.path.isfile(terrain):
            raise HalUrlError(f"{url}: terrain file {terrain} not found")
        if vo is not None:
            # connected before any board time passes: a lockstepped board's
            # first record is then the first one this HAL sees
            from hal.registry import open_vo_source
            self.vo = open_vo_source(vo[0], vo[1], vo[2], url)
        d = self.dictionary
        opened = []
        lines: dict[str, LockstepLine] = {}
        t_us = 0
        try:
            # the time master first: the others' heartbeats carry its clock
            for b in sorted(self.boards.values(), key=lambda b: b.role != master):
                line = None
                if self.lockstep:
                    # the HAL's time starts at the time master's own clock; a
                    # board attached later joins at the HAL's present
                    check_socket_path(lockstep[b.role], f"{b.role} board")
                    line = lines[b.role] = LockstepLine(BoardControl(lockstep[b.role], b.role), t_us)
                    line.attach(required=True, join_board_time=(b.role == master))
                    t_us = max(t_us, line.t_us)
                b.session = BoardSession(
                    b.port, b.role, baud=b.baud, expected_hash32=d.hash32, expected_hash_hex=d.hash,
                    clock=self.clock if not self.lockstep else None, clock_master=(b.role == master),
                    on_tlm=lambda p, t, b=b: self._on_tlm(b, p, t),
                    on_event=lambda p, t, b=b: self._on_event(b, p, t),
                    on_state=lambda s, st, why, b=b: self._on_state(b, st, why),
                    on_up=lambda s, b=b: self._on_up(b), roles=d.roles, line=line)
                try:
                    b.session.connect(timeout_s=connect_timeout)
                finally:
                    opened.append(b.session)
                if line is not None:
                    t_us = max(t_us, line.t_us)
        except (LinkError, LockstepError) as e:
            for s in opened:
                s.close()
            for line in lines.values():
                line.close()
            if self.vo is not None:
                self.vo.close()
            raise HalError(str(e)) from None
        if self.lockstep:
            self.clock = SimClock(-(-t_us // 1000))       # a whole ms at or after every board
            self._run_boards_to(self.clock.now_ms())
        self._wait_first_packets(connect_timeout)
        self.read()

    # -- reader-thread callbacks ------------------------------------------------------
    def _on_tlm(self, b: _Board, payload: bytes, host_t: float) -> None:
        try:
            name, fields = self._P.decode_tlm(self.dictionary, payload)
        except Exception:
            b.packet_errors += 1
            return
        with b.lock:
            b.latest[name] = (fields, host_t)
            b.raw[name] = payload
            b.rx_counts[name] = b.rx_counts.get(name, 0) + 1
            if "fault_flags" in fields:
                b.fault_flags = fields["fault_flags"]
            if name == "LINK_STATS":
                b.link_stats = fields

    def _on_event(self, b: _Board, payload: bytes, host_t: float) -> None:
        try:
            r = self._P.decode_event(payload)
        except Exception:
            b.packet_errors += 1
            return
        if isinstance(r, self._P.FaultEvent):
            with b.lock:
                b.fault_events.append(r)
            return
        with b.lock:
            b.cmd_results += 1
            b.results.append(r)
            if r.status != self._cmd_ok:
                b.cmd_rejects += 1
                b.last_reject = r

    def _on_state(self, b: _Board, state: LinkState, why: str) -> None:
        with self._events_lock:
            if state is LinkState.DOWN:
                age = b.session.heartbeat_age_ms if b.session else 0
                self._events.append(("LINK_LOST", dict(link=b.role, age_ms=age, reason=why)))
            elif state is LinkState.UP and b.session is not None and b.session.counters["reconnects"]:
                self._events.append(("LINK_RESTORED", dict(link=b.role)))
            elif state is LinkState.FAILED and b.session is not None and "dictionary" in why:
                got = b.session.last_identify.dict_hash32 if b.session.last_identify else 0
                self._events.append(("DICT_MISMATCH", dict(board=b.role, got=f"0x{got:08X}",
                                                           expected=self.dictionary.hash,
                                                           reason=why)))

    def _on_up(self, b: _Board) -> None:
        s = b.session
        s.send_command(self._P.encode_board_command(self.dictionary, "BOARD_TLM_PERIOD",
                                                    period=TLM_PERIOD_MS))
        self._heater_dirty = True

    def _wait_first_packets(self, timeout_s: float) -> None:
        import time
        want = {"mobility": "MOB_BODY", "payload": "PAY_STATUS"}
        if self.lockstep:                  # board time: grant it in small steps
            now, end = self.clock.now_ms, self.clock.now_ms() + int(timeout_s * 1000)
        else:
            now, end = time.monotonic, time.monotonic() + timeout_s
        for b in self.boards.values():
            name = want[b.role]
            while name not in b.latest:
                if now() >= end:
                    self.close()
                    raise HalError(f"{b.role} board on {b.port}: identified, but no {name} "
                                   f"telemetry within {timeout_s:g} s")
                if self.lockstep:
                    self.clock.advance(LOCKSTEP_STEP_MS)
                    self._run_boards_to(self.clock.now_ms())
                else:
                    time.sleep(0.01)

    def _run_boards_to(self, t_ms: int) -> None:
        """Lockstep: every board's line to HAL time t_ms (one board after the
        other: within a cycle the boards do not talk to each other)."""
        for b in self.boards.values():
            if b.session is not None:
                b.session.run_until(t_ms / 1000.0)

    # -- helpers ------------------------------------------------------------------------
    def _rx_count(self, packet: str) -> int:
        b = self.boards.get("mobility")
        return b.rx_counts.get(packet, 0) if b else 0

    def _age_ms(self, b: _Board, packet: str) -> int | None:
        got = b.latest.get(packet)
        if got is None:
            return None
        if self.lockstep:                  # packets are stamped with board time
            return int(max(0.0, self.clock.now_s - got[1]) * 1000)
        import time
        return int(max(0.0, time.monotonic() - got[1]) * self.clock.rate * 1000)

    def _status(self, role: str, packet: str) -> DeviceStatus:
        b = self.boards.get(role)
        if b is None or b.session is None or b.session.state is not LinkState.UP:
            return DeviceStatus.OFFLINE
        age = self._age_ms(b, packet)
        if age is None or age > STALE_MS:
            return DeviceStatus.STALE
        return DeviceStatus.OK

    # -- what the latched devices ask of a backend ---------------------------------
    _STATUS_PACKET = {"wheel": "MOB_WHEELS"}   # everything else rides in MOB_BODY

    def _device_status(self, kind: str, index: int) -> DeviceStatus:
        st = self._status("mobility", self._STATUS_PACKET.get(kind, "MOB_BODY"))
        if st is DeviceStatus.OK:
            if kind == "wheel" and self._stalled[index]:
                return DeviceStatus.FAULT
            if kind == "heater" and self._heater_fault:
                return DeviceStatus.FAULT
        return st

    _PRINTER_PACKET = {"gantry": "PAY_PRINTER", "switch": "PAY_PRINTER"}   # the rest: PAY_STATUS

    def _printer_status(self, kind: str) -> DeviceStatus:
        return self._status("payload", self._PRINTER_PACKET.get(kind, "PAY_STATUS"))

    def _source_available_w(self) -> float:
        return self.printer.head.rated_w        # electric: the supply is there or the board is off

    def _reset_odometry(self, x_m: float, y_m: float, yaw_rad: float) -> None:
        BoardApp._reset_odometry(self, x_m, y_m, yaw_rad)
        # a packet the board sent before the reset would undo it
        self._pose_hold_until = self._rx_count("MOB_BODY") + 1

    def _board_link_up(self, role: str) -> bool:
        b = self.boards.get(role)
        return b is not None and b.session is not None and b.session.state is LinkState.UP

    def _send_payload(self, role: str, payload: bytes) -> bool:
        """Send one encoded board command; False (counted) when it could not go out."""
        b = self.boards.get(role)
        if b is None or b.session is None:
            self.cmd_drops += 1
            return False
        if b.session.send_command(payload) is None:
            self.cmd_drops += 1
            return False
        return True

    # -- cycle ----------------------------------------------------------------------------
    def read(self) -> None:
        b = self.boards.get("mobility")
        if b is not None:
            with b.lock:
                wheels = b.raw.get("MOB_WHEELS")
                body = b.raw.get("MOB_BODY")
                n_body = b.rx_counts.get("MOB_BODY", 0)
            if wheels is not None:
                self.latch_wheels_raw(self._wheels_layout.st.unpack(wheels))
            if body is not None:
                # a packet sent before an odometry reset would undo it
                self.latch_body_raw(self._body_layout.st.unpack(body),
                                    take_pose=n_body > self._pose_hold_until)
        p = self.boards.get("payload")
        if p is not None:
            with p.lock:
                st = p.latest.get("PAY_STATUS")
                st_raw = p.raw.get("PAY_STATUS")
                prn_raw = p.raw.get("PAY_PRINTER")
            if st is not None:
                self.payload_status = dict(st[0])
            if st_raw is not None:
                self.latch_pay_status_raw(self._pay_status_layout.st.unpack(st_raw))
            if prn_raw is not None:
                self.latch_pay_printer_raw(self._pay_printer_layout.st.unpack(prn_raw))
        if self.vo is not None:
            self.vo.poll()
        self._clear_link_latches()

    def _clear_link_latches(self) -> None:
        now = self.clock.now_ms()
        for b in self.boards.values():
            self.clear_bad_command_latch(b.role, b.fault_flags, now)

    def clear_faults(self) -> None:
        """The operator's CLEAR_FAULT: release every board's latches and stalls."""
        self.board_clear_faults(list(self.boards))

    def write(self) -> None:
        if "mobility" in self.boards:
            self.write_board_commands(self.clock.now_ms())
        if "payload" in self.boards:
            self.write_printer_commands(self.clock.now_ms())

    def advance(self, dt_ms: int) -> None:
        if not isinstance(dt_ms, int) or dt_ms <= 0:
            raise ValueError(f"advance: dt_ms must be a positive int, got {dt_ms!r}")
        if self.lockstep:                  # grant every board the cycle; the HAL's time follows
            self._run_boards_to(self.clock.now_ms() + dt_ms)
            self.clock.advance(dt_ms)
            return
        now = self.clock.now_ms()
        target = (self._target_ms if self._target_ms is not None else now) + dt_ms
        if now > target + MAX_LATE_CYCLES * dt_ms:      # far behind (a long pause): start afresh
            self.cycle_overruns += 1
            target = now + dt_ms
        elif now > target:
            self.cycle_overruns += 1
        self._target_ms = target
        # the clock keeps running on the last fit while the master board is away
        self.clock.wait_until(target, max_step_s=0.005, timeout_s=5.0 + dt_ms / 1000.0)

    def safe(self) -> None:
        super().safe()
        for role in self.boards:
            self._command(role, "BOARD_SAFE")

    # -- extras ------------------------------------------------------------------------------
    def terrain_map(self) -> TerrainMap | None:
        if self._map is None and self._terrain_path:
            import numpy as np
            z = np.load(self._terrain_path)
            height = z["height_m"].astype(np.float32)
            slope = z["slope_deg"].astype(np.float32)
            no_go = z["no_go_mask"].astype(bool) if "no_go_mask" in z else np.zeros(height.shape, bool)
            self._map = TerrainMap(height_m=height, slope_deg=slope, no_go_mask=no_go,
                                   cell_m=float(z["cell_m"]),
                                   origin_xy_m=(float(z["origin_xy_m"][0]), float(z["origin_xy_m"][1])))
        return self._map

    def truth(self):
        return None

    def link_stats(self) -> dict:
        """Every board's link counters (for `rover perf link` and reports)."""
        out = {}
        for role, b in self.boards.items():
            if b.session is None:
                continue
            st = b.session.stats()
            st.update(cmd_results=b.cmd_results, cmd_rejects=b.cmd_rejects,
                      latch_clears=self.latch_clears.get(role, 0),
                      packet_errors=b.packet_errors, fault_flags=b.fault_flags,
                      board_link_stats=dict(b.link_stats), rx_packets=dict(b.rx_counts))
            out[role] = st
        out["hal"] = dict(cmd_drops=self.cmd_drops, cycle_overruns=self.cycle_overruns)
        if self.vo is not None:
            out["vo"] = self.vo.stats()
        return out

    def telemetry(self) -> dict:
        out = {}
        hb_lost = self.dictionary.fault_mask("HEARTBEAT_LOST")
        for role, b in self.boards.items():
            s = b.session
            if s is None:
                continue
            st = s.stats()
            p = f"link.{role}."
            out[p + "heartbeat_age_ms"] = min(st["heartbeat_age_ms"], 0xFFFFFFFF)
            out[p + "telemetry_age_ms"] = min(st["telemetry_age_ms"], 0xFFFFFFFF)
            out[p + "state"] = st["state"]
            out[p + "frames_rx"] = st["frames_rx"]
            out[p + "frames_tx"] = st["frames_tx"]
            out[p + "crc_errors"] = st["crc_errors"]
            out[p + "rx_errors"] = st["rx_errors"]
            out[p + "retransmits"] = st["retransmits"]
            out[p + "rtt_p50_ms"] = float(st["rtt_p50_ms"] or 0.0)
            out[p + "rtt_p99_ms"] = float(st["rtt_p99_ms"] or 0.0)
            out[p + "reconnects"] = st["reconnects"]
            out[p + "cmd_rejects"] = b.cmd_rejects
            out[p + "fault_flags"] = b.fault_flags
            out[p + "latched"] = 1 if b.fault_flags & hb_lost else 0
        return out

    def drain_events(self) -> list[tuple[str, dict]]:
        """Link events since the last call (LINK_LOST, LINK_RESTORED), for the bus."""
        with self._events_lock:
            ev, self._events = self._events, []
        return ev

    def close(self) -> None:
        """End every board session cleanly: BOARD_SAFE (outputs safe, heartbeat
        watchdog disarmed: the host's goodbye), wait for the board to
        acknowledge it, then close the port.  The next run then finds the
        boards unlatched; a board that missed the goodbye latches as usual."""
        for b in self.boards.values():
            if b.session is not None:
                if b.session.state is LinkState.UP:
                    try:
                        b.session.saying_goodbye = True   # no heartbeat may re-arm it now
                        b.session.send_command(self._P.encode_board_command(
                            self.dictionary, "BOARD_SAFE"))
                        if self.lockstep:         # a halted board runs it only if granted time
                            b.session.run_until(b.session.now_s + CLOSE_GRANT_MS / 1000.0)
                        b.session.flush(CLOSE_FLUSH_S)
                    except Exception:
                        pass
                b.session.close()
        if self.vo is not None:
            self.vo.close()
