"""Hierarchical queueing in plain Python: shapers, queues and the three-tier scheduler in virtual time.

docs/fastpath.md, "Queueing: shapers, queues and the scheduler, in virtual time", line by line; the
C side (csrc/qfp_queue.c) is held to this by the differential tests. Written to be read, not to be
fast: queues are deques of (arrival, length) descriptors, every bucket is a plain Python integer in
token units, and a shaper's ready time is ceil(d / cir) by integer division (C gets the same integer
from a reciprocal). qfp.reference decides which class is which node and calls this module.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import packets as P
from .errors import InvalidTable
from .readback import QROLE_INNER, QROLE_NONE, QROLE_QUEUE, QueueStats
from .tables import CLASS_DEFAULT, PolicyClass, Queueing

UNITS_PER_BYTE = 8_000_000_000   # token units, as the policers': R bit/s adds R units per ns
EXCESS_SCALE = 65_536_000        # an excess tag grows by L * floor(EXCESS_SCALE / weight)

# How a node's parent served it (what a departure charges).
TIER_PRIORITY, TIER_MINIMUM, TIER_EXCESS = "priority", "minimum", "excess"


def ceil_div(d: int, divisor: int) -> int:
    return -(-d // divisor)


# ---- which class is what ---------------------------------------------------------------------------

def has_queueing(cls: PolicyClass) -> bool:
    """A queueing action of the class's own (`shape`, `priority`, `bandwidth`, `bandwidth remaining`,
    `queue-limit`)."""
    return cls.queue is not None and cls.queue.has_action


def level_roles(classes: Sequence[PolicyClass], child_queues: Sequence[bool]) -> list[int] | None:
    """Each class's role in one policy level (docs/fastpath.md, "The tree"), or None when the level
    does not queue. `child_queues[i]`: class i has a child policy that queues. QROLE_NONE in a level
    that queues means the class shares class-default's queue. Raises InvalidTable (C's QFP_EINVAL),
    naming the class, for a level the fast path refuses: the first class that breaks a rule, in
    class order, then class-default if classes share its queue and it is not one."""
    if not any(has_queueing(c) or q for c, q in zip(classes, child_queues)):
        return None
    roles = []
    for cls, child_queues_too in zip(classes, child_queues):
        if child_queues_too:
            roles.append(QROLE_INNER)
        elif has_queueing(cls) or cls.name == CLASS_DEFAULT:
            roles.append(QROLE_QUEUE)
        else:
            roles.append(QROLE_NONE)
    for cls, role in zip(classes, roles):
        q = cls.queue or Queueing()
        if role == QROLE_QUEUE and not q.queue_limit:
            raise InvalidTable(f"class {cls.name}: a queue needs a queue-limit (packets)")
        if role == QROLE_INNER and q.queue_limit:
            raise InvalidTable(f"class {cls.name}: its child policy queues, so it has no queue-limit")
        if role == QROLE_INNER and q.priority:
            raise InvalidTable(f"class {cls.name}: priority belongs to a queue, and its child "
                               f"policy queues")
    if QROLE_NONE in roles and roles[-1] != QROLE_QUEUE:
        raise InvalidTable(f"class {classes[-1].name}: classes with no queueing action share its "
                           f"queue, but its child policy queues")
    return roles


# ---- buckets -----------------------------------------------------------------------------------------

@dataclass
class Shaper:
    """`shape average`: a token bucket that delays. Its level is signed (a packet larger than what
    is left still goes), at most (bc + be) bytes' worth, full at bind."""
    cir: int
    size: int
    level: int
    last: int = 0

    @classmethod
    def of(cls, q: Queueing) -> Shaper | None:
        if not q.shape_cir:
            return None
        size = (q.shape_bc + q.shape_be) * UNITS_PER_BYTE
        return cls(q.shape_cir, size, size)

    def refill(self, t: int) -> None:
        if t > self.last:
            self.level = min(self.size, self.level + (t - self.last) * self.cir)
            self.last = t

    def ready(self, t: int) -> bool:
        self.refill(t)
        return self.level >= 0

    def ready_at(self, t: int) -> int:
        """When it is next ready, from t (t itself if it is now)."""
        self.refill(t)
        return t if self.level >= 0 else t + ceil_div(-self.level, self.cir)

    def send(self, t: int, length: int) -> None:
        self.refill(t)
        self.level -= length * UNITS_PER_BYTE

    def level_at(self, t: int) -> int:
        """The level at t, for read-back, refilled without being changed."""
        if t <= self.last:
            return self.level
        return min(self.size, self.level + (t - self.last) * self.cir)


METER_BYTES = 1500     # the minimum meter's size: one Ethernet MTU of credit


@dataclass
class Meter:
    """`bandwidth`: a bucket at the minimum rate holding one MTU (METER_BYTES), starting at 0."""
    rate: int
    level: int = 0
    last: int = 0

    def refill(self, t: int) -> None:
        if t > self.last:
            self.level = min(METER_BYTES * UNITS_PER_BYTE, self.level + (t - self.last) * self.rate)
            self.last = t

    def ready(self, t: int) -> bool:
        self.refill(t)
        return self.level >= 0

    def charge(self, t: int, length: int) -> None:
        self.refill(t)
        self.level -= length * UNITS_PER_BYTE


@dataclass
class PriorityPolicer:
    """A priority queue's conditional policer: a token bucket full at bind, refilled like a
    policer's; it only ever looks at a packet when the queue's parent is congested."""
    rate: int
    size: int
    level: int
    last: int = 0

    def admit(self, t: int, length: int) -> bool:
        if t > self.last:
            self.level = min(self.size, self.level + (t - self.last) * self.rate)
            self.last = t
        cost = length * UNITS_PER_BYTE
        if self.level < cost:
            return False
        self.level -= cost
        return True


# ---- the tree --------------------------------------------------------------------------------------

@dataclass
class QueueCounts:
    """What a queue counts (cleared by `clear counters`, with the maximum depth)."""
    depth_max: int = 0
    out_pkts: int = 0
    out_bytes: int = 0
    tail_pkts: int = 0
    tail_bytes: int = 0
    exceed_pkts: int = 0
    exceed_bytes: int = 0
    delay_sum: int = 0
    delay_max: int = 0
    jitter_sum: int = 0


@dataclass(eq=False)
class Node:
    """The root, an inner node (a class whose child policy queues) or a queue (a leaf)."""
    role: int                          # QROLE_QUEUE, QROLE_INNER, or QROLE_NONE for the root
    class_index: int = -1              # the class's place in its level: "class order"
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    shaper: Shaper | None = None
    meter: Meter | None = None
    weight: int = 1                    # the excess weight
    priority: int = 0                  # a queue's level, 1 or 2; 0 none
    policer: PriorityPolicer | None = None
    queue_limit: int = 0
    packets: deque = field(default_factory=deque)   # a queue's (arrival, length) descriptors
    held: int = 0                      # packets queued in this subtree
    counts: QueueCounts = field(default_factory=QueueCounts)
    last_delay: int | None = None      # a queue's previous packet's delay (None: none out yet);
                                       # `clear counters` keeps it
    # As a parent: its virtual time and the child its minimum tier served last.
    vtime: int = 0
    last_minimum: int = -1
    # As a child: its excess tag.
    tag: int = 0

    @classmethod
    def root(cls) -> Node:
        return cls(QROLE_NONE)

    def add(self, role: int, class_index: int, q: Queueing | None) -> Node:
        """A new child node for class `class_index` with queueing `q`, made as a bind makes it."""
        q = q or Queueing()
        child = Node(role, class_index, parent=self, shaper=Shaper.of(q),
                     meter=Meter(q.bw_min) if q.bw_min else None, weight=q.bw_excess or 1,
                     priority=q.priority if role == QROLE_QUEUE else 0,
                     queue_limit=q.queue_limit if role == QROLE_QUEUE else 0)
        if role == QROLE_QUEUE and q.priority_rate:
            size = q.priority_burst * UNITS_PER_BYTE
            child.policer = PriorityPolicer(q.priority_rate, size, size)
        self.children.append(child)
        return child

    def queues(self):
        if self.role == QROLE_QUEUE:
            yield self
        for child in self.children:
            yield from child.queues()

    def clear_counters(self) -> None:
        self.counts = QueueCounts()
        for child in self.children:
            child.clear_counters()

    def stats(self, now: int) -> QueueStats:
        queues = list(self.queues())
        total = {name: sum(getattr(q.counts, name) for q in queues)
                 for name in ("out_pkts", "out_bytes", "tail_pkts", "tail_bytes", "exceed_pkts",
                              "exceed_bytes", "delay_sum", "jitter_sum")}
        return QueueStats(
            role=self.role, queue_limit=self.queue_limit, depth=self.held,
            depth_max=self.counts.depth_max,
            out_pkts=total["out_pkts"], out_bytes=total["out_bytes"],
            tail_pkts=total["tail_pkts"], tail_bytes=total["tail_bytes"],
            exceed_pkts=total["exceed_pkts"], exceed_bytes=total["exceed_bytes"],
            delay_sum_ns=total["delay_sum"],
            delay_max_ns=max((q.counts.delay_max for q in queues), default=0),
            jitter_sum_ns=total["jitter_sum"],
            shape_tokens=self.shaper.level_at(now) if self.shaper else 0)


# ---- the scheduler ---------------------------------------------------------------------------------

@dataclass
class Step:
    """One step of a selection: `parent` serves `child` in `tier`."""
    parent: Node
    child: Node
    tier: str


class Scheduler:
    """A target's scheduler: the tree under its root, and its clock."""

    def __init__(self, root: Node) -> None:
        self.root = root
        self.now = 0

    # ---- per packet: docs/fastpath.md, "Per packet", steps 1-5 ----
    def arrive(self, queue: Node, ts: int, length: int, trace=None) -> int:
        """A packet the policy forwards reaches `queue`; its reason: REASON_NONE when queued (it
        will leave), REASON_PRIORITY or REASON_QUEUE when dropped. `trace`, a traced packet's
        record (qfp.reference_trace), learns the queue's depth and, at its departure, the time."""
        t = max(ts, self.now)
        self.run(t)                                                        # 1
        if trace is not None:
            trace.queue_depth = len(queue.packets)
        if queue.policer is not None and queue.parent.held:                # 2: congestion
            if not queue.policer.admit(t, length):
                queue.counts.exceed_pkts += 1
                queue.counts.exceed_bytes += length
                return P.REASON_PRIORITY
        if len(queue.packets) >= queue.queue_limit:                        # 3
            queue.counts.tail_pkts += 1
            queue.counts.tail_bytes += length
            return P.REASON_QUEUE
        queue.packets.append((t, length, trace))                           # 4
        node = queue
        while node is not self.root:
            if not node.held:     # it becomes backlogged: its excess tag catches up
                node.tag = max(node.tag, node.parent.vtime)
            node.held += 1
            node.counts.depth_max = max(node.counts.depth_max, node.held)
            node = node.parent
        self.root.held += 1
        self.run(t)                                                        # 5
        return P.REASON_NONE

    def advance(self, until: int) -> None:
        """Run up to `until` with nothing arriving; time never runs backwards."""
        self.run(max(until, self.now))

    # ---- running up to t ----
    def run(self, t: int) -> None:
        """Decide at `now`, and then at each time a shaper on a backlogged path refills, up to t."""
        assert t >= self.now
        decision = self.now
        while True:
            while (path := self.select(self.root, decision)) is not None:
                self.depart(path, decision)
            if not self.root.held:
                break
            decision = self.next_ready(self.root, decision)
            if decision > t:
                break
        self.now = t

    def select(self, node: Node, t: int) -> list[Step] | None:
        """What `node` sends at t, as the steps from it down to a queue; None if nothing can go."""
        ready = []                  # (child, its own steps below), in class order
        for child in node.children:
            if not child.held:
                continue
            if child.shaper is not None and not child.shaper.ready(t):
                continue
            if child.role == QROLE_QUEUE:
                ready.append((child, []))
            else:
                below = self.select(child, t)
                if below is not None:
                    ready.append((child, below))
        if not ready:
            return None

        def leaf(child, below):
            return below[-1].child if below else child

        # 1. priority: level 1, then level 2; among equals, class order.
        for level in (1, 2):
            for child, below in ready:
                if leaf(child, below).priority == level:
                    return [Step(node, child, TIER_PRIORITY), *below]
        # 2. minimum: round robin in class order, starting after the child served last.
        minimum = [(c, b) for c, b in ready if c.meter is not None and c.meter.ready(t)]
        if minimum:
            after = [(c, b) for c, b in minimum if c.class_index > node.last_minimum]
            child, below = (after or minimum)[0]
            return [Step(node, child, TIER_MINIMUM), *below]
        # 3. excess: the smallest tag; min() keeps the first of equals, so ties go in class order.
        child, below = min(ready, key=lambda cb: cb[0].tag)
        return [Step(node, child, TIER_EXCESS), *below]

    def depart(self, path: list[Step], t: int) -> None:
        """The head of the selected queue leaves at t: every node on its way is charged."""
        queue = path[-1].child
        arrival, length, trace = queue.packets.popleft()
        if trace is not None:
            trace.departed(t)
        for step in path:
            child = step.child
            if step.tier == TIER_MINIMUM:
                child.meter.charge(t, length)
                step.parent.last_minimum = child.class_index
            elif step.tier == TIER_EXCESS:
                step.parent.vtime = child.tag
                child.tag += length * (EXCESS_SCALE // child.weight)
            if child.shaper is not None:
                child.shaper.send(t, length)
            child.held -= 1
        self.root.held -= 1
        counts = queue.counts
        delay = t - arrival
        if queue.last_delay is not None:
            counts.jitter_sum += abs(delay - queue.last_delay)
        queue.last_delay = delay
        counts.out_pkts += 1
        counts.out_bytes += length
        counts.delay_sum += delay
        counts.delay_max = max(counts.delay_max, delay)

    def next_ready(self, node: Node, t: int) -> int:
        """The earliest time after t at which a shaper on a backlogged path below `node` refills
        (called when nothing can be selected at t but packets are queued)."""
        times = []
        for child in node.children:
            if not child.held:
                continue
            if child.shaper is not None and not child.shaper.ready(t):
                times.append(child.shaper.ready_at(t))
            if child.children:
                times.append(self.next_ready(child, t))
        return min(times, default=_NEVER)


_NEVER = 1 << 128     # later than any clock (no shaper on a backlogged path is waiting)
