"""The C fast path for the user tools, or a one-line answer saying how to get it (never a traceback)."""
from __future__ import annotations


def fast_path_class():
    """qfp_model.qfp.fastpath.FastPath; SystemExit with how to build it when the C module is missing."""
    try:
        from qfp_model.qfp.fastpath import FastPath
    except ImportError as exc:
        raise SystemExit(f"qfp: the C fast path is not built ({exc}); reinstall with `pip install -e .`") from None
    return FastPath
