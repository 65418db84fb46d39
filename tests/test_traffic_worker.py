"""A served device never starves RADIUS or the CLI while traffic runs (issue 11): `sim traffic`'s
batches go to a worker thread and its bookkeeping back to the loop, so a CoA and another client's
show command are answered before a long run ends; a client that hangs up cancels its run; a run is
bounded. Ordering is asserted, never a duration."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from coa_helpers import decode_reply, request, udp_exchange
from qfp_model.control.errors import ExecError
from qfp_model.control.headend import Headend
from qfp_model.control.io.control_socket import ControlClient
from qfp_model.control.io.loop import BackgroundLoop
from qfp_model.control.radius import packet as P

LONG_RUN = "sim traffic interface Vi1 input size 64 rate 100000000000 packets 100000000"
FULL_RUN_NS = 100_000_000 * 64 * 8 * 10**9 // 100_000_000_000   # where its clock would end


@pytest.fixture
def served(tmp_path):
    headend = Headend.from_config_file()
    session = headend.device.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2)
    background = BackgroundLoop().start()
    path = f"/tmp/qfp-worker-{os.getpid()}-{tmp_path.name[-12:]}.sock"
    services = background.run(headend.start_services(path, "127.0.0.1", 0))
    yield headend, session, services
    background.run(services.close())
    background.stop()


def test_coa_and_the_cli_are_answered_while_a_long_run_goes_on(served):
    headend, session, services = served
    events = []
    runner = ControlClient(services.control.path, timeout=300).connect()

    def long_run():
        try:
            events.append(("traffic", runner.execute(LONG_RUN)))
        except ConnectionError:   # we hung up on it, as the test means to
            pass

    thread = threading.Thread(target=long_run)
    thread.start()
    try:
        with ControlClient(services.control.path, timeout=60) as other:
            # The run has started once the clock moves; meanwhile the CLI answers.
            while other.execute("show clock").endswith("(0 ns)\n"):
                pass
            events.append(("show", other.execute("show clock")))
        coa = request([f"audit-session-id={session.audit_session_id}", "ip:sub-qos-policy-in=2M"])
        reply = decode_reply(udp_exchange(coa.RequestPacket(), services.coa.address, timeout=60))
        events.append(("coa", reply.code))
        assert [kind for kind, _ in events] == ["show", "coa"], "the run ended before the others were answered"
        assert reply.code == P.COA_ACK
    finally:
        runner.close()   # hang up: the run is cancelled between batches
        thread.join(60)
    assert not thread.is_alive()
    assert 0 < headend.device.clock_ns < FULL_RUN_NS


def test_a_client_that_hangs_up_cancels_its_run(served):
    headend, _, services = served
    with socket.socket(socket.AF_UNIX) as gone:
        gone.connect(services.control.path)
        gone.sendall(b'{"op": "execute", "line": "' + LONG_RUN.encode() + b'"}\n')
        with ControlClient(services.control.path, timeout=60) as other:
            while other.execute("show clock").endswith("(0 ns)\n"):
                pass
    deadline = time.monotonic() + 60   # waiting for the server to see the hang-up, not timing it
    while services.control.clients and time.monotonic() < deadline:
        time.sleep(0.01)
    assert services.control.clients == 0
    # Its handler has ended, the run with it: the clock stays where the run got to, short of its end.
    stopped = headend.device.clock_ns
    with ControlClient(services.control.path, timeout=60) as other:
        other.execute("show logging")
    assert headend.device.clock_ns == stopped < FULL_RUN_NS


def test_a_run_is_bounded_with_a_clear_answer():
    headend = Headend.from_config_file()
    headend.device.session_up("77.1.1.1", "77.1.1.2")
    with pytest.raises(ExecError, match=r"that is 16,875,000,000,000 packets; a run sends at most 1,000,000,000"):
        headend.execute("sim traffic interface Vi1 input size 64 rate 100000000000 duration 86400")


def test_sigterm_stops_qfp_run_in_the_middle_of_a_run(tmp_path):
    sock = f"/tmp/qfp-sigterm-{os.getpid()}-{tmp_path.name[-12:]}.sock"
    device = subprocess.Popen([sys.executable, "-m", "qfp_model.tools.cli", "run", "--control", sock,
                               "--coa-port", "0"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert "serving" in device.stdout.readline()
        with ControlClient(sock, timeout=60) as client:
            client.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
        runner = ControlClient(sock, timeout=300).connect()
        threading.Thread(target=lambda: _quietly(runner.execute, LONG_RUN), daemon=True).start()
        with ControlClient(sock, timeout=60) as client:
            while client.execute("show clock").endswith("(0 ns)\n"):
                pass
        device.send_signal(signal.SIGTERM)
        assert device.wait(timeout=60) == 0
        assert not Path(sock).exists()
    finally:
        if device.poll() is None:
            device.kill()
        device.wait()


def _quietly(fn, *args):
    try:
        fn(*args)
    except (ConnectionError, OSError, ExecError):
        pass
