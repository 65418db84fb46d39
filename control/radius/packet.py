"""RADIUS packets for the dynamic-author server: strict framing, the RFC 5176 authenticators, and
replies, over pyrad packets and the dictionary shipped beside this module.

pyrad's decoder is lenient (an attribute that runs past the end is cut short, not refused), so
`frame()` walks the bytes first and refuses anything RFC 2865 section 5 calls malformed; only then
does pyrad decode, verify and sign.
"""
from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from importlib import resources

from pyrad import packet as pyrad_packet
from pyrad.dictionary import Dictionary

from ..errors import PeerDrop, PeerNak

# Codes (RFC 5176 section 3).
DISCONNECT_REQUEST, DISCONNECT_ACK, DISCONNECT_NAK = 40, 41, 42
COA_REQUEST, COA_ACK, COA_NAK = 43, 44, 45
REQUEST_CODES = (COA_REQUEST, DISCONNECT_REQUEST)
CODE_NAMES = {DISCONNECT_REQUEST: "Disconnect-Request", DISCONNECT_ACK: "Disconnect-ACK",
              DISCONNECT_NAK: "Disconnect-NAK", COA_REQUEST: "CoA-Request", COA_ACK: "CoA-ACK",
              COA_NAK: "CoA-NAK"}
ACK_FOR = {COA_REQUEST: COA_ACK, DISCONNECT_REQUEST: DISCONNECT_ACK}
NAK_FOR = {COA_REQUEST: COA_NAK, DISCONNECT_REQUEST: DISCONNECT_NAK}

# Attribute types the server itself reads.
USER_NAME, NAS_IP_ADDRESS, SERVICE_TYPE, FRAMED_IP_ADDRESS = 1, 4, 6, 8
VENDOR_SPECIFIC, CALLING_STATION_ID, NAS_IDENTIFIER, PROXY_STATE = 26, 31, 32, 33
ACCT_SESSION_ID, EVENT_TIMESTAMP, MESSAGE_AUTHENTICATOR = 44, 55, 80
NAS_IPV6_ADDRESS, FRAMED_IPV6_PREFIX, ERROR_CAUSE = 95, 97, 101
CISCO = 9
CISCO_AVPAIR = 1
SERVICE_TYPE_AUTHORIZE_ONLY = 17

HEADER = 20
# RFC 2865 section 3 caps a packet at 4096 octets.
MAX_LENGTH = 4096
# Value sizes RFC 2865/2869/3162 fix; a different size is malformed framing, not a bad value.
FIXED_SIZES = {NAS_IP_ADDRESS: 4, SERVICE_TYPE: 4, FRAMED_IP_ADDRESS: 4, EVENT_TIMESTAMP: 4,
               MESSAGE_AUTHENTICATOR: 16, NAS_IPV6_ADDRESS: 16, ERROR_CAUSE: 4}

ERROR_CAUSES = {
    201: "Residual-Context-Removed", 202: "Invalid-EAP-Packet", 401: "Unsupported-Attribute",
    402: "Missing-Attribute", 403: "NAS-Identification-Mismatch", 404: "Invalid-Request",
    405: "Unsupported-Service", 406: "Unsupported-Extension", 407: "Invalid-Attribute-Value",
    501: "Administratively-Prohibited", 502: "Proxy-Request-Not-Routable",
    503: "Session-Context-Not-Found", 504: "Session-Context-Not-Removable",
    505: "Proxy-Processing-Error", 506: "Resources-Unavailable", 507: "Request-Initiated",
    508: "Multiple-Session-Selection-Unsupported"}


def load_dictionary() -> Dictionary:
    with resources.as_file(resources.files(__package__) / "dictionary") as path:
        return Dictionary(str(path))


DICTIONARY = load_dictionary()


@dataclass(frozen=True)
class Attribute:
    """One attribute as it came, in packet order. A Cisco VSA holding several sub-attributes gives
    one Attribute for each; `wire` re-encodes just that one, so a NAK can carry it back."""
    type: int                   # the RADIUS type; 26 for a vendor's
    value: bytes
    vendor: int | None = None   # the Vendor-Id of a VSA whose sub-attributes are framed
    subtype: int | None = None  # the vendor's attribute type
    vsa_at: int = 0             # where its Vendor-Specific attribute starts in the packet
    vsa_length: int = 0         # and that attribute's length, as the trace shows it

    @property
    def name(self) -> str:
        key = self.type if self.vendor is None else (self.vendor, self.subtype)
        try:
            return DICTIONARY.attrindex.GetBackward(key)
        except KeyError:
            if self.vendor is None:
                return f"Attr-{self.type}"
            return f"Vendor-{self.vendor}-Attr-{self.subtype}"

    @property
    def text(self) -> str:
        return self.value.decode("utf-8", "replace")

    @property
    def is_cisco_avpair(self) -> bool:
        return self.vendor == CISCO and self.subtype == CISCO_AVPAIR

    @property
    def wire(self) -> bytes:
        if self.vendor is None:
            return bytes((self.type, len(self.value) + 2)) + self.value
        sub = bytes((self.subtype, len(self.value) + 2)) + self.value
        return bytes((VENDOR_SPECIFIC, len(sub) + 6)) + struct.pack("!L", self.vendor) + sub


@dataclass(frozen=True)
class Frame:
    """A datagram that passed the framing checks: its header and its attributes in order."""
    code: int
    identifier: int
    length: int
    authenticator: bytes
    attributes: tuple[Attribute, ...]
    data: bytes                 # the packet up to its Length field; what follows is padding

    def first(self, type_: int) -> Attribute | None:
        return next((a for a in self.attributes if a.type == type_ and a.vendor is None), None)


def peek_header(data: bytes) -> tuple[int, int, int] | None:
    """(code, identifier, length) of a datagram long enough to have a header, for the trace."""
    if len(data) < HEADER:
        return None
    return struct.unpack_from("!BBH", data)


def frame(data: bytes, codes: tuple[int, ...] = REQUEST_CODES) -> Frame:
    """The datagram's header and attributes, or PeerDrop("malformed") for anything RFC 2865
    section 3/5 and RFC 5176 would not take: short, a Length beyond the datagram or outside
    20..4096, an attribute shorter than its own header or running past the end, a Cisco VSA whose
    sub-attributes do not tile it, a fixed-size value of another size, a code that is not a request."""
    if len(data) < HEADER:
        raise PeerDrop("malformed", f"{len(data)} octets, shorter than a RADIUS header")
    code, identifier, length = struct.unpack_from("!BBH", data)
    if not HEADER <= length <= MAX_LENGTH or length > len(data):
        raise PeerDrop("malformed", f"Length {length} with {len(data)} octets received")
    if code not in codes:
        raise PeerDrop("malformed", f"code {code} is not a CoA-Request or Disconnect-Request"
                       if codes == REQUEST_CODES else f"code {code} is not one of {codes}")
    attributes: list[Attribute] = []
    at = HEADER
    while at < length:
        if at + 2 > length:
            raise PeerDrop("malformed", f"attribute header cut off at octet {at}")
        type_, size = data[at], data[at + 1]
        if size < 2 or at + size > length:
            raise PeerDrop("malformed", f"attribute {type_} at octet {at} has length {size}")
        value = data[at + 2:at + size]
        if type_ == VENDOR_SPECIFIC and len(value) >= 4 and \
                struct.unpack_from("!L", value)[0] == CISCO:
            attributes.extend(_cisco_subattributes(value, at, size))
        else:
            if type_ in FIXED_SIZES and len(value) != FIXED_SIZES[type_]:
                raise PeerDrop("malformed", f"attribute {type_} has {len(value)} octets, "
                                            f"not {FIXED_SIZES[type_]}")
            attributes.append(Attribute(type_, value))
        at += size
    return Frame(code, identifier, length, data[4:HEADER], tuple(attributes), data[:length])


def _cisco_subattributes(value: bytes, at: int, size: int) -> list[Attribute]:
    subs = []
    pos = 4
    while pos < len(value):
        if pos + 2 > len(value) or value[pos + 1] < 2 or pos + value[pos + 1] > len(value):
            raise PeerDrop("malformed", f"Cisco VSA at octet {at}: sub-attributes do not fit it")
        subtype, sublen = value[pos], value[pos + 1]
        subs.append(Attribute(VENDOR_SPECIFIC, value[pos + 2:pos + sublen], CISCO, subtype, at, size))
        pos += sublen
    if not subs:
        raise PeerDrop("malformed", f"Cisco VSA at octet {at} is empty")
    return subs


def decode(f: Frame, secret: bytes) -> pyrad_packet.CoAPacket:
    """pyrad's view of a framed request, for verification and replies."""
    try:
        return pyrad_packet.CoAPacket(packet=f.data, dict=DICTIONARY, secret=secret)
    except Exception as exc:    # pyrad raises more than PacketError on odd values
        raise PeerDrop("malformed", f"pyrad: {exc}") from None


def request_authenticator_ok(request: pyrad_packet.CoAPacket) -> bool:
    """RFC 5176 section 3.3: MD5(Code + Identifier + Length + 16 zero octets + Attributes + Secret)."""
    return request.VerifyCoARequest()


def message_authenticator_ok(request: pyrad_packet.CoAPacket) -> bool:
    """RFC 5176 section 3.3 / RFC 3579 section 3.2: HMAC-MD5 over the packet with the
    Message-Authenticator zeroed and the Request Authenticator taken as 16 zero octets."""
    return request.verify_message_authenticator()


def reply(request: pyrad_packet.CoAPacket, code: int, *, error_cause: int | None = None,
          echo: tuple[Attribute, ...] = ()) -> bytes:
    """The encoded reply: Proxy-State copied in order (pyrad's CreateReply does), Error-Cause when
    given, `echo`'d attributes (a NAK may carry back the ones it refuses, RFC 5176 section 3.5),
    and a Message-Authenticator when the request had one.

    The echo is a courtesy, so it gives way: an Error-Cause the request carried is not echoed (a
    reply has one Error-Cause, ours), and echoed attributes stop where the next would take the
    reply past 4,096 octets. Each echoed Cisco sub-attribute is a VSA of its own, so a request
    that packed many into one VSA could otherwise come back larger than it went out."""
    answer = request.CreateReply()
    answer.code = code
    if request.message_authenticator:
        answer.add_message_authenticator()
    if error_cause is not None:
        answer.AddAttribute("Error-Cause", error_cause)
    room = MAX_LENGTH - len(answer.ReplyPacket())
    for attribute in echo:
        if attribute.vendor is None and attribute.type == ERROR_CAUSE:
            continue
        room -= len(attribute.wire)
        if room < 0:
            break
        if attribute.vendor is None:
            answer.setdefault(attribute.type, []).append(attribute.value)
        else:
            answer.setdefault((attribute.vendor, attribute.subtype), []).append(attribute.value)
    return answer.ReplyPacket()


def ipv6_prefix(value: bytes) -> ipaddress.IPv6Network:
    """RFC 3162 section 2.3's value: reserved, prefix length, then the prefix's octets (as many as
    it needs, at most 16); bits past the length must be zero."""
    if not 2 <= len(value) <= 18 or value[1] > 128 or len(value) - 2 < (value[1] + 7) // 8:
        raise PeerNak(407, f"Framed-IPv6-Prefix of {len(value)} octets is malformed")
    address = int.from_bytes(value[2:].ljust(16, b"\0"), "big")
    try:
        return ipaddress.IPv6Network((address, value[1]))
    except ValueError:
        raise PeerNak(407, "Framed-IPv6-Prefix has bits set past its prefix length") from None
