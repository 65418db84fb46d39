"""What the packet trace gives back (csrc/qfp.h, "packet trace"; docs/fastpath.md, "Packet trace"):
one TraceRecord per traced packet, and the TraceStats `show platform packet-trace statistics` prints.

The C fast path and the reference give the same records for the same calls. Numbers qfp.h defines
are copied here for modules that run without the C extension; tests check each against C."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import TableError
from .packets import COLOUR_NONE, PACKET_DTYPE, VERDICT_DTYPE

TRACE_MIN = 16            # QFP_TRACE_MIN: IOS's `debug platform packet-trace packet <16-8192>`
TRACE_MAX = 8192          # QFP_TRACE_MAX
TRACE_REASONS = 8         # QFP_TRACE_REASONS: drop reasons the statistics count
NOT_SENT = (1 << 64) - 1  # QFP_TRACE_NOT_SENT
NO_QUEUE = 0xFFFFFFFF     # QFP_TRACE_NO_QUEUE
NO_TERM = 0xFFFF          # QFP_TRACE_NO_TERM
# What a policer's colour did (enum qfp_police_action): any marking, set-dscp or set-prec, is
# PA_SET_DSCP, the DSCP it gave being the level's dscp_out.
PA_TRANSMIT, PA_DROP, PA_SET_DSCP = 1, 2, 3


def check_capacity(capacity) -> int:
    """The capacity as an int: 0 (no buffer) or TRACE_MIN..TRACE_MAX packets; TableError else."""
    if isinstance(capacity, bool) or not isinstance(capacity, int) \
            or not (capacity == 0 or TRACE_MIN <= capacity <= TRACE_MAX):
        raise TableError(f"trace capacity {capacity!r} is outside {TRACE_MIN}..{TRACE_MAX} packets")
    return capacity


@dataclass(frozen=True)
class TraceLevel:
    """One policy level of a traced packet's path, in hierarchy order."""
    policy: int              # policy handle
    class_index: int         # the class it took
    term: int | None         # the first `match` of the class's class-map that held; None: class-default
    colour: int | None       # its policer's colour (qfp.packets COLOUR_*); None: no policer ran
    police_action: int | None  # the action that colour took (PA_TRANSMIT, PA_DROP, PA_SET_DSCP)
    dscp_in: int             # DSCP as the level got the packet
    dscp_out: int            # and as it left it


@dataclass(frozen=True)
class TraceRecord:
    number: int              # traced packets before it since the buffer was configured or cleared
    packet: tuple            # the packet record as it arrived, PACKET_DTYPE's fields in order
    verdict: tuple           # its verdict, VERDICT_DTYPE's fields in order
    levels: tuple[TraceLevel, ...]
    queue_state: int | None  # the class state of the queue it reached
    queue_depth: int         # packets that queue held when it reached it (0 with no queue)
    depart_ns: int | None    # when its scheduler sent it; None: not sent (yet)

    def field(self, name: str):
        """A packet field by its PACKET_DTYPE name."""
        return self.packet[PACKET_DTYPE.names.index(name)]

    def outcome(self, name: str):
        """A verdict field by its VERDICT_DTYPE name."""
        return self.verdict[VERDICT_DTYPE.names.index(name)]


@dataclass(frozen=True)
class TraceStats:
    matched: int             # packets that asked to be traced, recorded or not
    traced: int              # recorded
    forward: int             # of the matched, forwarded
    drops: tuple[int, ...]   # of the matched, dropped, indexed by reason (qfp.packets REASON_*)
    capacity: int            # 0: no buffer configured
    circular: bool


def plain_row(row) -> tuple:
    """A structured row's fields as plain Python values, arrays as tuples (so records compare)."""
    return tuple(tuple(int(x) for x in v) if hasattr(v, "__len__") else v for v in row)


def level_of(policy: int, class_index: int, term: int, colour: int, police_action: int,
             dscp_in: int, dscp_out: int) -> TraceLevel:
    """A TraceLevel from the record's raw words (the C struct's, or the reference's)."""
    return TraceLevel(policy=policy, class_index=class_index, term=None if term == NO_TERM else term,
                      colour=None if colour == COLOUR_NONE else colour,
                      police_action=police_action or None, dscp_in=dscp_in, dscp_out=dscp_out)
