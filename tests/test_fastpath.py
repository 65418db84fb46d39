"""The C fast path's own contract: handles, errors, batch checks, and atomicity under threads.

Semantics (what a packet's verdict is) are tested against the reference model elsewhere
(test_reference.py, test_differential.py); this file tests what only the C wrapper has."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from qfp_model.qfp import errors
from qfp_model.qfp.packets import ACE_NONE, CLASS_NONE, DROP, FORWARD, PACKET_DTYPE, REASON_NO_UIDB, empty_batch, packet
from qfp_model.qfp.tables import (
    CLASS_DEFAULT,
    Ace,
    Binding,
    ClassCounters,
    ClassMap,
    Direction,
    Match,
    PoliceMode,
    Policer,
    Policy,
    PolicyClass,
)


@pytest.fixture
def fp():
    from qfp_model.qfp.fastpath import FastPath
    return FastPath(max_uidbs=4096, max_acls=64, max_policies=64)


def marking_policy(name: str, dscp: int, policy_id: int = 1) -> Policy:
    return Policy(name, policy_id, (PolicyClass(CLASS_DEFAULT, 1593, set_dscp=dscp),))


def test_handles_are_the_lowest_free(fp):
    uidbs = [fp.uidb_create(100 + i, f"Virtual-Access{i + 1}") for i in range(5)]
    assert uidbs == [0, 1, 2, 3, 4]
    fp.uidb_delete(1)
    fp.uidb_delete(3)
    assert fp.uidbs() == [0, 2, 4]
    assert fp.uidb_create(7, "Virtual-Access9") == 1
    assert fp.uidb_create(8, "Virtual-Access10") == 3
    assert fp.uidb_create(9, "Virtual-Access11") == 5

    assert [fp.acl_create([Ace(permit=True)]) for _ in range(3)] == [0, 1, 2]
    fp.acl_delete(0)
    assert fp.acl_create([]) == 0


def test_errors_carry_c_messages(fp):
    with pytest.raises(errors.NotFound, match="UIDB 9 is not in use"):
        fp.bind(9, Direction.IN)
    uidb = fp.uidb_create(14, "Virtual-Access1")
    with pytest.raises(errors.NotFound, match="no policy with handle 3"):
        fp.bind(uidb, Direction.IN, policy=3)
    with pytest.raises(errors.NotFound, match="no ACL in slot 5"):
        fp.bind(uidb, Direction.OUT, acl=5)

    acl = fp.acl_create([Ace(permit=True)])
    pol = fp.policy_create(marking_policy("p", 10))
    fp.bind(uidb, Direction.IN, acl=acl, policy=pol)
    with pytest.raises(errors.InUse, match="ACL slot 0 is used by 1"):
        fp.acl_delete(acl)
    with pytest.raises(errors.InUse, match="policy p is used by 1"):
        fp.policy_delete(pol)
    fp.bind(uidb, Direction.IN)
    fp.acl_delete(acl)
    fp.policy_delete(pol)
    with pytest.raises(errors.NotFound):
        fp.policy_info(pol)
    assert isinstance(errors.NotFound("x"), errors.QfpError)


def test_a_policy_holds_its_acls_and_children(fp):
    acl = fp.acl_create([Ace(permit=True, proto=17)])
    child = fp.policy_create(marking_policy("child", 46))
    cmap = ClassMap("udp", match_all=False, matches=(Match("access-group", acl=acl),))
    parent = fp.policy_create(Policy("parent", 2, (
        PolicyClass("udp", 1000, class_map=cmap, child=child),
        PolicyClass(CLASS_DEFAULT, 1593),
    )))
    assert fp.policy_info(child).refs == 1
    assert fp.policy_info(parent).depth == 2
    assert fp.policy_info(parent).nstates == 3
    with pytest.raises(errors.InUse):
        fp.acl_delete(acl)
    with pytest.raises(errors.InUse):
        fp.policy_delete(child)
    fp.policy_delete(parent)
    fp.policy_delete(child)
    fp.acl_delete(acl)


def test_hierarchy_deeper_than_three_levels_is_refused(fp):
    handle = fp.policy_create(marking_policy("l3", 1))
    for level in (2, 1):
        handle = fp.policy_create(Policy(f"l{level}", level, (
            PolicyClass(CLASS_DEFAULT, 1593, child=handle),)))
    with pytest.raises(errors.InvalidTable, match="deeper than 3"):
        fp.policy_create(Policy("l0", 9, (PolicyClass(CLASS_DEFAULT, 1593, child=handle),)))


def test_unknown_uidb_is_dropped_not_an_error(fp):
    v = fp.process(packet(uidb=4000, length=100))
    assert (v["action"][0], v["reason"][0]) == (DROP, REASON_NO_UIDB)
    assert (v["ace"][0], v["cls"][0]) == (ACE_NONE, CLASS_NONE)


@pytest.mark.parametrize("field,value", [("dir", 2), ("frag", 3), ("dscp", 64), ("family", 5), ("family", 0)])
def test_batches_with_untrusted_fields_never_reach_c(fp, field, value):
    batch = empty_batch(4)
    batch[field][2] = value
    with pytest.raises(errors.TableError, match=f"packet 2: {field}"):
        fp.process(batch)


def test_batch_shape_and_dtype_are_checked(fp):
    with pytest.raises(errors.TableError):
        fp.process(np.zeros(4, dtype=np.uint64))
    with pytest.raises(errors.TableError):
        fp.process(empty_batch(8)[::2])
    with pytest.raises(errors.TableError):
        fp.process(empty_batch(4), out=np.zeros(3, dtype=np.uint8))
    assert fp.process(np.zeros(0, dtype=PACKET_DTYPE)).size == 0


def test_bad_tables_are_refused_before_c():
    with pytest.raises(errors.TableError):
        Ace(permit=True, proto=1, established=True)
    with pytest.raises(errors.TableError):
        Policer(PoliceMode.TWO_RATE_THREE_COLOUR, cir=2_000_000, bc=1500, be=1500, pir=1_000_000)
    with pytest.raises(errors.TableError):
        Policy("p", 1, (PolicyClass(CLASS_DEFAULT, 1),
                        PolicyClass("late", 2, class_map=ClassMap("c", True)),))


CHANGES_GIVE_UP_S = 60


def changes_beside_batches(fp, one_batch, change, rounds: int, seen_enough=lambda: True) -> tuple[int, int]:
    """change(i) for i = 1, 2, ... at least `rounds` times, and on until 50 batches have run beside
    the changes and seen_enough() holds (however the CPUs are shared; and a version that a quick
    change replaces is live for a short window, which 50 batches may all miss), or until
    CHANGES_GIVE_UP_S have passed, while a thread calls one_batch() in a loop; then the gate's
    count of batches that waited meanwhile, and the longest wait."""
    batches, stop = [0], threading.Event()

    def run_batches():
        while not stop.is_set():
            one_batch()
            batches[0] += 1

    fp.gate_stats(reset=True)
    worker = threading.Thread(target=run_batches)
    worker.start()
    try:
        i, give_up = 0, time.monotonic() + CHANGES_GIVE_UP_S
        while i < rounds or ((batches[0] < 50 or not seen_enough()) and time.monotonic() < give_up):
            i += 1
            change(i)
    finally:
        stop.set()
        worker.join()
    return fp.gate_stats()


def test_rebinding_is_atomic_per_batch_and_never_makes_a_batch_wait(fp):
    """While one thread runs batches of both directions, another flips the UIDB's two targets
    between policies that mark differently, in one bind: every batch must come out marked wholly
    one way, and no batch may have waited for a bind. Each round also creates a policy and deletes
    the one it replaced, which must be free to go however many batches are running."""
    uidb = fp.uidb_create(14, "Virtual-Access1")
    current = fp.policy_create(marking_policy("mark-0", 0, 1))
    fp.bind_many(uidb, [Binding(Direction.IN, policy=current), Binding(Direction.OUT, policy=current)])
    batch = empty_batch(20_000)
    batch["uidb"] = uidb
    batch["dir"] = np.arange(batch.size) % 2
    batch["length"] = 64
    mixed = []
    seen = set()
    out = np.empty(batch.size, dtype=fp.process(batch[:1]).dtype)

    def one_batch():
        marks = np.unique(fp.process(batch, out)["dscp"])
        seen.update(int(m) for m in marks)
        if marks.size != 1:
            mixed.append(marks)

    def rebind(i):
        nonlocal current
        replaced = current
        current = fp.policy_create(marking_policy(f"mark-{i % 64}", i % 64, i))
        fp.bind_many(uidb, [Binding(Direction.IN, policy=current), Binding(Direction.OUT, policy=current)])
        fp.policy_delete(replaced)

    assert changes_beside_batches(fp, one_batch, rebind, 400, lambda: len(seen) > 1) == (0, 0)
    assert not mixed
    assert len(seen) > 1
    assert fp.policy_info(current).refs == 2


def test_batches_run_in_parallel_threads_without_losing_counts(fp):
    """Two threads on disjoint UIDBs: each target's counters see exactly its own packets."""
    uidbs = [fp.uidb_create(i, f"Virtual-Access{i}") for i in (1, 2)]
    pol = fp.policy_create(marking_policy("p", 0))
    for uidb in uidbs:
        fp.bind(uidb, Direction.OUT, policy=pol)

    def run(uidb: int) -> None:
        batch = empty_batch(5_000)
        batch["uidb"], batch["dir"], batch["length"] = uidb, Direction.OUT, 100
        for _ in range(40):
            assert (fp.process(batch)["action"] == FORWARD).all()

    threads = [threading.Thread(target=run, args=(u,)) for u in uidbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for uidb in uidbs:
        (state,) = fp.target_read(uidb, Direction.OUT)
        assert (state.pkts, state.bytes) == (200_000, 20_000_000)


def test_acl_replace_keeps_given_counters_and_is_seen_at_once(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    acl = fp.acl_create([Ace(permit=True)])
    fp.bind(uidb, Direction.IN, acl=acl)
    fp.process(packet(uidb=uidb, length=100))
    assert fp.acl_counters(acl).hits == (1,)
    fp.acl_replace(acl, [Ace(permit=False, proto=6), Ace(permit=True)], hits=[0, 1])
    v = fp.process(packet(uidb=uidb, proto=6, length=100))
    assert v["action"][0] == DROP
    assert fp.acl_counters(acl).hits == (1, 1)
    with pytest.raises(errors.TableError, match="2 counters for 1 ACEs"):
        fp.acl_replace(acl, [Ace(permit=True)], hits=[1, 2])


@pytest.mark.parametrize("long_version", [False, True], ids=["term-bits", "term-lookups"])
def test_acl_replace_is_atomic_per_batch_and_never_makes_a_batch_wait(fp, long_version):
    """While one thread runs batches, another flips an ACL between a version that permits UDP and
    one that denies it. The ACL filters one UIDB and is named by access-group in the policy of
    another, so every batch must come out wholly one version on both: all of the first UIDB's
    packets forwarded and all of the second's in class `udp`, or all dropped and all in
    class-default. No batch may have waited at the gate. The long version (over the 64 ACEs that
    a policy's term bits hold) turns the policy's terms into lookups of the ACL, in the batch's
    own version."""
    deny_udp = [Ace(permit=False, proto=17)] + [Ace(permit=False, proto=6, dport=None)] * (64 * long_version)
    versions = ([Ace(permit=True, proto=17)], deny_udp + [Ace(permit=True)])
    acl = fp.acl_create(versions[0])
    filtered, classified = fp.uidb_create(14, "Virtual-Access1"), fp.uidb_create(15, "Virtual-Access2")
    policy = fp.policy_create(Policy("by-acl", 1, (
        PolicyClass("udp", 2001, ClassMap("udp", True, (Match("access-group", acl=acl),))),
        PolicyClass(CLASS_DEFAULT, 1593))))
    fp.bind(filtered, Direction.IN, acl=acl)
    fp.bind(classified, Direction.IN, policy=policy)
    batch = empty_batch(4_000)
    batch["uidb"] = np.where(np.arange(batch.size) % 2, classified, filtered)
    batch["proto"], batch["length"] = 17, 100
    first = batch["uidb"] == filtered
    seen, mixed = set(), []
    out = fp.process(batch)

    def one_batch():
        fp.process(batch, out)
        states = {(int(a), int(c)) for a, c in zip(out["action"][first], out["cls"][~first])}
        version = {(FORWARD, 0): 0, (DROP, 1): 1}.get(next(iter(states))) if len(states) == 1 else None
        if version is None:
            mixed.append(states)
        seen.add(version)

    assert changes_beside_batches(fp, one_batch, lambda i: fp.acl_replace(acl, versions[i % 2]), 300,
                                  lambda: {0, 1} <= seen) == (0, 0)
    assert not mixed
    assert seen == {0, 1}


def test_clear_counters_keeps_buckets(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    pol = fp.policy_create(Policy("p", 1, (PolicyClass(CLASS_DEFAULT, 1593, police=Policer(
        PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1500)),)))
    fp.bind(uidb, Direction.IN, policy=pol)
    fp.process(packet(uidb=uidb, length=1000, ts_ns=1))
    fp.target_clear_counters(uidb, Direction.IN)
    (state,) = fp.target_read(uidb, Direction.IN)
    assert (state.pkts, state.colour_pkts) == (0, (0, 0, 0))
    assert state.tokens_c == 500 * 8_000_000_000


def test_bind_many_publishes_both_directions_and_starts_from_given_counters(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    old = fp.policy_create(marking_policy("old", 10, 1))
    new = fp.policy_create(marking_policy("new", 20, 2))
    fp.bind_many(uidb, [Binding(Direction.IN, policy=old), Binding(Direction.OUT, policy=old)])
    fp.process(packet(uidb=uidb, length=100))
    (carried,) = (s.class_counters() for s in fp.target_read(uidb, Direction.IN))
    fp.bind_many(uidb, [Binding(Direction.IN, policy=new, counters=(carried,)),
                        Binding(Direction.OUT, policy=new)])
    assert fp.uidb_info(uidb).policy == (new, new)
    (state,) = fp.target_read(uidb, Direction.IN)
    assert (state.pkts, state.bytes) == (1, 100)
    assert fp.policy_info(old).refs == 0


def test_bind_many_is_all_or_nothing(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    pol = fp.policy_create(marking_policy("p", 10, 1))
    fp.bind(uidb, Direction.IN, policy=pol)
    with pytest.raises(errors.NotFound):
        fp.bind_many(uidb, [Binding(Direction.IN), Binding(Direction.OUT, policy=7)])
    with pytest.raises(errors.InvalidTable, match="two bindings for direction 0"):
        fp.bind_many(uidb, [Binding(Direction.IN), Binding(Direction.IN)])
    with pytest.raises(errors.InvalidTable, match="2 starting counters for 1 class states"):
        fp.bind_many(uidb, [Binding(Direction.IN, policy=pol,
                                    counters=(ClassCounters(), ClassCounters()))])
    assert fp.uidb_info(uidb).policy == (pol, None)
    assert fp.policy_info(pol).refs == 1
