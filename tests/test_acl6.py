"""IPv6 ACLs (docs/fastpath.md, "IPv6"), exact cases run on the reference and on the C fast path
alike: prefixes at every word boundary, ports and ICMPv6 messages, IOS's implicit ND permits and
deny, extension headers, fragments, DSCP and flow label, mixed-family batches, and an ACL of one
family never meeting a packet of the other."""
from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import numpy as np
import pytest

from fastpaths import native_fastpath_class
from qfp_model.qfp import packets as P
from qfp_model.qfp.errors import InvalidTable, TableError
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import (
    EXT_DEST_OPTS,
    EXT_HOP_BY_HOP,
    EXT_ROUTING,
    PROTO_ICMPV6,
    PROTO_TCP,
    PROTO_UDP,
    Ace,
    Ace6,
    Binding,
    ClassMap,
    Direction,
    Match,
    Policy,
    PolicyClass,
    PortMatch,
    PortOp,
)


@pytest.fixture(params=["reference", "native", "native-bitvector", "native-tree"])
def fp(request):
    """The reference, and C with IPv6 ACLs as AUTO builds them (short ones scanned), looked up
    through the bit vectors over their projections and through the tree over their twelve fields
    (both forced), so every exact case runs on each."""
    if request.param == "reference":
        return ReferenceFastPath()
    method = request.param.removeprefix("native-") if "-" in request.param else "auto"
    return native_fastpath_class()(acl_method=method)


NET = int(IPv6Address("2001:db8:1234:5678:9abc:def0:1357:9bdf"))
ND_NS, ND_NA = 135, 136


def v6(src=NET, dst=0, **fields) -> np.ndarray:
    """One IPv6 packet, addresses as 128-bit ints."""
    batch = P.packet(family=P.FAMILY_IPV6, length=100, **fields)
    P.set_address(batch, "src", src)
    P.set_address(batch, "dst", dst)
    return batch


def classify(fp, slot, batch) -> list[int]:
    return [int(x) for x in fp.acl_classify(slot, batch)]


def prefix(address: int, length: int) -> int:
    return address & ~((1 << (128 - length)) - 1) & ((1 << 128) - 1)


@pytest.mark.parametrize("length", [0, 1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128])
@pytest.mark.parametrize("which", ["src", "dst"])
def test_prefixes_match_at_every_boundary_length(fp, length, which):
    slot = fp.acl_create([Ace6(True, **{which: prefix(NET, length), f"{which}_len": length})])
    inside = NET
    last_bit_flipped = NET ^ (1 << (128 - length)) if length else NET    # the prefix's last bit
    first_outside_flipped = NET ^ (1 << (127 - length)) if length < 128 else NET
    other = 0 if which == "src" else NET
    for address, matches in ((inside, True), (last_bit_flipped, length == 0),
                             (first_outside_flipped, True)):
        pkt = v6(**{which: address, ("dst" if which == "src" else "src"): other})
        assert classify(fp, slot, pkt) == [0 if matches else 1], hex(address)


def test_prefix_matches_on_every_word():
    """Each of the four words decides: a host ACE misses when any one bit of any word differs."""
    fp = native_fastpath_class()()
    slot = fp.acl_create([Ace6(True, dst=NET, dst_len=128)])
    batch = np.concatenate([v6(dst=NET ^ (1 << bit)) for bit in range(128)] + [v6(dst=NET)])
    assert classify(fp, slot, batch) == [1] * 128 + [0]


@pytest.mark.parametrize("port, hit", [(79, 2), (80, 0), (81, 1), (1024, 1), (1025, 2)])
def test_ports(fp, port, hit):
    slot = fp.acl_create([
        Ace6(False, PROTO_TCP, dport=PortMatch(PortOp.EQ, 80)),
        Ace6(True, PROTO_TCP, dport=PortMatch(PortOp.RANGE, 81, 1024)),
    ])
    assert classify(fp, slot, v6(proto=PROTO_TCP, dport=port)) == [hit]
    assert classify(fp, slot, v6(proto=PROTO_UDP, dport=port)) == [2]


@pytest.mark.parametrize("icmp_type, code, hit", [(128, 0, 0), (128, 1, 0), (1, 4, 1), (1, 3, 2), (2, 0, 2)])
def test_icmpv6_type_and_code_ride_in_the_port_fields(fp, icmp_type, code, hit):
    slot = fp.acl_create([Ace6(True, PROTO_ICMPV6, icmp_type=128),
                          Ace6(False, PROTO_ICMPV6, icmp_type=1, icmp_code=4)])
    assert classify(fp, slot, v6(proto=PROTO_ICMPV6, sport=icmp_type, dport=code)) == [hit]


def _bound(fp, aces, family=None):
    slot = fp.acl_create(aces, family=family)
    uidb = fp.uidb_create(1, "Virtual-Access1")
    fp.bind(uidb, Direction.IN, acl6=slot)
    return slot, uidb


@pytest.mark.parametrize("sport, frag, ace, action", [
    (ND_NA, P.FRAG_NONE, P.ACE_IMPLICIT_ND_NA, P.FORWARD),
    (ND_NS, P.FRAG_NONE, P.ACE_IMPLICIT_ND_NS, P.FORWARD),
    (ND_NS, P.FRAG_INITIAL, P.ACE_IMPLICIT_ND_NS, P.FORWARD),
    (ND_NS, P.FRAG_NONINITIAL, P.ACE_IMPLICIT, P.DROP),     # ND is never fragmented (RFC 6980)
    (128, P.FRAG_NONE, P.ACE_IMPLICIT, P.DROP),
    (133, P.FRAG_NONE, P.ACE_IMPLICIT, P.DROP),             # router solicitation: not implicit
])
def test_implicit_nd_permits_then_the_implicit_deny(fp, sport, frag, ace, action):
    slot, uidb = _bound(fp, [], family=6)
    (v,) = fp.process(v6(uidb=1 - 1 + uidb, proto=PROTO_ICMPV6, sport=sport, frag=frag))
    assert (int(v["ace"]), int(v["action"])) == (ace, action)
    if action == P.DROP:
        assert int(v["reason"]) == P.REASON_ACL
    counters = fp.acl_counters(slot)
    assert (counters.implicit_deny, counters.implicit_nd_na, counters.implicit_nd_ns) == (
        int(ace == P.ACE_IMPLICIT), int(ace == P.ACE_IMPLICIT_ND_NA), int(ace == P.ACE_IMPLICIT_ND_NS))
    # acl_classify gives the counter's index: naces, then naces + 1 (nd-na), naces + 2 (nd-ns)
    index = {P.ACE_IMPLICIT: 0, P.ACE_IMPLICIT_ND_NA: 1, P.ACE_IMPLICIT_ND_NS: 2}[ace]
    assert classify(fp, slot, v6(proto=PROTO_ICMPV6, sport=sport, frag=frag)) == [index]
    fp.acl_clear_counters(slot)
    assert fp.acl_counters(slot) == type(counters)((), 0, 0, 0)


def test_an_explicit_ace_before_the_implicit_entries_decides(fp):
    slot, uidb = _bound(fp, [Ace6(False, PROTO_ICMPV6, icmp_type=ND_NS), Ace6(True, PROTO_UDP)])
    out = fp.process(np.concatenate([v6(uidb=uidb, proto=PROTO_ICMPV6, sport=ND_NS),
                                     v6(uidb=uidb, proto=PROTO_ICMPV6, sport=ND_NA),
                                     v6(uidb=uidb, proto=PROTO_UDP)]))
    assert [int(x) for x in out["ace"]] == [0, P.ACE_IMPLICIT_ND_NA, 1]
    assert [int(x) for x in out["action"]] == [P.DROP, P.FORWARD, P.FORWARD]
    c = fp.acl_counters(slot)
    assert (c.hits, c.implicit_deny, c.implicit_nd_na, c.implicit_nd_ns) == ((1, 1), 0, 1, 0)


@pytest.mark.parametrize("pkt_ext, matches", [
    (0, False), (EXT_ROUTING, False), (EXT_HOP_BY_HOP, False),
    (EXT_ROUTING | EXT_HOP_BY_HOP, True), (EXT_ROUTING | EXT_HOP_BY_HOP | EXT_DEST_OPTS, True),
])
def test_every_extension_header_the_ace_names_must_be_present(fp, pkt_ext, matches):
    slot = fp.acl_create([Ace6(False, ext=EXT_ROUTING | EXT_HOP_BY_HOP)])
    assert classify(fp, slot, v6(ext=pkt_ext)) == [0 if matches else 1]


@pytest.mark.parametrize("frag, hits", [
    (P.FRAG_NONE, [1, 2, 3]),        # fragments ACE no; deny/permit on ports as usual
    (P.FRAG_INITIAL, [1, 2, 3]),
    (P.FRAG_NONINITIAL, [0, 0, 0]),  # the fragments ACE catches every non-initial fragment
])
def test_fragments_ace_matches_non_initial_fragments_only(fp, frag, hits):
    from qfp_model.qfp.tables import PortMatch, PortOp
    slot = fp.acl_create([Ace6(False, PROTO_UDP, fragments=True),
                          Ace6(False, PROTO_UDP, dport=PortMatch(PortOp.EQ, 53)),
                          Ace6(True, PROTO_UDP, dport=PortMatch(PortOp.EQ, 54))])
    batch = np.concatenate([v6(proto=PROTO_UDP, dport=p, frag=frag) for p in (53, 54, 55)])
    assert classify(fp, slot, batch) == hits


def test_non_initial_fragments_pass_an_l4_permit_and_skip_an_l4_deny(fp):
    from qfp_model.qfp.tables import PortMatch, PortOp
    slot = fp.acl_create([Ace6(False, PROTO_TCP, dport=PortMatch(PortOp.EQ, 22)),
                          Ace6(True, PROTO_TCP, dport=PortMatch(PortOp.EQ, 80))])
    assert classify(fp, slot, v6(proto=PROTO_TCP, dport=22, frag=P.FRAG_NONINITIAL)) == [1]


def test_dscp_and_flow_label(fp):
    slot = fp.acl_create([Ace6(True, dscp=46), Ace6(True, flow_label=0xABCDE)])
    batch = np.concatenate([v6(dscp=46), v6(dscp=45), v6(flow_label=0xABCDE), v6(flow_label=0xABCDF),
                            v6(dscp=46, flow_label=0xABCDE)])
    assert classify(fp, slot, batch) == [0, 2, 1, 2, 0]


def _mixed(uidb: int) -> np.ndarray:
    """An IPv4 packet, an IPv6 packet, an IPv4 packet, ... of the same UIDB."""
    batch = np.concatenate([P.packet(uidb=uidb, src=int(IPv4Address("10.0.0.1")), length=60), v6(uidb=uidb)] * 2)
    return batch


def test_a_packet_meets_the_acl_of_its_family_only(fp):
    deny4 = fp.acl_create([Ace(False)])
    permit6 = fp.acl_create([Ace6(True)])
    uidb = fp.uidb_create(1, "Virtual-Access1")
    fp.bind(uidb, Direction.IN, acl=deny4, acl6=permit6)
    out = fp.process(_mixed(uidb))
    assert [int(x) for x in out["action"]] == [P.DROP, P.FORWARD] * 2
    assert [int(x) for x in out["ace"]] == [0, 0] * 2
    assert fp.acl_counters(deny4).hits == (2,) and fp.acl_counters(permit6).hits == (2,)
    assert fp.uidb_info(uidb).acl == (deny4, None) and fp.uidb_info(uidb).acl6 == (permit6, None)


@pytest.mark.parametrize("bind", ["v4 only", "v6 only"])
def test_with_no_acl_of_its_family_a_packet_passes(fp, bind):
    deny4 = fp.acl_create([Ace(False)])
    deny6 = fp.acl_create([Ace6(False)])
    uidb = fp.uidb_create(1, "Virtual-Access1")
    if bind == "v4 only":
        fp.bind(uidb, Direction.IN, acl=deny4)
        expect = [P.DROP, P.FORWARD] * 2
    else:
        fp.bind(uidb, Direction.IN, acl6=deny6)
        expect = [P.FORWARD, P.DROP] * 2
    out = fp.process(_mixed(uidb))
    assert [int(x) for x in out["action"]] == expect
    assert [int(x) for x in out["ace"]] == [P.ACE_NONE if a == P.FORWARD else 0 for a in expect]


def test_an_acl_never_matches_the_other_family(fp):
    permit4 = fp.acl_create([Ace(True)])
    permit6 = fp.acl_create([Ace6(True)])
    batch = _mixed(0)
    assert classify(fp, permit4, batch) == [0, 1, 0, 1]
    assert classify(fp, permit6, batch) == [1, 0, 1, 0]


def test_class_maps_match_access_groups_by_family_and_dscp_for_both(fp):
    permit4 = fp.acl_create([Ace(True)])
    permit6 = fp.acl_create([Ace6(True, PROTO_UDP)])
    policy = fp.policy_create(Policy("P", 1, (
        PolicyClass("V4", 10, ClassMap("V4", True, (Match("access-group", acl=permit4),))),
        PolicyClass("V6", 11, ClassMap("V6", True, (Match("access-group", acl=permit6),))),
        PolicyClass("EF", 12, ClassMap("EF", True, (Match("dscp", dscp=frozenset({46})),))),
        PolicyClass("class-default", 13))))
    uidb = fp.uidb_create(1, "Virtual-Access1")
    fp.bind(uidb, Direction.OUT, policy=policy)
    batch = np.concatenate([
        P.packet(uidb=uidb, dir=1, proto=PROTO_UDP, length=60),    # V4
        v6(uidb=uidb, dir=1, proto=PROTO_UDP),                     # V6
        v6(uidb=uidb, dir=1, proto=PROTO_TCP, dscp=46),            # EF
        v6(uidb=uidb, dir=1, proto=PROTO_ICMPV6, sport=ND_NA),     # V6's implicit nd-na permit
        v6(uidb=uidb, dir=1, proto=PROTO_TCP),                     # class-default
    ])
    assert [int(x) for x in fp.process(batch)["cls"]] == [0, 1, 2, 1, 3]
    # classification counts nothing in the ACLs
    assert fp.acl_counters(permit6).hits == (0,) and fp.acl_counters(permit6).implicit_nd_na == 0


def test_bind_many_takes_acl6(fp):
    permit6 = fp.acl_create([Ace6(True)])
    uidb = fp.uidb_create(1, "Virtual-Access1")
    fp.bind_many(uidb, [Binding(Direction.IN, acl6=permit6), Binding(Direction.OUT, acl6=permit6)])
    assert fp.uidb_info(uidb).acl6 == (permit6, permit6)
    with pytest.raises(Exception, match="used by 2"):
        fp.acl_delete(permit6)
    fp.bind_many(uidb, [Binding(Direction.IN), Binding(Direction.OUT)])
    fp.acl_delete(permit6)


# ---- misuse ----------------------------------------------------------------------------------------
def test_an_acl_is_one_family(fp):
    with pytest.raises(TableError, match="not both"):
        fp.acl_create([Ace(True), Ace6(True)])
    with pytest.raises(TableError, match="IPv6 ACEs for an IPv4 ACL"):
        fp.acl_create([Ace6(True)], family=4)
    with pytest.raises(TableError, match="neither 4 nor 6"):
        fp.acl_create([], family=5)
    v4 = fp.acl_create([Ace(True)])
    v6_slot = fp.acl_create([], family=6)
    with pytest.raises(InvalidTable):
        fp.acl_replace(v4, [Ace6(True)])
    with pytest.raises(InvalidTable):
        fp.acl_replace(v6_slot, [Ace(True)])
    fp.acl_replace(v6_slot, [])          # an empty list keeps the slot's family
    fp.acl_replace(v6_slot, [Ace6(False)])
    uidb = fp.uidb_create(1, "Virtual-Access1")
    with pytest.raises(InvalidTable):
        fp.bind(uidb, Direction.IN, acl=v6_slot)
    with pytest.raises(InvalidTable):
        fp.bind(uidb, Direction.IN, acl6=v4)
    assert fp.uidb_info(uidb).acl6 == (None, None)


def test_c_refuses_malformed_ipv6_aces():
    from qfp_model.qfp._fastpath import ffi, lib
    fp = native_fastpath_class()()
    slot = ffi.new("uint32_t *")

    def create(**fields) -> int:
        ace = ffi.new("struct qfp_ace6[]", 1)
        ace[0].sport_hi = ace[0].dport_hi = 0xFFFF
        for name, value in fields.items():
            setattr(ace[0], name, value)
        return lib.qfp_acl_create6(fp._fp, ace, 1, ffi.NULL, slot)

    assert create() == lib.QFP_OK
    assert create(src_val=[0, 0, 0, 1]) == lib.QFP_EINVAL          # bits outside the prefix
    assert create(dst_val=[1, 0, 0, 0], dst_mask=[0, 0, 0, 0]) == lib.QFP_EINVAL
    assert create(flow_val=1) == lib.QFP_EINVAL
    assert create(flow_mask=0x1FFFFF) == lib.QFP_EINVAL           # wider than 20 bits
    assert create(ext=0x10) == lib.QFP_EINVAL
    assert create(dscp_mask=0x7F) == lib.QFP_EINVAL
    assert create(sport_lo=2, sport_hi=1, flags=lib.QFP_ACE_L4) == lib.QFP_EINVAL
    assert create(flags=lib.QFP_ACE_FRAGMENTS | lib.QFP_ACE_L4) == lib.QFP_EINVAL
    assert create(sport_lo=5) == lib.QFP_EINVAL                   # ports without the L4 flag
    ace = ffi.new("struct qfp_ace[]", 1)
    ace[0].sport_hi = ace[0].dport_hi = 0xFFFF
    assert lib.qfp_acl_replace(fp._fp, 0, ace, 1, ffi.NULL) == lib.QFP_EINVAL   # slot 0 is IPv6
    out = ffi.new("uint64_t[]", lib.QFP_ACL6_IMPLICIT_COUNT)
    assert lib.qfp_acl_implicit_counters(fp._fp, 99, out) == lib.QFP_ENOENT


def test_acl_stats_say_the_family():
    fp = native_fastpath_class()()
    assert fp.acl_stats(fp.acl_create([Ace6(True)])).family == 6
    assert fp.acl_stats(fp.acl_create([Ace(True)])).family == 4
    assert fp.acl_stats(fp.acl_create([])).family == 4


def test_auto_picks_an_ipv6_method_by_length():
    from qfp_model.qfp.fastpath import ACL6_TREE_MIN

    fp = native_fastpath_class()()
    hosts = [Ace6(i % 3 > 0, PROTO_TCP, dst=NET + (i << 20), dst_len=128, dport=PortMatch(PortOp.EQ, 80 + i % 7))
             for i in range(2_000)]
    for n, method in ((0, "scan"), (ACL6_TREE_MIN - 1, "scan"), (ACL6_TREE_MIN, "tree"), (300, "tree"),
                      (2_000, "tree")):
        st = fp.acl_stats(fp.acl_create(hosts[:n], family=6))
        assert (st.naces, st.method, st.family) == (n, method, 6)
        if method == "tree":
            assert st.cuts > 0 and 0 < st.leaf_max <= 8 and 0 < st.bytes <= 1 << 20


# ---- packets -------------------------------------------------------------------------------------
def test_addresses_go_in_and_come_back():
    batch = P.empty_batch(3)
    batch["family"] = [P.FAMILY_IPV6, P.FAMILY_IPV6, P.FAMILY_IPV4]
    P.set_address(batch, "src", [IPv6Address("2001:db8::1"), NET, IPv4Address("192.0.2.1")])
    P.set_address(batch, "dst", IPv6Address("fe80::1:2:3:4"))
    assert P.address(batch, "src") == [IPv6Address("2001:db8::1"), IPv6Address(NET), IPv4Address("192.0.2.1")]
    assert P.address(batch[0], "dst") == IPv6Address("fe80::1:2:3:4")
    assert int(batch["src"][0]) == 0x20010DB8 and list(batch["src_low"][0]) == [0, 0, 1]
    assert list(batch["src_low"][2]) == [0, 0, 0]
    one = P.packet(src=IPv6Address("2001:db8::7"), dst=IPv6Address("2001:db8::8"))
    assert int(one["family"][0]) == P.FAMILY_IPV6
    assert P.address(one[0], "dst") == IPv6Address("2001:db8::8")
    words = np.array([[0x20010DB8, 0, 0, 9], [0xFE800000, 0, 0, 1], [1, 2, 3, 4]], dtype=np.uint32)
    P.set_address(batch, "dst", words)
    assert P.address(batch[:2], "dst") == [IPv6Address("2001:db8::9"), IPv6Address("fe80::1")]
    with pytest.raises(TableError):
        P.set_address(batch, "dst", words[:2])
    with pytest.raises(TableError):
        P.set_address(batch, "ttl", 1)
    with pytest.raises(TableError):
        P.set_address(batch, "src", [1, 2])
    with pytest.raises(TableError):
        P.set_address(batch, "src", 1 << 128)


def test_batches_may_mix_families(fp):
    batch = _mixed(0)
    P.check_batch(batch)
    assert [int(r) for r in fp.process(batch)["reason"]] == [P.REASON_NO_UIDB] * 4
