"""`log` and `log-input` ACEs: IOS's %SEC-6-IPACCESSLOG* lines for `sim traffic`, the first packet
of a flow at once and then a count every 5 minutes of virtual time."""
from __future__ import annotations

import pytest

from fastpaths import native_fastpath_class
from qfp_model.control.core.acl_log import INTERVAL_NS, AclLog, line_text
from qfp_model.control.core.traffic import Flow
from qfp_model.control.headend import Headend

CONFIG = """\
hostname hub
ip access-list extended IN
 10 deny tcp any any eq telnet log
 20 deny icmp any any echo log-input
 30 permit gre any any log
 40 permit udp any any eq 53
 50 permit ip any any log
interface Virtual-Template1 type tunnel
 ip access-group IN in
crypto ikev2 profile PROF
 virtual-template 1
"""


@pytest.fixture
def headend(tmp_path):
    native_fastpath_class()
    path = tmp_path / "hub.cfg"
    path.write_text(CONFIG)
    h = Headend.from_config_file(path)
    h.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    return h


def sec_lines(headend) -> list[str]:
    # each log line is `*Dec  2 13:16:52.123: %SEC-6-...`: the message, without its timestamp
    return [line[line.index("%SEC-6"):] for line in headend.device.logbuf if "%SEC-6" in line]


def test_first_packet_at_once_then_every_five_minutes(headend):
    # 100-byte packets at 800 bit/s: one a second; 12 minutes of them.
    headend.execute("sim traffic interface Vi1 input protocol tcp source-port 40000 destination-port 23 "
                    "size 100 rate 800 duration 720")
    assert sec_lines(headend) == [
        "%SEC-6-IPACCESSLOGP: list IN denied tcp 10.0.0.1(40000) -> 192.0.2.1(23), 1 packet",
        # packets 1..299 leave in the first window (t = 1 s .. 299 s), 300..599 in the second;
        # the third window (600 s .. 900 s) has not ended when the run does.
        "%SEC-6-IPACCESSLOGP: list IN denied tcp 10.0.0.1(40000) -> 192.0.2.1(23), 299 packets",
        "%SEC-6-IPACCESSLOGP: list IN denied tcp 10.0.0.1(40000) -> 192.0.2.1(23), 300 packets",
    ]
    # The rest of the third window's count comes out once the clock passes its end.
    headend.execute("sim traffic interface Vi1 input protocol udp destination-port 53 size 100 rate 800 "
                    "duration 200")
    assert sec_lines(headend)[3:] == [
        "%SEC-6-IPACCESSLOGP: list IN denied tcp 10.0.0.1(40000) -> 192.0.2.1(23), 120 packets"]


def test_icmp_log_input_gre_and_other_flows(headend):
    headend.execute("sim traffic interface Vi1 input protocol icmp size 84 rate 8000 packets 3")
    headend.execute("sim traffic interface Vi1 input protocol gre size 100 rate 8000 packets 2")
    headend.execute("sim traffic interface Vi1 input protocol udp destination-port 53 size 100 rate 8000 "
                    "packets 2")   # no log on 40: nothing
    headend.execute("sim traffic interface Vi1 input protocol udp destination-port 54 size 100 rate 8000 "
                    "packets 1")
    assert sec_lines(headend) == [
        "%SEC-6-IPACCESSLOGDP: list IN denied icmp 10.0.0.1 (Virtual-Access1) -> 192.0.2.1 (8/0), 1 packet",
        "%SEC-6-IPACCESSLOGNP: list IN permitted 47 10.0.0.1 -> 192.0.2.1, 1 packet",
        "%SEC-6-IPACCESSLOGP: list IN permitted udp 10.0.0.1(1024) -> 192.0.2.1(54), 1 packet",
    ]
    # Five quiet minutes later the pending counts are written, and the entries end.
    headend.execute("sim traffic interface Vi1 input protocol udp destination-port 53 size 100 rate 800 "
                    "duration 400")
    assert sec_lines(headend)[3:] == [
        "%SEC-6-IPACCESSLOGDP: list IN denied icmp 10.0.0.1 (Virtual-Access1) -> 192.0.2.1 (8/0), 2 packets",
        "%SEC-6-IPACCESSLOGNP: list IN permitted 47 10.0.0.1 -> 192.0.2.1, 1 packet",
    ]
    # A new packet of an ended flow is a first packet again.
    headend.execute("sim traffic interface Vi1 input protocol gre size 100 rate 8000 packets 1")
    assert sec_lines(headend)[-1] == "%SEC-6-IPACCESSLOGNP: list IN permitted 47 10.0.0.1 -> 192.0.2.1, 1 packet"


def test_rate_limit_in_isolation():
    lines = []
    log = AclLog(lines.append)
    flow = Flow(1, 2, 6, 3, 4, size=100, rate=800, t0=0)       # one packet a second
    log.packets(("k",), "X", flow, 1000)
    log.flush(10**15)
    # 1, then windows [0, 300 s), [300, 600), [600, 900), [900, 1200) hold 299, 300, 300, 100.
    assert lines == ["X, 1 packet", "X, 299 packets", "X, 300 packets", "X, 300 packets", "X, 100 packets"]
    assert INTERVAL_NS == 300 * 10**9


def test_standard_acl_wording():
    flow = Flow(0x0A000001, 0, 0, 0, 0, size=100, rate=800, t0=0)
    assert line_text("7", False, False, flow, None) == "%SEC-6-IPACCESSLOGS: list 7 denied 10.0.0.1"
    lines = []
    AclLog(lines.append).packets(("k",), line_text("7", False, False, flow, None), flow, 1)
    assert lines == ["%SEC-6-IPACCESSLOGS: list 7 denied 10.0.0.1 1 packet"]


CONFIG6 = """\
hostname hub
ipv6 access-list V6-IN
 permit tcp any any eq www log
 deny icmp any any echo-request log-input
 permit 89 any any log
 permit udp any any eq 53
 deny ipv6 any any log
ip access-list extended V6-IN
 10 permit ip any any log
interface Virtual-Template1 type tunnel
 ip access-group V6-IN in
 ipv6 traffic-filter V6-IN in
crypto ikev2 profile PROF
 virtual-template 1
"""


def ipv6_lines(headend) -> list[str]:
    return [line[line.index("%IPV6_ACL"):] for line in headend.device.logbuf if "%IPV6_ACL" in line]


def test_an_ipv6_lists_log_entries_write_ipv6_acl_lines_naming_the_entry(tmp_path):
    """IOS's %IPV6_ACL-6-ACCESSLOG* lines: the list and the entry's sequence, addresses compressed
    in upper case, the same per-flow rate limiting; the IPv4 list of the same name logs apart."""
    native_fastpath_class()
    path = tmp_path / "hub6.cfg"
    path.write_text(CONFIG6)
    h = Headend.from_config_file(path)
    h.execute("sim session up remote 2001:db8::1 local 2001:db8::2")
    h.execute("sim traffic interface Vi1 input protocol tcp source 2001:db8:1000::b15:22 source-port 60892 "
              "destination 2001:db8:9::1 destination-port 80 size 100 rate 800 duration 400")
    h.execute("sim traffic interface Vi1 input protocol icmp icmp-type 128 source 2001:db8:1000::7 "
              "destination 2001:db8:9::1 size 100 rate 800 packets 2")
    h.execute("sim traffic interface Vi1 input protocol 89 source 2001:db8:1000::7 destination ff02::5 "
              "size 100 rate 800 packets 1")
    h.execute("sim traffic interface Vi1 input protocol udp source 2001:db8:1000::7 destination 2001:db8:9::1 "
              "destination-port 53 size 100 rate 800 packets 1")
    h.execute("sim traffic interface Vi1 input protocol udp source 2001:db8:1000::7 destination 2001:db8:9::1 "
              "destination-port 54 size 100 rate 800 packets 1")
    h.execute("sim traffic interface Vi1 input protocol udp destination-port 9 size 100 rate 800 packets 1")
    assert ipv6_lines(h) == [
        "%IPV6_ACL-6-ACCESSLOGP: list V6-IN/10 permitted tcp 2001:DB8:1000::B15:22(60892) -> 2001:DB8:9::1(80), "
        "1 packet",
        "%IPV6_ACL-6-ACCESSLOGP: list V6-IN/10 permitted tcp 2001:DB8:1000::B15:22(60892) -> 2001:DB8:9::1(80), "
        "299 packets",
        "%IPV6_ACL-6-ACCESSLOGDP: list V6-IN/20 denied icmpv6 2001:DB8:1000::7 (Virtual-Access1) -> "
        "2001:DB8:9::1 (128/0), 1 packet",
        "%IPV6_ACL-6-ACCESSLOGNP: list V6-IN/30 permitted 89 2001:DB8:1000::7 -> FF02::5, 1 packet",
        "%IPV6_ACL-6-ACCESSLOGP: list V6-IN/50 denied udp 2001:DB8:1000::7(1024) -> 2001:DB8:9::1(54), 1 packet",
    ]
    assert sec_lines(h) == ["%SEC-6-IPACCESSLOGP: list V6-IN permitted udp 10.0.0.1(1024) -> 192.0.2.1(9), 1 packet"]
