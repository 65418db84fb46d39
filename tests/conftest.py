"""Shared test setup: hypothesis profiles and the fixture that runs a test on every fast path.

QFP_HYPOTHESIS_PROFILE=ci gives the differential tests their full CI budget (`sanitized`, a
smaller one, is the sanitizer stage's, `compat` the other Python versions'); the default profile
keeps a dev run quick.
QFP_REQUIRE_NATIVE=1 (CI) turns a missing C module into a failure."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from fastpaths import native_fastpath_class
from qfp_model.qfp.reference import ReferenceFastPath

_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=200, **_COMMON)
# Derandomized so a CI failure reproduces from the log; no example database on ephemeral runners.
# 1500: the suite's new differential tests (ACE extras, IPv6 rule sets, dual-stack) doubled the main
# stage at 2500 (755 s on 2 cores), pushing CI past its 30 minutes.
settings.register_profile("ci", max_examples=1500, derandomize=True, database=None, **_COMMON)
# CI's sanitizer stage: the same derandomized cases, fewer of them. It hunts memory errors, which
# the first cases of a test find as well as the last, and runs every test at ASan's pace.
settings.register_profile("sanitized", max_examples=600, derandomize=True, database=None, **_COMMON)
# CI's other Python versions: they prove the package installs and works on each interpreter; the
# C and the cases are the main version's, whose suite ran the full budget. The dev profile's 200
# cases made these three runs half of CI's time.
settings.register_profile("compat", max_examples=50, derandomize=True, database=None, **_COMMON)
# Fresh random cases, many of them: for a nightly job or a bug hunt, not for every push.
settings.register_profile("explore", max_examples=10_000, **_COMMON)
settings.load_profile(os.environ.get("QFP_HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(params=["reference", "native"])
def fastpath_class(request):
    if request.param == "reference":
        return ReferenceFastPath
    return native_fastpath_class()


@pytest.fixture
def fp(fastpath_class):
    return fastpath_class()
