"""RADIUS clients' side of the CoA tests: requests built with pyrad on the dictionary the device
ships, the seed's own 257-byte request, and a device with a session to change."""
from __future__ import annotations

import hashlib
import hmac
import socket
import struct

from pyrad import packet as pyrad_packet

from qfp_model.control.headend import Headend
from qfp_model.control.radius import packet as P

KEY = "cisco123"                      # the default config's key for client 127.0.0.1
SEED_CLIENT = ("10.106.210.176", 58712)
SEED_AUDIT_ID = "L2L44D010102ZO2L44D010101ZI1F401F4ZO2"
SEED_AVPAIRS = [f"audit-session-id={SEED_AUDIT_ID}", "ip:interface-config=service-policy input pol",
                "ip:sub-qos-policy-out=2M-IN", "ip:sub-qos-policy-in=aaa-pol",
                "ip:interface-config=service-policy output 2M"]
SEED_AUTHENTICATOR = bytes.fromhex("BD975EBAB2EBC1C51A14513DC2C8663F")


def seed_request() -> bytes:
    """The seed's CoA-Request, byte for byte: id 125, its authenticator, five Cisco-AVPair VSAs
    of 62+52+35+36+52 octets (made with a key the seed does not give: only `ignore server-key`
    takes it as it is)."""
    attrs = b"".join(bytes((26, len(v) + 8)) + struct.pack("!L", 9) + bytes((1, len(v) + 2)) + v.encode()
                     for v in SEED_AVPAIRS)
    return struct.pack("!BBH", P.COA_REQUEST, 125, 20 + len(attrs)) + SEED_AUTHENTICATOR + attrs


def request(avpairs=(), *, code=P.COA_REQUEST, key=KEY, identifier=None, message_authenticator=False,
            **attributes) -> pyrad_packet.CoAPacket:
    """A request as pyrad's client builds it (Identifier: pyrad's counter unless given);
    `.RequestPacket()` encodes and signs it."""
    packet = pyrad_packet.CoAPacket(code=code, id=identifier, secret=key.encode(), dict=P.DICTIONARY)
    if message_authenticator:
        packet.add_message_authenticator()
    for name, value in attributes.items():
        for v in (value if isinstance(value, list) else [value]):
            packet.AddAttribute(name.replace("_", "-"), v)
    for avpair in avpairs:
        packet.AddAttribute("Cisco-AVPair", avpair)
    return packet


def decode_reply(data: bytes, key: str = KEY) -> pyrad_packet.CoAPacket:
    return pyrad_packet.CoAPacket(packet=data, secret=key.encode(), dict=P.DICTIONARY)


def error_cause(reply: pyrad_packet.CoAPacket) -> str | None:
    return reply["Error-Cause"][0] if "Error-Cause" in reply else None


def seed_device(fastpath_class, **dynamic_author) -> tuple[Headend, object]:
    """The default hub with the seed's session (Virtual-Access1) up; its CoA service."""
    headend = Headend.from_config_file(None, fastpath=fastpath_class())
    for name, value in dynamic_author.items():
        setattr(headend.device.config.dynamic_author, name, value)
    headend.device.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2)
    return headend, headend.coa


def udp_exchange(data: bytes, address: tuple[str, int], timeout: float = 2.0,
                 sock: socket.socket | None = None) -> bytes | None:
    """Send one datagram, return the reply or None after `timeout` seconds."""
    own = sock is None
    sock = sock or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.settimeout(timeout)
        sock.sendto(data, address)
        try:
            return sock.recvfrom(8192)[0]
        except TimeoutError:
            return None
    finally:
        if own:
            sock.close()


def response_authenticator(reply_data: bytes, request_authenticator: bytes, secret: bytes) -> bytes:
    """RFC 2865 section 3 / RFC 5176 section 3.3: what a reply's Authenticator must be."""
    return hashlib.md5(reply_data[:4] + request_authenticator + reply_data[P.HEADER:] + secret).digest()


def sign_request(code: int, identifier: int, attributes: bytes, secret: bytes, *,
                 message_authenticator: bool = False) -> bytes:
    """A request as a RADIUS client sends it (other tests build theirs with pyrad; this is the
    arithmetic spelled out): a Message-Authenticator first when asked, then the Request
    Authenticator over the whole."""
    if message_authenticator:
        attributes = bytes((P.MESSAGE_AUTHENTICATOR, 18)) + bytes(16) + attributes
        header = struct.pack("!BBH", code, identifier, P.HEADER + len(attributes))
        mac = hmac.new(secret, header + bytes(16) + attributes, "md5").digest()
        attributes = attributes[:2] + mac + attributes[18:]
    header = struct.pack("!BBH", code, identifier, P.HEADER + len(attributes))
    return header + hashlib.md5(header + bytes(16) + attributes + secret).digest() + attributes
