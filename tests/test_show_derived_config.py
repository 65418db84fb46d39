"""`show derived-config interface Virtual-AccessN` (control.show.derived_config): the reference
layouts, and the session's effective service-policies and access-groups in the template's lines."""
from __future__ import annotations

import os
from pathlib import Path

from qfp_model.control.config import model as M
from qfp_model.control.core.sessions import Authorization
from qfp_model.control.show.derived_config import derived_config_data, format_body, render_derived_config
from show_device import hub_device

GOLDEN = Path(__file__).parent / "golden"
IOS_XE = GOLDEN / "ios-xe"


def test_formatter_matches_the_reference_with_its_byte_count():
    lines = ["description Sourcing interface template beta", "switchport trunk allowed vlan 3",
             "switchport mode trunk"]
    twin = {"interface": "GigabitEthernet1/0/1", "template": "-", "lines": lines, "bytes": 140}
    assert render_derived_config(twin) == (IOS_XE / "show-derived-config-interface.2.txt").read_text()
    assert sum(len(line) + 1 for line in format_body(twin["interface"], lines)) + 1 == 140


def test_a_tunnel_template_derives_the_reference_interface(fastpath_class):
    """The reference's Tunnel1 lines, cloned from a template that has all but the access-groups
    (AAA-style names on the template) and the tunnel destination (the peer)."""
    device = hub_device(fastpath_class)
    device.config.add_virtual_template(M.VirtualTemplate(
        3, access_group_in="Tu1-ipsec-ds-ipv4-in", access_group_out="Tu1-ipsec-ds-ipv4-out",
        other_lines=["ip address 192.168.1.1 255.255.255.0", "ipv6 enable",
                     "ipv6 traffic-filter Tu1-ipsec-ds-ipv6-in in",
                     "ipv6 traffic-filter Tu1-ipsec-ds-ipv6-out out", "tunnel source GigabitEthernet1",
                     "tunnel mode ipsec dual-overlay", "tunnel protection ipsec profile prof"]))
    device.session_up("30.30.30.2", "30.30.30.1", template=3)
    twin = derived_config_data(device.config, device.session("Virtual-Access1"))
    reference = (IOS_XE / "show-derived-config-interface.1.txt").read_text().splitlines()
    assert reference[0] == "interface Tunnel1"
    assert [" " + line for line in twin["lines"]] == reference[1:]


def test_aaa_attributes_replace_the_templates_lines(fastpath_class):
    device = hub_device(fastpath_class)
    session = device.session_up("27.27.27.2", "17.17.17.2")
    before = derived_config_data(device.config, device.session("Vi1"))
    assert before["lines"] == [
        "ip unnumbered Loopback0", "ip access-group ACL-IN in", "tunnel source GigabitEthernet1",
        "tunnel mode ipsec ipv4", "tunnel destination 27.27.27.2",
        "tunnel protection ipsec profile default", "service-policy input aaa-in-policy",
        "service-policy output parent-out"]
    text = render_derived_config(before)
    golden = GOLDEN / "show" / "derived-config.hub.txt"
    if os.environ.get("QFP_REGENERATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
    device.authorize(session, Authorization(policy_out="aaa-out-policy", acl_out="SIP"))
    after = derived_config_data(device.config, device.session("Vi1"))
    assert "service-policy output aaa-out-policy" in after["lines"]
    assert "service-policy output parent-out" not in after["lines"]
    assert after["lines"][1:3] == ["ip access-group ACL-IN in", "ip access-group SIP out"]
    assert after["bytes"] == before["bytes"] + len(" ip access-group SIP out\n") + len("aaa-out-policy") \
        - len("parent-out")
    assert device.config.virtual_templates[1].service_policy_out == "parent-out"


def test_a_template_that_is_not_a_tunnel_gets_no_destination(fastpath_class):
    device = hub_device(fastpath_class)
    device.session_up("27.27.27.2", "17.17.17.2", template=2)
    assert derived_config_data(device.config, device.session("Vi1"))["lines"] == ["ip unnumbered Loopback0"]
