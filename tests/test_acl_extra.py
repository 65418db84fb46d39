"""ACEs with conditions past the 5-tuple the lookups index (ttl, tos, TCP flags; docs/fastpath.md,
"ACE matching"): every lookup method, on every instruction set, against the reference, on ACLs
made so that the first candidates' extras fail and a later candidate (or none) must win."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from fastpaths import native_fastpath_class, simd_levels
from qfp_model.qfp import packets as P
from qfp_model.qfp.errors import TableError
from qfp_model.qfp.reference import ReferenceFastPath
from qfp_model.qfp.tables import (
    PROTO_TCP,
    PROTO_UDP,
    TCP_ACK,
    TCP_FIN,
    TCP_RST,
    TCP_SYN,
    Ace,
    Direction,
    PortMatch,
    PortOp,
    TcpFlags,
    TtlMatch,
)

WWW = PortMatch(PortOp.EQ, 80)


def _chain() -> list[Ace]:
    """Candidates for one 5-tuple (tcp any any eq 80) that differ only in their extras, then a
    catch-all for TCP; padded in front with ACEs no test packet matches, so that long forms of the
    ACL put the chain in a hybrid's tree as well as in its bit vectors."""
    return [
        Ace(False, PROTO_TCP, dport=WWW, ttl=TtlMatch(PortOp.LT, 2)),
        Ace(True, PROTO_TCP, dport=WWW, ttl=TtlMatch(PortOp.RANGE, 60, 70), tos=4),
        Ace(False, PROTO_TCP, dport=WWW, tcp_flags=TcpFlags(set=TCP_SYN, clear=TCP_ACK)),
        Ace(True, PROTO_TCP, dport=WWW, tcp_flags=TcpFlags(set=TCP_FIN | TCP_RST, any=True)),
        Ace(False, PROTO_TCP, dport=WWW, tcp_flags=TcpFlags(set=TCP_ACK, keywords=True),
            ttl=TtlMatch(PortOp.NEQ, 64)),
        Ace(True, PROTO_TCP, tos=0, precedence=5),
        Ace(False, None, ttl=TtlMatch(PortOp.GT, 250), fragments=True),
        Ace(True, PROTO_TCP),
    ]


def _filler(n: int) -> list[Ace]:
    return [Ace(True, PROTO_UDP, dst=0x0A000000 + i, dst_wildcard=0) for i in range(n)]


def _packets(n: int = 4000, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    batch = P.empty_batch(n)
    batch["family"] = 4
    batch["proto"] = rng.choice([PROTO_TCP, PROTO_TCP, PROTO_UDP], n)
    batch["dport"] = rng.choice([80, 80, 443], n)
    batch["src"] = rng.integers(0, 2**32, n, dtype=np.uint64)
    batch["dst"] = rng.integers(0, 2**32, n, dtype=np.uint64)
    batch["ttl"] = rng.choice([0, 1, 2, 60, 64, 65, 70, 71, 251, 255], n)
    batch["dscp"] = rng.choice([0, 1, 2, 40, 41, 46, 63], n)
    batch["ecn"] = rng.integers(0, 4, n)
    batch["tcp_flags"] = rng.integers(0, 64, n)
    batch["frag"] = rng.choice([P.FRAG_NONE, P.FRAG_INITIAL, P.FRAG_NONINITIAL], n, p=[0.6, 0.2, 0.2])
    batch["length"] = 100
    return batch


METHODS = (("scan", 0), ("tree", 0), ("bitvector", 0), ("hybrid", 8), ("auto", 0))


@pytest.mark.parametrize("pad", [0, 3, 40, 300])
def test_every_method_passes_over_candidates_whose_extras_fail(pad):
    acl = _filler(pad) + _chain()
    batch = _packets()
    ref = ReferenceFastPath(max_uidbs=4, max_acls=4, max_policies=4)
    slot = ref.acl_create(acl)
    expected = ref.acl_classify(slot, batch)
    uidb = ref.uidb_create(14, "Virtual-Access1")
    ref.bind(uidb, Direction.IN, acl=slot)
    ref.process(batch.copy())
    counters = ref.acl_counters(slot)
    # The chain decides many packets at each of its entries, the implicit deny some.
    decided = set(expected.tolist())
    assert {pad + k for k in range(8)} <= decided, decided
    for (method, head), simd in itertools.product(METHODS, simd_levels()):
        c = native_fastpath_class()(max_uidbs=4, max_acls=4, max_policies=4, acl_method=method,
                                    acl_bitvec_head=head, simd=simd)
        assert c.acl_create(acl) == slot
        assert c.acl_stats(slot).extra == sum(a.has_extra for a in acl) == 7
        got = c.acl_classify(slot, batch)
        bad = np.flatnonzero(expected != got)
        assert bad.size == 0, (f"{method}, {simd}: packet {bad[0]} "
                               f"{dict(zip(P.PACKET_DTYPE.names, batch[bad[0]].tolist()))}: "
                               f"reference ACE {expected[bad[0]]}, C {got[bad[0]]}")
        assert c.uidb_create(14, "Virtual-Access1") == uidb
        c.bind(uidb, Direction.IN, acl=slot)
        c.process(batch.copy())
        assert c.acl_counters(slot) == counters


def test_ttl_tos_and_flags_semantics():
    """The conditions one at a time, on hand-made packets (the reference's reading of IOS)."""
    def one(ace: Ace, **fields) -> bool:
        ref = ReferenceFastPath(max_uidbs=1, max_acls=1, max_policies=1)
        slot = ref.acl_create([ace])
        batch = P.empty_batch(1)
        batch["family"], batch["proto"] = 4, PROTO_TCP
        for name, value in fields.items():
            batch[name] = value
        return ref.acl_classify(slot, batch)[0] == 0

    assert one(Ace(True, None, ttl=TtlMatch(PortOp.GT, 5)), ttl=6)
    assert not one(Ace(True, None, ttl=TtlMatch(PortOp.GT, 5)), ttl=5)
    assert one(Ace(True, None, ttl=TtlMatch(PortOp.NEQ, 5)), ttl=4)
    assert one(Ace(True, None, ttl=TtlMatch(PortOp.RANGE, 5, 7)), ttl=7)
    # tos 8 (min-delay) is ToS byte 0x10: DSCP 4, ECN 0; ECN's high bit is ToS's lowest.
    assert one(Ace(True, None, tos=8), dscp=4)
    assert one(Ace(True, None, tos=8), dscp=4, ecn=1)
    assert not one(Ace(True, None, tos=8), dscp=4, ecn=2)
    assert one(Ace(True, None, tos=9), dscp=4, ecn=2)
    assert one(Ace(True, None, tos=0, precedence=5), dscp=40)
    syn_not_ack = TcpFlags(set=TCP_SYN, clear=TCP_ACK)
    assert one(Ace(True, PROTO_TCP, tcp_flags=syn_not_ack), tcp_flags=TCP_SYN | TCP_FIN)
    assert not one(Ace(True, PROTO_TCP, tcp_flags=syn_not_ack), tcp_flags=TCP_SYN | TCP_ACK)
    any_fin_rst = TcpFlags(set=TCP_FIN | TCP_RST, any=True)
    assert one(Ace(True, PROTO_TCP, tcp_flags=any_fin_rst), tcp_flags=TCP_RST)
    assert not one(Ace(True, PROTO_TCP, tcp_flags=any_fin_rst), tcp_flags=TCP_SYN)
    # match-any with a minus: one flag as asked is enough
    assert one(Ace(True, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN, clear=TCP_ACK, any=True)), tcp_flags=0)
    assert one(Ace(True, PROTO_TCP, tcp_flags=TcpFlags(set=TCP_ACK, keywords=True)), tcp_flags=TCP_ACK | TCP_SYN)
    # A non-initial fragment has no TCP header: a permit with flags matches, a deny does not.
    assert one(Ace(True, PROTO_TCP, tcp_flags=syn_not_ack), frag=P.FRAG_NONINITIAL, tcp_flags=TCP_ACK)
    assert not one(Ace(False, PROTO_TCP, tcp_flags=syn_not_ack), frag=P.FRAG_NONINITIAL)
    # TTL is L3: a non-initial fragment is held to it.
    assert not one(Ace(True, None, ttl=TtlMatch(PortOp.EQ, 1), fragments=True), frag=P.FRAG_NONINITIAL, ttl=2)


@pytest.mark.parametrize("fields, message", [
    (dict(proto=PROTO_UDP, tcp_flags=TcpFlags(set=TCP_SYN)), "need protocol tcp"),
    (dict(proto=PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN), established=True), "established or TCP flags"),
    (dict(proto=PROTO_TCP, tcp_flags=TcpFlags(set=TCP_SYN), fragments=True), "fragments"),
    (dict(tos=16), "tos"),
    (dict(tos=1, dscp=3), "dscp or tos"),
])
def test_tables_refuse(fields, message):
    with pytest.raises(TableError, match=message):
        Ace(True, **fields)


@pytest.mark.parametrize("kwargs", [
    dict(op=PortOp.LT, ttl=0), dict(op=PortOp.GT, ttl=255), dict(op=PortOp.RANGE, ttl=9, ttl_hi=8),
    dict(op=PortOp.EQ, ttl=256),
])
def test_ttl_refused(kwargs):
    with pytest.raises(TableError):
        TtlMatch(**kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(set=TCP_SYN, clear=TCP_SYN), dict(set=TCP_SYN, clear=TCP_ACK, keywords=True), dict(set=64),
])
def test_tcp_flags_refused(kwargs):
    with pytest.raises(TableError):
        TcpFlags(**kwargs)


def test_c_refuses_malformed_extras():
    """ace_check: extras without the flag, or malformed with it (struct qfp_ace straight from C)."""
    from qfp_model.qfp.fastpath import FastPath, ffi, lib
    fp = FastPath(max_uidbs=1, max_acls=32, max_policies=1)

    def create(**fields) -> int:
        ace = ffi.new("struct qfp_ace[]", 1)
        ace[0].sport_hi = ace[0].dport_hi = 0xFFFF
        for name, value in fields.items():
            setattr(ace[0], name, value)
        slot = ffi.new("uint32_t *")
        return lib.qfp_acl_create(fp._fp, ace, 1, ffi.NULL, slot)

    extra = lib.QFP_ACE_EXTRA
    tcp = dict(proto_val=PROTO_TCP, proto_mask=0xFF, flags=extra | lib.QFP_ACE_L4)
    assert create(flags=extra, ttl_hi=255) == lib.QFP_OK
    assert create(**tcp, ttl_hi=255, tcp_mask=TCP_SYN, tcp_val=TCP_SYN) == lib.QFP_OK
    for bad in (dict(ttl_hi=5), dict(tos_mask=0xF), dict(tcp_mask=TCP_SYN), dict(xflags=1), dict(pad=[1] + [0] * 11),
                dict(flags=extra, ttl_lo=6, ttl_hi=5), dict(flags=extra, ttl_hi=255, tos_mask=0x1F),
                dict(flags=extra, ttl_hi=255, tos_mask=0x3, tos_val=0x4),
                dict(flags=extra, ttl_hi=255, tcp_mask=TCP_SYN, tcp_val=TCP_SYN),
                dict(**tcp, ttl_hi=255, tcp_mask=0x40), dict(**tcp, ttl_hi=255, tcp_mask=1, tcp_val=2),
                dict(**tcp, ttl_hi=255, xflags=lib.QFP_ACE_X_TCP_ANY), dict(flags=extra, ttl_hi=255, xflags=4)):
        assert create(**bad) == lib.QFP_EINVAL, bad


def test_classification_by_acls_with_extras():
    """Access-group terms through the policy's term bits (one bit vector over the ACLs its terms
    name), whose candidates with failing extras must leave the word before a term reads it."""
    from qfp_model.qfp.tables import ClassMap, Match, Policy, PolicyClass
    chain = _chain()
    flipped = [Ace(not a.permit, a.proto, dport=a.dport, ttl=a.ttl, tos=a.tos, tcp_flags=a.tcp_flags,
                   precedence=a.precedence, fragments=a.fragments) for a in chain]
    batch = _packets(seed=11)
    verdicts = {}
    for name, fp in [("reference", ReferenceFastPath(max_uidbs=4, max_acls=4, max_policies=4))] + [
            (simd, native_fastpath_class()(max_uidbs=4, max_acls=4, max_policies=4, simd=simd))
            for simd in simd_levels()]:
        a, b = fp.acl_create(chain), fp.acl_create(flipped)
        cm1 = ClassMap("by-chain", False, (Match("access-group", acl=a),))
        cm2 = ClassMap("both", True, (Match("access-group", acl=b), Match("access-group", acl=a, negate=True)))
        pol = fp.policy_create(Policy("p", 1, (PolicyClass("c1", 2, cm1), PolicyClass("c2", 3, cm2),
                                               PolicyClass("class-default", 1))))
        uidb = fp.uidb_create(14, "Virtual-Access1")
        fp.bind(uidb, Direction.IN, policy=pol)
        verdicts[name] = fp.process(batch.copy())["cls"]
    expected = verdicts.pop("reference")
    assert set(expected.tolist()) == {0, 1, 2}
    for simd, got in verdicts.items():
        bad = np.flatnonzero(expected != got)
        assert bad.size == 0, f"{simd}: packet {bad[0]}: class {expected[bad[0]]} in the reference, {got[bad[0]]} in C"
