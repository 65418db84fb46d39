"""Issue 15's goals on the field's rule sets (and issue 16's for IPv6), judged from the rows of
`qfp bench classbench` (classbench_bench.py): every row is already a median of rounds interleaved
with rte_acl in one process, with zero mismatches, so judging is arithmetic on them.

Per IP version, family and size, one goal: our automatic method over rte_acl's best, on the worst
of the trace kinds measured, in steady state (the detail gives each, with both interquartile
ranges and the round's first pass, which starts from the cache the other classifiers left). Per family:
growth, cost at its largest size over cost at its smallest, on the worst trace kind; build time
and tables at its largest size. The issue sets them at 100k rules; a family the generator does not
run that large (classbench_bench.LARGEST), or a quick run, is judged at its largest, and the goal's
detail says which sizes it compares."""
from __future__ import annotations

from collections import defaultdict

from .goal import Goal

LOOKUP_X = 1.0     # auto / rte_acl's best, on every trace kind
GROWTH_X = 2.0     # cost(largest) / cost(smallest), per trace kind
BUILD_S = 2.0      # our build at the largest size
MEMORY_X = 1.0     # our tables / rte_acl's at the largest size


def _size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _prefix(ip: int, family: str) -> str:
    return f"classbench{'' if ip == 4 else '6'}-{family}"


def lookup_goal(rows: list[dict]) -> Goal:
    """One family and size, every trace kind measured: its worst ratio against rte_acl."""
    first = rows[0]
    worst = max(rows, key=lambda r: r["auto_over_rte"])
    parts = []
    for r in rows:
        a, rte = r["ours"]["auto"], r["rte_acl"]
        parts.append(f"{r['trace']} {a['ns']:.1f} [{a['iqr'][0]:.1f}-{a['iqr'][1]:.1f}] vs "
                     f"{rte['ns']:.1f} [{rte['iqr'][0]:.1f}-{rte['iqr'][1]:.1f}] ns {r['auto_over_rte']:.2f}x"
                     + (f" (first pass {a['cold'][0]:.1f} vs {rte['cold_ns']:.1f}, {r['auto_over_rte_cold']:.2f}x)"
                        if "auto_over_rte_cold" in r else ""))
    return Goal(f"{_prefix(first['ip'], first['family'])}-{_size(first['rules'])}", worst["auto_over_rte"],
                LOOKUP_X, "x rte_acl", False,
                f"auto ({first['auto_method']}) / rte_acl's best ({worst['rte_acl']['best']} on the worst): "
                + "; ".join(parts))


def growth_goal(small: list[dict], large: list[dict]) -> Goal:
    """cost(large) / cost(small) per trace kind, the worst of them."""
    ratios = {r["trace"]: b["ours"]["auto"]["ns"] / r["ours"]["auto"]["ns"]
              for r in small for b in large if b["trace"] == r["trace"]}
    n_small, n_large = small[0]["rules"], large[0]["rules"]
    return Goal(f"{_prefix(small[0]['ip'], small[0]['family'])}-growth", max(ratios.values()), GROWTH_X, "x", False,
                f"cost({_size(n_large)}) / cost({_size(n_small)}), auto: "
                + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))


def size_goals(rows: list[dict]) -> list[Goal]:
    """Build time and table memory at one size (a family's largest)."""
    first = rows[0]
    build_ms = max(r["ours"]["auto"]["build_ms"] for r in rows)
    rte_build_ms = max(r["rte_acl"]["build_ms"] for r in rows)
    ours_bytes, rte_bytes = first["ours"]["auto"]["bytes"], first["rte_acl"]["bytes"]
    at = f"at {_size(first['rules'])} rules"
    prefix = _prefix(first["ip"], first["family"])
    return [Goal(f"{prefix}-build", build_ms / 1e3, BUILD_S, "s", False,
                 f"{at}: ours {build_ms:,.0f} ms (the longest of {len(rows)} builds), rte_acl {rte_build_ms:,.0f} ms"),
            Goal(f"{prefix}-memory", ours_bytes / rte_bytes, MEMORY_X, "x rte_acl", False,
                 f"{at}: ours {ours_bytes / 2**20:,.2f} MiB, rte_acl {rte_bytes / 2**20:,.1f} MiB")]


def judge(rows: list[dict]) -> list[Goal]:
    """The goals of classbench_bench rows (any mix of IP versions, families, sizes, trace kinds)."""
    by_size: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        by_size[r.get("ip", 4), r["family"], r["rules"]].append(r)
    by_family: dict[tuple, list[int]] = defaultdict(list)
    for ip, family, n in by_size:
        by_family[ip, family].append(n)
    goals = []
    for (ip, family), sizes in by_family.items():
        sizes.sort()
        goals += [lookup_goal(by_size[ip, family, n]) for n in sizes]
        if len(sizes) > 1:
            goals.append(growth_goal(by_size[ip, family, sizes[0]], by_size[ip, family, sizes[-1]]))
        goals += size_goals(by_size[ip, family, sizes[-1]])
    return goals
