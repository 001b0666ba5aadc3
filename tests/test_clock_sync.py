"""Board-clock estimation (hal.link.clock_sync): property tests on fake time.

A simulated board clock is a straight line ``board = offset + rate * host``;
each CLOCK exchange is delayed on the way out and back by random, asymmetric
amounts (a telemetry frame queued on the line makes one direction slow).
"""
import math

import pytest

from hypothesis import assume, given, settings, strategies as st

from hal.link.clock_sync import BoardClock, ClockSync


class FakeTime:
    def __init__(self, t=100.0):
        self.t = t

    def __call__(self):
        return self.t

    def sleep(self, dt):
        assert dt > 0, "wait_until must sleep, not spin"
        self.t += dt


def exchange(sync, host_t0, up_s, down_s, offset, rate):
    """One CLOCK_REQ/CLOCK: the board reads its clock up_s after t0."""
    board = offset + rate * (host_t0 + up_s)
    sync.add_exchange(host_t0, host_t0 + up_s + down_s, board)


delays = st.floats(min_value=0.0002, max_value=0.012)   # one direction at 115200: up to ~2 frames


quiet = st.floats(min_value=0.0002, max_value=0.0004)     # an idle line: no frame queued


@settings(max_examples=80, deadline=None)
@given(offset=st.floats(min_value=0.0, max_value=1e5), rate=st.floats(min_value=0.5, max_value=20.0),
       jitter=st.lists(st.tuples(delays, delays), min_size=12, max_size=40),
       quiet_every=st.integers(min_value=1, max_value=5), q=st.tuples(quiet, quiet),
       period=st.floats(min_value=0.02, max_value=0.3))
def test_converges_on_a_linear_board_clock_with_noisy_round_trips(offset, rate, jitter, quiet_every,
                                                                 q, period):
    """Most exchanges wait behind other traffic (up to 12 ms each way, asymmetric);
    every few an exchange finds the line idle.  The fit tracks the line to
    within the idle round trip, whatever the noisy ones say."""
    s = ClockSync()
    t = 50.0
    quiet_times = []
    for i, (up, down) in enumerate(jitter):
        if i % quiet_every == 0:
            up, down = q
            quiet_times.append(t)
        exchange(s, t, up, down, offset, rate)
        last = t + (up + down) / 2
        t += period
    kept = [x for x in quiet_times if x >= t - period * (s.window + 0.5)]   # still in the window
    assume(len(kept) >= 3)
    span = kept[-1] - kept[0]
    e = rate * (sum(q) * 1.5 + 0.0005) / 2      # worst error of any point the fit may use
    assert abs(s.board_time(last) - (offset + rate * last)) <= 2 * e + 1e-7 * max(1.0, offset)
    assert abs(s.rate - rate) <= 4 * e / span + 1e-9


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(min_value=0.5, max_value=20.0),
       steps=st.lists(st.tuples(st.sampled_from(["tick", "exchange", "rebase"]),
                                st.floats(min_value=0.0, max_value=0.2), delays, delays,
                                st.floats(min_value=-0.05, max_value=0.05)),
                      min_size=1, max_size=80),
       resets=st.booleans())
def test_board_clock_is_monotonic_whatever_the_exchanges_say(rate, steps, resets):
    """Noisy exchanges, outliers (a board reading off by +-50 ms), rebases
    and board resets to zero: now_ms() never goes back."""
    ft = FakeTime()
    clk = BoardClock(host_time=ft, sleep=ft.sleep)
    board_zero = ft.t
    last = clk.now_ms()
    for kind, dt, up, down, glitch in steps:
        ft.t += dt
        if kind == "exchange":
            board = (ft.t + up - board_zero) * rate + glitch
            clk.add_exchange(ft.t, ft.t + up + down, max(0.0, board))
            ft.t += up + down
        elif kind == "rebase":
            clk.rebase()
            if resets:
                board_zero = ft.t          # the board restarted: its clock counts from 0
        now = clk.now_ms()
        assert now >= last
        last = now


def test_before_any_exchange_the_clock_reads_zero_and_holds():
    ft = FakeTime()
    clk = BoardClock(host_time=ft, sleep=ft.sleep)
    assert clk.now_ms() == 0
    ft.t += 5
    assert clk.now_ms() == 0 and not clk.synced


def test_first_fit_reads_the_master_board_clock():
    ft = FakeTime(10.0)
    clk = BoardClock(rate_guess=5.0, host_time=ft, sleep=ft.sleep)
    for i in range(10):
        clk.add_exchange(ft.t, ft.t + 0.001, 3.0 + 5.0 * (ft.t + 0.0005 - 10.0))
        ft.t += 0.1
    assert clk.synced
    assert clk.rate == pytest.approx(5.0, rel=1e-6)
    assert abs(clk.now_ms() - (3000 + 5000 * (ft.t - 10.0))) <= 1


def test_rebase_after_a_board_reset_continues_from_where_the_clock_was():
    ft = FakeTime(0.0)
    clk = BoardClock(host_time=ft, sleep=ft.sleep)
    for _ in range(10):
        clk.add_exchange(ft.t, ft.t + 0.001, 100.0 + ft.t)
        ft.t += 0.1
    before = clk.now_ms()              # about 101 000 ms
    clk.rebase()
    ft.t += 2.0                        # board away for 2 s: the clock keeps running
    during = clk.now_ms()
    assert during - before == pytest.approx(2000, abs=2)
    clk.add_exchange(ft.t, ft.t + 0.001, 0.0005)   # rebooted board: its clock is near 0
    ft.t += 1.0
    after = clk.now_ms()
    assert after - during == pytest.approx(1000, abs=3)


@given(target=st.integers(min_value=0, max_value=5000), rate=st.floats(min_value=0.5, max_value=20))
@settings(max_examples=40, deadline=None)
def test_wait_until_reaches_the_target_by_sleeping(target, rate):
    ft = FakeTime(0.0)
    clk = BoardClock(host_time=ft, sleep=ft.sleep)
    for _ in range(5):
        clk.add_exchange(ft.t, ft.t + 0.001, rate * (ft.t + 0.0005))
        ft.t += 0.05
    assume(clk.synced)
    assert clk.wait_until(target)
    assert clk.now_ms() >= target
    # and not much past it: the last sleep ends at most one small step late
    assert clk.now_ms() <= max(target, int(rate * 0.25 * 1000)) + math.ceil(rate * 5) + 1


def test_wait_until_times_out_when_the_clock_never_starts():
    ft = FakeTime()
    clk = BoardClock(host_time=ft, sleep=ft.sleep)
    assert not clk.wait_until(100, timeout_s=0.5)


def test_bad_exchanges_are_refused():
    s = ClockSync()
    assert not s.add_exchange(2.0, 1.0, 5.0)       # received before sent
    assert not s.add_exchange(1.0, 2.0, math.nan)
    assert s.rejected == 2 and not s.valid
