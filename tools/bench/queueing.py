"""`qfp bench queueing`: our per-packet cost to queue and schedule, beside DPDK's rte_sched on the
same hierarchy and the same packets (peers/sched_peer.c, driven by peers/dpdk_sched.py).

The hierarchy, N sessions (16 and 1,024; --quick: 4 and 16, a few thousand packets, to show it
runs rather than to quote) under one output port:

    ours (one output target per session)          rte_sched (one port, one subport, N pipes)
    parent class-default: shape average 2 Mbit/s  pipe token bucket: 2 Mbit/s, 2,000 bytes
      (bc = be = 1,000 bytes, IOS's 4 ms)           (our bc + be)
    child PRIO (dscp ef): priority                TC 0 (strict priority), its rate = the pipe's
    child BR1 (dscp af31): bandwidth remaining 4  best-effort TC 12, queue 0, WRR weight 4
    child BR2 (dscp af21): bandwidth remaining 2  best-effort TC 12, queue 1, WRR weight 2
    child class-default: bandwidth remaining 1    best-effort TC 12, queue 2, WRR weight 1
    queue-limit 64 packets each (IOS's default    qsize 64 for TC 0 and TC 12 (rte_sched's queues
      here: 50 ms of 2 Mbit/s is 8, at least 64)    are a power of two long); tail drop, no RED

What differs, as closely as rte_sched allows:
- rte_sched's traffic classes are strict priority, each with a rate limit of its own refilled per
  `tc_period` (credits reset each period, not a bucket); ours has no per-class limit here, so TC 0
  and TC 12 get the pipe's rate, which makes the limit moot but keeps the per-period bookkeeping.
  tc_period is whole real ms in rte_sched; in virtual time it is reported as `tc_period_virtual_ms`
  (10 ms asked for; more where the dilation below makes 1 real ms longer).
- The best-effort TC has exactly 4 WRR queues (the 4th carries nothing here), scheduled by WRR on
  byte credits between queues of one pipe; ours orders the three excess-tier classes by start-time
  fair queueing tags (docs/fastpath.md). Same ratios, different short-term interleaving.
- A pipe's bucket must hold a whole packet before rte_sched sends it (credits never go negative);
  ours sends when the level is >= 0 and lets it go negative. rte_sched's port and subport also
  have token buckets; here they run 10x the pipes' summed rate (and the subport bucket is large),
  so only the pipes shape, as only our sessions' parents do.
- Time: rte_sched reads the TSC itself inside rte_sched_port_dequeue() (DPDK 22.11 inlines
  rte_get_tsc_cycles() into librte_sched: no virtual clock can be given to it). The peer therefore
  maps our virtual time onto the TSC at a fixed dilation and multiplies every rate by it; each burst
  of 32 is enqueued when the TSC reaches its last packet's mapped arrival. Ours runs each packet's
  arrival at its own timestamp. Bursts that started late (rte_sched's calls took longer than the
  pace, or another process had the CPU) are counted: a late replay is another workload (a pipe's
  bucket overflows while nobody asks, or a dequeue finds more than planned), so a peer that falls
  behind is restarted at a slower pace (dpdk_sched.calibrated), a round with more than 5 % of its
  bursts late is run again (at most twice; the repeats are counted), and what lateness remains is
  in the figures.
- Dequeue cadence: rte_sched has to be asked; ours computes departures as arrivals come. Two
  cadences are reported: `rte_sched` dequeues after every enqueued burst until a call returns less
  than a burst (the loop of DPDK's qos_sched example), `rte_sched_1ms` only once 1 ms of virtual
  time has passed since the last dequeue (an eighth of what a pipe's bucket holds, so no credit is
  lost; departures are then up to 1 ms late, which ours never is). A dequeue call walks the active
  pipes until it has a burst or has gone round them all, so with many backlogged pipes waiting for
  credits the first cadence pays a full walk per burst: that is most of its cost at 1,024 sessions.
  The `sent` column says whether a cadence did the same work: measured here, the 1 ms one sent as
  much as ours at 16 sessions but under a third of it at 1,024 (its dequeue calls stopped, a walk
  done, with far fewer packets than the pipes' credits allowed; why is not established), so its
  figure there is not the cost of the same scheduling.
- Ours is measured as whole process() calls (UIDB lookup, class-map classification, counters,
  then the queue and the scheduler) plus one target_advance() per session to the last arrival, so
  every departure up to there has been computed. The queueing share is that time minus the same
  run with the same classes and no queueing actions (`ours_queueing_ns`); rte_sched's figure is its
  enqueue and dequeue calls alone (making mbufs and writing their tree path is not timed). The ratio
  compares ours_queueing_ns with it.

Traffic, the same sequence for both: `uniform`: random session and class, lengths 64/576/1500
bytes (58/33/9 %), Poisson arrivals offering 1.5x the shaped rate so queues fill and tail-drop;
`sweep`, the worst case for both: 64-byte packets, sessions in a fixed cycle (no two consecutive
packets of one session, so at 1,024 sessions no session's state stays in cache), the classes in
turn, evenly spaced at 1.1x the shaped rate: nearly every packet is both queued and sent (over the
run's span the shaper's bucket and the queues absorb most of the excess).

Figures: medians over interleaved rounds (ours with queueing, ours without, rte_sched; a fresh bind
or port each round, the order rotating), with the interquartile range and min-max as the spread;
never best-of. Scheduler bytes per session: rte_sched's rte_sched_port_get_memory_footprint() over
the pipes (its queues hold 8-byte mbuf pointers; the mbufs are the application's, 128 bytes each
with no data room, not counted; TC 12's fourth queue is allocated though unused); ours: what
qfp_sched_new() allocates per target, from its struct sizes (`our_state_bytes`; our descriptors
are the whole of what a queued packet costs us).
"""
from __future__ import annotations

import time

import numpy as np

from qfp_model.control.core.compile import CLASS_DEFAULT_OBJECT_ID
from qfp_model.qfp.packets import VERDICT_DTYPE, empty_batch
from qfp_model.qfp.readback import QROLE_QUEUE
from qfp_model.qfp.tables import (
    CLASS_DEFAULT,
    PROTO_UDP,
    ClassMap,
    Direction,
    Match,
    Policy,
    PolicyClass,
    Queueing,
)

from .peers import dpdk, dpdk_sched
from .peers.dpdk import PeerError

SESSION_COUNTS = (16, 1_024)
QUICK_SESSION_COUNTS = (4, 16)
PATTERNS = ("uniform", "sweep")
SHAPE_BPS = 2_000_000
SHAPE_BC = SHAPE_BPS // 2000          # IOS's default bc: 4 ms of the rate, in bytes; be = bc
QUEUE_LIMIT = 64                      # IOS's default for these rates; a power of two for rte_sched
WEIGHTS = (4, 2, 1)                   # BR1, BR2, class-default
CLASS_DSCP = (46, 26, 18, 0)          # PRIO, BR1, BR2, class-default
OFFERED = {"uniform": 1.5, "sweep": 1.1}
PACKETS_PER_SESSION = 300             # enough for a 64-packet queue to fill and drop at 1.5x
MIN_PACKETS, QUICK_MIN_PACKETS = 20_000, 1_000
ROUNDS, QUICK_ROUNDS = 7, 3
# rte_sched's dequeue cadence (sched_peer.c, POLL_US): after every enqueued burst, as DPDK's qos_sched
# example loops; and at most every 1 ms of virtual time, an eighth of what a pipe's 2,000-byte
# bucket holds, so that no credit is lost but each call finds more to send.
POLLS = {"rte_sched": 0, "rte_sched_1ms": 1000}
LATE_RETRIES = 2
DESCRIPTOR_BYTES = 16                 # docs/fastpath.md: a queue holds (arrival time, length)
QNODE_BYTES, SCHED_HEADER_BYTES = 240, 40   # sizeof struct qfp_qnode, struct qfp_sched (qfp_queue.c)


# ---- the hierarchy ---------------------------------------------------------------------------------
def child_policy(queueing: bool) -> Policy:
    """The child: PRIO, BR1, BR2 and class-default, matched by DSCP; with queueing actions or, for the
    run that prices everything but queueing, the same classes without them."""
    def q(**kw) -> Queueing | None:
        return Queueing(queue_limit=QUEUE_LIMIT, **kw) if queueing else None

    maps = [ClassMap(name, match_all=False, matches=(Match("dscp", dscp=frozenset({d})),))
            for name, d in (("PRIO", CLASS_DSCP[0]), ("BR1", CLASS_DSCP[1]), ("BR2", CLASS_DSCP[2]))]
    return Policy("bench-queue-child" if queueing else "bench-plain-child", 7101 if queueing else 7102, (
        PolicyClass("PRIO", 7201, maps[0], queue=q(priority=1)),
        PolicyClass("BR1", 7202, maps[1], queue=q(bw_excess=WEIGHTS[0])),
        PolicyClass("BR2", 7203, maps[2], queue=q(bw_excess=WEIGHTS[1])),
        PolicyClass(CLASS_DEFAULT, CLASS_DEFAULT_OBJECT_ID, queue=q(bw_excess=WEIGHTS[2])),
    ))


def parent_policy(child: int, queueing: bool) -> Policy:
    shape = Queueing(shape_cir=SHAPE_BPS, shape_bc=SHAPE_BC, shape_be=SHAPE_BC) if queueing else None
    return Policy("bench-queue-parent" if queueing else "bench-plain-parent", 7001 if queueing else 7002, (
        PolicyClass(CLASS_DEFAULT, CLASS_DEFAULT_OBJECT_ID, child=child, queue=shape),))


def sched_config(sessions: int) -> dpdk_sched.SchedConfig:
    return dpdk_sched.SchedConfig(pipes=sessions, rate_bps=SHAPE_BPS, bucket=2 * SHAPE_BC,
                                  qsize=QUEUE_LIMIT, weights=WEIGHTS)


# ---- traffic ---------------------------------------------------------------------------------------
def traffic(pattern: str, sessions: int, n: int, seed: int = 5) -> np.ndarray:
    """The packet sequence, as sched_peer.c reads it (dpdk_sched.RECORD): session, class, length,
    virtual arrival time."""
    rng = np.random.default_rng(seed)
    rec = np.zeros(n, dpdk_sched.RECORD)
    rate = OFFERED[pattern] * sessions * SHAPE_BPS
    if pattern == "uniform":
        rec["length"] = rng.choice([64, 576, 1500], n, p=[0.58, 0.33, 0.09])
        rec["pipe"] = rng.integers(0, sessions, n)
        rec["cls"] = rng.integers(0, 4, n)
        gaps = rng.exponential(8e9 * float(rec["length"].mean()) / rate, n)
    elif pattern == "sweep":
        i = np.arange(n)
        rec["length"] = 64
        rec["pipe"] = i % sessions
        rec["cls"] = (i // sessions) % 4
        gaps = np.full(n, 8e9 * 64 / rate)
    else:
        raise ValueError(f"unknown traffic pattern {pattern!r}")
    rec["ts_ns"] = 1_000 + np.cumsum(gaps).astype(np.uint64)
    return rec


def to_batch(rec: np.ndarray, uidbs: np.ndarray) -> np.ndarray:
    batch = empty_batch(rec.size)
    batch["ts_ns"] = rec["ts_ns"]
    batch["uidb"] = uidbs[rec["pipe"]]
    batch["dir"] = Direction.OUT
    batch["dscp"] = np.asarray(CLASS_DSCP, np.uint8)[rec["cls"]]
    batch["length"] = rec["length"]
    batch["proto"] = PROTO_UDP
    batch["src"] = 0x0A000001 + rec["pipe"]
    batch["dst"] = 0xAC100001
    batch["sport"], batch["dport"] = 5004, 5004
    return batch


# ---- ours --------------------------------------------------------------------------------------------
class Ours:
    """N sessions on one FastPath, each bound on output to the queueing policy or the plain one."""

    def __init__(self, sessions: int, rec: np.ndarray, batch_size: int):
        from qfp_model.qfp.fastpath import FastPath  # the C extension, loaded on first use

        self.fp = FastPath(max_uidbs=sessions + 16)
        self.policy = {}
        for queueing in (True, False):
            child = self.fp.policy_create(child_policy(queueing))
            self.policy[queueing] = self.fp.policy_create(parent_policy(child, queueing))
        self.uidbs = np.array([self.fp.uidb_create(14 + n, f"Virtual-Access{n + 1}") for n in range(sessions)],
                              np.uint32)
        batch = to_batch(rec, self.uidbs)
        self.batches = [(batch[i:i + batch_size], np.empty(min(batch_size, batch.size - i), VERDICT_DTYPE))
                        for i in range(0, batch.size, batch_size)]
        self.last_ts = int(rec["ts_ns"][-1])
        self.packets = rec.size

    def round(self, queueing: bool) -> float:
        """ns per packet of one replay from fresh bindings."""
        for uidb in self.uidbs:
            self.fp.bind(int(uidb), Direction.OUT, policy=self.policy[queueing])
        advance = self.fp.target_advance
        t0 = time.perf_counter_ns()
        for batch, out in self.batches:
            self.fp.process(batch, out)
        for uidb in self.uidbs:
            advance(int(uidb), Direction.OUT, self.last_ts)
        return (time.perf_counter_ns() - t0) / self.packets

    def outcome(self) -> dict:
        """After a queueing round: what was forwarded (queued), sent and dropped, per class."""
        forwarded = int(sum(np.count_nonzero(out["action"] == 0) for _, out in self.batches))
        sent, tail, depth = [0] * 4, 0, 0
        for uidb in self.uidbs:
            queues = [s.queue for s in self.fp.target_read(int(uidb), Direction.OUT)
                      if s.queue is not None and s.queue.role == QROLE_QUEUE]
            for k, q in enumerate(queues[:4]):
                sent[k] += q.out_pkts
                tail += q.tail_pkts
                depth += q.depth
        return {"queued": forwarded, "sent": sum(sent), "sent_by_class": sent, "tail_drops": tail,
                "left_queued": depth}


def our_state_bytes(ours: Ours) -> tuple[float, str]:
    """Scheduler bytes per session and how the figure was found: the C fast path's own where it
    reports one, else worked out from what csrc/qfp_queue.c allocates at bind."""
    sizer = getattr(ours.fp, "target_sched_bytes", None)
    if sizer is not None:
        return float(sizer(int(ours.uidbs[0]), Direction.OUT)), "reported by the C fast path"
    # qfp_sched_new() allocates a header and one node per queueing class plus the root, a node index
    # per class state, a kid pointer per node, and queue_limit 16-byte descriptors per queue. The
    # struct sizes are qfp_queue.c's on LP64 (sizeof checked by hand: the C side reports none).
    nodes, states, queues = 1 + 1 + 4, 1 + 4, 4
    total = (SCHED_HEADER_BYTES + nodes * QNODE_BYTES + states * 4 + nodes * 8
             + queues * QUEUE_LIMIT * DESCRIPTOR_BYTES)
    return float(total), (f"computed: {nodes} nodes x {QNODE_BYTES} + {queues} x {QUEUE_LIMIT} x "
                          f"{DESCRIPTOR_BYTES}-byte descriptors + header and indexes (malloc overhead not counted)")


# ---- statistics -----------------------------------------------------------------------------------
def spread(values: list[float]) -> dict:
    v = np.asarray(values, float)
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "min": float(v.min()),
            "max": float(v.max()), "rounds": int(v.size)}


# ---- the scenario ----------------------------------------------------------------------------------
def _peer_round(peer, poll_us: int) -> dict:
    """One rte_sched round; one that ran late (see dpdk_sched.calibrated: the process was kept off
    the CPU, or the calls outran the pace) replayed other time steps than ours, so it is run again,
    at most LATE_RETRIES times; the answer says how many repeats it took."""
    repeats = 0
    answer = peer.round(poll_us)
    while answer["late"] > dpdk_sched.LATE_FRACTION_MAX * answer["bursts"] and repeats < LATE_RETRIES:
        answer = peer.round(poll_us)
        repeats += 1
    answer["repeats"] = repeats
    return answer


def _peer_figures(rounds: list[dict], n: int) -> dict:
    last = rounds[-1]
    return {"enqueue_ns_per_packet": float(np.median([p["enqueue_ns"] for p in rounds])) / n,
            "dequeue_ns_per_call": float(np.median([p["dequeue_ns"] / max(p["dequeue_calls"], 1) for p in rounds])),
            "dequeue_calls": last["dequeue_calls"],
            "queued": last["enqueued"], "sent": last["dequeued"], "sent_by_class": last["out_by_class"],
            "tail_drops": n - last["enqueued"], "late_bursts": max(p["late"] for p in rounds),
            "bursts": last["bursts"], "late_max_us": max(p["late_max_us"] for p in rounds),
            "repeated_rounds": sum(p["repeats"] for p in rounds)}


def measure_point(sessions: int, pattern: str, rounds: int, batch_size: int, packets: int,
                  *, require_peer: bool = False) -> dict:
    n = packets
    rec = traffic(pattern, sessions, n)
    ours = Ours(sessions, rec, batch_size)
    why = dpdk.available()
    if why is not None and require_peer:
        raise PeerError(f"rte_sched peer: {why}")
    peer = warm = None
    if why is None:
        peer, warm = dpdk_sched.calibrated(rec, sched_config(sessions))
    contenders = ["ours", "plain", *(POLLS if peer is not None else ())]
    samples: dict[str, list[float]] = {k: [] for k in (*contenders, "queueing")}
    peer_rounds: dict[str, list[dict]] = {k: [] for k in POLLS}
    try:
        ours.round(True)        # warm-up, untimed: caches, page faults, the branch predictor
        ours.round(False)
        for r in range(rounds):
            # The order rotates, so that whatever drifts during a run (another process, the clock)
            # does not always fall on the same contender.
            for who in np.roll(contenders, r):
                if who in POLLS:
                    peer_rounds[who].append(_peer_round(peer, POLLS[who]))
                    samples[who].append(peer_rounds[who][-1]["ns_per_packet"])
                else:
                    samples[who].append(ours.round(who == "ours"))
            samples["queueing"].append(samples["ours"][-1] - samples["plain"][-1])
        # The outcome of one more queueing round, untimed: what the figures above did.
        ours.round(True)
        outcome = ours.outcome()
    finally:
        if peer is not None:
            peer.close()
    state, how = our_state_bytes(ours)
    row = {"scenario": "queueing", "dimension": "sessions", "value": sessions, "pattern": pattern,
           "packets": n, "virtual_seconds": float(rec["ts_ns"][-1]) / 1e9,
           "offered_over_shaped": OFFERED[pattern],
           "ours_ns": spread(samples["ours"]), "ours_plain_ns": spread(samples["plain"]),
           "ours_queueing_ns": spread(samples["queueing"]),
           "ours": outcome, "ours_state_bytes_per_session": state, "ours_state_bytes_how": how,
           "peer_missing": why}
    if peer is not None:
        for who in POLLS:
            suffix = who.removeprefix("rte_sched")
            row[f"{who}_ns"] = spread(samples[who])
            row[f"ratio{suffix}"] = spread([a / b for a, b in zip(samples["queueing"], samples[who])])
            row[who] = _peer_figures(peer_rounds[who], n)
            # Equal work? What it sent over what ours sent from the same packets: the cost of a
            # replay that sent much less is not the cost of the same scheduling.
            row[who]["sent_over_ours"] = row[who]["sent"] / max(outcome["sent"], 1)
        row["rte_sched"].update(
            budget_ns=peer.budget_ns, dilation=peer.info["dilation"],
            tc_period_virtual_ms=peer.info["tc_period_virtual_ms"], tsc_hz=peer.info["tsc_hz"],
            warm_up_ns_per_packet=warm["ns_per_packet"])
        row["rte_sched_state_bytes_per_session"] = peer.info["footprint_bytes"] / sessions
    return row


def scenario_queueing(opts, progress, *, require_peer: bool = False) -> list[dict]:
    counts = QUICK_SESSION_COUNTS if opts.quick else SESSION_COUNTS
    rounds = QUICK_ROUNDS if opts.quick else ROUNDS
    rows = []
    for sessions in counts:
        packets = max(QUICK_MIN_PACKETS if opts.quick else MIN_PACKETS, PACKETS_PER_SESSION * sessions)
        for pattern in PATTERNS:
            row = measure_point(sessions, pattern, rounds, opts.batch, packets, require_peer=require_peer)
            rows.append(row)
            progress.step(f"queueing {sessions:,} sessions {pattern}: ours {row['ours_queueing_ns']['median']:.1f} "
                          f"ns/pkt queueing" + (f", rte_sched {row['rte_sched_ns']['median']:.1f}"
                                               if "rte_sched_ns" in row else ""))
    return rows


def points(quick: bool) -> int:
    return len(QUICK_SESSION_COUNTS if quick else SESSION_COUNTS) * len(PATTERNS)


# ---- reporting ---------------------------------------------------------------------------------------
def _med(s: dict) -> str:
    return f"{s['median']:7.1f} [{s['q1']:.1f}-{s['q3']:.1f}]"


def format_rows(rows: list[dict]) -> str:
    nan = float("nan")
    lines = ["queueing: ns per packet, medians [interquartile range] over interleaved rounds; ours/rte = "
             "ours' queueing share over rte_sched's enqueue + dequeue; sent = packets rte_sched sent over "
             "ours (far from 1: not the same work, see the lines below)",
             f"{'sessions':>8} {'pattern':<8} {'ours total':>20} {'ours queueing':>20} "
             f"{'rte_sched/burst':>22} {'ours/rte':>8} {'sent':>5} {'rte_sched/1ms':>20} {'ours/rte':>8} "
             f"{'sent':>5} {'B/session ours':>14} {'rte_sched':>9}"]
    for r in rows:
        peer = "rte_sched_ns" in r
        lines.append(
            f"{r['value']:>8,} {r['pattern']:<8} {_med(r['ours_ns']):>20} {_med(r['ours_queueing_ns']):>20} "
            f"{_med(r['rte_sched_ns']) if peer else '-':>22} {r['ratio']['median'] if peer else nan:>8.2f} "
            f"{r['rte_sched']['sent_over_ours'] if peer else nan:>5.2f} "
            f"{_med(r['rte_sched_1ms_ns']) if peer else '-':>20} {r['ratio_1ms']['median'] if peer else nan:>8.2f} "
            f"{r['rte_sched_1ms']['sent_over_ours'] if peer else nan:>5.2f} "
            f"{r['ours_state_bytes_per_session']:>14,.0f} "
            f"{r['rte_sched_state_bytes_per_session'] if peer else nan:>9,.0f}")
    for r in rows:
        o = r["ours"]
        lines.append(f"  {r['value']:,} {r['pattern']}: {r['packets']:,} packets over {r['virtual_seconds']:.3f} s "
                     f"virtual; ours queued {o['queued']:,}, sent {o['sent']:,} {o['sent_by_class']}")
        for who in POLLS if "rte_sched" in r else ():
            p = r[who]
            lines.append(f"    {who}: queued {p['queued']:,}, sent {p['sent']:,} {p['sent_by_class']}; "
                         f"enqueue {p['enqueue_ns_per_packet']:.1f} ns/pkt, {p['dequeue_calls']:,} dequeue calls "
                         f"of {p['dequeue_ns_per_call']:,.0f} ns; late bursts {p['late_bursts']}/{p['bursts']}, "
                         f"{p['repeated_rounds']} rounds repeated for lateness")
    missing = {r["peer_missing"] for r in rows if r.get("peer_missing")}
    if missing:
        lines.append(f"(no rte_sched peer: {', '.join(sorted(missing))})")
    how = {r["ours_state_bytes_how"] for r in rows}
    lines.append(f"(ours bytes/session: {', '.join(sorted(how))})")
    return "\n".join(lines)
