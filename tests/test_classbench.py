"""The ClassBench-style generator (tools/bench/classbench.py): seeded and reproducible, its
distributions those of its seed parameters, and its translation into IOS ACEs exact: a rule's ACEs
match exactly the packets the rule's plain predicate matches."""
from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np
import pytest

from fastpaths import simd_levels
from qfp_model.qfp.fastpath import FastPath
from qfp_model.qfp.packets import empty_batch
from qfp_model.qfp.tables import PORT_PROTOCOLS, PROTO_TCP
from qfp_model.tools.bench import classbench as cb


@pytest.mark.parametrize("family", cb.FAMILIES)
def test_seeded_and_reproducible(family):
    a, b = cb.rules(family, 300, seed=7), cb.rules(family, 300, seed=7)
    assert a == b and len(a) == 300
    assert cb.rules(family, 300, seed=8) != a
    assert cb.rules(family, 100, seed=7) == a[:100]    # a longer set extends a shorter one
    assert len(set(a)) == len(a)


def _class(lo_hi):
    for name, rng in cb.CLASS_RANGE.items():
        if lo_hi == rng:
            return name
    return cb.EM if lo_hi[0] == lo_hi[1] else cb.AR


@pytest.mark.parametrize("family", ["acl", "fw", "ipc"])
def test_distributions_follow_the_seed(family):
    """Protocol and port-class shares as the seed gives them (within what sampling 3,000 rules and
    dropping covered ones allows), and every prefix length one the seed's tables can give."""
    seed = cb.SEEDS[family]
    rules = cb.rules(family, 3000, seed=1)
    protos = Counter(r.proto for r in rules)
    total = sum(p for p, _ in seed.protocols.values())
    for proto, (p, classes) in seed.protocols.items():
        assert abs(protos[proto] / len(rules) - p / total) < 0.04, (proto, protos[proto])
        got = Counter((_class(r.sport), _class(r.dport)) for r in rules if r.proto == proto)
        assert set(got) <= set(classes), (proto, set(got) - set(classes))
    allowed = {(s, t - s) for rows in seed.lengths.values() for t, _, split in rows for s in split}
    allowed |= {(min(32, t), max(0, t - 32)) for rows in seed.lengths.values() for t, _, _ in rows}
    assert {(r.src_len, r.dst_len) for r in rules} <= allowed
    em = {port for port, _ in seed.em}
    assert all(r.dport[0] in em for r in rules if _class(r.dport) == cb.EM)


# The benchmark's rule sets (seed 1) as they were when their figures were published (docs/fastpath.md):
# a faster generator must draw the same rules, or the figures before and after compare different sets.
GOLDEN = {("acl", 1000): "c8a60594830c9e9d", ("fw", 1000): "f19a7cdef3938830", ("ipc", 1000): "efb9efc4251da713",
          ("ports", 1000): "4160c95a9bd54acf", ("wild", 1000): "1e1bf3f10028ad74", ("fw", 10_000): "b14ffcfd1090352c"}


@pytest.mark.parametrize("family, n", sorted(GOLDEN))
def test_the_benchmarks_rule_sets_are_unchanged(family, n):
    text = "\n".join(f"{r.proto} {r.src}/{r.src_len} {r.dst}/{r.dst_len} {r.sport} {r.dport}"
                     for r in cb.rules(family, n, seed=1))
    assert hashlib.sha256(text.encode()).hexdigest()[:16] == GOLDEN[family, n]


def test_weighted_draws_are_rng_choices():
    """_Weighted draws what rng.choice(p=...) draws from the same generator state, so replacing one
    by the other keeps every rule set."""
    weights = [0.085, 0.031, 0.873, 0.011]
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    table = cb._Weighted([(k, w) for k, w in enumerate(weights)])
    p = np.array(weights) / sum(weights)
    assert [int(a.choice(len(weights), p=p)) for _ in range(2000)] == [table.draw(b) for _ in range(2000)]


@pytest.mark.parametrize("family", cb.FAMILIES)
def test_no_rule_is_covered_by_an_earlier_one(family):
    """Against every earlier rule, plainly: the generator's index (by prefix, numpy columns for long
    buckets, as the ports family's `any any` bucket grows) must find every cover."""
    rules = cb.rules(family, 400, seed=3)
    for i, r in enumerate(rules):
        for e in rules[:i]:
            covers = ((e.proto is None or e.proto == r.proto)
                      and e.src_len <= r.src_len and (e.src_len == 0 or (e.src ^ r.src) >> (32 - e.src_len) == 0)
                      and e.dst_len <= r.dst_len and (e.dst_len == 0 or (e.dst ^ r.dst) >> (32 - e.dst_len) == 0)
                      and e.sport[0] <= r.sport[0] and r.sport[1] <= e.sport[1]
                      and e.dport[0] <= r.dport[0] and r.dport[1] <= e.dport[1]
                      and ((e.sport, e.dport) == ((0, 65535), (0, 65535))
                           or (r.sport, r.dport) != ((0, 65535), (0, 65535)) or r.proto in PORT_PROTOCOLS))
            assert not covers, (i, r, e)


def _probe_packets(rule_list, n, seed, gen=cb, icmp=1):
    """Packets inside the rules, at their port ranges' edges and just outside, of every protocol
    kind, and at random; `gen` the generator module (classbench6 for IPv6, whose ICMP is 58)."""
    rng = np.random.default_rng(seed)
    inside = gen.trace(rule_list, "rule", n, seed)
    edges = inside.copy()
    for row, k in zip(edges, rng.integers(0, len(rule_list), n)):
        r = rule_list[int(k)]
        row["sport"] = int(rng.choice([r.sport[0], r.sport[1], max(0, r.sport[0] - 1), min(65535, r.sport[1] + 1)]))
        row["dport"] = int(rng.choice([r.dport[0], r.dport[1], max(0, r.dport[0] - 1), min(65535, r.dport[1] + 1)]))
        row["proto"] = int(rng.choice([PROTO_TCP, 17, 132, icmp, 47, r.proto if r.proto is not None else 6]))
    rand = gen.trace(rule_list, "random", n, seed)
    return np.concatenate([inside, edges, rand])


def _first(rule_list, p):
    return next((k for k, r in enumerate(rule_list)
                 if r.matches(int(p["proto"]), int(p["src"]), int(p["dst"]), int(p["sport"]), int(p["dport"]))),
                len(rule_list))


@pytest.mark.parametrize("family", cb.FAMILIES)
def test_each_rules_aces_match_exactly_its_packets(family):
    rule_list = cb.rules(family, 60, seed=5)
    batch = _probe_packets(rule_list, 300, seed=6)
    fp = FastPath()
    for r in rule_list:
        tr = cb.translate([r])
        got = fp.acl_classify(fp.acl_create(tr.aces), batch) < len(tr.aces)
        want = np.array([r.matches(int(p["proto"]), int(p["src"]), int(p["dst"]), int(p["sport"]), int(p["dport"]))
                         for p in batch])
        assert (got == want).all(), (r, np.flatnonzero(got != want)[:5])


@pytest.mark.parametrize("family", cb.FAMILIES)
def test_first_matching_rule_through_the_aces(family):
    rule_list = cb.rules(family, 200, seed=9)
    tr = cb.translate(rule_list)
    assert len(tr.aces) == len(rule_list) + 2 * tr.split    # a split rule is one ACE per port protocol
    fp = FastPath()
    slot = fp.acl_create(tr.aces)
    batch = _probe_packets(rule_list, 200, seed=10)
    got = tr.rule_answers(fp.acl_classify(slot, batch))
    want = np.array([_first(rule_list, p) for p in batch])
    assert (got == want).all()


def test_tail_trace_reaches_only_the_last_rules():
    rule_list = cb.rules("acl", 300, seed=2)
    tr = cb.translate(rule_list)
    fp = FastPath()
    slot = fp.acl_create(tr.aces)
    batch = cb.trace(rule_list, "tail", 500, seed=3, first_match=lambda b: tr.rule_answers(fp.acl_classify(slot, b)))
    first = np.array([_first(rule_list, p) for p in batch])
    assert batch.size == 500 and (first >= 270).all()


def test_translation_refuses_ports_without_a_port_protocol():
    with pytest.raises(ValueError):
        cb.translate([cb.Rule(1, 0, 0, 0, 0, (80, 80), (0, 65535))])
    assert empty_batch(1).size == 1


@pytest.mark.parametrize("simd", ["portable", "avx2", "avx512"])
@pytest.mark.parametrize("family", cb.FAMILIES)
def test_every_method_gives_the_scans_answer_on_every_family(family, simd):
    """Each lookup method (and what auto chooses) against the in-order scan, on each family's rules
    past the hybrid's head, with traces of every kind."""
    if simd not in simd_levels():
        pytest.skip(f"this CPU cannot run {simd}")
    rule_list = cb.rules(family, 400, seed=11)
    tr = cb.translate(rule_list)
    scan = FastPath(acl_method="scan", simd=simd)
    slot = scan.acl_create(tr.aces)
    batch = np.concatenate([_probe_packets(rule_list, 300, seed=12),
                            cb.trace(rule_list, "tail", 300, seed=13,
                                     first_match=lambda b: tr.rule_answers(scan.acl_classify(slot, b)))])
    want = scan.acl_classify(slot, batch)
    for method in ("tree", "bitvector", "hybrid", "auto"):
        fp = FastPath(acl_method=method, simd=simd)
        s = fp.acl_create(tr.aces)
        assert method == "auto" or fp.acl_stats(s).method == method
        got = fp.acl_classify(s, batch)
        assert (got == want).all(), (method, np.flatnonzero(got != want)[:5])


def test_a_tree_cuts_twelve_bits_where_a_node_holds_enough_aces():
    """A cut of 12 bits (4,096 kids) only at a node of at least 256 ACEs; in a tree of at most
    4,096 always, past that where the probes find the tree with them cheaper (csrc/qfp_acl_index.c
    says why): on acl's addresses they are not, on fw's they are. The 400-rule sets of the test
    above take 12-bit cuts, so every method is checked against the scan with them."""
    fan = {}
    for family, n in (("fw", 100), ("fw", 400), ("acl", 5_000), ("fw", 5_000)):
        fp = FastPath(acl_method="tree")
        fan[family, n] = fp.acl_stats(fp.acl_create(cb.translate(cb.rules(family, n, seed=11)).aces)).fan_max
    assert fan == {("fw", 100): 256, ("fw", 400): 4096, ("acl", 5_000): 256, ("fw", 5_000): 4096}


def test_auto_chooses_by_the_rule_sets_shape():
    """Past the bit vectors' length, auto estimates the tree's and the hybrid's work on probe keys:
    rules that cuts separate (acl) get the whole tree; any/any rules with overlapping port ranges
    (ports), whose tree walks are deep, the hybrid, where most packets stop in the head. The choice
    depends on the ACL alone."""
    chosen = {}
    for family in ("acl", "ports"):
        aces = cb.translate(cb.rules(family, 1000, seed=1)).aces
        fp = FastPath()
        chosen[family] = [fp.acl_stats(fp.acl_create(aces)).method for _ in range(2)]
    assert chosen == {"acl": ["tree", "tree"], "ports": ["hybrid", "hybrid"]}
