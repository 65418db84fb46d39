"""Enterprise-looking extended ACLs of any length, and traffic that exercises them: the rules and
packets that the ACL benchmarks, the DPDK side-by-side (bench/peers) and the large-ACL differential
tests share.

The mix follows what ClassBench's seeds show for firewall-style lists, in IOS terms: most ACEs pin a
destination (host or prefix) and a service port, sources are often `any` or a site prefix, some
wildcards are non-contiguous (IOS allows them; "every .0-.127 host of any 10.x.y.0/24"), ports use
every operator, a few ACEs look at DSCP or precedence, and the list ends in a catch-all. Addresses
come from a few dozen sites, so ACEs overlap the way real ones do and first match matters.

`portable=True` (the default) keeps to what DPDK's rte_acl can express, so that bench/peers can
classify the same rules; `portable=False` adds `established` and `fragments` ACEs and fragment
traffic, for tests of every IOS semantic."""
from __future__ import annotations

import numpy as np

from qfp_model.qfp.packets import FRAG_INITIAL, FRAG_NONE, FRAG_NONINITIAL, TCP_ACK, TCP_RST, TCP_SYN, empty_batch
from qfp_model.qfp.tables import PROTO_ICMP, PROTO_TCP, PROTO_UDP, Ace, PortMatch, PortOp

_SITES = 48
_SERVICES = (22, 23, 25, 53, 80, 123, 161, 179, 389, 443, 445, 1433, 1521, 3306, 3389, 5060, 5061,
             8080, 8443)


def _site_prefixes(rng: np.random.Generator) -> np.ndarray:
    """Site /16s: most inside 10/8, some public-looking."""
    inside = (10 << 24) | (rng.integers(0, 256, _SITES // 2) << 16)
    outside = rng.integers(1, 224, _SITES - _SITES // 2) << 24 | rng.integers(0, 256, _SITES - _SITES // 2) << 16
    return np.concatenate([inside, outside]).astype(np.uint64)


def _address(rng: np.random.Generator, sites: np.ndarray, weights: tuple[float, ...]) -> tuple[int, int]:
    """(address, wildcard): any, host, prefix or non-contiguous, with the given probabilities."""
    kind = rng.choice(4, p=weights)
    base = int(sites[rng.integers(sites.size)]) | int(rng.integers(0, 1 << 16))
    if kind == 0:
        return 0, 0xFFFFFFFF
    if kind == 1:
        return base, 0
    if kind == 2:
        length = int(rng.choice([8, 12, 16, 20, 22, 24, 24, 24, 26, 28, 30]))
        wildcard = (1 << (32 - length)) - 1
        return base & ~wildcard & 0xFFFFFFFF, wildcard
    # Non-contiguous: a /24's third octet left free, or every even host of a /24, or a /16's
    # hosts .0-.127 of every /24.
    wildcard = int(rng.choice([0x0000FF00, 0x000000FE, 0x0000FF7F, 0x00FF00FF]))
    return base & ~wildcard & 0xFFFFFFFF, wildcard


def _port(rng: np.random.Generator, weights: tuple[float, ...]) -> PortMatch | None:
    kind = rng.choice(6, p=weights)
    service = int(rng.choice(_SERVICES)) if rng.random() < 0.7 else int(rng.integers(1024, 65535))
    if kind == 0:
        return None
    if kind == 1:
        return PortMatch(PortOp.EQ, service)
    if kind == 2:
        lo = int(rng.integers(1024, 60000))
        return PortMatch(PortOp.RANGE, lo, lo + int(rng.choice([1, 9, 99, 999])))
    if kind == 3:
        return PortMatch(PortOp.GT, int(rng.choice([1023, 49151, 32767])))
    if kind == 4:
        return PortMatch(PortOp.LT, int(rng.choice([1024, 512, 80])))
    return PortMatch(PortOp.NEQ, service)


def cisco_acl(n: int, seed: int = 0, portable: bool = True) -> list[Ace]:
    """n ACEs: n-1 drawn as the module docstring says, then `permit ip any any`."""
    if n < 1:
        raise ValueError("an ACL for this workload has at least its final permit")
    rng = np.random.default_rng(seed)
    sites = _site_prefixes(rng)
    aces = []
    for _ in range(n - 1):
        proto = [PROTO_TCP, PROTO_UDP, None, PROTO_ICMP][rng.choice(4, p=[0.5, 0.3, 0.15, 0.05])]
        src, src_wc = _address(rng, sites, (0.4, 0.2, 0.3, 0.1))
        dst, dst_wc = _address(rng, sites, (0.15, 0.35, 0.4, 0.1))
        fields: dict = dict(permit=bool(rng.random() < 0.5), proto=proto, src=src, src_wildcard=src_wc,
                            dst=dst, dst_wildcard=dst_wc)
        if proto in (PROTO_TCP, PROTO_UDP):
            fields["dport"] = _port(rng, (0.3, 0.4, 0.15, 0.05, 0.05, 0.05))
            fields["sport"] = _port(rng, (0.85, 0.05, 0.05, 0.05, 0.0, 0.0))
        mark = rng.random()
        if mark < 0.05:
            fields["dscp"] = int(rng.choice([0, 10, 18, 26, 34, 46]))
        elif mark < 0.08:
            fields["precedence"] = int(rng.integers(0, 8))
        if not portable:
            if proto == PROTO_TCP and rng.random() < 0.1:
                fields["established"] = True
            elif not (fields.get("sport") or fields.get("dport")) and rng.random() < 0.05:
                fields["fragments"] = True
        aces.append(Ace(**fields))
    aces.append(Ace(True))
    return aces


def _inside(rng: np.random.Generator, value: int, wildcard: int) -> int:
    return (value & ~wildcard | int(rng.integers(0, 1 << 32)) & wildcard) & 0xFFFFFFFF


def _port_inside(rng: np.random.Generator, match: PortMatch | None) -> int:
    if match is None:
        return int(rng.integers(0, 65536))
    lo, hi, negate = match.bounds()
    if negate:
        return int(rng.choice([p for p in (lo - 1, hi + 1, 0, 65535) if 0 <= p <= 65535 and not lo <= p <= hi]))
    return int(rng.integers(lo, hi + 1))


def acl_traffic(aces: list[Ace], n: int, seed: int = 0, aimed: float = 0.7,
                portable: bool = True) -> np.ndarray:
    """n packets (qfp.packets.PACKET_DTYPE, UIDB 0, input): a share `aimed` built to fall inside a
    random ACE (an earlier one may still match first), the rest at random over the ACL's sites."""
    rng = np.random.default_rng(seed)
    batch = empty_batch(n)
    batch["length"] = rng.choice([64, 576, 1500], n, p=[0.58, 0.33, 0.09])
    batch["ts_ns"] = np.arange(1, n + 1, dtype=np.uint64) * 1000
    batch["proto"] = rng.choice([PROTO_TCP, PROTO_UDP, PROTO_ICMP, 47], n, p=[0.55, 0.35, 0.05, 0.05])
    batch["sport"] = rng.integers(0, 65536, n)
    batch["dport"] = rng.choice(np.array(_SERVICES), n)
    batch["dscp"] = rng.choice([0, 0, 0, 10, 18, 26, 34, 46], n)
    batch["tcp_flags"] = rng.choice([TCP_SYN, TCP_ACK, TCP_ACK | TCP_SYN, TCP_RST], n)
    # Random addresses near the ACEs' own: an aimed packet's fields are overwritten below.
    addresses = np.array([a.dst for a in aces] + [a.src for a in aces], dtype=np.uint64)
    batch["src"] = addresses[rng.integers(0, addresses.size, n)] ^ rng.integers(0, 1 << 12, n).astype(np.uint64)
    batch["dst"] = addresses[rng.integers(0, addresses.size, n)] ^ rng.integers(0, 1 << 12, n).astype(np.uint64)
    if not portable:
        batch["frag"] = rng.choice([FRAG_NONE, FRAG_INITIAL, FRAG_NONINITIAL], n, p=[0.8, 0.1, 0.1])
    for i in np.flatnonzero(rng.random(n) < aimed):
        a = aces[int(rng.integers(0, len(aces)))]
        row = batch[i]
        row["src"] = _inside(rng, a.src, a.src_wildcard)
        row["dst"] = _inside(rng, a.dst, a.dst_wildcard)
        if a.proto is not None:
            row["proto"] = a.proto
        if a.sport is not None or a.dport is not None:
            row["sport"] = _port_inside(rng, a.sport)
            row["dport"] = _port_inside(rng, a.dport)
        if a.dscp is not None:
            row["dscp"] = a.dscp
        elif a.precedence is not None:
            row["dscp"] = a.precedence << 3 | int(rng.integers(0, 8))
        if a.established:
            row["tcp_flags"] = TCP_ACK
    return batch
