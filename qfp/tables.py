"""The tables the control plane pushes into the fast path, as plain frozen values.

These are what `FastPath` (C) and `ReferenceFastPath` (pure Python) both accept, so one description of
an ACL or a policy drives both and the differential tests compare like with like. Each value checks
its own ranges when it is made: a bad table never reaches C. docs/fastpath.md gives the semantics.

Handles (ACL slots, policy handles, UIDBs) are small integers that every implementation allocates the
same way, the lowest free one first, so a table that names a handle means the same thing to both.
"""
from __future__ import annotations

import enum
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import TableError

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_SCTP = 132
PORT_PROTOCOLS = frozenset({PROTO_TCP, PROTO_UDP, PROTO_SCTP})
PROTO_ICMPV6 = 58
# TCP header flags, as the packet record's tcp_flags holds them (csrc/qfp.h QFP_TCP_*).
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
# IOS's names for them, in the order IOS lists them (`permit tcp any any ?`), which is also the
# order they are printed in.
TCP_FLAG_NAMES = {"ack": TCP_ACK, "fin": TCP_FIN, "psh": TCP_PSH, "rst": TCP_RST, "syn": TCP_SYN,
                  "urg": TCP_URG}
# IPv6 extension headers a packet carried, the record's `ext` bits (csrc/qfp.h QFP_EXT_*).
EXT_ROUTING, EXT_FRAGMENT, EXT_HOP_BY_HOP, EXT_DEST_OPTS = 0x01, 0x02, 0x04, 0x08

# csrc/qfp.h's limits. This module (and the reference model over it) must work without the C
# extension, so the numbers are repeated here; tests/test_c_contract.py holds each to C's value.
NAME_MAX = 47          # characters; C keeps QFP_NAME_MAX = 48 bytes with the NUL
POLICY_DEPTH_MAX = 3
CMAP_DEPTH_MAX = 4
CLASSES_MAX = 256
TERMS_MAX = 4096            # match terms in one policy
BURST_MAX = (1 << 29) - 1   # bytes
RATE_MAX = (1 << 37) - 1    # bit/s
RATE_MIN = 8000             # bit/s, IOS's smallest `police` rate
HANDLE_MAX = (1 << 31) - 1  # handles are int32 in C, where -1 means "none"
QUEUE_LIMIT_MAX = 1 << 20   # packets in one queue
EXCESS_WEIGHT_MAX = 1000    # `bandwidth remaining ratio` goes to 1000


class Direction(enum.IntEnum):
    IN = 0
    OUT = 1

    @property
    def ios_name(self) -> str:
        """The word IOS uses for it: `service-policy input`, `show policy-map interface ... output`."""
        return "input" if self is Direction.IN else "output"

    @classmethod
    def from_ios_name(cls, word: str) -> Direction:
        """`input` or `output`, or an abbreviation of one as IOS takes it; ValueError otherwise."""
        for direction in cls:
            if word and direction.ios_name.startswith(word.lower()):
                return direction
        raise ValueError(f"direction {word!r} is neither input nor output")

    @classmethod
    def of(cls, value) -> Direction:
        """`value` as a Direction, or TableError: 0/1 or a Direction, nothing else."""
        try:
            number = operator.index(value)
        except TypeError:
            number = None
        if isinstance(value, bool) or number not in (0, 1):
            raise TableError(f"direction {value!r} is neither in (0) nor out (1)")
        return cls(number)


class PortOp(enum.Enum):
    EQ = "eq"
    NEQ = "neq"
    LT = "lt"
    GT = "gt"
    RANGE = "range"


def _check_range(what: str, value: int, lo: int, hi: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise TableError(f"{what} {value!r} is outside {lo}..{hi}")


def check_name(what: str, name: str) -> None:
    """A name C keeps as a NUL-terminated string: 1..NAME_MAX bytes, and no NUL inside (C would
    keep only what comes before it)."""
    if not isinstance(name, str) or not name or len(name.encode()) > NAME_MAX:
        raise TableError(f"{what} {name!r} must be 1..{NAME_MAX} bytes long")
    if "\0" in name:
        raise TableError(f"{what} {name!r} has a NUL character")


@dataclass(frozen=True)
class PortMatch:
    """An IOS port operator: `eq 80`, `neq 23`, `lt 1024`, `gt 1023`, `range 5060 5061`."""
    op: PortOp
    port: int
    port_hi: int | None = None   # only for RANGE

    def __post_init__(self) -> None:
        _check_op("port", "port", self.op, self.port, self.port_hi, 65535)

    def matches(self, port: int) -> bool:
        return _op_matches(self.op, self.port, self.port_hi, port)

    def bounds(self) -> tuple[int, int, bool]:
        """The inclusive range this operator compiles to, and whether the port must lie outside it."""
        return _op_bounds(self.op, self.port, self.port_hi, 65535)


def _check_op(what: str, unit: str, op: PortOp, value: int, value_hi: int | None, top: int) -> None:
    """An operator's values within 0..top, a range's two in order, and not one that matches nothing."""
    _check_range(what, value, 0, top)
    if op is PortOp.RANGE:
        if value_hi is None:
            raise TableError(f"{what} range needs an upper {unit}")
        _check_range(what, value_hi, 0, top)
        if value_hi < value:
            raise TableError(f"{what} range {value} {value_hi} is empty")
    elif value_hi is not None:
        raise TableError(f"{what} {op.value} takes one {unit}")
    if op is PortOp.LT and value == 0:
        raise TableError(f"{what} lt 0 matches nothing")
    if op is PortOp.GT and value == top:
        raise TableError(f"{what} gt {top} matches nothing")


def _op_matches(op: PortOp, value: int, value_hi: int | None, x: int) -> bool:
    if op is PortOp.EQ:
        return x == value
    if op is PortOp.NEQ:
        return x != value
    if op is PortOp.LT:
        return x < value
    if op is PortOp.GT:
        return x > value
    return value <= x <= value_hi


def _op_bounds(op: PortOp, value: int, value_hi: int | None, top: int) -> tuple[int, int, bool]:
    if op is PortOp.EQ:
        return value, value, False
    if op is PortOp.NEQ:
        return value, value, True
    if op is PortOp.LT:
        return 0, value - 1, False
    if op is PortOp.GT:
        return value + 1, top, False
    return value, value_hi, False


@dataclass(frozen=True)
class TtlMatch:
    """`ttl eq|neq|lt|gt N` or `ttl range A B` (0..255): the IPv4 TTL, with the ports' operators."""
    op: PortOp
    ttl: int
    ttl_hi: int | None = None   # only for RANGE

    def __post_init__(self) -> None:
        _check_op("ttl", "value", self.op, self.ttl, self.ttl_hi, 255)

    def matches(self, ttl: int) -> bool:
        return _op_matches(self.op, self.ttl, self.ttl_hi, ttl)

    def bounds(self) -> tuple[int, int, bool]:
        """The inclusive range this operator compiles to, and whether the TTL must lie outside it."""
        return _op_bounds(self.op, self.ttl, self.ttl_hi, 255)


@dataclass(frozen=True)
class TcpFlags:
    """A TCP ACE's flags: `match-all +syn -ack` (every condition), `match-any +syn +fin` (one of
    them), or IOS's older bare keywords (`syn`, `ack rst`: each one set, the others as they may)."""
    set: int = 0              # TCP_* flags that must be set (+flag, or a bare keyword)
    clear: int = 0            # TCP_* flags that must be clear (-flag)
    any: bool = False         # match-any; else all
    keywords: bool = False    # written as bare keywords (set only, all of them)

    def __post_init__(self) -> None:
        every = sum(TCP_FLAG_NAMES.values())
        for what, bits in (("set", self.set), ("clear", self.clear)):
            _check_range(f"TCP flags to be {what}", bits, 0, every)
        if not self.set | self.clear:
            raise TableError("TCP flags name no flag")
        if self.set & self.clear:
            raise TableError("a TCP flag cannot be both set and clear")
        if self.keywords and (self.clear or self.any):
            raise TableError("bare TCP flag keywords only ask for flags set, all of them")

    def matches(self, flags: int) -> bool:
        held = ~(flags ^ self.set) & (self.set | self.clear)
        return held != 0 if self.any else held == self.set | self.clear

    def words(self) -> list[str]:
        """As IOS prints them: `match-all +ack -syn`, or the bare keywords."""
        if self.keywords:
            return [name for name, bit in TCP_FLAG_NAMES.items() if self.set & bit]
        signed = [("+" if self.set & bit else "-") + name for name, bit in TCP_FLAG_NAMES.items()
                  if (self.set | self.clear) & bit]
        return ["match-any" if self.any else "match-all", *signed]


class _L4Conditions:
    """What IPv4's and IPv6's ACEs share past their addresses: ports, `established`, `fragments`
    and an ICMP message carried in the port fields, with the same rules for both families."""
    proto: int | None
    sport: PortMatch | None
    dport: PortMatch | None
    established: bool
    fragments: bool
    icmp_type: int | None
    icmp_code: int | None

    @property
    def has_l4(self) -> bool:
        return (self.sport is not None or self.dport is not None or self.established
                or self.icmp_type is not None)

    def _check_message(self, icmp_proto: int, name: str) -> None:
        if self.icmp_type is not None or self.icmp_code is not None:
            if self.proto != icmp_proto:
                raise TableError(f"an {name} message type needs protocol icmp")
            if self.icmp_type is None:
                raise TableError(f"an {name} code needs an {name} type")
            _check_range("icmp type", self.icmp_type, 0, 255)
            if self.icmp_code is not None:
                _check_range("icmp code", self.icmp_code, 0, 255)

    def _check_l4(self) -> None:
        if (self.sport or self.dport) and self.proto not in PORT_PROTOCOLS:
            raise TableError("port operators need protocol tcp, udp or sctp")
        if self.established and self.proto != PROTO_TCP:
            raise TableError("established needs protocol tcp")
        if self.fragments and self.has_l4:
            raise TableError("fragments cannot be combined with ports or established")


@dataclass(frozen=True)
class Ace(_L4Conditions):
    """One extended ACE. A standard ACE is one with only a source (proto None, dst any).

    Addresses are host-order integers; wildcards are IOS wildcards (1 bits are "don't care") and may
    be non-contiguous. `proto` None is `ip` (any protocol)."""
    permit: bool
    proto: int | None = None
    src: int = 0
    src_wildcard: int = 0xFFFFFFFF
    dst: int = 0
    dst_wildcard: int = 0xFFFFFFFF
    sport: PortMatch | None = None
    dport: PortMatch | None = None
    dscp: int | None = None
    precedence: int | None = None
    established: bool = False
    fragments: bool = False
    # `permit icmp SRC DST TYPE [CODE]` (or a name for either): the ICMP message. The fast path
    # keeps ICMP's type and code in the packet's port fields (sport, dport), as DPDK's ACL and IOS's
    # own classifiers do, so they are L4 conditions with the ports' fragment rules.
    icmp_type: int | None = None
    icmp_code: int | None = None
    # Past the fields the lookups index (docs/fastpath.md, "ACE matching"): the TTL, IOS's 4-bit
    # ToS (0..15: the ToS byte's bits 1-4, under precedence), and a TCP ACE's flags (an L4
    # condition, with the ports' fragment rules).
    ttl: TtlMatch | None = None
    tos: int | None = None
    tcp_flags: TcpFlags | None = None

    @property
    def has_l4(self) -> bool:
        return super().has_l4 or self.tcp_flags is not None

    @property
    def has_extra(self) -> bool:
        """Conditions the fast path checks on the candidates its indexes find (QFP_ACE_EXTRA)."""
        return self.ttl is not None or self.tos is not None or self.tcp_flags is not None

    def __post_init__(self) -> None:
        if self.proto is not None:
            _check_range("protocol", self.proto, 0, 255)
        self._check_message(PROTO_ICMP, "ICMP")
        if self.tos is not None:
            _check_range("tos", self.tos, 0, 15)
            if self.dscp is not None:
                raise TableError("an ACE matches dscp or tos, not both")
        if self.tcp_flags is not None and self.proto != PROTO_TCP:
            raise TableError("TCP flags need protocol tcp")
        if self.tcp_flags is not None and self.established:
            raise TableError("an ACE matches established or TCP flags, not both")
        for what, value in (("source", self.src), ("source wildcard", self.src_wildcard),
                            ("destination", self.dst), ("destination wildcard", self.dst_wildcard)):
            _check_range(what, value, 0, 0xFFFFFFFF)
        self._check_l4()
        if self.dscp is not None and self.precedence is not None:
            raise TableError("an ACE matches dscp or precedence, not both")
        if self.dscp is not None:
            _check_range("dscp", self.dscp, 0, 63)
        if self.precedence is not None:
            _check_range("precedence", self.precedence, 0, 7)


@dataclass(frozen=True)
class Ace6(_L4Conditions):
    """One IPv6 ACE (`ipv6 access-list`). An ACL is IPv4 or IPv6 by its ACEs' type; it never
    matches a packet of the other family.

    Addresses are 128-bit host-order integers with prefix lengths (IPv6 ACLs have no wildcards).
    `proto` None is `ipv6` (any upper-layer protocol). `ext` asks for IPv6 extension headers the
    packet must have carried (EXT_* bits: `routing`, `hbh`, `dest-option`); `fragments` is the
    IPv4 keyword's meaning, a non-initial fragment. ICMPv6 type and code ride in the port fields as
    ICMP's do."""
    permit: bool
    proto: int | None = None
    src: int = 0
    src_len: int = 0
    dst: int = 0
    dst_len: int = 0
    sport: PortMatch | None = None
    dport: PortMatch | None = None
    dscp: int | None = None
    flow_label: int | None = None
    established: bool = False
    fragments: bool = False
    ext: int = 0
    icmp_type: int | None = None
    icmp_code: int | None = None

    def __post_init__(self) -> None:
        if self.proto is not None:
            _check_range("protocol", self.proto, 0, 255)
        for what, addr, length in (("source", self.src, self.src_len),
                                   ("destination", self.dst, self.dst_len)):
            _check_range(f"{what} prefix length", length, 0, 128)
            _check_range(what, addr, 0, (1 << 128) - 1)
            if addr & ((1 << (128 - length)) - 1):
                raise TableError(f"{what} {addr:#x} has bits set past its /{length}")
        self._check_message(PROTO_ICMPV6, "ICMPv6")
        self._check_l4()
        if self.dscp is not None:
            _check_range("dscp", self.dscp, 0, 63)
        if self.flow_label is not None:
            _check_range("flow-label", self.flow_label, 0, (1 << 20) - 1)
        _check_range("extension headers", self.ext,
                     0, EXT_ROUTING | EXT_FRAGMENT | EXT_HOP_BY_HOP | EXT_DEST_OPTS)


# An ACL's family by its ACEs' type (docs/fastpath.md, "IPv6").
ACE_TYPES = {4: Ace, 6: Ace6}


def acl_family(aces: Sequence[Ace | Ace6], family: int | None = None) -> int:
    """4 or 6: the family of an ACL of `aces`, by their type; an empty one is `family` (default 4).
    TableError for a list that mixes Ace and Ace6, or holds anything else, or contradicts `family`."""
    found = set()
    for kind_of in {type(ace) for ace in aces}:   # by type, not by ACE: a 10k-ACE list was 11 ms
        kind = next((f for f, t in ACE_TYPES.items() if issubclass(kind_of, t)), None)
        if kind is None:
            raise TableError(f"an ACL holds Ace or Ace6 values, not {kind_of.__name__}")
        found.add(kind)
    if len(found) > 1:
        raise TableError("an ACL is IPv4 (Ace) or IPv6 (Ace6), not both")
    if family is not None and family not in ACE_TYPES:
        raise TableError(f"ACL family {family!r} is neither 4 nor 6")
    if found and family is not None and found != {family}:
        raise TableError(f"IPv{found.pop()} ACEs for an IPv{family} ACL")
    return found.pop() if found else family or 4


@dataclass(frozen=True)
class PoliceAction:
    kind: str                 # one of POLICE_ACTIONS
    value: int = 0            # DSCP for set-dscp-transmit, precedence for set-prec-transmit

    def __post_init__(self) -> None:
        if self.kind not in POLICE_ACTIONS:
            raise TableError(f"unknown police action {self.kind!r}")
        if self.kind == "set-dscp-transmit":
            _check_range("dscp", self.value, 0, 63)
        elif self.kind == "set-prec-transmit":
            _check_range("precedence", self.value, 0, 7)
        elif self.value != 0:
            raise TableError(f"police action {self.kind} takes no value")


POLICE_ACTIONS = ("transmit", "drop", "set-dscp-transmit", "set-prec-transmit")
TRANSMIT = PoliceAction("transmit")
DROP = PoliceAction("drop")


class PoliceMode(enum.IntEnum):
    # The mode codes of hw_policer[0] (csrc/qfp.h, enum qfp_police_mode).
    ONE_RATE_TWO_COLOUR = 1    # 1R2C
    ONE_RATE_THREE_COLOUR = 2  # 1R3C, RFC 2697 srTCM
    TWO_RATE_THREE_COLOUR = 3  # 2R3C, RFC 2698 trTCM


@dataclass(frozen=True)
class Policer:
    """A colour-blind policer. Rates in bit/s, bursts in bytes; the control plane has already
    applied IOS's defaults (control.config.model.default_burst). `mode` says which algorithm runs."""
    mode: PoliceMode
    cir: int
    bc: int
    be: int = 0                       # 1R3C: EBS; 2R3C: PBS; 1R2C: must be 0
    pir: int = 0                      # 2R3C only
    conform: PoliceAction = TRANSMIT
    exceed: PoliceAction = DROP
    violate: PoliceAction = DROP      # ignored (and must stay the default) for 1R2C

    def __post_init__(self) -> None:
        _check_range("cir", self.cir, RATE_MIN, RATE_MAX)
        _check_range("bc", self.bc, 1, BURST_MAX)
        if self.mode is PoliceMode.ONE_RATE_TWO_COLOUR:
            if self.be or self.pir or self.violate != DROP:
                raise TableError("a 1R2C policer has no be, pir or violate action")
        else:
            _check_range("be", self.be, 1, BURST_MAX)
        if self.mode is PoliceMode.TWO_RATE_THREE_COLOUR:
            _check_range("pir", self.pir, RATE_MIN, RATE_MAX)
            if self.pir < self.cir:
                raise TableError(f"pir {self.pir} is below cir {self.cir}")
        elif self.pir:
            raise TableError("only a 2R3C policer has a pir")


@dataclass(frozen=True)
class Match:
    """One `match` line of a class-map."""
    kind: str                               # "any", "dscp", "access-group", "class-map"
    negate: bool = False
    dscp: frozenset[int] = frozenset()      # for "dscp" (precedence p: use precedence_dscps(p))
    acl: int | None = None                  # ACL slot, for "access-group"
    class_map: ClassMap | None = None       # for "class-map"

    def __post_init__(self) -> None:
        if self.kind not in ("any", "dscp", "access-group", "class-map"):
            raise TableError(f"unknown match kind {self.kind!r}")
        if self.kind == "dscp":
            if not self.dscp:
                raise TableError("match dscp needs at least one value")
            for d in self.dscp:
                _check_range("dscp", d, 0, 63)
        if (self.kind == "access-group") != (self.acl is not None):
            raise TableError("match access-group needs an ACL slot, and only it")
        if self.acl is not None:
            _check_range("ACL slot", self.acl, 0, HANDLE_MAX)
        if (self.kind == "class-map") != (self.class_map is not None):
            raise TableError("match class-map needs a class-map, and only it")


def precedence_dscps(precedence: int) -> frozenset[int]:
    """The DSCP values whose top three bits are `precedence`."""
    _check_range("precedence", precedence, 0, 7)
    return frozenset(range(precedence << 3, (precedence << 3) + 8))


@dataclass(frozen=True)
class ClassMap:
    name: str
    match_all: bool
    matches: tuple[Match, ...] = ()

    def __post_init__(self) -> None:
        check_name("class-map name", self.name)
        if self.depth() > CMAP_DEPTH_MAX:
            raise TableError(f"class-map {self.name} nests deeper than {CMAP_DEPTH_MAX}")

    def depth(self) -> int:
        nested = [m.class_map.depth() for m in self.matches if m.class_map is not None]
        return 1 + max(nested, default=0)


CLASS_DEFAULT = "class-default"


@dataclass(frozen=True)
class Queueing:
    """A class's queueing actions (docs/fastpath.md, "Queueing"), IOS's defaults and percentages
    already applied by the control plane: rates in bit/s, bursts in bytes, 0 for absent.
    `queue_limit` is non-zero exactly when the class is a queue (not when its child policy queues:
    then it is an inner node of the scheduler, e.g. a parent class-default's `shape`)."""
    queue_limit: int = 0              # packets
    shape_cir: int = 0                # `shape average`
    shape_bc: int = 0                 # the shaper's bucket holds bc + be bytes
    shape_be: int = 0
    priority: int = 0                 # 0 none, 1 or 2 (`priority` alone is level 1)
    priority_rate: int = 0            # `priority BPS|percent`: its conditional policer
    priority_burst: int = 0
    bw_min: int = 0                   # `bandwidth`
    bw_excess: int = 0                # `bandwidth remaining` weight; 0 means the default, 1

    def __post_init__(self) -> None:
        _check_range("queue-limit", self.queue_limit, 0, QUEUE_LIMIT_MAX)
        _check_range("priority level", self.priority, 0, 2)
        _check_range("bandwidth remaining weight", self.bw_excess, 0, EXCESS_WEIGHT_MAX)
        for what, rate in (("shape rate", self.shape_cir), ("priority rate", self.priority_rate),
                           ("bandwidth", self.bw_min)):
            if rate:
                _check_range(what, rate, RATE_MIN, RATE_MAX)
        if self.shape_cir:
            _check_range("shape bc", self.shape_bc, 0, BURST_MAX)
            _check_range("shape be", self.shape_be, 0, BURST_MAX)
            _check_range("shape bc + be", self.shape_bc + self.shape_be, 1, BURST_MAX)
        elif self.shape_bc or self.shape_be:
            raise TableError("a shaper's bc and be need its rate")
        if self.priority_rate:
            if not self.priority:
                raise TableError("a priority rate needs a priority level")
            _check_range("priority burst", self.priority_burst, 1, BURST_MAX)
        elif self.priority_burst:
            raise TableError("a priority burst needs its rate")
        if self.priority and (self.bw_min or self.bw_excess):
            raise TableError("a priority class takes no bandwidth or bandwidth remaining")

    @property
    def has_action(self) -> bool:
        """A queueing action of its own: what makes a class a queue or an inner node."""
        return bool(self.queue_limit or self.shape_cir or self.priority or self.bw_min or self.bw_excess)


@dataclass(frozen=True)
class PolicyClass:
    """One class of a policy-map. `class_map` None is class-default."""
    name: str
    object_id: int
    class_map: ClassMap | None = None
    set_dscp: int | None = None
    set_precedence: int | None = None
    police: Policer | None = None
    child: int | None = None          # child policy handle
    queue: Queueing | None = None     # queueing actions (output only)

    def __post_init__(self) -> None:
        check_name("class name", self.name)
        _check_range("class object id", self.object_id, 0, 0xFFFFFFFF)
        if (self.class_map is None) != (self.name == CLASS_DEFAULT):
            raise TableError(f"class {self.name}: only class-default has no class-map")
        if self.set_dscp is not None and self.set_precedence is not None:
            raise TableError(f"class {self.name}: set dscp or set precedence, not both")
        if self.child is not None:
            _check_range("child policy handle", self.child, 0, HANDLE_MAX)
        if self.set_dscp is not None:
            _check_range("set dscp", self.set_dscp, 0, 63)
        if self.set_precedence is not None:
            _check_range("set precedence", self.set_precedence, 0, 7)
        if self.queue is not None and not isinstance(self.queue, Queueing):
            raise TableError(f"class {self.name}: queue is a Queueing value")


@dataclass(frozen=True)
class Policy:
    name: str
    policy_id: int
    classes: tuple[PolicyClass, ...] = field(default=())

    def __post_init__(self) -> None:
        check_name("policy name", self.name)
        _check_range("policy id", self.policy_id, 0, 0xFFFFFFFF)
        if not self.classes or self.classes[-1].name != CLASS_DEFAULT:
            raise TableError(f"policy {self.name}: class-default must come last")
        if len(self.classes) > CLASSES_MAX:
            raise TableError(f"policy {self.name}: more than {CLASSES_MAX} classes")
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            raise TableError(f"policy {self.name}: a class appears twice")


@dataclass(frozen=True)
class ClassCounters:
    """A class's counters, as a new binding may start from them (to keep counts across an edit)."""
    pkts: int = 0
    bytes: int = 0
    drop_pkts: int = 0
    drop_bytes: int = 0
    colour_pkts: tuple[int, int, int] = (0, 0, 0)     # conform, exceed, violate
    colour_bytes: tuple[int, int, int] = (0, 0, 0)

    def __post_init__(self) -> None:
        values = (self.pkts, self.bytes, self.drop_pkts, self.drop_bytes,
                  *self.colour_pkts, *self.colour_bytes)
        if len(self.colour_pkts) != 3 or len(self.colour_bytes) != 3:
            raise TableError("colour counters come in threes: conform, exceed, violate")
        for value in values:
            _check_range("counter", value, 0, (1 << 64) - 1)


@dataclass(frozen=True)
class Binding:
    """One direction's new binding: an IPv4 ACL slot, an IPv6 ACL slot (`acl6`, an ACL of Ace6) and
    a fresh instance of a policy, its class counters starting from `counters` (one per class state,
    depth-first) when given. A packet meets the ACL of its own family; with none for its family it
    passes unfiltered, as on IOS (`ip access-group` does not filter IPv6)."""
    direction: Direction
    acl: int | None = None
    policy: int | None = None
    counters: tuple[ClassCounters, ...] | None = None
    acl6: int | None = None

    def __post_init__(self) -> None:
        if self.counters is not None and not all(isinstance(c, ClassCounters) for c in self.counters):
            raise TableError("a binding's counters are ClassCounters values, one per class state")
