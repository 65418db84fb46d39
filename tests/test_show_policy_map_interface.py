"""`show policy-map interface Virtual-AccessN [input|output]` (control.show.policy_map_interface).

Layout: the formatter against the ASR 1000 reference (tests/golden/ios-xe/), literally from a twin
holding the reference's data, and a device's 2R3C class against it line by line with the numbers
normalised (the reference's class matches `protocol arp`, which the model does not have); a hub
device's output after traffic against a reviewed golden. Data: the twin after real traffic, on both
fast paths, against the traffic's own verdicts."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from qfp_model.control.config import model as M
from qfp_model.control.core.sessions import Authorization
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.control.show.policy_map_interface import policy_map_interface_data, render_policy_map_interface
from qfp_model.qfp.tables import Direction
from show_device import hub_device, police, policy
from test_show_platform import assert_subset

GOLDEN = Path(__file__).parent / "golden"
IOS_XE = GOLDEN / "ios-xe"
EF, AF11, CS6 = 46, 10, 48


def pmi_of(device, interface=None, direction=None) -> list[dict]:
    """The twin as `show policy-map interface [IFNAME [DIRECTION]]` gathers it: one session by name,
    or every session."""
    sessions = [device.session(interface)] if interface is not None else device.sessions
    return policy_map_interface_data(device.fp, device.config, sessions, device.clock_ns, direction,
                                     named=interface is not None)


def _colour(packets: int, octets: int, action: str, bps: int = 0) -> dict:
    return {"packets": packets, "bytes": octets, "actions": [action], "bps": bps}


def test_formatter_reproduces_the_asr1000_reference():
    twin = [{"interface": "TenGigabitEthernet0/0/0.101", "service_policies": [{
        "direction": "input", "policy": "L3VPNin", "classes": [{
            "name": "ARP_in", "match_type": "match-all", "packets": 0, "bytes": 0,
            "offered_rate_bps": 0, "drop_rate_bps": 0, "matches": ["protocol arp"], "qos_set": None,
            "police": {"mode": "2R3C", "cir_bps": 100, "bc_bytes": 125, "pir_bps": 20000,
                       "be_bytes": 658, "conformed": _colour(0, 0, "transmit"),
                       "exceeded": _colour(0, 0, "drop"), "violated": _colour(0, 0, "drop")},
            "service_policy": None}]}]}]
    reference = (IOS_XE / "show-policy-map-interface.2r3c.txt").read_text()
    # The reference was cut after its one class: its last line is the next blank's indentation.
    assert render_policy_map_interface(twin) == reference.rstrip() + "\n"


def _numbers_out(lines: list[str]) -> list[str]:
    return [re.sub(r"\d+", "N", re.sub(r"Match: .*", "Match: M", line)) for line in lines]


def _class_block(text: str, name: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"Class-map: {name} "))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_a_two_rate_class_has_the_reference_layout(fastpath_class):
    device = hub_device(fastpath_class)
    # The reference's policer (cir 100 bps) is below IOS's smallest rate; IOS's defaults fill in
    # the bursts and the drop actions the same way.
    device.config.add_policy_map(policy("L3VPNin", M.PolicyClass("BULK", police=police(8000, pir=20000))))
    session = device.session_up("27.27.27.2", "17.17.17.2")
    device.authorize(session, Authorization(policy_in="L3VPNin"))
    text = render_policy_map_interface(pmi_of(device, "Virtual-Access1", "input"))
    reference = (IOS_XE / "show-policy-map-interface.2r3c.txt").read_text()
    ours = _class_block(text, "BULK")
    assert ours[0] == "    Class-map: BULK (match-any)"
    assert _numbers_out(ours[1:]) == _numbers_out(_class_block(reference, "ARP_in")[1:])


def hub_with_traffic(fastpath_class):
    """VA1 with the template's policies (aaa-in-policy in; parent-out with child-out out) after
    a stream each way per class; VA2 up later with no traffic."""
    device = hub_device(fastpath_class)
    device.session_up("77.1.1.1", "77.1.1.2", fvrf=2, ivrf=2)
    results = {
        "in": device.traffic(TrafficSpec("Vi1", Direction.IN, size=1000, rate=2_000_000, packets=200)),
        "voice": device.traffic(TrafficSpec("Vi1", Direction.OUT, size=200, rate=256_000, packets=400,
                                            dscp=EF)),
        "bulk": device.traffic(TrafficSpec("Vi1", Direction.OUT, size=1500, rate=3_000_000, packets=500,
                                           dscp=AF11)),
        "mgmt": device.traffic(TrafficSpec("Vi1", Direction.OUT, size=100, rate=80_000, packets=50, dscp=CS6)),
    }
    device.session_up("27.27.27.2", "17.17.17.2", template=2)
    return device, results


def test_hub_golden(fastpath_class):
    device, _ = hub_with_traffic(fastpath_class)
    text = render_policy_map_interface(pmi_of(device))
    golden = GOLDEN / "show" / "policy-map-interface.hub.txt"
    if os.environ.get("QFP_REGENERATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def _by_name(classes: list[dict]) -> dict[str, dict]:
    return {cls["name"]: cls for cls in classes}


def test_twin_counts_what_the_traffic_saw(fastpath_class):
    device, results = hub_with_traffic(fastpath_class)
    (va1,) = pmi_of(device)
    assert pmi_of(device, "Vi2") == [
        {"interface": "Virtual-Access2", "service_policies": []}]
    window = device.clock_ns
    (policy_in, policy_out) = va1["service_policies"]
    assert_subset({"direction": "input", "policy": "aaa-in-policy", "rate_window_ns": window},
                  policy_in)
    (default_in,) = policy_in["classes"]
    r = results["in"]
    assert_subset({"name": "class-default", "match_type": "match-any", "matches": ["any"],
                   "packets": r.packets, "bytes": r.packets * 1000,
                   "drop_packets": r.dropped_police, "drop_bytes": r.dropped_police * 1000,
                   "offered_rate_bps": r.packets * 1000 * 8 * 10**9 // window,
                   "police": {"mode": "1R2C", "cir_bps": 1_000_000, "bc_bytes": 31_250,
                              "pir_bps": None, "be_bytes": None, "violated": None,
                              "conformed": {"packets": r.colours[0], "bytes": r.colours[0] * 1000,
                                            "actions": ["transmit"]},
                              "exceeded": {"packets": r.colours[1], "actions": ["drop"]}},
                   "service_policy": None}, default_in)
    assert r.colours[1] > 0, "the stream runs at twice the CIR"

    assert policy_out["policy"] == "parent-out"
    mgmt, default_out = policy_out["classes"]
    assert_subset({"name": "MGMT", "match_type": "match-all",
                   "matches": ["precedence 6", "not dscp ef (46)"], "packets": 50, "bytes": 5000,
                   "qos_set": {"kind": "precedence", "value": 6}, "police": None}, mgmt)
    child = _by_name(default_out["service_policy"]["classes"])
    assert default_out["service_policy"]["policy"] == "child-out"
    assert list(child) == ["VOICE", "BULK", "class-default"]
    voice, bulk = child["VOICE"], child["BULK"]
    assert_subset({"match_type": "match-any", "matches": ["dscp ef (46)", "access-group name SIP"],
                   "packets": 400, "bytes": 80_000, "qos_set": {"kind": "dscp", "value": EF},
                   "police": {"mode": "1R2C", "cir_bps": 128_000, "bc_bytes": 4000}}, voice)
    assert_subset({"packets": 500, "bytes": 750_000,
                   "police": {"mode": "2R3C", "cir_bps": 1_000_000, "bc_bytes": 31_250,
                              "pir_bps": 2_000_000, "be_bytes": 62_500,
                              "exceeded": {"actions": ["set-dscp-transmit cs1"]},
                              "violated": {"actions": ["drop"]}}}, bulk)
    for cls in (voice, bulk):
        colours = [cls["police"][c] for c in ("conformed", "exceeded", "violated") if cls["police"][c]]
        assert sum(c["packets"] for c in colours) == cls["packets"]
        for c in colours:
            assert c["bps"] == c["bytes"] * 8 * 10**9 // window
    assert bulk["police"]["violated"]["packets"] > 0, "the stream runs above the PIR"
    # The parent polices what the child passed: VOICE and BULK's forwarded packets, and nothing else.
    parent_seen = sum(r.forwarded for key, r in results.items() if key in ("voice", "bulk"))
    police_out = default_out["police"]
    assert_subset({"mode": "1R3C", "cir_bps": 10_000_000, "bc_bytes": 312_500, "be_bytes": 312_500,
                   "exceeded": {"actions": ["set-prec-transmit 1"]}}, police_out)
    assert sum(police_out[c]["packets"] for c in ("conformed", "exceeded", "violated")) == parent_seen


def test_direction_selects_one_service_policy(fastpath_class):
    device, _ = hub_with_traffic(fastpath_class)
    (entry,) = pmi_of(device, "Virtual-Access1", "input")
    assert [p["direction"] for p in entry["service_policies"]] == ["input"]
    (entry,) = pmi_of(device, "virtual-access 1", Direction.OUT)
    assert [p["direction"] for p in entry["service_policies"]] == ["output"]
    text = render_policy_map_interface([entry])
    assert text.startswith("\nVirtual-Access1\n\n  Service-policy output: parent-out\n\n"
                           "    Class-map: MGMT (match-all)\n")
    assert "\n      Service-policy : child-out\n\n        Class-map: VOICE (match-any)\n" in text
    assert "\n          QoS Set\n            dscp ef\n              Marker statistics: Disabled\n" in text


def test_policer_shows_what_was_programmed_not_what_was_typed(fastpath_class):
    device = hub_device(fastpath_class)
    # 1234567891 bit/s needs 31 significant bits; the rate word holds 29, so the device runs
    # (and shows) 1234567890.
    police_class = M.PolicyClass("class-default", police=police(1_234_567_891))
    device.config.add_policy_map(policy("odd", police_class))
    session = device.session_up("27.27.27.2", "17.17.17.2", template=2)
    device.authorize(session, Authorization(policy_in="odd"))
    (entry,) = pmi_of(device, "Virtual-Access1")
    police_twin = entry["service_policies"][0]["classes"][0]["police"]
    assert police_twin["cir_bps"] == 1_234_567_890
    assert police_twin["bc_bytes"] == 1_234_567_891 // 32
    assert police_class.police.cir == 1_234_567_891


def test_rates_are_over_the_time_since_the_session_came_up(fastpath_class):
    device = hub_device(fastpath_class)
    device.session_up("27.27.27.2", "17.17.17.2")
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=1000, rate=1_000_000, packets=1001))   # 8 s of clock
    late = device.session_up("27.27.27.3", "17.17.17.2")
    start = device.clock_ns
    device.traffic(TrafficSpec("Vi2", Direction.IN, size=1000, rate=8_000_000, packets=1001))  # 1 s
    assert late.created_ns == start
    (entry,) = pmi_of(device, "Vi2", "input")
    cls = entry["service_policies"][0]["classes"][0]
    assert entry["service_policies"][0]["rate_window_ns"] == device.clock_ns - start == 10**9
    assert cls["offered_rate_bps"] == 1001 * 1000 * 8


def test_unknown_interface_is_an_error(fastpath_class):
    from qfp_model.control.core.sessions import SessionError
    device = hub_device(fastpath_class)
    with pytest.raises(SessionError):
        pmi_of(device, "Virtual-Access9")
