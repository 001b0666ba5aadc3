"""`rover perf firmware`: the AVR images against the Arduino Mega 2560.

Measures, on the emulated Mega (sim_hw/simavr, 16 MHz of simulated cycles):

- flash and RAM of each image (avr-size) against 256 KB / 8 KB;
- cycles of the 1 kHz control tick with six wheels at speed (timing pin
  PC0), mean, smallest and largest, and its CPU fraction at 16 MHz; the
  rest of the same tick (PC5) and the whole tick beside it, and the whole
  CPU load (the fraction of cycles the MCU was awake);
- the worst latency of the UART receive and timer interrupts (flag raised
  to first instruction of the handler);
- the telemetry goodput of the line and the command round trip;
- the time to flash and verify an image through the stk500v2 bootloader.

Every figure comes with its physical limit.  docs/firmware.md section 7.5.
This is a bench tool: it builds, starts processes and reads the wall clock.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from ground import flashing as F
from ground import hil_launcher as L

CLOCK_HZ = 16_000_000
TICK_BUDGET_CYCLES = CLOCK_HZ // 1000
CPU_TARGET = 0.20
SETTLE_S = 1.0      # board seconds before the tick window: the wheels at speed
RAM_TARGET = 0.50
# The Mega's UART at "115200": UBRR0 = 16 with U2X, 16 MHz / (8 x 17) =
# 117 647 bit/s, 2.1 % fast (ATmega2560 datasheet, USART baud rate tables).
# The line's bytes take this long, so the physical floors use it.
LINE_BAUD = 117_647


def image_sizes(images: dict) -> dict:
    out = {}
    for role, hexfile in images.items():
        elf = Path(hexfile).with_suffix(".elf")
        text = subprocess.run(["avr-size", "-A", str(elf)], capture_output=True, text=True,
                              check=True).stdout
        sec = {ln.split()[0]: int(ln.split()[1]) for ln in text.splitlines()
               if ln.startswith(".") and len(ln.split()) >= 2}
        flash = sec[".text"] + sec.get(".data", 0)
        ram = sec.get(".data", 0) + sec.get(".bss", 0) + sec.get(".noinit", 0)
        out[role] = dict(flash_bytes=flash, flash_limit=F.BOARDS["mega2560"].app_bytes,
                         flash_pct=round(100.0 * flash / (256 * 1024), 2), ram_bytes=ram,
                         ram_limit=8192, ram_pct=round(100.0 * ram / 8192, 2))
    return out


def _start(built, tmp: Path, role: str, *args) -> tuple[subprocess.Popen, Path, Path]:
    link, stats = tmp / f"{role}.pty", tmp / f"{role}.stats.json"
    p = subprocess.Popen([str(built["exe"]), "--role", role, "--pty-link", str(link), "--stats",
                          str(stats), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    for line in p.stdout:
        if line.startswith("PTY "):
            break
    return p, link, stats


def tick_profile(elf: Path, prof: Path, top: int = 12) -> list[dict]:
    """The harness's program-counter samples taken inside the tick, by function
    (avr-nm): where the tick's cycles go, interrupts included."""
    import bisect
    syms = []
    nm = subprocess.run(["avr-nm", "-S", str(elf)], capture_output=True, text=True, check=True).stdout
    for ln in nm.splitlines():
        f = ln.split()
        if len(f) == 4 and f[2] in "tT":
            syms.append((int(f[0], 16), int(f[1], 16), f[3]))
    syms.sort()
    starts = [a for a, _, _ in syms]
    acc: dict[str, int] = {}
    for ln in prof.read_text().splitlines():
        pc, n = (int(v, 0) for v in ln.split())
        i = bisect.bisect_right(starts, pc) - 1
        name = syms[i][2] if i >= 0 and pc < syms[i][0] + syms[i][1] else f"0x{pc:05x}"
        acc[name] = acc.get(name, 0) + n
    total = sum(acc.values()) or 1
    return [dict(function=k, pct=round(100.0 * v / total, 1))
            for k, v in sorted(acc.items(), key=lambda kv: -kv[1])[:top]]


def measure_ticks(built, tmp: Path, board_seconds: float = 5.0) -> dict:
    """Six wheels at 1 rad/s for a few board seconds; the harness's counters
    and a profile of the tick, both from SETTLE_S on (the wheels at speed)."""
    prof = tmp / "tick.prof"
    proc, link, stats = _start(built, tmp, "mobility", "--firmware", str(built["images"]["mobility"]),
                               "--boot", "app", "--profile", str(prof), "--stats-from", str(SETTLE_S))
    try:
        d, s = L.open_session(str(link), 115200)
        try:
            L.send_wait(s, L.board_cmd(d, "BOARD_CLEAR_FAULT"))
            drive = L.board_cmd(d, "MOB_DRIVE", w_fl=1000, w_fr=1000, w_ml=1000, w_mr=1000, w_rl=1000,
                           w_rr=1000, s_fl=0, s_fr=0, s_rl=0, s_rr=0)
            L.send_wait(s, drive)
            time.sleep(0.5)
            t_wait = time.monotonic() + 30.0    # first written after 0.5 s of board time
            before = None
            while time.monotonic() < t_wait:
                L.send_wait(s, drive)
                time.sleep(0.1)
                if stats.is_file():
                    before = json.loads(stats.read_text())
                    if before["stats_restarted"]:
                        break
            if before is None or not before["stats_restarted"]:
                raise L.HilError("the emulated Mega did not reach the measuring window "
                                 f"({SETTLE_S} s of board time) within 30 s")
            t_end = time.monotonic() + board_seconds * 3   # board time runs late; bounded
            while time.monotonic() < t_end:
                L.send_wait(s, drive)
                time.sleep(0.1)
                now = json.loads(stats.read_text())
                if now["cycles"] - before["cycles"] >= board_seconds * CLOCK_HZ:
                    break
        finally:
            s.close()
    finally:
        L.stop_pid(proc.pid, proc)
    st = json.loads(stats.read_text())
    n, n_rest = st["ticks"], st["rest_n"]
    if not n or not n_rest or st["timer_isr"] <= before["timer_isr"]:
        raise L.HilError(f"the emulated Mega's mobility image timed no tick in the window "
                         f"(PC0 pulses {n}, PC5 pulses {n_rest}): is it an image built "
                         "from this tree (make -C csrc/firmware avr)?")
    mean = round(st["tick_cycles_sum"] / n, 1)
    rest = round(st["rest_cycles_sum"] / n_rest, 1)
    whole = round(mean + rest, 1)
    span = st["cycles"] - before["cycles"]
    busy = 1.0 - (st["sleep_cycles"] - before["sleep_cycles"]) / span
    elf = Path(built["images"]["mobility"]).with_suffix(".elf")
    profile = tick_profile(elf, prof) if prof.is_file() else []
    return dict(tick_cycles_mean=mean, ticks_measured=n,
                tick_cycles_note="the 1 kHz control tick (timing pin PC0): the encoder counts and "
                                 "the six wheel loops to the PWM, interrupts that land in it "
                                 f"included; every tick from {SETTLE_S} s of board time on (the "
                                 "wheels at speed; the setpoint ramp from rest takes 0.5 s)",
                tick_cycles_min=st["tick_cycles_min"],
                tick_cycles_max=st["tick_cycles_max"], tick_budget_cycles=TICK_BUDGET_CYCLES,
                rest_of_tick_cycles_mean=rest, rest_of_tick_cycles_max=st["rest_cycles_max"],
                rest_of_tick_note="the same tick's other work (timing pin PC5): the 10 ms sensor "
                                  "round's SPI and ADC interrupts, IMU and tilt (100 Hz), odometry "
                                  "(20 Hz), e-box heater, fault events, heartbeat, telemetry schedule",
                whole_tick_cycles_mean=whole,
                whole_tick_cycles_max_bound=st["tick_cycles_max"] + st["rest_cycles_max"],
                cpu_fraction=round(mean / TICK_BUDGET_CYCLES, 3),
                cpu_fraction_whole_tick=round(whole / TICK_BUDGET_CYCLES, 3),
                cpu_target=CPU_TARGET,
                cpu_busy_fraction=round(busy, 3),
                cpu_busy_note="every cycle the MCU was awake (not in idle sleep) while the wheels "
                              "drove: the tick, telemetry, commands and every interrupt",
                ticks_executed_per_timer_tick=round((st["ticks"] - before["ticks"]) * 10
                                                    / (st["timer_isr"] - before["timer_isr"]), 3),
                uart_rx_isr_latency_us_max=round(st["uart_rx_latency_cycles_max"] / 16.0, 2),
                timer_isr_latency_us_max=round(st["timer_latency_cycles_max"] / 16.0, 2),
                isr_latency_note="cycles from the interrupt flag to the handler's first "
                                 "instruction; includes other handlers running and cli sections",
                simulated_s=round(st["cycles"] / CLOCK_HZ, 2), tick_profile=profile)


def measure_line(built, tmp: Path, rtt_commands: int = 200, goodput_seconds: float = 5.0) -> dict:
    proc, link, _ = _start(built, tmp, "mobility", "--firmware", str(built["images"]["mobility"]),
                           "--boot", "app")
    try:
        good = L.measure_goodput(str(link), 115200, seconds=goodput_seconds, line_baud=LINE_BAUD)
        rtt = L.measure_rtt(str(link), 115200, n=rtt_commands, line_baud=LINE_BAUD)
    finally:
        L.stop_pid(proc.pid, proc)
    return dict(goodput=good, rtt=rtt, rtt_physical_min_ms=rtt["rtt_physical_min_ms"],
                line_bytes_per_s=round(LINE_BAUD / 10.0, 1))


def measure_flash(built, tmp: Path) -> dict:
    proc, link, _ = _start(built, tmp, "mobility", "--bootloader", str(built["bootloader"]),
                           "--flash-image", str(tmp / "flash.bin"))
    try:
        res = F.flash("mega2560", built["images"]["mobility"], str(link))
    finally:
        L.stop_pid(proc.pid, proc)
    pages = -(-res["bytes"] // 256)
    floor_s = pages * 283 / 11764.7       # address + program messages, 10 bits a byte
    res["line_floor_s_each_way"] = round(floor_s, 2)
    return res


def run(quick: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="rover-perf-fw-") as tmp:
        tmp = Path(tmp)
        built = L.build_simavr(tmp / "build")
        out = dict(board="mega2560", clock_hz=CLOCK_HZ, images=image_sizes(built["images"]))
        out["ram_target_pct"] = RAM_TARGET * 100
        out["tick"] = measure_ticks(built, tmp, board_seconds=2.0 if quick else 5.0)
        out["line"] = measure_line(built, tmp, rtt_commands=50 if quick else 200,
                                   goodput_seconds=2.0 if quick else 5.0)
        out["flash"] = measure_flash(built, tmp)
        out["flash"].pop("command", None)
    return out
