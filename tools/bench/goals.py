"""`qfp bench --peers`: the line-rate goals, each measured in this process and judged pass or fail.

    acl-N           ACL lookup alone (FastPath.acl_classify) on an N-ACE enterprise-looking ACL
                    (acl_workloads.py), beside DPDK rte_acl's fastest method on the same rules and
                    packets (peers/dpdk.py), cross-checked to zero mismatches; goal: ours <= rte_acl
    acl-growth      our lookup at 10,000 ACEs over ours at 10; goal: <= 3
    acl-compile     compile time and table bytes at 10,000 ACEs; goal: <= 1 s and <= 16 MB
    acl-edit        one ACE of a 10,000-rule ClassBench fw ACL changed by a replace (what a CoA or a
                    configuration line does), beside building the ACL whole; goal: <= 10 ms
    acl-edit-batch-stall
                    the same edits while a thread pushes short batches through UIDBs the ACL filters:
                    the longest a batch waited at the gate; goal: <= 100 us (the detail counts them)
    pipeline        the whole process(): UIDB lookup, the 1,000-ACE ACL, a 4-class policy with
                    policers and marking, counters, from the numpy batch; goal: throughput >= 0.8x
                    rte_acl classifying the same ACL alone
    policer-K       a policer's cost per packet (process() with and without it, the difference)
                    beside rte_meter's srTCM or trTCM check; goal: ours <= rte_meter
    sessions        1,000,000 sessions (UIDBs with both targets): fast-path bytes per session
                    (RSS growth), and bring-up rate; goals: < 1 KiB, >= 100,000/s
    coa             CoA-Requests/s over loopback UDP with 4 in flight while a thread pushes packets
                    at full rate, reply p99, and the longest a batch waited at the fast path's gate
                    for a change; goals: >= 5,000/s, p99 < 5 ms, wait <= 100 us
    coa-served      the same CoA load through `qfp run`'s own sockets while a control-socket client
                    loops 2,000,000-packet `sim traffic` runs; goals: >= 5,000/s, p99 < 5 ms, none
                    unanswered
    cores           packets/s of two threads on disjoint UIDB sets over one thread; goal: >= 1.8
    pipeline-over-lookup
                    issue 15's: process() with a 1k-rule ClassBench fw ACL, the 4-class policy and its
                    policers, over that ACL's lookup alone, in interleaved rounds; goal: <= 1.3
    classbench[6]-FAMILY-SIZE, -growth, -build, -memory
                    issue 15's (16's for IPv6) on the field's rule sets, judged from `qfp bench
                    classbench`'s rows (classbench_goals.py): auto <= rte_acl's best on every trace
                    kind; cost(largest) / cost(1k) <= 2; build <= 2 s and tables <= rte_acl's at the
                    largest size. Quick: 1k rules and the rule-drawn trace only

Beside the goals, not judged (no goal is set for it yet): queueing.py's figures, our shapers, queues
and scheduler per packet beside DPDK rte_sched (figures["queueing"] in --json); those are medians
over interleaved rounds with their spread, not best-of.

Without DPDK (pkg-config libdpdk) the peer columns say why they are empty and those goals are not
judged; `--peers` then fails, plain `qfp bench goals` does not. Timings are medians of rounds (rte_acl's
of rounds interleaved in its peer), on a machine that may be doing other things: run on an idle one
for figures to quote.
"""
from __future__ import annotations

import gc
import ipaddress
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from pyrad import packet as pyrad_packet

from qfp_model.control.core.compile import CLASS_DEFAULT_OBJECT_ID
from qfp_model.control.core.sessions import SessionTuple
from qfp_model.control.headend import Headend
from qfp_model.control.io.control_socket import ControlClient
from qfp_model.control.io.loop import BackgroundLoop
from qfp_model.control.radius.packet import DICTIONARY
from qfp_model.qfp.tables import CLASS_DEFAULT, Ace, Binding, Direction, Policy, PolicyClass, PortMatch, PortOp

from ..coa_client import secret_for
from ..json_output import report_stream, write_json
from . import classbench, classbench_bench, classbench_goals, queueing
from .acl_workloads import acl_traffic, cisco_acl
from .baseline import NumpyBaseline
from .goal import Goal, Report
from .peers import dpdk
from .progress import Progress, rss_bytes
from .workloads import BATCH, advance, four_class_policy, mixed_policies, qos_acls

ACL_SIZES = (10, 100, 1_000, 10_000)
# The coa goal's traffic thread: a bind never waits for a batch, nor a batch for a bind, so its
# batches are as long as the bench's own. Shorter ones (1,024) were measured to cost the CoA server a
# third of its rate: the traffic thread takes the GIL back after every batch, and the server waits
# its turn. Four requests in flight, as `radclient -p 4`: p99 latency at a given rate grows with the
# requests queued.
COA_TRAFFIC_BATCH = 8192
COA_IN_FLIGHT = 4
EDIT_TRAFFIC_BATCH = 256
EDIT_TRAFFIC_MIN_BATCHES = 100
QUICK_ACL_SIZES = (10, 1_000)
SERVED_TRAFFIC_PACKETS = 2_000_000   # one `sim traffic` run of the coa-served goal


# ---- the DPDK peer -----------------------------------------------------------------------------------
def load_peer():
    """The DPDK peer's driver (its C source is package data beside it), or (None, why not)."""
    reason = dpdk.available()
    return (dpdk, None) if reason is None else (None, reason)


# ---- timing --------------------------------------------------------------------------------------------
def median_seconds(fn, rounds: int, before=None) -> float:
    """The median of `rounds` timed calls after one untimed warm-up: the house's figure (a minimum
    would report the luckiest round, not what a run costs; rte_acl's side is a median too).
    `before`, if given, runs ahead of each call, untimed (moving a batch on in time, say)."""
    fn()
    times = []
    for _ in range(rounds):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ---- the goals ------------------------------------------------------------------------------------------
def acl_goals(report: Report, peer, sizes, packets: int, rounds: int, progress) -> None:
    from qfp_model.qfp.fastpath import FastPath, simd_best

    ours_ns, portable_ns = {}, {}
    simd = simd_best()
    for n in sizes:
        aces = cisco_acl(n, seed=n)
        batch = acl_traffic(aces, packets, seed=n + 1)
        fp = FastPath(max_uidbs=16)
        t0 = time.perf_counter()
        slot = fp.acl_create(aces)
        compile_s = time.perf_counter() - t0
        stats = fp.acl_stats(slot)
        out = np.empty(batch.size, np.uint32)
        ours_ns[n] = median_seconds(partial(fp.acl_classify, slot, batch, out), rounds) / batch.size * 1e9
        if simd != "portable":
            # The same ACL on the plain-C path: what the CPU's vectors buy, with the same answers.
            plain = FastPath(max_uidbs=16, simd="portable")
            pslot = plain.acl_create(aces)
            pout = np.empty_like(out)
            portable_ns[n] = median_seconds(partial(plain.acl_classify, pslot, batch, pout), rounds) / batch.size * 1e9
            if not np.array_equal(pout, out):
                raise RuntimeError(f"the portable and {simd} paths disagree at {n} ACEs")
        numpy = NumpyBaseline()
        sample = batch[:max(1, min(batch.size, 2_000_000 // n))]
        nslot = numpy.acl_create(aces)
        numpy_ns = median_seconds(partial(numpy.acl_classify, nslot, sample), 1) / sample.size * 1e9
        fig = {"aces": n, "ours_ns": ours_ns[n], "numpy_ns": numpy_ns, "compile_s": compile_s,
               "table_bytes": stats.bytes, "method": stats.method, "depth_max": stats.depth_max,
               "leaf_max": stats.leaf_max, "simd": simd, "portable_ns": portable_ns.get(n)}
        if peer is not None:
            result = peer.run(aces, batch, repeat=rounds)
            fig.update(dpdk_best=result.best, dpdk_ns=result.best_ns, dpdk_algorithms=result.algorithms,
                       dpdk_build_ms=result.build_ms, mismatches=int(np.count_nonzero(result.ace != out)),
                       meter=result.meter)
            if fig["mismatches"]:
                raise RuntimeError(f"rte_acl and our fast path disagree on {fig['mismatches']} packets "
                                   f"at {n} ACEs: the comparison would mean nothing")
        report.figures.setdefault("acl", []).append(fig)
        dpdk_ns = fig.get("dpdk_ns")
        report.goals.append(Goal(
            f"acl-{n}", ours_ns[n] / dpdk_ns if dpdk_ns else ours_ns[n], 1.0 if dpdk_ns else 0.0,
            "x rte_acl" if dpdk_ns else "ns/pkt", False,
            f"ours {ours_ns[n]:.1f} ns/pkt" + (f", rte_acl {result.best} {dpdk_ns:.1f} ns/pkt, 0 mismatches"
                                               if dpdk_ns else f"; rte_acl: {report.peer_missing}")
            + f"; numpy {numpy_ns:,.0f} ns/pkt", judged=bool(dpdk_ns)))
        progress.step(f"acl {n:,} ACEs: {ours_ns[n]:.1f} ns/pkt"
                      + (f", rte_acl {dpdk_ns:.1f}" if dpdk_ns else ""))
    small = min(sizes)
    report.goals.append(Goal(
        "simd-scan", portable_ns[small] / ours_ns[small] if portable_ns else 1.0, 1.0, "x portable", True,
        f"{small} ACEs (a scan) on {simd}: {ours_ns[small]:.1f} ns/pkt" + (
            f", portable C {portable_ns[small]:.1f}; at every size: " + ", ".join(
                f"{portable_ns[n] / ours_ns[n]:.2f}x" for n in sizes) if portable_ns else
            "; this CPU has no AVX2, so only the portable path runs"), judged=bool(portable_ns)))
    if 10 in ours_ns and 10_000 in ours_ns:
        report.goals.append(Goal("acl-growth", ours_ns[10_000] / ours_ns[10], 3.0, "x", False,
                                 f"{ours_ns[10_000]:.1f} ns at 10,000 ACEs, {ours_ns[10]:.1f} ns at 10"))
    big = [f for f in report.figures["acl"] if f["aces"] == max(sizes)]
    if big and big[0]["aces"] >= 10_000:
        f = big[0]
        report.goals.append(Goal("acl-compile-time", f["compile_s"], 1.0, "s", False, "10,000 ACEs"))
        report.goals.append(Goal("acl-compile-bytes", f["table_bytes"] / 2**20, 16.0, "MiB", False,
                                 f"{f['table_bytes']:,} bytes at 10,000 ACEs"))


def _quartiles_ms(seconds: list[float]) -> list[float]:
    """[first quartile, median, third quartile], in ms."""
    return [x * 1e3 for x in statistics.quantiles(seconds, n=4)]


def acl_edit_goal(report: Report, n: int, rounds: int, progress) -> None:
    """A replace that changes one ACE of an n-rule ClassBench fw ACL (the tree's set): the tree is
    edited, not rebuilt (csrc/qfp_acl_index.c, qfp_acl_index_edit), and only the changed ACE is
    compiled in Python (qfp/fastpath.py). Timed as the control plane calls it, FastPath.acl_replace,
    in rounds interleaved with a whole build of the same ACL. rte_acl has no edit: it builds
    whole (its build times are the classbench figures')."""
    from qfp_model.qfp.fastpath import FastPath

    aces = classbench.translate(classbench.rules("fw", n, seed=1)).aces
    at = len(aces) // 2
    variants = (list(aces), list(aces))
    variants[1][at] = Ace(not aces[at].permit, 6, dport=PortMatch(PortOp.GT, 1023))
    fp = FastPath()
    slot = fp.acl_create(aces)
    edit, whole = [], []
    for r in range(rounds):
        t0 = time.perf_counter()
        fp.acl_replace(slot, variants[1 - r % 2])
        edit.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        FastPath().acl_create(variants[r % 2])
        whole.append(time.perf_counter() - t0)
    stats = fp.acl_stats(slot)
    if (stats.method, stats.edits) != ("tree", rounds):
        raise RuntimeError(f"the replaces were not edits of a tree ({stats.method}, {stats.edits} edits)")
    fig = {"aces": len(aces), "edit_ms": _quartiles_ms(edit), "whole_ms": _quartiles_ms(whole), "rounds": rounds}
    report.figures["acl_edit"] = fig
    report.goals.append(Goal(
        "acl-edit", fig["edit_ms"][1], 10.0, "ms", False,
        f"one ACE of {len(aces):,} (ClassBench fw): edit {fig['edit_ms'][1]:.2f} ms "
        f"[{fig['edit_ms'][0]:.2f}, {fig['edit_ms'][2]:.2f}], whole build {fig['whole_ms'][1]:.0f} ms"))
    progress.step(f"acl edit at {len(aces):,} ACEs: {fig['edit_ms'][1]:.2f} ms")
    acl_edit_stall_goal(report, variants, rounds)


def acl_edit_stall_goal(report: Report, variants, rounds: int) -> None:
    """The same edits while a thread pushes batches through UIDBs that the ACL filters and whose
    policy names ACLs by access-group: what the edits cost the batches, as the gate counted it. A
    replace publishes the ACL and the policies' term bits in the next epoch without closing the
    gate (csrc/qfp_acl_replace.c), so no batch should wait; the goal bounds how long one did."""
    fp, _, acl, uidbs = whole_pipeline(16, variants[0])
    # Short batches (tens of microseconds each), so that many arrive while edits are published.
    batch = classbench.trace(classbench.rules("fw", 10, seed=1), "random", EDIT_TRAFFIC_BATCH, seed=3)
    batch["uidb"] = uidbs[np.arange(batch.size) % uidbs.size]
    stop, batches = threading.Event(), [0]

    def traffic() -> None:
        out = fp.process(batch)
        while not stop.is_set():
            advance(batch)
            fp.process(batch, out)
            batches[0] += 1

    worker = threading.Thread(target=traffic, daemon=True)
    fp.gate_stats(reset=True)
    worker.start()
    edits = []
    try:
        # At least `rounds` edits, and on until batches have run beside them (a quick run's edits
        # of a 1k ACL can be over before the thread's first batch), for at most a few seconds.
        give_up = time.perf_counter() + 5.0
        while len(edits) < rounds or (batches[0] < EDIT_TRAFFIC_MIN_BATCHES and time.perf_counter() < give_up):
            t0 = time.perf_counter()
            fp.acl_replace(acl, variants[1 - len(edits) % 2])
            edits.append(time.perf_counter() - t0)
    finally:
        stop.set()
        worker.join()
    waits, wait_max = fp.gate_stats()
    edit_ms = _quartiles_ms(edits)
    report.figures["acl_edit"].update(under_traffic_ms=edit_ms, edits_under_traffic=len(edits), gate_waits=waits,
                                      gate_wait_max_us=wait_max / 1e3, batches_meanwhile=batches[0])
    report.goals.append(Goal(
        "acl-edit-batch-stall", wait_max / 1e3, 100.0, "us", False,
        f"{len(edits)} edits under traffic ({edit_ms[1]:.2f} ms each, median): {waits:,} of {batches[0]:,} "
        f"batches waited at the gate while a change was published"))


def whole_pipeline(sessions: int, aces=None):
    """A fast path with `sessions` UIDBs, each filtered on input by the same ACL (default: the
    1,000-ACE enterprise one) and classified by the 4-class policy (policers, marking):
    (fp, the ACL's ACEs, the ACL's slot, the UIDBs)."""
    from qfp_model.qfp.fastpath import FastPath

    if aces is None:
        aces = cisco_acl(1_000, seed=1_000)
    fp = FastPath(max_uidbs=sessions + 16)
    acl = fp.acl_create(aces)
    policy = fp.policy_create(four_class_policy({k: fp.acl_create(v) for k, v in qos_acls().items()}))
    uidbs = np.array([fp.uidb_create(14 + n, f"Virtual-Access{n + 1}") for n in range(sessions)], np.uint32)
    for uidb in uidbs:
        fp.bind(uidb, Direction.IN, acl=acl, policy=policy)
    return fp, aces, acl, uidbs


def pipeline_goal(report: Report, peer, sessions: int, packets: int, rounds: int, progress) -> None:
    """process() with everything on, beside rte_acl on the same 1,000-ACE ACL alone."""
    fp, aces, _, uidbs = whole_pipeline(sessions)
    batch = acl_traffic(aces, packets, seed=1_001)
    rng = np.random.default_rng(7)
    batch["uidb"] = uidbs[rng.integers(0, sessions, batch.size)]
    out = fp.process(batch)
    # Each round is new traffic to the policers; moving the batch on is the harness's work, not
    # the pipeline's, and rte_acl's timing has none either.
    ns = median_seconds(lambda: fp.process(batch, out), rounds, before=lambda: advance(batch)) / batch.size * 1e9
    acl_fig = next((f for f in report.figures.get("acl", []) if f["aces"] == 1_000 and "dpdk_ns" in f), None)
    dpdk_ns = acl_fig["dpdk_ns"] if acl_fig else None
    report.figures["pipeline"] = {"sessions": sessions, "ns_per_packet": ns, "pps": 1e9 / ns,
                                  "forwarded": int(np.count_nonzero(out["action"] == 0))}
    report.goals.append(Goal(
        "pipeline", dpdk_ns / ns if dpdk_ns else 1e9 / ns, 0.8 if dpdk_ns else 0.0,
        "x rte_acl pps" if dpdk_ns else "pps", True,
        f"ours {ns:.1f} ns/pkt ({1e9 / ns / 1e6:.1f} Mpps) for the whole pipeline"
        + (f"; rte_acl alone {dpdk_ns:.1f} ns/pkt" if dpdk_ns else ""), judged=bool(dpdk_ns)))
    progress.step(f"pipeline: {ns:.1f} ns/pkt")


def pipeline_over_lookup_goal(report: Report, sessions: int, packets: int, rounds: int, progress) -> None:
    """Issue 15's pipeline goal, on the field's rule set: process() with a 1k-rule ClassBench fw
    ACL on input, the 4-class policy and its policers, over the same ACL's lookup alone
    (acl_classify) on the same packets, in interleaved rounds."""
    rules = classbench.rules("fw", 1_000, seed=1)
    fp, aces, acl, uidbs = whole_pipeline(sessions, classbench.translate(rules).aces)
    batch = classbench.trace(rules, "rule", packets, seed=2)
    batch["uidb"] = uidbs[np.random.default_rng(7).integers(0, sessions, batch.size)]
    # IMIX lengths, as the pipeline goal's traffic has (a trace's packets are all 64 bytes), so that
    # the policers see a mix; the trace already spaces them 1 us apart.
    batch["length"] = np.random.default_rng(8).choice([64, 576, 1500], batch.size, p=[0.58, 0.33, 0.09])
    out, ace_out = fp.process(batch), np.empty(batch.size, np.uint32)
    fp.acl_classify(acl, batch, ace_out)
    whole, alone = [], []
    for _ in range(rounds):
        advance(batch)   # new traffic to the policers: the harness's work, untimed
        t0 = time.perf_counter()
        fp.process(batch, out)
        whole.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fp.acl_classify(acl, batch, ace_out)
        alone.append(time.perf_counter() - t0)
    whole_ns, alone_ns = (statistics.median(t) / batch.size * 1e9 for t in (whole, alone))
    spread = {k: [x / batch.size * 1e9 for x in statistics.quantiles(t, n=4)] for k, t in
              (("process_ns", whole), ("lookup_ns", alone))}
    report.figures["pipeline_over_lookup"] = {"sessions": sessions, "aces": len(aces), "rounds": rounds,
                                              "forwarded": int(np.count_nonzero(out["action"] == 0)), **spread}
    report.goals.append(Goal(
        "pipeline-over-lookup", whole_ns / alone_ns, 1.3, "x lookup", False,
        f"process() {whole_ns:.1f} ns/pkt [{spread['process_ns'][0]:.1f}-{spread['process_ns'][2]:.1f}] "
        f"with a {len(aces):,}-ACE ClassBench fw ACL, 4 classes, policers; its lookup alone {alone_ns:.1f} "
        f"[{spread['lookup_ns'][0]:.1f}-{spread['lookup_ns'][2]:.1f}]; medians of {rounds} interleaved rounds"))
    progress.step(f"pipeline over lookup: {whole_ns / alone_ns:.2f}x")


def policer_goals(report: Report, packets: int, rounds: int, progress) -> None:
    """Our policer's cost per packet: one session's class-default with and without it."""
    from qfp_model.qfp.fastpath import FastPath

    rng = np.random.default_rng(8)
    meter = next((f["meter"] for f in report.figures.get("acl", []) if "meter" in f), None)
    plain = Policy("plain", 9, (PolicyClass(CLASS_DEFAULT, CLASS_DEFAULT_OBJECT_ID),))
    for policy, peer_name in ((mixed_policies()[1], "srtcm"), (mixed_policies()[2], "trtcm")):
        costs = []
        for pol in (policy, plain):
            fp = FastPath(max_uidbs=16)
            uidb = fp.uidb_create(14, "Virtual-Access1")
            fp.bind(uidb, Direction.IN, policy=fp.policy_create(pol))
            batch = acl_traffic(cisco_acl(2), packets, seed=9)
            batch["uidb"], batch["dir"] = uidb, Direction.IN
            batch["length"] = rng.choice([64, 576, 1500], packets)
            out = fp.process(batch)

            def run(fp=fp, batch=batch, out=out):
                advance(batch)
                fp.process(batch, out)

            costs.append(median_seconds(run, rounds) / packets * 1e9)
        ours = max(costs[0] - costs[1], 0.0)
        kind = "1R3C" if peer_name == "srtcm" else "2R3C"
        theirs = meter.get(peer_name) if meter else None
        report.goals.append(Goal(
            f"policer-{kind}", ours / theirs if theirs else ours, 1.0 if theirs else 0.0,
            "x rte_meter" if theirs else "ns/pkt", False,
            f"ours {ours:.1f} ns/pkt ({costs[0]:.1f} with, {costs[1]:.1f} without)"
            + (f"; rte_meter {peer_name} {theirs:.1f} ns/pkt" if theirs else ""), judged=bool(theirs)))
    progress.step("policers")


def sessions_child(count: int) -> dict:
    """Run in a fresh interpreter (see sessions_goals): the fast path's memory per session is the
    RSS it adds, which an interpreter that has already allocated and freed much cannot tell."""
    from qfp_model.qfp.fastpath import FastPath

    rss0 = rss_bytes()
    fp = FastPath(max_uidbs=count)
    policies = [fp.policy_create(p) for p in mixed_policies()]
    t0 = time.perf_counter()
    for n in range(count):
        uidb = fp.uidb_create(14 + n, f"Virtual-Access{n + 1}")
        policy = policies[n % 3]
        fp.bind_many(uidb, [Binding(Direction.IN, None, policy), Binding(Direction.OUT, None, policy)])
    elapsed = time.perf_counter() - t0
    return {"count": count, "bytes_per_session": (rss_bytes() - rss0) / count,
            "bring_up_per_second": count / elapsed}


def sessions_goals(report: Report, count: int, progress) -> None:
    import json
    import subprocess

    code = ("import json; from qfp_model.tools.bench.goals import sessions_child; "
            f"print(json.dumps(sessions_child({count})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    fig = json.loads(done.stdout.strip().splitlines()[-1])
    report.figures["sessions"] = fig
    report.goals.append(Goal("session-memory", fig["bytes_per_session"], 1024, "bytes", False,
                             f"{count:,} sessions: the fast path's RSS growth per session, in a fresh process"))
    report.goals.append(Goal("session-bring-up", fig["bring_up_per_second"], 100_000, "/s", True,
                             f"{count:,} UIDBs created and bound both ways through FastPath"))
    progress.step(f"sessions: {fig['bytes_per_session']:,.0f} bytes each, {fig['bring_up_per_second']:,.0f}/s")


def coa_goals(report: Report, seconds: float, in_flight: int, progress) -> None:
    headend = Headend.from_config_file()
    device = headend.device
    sessions = [device.session_up(f"198.18.{n >> 8}.{n & 255}", "77.1.1.2") for n in range(1, 1025)]
    background = BackgroundLoop().start()
    service = background.run(headend.start_coa_listener("127.0.0.1", 0))
    secret = secret_for(device).encode()
    stop = threading.Event()
    batches = [0]

    def traffic(until: threading.Event, count: list[int]) -> None:
        batch = acl_traffic(cisco_acl(2), COA_TRAFFIC_BATCH, seed=10)
        batch["uidb"] = np.array([s.uidb for s in sessions], np.uint32)[np.arange(batch.size) % len(sessions)]
        out = device.fp.process(batch)
        while not until.is_set():
            advance(batch)
            device.fp.process(batch, out)
            count[0] += 1

    # The traffic thread's rate alone, to show what the CoA load leaves it.
    alone, done = [0], threading.Event()
    threading.Timer(min(seconds, 0.5), done.set).start()
    t_alone = time.perf_counter()
    traffic(done, alone)
    alone_pps = alone[0] * COA_TRAFFIC_BATCH / (time.perf_counter() - t_alone)

    requests = coa_requests([s.audit_session_id for s in sessions], secret, max(256, int(seconds * 20_000)))
    device.fp.gate_stats(reset=True)
    worker = threading.Thread(target=traffic, args=(stop, batches), daemon=True)
    worker.start()
    address = service.address
    try:
        sent = send_coas(address, requests, seconds, in_flight)
    finally:
        stop.set()
        worker.join()
        background.run(service.close())
        background.stop()
    latencies, acks, elapsed = sent.latencies, sent.acks, sent.elapsed
    waits, wait_max = device.fp.gate_stats()
    rate = len(latencies) / elapsed
    p99 = float(np.percentile(latencies, 99)) * 1e3
    report.figures["coa"] = {"requests": len(latencies), "acks": acks, "per_second": rate, "p99_ms": p99,
                             "p50_ms": float(np.median(latencies)) * 1e3, "in_flight": in_flight,
                             "batches_meanwhile": batches[0], "gate_waits": waits,
                             "gate_wait_max_us": wait_max / 1e3,
                             "traffic_mpps": batches[0] * COA_TRAFFIC_BATCH / elapsed / 1e6,
                             "traffic_alone_mpps": alone_pps / 1e6}
    if acks != len(latencies) or sent.unanswered:
        raise RuntimeError(f"{len(latencies) - acks} CoA-Requests were NAKed, {sent.unanswered} unanswered")
    report.goals.append(Goal("coa-rate", rate, 5000, "/s", True,
                             f"{len(latencies):,} requests, {in_flight} in flight, all ACKed, while "
                             f"{batches[0] * COA_TRAFFIC_BATCH / elapsed / 1e6:.1f} Mpps flowed "
                             f"({alone_pps / 1e6:.1f} alone)"))
    report.goals.append(Goal("coa-p99", p99, 5.0, "ms", False, f"p50 {np.median(latencies) * 1e3:.2f} ms"))
    report.goals.append(Goal("coa-batch-stall", wait_max / 1e3, 100.0, "us", False,
                             f"{waits:,} batches waited for a change to be published"))
    progress.step(f"coa: {rate:,.0f}/s, p99 {p99:.2f} ms, longest batch wait {wait_max / 1e3:.1f} us")


# ---- CoA load: what the two CoA goals send, and how -----------------------------------------------
COA_POLICIES = ("2M", "aaa-pol", "2M-IN", "VOICE-POLICY")


def coa_requests(audit_ids: list[str], secret: bytes, n: int) -> list[bytes]:
    """n signed CoA-Requests, each for a random session (by audit-session-id) and the next policy
    in turn."""
    rng = np.random.default_rng(11)
    requests = []
    for i in range(n):
        audit_id = audit_ids[int(rng.integers(len(audit_ids)))]
        p = pyrad_packet.CoAPacket(id=i & 0xFF, secret=secret, dict=DICTIONARY)
        p.AddAttribute("Cisco-AVPair", f"audit-session-id={audit_id}")
        p.AddAttribute("Cisco-AVPair", f"ip:sub-qos-policy-in={COA_POLICIES[i % len(COA_POLICIES)]}")
        p.AddAttribute("Event-Timestamp", int(time.time()))
        requests.append(p.RequestPacket())
    return requests


@dataclass
class CoaLoad:
    latencies: list[float]      # seconds, one per answered request
    acks: int
    unanswered: int             # no reply within COA_REPLY_TIMEOUT_S
    elapsed: float


COA_REPLY_TIMEOUT_S = 2.0


def send_coas(address, requests: list[bytes], seconds: float, in_flight: int) -> CoaLoad:
    """Keep `in_flight` requests outstanding for `seconds` (or until they run out), as `radclient
    -p N` does; a request with no reply in COA_REPLY_TIMEOUT_S is counted unanswered and replaced."""
    load = CoaLoad([], 0, 0, 0.0)
    sent_at: dict[int, float] = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(COA_REPLY_TIMEOUT_S)
        t0 = time.perf_counter()
        i = 0
        while sent_at or (time.perf_counter() - t0 < seconds and i < len(requests)):
            while len(sent_at) < in_flight and i < len(requests) and time.perf_counter() - t0 < seconds:
                sent_at[i & 0xFF] = time.perf_counter()
                sock.sendto(requests[i], address)
                i += 1
            try:
                reply = sock.recv(4096)
            except TimeoutError:
                load.unanswered += len(sent_at)
                sent_at.clear()
                continue
            start = sent_at.pop(reply[1], None)
            if start is not None:
                load.latencies.append(time.perf_counter() - start)
                load.acks += reply[0] == 44
        load.elapsed = time.perf_counter() - t0
    return load


def coa_served_goals(report: Report, seconds: float, in_flight: int, progress) -> None:
    """The device as users run it: `qfp run` in a process of its own, driven over its real sockets.
    A control-socket client loops 2,000,000-packet `sim traffic` runs while CoA-Requests arrive
    at the UDP listener from this process."""
    with tempfile.TemporaryDirectory() as private:
        sessions_file = Path(private, "sessions.txt")
        tuples = [SessionTuple(ipaddress.IPv4Address("77.1.1.2"), ipaddress.IPv4Address(f"198.18.{n >> 8}.{n & 255}"))
                  for n in range(1, 1025)]
        sessions_file.write_text("".join(f"remote {s.remote} local {s.local}\n" for s in tuples))
        control = os.path.join(private, "qfp.sock")
        device = subprocess.Popen([sys.executable, "-m", "qfp_model.tools.cli", "run", "--control", control,
                                   "--coa-port", "0"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        try:
            coa_address = _served_addresses(device)
            with ControlClient(control) as client:
                client.execute(f"sim session load {sessions_file}")
            key = Headend.from_config_file().device.config.dynamic_author.key_for("127.0.0.1")
            requests = coa_requests([s.audit_session_id() for s in tuples], key.encode(),
                                    max(256, int(seconds * 20_000)))
            stop, runs = threading.Event(), [0]

            def traffic() -> None:
                with ControlClient(control) as looping:
                    while not stop.is_set():
                        looping.execute(f"sim traffic interface Vi1 input size 64 rate 10000000000 "
                                        f"packets {SERVED_TRAFFIC_PACKETS}")
                        runs[0] += 1

            looper = threading.Thread(target=traffic, daemon=True)
            looper.start()
            with ControlClient(control) as client:
                while client.execute("show clock").endswith("(0 ns)\n"):   # the first run is under way
                    pass
            try:
                sent = send_coas(coa_address, requests, seconds, in_flight)
            finally:
                stop.set()
                looper.join()
        finally:
            device.terminate()
            device.wait()
    rate = len(sent.latencies) / sent.elapsed
    p99 = float(np.percentile(sent.latencies, 99)) * 1e3 if sent.latencies else float("inf")
    report.figures["coa_served"] = {"requests": len(sent.latencies), "acks": sent.acks,
                                    "unanswered": sent.unanswered, "per_second": rate, "p99_ms": p99,
                                    "p50_ms": float(np.median(sent.latencies)) * 1e3 if sent.latencies else None,
                                    "traffic_runs_completed": runs[0], "in_flight": in_flight}
    report.goals.append(Goal("coa-served-rate", rate, 5000, "/s", True,
                             f"qfp run over its sockets while {SERVED_TRAFFIC_PACKETS:,}-packet sim traffic "
                             f"runs looped ({runs[0]} finished meanwhile); {sent.acks:,} ACKs"))
    report.goals.append(Goal("coa-served-p99", p99, 5.0, "ms", False, f"{in_flight} in flight"))
    report.goals.append(Goal("coa-served-unanswered", sent.unanswered, 0, "", False,
                             f"no reply within {COA_REPLY_TIMEOUT_S:g} s"))
    progress.step(f"coa served: {rate:,.0f}/s, p99 {p99:.2f} ms, {sent.unanswered} unanswered")


def _served_addresses(device: subprocess.Popen) -> tuple[str, int]:
    """The CoA listener's address, from what `qfp run` prints when it is up."""
    for line in device.stdout:
        if "RADIUS dynamic-author on " in line:
            host, port = line.rsplit(" on ", 1)[1].split("/")[0].rsplit(":", 1)
            return host, int(port)
    raise RuntimeError("qfp run ended before it served")

def cores_goal(report: Report, sessions: int, packets: int, seconds: float, progress) -> None:
    """Packets/s of one thread, then two threads on disjoint halves of the sessions, each calling
    process() on batches of `packets` (the bench's own size: a thread holds the GIL for a call's
    few microseconds of Python, so shorter batches measure the GIL more than the fast path)."""
    fp, aces, _, uidbs = whole_pipeline(sessions)
    halves = [uidbs[: sessions // 2], uidbs[sessions // 2:]]
    batches = []
    for k, half in enumerate(halves):
        b = acl_traffic(aces, packets, seed=20 + k)
        b["uidb"] = half[np.random.default_rng(k).integers(0, half.size, packets)]
        batches.append(b)

    def pump(batch, counter, index, stop):
        out = fp.process(batch)
        while not stop.is_set():
            advance(batch)
            fp.process(batch, out)
            counter[index] += batch.size

    def rate(threads: int) -> float:
        counter, stop = [0] * threads, threading.Event()
        workers = [threading.Thread(target=pump, args=(batches[k], counter, k, stop)) for k in range(threads)]
        for w in workers:
            w.start()
        time.sleep(seconds * 0.2)
        start, c0 = time.perf_counter(), sum(counter)
        time.sleep(seconds)
        done, elapsed = sum(counter) - c0, time.perf_counter() - start
        stop.set()
        for w in workers:
            w.join()
        return done / elapsed

    one, two = rate(1), rate(2)
    report.figures["cores"] = {"one_thread_pps": one, "two_threads_pps": two, "cpus": os.cpu_count()}
    report.goals.append(Goal("cores", two / one, 1.8, "x", True,
                             f"1 thread {one / 1e6:.1f} Mpps, 2 threads {two / 1e6:.1f} Mpps "
                             f"(whole pipeline, {packets:,}-packet batches)"))
    progress.step(f"cores: {two / one:.2f}x")


# ---- the report --------------------------------------------------------------------------------------
def format_report(report: Report) -> str:
    width = max([18] + [len(g.name) for g in report.goals])
    lines = [f"{'goal':<{width}} {'measured':>12} {'target':>12}  {'':4}  detail"]
    for g in report.goals:
        verdict = {True: "PASS", False: "FAIL", None: "--"}[g.passed]
        op = ">=" if g.higher_is_better else "<="
        target = f"{op} {g.target:,.4g}" if g.judged else ""
        lines.append(f"{g.name:<{width}} {g.measured:>12,.4g} {target:>12}  {verdict:4}  {g.unit}; {g.detail}")
    acl = report.figures.get("acl")
    if acl:
        lines += ["", f"{'ACEs':>7} {'ours ns':>8} {'rte_acl':>8} {'method':>10} {'scalar':>8} {'numpy ns':>10} "
                      f"{'compile':>8} {'tables':>10}"]
        for f in acl:
            algos = f.get("dpdk_algorithms") or {}
            lines.append(f"{f['aces']:>7,} {f['ours_ns']:>8.1f} {f.get('dpdk_ns', float('nan')):>8.1f} "
                         f"{f.get('dpdk_best', '-'):>10} {algos.get('scalar') or float('nan'):>8.1f} "
                         f"{f['numpy_ns']:>10,.0f} {f['compile_s'] * 1e3:>6.1f}ms {f['table_bytes']:>10,}")
    if report.figures.get("queueing"):
        lines += ["", queueing.format_rows(report.figures["queueing"])]
    if report.peer_missing:
        lines.append(f"(no DPDK peer: {report.peer_missing})")
    return "\n".join(lines)


CLASSBENCH_IPS = ((4, "classbench"), (6, "classbench6"))


def classbench_plan(quick: bool) -> tuple[tuple, tuple]:
    """The sizes and trace kinds the goals run the field's rule sets at (quick: 1k, rule-drawn)."""
    if quick:
        return classbench_bench.QUICK_SIZES, ("rule",)
    return classbench_bench.SIZES, classbench.TRACES


def classbench_points(quick: bool) -> int:
    sizes, traces = classbench_plan(quick)
    return sum(classbench_bench.points(sizes, traces, ip) for ip, _ in CLASSBENCH_IPS)


def classbench_rows(report: Report, quick: bool, progress) -> None:
    """classbench_bench's rows into the figures (IPv4 as "classbench", IPv6 as "classbench6"), and
    the goals judged from them (classbench_goals.py)."""
    sizes, traces = classbench_plan(quick)
    for ip, key in CLASSBENCH_IPS:
        report.figures[key] = classbench_bench.rows(
            sizes=sizes, traces=traces, packets=1 << 12 if quick else 1 << 15, rounds=3 if quick else 9,
            progress=progress, ip=ip)
        report.goals += classbench_goals.judge(report.figures[key])


def run(args, require_peer: bool) -> int:
    peer, why = load_peer()
    if peer is None and require_peer:
        print(f"qfp bench --peers: {why}", file=sys.stderr)
        return 2
    report = Report(peer_missing=why)
    quick = args.quick
    sizes = QUICK_ACL_SIZES if quick else ACL_SIZES
    rounds = 3 if quick else 7
    packets = 50_000 if quick else 400_000
    progress = Progress(len(sizes) + 8 + queueing.points(quick) + (classbench_points(quick) if peer else 0))
    start = time.perf_counter()
    # Each goal starts from a collected heap: what one left behind must not cost the next (the
    # CoA server's garbage collections walk every live object).
    for measure in (lambda: acl_goals(report, peer, sizes, packets, rounds, progress),
                    lambda: acl_edit_goal(report, 1_000 if quick else 10_000, 3 * rounds, progress),
                    lambda: pipeline_goal(report, peer, 1_000 if not quick else 100, packets, rounds, progress),
                    # a difference of two timings: more rounds, for a steadier median
                    lambda: policer_goals(report, packets, 3 * rounds, progress),
                    lambda: sessions_goals(report, 20_000 if quick else 1_000_000, progress),
                    lambda: coa_goals(report, 0.5 if quick else 3.0, COA_IN_FLIGHT, progress),
                    lambda: coa_served_goals(report, 0.5 if quick else 3.0, COA_IN_FLIGHT, progress),
                    lambda: cores_goal(report, 1_000 if not quick else 100, BATCH, 0.5 if quick else 2.0, progress),
                    lambda: report.figures.update(queueing=queueing.scenario_queueing(args, progress)),
                    lambda: pipeline_over_lookup_goal(report, 1_000 if not quick else 100, packets,
                                                      3 * rounds, progress),
                    # The field's rule sets beside rte_acl (classbench_bench.py), IPv4 and IPv6:
                    # a row per family x size x trace, and issue 15's goals judged from them.
                    lambda: peer is not None and classbench_rows(report, quick, progress)):
        gc.collect()
        measure()
    progress.close()
    out = report_stream(args.json)
    print(format_report(report), file=out)
    failed = [g.name for g in report.goals if g.passed is False]
    print(f"({time.perf_counter() - start:.1f} s; {len(report.goals) - len(failed)} of {len(report.goals)} "
          f"goals met or not judged{'; failed: ' + ', '.join(failed) if failed else ''})", file=out)
    if args.json:
        write_json(args.json, {"goals": [g.row() for g in report.goals], "figures": report.figures,
                               "peer_missing": report.peer_missing, "quick": quick}, default=str)
    return 0
