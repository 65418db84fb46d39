"""The `qfp` command.

    qfp demo   the seed's Virtual-Access1 session, policed in and out, with traffic pushed through it
    qfp bench  packets per second of the C fast path against the numpy baseline and the reference model

`qfp run` (the device on its embedded config, answering CoA) comes with the control plane; until then
there is no such subcommand rather than one that pretends."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from qfp import QfpError
from qfp.tables import Direction

DEMO_CIR = {Direction.IN: 2_000_000, Direction.OUT: 1_000_000}   # bit/s
DEMO_LENGTH = 1000   # bytes a packet


def _fast_path():
    try:
        from qfp.fastpath import FastPath
    except ImportError as exc:   # the C extension is missing: say how to get it, not a traceback
        raise SystemExit(f"qfp: the C fast path is not built ({exc}); reinstall with `pip install -e .`")
    return FastPath()


def _rate(text: str) -> int:
    """A rate in bit/s, with IOS-like suffixes: 3000000, 3000k, 3m, 1g."""
    scale = {"k": 10**3, "m": 10**6, "g": 10**9}.get(text[-1:].lower(), 1)
    try:
        value = int(float(text[:-1] if scale > 1 else text) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("a rate is positive")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def demo(args: argparse.Namespace) -> int:
    from qfp.policer import PolicerWords, decode
    from qfp.show_platform import render_qos_all
    from qfp.workloads import BATCH, constant_rate, seed_session

    fp = _fast_path()
    uidb = seed_session(fp, DEMO_CIR[Direction.IN], DEMO_CIR[Direction.OUT])
    stream = np.concatenate([constant_rate(uidb, d, args.rate, DEMO_LENGTH, args.packets) for d in Direction])
    stream = stream[np.argsort(stream["ts_ns"], kind="stable")]
    for start in range(0, stream.size, BATCH):
        fp.process(stream[start:start + BATCH])

    for direction, word in ((Direction.IN, "input"), (Direction.OUT, "output")):
        print(f"qfp# show platform hardware qfp active feature qos all {word} all")
        print(render_qos_all(fp, direction))
    seconds = int(stream["ts_ns"][-1]) / 1e9
    print(f"{args.packets} packets of {DEMO_LENGTH} bytes each way at {args.rate:,} bit/s, "
          f"{seconds:.3f} s of virtual time:")
    for direction, word in ((Direction.IN, "input"), (Direction.OUT, "output")):
        state = fp.target_read(uidb, direction)[0]
        police = decode(PolicerWords(state.hw_policer, state.police_info))   # as programmed
        conformed, exceeded, _ = state.colour_pkts
        allowed = police.cir * seconds / 8 + police.bc
        print(f"  {word:<6} police cir {police.cir:,} bc {police.bc:,}: {state.pkts} packets, {conformed} "
              f"conformed ({state.colour_bytes[0]:,} bytes; CIR x T + Bc = {allowed:,.0f}), "
              f"{exceeded} exceeded, {state.drop_pkts} dropped")
    return 0


def bench(args: argparse.Namespace) -> int:
    from qfp.baseline import NumpyBaseline
    from qfp.fastpath import FastPath
    from qfp.reference import ReferenceFastPath
    from qfp.workloads import WORKLOADS, format_rates, prepared, time_process

    _fast_path()
    factories = {"fastpath": FastPath, "numpy": NumpyBaseline, "reference": ReferenceFastPath}
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qfp", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("demo", help="the seed's session, policed in and out, with traffic and show output")
    p.add_argument("--packets", type=_positive, default=20_000, help="packets each way (default 20000)")
    p.add_argument("--rate", type=_rate, default=3_000_000,
                   help="offered rate each way in bit/s, suffixes k m g allowed (default 3m; CIRs are 2m in, 1m out)")
    p.set_defaults(run=demo)

    p = commands.add_parser("bench", help="packets per second: C fast path, numpy baseline, reference model")
    p.add_argument("--seconds", type=float, default=1.0, help="timing budget per measurement (default 1)")
    p.add_argument("--batch", type=_positive, default=8192, help="packets per process() call (default 8192)")
    p.add_argument("--sessions", type=_positive, default=16, help="Virtual-Access sessions (default 16)")
    p.add_argument("--no-reference", action="store_true", help="skip the slow pure-Python reference model")
    p.set_defaults(run=bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except QfpError as exc:
        print(f"qfp: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
