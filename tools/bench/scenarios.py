"""`qfp bench` named scenarios: how throughput and memory grow with the dimension a user scales.

    seed        one session, the seed's class-default 1R2C policer each way
    acl-scale   a filter ACL of 10, 100, 1,000 and 10,000 ACEs on 16 sessions
    sessions    1,000 to 1,000,000 sessions, a third each on a 1R2C, 1R3C and 2R3C policy
    coa         CoA requests per second over loopback UDP while traffic runs
    aaa         sessions brought up per second with authorization and accounting against a private
                FreeRADIUS (10,000 sessions; --quick 1,000), then all torn down, every Stop answered
    queueing    per-packet cost of our shapers, queues and scheduler beside DPDK's rte_sched on the
                same hierarchy and packets, 16 and 1,024 sessions (queueing.py; rte_sched where
                libdpdk-dev is installed)

Each point is timed on the C fast path and on the numpy baseline (qfp.baseline) programmed with the
same tables and fed the same batch in this process, after checking that both give the same verdicts,
so the ratio compares equal work. Memory per session is the process's RSS growth while the sessions
were programmed, divided by their number (meaningful from thousands of sessions on).

The numpy baseline's policing is a Python loop per packet (its docstring says why), so it is timed on
fewer rounds; where its table programming alone would dominate the run (the 1M-session point) it is
timed on a sample of sessions and says so (`numpy_sessions`).
"""
from __future__ import annotations

import sys
import tempfile
import threading
import time

import numpy as np

from qfp_model.control.headend import Headend
from qfp_model.qfp.packets import empty_batch
from qfp_model.qfp.tables import PROTO_TCP, PROTO_UDP, Ace, Direction, PortMatch, PortOp

from .. import freeradius
from ..coa_client import CoaEndpoint
from ..json_output import report_stream, write_json
from . import queueing
from .baseline import NumpyBaseline
from .progress import Progress, rss_bytes
from .workloads import advance, ip, mixed_policies, seed_session, time_process

SCENARIOS = ("seed", "acl-scale", "sessions", "coa", "aaa", "queueing")
AAA_SESSIONS, AAA_QUICK_SESSIONS = 10_000, 1_000
ACL_SIZES = (10, 100, 1_000, 10_000)
SESSION_COUNTS = (1_000, 10_000, 100_000, 1_000_000)
QUICK = {"acl-scale": (10, 100), "sessions": (1_000, 10_000)}
# Above this the baseline is timed on a sample of sessions: its uidb_create looks for the lowest free
# handle by counting up, so programming n sessions costs it n^2/2 steps.
NUMPY_MAX_SESSIONS = 10_000
SESSION_RATE = 100_000_000     # bit/s offered per session in the sessions scenario's traffic


# ---- tables and traffic ---------------------------------------------------------------------------
def scale_acl(n: int) -> list[Ace]:
    """n ACEs: n-1 denies of single hosts and port ranges that the traffic rarely hits (so most packets
    walk the whole list, the worst case a first-match ACL has), then permit any."""
    aces = []
    for i in range(n - 1):
        if i % 2:
            aces.append(Ace(False, src=ip("100.64.0.0") + i, src_wildcard=0))
        else:
            lo = 1024 + (i * 7) % 60000
            aces.append(Ace(False, PROTO_TCP, dst=ip("172.16.0.0") + (i & 0xFFFF), dst_wildcard=0,
                            dport=PortMatch(PortOp.RANGE, lo, lo + 5)))
    aces.append(Ace(True))
    return aces


def random_traffic(rng: np.random.Generator, uidbs: np.ndarray, n: int, sessions_rate: float) -> np.ndarray:
    batch = empty_batch(n)
    batch["length"] = rng.choice([64, 576, 1500], n, p=[0.58, 0.33, 0.09])
    pps = sessions_rate / (8 * float(batch["length"].mean()))
    batch["ts_ns"] = np.cumsum(rng.exponential(1e9 / pps, n)).astype(np.uint64) + 1
    batch["uidb"] = rng.choice(uidbs, n)
    batch["dir"] = rng.integers(0, 2, n)
    batch["src"] = ip("10.0.0.0") + rng.integers(0, 1 << 16, n)
    batch["dst"] = ip("172.16.0.0") + rng.integers(0, 1 << 16, n)
    batch["proto"] = rng.choice([PROTO_TCP, PROTO_UDP], n)
    batch["sport"] = rng.integers(1024, 65536, n)
    batch["dport"] = rng.integers(1, 65536, n)
    return batch


def program_sessions(fp, count: int, policies: list[int], acl: int | None = None) -> np.ndarray:
    uidbs = np.empty(count, dtype=np.uint32)
    for n in range(count):
        uidb = fp.uidb_create(14 + n, f"Virtual-Access{1 + n}")
        policy = policies[n % len(policies)]
        for d in Direction:
            fp.bind(uidb, d, acl=acl, policy=policy)
        uidbs[n] = uidb
    return uidbs


# ---- measuring ------------------------------------------------------------------------------------
def _factories():
    from qfp_model.qfp.fastpath import FastPath  # the C extension, loaded on first use

    return FastPath, NumpyBaseline


def _measure(build, seconds: float, numpy_seconds: float, check: bool = True) -> dict:
    """build(factory) -> (fp, batch); times the C fast path and the baseline on the same work."""
    fast_cls, numpy_cls = _factories()
    rss0 = rss_bytes()
    fast, batch = build(fast_cls)
    rss1 = rss_bytes()
    base, base_batch = build(numpy_cls)
    if check:
        expected = fast.process(batch.copy())
        got = base.process(base_batch.copy())
        if not np.array_equal(expected, got):
            raise RuntimeError(f"the numpy baseline disagrees on {np.count_nonzero(expected != got)} verdicts")
    fast_ns = time_process(fast, batch, seconds) * 1e9
    numpy_ns = time_process(base, base_batch, numpy_seconds, max_rounds=20) * 1e9
    return {"fastpath_pps": 1e9 / fast_ns, "fastpath_ns_per_packet": fast_ns,
            "numpy_pps": 1e9 / numpy_ns, "numpy_ns_per_packet": numpy_ns,
            "numpy_over_c": numpy_ns / fast_ns, "rss_delta_bytes": rss1 - rss0}


def scenario_seed(opts) -> list[dict]:
    def build(factory):
        fp = factory()
        uidb = seed_session(fp, 2_000_000, 1_000_000)
        rng = np.random.default_rng(1)
        batch = random_traffic(rng, np.array([uidb], np.uint32), opts.batch, 6_000_000)
        return fp, batch

    row = _measure(build, opts.seconds, opts.seconds / 2)
    row.update(scenario="seed", dimension="sessions", value=1, memory_per_session_bytes=None)
    return [row]


def scenario_acl_scale(opts, progress) -> list[dict]:
    rows = []
    for n in opts.points.get("acl-scale", ACL_SIZES):
        aces = scale_acl(n)

        def build(factory, aces=aces, n=n):
            fp = factory()
            slot = fp.acl_create(aces)
            policy = fp.policy_create(mixed_policies()[0])
            uidbs = program_sessions(fp, 16, [policy], acl=slot)
            rng = np.random.default_rng(2)
            batch = random_traffic(rng, uidbs, opts.batch, 16 * SESSION_RATE)
            # One packet in 50 hits a deny in the middle of the list, so denies are exercised too.
            hit = rng.random(opts.batch) < 0.02
            batch["src"][hit] = ip("100.64.0.0") + (n // 2 | 1)
            return fp, batch

        row = _measure(build, opts.seconds, opts.seconds / 2)
        row.update(scenario="acl-scale", dimension="aces", value=n, memory_per_session_bytes=None)
        rows.append(row)
        progress.step(f"acl-scale {n:,} ACEs: {row['fastpath_pps']:,.0f} packets/s")
    return rows


def scenario_sessions(opts, progress) -> list[dict]:
    fast_cls, numpy_cls = _factories()
    rows = []
    for count in opts.points.get("sessions", SESSION_COUNTS):
        rss0 = rss_bytes()
        t0 = time.perf_counter()
        fast = fast_cls(max_uidbs=max(count, 1024))
        policies = [fast.policy_create(p) for p in mixed_policies()]
        uidbs = program_sessions(fast, count, policies)
        setup_s = time.perf_counter() - t0
        per_session = (rss_bytes() - rss0) / count
        rng = np.random.default_rng(3)
        batch = random_traffic(rng, uidbs, opts.batch, min(count, 10_000) * SESSION_RATE)

        sample = min(count, NUMPY_MAX_SESSIONS)
        base = numpy_cls()
        base_policies = [base.policy_create(p) for p in mixed_policies()]
        base_uidbs = program_sessions(base, sample, base_policies)
        base_batch = batch.copy()
        base_batch["uidb"] = base_uidbs[(batch["uidb"].astype(np.int64)) % sample]
        if sample == count:   # the same tables and traffic: the verdicts must agree before timing
            if not np.array_equal(fast.process(batch.copy()), base.process(base_batch.copy())):
                raise RuntimeError(f"the numpy baseline disagrees with the C fast path at {count} sessions")
        fast_ns = time_process(fast, batch, opts.seconds) * 1e9
        numpy_ns = time_process(base, base_batch, opts.seconds / 2, max_rounds=20) * 1e9
        del base, base_uidbs, base_batch
        row = {"scenario": "sessions", "dimension": "sessions", "value": count,
               "fastpath_pps": 1e9 / fast_ns, "fastpath_ns_per_packet": fast_ns,
               "numpy_pps": 1e9 / numpy_ns, "numpy_ns_per_packet": numpy_ns, "numpy_over_c": numpy_ns / fast_ns,
               "numpy_sessions": sample, "memory_per_session_bytes": per_session,
               "setup_seconds": setup_s}
        rows.append(row)
        del fast, uidbs, batch
        progress.step(f"sessions {count:,}: {row['fastpath_pps']:,.0f} packets/s, "
                      f"{per_session:,.0f} bytes/session")
    return rows


def scenario_coa(opts, progress) -> list[dict]:
    """CoA-Requests per second over loopback UDP, one at a time (each waits for its ACK), while a
    thread keeps traffic flowing through the same sessions."""
    headend = Headend.from_config_file()
    device = headend.device
    sessions = [device.session_up(f"198.18.{n >> 8}.{n & 255}", "77.1.1.2") for n in range(1, 65)]
    endpoint = CoaEndpoint(headend)
    stop = threading.Event()
    processed = [0]

    def traffic() -> None:
        rng = np.random.default_rng(4)
        batch = random_traffic(rng, np.array([s.uidb for s in sessions], np.uint32), opts.batch,
                               64 * SESSION_RATE)
        while not stop.is_set():
            device.fp.process(batch)
            advance(batch)
            processed[0] += batch.size

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    policies = ["2M", "aaa-pol", "2M-IN", "VOICE-POLICY"]
    sent = acks = 0
    t0 = time.perf_counter()
    try:
        while time.perf_counter() - t0 < opts.seconds * 2:
            session = sessions[sent % len(sessions)]
            reply = endpoint.send("coa", [f"audit-session-id={session.audit_session_id}",
                                          f"ip:sub-qos-policy-in={policies[sent % len(policies)]}"], {})
            sent += 1
            acks += reply.kind == "ack"
    finally:
        elapsed = time.perf_counter() - t0
        stop.set()
        worker.join()
        endpoint.close()
    row = {"scenario": "coa", "dimension": "requests", "value": sent, "coa_per_second": sent / elapsed,
           "acks": acks, "fastpath_pps_during": processed[0] / elapsed}
    progress.step(f"coa: {row['coa_per_second']:,.0f} requests/s, {acks} ACKs")
    return [row]


def scenario_aaa(opts, progress) -> list[dict]:
    """`sim session load` of N sessions whose profile asks a private FreeRADIUS for authorization
    (each an Access-Request and Accept applied by the CoA rules) and accounts them (a Start each),
    timed until every session is up; then `clear crypto session` and the time until every Stop is
    answered."""
    count = AAA_QUICK_SESSIONS if opts.quick else AAA_SESSIONS
    try:
        freeradius.binary()
    except freeradius.FreeRadiusMissing as exc:
        progress.step(f"aaa: skipped ({exc})")
        return [{"scenario": "aaa", "skipped": str(exc)}]
    users = {"spoke": freeradius.Reply(["ip:sub-qos-policy-in=aaa-pol", "ipsec:inacl=IN"])}
    with freeradius.FreeRadius(users, secret="bench-key") as server, Headend.from_config_file() as headend:
        for line in ("configure terminal", "no radius server ISE-1", "radius server BENCH",
                     f" address ipv4 127.0.0.1 auth-port {server.auth_port} acct-port {server.acct_port}",
                     " key bench-key", "aaa group server radius BENCH", " server name BENCH",
                     "aaa authorization network BENCH group BENCH",
                     "aaa accounting network BENCH start-stop group BENCH",
                     "crypto ikev2 profile FLEX-PROFILE", " aaa authorization group psk list BENCH spoke",
                     " aaa accounting psk BENCH", "end"):
            headend.execute(line)
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
            listing.write("".join(f"remote 198.18.{n >> 8}.{n & 255} local 77.1.1.2\n" for n in range(1, count + 1)))
            listing.flush()
            t0 = time.perf_counter()
            headend.execute(f"sim session load {listing.name}")
            up_s = time.perf_counter() - t0
        headend.aaa.flush(60)
        starts_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        headend.execute("clear crypto session")
        stopped = headend.aaa.flush(120)
        stop_s = time.perf_counter() - t1
        [row_server] = headend.show_data("show aaa servers")
    row = {"scenario": "aaa", "dimension": "sessions", "value": count, "sessions_per_second": count / up_s,
           "up_s": up_s, "starts_answered_s": starts_s, "stops_answered_s": stop_s, "stops_all_answered": stopped,
           "access_requests": row_server["author"]["request"], "accepts": row_server["author"]["accept"],
           "accounting_requests": row_server["account"]["request"],
           "timeouts": row_server["author"]["timeouts"] + row_server["account"]["timeouts"]}
    progress.step(f"aaa: {row['sessions_per_second']:,.0f} sessions/s authorized and up")
    return [row]


# ---- reporting --------------------------------------------------------------------------------------
def format_rows(rows: list[dict]) -> str:
    queued = [r for r in rows if r["scenario"] == "queueing"]
    rows = [r for r in rows if r["scenario"] != "queueing"]
    lines = [f"{'scenario':<10} {'point':>12} {'C packets/s':>14} {'C ns/pkt':>9} {'numpy ns/pkt':>13} "
             f"{'numpy/C':>8} {'bytes/session':>14}"]
    for r in rows:
        if r["scenario"] == "aaa":
            if "skipped" in r:
                lines.append(f"{'aaa':<10} skipped: {r['skipped']}")
            else:
                lines.append(f"{'aaa':<10} {r['value']:>12,} sessions authorized by FreeRADIUS and up: "
                             f"{r['sessions_per_second']:,.0f}/s ({r['up_s']:.2f} s; Starts answered at "
                             f"{r['starts_answered_s']:.2f} s); {r['accounting_requests']:,} accounting requests, "
                             f"Stops answered {r['stops_answered_s']:.2f} s after clear, {r['timeouts']} timeouts")
            continue
        if r["scenario"] == "coa":
            if "skipped" in r:
                lines.append(f"{'coa':<10} skipped: {r['skipped']}")
            else:
                lines.append(f"{'coa':<10} {r['value']:>12,} CoA-Requests: {r['coa_per_second']:,.0f}/s over "
                             f"UDP, {r['acks']} ACKs; fast path meanwhile {r['fastpath_pps_during']:,.0f} packets/s")
            continue
        mem = r.get("memory_per_session_bytes")
        point = f"{r['value']:,} {r['dimension']}"
        note = f"  (numpy on {r['numpy_sessions']:,})" if r.get("numpy_sessions", r["value"]) != r["value"] else ""
        lines.append(f"{r['scenario']:<10} {point:>12} {r['fastpath_pps']:>14,.0f} "
                     f"{r['fastpath_ns_per_packet']:>9,.1f} {r['numpy_ns_per_packet']:>13,.1f} "
                     f"{r['numpy_over_c']:>8,.1f} {'' if mem is None else f'{mem:,.0f}':>14}{note}")
    if queued:   # a table of its own: its columns are ours and rte_sched's, not C and numpy
        lines += ["", queueing.format_rows(queued)]
    return "\n".join(lines)


def plot(rows: list[dict], path: str) -> None:
    try:
        import matplotlib
    except ImportError:
        raise SystemExit("qfp bench: --plot needs matplotlib: pip install 'qfp-model[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scaled = [s for s in ("acl-scale", "sessions") if any(r["scenario"] == s for r in rows)]
    fig, axes = plt.subplots(1, max(len(scaled), 1), figsize=(6 * max(len(scaled), 1), 4), squeeze=False)
    for ax, name in zip(axes[0], scaled):
        mine = [r for r in rows if r["scenario"] == name]
        x = [r["value"] for r in mine]
        ax.loglog(x, [r["fastpath_pps"] for r in mine], "o-", label="C fast path")
        ax.loglog(x, [r["numpy_pps"] for r in mine], "s--", label="numpy baseline")
        ax.set_xlabel(mine[0]["dimension"])
        ax.set_ylabel("packets/s")
        ax.set_title(name)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def run(args) -> int:
    names = list(SCENARIOS) if not args.scenarios or "all" in args.scenarios else args.scenarios
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"qfp bench: unknown scenario {', '.join(unknown)}; one of {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    args.points = QUICK if args.quick else {}
    total = sum(len(args.points.get(n, ACL_SIZES if n == "acl-scale" else SESSION_COUNTS))
                if n in ("acl-scale", "sessions") else queueing.points(args.quick) if n == "queueing" else 1
                for n in names)
    progress = Progress(total)
    rows: list[dict] = []
    start = time.perf_counter()
    for name in names:
        if name == "seed":
            rows += scenario_seed(args)
            progress.step(f"seed: {rows[-1]['fastpath_pps']:,.0f} packets/s")
        elif name == "acl-scale":
            rows += scenario_acl_scale(args, progress)
        elif name == "sessions":
            rows += scenario_sessions(args, progress)
        elif name == "coa":
            rows += scenario_coa(args, progress)
        elif name == "aaa":
            rows += scenario_aaa(args, progress)
        elif name == "queueing":
            rows += queueing.scenario_queueing(args, progress)
    progress.close()
    report = report_stream(args.json)
    print(format_rows(rows), file=report)
    print(f"({time.perf_counter() - start:.1f} s)", file=report)
    if args.json:
        write_json(args.json, {"batch": args.batch, "seconds": args.seconds, "results": rows})
    if args.plot:
        plot(rows, args.plot)
    return 0
