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


# ---- police ... percent ----------------------------------------------------------------------

@pytest.mark.parametrize("line, fields", [
    ("police cir percent 20", dict(cir_percent=20)),
    ("police cir percent 20 bc 10 ms be 20 ms", dict(cir_percent=20, bc_ms=10, be_ms=20)),
    ("police cir percent 10 pir percent 30 be 50 ms", dict(cir_percent=10, pir_percent=30, be_ms=50)),
    ("police rate percent 25 burst 8 ms", dict(cir_percent=25, bc_ms=8, rate_keyword=True)),
    ("police rate percent 25 peak-rate percent 50 peak-burst 4 ms",
     dict(cir_percent=25, pir_percent=50, be_ms=4, rate_keyword=True)),
])
def test_percent_forms_parse_and_render(line, fields):
    police = police_of(line)
    assert {k: getattr(police, k) for k in fields} == fields
    assert render.police_lines(police) == [line]
    assert police_of(line) == police_of(render.police_lines(police)[0])


@pytest.mark.parametrize("line, message", [
    ("police cir percent 0", "cir percent 0 is outside 1..100"),
    ("police cir percent 20 bc 10", "ms expected"),
    ("police cir percent 20 bc 10 us", "given in ms"),
    ("police cir percent 40 pir percent 20", "pir percent 20 is below cir percent 40"),
    ("police rate 100000", "police rate in bit/s is not supported"),
])
def test_bad_percent_forms(line, message):
    from qfp_model.control.config import ConfigErrors
    with pytest.raises(ConfigErrors) as info:
        police_of(line)
    assert message in str(info.value.errors[0])


def test_percent_resolves_against_a_reference():
    police = police_of("police cir percent 20 bc 10 ms be 20 ms")
    assert police.resolved(10_000_000).to_policer() == \
        Policer(PoliceMode.ONE_RATE_THREE_COLOUR, 2_000_000, 2_500, be=5_000)
    # 250 ms of the rate by default; IOS's smallest rate at least
    assert police_of("police cir percent 1").resolved(100_000).to_policer() == \
        Policer(PoliceMode.ONE_RATE_TWO_COLOUR, 8_000, 1_500)


PERCENT_HUB = """\
hostname hub
policy-map CHILD
 class class-default
  police cir percent 25
policy-map PARENT
 class class-default
  shape average 8000000
  service-policy CHILD
policy-map OTHER-PARENT
 class class-default
  shape average 2000000
  service-policy CHILD
policy-map TOP
 class class-default
  police cir percent 50
interface Virtual-Template1 type tunnel
 service-policy input TOP
 service-policy output PARENT
crypto ikev2 profile PROF
 virtual-template 1
"""


def _policers(device, uidb, direction):
    return [W.decode(W.PolicerWords(s.hw_policer, s.police_info)).cir
            for s in device.fp.target_read(uidb, direction) if any(s.hw_policer)]


def test_percent_of_the_parent_shaper_else_the_virtual_access_bandwidth(tmp_path):
    native_fastpath_class()
    from qfp_model.control.config import ConfigSession
    from qfp_model.control.core.compile import VIRTUAL_ACCESS_BANDWIDTH_BPS
    from qfp_model.control.core.sessions import Authorization
    path = tmp_path / "hub.cfg"
    path.write_text(PERCENT_HUB)
    device = Device.from_config_file(path)
    s = device.session_up("77.1.1.1", "77.1.1.2")
    # A shaping parent queues, so it is an output policy (IOS refuses shape in input).
    assert _policers(device, s.uidb, Direction.OUT) == [2_000_000]             # 25% of 8 Mbit/s
    assert _policers(device, s.uidb, Direction.IN) == [VIRTUAL_ACCESS_BANDWIDTH_BPS // 2]
    device.authorize(s, Authorization(policy_out="OTHER-PARENT"))
    assert _policers(device, s.uidb, Direction.OUT) == [500_000]               # 25% of 2 Mbit/s
    # Editing the child recompiles it for each parent's shaper.
    session = ConfigSession(device.config)
    for line in ("policy-map CHILD", "class class-default", "police cir percent 50"):
        session.feed(line)
    device.apply_changes(session.take_changes())
    assert _policers(device, s.uidb, Direction.OUT) == [1_000_000]
    device.authorize(s, Authorization(policy_out="PARENT"))
    assert _policers(device, s.uidb, Direction.OUT) == [4_000_000]


def test_show_policy_map_prints_a_percent_policer_as_configured(tmp_path):
    native_fastpath_class()
    from qfp_model.control.headend import Headend
    path = tmp_path / "hub.cfg"
    path.write_text(PERCENT_HUB)
    out = Headend.from_config_file(path).execute("show policy-map CHILD")
    assert out == ("    Policy Map CHILD\n"
                   "        Class class-default\n"
                   "            police cir percent 25\n"
                   "                conform-action transmit\n"
                   "                exceed-action drop\n")


def test_set_qos_group_is_kept_and_match_qos_group_refused():
    from qfp_model.control.config import ConfigErrors
    result = parse_config("policy-map P\n class class-default\n  set qos-group 42\n")
    assert result.config.policy_maps["P"].classes[0].other_lines == ["set qos-group 42"]
    assert result.unmodeled == ["policy-map class: set"]
    with pytest.raises(ConfigErrors, match="qos-group 100 is outside 0..99"):
        parse_config("policy-map P\n class class-default\n  set qos-group 100\n")
    with pytest.raises(ConfigErrors, match="match 'qos-group' is not supported by this model"):
        parse_config("class-map C\n match qos-group 42\n")
