"""`show ipv6 interface brief`: each interface's status and IPv6 addresses, as IOS XE prints them
(tests/golden/ios-xe/show-ipv6-interface-brief.txt: the name in 23 columns, `[status/protocol]`,
then each address four spaces in, upper case, without its length; `unassigned` where IPv6 is off).

The interfaces are `show ip interface brief`'s (control/show/interfaces.py), a Virtual-Access with
its template's lines. IPv6 is on where the lines have `ipv6 address`, `ipv6 enable` or `ipv6
unnumbered`; such an interface lists its link-local address first, then its global ones.
- Link-local: `ipv6 address X link-local` where given, else IOS's EUI-64 one (FE80:: and the MAC
  with FFFE in its middle and the universal/local bit flipped) from the interface's MAC, which for
  an interface without one (Loopback, Virtual-Template, Virtual-Access) is the first physical
  interface's, as IOS takes the router's first MAC for them.
- Global: each `ipv6 address X/LEN` (`eui-64`: the prefix and the interface identifier above).
- `ipv6 unnumbered IF` lends IF's addresses to the interface's traffic; no output found shows
  whether IOS lists them under the borrower, and the model lists the link-local address alone.
A session's inside IPv6 prefix is the peer's, not the Virtual-Access's, and is not listed (IOS
pushes it to the peer in IKEv2's configuration payload; `show crypto ikev2 sa detailed` is where
an assigned address shows).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from .interfaces import interface_mac, interface_sort_key, ip_interface_brief_data, kept_interfaces

_ADDRESS = re.compile(r"ipv6 address (\S+?)(?:/(\d+))?(?: (link-local|eui-64|anycast))?")
_ENABLED = re.compile(r"ipv6 (?:address|enable|unnumbered)\b")


def _eui64(mac: str) -> int:
    """The 64-bit interface identifier IOS derives from a MAC (`5254.00ff.0001`)."""
    octets = bytearray(bytes.fromhex(mac.replace(".", "")))
    octets[0] ^= 0x02
    return int.from_bytes(bytes(octets[:3]) + b"\xff\xfe" + bytes(octets[3:]), "big")


def _text(address: ipaddress.IPv6Address) -> str:
    return str(address).upper()


def _addresses(lines: Sequence[str], mac: str) -> list[str]:
    if not any(_ENABLED.match(line) for line in lines):
        return []
    link_local = ipaddress.IPv6Address((0xFE80 << 112) | _eui64(mac))
    globals_ = []
    for line in lines:
        m = _ADDRESS.fullmatch(line)
        if not m:
            continue
        try:
            address = ipaddress.IPv6Address(m[1])
        except ValueError:
            continue
        if m[3] == "link-local":
            link_local = address
        elif m[3] == "eui-64" and m[2]:
            network = ipaddress.IPv6Network((address, int(m[2])), strict=False)
            globals_.append(_text(network.network_address + _eui64(mac)))
        else:
            globals_.append(_text(address))
    return [_text(link_local), *globals_]


def ipv6_interface_brief_data(config, sessions: Iterable) -> list[dict]:
    """One dict per interface, in `show ip interface brief`'s order: name, status, protocol and
    its IPv6 addresses (empty: `unassigned`)."""
    sessions = list(sessions)
    kept = kept_interfaces(config)
    lines = dict(kept)
    for vt in config.virtual_templates.values():
        lines[vt.name] = vt.other_lines
    for session in sessions:
        vt = config.virtual_templates.get(session.template)
        lines[session.interface] = vt.other_lines if vt else []
    physical = sorted((name for name in kept if "Ethernet" in name), key=interface_sort_key)
    router_mac = interface_mac(physical[0] if physical else "")
    rows = []
    for row in ip_interface_brief_data(config, sessions):
        name = row["interface"]
        mac = interface_mac(name) if name in physical else router_mac
        rows.append({"interface": name, "status": row["status"], "protocol": row["protocol"],
                     "addresses": _addresses(lines.get(name, []), mac)})
    return rows


def render_ipv6_interface_brief(rows: Sequence[dict]) -> str:
    lines = []
    for row in rows:
        lines.append(f"{row['interface']:<22} [{row['status']}/{row['protocol']}]")
        lines += [f"    {address}" for address in row["addresses"] or ["unassigned"]]
    return "\n".join(lines) + "\n" if lines else ""
