"""The fast path's semantics in plain Python: the oracle the C fast path is held to.

Everything here follows docs/fastpath.md as literally as possible and works from the table values
themselves (an Ace's wildcards and PortMatch operators, a ClassMap's Match tree, a Policer's rates),
never from the compiled masks and ranges the C side gets, so that a differential test also checks
that compilation. Speed does not matter; being obviously right does.

Where the fast path exposes a layout (class-map indexes, PSQD words, handles, policer ids), this
module produces the same numbers the C side does, by the rules written down in docs/fastpath.md.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import packets as P
from .api import MAX_ACLS, MAX_POLICIES, MAX_UIDBS, FastPathAPI, check_table_sizes
from .errors import InUse, InvalidTable, NotFound, TableError, TableFull
from .policer import encode as encode_policer
from .policer import programmed
from .readback import (
    QROLE_INNER,
    QROLE_NONE,
    SET_DSCP,
    SET_NONE,
    SET_PREC,
    AclCounters,
    ClassInfo,
    ClassState,
    PolicyInfo,
    UidbCounters,
    UidbInfo,
)
from .reference_ace_rest import rest_matches
from .reference_acl6 import IMPLICIT_ND_NA, IMPLICIT_ND_NS, lookup6
from .reference_queue import UNITS_PER_BYTE, Node, Scheduler, has_queueing, level_roles
from .reference_trace import RecordDraft, ReferenceTrace
from .tables import (
    POLICY_DEPTH_MAX,
    TERMS_MAX,
    Ace,
    Ace6,
    Binding,
    ClassMap,
    Direction,
    Match,
    PoliceAction,
    PoliceMode,
    Policer,
    Policy,
    PolicyClass,
    acl_family,
    check_name,
)
from .trace import TraceRecord, TraceStats, plain_row

# UNITS_PER_BYTE, imported above, is QFP_UNITS_PER_BYTE (tests/test_c_contract.py checks it): a rate
# of R bit/s adds R units per ns.
COUNTER_MAX = (1 << 64) - 1
ISQD_BASE = 0x88000000           # a made-up but stable "address" for isqd[0]
ISQD_STRIDE = 0x40
POLICER_ID_BASE = 0x20000000


# ---- packets -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Packet:
    """One row of a PACKET_DTYPE batch, as plain Python ints."""
    ts_ns: int
    uidb: int
    src: int
    dst: int
    sport: int
    dport: int
    length: int
    dir: int
    proto: int
    dscp: int
    tcp_flags: int
    frag: int
    family: int
    src_low: Sequence[int] = (0, 0, 0)   # IPv6: the source's words 1-3 (a row's tolist(): a list)
    dst_low: Sequence[int] = (0, 0, 0)
    flow_label: int = 0
    ttl: int = 0
    ecn: int = 0
    ext: int = 0
    trace: int = 0


assert tuple(Packet.__dataclass_fields__) == P.PACKET_DTYPE.names
# Where a verdict tuple (a VERDICT_DTYPE row) holds its action and reason.
_VERDICT_ACTION = P.VERDICT_DTYPE.names.index("action")
_VERDICT_REASON = P.VERDICT_DTYPE.names.index("reason")


# ---- ACLs ----------------------------------------------------------------------------------------

def _address_matches(addr: int, value: int, wildcard: int) -> bool:
    # Wildcard 1 bits are "don't care"; any pattern of them works, contiguous or not.
    return (addr ^ value) & ~wildcard & 0xFFFFFFFF == 0


def _l3_matches(ace: Ace, pkt: Packet) -> bool:
    if ace.proto is not None and pkt.proto != ace.proto:
        return False
    if not _address_matches(pkt.src, ace.src, ace.src_wildcard):
        return False
    if not _address_matches(pkt.dst, ace.dst, ace.dst_wildcard):
        return False
    if ace.dscp is not None and pkt.dscp != ace.dscp:
        return False
    if ace.precedence is not None and pkt.dscp >> 3 != ace.precedence:
        return False
    if ace.ttl is not None and not ace.ttl.matches(pkt.ttl):
        return False
    # IOS's ToS: the four bits of the ToS byte under precedence, bit 0 (ECN's low bit) left out.
    if ace.tos is not None and (pkt.dscp << 2 | pkt.ecn) >> 1 & 0xF != ace.tos:
        return False
    return True


def ace_matches(ace: Ace, pkt: Packet) -> bool:
    """docs/fastpath.md, "ACE matching", IOS's rules for fragments included."""
    if not _l3_matches(ace, pkt):
        return False
    if not rest_matches(ace, pkt):
        return False
    # TCP flags are L4: rest_matches has decided a non-initial fragment by has_l4 already.
    return ace.tcp_flags is None or pkt.frag == P.FRAG_NONINITIAL or ace.tcp_flags.matches(pkt.tcp_flags)


def first_match(aces: Sequence[Ace], pkt: Packet) -> int | None:
    for index, ace in enumerate(aces):
        if ace_matches(ace, pkt):
            return index
    return None


def _address(pkt: Packet, which: str) -> int:
    """An IPv6 packet's 128-bit address: word 0 in src/dst, words 1-3 in src_low/dst_low."""
    word0, low = (pkt.src, pkt.src_low) if which == "src" else (pkt.dst, pkt.dst_low)
    w1, w2, w3 = (int(w) for w in low)   # a batch row's tolist() may leave them numpy integers
    return word0 << 96 | w1 << 64 | w2 << 32 | w3


@dataclass
class _Acl:
    aces: tuple[Ace, ...] | tuple[Ace6, ...]
    hits: list[int]
    family: int = P.FAMILY_IPV4
    implicit_deny: int = 0
    implicit_nd_na: int = 0      # an IPv6 ACL's implicit ND permits (docs/fastpath.md, "IPv6")
    implicit_nd_ns: int = 0

    def lookup(self, pkt: Packet) -> int:
        """The entry that decides the packet: an ACE's index, or past the end the implicit entry's
        (len: the deny; IPv6: len + 1 nd-na, len + 2 nd-ns). A packet of the other family: len."""
        if pkt.family != self.family:
            return len(self.aces)
        if self.family == P.FAMILY_IPV6:
            return lookup6(self.aces, pkt, _address(pkt, "src"), _address(pkt, "dst"))
        hit = first_match(self.aces, pkt)
        return len(self.aces) if hit is None else hit

    def permits(self, hit: int) -> bool:
        return self.aces[hit].permit if hit < len(self.aces) else hit > len(self.aces)

    def count(self, hit: int) -> None:
        n = len(self.aces)
        if hit < n:
            self.hits[hit] += 1
        elif hit == n:
            self.implicit_deny += 1
        elif hit == n + IMPLICIT_ND_NA:
            self.implicit_nd_na += 1
        else:
            self.implicit_nd_ns += 1


# ---- policies ------------------------------------------------------------------------------------

def nested_class_maps(cmap: ClassMap):
    """The class-maps `cmap` names through `match class-map`, depth-first, in term order."""
    for m in cmap.matches:
        if m.class_map is not None:
            yield m.class_map
            yield from nested_class_maps(m.class_map)


def class_map_order(policy: Policy) -> list[ClassMap]:
    """The policy's compiled class-map list (docs/fastpath.md, "Class-map order"): each class's
    class-map in class order, each followed depth-first by those it nests; a class-map equal to one
    already listed is not listed again."""
    order: list[ClassMap] = []
    for cls in policy.classes:
        if cls.class_map is None:
            continue
        for cmap in (cls.class_map, *nested_class_maps(cls.class_map)):
            if cmap not in order:
                order.append(cmap)
    return order


@dataclass
class _Policy:
    table: Policy
    cmaps: list[ClassMap]             # compiled order: ClassInfo.cmap indexes this
    first_term: list[int]             # per class-map: where its terms start in the term table
    nterms: int
    depth: int
    nstates: int
    acl_refs: list[int]               # one per access-group term (a slot may appear twice)
    child_refs: list[int]             # one per class that has a child
    roles: list[int] | None           # per class, its part in a scheduler; None: the level does not queue
    refs: int = 0

    def cmap_index(self, cls: PolicyClass) -> int | None:
        return None if cls.class_map is None else self.cmaps.index(cls.class_map)


def _set_word(cls: PolicyClass) -> tuple[int, int]:
    if cls.set_dscp is not None:
        return SET_DSCP, cls.set_dscp
    if cls.set_precedence is not None:
        return SET_PREC, cls.set_precedence
    return SET_NONE, 0


def _policer_words(police: Policer | None) -> tuple[tuple[int, int, int, int], int]:
    if police is None:
        return (0, 0, 0, 0), 0
    words = encode_policer(police)
    return words.hw, words.police_info


# ---- policers ------------------------------------------------------------------------------------

@dataclass
class Bucket:
    """A token bucket in token units (1 byte = 8e9 units)."""
    size: int
    level: int

    def add(self, units: int) -> int:
        """Pour `units` in; returns what overflowed."""
        room = self.size - self.level
        taken = min(units, room)
        self.level += taken
        return units - taken

    def take(self, units: int) -> bool:
        if self.level < units:
            return False
        self.level -= units
        return True


@dataclass
class PolicerState:
    """One policer instance: the rates it runs at and its buckets, full at bind time."""
    policer: Policer                  # as programmed, rates rounded the way hardware rounds them
    c: Bucket = field(init=False)
    e: Bucket | None = field(init=False)   # E (1R3C) or P (2R3C); None for 1R2C
    last: int = 0

    def __post_init__(self) -> None:
        p = self.policer
        self.c = Bucket(p.bc * UNITS_PER_BYTE, p.bc * UNITS_PER_BYTE)
        self.e = None
        if p.mode is not PoliceMode.ONE_RATE_TWO_COLOUR:
            self.e = Bucket(p.be * UNITS_PER_BYTE, p.be * UNITS_PER_BYTE)

    def colour(self, ts: int, length: int) -> int:
        """Refill up to `ts`, then colour a packet of `length` bytes (docs/fastpath.md, Policers)."""
        p = self.policer
        dt = 0
        if ts > self.last:
            dt = ts - self.last
            self.last = ts
        cost = length * UNITS_PER_BYTE

        if p.mode is PoliceMode.ONE_RATE_TWO_COLOUR:
            self.c.add(dt * p.cir)
            return P.CONFORM if self.c.take(cost) else P.EXCEED

        if p.mode is PoliceMode.ONE_RATE_THREE_COLOUR:
            # srTCM: one stream of tokens at CIR; C fills first and E gets what C spills.
            self.e.add(self.c.add(dt * p.cir))
            if self.c.take(cost):
                return P.CONFORM
            if self.e.take(cost):
                return P.EXCEED
            return P.VIOLATE

        # trTCM: two independent streams; a packet must fit P to pass at all, and C to conform.
        self.c.add(dt * p.cir)
        self.e.add(dt * p.pir)
        if self.e.level < cost:
            return P.VIOLATE
        if self.c.level < cost:
            self.e.take(cost)
            return P.EXCEED
        self.e.take(cost)
        self.c.take(cost)
        return P.CONFORM

    def action(self, colour: int) -> PoliceAction:
        return (self.policer.conform, self.policer.exceed, self.policer.violate)[colour]


# ---- policy instances (per target) ---------------------------------------------------------------

@dataclass
class _ClassState:
    policy_handle: int
    policy: _Policy
    cls: PolicyClass
    class_index: int
    level: int
    parent_state: int | None
    serial: int                       # for the fake isqd[0] address
    policer: PolicerState | None
    policer_id: int
    children: list[_ClassState] = field(default_factory=list)   # the child policy's classes
    node: Node | None = None          # its queue or inner node in the target's scheduler
    queue_class: _ClassState | None = None   # whose queue its packets join: its own, or class-default's
    pkts: int = 0
    bytes: int = 0
    drop_pkts: int = 0
    drop_bytes: int = 0
    colour_pkts: list[int] = field(default_factory=lambda: [0] * P.COLOUR_COUNT)
    colour_bytes: list[int] = field(default_factory=lambda: [0] * P.COLOUR_COUNT)

    def clear_counters(self) -> None:
        self.pkts = self.bytes = self.drop_pkts = self.drop_bytes = 0
        self.colour_pkts = [0] * P.COLOUR_COUNT
        self.colour_bytes = [0] * P.COLOUR_COUNT


@dataclass
class _Target:
    acl: int | None = None
    policy: int | None = None
    acl6: int | None = None
    states: list[_ClassState] = field(default_factory=list)   # depth-first
    top: list[_ClassState] = field(default_factory=list)      # level-0 classes, in class order
    scheduler: Scheduler | None = None                         # when the policy queues


@dataclass
class _Accounting:
    """One direction of a UIDB's accounting counters (docs/fastpath.md, "UIDB accounting counters")."""
    packets: int = 0
    bytes: int = 0
    forwarded_packets: int = 0
    forwarded_bytes: int = 0


@dataclass
class _Uidb:
    ifh: int
    ifname: str
    targets: list[_Target] = field(default_factory=lambda: [_Target(), _Target()])
    # The UIDB's, not its targets': a bind replaces the targets and keeps these.
    accounting: list[_Accounting] = field(default_factory=lambda: [_Accounting(), _Accounting()])


@dataclass
class _Walk:
    """What one packet has collected on its way down the hierarchy."""
    dscp: int
    colour: int = P.COLOUR_NONE
    cls: list[int] = field(default_factory=lambda: [P.CLASS_NONE, P.CLASS_NONE])
    states: list[_ClassState] = field(default_factory=list)  # the class it took at each level
    trace: RecordDraft | None = None  # a traced packet's record (qfp.reference_trace)


def _more_severe(a: int, b: int) -> int:
    if a == P.COLOUR_NONE:
        return b
    return max(a, b)


def _lowest_free(used) -> int:
    n = 0
    while n in used:
        n += 1
    return n


class ReferenceFastPath(FastPathAPI):
    """The fast path, slowly and obviously. Same handles, verdicts, counters and read-back as the C
    fast path (qfp.fastpath.FastPath) for the same calls."""

    def __init__(self, max_uidbs: int = MAX_UIDBS, max_acls: int = MAX_ACLS,
                 max_policies: int = MAX_POLICIES) -> None:
        check_table_sizes(max_uidbs=max_uidbs, max_acls=max_acls, max_policies=max_policies)
        self._max = {"uidb": max_uidbs, "acl": max_acls, "policy": max_policies}
        self._acls: dict[int, _Acl] = {}
        self._acl_refs: dict[int, int] = {}
        self._policies: dict[int, _Policy] = {}
        self._uidbs: dict[int, _Uidb] = {}
        self._policers_created = 0
        self._states_created = 0
        self._trace = ReferenceTrace()

    # ---- lookups that raise ----
    def _acl(self, slot) -> _Acl:
        if _handle(slot) not in self._acls:
            raise NotFound(f"no ACL in slot {slot}")
        return self._acls[slot]

    def _policy(self, handle) -> _Policy:
        if _handle(handle) not in self._policies:
            raise NotFound(f"no policy with handle {handle}")
        return self._policies[handle]

    def _uidb(self, uidb) -> _Uidb:
        if _handle(uidb) not in self._uidbs:
            raise NotFound(f"UIDB {uidb} is not in use")
        return self._uidbs[uidb]

    def _target(self, uidb, direction) -> _Target:
        u = self._uidb(uidb)
        return u.targets[_direction(direction)]

    def _allocate(self, kind: str, used) -> int:
        n = _lowest_free(used)
        if n >= self._max[kind]:
            raise TableFull(f"all {self._max[kind]} {kind} handles are in use")
        return n

    # ---- ACLs ----
    def acl_create(self, aces: Sequence[Ace] | Sequence[Ace6], hits: Sequence[int] | None = None,
                   family: int | None = None) -> int:
        acl = _new_acl(aces, hits, family)
        slot = self._allocate("acl", self._acls)
        self._acls[slot] = acl
        self._acl_refs[slot] = 0
        return slot

    def acl_replace(self, slot: int, aces: Sequence[Ace] | Sequence[Ace6], hits: Sequence[int] | None = None,
                    family: int | None = None) -> None:
        aces = tuple(aces)
        if not aces and family is None:
            family = self._acl(slot).family   # an empty list keeps the slot's family
        acl = _new_acl(aces, hits, family)
        old = self._acl(slot)
        if acl.family != old.family:
            raise InvalidTable(f"ACL slot {slot} holds an IPv{old.family} ACL: it cannot take "
                               f"IPv{acl.family} ACEs")
        # New ACEs, new counters: `hits` carries the per-ACE ones over, the implicit ones restart.
        self._acls[slot] = acl

    def acl_delete(self, slot: int) -> None:
        self._acl(slot)
        if self._acl_refs[slot]:
            raise InUse(f"ACL slot {slot} is used by {self._acl_refs[slot]} targets and policies")
        del self._acls[slot]
        del self._acl_refs[slot]

    def acl_counters(self, slot: int) -> AclCounters:
        acl = self._acl(slot)
        return AclCounters(tuple(acl.hits), acl.implicit_deny, acl.implicit_nd_na, acl.implicit_nd_ns)

    def acl_clear_counters(self, slot: int) -> None:
        acl = self._acl(slot)
        acl.hits = [0] * len(acl.aces)
        acl.implicit_deny = acl.implicit_nd_na = acl.implicit_nd_ns = 0

    def acl_classify(self, slot: int, batch: np.ndarray) -> np.ndarray:
        acl = self._acl(slot)
        P.check_batch(batch)
        return np.fromiter((acl.lookup(Packet(*row)) for row in batch.tolist()), np.uint32, batch.size)

    # ---- policies ----
    def policy_create(self, policy: Policy) -> int:
        if not isinstance(policy, Policy):
            raise TableError("policy_create takes a qfp.tables.Policy")
        cmaps = class_map_order(policy)
        first_term, nterms = [], 0
        for cmap in cmaps:
            first_term.append(nterms)
            nterms += len(cmap.matches)
        if nterms > TERMS_MAX or len(cmaps) > TERMS_MAX:
            raise InvalidTable(f"policy {policy.name}: more than {TERMS_MAX} terms or class-maps")
        acl_refs = [slot for cmap in cmaps for slot in _acl_slots_direct(cmap)]
        for slot in acl_refs:
            if slot not in self._acls:
                raise NotFound(f"policy {policy.name}: no ACL in slot {slot}")
        child_refs = []
        depth, nstates = 1, 0
        for cls in policy.classes:
            nstates += 1
            if cls.child is not None:
                if cls.child not in self._policies:
                    raise NotFound(f"class {cls.name}: no child policy with handle {cls.child}")
                child = self._policies[cls.child]
                child_refs.append(cls.child)
                depth = max(depth, child.depth + 1)
                nstates += child.nstates
        handle = self._allocate("policy", self._policies)   # a full table is reported first, as C does
        if depth > POLICY_DEPTH_MAX:
            raise InvalidTable(f"policy {policy.name}: hierarchy deeper than {POLICY_DEPTH_MAX} levels")
        roles = level_roles(policy.classes, [cls.child is not None and self._policies[cls.child].roles
                                             is not None for cls in policy.classes])
        self._policies[handle] = _Policy(policy, cmaps, first_term, nterms, depth, nstates,
                                         acl_refs, child_refs, roles)
        for slot in acl_refs:
            self._acl_refs[slot] += 1
        for child in child_refs:
            self._policies[child].refs += 1
        return handle

    def policy_delete(self, handle: int) -> None:
        pol = self._policy(handle)
        if pol.refs:
            raise InUse(f"policy {pol.table.name} is used by {pol.refs} targets and parent policies")
        for slot in pol.acl_refs:
            self._acl_refs[slot] -= 1
        for child in pol.child_refs:
            self._policies[child].refs -= 1
        del self._policies[handle]

    def policy_info(self, handle: int) -> PolicyInfo:
        pol = self._policy(handle)
        return PolicyInfo(pol.table.name, pol.table.policy_id, len(pol.table.classes), pol.depth,
                          pol.nstates, pol.refs)

    def policy_classes(self, handle: int) -> tuple[ClassInfo, ...]:
        pol = self._policy(handle)
        infos = []
        for cls in pol.table.classes:
            set_kind, set_value = _set_word(cls)
            hw, info = _policer_words(cls.police)
            infos.append(ClassInfo(cls.name, cls.object_id, pol.cmap_index(cls), set_kind,
                                   set_value, hw, info, cls.child,
                                   cls.queue if has_queueing(cls) else None))
        return tuple(infos)

    # ---- UIDBs ----
    def uidb_create(self, ifh: int, ifname: str) -> int:
        if not isinstance(ifh, int) or not 0 <= ifh <= 0xFFFFFFFF:
            raise TableError(f"interface handle {ifh!r} is outside 0..0xffffffff")
        check_name("interface name", ifname)
        uidb = self._allocate("uidb", self._uidbs)
        self._uidbs[uidb] = _Uidb(ifh, ifname)
        return uidb

    def uidb_delete(self, uidb: int) -> None:
        u = self._uidb(uidb)
        for target in u.targets:
            self._release(target)
        del self._uidbs[uidb]

    def bind(self, uidb: int, direction: Direction, acl: int | None = None,
             policy: int | None = None, acl6: int | None = None) -> None:
        self.bind_many(uidb, [Binding(_direction(direction), acl, policy, acl6=acl6)])

    def bind_many(self, uidb: int, bindings: Sequence[Binding]) -> None:
        """Each binding is checked and instantiated in turn (policer ids count up as they are
        made); any failure undoes the targets already made, and only success swaps them in."""
        bindings = list(bindings)
        for b in bindings:
            if not isinstance(b, Binding):
                raise TableError(f"bind_many takes Binding values, not {type(b).__name__}")
            _direction(b.direction)
        u = self._uidb(uidb)
        if len(bindings) > 2:
            raise InvalidTable(f"{len(bindings)} bindings for 2 directions")
        fresh: dict[int, _Target] = {}
        try:
            for b in bindings:
                d = _direction(b.direction)
                if d in fresh:
                    raise InvalidTable(f"two bindings for direction {d}")
                fresh[d] = self._new_target(b)
        except Exception:
            for target in fresh.values():
                self._release(target)
            raise
        for d, target in fresh.items():
            self._release(u.targets[d])
            u.targets[d] = target

    def _new_target(self, b: Binding) -> _Target:
        """A target for one binding, with its references taken (C's target_new, check for check)."""
        policy = None if b.policy is None else _handle(b.policy)
        acl = None if b.acl is None else _handle(b.acl)
        acl6 = None if b.acl6 is None else _handle(b.acl6)
        if policy is not None:
            self._policy(policy)
        nstates = 0 if policy is None else self._policies[policy].nstates
        if b.counters is not None and len(b.counters) and len(b.counters) != nstates:
            raise InvalidTable(f"{len(b.counters)} starting counters for {nstates} class states")
        if policy is not None and self._policies[policy].roles is not None and b.direction == Direction.IN:
            raise InvalidTable(f"policy {self._policies[policy].table.name} queues: output only, as "
                               f"IOS refuses it in an input policy")
        # Each slot must hold an ACL of its family (a missing one is NotFound, after these checks).
        for what, slot, family in (("acl", acl, P.FAMILY_IPV4), ("acl6", acl6, P.FAMILY_IPV6)):
            if slot in self._acls and self._acls[slot].family != family:
                raise InvalidTable(f"{what}: ACL slot {slot} holds an IPv{self._acls[slot].family} ACL, "
                                   f"not IPv{family}")
        for slot in (acl, acl6):
            if slot is not None:
                self._acl(slot)
        for slot in (acl, acl6):
            if slot is not None:
                self._acl_refs[slot] += 1
        target = _Target(acl=acl, policy=policy, acl6=acl6)
        if policy is not None:
            self._policies[policy].refs += 1
            target.top = self._instantiate(policy, 0, None, target.states)
            for state, start in zip(target.states, b.counters or ()):
                state.pkts, state.bytes = start.pkts, start.bytes
                state.drop_pkts, state.drop_bytes = start.drop_pkts, start.drop_bytes
                state.colour_pkts, state.colour_bytes = list(start.colour_pkts), list(start.colour_bytes)
            if self._policies[policy].roles is not None:
                root = Node.root()
                _add_nodes(root, target.top)
                target.scheduler = Scheduler(root)
        return target

    def _instantiate(self, handle: int, level: int, parent: int | None,
                     states: list[_ClassState]) -> list[_ClassState]:
        """Fresh states for one policy level, appended depth-first: a class, then its child's."""
        pol = self._policies[handle]
        level_states = []
        for index, cls in enumerate(pol.table.classes):
            policer, policer_id = None, 0
            if cls.police is not None:
                self._policers_created += 1
                policer = PolicerState(programmed(cls.police))
                policer_id = POLICER_ID_BASE | (self._policers_created & 0x0FFFFFFF)
            state = _ClassState(handle, pol, cls, index, level, parent, self._states_created,
                                policer, policer_id)
            self._states_created += 1
            states.append(state)
            level_states.append(state)
            if cls.child is not None:
                state.children = self._instantiate(cls.child, level + 1, len(states) - 1, states)
        return level_states

    def _release(self, target: _Target) -> None:
        for slot in (target.acl, target.acl6):
            if slot is not None:
                self._acl_refs[slot] -= 1
        if target.policy is not None:
            self._policies[target.policy].refs -= 1

    def uidb_info(self, uidb: int) -> UidbInfo:
        u = self._uidb(uidb)
        return UidbInfo(u.ifname, u.ifh, tuple(t.acl for t in u.targets),
                        tuple(t.policy for t in u.targets), tuple(t.acl6 for t in u.targets))

    def uidbs(self) -> list[int]:
        return sorted(self._uidbs)

    def target_read(self, uidb: int, direction: Direction) -> list[ClassState]:
        d = _direction(direction)
        target = self._target(uidb, d)
        now = target.scheduler.now if target.scheduler is not None else 0
        return [self._read_state(s, d, now) for s in target.states]

    def _read_state(self, s: _ClassState, direction: int, now: int) -> ClassState:
        pol, cls = s.policy, s.cls
        cmap = pol.cmap_index(cls)
        psqd0 = 0 if cmap is None else pol.first_term[cmap] << 16 | len(cls.class_map.matches)
        set_kind, set_value = _set_word(cls)
        features = (cls.police is not None) | (set_kind != SET_NONE) << 1 | (cls.child is not None) << 2
        child_id = self._policies[cls.child].table.policy_id if cls.child is not None else 0
        psqd = (psqd0, set_kind << 8 | set_value, features, child_id)
        address = (ISQD_BASE + ISQD_STRIDE * s.serial) & 0xFFFFFFFF
        isqd = (address, int(direction == Direction.IN), s.level, 0)
        hw, info = _policer_words(cls.police)
        tokens_c = tokens_e = 0
        if s.policer is not None:
            tokens_c = s.policer.c.level
            tokens_e = s.policer.e.level if s.policer.e is not None else 0
        return ClassState(
            policy=s.policy_handle, level=s.level, class_index=s.class_index,
            parent_state=s.parent_state, psqd=psqd, isqd=isqd, hw_policer=hw, police_info=info,
            policer_id=s.policer_id, pkts=s.pkts, bytes=s.bytes, drop_pkts=s.drop_pkts,
            drop_bytes=s.drop_bytes, colour_pkts=tuple(s.colour_pkts),
            colour_bytes=tuple(s.colour_bytes), tokens_c=tokens_c, tokens_e=tokens_e,
            queue=s.node.stats(now) if s.node is not None else None)

    def target_clear_counters(self, uidb: int, direction: Direction) -> None:
        target = self._target(uidb, direction)
        for state in target.states:
            state.clear_counters()
        if target.scheduler is not None:
            target.scheduler.root.clear_counters()

    def target_advance(self, uidb: int, direction: Direction, until_ns: int) -> None:
        if isinstance(until_ns, bool) or not isinstance(until_ns, (int, np.integer)) \
                or not 0 <= until_ns <= COUNTER_MAX:
            raise TableError(f"time {until_ns!r} is outside 0..2^64-1 ns")
        target = self._target(uidb, direction)
        if target.scheduler is not None:
            target.scheduler.advance(int(until_ns))

    def target_clock(self, uidb: int, direction: Direction) -> int:
        target = self._target(uidb, direction)
        return target.scheduler.now if target.scheduler is not None else 0

    def uidb_counters(self, uidb: int) -> UidbCounters:
        acct = self._uidb(uidb).accounting
        return UidbCounters(packets=tuple(a.packets for a in acct), bytes=tuple(a.bytes for a in acct),
                            forwarded_packets=tuple(a.forwarded_packets for a in acct),
                            forwarded_bytes=tuple(a.forwarded_bytes for a in acct))

    # ---- the packet trace (qfp.reference_trace) ----
    def trace_config(self, capacity, circular: bool = False) -> None:
        self._trace.config(capacity, circular)

    def trace_read(self) -> list[TraceRecord]:
        return self._trace.read()

    def trace_stats(self) -> TraceStats:
        return self._trace.stats()

    def trace_clear(self) -> None:
        self._trace.clear()

    # ---- packets ----
    def process(self, batch: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        P.check_batch(batch)
        if out is None:
            out = np.zeros(batch.shape, dtype=P.VERDICT_DTYPE)
        elif (not isinstance(out, np.ndarray) or out.dtype != P.VERDICT_DTYPE
              or out.shape != batch.shape):
            raise TableError("out must be a VERDICT_DTYPE array as long as the batch")
        for i, row in enumerate(batch.tolist()):
            pkt = Packet(*row)
            if pkt.trace:
                draft = self._trace.begin(plain_row(row))
                out[i] = verdict = self._process_one(pkt, draft)
                self._trace.end(draft, verdict)
            else:
                out[i] = verdict = self._process_one(pkt)
            self._account(pkt, verdict)
        return out

    def _account(self, pkt: Packet, verdict: tuple) -> None:
        """docs/fastpath.md, "UIDB accounting counters": a packet whose UIDB was found counts as
        seen, before the ACL, and as forwarded if its verdict forwards it."""
        action, reason = verdict[_VERDICT_ACTION], verdict[_VERDICT_REASON]
        if reason == P.REASON_NO_UIDB:
            return
        acct = self._uidbs[pkt.uidb].accounting[pkt.dir]
        acct.packets += 1
        acct.bytes += pkt.length
        if action == P.FORWARD:
            acct.forwarded_packets += 1
            acct.forwarded_bytes += pkt.length

    def _process_one(self, pkt: Packet, trace: RecordDraft | None = None) -> tuple:
        ace, cls, child_cls = P.ACE_NONE, P.CLASS_NONE, P.CLASS_NONE
        colour, dscp = P.COLOUR_NONE, pkt.dscp

        def verdict(action, reason):
            return (ace, cls, child_cls, action, colour, dscp, reason)

        uidb = self._uidbs.get(pkt.uidb)
        if uidb is None:
            return verdict(P.DROP, P.REASON_NO_UIDB)
        target = uidb.targets[pkt.dir]

        # The ACL of the packet's family (docs/fastpath.md, "IPv6"); none of it: no filter.
        slot = target.acl6 if pkt.family == P.FAMILY_IPV6 else target.acl
        if slot is not None:
            acl = self._acls[slot]
            hit = acl.lookup(pkt)
            acl.count(hit)
            n = len(acl.aces)
            ace = hit if hit < n else {n: P.ACE_IMPLICIT, n + IMPLICIT_ND_NA: P.ACE_IMPLICIT_ND_NA,
                                       n + IMPLICIT_ND_NS: P.ACE_IMPLICIT_ND_NS}[hit]
            if not acl.permits(hit):
                return verdict(P.DROP, P.REASON_ACL)

        if target.policy is None:
            return verdict(P.FORWARD, P.REASON_NONE)
        walk = _Walk(dscp=pkt.dscp, trace=trace)
        dropped = self._run_policy(target.top, 0, pkt, walk)
        cls, child_cls = walk.cls
        colour, dscp = walk.colour, walk.dscp
        if dropped:
            return verdict(P.DROP, P.REASON_POLICE)
        if target.scheduler is None:
            return verdict(P.FORWARD, P.REASON_NONE)
        # Queueing (docs/fastpath.md, "Per packet" under "Queueing"): down the inner nodes to its queue.
        owner = next(s.queue_class for s in walk.states if s.queue_class is not None)
        if trace is not None:
            trace.queue_state = target.states.index(owner)
        reason = target.scheduler.arrive(owner.node, pkt.ts_ns, pkt.length, trace)
        if reason == P.REASON_NONE:
            return verdict(P.FORWARD, P.REASON_NONE)
        # The queue's class counts the drop, and so does each class above it, as for a child
        # policy's drop.
        state = owner
        while state is not None:
            state.drop_pkts += 1
            state.drop_bytes += pkt.length
            state = None if state.parent_state is None else target.states[state.parent_state]
        return verdict(P.DROP, reason)

    def _run_policy(self, states: list[_ClassState], level: int, pkt: Packet, walk: _Walk) -> bool:
        """One level of docs/fastpath.md's step 3; True when the packet is dropped."""
        state = next(s for s in states if self._class_matches(s.cls, pkt))
        if level < 2:
            walk.cls[level] = state.class_index
        walk.states.append(state)
        state.pkts += 1
        state.bytes += pkt.length
        traced = walk.trace and walk.trace.level(state.policy_handle, state.class_index,
                                                 self._first_term(state.cls, pkt), walk.dscp)

        set_kind, set_value = _set_word(state.cls)
        if set_kind == SET_DSCP:
            walk.dscp = set_value
        elif set_kind == SET_PREC:
            walk.dscp = set_value << 3

        dropped = False
        if state.children:
            dropped = self._run_policy(state.children, level + 1, pkt, walk)
        if not dropped and state.policer is not None:
            colour = state.policer.colour(pkt.ts_ns, pkt.length)
            state.colour_pkts[colour] += 1
            state.colour_bytes[colour] += pkt.length
            walk.colour = _more_severe(walk.colour, colour)
            action = state.policer.action(colour)
            if traced:
                traced.policed(colour, action)
            if action.kind == "drop":
                dropped = True
            elif action.kind == "set-dscp-transmit":
                walk.dscp = action.value
            elif action.kind == "set-prec-transmit":
                walk.dscp = action.value << 3
        if dropped:
            state.drop_pkts += 1
            state.drop_bytes += pkt.length
        if traced:
            traced.dscp_out = walk.dscp
        return dropped

    # ---- classification ----
    def _class_matches(self, cls: PolicyClass, pkt: Packet) -> bool:
        if cls.class_map is None:       # class-default
            return True
        return self._class_map_matches(cls.class_map, pkt)

    def _first_term(self, cls: PolicyClass, pkt: Packet) -> int | None:
        """A traced packet's why: the first `match` of the class's class-map that holds."""
        if cls.class_map is None:
            return None
        return next((i for i, m in enumerate(cls.class_map.matches)
                     if self._term_matches(m, pkt) != m.negate), None)

    def _class_map_matches(self, cmap: ClassMap, pkt: Packet) -> bool:
        if not cmap.matches:
            return False
        results = (self._term_matches(m, pkt) != m.negate for m in cmap.matches)
        return all(results) if cmap.match_all else any(results)

    def _term_matches(self, m: Match, pkt: Packet) -> bool:
        # Always the packet as it arrived: marking never changes how a later level classifies.
        if m.kind == "any":
            return True
        if m.kind == "dscp":
            return pkt.dscp in m.dscp
        if m.kind == "access-group":
            acl = self._acls[m.acl]
            return acl.permits(acl.lookup(pkt))
        return self._class_map_matches(m.class_map, pkt)


def _add_nodes(parent: Node, states: list[_ClassState]) -> None:
    """The scheduler's nodes for one policy level that queues, under `parent`: a queue or an inner
    node per class that is one; a class that is neither shares class-default's queue."""
    roles = states[0].policy.roles
    default = states[-1]
    for s in states:
        role = roles[s.class_index]
        if role == QROLE_NONE:
            s.queue_class = default
            continue
        s.node = parent.add(role, s.class_index, s.cls.queue)
        if role == QROLE_INNER:
            _add_nodes(s.node, s.children)
        else:
            s.queue_class = s


def _acl_slots_direct(cmap: ClassMap):
    """ACL slots named by the class-map's own terms (nested class-maps are listed on their own)."""
    for m in cmap.matches:
        if m.kind == "access-group":
            yield m.acl


def _handle(value) -> int:
    # A negative or non-integer "handle" is a malformed argument, not a handle that is missing.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < 1 << 31:
        raise TableError(f"{value!r} is not a handle")
    return int(value)


def _direction(direction) -> int:
    return int(Direction.of(direction))


def _new_acl(aces: Sequence[Ace] | Sequence[Ace6], hits: Sequence[int] | None, family: int | None = None) -> _Acl:
    aces = tuple(aces)
    family = acl_family(aces, family)
    if hits is None:
        hits = [0] * len(aces)
    else:
        hits = [int(h) for h in hits]
        if len(hits) != len(aces):
            raise TableError(f"{len(hits)} hit counters for {len(aces)} ACEs")
        if any(not 0 <= h <= COUNTER_MAX for h in hits):
            raise TableError("a hit counter is outside 0..2^64-1")
    return _Acl(aces, hits, family)
