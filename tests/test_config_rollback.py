"""A line that `configure terminal` refuses leaves no half-applied change (control/config/rollback.py):
the configuration, the mode, and the changes the device will re-push are as they were before it, and
the open modes still edit the configuration's own objects (a later line lands in running-config).

The rollback copies only what a line reaches; these tests hold it to "as if the whole configuration
had been copied", on corpus lines in every mode and on lines made to fail after they changed
something."""
from __future__ import annotations

import copy
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfp_model.control.config import ConfigSession, RunningConfig, render_running_config
from qfp_model.control.config import model as M
from qfp_model.control.config.modes.kinds import ModeKind
from qfp_model.control.config.rollback import Checkpoint
from qfp_model.control.errors import ConfigError
from test_config_corpus import MODES, corpus_lines, default_config

# Lines that change something before a later token is refused, and lines that are fine, to mix.
HALF_APPLIED = [
    "police cir 64000 conform-action set-frde-transmit",
    "police cir 64000 bc 8000 exceed-action bogus",
    "10 permit tcp any any eq 80 bogus",
    "access-list 150 permit tcp any any eq nope",
    "policy-map NEWPOL", "class VOICE", "class NOPE", "service-policy NOPE",
    "ip access-list extended NEWACL", "permit ip any any", "15 deny udp any any eq 70000",
    "class-map match-any NEWCM", "match access-group name NEWACL", "match dscp bogus",
    "interface Virtual-Template1 type tunnel", "service-policy input NOPE", "ip mtu 1300",
    "aaa server radius dynamic-author", "client 10.9.9.9 server-key 7 ZZ", "port 99999",
    "radius server R9", "address ipv4 10.1.1.1 auth-port 70000", "key 7 ZZ",
    "line vty 0 4", "exec-timeout 5 0", "no ip access-list extended NEWACL",
    "shape average 1000000", "priority percent 200", "bandwidth remaining percent 50",
]


def _lookup(config: M.RunningConfig, obj) -> object:
    """The object of the configuration that a mode's object should be."""
    if isinstance(obj, tuple):   # (policy-map, class)
        pmap, cls = obj
        return (config.policy_maps.get(pmap.name),
                next((c for c in config.policy_maps[pmap.name].classes if c is cls), None))
    if isinstance(obj, M.AccessList):
        return (config.ipv6_access_lists if obj.ipv6 else config.access_lists).get(obj.name)
    if isinstance(obj, M.ClassMap):
        return config.class_maps.get(obj.name)
    if isinstance(obj, M.PolicyMap):
        return config.policy_maps.get(obj.name)
    if isinstance(obj, M.VirtualTemplate):
        return config.virtual_templates.get(obj.number)
    if isinstance(obj, M.Ikev2Profile):
        return config.ikev2_profiles.get(obj.name)
    if isinstance(obj, M.RadiusServer):
        return config.radius_servers.get(obj.name)
    if isinstance(obj, M.RadiusGroup):
        return config.radius_groups.get(obj.name)
    if isinstance(obj, M.DynamicAuthor):
        return config.dynamic_author
    if isinstance(obj, M.Unmodeled):
        return next((b for b in config.unmodeled_blocks() if b is obj), None)
    return obj


def assert_modes_edit_the_config(session: ConfigSession) -> None:
    for mode in session._machine.stack:
        if mode.kind is ModeKind.SKIP or mode.obj is None:
            continue
        found = _lookup(session.config, mode.obj)
        if isinstance(mode.obj, tuple):
            assert found[0] is mode.obj[0] and found[1] is mode.obj[1], mode
        else:
            assert found is mode.obj, mode


def feed_checked(session: ConfigSession, line: str) -> bool:
    """Feed one line; if it is refused, check that nothing changed. True if it was refused."""
    config_before = copy.deepcopy(session.config)
    text_before = render_running_config(session.config)
    mode_before, changes_before = session.mode, copy.deepcopy(session.changes)
    try:
        session.feed(line)
    except ConfigError:
        assert session.config == config_before
        assert render_running_config(session.config) == text_before
        assert session.mode == mode_before
        assert session.changes == changes_before
        assert type(session.config.access_lists) is dict       # the recorders are gone
        assert_modes_edit_the_config(session)
        return True
    assert type(session.config.policy_maps) is dict
    return False


@settings(max_examples=min(settings().max_examples, 200), deadline=None)
@given(mode=st.sampled_from(sorted(MODES)),
       lines=st.lists(st.sampled_from(HALF_APPLIED + corpus_lines()), min_size=1, max_size=6))
def test_a_refused_line_leaves_the_configuration_as_it_was(mode, lines):
    session = ConfigSession(copy.deepcopy(default_config()))
    for line in MODES[mode]:
        session.feed(line)
    for line in lines:
        feed_checked(session, line)
        if session.ended:
            break


def test_the_modes_edit_the_restored_objects_after_a_refusal():
    session = ConfigSession(copy.deepcopy(default_config()))
    for line in ["policy-map pol", "class class-default"]:
        session.feed(line)
    assert feed_checked(session, "police cir 64000 conform-action set-frde-transmit")
    session.feed("set dscp af31")
    assert session.config.policy_maps["pol"].get("class-default").set_dscp == 26
    session.feed("ip access-list extended HUB-OUT")
    assert feed_checked(session, "15 deny udp any any eq 70000")
    session.feed("15 deny udp any any eq 53")
    assert session.config.access_lists["HUB-OUT"].entry(15) is not None


def test_every_field_of_the_configuration_is_covered():
    """The checkpoint sorts RunningConfig's fields into dicts of objects (recorded), the layout
    (immutable entries) and the rest (copied); a new field of another shape needs a thought."""
    config = default_config()
    for name, value in vars(config).items():
        if type(value) is dict:
            assert all(not isinstance(v, (dict, list)) for v in value.values()), name
        elif name == "layout":
            assert all(isinstance(e, tuple) and (isinstance(e[1], (str, int, M.Unmodeled)) or e[1] is None)
                       for e in value)
    with pytest.raises(AttributeError):
        config.unmodeled_blocks()[0].lines = ()          # frozen: edits replace a block


def test_a_line_copies_only_what_it_reaches():
    """The cost of a line does not grow with the configuration: a line in a small ACL costs the
    same beside 300 large ACLs as on an empty configuration."""
    def cost(config: RunningConfig) -> float:
        session = ConfigSession(config)
        session.feed("ip access-list extended SMALL")
        start = time.perf_counter()
        for seq in range(10, 2010, 10):
            session.feed(f"{seq} permit tcp any any eq {seq % 60000 + 1}")
            session.feed(f"no {seq}")
        return time.perf_counter() - start

    big = ConfigSession(RunningConfig())
    for n in range(300):
        big.feed(f"ip access-list extended BIG{n}")
        for seq in range(1, 31):
            big.feed(f"permit udp any any eq {seq}")
    small = min(cost(RunningConfig()) for _ in range(2))
    large = min(cost(big.config) for _ in range(2))
    assert large < 3 * small + 0.05, (small, large)


def test_a_checkpoint_commits_plain_dicts():
    config = copy.deepcopy(default_config())
    checkpoint = Checkpoint(config, [], ConfigSession(config).changes, {})
    config.access_lists.pop("HUB-OUT")
    checkpoint.restore()
    assert type(config.access_lists) is dict and "HUB-OUT" in config.access_lists
    checkpoint = Checkpoint(config, [], ConfigSession(config).changes, {})
    config.access_lists.pop("HUB-OUT")
    checkpoint.commit()
    assert type(config.access_lists) is dict and "HUB-OUT" not in config.access_lists


def test_a_checkpoint_restores_whatever_was_taken_out_and_edited():
    """Handlers validate before they edit today; the recorders make sure that one which edits an
    object it took out of the configuration, then fails, is undone all the same."""
    config = copy.deepcopy(default_config())
    before = copy.deepcopy(config)
    untouched = config.virtual_templates[1]
    checkpoint = Checkpoint(config, [], ConfigSession(config).changes, {})
    config.access_lists["HUB-OUT"].entries.clear()
    config.policy_maps.get("pol").classes[0].police = None
    for cmap in config.class_maps.values():
        cmap.matches.clear()
    for _, server in config.radius_servers.items():
        server.address = "192.0.2.1"
    config.ikev2_profiles.pop("FLEX-PROFILE").other_lines.append("x")
    config.dynamic_author.clients.clear()
    config.layout.clear()
    checkpoint.restore()
    assert config == before
    assert config.virtual_templates[1] is untouched       # what the line did not reach is not copied
