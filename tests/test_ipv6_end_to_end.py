"""Issue 16: IPv6 through the control plane into the fast path and back: `ipv6 traffic-filter` and
`ipv6:inacl`/`ipv6:outacl` bind IPv6 lists, `sim traffic` with IPv6 addresses meets them, `show
ipv6 access-list` counts what they matched, class-maps classify IPv6 packets by an IPv6 list, and
CoA identifies and changes sessions over IPv6 transport. Needs the IPv6 fast path (v6fp's b77d539)."""
from __future__ import annotations

import ipaddress

import pytest

from coa_helpers import decode_reply, error_cause, request
from qfp_model.control.core.sessions import SessionTuple
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.control.headend import Headend
from qfp_model.control.radius import packet as P
from qfp_model.qfp.tables import PROTO_TCP, PROTO_UDP, Direction

SOURCE = ("127.0.0.1", 40000)
WEB6 = "2001:db8:9::1"
V6_CONFIG = [
    "ipv6 access-list V6-IN",
    " permit tcp any any eq www",
    " deny udp any any eq 53",
    " permit ipv6 any 2001:db8:2::/48",
    "exit",
    "ipv6 access-list V6-ALT",
    " deny ipv6 any any",
    "exit",
]


@pytest.fixture
def hub(fastpath_class):
    with Headend.from_config_file(None, fastpath=fastpath_class()) as headend:
        terminal = headend.open_terminal()
        terminal.execute("configure terminal")
        for line in V6_CONFIG:
            terminal.execute(line)
        terminal.execute("interface Virtual-Template1")
        terminal.execute("ipv6 traffic-filter V6-IN in")
        terminal.execute("end")
        yield headend, terminal


def send(device, interface="Vi1", direction=Direction.IN, **fields):
    return device.traffic(TrafficSpec(interface, direction, size=100, rate=80_000, packets=fields.pop("packets", 4),
                                      **fields))


def test_traffic_filter_filters_ipv6_and_leaves_ipv4_to_ip_access_group(hub):
    headend, terminal = hub
    device = headend.device
    session = device.session_up("2001:db8::1", "2001:db8::2")
    assert session.effective().acl6_in == "V6-IN"
    web = send(device, protocol=PROTO_TCP, destination_port=80, destination="2001:db8:9::1")
    dns = send(device, protocol=PROTO_UDP, destination_port=53, destination="2001:db8:2::1")
    inside = send(device, protocol=PROTO_UDP, destination_port=9, destination="2001:db8:2::7", packets=3)
    other = send(device, protocol=PROTO_UDP, destination_port=9, destination="2001:db8:9::1", packets=2)
    assert (web.forwarded, web.dropped_acl) == (4, 0)
    assert (dns.forwarded, dns.dropped_acl) == (0, 4)
    assert (inside.forwarded, inside.dropped_acl) == (3, 0)
    assert (other.forwarded, other.dropped_acl) == (0, 2)           # IOS's implicit deny ipv6 any any
    text = terminal.execute("show ipv6 access-list V6-IN")
    assert text == ("IPv6 access list V6-IN\n"
                    "    permit tcp any any eq www (4 matches) sequence 10\n"
                    "    deny udp any any eq domain (4 matches) sequence 20\n"
                    "    permit ipv6 any 2001:DB8:2::/48 (3 matches) sequence 30\n")
    # IPv4 traffic on the same session meets the template's `ip access-group`, not the IPv6 list.
    v4 = send(device, protocol=PROTO_UDP, destination_port=53)
    assert v4.packets == 4
    assert headend.show_data("show ipv6 access-list V6-IN")[0]["entries"][1]["matches"] == 4
    assert "IPv6 access list V6-IN" in terminal.execute("show access-lists")
    terminal.execute("clear ipv6 access-list V6-IN")
    assert "matches" not in terminal.execute("show ipv6 access-list V6-IN")


def test_an_edit_keeps_counters_by_sequence_and_applies_at_once(hub):
    headend, terminal = hub
    device = headend.device
    device.session_up("2001:db8::1", "2001:db8::2")
    send(device, protocol=PROTO_TCP, destination_port=80, destination="2001:db8:9::1")
    for line in ("configure terminal", "ipv6 access-list V6-IN", "sequence 5 deny tcp any any eq www", "end"):
        terminal.execute(line)
    assert send(device, protocol=PROTO_TCP, destination_port=80, destination="2001:db8:9::1").dropped_acl == 4
    entries = headend.show_data("show ipv6 access-list V6-IN")[0]["entries"]
    assert [(e["seq"], e["matches"]) for e in entries] == [(5, 4), (10, 4), (20, 0), (30, 0)]


def coa(headend, session, *avpairs):
    packet = request([f"audit-session-id={session.audit_session_id}", *avpairs])
    data = headend.coa.handle(packet.RequestPacket(), SOURCE)
    return decode_reply(data)


def test_coa_ipv6_inacl_binds_the_list_and_bad_ones_are_naked(hub):
    headend, _ = hub
    device = headend.device
    session = device.session_up("2001:db8::1", "2001:db8::2")
    assert coa(headend, session, "ipv6:inacl=V6-ALT").code == P.COA_ACK
    assert device.session("Vi1").effective().acl6_in == "V6-ALT"
    assert send(device, protocol=PROTO_TCP, destination_port=80, destination=WEB6).dropped_acl == 4
    reply = coa(headend, session, "ipv6:outacl=NO-SUCH")
    assert (reply.code, error_cause(reply)) == (P.COA_NAK, "Invalid-Attribute-Value")
    reply = coa(headend, session, "ipv6:inacl#1=permit ipv6 any any")
    assert (reply.code, error_cause(reply)) == (P.COA_NAK, "Unsupported-Attribute")
    reply = coa(headend, session, "ipv6:inacl=V6 IN")
    assert (reply.code, error_cause(reply)) == (P.COA_NAK, "Invalid-Attribute-Value")
    # an IPv4 list of that name is not an IPv6 one
    reply = coa(headend, session, "ipv6:inacl=HUB-IN")
    assert (reply.code, error_cause(reply)) == (P.COA_NAK, "Invalid-Attribute-Value")
    assert device.session("Vi1").effective().acl6_in == "V6-ALT"     # nothing applied
    assert coa(headend, session, "ip:interface-config=ipv6 traffic-filter V6-IN out").code == P.COA_ACK
    assert device.session("Vi1").effective().acl6_out == "V6-IN"
    assert "ipv6 traffic-filter V6-IN out" in headend.execute("show derived-config interface Virtual-Access1")
    assert coa(headend, session, "ip:interface-config=no ipv6 traffic-filter in").code == P.COA_ACK
    assert send(device, protocol=PROTO_TCP, destination_port=80, destination=WEB6).dropped_acl == 0


def test_ipv6_session_audit_session_id_round_trips_and_identifies_it(hub):
    headend, _ = hub
    session = headend.device.session_up("2001:db8::1", "2001:db8::2", remote_port=4500)
    text = session.audit_session_id
    assert text == ("L2L10" + "20010DB8" + "0" * 23 + "2" + "ZO0L10" + "20010DB8" + "0" * 23 + "1"
                    + "ZI1F41194ZO0")
    assert SessionTuple.from_audit_session_id(text) == session.tuple
    assert SessionTuple.from_audit_session_id(text).remote == ipaddress.IPv6Address("2001:db8::1")
    # Calling-Station-Id in IPv6 identifies it too
    packet = request(["ipv6:inacl=V6-ALT"], Calling_Station_Id="2001:db8::1")
    assert decode_reply(headend.coa.handle(packet.RequestPacket(), SOURCE)).code == P.COA_ACK


def test_sim_session_up_and_traffic_take_ipv6_words(hub):
    headend, terminal = hub
    out = terminal.execute("sim session up remote 2001:db8::1 local 2001:db8::2")
    assert out.startswith("Virtual-Access1 up, audit-session-id L2L10")
    out = terminal.execute("sim traffic interface Vi1 input protocol udp destination-port 53 "
                           "destination 2001:db8:2::1 size 100 rate 80000 packets 5")
    assert "forwarded 0, dropped 5 (access-list 5, police 0)" in out
    out = terminal.execute("sim traffic interface Vi1 input duration 1 stream name web protocol tcp "
                           "destination-port 80 source 2001:db8:1000:1::9 size 1000 rate 80000 "
                           "stream name v4 size 1000 rate 80000")
    assert "web" in out and "v4" in out
    with pytest.raises(Exception, match="different IP families"):
        terminal.execute("sim traffic interface Vi1 input source 10.0.0.1 destination 2001:db8::9 "
                         "size 100 rate 80000 packets 1")


def test_class_map_matches_an_ipv6_list_and_a_shared_name_matches_each_family(hub):
    headend, terminal = hub
    device = headend.device
    for line in ("configure terminal",
                 "ipv6 access-list WEB", "permit tcp any any eq www", "exit",
                 "ip access-list extended WEB", "permit udp any any eq 5060", "exit",
                 "class-map match-any WEB-CLASS", "match access-group name WEB", "exit",
                 "policy-map WEB-POLICY", "class WEB-CLASS", "set dscp af41", "exit", "exit",
                 "interface Virtual-Template1", "no ipv6 traffic-filter V6-IN in", "no ip access-group HUB-IN in",
                 "service-policy input WEB-POLICY", "end"):
        terminal.execute(line)
    device.session_up("2001:db8::1", "2001:db8::2")
    web6 = send(device, protocol=PROTO_TCP, destination_port=80, destination="2001:db8:9::1")
    sip6 = send(device, protocol=PROTO_UDP, destination_port=5060, destination="2001:db8:9::1")
    sip4 = send(device, protocol=PROTO_UDP, destination_port=5060)
    web4 = send(device, protocol=PROTO_TCP, destination_port=80)
    assert web6.dscp_out == {34: 4}         # the IPv6 list, for IPv6 packets
    assert sip6.dscp_out == {0: 4}
    assert sip4.dscp_out == {34: 4}         # the IPv4 list of the same name, for IPv4 packets
    assert web4.dscp_out == {0: 4}
    # show policy-map interface counts IPv6 packets in their class as it counts IPv4 ones
    classes = headend.show_data("show policy-map interface Vi1 input")[0]["service_policies"][0]["classes"]
    assert [(c["name"], c["packets"]) for c in classes] == [("WEB-CLASS", 8), ("class-default", 8)]
    # deleting the IPv4 list leaves the class to the IPv6 one: the policy is recompiled
    for line in ("configure terminal", "no ip access-list extended WEB", "end"):
        terminal.execute(line)
    assert send(device, protocol=PROTO_UDP, destination_port=5060).dscp_out == {0: 4}
    assert send(device, protocol=PROTO_TCP, destination_port=80, destination="2001:db8:9::1").dscp_out == {34: 4}


def test_icmp_in_an_ipv6_stream_is_icmpv6_and_meets_icmp_entries(hub):
    headend, terminal = hub
    for line in ("configure terminal", "ipv6 access-list V6-IN", "sequence 5 deny icmp any any echo-request",
                 "sequence 6 permit icmp any any echo-reply", "end"):
        terminal.execute(line)
    device = headend.device
    device.session_up("2001:db8::1", "2001:db8::2")
    assert send(device, protocol=1, destination=WEB6).dropped_acl == 4
    assert send(device, protocol=1, icmp_type=129, destination=WEB6).forwarded == 4
    entries = headend.show_data("show ipv6 access-list V6-IN")[0]["entries"]
    assert [(e["seq"], e["matches"]) for e in entries[:2]] == [(5, 4), (6, 4)]


def test_log_on_an_ipv6_entry_is_modeled(hub):
    """`log` writes %IPV6_ACL lines (tests/test_acl_log.py): no notice, nothing listed as not modeled."""
    headend, terminal = hub
    terminal.execute("configure terminal")
    terminal.execute("ipv6 access-list V6-IN")
    assert terminal.execute("permit ipv6 any any log") == ""
    terminal.execute("end")
    assert "ipv6 access-list" not in terminal.execute("show parser not-modeled")
    assert " sequence 40 permit ipv6 any any log\n" in terminal.execute("show running-config")


def test_replay_maps_ipv6_packets_to_sessions_by_their_inside_64(hub):
    """A capture's IPv6 packets go to the session whose inside /64 holds their address (the pcap
    reader's IPv6 is the fast path's; the batch here is what it hands over)."""
    import numpy as np

    from qfp_model.control.core.replay import replay_capture
    from qfp_model.qfp import packets as P
    from qfp_model.qfp.pcap import Capture

    headend, _ = hub
    device = headend.device
    session = device.session_up("2001:db8::1", "2001:db8::2")
    inside = device.inside_prefix6(session)
    assert inside == ipaddress.IPv6Network("2001:db8:1000:1::/64")
    rows = [P.packet(src=inside.network_address + 77, dst=ipaddress.IPv6Address("2001:db8:2::1"),
                     proto=PROTO_UDP, dport=53, length=100, ts_ns=i) for i in range(3)]
    rows.append(P.packet(src=ipaddress.IPv6Address("2001:db8:1000:2::5"), dst=ipaddress.IPv6Address("2001:db8:2::1"),
                         proto=PROTO_TCP, dport=80, length=100, ts_ns=3))
    capture = Capture(np.concatenate(rows), frames=4)
    result = replay_capture(device, capture)
    assert result.unmapped == 1                       # no session has 2001:db8:1000:2::/64
    assert (result.forwarded, result.dropped) == (0, 3)     # V6-IN denies udp 53
    assert headend.show_data("show ipv6 access-list V6-IN")[0]["entries"][1]["matches"] == 3
