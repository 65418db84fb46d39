"""The RADIUS server's side of a CoA exchange, for regression cases and the `coa` benchmark: build a
CoA-Request or Disconnect-Request with pyrad and the device's own dictionary, send it over UDP to the
device's dynamic-author listener, and read the ACK or NAK with its Error-Cause.

CoaEndpoint runs the device's listener on a background asyncio loop, bound to 127.0.0.1 on an
ephemeral port, so that a request crosses a real socket exactly as one from a RADIUS server would.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass

from pyrad import packet as pyrad_packet

from qfp_model.control.errors import ControlError
from qfp_model.control.headend import Headend
from qfp_model.control.io.loop import BackgroundLoop
from qfp_model.control.radius.packet import DICTIONARY, ERROR_CAUSES, MAX_LENGTH

HOST = "127.0.0.1"
TIMEOUT_S = 2.0
CODES = {"coa": 43, "disconnect": 40}
REPLY_KINDS = {44: "ack", 45: "nak", 41: "ack", 42: "nak"}
ERROR_CAUSE = 101


@dataclass(frozen=True)
class Reply:
    kind: str                   # "ack", "nak", or "timeout" (silently dropped)
    error_cause: int | None
    code: int | None


def error_cause_number(value) -> int:
    if isinstance(value, int):
        return value
    for number, name in ERROR_CAUSES.items():
        if name.lower() == str(value).lower():
            return number
    raise ControlError(f"Error-Cause {value!r} is neither a number nor an RFC 5176 name")


def secret_for(device, client: str = HOST) -> str:
    da = device.config.dynamic_author
    key = da.key_for(client) if da is not None else None
    if key is None:
        raise ControlError(f"the config's dynamic-author has no client {client} with a server-key")
    return key


def build_request(kind: str, avpairs, attributes: dict, secret: str, identifier: int) -> bytes:
    packet = pyrad_packet.CoAPacket(code=CODES[kind], id=identifier, secret=secret.encode(),
                                    dict=DICTIONARY)
    for name, value in attributes.items():
        for v in value if isinstance(value, list) else [value]:
            packet.AddAttribute(name, v)
    for pair in avpairs:
        packet.AddAttribute("Cisco-AVPair", pair)
    return packet.RequestPacket()


def parse_reply(data: bytes) -> Reply:
    code = data[0]
    cause = None
    at = 20
    while at + 2 <= len(data):
        kind, length = data[at], data[at + 1]
        if length < 2:
            break
        if kind == ERROR_CAUSE and length == 6:
            cause = int.from_bytes(data[at + 2:at + 6], "big")
        at += length
    return Reply(REPLY_KINDS.get(code, f"code {code}"), cause, code)


class CoaEndpoint:
    def __init__(self, headend: Headend, *, secret: str | None = None):
        self.headend = headend
        self.secret = secret or secret_for(headend.device)
        self.identifier = 0
        self.background = BackgroundLoop().start()
        self.service = None
        try:
            self.service = self.background.run(headend.start_coa_listener(HOST, 0))
            self.port = self.service.address[1]
        except BaseException:
            self.background.stop()
            raise
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(TIMEOUT_S)

    def send(self, kind: str, avpairs, attributes: dict) -> Reply:
        self.identifier = (self.identifier + 1) & 0xFF
        data = build_request(kind, avpairs, attributes, self.secret, self.identifier)
        if len(data) > MAX_LENGTH:   # a server would drop it unanswered: say so instead of timing out
            raise ControlError(f"the {kind} request is {len(data):,} bytes; RADIUS caps a packet at {MAX_LENGTH:,}")
        self.sock.sendto(data, (HOST, self.port))
        try:
            reply, _ = self.sock.recvfrom(4096)
        except TimeoutError:
            return Reply("timeout", None, None)
        return parse_reply(reply)

    def close(self) -> None:
        self.sock.close()
        if self.service is not None:
            self.background.run(self.service.close())
        self.background.stop()
