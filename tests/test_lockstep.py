"""Lockstepped emulated boards (docs/hil.md 4.1): the control messages as
specified, the HAL's clock being the granted board time, runs that repeat
exactly, a board that goes away, and the bad inputs of the lockstep URL
parameter, bench-file key and CLI option."""
import socket
import struct

import pytest
from click.testing import CliRunner

from hal import HalError, HalUrlError, open_hal
from hal.link import lockstep as LS

L = pytest.importorskip("ground.hil_launcher")
SPEC = struct.Struct("<BBHIQII")        # docs/hil.md 4.1, written out here on purpose


@pytest.fixture(scope="module")
def geom(tmp_path_factory):
    return L.write_geometry(tmp_path_factory.mktemp("geometry"))


# ------------------------------------------------------------------ bad input, no boards needed
@pytest.mark.parametrize("query, message", [
    ("mobility=/dev/null&lockstep=/tmp/m.sock", r"each entry is ROLE:SOCKET, got '/tmp/m.sock'"),
    ("mobility=/dev/null&lockstep=wheel:/tmp/w.sock", r"'wheel' is not a board role"),
    ("mobility=/dev/null&lockstep=mobility:/tmp/m.sock,payload:/tmp/p.sock",
     r"names the payload board, but the URL gives it no port"),
    ("mobility=/dev/null&lockstep=mobility:/a,mobility:/b", r"names the mobility board twice"),
    ("mobility=/dev/null&payload=/dev/null&lockstep=mobility:/tmp/m.sock",
     r"lockstep must name every board .*missing: payload"),
    ("mobility=/dev/null&lockstep=mobility:", r"each entry is ROLE:SOCKET"),
    ("mobility=/dev/null&lockstep=mobility:/tmp/m.sock&time_scale=5",
     r"time_scale and lockstep exclude each other"),
])
def test_board_url_lockstep_errors_name_the_problem(geom, query, message):
    with pytest.raises(HalUrlError, match=message):
        open_hal(f"board://?{query}&geometry={geom}")


def test_serial_url_lockstep_errors(geom):
    with pytest.raises(HalUrlError, match=r"serial:// lockstep= is empty"):
        open_hal(f"serial:///dev/null?role=mobility&lockstep=&geometry={geom}")
    with pytest.raises(HalUrlError, match=r"time_scale and lockstep exclude each other"):
        open_hal(f"serial:///dev/null?role=mobility&lockstep=/tmp/x.sock&time_scale=2"
                 f"&geometry={geom}")


def test_missing_control_socket_names_board_and_socket(geom, tmp_path):
    sock = tmp_path / "nobody.sock"
    with pytest.raises(HalError, match=rf"mobility board: lockstep control socket {sock} does not "
                                       rf"exist; is the board running with --lockstep"):
        open_hal(f"serial:///dev/null?role=mobility&lockstep={sock}&geometry={geom}")


def test_too_long_socket_path_is_refused(geom):
    long = "/tmp/" + "x" * 120 + ".sock"
    with pytest.raises(HalError, match=r"mobility board: lockstep control socket path .* is too "
                                       r"long \(130 bytes; a UNIX socket path holds at most 107\)"):
        open_hal(f"serial:///dev/null?role=mobility&lockstep={long}&geometry={geom}")


@pytest.mark.parametrize("boards, message", [
    ('[[board]]\nrole = "mobility"\nport = "m.pty"\nlockstep = "m.sock"\n'
     '[[board]]\nrole = "payload"\nport = "p.pty"\n',
     r"lockstep must be given for every board .*missing: payload"),
    ('[[board]]\nrole = "mobility"\nport = "m.pty"\nlockstep = 3\n',
     r"board #1 \(mobility\): lockstep must be the path of the board's control socket"),
    ('time_scale = 2.0\n[[board]]\nrole = "mobility"\nport = "m.pty"\nlockstep = "m.sock"\n',
     r"time_scale and lockstep exclude each other"),
])
def test_bench_file_lockstep_errors(tmp_path, geom, boards, message):
    f = tmp_path / "bench.toml"
    f.write_text(f'geometry = "{geom}"\n' + boards)
    with pytest.raises(HalUrlError, match=message):
        open_hal(f"bench://{f}")


def test_bench_lockstep_and_time_scale_exclude_each_other():
    with pytest.raises(L.HilError, match="time_scale and lockstep exclude each other"):
        L.EmulatedBench(["mobility"], time_scale=5.0)


def test_cli_lockstep_with_time_scale_is_a_usage_error(tmp_path):
    from ground.cli.main import cli
    r = CliRunner().invoke(cli, ["hil", "up", "--lockstep", "--time-scale", "2",
                                 "--dir", str(tmp_path)])
    assert r.exit_code == 2
    assert "--lockstep and --time-scale exclude each other" in r.output
    assert "Traceback" not in r.output


def test_message_layout_matches_the_spec():
    assert LS.MSG.size == SPEC.size == 24
    raw = LS.pack(LS.T_RUN, flags=1, seq=0x01020304, t_us=0x1122334455667788, rx_total=7,
                  tx_total=0)
    assert raw == SPEC.pack(0x01, 1, 1, 0x01020304, 0x1122334455667788, 7, 0)
    assert raw[:4] == bytes([0x01, 0x01, 0x01, 0x00]) and raw[4:8] == bytes([4, 3, 2, 1])


# ------------------------------------------------------------------ with boards
@pytest.mark.boards
def test_control_messages_as_specified(fw_exe):
    """A client written from the spec alone (not hal.link.lockstep): HELLO at
    connect, REACHED at the granted time, a grant into the past answered at
    once, a bad message closing the connection, and the board halted between
    grants."""
    with L.EmulatedBench(["payload"], exe=fw_exe) as b:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(b.sockets["payload"])
        s.settimeout(30)

        def recv():
            buf = b""
            while len(buf) < 24:
                chunk = s.recv(24 - len(buf))
                assert chunk, "the board closed the control connection"
                buf += chunk
            return SPEC.unpack(buf)

        mtype, version, flags, seq, t_us, rx, tx = recv()
        assert (mtype, version, flags, seq, t_us, rx, tx) == (0x81, 1, 0, 0, 0, 0, 0)
        s.sendall(SPEC.pack(0x01, 1, 0, 5, 250_000, 0, 0))        # run 250 ms
        mtype, version, flags, seq, t_us, rx, tx = recv()
        assert (mtype, seq, t_us, flags) == (0x82, 5, 250_000, 0)
        assert tx > 0                       # its heartbeats (every 200 ms) went onto the line
        s.sendall(SPEC.pack(0x01, 1, 0, 6, 1_000, 0, 0))          # the past: nothing runs
        assert recv()[:5] == (0x82, 1, 0, 6, 250_000)
        s.sendall(SPEC.pack(0x01, 1, 1, 7, 10_000_000, 0, 0))     # stop on the next frame end
        mtype, _v, flags, seq, t_us, _rx, tx2 = recv()
        assert flags == 1 and seq == 7 and 250_000 < t_us <= 400_000 + 2000 and tx2 > tx
        s.sendall(SPEC.pack(0x05, 1, 0, 8, 0, 0, 0))              # not a RUN: connection closed
        assert s.recv(24) == b""
        s.close()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)    # the next host: where it halted
        s.connect(b.sockets["payload"])
        s.settimeout(30)
        assert recv()[:5] == (0x81, 1, 0, 0, t_us)
        s.close()


@pytest.mark.boards
def test_hal_clock_is_the_granted_board_time_and_runs_repeat(fw_exe):
    """Two fresh benches, the same commands: the same telemetry, bit for bit,
    at the same HAL times; every board at the HAL's time after a cycle."""
    def run():
        with L.EmulatedBench(["mobility", "payload"], exe=fw_exe, seed=3) as b:
            h = open_hal(b.url)
            try:
                rec = []
                for i in range(40):
                    h.read()
                    mob = h.boards["mobility"]
                    rec.append((h.clock.now_ms(), mob.latest["MOB_WHEELS"][0]["enc_count"],
                                mob.latest["MOB_BODY"][0]["odom_x"],
                                h.telemetry()["link.mobility.heartbeat_age_ms"]))
                    for w in h.wheels:
                        w.set_speed_mradps(800 if i < 25 else 0)
                    h.write()
                    h.advance(100)
                    for role in ("mobility", "payload"):
                        line = h.boards[role].session._line
                        assert line.t_us == h.clock.now_ms() * 1000
                stats = h.link_stats()
                return rec, stats["mobility"]["rtt_p50_ms"], stats["mobility"]["retransmits"]
            finally:
                h.close()
    a, b = run(), run()
    assert a == b
    rec, rtt_p50, retransmits = a
    assert rec[-1][1] != rec[0][1]                # the wheels turned
    assert retransmits == 0
    # MOB_DRIVE: 30 bytes out, a 9-byte ACK (with its selective-ack byte) back,
    # at 115200 baud, 10 bits a byte
    assert rtt_p50 == pytest.approx((30 + 9) * 10 / 115200 * 1000, abs=0.01)


@pytest.mark.boards
def test_board_process_gone_is_named_and_time_goes_on(fw_exe):
    with L.EmulatedBench(["mobility"], exe=fw_exe) as b:
        h = open_hal(b.url)
        try:
            for _ in range(5):
                h.read(), h.write(), h.advance(100)
            b.kill("mobility")
            t0 = h.clock.now_ms()
            h.read(), h.write(), h.advance(100)
            assert h.clock.now_ms() == t0 + 100
            ev = [e for e in h.drain_events() if e[0] == "LINK_LOST"]
            assert ev and "mobility board: lockstep control socket" in ev[0][1]["reason"] \
                and "the board process exited" in ev[0][1]["reason"], ev
            for _ in range(20):                   # the HAL's clock runs on without the board
                h.read(), h.write(), h.advance(100)
            assert h.clock.now_ms() == t0 + 2100
            assert h.telemetry()["link.mobility.state"] == "DOWN"
        finally:
            h.close()
