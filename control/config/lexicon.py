"""IOS's names for numbers: IP protocols, TCP and UDP ports, ICMP messages, DSCP and precedence values.

IOS accepts each name where a number goes and prints the name back wherever it knows one, so each
table is used both ways. TCP and UDP have separate port tables in IOS (512 is `exec` for TCP but
`biff` for UDP), taken from the `?` help of `permit tcp|udp any any eq ?` on IOS XE; SCTP has none.
"""
from __future__ import annotations

PROTOCOLS = {
    "icmp": 1, "igmp": 2, "ipinip": 4, "tcp": 6, "igrp": 9, "udp": 17, "gre": 47, "esp": 50,
    "ahp": 51, "eigrp": 88, "ospf": 89, "nos": 94, "pim": 103, "pcp": 108, "sctp": 132,
}

TCP_PORTS = {
    "bgp": 179, "chargen": 19, "cmd": 514, "daytime": 13, "discard": 9, "domain": 53,
    "drip": 3949, "echo": 7, "exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20, "gopher": 70,
    "hostname": 101, "ident": 113, "irc": 194, "klogin": 543, "kshell": 544, "login": 513,
    "lpd": 515, "msrpc": 135, "nntp": 119, "onep-plain": 15001, "onep-tls": 15002,
    "pim-auto-rp": 496, "pop2": 109, "pop3": 110, "sip": 5060, "smtp": 25, "sunrpc": 111,
    "tacacs": 49, "talk": 517, "telnet": 23, "time": 37, "uucp": 540, "whois": 43, "www": 80,
}

UDP_PORTS = {
    "biff": 512, "bootpc": 68, "bootps": 67, "discard": 9, "dnsix": 195, "domain": 53, "echo": 7,
    "isakmp": 500, "mobile-ip": 434, "nameserver": 42, "netbios-dgm": 138, "netbios-ns": 137,
    "netbios-ss": 139, "non500-isakmp": 4500, "ntp": 123, "pim-auto-rp": 496, "rip": 520,
    "ripv6": 521, "sip": 5060, "snmp": 161, "snmptrap": 162, "sunrpc": 111, "syslog": 514,
    "tacacs": 49, "talk": 517, "tftp": 69, "time": 37, "who": 513, "xdmcp": 177,
}

PORT_NAMES = {6: TCP_PORTS, 17: UDP_PORTS}

# ICMP messages by name, as `permit icmp any any ?` lists them on IOS XE: (type, code), code None
# for a name that matches every code of its type. IOS prints a type and code back as the name when
# one names exactly that pair (`3 4` prints as `packet-too-big`).
ICMP_MESSAGES = {
    "administratively-prohibited": (3, 13), "alternate-address": (6, None),
    "conversion-error": (31, None), "dod-host-prohibited": (3, 10), "dod-net-prohibited": (3, 9),
    "echo": (8, None), "echo-reply": (0, None), "general-parameter-problem": (12, 0),
    "host-isolated": (3, 8), "host-precedence-unreachable": (3, 14), "host-redirect": (5, 1),
    "host-tos-redirect": (5, 3), "host-tos-unreachable": (3, 12), "host-unknown": (3, 7),
    "host-unreachable": (3, 1), "information-reply": (16, None), "information-request": (15, None),
    "mask-reply": (18, None), "mask-request": (17, None), "mobile-redirect": (32, None),
    "net-redirect": (5, 0), "net-tos-redirect": (5, 2), "net-tos-unreachable": (3, 11),
    "net-unreachable": (3, 0), "network-unknown": (3, 6), "no-room-for-option": (12, 2),
    "option-missing": (12, 1), "packet-too-big": (3, 4), "parameter-problem": (12, None),
    "port-unreachable": (3, 3), "precedence-unreachable": (3, 15), "protocol-unreachable": (3, 2),
    "reassembly-timeout": (11, 1), "redirect": (5, None), "router-advertisement": (9, None),
    "router-solicitation": (10, None), "source-quench": (4, None), "source-route-failed": (3, 5),
    "time-exceeded": (11, None), "timestamp-reply": (14, None), "timestamp-request": (13, None),
    "traceroute": (30, None), "ttl-exceeded": (11, 0), "unreachable": (3, None),
}

# IPv6 ACEs' protocol keywords (`permit ?` in `ipv6 access-list` on IOS XE): `ipv6` is any protocol,
# `icmp` is ICMPv6 and `hbh` the hop-by-hop header's number.
IPV6_PROTOCOLS = {
    "ahp": 51, "esp": 50, "hbh": 0, "icmp": 58, "pcp": 108, "sctp": 132, "tcp": 6, "udp": 17,
}

# ICMPv6 messages by name, as `permit icmp any any ?` lists them in an IPv6 ACL on IOS XE: (type,
# code), code None for every code of the type (RFC 4443, 4861, 2710, 2894 numbers). `unreachable`
# is accepted as destination-unreachable's other name; IOS prints the longer one.
ICMPV6_MESSAGES = {
    "beyond-scope": (1, 2), "destination-unreachable": (1, None), "echo-reply": (129, None),
    "echo-request": (128, None), "header": (4, 0), "hop-limit": (3, 0), "mld-query": (130, None),
    "mld-reduction": (132, None), "mld-report": (131, None), "nd-na": (136, None),
    "nd-ns": (135, None), "next-header": (4, 1), "no-admin": (1, 1), "no-route": (1, 0),
    "packet-too-big": (2, None), "parameter-option": (4, 2), "parameter-problem": (4, None),
    "port-unreachable": (1, 4), "reassembly-timeout": (3, 1), "redirect": (137, None),
    "renum-command": (138, 0), "renum-result": (138, 1), "renum-seq-number": (138, 255),
    "router-advertisement": (134, None), "router-renumbering": (138, None),
    "router-solicitation": (133, None), "time-exceeded": (3, None),
}
ICMPV6_ALIASES = {"unreachable": (1, None)}

DSCP = {
    "default": 0, "cs1": 8, "af11": 10, "af12": 12, "af13": 14, "cs2": 16, "af21": 18, "af22": 20,
    "af23": 22, "cs3": 24, "af31": 26, "af32": 28, "af33": 30, "cs4": 32, "af41": 34, "af42": 36,
    "af43": 38, "cs5": 40, "ef": 46, "cs6": 48, "cs7": 56,
}
DSCP_ALIASES = {"cs0": 0}   # accepted, but IOS prints 0 as `default`

PRECEDENCE = {
    "routine": 0, "priority": 1, "immediate": 2, "flash": 3, "flash-override": 4, "critical": 5,
    "internet": 6, "network": 7,
}

# IOS's names for the 4-bit ToS values an ACE's `tos` takes (0..15); IOS prints a named value by
# its name (Cisco IOS Cookbook, 2nd ed., "Filtering Based on DSCP and TOS").
TOS = {"normal": 0, "min-monetary-cost": 1, "max-reliability": 2, "max-throughput": 4, "min-delay": 8}


def _reverse(table: dict[str, int]) -> dict[int, str]:
    return {number: name for name, number in table.items()}


_PROTOCOL_NAMES = _reverse(PROTOCOLS)
_PORT_NAMES = {proto: _reverse(table) for proto, table in PORT_NAMES.items()}
_ICMP_NAMES = {message: name for name, message in ICMP_MESSAGES.items()}
_IPV6_PROTOCOL_NAMES = _reverse(IPV6_PROTOCOLS)
_ICMPV6_NAMES = {message: name for name, message in ICMPV6_MESSAGES.items()}
_DSCP_NAMES = _reverse(DSCP)
_PRECEDENCE_NAMES = _reverse(PRECEDENCE)
_TOS_NAMES = _reverse(TOS)


def protocol_name(proto: int | None) -> str:
    """`ip` for any protocol, else IOS's keyword, else the number."""
    if proto is None:
        return "ip"
    return _PROTOCOL_NAMES.get(proto, str(proto))


def port_name(proto: int | None, port: int) -> str:
    return _PORT_NAMES.get(proto, {}).get(port, str(port))


def icmp_words(icmp_type: int, icmp_code: int | None) -> list[str]:
    """An ACE's ICMP message as IOS prints it: the name of exactly that type and code, else the
    numbers."""
    name = _ICMP_NAMES.get((icmp_type, icmp_code))
    if name is not None:
        return [name]
    return [str(icmp_type)] + ([] if icmp_code is None else [str(icmp_code)])


def ipv6_protocol_name(proto: int | None) -> str:
    """`ipv6` for any protocol, else IOS's IPv6 ACL keyword, else the number."""
    if proto is None:
        return "ipv6"
    return _IPV6_PROTOCOL_NAMES.get(proto, str(proto))


def icmpv6_words(icmp_type: int, icmp_code: int | None) -> list[str]:
    name = _ICMPV6_NAMES.get((icmp_type, icmp_code))
    if name is not None:
        return [name]
    return [str(icmp_type)] + ([] if icmp_code is None else [str(icmp_code)])


def dscp_name(value: int) -> str:
    return _DSCP_NAMES.get(value, str(value))


def precedence_name(value: int) -> str:
    return _PRECEDENCE_NAMES[value]


def tos_name(value: int) -> str:
    return _TOS_NAMES.get(value, str(value))
