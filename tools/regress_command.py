"""`qfp regress`: policy regression cases (regress.py) from the command line."""
from __future__ import annotations

import argparse

from . import regress


def run(args: argparse.Namespace) -> int:
    return regress.main(args.paths, junit=args.junit)


def add_parser(commands) -> None:
    p = commands.add_parser("regress", help="run policy regression cases (*.regress.toml files and directories)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="case files, or directories searched for *.regress.toml")
    p.add_argument("--junit", metavar="FILE", help="write JUnit XML for CI")
    p.set_defaults(run=run)
