"""The IKEv2 CoA component on a real device, through the dynamic-author service (no socket): the
seed's request and trace, the seven AV pairs, every NAK, session identification per auth-type,
Disconnect, and `show aaa server radius dynamic-author`."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from coa_helpers import KEY, SEED_AUDIT_ID, SEED_CLIENT, decode_reply, error_cause, request, seed_device, seed_request
from fastpaths import native_fastpath_class
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.control.radius import packet as P
from qfp_model.qfp.reference import ReferenceFastPath

CLIENT = ("127.0.0.1", 50000)
SEED_TRACE = Path(__file__).parent / "golden" / "coa-debug-trace.txt"


@pytest.fixture(params=["reference", "native"])
def hub(request):
    cls = ReferenceFastPath if request.param == "reference" else native_fastpath_class()
    return seed_device(cls)


def send(service, packet, source=CLIENT):
    data = service.handle(packet.RequestPacket(), source)
    assert data is not None
    reply = decode_reply(data)
    assert packet.VerifyReply(reply, data)
    return reply


def normalised(lines: list[str]) -> list[str]:
    """tests/golden/README's rules: whitespace runs collapse; the timestamp and the attribute
    list's address column are the device's own (still checked for their format)."""
    out = []
    for line in lines:
        line = " ".join(line.split())
        line, n = re.subn(r"^\*[A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d\.\d{3}:", "*TIME:", line)
        assert n == 1, line
        out.append(re.sub(r"^\*TIME: [0-9A-F]{8} 0 ", "*TIME: ADDR 0 ", line))
    return out


def test_the_seeds_request_gives_the_seeds_trace_and_policies(hub):
    headend, service = hub
    device = headend.device
    # The seed's authenticator was made with a key it does not give: take it as `ignore server-key`.
    device.config.dynamic_author.ignore_server_key = True
    headend.execute("debug radius")
    headend.execute("debug aaa coa")
    data = seed_request()
    assert len(data) == 257
    before = len(device.logbuf)
    reply = service.handle(data, SEED_CLIENT)
    assert reply[0] == P.COA_ACK and reply[1] == 125
    trace = list(device.logbuf)[before:]
    assert normalised(trace) == normalised(SEED_TRACE.read_text().splitlines())
    session = device.session("Virtual-Access1")
    # The input policy is set twice (pol, then aaa-pol); the later wins; likewise output.
    assert (session.aaa.policy_in, session.aaa.policy_out) == ("aaa-pol", "2M")
    assert "Policy name: aaa-pol," in headend.execute("show platform hardware qfp active feature qos all input all")
    assert "Policy name: 2M," in headend.execute("show platform hardware qfp active feature qos all output all")
    pmap = headend.execute("show policy-map interface Virtual-Access1")
    assert "Service-policy input: aaa-pol" in pmap and "Service-policy output: 2M" in pmap
    derived = headend.execute("show derived-config interface Virtual-Access1")
    assert "service-policy input aaa-pol" in derived and "service-policy output 2M" in derived


def test_undebug_all_stops_the_trace(hub):
    headend, service = hub
    device = headend.device
    headend.execute("debug radius")
    assert headend.execute("undebug all") == "All possible debugging has been turned off\n"
    before = len(device.logbuf)
    send(service, request([f"audit-session-id={SEED_AUDIT_ID}"]))
    assert len(device.logbuf) == before


@pytest.mark.parametrize("avpair, target", [
    ("ip:sub-policy-In=2M", ("policy_in", "2M")),
    ("ip:sub-policy-Out=pol", ("policy_out", "pol")),
    ("ip:sub-qos-policy-in=pol", ("policy_in", "pol")),
    ("ip:sub-qos-policy-out=2M-IN", ("policy_out", "2M-IN")),
    ("ipsec:inacl=IN", ("acl_in", "IN")),
    ("ipsec:outacl=OUT", ("acl_out", "OUT")),
    ("ip:interface-config=ip access-group IN in", ("acl_in", "IN")),
    ("ip:interface-config=ip access-group OUT out", ("acl_out", "OUT")),
    ("ip:interface-config=service-policy output pol", ("policy_out", "pol")),
])
def test_each_supported_av_pair(hub, avpair, target):
    headend, service = hub
    device = headend.device
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}", avpair]))
    assert reply.code == P.COA_ACK
    assert getattr(device.session("Vi1").aaa, target[0]) == target[1]


def test_acls_reach_the_fast_path(hub):
    headend, service = hub
    device = headend.device
    send(service, request([f"audit-session-id={SEED_AUDIT_ID}", "ipsec:inacl=MGMT"]))
    # MGMT permits 10.106.210.0/24 only: the session's own traffic is now denied.
    result = device.traffic(TrafficSpec("Vi1", 0, size=100, rate=1_000_000, packets=10))
    assert result.dropped_acl == 10


def test_an_unsupported_attribute_is_naked_401_naming_it_and_nothing_applies(hub):
    headend, service = hub
    device = headend.device
    before = device.session("Vi1").aaa
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}", "ip:sub-qos-policy-in=pol",
                                   "ip:addr-pool=FLEX"], Session_Timeout=60))
    assert reply.code == P.COA_NAK and error_cause(reply) == "Unsupported-Attribute"
    assert reply["Cisco-AVPair"] == ["ip:addr-pool=FLEX"] and reply["Session-Timeout"] == [60]
    assert device.session("Vi1").aaa == before


@pytest.mark.parametrize("avpair", ["ip:sub-qos-policy-in=NO-SUCH-POLICY", "ipsec:outacl=NO-SUCH-ACL",
                                    "ip:interface-config=service-policy type control X",
                                    "ip:sub-policy-In=two words"])
def test_an_unknown_name_or_bad_value_is_naked_407_and_nothing_applies(hub, avpair):
    headend, service = hub
    device = headend.device
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}", "ipsec:inacl=IN", avpair]))
    assert reply.code == P.COA_NAK and error_cause(reply) == "Invalid-Attribute-Value"
    assert reply["Cisco-AVPair"] == [avpair]
    assert device.session("Vi1").aaa.acl_in is None


def test_a_queueing_policy_as_input_is_naked_407_and_nothing_applies(hub):
    """IOS queues output only: a CoA naming a shaped policy-map for input is refused, not an
    internal error, and the session keeps what it had; the same policy as output applies."""
    headend, service = hub
    device = headend.device
    for line in ("configure terminal", "policy-map SHAPED", "class class-default",
                 "shape average 2000000", "end"):
        headend.execute(line)
    avpair = "ip:sub-qos-policy-in=SHAPED"
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}", avpair]))
    assert reply.code == P.COA_NAK and error_cause(reply) == "Invalid-Attribute-Value"
    assert reply["Cisco-AVPair"] == [avpair]
    assert device.session("Vi1").aaa.policy_in is None
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}", "ip:sub-qos-policy-out=SHAPED"]))
    assert reply.code == P.COA_ACK
    assert device.session("Vi1").aaa.policy_out == "SHAPED"


def test_unknown_session_is_503_and_no_identification_is_402(hub):
    _, service = hub
    other = "L2L44D010102ZO2L44D010109ZI1F401F4ZO2"
    reply = send(service, request([f"audit-session-id={other}", "ipsec:inacl=IN"]))
    assert error_cause(reply) == "Session-Context-Not-Found"
    reply = send(service, request(["ipsec:inacl=IN"]))
    assert error_cause(reply) == "Missing-Attribute"
    reply = send(service, request(["audit-session-id=not-ours"]))
    assert error_cause(reply) == "Invalid-Attribute-Value"


def test_identification_by_auth_type(hub):
    headend, service = hub
    device = headend.device
    device.session_up("77.1.1.3", "77.1.1.2", identity="spoke3")
    da = device.config.dynamic_author
    # auth-type any (the default config's): one attribute is enough; two naming two sessions is 508.
    da.auth_type = "any"
    assert send(service, request(["ipsec:inacl=IN"], User_Name="spoke3")).code == P.COA_ACK
    assert device.session("Vi2").aaa.acl_in == "IN"
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}"], User_Name="spoke3"))
    assert error_cause(reply) == "Multiple-Session-Selection-Unsupported"
    # all: every attribute must name the same session.
    da.auth_type = "all"
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}"], User_Name="spoke3"))
    assert error_cause(reply) == "Session-Context-Not-Found"
    assert send(service, request([f"audit-session-id={SEED_AUDIT_ID}", "ipsec:outacl=OUT"],
                                 Calling_Station_Id="77.1.1.1", Acct_Session_Id="00000001",
                                 Framed_IP_Address="10.0.0.1")).code == P.COA_ACK
    # session-key: only the audit-session-id counts, and it must be there.
    da.auth_type = "session-key"
    assert error_cause(send(service, request(["ipsec:inacl=IN"], User_Name="spoke3"))) == "Missing-Attribute"
    # ignore session-key: the audit-session-id does not identify.
    da.auth_type, da.ignore_session_key = "any", True
    assert error_cause(send(service, request([f"audit-session-id={SEED_AUDIT_ID}"]))) == "Missing-Attribute"


def test_disconnect_tears_the_session_down(hub):
    headend, service = hub
    device = headend.device
    # Explicit Identifiers: the same request again under the same Identifier is a retransmission,
    # answered from the duplicate cache (pyrad's counter would give 2 one run in 255).
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}"], code=P.DISCONNECT_REQUEST,
                                  identifier=1))
    assert reply.code == P.DISCONNECT_ACK
    assert len(device.sessions) == 0
    reply = send(service, request([f"audit-session-id={SEED_AUDIT_ID}"], code=P.DISCONNECT_REQUEST,
                                  identifier=2))
    assert reply.code == P.DISCONNECT_NAK and error_cause(reply) == "Session-Context-Not-Found"


def test_show_dynamic_author_counts_per_client_and_reason(hub):
    headend, service = hub
    send(service, request([f"audit-session-id={SEED_AUDIT_ID}"]))
    send(service, request(["ip:frob=1", f"audit-session-id={SEED_AUDIT_ID}"], identifier=2))
    assert service.handle(request([], key="wrong", identifier=3).RequestPacket(), CLIENT) is None
    twin = headend.show_data("show aaa server radius dynamic-author")
    client = next(c for c in twin["clients"] if c["address"] == "127.0.0.1")
    assert {k: v for k, v in client["counters"].items() if v} == {
        "coa-requests": 3, "coa-acks": 1, "coa-naks": 1, "bad-authenticator": 1}
    assert client["naks"] == {401: 1}
    assert (twin["port"], twin["auth_type"]) == (1700, "any")
    text = headend.execute("show aaa server radius dynamic-author")
    assert "Client 127.0.0.1, server-key: client" in text
    assert re.search(r"\n    coa-acks +1\n", text) and re.search(r"NAK 401 Unsupported-Attribute +1\n", text)


def test_key_is_the_clients(hub):
    headend, service = hub
    device = headend.device
    assert device.config.dynamic_author.key_for("127.0.0.1") == KEY
