"""`show platform packet-trace` against real IOS XE outputs (tests/golden/ios-xe/, README there):
our layout line by line where the model has the data, and Genie's parsers reading ours."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from qfp_model.control.headend import Headend
from test_show_everyday import genie

GOLDEN = Path(__file__).parent / "golden" / "ios-xe"


@pytest.fixture(scope="module")
def traced():
    """A session, traced both ways: input through HUB-IN and the input policer (some dropped),
    output through a shaped queue (the voice-bulk config's), and one packet the ACL drops."""
    h = Headend.from_config_file(Path(__file__).parent.parent / "examples" / "voice-bulk-shaped.cfg")
    for line in ("sim session up remote 77.1.1.1 local 77.1.1.2",
                 "debug platform packet-trace packet 64",
                 "debug platform condition interface Vi1 both",
                 "debug platform condition start",
                 "sim traffic interface Vi1 output size 1500 rate 20000000 packets 20 dscp ef",
                 "sim traffic interface Vi1 input size 1000 rate 8000000 packets 10 protocol tcp "
                 "destination-port 80"):
        h.execute(line)
    return h


@pytest.fixture(scope="module")
def traced_in():
    """The embedded hub: input through HUB-IN and the input policy's policer."""
    h = Headend.from_config_file(None)
    for line in ("sim session up remote 77.1.1.1 local 77.1.1.2",
                 "debug platform packet-trace packet 16",
                 "debug platform condition ipv4 10.0.0.0/8 ingress",
                 "debug platform condition start",
                 "sim traffic interface Vi1 input size 1000 rate 8000000 packets 10 protocol tcp "
                 "destination-port 80 dscp af11"):
        h.execute(line)
    return h


def shape(line: str) -> str:
    """A line with its values normalised: numbers, names after a colon, dates."""
    line = re.sub(r"\(\d\d/\d\d/\d{4} [\d:.]+ UTC\)", "(DATE)", line)
    line = re.sub(r"(:\s).*", r"\1V", line)
    return re.sub(r"\d+", "N", line)


def golden(name: str) -> list[str]:
    return (GOLDEN / name).read_text().splitlines()


def test_summary_layout_is_ios(traced):
    ours = traced.execute("show platform packet-trace summary").splitlines()
    real = golden("show-platform-packet-trace-summary.txt")
    assert ours[0] == real[0]
    fwd = next(line for line in real if line.endswith("FWD"))
    row = next(line for line in ours if line.endswith("FWD"))
    # the columns: number, input and output interfaces, state, each where IOS puts it
    assert [m.start() for m in re.finditer(r"\S+", row)] == [m.start() for m in re.finditer(r"\S+", fwd)]


def test_packet_layout_is_ios_line_by_line(traced_in):
    ours = traced_in.execute("show platform packet-trace packet 0").splitlines()
    real = golden("show-platform-packet-trace-packet.txt")
    head = real[:17]                      # through the IPV4(Input) block
    assert [shape(x) for x in ours[:17]] == [shape(x) for x in head]
    assert ours[9] == "  Feature: IPV4(Input)" and ours[15] == "      SrcPort   : 1024"
    qos = real[real.index("  Feature: QOS"):real.index("  Feature: QOS") + 3]
    at = ours.index("  Feature: QOS")
    assert [shape(x) for x in ours[at:at + 3]] == [shape(x) for x in qos]


def test_egress_queue_block_is_ios(traced):
    out = [r for r in traced.device.fp.trace_read() if r.field("dir") == 1 and r.queue_state is not None]
    ours = traced.execute(f"show platform packet-trace packet {out[-1].number}").splitlines()
    at = ours.index("  Feature: QOS")
    block = ours[at:at + 10]
    real = [x for x in golden("show-platform-packet-trace-packet.qos-egress.txt") if "PAL Queue ID" not in x]
    assert [shape(x) for x in block] == [shape(x) for x in real]
    assert "    Inst Queue len   : " in block[-2]


def test_statistics_layout_is_ios(traced):
    ours = traced.execute("show platform packet-trace statistics").splitlines()
    real = golden("show-platform-packet-trace-statistics.txt")
    ours_ios = [x for x in ours if not x.startswith("    ")]    # our drop causes are not in the golden
    assert [shape(x) for x in ours_ios] == [shape(x) for x in real]


def test_twins_agree_with_the_text(traced):
    stats = traced.show_data("show platform packet-trace statistics")
    assert stats["matched"] == stats["traced"] == 30
    assert stats["forward"] + stats["drop"] == 30
    text = traced.execute("show platform packet-trace statistics")
    assert f"  Drop     {stats['drop']}" in text
    rows = traced.show_data("show platform packet-trace summary")
    assert len(rows) == 30 and {r["input"] for r in rows} == {"Vi1", "<unknown>"}


def test_genie_parses_ours(traced):
    summary = genie("show_platform").ShowPlatformPacketSumm(device=None).parse(
        output=traced.execute("show platform packet-trace summary"))
    assert len(summary["packets"]) == 30
    dropped = [p for p in summary["packets"].values() if p["state"] == "DROP"]
    assert all(p["reason"]["code"] for p in dropped)

    packets = genie("show_platform").ShowPlatformPacketTracePacket(device=None).parse(
        output=traced.execute("show platform packet-trace packet all"))
    first = packets["packets"][0]
    assert first["summary"]["start_timestamp_ns"] == 0
    assert first["path_trace"]["ipv4_output"]["output"] == "Virtual-Access1"
    assert first["path_trace"]["qos"]["direction"] == "Egress"

    stats = genie("show_platform").ShowPlatformPacketStats(device=None).parse(
        output=traced.execute("show platform packet-trace statistics"))
    assert stats["packets_summary"] == {"matched": 30, "traced": 30}
    assert stats["packets_processed"]["forward"] + stats["packets_processed"]["drop"] == 30
