"""The headend as a RADIUS client, without IO: the Access-Requests of IKEv2 authorization and of
exec logins, the Accounting-Requests of its sessions (RFC 2865, RFC 2866), and the checks on their
replies.

What an Access-Request carries is what Cisco's FlexVPN RADIUS appendix lists for user and group
authorization: User-Name (the peer's identity, or the name the profile's `aaa authorization group
psk list LIST NAME` gives), User-Password "cisco" (IOS's fixed password for authorization-only
requests), Calling-Station-Id (the IKEv2 initiator's address), and the session's Cisco AV pair
`audit-session-id`, with NAS-IP-Address, NAS-Port-Type Virtual and a Message-Authenticator (the
BlastRADIUS countermeasure IOS XE applies to every Access-Request).

A reply is taken only when its Identifier, its Response Authenticator and, where present, its
Message-Authenticator check against the request (pyrad's VerifyReply, which also refuses a
Proxy-State the request did not send). A reply without a Message-Authenticator is taken: servers
from before the BlastRADIUS fixes (Debian 12's FreeRADIUS 3.2.1) send none. Anything else is
`BadReply`, which the caller counts and treats as no answer.
"""
from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

from pyrad import packet as pyrad_packet

from ..errors import PeerDrop
from . import packet as P
from .packet import DICTIONARY, Attribute, Frame

ACCESS_REQUEST, ACCESS_ACCEPT, ACCESS_REJECT = 1, 2, 3
ACCOUNTING_REQUEST, ACCOUNTING_RESPONSE = 4, 5
CODE_NAMES = {ACCESS_REQUEST: "Access-Request", ACCESS_ACCEPT: "Access-Accept",
              ACCESS_REJECT: "Access-Reject", ACCOUNTING_REQUEST: "Accounting-Request",
              ACCOUNTING_RESPONSE: "Accounting-Response"}
REPLY_CODES = {ACCESS_REQUEST: (ACCESS_ACCEPT, ACCESS_REJECT), ACCOUNTING_REQUEST: (ACCOUNTING_RESPONSE,)}

AUTHORIZATION_PASSWORD = "cisco"
NAS_PORT_TYPE_VIRTUAL = 5
# Acct-Status-Type (RFC 2866 section 5.1)
START, STOP, INTERIM_UPDATE = 1, 2, 3
STATUS_NAMES = {START: "Start", STOP: "Stop", INTERIM_UPDATE: "Interim-Update"}
# Acct-Terminate-Cause (RFC 2866 section 5.10)
USER_REQUEST, LOST_CARRIER, ADMIN_RESET, NAS_REQUEST = 1, 2, 6, 10
TERMINATE_NAMES = {USER_REQUEST: "User-Request", LOST_CARRIER: "Lost-Carrier", ADMIN_RESET: "Admin-Reset",
                   NAS_REQUEST: "NAS-Request"}
_WORD = 1 << 32


class BadReply(Exception):
    """A datagram that is not a valid reply to the request it claims to answer."""


@dataclass(frozen=True)
class Request:
    """An encoded request and what is needed to check its reply."""
    code: int
    identifier: int
    data: bytes
    authenticator: bytes
    packet: pyrad_packet.Packet = field(repr=False, compare=False)
    status: int | None = None       # an Accounting-Request's Acct-Status-Type


@dataclass(frozen=True)
class Reply:
    code: int
    identifier: int
    attributes: tuple[Attribute, ...]
    data: bytes = field(repr=False, default=b"")

    @property
    def name(self) -> str:
        return CODE_NAMES.get(self.code, str(self.code))

    @property
    def accepted(self) -> bool:
        return self.code in (ACCESS_ACCEPT, ACCOUNTING_RESPONSE)

    def texts(self, type_: int) -> list[str]:
        return [a.text for a in self.attributes if a.vendor is None and a.type == type_]


@dataclass(frozen=True)
class AccessSubject:
    """Who an Access-Request asks about: the name, the peer's address, the session's key and the
    NAS address it comes from."""
    user_name: str
    calling_station: ipaddress.IPv4Address
    audit_session_id: str
    nas_ip: ipaddress.IPv4Address


@dataclass(frozen=True)
class AccountingRecord:
    """One Accounting-Request's content (RFC 2866). Octet counts are 64-bit; the packet splits each
    into its 32-bit attribute and the Gigawords attribute (RFC 2869 section 5.1)."""
    status: int
    session_id: str                 # Acct-Session-Id
    user_name: str
    calling_station: ipaddress.IPv4Address
    audit_session_id: str
    nas_ip: ipaddress.IPv4Address
    framed_ip: ipaddress.IPv4Address | None     # the session's inside, each where it has one
    event_timestamp: int
    session_time: int | None = None        # seconds; Interim and Stop
    input_octets: int = 0
    output_octets: int = 0
    input_packets: int = 0
    output_packets: int = 0
    terminate_cause: int | None = None     # Stop only
    framed_ipv6_prefix: ipaddress.IPv6Network | None = None


def nas_address_attribute(address) -> str:
    """RFC 2865's NAS-IP-Address holds IPv4 only; a headend reached over IPv6 sends RFC 3162's
    NAS-IPv6-Address instead."""
    return "NAS-IPv6-Address" if address.version == 6 else "NAS-IP-Address"


def access_request(subject: AccessSubject, identifier: int, secret: bytes,
                   authenticator: bytes | None = None) -> Request:
    packet = pyrad_packet.AuthPacket(ACCESS_REQUEST, identifier, secret, authenticator, dict=DICTIONARY,
                                     message_authenticator=True)
    packet["User-Name"] = subject.user_name
    packet["User-Password"] = packet.PwCrypt(AUTHORIZATION_PASSWORD)
    packet["Calling-Station-Id"] = str(subject.calling_station)
    packet[nas_address_attribute(subject.nas_ip)] = str(subject.nas_ip)
    packet["NAS-Port-Type"] = NAS_PORT_TYPE_VIRTUAL
    packet["Cisco-AVPair"] = f"audit-session-id={subject.audit_session_id}"
    data = packet.RequestPacket()
    return Request(ACCESS_REQUEST, identifier, data, packet.authenticator, packet)


@dataclass(frozen=True)
class LoginSubject:
    """An exec login on a vty line: the name and password typed, the client's address, the
    device's address it reached, and the line's absolute number (vty 0 is tty 2 on an ASR 1000)."""
    user_name: str
    password: str
    calling_station: ipaddress.IPv4Address | ipaddress.IPv6Address
    nas_ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    tty: int


def login_request(subject: LoginSubject, identifier: int, secret: bytes,
                  authenticator: bytes | None = None) -> Request:
    """The Access-Request of `aaa authentication login ... group G` for an exec login, with the
    attributes IOS's `debug radius` shows for one: the password as typed (PAP), Service-Type
    Login, the tty as NAS-Port and NAS-Port-Id, NAS-Port-Type Virtual."""
    packet = pyrad_packet.AuthPacket(ACCESS_REQUEST, identifier, secret, authenticator, dict=DICTIONARY,
                                     message_authenticator=True)
    packet["User-Name"] = subject.user_name
    packet["User-Password"] = packet.PwCrypt(subject.password)
    packet["Service-Type"] = "Login-User"
    packet["NAS-Port"] = subject.tty
    packet["NAS-Port-Id"] = f"tty{subject.tty}"
    packet["NAS-Port-Type"] = NAS_PORT_TYPE_VIRTUAL
    packet["Calling-Station-Id"] = str(subject.calling_station)
    packet[nas_address_attribute(subject.nas_ip)] = str(subject.nas_ip)
    data = packet.RequestPacket()
    return Request(ACCESS_REQUEST, identifier, data, packet.authenticator, packet)


def accounting_request(record: AccountingRecord, identifier: int, secret: bytes, delay: int = 0) -> Request:
    """The Accounting-Request for `record`, sent `delay` seconds after its event (Acct-Delay-Time:
    a retransmission is a new request with a new Identifier, RFC 2866 section 5.2)."""
    packet = pyrad_packet.AcctPacket(ACCOUNTING_REQUEST, identifier, secret, dict=DICTIONARY)
    packet["Acct-Status-Type"] = record.status
    packet["Acct-Session-Id"] = record.session_id
    packet["User-Name"] = record.user_name
    packet["Calling-Station-Id"] = str(record.calling_station)
    packet[nas_address_attribute(record.nas_ip)] = str(record.nas_ip)
    packet["NAS-Port-Type"] = NAS_PORT_TYPE_VIRTUAL
    if record.framed_ip is not None:
        packet["Framed-IP-Address"] = str(record.framed_ip)
    if record.framed_ipv6_prefix is not None:
        packet["Framed-IPv6-Prefix"] = str(record.framed_ipv6_prefix)
    packet["Cisco-AVPair"] = f"audit-session-id={record.audit_session_id}"
    packet["Acct-Authentic"] = 1
    packet["Event-Timestamp"] = record.event_timestamp
    packet["Acct-Delay-Time"] = delay
    if record.status != START:
        packet["Acct-Session-Time"] = record.session_time or 0
        for name, value in (("Input", record.input_octets), ("Output", record.output_octets)):
            packet[f"Acct-{name}-Octets"] = value % _WORD
            packet[f"Acct-{name}-Gigawords"] = value // _WORD
        packet["Acct-Input-Packets"] = record.input_packets % _WORD
        packet["Acct-Output-Packets"] = record.output_packets % _WORD
    if record.status == STOP and record.terminate_cause is not None:
        packet["Acct-Terminate-Cause"] = record.terminate_cause
    data = packet.RequestPacket()
    return Request(ACCOUNTING_REQUEST, identifier, data, packet.authenticator, packet, record.status)


def check_reply(request: Request, data: bytes, secret: bytes) -> Reply:
    """The reply in `data` to `request`, or BadReply saying why it is not one."""
    if len(data) < P.HEADER:
        raise BadReply(f"{len(data)} octets, shorter than a RADIUS header")
    code, identifier, length = struct.unpack_from("!BBH", data)
    if code not in REPLY_CODES[request.code]:
        raise BadReply(f"code {code} does not answer a {CODE_NAMES[request.code]}")
    if identifier != request.identifier:
        raise BadReply(f"Identifier {identifier}, the request's was {request.identifier}")
    if not P.HEADER <= length <= min(P.MAX_LENGTH, len(data)):
        raise BadReply(f"Length {length} with {len(data)} octets received")
    try:
        reply = request.packet.CreateReply(packet=data[:length])
    except Exception as exc:    # pyrad raises more than PacketError on odd values
        raise BadReply(f"undecodable: {exc}") from None
    if not request.packet.VerifyReply(reply, data[:length]):
        raise BadReply("bad Response Authenticator or Message-Authenticator")
    return Reply(code, identifier, _attributes(data[:length]), data[:length])


def framed(data: bytes) -> Frame:
    """Any packet this client sends or takes, framed as the CoA server frames its requests (Cisco
    VSAs split into their AV pairs), for its attributes and the debug trace."""
    return P.frame(data, tuple(CODE_NAMES))


def _attributes(data: bytes) -> tuple[Attribute, ...]:
    try:
        return framed(data).attributes
    except PeerDrop as exc:
        raise BadReply(str(exc)) from None
