"""The interface every fast path implementation offers: the C one (qfp.fastpath.FastPath) and the
pure-Python reference model (qfp.reference.ReferenceFastPath).

Handles are small integers, the lowest free one first, so the same sequence of calls on both gives
the same handles. Every method validates its arguments and raises a qfp.errors exception."""
from __future__ import annotations

import abc
from collections.abc import Sequence

import numpy as np

from .errors import TableError
from .readback import AclCounters, ClassInfo, ClassState, PolicyInfo, UidbCounters, UidbInfo
from .tables import Ace, Ace6, Binding, Direction, Policy
from .trace import TraceRecord, TraceStats

# Table sizes every implementation takes by default, and the largest any takes.
MAX_UIDBS = 1 << 20
MAX_ACLS = 1 << 14
MAX_POLICIES = 1 << 14
TABLE_SIZE_MAX = 1 << 24


def check_table_sizes(**sizes: int) -> None:
    """TableError unless each size (max_uidbs=..., ...) is a number of entries in 1..TABLE_SIZE_MAX."""
    for what, value in sizes.items():
        if not isinstance(value, (int, np.integer)) or not 1 <= value <= TABLE_SIZE_MAX:
            raise TableError(f"{what} {value!r} is outside 1..2^24")


class FastPathAPI(abc.ABC):
    # ---- lifetime: `with FastPath() as fp:` frees the tables at the end of the block ----
    def close(self) -> None:  # noqa: B027 (a default: the reference has nothing to free)
        """Free what the fast path holds now rather than when it is collected. The reference
        holds only Python objects, so this is the C fast path's business; calls after it raise
        Closed there. A batch must not be running in another thread meanwhile."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- ACLs: slots holding an ordered ACE list and its per-ACE counters ----
    @abc.abstractmethod
    def acl_create(self, aces: Sequence[Ace] | Sequence[Ace6], hits: Sequence[int] | None = None,
                   family: int | None = None) -> int:
        """A new ACL slot; `hits` seeds its per-ACE counters (e.g. carried over from an edit). The
        ACL is IPv4 for Ace values, IPv6 for Ace6 (docs/fastpath.md, "IPv6"); a mix is a
        TableError; an empty one is `family` (4 or 6; default 4)."""

    @abc.abstractmethod
    def acl_replace(self, slot: int, aces: Sequence[Ace] | Sequence[Ace6], hits: Sequence[int] | None = None,
                    family: int | None = None) -> None:
        """New ACEs in an existing slot, atomically for every target and policy that names it. The
        slot keeps its family: the other family's ACEs are InvalidTable."""

    @abc.abstractmethod
    def acl_delete(self, slot: int) -> None:
        """Raises InUse while a target or policy names the slot."""

    @abc.abstractmethod
    def acl_counters(self, slot: int) -> AclCounters: ...

    @abc.abstractmethod
    def acl_clear_counters(self, slot: int) -> None: ...

    @abc.abstractmethod
    def acl_classify(self, slot: int, batch: np.ndarray) -> np.ndarray:
        """First-match lookup alone: per packet, the index of the first ACE it matches in the
        ACL in `slot`, or the ACL's length for none (and for a packet of the other family); an IPv6
        ACL's implicit nd-na and nd-ns permits are length + 1 and + 2. Counts nothing."""

    # ---- policies: immutable compiled policy-maps ----
    @abc.abstractmethod
    def policy_create(self, policy: Policy) -> int:
        """A policy handle. Child policies (PolicyClass.child) and ACL slots it names must exist."""

    @abc.abstractmethod
    def policy_delete(self, handle: int) -> None:
        """Raises InUse while a target or parent policy uses it."""

    @abc.abstractmethod
    def policy_info(self, handle: int) -> PolicyInfo: ...

    @abc.abstractmethod
    def policy_classes(self, handle: int) -> tuple[ClassInfo, ...]:
        """The classes as the fast path holds them, in order (policer words as programmed)."""

    # ---- UIDBs and their targets ----
    @abc.abstractmethod
    def uidb_create(self, ifh: int, ifname: str) -> int: ...

    @abc.abstractmethod
    def uidb_delete(self, uidb: int) -> None: ...

    @abc.abstractmethod
    def bind(self, uidb: int, direction: Direction, acl: int | None = None,
             policy: int | None = None, acl6: int | None = None) -> None:
        """Give the target a new IPv4 ACL (`acl`), IPv6 ACL (`acl6`) and a fresh policy instance
        (buckets full, counters zero), atomically with respect to packet batches."""

    @abc.abstractmethod
    def bind_many(self, uidb: int, bindings: Sequence[Binding]) -> None:
        """One binding per direction, all published at once (a batch sees all or none of them);
        a binding's `counters` seed its instance's class counters. All or nothing on error."""

    @abc.abstractmethod
    def uidb_info(self, uidb: int) -> UidbInfo: ...

    @abc.abstractmethod
    def uidbs(self) -> list[int]:
        """Every UIDB in use, ascending."""

    @abc.abstractmethod
    def target_read(self, uidb: int, direction: Direction) -> list[ClassState]:
        """The bound policy instance's class states, depth-first; [] with no policy."""

    @abc.abstractmethod
    def target_clear_counters(self, uidb: int, direction: Direction) -> None:
        """Zero the class counters (not the buckets, not the UIDB's accounting counters), as
        `clear counters` does."""

    @abc.abstractmethod
    def target_advance(self, uidb: int, direction: Direction, until_ns: int) -> None:
        """Run the target's scheduler up to virtual time `until_ns` with nothing arriving: what is
        queued leaves as it would by then (docs/fastpath.md, "Queueing"). Nothing without one."""

    @abc.abstractmethod
    def target_clock(self, uidb: int, direction: Direction) -> int:
        """The virtual time the target's scheduler has run up to; 0 without a scheduler."""

    @abc.abstractmethod
    def uidb_counters(self, uidb: int) -> UidbCounters:
        """The UIDB's accounting counters (packets and bytes seen and forwarded, per direction),
        for RADIUS accounting; NotFound for a UIDB not in use."""

    # ---- packets ----
    @abc.abstractmethod
    def process(self, batch: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Verdicts (qfp.packets.VERDICT_DTYPE) for a batch (qfp.packets.PACKET_DTYPE), in order;
        `out` may be given to reuse an array of the same length."""

    # ---- the packet trace (docs/fastpath.md, "Packet trace") ----
    @abc.abstractmethod
    def trace_config(self, capacity: int, circular: bool = False) -> None:
        """A trace buffer of `capacity` records (qfp.trace.TRACE_MIN..TRACE_MAX; 0 removes it),
        empty, statistics zeroed. Packets whose `trace` byte is set are recorded while one is
        configured; it stops when full, or with `circular` keeps the newest."""

    @abc.abstractmethod
    def trace_read(self) -> list[TraceRecord]:
        """The records, oldest first."""

    @abc.abstractmethod
    def trace_stats(self) -> TraceStats: ...

    @abc.abstractmethod
    def trace_clear(self) -> None:
        """Empty the buffer and zero the statistics; the configuration stays."""
