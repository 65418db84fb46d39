"""The fast path implementations the tests run on, importable by name from any test module (tests/
is on sys.path under pytest). Kept apart from conftest.py, which pytest may import under another
name when tests/ and bench/ run in one session."""
from __future__ import annotations

import os

import pytest


def native_fastpath_class():
    """qfp.fastpath.FastPath, or a skip when it is not built (a failure under QFP_REQUIRE_NATIVE)."""
    try:
        from qfp_model.qfp.fastpath import FastPath
    except ImportError as exc:
        if os.environ.get("QFP_REQUIRE_NATIVE"):
            pytest.fail(f"QFP_REQUIRE_NATIVE is set but qfp.fastpath does not import: {exc}")
        pytest.skip(f"the C fast path is not built: {exc}")
    return FastPath


def simd_levels() -> list[str]:
    """Every instruction set the C fast path can run on this CPU (portable first): tests that hold
    it to the reference run on each, so that a SIMD path and the plain-C one are tested alike."""
    from qfp_model.qfp.fastpath import simd_supported
    return simd_supported()
