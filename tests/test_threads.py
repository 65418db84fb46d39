"""Counters stay exact at any thread count (issue 11): threads beyond the counter shards of their
own share one with locked adds, so 8 and 16 threads on disjoint UIDBs that name one ACL lose no
count; and a fast path, device or headend can be closed, by hand or by `with`."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from fastpaths import native_fastpath_class
from qfp_model.control.headend import Headend
from qfp_model.qfp.errors import Closed
from qfp_model.qfp.tables import Direction
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

