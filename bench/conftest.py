"""Collects each benchmark's ns per packet and prints them, with ratios, when the session ends.

Timing never decides a test's outcome: the rates are only reported."""
import pytest

from qfp_model.tools.bench.workloads import format_rates

_RATES = pytest.StashKey[dict]()


def pytest_configure(config):
    config.stash[_RATES] = {}


@pytest.fixture
def record_rate(request):
    """record_rate(workload, implementation, ns_per_packet): keep a figure for the summary table."""
    rates = request.config.stash[_RATES]

    def record(workload: str, implementation: str, ns_per_packet: float) -> dict:
        rates[(workload, implementation)] = ns_per_packet
        return rates

    return record


def pytest_terminal_summary(terminalreporter, config):
    rates = config.stash.get(_RATES, {})
    terminalreporter.section("qfp fast path: FastPath.process() against its baselines")
    if rates:
        terminalreporter.write_line(format_rates(rates))
    else:
        terminalreporter.write_line("no timings taken (benchmarks disabled or deselected)")
