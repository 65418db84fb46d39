"""Replacing a tree's or a hybrid's ACL by a small edit edits its tree instead of rebuilding it
(csrc/qfp_acl_index.c, qfp_acl_index_edit): the edited tree must first-match exactly as a tree built
whole, and as the reference, through chains of edits of every kind (an ACE changed, inserted,
removed, several at once), in both families, and fall back to a whole build where it must."""
from __future__ import annotations

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st

from fastpaths import native_fastpath_class
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import Ace, PortMatch, PortOp
from qfp_model.tools.bench import classbench as cb
from test_differential import BATCH_MAX, aces, aces6, mixed_batches

EDIT_ACES = 8        # csrc/qfp_impl.h, QFP_ACL_EDIT_ACES: the most ACEs an edit removes or inserts
EDITS_MAX = 64       # QFP_ACL_EDITS_MAX: edits before the tree is built whole again
BUDGET = settings(max_examples=max(50, settings.default.max_examples // 5))


HYBRID_HEAD = 8      # a hybrid's bit-vector head in these tests: edits move ACEs across it


@st.composite
def edits(draw, make, length: int, keep: int):
    """One edit of an ACL of `length` ACEs that leaves it at least `keep` long: where, how many
    ACEs go, the ACEs that come."""
    at = draw(st.integers(0, length))
    new = draw(st.lists(make, max_size=3))
    removed = draw(st.integers(0, max(0, min(3, length - at, length + len(new) - keep))))
    return at, removed, new


@BUDGET
@given(family=st.sampled_from([4, 6]), hybrid=st.booleans(), data=st.data())
def test_chains_of_edits_first_match_as_the_reference(family, hybrid, data):
    """Trees of both families, and IPv4 hybrids whose edits move ACEs between the bit-vector head
    and the tree, edited up to six times: each edit is taken as one (the edits count says so) and
    first-matches as the reference on mixed batches."""
    method = "hybrid" if hybrid and family == 4 else "tree"
    keep = HYBRID_HEAD + 1 if method == "hybrid" else 0   # a hybrid needs a tree after its head
    make = aces() if family == 4 else aces6()
    acl = data.draw(st.lists(make, min_size=max(8, keep), max_size=48))
    batch = data.draw(mixed_batches(uidbs=1, max_size=BATCH_MAX))
    ref = ReferenceFastPath()
    c = native_fastpath_class()(acl_method=method, acl_bitvec_head=HYBRID_HEAD)
    slot = c.acl_create(acl, family=family)
    ref_slot = ref.acl_create(acl, family=family)
    for k in range(1, data.draw(st.integers(1, 6)) + 1):
        at, removed, new = data.draw(edits(make, len(acl), keep))
        acl = acl[:at] + new + acl[at + removed:]
        note(f"edit {k}: at {at}, {removed} out, {len(new)} in")
        c.acl_replace(slot, acl)
        ref.acl_replace(ref_slot, acl)
        stats = c.acl_stats(slot)
        assert (stats.method, stats.edits, stats.naces) == (method, k, len(acl))
        assert np.array_equal(c.acl_classify(slot, batch), ref.acl_classify(ref_slot, batch)), k


def _fw_rules(n: int):
    rules = cb.rules("fw", n, seed=5)
    return rules, cb.translate(rules).aces


def test_a_one_ace_edit_at_two_thousand_matches_a_whole_build():
    """ClassBench fw rules (AUTO gives them the tree): change one ACE's port, insert one, delete
    one; each time the edited tree answers every packet of a rule-drawn and a uniform trace as a
    tree built whole from the same ACEs."""
    rules, base = _fw_rules(2_000)
    fp = native_fastpath_class()()
    slot = fp.acl_create(base)
    assert fp.acl_stats(slot).method == "tree"
    trace = np.concatenate([cb.trace(rules, kind, 2_000, seed=6) for kind in ("rule", "random")])
    victim = next(i for i, a in enumerate(base) if a.dport is not None and i > 500)
    changed = list(base)
    changed[victim] = Ace(base[victim].permit, base[victim].proto, dport=PortMatch(PortOp.GT, 1023))
    inserted = changed[:700] + [Ace(False, 6, dport=PortMatch(PortOp.EQ, 22))] + changed[700:]
    steps = [changed, inserted, inserted[:1200] + inserted[1201:]]
    for k, acl in enumerate(steps, 1):
        fp.acl_replace(slot, acl)
        assert (fp.acl_stats(slot).method, fp.acl_stats(slot).edits) == ("tree", k)
        whole = native_fastpath_class()(acl_method="tree")
        want = whole.acl_classify(whole.acl_create(acl), trace)
        got = fp.acl_classify(slot, trace)
        assert np.array_equal(got, want), np.flatnonzero(got != want)[:5]
        assert np.count_nonzero(got < len(acl)) > trace.size // 4   # the trace reaches the rules


def test_large_edits_other_methods_and_worn_trees_are_built_whole():
    rules, base = _fw_rules(600)
    fp = native_fastpath_class()()
    slot = fp.acl_create(base)
    # More ACEs at once than an edit takes: a whole build.
    fp.acl_replace(slot, base[:100] + base[100 + EDIT_ACES + 1:])
    assert fp.acl_stats(slot).edits == 0
    # Short enough that AUTO gives bit vectors: built whole, as AUTO would.
    fp.acl_replace(slot, base[:200])
    assert (fp.acl_stats(slot).method, fp.acl_stats(slot).edits) == ("bitvector", 0)
    # After EDITS_MAX edits, the next replace builds the tree whole again.
    fp.acl_replace(slot, base)
    acl = list(base)
    for k in range(1, EDITS_MAX + 2):
        acl[k] = acl[k + 1]
        fp.acl_replace(slot, acl)
        assert fp.acl_stats(slot).edits == k % (EDITS_MAX + 1)
    # A hybrid whose head is set otherwise since it was built: built whole, with the new head.
    hybrid = native_fastpath_class()(acl_method="hybrid", acl_bitvec_head=64)
    slot = hybrid.acl_create(base)
    hybrid.acl_replace(slot, base[:-1])
    assert (hybrid.acl_stats(slot).method, hybrid.acl_stats(slot).edits) == ("hybrid", 1)
    from qfp_model.qfp._fastpath import lib
    assert lib.qfp_set_acl_method(hybrid._fp, lib.QFP_ACL_HYBRID, 128) == lib.QFP_OK
    hybrid.acl_replace(slot, base[:-2])
    assert (hybrid.acl_stats(slot).method, hybrid.acl_stats(slot).edits) == ("hybrid", 0)
