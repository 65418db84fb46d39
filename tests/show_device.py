"""Devices for the show-command tests (tests/test_show_*.py), built from configuration model objects
so that they depend on the model, not on the parser's syntax."""
from __future__ import annotations

from qfp_model.control.config import model as M
from qfp_model.control.core.device import Device
from qfp_model.qfp import tables as T

ANY = (0, 0xFFFFFFFF)


def ip(text: str) -> int:
    a, b, c, d = (int(part) for part in text.split("."))
    return a << 24 | b << 16 | c << 8 | d


def ace(permit: bool, proto: int | None, src=ANY, dst=ANY, **fields) -> T.Ace:
    return T.Ace(permit, proto, src[0], src[1], dst[0], dst[1], **fields)


def acl(name: str, aces, extended: bool = True) -> M.AccessList:
    """ACEs numbered 10, 20, ... as IOS numbers them; AclEntry items (remarks) go in as they are."""
    entries, seq = [], 0
    for item in aces:
        if not isinstance(item, M.AclEntry):
            seq += 10
            item = M.AclEntry(seq, item)
        entries.append(item)
    return M.AccessList(name, extended, entries)


def acl_test() -> M.AccessList:
    """The reference's ACL_TEST (tests/golden/ios-xe/show-ip-access-lists.txt)."""
    www = T.PortMatch(T.PortOp.EQ, 80)
    host = (ip("192.168.16.1"), 0)
    sources = ["10.69.188.0"] + [f"10.4.{n}.0" for n in range(1, 17)]
    return acl("ACL_TEST", [ace(False, T.PROTO_TCP, (ip(s), 0xFF), host, dport=www) for s in sources])


def police(cir: int, **fields) -> M.PoliceConfig:
    return M.PoliceConfig(cir=cir, **fields)


def policy(name: str, *classes: M.PolicyClass) -> M.PolicyMap:
    return M.PolicyMap(name, classes=list(classes))


def hub_config() -> M.RunningConfig:
    """A FlexVPN hub: the seed's one-class policies, a two-level output policy, ACLs, two templates."""
    config = M.RunningConfig()
    config.set_hostname("hub")
    config.add_access_list(acl_test())
    config.add_access_list(acl("SIP", [ace(True, T.PROTO_UDP, dport=T.PortMatch(T.PortOp.EQ, 5060))]))
    config.add_access_list(acl("ACL-IN", [
        ace(False, T.PROTO_TCP, dst=(ip("192.0.2.1"), 0), dport=T.PortMatch(T.PortOp.EQ, 23)),
        M.AclEntry(None, remark="everything else"),
        ace(True, None)]))
    config.add_class_map(M.ClassMap("VOICE", match_all=False, matches=[
        M.MatchStatement("dscp", values=(46,)), M.MatchStatement("access-group", name="SIP")]))
    config.add_class_map(M.ClassMap("BULK", match_all=False, matches=[
        M.MatchStatement("dscp", values=(10, 12, 14))]))
    config.add_class_map(M.ClassMap("MGMT", match_all=True, matches=[
        M.MatchStatement("precedence", values=(6,)), M.MatchStatement("dscp", negate=True, values=(46,))]))
    config.add_policy_map(policy(
        "child-out",
        M.PolicyClass("VOICE", set_dscp=46, police=police(128_000)),
        M.PolicyClass("BULK", police=police(1_000_000, pir=2_000_000,
                                            exceed=T.PoliceAction("set-dscp-transmit", 8),
                                            violate=T.DROP))))
    config.add_policy_map(policy(
        "parent-out",
        M.PolicyClass("MGMT", set_precedence=6),
        M.PolicyClass("class-default", service_policy="child-out", police=police(
            10_000_000, bc=312_500, be=312_500, exceed=T.PoliceAction("set-prec-transmit", 1),
            violate=T.DROP))))
    config.add_policy_map(policy("aaa-in-policy", M.PolicyClass("class-default", police=police(1_000_000))))
    config.add_policy_map(policy("aaa-out-policy", M.PolicyClass("class-default", police=police(2_000_000))))
    config.add_virtual_template(M.VirtualTemplate(
        1, service_policy_in="aaa-in-policy", service_policy_out="parent-out", access_group_in="ACL-IN",
        other_lines=["ip unnumbered Loopback0", "tunnel source GigabitEthernet1",
                     "tunnel mode ipsec ipv4", "tunnel protection ipsec profile default"]))
    config.add_virtual_template(M.VirtualTemplate(2, other_lines=["ip unnumbered Loopback0"]))
    config.add_ikev2_profile(M.Ikev2Profile("FLEX-PROFILE", virtual_template=1))
    return config


def hub_device(fastpath_class) -> Device:
    return Device(hub_config(), fastpath=fastpath_class())
