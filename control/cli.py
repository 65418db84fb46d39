"""The `qfp` command.

    qfp run    the device: its IOS shell at a terminal, and its control socket for `qfp cli`
    qfp cli    one exec command against a running device (or a shell on it, with no command)
    qfp demo   the seed's Virtual-Access1 session, policed in and out, with traffic pushed through it
    qfp bench  packets per second of the C fast path against the numpy baseline and the reference model
    qfp replay a pcap or pcapng capture through the device's sessions
    qfp regress  policy regression cases: config, sessions, CoA, traffic and what to expect
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys

import numpy as np

from qfp import QfpError
from qfp.tables import Direction

from . import bench_scenarios, cli_tools
from .commands import format_error
from .errors import ConfigError, ControlError, ExecError

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
    if bench_scenarios.wanted(args):
        _fast_path()
        return bench_scenarios.run(args)
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


async def _start_services(device, control_path: str, coa_host: str = "127.0.0.1",
                          coa_port: int | None = None) -> list:
    """Start everything the device serves on the event loop; returns what to close, last first.
    The RADIUS CoA listener shares the loop, so the device sees one caller at a time."""
    from .server import ControlServer

    server = ControlServer(device, control_path)
    await server.start()
    services = [server]
    listener = await _start_coa_listener(device, coa_host, coa_port)
    if listener is not None:
        services.append(listener)
    return services


async def _start_coa_listener(device, host: str, port: int | None):
    """The dynamic-author UDP listener, when the config has `aaa server radius dynamic-author`.
    A port already taken is a loud warning, not a refusal to start: the CLI and the fast path are
    still worth having (and IOS boots in that case too)."""
    settings = getattr(getattr(device, "config", None), "dynamic_author", None)
    if settings is None:
        return None
    from .aaa import start_listener

    port = settings.effective_port if port is None else port
    try:
        listener = await start_listener(device, host, port)
    except OSError as exc:
        message = f"%RADIUS-3-NOSOCKET: cannot listen for CoA on {host}:{port}/udp: {exc.strerror}"
        device.log(message)
        print(f"qfp run: {message}", file=sys.stderr, flush=True)
        return None
    for warning in listener.warnings:
        print(f"qfp run: {warning}", file=sys.stderr, flush=True)
    return listener


async def _close_services(services: list) -> None:
    for service in reversed(services):
        await service.close()


def run(args: argparse.Namespace) -> int:
    from .config import ConfigErrors
    from .device import Device
    from .server import BackgroundLoop, LoopTarget, default_socket_path
    from .shell import DEFAULT_HISTORY, Shell

    try:
        device = Device.from_config_file(args.config, lenient=args.lenient)
    except (ConfigError, ConfigErrors) as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"qfp run: cannot read {args.config}: {exc.strerror}", file=sys.stderr)
        return 1
    path = args.control or default_socket_path()

    if not sys.stdin.isatty():
        return asyncio.run(_serve_until_signal(device, path, args.coa_listen, args.coa_port))

    background = BackgroundLoop().start()
    try:
        services = background.run(_start_services(device, path, args.coa_listen, args.coa_port))
    except ControlError as exc:
        background.stop()
        print(f"qfp run: {exc}", file=sys.stderr)
        return 1
    # SIGTERM leaves the shell through the same cleanup as `exit`: the socket file goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        shell = Shell(LoopTarget(device, background), history_file=None if args.no_history else DEFAULT_HISTORY)
        return shell.run()
    finally:
        background.run(_close_services(services))
        background.stop()


async def _serve_until_signal(device, path: str, coa_host: str = "127.0.0.1",
                              coa_port: int | None = None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        services = await _start_services(device, path, coa_host, coa_port)
    except ControlError as exc:
        print(f"qfp run: {exc}", file=sys.stderr)
        return 1
    print(f"qfp run: serving {device.prompt().rstrip('#>')} on {path} (SIGINT or SIGTERM stops it)", flush=True)
    for service in services:
        if hasattr(service, "address"):
            host, port = service.address
            print(f"qfp run: RADIUS dynamic-author on {host}:{port}/udp", flush=True)
    try:
        await stop.wait()
    finally:
        await _close_services(services)
    return 0


def cli(args: argparse.Namespace) -> int:
    from .server import ControlClient
    from .shell import DEFAULT_HISTORY, Shell

    client = ControlClient(args.control)
    try:
        with client:
            if not args.words:
                return Shell(client, history_file=None if args.no_history else DEFAULT_HISTORY).run()
            line = " ".join(args.words)
            try:
                output = client.execute(line)
            except ExecError as exc:
                print(format_error(exc), file=sys.stderr)
                return 1
    except ConnectionError as exc:
        print(f"qfp cli: {exc}", file=sys.stderr)
        return 2
    if output:
        print(output, end="" if output.endswith("\n") else "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qfp", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("run", help="the device: an IOS shell at a terminal, and the control socket")
    p.add_argument("--config", metavar="FILE", help="IOS configuration to load (default: the embedded FlexVPN hub)")
    p.add_argument("--lenient", action="store_true", help="skip bad configuration lines (each reported) instead of refusing to start")
    p.add_argument("--control", metavar="PATH", help="control socket (default $XDG_RUNTIME_DIR/qfp.sock or /tmp/qfp-$UID.sock)")
    p.add_argument("--no-history", action="store_true", help="do not read or write ~/.qfp_history")
    p.add_argument("--coa-listen", metavar="HOST", default="127.0.0.1",
                   help="address of the RADIUS CoA listener (default 127.0.0.1)")
    p.add_argument("--coa-port", metavar="PORT", type=int,
                   help="its UDP port, overriding dynamic-author's `port` (0: any free port, printed)")
    p.set_defaults(run=run)

    p = commands.add_parser("cli", help="run an exec command on a running device, or open a shell on it")
    p.add_argument("--control", metavar="PATH", help="the device's control socket (default as for qfp run)")
    p.add_argument("--no-history", action="store_true", help="do not read or write ~/.qfp_history")
    p.add_argument("words", nargs=argparse.REMAINDER, metavar="COMMAND",
                   help="an exec command, e.g. show policy-map interface Virtual-Access1")
    p.set_defaults(run=cli)

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
    bench_scenarios.add_arguments(p)
    p.set_defaults(run=bench)
    cli_tools.add_parsers(commands)
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
