"""An interface's kept lines as IOS edits them: a single-valued setting (`ip mtu`, `description`,
`tunnel source` ...) replaces its old value rather than adding a second line, and its `no` form
removes it whatever value it names; other lines (`ip helper-address`, `ip address ... secondary`)
are added once each, and removed by `no` of their own text.

Used by the Virtual-Template's mode, the kept interface blocks and a CoA's `ip:interface-config`,
which edits a session's copy of the same lines.
"""
from __future__ import annotations

# First words of interface commands, and the second words of an interface's `ip` / `ipv6` ones:
# what a line typed under an interface, or a CoA's `ip:interface-config`, may be.
INTERFACE_WORDS = frozenset("""
    crypto logging snmp vrf cdp lldp mpls spanning-tree authentication dot1x mab macsec mka
    service-policy load-interval bandwidth delay description mtu tunnel keepalive encapsulation
    standby vrrp carrier-delay hold-queue arp channel-group switchport storm-control flow
    shutdown peer ppp negotiation speed duplex dampening media-type zone-member nhrp bfd isis
    ospfv3 pppoe dialer
    """.split())
INTERFACE_IP_WORDS = frozenset("""
    address mtu tcp unnumbered nat ospf pim helper-address redirects unreachables proxy-arp
    route-cache virtual-reassembly verify vrf flow policy igmp directed-broadcast dhcp mask-reply
    nbar split-horizon summary-address authentication hello-interval hold-time bandwidth-percent
    rip eigrp enable nd traffic-filter access-group accounting multicast wccp
    """.split())

# The words that name a single-valued setting; what follows them is its value.
SINGLE_VALUED = tuple(tuple(key.split()) for key in """
    ip mtu|ip tcp adjust-mss|ip unnumbered|ip vrf forwarding|vrf forwarding|ip nat|ip ospf cost|
    ip ospf network|ip ospf priority|ip proxy-arp|ip redirects|ip unreachables|ip route-cache|
    ipv6 mtu|ipv6 tcp adjust-mss|ipv6 unnumbered|description|bandwidth|mtu|delay|load-interval|
    keepalive|encapsulation|tunnel source|tunnel destination|tunnel mode|tunnel protection|tunnel key|
    tunnel vrf|tunnel path-mtu-discovery|ip virtual-reassembly|ip verify unicast|
    peer default ip address|negotiation|speed|duplex|carrier-delay|dampening|shutdown|
    """.replace("\n", "").split("|") if key.strip())
# Words whose `no` form is printed as the line itself (`no shutdown`, `no ip redirects`).
NEGATIVE_DEFAULTS = ("shutdown", "ip redirects", "ip unreachables", "ip proxy-arp", "ip route-cache",
                     "keepalive", "negotiation auto", "cdp enable", "mop enabled", "mop sysid")


# Interface commands IOS takes without a value; every other one needs at least one word after its
# name (`ip mtu`, `description`, `service-policy` alone are IOS's `% Incomplete command.`). From
# IOS XE's interface command reference.
COMPLETE_ALONE = frozenset({
    "shutdown", "keepalive", "dampening", "switchport", "ip proxy-arp", "ip redirects", "ip unreachables",
    "ip route-cache", "ip virtual-reassembly", "ip directed-broadcast", "ip mask-reply", "ip split-horizon",
    "ip accounting", "ipv6 enable", "ipv6 redirects", "ipv6 unreachables", "tunnel path-mtu-discovery"})
# ...and those that take no word after them at all (`shutdown now` is `% Invalid input`).
NO_WORDS = frozenset({"shutdown", "ip proxy-arp", "ip redirects", "ip unreachables", "ipv6 enable"})


def word_count_problem(line: str) -> tuple[int | None, str] | None:
    """Why IOS would refuse an interface command for its number of words: (the index of the word
    its caret goes under, None for the end of the line; why), else None."""
    words = line.split()
    lead = 1 if words[0].lower() == "no" else 0
    body = [w.lower() for w in words[lead:]]
    key = setting(line)
    name_len = len(key) if key is not None and key != ("ip", "address") else (
        2 if body[0] in ("ip", "ipv6") else 1)
    name = " ".join(body[:name_len])
    if name in NO_WORDS and len(body) > name_len:
        return lead + name_len, f"'{name}' takes nothing after it"
    if not lead and len(body) <= name_len and name not in COMPLETE_ALONE:
        return None, f"incomplete command: '{name}' needs a value"
    return None


def is_interface_command(line: str) -> bool:
    """Whether a line (or its `no` form) is one of an interface's commands, by its first words."""
    words = [w.lower() for w in line.split()]
    if words[:1] == ["no"]:
        words = words[1:]
    words += ["", ""]
    if words[0] in ("ip", "ipv6"):
        return words[1] in INTERFACE_IP_WORDS
    return words[0] in INTERFACE_WORDS


def setting(line: str) -> tuple[str, ...] | None:
    """The single-valued setting a line (or its `no` form) sets, else None."""
    words = tuple(w.lower() for w in line.split())
    if words[:1] == ("no",):
        words = words[1:]
    if words[:2] == ("ip", "address"):
        return None if "secondary" in words else ("ip", "address")
    return next((key for key in SINGLE_VALUED if words[:len(key)] == key), None)


def edit(lines: list[str], text: str) -> None:
    """Apply one interface line to `lines` (kept without indentation) in place, as IOS would."""
    text = " ".join(text.split())
    words = text.split()
    negate = words[0].lower() == "no"
    key = setting(text)
    if key is not None:
        at = next((i for i, line in enumerate(lines) if setting(line) == key), None)
        if negate and " ".join(words[1:]).lower() not in NEGATIVE_DEFAULTS:
            if at is not None:
                del lines[at]
            return
        if at is not None:
            lines[at] = text
        else:
            lines.append(text)
        return
    if negate:
        rest = " ".join(words[1:])
        kept = [line for line in lines if not line.startswith(rest)]
        if len(kept) < len(lines):
            lines[:] = kept
            return
    if text not in lines:
        lines.append(text)
