"""Queueing in the QoS show commands: `show policy-map interface` against real IOS XE hierarchical
outputs (tests/golden/ios-xe/show-policy-map-interface.{hqos-bandwidth,hqos-priority-level,
priority-levels}.txt, see their README), parsed back by Genie's ShowPolicyMapInterface, and
`show policy-map NAME`'s queueing lines, parsed back by Genie's ShowPolicyMap.

The read-back comes from a stand-in for the fast path built from the compiler's own tables (the
class states in depth-first order, each with the QueueStats role docs/fastpath.md gives it), so
these tests check the layout whatever scheduler fills the counters in."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from unittest.mock import Mock

import pytest

from qfp_model.control.config import parse_config
from qfp_model.control.core.compile import Compiler
from qfp_model.control.show.policy_map import policy_map_data, render_policy_map
from qfp_model.control.show.policy_map_interface import (
    policy_map_interface_data,
    render_policy_map_interface,
)
from qfp_model.qfp import tables as T
from qfp_model.qfp.readback import QROLE_INNER, QROLE_QUEUE, ClassInfo, ClassState, PolicyInfo, QueueStats

GOLDEN = Path(__file__).parent / "golden" / "ios-xe"


# ---- a read-back stand-in -----------------------------------------------------------------------

class ReadbackFastPath:
    """policy_create keeps the compiler's tables; target_read gives a bound instance's class
    states with queue stats (`counts` by class path: out packets, out bytes, depth, tail drops)."""

    def __init__(self):
        self.policies: dict[int, T.Policy] = {}
        self.bound: dict[tuple[int, T.Direction], int] = {}
        self.counts: dict[tuple[str, ...], tuple[int, int, int, int]] = {}

    def policy_create(self, policy: T.Policy) -> int:
        self.policies[len(self.policies)] = policy
        return len(self.policies) - 1

    def acl_create(self, aces) -> int:
        return 0

    def policy_info(self, handle: int) -> PolicyInfo:
        p = self.policies[handle]
        return PolicyInfo(p.name, p.policy_id, len(p.classes), 1, len(p.classes), 1)

    def policy_classes(self, handle: int) -> tuple[ClassInfo, ...]:
        return tuple(ClassInfo(c.name, c.object_id, None if c.class_map is None else i, 0, 0,
                               (0, 0, 0, 0), 0, c.child, c.queue)
                     for i, c in enumerate(self.policies[handle].classes))

    def _queues(self, handle: int) -> bool:
        return any(c.queue is not None or (c.child is not None and self._queues(c.child))
                   for c in self.policies[handle].classes)

    def target_read(self, uidb: int, direction) -> list[ClassState]:
        handle = self.bound.get((uidb, T.Direction(direction)))
        states: list[ClassState] = []
        if handle is not None:
            self._walk(handle, None, 0, (), states)
        return states

    def _walk(self, handle, parent, level, path, states):
        for index, c in enumerate(self.policies[handle].classes):
            inner = c.child is not None and self._queues(c.child)
            role = QROLE_INNER if inner else QROLE_QUEUE if c.queue is not None and c.queue.queue_limit \
                else None
            out_pkts, out_bytes, depth, tail = self.counts.get(path + (c.name,), (0, 0, 0, 0))
            stats = None if role is None else QueueStats(
                role, 0 if inner else c.queue.queue_limit, depth, depth, out_pkts, out_bytes, tail,
                tail * 100, 0, 0, 0, 0, 0, 0)
            states.append(ClassState(handle, level, index, parent, (0,) * 4, (0,) * 4, (0,) * 4, 0, 0,
                                     out_pkts + tail, out_bytes + tail * 100, tail, tail * 100, (0, 0, 0),
                                     (0, 0, 0), 0, 0, stats))
            if c.child is not None:
                self._walk(c.child, len(states) - 1, level + 1, path + (c.name,), states)


@dataclass
class FakeSession:
    uidb: int = 1
    interface: str = "Virtual-Access1"
    counters_since_ns: dict = field(default_factory=lambda: {T.Direction.IN: 0, T.Direction.OUT: 0})


def show(config_text: str, policy: str, counts: dict | None = None) -> tuple[str, list[dict]]:
    config = parse_config(config_text, "t.cfg").config
    fp = ReadbackFastPath()
    fp.bound[(1, T.Direction.OUT)] = Compiler(fp, config).policy_handle(policy)
    fp.counts = counts or {}
    data = policy_map_interface_data(fp, config, [FakeSession()], 1_000_000_000, "output")
    return render_policy_map_interface(data), data


def normalised(lines) -> list[str]:
    """What the layout must keep: words and their places; numbers, interface names, match
    criteria and queue-limit units (the devices give some in us/bytes) are normalised, trailing
    blanks dropped, and WRED's table (not modeled) left out."""
    out = []
    for line in lines:
        line = line.rstrip()
        if re.match(r"\s*(Exp-weight-constant|Mean queue depth|class |pkts/bytes|\d+ +\d+/\d+)", line):
            continue
        line = re.sub(r"^\s*(GigabitEthernet|TenGigabitEthernet|Virtual-Access)\S*", "IF", line)
        line = re.sub(r"Match: .*", "Match: X", line)
        line = re.sub(r"queue limit .*", "queue limit Q", line)
        line = line.replace("second offered rate", "minute offered rate")   # its load-interval
        line = re.sub(r"(Service-policy[^:]*: |Class-map: )\S+", r"\1NAME", line)
        out.append(re.sub(r"\d+", "N", line))
    return out


def golden(name: str) -> list[str]:
    return (GOLDEN / name).read_text().splitlines()


# ---- the goldens ------------------------------------------------------------------------------

HQOS_BANDWIDTH = """\
class-map match-all high-priority
 match dscp ef
class-map match-all low-priority
 match dscp cs5
class-map match-all band-policy
 match dscp af21
class-map match-all test-cir
 match dscp af31
policy-map child-policy
 class high-priority
  priority 1000000
 class low-priority
  priority 1000000
 class band-policy
  bandwidth 110000
 class test-cir
  bandwidth 600000
 class class-default
  random-detect
policy-map parent-policy
 class class-default
  shape average 1000000000
   service-policy child-policy
"""


def test_hierarchy_with_priority_kbps_and_bandwidth_matches_the_device():
    """genieparser's ShowPolicyMapInterface golden_output21 (an IOS XE parent shaper over a child
    with two priority classes, two bandwidth classes and class-default's implicit queue)."""
    text, _ = show(HQOS_BANDWIDTH, "parent-policy")
    theirs = golden("show-policy-map-interface.hqos-bandwidth.txt")
    # The device's class-default runs WRED (kept, not modeled, so not printed): compared up to it.
    theirs = theirs[:next(i for i, line in enumerate(theirs) if "Exp-weight-constant" in line)]
    assert normalised(text.splitlines()) == normalised(theirs)


def test_priority_burst_and_rates_as_the_device_computes_them():
    _, data = show(HQOS_BANDWIDTH, "parent-policy")
    (parent,) = data[0]["service_policies"][0]["classes"]
    assert parent["queueing"]["shape"] == {"cir_bps": 1_000_000_000, "bc_bits": 4_000_000,
                                           "be_bits": 4_000_000, "target_bps": 1_000_000_000}
    child = parent["service_policy"]["classes"]
    # 200 ms of 1 Gbit/s: the device's `burst bytes 25000000`.
    assert child[0]["queueing"]["priority"] == {"level": None, "kbps": 1_000_000, "percent": None,
                                                "burst_bytes": 25_000_000, "exceed_drops": 0}
    text, _ = show(HQOS_BANDWIDTH, "parent-policy")
    assert "          Priority: 1000000 kbps, burst bytes 25000000, b/w exceed drops: 0" in text.splitlines()
    assert "          bandwidth 110000 kbps" in text.splitlines()


HQOS_LEVEL = """\
class-map match-all IPP67
 match precedence 6 7
class-map match-all VOICE
 match dscp ef
policy-map leeaf
 class IPP67
  bandwidth percent 50
 class VOICE
  priority level 1
policy-map L3VPN_out
 class class-default
  shape average 468000
   service-policy leeaf
"""


def test_priority_level_block_and_bandwidth_percent_match_the_device():
    """genieparser's ShowPolicyMapInterface golden_output18, its output policy (cut off by the
    capture after the child's first class)."""
    text, data = show(HQOS_LEVEL, "L3VPN_out", {("class-default", "IPP67"): (6612304, 819909328, 63, 2655550)})
    theirs = golden("show-policy-map-interface.hqos-priority-level.txt")
    theirs = theirs[theirs.index("  Service-policy output: L3VPN_out"):]
    while not theirs[-1].strip():
        theirs.pop()
    ours = text.splitlines()
    ours = ours[ours.index("  Service-policy output: L3VPN_out"):][:len(theirs)]
    assert normalised(ours) == normalised(theirs)
    # 50 % of the parent's 468 kbit/s shaper; the counts are the read-back's.
    assert "          bandwidth 50% (234 kbps)" in ours
    assert "          (queue depth/total drops/no-buffer drops) 63/2655550/0" in ours
    assert "          (pkts output/bytes output) 6612304/819909328" in ours


PRIORITY_LEVELS = """\
class-map match-any Q67
 match dscp cs7
 match dscp cs6
class-map match-any Q5
 match dscp cs5
class-map match-any Q4321
 match dscp cs4
 match dscp cs3
 match dscp cs2
 match dscp cs1
policy-map CORE_OUT
 class Q67
  priority level 1 percent 10
 class Q5
  priority level 2
 class Q4321
  bandwidth remaining percent 99
 class class-default
  bandwidth remaining percent 1
"""


def test_flat_priority_levels_match_the_device():
    """An ASR 1000's flat output policy with two priority levels and bandwidth remaining percent
    (see the goldens' README for its source)."""
    text, _ = show(PRIORITY_LEVELS, "CORE_OUT")
    assert normalised(text.splitlines()) == normalised([""] + golden("show-policy-map-interface.priority-levels.txt"))
    # 10 % of the Virtual-Access's 100 kbit/s, and 200 ms of that.
    assert "      Priority: 10% (10 kbps), burst bytes 250, b/w exceed drops: 0" in text.splitlines()


# ---- Genie parses ours ------------------------------------------------------------------------

def genie_policy_map():
    try:
        import genie.libs.parser.iosxe.show_policy_map as parsers
    except ImportError:
        pytest.skip("genie is not installed")
    return parsers


def genie_text(text: str) -> str:
    # Genie's interface pattern takes no `-`: the name is the only thing changed.
    return text.replace("Virtual-Access1", "Tunnel1")


@pytest.mark.parametrize("config, policy", [(HQOS_BANDWIDTH, "parent-policy"), (HQOS_LEVEL, "L3VPN_out"),
                                            (PRIORITY_LEVELS, "CORE_OUT")])
def test_genie_parses_our_queueing(config, policy):
    parsers = genie_policy_map()
    text, data = show(config, policy, {("class-default", "IPP67"): (6612304, 819909328, 63, 2655550)})
    parsed = parsers.ShowPolicyMapInterface(device=Mock()).parse(output=genie_text(text))
    ours = parsed["Tunnel1"]["service_policy"]["output"]["policy_name"][policy]
    assert set(ours["class_map"]) == {c["name"] for c in data[0]["service_policies"][0]["classes"]}
    for cls in data[0]["service_policies"][0]["classes"]:
        q, theirs = cls["queueing"], ours["class_map"][cls["name"]]
        if q is not None and q["priority"] is None:
            assert theirs["queueing"] is True
            assert theirs["queue_limit_packets"] == str(q["queue_limit"])
            assert (theirs["queue_depth"], theirs["total_drops"]) == (q["depth"], q["total_drops"])
            assert (theirs["pkts_output"], theirs["bytes_output"]) == (q["output_packets"], q["output_bytes"])
        if q is not None and q["shape"] is not None:
            assert theirs["shape_type"] == "average"
            assert (theirs["shape_cir_bps"], theirs["shape_bc_bps"], theirs["shape_be_bps"]) == (
                q["shape"]["cir_bps"], q["shape"]["bc_bits"], q["shape"]["be_bits"])
            assert theirs["target_shape_rate"] == q["shape"]["target_bps"]


def test_genie_reads_priority_levels():
    parsers = genie_policy_map()
    text, _ = show(PRIORITY_LEVELS, "CORE_OUT")
    parsed = parsers.ShowPolicyMapInterface(device=Mock()).parse(output=genie_text(text))
    policy = parsed["Tunnel1"]["service_policy"]["output"]["policy_name"]["CORE_OUT"]
    assert set(policy["queue_stats_for_all_priority_classes"]["priority_level"]) == {"1", "2"}
    assert policy["class_map"]["Q4321"]["bandwidth_remaining_percent"] == 99


# ---- show policy-map NAME ---------------------------------------------------------------------

def test_show_policy_map_prints_queueing_as_ios():
    config = parse_config(HQOS_LEVEL + PRIORITY_LEVELS.split("policy-map")[0].replace("Q67", "Q67")
                          + "policy-map Q\n class Q67\n  priority 512 6400\n class Q5\n  bandwidth 64\n"
                            " class Q4321\n  bandwidth remaining ratio 4\n  fair-queue\n  queue-limit 90\n"
                            " class class-default\n  shape average percent 40 20 ms\n", "t.cfg").config
    text = render_policy_map(policy_map_data(config))
    assert text.splitlines() == [
        "    Policy Map leeaf",
        "        Class IPP67",
        "            bandwidth 50 (%)",
        "        Class VOICE",
        "            priority level 1",
        "    Policy Map L3VPN_out",
        "        Class class-default",
        "            Average Rate Traffic Shaping",
        "            cir 468000 (bps)",
        "            service-policy leeaf",
        "    Policy Map Q",
        "        Class Q67",
        "            priority 512 (kbps) burst 6400 (Bytes)",
        "        Class Q5",
        "            bandwidth 64 (kb/s)",
        "        Class Q4321",
        "            bandwidth remaining ratio 4",
        "            fair-queue",
        "            queue-limit 90 packets",
        "        Class class-default",
        "            Average Rate Traffic Shaping",
        "            cir 40% bc 20 (msec)",
    ]
    parsed = genie_policy_map().ShowPolicyMap(device=Mock()).parse(output=text)["policy_map"]
    assert parsed["L3VPN_out"]["class"]["class-default"]["cir_bps"] == 468000
    assert parsed["Q"]["class"]["Q4321"] == {"bandwidth_remaining_ratio": 4, "queue_limit_packets": 90}
    assert parsed["leeaf"]["class"]["VOICE"]["priority_levels"] == 1


# ---- show platform hardware qfp active feature qos all output all -----------------------------

def test_platform_show_prints_queue_and_schedule_specifics():
    from qfp_model.qfp.readback import UidbInfo
    from qfp_model.qfp.show_platform import format_qos_all, qos_all

    config = parse_config(HQOS_LEVEL, "t.cfg").config
    fp = ReadbackFastPath()
    fp.bound[(1, T.Direction.OUT)] = Compiler(fp, config).policy_handle("L3VPN_out")
    fp.counts = {("class-default", "IPP67"): (10, 1000, 2, 3)}
    fp.uidbs = lambda: [1]
    fp.uidb_info = lambda uidb: UidbInfo("Virtual-Access1", 77, (None, None), (None, 1))
    (entry,) = qos_all(fp, T.Direction.OUT)
    parent, child = entry["policies"]
    assert parent["classes"][0]["queue"]["role"] == "inner node"
    assert parent["classes"][0]["schedule"] == {
        "shape_cir_bps": 468000, "shape_bc_bytes": 234, "shape_be_bytes": 234, "priority_level": 0,
        "priority_rate_bps": 0, "priority_burst_bytes": 0, "bw_min_bps": 0, "bw_excess_weight": 1}
    lines = format_qos_all([entry]).splitlines()
    ipp67 = lines.index("    Class name: IPP67, Policy name: leeaf", lines.index("  Queue specifics:", 40))
    assert lines[ipp67 + 1:ipp67 + 6] == [
        "    Queue type: queue, queue limit: 64 packets",
        "    depth: 2, max depth: 2",
        "    output stats (paks/octets): 0x000000000000000a, : 0x00000000000003e8",
        "    tail drop stats (paks/octets): 0x0000000000000003, : 0x000000000000012c",
        "    b/w exceed drop stats (paks/octets): 0x0000000000000000, : 0x0000000000000000",
    ]
    schedule = lines.index("    Class name: IPP67, Policy name: leeaf", lines.index("  Schedule specifics:", 40))
    assert lines[schedule + 1:schedule + 5] == [
        "    Shape: none", "    shape tokens: 0", "    Priority level: 0",
        "    Bandwidth min: 234000 bps, excess weight: 1"]
    assert "No queue configured" not in lines


# ---- end to end, on the C fast path -----------------------------------------------------------

def test_hub_hierarchy_end_to_end_on_the_c_fast_path():
    """tests/configs/flexvpn-hub.cfg's SPOKE-PARENT (shape average 20000000 over a priority level 1
    class and a bandwidth remaining percent class): 500 packets at twice the shaper's rate, the
    show's counts from the C scheduler's read-back, and Genie reading them back."""
    from fastpaths import native_fastpath_class

    native_fastpath_class()
    from qfp_model.control.core.device import Device
    from qfp_model.control.core.traffic import TrafficSpec

    device = Device.from_config_file(Path(__file__).parent / "configs" / "flexvpn-hub.cfg")
    session = device.session_up("77.1.1.1", "77.1.1.2")
    result = device.traffic(TrafficSpec("Vi1", T.Direction.OUT, size=1500, rate=40_000_000, packets=500))
    data = policy_map_interface_data(device.fp, device.config, device.sessions, device.clock_ns, "output")
    (parent,) = data[0]["service_policies"][0]["classes"]
    q = parent["queueing"]
    assert q["role"] == "inner" and q["queue_limit"] == 83            # 50 ms of 20 Mbit/s
    assert q["shape"] == {"cir_bps": 20_000_000, "bc_bits": 80_000, "be_bits": 80_000,
                          "target_bps": 20_000_000}
    # Every packet was either taken by the queue (and is out or still queued) or tail-dropped.
    assert q["output_packets"] + q["depth"] + q["total_drops"] == 500
    assert result.forwarded == q["output_packets"] + q["depth"]
    child = {c["name"]: c for c in parent["service_policy"]["classes"]}
    assert child["REALTIME"]["queueing"]["priority"]["level"] == 1
    assert child["BULK"]["queueing"]["bandwidth_remaining"] == {"unit": "percent", "value": 10}
    assert child["class-default"]["queueing"]["total_drops"] == q["total_drops"]
    text = render_policy_map_interface(data)
    parsers = genie_policy_map()
    parsed = parsers.ShowPolicyMapInterface(device=Mock()).parse(output=genie_text(text))
    theirs = parsed["Tunnel1"]["service_policy"]["output"]["policy_name"]["SPOKE-PARENT"]["class_map"]
    assert (theirs["class-default"]["pkts_output"], theirs["class-default"]["total_drops"]) == (
        q["output_packets"], q["total_drops"])
    assert theirs["class-default"]["shape_cir_bps"] == 20_000_000
    assert session.interface == "Virtual-Access1"


def test_unconfigured_class_default_prints_a_blank_line_over_its_queue():
    text, data = show("class-map match-any V\n match dscp ef\npolicy-map P\n class V\n  bandwidth 50\n", "P")
    default = data[0]["service_policies"][0]["classes"][-1]
    assert default["name"] == "class-default" and default["queueing"]["configured"] is False
    lines = text.splitlines()
    at = lines.index("      Match: any")
    assert lines[at + 1:at + 3] == ["", "      queue limit 64 packets"]
