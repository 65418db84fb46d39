"""DPDK's rte_acl, fed our ACLs through the peer program (qfp_model.tools.bench.peers), must answer
what our fast path does.

Skipped where DPDK's development files are missing, unless QFP_REQUIRE_PEERS=1 asks for them: then a
missing DPDK is a failure. Run: .venv/bin/pytest bench/peers -q"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from qfp_model.qfp.errors import TableError
from qfp_model.qfp.fastpath import FastPath
from qfp_model.qfp.packets import FAMILY_IPV6, FRAG_INITIAL, empty_batch, set_address
from qfp_model.qfp.tables import (
    EXT_DEST_OPTS,
    EXT_HOP_BY_HOP,
    EXT_ROUTING,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_SCTP,
    PROTO_TCP,
    PROTO_UDP,
    Ace,
    Ace6,
    PortMatch,
    PortOp,
)
from qfp_model.tools.bench import classbench6 as cb6
from qfp_model.tools.bench.peers import dpdk


def ip(text: str) -> int:
    a, b, c, d = (int(part) for part in text.split("."))
    return a << 24 | b << 16 | c << 8 | d


@pytest.fixture(scope="module")
def peer() -> Path:
    reason = dpdk.available()
    if reason is not None:
        if os.environ.get("QFP_REQUIRE_PEERS") == "1":
            pytest.fail(f"QFP_REQUIRE_PEERS=1 but the DPDK peer cannot be built: {reason}")
        pytest.skip(reason)
    return dpdk.build()


def ours(aces, batch) -> np.ndarray:
    fp = FastPath(max_uidbs=16)
    slot = fp.acl_create(aces)
    return fp.acl_classify(slot, batch)


# ---- a hand-written ACL: every kind of condition rte_acl has to carry -----------------------------
ACES = [
    # 0: non-contiguous source wildcard (10.x.0.y, y even), tcp eq 80
    Ace(False, PROTO_TCP, src=ip("10.0.0.0"), src_wildcard=0x00FF00FE, dport=PortMatch(PortOp.EQ, 80)),
    # 1: udp range 5060-5061 towards a non-contiguous destination (192.168.x.1)
    Ace(True, PROTO_UDP, dst=ip("192.168.0.1"), dst_wildcard=0x0000FF00,
        dport=PortMatch(PortOp.RANGE, 5060, 5061)),
    # 2: tcp to one host, any destination port but 22
    Ace(True, PROTO_TCP, dst=ip("172.16.1.1"), dst_wildcard=0, dport=PortMatch(PortOp.NEQ, 22)),
    # 3: source port lt 1024 and destination port gt 49151
    Ace(True, PROTO_TCP, sport=PortMatch(PortOp.LT, 1024), dport=PortMatch(PortOp.GT, 49151)),
    # 4: both ports negated: four rte_acl rules
    Ace(False, PROTO_UDP, src=ip("10.9.0.0"), src_wildcard=0xFFFF,
        sport=PortMatch(PortOp.NEQ, 53), dport=PortMatch(PortOp.NEQ, 0)),
    # 5: sctp, a negated port at the top of the range (only the rule below it remains)
    Ace(True, PROTO_SCTP, sport=PortMatch(PortOp.NEQ, 65535)),
    # 6: `ip` (any protocol) with dscp ef
    Ace(True, None, dscp=46),
    # 7: precedence 5 (dscp 40..47) from 172.16.0.0/12
    Ace(False, None, src=ip("172.16.0.0"), src_wildcard=0x000FFFFF, precedence=5),
    # 8: icmp towards 10.x.2.x: wildcard bits in two octets
    Ace(True, PROTO_ICMP, dst=ip("10.0.2.0"), dst_wildcard=0x00FF00FF),
    # 9: precedence 0 for tcp (an all-zero value under a nonzero mask)
    Ace(False, PROTO_TCP, precedence=0, dport=PortMatch(PortOp.RANGE, 0, 0)),
    # 10: a protocol without ports
    Ace(True, 47),
    # 11: the final, narrow permit: 10.0.0.0/8 (packets from elsewhere hit no ACE)
    Ace(True, None, src=ip("10.0.0.0"), src_wildcard=0x00FFFFFF),
]

#            expected ACE, packet fields (proto, src, dst, sport, dport, dscp)
PACKETS = [
    (0, dict(proto=PROTO_TCP, src=ip("10.77.0.4"), dport=80)),
    (0, dict(proto=PROTO_TCP, src=ip("10.0.0.254"), dport=80, dscp=46)),
    (11, dict(proto=PROTO_TCP, src=ip("10.0.0.5"), dport=80)),          # odd last octet
    (11, dict(proto=PROTO_TCP, src=ip("10.0.1.4"), dport=80)),          # third octet fixed
    (11, dict(proto=PROTO_TCP, src=ip("10.0.0.4"), dport=81)),
    (1, dict(proto=PROTO_UDP, src=ip("8.8.8.8"), dst=ip("192.168.7.1"), dport=5060)),
    (1, dict(proto=PROTO_UDP, src=ip("8.8.8.8"), dst=ip("192.168.255.1"), dport=5061)),
    (None, dict(proto=PROTO_UDP, src=ip("8.8.8.8"), dst=ip("192.168.7.2"), dport=5060)),
    (None, dict(proto=PROTO_UDP, src=ip("8.8.8.8"), dst=ip("192.168.7.1"), dport=5062)),
    (None, dict(proto=PROTO_UDP, src=ip("8.8.8.8"), dst=ip("192.168.7.1"), dport=5059)),
    (2, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), dst=ip("172.16.1.1"), dport=21)),
    (2, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), dst=ip("172.16.1.1"), dport=23)),
    (2, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), dst=ip("172.16.1.1"), dport=0)),
    (2, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), dst=ip("172.16.1.1"), dport=65535)),
    (None, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), dst=ip("172.16.1.1"), dport=22)),
    (3, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), sport=1023, dport=49152)),
    (3, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), sport=0, dport=65535)),
    (None, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), sport=1024, dport=49152)),
    (None, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), sport=1023, dport=49151)),
    (4, dict(proto=PROTO_UDP, src=ip("10.9.1.1"), sport=54, dport=1)),
    (4, dict(proto=PROTO_UDP, src=ip("10.9.1.1"), sport=52, dport=65535)),
    (11, dict(proto=PROTO_UDP, src=ip("10.9.1.1"), sport=53, dport=1)),
    (11, dict(proto=PROTO_UDP, src=ip("10.9.1.1"), sport=54, dport=0)),
    (5, dict(proto=PROTO_SCTP, src=ip("8.8.8.8"), sport=65534)),
    (None, dict(proto=PROTO_SCTP, src=ip("8.8.8.8"), sport=65535)),
    (6, dict(proto=PROTO_ICMP, src=ip("8.8.8.8"), dscp=46)),
    (6, dict(proto=PROTO_UDP, src=ip("10.9.1.1"), sport=53, dport=0, dscp=46)),
    (6, dict(proto=0, src=ip("8.8.8.8"), dscp=46)),
    (None, dict(proto=PROTO_ICMP, src=ip("8.8.8.8"), dscp=47)),
    (7, dict(proto=PROTO_UDP, src=ip("172.31.255.255"), dscp=40)),
    (7, dict(proto=PROTO_ICMP, src=ip("172.16.0.1"), dscp=47)),
    (None, dict(proto=PROTO_ICMP, src=ip("172.32.0.1"), dscp=47)),
    (None, dict(proto=PROTO_ICMP, src=ip("172.16.0.1"), dscp=39)),
    (8, dict(proto=PROTO_ICMP, src=ip("8.8.8.8"), dst=ip("10.200.2.99"))),
    (None, dict(proto=PROTO_ICMP, src=ip("8.8.8.8"), dst=ip("10.200.3.99"))),
    (9, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), dport=0, dscp=7)),
    (None, dict(proto=PROTO_TCP, src=ip("8.8.8.8"), dport=0, dscp=8)),
    (10, dict(proto=47, src=ip("8.8.8.8"), dscp=63)),
    (11, dict(proto=255, src=ip("10.255.255.255"), dscp=1)),
    (None, dict(proto=255, src=ip("11.0.0.0"), dscp=1)),
    (0, dict(proto=PROTO_TCP, src=ip("10.1.0.2"), dport=80, frag=FRAG_INITIAL)),
]


def hand_batch() -> tuple[np.ndarray, list[int | None]]:
    batch = empty_batch(len(PACKETS))
    for row, (_, fields) in zip(batch, PACKETS):
        for name, value in fields.items():
            row[name] = value
    batch["length"] = np.arange(len(PACKETS)) * 37 + 64
    batch["ts_ns"] = np.arange(len(PACKETS)) * 1000
    return batch, [expected for expected, _ in PACKETS]


@pytest.mark.parametrize("final", ["narrow", "deny-any", "permit-any"])
def test_hand_written_acl(peer, final):
    aces = list(ACES)
    if final != "narrow":
        aces.append(Ace(final == "permit-any"))
    batch, expected = hand_batch()
    # The table above says which ACE each packet is for: hold our fast path to it first.
    catch_all = len(aces) - 1 if final != "narrow" else len(aces)
    want = np.array([catch_all if e is None else e for e in expected], dtype=np.uint32)
    assert list(ours(aces, batch)) == list(want)
    assert set(range(len(aces))) <= set(want.tolist()), "every ACE is hit at least once"
    if final == "narrow":
        assert (want == len(aces)).any(), "some packets hit no ACE"

    result = dpdk.run(aces, batch, repeat=1, binary=peer)
    assert result.ace.dtype == np.uint32
    mismatched = [(i, int(result.ace[i]), int(want[i])) for i in np.flatnonzero(result.ace != want)]
    assert not mismatched, f"(packet, rte_acl, ours): {mismatched}"
    assert result.naces == len(aces) and result.packets == batch.size
    assert result.rules > len(aces)                 # the neq ports became two rules, one four
    assert result.algorithms["scalar"] is not None
    assert set(result.algorithms) == {"scalar", "sse", "avx2", "avx512x16", "avx512x32"}
    assert result.algorithms[result.best] == result.best_ns > 0
    assert set(result.meter) == {"srtcm", "trtcm"} and all(v > 0 for v in result.meter.values())


def test_medians_with_spread_and_ours_in_the_same_process(peer):
    """Every figure is a median of interleaved rounds with its quartiles (no best pass), and our
    methods, loaded into the peer, answer what rte_acl answers."""
    aces = list(ACES) + [Ace(False)]
    batch, _ = hand_batch()
    result = dpdk.run(aces, batch, repeat=5, binary=peer, ours=("auto", "scan", "tree", "bitvector"))
    assert result.rounds == 5
    for name, ns in result.algorithms.items():
        if ns is not None:
            q1, q3 = result.iqr[name]
            assert q1 <= ns <= q3
    assert set(result.ours) == {"auto", "scan", "tree", "bitvector"}
    for name, fig in result.ours.items():
        assert fig["mismatches"] == 0 and fig["first_mismatch"] == -1, name
        assert fig["iqr"][0] <= fig["ns"] <= fig["iqr"][1] and fig["build_ms"] >= 0
    assert result.acl_bytes > 0


def random_aces(rng: np.random.Generator, n: int) -> list[Ace]:
    """ACEs rte_acl can carry: random prefixes and non-contiguous wildcards, port operators, dscp.
    Every ACE names a source or a destination, so that no early `any any` hides the rest."""
    aces = []
    for _ in range(n):
        fields = {}
        proto = [None, PROTO_TCP, PROTO_UDP, PROTO_ICMP][rng.integers(4)]
        for side in ("src", "dst"):
            kind = rng.integers(3) if side == "dst" or "dst" in fields else rng.integers(1, 3)
            if kind == 1:     # a prefix
                length = int(rng.integers(8, 33))
                fields[f"{side}_wildcard"] = (1 << (32 - length)) - 1
            elif kind == 2:   # wildcard bits anywhere, within a few bytes' worth
                fields[f"{side}_wildcard"] = int(rng.integers(0, 1 << 32)) & int(rng.choice(
                    [0x000000FF, 0x00FF00FF, 0x0F0F0F0F, 0xFFFF00FF]))
            if kind:
                fields[side] = int(rng.integers(0, 1 << 32)) & 0x0A0F03FF
        if proto in (PROTO_TCP, PROTO_UDP):
            for side in ("sport", "dport"):
                if rng.integers(3):
                    op = list(PortOp)[rng.integers(len(PortOp))]
                    lo, hi = sorted(int(p) for p in rng.choice(PORTS, 2))
                    if op is PortOp.LT:
                        lo = max(lo, 1)
                    if op is PortOp.GT:
                        lo = min(lo, 65534)
                    fields[side] = PortMatch(op, lo, hi if op is PortOp.RANGE else None)
        marking = rng.integers(4)
        if marking == 1:
            fields["dscp"] = int(rng.choice([0, 10, 46, 63]))
        elif marking == 2:
            fields["precedence"] = int(rng.integers(8))
        aces.append(Ace(bool(rng.integers(2)), proto, **fields))
    return aces


PORTS = [0, 1, 2, 21, 22, 23, 52, 53, 54, 80, 1023, 1024, 1025, 65534, 65535]


def _port_in(rng: np.random.Generator, match: PortMatch | None) -> int:
    """A port `match` lets through (most of the time a boundary one), or any port without one."""
    if match is None:
        return int(rng.choice(PORTS))
    lo, hi, negate = match.bounds()
    if negate:
        return int(rng.choice([p for p in (0, lo - 1, hi + 1, 65535) if 0 <= p <= 65535 and not lo <= p <= hi]))
    return int(rng.choice([lo, hi, int(rng.integers(lo, hi + 1))]))


def random_batch(rng: np.random.Generator, n: int, aces: list[Ace]) -> np.ndarray:
    """Half the packets aimed at a random ACE (which an earlier one may still catch), half random."""
    batch = empty_batch(n)
    for side in ("src", "dst"):
        batch[side] = rng.integers(0, 1 << 32, n) & rng.choice([0x0A0F03FF, 0xFFFFFFFF], n)
    batch["proto"] = rng.choice([PROTO_TCP, PROTO_UDP, PROTO_ICMP, 47], n)
    for side in ("sport", "dport"):
        batch[side] = rng.choice(PORTS, n)
    batch["dscp"] = rng.choice([0, 7, 8, 10, 40, 46, 47, 63], n)
    for row in batch[: n // 2] if aces else ():
        ace = aces[rng.integers(len(aces))]
        noise = int(rng.integers(0, 1 << 32))
        row["src"] = ace.src & ~ace.src_wildcard | noise & ace.src_wildcard
        row["dst"] = ace.dst & ~ace.dst_wildcard | (noise * 2654435761 & 0xFFFFFFFF) & ace.dst_wildcard
        if ace.proto is not None:
            row["proto"] = ace.proto
        row["sport"], row["dport"] = _port_in(rng, ace.sport), _port_in(rng, ace.dport)
        if ace.dscp is not None:
            row["dscp"] = ace.dscp
        elif ace.precedence is not None:
            row["dscp"] = ace.precedence << 3 | int(rng.integers(8))
    batch["length"] = rng.integers(64, 1501, n)
    batch["ts_ns"] = np.cumsum(rng.integers(0, 20_000, n))
    return batch


@pytest.mark.parametrize("naces", [0, 8, 60, 400])
def test_random_acls(peer, naces):
    rng = np.random.default_rng(naces)
    aces = random_aces(rng, naces)
    batch = random_batch(rng, 4000, aces)
    want = ours(aces, batch)
    result = dpdk.run(aces, batch, repeat=1, binary=peer)
    differ = np.flatnonzero(result.ace != want)
    assert differ.size == 0, (f"{differ.size} of {batch.size} packets differ, first {differ[0]}: "
                              f"rte_acl {result.ace[differ[0]]}, ours {want[differ[0]]}")


def test_established_is_refused(peer):
    aces = [Ace(True, PROTO_UDP), Ace(True, PROTO_TCP, established=True)]
    batch, _ = hand_batch()
    with pytest.raises(dpdk.PeerError, match="ACE 1 .*established"):
        dpdk.run(aces, batch, repeat=1, binary=peer)


def test_fragments_is_refused(peer):
    aces = [Ace(False, fragments=True)]
    batch, _ = hand_batch()
    with pytest.raises(dpdk.PeerError, match="ACE 0 .*fragments"):
        dpdk.run(aces, batch, repeat=1, binary=peer)


def test_build_is_cached(peer):
    before = peer.stat().st_mtime_ns
    assert dpdk.build() == peer
    assert peer.stat().st_mtime_ns == before


def test_bad_batch_is_refused(peer):
    with pytest.raises(TableError):
        dpdk.run(ACES, np.zeros(4, dtype=np.uint32), binary=peer)


# ---- IPv6: DPDK's IPv6 layout (four 32-bit fields per address), IOS's implicit ND permits ------------
NET6 = 0x20010DB8 << 96


def v6(text_suffix: int, length: int = 128) -> int:
    """2001:db8:: plus a suffix, cut to a /length."""
    return (NET6 | text_suffix) & ~((1 << (128 - length)) - 1)


ACES6 = [
    # 0: a /33 and a /127: prefixes that end inside a word
    Ace6(False, PROTO_TCP, src=v6(0x8000 << 80, 33), src_len=33, dst=v6(0xABCD, 127), dst_len=127,
         dport=PortMatch(PortOp.EQ, 80)),
    # 1: a /64 source, udp neq 53 (two rules)
    Ace6(True, PROTO_UDP, src=v6(1 << 64, 64), src_len=64, dport=PortMatch(PortOp.NEQ, 53)),
    # 2: ICMPv6 echo request from one host
    Ace6(True, PROTO_ICMPV6, src=v6(0x42), src_len=128, icmp_type=128),
    # 3: dscp ef towards a /96
    Ace6(True, None, dst=v6(7 << 32, 96), dst_len=96, dscp=46),
    # 4: a flow label
    Ace6(False, None, flow_label=0xABCDE),
    # 5: routing and hop-by-hop headers both present
    Ace6(False, PROTO_UDP, ext=EXT_ROUTING | EXT_HOP_BY_HOP),
    # 6: sctp source ports 1000-2000 from a /48
    Ace6(True, PROTO_SCTP, src=v6(0x1234 << 80, 48), src_len=48, sport=PortMatch(PortOp.RANGE, 1000, 2000)),
]

#            expected ACE (8/9: the implicit nd-na/nd-ns, None: the implicit deny), packet fields
PACKETS6 = [
    (0, dict(proto=PROTO_TCP, src=v6(0x8000 << 80 | 5), dst=v6(0xABCC), dport=80)),
    (None, dict(proto=PROTO_TCP, src=v6(0x4000 << 80), dst=v6(0xABCC), dport=80)),
    (None, dict(proto=PROTO_TCP, src=v6(0x8000 << 80), dst=v6(0xABCE), dport=80)),
    (1, dict(proto=PROTO_UDP, src=v6(1 << 64 | 99), dport=54)),
    (None, dict(proto=PROTO_UDP, src=v6(1 << 64 | 99), dport=53)),
    (1, dict(proto=PROTO_UDP, src=v6(1 << 64 | 99), dport=52, ext=EXT_ROUTING | EXT_HOP_BY_HOP)),
    (2, dict(proto=PROTO_ICMPV6, src=v6(0x42), sport=128, dport=0)),
    (None, dict(proto=PROTO_ICMPV6, src=v6(0x43), sport=128, dport=0)),
    (3, dict(proto=PROTO_TCP, dst=v6(7 << 32 | 1), dscp=46)),
    (None, dict(proto=PROTO_TCP, dst=v6(8 << 32 | 1), dscp=46)),
    (4, dict(proto=PROTO_TCP, flow_label=0xABCDE)),
    (None, dict(proto=PROTO_TCP, flow_label=0xABCDF)),
    (5, dict(proto=PROTO_UDP, dport=53, ext=EXT_ROUTING | EXT_HOP_BY_HOP | EXT_DEST_OPTS)),
    (None, dict(proto=PROTO_UDP, dport=53, ext=EXT_ROUTING)),
    (6, dict(proto=PROTO_SCTP, src=v6(0x1234 << 80 | 1), sport=1000)),
    (None, dict(proto=PROTO_SCTP, src=v6(0x1234 << 80 | 1), sport=999)),
    (8, dict(proto=PROTO_ICMPV6, sport=136, dport=0)),
    (9, dict(proto=PROTO_ICMPV6, sport=135, dport=3)),
    (None, dict(proto=PROTO_ICMPV6, sport=134, dport=0)),
    (0, dict(proto=PROTO_TCP, src=v6(0x8000 << 80), dst=v6(0xABCD), dport=80, frag=FRAG_INITIAL)),
]


def hand_batch6() -> tuple[np.ndarray, list[int | None]]:
    batch = empty_batch(len(PACKETS6))
    batch["family"] = FAMILY_IPV6
    for i, (_, fields) in enumerate(PACKETS6):
        row = batch[i:i + 1]
        for name, value in fields.items():
            if name in ("src", "dst"):
                set_address(row, name, value)
            else:
                row[name] = value
    batch["length"] = np.arange(len(PACKETS6)) * 37 + 64
    batch["ts_ns"] = np.arange(len(PACKETS6)) * 1000
    return batch, [expected for expected, _ in PACKETS6]


@pytest.mark.parametrize("final", ["none", "deny-any"])
def test_hand_written_ipv6_acl(peer, final):
    """Every kind of IPv6 condition rte_acl can carry, in DPDK's IPv6 layout plus the misc field, and
    IOS's implicit ND permits and deny; our scan, bit vectors and auto in the peer's process agree."""
    aces = list(ACES6) + ([Ace6(False)] if final == "deny-any" else [])
    batch, expected = hand_batch6()
    n = len(aces)
    # Before the explicit `deny ipv6 any any`, ND packets hit it, not the implicit permits.
    want = np.array([n - 1 if final == "deny-any" and (e is None or e >= len(ACES6)) else
                     n if e is None else n + e - 7 if e >= len(ACES6) else e for e in expected], dtype=np.uint32)
    assert list(ours(aces, batch)) == list(want)
    result = dpdk.run(aces, batch, repeat=3, binary=peer, ours=("auto", "scan", "bitvector"))
    mismatched = [(i, int(result.ace[i]), int(want[i])) for i in np.flatnonzero(result.ace != want)]
    assert not mismatched, f"(packet, rte_acl, ours): {mismatched}"
    assert result.family == 6 and result.fields == 12      # dscp, flow label and ext need misc
    assert result.rules == n + 1 + 2                      # neq 53 is two rules; the two ND permits
    for name, fig in result.ours.items():
        assert fig["mismatches"] == 0, name
    assert {result.ours[m]["method"] for m in ("scan", "bitvector")} == {1, 3}


def test_ipv6_five_tuple_acl_takes_dpdks_own_layout(peer):
    aces = [Ace6(True, PROTO_TCP, dst=v6(0xABCD), dst_len=128, dport=PortMatch(PortOp.EQ, 443))]
    batch, _ = hand_batch6()
    result = dpdk.run(aces, batch, repeat=1, binary=peer)
    assert result.fields == 11 and (result.ace == ours(aces, batch)).all()


def test_ipv6_refuses_established_and_ipv4_packets(peer):
    batch, _ = hand_batch6()
    with pytest.raises(dpdk.PeerError, match="ACE 1 .*established"):
        dpdk.run([Ace6(True, PROTO_UDP), Ace6(True, PROTO_TCP, established=True)], batch, repeat=1, binary=peer)
    with pytest.raises(dpdk.PeerError, match="family 4"):
        dpdk.run([Ace6(True, PROTO_UDP)], empty_batch(3), repeat=1, binary=peer)


@pytest.mark.parametrize("family", cb6.FAMILIES)
def test_ipv6_classbench_sets_have_no_mismatch(peer, family):
    """The bench's IPv6 rows in small: a ClassBench-ng-style set in DPDK's own 5-tuple layout, every
    method of ours in the peer's process agreeing with rte_acl on drawn and uniform packets."""
    rule_list = cb6.rules(family, 300, seed=4)
    tr = cb6.translate(rule_list)
    batch = np.concatenate([cb6.trace(rule_list, kind, 500, seed=5) for kind in ("rule", "random")])
    result = dpdk.run(tr.aces, batch, repeat=2, binary=peer, ours=("auto", "scan", "bitvector"))
    assert result.family == 6 and result.fields == 11
    assert (result.ace == ours(tr.aces, batch)).all()
    assert {name: fig["mismatches"] for name, fig in result.ours.items()} == {"auto": 0, "scan": 0, "bitvector": 0}
