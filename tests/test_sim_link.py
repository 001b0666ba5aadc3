"""The simulated line of sim:// (sim_hw/sim_link.py): URL parameters and their
checks, pacing at the baud, loss statistics, exactly-once commands through
the real reliable layer and the firmware's own receive path, the heartbeat
latch after a long loss burst, determinism, and a campaign dispersing the
line whose runs reproduce alone."""
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from common.dictionary import packets as P
from hal import open_hal
from hal.errors import HalUrlError
from sim_hw.sim_link import LINK_BAUD, LossyLine, link_settings

REPO = Path(__file__).resolve().parent.parent
MISSION = REPO / "missions" / "short_drive.seq"
FLAT = "sim://?seed=3&site=flat"


def _board_link_stats(hal, role):
    d = hal.dictionary
    _, fields = P.decode_tlm(d, hal.sim.pack(role, d.packet("LINK_STATS").id))
    return fields


def _cycles(hal, n, commands=True):
    for _ in range(n):
        hal.read()
        if commands:
            hal.write()
        hal.advance(100)


# -- parameters ---------------------------------------------------------------------
@pytest.mark.parametrize("query, message", [
    ("link_drop=-0.1", r"link_drop=-0\.1 out of physical range \[0, 1\)"),
    ("link_drop=1", r"link_drop=1 out of physical range \[0, 1\)"),
    ("link_corrupt=1.5", r"link_corrupt=1\.5 out of physical range \[0, 1\)"),
    ("link_corrupt=nan", r"link_corrupt=nan must be finite, range \[0, 1\)"),
    ("link_drop=lots", r"link_drop='lots' is not a number, range \[0, 1\)"),
    ("link_drop=0.1&link_burst=0.5", r"link_burst=0\.5 out of physical range \[1, 1e\+06\]"),
    ("link_drop=0.8&link_burst=2", r"link_burst=2 is too short for link_drop=0\.8"),
])
def test_bad_link_values_are_refused_naming_the_parameter_and_range(query, message):
    with pytest.raises(HalUrlError, match=r"^sim:// parameter " + message):
        open_hal(f"{FLAT}&{query}")


@given(st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
       st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_any_rate_in_0_1_is_taken_and_zero_rates_mean_no_line(drop, corrupt):
    got = link_settings({"link_drop": repr(drop), "link_corrupt": repr(corrupt)})
    if drop == 0.0 and corrupt == 0.0:
        assert got is None
    else:
        assert got == {"link_drop": drop, "link_corrupt": corrupt}


def test_without_link_parameters_there_is_no_line():
    hal = open_hal(FLAT)
    assert hal.link is None and hal.link_summary() is None
    assert open_hal(FLAT + "&link_drop=0&link_corrupt=0").link is None


# -- the line ---------------------------------------------------------------------------
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(2, 72)), min_size=1, max_size=40))
def test_frames_arrive_no_sooner_than_their_bytes_take_at_the_baud(frames):
    line = LossyLine(random.Random(1), 0.0, 0.0, None)
    t, busy_until = 0, 0.0
    for gap, n in frames:
        t += gap
        arrive, data = line.send(t, b"\x01" * (n - 1) + b"\0")
        start = max(t, busy_until)
        busy_until = start + n * 10 * 1000.0 / LINK_BAUD     # 10 line bits a byte
        assert arrive >= busy_until - 1e-9 and arrive - busy_until < 1.0
        assert data == b"\x01" * (n - 1) + b"\0"


@pytest.mark.parametrize("drop, burst", [(0.05, None), (0.2, None), (0.05, 10.0), (0.3, 4.0)])
def test_loss_fraction_and_burst_length_are_the_declared_ones(drop, burst):
    line = LossyLine(random.Random(7), drop, 0.0, burst)
    n = 200_000
    lost = [line.fault(b"\x02\x01\0") is None for _ in range(n)]
    frac = sum(lost) / n
    assert abs(frac - drop) < 5 * math.sqrt(drop * (1 - drop) / n) * (burst or 1) ** 0.5 + 2e-3
    runs, k = [], 0
    for x in lost:
        if x:
            k += 1
        elif k:
            runs.append(k)
            k = 0
    mean_burst = sum(runs) / len(runs)
    expected = burst if burst is not None else 1.0 / (1.0 - drop)   # independent: geometric
    assert abs(mean_burst - expected) / expected < 0.05


def test_corruption_flips_bytes_at_the_declared_rate():
    q = 0.01
    line = LossyLine(random.Random(3), 0.0, q, None)
    frame = bytes(range(1, 40)) + b"\0"
    n = 20_000
    flipped = 0
    for _ in range(n):
        out = line.fault(frame)
        flipped += sum(1 for a, b in zip(out, frame) if a != b)
        assert all(bin(a ^ b).count("1") <= 1 for a, b in zip(out, frame))
    rate = flipped / (n * len(frame))
    assert abs(rate - q) < 5 * math.sqrt(q / (n * len(frame)))
    assert line.counts["bytes_corrupted"] == flipped


# -- through the firmware -----------------------------------------------------------------
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31), drop=st.floats(0.001, 0.3), corrupt=st.floats(0.0, 0.004))
def test_every_command_runs_exactly_once_whatever_the_losses(seed, drop, corrupt):
    hal = open_hal(f"sim://?seed={seed}&site=flat&link_drop={drop!r}&link_corrupt={corrupt!r}")
    results0 = hal.cmd_results           # the power-up odometry reset went before the line
    _cycles(hal, 120)
    from common._native import lib
    for _ in range(600):                 # let the line drain (the RTO backs off to 2 s at most)
        if not any(lib.rel_tx_outstanding(ln.tx) for ln in hal.link.lines.values()):
            break
        _cycles(hal, 1, commands=False)
    for role in hal.ROLES:
        st_host = hal.link.stats()[role]
        board = _board_link_stats(hal, role)
        assert board["cmd_executed"] == st_host["tx_submitted"]
        assert st_host["tx_acked"] == st_host["tx_submitted"] + 1      # and the session's OPEN
    # one CMD_RESULT per executed command, lost on the way back at most (events are
    # not retransmitted)
    executed = sum(_board_link_stats(hal, r)["cmd_executed"] for r in hal.ROLES)
    assert 0 < hal.cmd_results - results0 <= executed


def test_an_odometry_reset_is_not_undone_by_samples_sent_before_it_ran():
    hal = open_hal(FLAT + "&link_drop=0.3")
    _cycles(hal, 10)
    x0 = hal.odometer.pose.x_m
    hal.odometer.reset(x0 + 7.0, 3.0, 0.0)
    seq = hal._pose_hold_seq
    assert seq is not None and hal.link.unacked("mobility", seq)
    cycles = 0
    while cycles < 30 or hal.link.unacked("mobility", seq):
        assert cycles < 600, "the reset never got through"
        _cycles(hal, 1)
        cycles += 1
        assert hal.odometer.pose.x_m == pytest.approx(x0 + 7.0, abs=0.01)
        assert hal.odometer.pose.y_m == pytest.approx(3.0, abs=0.01)
    assert hal.sim.truth_x_m == pytest.approx(x0, abs=0.05)      # the rover itself stayed put


def test_losses_cost_retransmissions_and_a_clean_line_none():
    clean = open_hal(FLAT + "&link_corrupt=1e-12")
    lossy = open_hal(FLAT + "&link_drop=0.1")
    for hal in (clean, lossy):
        _cycles(hal, 100)
    c, lo = clean.link_summary(), lossy.link_summary()
    assert c["retransmits"] == 0 and c["frames_dropped"] == 0
    assert lo["retransmits"] > 0 and lo["frames_dropped"] > 0
    assert lo["timeouts"] + lo["fast_retransmits"] > 0
    # the per-cycle telemetry says the same as the report's figures
    for role, st in lossy.link.stats().items():
        t = lossy.telemetry()
        assert (t[f"link.{role}.retransmits"], t[f"link.{role}.frames_tx"], t[f"link.{role}.frames_rx"],
                t[f"link.{role}.crc_errors"]) == (st["tx_retransmits"], st["down_frames"],
                                                   st["host_rx_frames"], st["host_rx_errors"])


def test_a_long_loss_burst_latches_the_board_on_its_heartbeat_deadline():
    hal = open_hal(FLAT + "&link_drop=0.5&link_burst=40")
    hb = hal.dictionary.fault_mask("HEARTBEAT_LOST")
    for _ in range(600):
        _cycles(hal, 1)
        if hal.sim.fault_flags("mobility") & hb:
            break
    assert hal.sim.fault_flags("mobility") & hb, "no burst long enough in 60 s: pick another seed"
    assert hal.link_summary()["heartbeat_latches"] >= 1
    # the latched board refuses to drive, and says so over the line (once a
    # command and its answer get through the burst: up to 30 s of this line)
    before = hal.cmd_rejects["mobility"]
    for _ in range(300):
        _cycles(hal, 1)
        if hal.cmd_rejects["mobility"] > before:
            break
    assert hal.cmd_rejects["mobility"] > before


def test_the_same_url_gives_the_same_run_and_another_seed_another():
    def figures(url):
        hal = open_hal(url)
        _cycles(hal, 150)
        return hal.link.stats(), hal.truth()["x_m"], hal.cmd_results
    url = FLAT + "&link_drop=0.1&link_corrupt=0.001&link_burst=3"
    a, b = figures(url), figures(url)
    assert a == b
    assert figures(url.replace("seed=3", "seed=4"))[0] != a[0]


# -- campaigns ------------------------------------------------------------------------------
def test_link_parameters_are_dispersible_with_their_range():
    from ground.campaign import CampaignError
    from ground.campaign.dispersions import parse_dispersions
    d = parse_dispersions('[params]\nlink_drop = { dist = "uniform", min = 0, max = 0.2 }\n'
                          'link_corrupt = 0.001\n', "d.toml")
    url = d.hal_url(d.draw(0))
    assert "link_drop=" in url and "link_corrupt=0.001" in url
    with pytest.raises(CampaignError, match=r"d\.toml:2: params\.link_drop: uniform has support "
                                            r"\[0, 1\] outside the physical range \[0, 1\)"):
        parse_dispersions('[params]\nlink_drop = { dist = "uniform", min = 0, max = 1 }\n', "d.toml")
    with pytest.raises(CampaignError, match=r"d\.toml:1: the link is dispersed through \[params\]"):
        parse_dispersions('[link]\np_drop = 0.01\n', "d.toml")


def _rover(*args):
    return subprocess.run([sys.executable, "-m", "ground.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=REPO)


def test_a_campaign_dispersing_the_link_runs_and_its_runs_reproduce_alone(tmp_path):
    disp = tmp_path / "link.toml"
    disp.write_text('[campaign]\nseed = 5\nsite = "flat"\nmax_sim_s = 400\n\n[params]\n'
                    'link_drop = { dist = "uniform", min = 0.01, max = 0.15 }\n'
                    'link_corrupt = { dist = "uniform", min = 0.0, max = 0.002 }\n')
    out = tmp_path / "camp"
    r = _rover("campaign", MISSION, "--runs", 3, "--dispersions", disp, "--out", out,
               "--workers", 1, "--no-report")
    assert r.returncode == 0, r.stderr
    import pyarrow.parquet as pq
    table = pq.read_table(out / "results.parquet").to_pylist()
    assert [t["run"] for t in table] == [0, 1, 2]
    for t in table:
        assert 0.01 <= t["in.link_drop"] <= 0.15 and f"link_drop={t['in.link_drop']!r}" in t["hal_url"]
        assert t["link_frames_dropped"] > 0 and t["link_retransmits"] > 0
        assert t["link_heartbeat_latches"] is not None and t["link_cmds_window_full"] is not None
    for run in (0, 2):
        one = tmp_path / f"one{run}"
        r = _rover("run", MISSION, "--from-campaign", out, "--run", run, "--out", one)
        assert f"matches the campaign's run {run}" in r.stdout, r.stdout + r.stderr
        link = json.loads((one / "report.json").read_text())["link"]
        assert link["retransmits"] == table[run]["link_retransmits"]
        assert link["frames_dropped"] == table[run]["link_frames_dropped"]
