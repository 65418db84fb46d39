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
           "protocol", "dscp", "flags", "fragment", "icmp_type", "icmp_code")
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
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
    src: ipaddress.IPv4Address
    dst: ipaddress.IPv4Address
    proto: int
    sport: int
    dport: int
    dscp: int
    tcp_flags: int
    frag: int             # qfp.packets.FRAG_*
    size: int             # bytes, L3
    rate: int             # bit/s
    count: int            # packets

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
        return P.constant_rate_batch(self.n, length=s.size, rate=s.rate, t0=self.t0, first=self.first,
                                     uidb=s.uidb, dir=int(s.direction), src=int(s.src), dst=int(s.dst),
                                     proto=s.proto, sport=s.sport, dport=s.dport, dscp=s.dscp,
                                     tcp_flags=s.tcp_flags, frag=s.frag)

    def __call__(self, process: Callable[[np.ndarray], np.ndarray]) -> tuple[TrafficResult, int]:
        """This chunk's counts, and the time its last packet left (ns)."""
        batch = self.batch()
        counts = TrafficResult(interface="", direction=self.stream.direction)
        counts.add(process(batch))
        s = self.stream
        counts.flow = Flow(int(s.src), int(s.dst), s.proto, s.sport, s.dport, s.size, s.rate, self.t0)
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
        reasons = np.bincount(verdicts["reason"], minlength=max(P.REASON_ACL, P.REASON_POLICE) + 1)
        self.dropped_acl += int(reasons[P.REASON_ACL])
        self.dropped_police += int(reasons[P.REASON_POLICE])
        colours = np.bincount(verdicts["colour"], minlength=P.COLOUR_NONE + 1)
        for c in range(P.COLOUR_COUNT):
            self.colours[c] += int(colours[c])
        marks = np.bincount(verdicts["dscp"][forwarded], minlength=64)
        for value in np.flatnonzero(marks).tolist():
            self.dscp_out[value] = self.dscp_out.get(value, 0) + int(marks[value])

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
