"""Replaying captures through the device: packets find their session by inside address (or an
explicit interface), the capture's clock becomes virtual time, the report's counts agree with the
device's own show twins and with the pure-Python reference model, and --write marks DSCP."""
from __future__ import annotations

import numpy as np
import pytest

from qfp_model.control.core.device import Device
from qfp_model.control.core.replay import replay
from qfp_model.control.core.sessions import Authorization
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.control.headend import Headend
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.tools import cli

scapy = pytest.importorskip("scapy.all")
from scapy.all import IP, TCP, UDP, Ether, Raw, rdpcap, wrpcap  # noqa: E402

SERVERS = "172.16.10.5"
# Explicit addresses: an Ether() without them makes scapy resolve routes and ARP.
MACS = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def stream(tmp_path, name="cap.pcap", start=1000.0):
    """Spoke 10.0.0.1 (Virtual-Access1's inside address): 300 web requests of 1000 bytes in 0.3 s
    (8 Mbit/s against aaa-in-policy's 1 Mbit/s), 10 to the blocked 198.51.100.0/24, and 20 replies."""
    packets = [Ether(**MACS) / IP(src="10.0.0.1", dst=SERVERS) / TCP(sport=40000, dport=80) / Raw(b"x" * 960)
               for _ in range(300)]
    packets += [Ether(**MACS) / IP(src="10.0.0.1", dst="198.51.100.7") / UDP(sport=5, dport=53) for _ in range(10)]
    packets += [Ether(**MACS) / IP(src=SERVERS, dst="10.0.0.1") / TCP(sport=80, dport=40000, flags="A")
                / Raw(b"y" * 460)
                for _ in range(20)]
    packets += [Ether(**MACS) / IP(src="192.0.2.9", dst="192.0.2.10") / UDP()]      # nobody's
    for i, p in enumerate(packets):
        p.time = start + i / 1000
    wrpcap(str(tmp_path / name), packets)
    return tmp_path / name


def seed_headend(fastpath=None) -> Headend:
    headend = Headend.from_config_file(fastpath=fastpath)
    headend.device.session_up("77.1.1.1", "77.1.1.2")
    return headend


def seed_device(fastpath=None) -> Device:
    return seed_headend(fastpath).device


def test_maps_by_inside_address_and_agrees_with_the_show_twins(tmp_path):
    headend = seed_headend()
    device = headend.device
    result = replay(device, stream(tmp_path))
    assert (result.frames, result.packets, result.unmapped) == (331, 331, 1)
    inbound, outbound = result.targets
    assert (inbound["interface"], inbound["direction"], inbound["packets"]) == ("Virtual-Access1", "input", 310)
    assert outbound["direction"] == "output" and outbound["packets"] == 20
    assert inbound["acl"]["name"] == "HUB-IN"
    hits = {e["seq"]: e["matches"] for e in inbound["acl"]["entries"]}
    assert hits[30] == 300 and hits[80] == 10 and inbound["dropped_acl"] == 10

    # The device's own counters, read back from the fast path, say the same.
    acl = headend.show_data("show ip access-lists HUB-IN")[0]
    assert {e["seq"]: e["matches"] for e in acl["entries"]} == hits
    twin = headend.show_data("show policy-map interface Virtual-Access1 input")[0]["service_policies"][0]
    default = twin["classes"][0]
    mine = inbound["classes"][0]
    assert default["packets"] == mine["packets"] == 300
    assert default["police"]["conformed"]["packets"] == mine["conformed"]
    assert default["police"]["exceeded"]["packets"] == mine["exceeded"] == mine["drop_packets"]
    # 1 Mbit/s over 0.3 s (37,500 bytes) plus a full Bc of 31,250 (CIR/32): 68 of 1000 bytes.
    assert mine["conformed"] == 68
    assert result.forwarded == mine["conformed"] + 20
    # Virtual time: the capture's 0.33 s span from the clock the device had.
    assert result.end_ns - result.start_ns == 330_000_000
    assert device.clock_ns == result.end_ns


def test_reference_model_gives_the_same_report(tmp_path):
    path = stream(tmp_path)
    native = replay(seed_device(), path)
    reference = replay(seed_device(ReferenceFastPath()), path)
    assert native.targets == reference.targets
    assert native.dscp_out == reference.dscp_out


def test_second_replay_continues_the_clock(tmp_path):
    device = seed_device()
    first = replay(device, stream(tmp_path))
    second = replay(device, stream(tmp_path, "b.pcap", start=5.0))   # an older capture: still later in virtual time
    assert second.start_ns == first.end_ns and second.end_ns > first.end_ns


def test_explicit_interface_and_direction(tmp_path):
    device = seed_device()
    result = replay(device, stream(tmp_path), interface="Vi1", direction=1)
    assert result.unmapped == 0 and len(result.targets) == 1
    assert result.targets[0]["direction"] == "output" and result.targets[0]["packets"] == 331
    # HUB-OUT's last line permits everything
    assert result.targets[0]["dropped_acl"] == 0


def test_session_to_session_goes_in_then_out_with_the_input_marking(tmp_path):
    device = seed_device()
    device.session_up("198.18.0.2", "77.1.1.2")
    # Virtual-Access1 marks CRITICAL-DATA (tcp to 172.16.10.0/24 port 1521) af21 on input; aim it at
    # Virtual-Access2's inside address 10.0.0.2 instead, with an input policy marking everything 0.
    device.authorize(device.session("Vi1"), Authorization(policy_in="VOICE-POLICY", acl_in="IN"))
    device.authorize(device.session("Vi2"), Authorization(acl_out="OUT"))
    packets = [Ether(**MACS) / IP(src="10.0.0.1", dst="10.0.0.2", tos=46 << 2) / UDP(sport=1, dport=2)
               / Raw(b"v" * 100)]
    packets[0].time = 1
    wrpcap(str(tmp_path / "p.pcap"), packets)
    result = replay(device, tmp_path / "p.pcap")
    assert [(t["interface"], t["direction"]) for t in result.targets] == [
        ("Virtual-Access1", "input"), ("Virtual-Access2", "output")]
    voice = result.targets[0]["classes"][0]
    assert voice["name"] == "VOICE" and voice["conformed"] == 1
    assert result.dscp_out == {46: 1}        # conform-action set-dscp-transmit ef


def test_write_rewrites_dscp_as_marked(tmp_path):
    device = seed_device()
    device.authorize(device.session("Vi1"), Authorization(policy_in="VOICE-POLICY", acl_in="IN"))
    packets = [Ether(**MACS) / IP(src="10.0.0.1", dst=SERVERS, tos=0) / TCP(sport=3000, dport=1521, flags="A")
               for _ in range(5)]
    packets += [Ether(**MACS) / IP(src="10.0.0.1", dst=SERVERS, tos=8 << 2) / UDP(sport=1, dport=9) for _ in range(5)]
    for i, p in enumerate(packets):
        p.time = 1 + i / 100
    wrpcap(str(tmp_path / "in.pcap"), packets)
    result = replay(device, tmp_path / "in.pcap", write=tmp_path / "out.pcap")
    assert result.written == 10
    out = rdpcap(str(tmp_path / "out.pcap"))
    assert [p[IP].tos >> 2 for p in out] == [18] * 5 + [0] * 5      # CRITICAL-DATA af21, default 0
    for p in out:
        checksum = p[IP].chksum
        del p[IP].chksum
        assert IP(bytes(p[IP])).chksum == checksum


def test_truncated_capture_reports_what_came_before(tmp_path, capsys):
    path = stream(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[:-20])
    headend = seed_headend()
    output = headend.execute(f"sim replay {path}")
    assert "330 IPv4 packets" in output
    assert "% " in output and "at byte" in output and "counts above are of the packets before it" in output


def test_qfp_replay_command(tmp_path, capsys):
    path = stream(tmp_path)
    code = cli.main(["replay", str(path), "--write", str(tmp_path / "out.pcap"), "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Virtual-Access1 input: 310 packets" in out and "unmapped 1" in out
    import json
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["packets"] == 331 and data["written"] == data["forwarded"]
    assert len(rdpcap(str(tmp_path / "out.pcap"))) == data["forwarded"]


def test_qfp_replay_refuses_a_non_capture(tmp_path, capsys):
    (tmp_path / "x.pcap").write_bytes(b"hello world, not a capture")
    assert cli.main(["replay", str(tmp_path / "x.pcap")]) == 1
    assert "not a pcap or pcapng file" in capsys.readouterr().err


def test_replay_of_generated_stream_matches_sim_traffic(tmp_path):
    """The same constant-rate stream, once as `sim traffic` and once as a capture of it."""
    a, b = seed_device(), seed_device()
    traffic = a.traffic(TrafficSpec("Vi1", 0, size=500, rate=4_000_000, packets=400, destination=SERVERS,
                                    protocol=6, destination_port=80))
    gap = 500 * 8 / 4_000_000
    packets = [Ether(**MACS) / IP(src="10.0.0.1", dst=SERVERS, len=500) / TCP(sport=1024, dport=80) / Raw(b"q" * 460)
               for _ in range(400)]
    for i, p in enumerate(packets):
        p.time = 10 + i * gap
    wrpcap(str(tmp_path / "s.pcap"), packets)
    result = replay(b, tmp_path / "s.pcap")
    cls = result.targets[0]["classes"][0]
    assert [cls["conformed"], cls["exceeded"]] == traffic.colours[:2]
    assert np.isclose(result.end_ns - result.start_ns, traffic.end_ns - traffic.start_ns, atol=1000)
