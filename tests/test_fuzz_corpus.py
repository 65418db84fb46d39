"""Every input the fuzzers were seeded with or found (tests/fuzz/corpus/TARGET/*) goes through its
target on every run: a crash, once found and saved there, can never come back unnoticed."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="the fuzz targets use atheris's data provider (pip install atheris)")
sys.path.insert(0, str(Path(__file__).parent / "fuzz"))
import targets  # noqa: E402

CORPUS = Path(__file__).parent / "fuzz" / "corpus"
CASES = sorted((d.name, f) for d in CORPUS.iterdir() if d.is_dir() for f in sorted(d.iterdir()))


def test_every_target_has_a_corpus():
    assert {name for name, _ in CASES} == set(targets.TARGETS)


@pytest.mark.parametrize("target,path", CASES, ids=[f"{t}/{p.name}" for t, p in CASES])
def test_corpus_input_runs_clean(target, path):
    targets.TARGETS[target](path.read_bytes())
