"""Issue 16: `ipv6 access-list NAME` read with IOS XE's grammar into tables.Ace6, printed back as
IOS XE's running-config prints it (`sequence N` first), round-tripped, refused with a caret where
IOS refuses, and bound by `ipv6 traffic-filter` on the Virtual-Template."""
from __future__ import annotations

import ipaddress

import pytest

from qfp_model.control.config import model as M
from qfp_model.control.config.parser import ConfigErrors, parse_config
from qfp_model.control.config.render import ipv6_access_list_lines, render_running_config, template_lines
from qfp_model.control.headend import Headend
from qfp_model.qfp import tables as T


def v6(text: str) -> int:
    return int(ipaddress.IPv6Address(text))


def parse(text: str):
    return parse_config(text)


def one_list(body: str, name: str = "V6") -> M.AccessList:
    return parse(f"ipv6 access-list {name}\n{body}").config.ipv6_access_lists[name]


def test_entries_read_into_ace6_with_ios_numbering():
    acl = one_list(" permit tcp 2001:db8:13::/64 any eq 22\n"
                   " sequence 5 permit ipv6 host 2001:DB8:3::3 host 2001:DB8:2::2\n"
                   " deny icmp any any echo-request\n"
                   " permit udp any eq 53 2001:db8::/32 range 1000 2000 dscp ef flow-label 77\n"
                   " permit ipv6 any any routing hbh dest-option\n"
                   " permit 50 any any sequence 100\n")
    assert [e.seq for e in acl.aces()] == [5, 10, 20, 30, 40, 100]
    by_seq = {e.seq: e.ace for e in acl.aces()}
    assert by_seq[5] == T.Ace6(True, None, v6("2001:db8:3::3"), 128, v6("2001:db8:2::2"), 128)
    assert by_seq[10] == T.Ace6(True, 6, v6("2001:db8:13::"), 64, 0, 0,
                                dport=T.PortMatch(T.PortOp.EQ, 22))
    assert by_seq[20] == T.Ace6(False, 58, icmp_type=128)
    assert by_seq[30] == T.Ace6(True, 17, 0, 0, v6("2001:db8::"), 32, sport=T.PortMatch(T.PortOp.EQ, 53),
                                dport=T.PortMatch(T.PortOp.RANGE, 1000, 2000), dscp=46, flow_label=77)
    assert by_seq[40].ext == T.EXT_ROUTING | T.EXT_HOP_BY_HOP | T.EXT_DEST_OPTS
    assert by_seq[100] == T.Ace6(True, 50)


def test_running_config_prints_sequence_first_upper_case_names_and_round_trips():
    config = parse("ipv6 access-list V6T\n"
                   " permit tcp 2001:db8:13::/64 any eq 22\n"
                   " remark web servers\n"
                   " permit tcp any host 2001:db8::80 eq 80 established log\n"
                   " permit icmp any any 1 3\n"
                   " permit icmp any any nd-na\n"
                   " deny udp any any dscp default fragments\n"
                   "ip access-list extended V6T\n"
                   " permit ip any any\n").config
    assert ipv6_access_list_lines(config.ipv6_access_lists["V6T"]) == [
        "ipv6 access-list V6T",
        " sequence 10 permit tcp 2001:DB8:13::/64 any eq 22",
        " remark web servers",
        " sequence 20 permit tcp any host 2001:DB8::80 eq www established log",
        " sequence 30 permit icmp any any 1 3",
        " sequence 40 permit icmp any any nd-na",
        " sequence 50 deny udp any any dscp default fragments",
    ]
    # Same name, other family: both kept, each in its own namespace.
    assert config.access_lists["V6T"].aces()[0].ace == T.Ace(True, None)
    text = render_running_config(config)
    again = parse(text.split("\n", 3)[3]).config
    assert again == config


@pytest.mark.parametrize("line, caret_at, reason", [
    (" permit ipv6 2001:db8::/64 0.0.0.255 any", "0.0.0.255", "not wildcard masks"),
    (" permit ipv6 10.0.0.0/8 any", "10.0.0.0/8", "bad IPv6 address"),
    (" permit ipv6 2001:db8::/129 any", "2001:db8::/129", "bad prefix length"),
    (" permit tcp any any syn", "syn", "not supported by this model"),
    (" permit ipv6 any any time-range WORK", "time-range", "not supported by this model"),
    (" permit icmp any any eq 80", "eq", "needs protocol tcp, udp or sctp"),
    (" permit udp any any established", "established", "established needs protocol tcp"),
    (" permit ipv6 any any flow-label 1048576", "1048576", "outside 0..1048575"),
    (" permit ipv6 any any bogus", "bogus", "unexpected 'bogus'"),
    (" permit nosuch any any", "nosuch", "IPv6 protocol name"),
])
def test_bad_entries_are_refused_with_their_caret(line, caret_at, reason):
    with pytest.raises(ConfigErrors) as info:
        parse(f"ipv6 access-list X\n{line}\n")
    error = info.value.errors[0]
    assert reason in error.reason
    assert error.line == 2
    assert error.column == line.index(caret_at)


def test_missing_destination_points_past_the_line():
    with pytest.raises(ConfigErrors) as info:
        parse("ipv6 access-list X\n permit ipv6 any\n")
    assert "destination" in info.value.errors[0].reason
    assert info.value.errors[0].column == len(" permit ipv6 any")


def test_log_is_kept_and_modeled():
    result = parse("ipv6 access-list X\n permit ipv6 any any log-input\n")
    assert result.config.ipv6_access_lists["X"].aces()[0].log == "log-input"
    assert not any("ipv6 access-list" in x for x in result.unmodeled)


@pytest.fixture
def term():
    with Headend.from_config_file() as headend:
        terminal = headend.open_terminal()
        terminal.execute("configure terminal")
        yield terminal


def test_terminal_mode_sequence_and_no_forms(term):
    assert term.execute("ipv6 access-list T6") == ""
    assert term.prompt().endswith("(config-ipv6-acl)#")
    term.execute("permit tcp any any eq www")
    term.execute("permit udp any any")
    term.execute("sequence 15 deny ipv6 host 2001:db8::1 any")
    term.execute("permit icmp any any echo-reply sequence 100")
    run = term.execute("do show running-config")
    assert ("ipv6 access-list T6\n"
            " sequence 10 permit tcp any any eq www\n"
            " sequence 15 deny ipv6 host 2001:DB8::1 any\n"
            " sequence 20 permit udp any any\n"
            " sequence 100 permit icmp any any echo-reply\n") in run
    term.execute("no sequence 15")
    term.execute("no permit udp any any")
    term.execute("permit sctp any any")            # 10 past the highest, as IOS numbers
    run = term.execute("do show running-config")
    assert ("ipv6 access-list T6\n"
            " sequence 10 permit tcp any any eq www\n"
            " sequence 100 permit icmp any any echo-reply\n"
            " sequence 110 permit sctp any any\n") in run
    with pytest.raises(Exception, match="duplicate sequence number 10"):
        term.execute("sequence 10 permit ipv6 any any")
    term.execute("exit")
    term.execute("no ipv6 access-list T6")
    assert "ipv6 access-list T6" not in term.execute("do show running-config")


def test_traffic_filter_on_the_template_prints_after_the_ip_lines():
    config = parse("ipv6 access-list F6\n permit ipv6 any any\n"
                   "interface Virtual-Template1 type tunnel\n"
                   " ip unnumbered Loopback0\n"
                   " ipv6 traffic-filter F6 in\n"
                   " ipv6 traffic-filter F6 out\n"
                   " tunnel mode ipsec ipv4\n").config
    vt = config.virtual_templates[1]
    assert (vt.traffic_filter_in, vt.traffic_filter_out) == ("F6", "F6")
    assert template_lines(vt) == ["interface Virtual-Template1 type tunnel", " ip unnumbered Loopback0",
                                  " ipv6 traffic-filter F6 in", " ipv6 traffic-filter F6 out",
                                  " tunnel mode ipsec ipv4"]


def test_an_undefined_traffic_filter_list_is_a_warning_and_an_ipv4_list_does_not_define_it():
    result = parse("ip access-list extended F6\n permit ip any any\n"
                   "interface Virtual-Template1 type tunnel\n ipv6 traffic-filter F6 in\n")
    assert [w.reason for w in result.warnings] == [
        "access-list 'F6' is not defined (interface Virtual-Template1 ipv6 names it)"]
