"""ICMP messages in extended ACEs: IOS's names and `TYPE [CODE]` numbers, printed back as IOS does;
matched on the type and code the packet record carries in its port fields, by the C fast path and
the reference alike; filled by pcap replay and by `sim traffic ... icmp-type N icmp-code N`."""
from __future__ import annotations

import numpy as np
import pytest

from fastpaths import native_fastpath_class
from qfp_model.control.config import ConfigErrors, parse_config, render
from qfp_model.control.core.device import Device
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.control.errors import ControlError
from qfp_model.qfp import packets as P
from qfp_model.qfp.errors import TableError
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import PROTO_ICMP, Ace, Direction

ANY = 0xFFFFFFFF


def entries(lines: str):
    return parse_config(f"ip access-list extended A\n{lines}").config.access_lists["A"].entries


@pytest.mark.parametrize("line, type_code, printed", [
    ("permit icmp any any echo", (8, None), "permit icmp any any echo"),
    ("permit icmp any any echo-reply", (0, None), "permit icmp any any echo-reply"),
    ("permit icmp any any port-unreachable", (3, 3), "permit icmp any any port-unreachable"),
    ("permit icmp any any unreachable", (3, None), "permit icmp any any unreachable"),
    ("permit icmp any any ttl-exceeded", (11, 0), "permit icmp any any ttl-exceeded"),
    ("permit icmp any any time-exceeded", (11, None), "permit icmp any any time-exceeded"),
    ("permit icmp any any 3 4", (3, 4), "permit icmp any any packet-too-big"),   # IOS names it back
    ("permit icmp any any 3", (3, None), "permit icmp any any unreachable"),
    ("deny icmp any host 10.1.1.1 200 7 log", (200, 7), "deny icmp any host 10.1.1.1 200 7 log"),
    ("permit icmp any any 42 dscp ef", (42, None), "permit icmp any any 42 dscp ef"),
    ("permit icmp any any", (None, None), "permit icmp any any"),
])
def test_icmp_messages_parse_and_print_as_ios(line, type_code, printed):
    (entry,) = entries(f" {line}\n")
    assert (entry.ace.icmp_type, entry.ace.icmp_code) == type_code
    assert render.ace_text(entry.ace, True, entry.log) == printed
    # The printed form reads back to the same ACE.
    (again,) = entries(f" {printed}\n")
    assert again.ace == entry.ace


@pytest.mark.parametrize("line, message", [
    ("permit icmp any any echo-replay", "icmp message 'echo-replay' is not 0..255 or an icmp message name"),
    ("permit icmp any any 256", "icmp type 256 is outside 0..255"),
    ("permit icmp any any 3 256", "icmp code 256 is outside 0..255"),
    ("permit icmp any any echo 3", "unexpected '3'"),
    ("permit udp any any echo", "unexpected 'echo'"),
])
def test_bad_icmp_messages_are_refused(line, message):
    with pytest.raises(ConfigErrors) as info:
        entries(f" {line}\n")
    assert message in str(info.value.errors[0])


def test_table_checks():
    with pytest.raises(TableError, match="needs protocol icmp"):
        Ace(True, 17, icmp_type=8)
    with pytest.raises(TableError, match="needs an ICMP type"):
        Ace(True, PROTO_ICMP, icmp_code=0)
    with pytest.raises(TableError, match="fragments cannot be combined"):
        Ace(True, PROTO_ICMP, icmp_type=8, fragments=True)


ACL = [
    Ace(False, PROTO_ICMP, 0, ANY, 0, ANY, icmp_type=3, icmp_code=3),    # deny port-unreachable
    Ace(True, PROTO_ICMP, 0, ANY, 0, ANY, icmp_type=3),                  # permit unreachable
    Ace(True, PROTO_ICMP, 0, ANY, 0, ANY, icmp_type=8),                  # permit echo
    Ace(False, PROTO_ICMP, 0, ANY, 0, ANY),                              # deny icmp
    Ace(True, None, 0, ANY, 0, ANY),                                     # permit ip
]
#            type, code, frag, expected ACE
PACKETS = [(3, 3, P.FRAG_NONE, 0), (3, 1, P.FRAG_NONE, 1), (8, 0, P.FRAG_NONE, 2),
           (8, 5, P.FRAG_INITIAL, 2), (0, 0, P.FRAG_NONE, 3), (11, 0, P.FRAG_NONE, 3),
           # no ICMP header: a deny that names a message cannot catch it, a permit lets it by
           (0, 0, P.FRAG_NONINITIAL, 1)]


@pytest.mark.parametrize("impl", ["reference", "native"])
def test_icmp_aces_match_type_and_code(impl):
    fp = ReferenceFastPath() if impl == "reference" else native_fastpath_class()()
    slot = fp.acl_create(ACL)
    batch = P.empty_batch(len(PACKETS))
    batch["proto"] = PROTO_ICMP
    batch["length"] = 84
    for i, (icmp_type, code, frag, _) in enumerate(PACKETS):
        batch[i]["sport"], batch[i]["dport"], batch[i]["frag"] = icmp_type, code, frag
    assert fp.acl_classify(slot, batch).tolist() == [p[3] for p in PACKETS]


def test_the_reference_and_c_agree_on_icmp_packets():
    """Every ACE of the list against every type and code 0..15 and both fragment kinds with a header."""
    fp = native_fastpath_class()()
    ref = ReferenceFastPath()
    aces = ACL + [Ace(False, PROTO_ICMP, 0, ANY, 0, ANY, icmp_type=t, icmp_code=c)
                  for t, c in ((0, None), (11, 1), (5, None))]
    slots = (fp.acl_create(aces), ref.acl_create(aces))
    grid = [(t, c, f) for t in range(16) for c in range(16) for f in range(3)]
    batch = P.empty_batch(len(grid))
    batch["proto"] = PROTO_ICMP
    batch["sport"], batch["dport"], batch["frag"] = np.array(grid).T
    assert fp.acl_classify(slots[0], batch).tolist() == ref.acl_classify(slots[1], batch).tolist()


def test_sim_traffic_spec_carries_icmp_type_and_code():
    spec = TrafficSpec.from_words("Vi1", Direction.IN, size=84, rate=8000, packets=1, protocol="icmp",
                                  icmp_type=3, icmp_code=3)
    assert (spec.protocol, spec.source_port, spec.destination_port) == (PROTO_ICMP, 3, 3)
    echo = TrafficSpec.from_words("Vi1", Direction.IN, size=84, rate=8000, packets=1, protocol="icmp")
    assert (echo.source_port, echo.destination_port) == (8, 0)    # echo requests by default
    with pytest.raises(ControlError, match="icmp-type needs protocol icmp"):
        TrafficSpec.from_words("Vi1", Direction.IN, size=84, rate=8000, packets=1, icmp_type=8)
    with pytest.raises(ControlError, match="icmp-code 300 is not"):
        TrafficSpec("Vi1", Direction.IN, 84, 8000, packets=1, protocol=1, icmp_type=3, icmp_code=300)


CONFIG = """\
hostname hub
ip access-list extended IN
 10 deny icmp any any port-unreachable
 20 permit icmp any any echo
 30 deny icmp any any
 40 permit ip any any
interface Virtual-Template1 type tunnel
 ip access-group IN in
crypto ikev2 profile PROF
 virtual-template 1
"""


def test_a_session_filters_icmp_by_message(tmp_path):
    native_fastpath_class()
    path = tmp_path / "hub.cfg"
    path.write_text(CONFIG)
    device = Device.from_config_file(path)
    device.session_up("77.1.1.1", "77.1.1.2")

    def send(**icmp):
        return device.traffic(TrafficSpec("Vi1", Direction.IN, size=84, rate=80_000, packets=2,
                                          protocol=PROTO_ICMP, **icmp))
    assert send(icmp_type=3, icmp_code=3).dropped_acl == 2
    assert send().forwarded == 2                       # echo
    assert send(icmp_type=0).dropped_acl == 2          # echo-reply: the deny icmp
    assert device.fp.acl_counters(device.compiler.acl_slots()["IN"]).hits == (2, 2, 2, 0)


def test_pcap_replay_fills_icmp_type_and_code():
    scapy = pytest.importorskip("scapy.all")
    from test_pcap import MACS, classic
    frames = [bytes(scapy.Ether(**MACS) / scapy.IP(src="10.0.0.1", dst="10.0.0.2") / scapy.ICMP(type=3, code=4)),
              bytes(scapy.Ether(**MACS) / scapy.IP(src="10.0.0.1", dst="10.0.0.2") / scapy.ICMP(type=8)),
              bytes(scapy.Ether(**MACS) / scapy.IP(src="10.0.0.1", dst="10.0.0.2") / scapy.UDP(sport=7, dport=9))]
    from qfp_model.qfp import pcap
    b = pcap.parse(classic(frames)).batch
    assert b["sport"].tolist() == [3, 8, 7] and b["dport"].tolist() == [4, 0, 9]


def test_sim_traffic_command_and_show_ip_access_lists(tmp_path):
    native_fastpath_class()
    from qfp_model.control.headend import Headend
    path = tmp_path / "hub.cfg"
    path.write_text(CONFIG)
    headend = Headend.from_config_file(path)
    headend.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    out = headend.execute("sim traffic interface Vi1 input protocol icmp icmp-type 3 icmp-code 3 "
                          "size 84 rate 8000 packets 3")
    assert "3 packets" in out
    headend.execute("sim traffic interface Vi1 input protocol icmp size 84 rate 8000 packets 2")
    assert headend.execute("show ip access-lists IN") == (
        "Extended IP access list IN\n"
        "    10 deny icmp any any port-unreachable (3 matches)\n"
        "    20 permit icmp any any echo (2 matches)\n"
        "    30 deny icmp any any\n"
        "    40 permit ip any any\n")
