"""IPv4 extended ACE options ttl, tos and TCP flags in the configuration: what a line reads as,
what the running-config and `show ip access-lists` print back, and the lines IOS refuses, with
their caret (control/config/syntax.py, render.py; control/show/access_lists.py)."""
from __future__ import annotations

import pytest

from qfp_model.control.config import ConfigErrors, parse_config
from qfp_model.control.config.render import ace_text
from qfp_model.control.headend import Headend
from qfp_model.control.show.access_lists import access_lists_data, render_access_lists
from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import (
    PROTO_ICMP,
    PROTO_TCP,
    PROTO_UDP,
    TCP_ACK,
    TCP_FIN,
    TCP_RST,
    TCP_SYN,
    Ace,
    Direction,
    PortMatch,
    PortOp,
    TcpFlags,
    TtlMatch,
)
from show_device import acl, hub_device

ANY = 0xFFFFFFFF
WWW = PortMatch(PortOp.EQ, 80)


def one_entry(line: str):
    (entry,) = parse_config(f"ip access-list extended A\n {line}\n", "t.cfg").config.access_lists["A"].entries
    return entry


# (line as typed, the Ace it is, the line as IOS prints it back)
GOOD = [
    ("permit tcp any any eq www ttl gt 5", Ace(True, PROTO_TCP, dport=WWW, ttl=TtlMatch(PortOp.GT, 5)), None),
    ("permit ip any any ttl eq 1", Ace(True, None, ttl=TtlMatch(PortOp.EQ, 1)), None),
    ("deny ip any any ttl lt 2", Ace(False, None, ttl=TtlMatch(PortOp.LT, 2)), None),
    ("permit ip any any ttl neq 64", Ace(True, None, ttl=TtlMatch(PortOp.NEQ, 64)), None),
    ("permit udp any any ttl range 1 10 log", Ace(True, PROTO_UDP, ttl=TtlMatch(PortOp.RANGE, 1, 10)), None),
    ("permit ip any any tos 2", Ace(True, None, tos=2), "permit ip any any tos max-reliability"),
    ("permit ip any any tos min-delay", Ace(True, None, tos=8), None),
    ("permit ip any any tos 12", Ace(True, None, tos=12), None),
    ("permit ip any any tos normal precedence 5", Ace(True, None, tos=0, precedence=5),
     "permit ip any any precedence critical tos normal"),
    ("permit tcp any any match-all +ack +syn", Ace(True, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_ACK | TCP_SYN)),
     None),
    ("deny tcp any any match-all -ack +syn", Ace(False, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN, clear=TCP_ACK)),
     "deny tcp any any match-all -ack +syn"),
    ("permit tcp any any match-any +syn +fin", Ace(True, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN | TCP_FIN,
                                                                                      any=True)),
     "permit tcp any any match-any +fin +syn"),
    ("deny tcp any any syn", Ace(False, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN, keywords=True)), None),
    ("permit tcp any eq www any rst ack", Ace(True, PROTO_TCP, sport=WWW,
                                             tcp_flags=TcpFlags(set=TCP_RST | TCP_ACK, keywords=True)),
     "permit tcp any eq www any ack rst"),
    ("permit tcp any any eq 22 syn dscp af21 ttl gt 3 log-input",
     Ace(True, PROTO_TCP, dport=PortMatch(PortOp.EQ, 22), dscp=18, ttl=TtlMatch(PortOp.GT, 3),
         tcp_flags=TcpFlags(set=TCP_SYN, keywords=True)),
     "permit tcp any any eq 22 syn dscp af21 ttl gt 3 log-input"),
    ("permit icmp any any echo ttl lt 3", Ace(True, PROTO_ICMP, icmp_type=8, ttl=TtlMatch(PortOp.LT, 3)),
     None),
    ("permit ip any any ttl eq 255 fragments", Ace(True, None, ttl=TtlMatch(PortOp.EQ, 255), fragments=True), None),
]


@pytest.mark.parametrize("line, ace, printed", GOOD, ids=[g[0] for g in GOOD])
def test_good_lines_read_and_print_back(line, ace, printed):
    entry = one_entry(line)
    assert entry.ace == ace
    assert ace_text(entry.ace, True, entry.log) == (printed or line)
    # What IOS prints reads back as the same entry.
    assert one_entry(printed or line) == entry


# (line, the error, the caret's column in the line as typed)
BAD = [
    ("permit udp any any syn", "syn needs protocol tcp", "syn"),
    ("permit ip any any match-all +syn", "match-all needs protocol tcp", "match-all"),
    ("permit ip any any dscp ef tos 4", "an ACE matches dscp or tos, not both", "tos"),
    ("permit ip any any tos 4 dscp ef", "an ACE matches dscp or tos, not both", "dscp"),
    ("permit ip any any precedence 5 tos 2 dscp ef", "an ACE matches dscp or precedence, not both", "dscp"),
    ("permit ip any any tos 4 tos 2", "tos given twice", "tos 2"),
    ("permit tcp any any established syn",
     "an ACE matches established, TCP flag keywords or match-all|match-any, one of them", "syn"),
    ("permit tcp any any syn match-any +ack",
     "an ACE matches established, TCP flag keywords or match-all|match-any, one of them", "match-any"),
    ("permit tcp any any syn syn", "TCP flag syn given twice", "syn"),
    ("permit tcp any any match-all +syn -syn", "TCP flag syn given twice", "-syn"),
    ("permit tcp any any match-any +syn +bogus", "'+bogus' is not a TCP flag: +|- ack, fin, psh, rst, syn or urg",
     "+bogus"),
    ("permit tcp any any match-all log", "+ or - TCP flag expected after match-all", "log"),
    ("permit ip any any ttl eq 256", "ttl 256 is outside 0..255", "256"),
    ("permit ip any any ttl foo 5", "ttl operator 'foo' is not eq, neq, lt, gt or range", "foo"),
    ("permit ip any any ttl lt 0", "ttl lt 0 matches nothing", "lt"),
    ("permit ip any any ttl range 9 3", "ttl range 9 3 is empty", "range"),
    ("permit ip any any ttl eq 3 ttl eq 4", "ttl given twice", "ttl eq 4"),
    ("permit ip any any tos 16", "tos '16' is not 0..15 or a tos name", "16"),
    ("permit ip any any tos fast", "tos 'fast' is not 0..15 or a tos name", "fast"),
    ("permit ip any any packet-length eq 100", "ACE option 'packet-length' is not supported by this model",
     "packet-length"),
]


@pytest.mark.parametrize("line, message, at", BAD, ids=[b[0] for b in BAD])
def test_bad_lines_are_refused_with_their_caret(line, message, at):
    with pytest.raises(ConfigErrors) as info:
        parse_config(f"ip access-list extended A\n {line}\n", "t.cfg")
    column = line.rindex(at) if at in ("tos 2", "ttl eq 4", "syn") else line.index(at)
    assert str(info.value) == f"t.cfg:2: {message}\n   {line}\n" + " " * (column + 3) + "^"


def test_configure_terminal_refuses_with_ios_words():
    from qfp_model.control.exec.terminal import ConfigLineRefused
    with Headend.from_config_file() as headend:
        term = headend.open_terminal()
        term.execute("configure terminal")
        term.execute("ip access-list extended X")
        assert term.execute("permit tcp any any match-all +syn -ack ttl gt 1") == ""
        with pytest.raises(ConfigLineRefused) as info:
            term.execute("permit ip any any dscp ef tos 4")
        assert info.value.column == len("permit ip any any dscp ef ")
        assert [e.ace.tcp_flags for e in term.device.config.access_lists["X"].aces()] == [
            TcpFlags(set=TCP_SYN, clear=TCP_ACK)]
        running = term.execute("do show running-config")
        assert " 10 permit tcp any any match-all -ack +syn ttl gt 1\n" in running


def test_show_ip_access_lists_prints_them_as_ios_with_the_fast_paths_counts(fastpath_class):
    device = hub_device(fastpath_class)
    aces = [Ace(False, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN, clear=TCP_ACK)),
            Ace(True, PROTO_TCP, dport=WWW, ttl=TtlMatch(PortOp.GT, 5)),
            Ace(True, None, tos=8, precedence=5),
            Ace(True, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_FIN | TCP_RST, any=True)),
            Ace(False, None)]
    device.config.add_access_list(acl("EXTRA", aces))
    slot = device.compiler.acl_slot("EXTRA")
    batch = P.empty_batch(6)
    batch["family"], batch["proto"], batch["dport"], batch["length"] = 4, PROTO_TCP, 80, 100
    batch["tcp_flags"] = [TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK, TCP_ACK | TCP_FIN, TCP_ACK]
    batch["ttl"] = [64, 64, 64, 5, 5, 1]
    batch["dscp"] = [0, 0, 0, 44, 0, 0]   # precedence 5, ToS 8: DSCP 101100
    uidb = device.fp.uidb_create(99, "Virtual-Access99")
    device.fp.bind(uidb, Direction.IN, acl=slot)
    device.fp.process(batch)
    data = access_lists_data(device.fp, device.config, device.compiler.acl_slots(), "EXTRA")
    assert [(e["text"], e["matches"]) for e in data[0]["entries"]] == [
        ("deny tcp any any match-all -ack +syn", 1),
        ("permit tcp any any eq www ttl gt 5", 2),
        ("permit ip any any precedence critical tos min-delay", 1),
        ("permit tcp any any match-any +fin +rst", 1),
        ("deny ip any any", 1),
    ]
    assert render_access_lists(data) == (
        "Extended IP access list EXTRA\n"
        "    10 deny tcp any any match-all -ack +syn (1 match)\n"
        "    20 permit tcp any any eq www ttl gt 5 (2 matches)\n"
        "    30 permit ip any any precedence critical tos min-delay (1 match)\n"
        "    40 permit tcp any any match-any +fin +rst (1 match)\n"
        "    50 deny ip any any (1 match)\n")


def test_sim_traffic_sends_a_hosts_ttl_which_acls_see(fastpath_class):
    """Simulated packets leave with TTL 64 (a host's), so that `ttl` ACEs meet what a real flow
    would give them: here a deny of TTL below 2 passes the stream, and flags decide the rest."""
    from qfp_model.control.core.traffic import TrafficSpec
    from show_device import ace
    device = hub_device(fastpath_class)
    device.config.add_access_list(acl("ACL-IN", [
        ace(False, None, ttl=TtlMatch(PortOp.LT, 2)),
        ace(False, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN, clear=TCP_ACK)),
        ace(True, None, ttl=TtlMatch(PortOp.EQ, 64))]))
    device.session_up("27.27.27.2", "17.17.17.2")
    for flags, n in (("syn", 3), ("syn,ack", 4)):
        device.traffic(TrafficSpec.from_words("Vi1", Direction.IN, size=100, rate=80_000, packets=n,
                                              protocol="tcp", flags=flags))
    (twin,) = access_lists_data(device.fp, device.config, device.compiler.acl_slots(), "ACL-IN")
    assert [(e["text"], e["matches"]) for e in twin["entries"]] == [
        ("deny ip any any ttl lt 2", 0), ("deny tcp any any match-all -ack +syn", 3),
        ("permit ip any any ttl eq 64", 4)]
    # `ttl N` sends another TTL: a dying packet meets the first entry
    device.traffic(TrafficSpec.from_words("Vi1", Direction.IN, size=100, rate=80_000, packets=2, ttl=1))
    (twin,) = access_lists_data(device.fp, device.config, device.compiler.acl_slots(), "ACL-IN")
    assert twin["entries"][0]["matches"] == 2


def test_sim_traffic_takes_a_ttl_and_refuses_one_out_of_range():
    with Headend.from_config_file() as headend:
        headend.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
        out = headend.execute("sim traffic interface Vi1 input ttl 1 size 100 rate 8000 packets 3")
        assert "Sent 3 packets" in out
        with pytest.raises(Exception, match="Invalid input"):
            headend.execute("sim traffic interface Vi1 input ttl 256 size 100 rate 8000 packets 3")
