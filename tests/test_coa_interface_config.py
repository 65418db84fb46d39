"""Issue 14, item 5: `ip:interface-config` takes every interface line the Virtual-Template takes,
and their `no` forms, applied to the session's derived config as IOS applies them to the
Virtual-Access; a line IOS would refuse is CoA-NAK 407 with the attribute echoed, nothing applied.
An Access-Accept at session start follows the same rules (aaa/ikev2.changes_from)."""
from __future__ import annotations

import pytest

from coa_helpers import SEED_AUDIT_ID, decode_reply, error_cause, request, seed_device
from qfp_model.control.aaa.ikev2 import changes_from
from qfp_model.control.core.sessions import REMOVED
from qfp_model.control.radius import packet as P
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import Direction

SOURCE = ("127.0.0.1", 40000)


@pytest.fixture
def hub():
    headend, service = seed_device(ReferenceFastPath)
    with headend:
        yield headend, service


def coa(service, *lines):
    packet = request([f"audit-session-id={SEED_AUDIT_ID}", *(f"ip:interface-config={x}" for x in lines)])
    data = service.handle(packet.RequestPacket(), SOURCE)
    assert data is not None
    return decode_reply(data)


def derived(headend) -> list[str]:
    return headend.show_data("show derived-config interface Virtual-Access1")["lines"]


def test_interface_lines_reach_the_derived_config(hub):
    headend, service = hub
    reply = coa(service, "ip mtu 1300", "ip tcp adjust-mss 1300", "description pushed by ISE")
    assert reply.code == P.COA_ACK
    lines = derived(headend)
    assert "ip mtu 1300" in lines and "ip mtu 1400" not in lines
    assert "ip tcp adjust-mss 1300" in lines and "ip tcp adjust-mss 1360" not in lines
    assert "description pushed by ISE" in lines
    text = headend.execute("show derived-config interface Virtual-Access1")
    assert " ip mtu 1300\n" in text
    # the template itself is untouched
    assert "ip mtu 1400" in headend.device.config.virtual_templates[1].other_lines


def test_no_forms_remove_a_line(hub):
    headend, service = hub
    assert coa(service, "no ip tcp adjust-mss").code == P.COA_ACK
    assert not any(x.startswith("ip tcp adjust-mss") for x in derived(headend))


def test_service_policy_type_qos_and_no_service_policy(hub):
    headend, service = hub
    device = headend.device
    assert coa(service, "service-policy type qos input 2M").code == P.COA_ACK
    assert device.session("Vi1").effective().policy_in == "2M"
    assert coa(service, "no service-policy input").code == P.COA_ACK
    session = device.session("Vi1")
    assert session.aaa.policy_in == REMOVED and session.effective().policy_in is None
    assert device.fp.target_read(session.uidb, Direction.IN) == []     # no policy bound
    assert device.fp.target_read(session.uidb, Direction.OUT) != []
    assert not any(x.startswith("service-policy input") for x in derived(headend))
    assert "service-policy output aaa-out-policy" in derived(headend)


def test_no_ip_access_group_removes_the_filter(hub):
    headend, service = hub
    assert coa(service, "no ip access-group in").code == P.COA_ACK
    assert headend.device.session("Vi1").effective().acl_in is None
    assert "ip access-group HUB-IN in" not in derived(headend)


@pytest.mark.parametrize("line", ["foo bar", "ip route 0.0.0.0 0.0.0.0 1.1.1.1", "service-policy input",
                                  "ip access-group HUB-IN sideways", "service-policy input NO-SUCH-POLICY",
                                  "ip mtu", "description", "shutdown now"])
def test_a_line_ios_refuses_is_naked_407_with_the_attribute(hub, line):
    headend, service = hub
    before = headend.device.session("Vi1").aaa
    reply = coa(service, "ip mtu 1300", line)
    assert reply.code == P.COA_NAK and error_cause(reply) == "Invalid-Attribute-Value"
    assert reply["Cisco-AVPair"] == [f"ip:interface-config={line}"]
    assert headend.device.session("Vi1").aaa == before      # all or nothing


def test_the_access_accept_rules_are_the_same():
    packet = request(["ip:interface-config=ip mtu 1300", "ip:interface-config=no service-policy output"])
    changes, sources = changes_from(P.frame(packet.RequestPacket()).attributes)
    assert changes.interface_lines == ("ip mtu 1300",) and changes.policy_out == REMOVED
    assert len(sources) == 2
