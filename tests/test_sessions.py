"""IKEv2 sessions: the audit-session-id encoding and the session table's allocation."""
from ipaddress import IPv4Address, IPv6Address, IPv6Network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qfp_model.control.core.sessions import (
    Authorization,
    Inside,
    Session,
    SessionError,
    SessionTable,
    SessionTuple,
    canonical_virtual_access,
)

SEED_ID = "L2L44D010102ZO2L44D010101ZI1F401F4ZO2"


def test_the_seeds_audit_session_id():
    seed = SessionTuple(local=IPv4Address("77.1.1.2"), remote=IPv4Address("77.1.1.1"), fvrf=2, ivrf=2)
    assert seed.audit_session_id() == SEED_ID
    assert SessionTuple.from_audit_session_id(SEED_ID) == seed


tuples = st.builds(
    SessionTuple,
    local=st.integers(0, 2**32 - 1).map(IPv4Address),
    remote=st.integers(0, 2**32 - 1).map(IPv4Address),
    local_port=st.integers(0, 65535), remote_port=st.integers(0, 65535),
    fvrf=st.integers(0, 2**32 - 1), ivrf=st.integers(0, 2**32 - 1))


@given(tuples)
def test_audit_session_ids_decode_to_their_tuple(t):
    assert SessionTuple.from_audit_session_id(t.audit_session_id()) == t


@pytest.mark.parametrize("text", ["", "L2L4", SEED_ID + "X", SEED_ID.lower(), "L2L44D01010ZO2L44D010101ZI1F401F4ZO2"])
def test_foreign_audit_session_ids_are_refused(text):
    with pytest.raises(SessionError):
        SessionTuple.from_audit_session_id(text)


def make_session(table: SessionTable, remote: str) -> Session:
    t = SessionTuple(local=IPv4Address("77.1.1.2"), remote=IPv4Address(remote))
    sid, interface, ifh = table.allocate(t)
    session = Session(sid, t, "peer", 1, interface, ifh, uidb=sid - 1, created_ns=0,
                      inherited=Authorization(policy_in="aaa-in-policy", acl_in="IN"))
    table.add(session)
    return session


def test_virtual_access_numbers_reuse_the_lowest_free():
    table = SessionTable()
    a, b, c = (make_session(table, f"77.1.1.{i}") for i in (1, 3, 4))
    assert (a.interface, a.ifh, b.interface, b.ifh) == ("Virtual-Access1", 14, "Virtual-Access2", 15)
    table.remove(b)
    d = make_session(table, "77.1.1.5")
    assert (d.interface, d.id, d.ifh) == ("Virtual-Access2", 4, 17)
    assert [s.interface for s in table] == ["Virtual-Access1", "Virtual-Access2", "Virtual-Access3"]
    assert table.by_audit_session_id(c.audit_session_id) is c
    assert table.by_audit_session_id("nonsense") is None
    # Written otherwise than issued (a leading zero in the ports) it still names the session, by
    # what it encodes; once the session is gone its id names none.
    assert table.by_audit_session_id(c.audit_session_id.replace("ZI", "ZI0")) is c
    assert table.by_audit_session_id(b.audit_session_id) is None
    assert table.by_interface("vi3") is c
    with pytest.raises(SessionError, match="already up on Virtual-Access1"):
        table.allocate(a.tuple)


def test_aaa_overrides_the_template_target_by_target():
    table = SessionTable()
    s = make_session(table, "77.1.1.1")
    s.aaa = Authorization(policy_in="pol", acl_out="OUT")
    assert s.effective() == Authorization("pol", None, "IN", "OUT")


@pytest.mark.parametrize("name,canonical", [("Virtual-Access3", "Virtual-Access3"),
                                            ("virtual-access 12", "Virtual-Access12"),
                                            ("Vi7", "Virtual-Access7"), ("Tunnel1", "Tunnel1")])
def test_interface_names(name, canonical):
    assert canonical_virtual_access(name) == canonical


prefixes6 = st.tuples(st.integers(0, 2**16 - 1), st.sampled_from([48, 56, 60, 64, 96, 127, 128])).map(
    lambda t: IPv6Network((0x2001_0DB8 << 96 | t[0] << 72, t[1]), strict=False))


@given(st.lists(prefixes6, min_size=1, max_size=12), st.lists(st.integers(0, 2**16 - 1), max_size=12))
def test_inside_prefixes_are_held_by_one_session_and_found_as_a_scan_finds_them(prefixes, probes):
    """Sessions whose inside prefix overlaps one already up are refused; an address is found in
    the session whose prefix holds it, the same one a walk over every session finds."""
    table = SessionTable()
    for n, prefix in enumerate(prefixes, 1):
        t = SessionTuple(IPv4Address(n), IPv4Address("77.1.1.2"))
        sid, interface, ifh = table.allocate(t)
        session = Session(sid, t, str(n), 1, interface, ifh, n, 0, Authorization(), inside=Inside(None, prefix))
        if any(s.inside.ipv6.overlaps(prefix) for s in table):
            with pytest.raises(SessionError):
                table.add(session)
            table.release(interface)
        else:
            table.add(session)
    up = list(table)
    for probe in [p.network_address for p in prefixes] + [IPv6Address(0x2001_0DB8 << 96 | x << 72) for x in probes]:
        expected = [s for s in up if probe in s.inside.ipv6]
        assert len(expected) <= 1
        assert table.by_inside(probe) is (expected[0] if expected else None)
    for session in up:
        table.remove(session)
        assert table.by_inside(session.inside.ipv6.network_address) is None
