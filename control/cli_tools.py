"""`qfp replay` and `qfp regress`: the subcommands that run a device in this process for one job and
report on it (control/cli.py adds them to its parser through add_parsers)."""
from __future__ import annotations

import argparse
import ipaddress
import json
import sys

from qfp.tables import Direction

from .errors import ControlError

SEED_REMOTE, SEED_LOCAL = "77.1.1.1", "77.1.1.2"   # the seed's session (audit-session-id L2L44D010102...)


def bring_up(device, count: int, session_file: str | None = None) -> None:
    """Sessions for a replay: those a file lists (`sim session load`'s format), or `count` sessions,
    the first on the seed's tuple and the rest from 198.18.0.0/15 (RFC 2544's benchmark range)."""
    from pathlib import Path

    if session_file:
        device.sessions_from_file(Path(session_file))
        return
    for n in range(count):
        remote = SEED_REMOTE if n == 0 else str(ipaddress.IPv4Address("198.18.0.0") + n)
        device.session_up(remote, SEED_LOCAL)


def replay(args: argparse.Namespace) -> int:
    from . import replay as r
    from .device import Device

    try:
        device = Device.from_config_file(args.config)
        bring_up(device, args.sessions, args.session_file)
        direction = Direction.OUT if args.direction == "output" else Direction.IN
        result = r.replay(device, args.file, interface=args.interface, direction=direction, write=args.write)
    except (ControlError, OSError) as exc:
        print(f"qfp replay: {exc}", file=sys.stderr)
        return 1
    print(r.format_replay(result), end="")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result.data(), f, indent=1)
    return 1 if result.error else 0


def regress(args: argparse.Namespace) -> int:
    from . import regress as rg

    return rg.main(args.paths, junit=args.junit)


def add_parsers(commands) -> None:
    p = commands.add_parser("replay", help="replay a pcap or pcapng capture through the device's sessions")
    p.add_argument("file", metavar="FILE", help="classic pcap or pcapng capture")
    p.add_argument("--config", metavar="FILE", help="IOS configuration (default: the embedded FlexVPN hub)")
    p.add_argument("--sessions", type=int, default=1, metavar="N",
                   help="sessions to bring up: the seed's, then more; session n's inside address is 10.0.0.n (default 1)")
    p.add_argument("--session-file", metavar="FILE", help="bring up the sessions listed here instead (sim session load's format)")
    p.add_argument("--interface", metavar="Virtual-AccessN",
                   help="send every packet through this session (default: map by inside address)")
    p.add_argument("--direction", choices=("input", "output"), default="input",
                   help="the direction with --interface (default input)")
    p.add_argument("--write", metavar="OUT.pcap", help="write the forwarded packets, DSCP as marked")
    p.add_argument("--json", metavar="FILE", help="write the report as JSON")
    p.set_defaults(run=replay)

    p = commands.add_parser("regress", help="run policy regression cases (*.regress.toml files and directories)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="case files, or directories searched for *.regress.toml")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML for CI")
    p.set_defaults(run=regress)
