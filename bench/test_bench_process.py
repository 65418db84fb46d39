"""Packets per second of process() for the C fast path, the numpy baseline and the reference model,
on the same tables and the same traffic (qfp.workloads).

Run: pytest bench                      (full timing; prints a table with ratios at the end)
     pytest bench --benchmark-disable  (each body once: CI's check that the bench still runs)

Before anything is timed, test_same_verdicts holds each implementation's verdicts to the C fast path's
on the benchmark traffic, so that a ratio compares equal work."""
import numpy as np
import pytest

from qfp_model.qfp.fastpath import FastPath
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.tools.bench.baseline import NumpyBaseline
from qfp_model.tools.bench.workloads import BATCH, IMPLEMENTATION_ORDER, WORKLOADS, advance, prepared

FACTORIES = dict(zip(IMPLEMENTATION_ORDER, (FastPath, NumpyBaseline, ReferenceFastPath)))
# The reference model takes ~10-30 us a packet: a few rounds already give a stable median.
ROUNDS = {"fastpath": 200, "numpy": 20, "reference": 3}
CHECK_BATCHES = 4   # enough for the buckets to drain, so that exceed and violate are exercised


@pytest.mark.parametrize("implementation", ["numpy", "reference"])
@pytest.mark.parametrize("workload", list(WORKLOADS))
def test_same_verdicts(workload, implementation):
    fast, batch = prepared(WORKLOADS[workload], FastPath)
    other, other_batch = prepared(WORKLOADS[workload], FACTORIES[implementation])
    for _ in range(CHECK_BATCHES):
        expected, got = fast.process(batch), other.process(other_batch)
        assert np.array_equal(expected, got), f"{np.count_nonzero(expected != got)} verdicts differ"
        advance(batch)
        advance(other_batch)


@pytest.mark.parametrize("implementation", IMPLEMENTATION_ORDER)
@pytest.mark.parametrize("workload", list(WORKLOADS))
def test_process(benchmark, record_rate, workload, implementation):
    fp, batch = prepared(WORKLOADS[workload], FACTORIES[implementation])
    out = fp.process(batch)

    def next_batch():
        advance(batch)   # untimed: new traffic to the policers each round, not a replay at dt 0
        return (batch, out), {}

    benchmark.group = workload
    benchmark.pedantic(fp.process, setup=next_batch, rounds=ROUNDS[implementation], warmup_rounds=1)
    if benchmark.stats is None:   # --benchmark-disable: the body ran once, untimed
        return
    ns = benchmark.stats.stats.median / BATCH * 1e9
    rates = record_rate(workload, implementation, ns)
    benchmark.extra_info.update(batch=BATCH, packets_per_second=round(1e9 / ns), ns_per_packet=round(ns, 1))
    if implementation != "fastpath" and (workload, "fastpath") in rates:
        benchmark.extra_info["fastpath_speedup"] = round(ns / rates[(workload, "fastpath")], 1)
