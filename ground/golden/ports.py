"""Where a trace can be played: the firmware on its four ports.

- ``host``: the trace port built for this machine (``rover-fw-trace``, stdin/stdout);
- ``sim``: the simulator port in recorded mode, inside the extension (sim_hw.trace_port);
- ``avr``: the trace port's ATmega2560 image in the emulated Mega (rover-simavr), over a pty;
- ``arm``: the trace port's Cortex-M3 image in QEMU (mps2-an385), over a pty.

This is a bench tool: it builds images, starts emulators and reads the wall
clock for its time-outs (never for a result).
"""
from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import tempfile
import threading
import time
import tty
from pathlib import Path

from ground.golden.records import output_end

PORTS = ("host", "sim", "avr", "arm")
REPO = Path(__file__).resolve().parents[2]
FIRMWARE_DIR = REPO / "csrc" / "firmware"
PLAY_TIMEOUT_S = 300.0


def _roles() -> list[str]:
    from common.dictionary import default_dictionary
    return list(default_dictionary().boards)


class PortUnavailable(RuntimeError):
    """The port cannot run here (a tool is missing: the message names the package)."""


class PlayError(RuntimeError):
    """A port failed to play a trace (crashed, or never wrote its end record)."""


def _make(build: Path, *targets: str) -> None:
    cmd = ["make", "-s", "-C", str(FIRMWARE_DIR), *targets, f"BUILD={build}"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError:
        raise PortUnavailable("make not found: install the Debian packages make and gcc") from None
    if r.returncode != 0:
        raise PlayError(f"build failed ({' '.join(cmd)}):\n{r.stdout[-1500:]}{r.stderr[-1500:]}")


def _play_on_tty(path: str, trace: bytes, timeout_s: float) -> bytes:
    """Writes the trace to a tty while reading the outputs until the end record."""
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    out = bytearray()
    err: list[OSError] = []

    def writer():
        try:
            for i in range(0, len(trace), 256):
                os.write(fd, trace[i:i + 256])
        except OSError as e:
            err.append(e)
    th = threading.Thread(target=writer, daemon=True)
    th.start()
    end = time.monotonic() + timeout_s
    done = None
    try:
        while done is None and time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                out.extend(os.read(fd, 4096))
                done = output_end(out)
    finally:
        os.close(fd)
    if done is None:
        raise PlayError(f"no end record within {timeout_s:.0f} s ({len(out)} bytes of output"
                        f"{'; write failed: ' + str(err[0]) if err else ''})")
    return bytes(out[:done])


class Players:
    """Builds each port once (in ``build``) and plays traces on it."""

    def __init__(self, build: str | Path | None = None):
        self._tmp = None
        if build is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="rover-golden-")
            build = self._tmp.name
        self.build = Path(build).resolve()
        self._built: set[str] = set()

    def close(self):
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---------------------------------------------------------------- checks
    @staticmethod
    def missing(port: str) -> str | None:
        """Why ``port`` cannot run here (naming the Debian package), or None."""
        if port not in PORTS:
            return f"unknown port {port!r} (one of {', '.join(PORTS)})"
        if port == "sim":
            from sim_hw.trace_port import missing
            return missing()
        if shutil.which("make") is None or shutil.which("gcc") is None:
            return "make or gcc not found: install the Debian packages make and gcc"
        if port == "avr":
            if shutil.which("avr-gcc") is None:
                return "avr-gcc not found: install the Debian packages gcc-avr and avr-libc"
            if not os.path.exists("/usr/include/simavr/sim_avr.h"):
                return "simavr headers not found: install the Debian packages libsimavr-dev and libelf-dev"
        if port == "arm":
            if shutil.which("arm-none-eabi-gcc") is None:
                return ("arm-none-eabi-gcc not found: install the Debian packages gcc-arm-none-eabi "
                        "and libnewlib-arm-none-eabi")
            if shutil.which("qemu-system-arm") is None:
                return "qemu-system-arm not found: install the Debian package qemu-system-arm"
        return None

    def _need(self, port: str) -> None:
        why = self.missing(port)
        if why:
            raise PortUnavailable(why)
        if port in self._built or port == "sim":
            return
        if port == "host":
            _make(self.build, "trace-host")
        elif port == "avr":
            _make(self.build, *(str(self.build / "avr" / f"rover-fw-trace-mega2560-{r}.hex") for r in _roles()))
            from ground import hil_launcher
            try:
                self._simavr = hil_launcher.build_simavr(self.build)["exe"]
            except hil_launcher.HilError as e:
                raise PlayError(str(e)) from None
        elif port == "arm":
            _make(self.build, *(str(self.build / "arm" / f"rover-fw-trace-mps2-an385-{r}.elf") for r in _roles()))
        self._built.add(port)

    # ---------------------------------------------------------------- play
    def play(self, port: str, role: str, trace: bytes) -> bytes:
        """All output records of ``trace`` on ``port`` for a board ``role``."""
        self._need(port)
        if port == "sim":
            from sim_hw.trace_port import play
            return play(role, trace)
        if port == "host":
            r = subprocess.run([str(self.build / "rover-fw-trace"), role], input=trace,
                               capture_output=True, timeout=PLAY_TIMEOUT_S)
            if r.returncode != 0:
                raise PlayError(f"rover-fw-trace {role} exited {r.returncode}: "
                                f"{r.stderr.decode(errors='replace')[-300:]}")
            return r.stdout
        if port == "avr":
            return self._play_simavr(role, trace)
        return self._play_qemu(role, trace)

    def _play_simavr(self, role: str, trace: bytes) -> bytes:
        image = self.build / "avr" / f"rover-fw-trace-mega2560-{role}.hex"
        with tempfile.TemporaryDirectory(prefix="rover-golden-avr-") as tmp:
            link = Path(tmp) / "trace.pty"
            errlog = Path(tmp) / "stderr.log"
            with open(errlog, "w") as err:
                p = subprocess.Popen([str(self._simavr), "--role", role, "--firmware", str(image),
                                      "--boot", "app", "--pty-link", str(link)],
                                     stdout=subprocess.PIPE, stderr=err, text=True)
            try:
                line = p.stdout.readline()
                if not line.startswith("PTY "):
                    raise PlayError(f"rover-simavr did not start: {line.strip()} "
                                    f"{errlog.read_text()[-300:]}")
                return _play_on_tty(str(link), trace, PLAY_TIMEOUT_S)
            finally:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def _play_qemu(self, role: str, trace: bytes) -> bytes:
        image = self.build / "arm" / f"rover-fw-trace-mps2-an385-{role}.elf"
        p = subprocess.Popen(["qemu-system-arm", "-M", "mps2-an385", "-kernel", str(image), "-nographic",
                              "-serial", "pty", "-monitor", "none"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            m = None
            while m is None:
                line = p.stdout.readline()
                if not line:
                    raise PlayError("QEMU exited before giving its serial pty")
                m = re.search(r"redirected to (/dev/pts/\d+)", line)
            return _play_on_tty(m.group(1), trace, PLAY_TIMEOUT_S)
        finally:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
