"""Pasting a large configuration at `configure terminal`, and loading it as a file.

Run: pytest bench/test_bench_config.py                      (timed; ms per line printed)
     pytest bench/test_bench_config.py --benchmark-disable  (one round, untimed: CI's check)

The paste is 1,701 lines (40 ACLs of 30 entries, 20 class-maps, a 20-class policy with police
sub-modes, 60 kept interfaces, 100 static routes) typed into a Headend's terminal on the embedded
configuration, so each line is also applied to the device; the file is the running-config that
results (about 2,000 lines). Before control/config/rollback.py the paste cost 33 ms a line through
ConfigSession (20 ms at the Headend), growing with the configuration; after it, about 0.2-0.3 ms.
"""
from __future__ import annotations

import pytest

from qfp_model.control.config import ConfigSession, load_default, parse_config, render_running_config
from qfp_model.control.headend import Headend


def big_config(acls: int = 40, aces: int = 30, interfaces: int = 60, routes: int = 100) -> list[str]:
    lines = []
    for a in range(acls):
        lines.append(f"ip access-list extended BIG-{a}")
        lines += [f" permit tcp 10.{a}.{i}.0 0.0.0.255 any eq {1000 + i}" for i in range(aces)]
    for c in range(20):
        lines += [f"class-map match-any CM{c}", f" match access-group name BIG-{c}"]
    lines.append("policy-map BIGPOL")
    for c in range(20):
        lines += [f" class CM{c}", f"  police cir {64000 * (c + 1)}", "   conform-action transmit",
                  "   exceed-action drop"]
    for i in range(interfaces):
        lines += [f"interface GigabitEthernet0/0/{i}", f" description link {i}",
                  f" ip address 10.200.{i}.1 255.255.255.0", " negotiation auto"]
    lines += [f"ip route 10.{i}.0.0 255.255.0.0 77.1.1.{i % 250 + 1}" for i in range(routes)]
    return lines


LINES = big_config()


def _paste() -> None:
    with Headend.from_config_file() as headend:
        terminal = headend.open_terminal()
        terminal.execute("configure terminal")
        for line in LINES:
            terminal.execute(line)
        terminal.execute("end")


def test_paste_at_the_terminal(benchmark):
    benchmark.pedantic(_paste, rounds=3, iterations=1)
    if benchmark.stats is not None:
        per_line = benchmark.stats.stats.mean / len(LINES) * 1000
        benchmark.extra_info["ms_per_line"] = per_line
        print(f"\npaste: {len(LINES)} lines, {per_line:.2f} ms a line")


@pytest.fixture(scope="module")
def running_config() -> str:
    session = ConfigSession(load_default().config)
    for line in LINES:
        session.feed(line)
    return render_running_config(session.config)


def test_load_as_a_file(benchmark, running_config):
    result = benchmark(parse_config, running_config, "big.cfg")
    assert not result.errors
