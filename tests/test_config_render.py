"""show running-config: IOS's layout for each object, and parse(render(cfg)) == cfg on the default,
the test configs, configure-terminal edits and generated ACEs and policers."""
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfp_model.control.config import ConfigSession, load_default, parse_config, render_running_config
from qfp_model.control.config import model as M
from qfp_model.control.config.render import access_list_lines, ace_text, police_lines, running_config_body
from qfp_model.qfp import tables as T

CONFIGS = Path(__file__).parent / "configs"
GOOD_CONFIGS = ["flexvpn-hub.cfg", "unindented.cfg"]


def round_trip(cfg: M.RunningConfig) -> M.RunningConfig:
    return parse_config(render_running_config(cfg), "rendered").config


def test_default_round_trips():
    cfg = load_default().config
    assert round_trip(cfg) == cfg
    assert round_trip(round_trip(cfg)) == cfg


@pytest.mark.parametrize("name", GOOD_CONFIGS)
def test_test_configs_round_trip(name):
    cfg = parse_config((CONFIGS / name).read_text(), name).config
    text = render_running_config(cfg)
    assert round_trip(cfg) == cfg
    assert render_running_config(round_trip(cfg)) == text


def test_lenient_config_round_trips_without_its_bad_lines():
    cfg = parse_config((CONFIGS / "bad-syntax.cfg").read_text(), lenient=True).config
    assert round_trip(cfg) == cfg


def test_header_counts_the_body_bytes():
    cfg = load_default().config
    text = render_running_config(cfg)
    body = running_config_body(cfg)
    assert text == f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"
    assert body.startswith("!\nversion 17.3\n") and body.endswith("!\nend\n")


def test_acl_lines_in_ios_canonical_form():
    cfg = parse_config("ip access-list extended E\n remark web\n permit 6 10.0.0.0 0.0.0.255 10.1.1.1 0.0.0.0 eq 80\n"
                       " 25 deny udp any eq 53 any range 67 68 log\n permit 17 any any eq 500 dscp 46\n"
                       " permit tcp host 10.0.0.1 any neq 23 precedence 5\n permit 50 any any fragments\n"
                       "ip access-list standard 5\n 20 permit 10.70.10.0 0.0.10.255\n"
                       "access-list 1 permit host 10.1.0.2\naccess-list 1 deny any log\n").config
    assert access_list_lines(cfg.access_lists["E"]) == [
        "ip access-list extended E",
        " remark web",
        " 10 permit tcp 10.0.0.0 0.0.0.255 host 10.1.1.1 eq www",
        " 25 deny udp any eq domain any range bootps bootpc log",
        " 35 permit udp any any eq isakmp dscp ef",
        " 45 permit tcp host 10.0.0.1 any neq telnet precedence critical",
        " 55 permit esp any any fragments"]
    # numbered: `access-list N` lines when IOS's own numbering, else a block keeping the numbers
    assert access_list_lines(cfg.access_lists["1"]) == ["access-list 1 permit 10.1.0.2",
                                                        "access-list 1 deny any log"]
    assert access_list_lines(cfg.access_lists["5"]) == ["ip access-list standard 5",
                                                        " 20 permit 10.70.10.0 0.0.10.255"]


def test_policy_map_and_class_map_lines():
    text = render_running_config(load_default().config)
    assert ("class-map match-all CRITICAL-DATA\n match access-group 101\n match not dscp cs1\n"
            "class-map match-any SCAVENGER\n match dscp cs1\n match precedence 1\n!\n") in text
    assert ("policy-map 2M-IN\n class class-default\n  police cir 2000000 bc 62500 pir 4000000 be 125000\n"
            "   conform-action transmit\n   exceed-action set-dscp-transmit af11\n   violate-action drop\n") in text
    assert ("  police 1000000 31250 31250 conform-action transmit exceed-action set-dscp-transmit af42 "
            "violate-action drop\n") in text
    assert "policy-map PARENT-10M\n class class-default\n  police cir 10000000\n" in text
    assert "   exceed-action drop\n  service-policy CHILD-QOS\n!\n" in text


def test_police_be_before_pir_prints_after_it_as_ios_does():
    police = M.PoliceConfig(1_000_000, bc=31_250, be=31_250, pir=2_000_000)
    assert police_lines(police) == ["police cir 1000000 bc 31250 pir 2000000 be 31250"]


def test_template_profile_and_dynamic_author_lines():
    text = render_running_config(load_default().config)
    assert ("interface Virtual-Template1 type tunnel\n vrf forwarding INSIDE\n ip unnumbered Loopback1\n"
            " ip mtu 1400\n ip tcp adjust-mss 1360\n ip access-group HUB-IN in\n ip access-group HUB-OUT out\n"
            " tunnel source GigabitEthernet1\n tunnel mode ipsec ipv4\n"
            " tunnel protection ipsec profile FLEX-IPSEC\n service-policy input aaa-in-policy\n"
            " service-policy output aaa-out-policy\n!\n") in text
    # the default has `service password-encryption`: IOS prints the clear key as type 7
    assert ("aaa server radius dynamic-author\n client 127.0.0.1 server-key 7 0822455D0A16544541\n"
            " client 10.106.210.176 server-key 7 094F4108541612111909106779747A67\n port 1700\n"
            " auth-type any\n!\n") in text
    assert " keyring local FLEX-KEYS\n virtual-template 1\n!\n" in text


def test_new_objects_go_to_their_ios_section_and_round_trip():
    s = ConfigSession(load_default().config)
    for line in ["ip access-list extended ZZ-NEW", "permit ip any any", "class-map match-any NEW-CM",
                 "match dscp af31", "policy-map NEW-PM", "class NEW-CM", "police cir 16000",
                 "exit", "exit", "interface Virtual-Template7 type tunnel", "ip unnumbered Loopback0",
                 "service-policy output NEW-PM", "crypto ikev2 profile NEW-PROF", "virtual-template 7",
                 "match identity remote any", "hostname renamed", "end"]:
        s.feed(line)
    cfg = s.config
    keys = [(kind, name) for kind, name in cfg.layout if kind != M.UNMODELED]
    after = {key: keys[keys.index(key) - 1] for key in keys[1:]}
    assert after[(M.ACL, "ZZ-NEW")] == (M.ACL, "101")
    assert after[(M.CLASS_MAP, "NEW-CM")] == (M.CLASS_MAP, "SCAVENGER")
    assert after[(M.POLICY_MAP, "NEW-PM")] == (M.POLICY_MAP, "PARENT-10M")
    assert after[(M.TEMPLATE, 7)] == (M.TEMPLATE, 1)
    assert after[(M.IKEV2_PROFILE, "NEW-PROF")] == (M.IKEV2_PROFILE, "FLEX-PROFILE")
    text = render_running_config(cfg)
    assert "hostname renamed\n" in text and "interface Virtual-Template7 type tunnel\n ip unnumbered Loopback0\n" \
        " service-policy output NEW-PM\n" in text
    assert round_trip(cfg) == cfg


def test_section_placement_in_an_empty_config():
    cfg = M.RunningConfig()
    cfg.add_access_list(M.AccessList("A", True, [M.AclEntry(10, T.Ace(True))]))
    cfg.add_policy_map(M.PolicyMap("P"))
    cfg.set_hostname("h")
    assert [kind for kind, _ in cfg.layout] == [M.HOSTNAME, M.POLICY_MAP, M.ACL]
    assert round_trip(cfg) == cfg


# ---- generated -----------------------------------------------------------------------------------

addresses = st.integers(0, 0xFFFFFFFF)
wildcards = st.one_of(st.just(0), st.just(0xFFFFFFFF), addresses)


@st.composite
def endpoints(draw):
    """An address and wildcard; `any` is address 0, as the parser makes it."""
    wildcard = draw(wildcards)
    return (0 if wildcard == 0xFFFFFFFF else draw(addresses)), wildcard


@st.composite
def operator_matches(draw, make=T.PortMatch, top: int = 65535):
    """`make(op, value[, value_hi])` over 0..top (PortMatch, TtlMatch), never one that matches nothing."""
    op = draw(st.sampled_from(list(T.PortOp)))
    if op is T.PortOp.RANGE:
        lo = draw(st.integers(0, top))
        return make(op, lo, draw(st.integers(lo, top)))
    lo, hi = {T.PortOp.LT: (1, top), T.PortOp.GT: (0, top - 1)}.get(op, (0, top))
    return make(op, draw(st.integers(lo, hi)))


def port_matches():
    return operator_matches()


@st.composite
def aces(draw):
    proto = draw(st.one_of(st.none(), st.sampled_from([1, 6, 17, 47, 50, 132]), st.integers(0, 255)))
    ports = proto in T.PORT_PROTOCOLS
    sport = draw(st.one_of(st.none(), port_matches())) if ports else None
    dport = draw(st.one_of(st.none(), port_matches())) if ports else None
    flags = draw(st.sampled_from(["none", "established", "flags"])) if proto == 6 else "none"
    established = flags == "established"
    tcp_flags = draw(tcp_flag_sets()) if flags == "flags" else None
    has_l4 = sport is not None or dport is not None or established or tcp_flags is not None
    fragments = not has_l4 and draw(st.booleans())
    marking = draw(st.sampled_from(["none", "dscp", "precedence", "tos", "precedence-tos"]))
    src, src_wc, dst, dst_wc = draw(endpoints()) + draw(endpoints())
    return T.Ace(draw(st.booleans()), proto, src, src_wc, dst, dst_wc,
                 sport, dport, dscp=draw(st.integers(0, 63)) if marking == "dscp" else None,
                 precedence=draw(st.integers(0, 7)) if marking.startswith("precedence") else None,
                 tos=draw(st.integers(0, 15)) if marking.endswith("tos") else None,
                 ttl=draw(st.one_of(st.none(), ttl_matches())), tcp_flags=tcp_flags,
                 established=established, fragments=fragments)


def ttl_matches():
    return operator_matches(T.TtlMatch, 255)


@st.composite
def tcp_flag_sets(draw):
    every = sum(T.TCP_FLAG_NAMES.values())
    named = draw(st.integers(1, every))
    if draw(st.booleans()):
        return T.TcpFlags(set=named, keywords=True)
    plus = draw(st.integers(0, every)) & named
    return T.TcpFlags(set=plus, clear=named & ~plus, any=draw(st.booleans()))


actions = st.one_of(st.none(), st.sampled_from([T.TRANSMIT, T.DROP]),
                    st.builds(T.PoliceAction, st.just("set-dscp-transmit"), st.integers(0, 63)),
                    st.builds(T.PoliceAction, st.just("set-prec-transmit"), st.integers(0, 7)))


@st.composite
def police_configs(draw):
    cir = draw(st.integers(T.RATE_MIN, 10**10))
    old_form = draw(st.booleans())
    bursts = st.one_of(st.none(), st.integers(1, T.BURST_MAX))
    bc = draw(bursts)
    be = draw(bursts) if (bc is not None or not old_form) else None
    pir = None if old_form else draw(st.one_of(st.none(), st.integers(cir, T.RATE_MAX)))
    conform, exceed, violate = draw(actions), draw(actions), draw(actions)
    inline = draw(st.booleans()) and any(a is not None for a in (conform, exceed, violate))
    return M.PoliceConfig(cir, bc, be, pir, conform, exceed, violate, cir_keyword=not old_form,
                          inline_actions=inline)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(aces(), st.sampled_from([None, "log", "log-input"])), min_size=1, max_size=8),
       st.lists(st.tuples(st.booleans(), endpoints()).map(lambda a: T.Ace(a[0], None, *a[1])), max_size=4))
def test_generated_acls_round_trip(extended, standard):
    cfg = M.RunningConfig()
    cfg.add_access_list(M.AccessList("GEN", True, [M.AclEntry(10 * (i + 1), a, log)
                                                   for i, (a, log) in enumerate(extended)]))
    if standard:
        cfg.add_access_list(M.AccessList("STD", False, [M.AclEntry(7 * (i + 1), a)
                                                        for i, a in enumerate(standard)]))
    assert round_trip(cfg) == cfg


@settings(max_examples=150, deadline=None)
@given(st.lists(police_configs(), min_size=1, max_size=4),
       st.one_of(st.none(), st.integers(0, 63)), st.one_of(st.none(), st.integers(0, 7)))
def test_generated_policers_round_trip(policers, set_dscp, set_prec):
    cfg = M.RunningConfig()
    cfg.add_class_map(M.ClassMap("C", matches=[M.MatchStatement("any")]))
    pmap = cfg.add_policy_map(M.PolicyMap("P"))
    for i, police in enumerate(policers):
        child = cfg.add_policy_map(M.PolicyMap(f"CHILD{i}"))
        child.add(M.CLASS_DEFAULT).police = police
        police.to_policer()           # every generated form has an effective policer
    cls = pmap.add("C")
    cls.set_dscp = set_dscp
    cls.set_precedence = None if set_dscp is not None else set_prec
    cls.service_policy = "CHILD0"
    assert round_trip(cfg) == cfg


def test_ace_text_examples():
    ace = T.Ace(True, 6, 0x0A010000, 0xFFFF, 0x0A020202, 0, dport=T.PortMatch(T.PortOp.RANGE, 5060, 5061))
    assert ace_text(ace, True) == "permit tcp 10.1.0.0 0.0.255.255 host 10.2.2.2 range sip 5061"
    assert ace_text(T.Ace(False, 17, dport=T.PortMatch(T.PortOp.EQ, 512)), True) == "deny udp any any eq biff"
    assert ace_text(T.Ace(False, 6, dport=T.PortMatch(T.PortOp.EQ, 512)), True) == "deny tcp any any eq exec"
    assert ace_text(T.Ace(True, 99), True) == "permit 99 any any"
