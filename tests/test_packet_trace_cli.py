"""The conditional-debug and packet-trace exec commands: which packets the conditions select (and
none while stopped), what each command sets, clears and refuses, the notices for what the model
does not do, privilege, `undebug all` and `show debugging`; and `qfp regress` printing a trace."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qfp_model.control.errors import ExecError
from qfp_model.control.headend import Headend


@pytest.fixture
def headend():
    h = Headend.from_config_file(None)
    h.execute("sim session up remote 77.1.1.1 local 77.1.1.2")
    h.execute("sim session up remote 77.1.1.3 local 77.1.1.2")
    return h


def send(h, interface="Vi1", direction="input", packets=4, extra=""):
    h.execute(f"sim traffic interface {interface} {direction} size 100 rate 80000 packets {packets} {extra}")


def traced(h) -> list:
    return h.device.fp.trace_read()


def test_nothing_is_traced_until_the_conditions_start(headend):
    headend.execute("debug platform packet-trace packet 16")
    headend.execute("debug platform condition interface Vi1 both")
    send(headend)
    assert traced(headend) == []
    headend.execute("debug platform condition start")
    send(headend)
    send(headend, "Vi2")
    assert len(traced(headend)) == 4
    headend.execute("debug platform condition stop")
    send(headend)
    assert len(traced(headend)) == 4


def test_direction_interface_prefix_and_access_list_conditions(headend):
    h = headend
    h.execute("debug platform packet-trace packet 64")
    h.execute("debug platform condition interface Vi2 egress")
    h.execute("debug platform condition ipv4 10.0.0.1/32 ingress")   # Vi1's inside address
    h.execute("debug platform condition start")
    send(h, "Vi1", "input", 2)
    send(h, "Vi1", "output", 2)          # 10.0.0.1 is its destination, but the condition is ingress
    send(h, "Vi2", "output", 3)
    send(h, "Vi2", "input", 2)
    records = traced(h)
    uidb = {s.interface: s.uidb for s in h.device.sessions}
    assert [(r.field("uidb"), r.field("dir")) for r in records] == \
        [(uidb["Virtual-Access1"], 0)] * 2 + [(uidb["Virtual-Access2"], 1)] * 3

    h.execute("clear platform condition all")
    h.execute("clear platform packet-trace statistics")
    # HUB-IN's entries: telnet is denied before the permits; the condition's ACL is looked up by
    # the fast path, and a permit there selects the packet.
    h.execute("debug platform condition interface Vi1 ipv4 access-list HUB-IN ingress")
    h.execute("debug platform condition start")
    send(h, "Vi1", "input", 2, "protocol tcp destination-port 80")
    assert len(traced(h)) == 2
    assert h.show_data("show platform conditions")["conditions"] == [
        {"condition": "Virtual-Access1 & IPV4 ACL [HUB-IN]", "direction": "ingress"}]


def test_mark_does_nothing_per_packet_while_stopped(headend):
    trace = headend.device.packet_trace
    batch = np.zeros(3, dtype=[("trace", "u1")])    # no other field: a stopped mark must not look
    trace.mark(headend.device, batch)
    headend.execute("debug platform condition interface Vi1 both")
    trace.mark(headend.device, batch)
    assert not batch["trace"].any()


def test_no_forms_and_clear(headend):
    h = headend
    h.execute("debug platform condition ipv4 10.0.0.0/8 both")
    h.execute("no debug platform condition ipv4 10.0.0.0/8 both")
    assert h.show_data("show platform conditions")["conditions"] == []
    h.execute("debug platform packet-trace packet 16 circular")
    assert h.device.fp.trace_stats().circular
    h.execute("no debug platform packet-trace packet")
    assert h.device.fp.trace_stats().capacity == 0
    h.execute("debug platform packet-trace packet 32")
    h.execute("clear platform packet-trace configuration")
    assert h.device.fp.trace_stats().capacity == 0 and h.device.packet_trace.settings is None


def test_refusals_and_notices(headend):
    h = headend
    with pytest.raises(ExecError):
        h.execute("debug platform packet-trace packet 8")
    with pytest.raises(ExecError, match="not an IPv4 prefix"):
        h.execute("debug platform condition ipv4 10.0.0.1 both")
    with pytest.raises(ExecError, match="not an IPv6 prefix"):
        h.execute("debug platform condition ipv6 10.0.0.0/8 both")
    out = h.execute("debug platform packet-trace packet 16 fia-trace data-size 4096")
    assert "fia-trace" in out and "data-size: not modeled" in out
    assert "not modeled" in h.execute("debug platform packet-trace copy packet both")
    assert "no IPv6 ACLs" in h.execute("debug platform condition interface Vi1 ipv6 access-list V6 both")


def test_undebug_all_stops_and_show_debugging_lists(headend):
    h = headend
    h.execute("debug platform packet-trace packet 16 circular")
    h.execute("debug platform condition interface Vi1 ingress")
    h.execute("debug platform condition start")
    text = h.execute("show debugging")
    assert "Conditional Debug Global State: Start" in text
    assert "debug platform packet-trace packet 16 circular" in text
    assert "Virtual-Access1" in text and text.index("IOSXE Conditional") < text.index("IOSXE Packet Tracing")
    h.execute("undebug all")
    assert "Conditional Debug Global State: Stop" in h.execute("show debugging")


def test_debug_and_clear_need_enable():
    from qfp_model.control.exec.line import privileged
    for line in ("debug platform condition start", "clear platform condition all",
                 "undebug all", "clear platform packet-trace statistics"):
        assert privileged(line.split()) == 0


FAILING = """
name = "traced"
trace = true
[[sessions]]
remote = "77.1.1.1"
local = "77.1.1.2"
[[steps]]
[steps.traffic]
interface = "Vi1"
direction = "input"
size = 1000
rate = "8m"
packets = 300
destination = "172.16.10.5"
protocol = "tcp"
destination_port = 80
[[steps]]
result = { forwarded = 300 }
"""


def test_regress_prints_the_trace_beside_the_difference(tmp_path: Path, capsys):
    from qfp_model.tools import regress
    case = tmp_path / "traced.regress.toml"
    case.write_text(FAILING)
    assert regress.main([case]) != 0
    out = capsys.readouterr().out
    assert "last traffic forwarded: expected 300, actual 68" in out
    assert "      packet trace of the last traced step:" in out
    assert "        Drop     232" in out
    assert "        State     : DROP 34  (QosPolicing)" in out
    assert "          Police     : exceed (drop)" in out

    case.write_text(FAILING.replace("trace = true\n", ""))
    regress.main([case])
    assert "packet trace" not in capsys.readouterr().out


def test_regress_trace_in_a_step_and_its_type(tmp_path: Path, capsys):
    from qfp_model.tools import regress
    case = tmp_path / "traced.regress.toml"
    case.write_text(FAILING.replace("trace = true\n", "").replace("destination_port = 80\n",
                                                                  "destination_port = 80\ntrace = true\n"))
    regress.main([case])
    assert "State     : DROP" in capsys.readouterr().out
    case.write_text(FAILING.replace("trace = true", 'trace = "yes"'))
    result = regress.run_case(case)
    assert result.error and "trace is true or false" in result.message
