"""Issue 16: a session's inside is its own, of either family or both, whatever its transport: `sim
session up ... inside-ipv4 | inside-ipv6`, traffic of both families through one session (each
family meeting its own ACL, the policy classifying both), replay mapping packets by either
family's inside, CoA finding a session by Framed-IP-Address or Framed-IPv6-Prefix."""
from __future__ import annotations

import ipaddress

import numpy as np
import pytest

from coa_helpers import decode_reply, error_cause, request
from qfp_model.control import config as cfg
from qfp_model.control.core.device import Device
from qfp_model.control.core.replay import format_replay, replay_capture
from qfp_model.control.core.sessions import Inside, SessionError, peer_identity
from qfp_model.control.errors import ControlError, PeerNak
from qfp_model.control.headend import Headend
from qfp_model.control.radius import packet as RP
from qfp_model.qfp import packets as P
from qfp_model.qfp.pcap import Capture
from qfp_model.qfp.tables import PROTO_TCP, PROTO_UDP

SOURCE = ("127.0.0.1", 40000)
HUB = """\
hostname dual
aaa new-model
ip access-list extended V4-IN
 permit udp any any eq 5060
 deny ip any any
ipv6 access-list V6-IN
 permit tcp any any eq www
 deny ipv6 any any
class-map match-any VOICE
 match dscp ef
policy-map IN
 class VOICE
  set dscp cs5
 class class-default
  set dscp af11
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 ip access-group V4-IN in
 ipv6 traffic-filter V6-IN in
 service-policy input IN
 tunnel mode ipsec ipv4
crypto ikev2 profile P
 virtual-template 1
aaa server radius dynamic-author
 client 127.0.0.1 server-key coakey
"""


@pytest.fixture
def hub(fastpath_class):
    result = cfg.parse_config(HUB, filename="dual.cfg")
    with Headend(Device(result.config, fastpath=fastpath_class())) as headend:
        yield headend


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# ---- the inside a session is given -----------------------------------------------------------

def test_by_default_every_session_is_dual_stack_from_the_pools(hub):
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    hub.execute("sim session up remote 2001:db8::1 local 2001:db8::2")
    v4, v6 = hub.device.session("Vi1"), hub.device.session("Vi2")
    assert v4.inside == Inside(ipaddress.IPv4Address("10.0.0.1"), ipaddress.IPv6Network("2001:db8:1000:1::/64"))
    assert v6.inside == Inside(ipaddress.IPv4Address("10.0.0.2"), ipaddress.IPv6Network("2001:db8:1000:2::/64"))
    assert v6.inside.host6 == ipaddress.IPv6Address("2001:db8:1000:2::1")


def test_each_family_can_be_given_or_left_out_independently_of_the_transport(hub):
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2 inside-ipv4 none inside-ipv6 2001:db8:77::/64")
    hub.execute("sim session up remote 2001:db8::1 local 2001:db8::2 inside-ipv4 172.16.0.9 inside-ipv6 none")
    hub.execute("sim session up remote 77.1.1.3 local 77.1.1.2 inside-ipv6 2001:db8:78::5/128")
    assert hub.device.session("Vi1").inside == Inside(None, ipaddress.IPv6Network("2001:db8:77::/64"))
    assert hub.device.session("Vi2").inside == Inside(ipaddress.IPv4Address("172.16.0.9"), None)
    assert hub.device.session("Vi3").inside.host6 == ipaddress.IPv6Address("2001:db8:78::5")
    assert hub.device.sessions.by_inside(ipaddress.ip_address("2001:db8:77::abcd")).interface == "Virtual-Access1"
    assert hub.device.sessions.by_inside(ipaddress.ip_address("172.16.0.9")).interface == "Virtual-Access2"
    assert hub.device.sessions.by_inside(ipaddress.ip_address("2001:db8:78::6")) is None


@pytest.mark.parametrize("words, why", [
    ("inside-ipv4 10.0.0.1", "inside address 10.0.0.1 is in use by Virtual-Access1"),
    ("inside-ipv6 2001:db8:1000::/48", "overlaps Virtual-Access1's"),
    ("inside-ipv6 2001:db8:1000:1::8/126", "overlaps Virtual-Access1's"),
])
def test_an_inside_another_session_holds_is_refused_and_nothing_is_left(hub, words, why):
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    with pytest.raises(ControlError, match=why):
        hub.execute(f"sim session up remote 77.1.1.9 local 77.1.1.2 {words}")
    assert [s.interface for s in hub.device.sessions] == ["Virtual-Access1"]
    # the interface it would have had is free again
    assert hub.execute("sim session up remote 77.1.1.9 local 77.1.1.2 inside-ipv4 none inside-ipv6 none") \
        .startswith("Virtual-Access2 up")


def test_a_prefix_with_host_bits_is_invalid_input(hub):
    with pytest.raises(ControlError, match="Invalid input"):
        hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2 inside-ipv6 2001:db8:77::1/64")


def test_an_ipv6_peers_identity_is_spelt_one_way():
    """IOS prints an ID_IPV6_ADDR identity in upper case; the Access-Request's User-Name, the
    accounting records and a CoA's User-Name match all use that spelling (issue 16, item 4)."""
    from qfp_model.control.core.sessions import SessionTuple
    t = SessionTuple(ipaddress.ip_address("2001:db8::2"), ipaddress.ip_address("2001:db8::a:1"))
    assert peer_identity(t) == "2001:DB8::A:1"


# ---- traffic of both families through one session --------------------------------------------

def test_one_run_mixes_both_families_each_meeting_its_own_filter_and_the_policy_classifies_both(hub):
    hub.execute("sim session up remote 2001:db8::1 local 2001:db8::2")
    out = hub.execute(
        "sim traffic interface Vi1 input packets 10 size 200 rate 64000 "
        "stream name sip protocol udp destination-port 5060 destination 192.0.2.5 dscp ef "
        "stream name v4-web protocol tcp destination-port 80 destination 192.0.2.5 "
        "stream name v6-web protocol tcp destination-port 80 destination 2001:db8:9::1 dscp ef "
        "stream name v6-sip protocol udp destination-port 5060 destination 2001:db8:9::1")
    text = lines(out)
    at = {line.split(":")[0]: n for n, line in enumerate(text) if line.startswith("Stream ")}
    assert text[at["Stream sip"] + 1] == "forwarded 10, dropped 0 (access-list 0, police 0)"
    assert text[at["Stream sip"] + 2] == "dscp out: 40 x 10"           # VOICE: cs5
    assert text[at["Stream v4-web"] + 1] == "forwarded 0, dropped 10 (access-list 10, police 0)"
    assert text[at["Stream v6-web"] + 1] == "forwarded 10, dropped 0 (access-list 0, police 0)"
    assert text[at["Stream v6-web"] + 2] == "dscp out: 40 x 10"
    assert text[at["Stream v6-sip"] + 1] == "forwarded 0, dropped 10 (access-list 10, police 0)"
    v4 = hub.show_data("show ip access-lists V4-IN")[0]["entries"]
    v6 = hub.show_data("show ipv6 access-list V6-IN")[0]["entries"]
    assert [e["matches"] for e in v4] == [10, 10] and [e["matches"] for e in v6] == [10, 10]


def test_a_stream_defaults_to_the_family_the_session_has(hub):
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2 inside-ipv4 none inside-ipv6 2001:db8:77::/64")
    out = hub.execute("sim traffic interface Vi1 input packets 5 size 100 rate 8000 protocol tcp destination-port 80")
    assert "forwarded 5, dropped 0" in out        # IPv6 from 2001:db8:77::1, V6-IN's www entry
    assert hub.show_data("show ipv6 access-list V6-IN")[0]["entries"][0]["matches"] == 5
    with pytest.raises(ControlError, match="Virtual-Access1 has no inside IPv4 address: give the stream's source"):
        hub.execute("sim traffic interface Vi1 input packets 5 size 100 rate 8000 destination 192.0.2.1")


def test_an_output_stream_goes_to_the_sessions_inside_host(hub):
    session = hub.device.session_up("77.1.1.1", "77.1.1.2", inside4=None,
                                    inside6=ipaddress.IPv6Network("2001:db8:77::/64"))
    stream = hub.device.stream(_spec("Vi1", "output"))
    assert stream.dst == ipaddress.IPv6Address("2001:db8:77::1") and session.inside.ipv4 is None


def _spec(interface, direction):
    from qfp_model.control.core.traffic import TrafficSpec
    from qfp_model.qfp.tables import Direction
    return TrafficSpec(interface, Direction.OUT if direction == "output" else Direction.IN, size=100, rate=8000,
                       packets=1)


# ---- replay ----------------------------------------------------------------------------------

def test_replay_maps_each_family_by_its_inside_and_a_128_row_by_row(hub):
    device = hub.device
    device.session_up("77.1.1.1", "77.1.1.2", inside4=ipaddress.IPv4Address("172.16.0.9"),
                      inside6=ipaddress.IPv6Network("2001:db8:77::/64"))
    device.session_up("77.1.1.3", "77.1.1.2", inside4=None, inside6=ipaddress.IPv6Network("2001:db8:78::5/128"))
    hub6 = ipaddress.IPv6Address("2001:db8:9::1")
    rows = [
        P.packet(src=ipaddress.IPv4Address("172.16.0.9"), dst=ipaddress.IPv4Address("192.0.2.5"),
                 proto=PROTO_UDP, dport=5060, length=100, ts_ns=0),
        P.packet(src=ipaddress.IPv6Address("2001:db8:77::42"), dst=hub6, proto=PROTO_TCP, dport=80,
                 length=100, ts_ns=1),
        P.packet(src=ipaddress.IPv6Address("2001:db8:78::5"), dst=hub6, proto=PROTO_TCP, dport=80,
                 length=100, ts_ns=2),
        P.packet(src=ipaddress.IPv6Address("2001:db8:78::6"), dst=hub6, proto=PROTO_TCP, dport=80,
                 length=100, ts_ns=3),                       # beside the /128: no session's
        P.packet(src=ipaddress.IPv4Address("10.0.0.2"), dst=ipaddress.IPv4Address("192.0.2.5"),
                 proto=PROTO_UDP, dport=5060, length=100, ts_ns=4),   # Vi2 has no IPv4 inside
    ]
    result = replay_capture(device, Capture(np.concatenate(rows), frames=5))
    assert result.unmapped == 2 and result.forwarded == 3
    by_interface = {t["interface"]: t["packets"] for t in result.targets}
    assert by_interface == {"Virtual-Access1": 2, "Virtual-Access2": 1}
    result.file = "mixed.pcap"
    assert format_replay(result).startswith("Replayed mixed.pcap: 5 frames, 5 IP packets (2 IPv4, 3 IPv6)")


# ---- CoA finds a session by either family's inside -------------------------------------------

def _coa(hub, avpair, **attributes):
    packet = request([avpair], key="coakey", **attributes)
    return decode_reply(hub.coa.handle(packet.RequestPacket(), SOURCE), key="coakey")


def test_coa_by_framed_ipv6_prefix_and_by_an_assigned_framed_ip_address(hub):
    hub.device.session_up("77.1.1.1", "77.1.1.2", inside4=ipaddress.IPv4Address("172.16.0.9"),
                          inside6=ipaddress.IPv6Network("2001:db8:77::/64"))
    reply = _coa(hub, "ipv6:inacl=V6-IN", Framed_IPv6_Prefix="2001:db8:77::/64")
    assert reply.code == RP.COA_ACK
    reply = _coa(hub, "ipsec:inacl=V4-IN", Framed_IP_Address="172.16.0.9")
    assert reply.code == RP.COA_ACK
    # a prefix inside the session's is not the session's: no session
    reply = _coa(hub, "ipv6:inacl=V6-IN", Framed_IPv6_Prefix="2001:db8:77::/80")
    assert (reply.code, error_cause(reply)) == (RP.COA_NAK, "Session-Context-Not-Found")
    # the pool's address is not this session's once another was given
    reply = _coa(hub, "ipsec:inacl=V4-IN", Framed_IP_Address="10.0.0.1")
    assert (reply.code, error_cause(reply)) == (RP.COA_NAK, "Session-Context-Not-Found")


def test_framed_ipv6_prefix_values_are_read_as_rfc_3162_writes_them():
    assert RP.ipv6_prefix(bytes([0, 64]) + bytes.fromhex("20010db800770000")) == \
        ipaddress.IPv6Network("2001:db8:77::/64")
    assert RP.ipv6_prefix(bytes([0, 0])) == ipaddress.IPv6Network("::/0")
    for bad in (bytes([0]), bytes([0, 129]) + bytes(16), bytes([0, 64]) + bytes(4),
                bytes([0, 32]) + bytes.fromhex("20010db8ff")):
        with pytest.raises(PeerNak) as caught:
            RP.ipv6_prefix(bad)
        assert caught.value.error_cause == 407


def test_session_error_for_a_bad_inside_from_a_regress_table(hub):
    from qfp_model.control.exec.sim import session_up_from_args
    with pytest.raises(SessionError):
        session_up_from_args(hub.device, {"remote": "77.1.1.1", "local": "77.1.1.2", "inside_ipv6": "fe80::/x"})
    assert len(hub.device.sessions) == 0


# ---- what the template's tunnel mode carries -------------------------------------------------

def _retemplate(hub, mode: str) -> None:
    for line in ("configure terminal", "interface Virtual-Template1 type tunnel", f"tunnel mode {mode}", "end"):
        hub.execute(line)


def test_ipv6_through_an_ipv4_only_tunnel_mode_is_sent_and_said_once(hub):
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    for _ in range(2):
        hub.execute("sim traffic interface Vi1 input packets 2 size 100 rate 8000 destination 2001:db8:9::1")
    said = [line for line in hub.device.logbuf if "NOTMODELED" in line and "carries no IPv6" in line]
    assert len(said) == 1 and "Virtual-Template1's tunnel mode ipsec ipv4 carries no IPv6" in said[0]
    hub.execute("sim traffic interface Vi1 input packets 2 size 100 rate 8000 destination 192.0.2.1")
    assert not any("carries no IPv4" in line for line in hub.device.logbuf)
    _retemplate(hub, "ipsec dual-overlay")
    hub.execute("sim session up remote 77.1.1.2 local 77.1.1.2")
    hub.execute("sim traffic interface Vi2 input packets 2 size 100 rate 8000 destination 2001:db8:9::1")
    assert len([line for line in hub.device.logbuf if "carries no IPv6" in line]) == 1


@pytest.mark.parametrize("mode, selectors", [
    ("ipsec ipv4", ["0.0.0.0/0 - 255.255.255.255/65535"]),
    ("ipsec ipv4 v6-overlay", ["::/0 - FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF/65535"]),
    ("ipsec dual-overlay", ["::/0 - FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF/65535",
                            "0.0.0.0/0 - 255.255.255.255/65535"]),
])
def test_the_child_sa_selectors_are_the_families_the_tunnel_mode_carries(hub, mode, selectors):
    _retemplate(hub, mode)
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    (entry,) = hub.show_data("show crypto ikev2 session detailed")
    assert entry["children"][0]["local_selectors"] == selectors
    text = hub.execute("show crypto ikev2 session detailed").splitlines()
    child = text.index("Child sa:")
    rows = text[child + 2:child + 2 + len(selectors)]
    assert rows == [f"          {s}    ->    {s}" for s in selectors]


def test_a_dual_family_child_sa_has_the_reference_devices_layout(hub):
    """The reference's child SAs list an IPv6 selector pair, then an IPv4 one, each pair `local
    ->    remote` under the same header; ours too."""
    from pathlib import Path
    reference = (Path(__file__).parent / "golden" / "ios-xe" / "show-crypto-ikev2-session-detailed.txt") \
        .read_text().splitlines()
    _retemplate(hub, "ipsec dual-overlay")
    hub.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    ours = hub.execute("show crypto ikev2 session detailed").splitlines()
    for text in (reference, ours):
        at = text.index("Child sa:")
        header, six, four = text[at + 1:at + 4]
        assert header == "          local selector       ->      remote selector"
        for pair, family in ((six, 6), (four, 4)):
            local, remote = pair.strip().split("    ->    ")
            for selector in (local, remote):
                low, high = selector.split(" - ")
                assert ipaddress.ip_network(low, strict=False).version == family
                assert ipaddress.ip_address(high.rsplit("/", 1)[0]).version == family
