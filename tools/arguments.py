"""Argument types the `qfp` subcommands share: argparse turns their ArgumentTypeError into a usage
error (exit status 2) that names the option."""
from __future__ import annotations

import argparse


def positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value
