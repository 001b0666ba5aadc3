"""The board backends (board:// serial:// bench://) against the real host
firmware (`rover-fw-host`, built from csrc/firmware): URL and port errors,
identify and the dictionary check, devices, driving, a board that dies and
comes back, garbage on the line, and exactly-once commands through the
fault-injecting proxy.

The emulated boards are lockstepped (they run only on the time the HAL
grants them, docs/hil.md 4.1), so every assertion about time is on board
time and a loaded machine cannot change what the boards see.  The lossy-line
test runs a free-running board (the fault-injecting proxy sits on the wall
clock) and asserts only counts."""
import os
import pty
import random
import tty

import pytest

from common.dictionary import default_dictionary
from hal import HalError, HalUrlError, open_hal
from hal.interfaces import DeviceStatus

pytestmark = pytest.mark.boards
from ground import hil_launcher as L  # noqa: E402
D = default_dictionary()


@pytest.fixture(scope="module")
def bench(fw_exe):
    with L.EmulatedBench(["mobility", "payload"], exe=fw_exe) as b:
        yield b


@pytest.fixture(scope="module")
def hal(bench):
    h = open_hal(bench.url)
    yield h
    h.close()


@pytest.fixture(scope="module")
def geom(tmp_path_factory):
    """A geometry file (real-board URLs must state the rover geometry)."""
    return L.write_geometry(tmp_path_factory.mktemp("geometry"))


def cycle(h, seconds, fn=None):
    end = h.clock.now_ms() + int(seconds * 1000)
    while h.clock.now_ms() < end:
        h.read()
        if fn is not None and fn():
            return True
        h.write()
        h.advance(100)
    return False


# ------------------------------------------------------------------ URLs and ports
@pytest.mark.parametrize("url, message", [
    ("board://?mobility=/dev/null&speed=3", "unknown parameter.*speed"),
    ("board://", "needs at least the mobility port"),
    ("board://?mobility=", "mobility is empty"),
    ("board://some/path?mobility=x", "not a path"),
    ("board://?mobility=/tmp/x&baud=fast", "baud='fast' is not a number"),
    ("serial://", "needs a port"),
    ("serial:///dev/ttyROVER_NOPE?role=wheel", "role='wheel' is not a board role"),
    ("serial:///dev/ttyROVER_NOPE?role=mobility&parity=E", "unknown parameter.*parity"),
    ("bench://", "needs a file"),
    ("bench://no/such/bench.toml", "not found"),
    ("board://?mobility=/dev/null", "board:// needs the rover geometry: add geometry=FILE.toml"),
    ("serial:///dev/ttyROVER_NOPE?role=mobility", "serial:// needs the rover geometry"),
    ("serial:///dev/ttyROVER_NOPE?role=mobility&geometry=/no/such.toml",
     "geometry file /no/such.toml not found"),
])
def test_url_errors_name_the_problem(url, message):
    with pytest.raises(HalUrlError, match=message):
        open_hal(url)


def test_port_that_does_not_exist_names_board_and_port(geom):
    with pytest.raises(HalError, match=r"mobility board: port /dev/ttyROVER_NOPE does not exist"):
        open_hal(f"serial:///dev/ttyROVER_NOPE?baud=115200&role=mobility&geometry={geom}")


def test_busy_port_is_refused_not_shared(geom):
    import serial
    m, s = pty.openpty()
    tty.setraw(s)
    path = os.ttyname(s)
    holder = serial.Serial(path, 115200, exclusive=True)
    try:
        with pytest.raises(HalError, match=rf"mobility board: port {path} is busy"):
            open_hal(f"serial://{path}?role=mobility&geometry={geom}")
    finally:
        holder.close()
        os.close(m)
        os.close(s)


def test_port_with_no_board_behind_it_times_out_clearly(geom):
    m, s = pty.openpty()
    tty.setraw(s)
    path = os.ttyname(s)
    try:
        with pytest.raises(HalError, match=r"payload board on .*: no IDENTIFY answer within 0.3 s"):
            open_hal(f"serial://{path}?role=payload&connect_timeout=0.3&geometry={geom}")
    finally:
        os.close(m)
        os.close(s)


# ------------------------------------------------------------------ identify
def test_dictionary_mismatch_says_which_board_to_reflash(fw_exe):
    with L.EmulatedBench(["mobility"], exe=fw_exe, dict_hash32=0xDEADBEEF) as b:
        port = b.ports["mobility"]
        with pytest.raises(HalError) as exc:
            open_hal(b.url)
    msg = str(exc.value)
    assert "mobility board on" in msg and port in msg
    assert "0xDEADBEEF" in msg
    assert f"reflash the mobility board with firmware built from dictionary {D.hash}" in msg


def test_wrong_role_on_a_port_is_named(fw_exe, geom):
    with L.EmulatedBench(["payload"], exe=fw_exe) as b:       # its own: one host per board
        with pytest.raises(HalError, match="the board there says it is the payload board"):
            open_hal(f"serial://{b.ports['payload']}?role=mobility&lockstep={b.sockets['payload']}"
                     f"&geometry={geom}")


# ------------------------------------------------------------------ devices
def test_emulated_boards_state_the_simulated_rovers_geometry(bench, hal):
    from sim_hw.params import RoverParams
    assert "geometry=" in bench.url
    assert hal.geometry == RoverParams().vehicle_geometry()
    assert hal.truth() is None
    tm = hal.terrain_map()
    assert tm is not None and tm.height_m.shape == tm.slope_deg.shape


def test_devices_read_sane_values(hal):
    cycle(hal, 1.0)
    assert all(d.status is DeviceStatus.OK for d in hal.devices().values()), \
        {n: d.status for n, d in hal.devices().items()}
    assert 20.0 < hal.power.battery_v < 36.0
    assert 0.0 < hal.power.soc_pct <= 100.0
    ax, ay, az = hal.imu.accel_mg
    assert 120 < az < 220 and abs(ax) < 60 and abs(ay) < 60      # lunar gravity: 165 mg
    assert -60.0 < hal.thermal["ebox"].temp_c < 60.0
    tlm = hal.telemetry()
    for role in ("mobility", "payload"):
        assert tlm[f"link.{role}.state"] == "UP"
        assert tlm[f"link.{role}.heartbeat_age_ms"] < 500
        assert tlm[f"link.{role}.frames_rx"] > 0
    assert set(tlm) <= set(D.telemetry), sorted(set(tlm) - set(D.telemetry))
    assert hal.payload_status["hopper_level"] >= 0


def test_drive_command_moves_the_wheels_and_stop_stops_them(hal):
    c0 = [w.encoder_count for w in hal.wheels]
    x0 = hal.odometer.pose.x_m
    for w in hal.wheels:
        w.set_speed_mradps(1000)
    cycle(hal, 2.0)
    assert all(900 < w.speed_mradps < 1100 for w in hal.wheels), [w.speed_mradps for w in hal.wheels]
    assert all(w.encoder_count - c > 1000 for w, c in zip(hal.wheels, c0))
    assert hal.odometer.pose.x_m - x0 > 0.1
    for w in hal.wheels:
        w.set_speed_mradps(0)
    cycle(hal, 1.5)
    assert all(abs(w.speed_mradps) < 70 for w in hal.wheels)


def test_bench_file_gives_ports_and_geometry(fw_exe, tmp_path):
    with L.EmulatedBench(["mobility"], exe=fw_exe) as bench:
        _bench_file(bench, tmp_path)


def _bench_file(bench, tmp_path):
    f = tmp_path / "bench.toml"
    f.write_text(f'''name = "emulated"
terrain = "{bench.terrain['npz']}"
[[board]]
role = "mobility"
port = "{bench.ports['mobility']}"
baud = 115200
lockstep = "{bench.sockets['mobility']}"
[geometry]
wheel_x_m = [0.35, 0.35, 0.0, 0.0, -0.35, -0.35]
wheel_y_m = [0.25, -0.25, 0.27, -0.27, 0.25, -0.25]
wheel_radius_m = 0.1
max_wheel_mradps = 1500
steer_min_mrad = -1000
steer_max_mrad = 1000
counts_per_wheel_rev = 9600
''')
    h = open_hal(f"bench://{f}")
    try:
        assert h.geometry.max_wheel_mradps == 1500
        assert set(h.boards) == {"mobility"}
        cycle(h, 0.5)
        assert h.imu.status is DeviceStatus.OK
    finally:
        h.close()


# ------------------------------------------------------------------ bad input
def test_garbage_on_the_line_is_counted_and_moves_nothing(hal, bench):
    for w in hal.wheels:
        w.set_speed_mradps(0)
    cycle(hal, 1.0)
    c0 = [w.encoder_count for w in hal.wheels]
    b = hal.boards["mobility"]

    def board_errors():
        s = b.link_stats
        return sum(s[k] for k in ("rx_crc", "rx_malformed", "rx_too_long", "rx_too_short",
                                  "rx_bad_type", "rx_bad_flags"))

    before = board_errors()
    executed0 = b.link_stats["cmd_executed"]
    rng = random.Random(7)
    fd = os.open(bench.ports["mobility"], os.O_WRONLY | os.O_NOCTTY)
    try:
        for _ in range(20):          # random bytes, truncated and oversize frames
            os.write(fd, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120))))
            os.write(fd, b"\x02\x05" + b"\x00")                  # truncated
            os.write(fd, b"\xff" + bytes(range(1, 255)) + b"\x00")   # oversize
            cycle(hal, 0.1)
    finally:
        os.close(fd)
    cycle(hal, 2.5)                  # LINK_STATS comes once a board second
    assert board_errors() > before + 20
    assert hal.boards["mobility"].session.state.value == "UP"
    assert all(abs(w.speed_mradps) < 70 for w in hal.wheels)
    assert [w.encoder_count for w in hal.wheels] == pytest.approx(c0, abs=20)
    # only our own MOB_DRIVE/BOARD_HEATER/BOARD_CLEAR_FAULT commands ran
    assert b.cmd_rejects == 0
    assert b.link_stats["cmd_executed"] > executed0


def test_out_of_range_setpoints_are_refused_before_the_line():
    from hal.errors import CommandRangeError
    from hal.latched import LatchedWheel

    from sim_hw.params import RoverParams

    class FakeHal:
        geometry = RoverParams().vehicle_geometry()
        _wheel_cmd = [0] * 6
    w = LatchedWheel(FakeHal(), "wheel.fl", 0)
    with pytest.raises(CommandRangeError, match="outside"):
        w.set_speed_mradps(2001)
    assert FakeHal._wheel_cmd == [0] * 6


def test_commands_exactly_once_through_a_lossy_line(fw_exe):
    """300 commands through LinkProxy with 1 % of bytes corrupted and 1 % of
    frames dropped (both ways): every one runs once (the board's counter)."""
    with L.EmulatedBench(["mobility"], lockstep=False, time_scale=1.0, exe=fw_exe) as b:
        r = L.measure_soak(b.ports["mobility"], 115200, n=300, seed=3, timeout_s=60)
    assert r["soak_acked_all"]
    assert r["soak_lost"] == 0 and r["soak_executed_twice"] == 0
    assert r["soak_executed"] == 300
    assert r["soak_retransmits"] > 0 and r["soak_host_rx_errors"] > 0


# ------------------------------------------------------------------ a board that goes away
def test_board_killed_is_detected_safed_and_reconnected(fw_exe):
    from flight.system import FlightSystem

    with L.EmulatedBench(["mobility"], exe=fw_exe) as b:
        h = open_hal(b.url)
        try:
            fs = FlightSystem(h, boot=False)
            fs.run_until(lambda: False, 1000)
            assert fs.bus.value("link.mobility.state") == "UP"
            b.kill("mobility")                       # SIGKILL: as if the cable were pulled
            t_kill = h.clock.now_ms()
            assert fs.run_until(lambda: any(e.name == "LINK_LOST" for e in fs.bus.events), 3000)
            lost = next(e for e in fs.bus.events if e.name == "LINK_LOST")
            assert lost.t_ms - t_kill <= 100           # the port hangs up at once: the next cycle
            assert fs.run_until(lambda: fs.modes.mode == "SAFE", 3000), fs.modes.mode
            assert h.wheels[0].status is DeviceStatus.OFFLINE
            assert fs.bus.value("link.mobility.state") == "DOWN"
            assert any(e.name == "FP_RESPONSE_FIRED" and "heartbeat" in e.message
                       for e in fs.bus.events)
            fs.run_until(lambda: False, 1000)        # the HAL clock keeps running meanwhile
            b.restart("mobility")
            assert fs.run_until(lambda: fs.bus.value("link.mobility.state") == "UP", 10000)
            fs.run_until(lambda: False, 1000)
            assert any(e.name == "LINK_RESTORED" for e in fs.bus.events)
            assert h.wheels[0].status is DeviceStatus.OK
            assert fs.bus.value("link.mobility.reconnects") >= 1
            assert fs.bus.value("link.mobility.heartbeat_age_ms") < 500
        finally:
            h.close()
