"""Packet batches and verdicts as numpy structured arrays, laid out as csrc/qfp.h's structs.

The fast path reads a batch in place (no copy), so the dtypes below must match the C structs byte for
byte; qfp.fastpath checks every field's offset and size against C's at import."""
from __future__ import annotations

import numpy as np

from .errors import TableError
from .tables import Direction

PACKET_DTYPE = np.dtype([
    ("ts_ns", "<u8"),
    ("uidb", "<u4"),
    ("src", "<u4"),
    ("dst", "<u4"),
    ("sport", "<u2"),
    ("dport", "<u2"),
    ("length", "<u2"),
    ("dir", "u1"),
    ("proto", "u1"),
    ("dscp", "u1"),
    ("tcp_flags", "u1"),
    ("frag", "u1"),
    ("family", "u1"),
    ("src_low", "<u4", (3,)),
    ("dst_low", "<u4", (3,)),
    ("flow_label", "<u4"),
    ("ttl", "u1"),
    ("ecn", "u1"),
    ("ext", "u1"),
    ("trace", "u1"),
])

VERDICT_DTYPE = np.dtype([
    ("ace", "<u4"),
    ("cls", "<u2"),
    ("child_cls", "<u2"),
    ("action", "u1"),
    ("colour", "u1"),
    ("dscp", "u1"),
    ("reason", "u1"),
])

# csrc/qfp.h's codes, repeated so that the reference model runs without the C extension;
# tests/test_c_contract.py holds each to C's value.
FAMILY_IPV4 = 4
FRAG_NONE, FRAG_INITIAL, FRAG_NONINITIAL = 0, 1, 2
FORWARD, DROP = 0, 1
CONFORM, EXCEED, VIOLATE, COLOUR_NONE = 0, 1, 2, 3
COLOUR_COUNT = 3    # conform, exceed, violate: the colours a class counts
REASON_NONE, REASON_NO_UIDB, REASON_ACL, REASON_POLICE = 0, 1, 2, 3
# Queueing drops (docs/fastpath.md, "Queueing"): a full queue, a priority queue's conditional policer.
REASON_QUEUE, REASON_PRIORITY = 4, 5
ACE_NONE, ACE_IMPLICIT = 0xFFFFFFFF, 0xFFFFFFFE
CLASS_NONE = 0xFFFF

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20

NS_PER_S = 1_000_000_000   # ts_ns counts virtual time in ns


def empty_batch(n: int) -> np.ndarray:
    """n zeroed IPv4 packets, ready to fill column by column."""
    batch = np.zeros(n, dtype=PACKET_DTYPE)
    batch["family"] = FAMILY_IPV4
    return batch


def constant_rate_batch(n: int, *, length: int, rate: int, t0: int = 0, first: int = 0,
                        **fields) -> np.ndarray:
    """Packets first .. first+n-1 of a constant-rate stream of `length`-byte packets offering `rate`
    bit/s from virtual time t0; the other header fields as `fields` give them.

    Packet i leaves at t0 + floor(i * length * 8e9 / rate) ns, computed exactly in integers, so a
    stream cut into batches is the stream in one, and its timing has no drift however long it runs."""
    batch = empty_batch(n)
    for name, value in fields.items():
        batch[name] = value
    batch["length"] = length
    step = length * 8 * NS_PER_S
    # Python ints where i * step would overflow 64 bits.
    wide = (first + n) * step >= 1 << 63
    index = np.arange(first, first + n, dtype=object if wide else np.int64)
    batch["ts_ns"] = t0 + (index * step // rate).astype(np.uint64)
    return batch


def check_shape(batch: np.ndarray) -> None:
    """Raise TableError unless `batch` is laid out as the fast path reads it."""
    if not isinstance(batch, np.ndarray) or batch.dtype != PACKET_DTYPE:
        raise TableError("a packet batch is a numpy array of qfp.packets.PACKET_DTYPE")
    if batch.ndim != 1 or not batch.flags.c_contiguous:
        raise TableError("a packet batch is one-dimensional and contiguous")


def check_batch(batch: np.ndarray, first: int = 0) -> None:
    """Raise TableError unless every packet is one the fast path may trust. (The C wrapper runs the
    same check in C, qfp_batch_check, and calls this to word the error; `first` is the index of
    batch[0] in the batch the user gave.)"""
    check_shape(batch)
    for name, limit in (("dir", int(max(Direction))), ("frag", FRAG_NONINITIAL), ("dscp", 63)):
        column = batch[name]
        if column.size and column.max() > limit:
            bad = int(np.argmax(column > limit))
            raise TableError(f"packet {first + bad}: {name} {int(column[bad])} is above {limit}")
    if batch.size and (batch["family"] != FAMILY_IPV4).any():
        bad = int(np.argmax(batch["family"] != FAMILY_IPV4))
        raise TableError(f"packet {first + bad}: family {int(batch['family'][bad])} is not IPv4 (4)")


def packet(**fields) -> np.ndarray:
    """A one-packet batch; handy in tests and the REPL: packet(src=..., proto=6, dport=80, length=100)."""
    batch = empty_batch(1)
    for name, value in fields.items():
        if name not in PACKET_DTYPE.names:
            raise TableError(f"no packet field {name!r}")
        batch[name] = value
    return batch
