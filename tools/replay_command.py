"""`qfp replay`: a pcap or pcapng capture through the sessions of a device run in this process for
the job (control/core/replay.py does the work; this is its command line)."""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from qfp_model.control.core.replay import format_replay, replay
from qfp_model.control.errors import ControlError
from qfp_model.control.exec.sim import load_sessions, run_now
from qfp_model.control.headend import Headend
from qfp_model.qfp.tables import Direction

from .exit_status import FAILED, OK, USAGE
from .json_output import report_stream, write_json

SEED_REMOTE, SEED_LOCAL = "77.1.1.1", "77.1.1.2"   # the seed's session (audit-session-id L2L44D010102...)
BENCHMARK_RANGE = ipaddress.IPv4Address("198.18.0.0")   # RFC 2544's


def bring_up(headend: Headend, count: int, session_file: str | None = None) -> None:
    """Sessions for a replay: those a file lists (`sim session load`'s format), or `count` sessions,
    the first on the seed's tuple and the rest from 198.18.0.0/15."""
    if session_file:
        run_now(load_sessions(headend.commands, headend.device, Path(session_file), headend.aaa))
        return
    for n in range(count):
        remote = SEED_REMOTE if n == 0 else str(BENCHMARK_RANGE + n)
        headend.device.session_up(remote, SEED_LOCAL)


def run(args: argparse.Namespace) -> int:
    # Inputs first: a file that is not there is a usage error, found before any device is built.
    for path in (args.file, args.config, args.session_file):
        try:
            if path is not None:   # non-blocking: a FIFO with no writer must not hang the check
                os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        except OSError as exc:
            print(f"qfp replay: cannot read {path}: {exc.strerror}", file=sys.stderr)
            return USAGE
    try:
        headend = Headend.from_config_file(args.config)
        bring_up(headend, args.sessions, args.session_file)
        direction = Direction.from_ios_name(args.direction)
        result = replay(headend.device, args.file, interface=args.interface, direction=direction,
                        write=args.write)
    except (ControlError, OSError) as exc:
        print(f"qfp replay: {exc}", file=sys.stderr)
        return FAILED
    print(format_replay(result), end="", file=report_stream(args.json))
    if args.json:
        write_json(args.json, result.data())
    return FAILED if result.error or result.write_error else OK


def add_parser(commands) -> None:
    p = commands.add_parser("replay", help="replay a pcap or pcapng capture through the device's sessions")
    p.add_argument("file", metavar="FILE", help="classic pcap or pcapng capture")
    p.add_argument("--config", metavar="FILE", help="IOS configuration (default: the embedded FlexVPN hub)")
    p.add_argument("--sessions", type=int, default=1, metavar="N",
                   help="sessions to bring up: the seed's, then more; session n's inside address is 10.0.0.n "
                        "(default 1)")
    p.add_argument("--session-file", metavar="FILE",
                   help="bring up the sessions listed here instead (sim session load's format)")
    p.add_argument("--interface", metavar="Virtual-AccessN",
                   help="send every packet through this session (default: map by inside address)")
    p.add_argument("--direction", choices=[d.ios_name for d in Direction], default=Direction.IN.ios_name,
                   help="the direction with --interface (default input)")
    p.add_argument("--write", metavar="OUT.pcap", help="write the forwarded packets, DSCP as marked")
    p.add_argument("--json", metavar="FILE",
                   help="write the report as JSON (`-`: to stdout, the text report to stderr)")
    p.set_defaults(run=run)
