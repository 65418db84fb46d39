"""Packet batches and verdicts as numpy structured arrays, laid out as csrc/qfp.h's structs.

The fast path reads a batch in place (no copy), so the dtypes below must match the C structs byte for
byte; qfp.fastpath checks every field's offset and size against C's at import."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable

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
FAMILY_IPV6 = 6
FAMILIES = (FAMILY_IPV4, FAMILY_IPV6)
FRAG_NONE, FRAG_INITIAL, FRAG_NONINITIAL = 0, 1, 2
FORWARD, DROP = 0, 1
CONFORM, EXCEED, VIOLATE, COLOUR_NONE = 0, 1, 2, 3
COLOUR_COUNT = 3    # conform, exceed, violate: the colours a class counts
REASON_NONE, REASON_NO_UIDB, REASON_ACL, REASON_POLICE = 0, 1, 2, 3
# Queueing drops (docs/fastpath.md, "Queueing"): a full queue, a priority queue's conditional policer.
REASON_QUEUE, REASON_PRIORITY = 4, 5
ACE_NONE, ACE_IMPLICIT = 0xFFFFFFFF, 0xFFFFFFFE
# An IPv6 ACL's implicit `permit icmp any any nd-na` and `nd-ns` (docs/fastpath.md, "IPv6").
ACE_IMPLICIT_ND_NA, ACE_IMPLICIT_ND_NS = 0xFFFFFFFD, 0xFFFFFFFC
CLASS_NONE = 0xFFFF

# The record's tcp_flags bits, which ACEs name too (tables.TcpFlags).
from .tables import TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG  # noqa: E402,F401

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
    unknown = ~np.isin(batch["family"], FAMILIES)
    if batch.size and unknown.any():
        bad = int(np.argmax(unknown))
        raise TableError(f"packet {first + bad}: family {int(batch['family'][bad])} is neither IPv4 (4) "
                         "nor IPv6 (6)")


# ---- IPv6 addresses: word 0 in src/dst, words 1-3 in src_low/dst_low (csrc/qfp.h) --------------
_ADDRESS_FIELDS = {"src": "src_low", "dst": "dst_low"}
_WORD = 0xFFFFFFFF


def _address_int(value) -> int:
    """An address as an integer: an ipaddress object, or an int (a 128-bit IPv6 address)."""
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return int(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < 1 << 128:
        return int(value)
    raise TableError(f"{value!r} is not an address (an ipaddress object or an int below 2^128)")


def _address_field(which: str) -> str:
    if which not in _ADDRESS_FIELDS:
        raise TableError(f"an address field is 'src' or 'dst', not {which!r}")
    return _ADDRESS_FIELDS[which]


def set_address(batch: np.ndarray, which: str, values) -> None:
    """Write addresses into a batch's `which` ("src" or "dst") column: one value for every packet, or
    one per packet, or an (n, 4) uint32 array of their words (most significant first: the fast way
    for large batches). An IPv6Address or an int is 128 bits, its word 0 in `src`/`dst` and words 1-3
    in `src_low`/`dst_low`; an IPv4Address fills `src`/`dst` and zeroes the low words. The family
    column is not touched: set it (FAMILY_IPV6) to say how the words are meant."""
    low = _address_field(which)
    if isinstance(values, np.ndarray) and values.ndim == 2 and values.shape[1] == 4:
        # Words already: (n, 4) uint32, most significant first, without a Python loop.
        if values.shape[0] != batch.size or values.dtype != np.uint32:
            raise TableError(f"address words must be a ({batch.size}, 4) uint32 array")
        batch[which], batch[low] = values[:, 0], values[:, 1:]
        return
    many = isinstance(values, Iterable) and not isinstance(values, (str, bytes))
    values = list(values) if many else [values] * batch.size
    if len(values) != batch.size:
        raise TableError(f"{len(values)} addresses for {batch.size} packets")
    for i, value in enumerate(values):
        number = _address_int(value)
        if isinstance(value, ipaddress.IPv4Address):
            batch[which][i], batch[low][i] = number, (0, 0, 0)
        else:
            batch[which][i] = number >> 96
            batch[low][i] = (number >> 64 & _WORD, number >> 32 & _WORD, number & _WORD)


def address_int(row, which: str) -> int:
    """A packet row's `which` address as an int: 32 bits for IPv4, 128 for IPv6."""
    low = _address_field(which)
    word0 = int(row[which])
    if int(row["family"]) != FAMILY_IPV6:
        return word0
    w1, w2, w3 = (int(w) for w in row[low])
    return word0 << 96 | w1 << 64 | w2 << 32 | w3


def address(batch_or_row, which: str):
    """The `which` ("src" or "dst") address of a packet row, as an IPv4Address or IPv6Address by its
    family; of a batch, a list of them."""
    if isinstance(batch_or_row, np.ndarray) and batch_or_row.shape:
        return [address(row, which) for row in batch_or_row]
    value = address_int(batch_or_row, which)
    if int(batch_or_row["family"]) == FAMILY_IPV6:
        return ipaddress.IPv6Address(value)
    return ipaddress.IPv4Address(value)


def packet(**fields) -> np.ndarray:
    """A one-packet batch; handy in tests and the REPL: packet(src=..., proto=6, dport=80, length=100).
    An IPv6Address for `src` or `dst` fills its four words and makes the packet IPv6 (unless
    `family` is given); an IPv4Address is its integer."""
    batch = empty_batch(1)
    for name, value in fields.items():
        if name not in PACKET_DTYPE.names:
            raise TableError(f"no packet field {name!r}")
        if name in _ADDRESS_FIELDS and isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            set_address(batch, name, value)
            if isinstance(value, ipaddress.IPv6Address) and "family" not in fields:
                batch["family"] = FAMILY_IPV6
            continue
        batch[name] = value
    return batch
