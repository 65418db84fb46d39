"""CoA-Requests per second over loopback, and the p99 reply latency, on a device with 10,000
sessions: a RADIUS client (one UDP socket, one request outstanding, as radclient without -p) sends
CoA-Requests that each move one random session's input policy, through the device's real listener.

Run: pytest bench/test_bench_coa.py                      (timed; figures in the benchmark's extra_info,
                                                         and printed)
     pytest bench/test_bench_coa.py --benchmark-disable  (one round, untimed: CI's check)

Every request is new (its own session, policy and Identifier) so that none is answered from the
reply cache; the requests are built untimed, before each round. Every reply must be a CoA-ACK.
"""
from __future__ import annotations

import random
import socket
import time

import pytest
from pyrad import packet as pyrad_packet

from qfp_model.control.headend import Headend
from qfp_model.control.io.loop import BackgroundLoop
from qfp_model.control.radius import packet as P

SESSIONS = 10_000
REQUESTS_PER_ROUND = 2_000
HOST = "127.0.0.1"
KEY = b"cisco123"
POLICIES = ("pol", "aaa-pol", "2M", "2M-IN")


@pytest.fixture(scope="module")
def headend():
    headend = Headend.from_config_file(None)
    device = headend.device
    sessions = [device.session_up(f"77.{1 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}", "77.1.1.2")
                for n in range(SESSIONS)]
    loop = BackgroundLoop().start()
    listener = loop.run(headend.start_coa_listener(HOST, 0))
    yield device, sessions, listener.address
    loop.run(listener.close())
    loop.stop()


def build(sessions, rng: random.Random, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        session = rng.choice(sessions)
        packet = pyrad_packet.CoAPacket(id=i & 0xFF, secret=KEY, dict=P.DICTIONARY)
        packet.AddAttribute("Cisco-AVPair", f"audit-session-id={session.audit_session_id}")
        packet.AddAttribute("Cisco-AVPair", f"ip:sub-qos-policy-in={rng.choice(POLICIES)}")
        # Event-Timestamp makes each request unique (so never a cached reply), as a real server's are.
        packet.AddAttribute("Event-Timestamp", int(time.time()))
        packet.AddAttribute("Acct-Session-Id", f"{session.id:08X}")
        out.append(packet.RequestPacket())
    return out


def exchange(requests: list[bytes], address, latencies: list[float]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        for data in requests:
            t0 = time.perf_counter()
            sock.sendto(data, address)
            reply = sock.recv(4096)
            latencies.append(time.perf_counter() - t0)
            assert reply[0] == P.COA_ACK and reply[1] == data[1], reply


def test_coa_requests_per_second(benchmark, headend, capsys):
    device, sessions, address = headend
    rng = random.Random(5176)
    latencies: list[float] = []
    n = REQUESTS_PER_ROUND if benchmark.enabled else 200

    def fresh():
        return (build(sessions, rng, n), address, latencies), {}

    benchmark.pedantic(exchange, setup=fresh, rounds=5 if benchmark.enabled else 1, warmup_rounds=0)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[int(len(latencies) * 0.99)]
    figures = dict(sessions=len(device.sessions), requests=len(latencies), p50_us=round(p50 * 1e6),
                   p99_us=round(p99 * 1e6))
    if benchmark.stats is not None:
        figures["coa_per_second"] = round(n / benchmark.stats.stats.median)
    benchmark.extra_info.update(figures)
    with capsys.disabled():
        print(f"\nCoA over loopback: {figures}")
