"""The `debug radius` / `debug aaa coa` lines of a request, in the seed's words
(reference/seed-golden/coa-debug-trace.txt), without their timestamps.

A line is (facility, text): facility "radius" prints under `debug radius`, "coa" under `debug aaa
coa`. Lines the seed does not show (drops, NAK reasons, standard attributes) follow its pattern.
"""
from __future__ import annotations

import ipaddress
import struct

from . import packet as P

Line = tuple[str, str]
RADIUS, COA = "radius", "coa"

# IOS says POD (Packet of Disconnect) for Disconnect-Request.
KIND = {P.COA_REQUEST: ("COA", "CoA Request"), P.DISCONNECT_REQUEST: ("POD", "POD Request")}


def received(source: tuple[str, int], code: int, identifier: int, length: int) -> Line:
    word, name = KIND.get(code, ("COA", f"code {code}"))
    return RADIUS, f"RADIUS: {word} received from id {identifier} {source[0]}:{source[1]}, {name}, len {length}"


def queued(source: tuple[str, int]) -> Line:
    return COA, f"COA: {source[0]} request queued"


def authenticator(value: bytes) -> Line:
    octets = [f"{b:02X}" for b in value]
    return RADIUS, f"RADIUS: authenticator {' '.join(octets[:8])} - {' '.join(octets[8:])}"


def attributes(frame: P.Frame) -> list[Line]:
    lines: list[Line] = []
    vsa_shown = None
    for a in frame.attributes:
        if a.vendor is not None:
            if a.vsa_at != vsa_shown:
                lines.append((RADIUS, f"RADIUS: Vendor, Cisco [26] {a.vsa_length}"))
                vsa_shown = a.vsa_at
            name = "Cisco AVpair" if a.is_cisco_avpair else "Cisco attribute"
            lines.append((RADIUS, f"RADIUS: {name} [{a.subtype}] {len(a.value) + 2} \"{a.text}\""))
        elif a.type == P.VENDOR_SPECIFIC:
            vendor = struct.unpack_from("!L", a.value)[0] if len(a.value) >= 4 else "?"
            lines.append((RADIUS, f"RADIUS: Vendor, {vendor} [26] {len(a.value) + 2} {_hex(a.value[4:])}"))
        else:
            text = value_text(a)
            if len(a.value) == 4 and not text[:1].isdigit() and not text.startswith(('"', "0x")) \
                    and P.DICTIONARY.attributes[a.name].type == "integer":
                text += f" [{int.from_bytes(a.value, 'big')}]"      # IOS: `Stop [2]`
            lines.append((RADIUS, f"RADIUS: {a.name} [{a.type}] {len(a.value) + 2} {text}"))
    return lines


def value_text(a: P.Attribute) -> str:
    """A value as the dictionary types it: strings quoted, addresses dotted, integers by VALUE name."""
    try:
        attr = P.DICTIONARY.attributes[a.name]
    except KeyError:
        return _hex(a.value)
    if attr.type == "string":
        return f'"{a.text}"'
    if attr.type == "ipaddr" and len(a.value) == 4:
        return str(ipaddress.IPv4Address(a.value))
    if attr.type == "ipv6addr" and len(a.value) == 16:
        return str(ipaddress.IPv6Address(a.value))
    if attr.type in ("integer", "date") and len(a.value) == 4:
        try:    # pyrad keeps VALUE numbers encoded, as they travel
            return attr.values.GetBackward(a.value)
        except KeyError:
            return str(int.from_bytes(a.value, "big"))
    return _hex(a.value)


def _hex(value: bytes) -> str:
    return "0x" + value.hex().upper() if value else '""'


def message_authenticator_missing() -> Line:
    return COA, "COA: Message Authenticator missing or failed decode"


def dropped(source: tuple[str, int], reason: str, detail: str) -> Line:
    return COA, f"COA: {source[0]} request dropped, {reason}" + (f": {detail}" if detail else "")


def duplicate(source: tuple[str, int], identifier: int, resent: bool) -> Line:
    what = "reply re-sent" if resent else "still in progress, dropped"
    return COA, f"COA: {source[0]} duplicate request id {identifier}, {what}"


def result(error_cause: int | None, message: str = "") -> list[Line]:
    """IOS prints `Added NACK Error Cause: Success` for a request it accepts (the seed's last line)."""
    if error_cause is None:
        return [(COA, "COA: Added NACK Error Cause: Success")]
    name = P.ERROR_CAUSES.get(error_cause, str(error_cause)).replace("-", " ")
    return [(COA, f"COA: {message}"), (COA, f"COA: Added NACK Error Cause: {name}")]


# ---- the headend as a client: Access-Request and Accounting-Request (debug radius) ----

def client_sent(handle: int, code_name: str, server: tuple[str, int], identifier: int, port: int,
                frame: P.Frame) -> list[Line]:
    """IOS's lines for a request it sends: `RADIUS(0000001C): Send Access-Request to
    10.1.1.1:1645 id 1645/22, len 123`, the authenticator, the attributes (User-Password masked)."""
    lines = [(RADIUS, f"RADIUS({handle:08X}): Send {code_name} to {server[0]}:{server[1]} "
                      f"id {port}/{identifier}, len {frame.length}"),
             authenticator(frame.authenticator)]
    for line in attributes(frame):
        if line[1].startswith("RADIUS: User-Password [2] "):
            line = (RADIUS, " ".join(line[1].split(" ")[:4]) + " *")
        lines.append(line)
    return lines


def client_received(handle: int, code_name: str, server: tuple[str, int], identifier: int, port: int,
                    frame: P.Frame) -> list[Line]:
    return [(RADIUS, f"RADIUS: Received from id {port}/{identifier} {server[0]}:{server[1]}, "
                     f"{code_name}, len {frame.length}"),
            authenticator(frame.authenticator), *attributes(frame),
            (RADIUS, f"RADIUS({handle:08X}): Received from id {port}/{identifier}")]


def client_retransmit(handle: int, server: tuple[str, int], identifier: int, port: int) -> Line:
    return RADIUS, f"RADIUS({handle:08X}): Retransmit to ({server[0]}:{server[1]},{port}) for id {port}/{identifier}"


def client_no_response(handle: int, group: str, why: str) -> Line:
    return RADIUS, f"RADIUS({handle:08X}): No response from server group {group} ({why})"


def client_marked_dead(name: str, server: tuple[str, int]) -> Line:
    return RADIUS, f"RADIUS: Marking server {name} ({server[0]}:{server[1]}) dead"
