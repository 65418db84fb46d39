"""The `qfp` command.

    qfp run    the device: its IOS shell at a terminal, its control socket for `qfp cli`, and
               SSH for people and automation tools (Netmiko, scrapli) with `--ssh [HOST:]PORT`
    qfp cli    one exec command against a running device (or a shell on it, with no command);
               `--json` prints a show command's structured twin instead of its text
    qfp demo   the seed's Virtual-Access1 session, policed in and out, with traffic pushed through it
    qfp bench  packets per second of the C fast path against the numpy baseline and the reference model
    qfp replay a pcap or pcapng capture through the device's sessions
    qfp regress  policy regression cases: config, sessions, CoA, traffic and what to expect

Exit status, the same for every subcommand (exit_status.py):

    0    done, and everything that was checked held
    1    done or tried, and something failed: a refused command or configuration, a failed
         expectation or check, a capture that stops short, a device that went away
    2    could not start: a usage error, a missing or unreadable input file, no device listening,
         a missing optional dependency (matplotlib for --plot, DPDK for --peers, the C fast path)
    130  interrupted by SIGINT (Ctrl-C)
    141  stdout was closed early (`qfp demo | head -1`): the rest of the output is dropped quietly,
         as a tool killed by SIGPIPE would be (128 + 13)

`qfp run` without a terminal serves until SIGINT or SIGTERM, and that is its normal end: 0.
`--json -` (replay, bench) writes the JSON to stdout and the text report to stderr.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import os
import select
import signal
import sys

from qfp_model.control.config import ConfigErrors
from qfp_model.control.config.syntax import bit_rate
from qfp_model.control.errors import ConfigError, ControlError, ExecError
from qfp_model.control.exec.shell import DEFAULT_HISTORY, Shell
from qfp_model.control.files import MissingFile
from qfp_model.control.grammar.engine import format_error
from qfp_model.control.headend import COA_HOST, Headend
from qfp_model.control.io.control_socket import ControlClient
from qfp_model.control.io.loop import BackgroundLoop, LoopTarget
from qfp_model.control.io.ssh import DEFAULT_HOST as SSH_HOST
from qfp_model.qfp import QfpError

from . import demo as demo_module
from . import regress_command, replay_command
from .arguments import positive
from .bench import command as bench_command
from .exit_status import BROKEN_PIPE, FAILED, INTERRUPTED, OK, USAGE
from .json_output import STDOUT, write_json
from .native import fast_path_class

DISTRIBUTION = "qfp-model"


def _rate(text: str) -> int:
    """A rate in bit/s, with IOS-like suffixes: 3000000, 3000k, 3m, 1g."""
    try:
        value = bit_rate(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("a rate is positive")
    return value


def _ssh_address(text: str) -> tuple[str, int]:
    """`PORT` or `HOST:PORT` (`[::1]:PORT` for IPv6); the host is loopback unless given."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") if sep else SSH_HOST
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port: {port!r}") from None
    if not 0 <= number <= 65535 or not host:
        raise argparse.ArgumentTypeError(f"not [HOST:]PORT: {text!r}")
    return host, number


def demo(args: argparse.Namespace) -> int:
    demo_module.run(fast_path_class()(), args.rate, args.packets)
    return OK


def bench(args: argparse.Namespace) -> int:
    return bench_command.run(args, fast_path_class())


def run(args: argparse.Namespace) -> int:
    try:
        headend = Headend.from_config_file(args.config, lenient=args.lenient)
    except (ConfigError, ConfigErrors) as exc:
        print(exc, file=sys.stderr)
        return FAILED
    except MissingFile as exc:
        print(f"qfp run: {exc}", file=sys.stderr)
        return USAGE
    except ControlError as exc:   # the file itself: not a regular file, too big, not UTF-8
        print(f"qfp run: {exc}", file=sys.stderr)
        return FAILED
    path = args.control   # None: the private default (control/io/ownership.py)

    # SSH's arguments only when asked for: a headend without SSH is still served by the same call.
    ssh = {} if args.ssh is None else {"ssh_address": args.ssh, "ssh_host_key": args.ssh_host_key}

    def start():
        return headend.start_services(path, args.coa_listen, args.coa_port, **ssh)

    if not sys.stdin.isatty():
        return asyncio.run(_serve_until_signal(headend, start))

    background = BackgroundLoop().start()
    try:
        services = background.run(start())
    except ControlError as exc:
        background.stop()
        print(f"qfp run: {exc}", file=sys.stderr)
        return FAILED
    _print_notices(services)
    # SIGTERM leaves the shell through the same cleanup as `exit`: the socket file goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    headend.attend_console()
    try:
        shell = Shell(LoopTarget(headend, background), history_file=None if args.no_history else DEFAULT_HISTORY)
        return shell.run()
    finally:
        background.run(services.close())
        background.stop()


def _print_notices(services) -> None:
    for notice in services.notices:
        print(f"qfp run: {notice}", file=sys.stderr, flush=True)
    if services.ssh is not None:
        host, port = services.ssh.address
        print(f"qfp run: SSH on {host}:{port}", flush=True)


async def _serve_until_signal(headend: Headend, start) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        services = await start()
    except ControlError as exc:
        print(f"qfp run: {exc}", file=sys.stderr)
        return FAILED
    _print_notices(services)
    print(f"qfp run: serving {headend.prompt().rstrip('#>')} on {services.control.path} "
          "(SIGINT or SIGTERM stops it)", flush=True)
    if services.coa is not None:
        host, port = services.coa.address
        print(f"qfp run: RADIUS dynamic-author on {host}:{port}/udp", flush=True)
    try:
        await stop.wait()
    finally:
        await services.close()
    return OK


def cli(args: argparse.Namespace) -> int:
    if args.json and not args.words:
        print("qfp cli: --json needs a show command", file=sys.stderr)
        return USAGE
    client = ControlClient(args.control)
    try:
        client.connect()
    except ConnectionError as exc:
        print(f"qfp cli: {exc}", file=sys.stderr)
        return USAGE
    try:
        with client:
            if not args.words:
                return Shell(client, history_file=None if args.no_history else DEFAULT_HISTORY).run()
            line = " ".join(args.words)
            try:
                if args.json:
                    write_json(STDOUT, client.show_data(line))
                    return OK
                output = client.execute(line)
            except ExecError as exc:
                print(format_error(exc), file=sys.stderr)
                return FAILED
    except ConnectionError as exc:   # the device went away mid-command
        print(f"qfp cli: {exc}", file=sys.stderr)
        return FAILED
    if output:
        print(output, end="" if output.endswith("\n") else "\n")
    return OK


def version() -> str:
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:   # run from a tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qfp", description=__doc__.split("\n\n")[0],
                                     epilog="Exit status: 0 ok; 1 a refused command, a failed check or expectation; "
                                            "2 a usage error, a missing file, device or dependency; "
                                            "130 interrupted; 141 stdout closed early.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("run", help="the device: an IOS shell at a terminal, and the control socket")
    p.add_argument("--config", metavar="FILE", help="IOS configuration to load (default: the embedded FlexVPN hub)")
    p.add_argument("--lenient", action="store_true",
                   help="skip bad configuration lines (each reported) instead of refusing to start")
    p.add_argument("--control", metavar="PATH",
                   help="control socket (default $XDG_RUNTIME_DIR/qfp.sock or /tmp/qfp-$UID.sock)")
    p.add_argument("--no-history", action="store_true", help="do not read or write ~/.qfp_history")
    p.add_argument("--coa-listen", metavar="HOST", default=COA_HOST,
                   help="address of the RADIUS CoA listener (default 127.0.0.1)")
    p.add_argument("--coa-port", metavar="PORT", type=int,
                   help="its UDP port, overriding dynamic-author's `port` (0: any free port, printed)")
    p.add_argument("--ssh", metavar="[HOST:]PORT", type=_ssh_address,
                   help="serve SSH on PORT (0: any free one, printed), on 127.0.0.1 unless HOST is given; "
                        "logins are the configuration's `username` lines")
    p.add_argument("--ssh-host-key", metavar="FILE",
                   help="the SSH host key, made there if missing (default: in $XDG_STATE_HOME/qfp-model "
                        "or ~/.local/state/qfp-model)")
    p.set_defaults(run=run)

    p = commands.add_parser("cli", help="run an exec command on a running device, or open a shell on it")
    p.add_argument("--control", metavar="PATH", help="the device's control socket (default as for qfp run)")
    p.add_argument("--no-history", action="store_true", help="do not read or write ~/.qfp_history")
    p.add_argument("--json", action="store_true",
                   help="print the show command's structured twin as JSON instead of its text (before COMMAND)")
    p.add_argument("words", nargs=argparse.REMAINDER, metavar="COMMAND",
                   help="an exec command, e.g. show policy-map interface Virtual-Access1")
    p.set_defaults(run=cli)

    p = commands.add_parser("demo", help="the seed's session, policed in and out, with traffic and show output")
    p.add_argument("--packets", type=positive, default=20_000, help="packets each way (default 20000)")
    p.add_argument("--rate", type=_rate, default=3_000_000,
                   help="offered rate each way in bit/s, suffixes k m g allowed (default 3m; CIRs are 2m in, 1m out)")
    p.set_defaults(run=demo)

    p = commands.add_parser("bench", help="packets per second: C fast path, numpy baseline, reference model")
    bench_command.add_arguments(p)
    p.set_defaults(run=bench)
    replay_command.add_parser(commands)
    regress_command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except QfpError as exc:
        print(f"qfp: {exc}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        if not _stdout_closed():
            raise   # a socket's, not ours to hide
        # Python's documented way: point stdout at /dev/null, so that the flush at exit of what
        # is still buffered does not fail again with a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    except OSError as exc:   # an output file that cannot be written, say: one line, no traceback
        print(f"qfp {args.command}: {exc}", file=sys.stderr)
        return FAILED


def _stdout_closed() -> bool:
    """Whether stdout's reader is gone (a pipe or socket reports POLLERR or POLLHUP to its writer)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


if __name__ == "__main__":
    sys.exit(main())
