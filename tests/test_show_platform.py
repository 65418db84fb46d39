"""`show platform hardware qfp active feature qos all input|output all` (qfp.show_platform).

Layout is held to golden text (tests/golden/, see its README for what is normalised); data is held
to the structured twin by subset, on every fast path implementation, after real packets."""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from qfp_model.qfp import packets
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.show_platform import qos_all, render_qos_all
from qfp_model.qfp.tables import (
    DROP,
    PROTO_UDP,
    Ace,
    ClassMap,
    Direction,
    Match,
    PoliceAction,
    PoliceMode,
    Policer,
    Policy,
    PolicyClass,
    PortMatch,
    PortOp,
)

GOLDEN = Path(__file__).parent / "golden"
CLASS_DEFAULT_ID = 1593


# ---- the seed's device: one session, a 1R2C policer in class-default each way ----------------------

IN_CIR, IN_BC = 1_000_000, 31_250      # Bc = CIR/32 bytes, IOS's default
OUT_CIR, OUT_BC = 2_000_000, 62_500


def _one_class_policy(name: str, policy_id: int, cir: int, bc: int) -> Policy:
    policer = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=cir, bc=bc)
    return Policy(name, policy_id, (PolicyClass("class-default", CLASS_DEFAULT_ID, police=policer),))


def seed_device(fp) -> int:
    uidb = fp.uidb_create(14, "Virtual-Access1")
    policy_in = fp.policy_create(_one_class_policy("aaa-in-policy", 980784, IN_CIR, IN_BC))
    policy_out = fp.policy_create(_one_class_policy("aaa-out-policy", 9679472, OUT_CIR, OUT_BC))
    # The seed's CoA set the output policy first (its policer id is the lower one).
    fp.bind(uidb, Direction.OUT, policy=policy_out)
    fp.bind(uidb, Direction.IN, policy=policy_in)
    return uidb


def seed_police(fp, direction: Direction) -> dict:
    """The seed's one policed class, as the twin shows it."""
    return qos_all(fp, direction)[0]["policies"][0]["classes"][0]["police"]


def send(fp, uidb: int, direction: Direction, count: int, length: int, dscp: int = 0,
         ts_ns: int = 0) -> np.ndarray:
    batch = packets.empty_batch(count)
    batch["uidb"] = uidb
    batch["dir"] = direction
    batch["length"] = length
    batch["dscp"] = dscp
    batch["proto"] = PROTO_UDP
    batch["ts_ns"] = ts_ns
    return fp.process(batch)


# ---- comparing with golden text ---------------------------------------------------------------------

_HEX8 = "0x[0-9a-f]{8}"
_DEVICE_ALLOCATED = [
    (re.compile(rf"^(\s*(?:\(cache\) )?isqd\[0-3\]: ){_HEX8}"), r"\g<1><address>"),
    (re.compile(rf"^(\s*Policer id: ){_HEX8}$"), r"\g<1><policer id>"),
    (re.compile(rf"^(\s*(?:cache )?hw_policer\[0-3\]: +){_HEX8} {_HEX8} {_HEX8} {_HEX8}$"),
     r"\g<1><policer words>"),
]


def normalised(text: str, patterns=_DEVICE_ALLOCATED, collapse: bool = False) -> list[str]:
    lines = []
    for line in text.splitlines():
        if collapse:
            # Indentation is layout; only runs of spaces between tokens were lost to the PDF.
            line = re.sub(r"(?<=\S) {2,}", " ", line)
        for pattern, replacement in patterns:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return lines


def assert_subset(expected, actual, path="twin"):
    """Every key and value in `expected` is in `actual`; lists compare element by element."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not a dict"
        for key, value in expected.items():
            assert key in actual, f"{path}: no key {key!r}"
            assert_subset(value, actual[key], f"{path}[{key!r}]")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), \
            f"{path}: {actual!r} is not a list of {len(expected)}"
        for index, (want, got) in enumerate(zip(expected, actual)):
            assert_subset(want, got, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


# ---- the seed ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("direction, golden, collapse", [
    (Direction.OUT, "qos-all-output-all.txt", False),   # byte for byte but for allocations
    (Direction.IN, "qos-all-input-all.txt", True),      # its extra spaces are the PDF's
])
def test_seed_layout_matches_the_seed_output(fp, direction, golden, collapse):
    seed_device(fp)
    text = render_qos_all(fp, direction)
    assert text.endswith("\n")
    assert normalised(text, collapse=collapse) == \
        normalised((GOLDEN / golden).read_text(), collapse=collapse)


def test_seed_twin_holds_what_was_programmed(fp):
    uidb = seed_device(fp)
    common = {"interface": "Virtual-Access1", "if_h": 14, "uidb": uidb, "num_targets": 1,
              "num_uidbs": 1, "uidb_index": 0}
    for direction, target, name, policy_id, cir, bc in (
            (Direction.IN, "In", "aaa-in-policy", 980784, IN_CIR, IN_BC),
            (Direction.OUT, "Out", "aaa-out-policy", 9679472, OUT_CIR, OUT_BC)):
        twin = qos_all(fp, direction)
        assert_subset([{**common, "target": target, "policies": [{
            "level": 0, "policy_name": name, "policy_id": policy_id,
            "parent_class_index": 0, "parent_class_id": 0, "ifh": 14, "num_classes": 1,
            "classes": [{
                "class_index": 0, "class_object_id": CLASS_DEFAULT_ID, "match_index": 0,
                "class_name": "class-default", "policy_name": name,
                "psqd": [0, 0, 1, 0],
                "police": {
                    "police_info": 0,
                    "decoded": {"mode": "1R2C", "cir_bps": cir, "bc_bytes": bc, "be_bytes": 0,
                                "pir_bps": 0,
                                "conform_action": {"action": "transmit", "value": 0},
                                "exceed_action": {"action": "drop", "value": 0}},
                    "conform": {"packets": 0, "octets": 0},
                    "exceed": {"packets": 0, "octets": 0},
                    "violate": {"packets": 0, "octets": 0},
                },
                "queue": None, "schedule": None,
            }],
        }]}], twin)
        cls = twin[0]["policies"][0]["classes"][0]
        assert cls["isqd"][1:] == [1 if direction is Direction.IN else 0, 0, 0]
        assert cls["cache_isqd"] == cls["isqd"]
        police = cls["police"]
        assert police["policer_id"] >> 28 == 0x2
        assert police["cache_hw_policer"] == police["hw_policer"]
    ids = {seed_police(fp, d)["policer_id"] for d in Direction}
    assert len(ids) == 2, "each bound policy instance has its own policer"


def test_counters_move_with_traffic_in_one_direction_only(fp):
    uidb = seed_device(fp)
    # 25 packets of 1500 bytes at one instant: Bc 31250 bytes passes 20 of them.
    verdicts = send(fp, uidb, Direction.IN, 25, 1500)
    assert list(verdicts["colour"]) == [packets.CONFORM] * 20 + [packets.EXCEED] * 5
    police_in = seed_police(fp, Direction.IN)
    assert_subset({"conform": {"packets": 20, "octets": 30000},
                   "exceed": {"packets": 5, "octets": 7500},
                   "violate": {"packets": 0, "octets": 0}}, police_in)
    police_out = seed_police(fp, Direction.OUT)
    assert_subset({"conform": {"packets": 0, "octets": 0}, "exceed": {"packets": 0, "octets": 0}},
                  police_out)
    text = render_qos_all(fp, Direction.IN)
    assert "    conform stats (paks/octets): 0x0000000000000014, : 0x0000000000007530\n" in text
    assert "    exceed stats (paks/octets): 0x0000000000000005, : 0x0000000000001d4c\n" in text


def test_a_new_binding_shows_a_fresh_instance(fp):
    uidb = seed_device(fp)
    send(fp, uidb, Direction.OUT, 3, 100)
    before = seed_police(fp, Direction.OUT)
    assert before["conform"] == {"packets": 3, "octets": 300}
    fp.bind(uidb, Direction.OUT, policy=fp.uidb_info(uidb).policy[Direction.OUT])
    after = seed_police(fp, Direction.OUT)
    assert after["conform"] == {"packets": 0, "octets": 0}
    assert after["policer_id"] != before["policer_id"]
    assert after["hw_policer"] == before["hw_policer"]


def test_nothing_is_printed_without_a_policy(fp):
    assert render_qos_all(fp, Direction.IN) == ""
    uidb = fp.uidb_create(14, "Virtual-Access1")
    assert render_qos_all(fp, Direction.OUT) == "" and qos_all(fp, Direction.OUT) == []
    policy = fp.policy_create(_one_class_policy("aaa-in-policy", 980784, IN_CIR, IN_BC))
    fp.bind(uidb, Direction.IN, policy=policy)
    assert render_qos_all(fp, Direction.OUT) == ""
    assert render_qos_all(fp, Direction.IN).startswith("Interface: Virtual-Access1, QFP if_h: 14,")
    fp.bind(uidb, Direction.IN, policy=None)
    assert render_qos_all(fp, Direction.IN) == ""


# ---- several classes and a hierarchy -----------------------------------------------------------------

DSCP_EF, DSCP_AF11, DSCP_CS1, DSCP_CS6 = 46, 10, 8, 48
SIP = Ace(permit=True, proto=PROTO_UDP, dport=PortMatch(PortOp.EQ, 5060))


def hierarchy_device(fp) -> dict[str, int]:
    """VA1: parent-out (MGMT; class-default policed 1R3C with child-out). VA2: child-out alone.
    VA3: no policy. VA2 also has an input policy, which must not appear in the output command."""
    sip = fp.acl_create([SIP])
    voice = ClassMap("VOICE", match_all=False, matches=(Match("dscp", dscp=frozenset({DSCP_EF})),
                                                        Match("access-group", acl=sip)))
    bulk = ClassMap("BULK", match_all=False, matches=(Match("dscp", dscp=frozenset({10, 12, 14})),))
    mgmt = ClassMap("MGMT", match_all=True, matches=(Match("dscp", dscp=frozenset({DSCP_CS6})),))
    child = fp.policy_create(Policy("child-out", 4242, (
        PolicyClass("VOICE", 3001, voice,
                    police=Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=128_000, bc=4_000)),
        PolicyClass("BULK", 3002, bulk, police=Policer(
            PoliceMode.TWO_RATE_THREE_COLOUR, cir=1_000_000, bc=31_250, pir=2_000_000, be=62_500,
            exceed=PoliceAction("set-dscp-transmit", DSCP_CS1), violate=DROP)),
        PolicyClass("class-default", CLASS_DEFAULT_ID),
    )))
    parent = fp.policy_create(Policy("parent-out", 4243, (
        PolicyClass("MGMT", 3010, mgmt, set_dscp=DSCP_CS6),
        PolicyClass("class-default", CLASS_DEFAULT_ID, child=child, police=Policer(
            PoliceMode.ONE_RATE_THREE_COLOUR, cir=10_000_000, bc=312_500, be=312_500,
            exceed=PoliceAction("set-prec-transmit", 1), violate=DROP)),
    )))
    va1 = fp.uidb_create(14, "Virtual-Access1")
    va2 = fp.uidb_create(15, "Virtual-Access2")
    va3 = fp.uidb_create(16, "Virtual-Access3")
    fp.bind(va1, Direction.OUT, policy=parent)
    fp.bind(va2, Direction.OUT, policy=child)
    fp.bind(va2, Direction.IN, policy=fp.policy_create(
        _one_class_policy("aaa-in-policy", 980784, IN_CIR, IN_BC)))
    return {"va1": va1, "va2": va2, "va3": va3, "parent": parent, "child": child}


_ADDRESS_ONLY = _DEVICE_ALLOCATED[:1]


def test_hierarchy_golden(fp):
    hierarchy_device(fp)
    text = render_qos_all(fp, Direction.OUT)
    golden = GOLDEN / "qos-all-output-hierarchy.txt"
    if os.environ.get("QFP_REGENERATE_GOLDEN") and isinstance(fp, ReferenceFastPath):
        golden.write_text(text)
    assert normalised(text, _ADDRESS_ONLY) == normalised(golden.read_text(), _ADDRESS_ONLY)


def _classes(names_ids):
    return [{"class_index": i, "class_name": name, "class_object_id": object_id}
            for i, (name, object_id) in enumerate(names_ids)]


CHILD_CLASSES = _classes([("VOICE", 3001), ("BULK", 3002), ("class-default", CLASS_DEFAULT_ID)])


def test_hierarchy_twin(fp):
    handles = hierarchy_device(fp)
    twin = qos_all(fp, Direction.OUT)
    assert [entry["interface"] for entry in twin] == ["Virtual-Access1", "Virtual-Access2"]
    va1, va2 = twin
    assert_subset({"uidb": handles["va1"], "if_h": 14, "target": "Out", "policies": [
        {"level": 0, "policy_name": "parent-out", "policy_id": 4243, "parent_class_index": 0,
         "parent_class_id": 0, "num_classes": 2,
         "classes": [{**cls, "policy_name": "parent-out"} for cls in
                     _classes([("MGMT", 3010), ("class-default", CLASS_DEFAULT_ID)])]},
        {"level": 1, "policy_name": "child-out", "policy_id": 4242, "parent_class_index": 1,
         "parent_class_id": CLASS_DEFAULT_ID, "num_classes": 3,
         "classes": [{**cls, "policy_name": "child-out"} for cls in CHILD_CLASSES]},
    ]}, va1)
    mgmt, default = va1["policies"][0]["classes"]
    assert mgmt["match_index"] == 1 and default["match_index"] == 0
    assert mgmt["police"] is None
    assert_subset({"decoded": {"mode": "1R3C", "cir_bps": 10_000_000, "bc_bytes": 312_500,
                               "be_bytes": 312_500,
                               "exceed_action": {"action": "set-prec-transmit", "value": 1}}},
                  default["police"])
    assert [cls["isqd"][2] for policy in va1["policies"] for cls in policy["classes"]] == [0, 0, 1, 1, 1]
    voice, bulk, child_default = va1["policies"][1]["classes"]
    assert [voice["match_index"], bulk["match_index"], child_default["match_index"]] == [1, 2, 0]
    assert_subset({"mode": "2R3C", "cir_bps": 1_000_000, "pir_bps": 2_000_000, "bc_bytes": 31_250,
                   "be_bytes": 62_500, "conform_action": {"action": "transmit", "value": 0},
                   "exceed_action": {"action": "set-dscp-transmit", "value": DSCP_CS1},
                   "violate_action": {"action": "drop", "value": 0}}, bulk["police"]["decoded"])
    assert child_default["police"] is None
    assert_subset({"uidb": handles["va2"], "if_h": 15, "policies": [
        {"level": 0, "policy_name": "child-out", "num_classes": 3, "classes": CHILD_CLASSES}]}, va2)
    # One policy, two bindings: two instances, each with its own policers.
    policer_ids = [cls["police"]["policer_id"] for entry in twin for policy in entry["policies"]
                   for cls in policy["classes"] if cls["police"]]
    assert len(policer_ids) == 5 and len(set(policer_ids)) == 5


def test_hierarchy_counters_land_in_the_class_that_policed(fp):
    handles = hierarchy_device(fp)
    send(fp, handles["va1"], Direction.OUT, 4, 200, dscp=DSCP_EF)
    send(fp, handles["va1"], Direction.OUT, 2, 300, dscp=DSCP_CS6)
    send(fp, handles["va2"], Direction.OUT, 1, 100, dscp=DSCP_AF11)
    va1, va2 = qos_all(fp, Direction.OUT)
    parent_policies = va1["policies"]
    mgmt, default = parent_policies[0]["classes"]
    voice, bulk, _ = parent_policies[1]["classes"]
    assert mgmt["police"] is None
    # EF is policed twice: by the child's VOICE policer, then by the parent's class-default one.
    assert_subset({"conform": {"packets": 4, "octets": 800}, "exceed": {"packets": 0}},
                  default["police"])
    assert_subset({"conform": {"packets": 4, "octets": 800}}, voice["police"])
    assert_subset({"conform": {"packets": 0, "octets": 0}}, bulk["police"])
    # The other binding of child-out counts apart.
    va2_voice, va2_bulk, _ = va2["policies"][0]["classes"]
    assert_subset({"conform": {"packets": 0}}, va2_voice["police"])
    assert_subset({"conform": {"packets": 1, "octets": 100}}, va2_bulk["police"])


def test_three_levels_print_depth_first(fp):
    any_class = ClassMap("ANY", match_all=False, matches=(Match("any"),))
    leaf = fp.policy_create(Policy("leaf", 3, (PolicyClass("class-default", 31),)))
    middle = fp.policy_create(Policy("middle", 2, (
        PolicyClass("M1", 21, any_class, child=leaf), PolicyClass("class-default", 22))))
    other = fp.policy_create(Policy("other", 4, (PolicyClass("class-default", 41),)))
    top = fp.policy_create(Policy("top", 1, (
        PolicyClass("T1", 11, any_class, child=middle),
        PolicyClass("class-default", 12, child=other))))
    uidb = fp.uidb_create(30, "Virtual-Access7")
    fp.bind(uidb, Direction.IN, policy=top)
    (entry,) = qos_all(fp, Direction.IN)
    assert [(p["level"], p["policy_name"], p["parent_class_index"], p["parent_class_id"])
            for p in entry["policies"]] == [
        (0, "top", 0, 0), (1, "middle", 0, 11), (2, "leaf", 0, 21), (1, "other", 1, 12)]
    text = render_qos_all(fp, Direction.IN)
    assert [line for line in text.splitlines() if "Hierarchy level" in line or "Parent Class" in line] == [
        "  Hierarchy level: 0, Num matching iftgts: 1", "  Parent Class Idx: 0, Parent Class ID: 0",
        "  Hierarchy level: 1, Num matching iftgts: 1", "  Parent Class Idx: 0, Parent Class ID: 11",
        "  Hierarchy level: 2, Num matching iftgts: 1", "  Parent Class Idx: 0, Parent Class ID: 21",
        "  Hierarchy level: 1, Num matching iftgts: 1", "  Parent Class Idx: 1, Parent Class ID: 12",
    ]
