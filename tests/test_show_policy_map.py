"""`show policy-map [NAME]` and `show class-map [NAME]` (control.show.policy_map), from the
configuration model: the reference layout, IOS's default bursts and actions, goldens for the hub."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from qfp_model.control.config import model as M
from qfp_model.control.show.policy_map import (
    UnknownMapName,
    class_map_data,
    policy_map_data,
    render_class_map,
    render_policy_map,
)
from qfp_model.qfp.tables import PoliceAction
from show_device import hub_device, police, policy
from test_show_platform import assert_subset

GOLDEN = Path(__file__).parent / "golden"
REFERENCE = GOLDEN / "ios-xe" / "show-policy-map.txt"


def reference_lines() -> list[str]:
    """The reference's output lines: after its prompt, blank lines dropped, four columns taken off
    (it indents every line to its prompt; a device puts `Policy Map` four columns in, see
    control/show/policy_map.py)."""
    lines = REFERENCE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "show policy-map" in line) + 1
    return [line[4:] for line in lines[start:] if line.strip()]


def test_formatter_matches_the_reference():
    twin = [{"name": "police", "description": None, "classes": [{
        "name": "class-default", "set": None, "service_policy": None, "other_lines": [],
        "police": {"cir_bps": 1000000, "bc_bytes": 31250, "pir_bps": 2000000, "be_bytes": 31250,
                   "conform": ["transmit"], "exceed": ["set-prec-transmit 4", "set-frde-transmit"],
                   "violate": ["set-prec-transmit 2", "set-frde-transmit"]}}]}]
    assert render_policy_map(twin).splitlines() == reference_lines()


def test_the_references_policy_from_the_model(fastpath_class):
    """The reference's policy-map but for its Frame Relay actions, which the model does not have."""
    device = hub_device(fastpath_class)
    device.config.add_policy_map(policy("police", M.PolicyClass("class-default", police=police(
        1_000_000, bc=31_250, pir=2_000_000, be=31_250, conform=PoliceAction("transmit"),
        exceed=PoliceAction("set-prec-transmit", 4), violate=PoliceAction("set-prec-transmit", 2)))))
    text = render_policy_map(policy_map_data(device.config, "police"))
    assert text.splitlines() == [line for line in reference_lines() if "frde" not in line]


def test_defaults_are_printed_as_ios_fills_them_in(fastpath_class):
    device = hub_device(fastpath_class)
    device.config.add_policy_map(policy(
        "defaults",
        M.PolicyClass("VOICE", police=police(8000)),                          # Bc at least 1500
        M.PolicyClass("BULK", police=police(64_000, violate=PoliceAction("drop"))),   # Be = Bc
        M.PolicyClass("MGMT", police=police(96_000, pir=192_000)),            # Be from the PIR
        M.PolicyClass("class-default", set_dscp=10, other_lines=["fair-queue"])))
    (twin,) = policy_map_data(device.config, "defaults")
    voice, bulk, mgmt, default = twin["classes"]
    assert voice["police"] == {"cir_bps": 8000, "bc_bytes": 1500, "pir_bps": None, "be_bytes": None,
                               "conform": ["transmit"], "exceed": ["drop"], "violate": None}
    assert_subset({"bc_bytes": 2000, "be_bytes": 2000, "violate": ["drop"]}, bulk["police"])
    assert_subset({"bc_bytes": 3000, "pir_bps": 192_000, "be_bytes": 6000, "exceed": ["drop"],
                   "violate": ["drop"]}, mgmt["police"])
    assert_subset({"set": {"kind": "dscp", "value": 10, "text": "af11"}, "police": None,
                   "other_lines": ["fair-queue"]}, default)
    assert render_policy_map([twin]) == (
        "    Policy Map defaults\n"
        "        Class VOICE\n"
        "            police cir 8000 bc 1500\n"
        "                conform-action transmit\n"
        "                exceed-action drop\n"
        "        Class BULK\n"
        "            police cir 64000 bc 2000 be 2000\n"
        "                conform-action transmit\n"
        "                exceed-action drop\n"
        "                violate-action drop\n"
        "        Class MGMT\n"
        "            police cir 96000 bc 3000 pir 192000 be 6000\n"
        "                conform-action transmit\n"
        "                exceed-action drop\n"
        "                violate-action drop\n"
        "        Class class-default\n"
        "            set dscp af11\n"
        "            fair-queue\n")


def test_class_maps(fastpath_class):
    device = hub_device(fastpath_class)
    twin = class_map_data(device.config)
    assert [(c["name"], c["id"]) for c in twin] == [
        ("class-default", 0), ("VOICE", 1), ("BULK", 2), ("MGMT", 3)]
    assert_subset({"match_type": "match-all", "matches": ["precedence 6", "not dscp ef (46)"]}, twin[3])
    assert render_class_map(class_map_data(device.config, "VOICE")) == (
        " Class Map match-any VOICE (id 1)\n"
        "   Match   dscp ef (46)\n"
        "   Match access-group name SIP\n"
        "\n")


def test_hub_goldens(fastpath_class):
    device = hub_device(fastpath_class)
    outputs = {"policy-map.hub.txt": render_policy_map(policy_map_data(device.config)),
               "class-map.hub.txt": render_class_map(class_map_data(device.config))}
    for name, text in outputs.items():
        golden = GOLDEN / "show" / name
        if os.environ.get("QFP_REGENERATE_GOLDEN"):
            golden.write_text(text)
        assert text == golden.read_text(), name


def test_unknown_names_are_errors(fastpath_class):
    device = hub_device(fastpath_class)
    with pytest.raises(UnknownMapName):
        policy_map_data(device.config, "nope")
    with pytest.raises(UnknownMapName):
        class_map_data(device.config, "nope")
    assert [c["name"] for c in class_map_data(device.config, "class-default")] == ["class-default"]
