"""pytest plugin: collect `*.regress.toml` policy regression cases as test items, so that a team's
cases run in its own pytest suite (registered as the `qfp_regress` pytest11 entry point; or add
`pytest_plugins = ["qfp_model.tools.regress_pytest"]` to a conftest.py).

Each case file is one item; a failure reports the case's first difference as expected vs actual.

Installing qfp-model installs this plugin into every pytest run in that environment, most of which
never see a case file. So this module imports pytest alone: the runner (regress.py, and with it the
device and the C fast path) is imported only when a case file is collected, and if that import
fails, that file is a collection error and every other test runs as before."""
from __future__ import annotations

import importlib

import pytest

SUFFIX = ".regress.toml"   # regress.SUFFIX, spelled here so that matching a path needs no import
RUNNER = "qfp_model.tools.regress"


def pytest_collect_file(file_path, parent):
    if file_path.name.endswith(SUFFIX):
        return RegressFile.from_parent(parent, path=file_path)
    return None


class RegressFile(pytest.File):
    def collect(self):
        try:
            runner = importlib.import_module(RUNNER)
        except Exception as exc:   # ImportError, or anything its imports raise: this file's error only
            raise self.CollectError(f"cannot run {self.path.name}: importing {RUNNER} failed: "
                                    f"{type(exc).__name__}: {exc}") from exc
        yield RegressItem.from_parent(self, name=self.path.name.removesuffix(SUFFIX), runner=runner)


class RegressFailure(Exception):
    pass


class RegressItem(pytest.Item):
    def __init__(self, *, runner, **kwargs):
        super().__init__(**kwargs)
        self.runner = runner

    def runtest(self):
        result = self.runner.run_case(self.path)
        if not result.passed:
            where = f"step {result.step}: " if result.step else ""
            trace = "".join(f"\n      {line}" for line in result.trace.splitlines())
            raise RegressFailure(f"{result.name}\n    {where}{result.message}{trace}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, RegressFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"regress: {self.name}"
