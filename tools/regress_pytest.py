"""pytest plugin: collect `*.regress.toml` policy regression cases as test items, so that a team's
cases run in its own pytest suite (registered as the `qfp_regress` pytest11 entry point; or add
`pytest_plugins = ["control.regress_pytest"]` to a conftest.py).

Each case file is one item; a failure reports the case's first difference as expected vs actual."""
from __future__ import annotations

import pytest

from . import regress


def pytest_collect_file(file_path, parent):
    if file_path.name.endswith(regress.SUFFIX):
        return RegressFile.from_parent(parent, path=file_path)
    return None


class RegressFile(pytest.File):
    def collect(self):
        yield RegressItem.from_parent(self, name=self.path.name.removesuffix(regress.SUFFIX))


class RegressFailure(Exception):
    pass


class RegressItem(pytest.Item):
    def runtest(self):
        result = regress.run_case(self.path)
        if not result.passed:
            where = f"step {result.step}: " if result.step else ""
            raise RegressFailure(f"{result.name}\n    {where}{result.message}")

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, RegressFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"regress: {self.name}"
