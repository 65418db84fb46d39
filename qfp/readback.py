"""What the fast path reports back, as frozen values shared by the C wrapper and the reference model."""
from __future__ import annotations

from dataclasses import dataclass

from .tables import ClassCounters, Direction, Queueing

# ClassInfo.set_kind's codes (csrc/qfp.h, enum qfp_set_kind; tests/test_c_contract.py checks them).
SET_NONE, SET_DSCP, SET_PREC = 0, 1, 2


@dataclass(frozen=True)
class AclCounters:
    hits: tuple[int, ...]        # per ACE, in ACL order
    implicit_deny: int
    # An IPv6 ACL's implicit `permit icmp any any nd-na` and `nd-ns` (docs/fastpath.md, "IPv6");
    # always 0 for an IPv4 ACL.
    implicit_nd_na: int = 0
    implicit_nd_ns: int = 0


@dataclass(frozen=True)
class AclStats:
    """How the fast path looks an ACL up (struct qfp_acl_stats)."""
    naces: int
    method: str         # "scan", "tree", "bitvector" or "hybrid" (ACL_METHODS in qfp.fastpath)
    cuts: int           # tree nodes
    depth_max: int      # the deepest leaf, wild branches counted as levels
    leaf_max: int       # the most ACEs one leaf makes a lookup scan
    bytes: int          # the tree's or the bit vectors' tables
    family: int = 4     # 4 or 6: what its ACEs are (tables.Ace or tables.Ace6)
    # ACEs with conditions past the fields the method indexes (ttl, tos, TCP flags): a lookup
    # takes each as a candidate and checks those before it counts as the match.
    extra: int = 0
    # Replaces of a tree's or a hybrid's ACL that edited its tree instead of rebuilding it, since
    # its last whole build (csrc/qfp_acl_index.c, qfp_acl_index_edit).
    edits: int = 0
    fan_max: int = 0    # the widest cut's kids (4, 16, 256 or 4,096); 0 without a tree


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    policy_id: int
    nclasses: int
    depth: int
    nstates: int
    refs: int


@dataclass(frozen=True)
class ClassInfo:
    """One class of a policy as the fast path holds it."""
    name: str
    object_id: int
    cmap: int | None                      # class-map index in the policy; None for class-default
    set_kind: int                         # SET_NONE, SET_DSCP or SET_PREC
    set_value: int
    hw_policer: tuple[int, int, int, int] # all zero: no policer (qfp.policer decodes them)
    police_info: int
    child: int | None                     # child policy handle
    queue: Queueing | None = None         # as given; None when all its fields are zero


@dataclass(frozen=True)
class UidbInfo:
    ifname: str
    ifh: int
    acl: tuple[int | None, int | None]       # per direction (in, out): the IPv4 ACL
    policy: tuple[int | None, int | None]
    acl6: tuple[int | None, int | None] = (None, None)   # per direction: the IPv6 ACL


# QueueStats.role's codes (csrc/qfp.h, enum qfp_queue_role).
QROLE_NONE, QROLE_QUEUE, QROLE_INNER = 0, 1, 2


@dataclass(frozen=True)
class QueueStats:
    """A class state's part in its target's scheduler (struct qfp_queue_stats; docs/fastpath.md,
    "Queueing"). For an inner node, depth and the counts are summed over its queues."""
    role: int                     # QROLE_QUEUE or QROLE_INNER
    queue_limit: int              # packets, for a queue
    depth: int
    depth_max: int
    out_pkts: int
    out_bytes: int
    tail_pkts: int
    tail_bytes: int
    exceed_pkts: int              # a priority queue's conditional policer's drops
    exceed_bytes: int
    delay_sum_ns: int
    delay_max_ns: int
    jitter_sum_ns: int
    shape_tokens: int             # the shaper's level in token units (1 byte = 8e9); 0 without one

    @property
    def delay_mean_ns(self) -> int:
        return self.delay_sum_ns // self.out_pkts if self.out_pkts else 0

    @property
    def jitter_mean_ns(self) -> int:
        """Mean |delay difference| between consecutive packets out of the queue."""
        return self.jitter_sum_ns // (self.out_pkts - 1) if self.out_pkts > 1 else 0


@dataclass(frozen=True)
class ClassState:
    """One class of a bound policy instance, in depth-first order (a class, then its child's)."""
    policy: int
    level: int
    class_index: int
    parent_state: int | None
    psqd: tuple[int, int, int, int]
    isqd: tuple[int, int, int, int]
    hw_policer: tuple[int, int, int, int]
    police_info: int
    policer_id: int
    pkts: int
    bytes: int
    drop_pkts: int
    drop_bytes: int
    colour_pkts: tuple[int, int, int]      # conform, exceed, violate
    colour_bytes: tuple[int, int, int]
    tokens_c: int                          # token units: 1 byte = 8e9
    tokens_e: int
    queue: QueueStats | None = None        # None: no part in a scheduler

    def class_counters(self) -> ClassCounters:
        """The counters a new binding can start from, to keep counts across a policy edit."""
        return ClassCounters(self.pkts, self.bytes, self.drop_pkts, self.drop_bytes,
                             self.colour_pkts, self.colour_bytes)

    def counters(self) -> dict:
        """The counters alone: what the C fast path and the reference model must agree on."""
        return {
            "pkts": self.pkts, "bytes": self.bytes,
            "drop_pkts": self.drop_pkts, "drop_bytes": self.drop_bytes,
            "colour_pkts": self.colour_pkts, "colour_bytes": self.colour_bytes,
            "tokens_c": self.tokens_c, "tokens_e": self.tokens_e,
            "queue": self.queue,
        }


@dataclass(frozen=True)
class UidbCounters:
    """A UIDB's accounting counters, for RADIUS (struct qfp_uidb_counters; docs/fastpath.md, "UIDB
    accounting counters"). Each field is a pair indexed by Direction (IN, OUT):

    - packets, bytes: every packet addressed to the UIDB in that direction, counted before the ACL,
      whatever its verdict (bytes: the packet records' `length`);
    - forwarded_packets, forwarded_bytes: those of them forwarded (after the ACL and the policers).

    Zero when the UIDB is created; kept across binds; not cleared by target_clear_counters. The
    input_* and output_* properties name one direction's counters: input is Acct-Input-Packets and
    -Octets, output is Acct-Output-*."""
    packets: tuple[int, int]
    bytes: tuple[int, int]
    forwarded_packets: tuple[int, int]
    forwarded_bytes: tuple[int, int]

    @property
    def input_packets(self) -> int:
        return self.packets[Direction.IN]

    @property
    def input_bytes(self) -> int:
        return self.bytes[Direction.IN]

    @property
    def input_forwarded_packets(self) -> int:
        return self.forwarded_packets[Direction.IN]

    @property
    def input_forwarded_bytes(self) -> int:
        return self.forwarded_bytes[Direction.IN]

    @property
    def output_packets(self) -> int:
        return self.packets[Direction.OUT]

    @property
    def output_bytes(self) -> int:
        return self.bytes[Direction.OUT]

    @property
    def output_forwarded_packets(self) -> int:
        return self.forwarded_packets[Direction.OUT]

    @property
    def output_forwarded_bytes(self) -> int:
        return self.forwarded_bytes[Direction.OUT]
