"""`police` lines users type that the model once got wrong: what is kept, rendered and programmed."""
from __future__ import annotations

import pytest

from fastpaths import native_fastpath_class
from qfp_model.control.config import parse_config, render
from qfp_model.control.core.device import Device
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.qfp import policer as W
from qfp_model.qfp.tables import Direction, PoliceAction, PoliceMode, Policer


def police_of(line: str):
    cfg = parse_config(f"policy-map P\n class class-default\n  {line}\n").config
    return cfg.policy_maps["P"].classes[0].police


@pytest.mark.parametrize("line", [
    "police 100000 2000 4000",
    "police 100000 2000 4000 conform-action transmit exceed-action drop",
    "police cir 100000 bc 2000 be 4000",
])
def test_a_typed_be_survives_the_round_trip(line):
    police = police_of(line)
    assert police.be == 4000
    assert render.police_lines(police) == [line]
    assert police_of(render.police_lines(police)[0]) == police


HUB = """\
hostname hub
policy-map P
 class class-default
  police 100000 2000 4000
interface Virtual-Template1 type tunnel
 service-policy input P
crypto ikev2 profile PROF
 virtual-template 1
"""


def test_the_positional_be_is_programmed(tmp_path):
    native_fastpath_class()
    path = tmp_path / "hub.cfg"
    path.write_text(HUB)
    device = Device.from_config_file(path)
    session = device.session_up("77.1.1.1", "77.1.1.2")
    (state,) = device.fp.target_read(session.uidb, Direction.IN)
    programmed = W.decode(W.PolicerWords(state.hw_policer, state.police_info))
    assert programmed == Policer(PoliceMode.ONE_RATE_THREE_COLOUR, 100_000, 2_000, be=4_000,
                                 violate=PoliceAction("drop"))
    # Bc and Be both fill at once: 6,000 bytes of 1,000-byte packets go before the rate decides.
    burst = device.traffic(TrafficSpec("Vi1", Direction.IN, size=1000, rate=10**9, packets=10))
    assert burst.colours == [2, 4, 4]


def test_set_cos_is_kept_and_listed_as_not_modeled():
    result = parse_config("policy-map P\n class class-default\n  set cos 5\n  set dscp ef\n")
    cls = result.config.policy_maps["P"].classes[0]
    assert cls.other_lines == ["set cos 5"] and cls.set_dscp == 46
    # command_key (control/config/model.py) keys a class line by its first word.
    assert result.unmodeled == ["policy-map class: set"]
    assert render.policy_map_lines(result.config.policy_maps["P"]) == [
        "policy-map P", " class class-default", "  set cos 5", "  set dscp ef"]
    again = parse_config("policy-map P\n class class-default\n  set cos 5\n  set cos 3\n  no set cos 3\n")
    assert again.config.policy_maps["P"].classes[0].other_lines == []
