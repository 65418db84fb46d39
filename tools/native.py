"""The C fast path for the user tools, or a one-line answer saying how to get it (never a traceback)."""
from __future__ import annotations

import sys

from .exit_status import USAGE


def fast_path_class():
    """qfp_model.qfp.fastpath.FastPath; SystemExit (2, a missing dependency) with how to build it
    when the C module is missing."""
    try:
        from qfp_model.qfp.fastpath import FastPath
    except ImportError as exc:
        print(f"qfp: the C fast path is not built ({exc}); reinstall with `pip install -e .`", file=sys.stderr)
        raise SystemExit(USAGE) from None
    return FastPath
