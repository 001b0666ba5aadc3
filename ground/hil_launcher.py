"""Emulated boards for HIL runs: build the host firmware, start one
``rover-fw-host`` process per board on a pty, and describe them.

Used by ``rover hil up|down|status`` (the boards keep running in the
background between commands; a state file remembers them) and by tests and
``rover perf link`` (:class:`EmulatedBench`, a context manager that stops its
boards on exit).  docs/hil.md is the user's guide.

The mobility board runs the C plant on the simulator's site, so the launcher
writes the site's height grid as raw little-endian float32 [ny][nx] for the
firmware and the map (height, slope, no-go mask, cell size, origin) as
terrain.npz for the flight software's planner (the board backend loads it
through the ``terrain=`` URL parameter).

Clock: boards are either *lockstepped* (``--lockstep SOCKET``: halted until
the HAL grants them time over a control socket, so a loaded machine cannot
make them miss a deadline; what tests use) or *free-running* on scaled wall
time (``--time-scale K``: what benchmarks such as ``rover perf link``
measure).  docs/hil.md 4.1.

This is a bench tool: it reads the wall clock and starts processes.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from hal.link.lockstep import SUN_PATH_MAX

REPO = Path(__file__).resolve().parent.parent
FIRMWARE_DIR = REPO / "csrc" / "firmware"
SIMAVR_DIR = REPO / "sim_hw" / "simavr"
DEFAULT_BUILD = REPO / "build" / "fw"
EXE_NAME = "rover-fw-host"
SIMAVR_EXE = "rover-simavr"
QEMU_EXE = "qemu-system-arm"
QEMU_MACHINE = "mps2-an385"
QEMU_IMAGE_TAG = "rover-fw-mps2-an385"
EMULATORS = ("host", "simavr", "qemu")
DEFAULT_DIR = Path("runs") / "hil"
ENV_DIR = "ROVER_HIL_DIR"
STATE_NAME = "state.json"


def board_names() -> tuple[str, ...]:
    """The boards on the serial link, from the dictionary's [[board]] table."""
    from common.dictionary import default_dictionary
    return tuple(default_dictionary().boards)

START_TIMEOUT_S = 10.0


class HilError(RuntimeError):
    """The emulated boards could not be built, started or found."""


def hil_dir(dir_: str | Path | None = None) -> Path:
    if dir_ is not None:
        return Path(dir_)
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


# ------------------------------------------------------------------ build
def firmware_exe(build_dir: str | Path | None = None) -> Path:
    return Path(build_dir or DEFAULT_BUILD) / EXE_NAME


def build_firmware(build_dir: str | Path | None = None, quiet: bool = True) -> Path:
    """``make -C csrc/firmware host BUILD=<build_dir>``; returns the executable."""
    build = Path(build_dir or DEFAULT_BUILD).resolve()
    if not (FIRMWARE_DIR / "Makefile").is_file():
        raise HilError(f"no firmware sources at {FIRMWARE_DIR} (Makefile missing)")
    cmd = ["make", "-C", str(FIRMWARE_DIR), "host", f"BUILD={build}"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        raise HilError("make not found: install make and gcc to build the host firmware") from None
    if r.returncode != 0:
        raise HilError(f"firmware build failed ({' '.join(cmd)}):\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    exe = build / EXE_NAME
    if not exe.is_file():
        raise HilError(f"firmware build did not produce {exe}")
    return exe


def build_simavr(build_dir: str | Path | None = None) -> dict:
    """The emulated Mega (``make -C sim_hw/simavr``) and the AVR images it runs."""
    from ground import flashing
    build = Path(build_dir or DEFAULT_BUILD).resolve()
    try:
        images = flashing.build_avr_images(build)
    except flashing.FlashError as e:
        raise HilError(str(e)) from None
    cmd = ["make", "-s", "-C", str(SIMAVR_DIR), f"BUILD={build}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise HilError(f"emulated Mega build failed ({' '.join(cmd)}):\n{r.stdout[-1500:]}"
                       f"{r.stderr[-1500:]}")
    if not flashing.STK500V2_HEX.is_file():
        raise HilError(f"the Mega 2560 bootloader {flashing.STK500V2_HEX} is missing: install the "
                       f"Debian package arduino-core-avr")
    return dict(exe=build / SIMAVR_EXE, images=images, bootloader=flashing.STK500V2_HEX)


def build_arm(build_dir: str | Path | None = None) -> dict:
    """The Cortex-M3 images for QEMU's mps2-an385 (``make -C csrc/firmware arm``)."""
    import shutil
    if shutil.which("arm-none-eabi-gcc") is None:
        raise HilError("arm-none-eabi-gcc not found: install the Debian packages gcc-arm-none-eabi "
                       "and libnewlib-arm-none-eabi")
    if shutil.which(QEMU_EXE) is None:
        raise HilError(f"{QEMU_EXE} not found: install the Debian package qemu-system-arm")
    build = Path(build_dir or DEFAULT_BUILD).resolve()
    cmd = ["make", "-s", "-C", str(FIRMWARE_DIR), "arm", f"BUILD={build}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise HilError(f"ARM firmware build failed ({' '.join(cmd)}):\n{r.stdout[-1500:]}{r.stderr[-1500:]}")
    return {role: build / "arm" / f"{QEMU_IMAGE_TAG}-{role}.elf" for role in board_names()}


def start_qemu_board(image: Path, role: str, log_path: Path, link: Path,
                     timeout_s: float = START_TIMEOUT_S, detach: bool = False) -> BoardProc:
    """QEMU with the board's UART0 on a pty; links ``link`` to it."""
    import re
    argv = [QEMU_EXE, "-M", QEMU_MACHINE, "-kernel", str(image), "-nographic", "-serial", "pty",
            "-monitor", "none"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=detach, close_fds=True)
        except OSError as e:
            raise HilError(f"cannot start QEMU for the {role} board: {e}") from None
    end = time.monotonic() + timeout_s
    while True:
        m = re.search(r"redirected to (/dev/pts/\d+)", log_path.read_text(errors="replace"))
        if m:
            break
        if proc.poll() is not None or time.monotonic() >= end:
            stop_pid(proc.pid, proc)
            raise HilError(f"QEMU for the {role} board gave no pty; log {log_path}")
        time.sleep(0.02)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(m.group(1))
    return BoardProc(role, proc.pid, str(link), str(log_path), argv, proc)


# ------------------------------------------------------------------ terrain
def write_terrain(site, out_dir: Path) -> dict:
    """terrain.f32 (firmware) and terrain.npz (planner); returns the grid facts."""
    import numpy as np

    out_dir.mkdir(parents=True, exist_ok=True)
    h = np.ascontiguousarray(site.height_m, dtype="<f4")
    ny, nx = h.shape
    f32 = out_dir / "terrain.f32"
    f32.write_bytes(h.tobytes())
    npz = out_dir / "terrain.npz"
    np.savez_compressed(npz, height_m=h.astype(np.float32),
                        slope_deg=np.asarray(site.slope_deg, dtype=np.float32),
                        no_go_mask=np.asarray(site.no_go_mask, dtype=bool),
                        cell_m=np.float64(site.cell_m),
                        origin_xy_m=np.asarray(site.origin_xy_m, dtype=np.float64))
    return dict(f32=str(f32), npz=str(npz), nx=nx, ny=ny, cell_m=float(site.cell_m),
                x0_m=float(site.origin_xy_m[0]), y0_m=float(site.origin_xy_m[1]))


# ------------------------------------------------------------------ boards
@dataclass
class BoardProc:
    role: str
    pid: int
    pty: str                 # the path to open (the stable link when the firmware made one)
    log: str
    argv: list = field(default_factory=list)
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return dict(role=self.role, pid=self.pid, pty=self.pty, log=self.log, argv=self.argv)


def board_argv(exe: Path, role: str, link: Path, *, baud: int, seed: int, time_scale: float,
               terrain: dict, start=(0.0, 0.0, 0.0), dict_hash32: int | None = None,
               lockstep: str | None = None, truth_socket: str | None = None) -> list[str]:
    clock = ["--lockstep", str(lockstep)] if lockstep else ["--time-scale", f"{time_scale:g}"]
    argv = [str(exe), "--role", role, "--pty-link", str(link), "--baud", str(baud),
            "--seed", str(seed), *clock,
            "--terrain", terrain["f32"], "--nx", str(terrain["nx"]), "--ny", str(terrain["ny"]),
            "--cell-m", f"{terrain['cell_m']:g}", "--x0-m", f"{terrain['x0_m']:g}",
            "--y0-m", f"{terrain['y0_m']:g}", "--start-x-m", f"{start[0]:g}",
            "--start-y-m", f"{start[1]:g}", "--start-yaw-deg", f"{start[2]:g}"]
    if dict_hash32 is not None:
        argv += ["--dict-hash32", f"0x{dict_hash32:08X}"]
    if truth_socket is not None:
        from sim_hw.vo import VO_PERIOD_MS
        argv += ["--truth-socket", str(truth_socket), "--truth-period-ms", str(VO_PERIOD_MS)]
    return argv


def start_board(argv: list[str], role: str, log_path: Path, link: Path,
                timeout_s: float = START_TIMEOUT_S, detach: bool = False) -> BoardProc:
    """Start one board process, wait for its ``PTY <path>`` line."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=detach, close_fds=True)
    except OSError as e:
        raise HilError(f"cannot start the {role} board ({argv[0]}): {e}") from None
    finally:
        log.close()
    end = time.monotonic() + timeout_s
    pty_path = None
    while pty_path is None:
        text = log_path.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith("PTY "):
                pty_path = line[4:].strip()
                break
        if pty_path is not None:
            break
        if proc.poll() is not None:
            raise HilError(f"the {role} board exited with status {proc.returncode} before it "
                           f"printed its port:\n{text[-2000:]}")
        if time.monotonic() >= end:
            stop_pid(proc.pid, proc)
            raise HilError(f"the {role} board printed no 'PTY <path>' within {timeout_s:g} s; "
                           f"log {log_path}")
        time.sleep(0.02)
    # prefer the stable link (it survives a board restart); else what it printed
    port = str(link) if link.exists() else pty_path
    return BoardProc(role, proc.pid, port, str(log_path), argv, proc)


def stop_pid(pid: int, proc: subprocess.Popen | None = None, timeout_s: float = 5.0) -> bool:
    """SIGTERM, wait, then SIGKILL.  True when the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc is not None:
            if proc.poll() is not None:
                return True
        else:
            try:
                wpid, _ = os.waitpid(pid, os.WNOHANG)
                if wpid == pid:
                    return True
            except ChildProcessError:
                if not _alive(pid):
                    return True
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    if proc is not None:
        proc.wait(timeout=2.0)
    return not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:                           # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _is_board_process(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
            return (EXE_NAME.encode() in cmdline or SIMAVR_EXE.encode() in cmdline
                    or QEMU_IMAGE_TAG.encode() in cmdline)
    except OSError:
        return False


def write_geometry(out_dir: Path) -> str:
    """geometry.toml for the emulated boards: the simulated rover they run."""
    from common.vehicle import geometry_toml
    from sim_hw.params import RoverParams
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "geometry.toml"
    path.write_text("# the simulated rover (sim_hw/params.py), which the emulated boards run\n"
                    + geometry_toml(RoverParams().vehicle_geometry()))
    return str(path)


def hal_url(boards: dict[str, str], baud: int, geometry: str, terrain_npz: str | None = None,
            time_scale: float | None = None, lockstep: dict[str, str] | None = None,
            vo: dict | None = None) -> str:
    """The HAL URL for a set of boards (role -> port) on the rover ``geometry``
    file; ``lockstep`` (role -> control socket) for lockstepped boards; ``vo``
    ({"truth": SOCKET, "seed": N}) for the emulated navigation camera."""
    q = [f"{r}={boards[r]}" for r in board_names() if r in boards]
    q.append(f"geometry={geometry}")
    q.append(f"baud={baud}")
    if terrain_npz:
        q.append(f"terrain={terrain_npz}")
    if lockstep:
        q.append("lockstep=" + ",".join(f"{r}:{lockstep[r]}" for r in board_names() if r in lockstep))
    elif time_scale:
        q.append(f"time_scale={time_scale:g}")
    if vo:
        q.append(f"vo_truth={vo['truth']}")
        q.append(f"vo_seed={vo['seed']}")
    return "board://?" + "&".join(q)


# ------------------------------------------------------------------ a bench in a process
class EmulatedBench:
    """Emulated boards owned by this process (tests, `rover perf link`)::

        with EmulatedBench(["mobility"]) as bench:          # lockstepped
            hal = open_hal(bench.url)
            bench.kill("mobility"); bench.restart("mobility")
        with EmulatedBench(["mobility"], lockstep=False, time_scale=1) as bench:   # free-running

    Lockstepped boards (the default) run only on the time the HAL grants them
    (``bench.sockets``: role -> control socket); free-running ones on
    ``time_scale`` x wall time.
    """

    def __init__(self, boards=None, *, seed: int = 1, site: str = "mons-mouton",
                 baud: int = 115200, time_scale: float | None = None,
                 lockstep: bool | None = None, dir_: str | Path | None = None,
                 build_dir: str | Path | None = None, exe: str | Path | None = None,
                 dict_hash32: int | None = None, start=(0.0, 0.0, 0.0), build: bool = True,
                 detach: bool = False, emulator: str = "host", flash_via: str = "bootloader",
                 vo: bool | None = None):
        boards = board_names() if boards is None else boards
        if vo is None:
            # the bench's navigation camera, emulated from the plant truth of
            # the mobility board (QEMU's boards carry no plant)
            vo = emulator in ("host", "simavr")
        if vo and emulator == "qemu":
            raise HilError("the QEMU boards carry no plant, so there is no truth for an emulated "
                           "navigation camera (vo=False)")
        if lockstep is None:
            # host boards lockstep by default; an emulated MCU runs on its own
            # clock (its crystal), free against the wall clock like a real one
            lockstep = emulator == "host"
        if emulator == "simavr" and lockstep:
            raise HilError("the emulated Mega runs on its own 16 MHz clock: no lockstep "
                           "(use --time-scale)")
        if emulator not in EMULATORS:
            raise HilError(f"unknown emulator {emulator!r}; emulators: {', '.join(EMULATORS)}")
        if flash_via not in ("bootloader", "direct"):
            raise HilError(f"flash_via is 'bootloader' or 'direct', not {flash_via!r}")
        if emulator == "simavr" and dict_hash32 is not None:
            raise HilError("the emulated Mega runs the real image: its dictionary hash is the one "
                           "it was built with (no override)")
        for r in boards:
            if r not in board_names():
                raise HilError(f"unknown board {r!r}; boards: {', '.join(board_names())}")
        if not boards:
            raise HilError("no boards given")
        if lockstep and time_scale is not None:
            raise HilError("time_scale and lockstep exclude each other: lockstepped boards run on "
                           "granted time (pass lockstep=False for scaled wall time)")
        self.roles = list(dict.fromkeys(boards))
        self.lockstep = bool(lockstep)
        self.seed, self.site_name, self.baud = seed, site, baud
        self.time_scale = None if self.lockstep else (time_scale or 1.0)
        self.dir = Path(dir_) if dir_ is not None else None
        self._tmp = None
        self.build_dir, self.exe_path, self.do_build = build_dir, exe, build
        self.dict_hash32, self.start_pose, self.detach = dict_hash32, start, detach
        self.procs: dict[str, BoardProc] = {}
        self.terrain: dict = {}
        self.geometry_path: str | None = None
        self.emulator, self.flash_via = emulator, flash_via
        self.simavr: dict = {}
        self.arm_images: dict = {}
        self.flash_results: dict[str, dict] = {}
        self.vo = bool(vo)

    # -- life cycle ---------------------------------------------------------------
    def start(self) -> "EmulatedBench":
        if self.dir is None:
            import tempfile
            self._tmp = tempfile.TemporaryDirectory(prefix="rover-hil-")
            self.dir = Path(self._tmp.name)
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.emulator == "simavr":
            from ground import flashing
            build = Path(self.build_dir or DEFAULT_BUILD)
            self.simavr = build_simavr(build) if self.do_build else dict(
                exe=build / SIMAVR_EXE, bootloader=flashing.STK500V2_HEX,
                images={r: flashing.image_path("mega2560", r, build) for r in board_names()})
            self.exe_path = self.simavr["exe"]
        if self.emulator == "qemu":
            self.arm_images = build_arm(self.build_dir) if self.do_build else {
                r: Path(self.build_dir or DEFAULT_BUILD) / "arm" / f"{QEMU_IMAGE_TAG}-{r}.elf"
                for r in board_names()}
            self.exe_path = self.arm_images["mobility"]
        if self.exe_path is None:
            self.exe_path = build_firmware(self.build_dir) if self.do_build else firmware_exe(self.build_dir)
        self.exe_path = Path(self.exe_path)
        if not self.exe_path.is_file():
            raise HilError(f"host firmware {self.exe_path} not found (build it: make -C "
                           f"csrc/firmware host)")
        from sim_hw.site import site_from_name
        site = site_from_name(self.site_name, self.seed)
        self.terrain = write_terrain(site, self.dir)
        self.geometry_path = write_geometry(self.dir)
        try:
            for role in self.roles:
                self._start(role)
            if self.emulator == "simavr" and self.flash_via == "bootloader":
                self._flash_all()
        except Exception:
            self.stop()
            raise
        return self

    def _flash_all(self) -> None:
        """avrdude through each board's bootloader, as for boards on USB (in parallel)."""
        from concurrent.futures import ThreadPoolExecutor

        from ground import flashing

        def one(role):
            return role, flashing.flash("mega2560", self.simavr["images"][role], self.procs[role].pty)
        try:
            with ThreadPoolExecutor(max_workers=len(self.roles)) as ex:
                for role, res in ex.map(one, self.roles):
                    self.flash_results[role] = res
        except flashing.FlashError as e:
            raise HilError(str(e)) from None

    def _link(self, role: str) -> Path:
        return self.dir / f"{role}.pty"

    def _socket(self, role: str) -> str | None:
        if not self.lockstep:
            return None
        path = os.path.abspath(self.dir / f"{role}.sock")
        n = len(os.fsencode(path))
        if n > SUN_PATH_MAX:
            raise HilError(f"lockstep control socket path {path} is too long ({n} bytes; a UNIX "
                           f"socket path holds at most {SUN_PATH_MAX}): use a shorter directory")
        return path

    def _truth_socket(self, role: str) -> str | None:
        """The mobility board's truth socket (the emulated navigation camera's input)."""
        if not self.vo or role != "mobility":
            return None
        path = os.path.abspath(self.dir / "mobility.truth.sock")
        n = len(os.fsencode(path))
        if n > SUN_PATH_MAX:
            raise HilError(f"truth socket path {path} is too long ({n} bytes; a UNIX socket path "
                           f"holds at most {SUN_PATH_MAX}): use a shorter directory")
        return path

    @property
    def vo_source(self) -> dict | None:
        """{"truth": SOCKET, "seed": N} when the bench has its navigation camera."""
        if not self.vo or "mobility" not in self.procs:
            return None
        return dict(truth=self._truth_socket("mobility"), seed=self.seed)

    @property
    def sockets(self) -> dict[str, str]:
        """role -> lockstep control socket ({} for free-running boards)."""
        return {r: self._socket(r) for r in self.procs} if self.lockstep else {}

    def start_one(self, role: str) -> BoardProc:
        """Start one board of this bench (its port link and socket in ``dir``)."""
        return self._start(role)

    def socket_for(self, role: str) -> str | None:
        """The lockstep control socket of ``role`` (None for free-running boards)."""
        return self._socket(role)

    def _start(self, role: str) -> BoardProc:
        link = Path(os.path.abspath(self._link(role)))      # not resolve(): it is a symlink
        if self.emulator == "qemu":
            bp = start_qemu_board(self.arm_images[role], role, self.dir / f"{role}.log", link,
                                  detach=self.detach)
            self.procs[role] = bp
            return bp
        argv = board_argv(self.exe_path, role, link, baud=self.baud,
                          seed=self.seed, time_scale=self.time_scale or 1.0, terrain=self.terrain,
                          start=self.start_pose, dict_hash32=self.dict_hash32,
                          lockstep=self._socket(role), truth_socket=self._truth_socket(role))
        if self.emulator == "simavr":
            flash_file = self.dir / f"{role}.flash.bin"
            argv += ["--bootloader", str(self.simavr["bootloader"]), "--flash-image", str(flash_file),
                     "--stats", str(self.dir / f"{role}.stats.json")]
            if self.flash_via == "direct":
                argv += ["--firmware", str(self.simavr["images"][role]), "--boot", "app"]
            elif flash_file.exists():
                argv += ["--boot", "app"]        # a restart: the image is in flash already
        bp = start_board(argv, role, self.dir / f"{role}.log", link, detach=self.detach)
        self.procs[role] = bp
        return bp

    def kill(self, role: str, sig: int = signal.SIGKILL) -> None:
        """Make a board disappear (SIGKILL: as if unplugged; SIGTERM: clean stop)."""
        bp = self.procs.get(role)
        if bp is None:
            return
        if sig == signal.SIGTERM:
            stop_pid(bp.pid, bp.proc)
        else:
            try:
                os.kill(bp.pid, sig)
            except ProcessLookupError:
                pass
            if bp.proc is not None:
                bp.proc.wait(timeout=5)

    def restart(self, role: str) -> BoardProc:
        self.kill(role, signal.SIGTERM)
        return self._start(role)

    def stop(self) -> None:
        for role, bp in list(self.procs.items()):
            stop_pid(bp.pid, bp.proc)
        self.procs.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "EmulatedBench":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- description -----------------------------------------------------------------
    @property
    def ports(self) -> dict[str, str]:
        return {r: bp.pty for r, bp in self.procs.items()}

    @property
    def url(self) -> str:
        return hal_url(self.ports, self.baud, self.geometry_path, self.terrain.get("npz"),
                       self.time_scale, self.sockets, self.vo_source)

    def state(self) -> dict:
        return dict(boards={r: bp.to_json() for r, bp in self.procs.items()}, baud=self.baud,
                    time_scale=self.time_scale, lockstep=self.sockets or None,
                    emulator=self.emulator, flashed=self.flash_results, vo=self.vo_source,
                    seed=self.seed, site=self.site_name,
                    terrain=self.terrain, exe=str(self.exe_path), url=self.url,
                    started=time.strftime("%Y-%m-%dT%H:%M:%S"))


# ------------------------------------------------------------------ `rover hil` back end
def state_path(dir_: str | Path | None = None) -> Path:
    return hil_dir(dir_) / STATE_NAME


def read_state(dir_: str | Path | None = None) -> dict | None:
    p = state_path(dir_)
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise HilError(f"state file {p} is unreadable: {e}") from None


def up(boards=None, *, seed: int = 1, site: str = "mons-mouton",
       baud: int = 115200, time_scale: float | None = None, lockstep: bool = False,
       dir_: str | Path | None = None,
       build_dir: str | Path | None = None, dict_hash32: int | None = None,
       emulator: str = "host", vo: bool | None = None) -> dict:
    """Start detached boards and write the state file; returns the state.
    With boards already running, ``boards`` names the ones to (re)start on the
    running bench's settings while the others keep running."""
    d = hil_dir(dir_)
    old = read_state(d)
    if old is not None:
        live = [r for r, b in old.get("boards", {}).items()
                if _alive(b["pid"]) and _is_board_process(b["pid"])]
        if live and boards is None:
            raise HilError(f"boards already running from {state_path(d)} ({', '.join(live)}); "
                           f"run `rover hil down` first, or give --boards ROLE to restart "
                           f"one board while the others run")
        if live:
            return _restart_some(d, old, list(dict.fromkeys(boards)))
    d.mkdir(parents=True, exist_ok=True)
    bench = EmulatedBench(boards, seed=seed, site=site, baud=baud, time_scale=time_scale,
                          lockstep=lockstep, dir_=d.resolve(), build_dir=build_dir,
                          dict_hash32=dict_hash32, detach=True, emulator=emulator, vo=vo)
    bench.start()
    st = bench.state()
    state_path(d).write_text(json.dumps(st, indent=2) + "\n")
    return st


def _restart_some(d: Path, old: dict, roles: list[str]) -> dict:
    """(Re)start ``roles`` on the settings of the running bench in ``d``; the
    other boards keep running and keep their ports (each board's port is a
    stable link in ``d``, so the HAL URL does not change)."""
    for r in roles:
        if r not in board_names():
            raise HilError(f"unknown board {r!r}; boards: {', '.join(board_names())}")
    if old.get("emulator", "host") != "host":
        raise HilError(f"restarting one board is supported for host-built boards; this bench "
                       f"runs on {old['emulator']}: run `rover hil down`, then `rover hil up`")
    bench = EmulatedBench(roles, seed=old["seed"], site=old["site"], baud=old["baud"],
                          time_scale=old.get("time_scale"), lockstep=bool(old.get("lockstep")),
                          dir_=d.resolve(), exe=old["exe"], build=False, detach=True,
                          vo=bool(old.get("vo")))
    bench.dir = d.resolve()
    bench.exe_path = Path(old["exe"])
    if not bench.exe_path.is_file():
        raise HilError(f"host firmware {bench.exe_path} of the running bench is gone; "
                       f"run `rover hil down` and `rover hil up`")
    bench.terrain = old["terrain"]
    bench.geometry_path = write_geometry(bench.dir)
    boards = dict(old.get("boards", {}))
    for r in roles:
        b = boards.get(r)
        if b is not None and _alive(b["pid"]) and _is_board_process(b["pid"]):
            stop_pid(b["pid"])
        boards[r] = bench.start_one(r).to_json()
    sockets = {r: bench.socket_for(r) for r in boards} if bench.lockstep else {}
    st = dict(old, boards=boards,
              url=hal_url({r: b["pty"] for r, b in boards.items()}, old["baud"],
                          bench.geometry_path, old["terrain"].get("npz"), old.get("time_scale"),
                          sockets, old.get("vo") if "mobility" in boards else None),
              restarted={r: time.strftime("%Y-%m-%dT%H:%M:%S") for r in roles})
    state_path(d).write_text(json.dumps(st, indent=2) + "\n")
    return st


def down(dir_: str | Path | None = None) -> list[str]:
    """SIGTERM every board of the state file, wait, remove the state; returns the roles stopped."""
    st = read_state(dir_)
    if st is None:
        return []
    stopped = []
    for role, b in st.get("boards", {}).items():
        pid = b["pid"]
        if _alive(pid) and _is_board_process(pid):
            stop_pid(pid)
            stopped.append(role)
    try:
        state_path(dir_).unlink()
    except FileNotFoundError:
        pass
    return stopped


def status(dir_: str | Path | None = None) -> dict | None:
    st = read_state(dir_)
    if st is None:
        return None
    for b in st.get("boards", {}).values():
        b["alive"] = _alive(b["pid"]) and _is_board_process(b["pid"])
    return st


# ------------------------------------------------------------------ link benchmark (`rover perf link`)
class _Relay:
    """Copies bytes both ways between two ttys (a LinkProxy end and a board's
    pty), unpaced: the proxy does the pacing and the fault injection."""

    def __init__(self, path_a: str, path_b: str):
        import threading
        import tty
        self.fds = []
        for p in (path_a, path_b):
            fd = os.open(p, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            tty.setraw(fd)
            self.fds.append(fd)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True, name="link-relay")
        self._t.start()

    def _run(self):
        import select
        a, b = self.fds
        peer = {a: b, b: a}
        while not self._stop.is_set():
            r, _, _ = select.select([a, b], [], [], 0.05)
            for fd in r:
                try:
                    data = os.read(fd, 4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    time.sleep(0.01)
                    continue
                off = 0
                while off < len(data) and not self._stop.is_set():
                    try:
                        off += os.write(peer[fd], data[off:])
                    except BlockingIOError:
                        select.select([], [peer[fd]], [], 0.01)
                    except OSError:
                        break

    def close(self):
        self._stop.set()
        self._t.join(timeout=2)
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass


def open_session(port: str, baud: int, on_tlm=None, on_event=None, rtt_window: int = 100000,
                 time_scale: float = 1.0, role: str = "mobility"):
    """A connected link session to one board, by default the mobility board
    (benchmarks, smoke checks)."""
    from common.dictionary import default_dictionary
    from hal.link.clock_sync import BoardClock
    from hal.link.session import BoardSession

    d = default_dictionary()
    s = BoardSession(port, role, baud=baud, expected_hash32=d.hash32, expected_hash_hex=d.hash,
                     clock=BoardClock(rate_guess=time_scale), on_tlm=on_tlm, on_event=on_event,
                     rtt_window=rtt_window)
    s.connect(timeout_s=5.0)
    return d, s


def board_cmd(d, name, **args) -> bytes:
    """The CMD payload of a board command."""
    from common.dictionary.packets import encode_board_command
    return encode_board_command(d, name, **args)


def send_wait(s, payload: bytes, timeout_s: float = 5.0) -> bool:
    """Send a board command, waiting for room in the link window; False on timeout."""
    end = time.monotonic() + timeout_s
    while s.send_command(payload) is None:
        if time.monotonic() > end:
            return False
        time.sleep(0.0005)
    while s.sender.outstanding:
        if time.monotonic() > end:
            return False
        time.sleep(0.0002)
    return True


def measure_goodput(port: str, baud: int, seconds: float = 5.0, line_baud: int | None = None) -> dict:
    """Telemetry streaming as fast as the line allows (BOARD_TLM_PERIOD 0),
    as a fraction of what the line carries at ``line_baud``, the bit rate
    the board's UART really runs at (default ``baud``)."""
    got = {"bytes": 0, "frames": 0}
    counting = [False]

    def on_tlm(payload, t):
        if counting[0]:
            got["bytes"] += len(payload)
            got["frames"] += 1

    d, s = open_session(port, baud, on_tlm=on_tlm)
    try:
        send_wait(s, board_cmd(d, "BOARD_CLEAR_FAULT"))
        send_wait(s, board_cmd(d, "BOARD_TLM_PERIOD", period=0))
        time.sleep(0.5)                     # let the stream settle
        counting[0] = True
        all0 = s.counters["payload_bytes_rx"]
        t0 = time.monotonic()
        time.sleep(seconds)
        counting[0] = False
        dt = time.monotonic() - t0
        all_bytes = s.counters["payload_bytes_rx"] - all0
        send_wait(s, board_cmd(d, "BOARD_TLM_PERIOD", period=100))
        st = s.stats()
    finally:
        s.close()
    capacity = (line_baud or baud) / 10.0
    return dict(goodput_ratio=round(all_bytes / dt / capacity, 4),
                payload_bytes_per_s=round(all_bytes / dt, 1),
                tlm_goodput_ratio=round(got["bytes"] / dt / capacity, 4),
                tlm_payload_bytes_per_s=round(got["bytes"] / dt, 1), tlm_frames=got["frames"],
                line_bytes_per_s=capacity, seconds=round(dt, 2), rx_errors=st["rx_errors"])


def measure_rtt(port: str, baud: int, n: int = 1000, line_baud: int | None = None) -> dict:
    """One MOB_DRIVE at a time (zero setpoints), send -> ack, with the HAL's
    telemetry (one packet set per 100 ms) on the return line.  The physical
    floor is at ``line_baud``, the bit rate the board's UART really runs at
    (default ``baud``)."""
    from ground.perf_link import physical_min_rtt_ms
    d, s = open_session(port, baud)
    lost = 0
    try:
        send_wait(s, board_cmd(d, "BOARD_CLEAR_FAULT"))
        send_wait(s, board_cmd(d, "BOARD_TLM_PERIOD", period=100))
        s.rtts_ms.clear()
        zero = {k: 0 for k in ("w_fl", "w_fr", "w_ml", "w_mr", "w_rl", "w_rr",
                               "s_fl", "s_fr", "s_rl", "s_rr")}
        drive = board_cmd(d, "MOB_DRIVE", **zero)
        for _ in range(n):
            if not send_wait(s, drive, timeout_s=2.0):
                lost += 1
            time.sleep(0.001)
        vals = sorted(s.rtts_ms)
        st = s.stats()
        rate = s.clock.rate               # the clock fit's slope: board s per wall s
    finally:
        s.close()
    pick = lambda q: round(vals[min(len(vals) - 1, int(round(q * (len(vals) - 1))))], 3)  # noqa: E731
    phys = physical_min_rtt_ms(line_baud or baud, drive)
    return dict(rtt_p50_ms=pick(0.5), rtt_p99_ms=pick(0.99), rtt_max_ms=round(vals[-1], 3),
                rtt_min_ms=round(vals[0], 3), rtt_physical_min_ms=round(phys, 3),
                rtt_below_physical=sum(1 for v in vals if v < phys),
                rtt_commands=len(vals), rtt_timeouts=lost, retransmits=st["retransmits"],
                board_clock_rate=round(rate, 5))


def measure_soak(board_port: str, baud: int, n: int = 10000, p_corrupt: float = 0.01,
                 p_drop: float = 0.01, seed: int = 1, timeout_s: float = 240.0) -> dict:
    """n commands through a LinkProxy that corrupts p_corrupt of the bytes and
    drops p_drop of the frames in both directions; the board's own executed
    counter (LINK_STATS.cmd_executed) says how many ran."""
    from common.dictionary.packets import decode_tlm
    from sim_hw.link_proxy import LinkProxy

    stats_seen = []
    results = []

    proxy = LinkProxy(baud=baud, p_corrupt=p_corrupt, p_drop=p_drop, seed=seed).start()
    relay = _Relay(proxy.board_path, board_port)
    d = s = None
    try:
        def on_tlm(payload, t):
            try:
                name, f = decode_tlm(d, payload)
            except Exception:
                return
            if name == "LINK_STATS":
                stats_seen.append((t, f))

        def on_event(payload, t):
            results.append(payload)

        from common.dictionary import default_dictionary
        d = default_dictionary()
        d, s = open_session(proxy.host_path, baud, on_tlm=on_tlm, on_event=on_event)

        def fresh_stats(after: float):
            end = time.monotonic() + 15.0
            while time.monotonic() < end:
                for t, f in reversed(stats_seen):
                    if t > after:
                        return f
                time.sleep(0.05)
            raise HilError("no LINK_STATS packet from the board within 15 s")

        send_wait(s, board_cmd(d, "BOARD_TLM_PERIOD", period=60000), timeout_s=30)
        t_setup = time.monotonic()
        base = fresh_stats(t_setup)
        payload = board_cmd(d, "BOARD_CLEAR_FAULT")
        wall0 = time.monotonic()
        sent = 0
        end = wall0 + timeout_s
        reconnects0 = s.counters["reconnects"]
        while sent < n and time.monotonic() < end:
            if s.send_command(payload) is not None:
                sent += 1
            else:
                time.sleep(0.0005)
        while s.sender.outstanding and time.monotonic() < end:
            time.sleep(0.002)
        wall = time.monotonic() - wall0
        t_done = time.monotonic()
        final = fresh_stats(t_done)
        st = s.stats()
        px = proxy.stats
    finally:
        if s is not None:
            s.close()
        relay.close()
        proxy.stop()
    executed = final["cmd_executed"] - base["cmd_executed"]
    return dict(soak_commands=sent, soak_acked_all=(st["outstanding"] == 0),
                soak_executed=executed, soak_lost=max(0, sent - executed),
                soak_executed_twice=max(0, executed - sent),
                soak_board_duplicates=final["cmd_duplicates"] - base["cmd_duplicates"],
                soak_retransmits=st["retransmits"], soak_reconnects=st["reconnects"] - reconnects0,
                soak_cmds_unconfirmed=st["cmds_unconfirmed"],
                soak_host_rx_errors=st["rx_errors"], soak_wall_s=round(wall, 1),
                soak_p_corrupt=p_corrupt, soak_p_drop=p_drop,
                soak_proxy=dict(h2b_frames_dropped=px["host_to_board"]["frames_dropped"],
                                h2b_bytes_corrupted=px["host_to_board"]["bytes_corrupted"],
                                b2h_frames_dropped=px["board_to_host"]["frames_dropped"],
                                b2h_bytes_corrupted=px["board_to_host"]["bytes_corrupted"]))
