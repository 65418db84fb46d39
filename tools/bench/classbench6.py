"""IPv6 ClassBench-style rule sets and traces, after ClassBench-ng (Matoušek et al., "ClassBench-ng:
Recasting ClassBench after a decade of network evolution", ANCS 2017), and their exact translation
into `ipv6 access-list` ACEs (tables.Ace6).

Why: issue 16 asks the IPv6 lookup to meet issue 15's goals against rte_acl's IPv6 layout, and the
field measures IPv6 classification on ClassBench-ng's IPv6 5-tuple sets, not on ours.

What we take from ClassBench-ng:
  - its IPv6 5-tuple rules keep ClassBench's protocol and port machinery and replace the address
    part: so protocols, port classes (WC/HI/LO/AR/EM), the AR and EM lists and the per-port-class
    correlation of prefix lengths come unchanged from classbench.py's seeds (acl, fw, ipc), drawn by
    its own helpers; ICMP becomes ICMPv6 (58);
  - IPv6 prefix lengths as real IPv6 sets have them: clustered at the allocation boundaries, /32
    (an ISP's allocation), /48 and /56 (sites), /64 (a subnet) and /128 (hosts), with few short
    prefixes and `any`;
  - prefixes that nest and share long upper parts (ClassBench-ng describes a prefix set by its trie),
    inside a few global-unicast allocations (2000::/3).

Where it is our simplification:
  - the lengths are drawn by mapping the seed's IPv4 draw (classbench._lengths, per port-class pair)
    through LENGTH_MAP, a fixed table from IPv4 allocation levels to IPv6 ones; the table's weights
    are ours, shaped as above, not figures from ClassBench-ng's seed files (not fetched here);
  - ClassBench-ng's per-level trie statistics (branching, skew) are replaced, as in classbench.py, by
    one probability `corr` that a prefix shares at least half the upper bits of a recent one, and by
    ALLOCATIONS /32 allocations per side under which the longer prefixes sit (16 made /32 rules
    with an `any` side cover four draws in five of the fw family, and its 10k set took 90 s);
  - as classbench.py: no rule an earlier one covers is kept, nor an `any any` rule with a port side
    open.

Traces, as classbench.py's: `rule` (a point inside a rule, Pareto bursts), `random` (every field
uniform; addresses uniform in 2000::/3, the space every rule's prefix lies in, so that short
prefixes are met as often as the space allows) and `tail` (points inside the last tenth of the rules
that no earlier rule takes, and every fourth one matching none).

Translation: a rule is one Ace6, or for protocol `any` with ports one per port protocol (as
classbench.translate: IOS reads ports only for TCP, UDP and SCTP). Every IPv6 ACL ends with IOS's
implicit nd-na and nd-ns permits (docs/fastpath.md, "IPv6"); `Translation.rule_answers` maps them,
like the implicit deny, to "no rule": an ICMPv6 packet that no rule takes is counted as none."""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from qfp_model.qfp.packets import FAMILY_IPV6, empty_batch, set_address
from qfp_model.qfp.tables import PORT_PROTOCOLS, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, Ace6

from . import classbench as cb

FAMILIES = ("acl", "fw", "ipc")
TRACES = cb.TRACES
BITS = 128
_ALL = (1 << BITS) - 1

# IPv4 prefix length (the seed's draw) -> IPv6 lengths with weights: the level of the address plan
# each IPv4 length stands for.
LENGTH_MAP = (
    (0, 0, {0: 1.0}),
    (1, 15, {16: 0.25, 20: 0.25, 24: 0.25, 28: 0.25}),
    (16, 23, {32: 0.7, 29: 0.1, 36: 0.1, 40: 0.1}),
    (24, 29, {48: 0.6, 44: 0.2, 40: 0.1, 52: 0.1}),
    (30, 31, {56: 0.5, 60: 0.2, 62: 0.1, 64: 0.2}),
    (32, 32, {128: 0.55, 64: 0.45}),
)
ALLOCATIONS = 256     # /32 allocations per side under which most prefixes of /32 and longer sit


def _length6(rng: np.random.Generator, length4: int) -> int:
    for lo, hi, lengths in LENGTH_MAP:
        if lo <= length4 <= hi:
            return int(cb._pick(rng, lengths))
    raise ValueError(f"IPv4 prefix length {length4} is not 0-32")


@functools.cache
def _mask(length: int) -> int:
    return _ALL ^ ((1 << (BITS - length)) - 1)


@dataclass(frozen=True)
class Rule6(cb.Rule):
    """One IPv6 5-tuple rule: classbench.Rule's fields, its addresses 128 bits and lengths up to 128."""

    def matches(self, proto: int, src: int, dst: int, sport: int, dport: int) -> bool:
        """The rule's meaning, plainly: the prefixes, then protocol and ports as an IPv4 rule means
        them (classbench.Rule's predicate, on those alone)."""
        if (src ^ self.src) & _mask(self.src_len) or (dst ^ self.dst) & _mask(self.dst_len):
            return False
        return cb.Rule.matches(replace(self, src_len=0, dst_len=0), proto, 0, 0, sport, dport)


class _Prefixes6:
    """Prefixes inside ALLOCATIONS /32 allocations, sharing upper bits with recent ones (see above)."""

    def __init__(self, rng: np.random.Generator, corr: float):
        self.rng, self.corr = rng, corr
        self.roots = [(1 << 29 | int(rng.integers(0, 1 << 29))) << 96 for _ in range(ALLOCATIONS)]
        self.recent: list[tuple[int, int]] = []

    def _random(self, bits: int) -> int:
        return int.from_bytes(self.rng.bytes(16), "big") & ((1 << bits) - 1)

    def draw(self, length: int) -> int:
        rng = self.rng
        if self.recent and rng.random() < self.corr:
            base, base_len = self.recent[-1 - int(rng.integers(0, min(len(self.recent), 256)))]
            keep = int(rng.integers(min(base_len, length) // 2, min(base_len, length) + 1))
            address = base & _mask(keep) | self._random(BITS - keep)
        elif length >= 32:
            address = self.roots[int(rng.integers(0, ALLOCATIONS))] | self._random(96)
        else:
            address = 1 << 125 | self._random(125)
        address &= _mask(length)
        if length:
            self.recent.append((address, length))
        return address


class _Flat:
    """Rules in flat arrays (address halves and their masks, protocol, ports), to ask at once with
    numpy whether one of them covers a candidate."""

    def __init__(self):
        self.a = np.zeros((16, 13), np.uint64)
        self.n = 0

    @staticmethod
    def row(r: Rule6) -> list[int]:
        halves = []
        for address, length in ((r.src, r.src_len), (r.dst, r.dst_len)):
            m = _mask(length)
            halves += [address >> 64, address & (1 << 64) - 1, m >> 64, m & (1 << 64) - 1]
        return [*halves, 256 if r.proto is None else r.proto, *r.sport, *r.dport]

    def covers(self, r: Rule6, row: list[int]) -> bool:
        a = self.a[:self.n]
        ok = (a[:, 8] == 256) | (a[:, 8] == row[8])
        ok &= (a[:, 9] <= row[9]) & (a[:, 10] >= row[10]) & (a[:, 11] <= row[11]) & (a[:, 12] >= row[12])
        for k in (0, 4):   # the earlier prefix's mask over the candidate's address, and no longer
            ok &= ((a[:, k] ^ np.uint64(row[k])) & a[:, k + 2]) == 0
            ok &= ((a[:, k + 1] ^ np.uint64(row[k + 1])) & a[:, k + 3]) == 0
            ok &= (a[:, k + 2] & np.uint64(row[k + 2])) == a[:, k + 2]
            ok &= (a[:, k + 3] & np.uint64(row[k + 3])) == a[:, k + 3]
        # An earlier rule with ports covers only rules of port protocols (classbench._Cover's rule).
        wild = (a[:, 9] == 0) & (a[:, 10] == 65535) & (a[:, 11] == 0) & (a[:, 12] == 65535)
        r_wild = r.sport == (0, 65535) and r.dport == (0, 65535)
        return bool((ok & (wild | (not r_wild) | (r.proto in PORT_PROTOCOLS))).any())

    def add(self, row: list[int]) -> None:
        if self.n == self.a.shape[0]:
            self.a = np.concatenate([self.a, np.zeros_like(self.a)])
        self.a[self.n] = row
        self.n += 1


class _Covered:
    """Whether an earlier rule covers a candidate. Rules are grouped by each side's allocation (its
    top 32 bits, or "shorter" for a prefix under /32): a rule can only be covered by the groups of
    its own allocations and the shorter ones, four groups of the many."""

    def __init__(self):
        self.groups: dict[tuple, _Flat] = {}

    @staticmethod
    def _keys(r: Rule6) -> tuple[int, int]:
        return tuple(a >> 96 if length >= 32 else -1 for a, length in ((r.src, r.src_len), (r.dst, r.dst_len)))

    def covers(self, r: Rule6) -> bool:
        s, d = self._keys(r)
        row = _Flat.row(r)
        return any(self.groups[k].covers(r, row) for k in {(s, d), (s, -1), (-1, d), (-1, -1)}
                   if k in self.groups)

    def add(self, r: Rule6) -> None:
        self.groups.setdefault(self._keys(r), _Flat()).add(_Flat.row(r))


def rules(family: str, n: int, seed: int = 0) -> list[Rule6]:
    """n IPv6 rules of a family (FAMILIES), seeded: the same arguments give the same rules."""
    if family not in FAMILIES:
        raise ValueError(f"family {family!r} is not one of {', '.join(FAMILIES)}")
    params = cb.SEEDS[family]
    rng = np.random.default_rng([seed, FAMILIES.index(family), 6])
    src_pool, dst_pool = _Prefixes6(rng, params.corr), _Prefixes6(rng, params.corr)
    protos = list(params.protocols)
    p_proto = cb._norm([params.protocols[p][0] for p in protos])
    out, covered = [], _Covered()
    for _ in range(100 * n + 1000):
        if len(out) == n:
            return out
        proto4 = protos[int(rng.choice(len(protos), p=p_proto))]
        classes = cb._pick(rng, params.protocols[proto4][1])
        proto = PROTO_ICMPV6 if proto4 == PROTO_ICMP else proto4
        for _attempt in range(32):   # redrawn with the same protocol and port classes (classbench.rules)
            src_len, dst_len = (_length6(rng, length) for length in cb._lengths(rng, params, classes))
            rule = Rule6(proto, src_pool.draw(src_len), src_len, dst_pool.draw(dst_len), dst_len,
                         cb._ports(rng, params, classes[0]), cb._ports(rng, params, classes[1]))
            broad = rule.src_len + rule.dst_len == 0 and (0, 65535) in (rule.sport, rule.dport)
            if not broad and not covered.covers(rule):
                covered.add(rule)
                out.append(rule)
                break
    raise ValueError(f"family {family} gave only {len(out)} IPv6 rules that no earlier one covers")


def translate(rule_list: list[Rule6]) -> cb.Translation:
    """Each rule as Ace6 permits: protocols and port operators as classbench.translate gives them for
    the rule's protocol and ports (one ACE per port protocol for `any` with ports), the prefixes the
    rule's. rule_of_ace also maps the implicit ND permits' answers (naces + 1, + 2) to "no rule"."""
    l4 = cb.translate([cb.Rule(r.proto, 0, 0, 0, 0, r.sport, r.dport) for r in rule_list])
    owners = l4.rule_of_ace[:-1]
    aces = [Ace6(True, proto=a.proto, src=r.src, src_len=r.src_len, dst=r.dst, dst_len=r.dst_len,
                 sport=a.sport, dport=a.dport) for a, r in zip(l4.aces, (rule_list[int(i)] for i in owners))]
    return cb.Translation(aces, np.append(l4.rule_of_ace, [len(rule_list)] * 2), l4.split)


# ---- traces --------------------------------------------------------------------------------------
def _words(addresses: list[int]) -> np.ndarray:
    return np.array([[a >> s & 0xFFFFFFFF for s in (96, 64, 32, 0)] for a in addresses], np.uint32).reshape(-1, 4)


def _batch6(proto, src: list[int], dst: list[int], sport, dport) -> np.ndarray:
    src_w, dst_w = _words(src), _words(dst)
    batch = cb._fill(empty_batch(len(src)), proto, src_w[:, 0], dst_w[:, 0], sport, dport)
    batch["family"] = FAMILY_IPV6
    set_address(batch, "src", src_w)
    set_address(batch, "dst", dst_w)
    return batch


def _uniform(rng: np.random.Generator, m: int) -> list[int]:
    return [1 << 125 | int.from_bytes(rng.bytes(16), "big") & ((1 << 125) - 1) for _ in range(m)]


def _inside(rng: np.random.Generator, rule_list: list[Rule6], which: np.ndarray) -> np.ndarray:
    """A packet inside each chosen rule: uniform in each field's range."""
    m = which.size
    anyp = rng.choice(np.array([PROTO_TCP, PROTO_UDP, cb.PROTO_SCTP, PROTO_ICMPV6, 47]), m)
    src, dst = _uniform(rng, m), _uniform(rng, m)
    proto, sport, dport = np.empty(m, np.uint8), np.empty(m, np.uint16), np.empty(m, np.uint16)
    for k, idx in enumerate(which):
        r = rule_list[int(idx)]
        ported = (r.sport, r.dport) != ((0, 65535), (0, 65535))
        proto[k] = r.proto if r.proto is not None else (
            anyp[k] if not ported or anyp[k] in PORT_PROTOCOLS else PROTO_TCP)
        src[k] = r.src | src[k] & ~_mask(r.src_len)
        dst[k] = r.dst | dst[k] & ~_mask(r.dst_len)
        sport[k] = rng.integers(r.sport[0], r.sport[1] + 1)
        dport[k] = rng.integers(r.dport[0], r.dport[1] + 1)
    return _batch6(proto, src, dst, sport, dport)


def _random_trace(rng: np.random.Generator, n: int) -> np.ndarray:
    return _batch6(rng.choice(np.array([PROTO_TCP, PROTO_UDP, PROTO_ICMPV6, 47]), n, p=[0.6, 0.3, 0.05, 0.05]),
                   _uniform(rng, n), _uniform(rng, n), rng.integers(0, 1 << 16, n), rng.integers(0, 1 << 16, n))


def trace(rule_list: list[Rule6], kind: str, n: int, seed: int = 0, first_match=None) -> np.ndarray:
    """n IPv6 packets of a trace kind (TRACES); `tail` needs first_match (a batch to each packet's
    first-matching rule, len(rules) for none), as classbench.trace's."""
    rng = np.random.default_rng([seed, TRACES.index(kind) if kind in TRACES else 99, 6])
    if kind == "random":
        return _random_trace(rng, n)
    if kind == "rule":
        bursts = np.ceil(0.1 / np.maximum(rng.random(n), 1e-9)).astype(np.int64).clip(1, 1024)
        which = np.repeat(rng.integers(0, len(rule_list), n), bursts)[:n]
        return _inside(rng, rule_list, which)
    if kind != "tail":
        raise ValueError(f"trace kind {kind!r} is not one of {', '.join(TRACES)}")
    if first_match is None:
        raise ValueError("a tail trace needs first_match")
    start = len(rule_list) - max(1, len(rule_list) // 10)
    kept, have = [], 0
    for _ in range(64):
        cand = _inside(rng, rule_list, rng.integers(start, len(rule_list), 2 * n))
        cand[::4] = _random_trace(rng, cand[::4].size)
        cand = cand[first_match(cand) >= start]
        kept.append(cand)
        have += cand.size
        if have >= n:
            return np.concatenate(kept)[:n].copy()
    raise ValueError(f"only {have} IPv6 tail packets of {n} found: earlier rules cover the tail")
