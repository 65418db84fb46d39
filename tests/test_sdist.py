"""The sdist holds what it takes to build the C fast path and to run this suite (MANIFEST.in):
built here as a user's `python -m build --sdist` builds it, and its member list checked against the
tree. .ci/test then builds and tests the other Python versions from such an sdist."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every file under these folders ships: the C sources, the three layers' packages with their data,
# the tests with their helpers and data, the benchmarks, the example cases, the docs.
SHIPPED_DIRS = ("csrc", "qfp", "control", "tools", "tests", "bench", "examples", "docs")
SHIPPED_FILES = ("LICENSE", "README.md", "pyproject.toml", "setup.py", "MANIFEST.in", "PKG-INFO")
# What a working tree holds that is built or cached, never source.
JUNK_PARTS = {"__pycache__", ".venv", "build", ".git", ".hypothesis", ".pytest_cache", ".benchmarks"}
JUNK_SUFFIXES = (".pyc", ".pyo", ".so", ".o")
# Left in a working tree by `pip install -e .`; setuptools adds every file an old SOURCES.txt lists
# to the sdist, so building in the tree could pass on a stale list. The build runs on a copy without.
COPY_IGNORES = shutil.ignore_patterns(*JUNK_PARTS, ".venv*", "*.egg-info", "dist", *(f"*{s}" for s in JUNK_SUFFIXES))


def _is_junk(relative: Path) -> bool:
    return bool(JUNK_PARTS & set(relative.parts)) or relative.name.endswith(JUNK_SUFFIXES)


def _source_files() -> set[str]:
    files = set(SHIPPED_FILES) - {"PKG-INFO"}
    for folder in SHIPPED_DIRS:
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT)
            if path.is_file() and not _is_junk(relative):
                files.add(relative.as_posix())
    return files


def test_sdist_holds_the_sources_tests_and_their_data(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, symlinks=True, ignore=COPY_IGNORES)
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path / "dist"), str(tree)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = (tmp_path / "dist").glob("qfp_model-*.tar.gz")
    with tarfile.open(sdist) as tar:
        top = f"{sdist.name.removesuffix('.tar.gz')}/"
        members = {m.name.removeprefix(top) for m in tar.getmembers() if m.isfile()}
        links = [m.name for m in tar.getmembers() if m.issym() or m.islnk()]

    missing = _source_files() - members
    assert not missing, f"not in the sdist: {sorted(missing)}"
    assert not links, f"links, which not every unpacker keeps: {links}"   # qfp/qfp.h is one in git
    junk = sorted(m for m in members if _is_junk(Path(m)))
    assert not junk, f"built or cached files in the sdist: {junk}"
    # the files the suite reads by path, named, so that an empty folder cannot pass for a full one
    for name in ("csrc/qfp.h", "qfp/qfp.h", "tests/conftest.py", "tests/golden/qos-all-input-all.txt",
                 "tests/configs/flexvpn-hub.cfg", "tests/regress/wrong-expectation.toml",
                 "examples/seed-coa.regress.toml", "bench/conftest.py", "docs/fastpath.md",
                 "control/config/default.cfg", "control/radius/dictionary", "tools/bench/peers/dpdk_peer.c",
                 "tools/bench/peers/sched_peer.c"):
        assert name in members
    with tarfile.open(sdist) as tar:
        pkg_info = tar.extractfile(f"{top}PKG-INFO").read().decode()
    assert "License-Expression: Apache-2.0" in pkg_info
    assert "License-File: LICENSE" in pkg_info
