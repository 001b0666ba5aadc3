"""Dev boards we can build for and flash: the board table, the images, the
tools, and the flashing command for each board.

`rover flash --board mega2560 --port /dev/ttyACM0` runs avrdude exactly as
for a real Arduino Mega 2560 (its stk500v2 bootloader speaks the
``wiring`` protocol at 115200 baud); the emulated Mega of
``sim_hw/simavr`` takes the same command on its pty.  For the STM32 boards
the command is st-flash (ST-LINK) or openocd; ``--dry-run`` prints it.

Every check that can be made before touching the board is made first (known
board, tool installed, image built and small enough, port present), so a bad
request leaves the board as it was.  docs/firmware.md section 8.

This is a bench tool: it runs processes and reads the wall clock.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIRMWARE_DIR = REPO / "csrc" / "firmware"
DEFAULT_BUILD = REPO / "build" / "fw"


def board_names() -> tuple[str, ...]:
    """The boards on the serial link, from the dictionary's [[board]] table."""
    from common.dictionary import default_dictionary
    return tuple(default_dictionary().boards)


# Debian's Arduino core ships the Mega 2560's bootloader (arduino-core-avr).
STK500V2_HEX = Path("/usr/share/arduino/hardware/arduino/avr/bootloaders/stk500v2/"
                    "stk500boot_v2_mega2560.hex")


class FlashError(RuntimeError):
    """A board could not be built for or flashed; the message says which and why."""


@dataclass(frozen=True)
class BoardType:
    name: str
    mcu: str
    arch: str                       # "avr" or "arm"
    flash_bytes: int
    ram_bytes: int
    app_bytes: int                  # what an image may use (flash minus bootloader)
    clock_hz: int
    tool: str                       # avrdude | st-flash | openocd
    tool_package: str               # Debian package with the tool
    notes: str = ""
    avrdude: dict = field(default_factory=dict)
    openocd_cfg: tuple = ()
    load_addr: int = 0


# Sources: ATmega2560 datasheet (Atmel doc 2549Q: 256 KB flash, 8 KB SRAM);
# Arduino Mega 2560 fuses (BOOTSZ = 4096 words: the stk500v2 bootloader at
# 0x3E000); STM32F100RB datasheet (ST DS6517: 128 KB flash, 8 KB SRAM, 24 MHz);
# STM32F103RB datasheet (ST DS5319: 128 KB flash, 20 KB SRAM, 72 MHz).
BOARDS: dict[str, BoardType] = {
    "mega2560": BoardType(
        "mega2560", "ATmega2560", "avr", 256 * 1024, 8 * 1024, 0x3E000, 16_000_000,
        "avrdude", "avrdude", "Arduino Mega 2560, stk500v2 bootloader over USB serial",
        avrdude=dict(programmer="wiring", part="m2560", baud=115200)),
    "stm32vldiscovery": BoardType(
        "stm32vldiscovery", "STM32F100RB", "arm", 128 * 1024, 8 * 1024, 128 * 1024, 24_000_000,
        "st-flash", "stlink-tools", "ST STM32VL-Discovery (on-board ST-LINK)",
        openocd_cfg=("board/stm32vldiscovery.cfg",), load_addr=0x08000000),
    "nucleo-f103rb": BoardType(
        "nucleo-f103rb", "STM32F103RB", "arm", 128 * 1024, 20 * 1024, 128 * 1024, 72_000_000,
        "openocd", "openocd", "ST Nucleo-F103RB (on-board ST-LINK/V2-1)",
        openocd_cfg=("board/st_nucleo_f103rb.cfg",), load_addr=0x08000000),
}


def board_type(name: str) -> BoardType:
    try:
        return BOARDS[name]
    except KeyError:
        raise FlashError(f"unknown board {name!r}; boards: {', '.join(sorted(BOARDS))}") from None


# ------------------------------------------------------------------ images
def image_path(board: str, role: str, build_dir: str | Path | None = None) -> Path:
    b = board_type(board)
    build = Path(build_dir or DEFAULT_BUILD)
    if b.arch == "avr":
        return build / "avr" / f"rover-fw-{b.name}-{role}.hex"
    return build / "arm" / f"rover-fw-{b.name}-{role}.bin"


def need_tool(exe: str, package: str, what: str) -> str:
    path = shutil.which(exe)
    if path is None:
        raise FlashError(f"{exe} not found ({what}): install the Debian package {package}")
    return path


def build_avr_images(build_dir: str | Path | None = None) -> dict[str, Path]:
    """``make -C csrc/firmware avr``: one .elf/.hex per role."""
    need_tool("avr-gcc", "gcc-avr (and avr-libc)", "the AVR cross compiler")
    build = Path(build_dir or DEFAULT_BUILD).resolve()
    cmd = ["make", "-s", "-C", str(FIRMWARE_DIR), "avr", f"BUILD={build}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise FlashError(f"AVR firmware build failed ({' '.join(cmd)}):\n{r.stdout[-1500:]}{r.stderr[-1500:]}")
    return {role: image_path("mega2560", role, build) for role in board_names()}


# ARM boards that have an image target in csrc/firmware/Makefile (the
# others' commands can be printed with --dry-run, but no image is built yet)
ARM_IMAGE_TARGETS = {"nucleo-f103rb": "stm32"}


def build_arm_images(board: str, build_dir: str | Path | None = None) -> dict[str, Path]:
    """``make -C csrc/firmware stm32``: one .elf/.bin per role for ``board``."""
    b = board_type(board)
    target = ARM_IMAGE_TARGETS.get(b.name)
    if target is None:
        raise FlashError(f"no firmware image target for the {b.name} board yet (images are built "
                         f"for: {', '.join(sorted(ARM_IMAGE_TARGETS))}); pass --image FILE.bin")
    need_tool("arm-none-eabi-gcc", "gcc-arm-none-eabi (and libnewlib-arm-none-eabi)",
              "the ARM cross compiler")
    build = Path(build_dir or DEFAULT_BUILD).resolve()
    cmd = ["make", "-s", "-C", str(FIRMWARE_DIR), target, f"BUILD={build}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise FlashError(f"{b.name} firmware build failed ({' '.join(cmd)}):\n{r.stdout[-1500:]}"
                         f"{r.stderr[-1500:]}")
    return {role: image_path(b.name, role, build) for role in board_names()}


def hex_extent(path: str | Path) -> tuple[int, int]:
    """(lowest address, one past the highest) of the data in an Intel hex file."""
    lo, hi, base = None, 0, 0
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if not line.startswith(":") or len(line) < 11:
            raise FlashError(f"{path}:{n}: not an Intel hex record")
        raw = bytes.fromhex(line[1:])
        count, addr, rtype = raw[0], (raw[1] << 8) | raw[2], raw[3]
        if len(raw) != count + 5 or sum(raw) & 0xFF:
            raise FlashError(f"{path}:{n}: bad Intel hex record (length or checksum)")
        if rtype == 0 and count:
            a = base + addr
            lo = a if lo is None else min(lo, a)
            hi = max(hi, a + count)
        elif rtype == 2:
            base = ((raw[4] << 8) | raw[5]) << 4
        elif rtype == 4:
            base = ((raw[4] << 8) | raw[5]) << 16
        elif rtype == 1:
            break
    return (lo or 0, hi)


def check_image_fits(board: str, image: str | Path) -> int:
    """Bytes of flash the image occupies; FlashError when it does not fit."""
    b = board_type(board)
    p = Path(image)
    if not p.is_file():
        raise FlashError(f"{b.name} image {p} not found (build it: make -C csrc/firmware "
                         f"{'avr' if b.arch == 'avr' else ARM_IMAGE_TARGETS.get(b.name, 'arm')})")
    end = hex_extent(p)[1] if p.suffix == ".hex" else p.stat().st_size
    if end > b.app_bytes:
        raise FlashError(f"{b.name}: image {p.name} needs {end} bytes of flash but the board's "
                         f"application area holds {b.app_bytes} ({b.flash_bytes // 1024} KB"
                         f"{' minus the 8 KB bootloader' if b.app_bytes < b.flash_bytes else ''}); "
                         f"make the image smaller")
    return end


# ------------------------------------------------------------------ commands
def flash_command(board: str, image: str | Path, port: str | None = None) -> list[str]:
    """The command line that flashes ``image`` onto ``board``."""
    b = board_type(board)
    image = str(image)
    if b.tool == "avrdude":
        if not port:
            raise FlashError(f"{b.name}: --port is required (the board's serial port, e.g. "
                             f"/dev/ttyACM0)")
        a = b.avrdude
        # -D: the stk500v2 bootloader answers chip erase with FAILED and erases
        # page by page as it writes; avrdude verifies after writing.
        return ["avrdude", "-c", a["programmer"], "-p", a["part"], "-P", port, "-b",
                str(a["baud"]), "-D", "-U", f"flash:w:{image}:i"]
    if b.tool == "st-flash":
        return ["st-flash", "--reset", "write", image, f"0x{b.load_addr:08x}"]
    # openocd: program, verify, reset, exit
    cmd = ["openocd"]
    for cfg in b.openocd_cfg:
        cmd += ["-f", cfg]
    return cmd + ["-c", f"program {image} 0x{b.load_addr:08x} verify reset exit"]


_AVRDUDE_NO_ANSWER = re.compile(r"not in sync|timeout communicating|ReceiveMessage\(\): timeout|"
                                r"getsync\(\)|can't communicate|programmer is not responding|"
                                r"initialization failed", re.I)
_AVRDUDE_VERIFY = re.compile(r"verification error|verification mismatch|content mismatch", re.I)
_AVRDUDE_SECONDS = re.compile(r"^(Writing|Reading) \|[ #]*\| 100% ([0-9.]+)s", re.M)


def _check_port(board: str, port: str) -> None:
    if not os.path.exists(port):
        raise FlashError(f"{board} board: port {port} does not exist (is the board plugged in? "
                         f"`rover boards` lists the serial ports)")


def flash(board: str, image: str | Path, port: str | None = None, timeout_s: float = 300.0) -> dict:
    """Flash and verify; returns what happened (bytes, seconds, the command)."""
    b = board_type(board)
    nbytes = check_image_fits(board, image)
    cmd = flash_command(board, image, port)
    need_tool(cmd[0], b.tool_package, f"flashes the {b.name}")
    if port:
        _check_port(b.name, port)
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise FlashError(f"{b.name} board on {port}: {cmd[0]} did not finish within "
                         f"{timeout_s:g} s") from None
    wall = time.monotonic() - t0
    out = r.stdout + r.stderr
    if b.tool == "avrdude":
        if _AVRDUDE_VERIFY.search(out):
            raise FlashError(f"{b.name} board on {port}: verify mismatch after writing {image}: "
                             f"the flash holds a damaged image; flash it again (and check the "
                             f"cable and the port)")
        if "bytes of flash verified" not in out:
            if _AVRDUDE_NO_ANSWER.search(out) or r.returncode != 0:
                why = [ln.strip() for ln in out.splitlines() if _AVRDUDE_NO_ANSWER.search(ln)]
                why = why or [ln.strip() for ln in out.splitlines()
                              if ln.strip() and "TIOCM" not in ln and "Thank you" not in ln][-1:]
                raise FlashError(f"{b.name} board on {port}: the bootloader does not answer "
                                 f"({why[0] if why else 'no reply'}); reset the board "
                                 f"(or reopen the port) and flash within its boot window, and "
                                 f"check that it has the stk500v2 bootloader")
        secs = {k: float(v) for k, v in _AVRDUDE_SECONDS.findall(out)}
        return dict(board=b.name, port=port, image=str(image), bytes=nbytes,
                    write_s=secs.get("Writing"), verify_s=secs.get("Reading"),
                    wall_s=round(wall, 3), command=cmd)
    if r.returncode != 0:
        raise FlashError(f"{b.name}: {cmd[0]} failed (exit {r.returncode}): "
                         f"{out.strip().splitlines()[-1] if out.strip() else 'no output'}")
    return dict(board=b.name, port=port, image=str(image), bytes=nbytes, wall_s=round(wall, 3),
                command=cmd)
