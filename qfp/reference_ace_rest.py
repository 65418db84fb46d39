"""What an ACE asks of a packet past its L3 conditions, in plain Python (docs/fastpath.md, "ACE
matching"): IOS's fragment rules, ports, `established` and an ICMP message in the port fields. The
same for IPv4's ACEs and IPv6's, as C's ACE_REST_MATCH is."""
from __future__ import annotations

from . import packets as P


def rest_matches(ace, pkt) -> bool:
    """`ace` an Ace or an Ace6 whose L3 conditions hold for `pkt`."""
    if pkt.frag == P.FRAG_NONINITIAL:
        # No L4 header to look at. `fragments` is made for exactly this packet; an ACE that needs
        # L4 information lets a permit through on its L3 part but never lets a deny catch it.
        if ace.fragments:
            return True
        return ace.permit if ace.has_l4 else True
    # Not a fragment, or the first one (which carries the L4 header).
    if ace.fragments:
        return False
    if ace.sport is not None and not ace.sport.matches(pkt.sport):
        return False
    if ace.dport is not None and not ace.dport.matches(pkt.dport):
        return False
    if ace.established and not pkt.tcp_flags & (P.TCP_ACK | P.TCP_RST):
        return False
    # An ICMP packet's type and code ride in its port fields.
    if ace.icmp_type is not None and pkt.sport != ace.icmp_type:
        return False
    if ace.icmp_code is not None and pkt.dport != ace.icmp_code:
        return False
    return True
