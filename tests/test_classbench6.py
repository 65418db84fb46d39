"""The IPv6 ClassBench-ng-style generator (tools/bench/classbench6.py): seeded, its prefix lengths
those of IPv6 address plans, its Ace6 translation exact, and every IPv6 lookup method (the scan, the
bit vectors over four projections, what auto picks) answering what the reference does on every
family's rules and traces."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from fastpaths import simd_levels
from qfp_model.qfp.fastpath import FastPath
from qfp_model.qfp.packets import address_int
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import PORT_PROTOCOLS, PROTO_ICMPV6
from qfp_model.tools.bench import classbench as cb
from qfp_model.tools.bench import classbench6 as cb6
from test_classbench import _probe_packets as probe_packets


@pytest.mark.parametrize("family", cb6.FAMILIES)
def test_seeded_and_reproducible(family):
    a, b = cb6.rules(family, 200, seed=7), cb6.rules(family, 200, seed=7)
    assert a == b and len(a) == 200 and len(set(a)) == 200
    assert cb6.rules(family, 200, seed=8) != a
    assert cb6.rules(family, 80, seed=7) == a[:80]


@pytest.mark.parametrize("family", cb6.FAMILIES)
def test_prefix_lengths_are_an_ipv6_address_plans(family):
    """Lengths only from LENGTH_MAP; most named prefixes at /32-/64 or /128 hosts; every address in
    2000::/3; protocols those of the IPv4 seed, ICMP as ICMPv6."""
    rules = cb6.rules(family, 1000, seed=1)
    allowed = {length for _, _, lengths in cb6.LENGTH_MAP for length in lengths}
    lengths = Counter(length for r in rules for length in (r.src_len, r.dst_len))
    assert set(lengths) <= allowed
    named = sum(n for length, n in lengths.items() if length)
    planned = sum(n for length, n in lengths.items() if 32 <= length <= 64 or length == 128)
    assert planned / named > 0.85, lengths
    assert lengths[128] > 0 and lengths[64] > 0 and lengths[32] > 0
    assert all(a >> 125 == 1 for r in rules for a, n in ((r.src, r.src_len), (r.dst, r.dst_len)) if n >= 3)
    seed_protos = {cb6.PROTO_ICMPV6 if p == cb.PROTO_ICMP else p for p in cb.SEEDS[family].protocols}
    assert {r.proto for r in rules} <= seed_protos
    assert all((r.sport, r.dport) == ((0, 65535), (0, 65535)) for r in rules if r.proto == PROTO_ICMPV6)


def test_no_rule_is_covered_by_an_earlier_one():
    rules = cb6.rules("fw", 300, seed=3)
    for i, r in enumerate(rules):
        for e in rules[:i]:
            inside = all(e_len <= r_len and not (e_a ^ r_a) >> (128 - e_len)
                         for e_a, e_len, r_a, r_len in ((e.src, e.src_len, r.src, r.src_len),
                                                        (e.dst, e.dst_len, r.dst, r.dst_len)))
            covers = (inside and (e.proto is None or e.proto == r.proto)
                      and e.sport[0] <= r.sport[0] and r.sport[1] <= e.sport[1]
                      and e.dport[0] <= r.dport[0] and r.dport[1] <= e.dport[1]
                      and ((e.sport, e.dport) == ((0, 65535), (0, 65535))
                           or (r.sport, r.dport) != ((0, 65535), (0, 65535)) or r.proto in PORT_PROTOCOLS))
            assert not covers, (i, r, e)


def _probe_packets(rule_list, n, seed):
    return probe_packets(rule_list, n, seed, gen=cb6, icmp=PROTO_ICMPV6)


def _first(rule_list, p):
    key = (int(p["proto"]), address_int(p, "src"), address_int(p, "dst"), int(p["sport"]), int(p["dport"]))
    return next((k for k, r in enumerate(rule_list) if r.matches(*key)), len(rule_list))


@pytest.mark.parametrize("family", cb6.FAMILIES)
def test_first_matching_rule_through_the_aces(family):
    """The Ace6 translation answers each packet's first-matching rule by the rules' plain predicate
    (a rule with protocol `any` and ports is one ACE per port protocol)."""
    rule_list = cb6.rules(family, 150, seed=9)
    tr = cb6.translate(rule_list)
    assert len(tr.aces) == len(rule_list) + 2 * tr.split
    fp = FastPath()
    slot = fp.acl_create(tr.aces)
    batch = _probe_packets(rule_list, 150, seed=10)
    got = tr.rule_answers(fp.acl_classify(slot, batch))
    want = np.array([_first(rule_list, p) for p in batch])
    assert (got == want).all(), np.flatnonzero(got != want)[:5]


def test_tail_trace_reaches_only_the_last_rules():
    rule_list = cb6.rules("acl", 300, seed=2)
    tr = cb6.translate(rule_list)
    fp = FastPath()
    slot = fp.acl_create(tr.aces)
    batch = cb6.trace(rule_list, "tail", 400, seed=3, first_match=lambda b: tr.rule_answers(fp.acl_classify(slot, b)))
    assert batch.size == 400 and (batch["family"] == 6).all()
    assert all(_first(rule_list, p) >= 270 for p in batch)


@pytest.mark.parametrize("simd", ["portable", "avx2", "avx512"])
@pytest.mark.parametrize("family", cb6.FAMILIES)
def test_every_ipv6_method_gives_the_references_answer_on_every_family(family, simd):
    """Differential: the scan, the bit vectors (past 256 ACEs, so their summary words are read), the
    tree and auto against the pure-Python reference, on each family's rules with traces of every
    kind."""
    if simd not in simd_levels():
        pytest.skip(f"this CPU cannot run {simd}")
    rule_list = cb6.rules(family, 300, seed=11)
    aces = cb6.translate(rule_list).aces
    ref = ReferenceFastPath()
    ref_slot = ref.acl_create(aces)
    batch = _probe_packets(rule_list, 100, seed=12)
    batch = np.concatenate([batch, cb6.trace(rule_list, "tail", 100, seed=13,
                                             first_match=lambda b: cb6.translate(rule_list).rule_answers(
                                                 ref.acl_classify(ref_slot, b)))])
    want = ref.acl_classify(ref_slot, batch)
    for method in ("scan", "bitvector", "tree", "auto"):
        fp = FastPath(acl_method=method, simd=simd)
        slot = fp.acl_create(aces)
        assert method == "auto" or fp.acl_stats(slot).method == method
        got = fp.acl_classify(slot, batch)
        assert (got == want).all(), (method, np.flatnonzero(got != want)[:5])
