"""Which inside IP families a Virtual-Template's `tunnel mode` carries.

An IPsec VTI's child SA protects one family unless told otherwise: Cisco's IOS XE IPsec
configuration guide says "IPv4 tunnel mode and IPv6-overlay-IPv4 do not allow IPv6 addresses" and
"IPv6 tunnel mode and IPv4-overlay-IPv6 do not allow IPv4 addresses" (the families named by the
overlay are the inside ones: `ipsec ipv4 v6-overlay` carries IPv6 over IPv4). `ipsec dual-overlay`
carries both in one child SA, whose selectors list an IPv6 pair and an IPv4 pair
(tests/golden/ios-xe/show-crypto-ikev2-session-detailed.txt's child SAs); GRE carries either,
and a template without a `tunnel mode` line is GRE, IOS's default for a tunnel.

The fast path models no encapsulation: it filters, classifies and polices what enters and leaves
a Virtual-Access whatever the template's mode. A packet of a family the mode does not carry is
still sent through, and the device says once per template and family that IOS would not have
(Device.stream), instead of pretending the tunnel carried it.
"""
from __future__ import annotations

from collections.abc import Sequence

BOTH = frozenset((4, 6))
_IPSEC = {
    ("ipsec", "ipv4"): frozenset((4,)),
    ("ipsec", "ipv6"): frozenset((6,)),
    ("ipsec", "ipv4", "v6-overlay"): frozenset((6,)),
    ("ipsec", "ipv6", "v4-overlay"): frozenset((4,)),
    ("ipsec", "dual-overlay"): BOTH,
}


def tunnel_mode(lines: Sequence[str]) -> str | None:
    """The template's `tunnel mode ...` words after `tunnel mode`, or None without the line."""
    for line in lines:
        words = line.split()
        if words[:2] == ["tunnel", "mode"]:
            return " ".join(words[2:])
    return None


def carried_families(lines: Sequence[str]) -> frozenset[int]:
    """The inside families (4, 6) a template with these lines carries."""
    mode = tunnel_mode(lines)
    if mode is None:
        return BOTH
    return _IPSEC.get(tuple(mode.split()), BOTH)
