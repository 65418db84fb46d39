"""RADIUS servers, server groups and AAA method lists in the IOS configuration (issue 13): each line
form, errors with their caret, `no` forms, the lines kept but not modeled, warnings for dangling
references, configure terminal's prompts, and show running-config's place, format and round trip."""
import pytest

from qfp_model.control.config import ConfigErrors, ConfigSession, load_default, parse_config, type7
from qfp_model.control.config import model as M
from qfp_model.control.config.render import render_running_config, running_config_body
from qfp_model.control.errors import ConfigError


def parse(text: str, **kw):
    return parse_config(text, "t.cfg", **kw)


def round_trip(cfg: M.RunningConfig) -> M.RunningConfig:
    return parse_config(render_running_config(cfg), "rendered").config


def body_lines(cfg: M.RunningConfig) -> list[str]:
    return running_config_body(cfg).splitlines()


HUB = """\
aaa new-model
!
aaa group server radius ISE
 server name PSN-1
 server name PSN-2
 deadtime 10
 ip radius source-interface Loopback0
!
aaa authentication login default local
aaa authorization network default group radius local
aaa authorization network FLEX group ISE group radius
aaa accounting update newinfo periodic 2880
aaa accounting network FLEX start-stop group ISE
aaa accounting network QUIET none
!
crypto ikev2 profile P
 match identity remote any
 aaa authorization group psk list FLEX default
 aaa authorization group cert list FLEX default
 aaa accounting psk FLEX
 virtual-template 1
!
radius-server attribute 44 include-in-access-req
radius-server dead-criteria time 5 tries 3
radius-server deadtime 15
radius-server timeout 4
radius-server retransmit 2
!
radius server PSN-1
 address ipv4 10.1.1.1 auth-port 1812 acct-port 1813
 timeout 7
 retransmit 1
 automate-tester username probe probe-on
 key 7 0822455D0A16
!
radius server PSN-2
 address ipv4 10.1.1.2
 key cisco
!
end
"""


# ---- each line form ------------------------------------------------------------------------------

def test_radius_server_lines():
    cfg = parse(HUB).config
    one, two = cfg.radius_servers["PSN-1"], cfg.radius_servers["PSN-2"]
    assert (one.address, one.auth_port, one.acct_port, one.timeout, one.retransmit) == (
        "10.1.1.1", 1812, 1813, 7, 1)
    assert one.other_lines == ["automate-tester username probe probe-on"]
    assert one.key == M.Secret("0822455D0A16", 7) and one.key.plain == "cisco"
    # IOS's ports when the line omits them; the global timers when the server has none
    assert (two.auth_port, two.acct_port, two.key, two.timeout, two.retransmit) == (
        1645, 1646, M.Secret("cisco"), None, None)
    assert (cfg.radius_server_timeout(one), cfg.radius_server_retransmit(one)) == (7, 1)
    assert (cfg.radius_server_timeout(two), cfg.radius_server_retransmit(two)) == (4, 2)
    bare = M.RunningConfig()
    assert (bare.radius_server_timeout(two), bare.radius_server_retransmit(two)) == (5, 3)


@pytest.mark.parametrize("line, key", [
    ("key 0 s3cret", M.Secret("s3cret", 0)),
    ("key s3cret", M.Secret("s3cret")),
    ("key 7", M.Secret("7")),                                   # a lone 7 is itself the key
    (f"key 7 {type7.encode('radius key', 3)}", M.Secret(type7.encode("radius key", 3), 7)),
])
def test_radius_server_key_forms(line, key):
    server = parse(f"radius server R\n {line}\n").config.radius_servers["R"]
    assert server.key == key
    assert server.key.plain == ("radius key" if key.encryption == 7 else key.typed)


def test_address_by_host_name_and_ports_in_either_order():
    server = parse("radius server R\n address ipv4 ise.example.net acct-port 1813 auth-port 1812\n"
                   ).config.radius_servers["R"]
    assert (server.address, server.auth_port, server.acct_port) == ("ise.example.net", 1812, 1813)


def test_server_group_lines():
    group = parse(HUB).config.radius_groups["ISE"]
    assert group == M.RadiusGroup("ISE", ["PSN-1", "PSN-2"], 10, ["ip radius source-interface Loopback0"])


def test_method_lists():
    cfg = parse(HUB).config
    assert cfg.authorization_network == {
        "default": M.MethodList("default", ["radius"], local=True),
        "FLEX": M.MethodList("FLEX", ["ISE", "radius"]),
    }
    assert cfg.accounting_network == {
        "FLEX": M.MethodList("FLEX", ["ISE"], record="start-stop"),
        "QUIET": M.MethodList("QUIET", [], record="none"),
    }
    assert parse("aaa authorization network L local\n").config.authorization_network["L"] == \
        M.MethodList("L", [], local=True)
    assert parse("aaa accounting network A stop-only group radius group G\n"
                 "aaa group server radius G\n").config.accounting_network["A"] == \
        M.MethodList("A", ["radius", "G"], record="stop-only")


def test_accounting_update_and_radius_server_globals():
    cfg = parse(HUB).config
    assert (cfg.accounting_periodic_minutes, cfg.accounting_update_newinfo) == (2880, True)
    assert (cfg.radius_dead_criteria, cfg.radius_dead_criteria_typed) == ((5, 3), (True, True))
    assert (cfg.radius_deadtime, cfg.radius_timeout, cfg.radius_retransmit) == (15, 4, 2)
    cfg = parse("aaa accounting update periodic 15\nradius-server dead-criteria tries 4\n").config
    assert (cfg.accounting_periodic_minutes, cfg.accounting_update_newinfo) == (15, False)
    assert cfg.radius_dead_criteria == (M.DEAD_CRITERIA_TIME, 4)
    assert cfg.radius_dead_criteria_typed == (False, True)
    assert parse("aaa accounting update newinfo\n").config.accounting_periodic_minutes is None


def test_ikev2_profile_psk_lists():
    profile = parse(HUB).config.ikev2_profiles["P"]
    assert profile.aaa_authorization_psk == ("FLEX", "default")
    assert profile.aaa_accounting_psk == "FLEX"
    assert profile.other_lines == ["match identity remote any", "aaa authorization group cert list FLEX default"]
    bare = parse("crypto ikev2 profile Q\n aaa authorization group psk list FLEX\n"
                 "aaa authorization network FLEX local\n").config.ikev2_profiles["Q"]
    assert bare.aaa_authorization_psk == ("FLEX", None)


def test_ikev2_profile_psk_forms_not_modeled_are_kept():
    line = "aaa authorization group psk list FLEX name-mangler M"
    cfg = parse(f"crypto ikev2 profile Q\n {line}\naaa authorization network FLEX local\n").config
    profile = cfg.ikev2_profiles["Q"]
    assert (profile.aaa_authorization_psk, profile.other_lines) == (None, [line])
    assert round_trip(cfg) == cfg


# ---- what is kept but not modeled ------------------------------------------------------------------

def test_other_lines_kept_and_listed_as_not_modeled():
    result = parse(HUB)
    for command in ("radius server: automate-tester", "aaa group server radius: ip radius",
                    "crypto ikev2 profile: aaa authorization", "aaa authentication", "radius-server"):
        assert command in result.unmodeled
    for modeled in ("radius server", "aaa group", "aaa authorization", "aaa accounting"):
        assert modeled not in result.unmodeled


@pytest.mark.parametrize("line", [
    "aaa authorization network L local group radius",        # local first: IOS's, not modeled
    "aaa authorization network L group radius none",
    "aaa accounting network A start-stop broadcast group radius group G",
    "aaa accounting update newinfo periodic 30 jitter maximum 10",
    "aaa authentication login default local",
    "aaa session-id common",
    "radius-server attribute 44 include-in-access-req",
    "radius-server vsa send authentication",
])
def test_forms_not_modeled_stay_verbatim(line):
    result = parse(line + "\n")
    assert [b.lines for b in result.config.unmodeled_blocks()] == [(line,)]
    assert result.config.authorization_network == {} and result.config.accounting_network == {}
    assert result.config.accounting_periodic_minutes is None
    assert render_running_config(result.config).count(line + "\n") == 1


@pytest.mark.parametrize("line", ["key 6 AbCdEf`gH", "address ipv6 2001:db8::1 auth-port 1812",
                                  "pac key cisco", "dtls port 2083"])
def test_server_lines_not_modeled_are_other_lines(line):
    server = parse(f"radius server R\n {line}\n").config.radius_servers["R"]
    assert server.other_lines == [line] and server.key is None and server.address is None


# ---- errors with their caret --------------------------------------------------------------------------

@pytest.mark.parametrize("text, reason, at", [
    # `at`: the text the caret is under (its last occurrence on the line); "" is the line's end
    ("radius server R\n address ipv4 10.1.1\n", "bad address '10.1.1'", "10.1.1"),
    ("radius server R\n address ipv4 10.1.1.1 auth-port 70000\n", "port 70000 is outside 0..65535", "70000"),
    ("radius server R\n address ipv4 10.1.1.1 auth-port 1 auth-port 2\n", "auth-port given twice", "auth-port"),
    ("radius server R\n address ipv4 10.1.1.1 vrf X\n", "unexpected 'vrf' (auth-port or acct-port)", "vrf"),
    ("radius server R\n timeout 0\n", "timeout 0 is outside 1..1000", "0"),
    ("radius server R\n retransmit 101\n", "retransmit 101 is outside 0..100", "101"),
    ("radius server R\n key 7 XYZ1\n", "bad type 7 key 'XYZ1'", "XYZ1"),
    ("radius server R\n key a b\n", "unexpected 'b'", "b"),
    ("radius server\n", "server name expected", ""),
    ("aaa group server radius G\n deadtime 1441\n", "deadtime 1441 is outside 0..1440", "1441"),
    ("aaa group server radius G\n server name\n", "server name expected", ""),
    ("aaa authorization network L\n", "method expected", ""),
    ("aaa authorization network L group\n", "server group name expected", ""),
    ("aaa authorization network L group G bogus\n", "unexpected 'bogus' (group or local)", "bogus"),
    ("aaa accounting network A sometimes group G\n",
     "unexpected 'sometimes' (start-stop, stop-only or none)", "sometimes"),
    ("aaa accounting network A start-stop local\n", "unexpected 'local' (group)", "local"),
    ("aaa accounting network A none group G\n", "unexpected 'group'", "group"),
    ("aaa accounting update periodic 0\n", "periodic interval 0 is outside 1..71582", "0"),
    ("aaa accounting update sometimes\n", "newinfo or periodic expected", "sometimes"),
    ("radius-server dead-criteria time 121\n", "time 121 is outside 1..120", "121"),
    ("radius-server dead-criteria tries 3 tries 4\n", "tries given twice", "tries"),
    ("radius-server deadtime 0\n", "deadtime 0 is outside 1..1440", "0"),
    ("radius-server timeout x\n", "bad timeout 'x'", "x"),
    ("crypto ikev2 profile P\n aaa accounting psk A B\n", "unexpected 'B'", "B"),
])
def test_errors_point_at_the_bad_token(text, reason, at):
    lines = text.splitlines()
    number, line = len(lines), lines[-1]
    column = line.rindex(at) if at else len(line)
    with pytest.raises(ConfigErrors) as info:
        parse(text)
    (error,) = info.value.errors
    assert (error.line, error.reason, error.column) == (number, reason, column)
    assert str(info.value) == f"t.cfg:{number}: {reason}\n  {line}\n  {' ' * column}^"


def test_a_bad_server_line_leaves_the_server_as_it_was_in_lenient_mode():
    result = parse("radius server R\n address ipv4 10.1.1.1\n timeout 2000\n key k\n", lenient=True)
    server = result.config.radius_servers["R"]
    assert [e.line for e in result.errors] == [3]
    assert (server.address, server.timeout, server.key) == ("10.1.1.1", None, M.Secret("k"))


# ---- references -----------------------------------------------------------------------------------

def test_forward_references_are_fine():
    result = parse("crypto ikev2 profile P\n aaa authorization group psk list L\n aaa accounting psk A\n"
                   "aaa authorization network L group G\naaa accounting network A start-stop group G\n"
                   "aaa group server radius G\n server name R\nradius server R\n")
    assert result.warnings == [] and result.errors == []


def test_dangling_references_are_accepted_with_a_warning_at_their_line():
    result = parse("aaa group server radius G\n server name NOPE\n"
                   "aaa authorization network L group MISSING group radius\n"
                   "aaa accounting network A start-stop group tacacs+\n"
                   "crypto ikev2 profile P\n aaa authorization group psk list NOLIST x\n"
                   " aaa accounting psk NOACCT\n")
    assert result.errors == []
    assert [(w.line, w.reason, w.text[w.column:]) for w in result.warnings] == [
        (2, "radius server 'NOPE' is not defined (aaa group server radius G names it)", "NOPE"),
        (3, "aaa group server radius 'MISSING' is not defined (aaa authorization network L names it)",
         "MISSING group radius"),
        (6, "method list aaa authorization network 'NOLIST' is not defined (crypto ikev2 profile P names it)",
         "NOLIST x"),
        (7, "method list aaa accounting network 'NOACCT' is not defined (crypto ikev2 profile P names it)",
         "NOACCT"),
    ]
    # the model keeps them (IOS does), and says which are dangling
    assert {(kind, name) for kind, name, _ in result.config.undefined_aaa_references()} == {
        (M.RADIUS_SERVER, "NOPE"), (M.RADIUS_GROUP, "MISSING"),
        (M.AUTHORIZATION_NETWORK, "NOLIST"), (M.ACCOUNTING_NETWORK, "NOACCT")}


def test_a_list_or_group_kept_verbatim_counts_as_defined():
    result = parse("aaa group server tacacs+ T\n server name X\n"
                   "aaa accounting network A start-stop group T\n"
                   "aaa authorization network L local group radius\n"
                   "crypto ikev2 profile P\n aaa authorization group psk list L\n")
    assert result.warnings == []


# ---- show running-config --------------------------------------------------------------------------

def test_render_in_ios_format_and_round_trip():
    cfg = parse(HUB).config
    assert body_lines(cfg)[1:] == [
        "aaa new-model", "!",
        "aaa group server radius ISE", " server name PSN-1", " server name PSN-2", " deadtime 10",
        " ip radius source-interface Loopback0", "!",
        "aaa authentication login default local",
        "aaa authorization network default group radius local",
        "aaa authorization network FLEX group ISE group radius",
        "aaa accounting update newinfo periodic 2880",
        "aaa accounting network FLEX start-stop group ISE",
        "aaa accounting network QUIET none", "!",
        "crypto ikev2 profile P", " match identity remote any",
        " aaa authorization group cert list FLEX default", " aaa authorization group psk list FLEX default",
        " aaa accounting psk FLEX", " virtual-template 1", "!",
        "radius-server attribute 44 include-in-access-req",
        "radius-server dead-criteria time 5 tries 3", "radius-server deadtime 15",
        "radius-server timeout 4", "radius-server retransmit 2", "!",
        "radius server PSN-1", " address ipv4 10.1.1.1 auth-port 1812 acct-port 1813", " timeout 7",
        " retransmit 1", " automate-tester username probe probe-on", " key 7 0822455D0A16", "!",
        # IOS prints the default ports it took
        "radius server PSN-2", " address ipv4 10.1.1.2 auth-port 1645 acct-port 1646", " key cisco", "!",
        "end"]
    assert round_trip(cfg) == cfg


def test_partial_dead_criteria_round_trips_as_typed():
    cfg = parse("radius-server dead-criteria time 7\n").config
    assert "radius-server dead-criteria time 7\n" in render_running_config(cfg)
    assert round_trip(cfg) == cfg


def test_the_default_config_loads_its_radius_parts_and_round_trips():
    result = load_default()
    cfg = result.config
    assert result.warnings == []
    assert cfg.radius_servers["ISE-1"].key.plain == type7.decode("094F4108541612111909106779747A67")
    assert cfg.radius_groups["ISE"].servers == ["ISE-1"]
    assert cfg.authorization_network["FLEX-AUTHZ"].groups == ["ISE"]
    # the embedded profile asks for no AAA at session start (default.cfg says how to turn it on)
    assert cfg.ikev2_profiles["FLEX-PROFILE"].aaa_authorization_psk is None
    text = render_running_config(cfg)
    assert ("aaa new-model\n!\naaa group server radius ISE\n server name ISE-1\n!\n"
            "aaa authentication login default local\naaa authorization exec default local\n"
            "aaa authorization network FLEX-AUTHZ group ISE\n"
            "aaa accounting network FLEX-ACCT start-stop group ISE\n!\naaa server radius dynamic-author\n") in text
    assert ("!\nradius server ISE-1\n address ipv4 10.106.210.176 auth-port 1812 acct-port 1813\n"
            " key 7 094F4108541612111909106779747A67\n!\ncontrol-plane\n") in text
    assert round_trip(cfg) == cfg


def test_objects_typed_at_a_terminal_go_where_ios_prints_them():
    s = ConfigSession(parse("hostname h\naaa new-model\naaa authentication login default local\n"
                            "aaa server radius dynamic-author\n client 10.0.0.1 server-key k\n"
                            "aaa session-id common\nip access-list extended A\n permit ip any any\n"
                            "radius-server attribute 44 include-in-access-req\ncontrol-plane\nline vty 0 4\n"
                            ).config)
    for line in ["radius server R", "address ipv4 10.1.1.1", "exit", "radius-server retransmit 2",
                 "radius-server dead-criteria tries 2", "aaa accounting network A start-stop group G",
                 "aaa accounting update periodic 5", "aaa authorization network L group G",
                 "aaa group server radius G", "server name R", "end"]:
        s.feed(line)
    lines = [x for x in body_lines(s.config) if not x.startswith(" ")]
    assert lines == [
        "!", "hostname h", "!", "aaa new-model", "!", "aaa group server radius G", "!",
        "aaa authentication login default local", "aaa authorization network L group G",
        "aaa accounting update periodic 5", "aaa accounting network A start-stop group G", "!",
        "aaa server radius dynamic-author", "!", "aaa session-id common", "!",
        "ip access-list extended A", "!", "radius-server attribute 44 include-in-access-req",
        "radius-server dead-criteria tries 2", "radius-server retransmit 2", "!", "radius server R", "!",
        "control-plane", "!", "line vty 0 4", "!", "end"]
    assert round_trip(s.config) == s.config


# ---- configure terminal -----------------------------------------------------------------------------

def test_prompts():
    s = ConfigSession(M.RunningConfig())
    seen = []
    for line in ["radius server R", "address ipv4 10.1.1.1", "aaa group server radius G",
                 "ip radius source-interface Loopback0", "server name R", "ip route 0.0.0.0 0.0.0.0 10.0.0.1",
                 "aaa group server radius G", "radius server R", "crypto ikev2 profile P",
                 "aaa authorization group cert list L", "aaa server radius dynamic-author", "exit"]:
        s.feed(line)
        seen.append(s.prompt_suffix)
    assert seen == ["(config-radius-server)", "(config-radius-server)", "(config-sg-radius)",
                    "(config-sg-radius)", "(config-sg-radius)", "(config)", "(config-sg-radius)",
                    "(config-radius-server)", "(config-ikev2-profile)", "(config-ikev2-profile)",
                    "(config-locsvr-da-radius)", "(config)"]
    cfg = s.config
    # the group kept its own ip line; `ip route` fell back to global mode, as on IOS
    assert cfg.radius_groups["G"].other_lines == ["ip radius source-interface Loopback0"]
    assert "ip route 0.0.0.0 0.0.0.0 10.0.0.1" in [b.lines[0] for b in cfg.unmodeled_blocks()]
    assert cfg.ikev2_profiles["P"].other_lines == ["aaa authorization group cert list L"]
    assert cfg.dynamic_author is not None


def test_no_forms_remove():
    s = ConfigSession(parse(HUB).config)
    for line in ["radius server PSN-1", "no key", "no timeout", "no retransmit",
                 "no automate-tester username probe probe-on", "no address ipv4", "exit",
                 "no radius server PSN-2", "aaa group server radius ISE", "no server name PSN-1",
                 "no deadtime", "no ip radius source-interface Loopback0", "exit",
                 "no aaa authorization network FLEX", "no aaa accounting network QUIET none",
                 "no aaa accounting update newinfo periodic 2880", "no radius-server dead-criteria",
                 "no radius-server deadtime", "no radius-server timeout 4", "no radius-server retransmit",
                 "crypto ikev2 profile P", "no aaa authorization group psk list FLEX default",
                 "no aaa accounting psk FLEX", "end"]:
        s.feed(line)
    cfg = s.config
    assert cfg.radius_servers == {"PSN-1": M.RadiusServer("PSN-1")}
    assert cfg.radius_groups["ISE"] == M.RadiusGroup("ISE", ["PSN-2"])
    assert set(cfg.authorization_network) == {"default"} and set(cfg.accounting_network) == {"FLEX"}
    assert (cfg.accounting_periodic_minutes, cfg.accounting_update_newinfo, cfg.radius_dead_criteria,
            cfg.radius_deadtime, cfg.radius_timeout, cfg.radius_retransmit) == (None, False, None, None, None, None)
    profile = cfg.ikev2_profiles["P"]
    assert (profile.aaa_authorization_psk, profile.aaa_accounting_psk) == (None, None)
    text = render_running_config(cfg)
    for gone in ("radius server PSN-2", "aaa accounting update", "dead-criteria", "deadtime", "timeout",
                 "retransmit", "psk", "auth-port"):
        assert gone not in text
    assert "radius server PSN-1\n!\n" in text
    assert round_trip(cfg) == cfg


def test_redefining_a_method_list_replaces_it_modeled_or_kept():
    s = ConfigSession(M.RunningConfig())
    s.feed("aaa authorization network L group G")
    s.feed("aaa authorization network L local group G")       # not modeled: kept, replacing it
    assert s.config.authorization_network == {}
    assert [b.lines for b in s.config.unmodeled_blocks()] == [("aaa authorization network L local group G",)]
    s.feed("aaa authorization network L group G local")        # modeled again: the kept one goes
    assert s.config.authorization_network["L"] == M.MethodList("L", ["G"], local=True)
    assert s.config.unmodeled_blocks() == []
    s.feed("no aaa authorization network L")
    assert s.config.authorization_network == {} and s.config.layout == []


def test_a_refused_line_at_the_terminal_changes_nothing():
    s = ConfigSession(parse(HUB).config)
    s.feed("radius server PSN-1")
    assert s.take_changes().aaa
    with pytest.raises(ConfigError) as info:
        s.feed("timeout 1001")
    assert "timeout 1001 is outside 1..1000" in str(info.value)
    assert s.config.radius_servers["PSN-1"].timeout == 7 and s.mode == "config-radius-server"
    assert s.take_changes().aaa is False


def test_abbreviations_as_ios_takes_them():
    s = ConfigSession(M.RunningConfig())
    for line in ["radius-server dead-c tr 3 ti 9", "aaa acc netw X start gr radius", "aaa acc upd new per 60",
                 "aaa author netw Y gr radius l", "radius ser R", "addr ipv4 10.0.0.1 auth 1812 acc 1813",
                 "aaa gr ser rad G", "ser na R", "dead 5"]:
        s.feed(line)
    cfg = s.config
    assert (cfg.radius_dead_criteria, cfg.radius_dead_criteria_typed) == ((9, 3), (True, True))
    assert cfg.accounting_network["X"] == M.MethodList("X", ["radius"], record="start-stop")
    assert (cfg.accounting_update_newinfo, cfg.accounting_periodic_minutes) == (True, 60)
    assert cfg.authorization_network["Y"] == M.MethodList("Y", ["radius"], local=True)
    assert cfg.radius_servers["R"] == M.RadiusServer("R", "10.0.0.1", 1812, 1813)
    assert cfg.radius_groups["G"] == M.RadiusGroup("G", ["R"], 5)
    # printed in full
    assert "radius-server dead-criteria time 9 tries 3\n" in render_running_config(cfg)
    assert round_trip(cfg) == cfg


def test_changes_report_aaa():
    s = ConfigSession(M.RunningConfig())
    s.feed("radius-server timeout 3")
    changes = s.take_changes()
    assert changes.aaa and bool(changes)
