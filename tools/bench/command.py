"""`qfp bench`: its arguments, and which of the three benchmarks a command line asks for.

    qfp bench                     the workload table (table.py)
    qfp bench SCENARIO... / --json / --plot / --quick    the named scenarios (scenarios.py)
    qfp bench goals / --peers     the line-rate goals, beside DPDK with --peers (goals.py)
    qfp bench classbench          ClassBench-style rule sets beside rte_acl (classbench_bench.py)
    qfp bench classbench --ipv6   the same for IPv6 (classbench6.py), in rte_acl's IPv6 layout
"""
from __future__ import annotations

import argparse
import importlib

from ..arguments import positive
from . import classbench_bench, goals, scenarios, table
from .scenarios import SCENARIOS


def add_arguments(p) -> None:
    p.add_argument("--seconds", type=float, default=1.0, help="timing budget per measurement (default 1)")
    p.add_argument("--batch", type=positive, default=8192, help="packets per process() call (default 8192)")
    p.add_argument("--sessions", type=positive, default=16, help="Virtual-Access sessions (default 16)")
    p.add_argument("--no-reference", action="store_true", help="skip the slow pure-Python reference model")
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                   help=f"named scenarios: {', '.join(SCENARIOS)} or all (default: the workload table); "
                        "goals: the line-rate goals (see --peers); classbench: ClassBench-style rule sets beside "
                        "DPDK rte_acl")
    p.add_argument("--json", metavar="FILE",
                   help="run the scenarios (all unless named) and write their figures as JSON "
                        "(`-`: to stdout, the table to stderr)")
    p.add_argument("--plot", metavar="FILE.png", type=_plot_file,
                   help="chart packets/s against ACEs and sessions (needs matplotlib)")
    p.add_argument("--quick", action="store_true", help="the scenarios' two smallest points only")
    p.add_argument("--ipv6", action="store_true",
                   help="classbench: IPv6 rule sets (ClassBench-ng style) beside rte_acl's IPv6 layout")
    p.add_argument("--peers", action="store_true",
                   help="the line-rate goals beside DPDK rte_acl and rte_meter (needs libdpdk-dev); "
                        "`qfp bench goals` runs them without insisting on DPDK")


def wanted(args) -> bool:
    return bool(args.scenarios or args.json or args.plot or args.quick or args.peers)


def run(args, fast_path_class) -> int:
    if args.scenarios == ["classbench"]:
        return classbench_bench.run(args)
    if args.peers or args.scenarios == ["goals"]:
        return goals.run(args, require_peer=args.peers)
    if wanted(args):
        return scenarios.run(args)
    return table.run(args, fast_path_class)


def _plot_file(text: str) -> str:
    """--plot's file, once matplotlib is known to import: a missing plotting library is a usage
    error before the benchmarks run, not a traceback after minutes of them."""
    try:
        importlib.import_module("matplotlib")
    except ImportError as exc:
        raise argparse.ArgumentTypeError(f"needs matplotlib ({exc}): pip install 'qfp-model[plot]'") from None
    return text

