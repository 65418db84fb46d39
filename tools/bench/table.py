"""`qfp bench` with no scenario: packets per second of the C fast path, the numpy baseline and the
pure-Python reference model on the standard workloads (workloads.WORKLOADS), after checking that all
three give the same verdicts on the same traffic."""
from __future__ import annotations

import sys

import numpy as np

from qfp_model.qfp.reference import ReferenceFastPath

from .baseline import NumpyBaseline
from .workloads import WORKLOADS, format_rates, prepared, time_process


def run(args, fast_path_class) -> int:
    factories = {"fastpath": fast_path_class, "numpy": NumpyBaseline, "reference": ReferenceFastPath}
    if args.no_reference:
        del factories["reference"]
    ns_per_packet = {}
    for name, workload in WORKLOADS.items():
        expected = None
        for impl, factory in factories.items():
            fp, batch = prepared(workload, factory, sessions=args.sessions, n=args.batch)
            # Equal work first: the same verdicts on the same traffic, else a ratio means nothing.
            verdicts = fp.process(batch.copy())
            if expected is None:
                expected = verdicts
            elif not np.array_equal(verdicts, expected):
                print(f"qfp bench: {impl} disagrees with the C fast path on {name}", file=sys.stderr)
                return 1
            fp, batch = prepared(workload, factory, sessions=args.sessions, n=args.batch)
            ns_per_packet[(name, impl)] = time_process(fp, batch, args.seconds) * 1e9
            print(f"  {name}/{impl}: {ns_per_packet[(name, impl)]:,.1f} ns/packet", file=sys.stderr)
    print(format_rates(ns_per_packet))
    return 0
