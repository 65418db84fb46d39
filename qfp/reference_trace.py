"""The reference's packet trace (docs/fastpath.md, "Packet trace"): the buffer as a list, records as
mutable drafts the reference's walk fills in, frozen into qfp.trace.TraceRecord when read. What
csrc/qfp_trace.c does with an atomic word and marks in queue descriptors is here a list index and
an object reference, so a record a circular buffer has dropped may still be written to, unseen."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import packets as P
from .tables import PoliceAction
from .trace import (
    NO_TERM,
    PA_DROP,
    PA_SET_DSCP,
    PA_TRANSMIT,
    TRACE_REASONS,
    TraceLevel,
    TraceRecord,
    TraceStats,
    check_capacity,
)

_TAKEN = {"transmit": PA_TRANSMIT, "drop": PA_DROP, "set-dscp-transmit": PA_SET_DSCP,
          "set-prec-transmit": PA_SET_DSCP}


@dataclass
class LevelDraft:
    policy: int
    class_index: int
    term: int
    dscp_in: int
    dscp_out: int
    colour: int = P.COLOUR_NONE
    police_action: int = 0

    def policed(self, colour: int, action: PoliceAction) -> None:
        self.colour = colour
        self.police_action = _TAKEN[action.kind]


@dataclass
class RecordDraft:
    number: int
    packet: tuple
    verdict: tuple = ()
    levels: list[LevelDraft] = field(default_factory=list)
    queue_state: int | None = None
    queue_depth: int = 0
    depart_ns: int | None = None

    def level(self, policy: int, class_index: int, term: int | None, dscp: int) -> LevelDraft | None:
        """The draft of the next level down, or None past the depth C records."""
        if len(self.levels) >= 3:   # QFP_POLICY_DEPTH_MAX
            return None
        draft = LevelDraft(policy, class_index, NO_TERM if term is None else term, dscp, dscp)
        self.levels.append(draft)
        return draft

    def departed(self, t: int) -> None:
        self.depart_ns = t

    def frozen(self, base: int) -> TraceRecord:
        return TraceRecord(
            number=self.number - base, packet=self.packet, verdict=self.verdict,
            levels=tuple(TraceLevel(policy=lv.policy, class_index=lv.class_index,
                                    term=None if lv.term == NO_TERM else lv.term,
                                    colour=None if lv.colour == P.COLOUR_NONE else lv.colour,
                                    police_action=lv.police_action or None,
                                    dscp_in=lv.dscp_in, dscp_out=lv.dscp_out) for lv in self.levels),
            queue_state=self.queue_state, queue_depth=self.queue_depth, depart_ns=self.depart_ns)


class TraceBuffer:
    """A configured trace: `capacity` slots, stopping when full unless circular."""

    def __init__(self, capacity: int, circular: bool, first_number: int) -> None:
        self.capacity = capacity
        self.circular = circular
        self.base = self.next = first_number
        self.slots: list[RecordDraft | None] = [None] * capacity
        self.matched = self.forward = 0
        self.drops = [0] * TRACE_REASONS

    def begin(self, packet: tuple) -> RecordDraft | None:
        taken = self.next - self.base
        if not self.circular and taken >= self.capacity:
            return None
        draft = RecordDraft(number=self.next, packet=packet)
        self.slots[taken % self.capacity] = draft
        self.next += 1
        return draft

    def end(self, draft: RecordDraft | None, verdict: tuple) -> None:
        if draft is not None:
            draft.verdict = verdict
        self.matched += 1
        action, reason = verdict[P.VERDICT_DTYPE.names.index("action")], verdict[P.VERDICT_DTYPE.names.index("reason")]
        if action == P.FORWARD:
            self.forward += 1
        else:
            self.drops[reason % TRACE_REASONS] += 1

    def clear(self) -> None:
        self.base = self.next
        self.slots = [None] * self.capacity
        self.matched = self.forward = 0
        self.drops = [0] * TRACE_REASONS

    def read(self) -> list[TraceRecord]:
        taken = self.next - self.base
        if taken <= self.capacity:
            held = self.slots[:taken]
        else:
            start = taken % self.capacity
            held = self.slots[start:] + self.slots[:start]
        return [d.frozen(self.base) for d in held]

    def stats(self) -> TraceStats:
        return TraceStats(matched=self.matched, traced=self.next - self.base, forward=self.forward,
                          drops=tuple(self.drops), capacity=self.capacity, circular=self.circular)


class ReferenceTrace:
    """The trace half of ReferenceFastPath: the buffer, or none."""

    def __init__(self) -> None:
        self.buffer: TraceBuffer | None = None
        self._numbers = 0   # numbers go on across configurations, as C's do

    def config(self, capacity, circular: bool = False) -> None:
        capacity = check_capacity(capacity)
        if self.buffer is not None:
            self._numbers = self.buffer.next
        self.buffer = TraceBuffer(capacity, bool(circular), self._numbers) if capacity else None

    def begin(self, packet: tuple) -> RecordDraft | None:
        return None if self.buffer is None else self.buffer.begin(packet)

    def end(self, draft: RecordDraft | None, verdict: tuple) -> None:
        if self.buffer is not None:
            self.buffer.end(draft, verdict)

    def read(self) -> list[TraceRecord]:
        return [] if self.buffer is None else self.buffer.read()

    def stats(self) -> TraceStats:
        if self.buffer is None:
            return TraceStats(matched=0, traced=0, forward=0, drops=(0,) * TRACE_REASONS, capacity=0,
                              circular=False)
        return self.buffer.stats()

    def clear(self) -> None:
        if self.buffer is not None:
            self.buffer.clear()
