"""Simulated traffic: a constant-rate stream of identical packets, evenly spaced in virtual time.

Packet i of a stream starting at t0 leaves at t0 + floor(i * size * 8e9 / rate) ns, computed exactly
in integers (qfp.packets.constant_rate_batch), so a run is deterministic and its timing has no drift
however long it is.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import Direction

from ..errors import ControlError

BATCH = 65536


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
    colours: list[int] = field(default_factory=lambda: [0] * P.COLOUR_COUNT)   # conform, exceed, violate
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
