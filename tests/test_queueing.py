"""Hierarchical queueing (docs/fastpath.md, "Queueing: shapers, queues and the scheduler, in virtual
time"), held to arithmetic, on both fast paths.

Every expected number is worked out from the spec's token arithmetic, not read off either
implementation; the `fp` fixture (tests/conftest.py) runs each test on ReferenceFastPath and on the
C FastPath. Units: a shaper at R bit/s gains R token units per ns, a packet of L bytes costs
L * 8e9 of them, so a packet k of a backlog that starts with a full bucket of B bytes may leave once
R * t >= (k * L - B) * 8e9, i.e. at D_k = max(0, ceil((k * L - B) * 8e9 / R)) ns."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qfp_model.qfp import packets as P
from qfp_model.qfp.errors import InvalidTable
from qfp_model.qfp.readback import QROLE_INNER, QROLE_QUEUE
from qfp_model.qfp.tables import (
    CLASS_DEFAULT,
    RATE_MIN,
    ClassMap,
    Direction,
    Match,
    Policy,
    PolicyClass,
    Queueing,
)

IN, OUT = Direction.IN, Direction.OUT
UNITS = 8_000_000_000        # token units per byte
MS = 1_000_000               # ns
# Hypothesis here drives whole scheduler runs on both fast paths (and under ASan in CI): few cases.
# The fixture only names a class, which no example changes.
FEW = settings(max_examples=25, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def dscp_class(name: str, object_id: int, dscp: int, **kw) -> PolicyClass:
    cmap = ClassMap(name, False, (Match("dscp", dscp=frozenset({dscp})),))
    return PolicyClass(name, object_id, cmap, **kw)


def default(**kw) -> PolicyClass:
    return PolicyClass(CLASS_DEFAULT, 1, **kw)


def policy(*classes: PolicyClass, name="pm") -> Policy:
    return Policy(name, 100, tuple(classes))


def bound(fp, top: Policy, direction=OUT) -> int:
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, direction, policy=fp.policy_create(top))
    return uidb


def shaped(fp, child: Policy, rate: int, bc: int, be: int = 0) -> Policy:
    """A parent whose class-default shapes `child`'s queues: the usual HQoS."""
    handle = fp.policy_create(child)
    return policy(default(child=handle, queue=Queueing(shape_cir=rate, shape_bc=bc, shape_be=be)),
                  name="parent")


def stream(uidb: int, times, lengths, dscps=0) -> np.ndarray:
    n = len(times)
    batch = P.empty_batch(n)
    batch["uidb"] = uidb
    batch["dir"] = OUT
    batch["ts_ns"] = times
    batch["length"] = lengths
    batch["dscp"] = dscps
    return batch


def burst(uidb: int, n: int, length: int, ts: int = 0, dscp: int = 0) -> np.ndarray:
    return stream(uidb, [ts] * n, [length] * n, dscp)


def queue_stats(fp, uidb):
    return [s.queue for s in fp.target_read(uidb, OUT)]


def departures(n: int, length: int, bucket: int, rate: int) -> list[int]:
    """D_k for a backlog of n packets present at 0 (see the module's docstring)."""
    return [max(0, ceil_div((k * length - bucket) * UNITS, rate)) for k in range(n)]


# ---- shapers -----------------------------------------------------------------------------------------

def test_a_shaper_passes_exactly_its_bucket_and_rate_in_a_window(fp):
    # 8 Mbit/s is one byte per 1000 ns; bucket 2000 + 1000 bytes; 1000-byte packets, all at 0.
    # D_k = max(0, (k * 1000 - 3000) * 1000) ns: four at 0, then one every ms.
    uidb = bound(fp, policy(default(queue=Queueing(queue_limit=100, shape_cir=8_000_000,
                                                   shape_bc=2000, shape_be=1000))))
    verdicts = fp.process(burst(uidb, 100, 1000))
    assert (verdicts["action"] == P.FORWARD).all()
    (q,) = queue_stats(fp, uidb)
    assert (q.role, q.queue_limit, q.out_pkts, q.depth, q.depth_max) == (QROLE_QUEUE, 100, 4, 96, 96)
    assert q.shape_tokens == -1000 * UNITS
    fp.target_advance(uidb, OUT, 50 * MS - 1)
    assert queue_stats(fp, uidb)[0].out_pkts == 53          # D_53 = 50 ms is not yet
    fp.target_advance(uidb, OUT, 50 * MS)
    (q,) = queue_stats(fp, uidb)
    assert (q.out_pkts, q.out_bytes, q.depth) == (54, 54_000, 46)
    d = departures(54, 1000, 3000, 8_000_000)
    assert (q.delay_sum_ns, q.delay_max_ns) == (sum(d), 50 * MS)
    assert q.jitter_sum_ns == sum(abs(b - a) for a, b in zip(d, d[1:])) == 50 * MS
    assert q.shape_tokens == -1000 * UNITS                   # D_53 just sent: -1000 bytes again
    assert fp.target_clock(uidb, OUT) == 50 * MS


@FEW
@given(rate=st.integers(RATE_MIN, 1_000_000_000), bc=st.integers(0, 20_000), be=st.integers(0, 5000),
       length=st.integers(40, 1500), window=st.integers(0, 200 * MS))
def test_shaper_departures_follow_the_token_arithmetic(fastpath_class, rate, bc, be, length, window):
    """Any rate, bucket and packet size: what has left by the end of the window, and when, is
    D_k's arithmetic (rates below 8e9 units/ns: the bucket never overflows while backlogged)."""
    bucket = max(bc + be, 1)
    fp = fastpath_class()
    uidb = bound(fp, policy(default(queue=Queueing(queue_limit=200, shape_cir=rate,
                                                   shape_bc=bucket - be, shape_be=be))))
    fp.process(burst(uidb, 200, length))
    fp.target_advance(uidb, OUT, window)
    gone = [d for d in departures(200, length, bucket, rate) if d <= window]
    (q,) = queue_stats(fp, uidb)
    assert (q.out_pkts, q.depth, q.delay_sum_ns) == (len(gone), 200 - len(gone), sum(gone))
    assert q.delay_max_ns == gone[-1]


def test_an_idle_unshaped_path_sends_at_arrival(fp):
    uidb = bound(fp, policy(default(queue=Queueing(queue_limit=1))))
    fp.process(stream(uidb, [5, 5, 7, 1000], [100, 200, 300, 400]))
    (q,) = queue_stats(fp, uidb)
    assert (q.out_pkts, q.out_bytes, q.tail_pkts, q.delay_sum_ns, q.depth, q.depth_max) == \
        (4, 1000, 0, 0, 0, 1)
    assert fp.target_clock(uidb, OUT) == 1000


def test_time_never_runs_backwards(fp):
    # A packet stamped before the clock reaches its queue at the clock; advancing to the past
    # does nothing.
    uidb = bound(fp, policy(default(queue=Queueing(queue_limit=10, shape_cir=8_000_000,
                                                   shape_bc=1000))))
    fp.process(stream(uidb, [10 * MS, 10 * MS, 3 * MS], [1000, 1000, 1000]))
    # 10 ms: the first leaves (bucket 1000 -> 0), then the second (0 -> -1000); the third, stamped
    # 3 ms, arrives at 10 ms and waits for the bucket: 11 ms, then 12 ms.
    fp.target_advance(uidb, OUT, 1 * MS)
    assert fp.target_clock(uidb, OUT) == 10 * MS
    fp.target_advance(uidb, OUT, 11 * MS)
    (q,) = queue_stats(fp, uidb)
    assert (q.out_pkts, q.depth, q.delay_sum_ns) == (3, 0, 1 * MS)


# ---- queue limits -------------------------------------------------------------------------------------

@pytest.mark.parametrize("limit, bucket", [(1, 1000), (5, 1000), (7, 2500), (64, 1)])
def test_tail_drops_start_exactly_at_the_queue_limit(fp, limit, bucket):
    # All at 0: floor(bucket / 1000) + 1 leave at once (D_k = 0 while k * 1000 <= bucket), the
    # queue then holds `limit`, and every packet after that is a tail drop.
    uidb = bound(fp, policy(default(queue=Queueing(queue_limit=limit, shape_cir=8_000_000,
                                                   shape_bc=bucket))))
    n = 80
    verdicts = fp.process(burst(uidb, n, 1000))
    passed = bucket // 1000 + 1 + limit
    assert list(verdicts["reason"]) == [P.REASON_NONE] * passed + [P.REASON_QUEUE] * (n - passed)
    assert list(verdicts["action"]) == [P.FORWARD] * passed + [P.DROP] * (n - passed)
    (state,) = fp.target_read(uidb, OUT)
    q = state.queue
    assert (q.depth, q.depth_max, q.tail_pkts, q.tail_bytes) == \
        (limit, limit, n - passed, (n - passed) * 1000)
    assert (state.pkts, state.drop_pkts, state.drop_bytes) == (n, n - passed, (n - passed) * 1000)
    acct = fp.uidb_counters(uidb)
    assert (acct.packets[OUT], acct.forwarded_packets[OUT]) == (n, passed)


def test_unactioned_classes_share_class_default_s_queue_and_its_drops(fp):
    # c1 has no queueing action: its packets join class-default's queue (limit 2), whose class
    # counts the tail drops; the parent class above it counts them too, as a child policy's drop.
    child = policy(dscp_class("c1", 2, 10), default(queue=Queueing(queue_limit=2)), name="child")
    uidb = bound(fp, shaped(fp, child, 8_000_000, 1000))
    v = fp.process(stream(uidb, [0] * 6, [1000] * 6, [10, 10, 0, 10, 0, 10]))
    # 0 and 1 leave at once (bucket 1000 -> 0 -> -1000), 2 and 3 wait, 4 and 5 find it full.
    assert list(v["reason"]) == [P.REASON_NONE] * 4 + [P.REASON_QUEUE] * 2
    assert list(v["child_cls"]) == [0, 0, 1, 0, 1, 0]
    parent, c1, cdef = fp.target_read(uidb, OUT)
    assert c1.queue is None and (c1.pkts, c1.drop_pkts) == (4, 0)
    assert cdef.queue.tail_pkts == 2 and (cdef.pkts, cdef.drop_pkts) == (2, 2)
    assert parent.queue.role == QROLE_INNER and (parent.pkts, parent.drop_pkts) == (6, 2)
    assert (parent.queue.depth, parent.queue.out_pkts, parent.queue.tail_pkts) == (2, 2, 2)


# ---- priority -----------------------------------------------------------------------------------------

def voice_and_bulk(fp, rate=10_000_000, priority_rate=0, priority_burst=0, bulk_limit=1000):
    child = policy(
        dscp_class("voice", 2, 46, queue=Queueing(queue_limit=64, priority=1,
                                                  priority_rate=priority_rate,
                                                  priority_burst=priority_burst)),
        default(queue=Queueing(queue_limit=bulk_limit)), name="child")
    return bound(fp, shaped(fp, child, rate, 1500))


@pytest.mark.parametrize("priority_rate", [0, 1_000_000])
def test_priority_waits_at_most_one_packet_time_at_the_parent_rate(fp, priority_rate):
    # Bulk: 1500-byte packets at 20 Mbit/s into a 10 Mbit/s parent; voice: 200 bytes every 3.2 ms
    # (500 kbit/s, within its 1 Mbit/s). The parent's shaper only sends at a level >= 0, so it is
    # never more than one 1500-byte packet below 0: voice waits at most 1500 * 8e9 / 1e7 ns.
    uidb = voice_and_bulk(fp, priority_rate=priority_rate, priority_burst=priority_rate // 40)
    bulk = [(i * 600_000, 1500, 0) for i in range(334)]               # 200 ms
    voice = [(i * 3_200_000 + 123_457, 200, 46) for i in range(62)]
    rows = sorted(bulk + voice)
    fp.process(stream(uidb, *map(list, zip(*rows))))
    fp.target_advance(uidb, OUT, 2000 * MS)
    parent, voice_q, bulk_q = queue_stats(fp, uidb)
    assert (voice_q.out_pkts, voice_q.exceed_pkts, voice_q.tail_pkts) == (62, 0, 0)
    assert voice_q.delay_max_ns <= 1500 * UNITS // 10_000_000
    assert bulk_q.delay_max_ns > 100 * MS                            # bulk did queue


def test_priority_is_policed_only_under_congestion(fp):
    # Bucket 2000 bytes, 1 Mbit/s. Alone (nothing else queued at the parent) voice takes no tokens.
    uidb = voice_and_bulk(fp, priority_rate=1_000_000, priority_burst=2000)
    v = fp.process(stream(uidb, [i * MS for i in range(10)], [500] * 10, [46] * 10))
    assert (v["reason"] == P.REASON_NONE).all()
    # Now a bulk backlog at 20 ms (100 packets: the parent holds packets for 120 ms) and 10 voice
    # packets of 500 bytes at 21 ms: the full bucket lets floor(2000 / 500) = 4 through.
    fp.process(burst(uidb, 100, 1500, ts=20 * MS))
    v = fp.process(burst(uidb, 10, 500, ts=21 * MS, dscp=46))
    assert list(v["reason"]) == [P.REASON_NONE] * 4 + [P.REASON_PRIORITY] * 6
    # 2 ms later the bucket has 1e6 * 2e6 / 8e9 = 250 bytes: not enough for 500.
    v = fp.process(burst(uidb, 1, 500, ts=23 * MS, dscp=46))
    assert list(v["reason"]) == [P.REASON_PRIORITY]
    # At 25 ms: 500 bytes, one passes.
    v = fp.process(burst(uidb, 2, 500, ts=25 * MS, dscp=46))
    assert list(v["reason"]) == [P.REASON_NONE, P.REASON_PRIORITY]
    parent, voice, _ = fp.target_read(uidb, OUT)
    assert (voice.queue.exceed_pkts, voice.queue.exceed_bytes, voice.drop_pkts) == (8, 4000, 8)
    assert parent.drop_pkts == 8


# ---- bandwidth ----------------------------------------------------------------------------------------

def three_tier_child(*queues: Queueing) -> Policy:
    classes = [dscp_class(f"c{i}", 2 + i, 8 * (i + 1), queue=q) for i, q in enumerate(queues[:-1])]
    return policy(*classes, default(queue=queues[-1]), name="child")


def saturate(fp, uidb, nclasses: int, n: int, length: int = 1000) -> None:
    """n packets for each class (dscp 8, 16, ...; the last class-default), all at 0, interleaved."""
    dscps = [8 * (i + 1) for i in range(nclasses - 1)] + [0]
    fp.process(stream(uidb, [0] * (n * nclasses), [length] * (n * nclasses), dscps * n))


@FEW
@given(weights=st.lists(st.integers(1, 100), min_size=2, max_size=4),
       steps=st.lists(st.integers(1, 40), min_size=1, max_size=5))
def test_bandwidth_remaining_shares_converge_to_the_ratios(fastpath_class, weights, steps):
    """Equal packets, every class backlogged behind a 8 Mbit/s parent (1000 bytes per ms). Class i's
    tag grows by inc_i = floor(65536000 / w_i) per packet, and start-time fair queueing keeps any two
    backlogged classes' tags within one increment of each other's: |n_i * inc_i - n_j * inc_j| <=
    inc_i + inc_j, so the shares converge to the ratios, one packet per class per round."""
    fp = fastpath_class()
    child = three_tier_child(*(Queueing(queue_limit=1000, bw_excess=w) for w in weights))
    uidb = bound(fp, shaped(fp, child, 8_000_000, 1000))
    saturate(fp, uidb, len(weights), 300)
    inc = [65_536_000 // w for w in weights]
    t = 0
    for step in steps:
        t += step * MS
        fp.target_advance(uidb, OUT, t)
        _, *queues = queue_stats(fp, uidb)
        sent = [q.out_pkts for q in queues]
        assert sum(sent) == t // MS + 2                # the parent: D_k = (k - 1) ms
        for i, j in itertools.combinations(range(len(weights)), 2):
            assert abs(sent[i] * inc[i] - sent[j] * inc[j]) <= inc[i] + inc[j], (weights, sent)


def test_bandwidth_remaining_two_classes_within_one_packet(fp):
    # Ratio 1 : 3: within one packet of n/4 and 3n/4 at every departure.
    child = three_tier_child(Queueing(queue_limit=1000, bw_excess=1),
                             Queueing(queue_limit=1000, bw_excess=3))
    uidb = bound(fp, shaped(fp, child, 8_000_000, 1000))
    saturate(fp, uidb, 2, 300)
    for t in range(0, 200):
        fp.target_advance(uidb, OUT, t * MS)
        _, a, b = queue_stats(fp, uidb)
        n = a.out_pkts + b.out_pkts
        assert abs(a.out_pkts - n / 4) <= 1 and abs(b.out_pkts - 3 * n / 4) <= 1


@pytest.mark.parametrize("divisor", [2, 4, 5])
def test_bandwidth_minimum_is_honoured(fp, divisor):
    # Parent 8 Mbit/s, 1000-byte packets: a decision every ms. c0 has bandwidth 8M / divisor, so
    # its meter refills in exactly `divisor` ms and the minimum tier serves it every divisor-th
    # ms; class-default's bandwidth remaining 1000 takes the excess tier nearly always.
    child = three_tier_child(Queueing(queue_limit=1000, bw_min=8_000_000 // divisor),
                             Queueing(queue_limit=1000, bw_excess=1000))
    uidb = bound(fp, shaped(fp, child, 8_000_000, 1000))
    saturate(fp, uidb, 2, 400)
    fp.target_advance(uidb, OUT, 300 * MS)
    _, minimum, excess = queue_stats(fp, uidb)
    n = minimum.out_pkts + excess.out_pkts
    assert n == 302
    assert minimum.out_pkts >= n // divisor


def test_bandwidth_minimum_keeps_credit_between_decisions(fp):
    # Parent 8 Mbit/s, 1000-byte packets: decisions at 0, 0, 1, 2, ... 300 ms (302 departures). c0
    # has bandwidth 4.8 Mbit/s: its meter gains 4.8e12 units a ms and a packet costs 8e12, so it
    # is >= 0 at k ms after floor(0.6 k) + 1 minimum-tier services (the credit gained between
    # decisions is kept: never more than 4.8e12 < the 1500-byte cap): 181 by 300 ms. The second
    # decision at 0 ms goes to the excess tier, where c0 and class-default tie at tag 0 and c0
    # comes first; after that c0's tag (1000 x 65536000) stays above class-default's (at most
    # 120 x 1000 x 65536), so class-default takes the excess tier: 182 for c0 (4.85 Mbit/s, at
    # least its 4.8) and 120 for class-default.
    child = three_tier_child(Queueing(queue_limit=1000, bw_min=4_800_000),
                             Queueing(queue_limit=1000, bw_excess=1000))
    uidb = bound(fp, shaped(fp, child, 8_000_000, 1000))
    saturate(fp, uidb, 2, 400)
    fp.target_advance(uidb, OUT, 300 * MS)
    _, minimum, excess = queue_stats(fp, uidb)
    assert (minimum.out_pkts, excess.out_pkts) == (182, 120)


# ---- batches, advance, binds ---------------------------------------------------------------------------

def hqos_policy(fp) -> Policy:
    """Three levels: a shaped parent, a shaped middle class with priority and bandwidth below."""
    leaf = policy(
        dscp_class("voice", 2, 46, queue=Queueing(queue_limit=8, priority=1, priority_rate=64_000,
                                                  priority_burst=1600)),
        dscp_class("video", 3, 34, queue=Queueing(queue_limit=6, priority=2)),
        dscp_class("data", 4, 18, queue=Queueing(queue_limit=5, bw_min=1_000_000)),
        dscp_class("scav", 5, 8),
        default(queue=Queueing(queue_limit=4, bw_excess=3)), name="leaf")
    middle = policy(
        dscp_class("gold", 2, 46, child=fp.policy_create(leaf),
                   queue=Queueing(shape_cir=2_000_000, shape_bc=1000, bw_excess=4)),
        default(queue=Queueing(queue_limit=10, shape_cir=1_000_000, shape_bc=500, bw_min=200_000)),
        name="middle")
    return policy(default(child=fp.policy_create(middle),
                          queue=Queueing(shape_cir=3_000_000, shape_bc=1500, shape_be=1500)),
                  name="top")


def traffic(uidb: int, seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.integers(0, 2 * MS, n))
    return stream(uidb, times, rng.integers(40, 1500, n), rng.choice([46, 34, 18, 8, 0], n))


def everything(fp, uidb):
    """What two fast paths given the same packets must agree on (isqd[0] is an address in C)."""
    return ([s.counters() for s in fp.target_read(uidb, OUT)], fp.target_clock(uidb, OUT),
            fp.uidb_counters(uidb))


@FEW
@given(seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(0, 300), max_size=6),
       advance=st.booleans())
def test_a_batch_boundary_changes_nothing(fastpath_class, seed, cuts, advance):
    one, split = fastpath_class(), fastpath_class()
    uidb_one, uidb_split = bound(one, hqos_policy(one)), bound(split, hqos_policy(split))
    whole = traffic(uidb_one, seed, 300)
    expected = one.process(whole.copy())
    got = []
    bounds = [0, *sorted(cuts), 300]
    for lo, hi in zip(bounds, bounds[1:]):
        piece = np.ascontiguousarray(whole[lo:hi])
        got.append(split.process(piece))
        if advance and lo < hi < 300:
            # Running the scheduler up to the next arrival first changes nothing either.
            split.target_advance(uidb_split, OUT, int(whole["ts_ns"][hi]))
    assert (np.concatenate(got) == expected).all()
    assert everything(split, uidb_split) == everything(one, uidb_one)


def test_advance_drains_and_the_clock_follows(fp):
    uidb = bound(fp, hqos_policy(fp))
    fp.process(traffic(uidb, 7, 200))
    stats = queue_stats(fp, uidb)
    assert stats[0].depth > 0
    last = int(traffic(uidb, 7, 200)["ts_ns"][-1])
    assert fp.target_clock(uidb, OUT) == last
    fp.target_advance(uidb, OUT, last + 10_000 * MS)
    assert fp.target_clock(uidb, OUT) == last + 10_000 * MS
    stats = queue_stats(fp, uidb)
    top = stats[0]
    assert top.depth == 0 and all(q is None or q.depth == 0 for q in stats)
    acct = fp.uidb_counters(uidb)
    assert top.out_pkts == acct.forwarded_packets[OUT] and top.out_bytes == acct.forwarded_bytes[OUT]
    assert top.shape_tokens == 3000 * UNITS                # full again after a long idle spell


def test_a_target_without_a_scheduler(fp):
    uidb = bound(fp, policy(default()))
    fp.target_advance(uidb, OUT, 5 * MS)
    assert fp.target_clock(uidb, OUT) == 0
    assert [s.queue for s in fp.target_read(uidb, OUT)] == [None]


def test_clear_counters_keeps_the_queues(fp):
    uidb = bound(fp, policy(default(queue=Queueing(queue_limit=3, shape_cir=8_000_000,
                                                   shape_bc=1000))))
    fp.process(burst(uidb, 10, 1000))
    fp.target_clear_counters(uidb, OUT)
    (q,) = queue_stats(fp, uidb)
    assert (q.depth, q.depth_max, q.out_pkts, q.tail_pkts, q.delay_sum_ns) == (3, 0, 0, 0, 0)
    fp.target_advance(uidb, OUT, 3 * MS)
    (q,) = queue_stats(fp, uidb)
    # They leave at 1, 2 and 3 ms. A clear keeps the previous packet's delay (the second of the
    # burst left at once, delay 0), so the first out after it adds |1 ms - 0| to the jitter.
    assert (q.depth, q.out_pkts, q.delay_sum_ns, q.delay_max_ns, q.jitter_sum_ns) == \
        (0, 3, 6 * MS, 3 * MS, 3 * MS)


def test_a_rebind_gives_a_fresh_scheduler_and_accounting_keeps_the_queued(fp):
    top = policy(default(queue=Queueing(queue_limit=50, shape_cir=8_000_000, shape_bc=1000)))
    handle = fp.policy_create(top)
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, OUT, policy=handle)
    fp.process(burst(uidb, 20, 1000, ts=5 * MS))
    (q,) = queue_stats(fp, uidb)
    assert (q.out_pkts, q.depth) == (2, 18)
    acct = fp.uidb_counters(uidb)
    assert (acct.forwarded_packets[OUT], acct.forwarded_bytes[OUT]) == (20, 20_000)
    fp.bind(uidb, OUT, policy=handle)
    assert fp.target_clock(uidb, OUT) == 0
    (state,) = fp.target_read(uidb, OUT)
    assert (state.queue.depth, state.queue.out_pkts, state.queue.shape_tokens, state.pkts) == \
        (0, 0, 1000 * UNITS, 0)
    assert fp.uidb_counters(uidb) == acct


# ---- what policy_create and bind refuse -----------------------------------------------------------------

def test_class_info_carries_the_queueing(fp):
    q = Queueing(queue_limit=64, shape_cir=8_000_000, shape_bc=1000, shape_be=1000)
    handle = fp.policy_create(policy(dscp_class("a", 2, 10, queue=Queueing()), default(queue=q)))
    assert [c.queue for c in fp.policy_classes(handle)] == [None, q]


@pytest.mark.parametrize("classes, culprit", [
    # A queue without a queue-limit (class-default is a queue as soon as its level queues).
    (lambda child: (dscp_class("a", 2, 10, queue=Queueing(queue_limit=10)), default()), "class-default"),
    (lambda child: (dscp_class("a", 2, 10, queue=Queueing(shape_cir=8000, shape_bc=10)),
                    default(queue=Queueing(queue_limit=10))), "a"),
    # A queue-limit on an inner node.
    (lambda child: (default(child=child, queue=Queueing(queue_limit=10)),), "class-default"),
    # Priority on an inner node.
    (lambda child: (dscp_class("a", 2, 10, child=child, queue=Queueing(priority=1)),
                    default(queue=Queueing(queue_limit=10))), "a"),
    # An unactioned class, but class-default is an inner node: no queue to share.
    (lambda child: (dscp_class("a", 2, 10), default(child=child)), "class-default"),
])
def test_policy_create_refuses_queueing_it_cannot_build(fp, classes, culprit):
    child = fp.policy_create(policy(default(queue=Queueing(queue_limit=5)), name="child"))
    with pytest.raises(InvalidTable, match=f"class {culprit}"):
        fp.policy_create(policy(*classes(child)))


def test_a_queueing_policy_is_refused_input(fp):
    handle = fp.policy_create(policy(default(queue=Queueing(queue_limit=5))))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    with pytest.raises(InvalidTable):
        fp.bind(uidb, IN, policy=handle)
    assert fp.uidb_info(uidb).policy == (None, None)
    fp.bind(uidb, OUT, policy=handle)
    assert fp.policy_info(handle).refs == 1
