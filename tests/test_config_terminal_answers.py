"""Issue 14, item 1: every line typed in `configure terminal` gets an answer — applied, kept and
said to be not modeled, or refused with IOS's caret — and lines IOS knows as one-liners do not
enter a mode that IOS does not have."""
import pytest

from qfp_model.control.config import ConfigSession, load_default, render_running_config
from qfp_model.control.errors import ConfigError
from qfp_model.control.exec.terminal import ConfigLineRefused
from qfp_model.control.headend import Headend


@pytest.fixture
def term():
    with Headend.from_config_file() as headend:
        terminal = headend.open_terminal()
        terminal.execute("configure terminal")
        yield terminal


@pytest.mark.parametrize("line, prompt", [
    ("object-group network OG1", "(config-object-group)"),
    ("ipv6 access-list log-update threshold 10", "(config)"),
    ("ip access-list resequence T 100 10", "(config)"),
    ("ip domain name x", "(config)"),
    ("snmp-server community x RO", "(config)"),
    ("ntp server 1.2.3.4", "(config)"),
    ("logging host 10.1.1.1", "(config)"),
    ("crypto map CM local-address GigabitEthernet1", "(config)"),
    ("crypto map CM 10 ipsec-isakmp", "(config-crypto-map)"),
    ("router ospf 1", "(config-router)"),
])
def test_kept_lines_enter_only_modes_ios_has(term, line, prompt):
    out = term.execute(line)
    assert out == f"%PARSER-6-NOTMODELED: kept but not modeled: {line}\n"
    assert term.prompt() == f"flexvpn-hub{prompt}#"
    assert line in term.execute("do show running-config")


def test_a_global_line_after_a_one_liner_is_not_kept_under_it(term):
    term.execute("ntp server 1.2.3.4")
    with pytest.raises(ConfigLineRefused):
        term.execute("ip mtu 1300")      # IOS: invalid in global mode, and not kept under ntp
    running = term.execute("do show running-config")
    assert "ntp server 1.2.3.4\n" in running and " ip mtu 1300\nntp" not in running


def test_no_of_a_kept_global_line_removes_it_from_inside_a_block(term):
    term.execute("ntp server 1.2.3.4")
    term.execute("interface GigabitEthernet1")
    assert term.execute("no ntp server 1.2.3.4") == ""
    assert term.prompt() == "flexvpn-hub(config)#"
    assert "ntp server 1.2.3.4" not in term.execute("do show running-config")


def test_block_lines_are_noted_where_they_are(term):
    term.execute("interface GigabitEthernet1")
    assert term.execute("ip verify unicast source reachable-via rx") == (
        "%PARSER-6-NOTMODELED: kept but not modeled: interface GigabitEthernet1: "
        "ip verify unicast source reachable-via rx\n")


def test_modeled_lines_say_nothing(term):
    assert term.execute("hostname hub2") == ""
    assert term.execute("aaa server radius dynamic-author") == ""
    assert term.execute("port 3799") == ""


def test_show_parser_not_modeled_lists_the_kept_commands(term):
    term.execute("ntp server 1.2.3.4")
    term.execute("end")
    text = term.execute("show parser not-modeled")
    data = term.show_data("show parser not-modeled")
    assert "ntp" in data and "interface Virtual-Template: ip unnumbered" in data
    assert text.splitlines()[0] == "Kept in the running configuration but not modeled:"
    assert text.splitlines()[1:] == [f"  {c}" for c in data]


@pytest.mark.parametrize("line", ["no port 3799", "no port", "no auth-type all", "no auth-type",
                                  "no server-key 7 094F4108541612111909106779747A67", "no server-key",
                                  "no client 127.0.0.1 server-key cisco123", "no ignore session-key"])
def test_dynamic_author_no_forms_take_the_line_as_printed(term, line):
    term.execute("aaa server radius dynamic-author")
    assert term.execute(line) == ""
    assert term.prompt() == "flexvpn-hub(config-locsvr-da-radius)#"


def test_dynamic_author_no_port_resets_the_port_and_refuses_a_bad_one(term):
    term.execute("aaa server radius dynamic-author")
    term.execute("port 3799")
    term.execute("no port 3799")
    assert term.device.config.dynamic_author.effective_port == 1700
    with pytest.raises(ConfigLineRefused) as info:
        term.execute("no port 99999")
    assert info.value.column == len("no port ")


@pytest.mark.parametrize("leave", ["\x1a", "end", " \x1a "])
def test_ctrl_z_and_end_leave_config_mode_from_any_depth(term, leave):
    term.execute("policy-map pol")
    term.execute("class class-default")
    assert term.execute(leave) == ""
    assert term.prompt() == "flexvpn-hub#" and term.config_session is None


def _lines_with_their_modes(text: str):
    """Each line of a running-config with the lines that open its modes."""
    stack: list[str] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith(("!", "Building", "Current", "version", "end")):
            continue
        indent = len(raw) - len(raw.lstrip())
        stack = stack[:indent]
        yield list(stack), raw.strip()
        stack.append(raw.strip())


# ACLs, class-maps and policy-maps have their own `no` forms (modes/acl.py, modes/mqc.py); a
# class-map or policy-map in use is refused as IOS refuses it.
_ELSEWHERE = ("ip access-list", "access-list", "class-map", "policy-map")


def test_no_of_every_other_running_config_line_is_taken():
    config = load_default().config
    refused = []
    for modes, line in _lines_with_their_modes(render_running_config(config)):
        if (modes or [line])[0].startswith(_ELSEWHERE):
            continue
        session = ConfigSession(load_default().config)
        for mode in modes:
            session.feed(mode)
        try:
            session.feed("no " + line)
        except ConfigError as error:
            refused.append((modes, line, error.reason))
    assert refused == []


def _round_trips(term):
    from qfp_model.control.config import parse_config
    text = render_running_config(term.device.config)
    assert render_running_config(parse_config(text, "running-config").config) == text


@pytest.mark.parametrize("line, column", [("no foo bar", 3), ("no ip foo 1", 6), ("no xyzzy", 3)])
def test_no_of_an_unknown_global_command_is_invalid_input_at_its_word(term, line, column):
    with pytest.raises(ConfigLineRefused) as info:
        term.execute(line)
    assert info.value.column == column
    assert line not in term.execute("do show running-config")


def test_no_of_a_kept_one_liner_removes_it_and_no_of_hostname_takes_a_name(term):
    term.execute("snmp-server community x RO")
    assert term.execute("no snmp-server community x RO") == ""
    assert "snmp-server community x" not in term.execute("do show running-config")
    assert term.execute("no hostname flexvpn-hub") == ""
    assert term.prompt() == "Router(config)#"


@pytest.mark.parametrize("first, second, key", [
    ("ip domain name x.example", "ip domain name y.example", "ip domain name"),
    ("ntp source GigabitEthernet1", "ntp source Loopback0", "ntp source"),
    ("logging buffered 10000", "logging buffered 64000 informational", "logging buffered"),
    ("username ops privilege 15 secret 0 one", "username ops secret 0 two", "username ops"),
])
def test_a_single_valued_global_command_replaces_its_old_value_in_place(term, first, second, key):
    term.execute(first)
    term.execute("ip host spoke1 10.0.0.1")          # a line after it, where IOS's order puts it
    at = term.execute("do show running-config").splitlines().index(first)
    term.execute(second)
    lines = term.execute("do show running-config").splitlines()
    assert [x for x in lines if x.startswith(key)] == [second]
    assert lines.index(second) == at
    assert term.execute(f"no {key}") == ""
    assert not any(x.startswith(key) for x in term.execute("do show running-config").splitlines())
    _round_trips(term)


def test_commands_that_add_entries_are_not_replaced(term):
    term.execute("ntp server 192.0.2.1")
    term.execute("username second privilege 1 secret 0 x")
    running = term.execute("do show running-config")
    assert "ntp server 10.106.210.176\n" in running and "ntp server 192.0.2.1\n" in running
    assert "username admin " in running and "username second " in running


def test_lines_typed_under_a_kept_block_stay_in_it(term):
    term.execute("line vty 0 4")
    for line in ["logging synchronous", "password 7 0822455D0A16", "login local", "privilege level 15",
                 "transport input ssh"]:
        term.execute(line)
        assert term.prompt() == "flexvpn-hub(config-line)#", line
    term.execute("ntp server 192.0.2.7")               # not a line command: global, as on IOS
    assert term.prompt() == "flexvpn-hub(config)#"
    text = term.execute("do show running-config | section line vty")
    assert text == ("line vty 0 4\n access-class 1 in\n transport input ssh\n logging synchronous\n"
                    " password 7 0822455D0A16\n login local\n privilege level 15\n")
    running = term.execute("do show running-config")
    assert "\nlogging synchronous" not in running and "\nntp server 192.0.2.7\n" in running
    _round_trips(term)


def test_no_under_a_kept_block_removes_the_line(term):
    term.execute("router ospf 1")
    term.execute("network 10.0.0.0 0.255.255.255 area 0")
    term.execute("mpls ldp autoconfig")
    term.execute("passive-interface default")
    assert term.execute("no network 10.0.0.0 0.255.255.255 area 0") == ""
    assert term.execute("do show running-config | section router ospf") == (
        "router ospf 1\n mpls ldp autoconfig\n passive-interface default\n")
    term.execute("no auto-summary")                    # nothing to remove: a line of its own
    assert " no auto-summary\n" in term.execute("do show running-config | section router ospf")
    _round_trips(term)


def test_a_single_valued_line_of_a_kept_block_replaces_its_value_in_place(term):
    term.execute("line vty 0 4")
    term.execute("exec-timeout 5 0")
    term.execute("exec-timeout 10 0")
    assert term.execute("do show running-config | section line vty") == (
        "line vty 0 4\n access-class 1 in\n transport input ssh\n exec-timeout 10 0\n")
    term.execute("transport input none")
    term.execute("no exec-timeout 99 0")
    assert term.execute("do show running-config | section line vty") == (
        "line vty 0 4\n access-class 1 in\n transport input none\n")
    _round_trips(term)


@pytest.mark.parametrize("typed, shown", [
    ("ip domain-name x.example", "ip domain name x.example"),
    ("no ip domain-lookup", "no ip domain lookup"),
    ("ip domain-list a.example", "ip domain list a.example"),
])
def test_a_renamed_command_is_shown_as_ios_xe_spells_it_now(term, typed, shown):
    term.execute(typed)
    lines = term.execute("do show running-config").splitlines()
    assert shown in lines and typed not in lines
    _round_trips(term)


def test_old_and_new_spellings_of_the_domain_name_are_one_setting(term):
    term.execute("ip domain name x.example")
    term.execute("ip domain-name y.example")
    assert [x for x in term.execute("do show running-config").splitlines() if "domain" in x.split()[:2]] == \
        ["ip domain name y.example"]
    assert term.execute("no ip domain-name") == ""
    assert "ip domain name" not in term.execute("do show running-config")


@pytest.mark.parametrize("line, column, why", [
    ("ip mtu", None, "incomplete command: 'ip mtu' needs a value"),
    ("description", None, "incomplete command: 'description' needs a value"),
    ("service-policy", None, "incomplete command: 'service-policy' needs a value"),
    ("ip tcp adjust-mss", None, "incomplete command: 'ip tcp adjust-mss' needs a value"),
    ("shutdown now", 9, "'shutdown' takes nothing after it"),
    ("no ip redirects please", 16, "'ip redirects' takes nothing after it"),
])
@pytest.mark.parametrize("interface", ["Virtual-Template1", "Loopback0"])
def test_an_interface_command_missing_its_value_or_with_words_too_many_is_refused(term, interface, line, column,
                                                                                  why):
    """IOS's `% Incomplete command.` and `% Invalid input` for a kept interface line: before, `ip mtu`
    alone replaced `ip mtu 1400` with a line that has no value."""
    term.execute(f"interface {interface}")
    before = term.execute(f"do show running-config interface {interface}")
    with pytest.raises(ConfigLineRefused) as info:
        term.execute(line)
    assert str(info.value) == f"{why} (at '^' marker)"
    if column is not None:
        assert info.value.column == column
    assert term.execute(f"do show running-config interface {interface}") == before


@pytest.mark.parametrize("line", ["shutdown", "no shutdown", "no ip mtu", "keepalive", "no description", "dampening"])
def test_interface_commands_complete_without_a_value_are_taken(term, line):
    term.execute("interface Loopback0")
    term.execute(line)


def test_a_keyrings_peers_are_sub_modes_with_their_own_lines(term):
    """`peer P` under `crypto ikev2 keyring` enters (config-ikev2-keyring-peer): its lines are its
    own, one indentation deeper, `exit` goes back to the keyring, another `peer` opens the next
    (or re-enters one), and `no peer P` takes the peer with its lines. Before, the peers' lines
    were the keyring's, flat, and one `exit` too many left configuration mode."""
    term.execute("crypto ikev2 keyring K2")
    term.execute("peer P")
    assert term.prompt() == "flexvpn-hub(config-ikev2-keyring-peer)#"
    for line in ["address 0.0.0.0 0.0.0.0", "pre-shared-key local one", "peer Q", "address 10.0.0.0 255.0.0.0",
                 "exit"]:
        term.execute(line)
    assert term.prompt() == "flexvpn-hub(config-ikev2-keyring)#"
    term.execute("peer P")
    term.execute("no pre-shared-key local one")
    term.execute("pre-shared-key local two")
    term.execute("exit")
    term.execute("exit")
    assert term.prompt() == "flexvpn-hub(config)#"
    assert term.execute("do show running-config | section keyring K2") == (
        "crypto ikev2 keyring K2\n peer P\n  address 0.0.0.0 0.0.0.0\n  pre-shared-key local two\n"
        " peer Q\n  address 10.0.0.0 255.0.0.0\n")
    _round_trips(term)
    term.execute("crypto ikev2 keyring K2")
    term.execute("no peer P")
    assert term.execute("do show running-config | section keyring K2") == (
        "crypto ikev2 keyring K2\n peer Q\n  address 10.0.0.0 255.0.0.0\n")


def test_a_key_chains_keys_are_sub_modes(term):
    for line in ["key chain KC", "key 1", "key-string abc", "key 2", "key-string def", "exit"]:
        term.execute(line)
    assert term.prompt() == "flexvpn-hub(config-keychain)#"
    term.execute("key 1")
    assert term.prompt() == "flexvpn-hub(config-keychain-key)#"
    term.execute("end")
    assert term.execute("show running-config | section key chain") == (
        "key chain KC\n key 1\n  key-string abc\n key 2\n  key-string def\n")
