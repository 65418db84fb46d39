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
from qfp_model.qfp.tables import PROTO_UDP, Direction

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
           "protocol", "dscp", "flags", "fragment")


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "direction", Direction(self.direction))
        if (self.packets is None) == (self.duration is None):
            raise ControlError("give either a packet count or a duration")

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
        header = dict(uidb=self.uidb, dir=int(self.direction), src=int(self.src), dst=int(self.dst),
                      proto=self.proto, sport=self.sport, dport=self.dport, dscp=self.dscp,
                      tcp_flags=self.tcp_flags, frag=self.frag)
        for first in range(0, self.count, batch):
            yield P.constant_rate_batch(min(batch, self.count - first), length=self.size,
                                        rate=self.rate, t0=t0, first=first, **header)


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

    def add(self, verdicts: np.ndarray) -> None:
        self.packets += verdicts.size
        self.forwarded += int((verdicts["action"] == P.FORWARD).sum())
        self.dropped_acl += int((verdicts["reason"] == P.REASON_ACL).sum())
        self.dropped_police += int((verdicts["reason"] == P.REASON_POLICE).sum())
        colours = np.bincount(verdicts["colour"], minlength=P.COLOUR_NONE + 1)
        for c in range(P.COLOUR_COUNT):
            self.colours[c] += int(colours[c])
        forwarded = verdicts["dscp"][verdicts["action"] == P.FORWARD]
        for value, count in zip(*np.unique(forwarded, return_counts=True)):
            self.dscp_out[int(value)] = self.dscp_out.get(int(value), 0) + int(count)


def max_packets() -> int:
    value = os.environ.get("QFP_MAX_SIM_PACKETS")
    try:
        return MAX_PACKETS if value is None else int(value)
    except ValueError:
        raise ControlError(f"QFP_MAX_SIM_PACKETS={value!r} is not a number of packets") from None


# A run of traffic, without IO: it yields each batch to be processed and is sent back the verdicts,
# and returns its TrafficResult. Whoever drives it decides where the batches are processed: inline
# (run_to_end), or on a worker thread while the device's event loop goes on (control/core/worker.py).
TrafficRun = Generator[np.ndarray, np.ndarray, TrafficResult]


def run_to_end(run: TrafficRun, process: Callable[[np.ndarray], np.ndarray]) -> TrafficResult:
    try:
        batch = next(run)
        while True:
            batch = run.send(process(batch))
    except StopIteration as done:
        return done.value
