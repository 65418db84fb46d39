"""Issue 14, item 3: changing dynamic-author's `port` in `configure terminal` moves the CoA
listener of a running device (a user at the control socket, as `qfp cli` is); removing
dynamic-author stops it. A port given on the command line stays where it is."""
import os
import socket
import time

import pytest

from coa_helpers import SEED_AUDIT_ID, decode_reply, request, udp_exchange
from qfp_model.control.headend import Headend
from qfp_model.control.io.control_socket import ControlClient
from qfp_model.control.io.loop import BackgroundLoop
from qfp_model.control.radius import packet as P

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    headend = Headend.from_config_file()
    headend.device.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2)
    headend.device.config.dynamic_author.port = free_port()
    background = BackgroundLoop().start()
    path = f"/tmp/qfp-port-{os.getpid()}-{tmp_path.name[-12:]}.sock"
    services = background.run(headend.start_services(path, HOST))
    client = ControlClient(services.control.path, timeout=30).connect()
    yield headend, services, client
    client.close()
    background.run(services.close())
    background.stop()
    headend.close()


def until(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def coa_to(port: int) -> bytes | None:
    data = request([f"audit-session-id={SEED_AUDIT_ID}", "ip:sub-qos-policy-in=2M"]).RequestPacket()
    return udp_exchange(data, (HOST, port), timeout=0.5)


def test_a_new_port_moves_the_listener(served):
    headend, services, client = served
    old = services.coa.address[1]
    new = free_port()
    for line in ("configure terminal", "aaa server radius dynamic-author", f"port {new}", "end"):
        client.execute(line)
    assert until(lambda: services.coa is not None and services.coa.address[1] == new)
    reply = coa_to(new)
    assert reply is not None and decode_reply(reply).code == P.COA_ACK
    assert coa_to(old) is None
    assert any(f"listening for CoA on {HOST}:{new}/udp" in line for line in headend.device.logbuf)


def test_removing_dynamic_author_stops_the_listener(served):
    headend, services, client = served
    old = services.coa.address[1]
    for line in ("configure terminal", "no aaa server radius dynamic-author", "end"):
        client.execute(line)
    assert until(lambda: services.coa is None)
    assert coa_to(old) is None


def test_a_port_given_on_the_command_line_stays(tmp_path):
    with Headend.from_config_file() as headend:
        background = BackgroundLoop().start()
        path = f"/tmp/qfp-port-{os.getpid()}-{tmp_path.name[-12:]}.sock"
        services = background.run(headend.start_services(path, HOST, 0))
        try:
            fixed = services.coa.address[1]
            terminal = headend.open_terminal()
            for line in ("configure terminal", "aaa server radius dynamic-author", f"port {free_port()}", "end"):
                background.call(terminal.execute, line)
            time.sleep(0.1)
            assert services.coa.address[1] == fixed
        finally:
            background.run(services.close())
            background.stop()
