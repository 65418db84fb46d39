"""ClassBench-style rule sets and traces (Taylor and Turner, "ClassBench: a packet classification
benchmark", INFOCOM 2005 / ToN 2007), written here, and their exact translation into IOS extended ACEs.

Why our own: the ACL goals must be met on the rule sets the packet-classification literature
measures, not only on qfp/acl_workloads.py's, and the benchmark must run without fetching anything.

The method, as ClassBench's db_generator applies a seed's parameter file:
  1. a protocol from the seed's protocol distribution (0 there means "any");
  2. for that protocol a source/destination port-class pair, each class one of WC (any), HI
     (1024-65535), LO (0-1023), AR (an arbitrary range from the seed's AR list) or EM (one port from its
     EM list);
  3. for that port-class pair a total prefix length (source + destination), then the source's share
     of it: the length distributions are per port-class pair, as in the parameter files' `-wc_em`...
     sections;
  4. addresses: prefixes nest and share their upper bits (the seeds' -snest/-sskew/-pcorr trees). We
     keep their effect, not their trees: with probability `corr` a new prefix shares at least half
     the upper bits of a recent one, so prefixes nest and cluster. (`nest`, the seeds' -snest
     threshold, is recorded but not enforced: a simplification.)
  5. unlike a plain draw, no rule that an earlier one covers is kept (it could never match), and no
     `any any` rule with a port side open: see rules(). That bounds what a seed can give: acl's
     portless TCP rules `/8 any` and `any /8` each cover every later TCP rule of their /8, so past
     ~40k rules most acl draws are covered (2.1 draws a kept rule up to 40k, 17 from 40k to 50k)
     and 100k acl rules are not reached in minutes; fw, ipc and wild reach 100k in 11-35 s.
The families' figures follow the shapes of the published seeds (acl1, fw1, ipc1) in condensed form:
acl is nearly all TCP to an exact destination port with /32-ish hosts on both sides; fw has many
`any` sources, more protocols and arbitrary ranges; ipc mixes LO/HI classes and medium prefixes. Two
more families stress what the issue found hardest: `ports` (addresses mostly any, both ports
arbitrary overlapping ranges, the common firewall shape) and `wild` (short prefixes, few fields set).

Traces (ClassBench's trace_generator and two of ours):
  rule   a rule at random, a point inside it, repeated a Pareto(a=1, b=0.1) number of times (bursts);
  random every field uniform at random: most packets fall through to late rules or match none;
  tail   points inside the last tenth of the rules that match no earlier rule, and points that match
         none: the worst case of a first-match search.

Translation: every rule becomes one IOS ACE (`range lo hi` expresses any contiguous port range,
`eq`/`lt`/`gt` the special cases), except a protocol-`any` rule with ports: IOS reads ports only for
TCP, UDP and SCTP, so it becomes one ACE per port protocol (counted in `Translation.split`). The
predicate `Rule.matches` gives ports that meaning too; `rule_of_ace` maps a first-matching ACE back
to its rule."""
from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass

import numpy as np

from qfp_model.qfp.packets import TCP_ACK, empty_batch
from qfp_model.qfp.tables import PORT_PROTOCOLS, PROTO_ICMP, PROTO_TCP, PROTO_UDP, Ace, PortMatch, PortOp

PROTO_SCTP = 132
WC, HI, LO, AR, EM = "wc", "hi", "lo", "ar", "em"
CLASS_RANGE = {WC: (0, 65535), HI: (1024, 65535), LO: (0, 1023)}


@dataclass(frozen=True)
class Seed:
    """A family's parameters, in the parameter files' terms.

    protocols: {proto or None (any): (probability, {(sport class, dport class): probability})}
    lengths:   {(sport class, dport class) or None (default): ((total, probability, {src len: p}), ...)}
    ar, em:    the AR ranges and EM ports, with their weights (one list for both sides)."""
    name: str
    protocols: dict
    lengths: dict
    ar: tuple
    em: tuple
    corr: float = 0.6     # chance a prefix extends an earlier one's upper bits
    nest: int = 4         # at most this many earlier prefixes a new one may lie inside


# AR and EM lists shaped like acl1's -dpar/-dpem: service ports of databases and applications,
# blocks of 10-100 ports, and two "everything above" ranges.
_AR = (((1600, 1649), 8), ((1300, 1349), 7), ((7500, 7599), 5), ((2200, 2210), 5), ((1025, 65535), 4),
       ((5001, 65535), 4), ((32200, 32207), 4), ((8000, 8100), 4), ((61000, 61009), 2), ((61100, 61119), 2),
       ((62200, 62239), 1), ((1700, 1750), 4), ((20000, 20010), 2), ((1300, 1399), 1))
_EM = ((1521, 19), (1526, 5), (1221, 4), (1433, 4), (135, 3), (1525, 3), (14753, 3), (1712, 2), (20, 2),
       (21, 2), (6000, 2), (5555, 2), (80, 6), (443, 6), (53, 4), (25, 2), (22, 2), (23, 1), (161, 1),
       (3389, 1), (8080, 1))
# The port-range-heavy family's ranges: anywhere, 10 to 30000 ports wide, overlapping on both
# sides (None: drawn fresh each time rather than from a list).
_AR_WIDE = None
_AR_WIDTHS = (9, 99, 999, 9999, 29999)

_HOSTS = ((64, 0.49, {32: 1.0}), (63, 0.05, {31: 0.6, 32: 0.4}), (56, 0.12, {32: 1.0}),
          (55, 0.1, {23: 0.95, 31: 0.05}), (54, 0.09, {23: 0.1, 32: 0.9}), (52, 0.03, {30: 1.0}),
          (39, 0.05, {23: 1.0}), (24, 0.04, {23: 1.0}), (8, 0.02, {0: 0.5, 8: 0.5}), (0, 0.01, {0: 1.0}))

_RANGE_PAIRS = {(AR, AR): 0.5, (WC, AR): 0.15, (AR, WC): 0.15, (HI, AR): 0.1, (AR, HI): 0.05, (LO, AR): 0.05}

SEEDS = {
    "acl": Seed("acl", {
        None: (0.085, {(WC, WC): 1.0}),
        PROTO_ICMP: (0.031, {(WC, WC): 1.0}),
        PROTO_TCP: (0.873, {(WC, WC): 0.216, (WC, AR): 0.131, (WC, EM): 0.653}),
        PROTO_UDP: (0.011, {(WC, AR): 0.125, (WC, EM): 0.875}),
    }, {None: _HOSTS,
        (WC, AR): ((64, 0.95, {32: 1.0}), (63, 0.035, {31: 1.0}), (55, 0.015, {23: 1.0})),
        (WC, EM): ((64, 0.85, {32: 1.0}), (63, 0.04, {31: 0.6, 32: 0.4}), (54, 0.045, {23: 0.05, 32: 0.95}),
                   (55, 0.03, {23: 1.0}), (52, 0.015, {30: 1.0}), (62, 0.02, {32: 1.0}))},
        _AR, _EM),
    "fw": Seed("fw", {
        None: (0.2, {(WC, WC): 0.9, (WC, EM): 0.1}),
        PROTO_ICMP: (0.04, {(WC, WC): 1.0}),
        PROTO_TCP: (0.6, {(WC, WC): 0.15, (WC, EM): 0.4, (WC, AR): 0.15, (HI, EM): 0.1, (AR, WC): 0.05,
                          (WC, HI): 0.05, (AR, AR): 0.05, (EM, WC): 0.05}),
        PROTO_UDP: (0.16, {(WC, WC): 0.2, (WC, EM): 0.45, (WC, AR): 0.15, (EM, EM): 0.1, (HI, HI): 0.1}),
    }, {None: ((32, 0.35, {0: 0.9, 32: 0.1}), (48, 0.12, {16: 0.3, 24: 0.4, 32: 0.3}), (56, 0.1, {24: 0.5, 32: 0.5}),
               (64, 0.15, {32: 1.0}), (24, 0.1, {0: 0.7, 24: 0.3}), (16, 0.05, {0: 0.5, 16: 0.5}),
               (40, 0.08, {8: 0.25, 16: 0.25, 24: 0.25, 32: 0.25}), (0, 0.05, {0: 1.0}))},
        _AR, _EM, corr=0.3, nest=6),
    "ipc": Seed("ipc", {
        None: (0.15, {(WC, WC): 1.0}),
        PROTO_ICMP: (0.08, {(WC, WC): 1.0}),
        PROTO_TCP: (0.5, {(WC, WC): 0.25, (WC, EM): 0.3, (EM, WC): 0.1, (WC, LO): 0.05, (LO, WC): 0.05,
                          (WC, HI): 0.05, (HI, WC): 0.05, (WC, AR): 0.05, (AR, WC): 0.05, (EM, EM): 0.05}),
        PROTO_UDP: (0.27, {(WC, WC): 0.3, (WC, EM): 0.3, (EM, WC): 0.1, (HI, HI): 0.1, (LO, LO): 0.05,
                           (EM, EM): 0.15}),
    }, {None: ((64, 0.3, {32: 1.0}), (56, 0.2, {24: 0.5, 32: 0.5}), (48, 0.2, {24: 0.7, 16: 0.15, 32: 0.15}),
               (40, 0.1, {16: 0.5, 24: 0.5}), (32, 0.1, {0: 0.3, 32: 0.3, 16: 0.4}), (24, 0.05, {0: 0.5, 24: 0.5}),
               (0, 0.05, {0: 1.0}))},
        _AR, _EM, corr=0.5, nest=4),
    "ports": Seed("ports", {
        PROTO_TCP: (0.6, _RANGE_PAIRS),
        PROTO_UDP: (0.4, _RANGE_PAIRS),
    }, {None: ((0, 0.6, {0: 1.0}), (8, 0.1, {0: 0.5, 8: 0.5}), (16, 0.1, {0: 0.5, 16: 0.5}),
               (24, 0.1, {0: 0.5, 24: 0.5}), (32, 0.1, {0: 0.5, 32: 0.5}))},
        _AR_WIDE, _EM, corr=0.8, nest=8),
    "wild": Seed("wild", {
        None: (0.5, {(WC, WC): 1.0}),
        PROTO_ICMP: (0.05, {(WC, WC): 1.0}),
        PROTO_TCP: (0.3, {(WC, WC): 0.4, (WC, EM): 0.3, (WC, HI): 0.15, (LO, WC): 0.15}),
        PROTO_UDP: (0.15, {(WC, WC): 0.4, (WC, EM): 0.4, (HI, WC): 0.2}),
    }, {None: ((16, 0.4, {0: 0.5, 16: 0.5}),
               (24, 0.3, {0: 0.5, 24: 0.5}), (32, 0.3, {0: 0.4, 32: 0.4, 16: 0.2}))},
        _AR, _EM, corr=0.3, nest=6),
}
FAMILIES = tuple(SEEDS)
TRACES = ("rule", "random", "tail")


@dataclass(frozen=True)
class Rule:
    """One 5-tuple rule: prefixes as (address, length), ports as inclusive ranges, proto None = any."""
    proto: int | None
    src: int
    src_len: int
    dst: int
    dst_len: int
    sport: tuple[int, int]
    dport: tuple[int, int]

    def matches(self, proto: int, src: int, dst: int, sport: int, dport: int) -> bool:
        """The rule's meaning, plainly: what the ACE translation must equal. Port conditions hold
        only for the protocols IOS reads ports of."""
        if self.proto is not None and proto != self.proto:
            return False
        if (src ^ self.src) >> (32 - self.src_len) if self.src_len else False:
            return False
        if (dst ^ self.dst) >> (32 - self.dst_len) if self.dst_len else False:
            return False
        if self.sport == (0, 65535) and self.dport == (0, 65535):
            return True
        return (proto in PORT_PROTOCOLS and self.sport[0] <= sport <= self.sport[1]
                and self.dport[0] <= dport <= self.dport[1])


def _pick(rng: np.random.Generator, weighted) -> object:
    """One key of a {key: weight} mapping or one item of ((item, weight), ...), by weight."""
    return _Weighted(weighted).draw(rng)


class _Weighted:
    """A weighted choice made ready once: the same draw as rng.choice(len(items), p=normalised
    weights), which is one rng.random() looked up in the CDF that Generator.choice computes, so a
    rule set is the same as when every draw called rng.choice. Why: rng.choice(p=...) validates and
    sums its p on every call (~15 us), and a rule costs ten such draws."""

    __slots__ = ("items", "cdf")

    def __init__(self, weighted):
        items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
        cdf = _norm([w for _, w in items]).cumsum()
        cdf /= cdf[-1]
        self.items = [k for k, _ in items]
        self.cdf = cdf.tolist()

    def draw(self, rng: np.random.Generator):
        return self.items[bisect_right(self.cdf, rng.random())]


def _lengths(rng: np.random.Generator, seed: Seed, classes: tuple) -> tuple[int, int]:
    return _Drawer.of(seed).lengths(rng, classes)


def _norm(weights) -> np.ndarray:
    p = np.array(weights, dtype=float)
    return p / p.sum()


class _Prefixes:
    """Prefixes that nest and share upper bits, as the seeds' trees make them (see the docstring)."""

    def __init__(self, rng: np.random.Generator, corr: float, nest: int):
        self.rng, self.corr, self.nest = rng, corr, nest
        self.pool: list[tuple[int, int]] = []

    def draw(self, length: int) -> int:
        mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF if length else 0
        rng = self.rng
        pool = self.pool
        if pool and rng.random() < self.corr:
            # Share an earlier prefix's upper bits: at least half of what both have, so the new
            # one often nests inside it (when longer) and sits in the same subtree (the seeds'
            # skew) without copying it. Recent entries only, so subtrees stay local.
            base, base_len = pool[-1 - int(rng.integers(0, min(len(pool), 256)))]
            common = min(base_len, length)
            keep = int(rng.integers(common // 2, common + 1))
            keep_mask = (0xFFFFFFFF << (32 - keep)) & 0xFFFFFFFF if keep else 0
            address = (base & keep_mask) | (int(rng.integers(0, 1 << 32)) & ~keep_mask & 0xFFFFFFFF)
        else:
            address = int(rng.integers(1, 224)) << 24 | int(rng.integers(0, 1 << 24))
        address &= mask
        if length:
            pool.append((address, length))
            if len(pool) > 4096:    # only the last 256 are ever drawn from
                del pool[:-256]
        return address


def _ports(rng: np.random.Generator, seed: Seed, cls: str) -> tuple[int, int]:
    return _Drawer.of(seed).ports(rng, cls)


class _Drawer:
    """A seed's distributions as _Weighted tables, built once per seed."""

    _cache: dict = {}

    @classmethod
    def of(cls, seed: Seed) -> _Drawer:
        d = cls._cache.get(seed.name)
        if d is None or d.seed is not seed:
            d = cls._cache[seed.name] = cls(seed)
        return d

    def __init__(self, seed: Seed):
        self.seed = seed
        self.protos = _Weighted([(p, w) for p, (w, _) in seed.protocols.items()])
        self.classes = {p: _Weighted(c) for p, (_, c) in seed.protocols.items()}
        self.rows = {k: _Weighted([((total, _Weighted(split)), w) for total, w, split in rows])
                     for k, rows in seed.lengths.items()}
        self.ar = _Weighted(seed.ar) if seed.ar is not None else None
        self.em = _Weighted(seed.em)

    def lengths(self, rng: np.random.Generator, classes: tuple) -> tuple[int, int]:
        total, split = self.rows.get(classes, self.rows[None]).draw(rng)
        src_len = int(split.draw(rng))
        dst_len = total - src_len
        if not 0 <= dst_len <= 32:   # a split that cannot make the total: keep the total's shape
            src_len, dst_len = min(32, total), max(0, total - 32)
        return src_len, dst_len

    def ports(self, rng: np.random.Generator, cls: str) -> tuple[int, int]:
        fixed = CLASS_RANGE.get(cls)
        if fixed is not None:
            return fixed
        if cls == AR:
            if self.ar is None:
                lo = int(rng.integers(0, 65536))
                # rng.choice(_AR_WIDTHS) without p is one rng.integers(0, len)
                return lo, min(65535, lo + _AR_WIDTHS[int(rng.integers(0, len(_AR_WIDTHS)))])
            return tuple(self.ar.draw(rng))
        port = int(self.em.draw(rng))
        return port, port


def rules(family: str, n: int, seed: int = 0) -> list[Rule]:
    """n rules of a family (FAMILIES), seeded: the same arguments give the same rules."""
    if family not in SEEDS:
        raise ValueError(f"family {family!r} is not one of {', '.join(FAMILIES)}")
    params = SEEDS[family]
    drawer = _Drawer.of(params)
    rng = np.random.default_rng([seed, FAMILIES.index(family)])
    src_pool = _Prefixes(rng, params.corr, params.nest)
    dst_pool = _Prefixes(rng, params.corr, params.nest)
    out, covered = [], _Cover()
    for _ in range(100 * n + 1000):
        if len(out) == n:
            return out
        proto = drawer.protos.draw(rng)
        classes = drawer.classes[proto].draw(rng)
        # A covered draw is drawn again with the same protocol and port classes, so that dropping
        # covered rules does not skew those shares (broad `ip` rules cover TCP ones far more often
        # than the reverse).
        for _attempt in range(32):
            src_len, dst_len = drawer.lengths(rng, classes)
            rule = Rule(proto, src_pool.draw(src_len), src_len, dst_pool.draw(dst_len), dst_len,
                        drawer.ports(rng, classes[0]), drawer.ports(rng, classes[1]))
            broad = src_len + dst_len == 0 and (0, 65535) in (rule.sport, rule.dport)
            if not broad and not covered.covers(rule):
                covered.add(rule)
                out.append(rule)
                break
        # Keep no rule that an earlier one covers: under first match it could never match. And no
        # `any any` rule with a port side open (`tcp any any`, `tcp any any eq 25`; the
        # ports family's `any any range A B range C D` stay): the seeds give them a few per cent,
        # which in a generated order would leave every later rule of that protocol (and port)
        # dead, where a real list has them last (the ACL's implicit deny plays that part here).
    raise ValueError(f"family {family} gave only {len(out)} rules that no earlier one covers")


class _Cover:
    """Which rules an earlier one covers. Rules are indexed by source prefix, then by destination
    prefix, so a candidate visits only the source prefixes that contain its own and that some rule
    has, then only those rules' destination prefixes that contain its own; each such bucket's
    protocol and port ranges are then checked (plainly while short, in numpy arrays once long: the
    ports family's `any any` bucket holds most of its rules)."""

    LONG = 64

    def __init__(self):
        self.by_src: dict = {}      # (src_len, src prefix) -> {(dst_len, dst prefix): _Bucket}
        self.src_lens: list = []    # sorted
        self.dst_lens: dict = {}    # (src_len, src prefix) -> sorted dst lengths present

    def covers(self, r: Rule) -> bool:
        r_proto = 256 if r.proto is None else r.proto
        # A rule without ports covers a port-protocol rule's ports; one with ports covers only
        # rules of port protocols (an `ip` rule without ports matches other protocols).
        r_wild = r.sport == (0, 65535) and r.dport == (0, 65535)
        need_wild = r_wild and r.proto not in PORT_PROTOCOLS
        slo, shi = r.sport
        dlo, dhi = r.dport
        src, dst, src_len, dst_len = r.src, r.dst, r.src_len, r.dst_len
        for sl in self.src_lens:
            if sl > src_len:
                break
            skey = (sl, src >> (32 - sl) if sl else 0)
            inner = self.by_src.get(skey)
            if inner is None:
                continue
            for dl in self.dst_lens[skey]:
                if dl > dst_len:
                    break
                b = inner.get((dl, dst >> (32 - dl) if dl else 0))
                if b is not None and b.covers(r_proto, slo, shi, dlo, dhi, need_wild):
                    return True
        return False

    def add(self, r: Rule) -> None:
        skey = (r.src_len, r.src >> (32 - r.src_len) if r.src_len else 0)
        inner = self.by_src.get(skey)
        if inner is None:
            inner = self.by_src[skey] = {}
            self.dst_lens[skey] = []
            if r.src_len not in self.src_lens:
                insort(self.src_lens, r.src_len)
        dkey = (r.dst_len, r.dst >> (32 - r.dst_len) if r.dst_len else 0)
        b = inner.get(dkey)
        if b is None:
            b = inner[dkey] = _Bucket()
            if r.dst_len not in self.dst_lens[skey]:
                insort(self.dst_lens[skey], r.dst_len)
        b.add(256 if r.proto is None else r.proto, *r.sport, *r.dport)


class _Bucket:
    """The rules of one (source prefix, destination prefix): protocol (256: any), port ranges and
    whether both port sides are open, as a list while short, then as numpy columns grown in place."""

    __slots__ = ("rows", "cols", "used")

    def __init__(self):
        self.rows: list = []
        self.cols = None
        self.used = 0

    def add(self, proto, slo, shi, dlo, dhi) -> None:
        row = (proto, slo, shi, dlo, dhi, slo == 0 and shi == 65535 and dlo == 0 and dhi == 65535)
        if self.cols is None:
            self.rows.append(row)
            if len(self.rows) > _Cover.LONG:
                self.cols = np.zeros((6, 4 * _Cover.LONG), np.int32)
                self.cols[:, :len(self.rows)] = np.array(self.rows, np.int32).T
                self.used = len(self.rows)
            return
        if self.used == self.cols.shape[1]:
            self.cols = np.concatenate([self.cols, np.zeros_like(self.cols)], axis=1)
        self.cols[:, self.used] = row
        self.used += 1

    def covers(self, r_proto, slo, shi, dlo, dhi, need_wild) -> bool:
        if self.cols is None:
            for p, a, b, c, d, wild in self.rows:
                if ((p == 256 or p == r_proto) and a <= slo and b >= shi and c <= dlo and d >= dhi
                        and (wild or not need_wild)):
                    return True
            return False
        arr = self.cols[:, :self.used]
        ok = (arr[1] <= slo) & (arr[2] >= shi) & (arr[3] <= dlo) & (arr[4] >= dhi)
        ok &= (arr[0] == 256) | (arr[0] == r_proto)
        if need_wild:
            ok &= arr[5] != 0
        return bool(ok.any())


# ---- rules to ACEs -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Translation:
    aces: list            # the IOS ACEs, in rule order
    rule_of_ace: np.ndarray   # int64 per ACE, plus one entry for "no ACE" -> len(rules)
    split: int            # rules that needed more than one ACE

    def rule_answers(self, ace_answers: np.ndarray) -> np.ndarray:
        """First-matching rule per packet from first-matching ACE per packet (len(rules): none)."""
        return self.rule_of_ace[ace_answers]


def _port_match(lo: int, hi: int) -> PortMatch | None:
    """The one IOS operator for [lo, hi]: why `range` is not always used is only readability
    (`eq 80` is what an operator writes); every contiguous range has one."""
    if (lo, hi) == (0, 65535):
        return None
    if lo == hi:
        return PortMatch(PortOp.EQ, lo)
    if lo == 0:
        return PortMatch(PortOp.LT, hi + 1)
    if hi == 65535:
        return PortMatch(PortOp.GT, lo - 1)
    return PortMatch(PortOp.RANGE, lo, hi)


def _wildcard(length: int) -> int:
    return (1 << (32 - length)) - 1


def translate(rule_list: list[Rule]) -> Translation:
    """Each rule as IOS ACEs (a permit each: the benchmark asks which rule matches first)."""
    aces, owner, split = [], [], 0
    for i, r in enumerate(rule_list):
        sport, dport = _port_match(*r.sport), _port_match(*r.dport)
        protos = [r.proto]
        if r.proto is None and (sport or dport):
            protos = sorted(PORT_PROTOCOLS)   # IOS has ports only under tcp, udp and sctp
            split += 1
        elif r.proto is not None and r.proto not in PORT_PROTOCOLS and (sport or dport):
            raise ValueError(f"rule {i} gives ports to protocol {r.proto}, which has none")
        for proto in protos:
            aces.append(Ace(True, proto=proto, src=r.src, src_wildcard=_wildcard(r.src_len),
                            dst=r.dst, dst_wildcard=_wildcard(r.dst_len), sport=sport, dport=dport))
            owner.append(i)
    owner.append(len(rule_list))
    return Translation(aces, np.array(owner, dtype=np.int64), split)


# ---- traces --------------------------------------------------------------------------------------
def _fill(batch: np.ndarray, proto, src, dst, sport, dport) -> np.ndarray:
    batch["proto"], batch["src"], batch["dst"] = proto, src, dst
    batch["sport"], batch["dport"] = sport, dport
    batch["length"] = 64
    batch["tcp_flags"] = TCP_ACK
    batch["ts_ns"] = np.arange(1, batch.size + 1, dtype=np.uint64) * 1000
    return batch


def _points(rng: np.random.Generator, rule_list: list[Rule], which: np.ndarray) -> tuple:
    """A packet inside each chosen rule: uniform in each field's range."""
    m = which.size
    proto = np.empty(m, np.uint8)
    src = rng.integers(0, 1 << 32, m, dtype=np.uint64)
    dst = rng.integers(0, 1 << 32, m, dtype=np.uint64)
    sport = np.empty(m, np.uint16)
    dport = np.empty(m, np.uint16)
    anyp = rng.choice(np.array([PROTO_TCP, PROTO_UDP, PROTO_SCTP, PROTO_ICMP, 47]), m)
    for k, idx in enumerate(which):
        r = rule_list[int(idx)]
        if r.proto is not None:
            proto[k] = r.proto
        elif (r.sport, r.dport) != ((0, 65535), (0, 65535)):
            proto[k] = anyp[k] if anyp[k] in PORT_PROTOCOLS else PROTO_TCP
        else:
            proto[k] = anyp[k]
        sw, dw = _wildcard(r.src_len), _wildcard(r.dst_len)
        src[k] = (r.src & ~sw | int(src[k]) & sw) & 0xFFFFFFFF
        dst[k] = (r.dst & ~dw | int(dst[k]) & dw) & 0xFFFFFFFF
        sport[k] = rng.integers(r.sport[0], r.sport[1] + 1)
        dport[k] = rng.integers(r.dport[0], r.dport[1] + 1)
    return proto, src, dst, sport, dport


def trace(rule_list: list[Rule], kind: str, n: int, seed: int = 0, first_match=None) -> np.ndarray:
    """n packets (qfp.packets.PACKET_DTYPE) of a trace kind (TRACES). `tail` needs first_match: a
    function from a batch to each packet's first-matching rule index (len(rules): none), so that
    its packets are kept only when no rule before the last tenth matches them."""
    rng = np.random.default_rng([seed, TRACES.index(kind) if kind in TRACES else 99])
    if kind == "random":
        return _fill(empty_batch(n), rng.choice(np.array([PROTO_TCP, PROTO_UDP, PROTO_ICMP, 47]), n,
                                                p=[0.6, 0.3, 0.05, 0.05]),
                     rng.integers(0, 1 << 32, n), rng.integers(0, 1 << 32, n),
                     rng.integers(0, 1 << 16, n), rng.integers(0, 1 << 16, n))
    if kind == "rule":
        # Pareto(a=1, b=0.1) burst lengths, as trace_generator draws them: most 1, a heavy tail.
        which = []
        while len(which) < n:
            burst = int(np.ceil(0.1 / max(rng.random(), 1e-9)))
            which.extend([int(rng.integers(0, len(rule_list)))] * min(burst, 1024))
        which = np.array(which[:n])
        return _fill(empty_batch(n), *_points(rng, rule_list, which))
    if kind == "tail":
        if first_match is None:
            raise ValueError("a tail trace needs first_match")
        start = len(rule_list) - max(1, len(rule_list) // 10)
        kept = []
        for _ in range(64):
            m = 2 * n
            which = rng.integers(start, len(rule_list), m)
            cand = _fill(empty_batch(m), *_points(rng, rule_list, which))
            # Every fourth packet of the tail matches nothing: a random one that no rule takes.
            rand = trace(rule_list, "random", m, seed=int(rng.integers(1 << 31)))
            cand[::4] = rand[::4]
            fm = first_match(cand)
            kept.append(cand[fm >= start])
            if sum(k.size for k in kept) >= n:
                break
        batch = np.concatenate(kept)
        if batch.size < n:
            raise ValueError(f"only {batch.size} tail packets of {n} found: earlier rules cover the tail")
        return batch[:n].copy()
    raise ValueError(f"trace kind {kind!r} is not one of {', '.join(TRACES)}")
