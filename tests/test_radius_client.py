"""The RADIUS client's packets without IO (control/radius/client.py): what an Access-Request and an
Accounting-Request carry, and which replies are taken. Servers answering for real are in
test_session_aaa.py (FreeRADIUS)."""
from __future__ import annotations

import hashlib
import ipaddress
import struct

import pytest
from pyrad import packet as pyrad_packet

from qfp_model.control.radius import client as C
from qfp_model.control.radius.packet import DICTIONARY

SECRET = b"s3cret"
SUBJECT = C.AccessSubject("spoke1.example.net", ipaddress.IPv4Address("77.1.1.1"),
                          "L2L44D010102ZO2L44D010101ZI1F401F4ZO2", ipaddress.IPv4Address("77.1.1.2"))


def decoded(request: C.Request) -> pyrad_packet.Packet:
    cls = pyrad_packet.AuthPacket if request.code == C.ACCESS_REQUEST else pyrad_packet.AcctPacket
    return cls(packet=request.data, dict=DICTIONARY, secret=SECRET)


def test_access_request_carries_what_flexvpn_group_authorization_sends():
    request = C.access_request(SUBJECT, 42, SECRET)
    p = decoded(request)
    assert request.identifier == 42 and p.code == C.ACCESS_REQUEST
    assert p["User-Name"] == ["spoke1.example.net"]
    assert p.PwDecrypt(p["User-Password"][0]) == "cisco"
    assert p["Calling-Station-Id"] == ["77.1.1.1"] and p["NAS-IP-Address"] == ["77.1.1.2"]
    assert p["Cisco-AVPair"] == ["audit-session-id=L2L44D010102ZO2L44D010101ZI1F401F4ZO2"]
    assert p.verify_message_authenticator()


def test_accounting_request_splits_octets_into_gigawords_and_signs_the_request():
    record = C.AccountingRecord(C.STOP, "0000002A", "spoke1", ipaddress.IPv4Address("77.1.1.1"), "L2L4X",
                                ipaddress.IPv4Address("77.1.1.2"), ipaddress.IPv4Address("10.0.0.42"),
                                1_700_000_000, session_time=90, input_octets=(5 << 32) + 7,
                                output_octets=123, input_packets=(1 << 32) + 3, output_packets=4,
                                terminate_cause=C.ADMIN_RESET)
    request = C.accounting_request(record, 9, SECRET, delay=3)
    data = request.data
    assert hashlib.md5(data[:4] + bytes(16) + data[20:] + SECRET).digest() == data[4:20]
    p = decoded(request)
    assert p["Acct-Input-Octets"] == [7] and p["Acct-Input-Gigawords"] == [5]
    assert p["Acct-Output-Octets"] == [123] and p["Acct-Output-Gigawords"] == [0]
    assert p["Acct-Input-Packets"] == [3]          # a 32-bit counter wraps: RFC 2866 has no gigapackets
    assert p["Acct-Status-Type"] == ["Stop"] and p["Acct-Terminate-Cause"] == ["Admin-Reset"]
    assert p["Acct-Delay-Time"] == [3] and p["Acct-Session-Time"] == [90]
    assert request.status == C.STOP


def test_a_start_carries_no_counts():
    record = C.AccountingRecord(C.START, "1", "u", ipaddress.IPv4Address("1.1.1.1"), "a",
                                ipaddress.IPv4Address("2.2.2.2"), ipaddress.IPv4Address("10.0.0.1"), 0)
    p = decoded(C.accounting_request(record, 1, SECRET))
    assert "Acct-Input-Octets" not in p and "Acct-Session-Time" not in p


def reply_to(request: C.Request, code: int, secret: bytes = SECRET, **attributes) -> bytes:
    reply = request.packet.CreateReply(**attributes)
    reply.code = code
    reply.secret = secret
    return reply.ReplyPacket()


def test_a_signed_accept_is_taken_with_its_av_pairs():
    request = C.access_request(SUBJECT, 7, SECRET)
    data = reply_to(request, C.ACCESS_ACCEPT)
    data = _with_avpair(data, request, "ip:sub-qos-policy-in=2M")
    reply = C.check_reply(request, data, SECRET)
    assert reply.code == C.ACCESS_ACCEPT and reply.name == "Access-Accept"
    assert [a.text for a in reply.attributes if a.is_cisco_avpair] == ["ip:sub-qos-policy-in=2M"]


def _with_avpair(data: bytes, request: C.Request, pair: str) -> bytes:
    """`data` re-signed with one more Cisco AV pair (a reply a server built)."""
    reply = pyrad_packet.AuthPacket(C.ACCESS_ACCEPT, request.identifier, SECRET, request.authenticator,
                                    dict=DICTIONARY)
    reply.AddAttribute("Cisco-AVPair", pair)
    reply.message_authenticator = True
    return reply.ReplyPacket()


@pytest.mark.parametrize("damage, why", [
    (lambda d: d[:1] + bytes([d[1] ^ 1]) + d[2:], "Identifier"),
    (lambda d: d[:4] + bytes(16) + d[20:], "Authenticator"),
    (lambda d: bytes([C.ACCOUNTING_RESPONSE]) + d[1:], "does not answer"),
    (lambda d: d[:10], "shorter than a RADIUS header"),
])
def test_a_reply_that_fails_a_check_is_refused(damage, why):
    request = C.access_request(SUBJECT, 7, SECRET)
    with pytest.raises(C.BadReply, match=why):
        C.check_reply(request, damage(reply_to(request, C.ACCESS_REJECT)), SECRET)


def test_a_reply_signed_with_another_secret_is_refused():
    request = C.access_request(SUBJECT, 7, SECRET)
    with pytest.raises(C.BadReply, match="Authenticator"):
        C.check_reply(request, reply_to(request, C.ACCESS_ACCEPT, secret=b"other"), SECRET)


def test_an_accounting_response_is_taken():
    record = C.AccountingRecord(C.START, "1", "u", ipaddress.IPv4Address("1.1.1.1"), "a",
                                ipaddress.IPv4Address("2.2.2.2"), ipaddress.IPv4Address("10.0.0.1"), 0)
    request = C.accounting_request(record, 200, SECRET)
    header = struct.pack("!BBH", C.ACCOUNTING_RESPONSE, 200, 20)
    data = header + hashlib.md5(header + request.authenticator + SECRET).digest()
    assert C.check_reply(request, data, SECRET).accepted
