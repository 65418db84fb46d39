"""The device: sessions cloned from templates, the authorization API, configuration edits pushed to
the fast path with counters kept, and simulated traffic — all on the real C fast path."""

import pytest

from qfp_model.control.config import ConfigSession
from qfp_model.control.core.device import AuthorizationError, Device
from qfp_model.control.core.sessions import Authorization, SessionError
from qfp_model.control.core.traffic import TrafficSpec
from qfp_model.qfp.tables import Direction

CONFIG = """\
hostname hub
ip access-list extended IN
 10 deny tcp any any eq telnet
 20 permit ip any any
ip access-list extended OUT
 10 permit ip any any
class-map match-any VOICE
 match dscp ef
policy-map SLOW
 class VOICE
  set dscp cs5
 class class-default
  police cir 1000000 bc 10000
policy-map FAST
 class class-default
  police cir 8000000
interface Virtual-Template1 type tunnel
 ip access-group IN in
 service-policy input SLOW
crypto ikev2 profile PROF
 virtual-template 1
"""


@pytest.fixture
def device(tmp_path):
    path = tmp_path / "hub.cfg"
    path.write_text(CONFIG)
    return Device.from_config_file(path)


def up(device, remote="77.1.1.1"):
    return device.session_up(remote, "77.1.1.2")


def test_a_session_clones_its_template(device):
    s = up(device)
    assert (s.interface, s.ifh, s.template) == ("Virtual-Access1", 14, 1)
    info = device.fp.uidb_info(s.uidb)
    assert info.ifname == "Virtual-Access1"
    assert info.acl[Direction.IN] == device.compiler.acl_slots()["IN"]
    assert info.policy[Direction.IN] == device.compiler.compiled_policies()["SLOW"]
    assert info.policy[Direction.OUT] is None and info.acl[Direction.OUT] is None
    with pytest.raises(SessionError, match="already up"):
        up(device)
    with pytest.raises(SessionError, match="Virtual-Template7 is not configured"):
        device.session_up("77.1.1.9", "77.1.1.2", template=7)


def test_traffic_is_filtered_classified_and_policed(device):
    up(device)
    telnet = device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=80_000, packets=10, protocol=6,
                                        destination_port=23))
    assert (telnet.packets, telnet.dropped_acl) == (10, 10)
    voice = device.traffic(TrafficSpec("Vi1", Direction.IN, size=200, rate=1_000_000, packets=50, dscp=46))
    assert voice.forwarded == 50 and voice.dscp_out == {40: 50}
    # 2 Mbit/s for 1 s into a 1 Mbit/s policer with a 10,000-byte burst.
    bulk = device.traffic(TrafficSpec("Vi1", Direction.IN, size=1000, rate=2_000_000, duration=1.0))
    assert bulk.packets == 250
    assert bulk.colours[0] == (1_000_000 * (bulk.end_ns - bulk.start_ns) // 8_000_000_000 + 10_000) // 1000
    assert bulk.dropped_police == bulk.colours[1]
    assert device.clock_ns == bulk.end_ns


def test_authorize_rebinds_both_directions_or_nothing(device):
    s = up(device)
    before = device.fp.uidb_info(s.uidb)
    with pytest.raises(AuthorizationError, match="policy-map NOPE is not configured"):
        device.authorize(s, Authorization(policy_in="FAST", policy_out="NOPE"))
    with pytest.raises(AuthorizationError, match="access-list MISSING is not configured"):
        device.authorize(s, Authorization(acl_out="MISSING"))
    assert device.fp.uidb_info(s.uidb) == before and s.aaa == Authorization()

    device.authorize(s, Authorization(policy_in="FAST", acl_out="OUT"))
    info = device.fp.uidb_info(s.uidb)
    assert info.policy[Direction.IN] == device.compiler.compiled_policies()["FAST"]
    assert info.acl == (device.compiler.acl_slots()["IN"], device.compiler.acl_slots()["OUT"])
    assert s.effective() == Authorization("FAST", None, "IN", "OUT")


def test_editing_an_acl_keeps_counters_by_sequence_number(device):
    up(device)
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=80_000, packets=3, protocol=6,
                               destination_port=23))
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=80_000, packets=2, protocol=17))
    slot = device.compiler.acl_slots()["IN"]
    assert device.fp.acl_counters(slot).hits == (3, 2)
    session = ConfigSession(device.config)
    for line in ("ip access-list extended IN", "15 deny udp any any eq 53"):
        session.feed(line)
    changes = session.take_changes()
    device.apply_changes(changes)
    assert device.fp.acl_counters(slot).hits == (3, 0, 2)
    dns = device.traffic(TrafficSpec("Vi1", Direction.IN, size=100, rate=80_000, packets=1, protocol=17,
                                     destination_port=53))
    assert dns.dropped_acl == 1


def test_editing_a_policy_rebinds_its_sessions_keeping_class_counters(device):
    s = up(device)
    device.traffic(TrafficSpec("Vi1", Direction.IN, size=200, rate=1_000_000, packets=7, dscp=46))
    old = device.compiler.compiled_policies()["SLOW"]
    session = ConfigSession(device.config)
    for line in ("policy-map SLOW", "class VOICE", "set dscp af41"):
        session.feed(line)
    device.apply_changes(session.take_changes())
    new = device.compiler.compiled_policies()["SLOW"]
    assert new != old
    assert device.fp.uidb_info(s.uidb).policy[Direction.IN] == new
    voice_state = device.fp.target_read(s.uidb, Direction.IN)[0]
    assert voice_state.pkts == 7
    r = device.traffic(TrafficSpec("Vi1", Direction.IN, size=200, rate=1_000_000, packets=1, dscp=46))
    assert r.dscp_out == {34: 1}
    # The old compiled policy is gone once nothing uses it.
    assert old not in device.compiler.compiled_policies().values()


def test_session_down_frees_the_uidb(device):
    s = up(device)
    device.session_down(s)
    assert device.fp.uidbs() == []
    assert len(device.sessions) == 0
    again = up(device, "77.1.1.5")
    assert again.interface == "Virtual-Access1" and again.uidb == s.uidb


def test_a_failed_bring_up_gives_its_interface_back(tmp_path):
    from qfp_model.qfp.errors import TableFull
    from qfp_model.qfp.fastpath import FastPath
    path = tmp_path / "hub.cfg"
    path.write_text(CONFIG)
    device = Device.from_config_file(path, fastpath=FastPath(max_uidbs=1))
    first = up(device)
    with pytest.raises(TableFull):
        up(device, "77.1.1.9")
    assert device.sessions.next_virtual_access() == "Virtual-Access2"
    device.session_down(first)
    assert up(device, "77.1.1.9").interface == "Virtual-Access1"
