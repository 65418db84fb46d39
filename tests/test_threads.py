"""Counters stay exact at any thread count (issue 11): threads beyond the counter shards of their
own share one with locked adds, so 8 and 16 threads on disjoint UIDBs that name one ACL lose no
count, nor does any UIDB's accounting; and a fast path, device or headend can be closed, by hand or
by `with`."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from fastpaths import native_fastpath_class
from qfp_model.control.headend import Headend
from qfp_model.qfp.errors import Closed
from qfp_model.qfp.tables import CLASS_DEFAULT, Direction, Policy, PolicyClass
from qfp_model.tools.bench.acl_workloads import acl_traffic, cisco_acl

BATCHES = 40


@pytest.mark.parametrize("threads", [8, 16])
def test_acl_counters_are_exact_with_more_threads_than_shards(threads):
    fp = native_fastpath_class()(max_uidbs=64)
    aces = cisco_acl(50, seed=3)
    slot = fp.acl_create(aces)
    batch = acl_traffic(aces, 4096, seed=4)
    expected = np.bincount(fp.acl_classify(slot, batch), minlength=len(aces) + 1)
    uidbs = []
    for n in range(threads):
        uidb = fp.uidb_create(14 + n, f"Virtual-Access{n + 1}")
        fp.bind(uidb, Direction.IN, acl=slot)
        uidbs.append(uidb)
    start = threading.Barrier(threads)

    def run(uidb: int) -> None:
        mine = batch.copy()
        mine["uidb"] = uidb
        mine["dir"] = int(Direction.IN)
        start.wait()
        for _ in range(BATCHES):
            fp.process(mine)

    workers = [threading.Thread(target=run, args=(u,)) for u in uidbs]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    counters = fp.acl_counters(slot)
    assert list(counters.hits) == [int(n) * threads * BATCHES for n in expected[:len(aces)]]
    assert counters.implicit_deny == int(expected[len(aces)]) * threads * BATCHES


@pytest.mark.parametrize("threads", [8, 16])
def test_uidb_accounting_is_exact_with_more_threads_than_shards(threads):
    """Each thread sends the same traffic both ways on its own UIDB (an ACL in, a marking policy
    out) and on one UIDB all threads share (the ACL both ways, no policers, so that sharing it is
    allowed): every UIDB's accounting adds up, the shared one's over every shard."""
    fp = native_fastpath_class()(max_uidbs=64)
    aces = cisco_acl(50, seed=5)
    slot = fp.acl_create(aces)
    marking = fp.policy_create(Policy("mark", 1, (PolicyClass(CLASS_DEFAULT, 1, set_dscp=10),)))
    batch = acl_traffic(aces, 2048, seed=6)
    batch["dir"] = np.arange(batch.size) % 2
    permitted = np.isin(fp.acl_classify(slot, batch), [i for i, a in enumerate(aces) if a.permit])
    length = batch["length"].astype(np.uint64)
    shared = fp.uidb_create(13, "Virtual-Access100")
    fp.bind(shared, Direction.IN, acl=slot)
    fp.bind(shared, Direction.OUT, acl=slot)
    uidbs = []
    for n in range(threads):
        uidb = fp.uidb_create(14 + n, f"Virtual-Access{n + 1}")
        fp.bind(uidb, Direction.IN, acl=slot)
        fp.bind(uidb, Direction.OUT, policy=marking)
        uidbs.append(uidb)
    start = threading.Barrier(threads)

    def run(uidb: int) -> None:
        mine, common = batch.copy(), batch.copy()
        mine["uidb"] = uidb
        common["uidb"] = shared
        start.wait()
        for _ in range(BATCHES):
            fp.process(mine)
            fp.process(common)

    workers = [threading.Thread(target=run, args=(u,)) for u in uidbs]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    def per_direction(mask) -> tuple[int, int]:
        return tuple(int(mask[batch["dir"] == d].sum()) for d in Direction)

    def bytes_per_direction(mask) -> tuple[int, int]:
        return tuple(int(length[mask & (batch["dir"] == d)].sum()) for d in Direction)

    everything = np.ones(batch.size, dtype=bool)
    seen = per_direction(everything), bytes_per_direction(everything)
    in_only = batch["dir"] == Direction.IN
    forwarded_own = permitted | ~in_only              # out has no ACL on a thread's own UIDB
    own = fp.uidb_counters(uidbs[0])
    for uidb in uidbs:
        got = fp.uidb_counters(uidb)
        assert (got.packets, got.bytes) == tuple(tuple(BATCHES * n for n in pair) for pair in seen)
        assert got.forwarded_packets == tuple(BATCHES * n for n in per_direction(forwarded_own))
        assert got.forwarded_bytes == tuple(BATCHES * n for n in bytes_per_direction(forwarded_own))
        assert got == own
    common = fp.uidb_counters(shared)
    assert common.packets == tuple(threads * BATCHES * n for n in seen[0])
    assert common.bytes == tuple(threads * BATCHES * n for n in seen[1])
    assert common.forwarded_packets == tuple(threads * BATCHES * n for n in per_direction(permitted))
    assert common.forwarded_bytes == tuple(threads * BATCHES * n for n in bytes_per_direction(permitted))


def test_a_closed_fast_path_says_so_instead_of_crashing():
    fp = native_fastpath_class()()
    fp.uidb_create(14, "Virtual-Access1")
    fp.close()
    assert fp.closed
    with pytest.raises(Closed):
        fp.uidb_create(15, "Virtual-Access2")
    fp.close()   # twice is fine, as for a file


def test_with_closes_the_fast_path_the_device_and_the_headend():
    with native_fastpath_class()() as fp:
        fp.uidb_create(14, "Virtual-Access1")
    assert fp.closed
    with Headend.from_config_file(fastpath=native_fastpath_class()()) as headend:
        headend.device.session_up("77.1.1.1", "77.1.1.2")
    assert headend.device.fp.closed
    with pytest.raises(Closed):
        headend.device.session_up("77.1.1.3", "77.1.1.2")

