"""The C fast path's queueing where only C can be asked (docs/fastpath.md, "Queueing"): what
policy_create and bind refuse, the scheduler's clock, clear_counters, the memory a session's queues
take, and a few timings worked out by hand. The reference model is held to the same semantics by
the differential tests; these check C on its own."""
from __future__ import annotations

import os

import numpy as np
import pytest

from fastpaths import native_fastpath_class
from qfp_model.qfp import errors
from qfp_model.qfp import packets as P
from qfp_model.qfp.readback import QROLE_INNER, QROLE_QUEUE
from qfp_model.qfp.tables import ClassMap, Direction, Match, Policy, PolicyClass, Queueing

MS = 1_000_000
UNITS = 8_000_000_000   # token units per byte


@pytest.fixture
def fp():
    fastpath = native_fastpath_class()()
    yield fastpath
    fastpath.close()


def cmap(name: str, dscp: int) -> ClassMap:
    return ClassMap(name, True, (Match("dscp", dscp=frozenset({dscp})),))


def flat(queue_default: Queueing | None, *classes: PolicyClass, name: str = "flat") -> Policy:
    return Policy(name, 1, (*classes, PolicyClass("class-default", 9, queue=queue_default)))


def session(fp, policy: Policy, direction=Direction.OUT) -> int:
    handle = fp.policy_create(policy)
    uidb = fp.uidb_create(0x100, "Virtual-Access2.1")
    fp.bind(uidb, direction, policy=handle)
    return uidb


def burst(uidb: int, n: int, *, length: int = 1000, ts: int = 0, dscp: int = 0) -> np.ndarray:
    batch = P.empty_batch(n)
    batch["uidb"] = uidb
    batch["dir"] = Direction.OUT
    batch["length"] = length
    batch["ts_ns"] = ts
    batch["dscp"] = dscp
    return batch


# ---- what is refused ------------------------------------------------------------------------------
def test_queueing_policy_is_refused_in_the_input_direction(fp):
    handle = fp.policy_create(flat(Queueing(queue_limit=64, shape_cir=1_000_000, shape_bc=500, shape_be=500)))
    uidb = fp.uidb_create(1, "Virtual-Access2.1")
    with pytest.raises(errors.InvalidTable, match="output only"):
        fp.bind(uidb, Direction.IN, policy=handle)
    fp.bind(uidb, Direction.OUT, policy=handle)
    assert fp.uidb_info(uidb).policy == (None, handle)


def test_a_queue_needs_a_queue_limit(fp):
    with pytest.raises(errors.InvalidTable, match="class-default: a queue needs a queue-limit"):
        fp.policy_create(flat(Queueing(shape_cir=1_000_000, shape_bc=500, shape_be=500)))


def test_class_default_of_a_queueing_level_is_a_queue(fp):
    """Another class queueing makes class-default a queue too: it needs its queue-limit."""
    voice = PolicyClass("voice", 1, cmap("voice", 46), queue=Queueing(queue_limit=64, priority=1))
    with pytest.raises(errors.InvalidTable, match="class-default: a queue needs a queue-limit"):
        fp.policy_create(flat(None, voice))


def child_policy(fp) -> int:
    voice = PolicyClass("voice", 1, cmap("voice", 46), queue=Queueing(queue_limit=64, priority=1))
    return fp.policy_create(flat(Queueing(queue_limit=64), voice, name="child"))


def test_an_inner_node_has_no_queue_limit_and_no_priority(fp):
    child = child_policy(fp)
    for queue, words in ((Queueing(queue_limit=64, shape_cir=2_000_000, shape_bc=1000, shape_be=1000),
                          "no queue-limit"),
                         (Queueing(priority=1), "priority belongs to a queue")):
        parent = Policy("parent", 2, (PolicyClass("class-default", 9, child=child, queue=queue),))
        with pytest.raises(errors.InvalidTable, match=f"class-default: .*{words}"):
            fp.policy_create(parent)


def test_unactioned_classes_need_class_default_to_be_a_queue(fp):
    child = child_policy(fp)
    web = PolicyClass("web", 1, cmap("web", 10))
    shaped = PolicyClass("gold", 2, cmap("gold", 18), queue=Queueing(queue_limit=64, bw_min=64_000))
    parent = Policy("parent", 2, (web, shaped, PolicyClass("class-default", 9, child=child)))
    with pytest.raises(errors.InvalidTable, match="class-default: classes with no queueing action share"):
        fp.policy_create(parent)


def raw_create(fp, **queueing) -> tuple[int, str]:
    """policy_create of a flat policy whose class-default carries these words as they are, past
    Python's own checks: what C alone refuses."""
    from qfp_model.qfp._fastpath import ffi, lib
    c = ffi.new("struct qfp_class_cfg[]", 1)
    c[0].name = b"class-default"
    c[0].cmap = lib.QFP_CMAP_DEFAULT
    c[0].child = lib.QFP_POLICY_NONE
    for name, value in queueing.items():
        setattr(c[0], name, value)
    handle = ffi.new("int32_t *")
    status = lib.qfp_policy_create(fp._fp, b"raw", 1, c, 1, ffi.new("struct qfp_cmap[]", 1), 0,
                                   ffi.new("struct qfp_term[]", 1), 0, handle)
    return status, ffi.string(lib.qfp_errmsg(fp._fp)).decode()


@pytest.mark.parametrize("words, message", [
    ({"queue_limit": (1 << 20) + 1}, "queue-limit"),
    ({"queue_limit": 64, "shape_cir": 7999, "shape_bc": 1}, "shape rate"),
    ({"queue_limit": 64, "shape_cir": 8000}, "bc \\+ be"),
    ({"queue_limit": 64, "shape_bc": 100}, "bc \\+ be"),
    ({"queue_limit": 64, "priority": 3}, "priority level"),
    ({"queue_limit": 64, "priority_rate": 64000, "priority_burst": 100}, "priority rate"),
    ({"queue_limit": 64, "priority": 1, "priority_rate": 64000}, "priority burst"),
    ({"queue_limit": 64, "bw_min": 100}, "bandwidth"),
    ({"queue_limit": 64, "bw_excess": 1001}, "bandwidth remaining"),
    ({"queue_limit": 64, "priority": 1, "bw_min": 64000}, "priority takes no bandwidth"),
    ({"queue_limit": 64, "priority": 2, "bw_excess": 5}, "priority takes no bandwidth"),
])
def test_c_refuses_queueing_words_out_of_range(fp, words, message):
    from qfp_model.qfp._fastpath import lib
    status, text = raw_create(fp, **words)
    assert status == lib.QFP_EINVAL
    assert "class-default" in text
    assert __import__("re").search(message, text), text


# ---- the clock ------------------------------------------------------------------------------------
def test_clock_and_advance(fp):
    plain = fp.policy_create(flat(None, name="plain"))
    u_plain = fp.uidb_create(1, "Virtual-Access2.1")
    fp.bind(u_plain, Direction.OUT, policy=plain)
    assert fp.target_clock(u_plain, Direction.OUT) == 0
    fp.target_advance(u_plain, Direction.OUT, 5 * MS)   # no scheduler: nothing, no error
    assert fp.target_clock(u_plain, Direction.OUT) == 0

    uidb = session(fp, flat(Queueing(queue_limit=64, shape_cir=1_000_000, shape_bc=500, shape_be=500)))
    assert fp.target_clock(uidb, Direction.OUT) == 0
    fp.process(burst(uidb, 1, ts=3 * MS))
    assert fp.target_clock(uidb, Direction.OUT) == 3 * MS
    fp.target_advance(uidb, Direction.OUT, 10 * MS)
    assert fp.target_clock(uidb, Direction.OUT) == 10 * MS
    fp.target_advance(uidb, Direction.OUT, 1 * MS)       # time never runs backwards
    assert fp.target_clock(uidb, Direction.OUT) == 10 * MS
    fp.process(burst(uidb, 1, ts=2 * MS))                 # an old packet arrives now
    assert fp.target_clock(uidb, Direction.OUT) == 10 * MS
    with pytest.raises(errors.NotFound):
        fp.target_clock(999, Direction.OUT)
    with pytest.raises(errors.NotFound):
        fp.target_advance(999, Direction.OUT, 1)


# ---- timings worked by hand ---------------------------------------------------------------------
def test_shaper_spaces_a_burst_at_its_rate(fp):
    """1 Mbit/s, a 1000-byte bucket, ten 1000-byte packets at 0: the bucket sends one, a level of
    exactly 0 sends the next (ready means >= 0), then one every 8 ms."""
    uidb = session(fp, flat(Queueing(queue_limit=64, shape_cir=1_000_000, shape_bc=500, shape_be=500)))
    verdicts = fp.process(burst(uidb, 10))
    assert (verdicts["action"] == P.FORWARD).all()
    (state,) = fp.target_read(uidb, Direction.OUT)
    q = state.queue
    assert (q.role, q.queue_limit, q.depth, q.depth_max, q.out_pkts) == (QROLE_QUEUE, 64, 8, 8, 2)
    assert q.shape_tokens == -1000 * UNITS
    fp.target_advance(uidb, Direction.OUT, 64 * MS - 1)
    assert fp.target_read(uidb, Direction.OUT)[0].queue.depth == 1
    fp.target_advance(uidb, Direction.OUT, 64 * MS)
    q = fp.target_read(uidb, Direction.OUT)[0].queue
    delays = [0, 0] + [8 * MS * k for k in range(1, 9)]
    assert (q.depth, q.out_pkts, q.out_bytes) == (0, 10, 10_000)
    assert (q.delay_sum_ns, q.delay_max_ns, q.jitter_sum_ns) == (sum(delays), 64 * MS, 64 * MS)
    assert q.shape_tokens == -1000 * UNITS
    fp.target_advance(uidb, Direction.OUT, 72 * MS)
    assert fp.target_read(uidb, Direction.OUT)[0].queue.shape_tokens == 0


def test_tail_drop_counts_in_the_class_and_is_not_forwarded(fp):
    uidb = session(fp, flat(Queueing(queue_limit=4, shape_cir=1_000_000, shape_bc=500, shape_be=500)))
    verdicts = fp.process(burst(uidb, 10))
    # two leave at once, four wait, four find the queue full
    assert list(verdicts["reason"]) == [P.REASON_NONE] * 6 + [P.REASON_QUEUE] * 4
    assert list(verdicts["action"]) == [P.FORWARD] * 6 + [P.DROP] * 4
    (state,) = fp.target_read(uidb, Direction.OUT)
    assert (state.pkts, state.drop_pkts, state.drop_bytes) == (10, 4, 4000)
    assert (state.queue.tail_pkts, state.queue.tail_bytes, state.queue.depth) == (4, 4000, 4)
    acct = fp.uidb_counters(uidb)
    assert acct.forwarded_packets[Direction.OUT] == 6


def two_level(fp, *, priority_rate: int = 0) -> int:
    """The benchmark's shape: parent class-default shaping 2 Mbit/s over a child of a priority class,
    two bandwidth classes and class-default."""
    voice = PolicyClass("voice", 1, cmap("voice", 46), queue=Queueing(
        queue_limit=64, priority=1, priority_rate=priority_rate,
        priority_burst=priority_rate // 40 if priority_rate else 0))
    gold = PolicyClass("gold", 2, cmap("gold", 18), queue=Queueing(queue_limit=64, bw_min=600_000))
    silver = PolicyClass("silver", 3, cmap("silver", 10), queue=Queueing(queue_limit=64, bw_min=200_000))
    child = fp.policy_create(flat(Queueing(queue_limit=64), voice, gold, silver, name="child"))
    parent = Policy("parent", 2, (PolicyClass("class-default", 9, child=child, queue=Queueing(
        shape_cir=2_000_000, shape_bc=1000, shape_be=1000)),))
    return session(fp, parent)


def test_two_levels_read_back_and_priority_first(fp):
    uidb = two_level(fp)
    batch = np.concatenate([burst(uidb, 5, dscp=0), burst(uidb, 5, dscp=18), burst(uidb, 5, dscp=46)])
    fp.process(batch)
    states = fp.target_read(uidb, Direction.OUT)
    assert [s.queue.role for s in states] == [QROLE_INNER, QROLE_QUEUE, QROLE_QUEUE, QROLE_QUEUE, QROLE_QUEUE]
    parent, voice, gold, silver, default = (s.queue for s in states)
    # 2000 bytes of bucket: three of class-default's leave at once (at 1000, then 0, bytes left the
    # shaper is still ready); voice goes first after
    assert (default.out_pkts, parent.out_pkts, parent.depth) == (3, 3, 12)
    fp.target_advance(uidb, Direction.OUT, 20 * MS)   # 4 ms a packet: five more
    states = fp.target_read(uidb, Direction.OUT)
    parent, voice, gold, silver, default = (s.queue for s in states)
    assert (voice.out_pkts, gold.out_pkts, default.out_pkts) == (5, 0, 3)
    assert parent.out_pkts == 8 and parent.depth == 7 and parent.depth_max == 12
    assert silver.out_pkts == 0 and silver.depth == 0


def test_priority_conditional_policer_drops_only_under_congestion(fp):
    uidb = two_level(fp, priority_rate=64_000)   # a 1600-byte bucket
    fp.process(burst(uidb, 1, dscp=0))           # leaves at once: no congestion after it
    verdicts = fp.process(burst(uidb, 3, dscp=46))
    # each finds the parent empty (the two before it left at once, the shaper at 1000 then 0
    # bytes): no congestion, no tokens taken; the third stays, the shaper at -1000 bytes
    assert (verdicts["action"] == P.FORWARD).all()
    fp.process(burst(uidb, 4, dscp=0))           # class-default backs up behind the shaper
    verdicts = fp.process(burst(uidb, 3, dscp=46, ts=0))
    # congested: 1000 bytes pass from the 1600-byte bucket, then it holds 600: drops
    assert list(verdicts["reason"]) == [P.REASON_NONE, P.REASON_PRIORITY, P.REASON_PRIORITY]
    states = fp.target_read(uidb, Direction.OUT)
    voice = states[1]
    assert (voice.queue.exceed_pkts, voice.queue.exceed_bytes) == (2, 2000)
    assert (voice.drop_pkts, states[0].drop_pkts) == (2, 2)   # the queue's class and its parent


# ---- clear ------------------------------------------------------------------------------------------
def test_clear_counters_zeroes_counts_not_queues(fp):
    uidb = session(fp, flat(Queueing(queue_limit=4, shape_cir=1_000_000, shape_bc=500, shape_be=500)))
    fp.process(burst(uidb, 10))
    fp.target_clear_counters(uidb, Direction.OUT)
    q = fp.target_read(uidb, Direction.OUT)[0].queue
    assert (q.depth, q.depth_max, q.out_pkts, q.tail_pkts, q.delay_sum_ns, q.delay_max_ns) == (4, 0, 0, 0, 0, 0)
    assert q.shape_tokens == -1000 * UNITS
    fp.target_advance(uidb, Direction.OUT, 100 * MS)
    assert fp.target_read(uidb, Direction.OUT)[0].queue.out_pkts == 4


def test_non_queueing_targets_read_no_queue(fp):
    uidb = session(fp, flat(None, PolicyClass("web", 1, cmap("web", 10))))
    fp.process(burst(uidb, 3))
    assert all(s.queue is None for s in fp.target_read(uidb, Direction.OUT))
    assert all(c.queue is None for c in fp.policy_classes(fp.uidb_info(uidb).policy[Direction.OUT]))


def test_class_info_carries_queueing(fp):
    q = Queueing(queue_limit=80, shape_cir=3_000_000, shape_bc=1500, shape_be=1500)
    handle = fp.policy_create(flat(q))
    assert fp.policy_classes(handle)[0].queue == q


# ---- memory ----------------------------------------------------------------------------------------
def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux's /proc")
def test_memory_per_session(fp, capsys):
    """A two-level session's scheduler: five nodes and 4 x 64 descriptors of 16 bytes, 4 KiB of
    rings; touched as it fills. Reported, and bounded loosely (the allocator rounds)."""
    n = 2000
    voice = PolicyClass("voice", 1, cmap("voice", 46), queue=Queueing(queue_limit=64, priority=1))
    child = fp.policy_create(flat(Queueing(queue_limit=64), voice, name="child"))
    parent = fp.policy_create(Policy("parent", 2, (PolicyClass("class-default", 9, child=child, queue=Queueing(
        shape_cir=2_000_000, shape_bc=1000, shape_be=1000)),)))
    before = rss_bytes()
    for i in range(n):
        uidb = fp.uidb_create(i, f"Virtual-Access2.{i}")
        fp.bind(uidb, Direction.OUT, policy=parent)
    per_session = (rss_bytes() - before) / n
    with capsys.disabled():
        print(f"\n  queueing session (3 nodes, 2 x 64-packet queues): {per_session:.0f} bytes RSS each")
    assert per_session < 16 * 1024


# ---- invariants under random traffic ---------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_random_traffic_keeps_the_books(fp, seed):
    """Whatever arrives: every packet forwarded is in a queue or has left, each queue drop has its
    reason, nothing leaves faster than the parent's shaper allows, and a long enough advance empties
    every queue."""
    rng = np.random.default_rng(seed)
    rate = int(rng.choice([64_000, 1_000_000, 2_000_000]))
    limit = int(rng.integers(1, 40))
    prate = int(rng.choice([0, 64_000]))
    voice = PolicyClass("voice", 1, cmap("voice", 46), queue=Queueing(
        queue_limit=limit, priority=int(rng.integers(1, 3)), priority_rate=prate,
        priority_burst=prate // 40 if prate else 0))
    gold = PolicyClass("gold", 2, cmap("gold", 18), queue=Queueing(
        queue_limit=limit, bw_min=int(rng.integers(8000, rate + 1)), shape_cir=rate // 2,
        shape_bc=rate // 4000 + 1, shape_be=0))
    silver = PolicyClass("silver", 3, cmap("silver", 10), queue=Queueing(
        queue_limit=limit, bw_excess=int(rng.integers(0, 1001))))
    web = PolicyClass("web", 4, cmap("web", 26))   # shares class-default's queue
    child = fp.policy_create(flat(Queueing(queue_limit=limit, bw_excess=3), voice, gold, silver, web,
                                  name="child"))
    bc = rate // 2000
    parent = Policy("parent", 2, (PolicyClass("class-default", 9, child=child, queue=Queueing(
        shape_cir=rate, shape_bc=bc, shape_be=bc)),))
    uidb = session(fp, parent)
    n = 3000
    batch = burst(uidb, n)
    batch["dscp"] = rng.choice([0, 10, 18, 26, 46], size=n)
    batch["length"] = rng.integers(40, 1501, size=n)
    batch["ts_ns"] = np.sort(rng.integers(0, 3000 * 1500 * 8 * 10**9 // rate // 2, size=n))
    verdicts = np.concatenate([fp.process(batch[i:i + 97]) for i in range(0, n, 97)])
    states = fp.target_read(uidb, Direction.OUT)
    queues = [s.queue for s in states if s.queue is not None and s.queue.role == QROLE_QUEUE]
    top = states[0].queue
    forwarded = verdicts["action"] == P.FORWARD
    assert sum(q.out_pkts + q.depth for q in queues) == forwarded.sum() == top.out_pkts + top.depth
    assert sum(q.tail_pkts for q in queues) == (verdicts["reason"] == P.REASON_QUEUE).sum()
    assert sum(q.exceed_pkts for q in queues) == (verdicts["reason"] == P.REASON_PRIORITY).sum()
    now = fp.target_clock(uidb, Direction.OUT)
    assert now == int(batch["ts_ns"].max())
    assert top.out_bytes * 8 * 10**9 <= (2 * bc + 1500) * 8 * 10**9 + rate * now
    assert all(q.depth <= limit for q in queues)
    fp.target_advance(uidb, Direction.OUT, now + 10**12)
    states = fp.target_read(uidb, Direction.OUT)
    assert states[0].queue.depth == 0
    assert states[0].queue.out_bytes == int(batch["length"][forwarded].sum())


def shaped_over(fp, *classes: PolicyClass, uidb_ifh: int) -> int:
    """A 1 Mbit/s parent shaper (a 1000-byte bucket) over a child of these classes and class-default."""
    handle = fp.policy_create(flat(Queueing(queue_limit=200), *classes, name=f"child{uidb_ifh}"))
    parent = fp.policy_create(Policy(f"parent{uidb_ifh}", 3, (PolicyClass("class-default", 9, child=handle,
                                     queue=Queueing(shape_cir=1_000_000, shape_bc=500, shape_be=500)),)))
    uidb = fp.uidb_create(uidb_ifh, f"Virtual-Access2.{uidb_ifh}")
    fp.bind(uidb, Direction.OUT, policy=parent)
    return uidb


def test_excess_weights_and_minimum_share_a_shaped_parent(fp):
    """bandwidth remaining ratio 1 : 3, both backlogged behind a 1 Mbit/s shaper: 1 : 3 of what leaves;
    a minimum of half the rate gets its half against a weight of 1000."""
    uidb = shaped_over(fp, PolicyClass("a", 1, cmap("a", 10), queue=Queueing(queue_limit=200, bw_excess=1)),
                       PolicyClass("b", 2, cmap("b", 18), queue=Queueing(queue_limit=200, bw_excess=3)),
                       uidb_ifh=1)
    fp.process(np.concatenate([burst(uidb, 150, dscp=10), burst(uidb, 150, dscp=18)]))
    fp.target_advance(uidb, Direction.OUT, 8 * MS * 100)   # 8 ms a packet: 100 more after the bucket's 2
    out = [s.queue.out_pkts for s in fp.target_read(uidb, Direction.OUT)][1:3]
    assert sum(out) == 102 and abs(out[1] - 3 * out[0]) <= 4, out

    uidb = shaped_over(fp, PolicyClass("m", 1, cmap("m", 10), queue=Queueing(queue_limit=200, bw_min=500_000)),
                       PolicyClass("w", 2, cmap("w", 18), queue=Queueing(queue_limit=200, bw_excess=1000)),
                       uidb_ifh=2)
    fp.process(np.concatenate([burst(uidb, 150, dscp=10), burst(uidb, 150, dscp=18)]))
    fp.target_advance(uidb, Direction.OUT, 8 * MS * 100)
    m, w = [s.queue.out_pkts for s in fp.target_read(uidb, Direction.OUT)][1:3]
    assert m + w == 102 and abs(m - w) <= 4, (m, w)


def test_unactioned_classes_share_class_default_and_policer_levels_add_nothing(fp):
    """web has no queueing action: its packets count in web and wait in class-default's queue, whose
    drops count in class-default. A child of policers under a queue adds no node."""
    from qfp_model.qfp.tables import PoliceMode, Policer
    marker = fp.policy_create(Policy("marker", 5, (
        PolicyClass("ef", 1, cmap("ef", 46), set_dscp=0),
        PolicyClass("class-default", 9, police=Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=10**9, bc=10**6)))))
    gold = PolicyClass("gold", 2, cmap("gold", 18), child=marker,
                       queue=Queueing(queue_limit=8, shape_cir=1_000_000, shape_bc=500, shape_be=500))
    web = PolicyClass("web", 3, cmap("web", 10))
    uidb = session(fp, flat(Queueing(queue_limit=2, shape_cir=1_000_000, shape_bc=500, shape_be=500), gold, web))
    verdicts = fp.process(np.concatenate([burst(uidb, 6, dscp=10), burst(uidb, 3, dscp=18)]))
    assert list(verdicts["reason"][:6]) == [P.REASON_NONE] * 4 + [P.REASON_QUEUE] * 2
    assert (verdicts["reason"][6:] == P.REASON_NONE).all()
    states = fp.target_read(uidb, Direction.OUT)
    by_name = dict(zip(["gold", "ef", "marker-default", "web", "class-default"], states))
    assert [by_name[n].queue is None for n in by_name] == [False, True, True, True, False]
    assert (by_name["web"].pkts, by_name["web"].drop_pkts) == (6, 0)
    assert (by_name["class-default"].pkts, by_name["class-default"].drop_pkts) == (0, 2)
    assert by_name["class-default"].queue.out_pkts + by_name["class-default"].queue.depth == 4
    assert by_name["gold"].queue.out_pkts + by_name["gold"].queue.depth == 3
