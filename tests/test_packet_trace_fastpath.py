"""The packet trace's buffer on both fast paths (docs/fastpath.md, "Packet trace"): its limits,
stop when full against circular, clearing, what a record holds (ACL entry, classification and its
why, policer, marking, queue depth, departure), and the C numbers the Python copies stand for."""
from __future__ import annotations

import ipaddress

import numpy as np
import pytest

from fastpaths import native_fastpath_class
from qfp_model.qfp import packets as P
from qfp_model.qfp import trace as T
from qfp_model.qfp.errors import InvalidTable, TableError
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import (
    CLASS_DEFAULT,
    Ace,
    Ace6,
    ClassMap,
    Direction,
    Match,
    PoliceAction,
    PoliceMode,
    Policer,
    Policy,
    PolicyClass,
    Queueing,
)


@pytest.fixture(params=["c", "reference"])
def fp(request):
    if request.param == "c":
        return native_fastpath_class()(max_uidbs=8, max_acls=8, max_policies=8)
    return ReferenceFastPath(max_uidbs=8, max_acls=8, max_policies=8)


def test_python_copies_are_the_c_numbers():
    native_fastpath_class()
    from qfp_model.qfp._fastpath import ffi, lib
    assert (T.TRACE_MIN, T.TRACE_MAX, T.TRACE_REASONS) == (lib.QFP_TRACE_MIN, lib.QFP_TRACE_MAX,
                                                           lib.QFP_TRACE_REASONS)
    assert (T.NOT_SENT, T.NO_QUEUE, T.NO_TERM) == (lib.QFP_TRACE_NOT_SENT, lib.QFP_TRACE_NO_QUEUE,
                                                   lib.QFP_TRACE_NO_TERM)
    assert (T.PA_TRANSMIT, T.PA_DROP, T.PA_SET_DSCP) == (lib.QFP_PA_TRANSMIT, lib.QFP_PA_DROP,
                                                         lib.QFP_PA_SET_DSCP)
    assert ffi.sizeof("struct qfp_trace_rec") == 144


def batch(uidb: int, n: int, direction=Direction.IN, trace=1, t0=0, step=1000, dscp=0) -> np.ndarray:
    b = P.empty_batch(n)
    b["uidb"], b["dir"], b["length"], b["trace"], b["dscp"] = uidb, int(direction), 100, trace, dscp
    b["ts_ns"] = t0 + np.arange(n) * step
    b["proto"], b["dport"] = 6, 80
    return b


@pytest.mark.parametrize("capacity", [1, T.TRACE_MIN - 1, T.TRACE_MAX + 1, -1, "16", True])
def test_capacity_outside_ios_range_is_refused(fp, capacity):
    with pytest.raises(TableError):
        fp.trace_config(capacity)


def test_c_refuses_a_capacity_python_did_not_check():
    fp = native_fastpath_class()()
    from qfp_model.qfp._fastpath import lib
    assert lib.qfp_trace_config(fp._fp, T.TRACE_MAX + 1, 0) == lib.QFP_EINVAL
    assert lib.qfp_trace_config(fp._fp, 5, 1) == lib.QFP_EINVAL
    with pytest.raises(InvalidTable):
        fp._check(lib.qfp_trace_config(fp._fp, 3, 0))


def test_nothing_is_recorded_without_a_buffer_or_a_trace_byte(fp):
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.process(batch(u, 5))
    assert fp.trace_read() == [] and fp.trace_stats().capacity == 0
    fp.trace_config(16)
    fp.process(batch(u, 5, trace=0))
    assert fp.trace_read() == [] and fp.trace_stats().matched == 0


def test_stop_when_full_counts_the_rest_as_matched(fp):
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.trace_config(16)
    fp.process(batch(u, 20))
    records, stats = fp.trace_read(), fp.trace_stats()
    assert [r.number for r in records] == list(range(16))
    assert [r.field("ts_ns") for r in records] == [i * 1000 for i in range(16)]
    assert (stats.matched, stats.traced, stats.forward, stats.circular) == (20, 16, 20, False)


def test_circular_keeps_the_newest(fp):
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.trace_config(16, circular=True)
    fp.process(batch(u, 20))
    fp.process(batch(u, 5, t0=100_000))
    records = fp.trace_read()
    assert [r.number for r in records] == list(range(9, 25))
    assert fp.trace_stats().traced == 25


def test_clear_empties_and_numbers_start_again(fp):
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.trace_config(16)
    fp.process(batch(u, 20))
    fp.trace_clear()
    assert fp.trace_read() == [] and fp.trace_stats().matched == 0 and fp.trace_stats().capacity == 16
    fp.process(batch(u, 3, t0=10**6))
    assert [r.number for r in fp.trace_read()] == [0, 1, 2]
    fp.trace_config(0)
    assert fp.trace_read() == [] and fp.trace_stats().capacity == 0


def test_unknown_uidb_and_acl_drops_by_reason(fp):
    acl = fp.acl_create([Ace(permit=False, proto=6), Ace(permit=True)])
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.bind(u, Direction.IN, acl=acl)
    fp.trace_config(16)
    fp.process(np.concatenate([batch(u, 2), batch(7, 1)]))
    stats = fp.trace_stats()
    assert stats.drops[P.REASON_ACL] == 2 and stats.drops[P.REASON_NO_UIDB] == 1 and stats.forward == 0
    first = fp.trace_read()[0]
    assert first.outcome("ace") == 0 and first.outcome("reason") == P.REASON_ACL and first.levels == ()


def test_a_record_says_why_level_by_level(fp):
    police = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1500,
                     conform=PoliceAction("set-dscp-transmit", 10), exceed=PoliceAction("drop"))
    child = fp.policy_create(Policy("child", 1, (
        PolicyClass("ef", 2, ClassMap("ef", False, (Match("dscp", dscp=frozenset({0})),)), police=police),
        PolicyClass(CLASS_DEFAULT, 3, None))))
    parent = fp.policy_create(Policy("parent", 4, (
        PolicyClass("web", 5, ClassMap("web", False, (Match("dscp", dscp=frozenset({63})), Match("any"))),
                    set_dscp=46, child=child),
        PolicyClass(CLASS_DEFAULT, 6, None))))
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.bind(u, Direction.IN, policy=parent)
    fp.trace_config(16)
    fp.process(batch(u, 30))   # 100 bytes each, 1 us apart: the 1500-byte bucket runs dry
    records = fp.trace_read()
    top, low = records[0].levels
    assert (top.class_index, top.term, top.dscp_in) == (0, 1, 0)     # `match any`, the second match
    assert (low.policy, low.class_index, low.term) == (child, 0, 0)
    assert (low.colour, low.police_action, low.dscp_in, low.dscp_out) == (P.CONFORM, T.PA_SET_DSCP, 46, 10)
    assert top.dscp_out == 10 and records[0].outcome("dscp") == 10
    dropped = records[-1]
    assert dropped.outcome("reason") == P.REASON_POLICE
    assert (dropped.levels[1].colour, dropped.levels[1].police_action) == (P.EXCEED, T.PA_DROP)


def test_an_ipv6_packet_names_the_ipv6_access_group_that_held(fp):
    """The why of an IPv6 packet reads its class's IPv6 ACL as classification does: the first
    match is a DSCP the packet lacks, the second the IPv6 ACL that permits it."""
    acl6 = fp.acl_create([Ace6(True, proto=17, src=0x20010DB8 << 96, src_len=32)])
    policy = fp.policy_create(Policy("v6", 1, (
        PolicyClass("voice", 2, ClassMap("voice", False, (Match("dscp", dscp=frozenset({46})),
                                                           Match("access-group", acl=acl6)))),
        PolicyClass(CLASS_DEFAULT, 3, None))))
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.bind(u, Direction.IN, policy=policy)
    fp.trace_config(16)
    pkt = P.packet(uidb=u, src=ipaddress.IPv6Address("2001:db8::1"), dst=ipaddress.IPv6Address("2001:db8:1::1"),
                   proto=17, sport=5060, dport=5060, length=100, trace=1)
    fp.process(pkt)
    (level,) = fp.trace_read()[0].levels
    assert (level.class_index, level.term) == (0, 1)


def test_queue_depth_and_departure(fp):
    pol = fp.policy_create(Policy("shape", 1, (
        PolicyClass(CLASS_DEFAULT, 2, None, queue=Queueing(queue_limit=3, shape_cir=80_000, shape_bc=100,
                                                           shape_be=0)),)))
    u = fp.uidb_create(1, "Virtual-Access1")
    fp.bind(u, Direction.OUT, policy=pol)
    fp.trace_config(16)
    # All at once: the 100-byte bucket sends two (a packet goes at a level >= 0), three wait, one drops.
    fp.process(batch(u, 6, Direction.OUT, step=0))
    records = fp.trace_read()
    assert [r.queue_depth for r in records] == [0, 0, 0, 1, 2, 3]
    assert [r.outcome("reason") for r in records] == [P.REASON_NONE] * 5 + [P.REASON_QUEUE]
    assert {r.queue_state for r in records} == {0}
    assert [r.depart_ns for r in records] == [0, 0, None, None, None, None]
    fp.target_advance(u, Direction.OUT, 10**9)
    # 100 bytes at 80 kbit/s is 10 ms of the shaper
    assert [r.depart_ns for r in fp.trace_read()] == [0, 0, 10_000_000, 20_000_000, 30_000_000, None]


def test_threads_tracing_at_once_lose_no_record():
    """Batches of different UIDBs on several threads reserve slots at once: every traced packet
    is counted and recorded once, none twice."""
    import threading
    fp = native_fastpath_class()(max_uidbs=8, max_acls=8, max_policies=8)
    uidbs = [fp.uidb_create(i, f"Virtual-Access{i + 1}") for i in range(4)]
    fp.trace_config(T.TRACE_MAX)
    per_thread = 2000

    def send(u):
        for k in range(per_thread // 100):
            b = batch(u, 100, t0=k * 100_000)
            b["src"] = u
            b["sport"] = np.arange(100) + 100 * k
            fp.process(b)
    threads = [threading.Thread(target=send, args=(u,)) for u in uidbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats, records = fp.trace_stats(), fp.trace_read()
    assert stats.matched == stats.traced == stats.forward == len(records) == 4 * per_thread
    assert sorted(r.number for r in records) == list(range(4 * per_thread))
    seen = {(r.field("src"), r.field("sport")) for r in records}
    assert len(seen) == 4 * per_thread
