"""The sans-IO dynamic-author server: each check of control/radius/das.py in its order, the reply
cache, and what every reply carries (Error-Cause, Proxy-State, Message-Authenticator), with no
socket and no device: the components' verdict is given by hand."""
from __future__ import annotations

import ipaddress
import struct

import pytest

from coa_helpers import KEY, decode_reply, error_cause, request, sign_request
from qfp_model.control.config.model import DynamicAuthor, DynamicAuthorClient, Secret
from qfp_model.control.errors import PeerNak
from qfp_model.control.radius import Dispatch, Drop, DynamicAuthorServer, NasIdentity, Send
from qfp_model.control.radius import das as das_module
from qfp_model.control.radius import packet as P

CLIENT = ("127.0.0.1", 40000)
NOW = 1_700_000_000.0


def server(**options) -> DynamicAuthorServer:
    settings = DynamicAuthor(clients=[DynamicAuthorClient("127.0.0.1", None, Secret(KEY)),
                                      DynamicAuthorClient("127.0.0.2")], **options)
    nas = NasIdentity(frozenset({ipaddress.IPv4Address("77.1.1.2")}), "hub")
    return DynamicAuthorServer(lambda: settings, lambda: nas)


def encode(packet) -> bytes:
    return packet.RequestPacket()


def test_a_good_request_is_dispatched_with_the_attributes_the_components_need():
    das = server()
    data = encode(request(["audit-session-id=X", "ip:inacl=IN"], Proxy_State=b"p1",
                          Event_Timestamp=int(NOW), NAS_IP_Address="77.1.1.2", User_Name="u"))
    decision = das.receive(data, CLIENT, NOW)
    assert isinstance(decision, Dispatch)
    names = [(a.name, a.text) for a in decision.request.attributes]
    # Transport attributes (Proxy-State, Event-Timestamp, NAS-*) stay with the server.
    assert names == [("User-Name", "u"), ("Cisco-AVPair", "audit-session-id=X"), ("Cisco-AVPair", "ip:inacl=IN")]
    reply = decode_reply(das.answer(decision.request, None, NOW).data)
    assert reply.code == P.COA_ACK and reply["Proxy-State"] == [b"p1"] and error_cause(reply) is None
    assert das.counters["127.0.0.1"]["coa-requests"] == 1 and das.counters["127.0.0.1"]["coa-acks"] == 1


def test_unknown_client_is_dropped_and_counted_by_source():
    das = server()
    decision = das.receive(encode(request(["x=y"])), ("192.0.2.9", 1), NOW, trace=True)
    assert isinstance(decision, Drop) and decision.reason == "unknown-client"
    assert das.unknown_clients == {"192.0.2.9": 1}
    assert decision.trace == (("coa", "COA: 192.0.2.9 request dropped, unknown client"),)


@pytest.mark.parametrize("mangle", [
    lambda d: d[:19],                                                   # shorter than a header
    lambda d: d[:2] + struct.pack("!H", len(d) + 1) + d[4:],            # Length past the datagram
    lambda d: d[:2] + struct.pack("!H", 19) + d[4:],                    # Length below 20
    lambda d: d + b"\x01",                                              # (padding: fine, see below)
    lambda d: d[:20] + b"\x01\x01" + d[22:],                            # attribute length 1
    lambda d: d[:20] + b"\x01\xff" + d[22:],                            # attribute past the end
    lambda d: bytes([1]) + d[1:],                                       # Access-Request code
    lambda d: d[:20] + bytes([26, 9, 0, 0, 0, 9, 1, 9, 0]) + d[20:],    # Cisco sub-attribute too long
])
def test_framing_errors_are_dropped_as_malformed(mangle):
    das = server()
    good = encode(request(["audit-session-id=X"]))
    bad = mangle(good)
    if len(bad) == len(good) + 1:
        # Octets after the Length field are padding (RFC 2865 section 3): not an error.
        assert isinstance(das.receive(bad, CLIENT, NOW), Dispatch)
        return
    decision = das.receive(bad, CLIENT, NOW)
    assert isinstance(decision, Drop) and decision.reason in ("malformed", "bad-authenticator")
    if len(bad) < 20 or bad[0] == 1 or bad[21] in (1, 0xff) or struct.unpack("!H", bad[2:4])[0] != len(bad):
        assert decision.reason == "malformed"


def test_a_fixed_size_attribute_of_another_size_is_malformed():
    attrs = bytes([P.FRAMED_IP_ADDRESS, 5, 10, 0, 0])
    data = sign_request(P.COA_REQUEST, 1, attrs, KEY.encode())
    assert das_drop(data) == "malformed"


def das_drop(data: bytes, **options) -> str:
    decision = server(**options).receive(data, CLIENT, NOW)
    assert isinstance(decision, Drop)
    return decision.reason


def test_request_authenticator_is_rfc5176s():
    attrs = bytes([P.USER_NAME, 3, ord("u")])
    assert isinstance(server().receive(sign_request(P.COA_REQUEST, 7, attrs, KEY.encode()), CLIENT, NOW), Dispatch)
    assert das_drop(sign_request(P.COA_REQUEST, 7, attrs, b"wrong")) == "bad-authenticator"
    # A client with no key (and no global server-key) cannot be verified: dropped.
    decision = server().receive(sign_request(P.COA_REQUEST, 7, attrs, b""), ("127.0.0.2", 1), NOW)
    assert isinstance(decision, Drop) and decision.reason == "bad-authenticator"


def test_message_authenticator_valid_invalid_missing_and_required():
    ok = encode(request(["audit-session-id=X"], message_authenticator=True))
    assert isinstance(server().receive(ok, CLIENT, NOW), Dispatch)
    assert isinstance(server(require_message_authenticator=True).receive(ok, CLIENT, NOW), Dispatch)
    # pyrad puts the Message-Authenticator first: flip a bit of it and re-sign the packet.
    attrs = bytearray(ok[20:])
    assert attrs[0] == P.MESSAGE_AUTHENTICATOR
    attrs[5] ^= 1
    bad = sign_request(P.COA_REQUEST, ok[1], bytes(attrs), KEY.encode())
    assert das_drop(bad) == "bad-message-authenticator"
    without = encode(request(["audit-session-id=X"]))
    assert das_drop(without, require_message_authenticator=True) == "missing-message-authenticator"


def test_the_reply_carries_a_message_authenticator_when_the_request_did():
    for with_ma in (False, True):
        das = server()
        sent = request(["audit-session-id=X"], message_authenticator=with_ma, Proxy_State=[b"a", b"b"])
        decision = das.receive(encode(sent), CLIENT, NOW)
        data = das.answer(decision.request, PeerNak(503, "none"), NOW).data
        reply = decode_reply(data)
        assert sent.VerifyReply(reply, data)        # Response Authenticator and Message-Authenticator
        assert bool(reply.message_authenticator) == with_ma
        assert reply.code == P.COA_NAK and error_cause(reply) == "Session-Context-Not-Found"
        assert reply["Proxy-State"] == [b"a", b"b"]


def test_ignore_server_key_takes_any_authenticator():
    data = sign_request(P.COA_REQUEST, 7, bytes([P.USER_NAME, 3, ord("u")]), b"not the key")
    assert isinstance(server(ignore_server_key=True).receive(data, CLIENT, NOW), Dispatch)


def test_a_retransmission_gets_the_cached_reply_and_is_never_reapplied():
    das = server()
    data = encode(request(["audit-session-id=X"], identifier=9))
    first = das.receive(data, CLIENT, NOW)
    assert isinstance(first, Dispatch)
    # While the components still work on it, a retransmission is dropped.
    assert das.receive(data, CLIENT, NOW + 0.1) == Drop("duplicate-in-progress")
    reply = das.answer(first.request, None, NOW + 0.2).data
    for t in (0.5, 3.0, 9.0):
        assert das.receive(data, CLIENT, NOW + t) == Send(reply)
    assert das.counters["127.0.0.1"]["duplicates-resent"] == 3
    # Same Identifier, other port or other authenticator: a new request.
    assert isinstance(das.receive(data, ("127.0.0.1", 40001), NOW + 1), Dispatch)
    other = encode(request(["audit-session-id=Y"], identifier=9))
    assert isinstance(das.receive(other, CLIENT, NOW + 1), Dispatch)
    # Past the cache's lifetime the same bytes are a new request again.
    assert isinstance(das.receive(data, CLIENT, NOW + das.cache_seconds + 1), Dispatch)


def test_event_timestamp_window():
    for skew, dispatched in ((0, True), (299, True), (-299, True), (301, False), (-301, False)):
        das = server()
        data = encode(request(["audit-session-id=X"], Event_Timestamp=int(NOW) + skew))
        decision = das.receive(data, CLIENT, NOW)
        assert isinstance(decision, Dispatch) == dispatched, skew
        if not dispatched:
            assert decision.reason == "stale-event-timestamp"


@pytest.mark.parametrize("attributes, cause", [
    (dict(NAS_IP_Address="192.0.2.1"), "NAS-Identification-Mismatch"),
    (dict(NAS_Identifier="other-hub"), "NAS-Identification-Mismatch"),
    (dict(Service_Type="Authorize-Only"), "Unsupported-Service"),
])
def test_nas_mismatch_and_authorize_only_are_naked_by_the_server(attributes, cause):
    das = server()
    sent = request(["audit-session-id=X"], **attributes)
    decision = das.receive(encode(sent), CLIENT, NOW)
    assert isinstance(decision, Send)
    reply = decode_reply(decision.data)
    assert sent.VerifyReply(reply, decision.data)
    assert reply.code == P.COA_NAK and error_cause(reply) == cause
    # Cached like any reply.
    assert das.receive(encode(sent), CLIENT, NOW) == Send(decision.data)


def test_matching_nas_identification_passes():
    sent = request(["audit-session-id=X"], NAS_IP_Address="77.1.1.2", NAS_Identifier="hub",
                   Service_Type="Framed-User")
    assert isinstance(server().receive(encode(sent), CLIENT, NOW), Dispatch)


def test_disconnect_replies_are_disconnect_codes_and_a_nak_echoes_what_it_refuses():
    das = server()
    sent = request(["audit-session-id=X", "ip:frob=1"], code=P.DISCONNECT_REQUEST)
    decision = das.receive(encode(sent), CLIENT, NOW)
    refused = decision.request.attributes[1]
    data = das.answer(decision.request, PeerNak(401, "no", (refused,)), NOW).data
    reply = decode_reply(data)
    assert reply.code == P.DISCONNECT_NAK and error_cause(reply) == "Unsupported-Attribute"
    assert reply["Cisco-AVPair"] == ["ip:frob=1"]
    assert das.counters["127.0.0.1"]["disconnect-naks"] == 1
    assert das.counters["127.0.0.1"]["nak-401"] == 1


# ---- bounds (issue 11): nothing a peer sends makes the server re-apply, amplify or grow ------------

def test_a_full_cache_refuses_new_requests_and_never_forgets_an_unexpired_one():
    """A retransmission arriving late in its window, after more requests than the cache holds, is
    answered from the cache (never applied again); a new request finding the cache full gets 506."""
    das = server()
    das.cache_size = 3
    first = encode(request(["audit-session-id=A", "ip:inacl=OLD"], identifier=1))
    decision = das.receive(first, CLIENT, NOW)
    ack = das.answer(decision.request, None, NOW).data
    for n in (2, 3):
        later = das.receive(encode(request([f"audit-session-id=A{n}"], identifier=n)), CLIENT, NOW + n)
        das.answer(later.request, None, NOW + n)
    refused = das.receive(encode(request(["audit-session-id=B", "ip:inacl=NEW"], identifier=9)), CLIENT, NOW + 5)
    assert isinstance(refused, Send) and error_cause(decode_reply(refused.data)) == "Resources-Unavailable"
    assert das.counters["127.0.0.1"]["refused-cache-full"] == 1
    resent = das.receive(first, CLIENT, NOW + das.cache_seconds - 1)
    assert isinstance(resent, Send) and resent.data == ack
    # Once the first entries expire there is room again.
    assert isinstance(das.receive(encode(request(["audit-session-id=C"], identifier=10)), CLIENT,
                                  NOW + das.cache_seconds + 1), Dispatch)


def test_a_nak_never_exceeds_4096_octets_however_the_request_packed_its_avpairs():
    das = server()
    # One Cisco VSA packs as many 3-octet sub-attributes as 253 octets hold: the most echo per octet.
    subs = b"".join(bytes((1, 3)) + b"x" for _ in range(82))
    vsa = bytes((26, 6 + len(subs))) + struct.pack("!L", 9) + subs
    attrs = vsa * 15
    data = sign_request(P.COA_REQUEST, 7, attrs, KEY.encode())
    assert len(data) <= P.MAX_LENGTH
    decision = das.receive(data, CLIENT, NOW)
    nak = das.answer(decision.request, PeerNak(401, "unsupported", decision.request.attributes), NOW).data
    assert len(nak) <= P.MAX_LENGTH
    assert decode_reply(nak).code == P.COA_NAK


def test_a_nak_carries_one_error_cause_even_when_the_request_had_one():
    das = server()
    decision = das.receive(encode(request(["audit-session-id=X"], Error_Cause=201)), CLIENT, NOW)
    nak = decode_reply(das.answer(decision.request, PeerNak(401, "unsupported", decision.request.attributes), NOW).data)
    assert nak["Error-Cause"] == ["Unsupported-Attribute"]


def test_sources_that_are_not_clients_are_counted_in_bounded_space():
    das = server()
    for n in range(das_module.UNKNOWN_SOURCES_MAX + 500):
        das.receive(b"\x2b\x00\x00\x14" + bytes(16), (f"198.18.{n >> 8 & 255}.{n & 255}", 9), NOW)
    assert len(das.unknown_clients) == das_module.UNKNOWN_SOURCES_MAX + 1
    assert das.unknown_clients[das_module.OTHER_SOURCES] == 500
