"""The fast path's semantics (docs/fastpath.md), hand-computed, on both implementations.

Every expected number here was worked out on paper from the spec, not read off either
implementation; the `fp` fixture (tests/conftest.py) runs each test on ReferenceFastPath and on the
C FastPath."""
from __future__ import annotations

import ipaddress

import numpy as np
import pytest

from qfp_model.qfp import packets as P
from qfp_model.qfp.errors import InUse, InvalidTable, NotFound, TableError
from qfp_model.qfp.policer import encode
from qfp_model.qfp.readback import AclCounters, UidbCounters
from qfp_model.qfp.tables import (
    CLASS_DEFAULT,
    DROP,
    PROTO_TCP,
    PROTO_UDP,
    TRANSMIT,
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
    precedence_dscps,
)

IN, OUT = Direction.IN, Direction.OUT
UNITS = 8_000_000_000        # token units per byte
MS = 1_000_000               # ns
S = 1_000_000_000


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def pkts(*rows: dict) -> np.ndarray:
    batch = P.empty_batch(len(rows))
    for i, row in enumerate(rows):
        for name, value in row.items():
            batch[name][i] = value
    return batch


def one(fp, **fields):
    """The verdict for one packet, as a plain dict."""
    v = fp.process(pkts(fields))[0]
    return {name: int(v[name]) for name in P.VERDICT_DTYPE.names}


def default_class(**kw) -> PolicyClass:
    return PolicyClass(CLASS_DEFAULT, 1, **kw)


def policy(*classes: PolicyClass, name="pm", policy_id=100) -> Policy:
    return Policy(name, policy_id, tuple(classes))


def cmap(name, *matches, match_all=False) -> ClassMap:
    return ClassMap(name, match_all, tuple(matches))


def dscp_match(*values, negate=False) -> Match:
    return Match("dscp", negate=negate, dscp=frozenset(values))


def with_acl(fp, *aces, direction=IN):
    slot = fp.acl_create(aces)
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, direction, acl=slot)
    return uidb, slot


def with_policy(fp, pol: Policy, direction=IN):
    handle = fp.policy_create(pol)
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, direction, policy=handle)
    return uidb, handle


def verdict_kinds(fp, batch):
    v = fp.process(batch)
    return [(int(a), int(c)) for a, c in zip(v["action"], v["colour"])]


# ---- targets and UIDBs -----------------------------------------------------------------------------

def test_unknown_uidb_drops_and_leaves_the_rest_alone(fp):
    v = one(fp, uidb=7, dscp=10)
    assert v == dict(ace=P.ACE_NONE, cls=P.CLASS_NONE, child_cls=P.CLASS_NONE, action=P.DROP,
                     colour=P.COLOUR_NONE, dscp=10, reason=P.REASON_NO_UIDB)


def test_a_deleted_uidb_drops(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    assert one(fp, uidb=uidb)["action"] == P.FORWARD
    fp.uidb_delete(uidb)
    assert one(fp, uidb=uidb)["reason"] == P.REASON_NO_UIDB


def test_a_target_with_nothing_bound_forwards(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, acl=fp.acl_create([Ace(permit=False)]))
    v = one(fp, uidb=uidb, dir=OUT, dscp=5)
    assert v == dict(ace=P.ACE_NONE, cls=P.CLASS_NONE, child_cls=P.CLASS_NONE, action=P.FORWARD,
                     colour=P.COLOUR_NONE, dscp=5, reason=P.REASON_NONE)
    assert one(fp, uidb=uidb, dir=IN)["action"] == P.DROP


def test_process_fills_a_given_out_array(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    out = np.zeros(3, dtype=P.VERDICT_DTYPE)
    out["ace"] = 12345
    got = fp.process(pkts({"uidb": uidb}, {"uidb": 99}, {"uidb": uidb}), out=out)
    assert got is out
    assert list(out["action"]) == [P.FORWARD, P.DROP, P.FORWARD]
    assert list(out["ace"]) == [P.ACE_NONE] * 3
    with pytest.raises(TableError):
        fp.process(pkts({"uidb": uidb}), out=np.zeros(2, dtype=P.VERDICT_DTYPE))


def test_an_empty_batch(fp):
    assert fp.process(P.empty_batch(0)).shape == (0,)


# ---- handles and references --------------------------------------------------------------------

def test_handles_are_the_lowest_free_integer(fp):
    assert [fp.acl_create([]) for _ in range(3)] == [0, 1, 2]
    fp.acl_delete(1)
    assert fp.acl_create([]) == 1
    pol = policy(default_class())
    assert [fp.policy_create(pol) for _ in range(3)] == [0, 1, 2]
    fp.policy_delete(0)
    assert fp.policy_create(pol) == 0
    assert [fp.uidb_create(i, f"Virtual-Access{i}") for i in range(3)] == [0, 1, 2]
    fp.uidb_delete(1)
    assert fp.uidbs() == [0, 2]
    assert fp.uidb_create(9, "Virtual-Access9") == 1
    assert fp.uidbs() == [0, 1, 2]


def test_unknown_handles_are_not_found(fp):
    with pytest.raises(NotFound):
        fp.acl_counters(0)
    with pytest.raises(NotFound):
        fp.acl_replace(0, [])
    with pytest.raises(NotFound):
        fp.acl_delete(3)
    with pytest.raises(NotFound):
        fp.policy_info(0)
    with pytest.raises(NotFound):
        fp.policy_delete(0)
    with pytest.raises(NotFound):
        fp.uidb_info(0)
    with pytest.raises(NotFound):
        fp.target_read(0, IN)
    uidb = fp.uidb_create(14, "Virtual-Access1")
    with pytest.raises(NotFound):
        fp.bind(uidb, IN, acl=0)
    with pytest.raises(NotFound):
        fp.bind(uidb, IN, policy=0)
    with pytest.raises(NotFound):
        fp.bind(uidb + 1, IN)


def test_referenced_acls_and_policies_are_in_use(fp):
    filtering = fp.acl_create([Ace(permit=True)])
    classifying = fp.acl_create([Ace(permit=True)])
    child = fp.policy_create(policy(default_class(), name="child"))
    parent = fp.policy_create(policy(
        PolicyClass("c1", 2, cmap("cm", Match("access-group", acl=classifying)), child=child),
        default_class(), name="parent"))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, OUT, acl=filtering, policy=parent)
    assert fp.policy_info(child).refs == 1 and fp.policy_info(parent).refs == 1
    for delete, handle in ((fp.acl_delete, filtering), (fp.acl_delete, classifying),
                           (fp.policy_delete, child), (fp.policy_delete, parent)):
        with pytest.raises(InUse):
            delete(handle)
    fp.bind(uidb, OUT)                      # unbinding releases the ACL and the parent
    fp.acl_delete(filtering)
    with pytest.raises(InUse):
        fp.acl_delete(classifying)          # the parent still names it
    fp.policy_delete(parent)
    fp.acl_delete(classifying)
    fp.policy_delete(child)


def test_deleting_a_uidb_releases_what_it_bound(fp):
    slot = fp.acl_create([])
    handle = fp.policy_create(policy(default_class()))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, acl=slot, policy=handle)
    fp.uidb_delete(uidb)
    fp.acl_delete(slot)
    fp.policy_delete(handle)


def test_a_policy_naming_a_missing_acl_or_child_is_not_found(fp):
    # As bind() names a missing policy: the handle could exist, it just does not.
    with pytest.raises(NotFound):
        fp.policy_create(policy(PolicyClass("c", 2, cmap("cm", Match("access-group", acl=0))),
                                default_class()))
    with pytest.raises(NotFound):
        fp.policy_create(policy(default_class(child=0)))


@pytest.mark.parametrize("ref", [-1, 1 << 31])
def test_a_handle_that_cannot_exist_is_refused_before_any_fast_path(ref):
    # -1 is C's "no child" (QFP_POLICY_NONE): it must never get as far as C.
    with pytest.raises(TableError):
        default_class(child=ref)
    with pytest.raises(TableError):
        Match("access-group", acl=ref)


@pytest.mark.parametrize("direction", [2, -1, "in"])
def test_a_bad_direction_is_a_table_error(fp, direction):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    for call in (lambda: fp.bind(uidb, direction), lambda: fp.target_read(uidb, direction),
                 lambda: fp.target_clear_counters(uidb, direction)):
        with pytest.raises(TableError):
            call()


def test_hierarchy_deeper_than_three_levels_is_invalid(fp):
    h = fp.policy_create(policy(default_class(), name="l3"))
    h = fp.policy_create(policy(default_class(child=h), name="l2"))
    h = fp.policy_create(policy(default_class(child=h), name="l1"))
    assert fp.policy_info(h).depth == 3
    with pytest.raises(InvalidTable):
        fp.policy_create(policy(default_class(child=h), name="l0"))


def test_uidb_info_and_policy_info(fp):
    slot = fp.acl_create([])
    child = fp.policy_create(policy(PolicyClass("a", 5, cmap("x", Match("any"))), default_class(),
                                    name="child", policy_id=7))
    parent = fp.policy_create(policy(PolicyClass("a", 5, cmap("x", Match("any")), child=child),
                                     default_class(child=child), name="parent", policy_id=8))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, OUT, acl=slot, policy=parent)
    info = fp.uidb_info(uidb)
    assert (info.ifname, info.ifh, info.acl, info.policy) == ("Virtual-Access1", 14, (None, slot),
                                                              (None, parent))
    p = fp.policy_info(parent)
    assert (p.name, p.policy_id, p.nclasses, p.depth, p.nstates, p.refs) == ("parent", 8, 2, 2, 6, 1)
    # One reference per class that names the child.
    assert fp.policy_info(child).refs == 2


# ---- ACE matching ----------------------------------------------------------------------------------

def test_non_contiguous_wildcards(fp):
    # 10.x.0.y with x, y any: wildcard 0.255.0.255
    uidb, slot = with_acl(fp, Ace(permit=True, src=ip("10.0.0.0"), src_wildcard=ip("0.255.0.255"),
                                  dst=ip("192.168.1.1"), dst_wildcard=0))
    cases = [("10.7.0.9", "192.168.1.1", 0), ("10.255.0.255", "192.168.1.1", 0),
             ("10.7.1.9", "192.168.1.1", P.ACE_IMPLICIT), ("11.0.0.0", "192.168.1.1", P.ACE_IMPLICIT),
             ("10.0.0.0", "192.168.1.2", P.ACE_IMPLICIT)]
    for src, dst, ace in cases:
        assert one(fp, uidb=uidb, src=ip(src), dst=ip(dst))["ace"] == ace, (src, dst)
    assert fp.acl_counters(slot).hits == (2,)
    assert fp.acl_counters(slot).implicit_deny == 3


def test_ace_address_bits_under_the_wildcard_are_ignored(fp):
    # IOS keeps `10.1.1.1 0.0.0.255` as 10.1.1.0 0.0.0.255.
    uidb, _ = with_acl(fp, Ace(permit=True, src=ip("10.1.1.1"), src_wildcard=ip("0.0.0.255")))
    assert one(fp, uidb=uidb, src=ip("10.1.1.200"))["ace"] == 0


def test_protocol(fp):
    uidb, _ = with_acl(fp, Ace(permit=False, proto=PROTO_UDP), Ace(permit=True, proto=PROTO_TCP))
    assert one(fp, uidb=uidb, proto=PROTO_UDP)["ace"] == 0
    assert one(fp, uidb=uidb, proto=PROTO_TCP)["ace"] == 1
    assert one(fp, uidb=uidb, proto=1)["ace"] == P.ACE_IMPLICIT


@pytest.mark.parametrize("which", ["sport", "dport"])
@pytest.mark.parametrize("op,port,port_hi,pkt_port,hit", [
    (PortOp.EQ, 80, None, 80, True), (PortOp.EQ, 80, None, 81, False),
    (PortOp.NEQ, 23, None, 23, False), (PortOp.NEQ, 23, None, 22, True),
    (PortOp.NEQ, 23, None, 24, True),
    (PortOp.LT, 1024, None, 1023, True), (PortOp.LT, 1024, None, 1024, False),
    (PortOp.LT, 1, None, 0, True),
    (PortOp.GT, 1023, None, 1024, True), (PortOp.GT, 1023, None, 1023, False),
    (PortOp.GT, 65534, None, 65535, True),
    (PortOp.RANGE, 5060, 5061, 5059, False), (PortOp.RANGE, 5060, 5061, 5060, True),
    (PortOp.RANGE, 5060, 5061, 5061, True), (PortOp.RANGE, 5060, 5061, 5062, False),
    (PortOp.RANGE, 0, 65535, 0, True),
])
def test_port_operators(fp, which, op, port, port_hi, pkt_port, hit):
    uidb, _ = with_acl(fp, Ace(permit=True, proto=PROTO_UDP, **{which: PortMatch(op, port, port_hi)}))
    other = "dport" if which == "sport" else "sport"
    v = one(fp, uidb=uidb, proto=PROTO_UDP, **{which: pkt_port, other: 7})
    assert v["ace"] == (0 if hit else P.ACE_IMPLICIT)


def test_source_and_destination_ports_together(fp):
    uidb, _ = with_acl(fp, Ace(permit=True, proto=PROTO_TCP, sport=PortMatch(PortOp.GT, 1023),
                               dport=PortMatch(PortOp.EQ, 443)))
    assert one(fp, uidb=uidb, proto=PROTO_TCP, sport=2000, dport=443)["ace"] == 0
    assert one(fp, uidb=uidb, proto=PROTO_TCP, sport=1000, dport=443)["ace"] == P.ACE_IMPLICIT
    assert one(fp, uidb=uidb, proto=PROTO_TCP, sport=2000, dport=80)["ace"] == P.ACE_IMPLICIT


def test_established(fp):
    uidb, _ = with_acl(fp, Ace(permit=True, proto=PROTO_TCP, established=True))
    for flags, hit in ((P.TCP_ACK, True), (P.TCP_RST, True), (P.TCP_SYN | P.TCP_ACK, True),
                       (P.TCP_SYN, False), (P.TCP_FIN | P.TCP_PSH, False), (0, False)):
        v = one(fp, uidb=uidb, proto=PROTO_TCP, tcp_flags=flags)
        assert v["ace"] == (0 if hit else P.ACE_IMPLICIT), flags


def test_dscp_and_precedence_aces(fp):
    uidb, _ = with_acl(fp, Ace(permit=False, dscp=46), Ace(permit=True, precedence=3))
    assert one(fp, uidb=uidb, dscp=46)["ace"] == 0
    assert one(fp, uidb=uidb, dscp=24)["ace"] == 1
    assert one(fp, uidb=uidb, dscp=31)["ace"] == 1
    assert one(fp, uidb=uidb, dscp=32)["ace"] == P.ACE_IMPLICIT
    assert one(fp, uidb=uidb, dscp=47)["ace"] == P.ACE_IMPLICIT


def test_deny_permit_and_implicit_deny_verdicts(fp):
    uidb, slot = with_acl(fp, Ace(permit=False, src=ip("1.1.1.1"), src_wildcard=0),
                          Ace(permit=True, src=ip("2.2.2.2"), src_wildcard=0))
    deny = one(fp, uidb=uidb, src=ip("1.1.1.1"), dscp=3)
    assert deny == dict(ace=0, cls=P.CLASS_NONE, child_cls=P.CLASS_NONE, action=P.DROP,
                        colour=P.COLOUR_NONE, dscp=3, reason=P.REASON_ACL)
    permit = one(fp, uidb=uidb, src=ip("2.2.2.2"))
    assert (permit["ace"], permit["action"], permit["reason"]) == (1, P.FORWARD, P.REASON_NONE)
    implicit = one(fp, uidb=uidb, src=ip("3.3.3.3"))
    assert (implicit["ace"], implicit["action"], implicit["reason"]) == (P.ACE_IMPLICIT, P.DROP,
                                                                           P.REASON_ACL)
    one(fp, uidb=uidb, src=ip("2.2.2.2"))
    assert fp.acl_counters(slot).hits == (1, 2)
    assert fp.acl_counters(slot).implicit_deny == 1


def test_an_empty_acl_denies_everything(fp):
    uidb, slot = with_acl(fp)
    assert one(fp, uidb=uidb)["ace"] == P.ACE_IMPLICIT
    assert fp.acl_counters(slot) == AclCounters((), 1)


# IOS rules for fragments (docs/fastpath.md "ACE matching").
WEB = dict(proto=PROTO_TCP, dport=PortMatch(PortOp.EQ, 80))


@pytest.mark.parametrize("frag,dport,ace", [
    (P.FRAG_NONE, 80, 0), (P.FRAG_INITIAL, 80, 0), (P.FRAG_NONINITIAL, 80, 0),
    (P.FRAG_NONE, 22, 1), (P.FRAG_INITIAL, 22, 1),
    # No L4 header: the permit with L4 conditions matches on L3 alone, whatever the port field says.
    (P.FRAG_NONINITIAL, 22, 0),
])
def test_non_initial_fragments_match_a_permit_with_l4_conditions(fp, frag, dport, ace):
    uidb, _ = with_acl(fp, Ace(permit=True, **WEB), Ace(permit=False))
    assert one(fp, uidb=uidb, proto=PROTO_TCP, dport=dport, frag=frag)["ace"] == ace


@pytest.mark.parametrize("frag,dport,ace", [
    (P.FRAG_NONE, 80, 0), (P.FRAG_INITIAL, 80, 0),
    (P.FRAG_NONINITIAL, 80, 1),      # a deny with L4 conditions never catches a non-initial fragment
    (P.FRAG_NONE, 22, 1),
])
def test_non_initial_fragments_skip_a_deny_with_l4_conditions(fp, frag, dport, ace):
    uidb, _ = with_acl(fp, Ace(permit=False, **WEB), Ace(permit=True))
    assert one(fp, uidb=uidb, proto=PROTO_TCP, dport=dport, frag=frag)["ace"] == ace


def test_established_counts_as_an_l4_condition_for_fragments(fp):
    uidb, _ = with_acl(fp, Ace(permit=False, proto=PROTO_TCP, established=True),
                       Ace(permit=True, proto=PROTO_TCP, established=True))
    # The deny is skipped, the permit matches, and the (absent) flags are not looked at.
    assert one(fp, uidb=uidb, proto=PROTO_TCP, frag=P.FRAG_NONINITIAL)["ace"] == 1


@pytest.mark.parametrize("permit", [True, False])
def test_l3_only_aces_match_every_fragment_kind(fp, permit):
    uidb, _ = with_acl(fp, Ace(permit=permit, proto=PROTO_TCP, dst=ip("10.0.0.1"), dst_wildcard=0))
    for frag in (P.FRAG_NONE, P.FRAG_INITIAL, P.FRAG_NONINITIAL):
        assert one(fp, uidb=uidb, proto=PROTO_TCP, dst=ip("10.0.0.1"), frag=frag)["ace"] == 0
        assert one(fp, uidb=uidb, proto=PROTO_UDP, dst=ip("10.0.0.1"), frag=frag)["ace"] == \
            P.ACE_IMPLICIT


@pytest.mark.parametrize("frag,ace", [(P.FRAG_NONE, 1), (P.FRAG_INITIAL, 1), (P.FRAG_NONINITIAL, 0)])
def test_the_fragments_keyword_matches_only_non_initial_fragments(fp, frag, ace):
    uidb, _ = with_acl(fp, Ace(permit=False, dst=ip("10.0.0.1"), dst_wildcard=0, fragments=True),
                       Ace(permit=True))
    assert one(fp, uidb=uidb, dst=ip("10.0.0.1"), frag=frag)["ace"] == ace
    # Its L3 conditions still have to hold.
    assert one(fp, uidb=uidb, dst=ip("10.0.0.2"), frag=frag)["ace"] == 1


def test_acl_counters_seeded_cleared_and_replaced(fp):
    slot = fp.acl_create([Ace(permit=True, proto=PROTO_TCP), Ace(permit=False)], hits=[5, 7])
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, acl=slot)
    fp.process(pkts({"uidb": uidb, "proto": PROTO_TCP}, {"uidb": uidb, "proto": PROTO_UDP}))
    assert fp.acl_counters(slot).hits == (6, 8)
    fp.acl_clear_counters(slot)
    assert fp.acl_counters(slot).hits == (0, 0)
    fp.acl_replace(slot, [Ace(permit=True, proto=PROTO_UDP)], hits=[3])
    # The bound target sees the new ACEs at once.
    v = fp.process(pkts({"uidb": uidb, "proto": PROTO_UDP}, {"uidb": uidb, "proto": PROTO_TCP}))
    assert list(v["ace"]) == [0, P.ACE_IMPLICIT]
    assert fp.acl_counters(slot).hits == (4,)
    assert fp.acl_counters(slot).implicit_deny == 1
    with pytest.raises(TableError):
        fp.acl_create([Ace(permit=True)], hits=[1, 2])


def test_acl_counters_are_per_acl_across_targets(fp):
    slot = fp.acl_create([Ace(permit=True)])
    a = fp.uidb_create(1, "Virtual-Access1")
    b = fp.uidb_create(2, "Virtual-Access2")
    fp.bind(a, IN, acl=slot)
    fp.bind(b, OUT, acl=slot)
    fp.process(pkts({"uidb": a}, {"uidb": b, "dir": OUT}, {"uidb": b, "dir": IN}))
    assert fp.acl_counters(slot).hits == (2,)


# ---- classification ------------------------------------------------------------------------------

def classify(fp, pol, *rows):
    uidb, _ = with_policy(fp, pol)
    v = fp.process(pkts(*({"uidb": uidb, **row} for row in rows)))
    return [int(c) for c in v["cls"]]


def test_match_any_and_match_all(fp):
    pol = policy(PolicyClass("all", 2, cmap("all", dscp_match(10, 12), Match("dscp", dscp=precedence_dscps(1)),
                                            match_all=True)),
                 PolicyClass("any", 3, cmap("any", dscp_match(46), dscp_match(12))),
                 default_class())
    # 10 is in both terms of "all" (precedence 1 = 8..15); 12 too; 46 only in "any"; 9 only in prec 1.
    assert classify(fp, pol, {"dscp": 10}, {"dscp": 12}, {"dscp": 46}, {"dscp": 9}, {"dscp": 0}) == \
        [0, 0, 1, 2, 2]


def test_match_not(fp):
    pol = policy(PolicyClass("not-ef", 2, cmap("c", dscp_match(46, negate=True), match_all=True)),
                 default_class())
    assert classify(fp, pol, {"dscp": 46}, {"dscp": 0}) == [1, 0]


def test_match_not_any_never_matches(fp):
    pol = policy(PolicyClass("none", 2, cmap("c", Match("any", negate=True))),
                 PolicyClass("all", 3, cmap("d", Match("any"))), default_class())
    assert classify(fp, pol, {"dscp": 0}) == [1]


def test_an_empty_class_map_matches_nothing(fp):
    pol = policy(PolicyClass("empty-all", 2, cmap("e1", match_all=True)),
                 PolicyClass("empty-any", 3, cmap("e2")), default_class())
    assert classify(fp, pol, {"dscp": 0}, {"dscp": 46}) == [2, 2]


def test_access_group_terms(fp):
    acl = fp.acl_create([Ace(permit=False, proto=PROTO_TCP, dport=PortMatch(PortOp.EQ, 22)),
                         Ace(permit=True, proto=PROTO_TCP)])
    pol = policy(PolicyClass("tcp", 2, cmap("c", Match("access-group", acl=acl))), default_class())
    # A deny ACE or no match at all is "no match", never a drop.
    assert classify(fp, pol, {"proto": PROTO_TCP, "dport": 80}, {"proto": PROTO_TCP, "dport": 22},
                    {"proto": PROTO_UDP}) == [0, 1, 1]
    # Classification does not count in the ACL.
    assert fp.acl_counters(acl) == AclCounters((0, 0), 0)


def test_nested_class_maps(fp):
    voice = cmap("voice", dscp_match(46))
    video = cmap("video", dscp_match(34))
    media = cmap("media", Match("class-map", class_map=voice), Match("class-map", class_map=video))
    not_media = cmap("not-media", Match("class-map", negate=True, class_map=media),
                     dscp_match(0, negate=True), match_all=True)
    pol = policy(PolicyClass("media", 2, media), PolicyClass("other", 3, not_media), default_class())
    assert classify(fp, pol, {"dscp": 46}, {"dscp": 34}, {"dscp": 10}, {"dscp": 0}) == [0, 0, 1, 2]


def test_an_acl_replaced_under_a_policy_reclassifies(fp):
    acl = fp.acl_create([Ace(permit=True, proto=PROTO_TCP)])
    pol = policy(PolicyClass("c", 2, cmap("c", Match("access-group", acl=acl))), default_class())
    uidb, _ = with_policy(fp, pol)
    assert one(fp, uidb=uidb, proto=PROTO_UDP)["cls"] == 1
    fp.acl_replace(acl, [Ace(permit=True, proto=PROTO_UDP)])
    assert one(fp, uidb=uidb, proto=PROTO_UDP)["cls"] == 0


def test_class_map_order_and_class_info(fp):
    v = cmap("V", dscp_match(1))
    y = cmap("Y", Match("class-map", class_map=v))
    w = cmap("W", dscp_match(2), dscp_match(3))
    x = cmap("X", Match("class-map", class_map=y), Match("class-map", class_map=w))
    z = cmap("Z", Match("any"))
    police = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=64000, bc=2000)
    child = fp.policy_create(policy(default_class(), name="child"))
    h = fp.policy_create(policy(PolicyClass("A", 10, x, set_dscp=46), PolicyClass("B", 11, y),
                                PolicyClass("C", 12, z, set_precedence=5, police=police, child=child),
                                default_class()))
    infos = fp.policy_classes(h)
    # Compiled order [X, Y, V, W, Z]: terms X 0-1, Y 2, V 3, W 4-5, Z 6.
    assert [i.cmap for i in infos] == [0, 1, 4, None]
    assert [(i.name, i.object_id, i.set_kind, i.set_value, i.child) for i in infos] == [
        ("A", 10, 1, 46, None), ("B", 11, 0, 0, None), ("C", 12, 2, 5, child),
        (CLASS_DEFAULT, 1, 0, 0, None)]
    words = encode(police)
    assert (infos[2].hw_policer, infos[2].police_info) == (words.hw, words.police_info)
    assert infos[0].hw_policer == (0, 0, 0, 0)

    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, policy=h)
    states = fp.target_read(uidb, IN)
    assert [(s.policy, s.level, s.class_index, s.parent_state) for s in states] == [
        (h, 0, 0, None), (h, 0, 1, None), (h, 0, 2, None), (child, 1, 0, 2), (h, 0, 3, None)]
    assert [s.psqd for s in states] == [
        (0 << 16 | 2, 1 << 8 | 46, 0b010, 0),
        (2 << 16 | 1, 0, 0, 0),
        (6 << 16 | 1, 2 << 8 | 5, 0b111, 100),
        (0, 0, 0, 0),
        (0, 0, 0, 0)]
    assert [s.isqd[1:] for s in states] == [(1, 0, 0)] * 3 + [(1, 1, 0)] + [(1, 0, 0)]
    assert [s.policer_id for s in states] == [0, 0, 0x20000001, 0, 0]
    assert states[2].tokens_c == 2000 * UNITS and states[2].tokens_e == 0


def test_policer_ids_count_instances_across_binds(fp):
    police = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=64000, bc=2000)
    h = fp.policy_create(policy(PolicyClass("a", 2, cmap("a", Match("any")), police=police),
                                default_class(police=police)))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, policy=h)
    fp.bind(uidb, OUT, policy=h)
    fp.bind(uidb, IN, policy=h)
    assert [s.policer_id for s in fp.target_read(uidb, OUT)] == [0x20000003, 0x20000004]
    assert [s.policer_id for s in fp.target_read(uidb, IN)] == [0x20000005, 0x20000006]
    assert [s.isqd[1] for s in fp.target_read(uidb, OUT)] == [0, 0]


def test_reference_isqd_addresses_are_deterministic():
    from qfp_model.qfp.reference import ReferenceFastPath
    fp = ReferenceFastPath()
    h = fp.policy_create(policy(PolicyClass("a", 2, cmap("a", Match("any"))), default_class()))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, policy=h)
    fp.bind(uidb, OUT, policy=h)
    assert [s.isqd[0] for s in fp.target_read(uidb, IN)] == [0x88000000, 0x88000040]
    assert [s.isqd[0] for s in fp.target_read(uidb, OUT)] == [0x88000080, 0x880000C0]


# ---- the hierarchy ------------------------------------------------------------------------------

def test_classification_sees_the_dscp_the_packet_arrived_with(fp):
    child = fp.policy_create(policy(PolicyClass("ef", 2, cmap("ef", dscp_match(46))),
                                    default_class(), name="child"))
    parent = fp.policy_create(policy(default_class(set_dscp=46, child=child), name="parent"))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, policy=parent)
    v = one(fp, uidb=uidb, dscp=0)
    assert (v["cls"], v["child_cls"], v["dscp"]) == (0, 1, 46)


def test_set_then_child_then_police(fp):
    # Parent: set dscp 10, then the child (set dscp 20), then the parent's policer, whose conform
    # action marks 30: the last word is the parent policer's.
    child = fp.policy_create(policy(default_class(set_dscp=20), name="child"))
    marking = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1500,
                      conform=PoliceAction("set-dscp-transmit", 30), exceed=TRANSMIT)
    parent = fp.policy_create(policy(default_class(set_dscp=10, child=child, police=marking),
                                     name="parent"))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, policy=parent)
    v = one(fp, uidb=uidb, length=1000)
    assert (v["dscp"], v["colour"], v["cls"], v["child_cls"]) == (30, P.CONFORM, 0, 0)
    v = one(fp, uidb=uidb, length=1000)      # 500 bytes left: exceed, transmitted unmarked by it
    assert (v["dscp"], v["colour"], v["action"]) == (20, P.EXCEED, P.FORWARD)


def test_set_precedence(fp):
    uidb, _ = with_policy(fp, policy(default_class(set_precedence=5)))
    assert one(fp, uidb=uidb, dscp=46)["dscp"] == 40


def test_a_child_drop_stops_the_parent(fp):
    child = fp.policy_create(policy(default_class(police=Policer(
        PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1000)), name="child"))
    parent = fp.policy_create(policy(default_class(child=child, police=Policer(
        PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=5000)), name="parent"))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, OUT, policy=parent)
    v = fp.process(pkts(*({"uidb": uidb, "dir": OUT, "length": 600} for _ in range(2))))
    assert list(v["action"]) == [P.FORWARD, P.DROP]
    assert list(v["reason"]) == [P.REASON_NONE, P.REASON_POLICE]
    assert list(v["colour"]) == [P.CONFORM, P.EXCEED]
    parent_state, child_state = fp.target_read(uidb, OUT)
    # The parent classified both, dropped one (its child's), and policed only the first.
    assert (parent_state.pkts, parent_state.bytes) == (2, 1200)
    assert (parent_state.drop_pkts, parent_state.drop_bytes) == (1, 600)
    assert parent_state.colour_pkts == (1, 0, 0) and parent_state.colour_bytes == (600, 0, 0)
    assert parent_state.tokens_c == 4400 * UNITS
    assert (child_state.pkts, child_state.drop_pkts, child_state.colour_pkts) == (2, 1, (1, 1, 0))
    assert child_state.tokens_c == 400 * UNITS


def test_colour_is_the_most_severe_on_the_path(fp):
    exceed_transmit = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=100, exceed=TRANSMIT)
    roomy = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=100000)
    child = fp.policy_create(policy(default_class(police=exceed_transmit), name="child"))
    parent = fp.policy_create(policy(default_class(child=child, police=roomy), name="parent"))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, policy=parent)
    v = one(fp, uidb=uidb, length=500)       # child exceeds (and transmits), parent conforms
    assert (v["colour"], v["action"]) == (P.EXCEED, P.FORWARD)


def test_three_levels(fp):
    gc = fp.policy_create(policy(PolicyClass("ef", 2, cmap("ef", dscp_match(46))), default_class(),
                                 name="grandchild"))
    child = fp.policy_create(policy(PolicyClass("ef", 2, cmap("ef", dscp_match(46)), child=gc),
                                    default_class(), name="child"))
    parent = fp.policy_create(policy(default_class(child=child), name="parent"))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, policy=parent)
    v = one(fp, uidb=uidb, dscp=46)
    assert (v["cls"], v["child_cls"]) == (0, 0)
    states = fp.target_read(uidb, IN)
    assert [(s.level, s.class_index, s.parent_state, s.pkts) for s in states] == [
        (0, 0, None, 1), (1, 0, 0, 1), (2, 0, 1, 1), (2, 1, 1, 0), (1, 1, 0, 0)]


# ---- policers: exact bucket arithmetic --------------------------------------------------------------
# CIR 8000 bit/s is 1000 bytes per second: 1 byte per ms.

def policed(fp, police: Policer, direction=IN):
    uidb, _ = with_policy(fp, policy(default_class(police=police)), direction)
    return uidb


def send(fp, uidb, *packets, direction=IN):
    """(ts ms, length) pairs -> verdict colours."""
    batch = pkts(*({"uidb": uidb, "dir": direction, "ts_ns": ts, "length": length}
                   for ts, length in packets))
    return [int(c) for c in fp.process(batch)["colour"]]


def buckets(fp, uidb, direction=IN):
    state = fp.target_read(uidb, direction)[0]
    return state.tokens_c, state.tokens_e


def test_1r2c(fp):
    uidb = policed(fp, Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1500))
    C, E = P.CONFORM, P.EXCEED
    assert send(fp, uidb, (0, 1000), (0, 1000)) == [C, E]          # 1500 -> 500; 500 < 1000
    assert buckets(fp, uidb) == (500 * UNITS, 0)
    assert send(fp, uidb, (500 * MS, 1000)) == [C]                  # +500 -> 1000 -> 0
    assert send(fp, uidb, (400 * MS, 1)) == [E]                     # backwards: no refill
    assert send(fp, uidb, (600 * MS, 101), (600 * MS, 100)) == [E, C]   # +100 since 500 ms
    assert buckets(fp, uidb) == (0, 0)
    assert send(fp, uidb, (100 * S, 1500), (100 * S, 1)) == [C, E]  # refill stops at Bc
    state = fp.target_read(uidb, IN)[0]
    assert state.colour_pkts == (4, 4, 0)
    assert state.colour_bytes == (1000 + 1000 + 100 + 1500, 1000 + 1 + 101 + 1, 0)
    assert (state.drop_pkts, state.drop_bytes) == (4, 1103)


def test_1r2c_sub_byte_refill_is_exact(fp):
    # 8001 bit/s: 1000.125 bytes per second. After 8 ms, 8.001 bytes have arrived: 8 bytes pass,
    # and the 0.001 byte left over is kept, in token units.
    uidb = policed(fp, Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8001, bc=1000))
    assert send(fp, uidb, (0, 1000), (8 * MS, 9), (8 * MS, 8)) == [P.CONFORM, P.EXCEED, P.CONFORM]
    assert buckets(fp, uidb) == (8 * MS * 8001 - 8 * UNITS, 0)


def test_1r3c_srtcm(fp):
    uidb = policed(fp, Policer(PoliceMode.ONE_RATE_THREE_COLOUR, cir=8000, bc=1000, be=2000,
                               exceed=TRANSMIT, violate=DROP))
    C, E, V = P.CONFORM, P.EXCEED, P.VIOLATE
    assert send(fp, uidb, (0, 1000), (0, 1000), (0, 1000), (0, 1)) == [C, E, E, V]
    assert buckets(fp, uidb) == (0, 0)
    # 1.5 s brings 1500 bytes: C takes 1000, the 500 it cannot hold overflow into E.
    assert send(fp, uidb, (1500 * MS, 1200)) == [V]
    assert buckets(fp, uidb) == (1000 * UNITS, 500 * UNITS)
    assert send(fp, uidb, (1500 * MS, 500), (1500 * MS, 600), (1500 * MS, 500), (1500 * MS, 500)) \
        == [C, V, C, E]
    assert buckets(fp, uidb) == (0, 0)
    # While C is not full, E gets nothing: 0.3 s later C has 300 and E still 0.
    assert send(fp, uidb, (1800 * MS, 301)) == [V]
    assert buckets(fp, uidb) == (300 * UNITS, 0)
    # A long gap fills both, and what overflows E is lost.
    assert send(fp, uidb, (60 * S, 1)) == [C]
    assert buckets(fp, uidb) == (999 * UNITS, 2000 * UNITS)
    state = fp.target_read(uidb, IN)[0]
    assert state.colour_pkts == (4, 3, 4)
    assert (state.drop_pkts, state.drop_bytes) == (4, 1 + 1200 + 600 + 301)


def test_2r3c_trtcm(fp):
    uidb = policed(fp, Policer(PoliceMode.TWO_RATE_THREE_COLOUR, cir=8000, bc=1000, pir=16000,
                               be=1500, exceed=TRANSMIT))
    C, E, V = P.CONFORM, P.EXCEED, P.VIOLATE
    assert send(fp, uidb, (0, 800), (0, 500), (0, 300)) == [C, E, V]
    assert buckets(fp, uidb) == (200 * UNITS, 200 * UNITS)
    # 0.25 s: C +250 (450), P +500 (700).
    assert send(fp, uidb, (250 * MS, 400)) == [C]
    assert buckets(fp, uidb) == (50 * UNITS, 300 * UNITS)
    # A violating packet takes nothing from either bucket; an exceeding one only from P.
    assert send(fp, uidb, (250 * MS, 301), (250 * MS, 51), (250 * MS, 50)) == [V, E, C]
    assert buckets(fp, uidb) == (0, 199 * UNITS)
    assert send(fp, uidb, (10 * S, 1)) == [C]                 # both refill to their own sizes
    assert buckets(fp, uidb) == (999 * UNITS, 1499 * UNITS)


def test_police_actions_mark(fp):
    uidb = policed(fp, Policer(PoliceMode.ONE_RATE_THREE_COLOUR, cir=8000, bc=1000, be=1000,
                               conform=PoliceAction("set-dscp-transmit", 46),
                               exceed=PoliceAction("set-prec-transmit", 3),
                               violate=PoliceAction("set-dscp-transmit", 0)))
    v = fp.process(pkts(*({"uidb": uidb, "length": 1000, "dscp": 8} for _ in range(3))))
    assert list(v["colour"]) == [P.CONFORM, P.EXCEED, P.VIOLATE]
    assert list(v["dscp"]) == [46, 24, 0]
    assert list(v["action"]) == [P.FORWARD] * 3


def test_police_actions_drop_and_transmit(fp):
    uidb = policed(fp, Policer(PoliceMode.TWO_RATE_THREE_COLOUR, cir=8000, bc=1000, pir=8000,
                               be=2000, conform=DROP, exceed=TRANSMIT, violate=TRANSMIT))
    v = fp.process(pkts(*({"uidb": uidb, "length": 1000, "dscp": 8} for _ in range(3))))
    assert list(v["colour"]) == [P.CONFORM, P.EXCEED, P.VIOLATE]
    assert list(v["action"]) == [P.DROP, P.FORWARD, P.FORWARD]
    assert list(v["reason"]) == [P.REASON_POLICE, P.REASON_NONE, P.REASON_NONE]
    assert list(v["dscp"]) == [8, 8, 8]


def test_default_police_actions(fp):
    uidb = policed(fp, Policer(PoliceMode.ONE_RATE_THREE_COLOUR, cir=8000, bc=1000, be=1000))
    v = fp.process(pkts(*({"uidb": uidb, "length": 1000} for _ in range(3))))
    assert list(v["action"]) == [P.FORWARD, P.DROP, P.DROP]


def test_time_going_backwards_never_refills(fp):
    uidb = policed(fp, Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1000))
    assert send(fp, uidb, (10 * S, 1000), (5 * S, 1), (0, 1)) == [P.CONFORM, P.EXCEED, P.EXCEED]
    # Time resumes from the latest timestamp seen, 10 s.
    assert send(fp, uidb, (10 * S + 2 * MS, 3)) == [P.EXCEED]
    assert send(fp, uidb, (10 * S + 2 * MS, 2)) == [P.CONFORM]


def test_buckets_start_full_at_every_bind(fp):
    police = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1000)
    uidb, h = with_policy(fp, policy(default_class(police=police)))
    assert send(fp, uidb, (5 * S, 1000)) == [P.CONFORM]
    fp.bind(uidb, IN, policy=h)
    assert buckets(fp, uidb) == (1000 * UNITS, 0)
    # The new instance's clock starts at 0 too: 5 s of refill would overflow anyway.
    assert send(fp, uidb, (5 * S, 1000), (5 * S, 1)) == [P.CONFORM, P.EXCEED]
    assert fp.target_read(uidb, IN)[0].pkts == 2


def test_policers_run_at_the_programmed_rate(fp):
    # 1,234,567,891 bit/s needs 31 bits: it is programmed, and runs, as 123,456,789 * 10.
    uidb = policed(fp, Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=1_234_567_891, bc=1000))
    send(fp, uidb, (0, 1000), (7, 1000))
    assert buckets(fp, uidb) == (7 * 1_234_567_890, 0)


# ---- counters ----------------------------------------------------------------------------------

def test_class_counters_and_clear(fp):
    pol = policy(PolicyClass("ef", 2, cmap("ef", dscp_match(46)),
                             police=Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=8000, bc=1500)),
                 default_class())
    uidb, _ = with_policy(fp, pol, OUT)
    fp.process(pkts(*({"uidb": uidb, "dir": OUT, "dscp": d, "length": n}
                      for d, n in ((46, 1000), (46, 1000), (0, 64), (0, 128)))))
    ef, default = fp.target_read(uidb, OUT)
    assert ef.counters() == {"pkts": 2, "bytes": 2000, "drop_pkts": 1, "drop_bytes": 1000,
                             "colour_pkts": (1, 1, 0), "colour_bytes": (1000, 1000, 0),
                             "tokens_c": 500 * UNITS, "tokens_e": 0, "queue": None}
    assert (default.pkts, default.bytes, default.drop_pkts) == (2, 192, 0)
    fp.target_clear_counters(uidb, OUT)
    ef, default = fp.target_read(uidb, OUT)
    assert ef.counters() == {"pkts": 0, "bytes": 0, "drop_pkts": 0, "drop_bytes": 0,
                             "colour_pkts": (0, 0, 0), "colour_bytes": (0, 0, 0),
                             "tokens_c": 500 * UNITS, "tokens_e": 0, "queue": None}
    assert default.pkts == 0
    assert fp.target_read(uidb, IN) == []


def test_acl_drops_never_reach_the_policy(fp):
    slot = fp.acl_create([Ace(permit=False, dscp=46), Ace(permit=True)])
    h = fp.policy_create(policy(default_class(set_dscp=10)))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, acl=slot, policy=h)
    v = fp.process(pkts({"uidb": uidb, "dscp": 46}, {"uidb": uidb, "dscp": 0}))
    assert list(v["cls"]) == [P.CLASS_NONE, 0]
    assert list(v["dscp"]) == [46, 10]
    assert list(v["ace"]) == [0, 1]
    assert fp.target_read(uidb, IN)[0].pkts == 1


# ---- UIDB accounting counters (docs/fastpath.md, "UIDB accounting counters") ----------------------

def acct(packets, bytes_, forwarded_packets, forwarded_bytes) -> UidbCounters:
    """Counters from (in, out) pairs."""
    return UidbCounters(tuple(packets), tuple(bytes_), tuple(forwarded_packets), tuple(forwarded_bytes))


def test_a_new_uidb_has_counted_nothing(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    assert fp.uidb_counters(uidb) == acct((0, 0), (0, 0), (0, 0), (0, 0))


def test_accounting_counts_every_packet_seen_and_those_forwarded(fp):
    # In: an ACL that denies UDP (before any policy); out: a 1R2C policer with Bc 1500 bytes.
    slot = fp.acl_create([Ace(permit=False, proto=PROTO_UDP), Ace(permit=True)])
    handle = fp.policy_create(policy(default_class(police=Policer(PoliceMode.ONE_RATE_TWO_COLOUR,
                                                                    cir=8000, bc=1500))))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    other = fp.uidb_create(15, "Virtual-Access2")
    fp.bind(uidb, IN, acl=slot)
    fp.bind(uidb, OUT, policy=handle)
    v = fp.process(pkts(
        {"uidb": uidb, "dir": IN, "proto": PROTO_TCP, "length": 100},     # permitted
        {"uidb": uidb, "dir": IN, "proto": PROTO_UDP, "length": 200},     # ACL drop: seen only
        {"uidb": uidb, "dir": OUT, "length": 1000},                       # conform
        {"uidb": uidb, "dir": OUT, "length": 1000},                       # exceed: policer drop
        {"uidb": 99, "dir": IN, "length": 1400},                          # unknown: nowhere
        {"uidb": other, "dir": OUT, "length": 40},                        # nothing bound: forward
    ))
    assert list(v["action"]) == [P.FORWARD, P.DROP, P.FORWARD, P.DROP, P.DROP, P.FORWARD]
    assert fp.uidb_counters(uidb) == acct((2, 2), (300, 2000), (1, 1), (100, 1000))
    assert fp.uidb_counters(other) == acct((0, 1), (0, 40), (0, 1), (0, 40))
    c = fp.uidb_counters(uidb)
    assert (c.input_packets, c.input_bytes, c.input_forwarded_packets, c.input_forwarded_bytes) == (2, 300, 1, 100)
    assert (c.output_packets, c.output_bytes, c.output_forwarded_packets,
            c.output_forwarded_bytes) == (2, 2000, 1, 1000)
    # The ACL's and the class's own counters are unchanged by accounting.
    assert fp.acl_counters(slot) == AclCounters((1, 1), 0)
    assert fp.target_read(uidb, OUT)[0].pkts == 2


def test_accounting_counts_the_packet_records_length(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.process(pkts({"uidb": uidb, "length": 0}, {"uidb": uidb, "length": 65535}))
    assert fp.uidb_counters(uidb) == acct((2, 0), (65535, 0), (2, 0), (65535, 0))


def test_accounting_survives_rebinds_and_clear_counters(fp):
    slot = fp.acl_create([Ace(permit=True)])
    first = fp.policy_create(policy(default_class(set_dscp=10), name="a"))
    second = fp.policy_create(policy(default_class(set_dscp=20), name="b"))
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.bind(uidb, IN, acl=slot, policy=first)
    fp.process(pkts({"uidb": uidb, "length": 100}, {"uidb": uidb, "dir": OUT, "length": 50}))
    before = acct((1, 1), (100, 50), (1, 1), (100, 50))
    assert fp.uidb_counters(uidb) == before
    fp.bind(uidb, IN, policy=second)                 # a CoA changes the policy, drops the ACL
    assert fp.uidb_counters(uidb) == before
    fp.bind(uidb, OUT, acl=slot)
    fp.target_clear_counters(uidb, IN)               # `clear counters` is not accounting
    fp.target_clear_counters(uidb, OUT)
    fp.acl_clear_counters(slot)
    assert fp.uidb_counters(uidb) == before
    assert fp.target_read(uidb, IN)[0].pkts == 0
    fp.process(pkts({"uidb": uidb, "length": 7}))
    assert fp.uidb_counters(uidb) == acct((2, 1), (107, 50), (2, 1), (107, 50))


def test_a_uidb_deleted_and_created_again_starts_from_zero(fp):
    uidb = fp.uidb_create(14, "Virtual-Access1")
    fp.process(pkts({"uidb": uidb, "length": 100}))
    fp.uidb_delete(uidb)
    with pytest.raises(NotFound):
        fp.uidb_counters(uidb)
    fp.process(pkts({"uidb": uidb, "length": 100}))  # deleted: counts nowhere
    assert fp.uidb_create(15, "Virtual-Access2") == uidb
    assert fp.uidb_counters(uidb) == acct((0, 0), (0, 0), (0, 0), (0, 0))


def test_accounting_of_an_unknown_uidb_is_not_found(fp):
    with pytest.raises(NotFound):
        fp.uidb_counters(3)
    with pytest.raises(TableError):
        fp.uidb_counters(-1)
