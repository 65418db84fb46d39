"""IPv6 ACLs in plain Python (docs/fastpath.md, "IPv6"): an Ace6 against a packet, and IOS's implicit
entries after an IPv6 ACL's last ACE. Works from the Ace6 values themselves (prefix lengths, port
operators), never from the masks C gets, so a differential test also checks their compilation."""
from __future__ import annotations

from collections.abc import Sequence

from . import packets as P
from .reference_ace_rest import rest_matches
from .tables import PROTO_ICMPV6, Ace6

# IOS's implicit entries, by their place after the ACL's end (csrc/qfp.h QFP_ACL6_IMPLICIT_*):
# the deny at naces, `permit icmp any any nd-na` at naces + 1, nd-ns at naces + 2.
IMPLICIT_DENY, IMPLICIT_ND_NA, IMPLICIT_ND_NS = 0, 1, 2
ICMP6_ND_NS, ICMP6_ND_NA = 135, 136


def _in_prefix(address: int, prefix: int, length: int) -> bool:
    return address >> (128 - length) == prefix >> (128 - length)


def ace6_matches(ace: Ace6, pkt, src: int, dst: int) -> bool:
    """The ACE against a packet whose 128-bit addresses are `src` and `dst`: IPv4's fragment rules,
    and every extension header the ACE names must have been seen."""
    if not (_in_prefix(src, ace.src, ace.src_len) and _in_prefix(dst, ace.dst, ace.dst_len)):
        return False
    if ace.proto is not None and pkt.proto != ace.proto:
        return False
    if ace.dscp is not None and pkt.dscp != ace.dscp:
        return False
    if ace.flow_label is not None and pkt.flow_label != ace.flow_label:
        return False
    if pkt.ext & ace.ext != ace.ext:
        return False
    return rest_matches(ace, pkt)


def lookup6(aces: Sequence[Ace6], pkt, src: int, dst: int) -> int:
    """The first ACE the IPv6 packet matches, else the implicit entry's index past the ACL's end:
    len + 1 (nd-na), len + 2 (nd-ns), len (the deny). ND is never fragmented (RFC 6980): a
    non-initial fragment meets only the deny."""
    for index, ace in enumerate(aces):
        if ace6_matches(ace, pkt, src, dst):
            return index
    if pkt.proto == PROTO_ICMPV6 and pkt.frag != P.FRAG_NONINITIAL:
        if pkt.sport == ICMP6_ND_NA:
            return len(aces) + IMPLICIT_ND_NA
        if pkt.sport == ICMP6_ND_NS:
            return len(aces) + IMPLICIT_ND_NS
    return len(aces) + IMPLICIT_DENY
