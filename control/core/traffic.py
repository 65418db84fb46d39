"""Simulated traffic: what to send (TrafficSpec), a constant-rate stream of identical packets evenly
spaced in virtual time (Stream), and what became of it (TrafficResult).

Packet i of a stream starting at t0 leaves at t0 + floor(i * size * 8e9 / rate) ns, computed exactly
in integers (qfp.packets.constant_rate_batch), so a run is deterministic and its timing has no drift
however long it is.
"""
from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

import numpy as np

from qfp_model.qfp import packets as P
from qfp_model.qfp.errors import NotFound
from qfp_model.qfp.readback import QROLE_NONE, QROLE_QUEUE, ClassState, QueueStats
from qfp_model.qfp.tables import PROTO_ICMP, PROTO_UDP, Direction

from ..config import syntax as S
from ..errors import ControlError

BATCH = 65536
# The most packets one run may send: at the fast path's tens of millions a second this is a minute
# or two of work, where an unbounded duration x rate asked for months. QFP_MAX_SIM_PACKETS changes it.
MAX_PACKETS = 10**9
TCP_FLAGS = {"fin": P.TCP_FIN, "syn": P.TCP_SYN, "rst": P.TCP_RST, "psh": P.TCP_PSH,
             "ack": P.TCP_ACK, "urg": P.TCP_URG}
FRAGMENTS = {"first": P.FRAG_INITIAL, "non-initial": P.FRAG_NONINITIAL}
# What TrafficSpec.from_words takes beyond the interface, direction, size and rate.
OPTIONS = ("packets", "duration", "source", "destination", "source_port", "destination_port",
           "protocol", "dscp", "flags", "fragment", "icmp_type", "icmp_code", "ttl")
HOST_TTL = 64   # what a host sends (Linux's default TTL and hop limit) when a stream names none
# What an ICMP stream sends when no type is named: echo requests.
ICMP_ECHO = 8


def _word(text, parse):
    try:
        return parse(S.Tok(str(text), 0))
    except S.Bad as bad:
        raise ControlError(bad.reason) from None


def dscp_number(word) -> int:
    """A DSCP by IOS name (`ef`, `af11`, ...) or number; ControlError otherwise."""
    return _word(word, S.dscp)


def tcp_flags(text: str) -> int:
    """TCP flag bits from their names, comma-separated: `syn,ack`."""
    flags = 0
    for name in text.lower().split(","):
        if name not in TCP_FLAGS:
            raise ControlError(f"TCP flag '{name}' is not one of {', '.join(TCP_FLAGS)}")
        flags |= TCP_FLAGS[name]
    return flags


@dataclass(frozen=True)
class TrafficSpec:
    """A constant-rate stream through one session's target, as `sim traffic` and a regress case's
    traffic step describe it: numbers as the fast path takes them (from_words reads the names users
    type). Exactly one of `packets` and `duration` (seconds of virtual time) says how long it runs."""
    interface: str
    direction: Direction
    size: int                       # bytes, L3
    rate: int                       # bit/s
    packets: int | None = None
    duration: float | None = None
    source: str | None = None       # default: the session's side of the stream
    destination: str | None = None  # default: the hub's side
    protocol: int = PROTO_UDP
    source_port: int = 1024
    destination_port: int = 1024
    dscp: int = 0
    tcp_flags: int = 0
    fragment: int = P.FRAG_NONE
    # ICMP's type and code. The fast path carries them in the packet's port fields
    # (docs/fastpath.md, "ACE matching"), so an ICMP stream's source_port and destination_port
    # become its type (default echo, 8) and code (default 0).
    icmp_type: int | None = None
    icmp_code: int | None = None
    ttl: int = HOST_TTL             # IPv6: the hop limit

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
        if not 0 <= self.ttl <= 255:
            raise ControlError(f"ttl {self.ttl} is outside 0..255")
        for name in ("icmp_type", "icmp_code"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.protocol != PROTO_ICMP:
                raise ControlError(f"{name.replace('_', '-')} needs protocol icmp")
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 255:
                raise ControlError(f"{name.replace('_', '-')} {value!r} is not a whole number in 0..255")
        if self.protocol == PROTO_ICMP:
            object.__setattr__(self, "source_port", ICMP_ECHO if self.icmp_type is None else self.icmp_type)
            object.__setattr__(self, "destination_port", self.icmp_code or 0)
        if (self.packets is None) == (self.duration is None):
            raise ControlError("give either a packet count or a duration")
        # The ranges `sim traffic`'s syntax has; a regression case's TOML reaches here unchecked.
        for name, lo, hi in (("size", 20, 65535), ("rate", 1, 10**11), ("packets", 1, max_packets()),
                             ("source_port", 0, 65535), ("destination_port", 0, 65535), ("dscp", 0, 63),
                             ("protocol", 0, 255), ("tcp_flags", 0, 0xFF)):
            value = getattr(self, name)
            if value is None and name == "packets":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise ControlError(f"{name.replace('_', '-')} {value!r} is not a whole number in {lo}..{hi:,}")
        duration = self.duration
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, (int, float))
                                     or not 0 < duration <= 86400):
            raise ControlError(f"duration {duration!r} is not a number of seconds in (0, 86400]")

    @classmethod
    def from_words(cls, interface: str, direction: Direction, *, size: int, rate: int,
                   protocol=None, dscp=None, flags: str | None = None, fragment: str | None = None,
                   **numbers) -> TrafficSpec:
        """A spec from what a user types: protocol and DSCP by name or number, TCP flags by name
        (`syn,ack`), fragment `first` or `non-initial`; `numbers` are the other OPTIONS as they are."""
        words = {}
        if protocol is not None:
            words["protocol"] = _word(protocol, S.protocol) or 0   # `ip`: any protocol, sent as 0
        if dscp is not None:
            words["dscp"] = dscp_number(dscp)
        if flags is not None:
            words["tcp_flags"] = tcp_flags(flags)
        if fragment is not None:
            if fragment not in FRAGMENTS:
                raise ControlError(f"fragment '{fragment}' is not one of {', '.join(FRAGMENTS)}")
            words["fragment"] = FRAGMENTS[fragment]
        return cls(interface, direction, size, rate, **numbers, **words)


@dataclass(frozen=True)
class Stream:
    uidb: int
    direction: Direction
    src: ipaddress.IPv4Address | ipaddress.IPv6Address     # both of one family: the packets'
    dst: ipaddress.IPv4Address | ipaddress.IPv6Address
    proto: int
    sport: int
    dport: int
    dscp: int
    tcp_flags: int
    frag: int             # qfp.packets.FRAG_*
    size: int             # bytes, L3
    rate: int             # bit/s
    count: int            # packets
    # TTL (IPv6: hop limit): ACEs may match it (`ttl`), and a record's 0 would be a packet no
    # router forwards.
    ttl: int = HOST_TTL

    @property
    def family(self) -> int:
        """6 for IPv6 addresses; an IPv4Address or a plain int (32 bits) is IPv4."""
        return 6 if isinstance(self.src, ipaddress.IPv6Address) else 4

    def __post_init__(self) -> None:
        if not 20 <= self.size <= 65535:
            raise ControlError(f"size {self.size} is outside 20..65535 bytes")
        if self.rate <= 0:
            raise ControlError("rate must be positive")
        if self.count < 0:
            raise ControlError("packet count must not be negative")
        limit = max_packets()
        if self.count > limit:
            raise ControlError(f"that is {self.count:,} packets; a run sends at most {limit:,} "
                               "(QFP_MAX_SIM_PACKETS changes it)")

    @classmethod
    def for_duration(cls, seconds: float, **fields) -> Stream:
        """As many packets as `rate` carries in `seconds` (whole packets only)."""
        size, rate = fields["size"], fields["rate"]
        count = int(seconds * rate) // (size * 8)
        return cls(count=count, **fields)

    def batches(self, t0: int, batch: int = BATCH) -> Iterator[np.ndarray]:
        """The stream as packet batches, starting at virtual time t0 (ns)."""
        for chunk in self.chunks(t0, batch):
            yield chunk.batch()

    def chunks(self, t0: int, batch: int = BATCH) -> Iterator[Chunk]:
        """The stream as chunks of work, each a batch to make, process and count."""
        for first in range(0, self.count, batch):
            yield Chunk(self, t0, first, min(batch, self.count - first))


@dataclass(frozen=True)
class Chunk:
    """Packets first .. first+n-1 of a stream: made, processed and counted in one call, so that the
    whole of it can run on a worker thread (only merging its counts is left to the caller)."""
    stream: Stream
    t0: int
    first: int
    n: int

    def batch(self) -> np.ndarray:
        s = self.stream
        v6 = s.family == 6
        batch = P.constant_rate_batch(self.n, length=s.size, rate=s.rate, t0=self.t0, first=self.first,
                                      uidb=s.uidb, dir=int(s.direction),
                                      src=0 if v6 else int(s.src), dst=0 if v6 else int(s.dst),
                                      proto=s.proto, sport=s.sport, dport=s.dport, dscp=s.dscp,
                                      tcp_flags=s.tcp_flags, frag=s.frag, ttl=s.ttl)
        if v6:    # one address for every packet: its four words assigned at once
            batch["family"] = P.FAMILY_IPV6
            for field, low, value in (("src", "src_low", int(s.src)), ("dst", "dst_low", int(s.dst))):
                batch[field] = value >> 96
                batch[low] = (value >> 64 & 0xFFFFFFFF, value >> 32 & 0xFFFFFFFF, value & 0xFFFFFFFF)
        return batch

    def __call__(self, process: Callable[[np.ndarray], np.ndarray]) -> tuple[TrafficResult, int]:
        """This chunk's counts, and the time its last packet left (ns)."""
        batch = self.batch()
        counts = TrafficResult(interface="", direction=self.stream.direction)
        counts.add(process(batch))
        s = self.stream
        counts.flow = Flow(int(s.src), int(s.dst), s.proto, s.sport, s.dport, s.size, s.rate, self.t0,
                           s.family)
        return counts, int(batch["ts_ns"][-1])


@dataclass(frozen=True)
class Flow:
    """A stream's header and timing, as its packets carry them: packet i left at
    t0 + floor(i * size * 8e9 / rate) ns (qfp.packets.constant_rate_batch)."""
    src: int
    dst: int
    proto: int
    sport: int
    dport: int
    size: int
    rate: int
    t0: int
    family: int = 4       # 6: src and dst are 128-bit

    def sent_before(self, t_ns: int) -> int:
        """How many of the stream's packets left before t_ns (uncapped: the caller caps at the
        count it sent). i * step / rate < t - t0, i.e. i < ceil((t - t0) * rate / step)."""
        if t_ns <= self.t0:
            return 0
        step = self.size * 8 * P.NS_PER_S
        return -(-(t_ns - self.t0) * self.rate // step)

    def time_of(self, i: int) -> int:
        return self.t0 + i * self.size * 8 * P.NS_PER_S // self.rate


@dataclass
class TrafficResult:
    """What `sim traffic` reports: the stream's fate, by verdict."""
    interface: str
    direction: Direction
    packets: int = 0
    forwarded: int = 0
    dropped_acl: int = 0
    dropped_police: int = 0
    colours: list[int] = field(default_factory=lambda: [0] * P.COLOUR_COUNT)   # by P.CONFORM, ...
    dscp_out: dict[int, int] = field(default_factory=dict)
    start_ns: int = 0
    end_ns: int = 0
    # The ACE the stream's packets matched (a stream is one flow, and the ACL looks at nothing
    # that changes along it) and how many did: what `log` ACEs report (control/core/acl_log.py).
    # None with no ACL on the target.
    ace: int | None = None
    ace_packets: int = 0
    flow: Flow | None = None
    # Queueing (docs/fastpath.md, "Queueing"): packets a full queue tail-dropped, and packets a
    # priority queue's conditional policer dropped under congestion.
    dropped_queue: int = 0
    dropped_priority: int = 0
    # The class path each packet that reached the queueing stage took, as (cls, child_cls) -> how
    # many: what says which queue a stream's packets joined (queue_of), since a verdict has no
    # departure time of its own.
    paths: dict[tuple[int, int], int] = field(default_factory=dict)
    # What a run of several streams calls this one (`name` in a regress case; else `N`).
    label: str = ""
    # The queues this stream's packets joined, as the run saw them (QueueFigures; run_streams).
    queues: list = field(default_factory=list)

    @property
    def dropped(self) -> int:
        return self.dropped_acl + self.dropped_police + self.dropped_queue + self.dropped_priority

    def add(self, verdicts: np.ndarray) -> None:
        if verdicts.size and verdicts["ace"][0] != P.ACE_NONE:
            first = int(verdicts["ace"][0])
            if self.ace is None:
                self.ace = first
            if first == self.ace:
                self.ace_packets += int((verdicts["ace"] == first).sum())
        self.packets += verdicts.size
        forwarded = verdicts["action"] == P.FORWARD
        self.forwarded += int(forwarded.sum())
        reasons = np.bincount(verdicts["reason"], minlength=P.REASON_PRIORITY + 1)
        self.dropped_acl += int(reasons[P.REASON_ACL])
        self.dropped_police += int(reasons[P.REASON_POLICE])
        self.dropped_queue += int(reasons[P.REASON_QUEUE])
        self.dropped_priority += int(reasons[P.REASON_PRIORITY])
        self._add_paths(verdicts, forwarded | (verdicts["reason"] == P.REASON_QUEUE)
                        | (verdicts["reason"] == P.REASON_PRIORITY))
        colours = np.bincount(verdicts["colour"], minlength=P.COLOUR_NONE + 1)
        for c in range(P.COLOUR_COUNT):
            self.colours[c] += int(colours[c])
        marks = np.bincount(verdicts["dscp"][forwarded], minlength=64)
        for value in np.flatnonzero(marks).tolist():
            self.dscp_out[value] = self.dscp_out.get(value, 0) + int(marks[value])

    def _add_paths(self, verdicts: np.ndarray, reached: np.ndarray) -> None:
        keys = (verdicts["cls"][reached].astype(np.uint32) << 16) | verdicts["child_cls"][reached]
        keys = keys[verdicts["cls"][reached] != P.CLASS_NONE]
        if not keys.size:
            return
        # A stream is one flow and almost always takes one path: count it without sorting.
        if (keys == keys[0]).all():
            values, counts = [int(keys[0])], [int(keys.size)]
        else:
            values, counts = (a.tolist() for a in np.unique(keys, return_counts=True))
        for key, count in zip(values, counts):
            path = (key >> 16, key & 0xFFFF)
            self.paths[path] = self.paths.get(path, 0) + count

    def merge(self, other: TrafficResult) -> None:
        """Add a chunk's counts (Chunk.__call__) to the run's."""
        if self.flow is None:
            self.flow = other.flow
        if other.ace is not None:
            if self.ace is None:
                self.ace = other.ace
            if other.ace == self.ace:
                self.ace_packets += other.ace_packets
        self.packets += other.packets
        self.forwarded += other.forwarded
        self.dropped_acl += other.dropped_acl
        self.dropped_police += other.dropped_police
        self.dropped_queue += other.dropped_queue
        self.dropped_priority += other.dropped_priority
        for path, count in other.paths.items():
            self.paths[path] = self.paths.get(path, 0) + count
        for c in range(P.COLOUR_COUNT):
            self.colours[c] += other.colours[c]
        for value, count in other.dscp_out.items():
            self.dscp_out[value] = self.dscp_out.get(value, 0) + count


def max_packets() -> int:
    value = os.environ.get("QFP_MAX_SIM_PACKETS")
    try:
        return MAX_PACKETS if value is None else int(value)
    except ValueError:
        raise ControlError(f"QFP_MAX_SIM_PACKETS={value!r} is not a number of packets") from None


# A run of traffic, without IO: it yields each Chunk of work and is sent back what the chunk
# returned, and returns its TrafficResult. Whoever drives it decides where chunks run: inline
# (run_to_end), or on a worker thread while the device's event loop goes on (control/core/worker.py).
TrafficRun = Generator[Chunk, tuple[TrafficResult, int], TrafficResult]


def run_to_end(run: TrafficRun, process: Callable[[np.ndarray], np.ndarray]) -> TrafficResult:
    try:
        chunk = next(run)
        while True:
            chunk = run.send(chunk(process))
    except StopIteration as done:
        return done.value


# ---- several streams at once, and what queueing did to them ---------------------------------------
# Users make congestion the way they would with a traffic generator: voice plus bulk, each stream
# at its own rate, size and DSCP. The streams of a run are merged by timestamp into one
# time-ordered packet sequence (ties in the order the streams were given), because a scheduler
# sees arrivals in time order: sending the streams one after the other would show the second
# stream a device the first had already left.

@dataclass(frozen=True)
class MixedChunk:
    """Consecutive packets of several streams, merged by time: pieces are (stream index, Chunk).
    Made, processed and counted in one call, like a Chunk, so that a worker thread runs it whole."""
    pieces: tuple[tuple[int, Chunk], ...]

    def __call__(self, process: Callable[[np.ndarray], np.ndarray]) -> tuple[dict[int, TrafficResult], int]:
        """Each stream's counts (by stream index) and the time the chunk's last packet left."""
        parts = [chunk.batch() for _, chunk in self.pieces]
        batch = np.concatenate(parts) if len(parts) > 1 else parts[0]
        which = np.repeat(np.array([i for i, _ in self.pieces]), [part.size for part in parts])
        if len(parts) > 1:
            # stable: packets at the same instant go in the order the streams were given
            order = np.argsort(batch["ts_ns"], kind="stable")
            batch, which = batch[order], which[order]
        verdicts = process(batch)
        counts = {}
        for i, chunk in self.pieces:
            s = chunk.stream
            mine = verdicts if len(parts) == 1 else verdicts[which == i]
            result = TrafficResult(interface="", direction=s.direction)
            result.add(mine)
            result.flow = Flow(int(s.src), int(s.dst), s.proto, s.sport, s.dport, s.size, s.rate, chunk.t0,
                               s.family)
            counts[i] = result
        return counts, int(batch["ts_ns"][-1])


def interleaved(streams: list[Stream], t0: int, batch: int = BATCH) -> Iterator[MixedChunk]:
    """The streams, all starting at t0, as MixedChunks in time order: each chunk holds every packet
    that leaves in a window of virtual time, the window sized for about `batch` packets."""
    flows = [Flow(0, 0, 0, 0, 0, s.size, s.rate, t0) for s in streams]
    sent = [0] * len(streams)
    t = t0
    while True:
        left = [i for i, s in enumerate(streams) if sent[i] < s.count]
        if not left:
            return
        pps = sum(streams[i].rate / (streams[i].size * 8) for i in left)
        # At least past the next packet due, so that a window never comes back empty (a slow
        # stream left alone after a fast one ended would otherwise take millions of empty windows).
        due = min(flows[i].time_of(sent[i]) for i in left)
        t = max(t + max(1, int(batch * P.NS_PER_S / pps)), due + 1)
        pieces = []
        for i in left:
            upto = min(streams[i].count, flows[i].sent_before(t))
            if upto > sent[i]:
                pieces.append((i, Chunk(streams[i], t0, sent[i], upto - sent[i])))
                sent[i] = upto
        yield MixedChunk(tuple(pieces))


@dataclass(frozen=True)
class Advance:
    """Work for whoever runs the batches: the schedulers of `targets` ((uidb, direction) pairs) run
    up to `until_ns`, so that what would have left by a run's end has left. It runs where batches
    run (the worker thread of a served device), as the fast path asks of target_advance."""
    fp: object
    targets: tuple[tuple[int, Direction], ...]
    until_ns: int

    def __call__(self, process) -> tuple[None, int]:
        for uidb, direction in self.targets:
            try:
                self.fp.target_advance(uidb, direction, self.until_ns)
            except NotFound:     # the session went down during the run: nothing left to send
                pass
        return None, self.until_ns


@dataclass(frozen=True, eq=False)     # two queues that did the same are still two
class QueueFigures:
    """What one queue (a class of a session's scheduler) did during a run: the change in its
    read-back (qfp.readback.QueueStats) from the run's start to its end, read after the scheduler
    ran to the end. Delays are of the packets that left during the run."""
    interface: str
    direction: Direction
    path: str                 # "class-default/VOICE": the class and its parents, as regress names it
    out_packets: int
    out_bytes: int
    tail_drops: int
    priority_drops: int       # a priority queue's conditional policer's (bw_exceed)
    delay_sum_ns: int
    delay_max_ns: int
    # The read-back keeps one maximum since the counters were cleared: when it did not grow during
    # the run and earlier packets had left, the run's own maximum is only known to be at most it.
    max_exact: bool
    jitter_sum_ns: int
    depth: int                # still queued at the run's end
    queue_limit: int

    @property
    def delay_mean_ns(self) -> int:
        return self.delay_sum_ns // self.out_packets if self.out_packets else 0

    @property
    def jitter_mean_ns(self) -> int:
        return self.jitter_sum_ns // (self.out_packets - 1) if self.out_packets > 1 else 0


@dataclass
class MixResult:
    """A run of one or more streams: each stream's fate (in the order given) and the queues they
    joined."""
    streams: list[TrafficResult]
    queues: list[QueueFigures]
    start_ns: int
    end_ns: int
    specs: list[TrafficSpec] = field(default_factory=list)     # what each stream offered


def class_paths(fp, states: list[ClassState]) -> list[str]:
    """Each class state's name with its parents', `PARENT/CHILD`, in read-back order."""
    names: dict[int, list[str]] = {}
    paths: list[str] = []
    for s in states:
        if s.policy not in names:
            names[s.policy] = [c.name for c in fp.policy_classes(s.policy)]
        name = names[s.policy][s.class_index]
        paths.append(name if s.parent_state is None else f"{paths[s.parent_state]}/{name}")
    return paths


def queue_of(states: list[ClassState], paths: list[str], cls: int, child_cls: int) -> int | None:
    """The index of the class state whose queue a packet classified (cls, child_cls) joined, or None
    when it met no queue. The tree's rules (docs/fastpath.md, "The tree"): an inner node's packets
    go on down; a class with no queueing action in a level that queues shares its class-default's
    queue; a level that does not queue leaves them in the queue above."""
    level, parent, found = 0, None, None
    for index in (cls, child_cls):
        if index == P.CLASS_NONE:
            break
        siblings = [i for i, s in enumerate(states) if s.parent_state == parent and s.level == level]
        here = next((i for i in siblings if states[i].class_index == index), None)
        if here is None:
            break
        if not any(states[i].queue is not None and states[i].queue.role != QROLE_NONE for i in siblings):
            break       # this level does not queue: the packet stays where it was
        role = states[here].queue.role if states[here].queue is not None else QROLE_NONE
        if role == QROLE_NONE:
            default = next((i for i in siblings if paths[i].rsplit("/", 1)[-1] == "class-default"), None)
            queue = states[default].queue if default is not None else None
            return default if queue is not None and queue.role == QROLE_QUEUE else found
        found = here
        if role == QROLE_QUEUE:
            return here
        level, parent = level + 1, here
    return found


def _figures(interface: str, direction: Direction, path: str, before: QueueStats | None,
             after: QueueStats) -> QueueFigures:
    if before is None or after.out_pkts < before.out_pkts:     # a fresh instance, or counters cleared
        before = QueueStats(after.role, after.queue_limit, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    grew = after.delay_max_ns > before.delay_max_ns
    return QueueFigures(
        interface, direction, path,
        out_packets=after.out_pkts - before.out_pkts, out_bytes=after.out_bytes - before.out_bytes,
        tail_drops=after.tail_pkts - before.tail_pkts, priority_drops=after.exceed_pkts - before.exceed_pkts,
        delay_sum_ns=after.delay_sum_ns - before.delay_sum_ns, delay_max_ns=after.delay_max_ns,
        max_exact=grew or before.out_pkts == 0 or after.out_pkts == before.out_pkts,
        jitter_sum_ns=after.jitter_sum_ns - before.jitter_sum_ns, depth=after.depth,
        queue_limit=after.queue_limit)


def _read(fp, uidb: int, direction: Direction) -> tuple[int | None, list[ClassState]]:
    try:
        return fp.uidb_info(uidb).policy[direction], fp.target_read(uidb, direction)
    except NotFound:         # a session gone down (during a served run): no queues to report
        return None, []


def run_streams(device, specs: list[TrafficSpec], labels: list[str] | None = None) -> TrafficRun:
    """A run of several streams at once through the device's sessions (`device` is a
    core.device.Device), merged in time from the device's clock on; when the packets are sent,
    the schedulers of the targets involved run to the run's end, and the result says what each
    queue the streams joined did. One stream is sent as Device.traffic_run sends it."""
    if not specs:
        raise ControlError("a run needs at least one stream")
    labels = labels or [str(n) for n in range(1, len(specs) + 1)]
    streams = [device.stream(spec) for spec in specs]    # every spec checked before a packet goes
    sessions = [device.session(spec.interface) for spec in specs]
    targets: dict[tuple[int, Direction], str] = {}
    for session, spec in zip(sessions, specs):
        targets.setdefault((session.uidb, spec.direction), session.interface)
    before = {target: _read(device.fp, *target) for target in targets}
    start = device.clock_ns
    if len(specs) == 1:
        results = [(yield from device.traffic_run(specs[0]))]
    else:
        results = [TrafficResult(s.interface, spec.direction, start_ns=start) for s, spec in zip(sessions, specs)]
        for chunk in interleaved(streams, start):
            counts, last_ns = yield chunk
            for i, count in counts.items():
                results[i].merge(count)
            device.clock_ns = max(device.clock_ns, last_ns)
        for result in results:
            result.end_ns = device.clock_ns
        device.clock_moved()
    yield Advance(device.fp, tuple(targets), device.clock_ns)
    where: dict[tuple[int, Direction, int], QueueFigures] = {}
    for (uidb, direction), interface in targets.items():
        policy, states = _read(device.fp, uidb, direction)
        old_policy, old_states = before[(uidb, direction)]
        if policy != old_policy or len(old_states) != len(states):
            old_states = []          # rebound during the run: a fresh instance, counted from zero
        paths = class_paths(device.fp, states)
        for i, state in enumerate(states):
            if state.queue is None or state.queue.role != QROLE_QUEUE:
                continue
            prior = old_states[i].queue if old_states and old_states[i].queue is not None else None
            figures = _figures(interface, direction, paths[i], prior, state.queue)
            where[(uidb, direction, i)] = figures
        for session, spec, result in zip(sessions, specs, results):
            if (session.uidb, spec.direction) != (uidb, direction):
                continue
            for cls, child in result.paths:
                i = queue_of(states, paths, cls, child)
                figures = where.get((uidb, direction, i)) if i is not None else None
                if figures is not None and figures not in result.queues:
                    result.queues.append(figures)
    for result, label in zip(results, labels):
        result.label = label
    queues = [f for f in where.values() if f.out_packets or f.tail_drops or f.priority_drops or f.depth
              or any(f in r.queues for r in results)]
    return MixResult(results, queues, start, device.clock_ns, list(specs))
