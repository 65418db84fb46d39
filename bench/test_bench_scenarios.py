"""pytest-benchmark over qfp bench's named scenarios (control.bench_scenarios), in quick sizes:
the seed's session, ACLs of 10 to 1,000 ACEs, 1,000 and 10,000 sessions on mixed policies, for the
C fast path and the numpy baseline on the same tables and batch. `qfp bench --json` runs the full
sizes (up to 10,000 ACEs and 1,000,000 sessions)."""
import numpy as np
import pytest

from qfp_model.qfp.fastpath import FastPath
from qfp_model.tools.bench import scenarios as B
from qfp_model.tools.bench.baseline import NumpyBaseline
from qfp_model.tools.bench.workloads import BATCH, advance, seed_session

FACTORIES = {"fastpath": FastPath, "numpy": NumpyBaseline}
ROUNDS = {"fastpath": 100, "numpy": 5}


def seed(factory):
    fp = factory()
    uidb = seed_session(fp, 2_000_000, 1_000_000)
    return fp, B.random_traffic(np.random.default_rng(1), np.array([uidb], np.uint32), BATCH, 6_000_000)


def acl(n):
    def build(factory):
        fp = factory()
        slot = fp.acl_create(B.scale_acl(n))
        policy = fp.policy_create(B.mixed_policies()[0])
        uidbs = B.program_sessions(fp, 16, [policy], acl=slot)
        return fp, B.random_traffic(np.random.default_rng(2), uidbs, BATCH, 16 * B.SESSION_RATE)
    return build


def sessions(n):
    def build(factory):
        fp = factory() if factory is NumpyBaseline else factory(max_uidbs=max(n, 1024))
        policies = [fp.policy_create(p) for p in B.mixed_policies()]
        uidbs = B.program_sessions(fp, n, policies)
        return fp, B.random_traffic(np.random.default_rng(3), uidbs, BATCH, min(n, 10_000) * B.SESSION_RATE)
    return build


POINTS = {"seed": seed, "acl-10": acl(10), "acl-100": acl(100), "acl-1000": acl(1000),
          "sessions-1000": sessions(1000), "sessions-10000": sessions(10_000)}


@pytest.mark.parametrize("implementation", list(FACTORIES))
@pytest.mark.parametrize("point", list(POINTS))
def test_scenario(benchmark, point, implementation):
    if implementation == "numpy":   # equal work first: the baseline's verdicts are the C fast path's
        fast, fast_batch = POINTS[point](FastPath)
        base, base_batch = POINTS[point](NumpyBaseline)
        assert np.array_equal(fast.process(fast_batch), base.process(base_batch))
    fp, batch = POINTS[point](FACTORIES[implementation])
    out = fp.process(batch)

    def next_batch():
        advance(batch)
        return (batch, out), {}

    benchmark.group = f"scenario {point}"
    benchmark.pedantic(fp.process, setup=next_batch, rounds=ROUNDS[implementation], warmup_rounds=1)
    if benchmark.stats is None:
        return
    ns = benchmark.stats.stats.median / BATCH * 1e9
    benchmark.extra_info.update(packets_per_second=round(1e9 / ns), ns_per_packet=round(ns, 1))
