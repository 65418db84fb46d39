"""FreeRADIUS for the tests that run against the real server: CI installs it (.ci/run), so there
a missing server fails the test; elsewhere it skips."""
from __future__ import annotations

import contextlib
import os

import pytest

from qfp_model.tools import freeradius


def require_freeradius() -> None:
    try:
        freeradius.binary()
    except freeradius.FreeRadiusMissing as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc}; .ci/run installs it")
        pytest.skip(str(exc))


@contextlib.contextmanager
def running(users: dict[str, freeradius.Reply], secret: str):
    """A private FreeRADIUS answering for `users`, or the test's skip or failure without one."""
    require_freeradius()
    with freeradius.FreeRadius(users, secret=secret) as server:
        yield server
