"""`qfp bench classbench`: our ACL lookup beside DPDK rte_acl on ClassBench-style rule sets
(classbench.py), for each family x size x trace kind, in one process (peers/dpdk_peer.c loads our
binding and times both round by round).

Why in the peer's process and interleaved: on a machine shared with CI and other runs, two
measurements taken minutes apart compare two different machines; rounds that alternate between
classifiers share the disturbance, and the median with its interquartile range says how much there
was. Every figure is such a median; none is a best pass.

Each round times two passes of every classifier over the same packets. The first starts from the
cache the other classifiers' passes left (rte_acl's tables run to gigabytes at 100k rules), which
costs a classifier whose walk waits on one load at a time more than one that keeps many in flight;
the second is its steady state, what dpdk-test-acl measures by iterating over a trace and what a
headend classifying a stream of packets pays. The steady state is the figure judged (`x`); the
first pass is given beside it (`x cold`: our first pass over rte_acl's best first pass).

Each row also counts mismatches three ways, all of which must be zero: each of our methods against
rte_acl's scalar answers (in the peer), our automatic method through FastPath.acl_classify against
rte_acl (here), and the first-matching rule that the ACE translation gives against the rules' plain
predicate on a sample of packets (classbench.Rule.matches).

`--ipv6` runs the IPv6 rows instead (classbench6.py's ClassBench-ng-style sets as `ipv6 access-list`
ACEs, rte_acl in DPDK's IPv6 layout): IPv6 has the scan, the bit vectors over four projections and
the tree over twelve fields, and no hybrid, so those are the methods timed."""
from __future__ import annotations

import sys
import time

import numpy as np

from qfp_model.qfp.fastpath import FastPath
from qfp_model.qfp.packets import address_int

from ..json_output import report_stream, write_json
from . import classbench as cb
from . import classbench6 as cb6
from .peers import dpdk
from .progress import Progress

# 100k rules (issue 15) where the generator gives them: IPv4 fw, ipc and wild. Not acl, whose seed
# cannot give 100k rules that no earlier one covers (classbench.py), nor ports, whose any-any bucket
# makes its generation superlinear (10k: 7 s, 20k: 41 s); nor IPv6 yet, whose rte_acl layout was
# never built that large here. A 100k row costs a minute or two: generation 11-26 s, rte_acl's build
# 23-64 s and up to 1.9 GB (fw), once per trace kind.
SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000,)
LARGEST = {4: {"acl": 10_000, "ports": 10_000}, 6: {"acl": 10_000, "fw": 10_000, "ipc": 10_000}}


def family_sizes(family: str, sizes, ip: int = 4) -> tuple[int, ...]:
    """The sizes of `sizes` that the family's generator is run at."""
    return tuple(n for n in sizes if n <= LARGEST[ip].get(family, n))


# The scan visits every ACE: at 10k ACEs a round of it costs more than all the others together, and
# it is never the method AUTO picks there.
SCAN_UP_TO = 1_000
PREDICATE_SAMPLE = 200


# The rule generator of each IP version; IPv6 ACLs have no hybrid (docs/fastpath.md, "IPv6").
GENERATORS = {4: cb, 6: cb6}
_INDEXED = {4: ("auto", "tree", "bitvector", "hybrid"), 6: ("auto", "tree", "bitvector")}


# Bit vectors (and the hybrid's head of them) hold a bit per ACE per elementary interval: at 100k
# their build and memory dwarf every other method's, and from 10k they lose to the tree anyway.
BITVECTOR_UP_TO = 10_000


def _methods(n: int, ip: int = 4) -> tuple[str, ...]:
    methods = _INDEXED[ip] if n <= BITVECTOR_UP_TO else ("auto", "tree")
    return methods + (("scan",) if n <= SCAN_UP_TO else ())


def measure(family: str, n: int, kind: str, packets: int, rounds: int, seed: int = 1,
            rules=None, peer_binary=None, ip: int = 4) -> dict:
    """One row: family x size x trace kind, of IP version `ip`."""
    gen = GENERATORS[ip]
    rule_list = rules if rules is not None else gen.rules(family, n, seed)
    tr = gen.translate(rule_list)
    fp = FastPath()
    slot = fp.acl_create(tr.aces)
    stats = fp.acl_stats(slot)
    batch = gen.trace(rule_list, kind, packets, seed + 1,
                      first_match=lambda b: tr.rule_answers(fp.acl_classify(slot, b)))
    ours_auto = fp.acl_classify(slot, batch)
    result = dpdk.run(tr.aces, batch, repeat=rounds, ours=_methods(n, ip), binary=peer_binary)
    # The translation against the rules' own meaning, on a sample (the predicate is plain Python).
    rng = np.random.default_rng(seed)
    got = tr.rule_answers(ours_auto)
    predicate_bad = 0
    for i in rng.choice(batch.size, min(PREDICATE_SAMPLE, batch.size), replace=False):
        p = batch[int(i)]
        key = (int(p["proto"]), address_int(p, "src"), address_int(p, "dst"), int(p["sport"]), int(p["dport"]))
        want = next((k for k, r in enumerate(rule_list) if r.matches(*key)), len(rule_list))
        predicate_bad += int(want != got[int(i)])
    best = result.best
    auto = result.ours["auto"]
    # Each round's first pass, after the other classifiers' passes filled the cache (dpdk_peer.c);
    # rte_acl's best of those may be another algorithm than its best steady state.
    cold_best = min(result.cold, key=lambda alg: result.cold[alg][0])
    best_ours = min(result.ours, key=lambda m: result.ours[m]["ns"])
    return {
        "ip": ip, "family": family, "rules": len(rule_list), "aces": len(tr.aces), "split": tr.split, "trace": kind,
        "packets": int(batch.size), "rounds": result.rounds,
        "no_match_share": float(np.mean(got == len(rule_list))),
        "ours": result.ours, "ours_best": best_ours, "auto_method": stats.method,
        "auto_leaf_max": stats.leaf_max, "auto_depth_max": stats.depth_max,
        "rte_acl": {"best": best, "ns": result.best_ns, "iqr": list(result.iqr[best]),
                    "algorithms": result.algorithms, "iqrs": {k: list(v) for k, v in result.iqr.items()},
                    "build_ms": result.build_ms, "bytes": result.acl_bytes, "rules": result.rules,
                    "fields": result.fields, "cold_best": cold_best, "cold_ns": result.cold[cold_best][0],
                    "cold_iqr": list(result.cold[cold_best][1:]),
                    "colds": {k: list(v) for k, v in result.cold.items()}},
        "auto_over_rte": auto["ns"] / result.best_ns if result.best_ns else None,
        "auto_over_rte_cold": auto["cold"][0] / result.cold[cold_best][0],
        "mismatches": {"peer": {m: f["mismatches"] for m, f in result.ours.items()},
                       "fastpath_vs_rte": int(np.count_nonzero(ours_auto != result.ace)),
                       "translation_sample": predicate_bad},
    }


def mismatch_total(row: dict) -> int:
    m = row["mismatches"]
    return sum(m["peer"].values()) + m["fastpath_vs_rte"] + m["translation_sample"]


def points(sizes, traces, ip: int = 4) -> int:
    """The rows `rows` gives for every family of the IP version: its progress steps."""
    return sum(len(family_sizes(f, sizes, ip)) for f in GENERATORS[ip].FAMILIES) * len(traces)


def rows(families=None, sizes=SIZES, traces=cb.TRACES, packets: int = 1 << 15, rounds: int = 9,
         progress: Progress | None = None, ip: int = 4) -> list[dict]:
    """Every family (default: all of the IP version's generator) x size x trace kind."""
    gen = GENERATORS[ip]
    out = []
    peer_binary = dpdk.build()
    for family in families or gen.FAMILIES:
        for n in family_sizes(family, sizes, ip):
            rule_list = gen.rules(family, n, 1)
            for kind in traces:
                out.append(measure(family, n, kind, packets, rounds, rules=rule_list, peer_binary=peer_binary,
                                   ip=ip))
                if progress:
                    progress.step(f"classbench{'' if ip == 4 else ' IPv6'} {family} {n} {kind}")
    return out


def format_table(table: list[dict]) -> str:
    head = (f"{'family':7} {'rules':>6} {'aces':>6} {'trace':6} {'auto ns [IQR]':>22} {'auto':>9} "
            f"{'our best':>20} {'rte_acl best ns [IQR]':>30} {'x':>5} {'x cold':>6} {'mism':>4} "
            f"{'build ms us/rte':>16} {'KiB us/rte':>16}")
    lines = [head]
    for r in table:
        a, b, rte = r["ours"]["auto"], r["ours"][r["ours_best"]], r["rte_acl"]
        lines.append(
            f"{r['family'] + ('6' if r.get('ip') == 6 else ''):7} {r['rules']:>6} {r['aces']:>6} {r['trace']:6} "
            f"{a['ns']:7.1f} [{a['iqr'][0]:5.1f},{a['iqr'][1]:6.1f}] {r['auto_method']:>9} "
            f"{r['ours_best'][:9]:>9} {b['ns']:7.1f}   "
            f"{rte['best']:>9} {rte['ns']:6.1f} [{rte['iqr'][0]:5.1f},{rte['iqr'][1]:6.1f}] "
            f"{r['auto_over_rte']:5.2f} {r['auto_over_rte_cold']:6.2f} {mismatch_total(r):>4} "
            f"{a['build_ms']:7.1f}/{rte['build_ms']:<8.1f} {a['bytes'] / 1024:7.0f}/{rte['bytes'] / 1024:<8.0f}")
    return "\n".join(lines)


def run(args) -> int:
    reason = dpdk.available()
    if reason is not None:
        print(f"qfp bench classbench: {reason}", file=sys.stderr)
        return 2
    quick = args.quick
    ip = 6 if getattr(args, "ipv6", False) else 4
    sizes = QUICK_SIZES if quick else SIZES
    progress = Progress(points(sizes, cb.TRACES, ip))
    start = time.perf_counter()
    table = rows(sizes=sizes, packets=1 << 13 if quick else 1 << 15, rounds=5 if quick else 9, progress=progress,
                 ip=ip)
    progress.close()
    out = report_stream(args.json)
    print(format_table(table), file=out)
    bad = sum(mismatch_total(r) for r in table)
    print(f"({time.perf_counter() - start:.1f} s; medians of interleaved rounds [interquartile range], "
          f"ns per packet, each round's second pass (steady state); x = auto / rte_acl best; x cold = the "
          f"same on each round's first pass; {bad} mismatches)", file=out)
    if args.json:
        write_json(args.json, {"classbench": table, "quick": quick, "ip": ip}, default=str)
    return 1 if bad else 0
