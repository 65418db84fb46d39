"""Issue 16: a regression case with an IPv6 session, IPv6 streams and IPv6 list counters
(`ace = {..., ipv6 = true}`), passing, and failing with its difference when an expectation is off."""
from __future__ import annotations

from pathlib import Path

import pytest

from qfp_model.tools import regress

CASE = '''
config_text = """
hostname v6hub
ipv6 access-list V6-IN
 permit tcp any any eq www
 deny udp any any
class-map match-any WEB
 match access-group name V6-IN
policy-map MARK
 class WEB
  set dscp af41
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 ipv6 traffic-filter V6-IN in
 service-policy input MARK
 tunnel mode ipsec ipv4
crypto ikev2 profile P
 virtual-template 1
"""
[[sessions]]
remote = "2001:db8::1"

[[steps]]
traffic = { interface = "Vi1", direction = "input", duration = 1, destination = "2001:db8:2::1", streams = [
            { name = "web", size = 500, rate = "40k", protocol = "tcp", destination_port = 80 },
            { name = "dns", size = 100, rate = "8k", protocol = "udp", destination_port = 53 },
            { name = "v4", size = 100, rate = "8k", destination = "192.0.2.9", protocol = "udp" } ] }
[[steps]]
result = { stream = "web", forwarded = 10, dscp = { af41 = 10 } }
[[steps]]
result = { stream = "dns", dropped_acl = %(dns)d }
[[steps]]
result = { stream = "v4", forwarded = 10 }
[[steps]]
ace = { acl = "V6-IN", seq = 20, matches = 10, ipv6 = true }
'''


def write(tmp_path, dns: int):
    path = tmp_path / f"v6{regress.SUFFIX}"
    path.write_text(CASE % {"dns": dns})
    return path


def test_ipv6_case_passes(tmp_path):
    result = regress.run_case(write(tmp_path, 10))
    assert result.passed, result.message


def test_ipv6_case_fails_with_its_difference(tmp_path):
    result = regress.run_case(write(tmp_path, 9))
    assert not result.passed and "expected 9, actual 10" in result.message


RADIUS_CASE = '''
config = "hub.cfg"
[radius]
secret = "radius-key"
[radius.users."gold.example.net"]
avpairs = ["ipv6:inacl=V6-SPOKE"]
[radius.users."bad.example.net"]
avpairs = ["ipv6:inacl=NO-SUCH-LIST"]

[[sessions]]
remote = "2001:db8::1"
identity = "gold.example.net"
[[sessions]]
remote = "2001:db8::9"
identity = "bad.example.net"
expect = "refused"

[[steps]]
traffic = { interface = "Vi1", size = 100, rate = "8k", packets = 5, destination = "2001:db8:2::1", protocol = "udp" }
[[steps]]
result = { dropped_acl = 5 }
[[steps]]
traffic = { interface = "Vi1", size = 100, rate = "8k", packets = 5, destination = "2001:db8:2::1", protocol = "tcp" }
[[steps]]
result = { forwarded = 5 }
'''


def test_access_accept_binds_ipv6_inacl_and_refuses_an_unknown_list(tmp_path):
    """The Access-Accept at session start follows the CoA rules: the list binds, an unknown one
    makes the Accept unusable and the session is refused."""
    hub = (Path(__file__).parent.parent / "examples" / "radius-hub.cfg").read_text()
    (tmp_path / "hub.cfg").write_text(hub + "ipv6 access-list V6-SPOKE\n permit tcp any any\n")
    path = tmp_path / f"radius6{regress.SUFFIX}"
    path.write_text(RADIUS_CASE)
    result = regress.run_case(path)
    assert result.passed, result.message


DUAL_CASE = '''
config = "hub.cfg"
[radius]
secret = "radius-key"
[radius.users."v6.example.net"]
avpairs = ["ipv6:inacl=V6-SPOKE"]
attributes = { "Framed-IPv6-Prefix" = "2001:db8:77::/64" }
[radius.users."plain.example.net"]

[[sessions]]
remote = "77.1.1.5"
identity = "v6.example.net"
inside_ipv4 = "none"
[[sessions]]
remote = "77.1.1.6"
identity = "plain.example.net"
inside_ipv6 = "2001:db8:88::/64"

[[steps]]
traffic = { interface = "Vi1", size = 100, rate = "8k", packets = 5, protocol = "tcp", destination_port = 80 }
[[steps]]
result = { forwarded = 5 }
[[steps]]
ace = { acl = "V6-SPOKE", seq = 10, matches = 5, ipv6 = true }
[[steps]]
replay = { file = "mixed.pcap" }
[[steps]]
result = { forwarded = %(forwarded)d }
'''


def test_sessions_inside_from_the_case_and_from_the_accept_with_a_replay_by_either_family(tmp_path):
    """Vi1's inside is IPv6 only, its prefix from the Accept's Framed-IPv6-Prefix; Vi2's IPv6
    prefix is the case's. A replay finds both by their inside: an IPv6 packet from each prefix and
    an IPv4 one from Vi1's would-be pool address, which is no session's."""
    scapy = pytest.importorskip("scapy.all")
    hub = (Path(__file__).parent.parent / "examples" / "radius-hub.cfg").read_text()
    (tmp_path / "hub.cfg").write_text(hub + "ipv6 access-list V6-SPOKE\n permit tcp any any\n")
    ether = scapy.Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    scapy.wrpcap(str(tmp_path / "mixed.pcap"), [
        ether / scapy.IPv6(src="2001:db8:77::9", dst="2001:db8:2::1") / scapy.TCP(dport=80),
        ether / scapy.IPv6(src="2001:db8:88::9", dst="2001:db8:2::1") / scapy.TCP(dport=80),
        ether / scapy.IP(src="10.0.0.1", dst="192.0.2.1") / scapy.TCP(dport=80)])
    for forwarded, passes in ((2, True), (3, False)):
        path = tmp_path / f"dual{regress.SUFFIX}"
        path.write_text(DUAL_CASE % {"forwarded": forwarded})
        result = regress.run_case(path)
        assert result.passed is passes, result.message
