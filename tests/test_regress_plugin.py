"""The qfp_regress pytest plugin is installed into every pytest run of an environment that has
qfp-model: it must never break a run that has no case files, whatever state the runner is in."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

RUNNER = "qfp_model.tools.regress"

UNRELATED = """\
import sys

def test_unrelated(pytestconfig):
    # the entry point's plugin is loaded, and never asked for the runner
    assert pytestconfig.pluginmanager.has_plugin("qfp_regress")
    assert sys.modules.get("qfp_model.tools.regress") is None
"""


def pytest_in(path, *args: str, prelude: str = "") -> subprocess.CompletedProcess:
    """pytest in a fresh interpreter on `path` alone, with the installed entry points autoloaded
    (as in a user's project) and `prelude` run before pytest is imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    code = f"{prelude}\nimport sys, pytest\nsys.exit(pytest.main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--rootdir", str(path), "-q", *args, str(path)],
                          cwd=path, capture_output=True, text=True, env=env, timeout=120)


def test_a_broken_runner_does_not_break_an_unrelated_run(tmp_path):
    (tmp_path / "test_unrelated.py").write_text(UNRELATED)
    # The runner cannot be imported at all (as if a dependency were missing), from before pytest
    # starts, so before the entry point's module is imported: that import must not need it.
    done = pytest_in(tmp_path, prelude=f"import sys; sys.modules[{RUNNER!r}] = None")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_a_broken_runner_is_a_collection_error_of_the_case_file_only(tmp_path):
    (tmp_path / "test_unrelated.py").write_text(UNRELATED.replace(
        'assert sys.modules.get("qfp_model.tools.regress") is None', "pass"))
    (tmp_path / "seed.regress.toml").write_text('name = "seed"\n')
    # a conftest poisons the import, as a broken install would
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.modules[{RUNNER!r}] = None
    """))
    done = pytest_in(tmp_path, "--continue-on-collection-errors")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed, 1 error" in done.stdout
    assert "ERROR collecting seed.regress.toml" in done.stdout
    assert f"cannot run seed.regress.toml: importing {RUNNER} failed: ModuleNotFoundError" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_the_plugin_module_imports_pytest_alone():
    code = ("import sys; before = set(sys.modules); import qfp_model.tools.regress_pytest; "
            "print(sorted(m for m in set(sys.modules) - before if m.startswith('qfp_model')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['qfp_model', 'qfp_model.tools', 'qfp_model.tools.regress_pytest']"


def test_its_suffix_is_the_runners():
    from qfp_model.tools import regress, regress_pytest

    assert regress_pytest.SUFFIX == regress.SUFFIX
