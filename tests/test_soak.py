"""Soak (issue 11): a served device takes CoA-Requests, `sim traffic` runs, session churn and CLI
clients all at once, over its real sockets, for QFP_SOAK_SECONDS (10 in the suite; give it minutes
by hand). Afterwards every packet sent is counted exactly once by the ACL every session filters
with, every CoA was answered and ACKed, no client saw an error, and the process grew by a bounded
amount between the first and the second half (what it holds does not grow with the requests).
"""
from __future__ import annotations

import os
import re
import threading
import time

from coa_helpers import decode_reply, request, udp_exchange
from qfp_model.control.headend import Headend
from qfp_model.control.io.control_socket import ControlClient
from qfp_model.control.io.loop import BackgroundLoop
from qfp_model.control.radius import packet as P
from qfp_model.tools.bench.progress import rss_bytes

SECONDS = float(os.environ.get("QFP_SOAK_SECONDS", "10"))
RSS_GROWTH_MAX = 64 << 20   # bytes the second half may add to the first's peak
SENT = re.compile(r"^Sent (\d+) packets input on Virtual-Access1 ")


def test_coa_traffic_churn_and_cli_together_conserve_every_count(tmp_path):
    headend = Headend.from_config_file()
    seed = headend.device.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2)
    hub_in = headend.device.compiler.acl_slots()["HUB-IN"]
    before = headend.device.fp.acl_counters(hub_in)
    background = BackgroundLoop().start()
    path = f"/tmp/qfp-soak-{os.getpid()}-{tmp_path.name[-12:]}.sock"
    services = background.run(headend.start_services(path, "127.0.0.1", 0))
    stop = threading.Event()
    sent, coas, churned, shown, problems = [0], [0], [0], [0], []

    def guarded(work):
        def run():
            try:
                work()
            except Exception as exc:   # any failure is the soak's finding
                problems.append(f"{work.__name__}: {exc!r}")
        return threading.Thread(target=run, name=work.__name__)

    def traffic():
        with ControlClient(path, timeout=120) as client:
            while not stop.is_set():
                out = client.execute("sim traffic interface Vi1 input size 200 rate 1000000000 packets 100000 "
                                     "destination 172.16.10.9 protocol tcp destination-port 443")
                sent[0] += int(SENT.match(out)[1])

    def coa():
        policies = ("2M", "aaa-pol")
        while not stop.is_set():
            packet = request([f"audit-session-id={seed.audit_session_id}",
                              f"ip:sub-qos-policy-in={policies[coas[0] % 2]}"], identifier=coas[0] & 0xFF)
            reply = decode_reply(udp_exchange(packet.RequestPacket(), services.coa.address, timeout=10))
            if reply.code != P.COA_ACK:
                problems.append(f"CoA {coas[0]} answered {reply.code}")
            coas[0] += 1

    def churn():
        with ControlClient(path, timeout=120) as client:
            n = 0
            while not stop.is_set():
                n += 1
                up = client.execute(f"sim session up remote 77.2.{n >> 8 & 255}.{n & 255} local 77.1.1.2")
                client.execute(f"sim session down {up.split()[0]}")
                churned[0] += 1

    def cli():
        with ControlClient(path, timeout=120) as client:
            while not stop.is_set():
                for line in ("show policy-map interface Vi1 input", "show ip access-lists HUB-IN",
                             "show crypto session", "show aaa server radius dynamic-author"):
                    client.execute(line)
                    shown[0] += 1

    workers = [guarded(work) for work in (traffic, coa, churn, cli)]
    for w in workers:
        w.start()
    try:
        time.sleep(SECONDS / 2)
        first_half = rss_bytes()
        time.sleep(SECONDS / 2)
        second_half = rss_bytes()
    finally:
        stop.set()
        for w in workers:
            w.join(120)
        background.run(services.close())
        background.stop()
    assert problems == []
    assert min(sent[0], coas[0], churned[0], shown[0]) > 0, (sent, coas, churned, shown)
    after = headend.device.fp.acl_counters(hub_in)
    counted = sum(after.hits) + after.implicit_deny - sum(before.hits) - before.implicit_deny
    assert counted == sent[0]
    assert len(headend.device.sessions) == 1
    assert second_half - first_half < RSS_GROWTH_MAX

