"""IPv6 in captures (qfp/pcap_l3.py): frames built by scapy, decoded into packet rows (addresses,
traffic class, flow label, hop limit, the extension-header chain, fragments, upper-layer fields),
cross-checked field by field against tshark's own dissection, and written back with the fast path's
marking in the traffic class, which tshark reads again."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from ipaddress import IPv6Address
from pathlib import Path

import numpy as np
import pytest

from qfp_model.qfp import packets as P
from qfp_model.qfp import pcap
from qfp_model.qfp.tables import EXT_DEST_OPTS, EXT_FRAGMENT, EXT_HOP_BY_HOP, EXT_ROUTING

scapy = pytest.importorskip("scapy.all")
from scapy.all import (  # noqa: E402
    IP,
    TCP,
    UDP,
    Dot1Q,
    Ether,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    Raw,
    fragment6,
    rdpcap,
    wrpcap,
)

MACS = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
A, B = "2001:db8:1234::1", "fe80::abcd:ef01:2345:6789"
needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")


def eth6(*layers, **ipv6):
    packet = Ether(**MACS) / IPv6(src=A, dst=B, **ipv6)
    for layer in layers:
        packet = packet / layer
    return packet


def frames():
    return [
        # every extension header IOS can ask about, then TCP; traffic class = DSCP 46, ECN 1
        eth6(IPv6ExtHdrHopByHop(), IPv6ExtHdrRouting(), IPv6ExtHdrDestOpt(), TCP(sport=1000, dport=443, flags="SA"),
             tc=46 << 2 | 1, fl=0xABCDE, hlim=33),
        eth6(ICMPv6ND_NS(tgt=B), hlim=255),
        eth6(ICMPv6ND_NA(tgt=A), hlim=255),
        eth6(ICMPv6EchoRequest(), Raw(b"p" * 56)),
        Ether(**MACS) / Dot1Q(vlan=9) / IPv6(src=B, dst=A) / UDP(sport=53, dport=5353) / Raw(b"q" * 20),
        Ether(**MACS) / IP(src="10.0.0.1", dst="10.0.0.2", tos=10 << 2 | 3, ttl=17) / UDP(sport=1, dport=2),
    ]


def classic(packets) -> bytes:
    """A classic pcap of the packets, as scapy writes it (it closes what it writes to)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.pcap"
        wrpcap(str(path), packets)
        return path.read_bytes()


def test_ipv6_frames_decode_every_field():
    capture = pcap.parse(classic(frames()))
    b = capture.batch
    assert capture.frames == 6 and len(capture) == 6 and not capture.skipped
    assert b["family"].tolist() == [6, 6, 6, 6, 6, 4]
    assert P.address(b[0], "src") == IPv6Address(A) and P.address(b[0], "dst") == IPv6Address(B)
    assert P.address(b[4], "src") == IPv6Address(B)
    assert b["proto"].tolist() == [6, 58, 58, 58, 17, 17]
    assert b["sport"].tolist() == [1000, 135, 136, 128, 53, 1]     # ICMPv6 type in sport
    assert b["dport"].tolist() == [443, 0, 0, 0, 5353, 2]          # and its code in dport
    assert b["ext"].tolist() == [EXT_HOP_BY_HOP | EXT_ROUTING | EXT_DEST_OPTS, 0, 0, 0, 0, 0]
    assert b["dscp"].tolist() == [46, 0, 0, 0, 0, 10] and b["ecn"].tolist() == [1, 0, 0, 0, 0, 3]
    assert b["flow_label"][0] == 0xABCDE
    assert b["ttl"].tolist() == [33, 255, 255, 64, 64, 17]          # hop limit; IPv4's TTL
    assert b["tcp_flags"][0] == P.TCP_SYN | P.TCP_ACK
    assert b["length"].tolist() == [len(bytes(f)) - 14 - 4 * (i == 4) for i, f in enumerate(frames())]
    assert (b["frag"] == P.FRAG_NONE).all()


def test_fragments_and_the_atomic_fragment():
    whole = IPv6(src=A, dst=B) / IPv6ExtHdrFragment(id=7) / UDP(sport=9, dport=10) / Raw(b"y" * 3000)
    pieces = [Ether(**MACS) / f for f in fragment6(whole, 1280)]
    atomic = eth6(IPv6ExtHdrFragment(offset=0, m=0), UDP(sport=11, dport=12))
    b = pcap.parse(classic([*pieces, atomic])).batch
    assert b["frag"].tolist() == [P.FRAG_INITIAL] + [P.FRAG_NONINITIAL] * (len(pieces) - 1) + [P.FRAG_NONE]
    assert b["proto"].tolist() == [17] * (len(pieces) + 1)          # the fragment header's next header
    assert b["sport"].tolist() == [9] + [0] * (len(pieces) - 1) + [11]   # no L4 past the first
    assert (b["ext"] == EXT_FRAGMENT).all()


def test_headers_after_a_non_initial_fragment_are_not_read():
    """A destination-options header in the fragmentable part: the first fragment carries it (and the
    UDP header), the others only name it as the fragment header's next header."""
    whole = IPv6(src=A, dst=B) / IPv6ExtHdrFragment(id=8) / IPv6ExtHdrDestOpt() / UDP(sport=9) / Raw(b"z" * 3000)
    b = pcap.parse(classic([Ether(**MACS) / f for f in fragment6(whole, 1280)])).batch
    n = len(b)
    assert b["ext"].tolist() == [EXT_FRAGMENT | EXT_DEST_OPTS] + [EXT_FRAGMENT] * (n - 1)
    assert b["proto"].tolist() == [17] + [60] * (n - 1)
    assert b["sport"].tolist() == [9] + [0] * (n - 1)


def test_snapped_chain_keeps_what_it_read():
    frame = bytes(eth6(IPv6ExtHdrHopByHop(), IPv6ExtHdrRouting(), TCP(dport=80)))
    cut = frame[:14 + 40 + 8 + 4]          # the routing header cut off
    header_cut = frame[:14 + 30]
    capture = pcap.parse(classic([Ether(cut), Ether(header_cut)]))
    b = capture.batch
    assert len(capture) == 1 and capture.skipped == {"IPv6 header cut off": 1}
    assert b["ext"][0] == EXT_HOP_BY_HOP | EXT_ROUTING and b["proto"][0] == 43 and b["dport"][0] == 0


def _tshark(path, *fields) -> list[list[str]]:
    out = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-E", "separator=|",
                          *(arg for f in fields for arg in ("-e", f))],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines()]


@needs_tshark
def test_decode_agrees_with_tshark(tmp_path):
    path = tmp_path / "six.pcap"
    wrpcap(str(path), frames())
    b = pcap.read(path).batch
    seen = _tshark(path, "ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.flow", "ipv6.tclass", "ipv6.plen",
                   "icmpv6.type", "tcp.dstport", "udp.dstport")
    for row, (src, dst, hlim, flow, tclass, plen, icmp_type, tcp_dport, udp_dport) in zip(b[:5], seen):
        assert P.address(row, "src") == IPv6Address(src) and P.address(row, "dst") == IPv6Address(dst)
        assert int(row["ttl"]) == int(hlim) and int(row["flow_label"]) == int(flow, 16)
        assert int(row["dscp"]) << 2 | int(row["ecn"]) == int(tclass, 16)
        assert int(row["length"]) == 40 + int(plen)
        if icmp_type:
            assert int(row["sport"]) == int(icmp_type)
        if tcp_dport or udp_dport:
            assert int(row["dport"]) == int(tcp_dport or udp_dport)


@needs_tshark
def test_write_marks_the_traffic_class(tmp_path):
    capture = pcap.parse(classic(frames()))
    rows = np.arange(len(capture))
    dscp = np.array([10, 18, 26, 34, 40, 48])
    pcap.write(tmp_path / "out.pcap", capture, rows, dscp)
    seen = _tshark(tmp_path / "out.pcap", "ipv6.tclass", "ipv6.flow", "ip.dsfield", "ip.checksum.status")
    for (tclass, flow, dsfield, _status), d, ecn, fl in zip(seen, dscp, capture.batch["ecn"],
                                                            capture.batch["flow_label"]):
        value = int(tclass or dsfield, 16)
        assert value == d << 2 | ecn          # DSCP rewritten, ECN kept
        if tclass:
            assert int(flow, 16) == fl        # the flow label beside it untouched
    again = pcap.read(tmp_path / "out.pcap").batch
    assert again["dscp"].tolist() == dscp.tolist() and again["family"].tolist() == [6, 6, 6, 6, 6, 4]
    assert rdpcap(str(tmp_path / "out.pcap"))[0][TCP].dport == 443     # the rest intact


def test_replayed_ipv6_meets_the_ipv6_acl():
    """Decoded rows go through the fast path as they are: an IPv6 ACL with IOS's implicit ND
    permits, beside an IPv4 ACL that denies everything IPv4."""
    from qfp_model.qfp.reference import ReferenceFastPath
    from qfp_model.qfp.tables import PROTO_TCP, Ace, Ace6, Direction

    for fp in (ReferenceFastPath(), pytest.importorskip("qfp_model.qfp.fastpath").FastPath()):
        permit_tcp = fp.acl_create([Ace6(True, PROTO_TCP)])
        deny4 = fp.acl_create([Ace(False)])
        uidb = fp.uidb_create(1, "Virtual-Access1")
        fp.bind(uidb, Direction.IN, acl=deny4, acl6=permit_tcp)
        batch = pcap.parse(classic(frames())).batch
        batch["uidb"] = uidb
        v = fp.process(batch)
        assert v["action"].tolist() == [P.FORWARD, P.FORWARD, P.FORWARD, P.DROP, P.DROP, P.DROP]
        assert v["ace"].tolist() == [0, P.ACE_IMPLICIT_ND_NS, P.ACE_IMPLICIT_ND_NA, P.ACE_IMPLICIT,
                                     P.ACE_IMPLICIT, 0]
