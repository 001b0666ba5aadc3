"""Heater-safety figure for the printer: the sintering head is held at the
sinter temperature by the payload board's firmware (running in the
simulator), the thermocouple is detached (fault injection), and we measure
how long the heat source stays on.  The board's guard (csrc/core/heater.c,
UNDERTEMP: a reading below -100 C means an open thermocouple) runs every
heater tick, so the bound is one tick; docs/printer.md section 5."""
from __future__ import annotations


def measure_tc_detach(seed: int = 1, target_c: float = 1100.0, hold_s: float = 30.0,
                      site: str = "flat") -> dict:
    from common.dictionary import default_dictionary
    from common.dictionary import packets as P
    from sim_hw.site import site_from_name
    from sim_hw.simulator import Simulator

    d = default_dictionary()
    sim = Simulator(site_from_name(site, seed), seed)
    from sim_hw.params import PayloadParams
    tick_ms = PayloadParams().heater_tick_ms
    cmd = P.encode_board_command(d, "BOARD_HEATER", zone=0, target=int(round(target_c * 10)))
    seq = 0

    def step(ms):
        nonlocal seq
        for _ in range(ms // 100):
            for role in d.boards:
                sim.heartbeat(role)
            seq = (seq + 1) & 0xFF
            sim.command("payload", seq, cmd)      # refreshes the 3 s heater deadline
            sim.advance(100)

    t_heat_ms = 0
    while sim.head_temp_c < target_c - 5.0:
        step(100)
        t_heat_ms += 100
        if t_heat_ms > 600_000:
            raise RuntimeError(f"head did not reach {target_c} C in 600 s "
                               f"(at {sim.head_temp_c:.0f} C)")
    step(int(hold_s * 1000))
    power_before_w = sim.head_power_w
    temp_before_c = sim.head_temp_c
    sim.set_heater_sensor_open("payload", True)
    off_ms = None
    for ms in range(1, 10_001):
        for role in d.boards:
            sim.heartbeat(role)
        sim.advance(1)
        if sim.head_power_w == 0.0:
            off_ms = ms
            break
    flags = sim.fault_flags("payload")
    return {"heat_up_s": t_heat_ms / 1000.0, "temp_at_detach_c": round(temp_before_c, 1),
            "power_at_detach_w": round(power_before_w, 1), "heat_off_after_ms": off_ms,
            "guard_period_ms": tick_ms, "board_fault_flags": flags,
            "heater_fault_bit": bool(flags & d.fault_mask("HEATER"))}
