"""The C fast path's ACL lookup methods (csrc/qfp_acl_index.c, qfp_acl_bitvec.c) at every size the
benchmarks use.

The hypothesis tests in test_differential.py drive short indexed ACLs through every semantic; here
the whole ACLs of the benchmarks (up to 10,000 ACEs) must first-match exactly as the numpy
baseline's full scan does (itself checked against the reference model in test_reference.py and
test_differential.py), and the reference model itself where it is quick enough."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from fastpaths import native_fastpath_class, simd_levels
from qfp_model.qfp.packets import FRAG_NONINITIAL
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import Direction
from qfp_model.tools.bench.acl_workloads import acl_traffic, cisco_acl
from qfp_model.tools.bench.baseline import NumpyBaseline

SIZES = (24, 100, 1_000, 10_000)


@pytest.fixture(scope="module")
def fp():
    return native_fastpath_class()(max_uidbs=16, max_acls=64, max_policies=16)


def full_scan(aces, batch) -> np.ndarray:
    """The oracle: the numpy baseline's first match, every ACE against every packet."""
    numpy = NumpyBaseline()
    return numpy.acl_classify(numpy.acl_create(aces), batch)


def first_mismatch(batch, expected, got) -> str:
    bad = np.flatnonzero(expected != got)
    if not bad.size:
        return ""
    i = int(bad[0])
    return (f"{bad.size} packets differ; packet {i} {batch[i]}: expected ACE {expected[i]}, "
            f"C gave {got[i]}")


@pytest.mark.parametrize("portable", [True, False], ids=["portable", "every-semantic"])
@pytest.mark.parametrize("n", SIZES)
def test_first_match_equals_a_full_scan(fp, n, portable):
    aces = cisco_acl(n, seed=n, portable=portable)
    batch = acl_traffic(aces, 3000, seed=n + 1, portable=portable)
    slot = fp.acl_create(aces)
    try:
        got = fp.acl_classify(slot, batch)
        expected = full_scan(aces, batch)
        assert not first_mismatch(batch, expected, got), first_mismatch(batch, expected, got)
        # Most packets must match something other than the final permit, or the test is weak.
        assert np.count_nonzero(got < n - 1) > batch.size // 2
        if n <= 1_000:
            ref = ReferenceFastPath()
            few = batch[:300]
            assert np.array_equal(ref.acl_classify(ref.acl_create(aces), few), got[:300])
    finally:
        fp.acl_delete(slot)


def test_bench_scale_acl_at_ten_thousand(fp):
    from qfp_model.tools.bench.scenarios import random_traffic, scale_acl

    aces = scale_acl(10_000)
    batch = random_traffic(np.random.default_rng(5), np.array([0], np.uint32), 4000, 1e9)
    # Aim a quarter of the packets at the denies, which random traffic rarely hits.
    for i, ace in zip(range(0, 4000, 4), aces[::10]):
        batch[i]["src"], batch[i]["dst"] = ace.src or batch[i]["src"], ace.dst or batch[i]["dst"]
        if ace.dport is not None:
            batch[i]["proto"], batch[i]["dport"] = ace.proto, ace.dport.port
    slot = fp.acl_create(aces)
    try:
        got = fp.acl_classify(slot, batch)
        expected = full_scan(aces, batch)
        assert not first_mismatch(batch, expected, got), first_mismatch(batch, expected, got)
        assert np.count_nonzero(got < 9_999) >= 500
    finally:
        fp.acl_delete(slot)


def test_counters_through_process_at_ten_thousand(fp):
    """The tree behind a bound ACL: verdicts name the matched ACE, and per-ACE counters add up."""
    aces = cisco_acl(10_000, seed=3, portable=False)
    batch = acl_traffic(aces, 2000, seed=4, portable=False)
    slot = fp.acl_create(aces)
    uidb = fp.uidb_create(0x9000, "Virtual-Access9")
    batch["uidb"] = uidb
    try:
        fp.bind(uidb, Direction.IN, acl=slot)
        verdicts = fp.process(batch)
        expected = full_scan(aces, batch)
        assert np.array_equal(np.where(expected == 10_000, 0xFFFFFFFE, expected), verdicts["ace"])
        counters = fp.acl_counters(slot)
        counts = np.bincount(expected, minlength=10_001)
        assert list(counters.hits) == counts[:10_000].tolist()
        assert counters.implicit_deny == counts[10_000]
    finally:
        fp.bind(uidb, Direction.IN)
        fp.uidb_delete(uidb)
        fp.acl_delete(slot)


def test_stats_say_how_an_acl_is_looked_up(fp):
    from qfp_model.qfp.fastpath import ACL6_TREE_MIN, ACL_BITVEC_HEAD, ACL_INDEX_MIN
    from test_differential import ACL6_TREE_MIN as DIFFERENTIAL_TREE6_MIN
    from test_differential import INDEXED_MIN

    assert (INDEXED_MIN, DIFFERENTIAL_TREE6_MIN) == (ACL_INDEX_MIN, ACL6_TREE_MIN)
    for n, method in ((ACL_INDEX_MIN - 1, "scan"), (ACL_INDEX_MIN, "bitvector"),
                      (ACL_BITVEC_HEAD, "bitvector"), (ACL_BITVEC_HEAD + 1, "hybrid"), (10_000, "hybrid")):
        slot = fp.acl_create(cisco_acl(n, seed=n))
        try:
            st = fp.acl_stats(slot)
            assert (st.naces, st.method) == (n, method)
            if n == 10_000:       # a tail long enough for a real tree
                assert st.cuts > 0 and 0 < st.leaf_max and 1 < st.depth_max <= 17
            if method != "scan":
                assert 0 < st.bytes <= 16 << 20       # the memory budget at 10k ACEs
            else:
                assert (st.cuts, st.bytes) == (0, 0)
        finally:
            fp.acl_delete(slot)


@pytest.mark.parametrize("simd", ["portable", "avx2", "avx512"])
@pytest.mark.parametrize("method", ["scan", "tree", "bitvector", "hybrid"])
def test_every_method_agrees_at_three_thousand(method, simd):
    if simd not in simd_levels():
        pytest.skip(f"this CPU cannot run {simd}")
    aces = cisco_acl(3_000, seed=5, portable=False)
    batch = acl_traffic(aces, 3000, seed=6, portable=False)
    fp = native_fastpath_class()(max_uidbs=4, acl_method=method, simd=simd)
    slot = fp.acl_create(aces)
    assert fp.acl_stats(slot).method == method
    expected = full_scan(aces, batch)
    got = fp.acl_classify(slot, batch)
    assert not first_mismatch(batch, expected, got), first_mismatch(batch, expected, got)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 23])
def test_the_scan_on_every_isa_at_every_lane_boundary(n):
    """The scan's vectors take 8 or 16 ACEs at a time, its tail padded with lanes that never match:
    lists just short of, at and just past a vector's width first-match as the full scan does."""
    aces = cisco_acl(max(n, 1), seed=40 + n, portable=False)[:n]
    batch = acl_traffic(cisco_acl(24, seed=40 + n, portable=False), 2000, seed=n, portable=False)
    expected = full_scan(aces, batch)
    for simd in simd_levels():
        fp = native_fastpath_class()(max_uidbs=4, simd=simd)
        slot = fp.acl_create(aces)
        assert fp.acl_stats(slot).method == "scan"
        got = fp.acl_classify(slot, batch)
        assert not first_mismatch(batch, expected, got), (simd, first_mismatch(batch, expected, got))


@pytest.mark.parametrize("n", [24, 64, 65, 128])
def test_bit_vectors_eight_packets_at_a_time_at_every_batch_edge(n):
    """On AVX-512, acl_classify takes bit vectors of one or two words eight packets at a time, the
    tail one by one, non-initial fragments again on their own: batches short of, at and past a
    multiple of eight first-match as the full scan does, on every ISA."""
    aces = cisco_acl(n, seed=60 + n, portable=False)
    batch = acl_traffic(aces, 41, seed=n, portable=False)
    for simd in simd_levels():
        fp = native_fastpath_class()(max_uidbs=4, simd=simd)
        slot = fp.acl_create(aces)
        assert fp.acl_stats(slot).method == "bitvector"
        for size in (1, 7, 8, 9, 16, 17, 41):
            part = batch[:size]
            expected, got = full_scan(aces, part), fp.acl_classify(slot, part)
            assert not first_mismatch(part, expected, got), (simd, size, first_mismatch(part, expected, got))


def test_the_instruction_set_is_the_cpus_best_unless_named(monkeypatch):
    from qfp_model.qfp.errors import TableError
    from qfp_model.qfp.fastpath import simd_best

    FastPath = native_fastpath_class()
    assert simd_levels()[0] == "portable" and simd_levels()[-1] == simd_best()
    monkeypatch.delenv("QFP_SIMD", raising=False)
    assert FastPath(max_uidbs=4).simd == simd_best()
    assert FastPath(max_uidbs=4, simd="portable").simd == "portable"
    monkeypatch.setenv("QFP_SIMD", "portable")
    assert FastPath(max_uidbs=4).simd == "portable"
    with pytest.raises(TableError, match="instruction set 'sse9' is not one of auto, portable"):
        FastPath(max_uidbs=4, simd="sse9")
    beyond = [s for s in ("avx2", "avx512") if s not in simd_levels()]
    for simd in beyond:
        with pytest.raises(TableError, match=f"this CPU cannot run {simd}"):
            FastPath(max_uidbs=4, simd=simd)


def test_an_unknown_method_is_refused():
    from qfp_model.qfp.errors import TableError

    with pytest.raises(TableError, match="ACL method 'fastest'"):
        native_fastpath_class()(max_uidbs=4, acl_method="fastest")


def test_an_empty_or_all_fragments_acl_still_denies(fp):
    from qfp_model.qfp.tables import Ace

    fragments_only = [Ace(True, fragments=True)] * 30
    slot = fp.acl_create(fragments_only)
    try:
        batch = acl_traffic(cisco_acl(50), 200, portable=False)
        got = fp.acl_classify(slot, batch)
        expected = np.where(batch["frag"] == FRAG_NONINITIAL, 0, 30)
        assert np.array_equal(got, expected)
    finally:
        fp.acl_delete(slot)


def test_a_replace_is_atomic_for_a_batch_in_flight(fp):
    """One thread classifies while another swaps the ACL between two versions: every batch's
    answers are wholly the old ACL's or wholly the new one's, never a mix."""
    old, new = cisco_acl(2_000, seed=11), cisco_acl(2_000, seed=12)
    batch = acl_traffic(old + new, 4000, seed=13)
    want = [full_scan(aces, batch) for aces in (old, new)]
    assert not np.array_equal(*want)
    slot = fp.acl_create(old)
    seen, stop = [], threading.Event()

    def classify():
        while not stop.is_set():
            seen.append(fp.acl_classify(slot, batch))

    worker = threading.Thread(target=classify)
    worker.start()
    try:
        for i in range(40):
            fp.acl_replace(slot, new if i % 2 == 0 else old)
    finally:
        stop.set()
        worker.join()
        fp.acl_delete(slot)
    assert seen
    for result in seen:
        assert np.array_equal(result, want[0]) or np.array_equal(result, want[1])


def test_classify_names_a_missing_slot(fp):
    from qfp_model.qfp.errors import QfpError

    with pytest.raises(QfpError, match="no ACL in slot 63"):
        fp.acl_classify(63, acl_traffic(cisco_acl(5), 4))


def test_two_threads_on_one_acl_lose_no_count(fp):
    """Targets of two threads share the ACL; each thread bumps its own counter shard, so the
    counters read back are exact however the threads interleave."""
    aces = cisco_acl(300, seed=21)
    slot = fp.acl_create(aces)
    uidbs = [fp.uidb_create(0x9100 + k, f"Virtual-Access{91 + k}") for k in range(2)]
    batches = []
    for k, uidb in enumerate(uidbs):
        fp.bind(uidb, Direction.IN, acl=slot)
        b = acl_traffic(aces, 4096, seed=30 + k)
        b["uidb"] = uidb
        batches.append(b)
    rounds = 200
    expected = sum(np.bincount(np.minimum(fp.process(b)["ace"], 300), minlength=301) for b in batches)
    fp.acl_clear_counters(slot)

    def pump(batch):
        for _ in range(rounds):
            fp.process(batch)

    workers = [threading.Thread(target=pump, args=(b,)) for b in batches]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        counters = fp.acl_counters(slot)
        assert list(counters.hits) == (expected[:300] * rounds).tolist()
        assert counters.implicit_deny == expected[300] * rounds
    finally:
        for uidb in uidbs:
            fp.bind(uidb, Direction.IN)
            fp.uidb_delete(uidb)
        fp.acl_delete(slot)


def test_access_group_terms_follow_their_acl_through_replaces():
    """A policy answers its access-group terms from bits over the ACLs' ACEs (at most 64 in all):
    replacing an ACL rebuilds them, past 64 ACEs the terms look their ACLs up one by one, and the
    classes stay those of the reference model at every step."""
    from qfp_model.qfp.tables import CLASS_DEFAULT, ClassMap, Match, Policy, PolicyClass

    def programme(fp):
        slots = [fp.acl_create(cisco_acl(5, seed=40)), fp.acl_create(cisco_acl(3, seed=41))]
        web = ClassMap("WEB", match_all=False, matches=(Match("access-group", acl=slots[0]),))
        both = ClassMap("BOTH", match_all=True, matches=(Match("access-group", acl=slots[1]),
                                                         Match("class-map", negate=True, class_map=web)))
        policy = fp.policy_create(Policy("TERMS", 7, (PolicyClass("web", 1, web), PolicyClass("both", 2, both),
                                                      PolicyClass(CLASS_DEFAULT, 3))))
        uidb = fp.uidb_create(0x9200, "Virtual-Access92")
        fp.bind(uidb, Direction.IN, policy=policy)
        return slots, uidb

    c, ref = native_fastpath_class()(max_uidbs=4, max_acls=8), ReferenceFastPath(max_uidbs=4, max_acls=8)
    (slots, uidb), _ = programme(c), programme(ref)
    steps = [(0, cisco_acl(8, seed=44)), (1, cisco_acl(70, seed=45)), (1, cisco_acl(2, seed=46)), (0, [])]
    everything = cisco_acl(5, seed=40) + cisco_acl(3, seed=41) + [ace for _, aces in steps for ace in aces]
    batch = acl_traffic(everything, 3000, seed=43, portable=False)
    batch["uidb"] = uidb
    for step, (slot, aces) in enumerate(steps):
        c.acl_replace(slots[slot], aces)
        ref.acl_replace(slots[slot], aces)
        got, want = c.process(batch.copy()), ref.process(batch.copy())
        assert np.array_equal(got["cls"], want["cls"]), f"step {step}"
        assert len(np.unique(want["cls"])) > 1 or step == 3
