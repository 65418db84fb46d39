"""IOS XE's conditional debugging and packet trace, the control plane's half (docs/fastpath.md,
"Packet trace", has the fast path's): the conditions `debug platform condition ...` sets, whether
they are started, the packet-trace settings, and `mark`, which every batch-building path calls
before process() so that the packets the conditions select ask the fast path to record them.

A packet matches when it matches any condition (IOS ORs them). A condition names a direction
(ingress: into the hub from the tunnel, Direction.IN; egress: out to it; both) and one or more of:
an interface (a Virtual-Access, by its session's UIDB), an access-list (the fast path looks the
packets up in the named ACL: a permit is a match), a prefix (source or destination inside it).
While conditions are stopped, or there are none, mark does nothing per packet."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import numpy as np

from qfp_model.qfp.tables import Direction

DIRECTIONS = ("both", "ingress", "egress")


@dataclass(frozen=True)
class Condition:
    direction: str                          # one of DIRECTIONS
    interface: str | None = None            # full name, e.g. Virtual-Access1
    family: int | None = None               # 4 or 6 with an access-list or prefix
    access_list: str | None = None
    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    def describe(self) -> str:
        """As `show platform conditions` lists it: `Virtual-Access1 & IPV4 ACL [NAME]`."""
        parts = [self.interface] if self.interface else []
        version = f"IPV{self.family}"
        if self.access_list is not None:
            parts.append(f"{version} ACL [{self.access_list}]")
        if self.prefix is not None:
            parts.append(f"{version} [{self.prefix}]")
        return " & ".join(parts)

    def command(self) -> str:
        """The `debug platform condition` line that makes it (show debugging's and `no`'s words)."""
        words = ["debug platform condition"]
        if self.interface:
            words.append(f"interface {self.interface}")
        if self.access_list is not None:
            words.append(f"ipv{self.family} access-list {self.access_list}")
        elif self.prefix is not None:
            words.append(f"ipv{self.family} {self.prefix}")
        words.append(self.direction)
        return " ".join(words)


@dataclass
class TraceSettings:
    """`debug platform packet-trace packet N [circular] [fia-trace] [data-size N]`."""
    packets: int
    circular: bool = False
    fia_trace: bool = False
    data_size: int | None = None


@dataclass
class PacketTrace:
    conditions: list[Condition] = field(default_factory=list)
    started: bool = False
    settings: TraceSettings | None = None

    # ---- conditions ----
    def add(self, condition: Condition) -> bool:
        """False when the same condition is there already (IOS keeps one)."""
        if condition in self.conditions:
            return False
        self.conditions.append(condition)
        return True

    def remove(self, condition: Condition) -> bool:
        if condition not in self.conditions:
            return False
        self.conditions.remove(condition)
        return True

    def clear_conditions(self) -> None:
        self.conditions.clear()
        self.started = False

    # ---- the batches ----
    def mark(self, device, batch: np.ndarray) -> None:
        """Set `trace` on the packets of `batch` the started conditions select (others keep
        theirs). Vectorized; nothing at all while stopped or with no condition."""
        if not self.started or not self.conditions or not batch.size:
            return
        hit = np.zeros(batch.size, dtype=bool)
        for c in self.conditions:
            hit |= _matches(device, c, batch)
        if hit.any():
            batch["trace"] |= hit.astype(np.uint8)


def _matches(device, c: Condition, batch: np.ndarray) -> np.ndarray:
    m = np.ones(batch.size, dtype=bool)
    if c.direction != "both":
        m &= batch["dir"] == int(Direction.IN if c.direction == "ingress" else Direction.OUT)
    if c.interface is not None:
        session = next((s for s in device.sessions if s.interface == c.interface), None)
        if session is None:
            return np.zeros(batch.size, dtype=bool)
        m &= batch["uidb"] == session.uidb
    if c.family is not None:
        m &= batch["family"] == c.family
    if c.prefix is not None:
        m &= _in_prefix(batch, "src", c.prefix) | _in_prefix(batch, "dst", c.prefix)
    if c.access_list is not None and m.any():
        m &= _permitted(device, c.access_list, batch, m)
    return m


def _in_prefix(batch: np.ndarray, column: str, prefix) -> np.ndarray:
    """Whether each packet's address in `column` lies inside `prefix` (IPv6: word 0 in the column,
    words 1-3 in its `_low` twin, as csrc/qfp.h lays them out)."""
    net, mask = int(prefix.network_address), int(prefix.netmask)
    if prefix.version == 4:
        return (batch[column] & np.uint32(mask)) == np.uint32(net)
    words = [batch[column]] + [batch[f"{column}_low"][:, i] for i in range(3)]
    inside = np.ones(batch.size, dtype=bool)
    for i, word in enumerate(words):
        shift = 96 - 32 * i
        wmask, wnet = np.uint32(mask >> shift & 0xFFFFFFFF), np.uint32(net >> shift & 0xFFFFFFFF)
        inside &= (word & wmask) == wnet
    return inside


def _permitted(device, name: str, batch: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A permit of ACL `name` in the fast path's own lookup; an ACL not configured matches nothing."""
    acl = device.config.access_lists.get(name)
    out = np.zeros(batch.size, dtype=bool)
    if acl is None:
        return out
    permits = np.array([e.ace.permit for e in acl.entries if e.ace is not None] + [False], dtype=bool)
    which = np.flatnonzero(rows)
    first = device.fp.acl_classify(device.compiler.acl_slot(name), np.ascontiguousarray(batch[which]))
    out[which] = permits[np.minimum(first, permits.size - 1)]
    return out

