"""Randomised differential tests of the packet trace (docs/fastpath.md, "Packet trace"): the C fast
path's records and statistics against the reference's, call for call, on every ISA.

The traffic, ACLs and policies are tests/test_differential.py's, IPv4 and IPv6 mixed in a batch and
IPv6 ACLs bound beside IPv4 ones; here some packets of each batch ask to be traced, the buffer is
configured small (so that it fills, stops or wraps) and reconfigured or cleared between batches, and
after each batch every record (header, ACE, each level's class, why, colour, action and DSCP, queue
depth, departure, verdict) and the statistics must agree."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qfp_model.qfp.tables import Direction
from qfp_model.qfp.trace import TRACE_MAX, TRACE_MIN
from test_differential import (
    Both,
    acls,
    acls6,
    directions,
    mixed_batches,
    policies,
    queue_traffic,
    queueing_hierarchy,
)

# A few seconds of CI: each case runs every ISA and the reference (about 30 ms); the profile's
# budget (tests/conftest.py) is for the main differential tests.
BUDGET = settings(max_examples=max(50, settings.default.max_examples // 25))


def traced(data, batch: np.ndarray) -> np.ndarray:
    """The batch with a random share of its packets asking to be traced."""
    share = data.draw(st.sampled_from([0.0, 0.3, 1.0]))
    seed = data.draw(st.integers(0, 2**32 - 1))
    batch["trace"] = np.random.default_rng(seed).random(len(batch)) < share
    return batch


def configure(data, both: Both) -> None:
    capacity = data.draw(st.sampled_from([0, TRACE_MIN, TRACE_MIN, 40, TRACE_MAX + 1, 3]))
    both.call("trace_config", capacity, data.draw(st.booleans()))   # out of range: refused by both


def compare(both: Both) -> None:
    both.call("trace_read")
    both.call("trace_stats")


@BUDGET
@given(data=st.data())
def test_trace_scenario(data):
    """ACLs of both families and hierarchical policies both ways on a few UIDBs; traced packets of
    both families among the rest."""
    both = Both()
    slots4 = [both.call("acl_create", data.draw(acls)) for _ in range(data.draw(st.integers(1, 3)))]
    slots6 = [both.call("acl_create", data.draw(acls6), family=6) for _ in range(data.draw(st.integers(0, 2)))]
    slots = slots4 + slots6
    handles: list[int] = []
    for level in range(data.draw(st.integers(0, 2))):
        handle = both.call("policy_create", data.draw(policies(slots, handles[-1:], f"child{level}")))
        if handle is not None:
            handles.append(handle)
    handle = both.call("policy_create", data.draw(policies(slots, handles, "top")))
    if handle is not None:
        handles.append(handle)
    uidbs = [both.call("uidb_create", 100 + i, f"Virtual-Access{i + 1}")
             for i in range(data.draw(st.integers(1, 2)))]
    for uidb in uidbs:
        for d in Direction:
            both.call("bind", uidb, d, acl=data.draw(st.one_of(st.none(), st.sampled_from(slots4))),
                      acl6=data.draw(st.sampled_from([None, *slots6])),
                      policy=data.draw(st.one_of(st.none(), st.sampled_from(handles))) if handles else None)
    configure(data, both)
    ts = 0
    for _ in range(data.draw(st.integers(1, 4))):
        batch = traced(data, data.draw(mixed_batches(uidbs=max(uidbs) + 1, start_ns=ts, max_size=60)))
        ts = int(batch["ts_ns"].max(initial=ts))
        both.call("process", batch)
        compare(both)
        change = data.draw(st.sampled_from(["none", "none", "clear", "config"]))
        if change == "clear":
            both.call("trace_clear")
        elif change == "config":
            configure(data, both)
        compare(both)


@BUDGET
@given(data=st.data())
def test_trace_queueing(data):
    """Queueing hierarchies under congestion: depths at arrival, tail and priority drops, and the
    departure times the scheduler writes back, before and after it is run on."""
    both = Both()
    handles = queueing_hierarchy(data, both, [])
    uidb = both.call("uidb_create", 14, "Virtual-Access1")
    both.call("bind", uidb, Direction.OUT, policy=data.draw(st.sampled_from(handles)))
    configure(data, both)
    ts = 0
    for _ in range(data.draw(st.integers(1, 3))):
        batch = traced(data, data.draw(queue_traffic(uidbs=1, start_ns=ts, max_size=80)))
        ts = int(batch["ts_ns"].max(initial=ts))
        both.call("process", batch)
        compare(both)
        ts += data.draw(st.sampled_from([0, 100_000, 10_000_000]))
        both.call("target_advance", uidb, data.draw(directions), ts)
        compare(both)
