"""Packet captures to packet batches: classic pcap and pcapng in, PACKET_DTYPE rows out; and back out
to a pcap file with each forwarded packet's DSCP as the fast path marked it.

Reading is split so that no Python code runs per record:
1. C (qfp_pcap_walk, qfp_pcapng_walk in csrc/qfp_pcap.c) walks the record or block headers, which
   chain by length and cannot be walked any other way, checks the chain and returns the offsets;
2. numpy gathers each record's header fields (captured length, timestamp, interface) from those
   offsets, and a Python loop reads the few pcapng interface descriptions;
3. numpy gathers the link-layer fields of every frame at once (np.frombuffer over the whole file,
   fancy indexing on offset arrays), and qfp/pcap_l3.py the IPv4 and IPv6 headers' the same way.

Link types: Ethernet (1) with 802.1Q / 802.1ad tags (one or two, QinQ), raw IP (101, and 12 as
OpenBSD numbers it; 228 IPv4, 229 IPv6), Linux cooked capture (113 SLL, 276 SLL2). Frames that do
not carry an IPv4 or IPv6 header are counted by reason and skipped. Each row's `length` is the L3
length, as the fast path polices L3 bytes; its ports are those of TCP, UDP or SCTP when the L4
header is there (not in a non-initial fragment, not cut off by the snap length). IPv6 rows have
family 6, their extension headers walked (qfp/pcap_l3.py says how).

A truncated or corrupt capture raises CaptureError naming the byte offset of the bad record, and
carrying the Capture of every record before it, so a caller can still report what was read.
"""
from __future__ import annotations

import errno
import os
import stat
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import packets as P
from ._fastpath import ffi, lib
from .errors import QfpError
from .pcap_l3 import PORT_PROTOCOLS, byte_rows, decode_ipv4, decode_ipv6, fields

__all__ = ["PORT_PROTOCOLS", "Capture", "CaptureError", "CaptureWriteError", "parse", "read", "write"]

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_RAW_OPENBSD = 12      # DLT_RAW's number on OpenBSD; libpcap maps it to 101
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
SUPPORTED_LINKTYPES = (LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_IPV4,
                       LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2)

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
VLAN_ETHERTYPES = (0x8100, 0x88A8, 0x9100)   # 802.1Q, 802.1ad, the pre-standard QinQ outer tag

MAX_FRAME = lib.QFP_CAPTURE_FRAME_MAX   # a longer captured length is corrupt (csrc/qfp.h says why)

_PCAP_MAGIC = {  # magic as read little-endian -> (byte order, ticks per second of the fraction)
    0xA1B2C3D4: ("<", 1_000_000), 0xD4C3B2A1: (">", 1_000_000),
    0xA1B23C4D: ("<", P.NS_PER_S), 0x4D3CB2A1: (">", P.NS_PER_S),
}
_BLOCK_IDB, _BLOCK_PB, _BLOCK_SPB, _BLOCK_EPB = 1, 2, 3, 6
_OPT_IF_TSRESOL, _OPT_IF_TSOFFSET = 9, 14
_U64 = 1 << 64

SKIP_REASONS = ("not IP", "link type not supported", "IPv4 header cut off", "bad IPv4 header",
                "IPv6 header cut off", "bad IPv6 header")


class CaptureWriteError(QfpError, ValueError):
    """Rows that a classic pcap file cannot hold (a timestamp past its 32-bit seconds)."""


class CaptureError(QfpError, ValueError):
    """A capture that cannot be read on: `offset` is the byte offset of the bad record or block,
    `capture` what was read before it."""

    def __init__(self, message: str, offset: int, capture: Capture | None = None):
        super().__init__(f"{message} (at byte {offset})")
        self.offset = offset
        self.capture = capture


@dataclass
class Capture:
    """The IPv4 packets of a capture as a batch, and where each came from in the file.

    `batch` has ts_ns from the capture (ns since the epoch), src, dst, proto, ports (for ICMP: type in
    sport, code in dport), dscp, tcp_flags,
    frag and length filled; uidb and dir are 0 for the caller to set. The other arrays are per row:
    the frame's offset and captured length in `data`, its IPv4 header's offset, its link type."""
    batch: np.ndarray
    data: bytes = b""
    frame_offset: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    frame_length: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ip_offset: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    linktype: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint16))
    frames: int = 0                                  # records read, IP or not
    skipped: Counter = field(default_factory=Counter)  # reason -> frames
    format: str = "pcap"

    def __len__(self) -> int:
        return self.batch.size


@dataclass
class _Records:
    """What the header walk found: one entry per frame."""
    offset: list = field(default_factory=list)
    caplen: list = field(default_factory=list)
    ts_ns: list = field(default_factory=list)
    linktype: list = field(default_factory=list)


# The largest capture read whole into memory; QFP_MAX_CAPTURE_BYTES raises or lowers it.
CAPTURE_MAX_BYTES = 2 << 30


def read(path: str | Path, limit: int | None = None) -> Capture:
    """Read a classic pcap or pcapng file (by its magic, not its name): a regular file of at most
    `limit` bytes (default CAPTURE_MAX_BYTES, or $QFP_MAX_CAPTURE_BYTES), never a FIFO or a device
    that would never end. Raises CaptureError for a bad capture, OSError for a file it will not
    read (strerror says why)."""
    if limit is None:
        limit = int(os.environ.get("QFP_MAX_CAPTURE_BYTES", CAPTURE_MAX_BYTES))
    # Non-blocking, so that opening a FIFO with no writer answers at once instead of waiting.
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if st.st_size > limit:
            raise OSError(errno.EFBIG, f"{st.st_size:,} bytes, over the limit of {limit:,}", str(path))
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"grew past the limit of {limit:,} bytes while read", str(path))
    return parse(data)


def parse(data: bytes) -> Capture:
    if len(data) < 4:
        raise CaptureError(f"not a capture: {len(data)} bytes", 0, _decode(data, _Records(), "pcap"))
    magic = struct.unpack_from("<I", data)[0]
    if magic == lib.QFP_PCAPNG_SHB:
        return _parse_pcapng(data)
    if magic in _PCAP_MAGIC:
        return _parse_pcap(data, magic)
    raise CaptureError(f"not a pcap or pcapng file: magic 0x{magic:08x}", 0,
                       _decode(data, _Records(), "pcap"))


# ---- the walks: C finds the records and blocks, numpy reads their fields -------------------------
_WALK_STATUSES = (lib.QFP_OK, lib.QFP_EINVAL)   # walked to the end, or stopped at a bad record


def _walked(status: int, walk, fn: str) -> None:
    if status not in _WALK_STATUSES:   # QFP_EFULL: the arrays are sized so that it cannot happen
        raise RuntimeError(f"{fn} returned status {status} with {walk.n} records found")


def _pcap_stop_message(walk, end: int) -> str:
    if walk.stop == lib.QFP_CAPTURE_FRAME_LONG:
        return f"pcap record claims {walk.stop_len} captured bytes, more than {MAX_FRAME}"
    if walk.stop == lib.QFP_CAPTURE_RECORD_CUT:
        return (f"pcap record cut off: {walk.stop_len} bytes captured, "
                f"{end - walk.stop_off - lib.QFP_PCAP_RECORD_HEADER_LEN} left in the file")
    return f"pcap record header cut off: {end - walk.stop_off} of {lib.QFP_PCAP_RECORD_HEADER_LEN} bytes"


def _parse_pcap(data: bytes, magic: int) -> Capture:
    order, ticks = _PCAP_MAGIC[magic]
    if len(data) < lib.QFP_PCAP_HEADER_LEN:
        raise CaptureError("pcap file header cut off", 0, _decode(data, _Records(), "pcap"))
    major, _minor, _zone, _sigfigs, snaplen, network = struct.unpack_from(order + "HHiIII", data, 4)
    if major != 2:
        raise CaptureError(f"pcap version {major} is not 2", 4, _decode(data, _Records(), "pcap"))
    linktype = network & 0xFFFF   # the upper bits carry FCS length flags
    cap = len(data) // lib.QFP_PCAP_RECORD_HEADER_LEN   # a record is 16 bytes at least
    rec_off = np.empty(cap, dtype=np.uint64)
    walk = ffi.new("struct qfp_capture_walk *")
    _walked(lib.qfp_pcap_walk(ffi.from_buffer("uint8_t[]", data), len(data), order == ">",
                              ffi.from_buffer("uint64_t[]", rec_off, require_writable=True), cap, walk),
            walk, "qfp_pcap_walk")
    at = rec_off[:walk.n].astype(np.int64)
    raw = np.frombuffer(data, dtype=np.uint8)
    # Record headers need not be 4-aligned: gather their bytes, then view them as words.
    hdr = byte_rows(raw, at, lib.QFP_PCAP_RECORD_HEADER_LEN).view(np.dtype(order + "u4"))
    ticks_ns = np.uint64(P.NS_PER_S // ticks)
    records = _Records(offset=at + lib.QFP_PCAP_RECORD_HEADER_LEN, caplen=hdr[:, 2].astype(np.int64),
                       ts_ns=hdr[:, 0].astype(np.uint64) * np.uint64(P.NS_PER_S) + hdr[:, 1] * ticks_ns,
                       linktype=np.full(at.size, linktype, dtype=np.int64))
    capture = _decode(data, records, "pcap")
    if walk.stop != lib.QFP_CAPTURE_END:
        raise CaptureError(_pcap_stop_message(walk, len(data)), walk.stop_off, capture)
    return capture


@dataclass
class _Interface:
    linktype: int
    snaplen: int
    resol_num: int = P.NS_PER_S    # ns = ticks * num // den
    resol_den: int = 1_000_000
    offset_s: int = 0


def _pcapng_stop_message(data: bytes, walk) -> str:
    stop, off, blen, left = walk.stop, walk.stop_off, walk.stop_len, len(data) - walk.stop_off
    if stop == lib.QFP_CAPTURE_HEADER_CUT:
        return f"pcapng block header cut off: {left} bytes left"
    if stop == lib.QFP_CAPTURE_BAD_BOM:
        bom = struct.unpack_from("<I", data, off + 8)[0]
        return f"pcapng section header with a bad byte-order magic 0x{bom:08x}"
    if stop == lib.QFP_CAPTURE_BAD_LENGTH:
        return f"pcapng block length {blen} is not a multiple of 4 of at least {lib.QFP_PCAPNG_BLOCK_MIN}"
    if stop == lib.QFP_CAPTURE_RECORD_CUT:
        return f"pcapng block cut off: {blen} bytes long, {left} left in the file"
    if stop == lib.QFP_CAPTURE_SHORT_BLOCK:
        return f"pcapng block of {blen} bytes is too short for its type's fixed fields"
    return "pcapng block's trailing length differs from its leading one"


def _parse_pcapng(data: bytes) -> Capture:
    cap = len(data) // lib.QFP_PCAPNG_BLOCK_MIN
    block_off = np.empty(cap, dtype=np.uint64)
    block_type = np.empty(cap, dtype=np.uint32)
    block_len = np.empty(cap, dtype=np.uint32)
    big_endian = np.empty(cap, dtype=np.uint8)
    walk = ffi.new("struct qfp_capture_walk *")
    _walked(lib.qfp_pcapng_walk(ffi.from_buffer("uint8_t[]", data), len(data),
                                *(ffi.from_buffer(t, a, require_writable=True) for t, a in (
                                    ("uint64_t[]", block_off), ("uint32_t[]", block_type),
                                    ("uint32_t[]", block_len), ("uint8_t[]", big_endian))),
                                cap, walk),
            walk, "qfp_pcapng_walk")
    n = walk.n
    off, btype = block_off[:n].astype(np.int64), block_type[:n]
    blen, big = block_len[:n].astype(np.int64), big_endian[:n].astype(bool)
    error = None
    if walk.stop != lib.QFP_CAPTURE_END:
        error = (_pcapng_stop_message(data, walk), walk.stop_off)

    # Interface descriptions are few: a loop reads them, numbered in file order across sections.
    is_idb = btype == _BLOCK_IDB
    interfaces = [_idb(data, o, length, ">" if b else "<")
                  for o, length, b in zip(off[is_idb].tolist(), blen[is_idb].tolist(), big[is_idb].tolist())]
    # Interface ids are per section: a block's interface i is the i-th description of its section
    # before it. Block 0 is the section header the file starts with.
    idbs_through = np.cumsum(is_idb)
    section = np.maximum.accumulate(np.where(btype == lib.QFP_PCAPNG_SHB, np.arange(n), 0))
    section_base = idbs_through[section]   # interfaces described before the block's section

    # Packet blocks: enhanced (EPB), the obsolete packet block (PB: a 16-bit interface id and a
    # drops count where the EPB's 32-bit id is) and simple (SPB: original length, then the frame).
    pk = np.flatnonzero(np.isin(btype, (_BLOCK_EPB, _BLOCK_PB, _BLOCK_SPB)))
    p_off, p_len, p_big, p_type = off[pk], blen[pk], big[pk], btype[pk]
    words = byte_rows(np.frombuffer(data, dtype=np.uint8), p_off + 8, 20).view("<u4")
    words[p_big] = words[p_big].byteswap()
    is_spb, is_pb = p_type == _BLOCK_SPB, p_type == _BLOCK_PB
    ifid = np.where(is_pb, np.where(p_big, words[:, 0] >> 16, words[:, 0] & 0xFFFF), words[:, 0])
    ifid = np.where(is_spb, 0, ifid).astype(np.int64)
    frame = np.where(is_spb, p_off + 12, p_off + 28)
    spb_caplen = np.clip(np.minimum(words[:, 0], p_len - 16), 0, None)   # its original length, as much as fits
    caplen = np.where(is_spb, spb_caplen, words[:, 3]).astype(np.int64)
    described = idbs_through[pk] - section_base[pk]
    overrun = ~is_spb & (frame + caplen > p_off + p_len - 4)
    bad = np.flatnonzero(overrun | (ifid >= described))
    if bad.size:
        first = int(bad[0])
        if overrun[first]:
            message = f"pcapng packet block's {caplen[first]} captured bytes overrun the block"
        else:
            message = (f"pcapng packet block names interface {ifid[first]}, but the section describes "
                       f"{described[first]}")
        error = (message, int(p_off[first]))
        frame, caplen, ifid, is_spb = frame[:first], caplen[:first], ifid[:first], is_spb[:first]
        p_off, words, pk = p_off[:first], words[:first], pk[:first]
    iface = section_base[pk] + ifid
    linktype = np.array([i.linktype for i in interfaces] or [0], dtype=np.int64)[iface]
    snaplen = np.array([i.snaplen for i in interfaces] or [0], dtype=np.int64)[iface]
    caplen = np.where(is_spb & (snaplen > 0), np.minimum(caplen, snaplen), caplen)

    # Timestamps, per interface resolution and offset; a simple packet block has none and keeps the
    # previous packet block's.
    ts = np.zeros(pk.size, dtype=np.uint64)
    in_range = np.ones(pk.size, dtype=bool)
    ticks = words[:, 1].astype(np.uint64) << np.uint64(32) | words[:, 2]
    timed = ~is_spb
    for g in np.flatnonzero(np.bincount(iface[timed], minlength=len(interfaces))).tolist():
        rows = np.flatnonzero(timed & (iface == g))
        ts[rows], in_range[rows] = _ticks_to_ns(ticks[rows], interfaces[g])
    bad = np.flatnonzero(~in_range)
    if bad.size:
        first = int(bad[0])
        error = ("pcapng packet block's timestamp is outside 0..2^64-1 ns", int(p_off[first]))
        frame, caplen, linktype = frame[:first], caplen[:first], linktype[:first]
        ts, timed = ts[:first], timed[:first]
    last_timed = np.maximum.accumulate(np.where(timed, np.arange(ts.size), -1))
    ts = np.where(last_timed >= 0, ts[np.maximum(last_timed, 0)], np.uint64(0))
    capture = _decode(data, _Records(offset=frame, caplen=caplen, ts_ns=ts, linktype=linktype), "pcapng")
    if error:
        raise CaptureError(error[0], error[1], capture)
    return capture


def _ticks_to_ns(ticks: np.ndarray, interface: _Interface) -> tuple[np.ndarray, np.ndarray]:
    """ticks * num // den + offset in ns, exactly, and which of them fit a uint64."""
    num, den, offset_ns = interface.resol_num, interface.resol_den, interface.offset_s * P.NS_PER_S
    if num % den == 0:   # 10^-k s with k <= 9, 2^-k s with k <= 9: a whole number of ns a tick
        factor = num // den
        if 0 <= int(ticks.min()) * factor + offset_ns and int(ticks.max()) * factor + offset_ns < _U64:
            # Every result is in range (the map is monotonic), so uint64 arithmetic, which wraps
            # modulo 2^64 on the way, lands on the exact value.
            return ticks * np.uint64(factor) + np.uint64(offset_ns % _U64), np.ones(ticks.size, dtype=bool)
    exact = ticks.astype(object) * num // den + offset_ns
    fits = ((exact >= 0) & (exact < _U64)).astype(bool)
    return np.where(fits, exact, 0).astype(np.uint64), fits


def _idb(data: bytes, off: int, blen: int, order: str) -> _Interface:
    linktype, _reserved, snaplen = struct.unpack_from(order + "HHI", data, off + 8)
    interface = _Interface(linktype, snaplen)
    _interface_options(data, off + 16, off + blen - 4, order, interface)
    return interface


def _interface_options(data: bytes, off: int, end: int, order: str, interface: _Interface) -> None:
    while off + 4 <= end:
        code, length = struct.unpack_from(order + "HH", data, off)
        if code == 0:
            break
        value = off + 4
        if code == _OPT_IF_TSRESOL and length >= 1:
            resol = data[value]
            exponent = resol & 0x7F
            if resol & 0x80:     # 2^-exponent seconds a tick
                interface.resol_num, interface.resol_den = P.NS_PER_S, 1 << exponent
            else:                # 10^-exponent seconds a tick
                interface.resol_num, interface.resol_den = P.NS_PER_S, 10 ** exponent
        elif code == _OPT_IF_TSOFFSET and length >= 8:
            interface.offset_s = struct.unpack_from(order + "q", data, value)[0]
        off = value + (length + 3) // 4 * 4


# ---- the vectorised decode ---------------------------------------------------------------------
_ETHERTYPES = np.dtype([("type", ">u2"), ("tci1", ">u2"), ("type1", ">u2"), ("tci2", ">u2"),
                        ("type2", ">u2")])


def _decode(data: bytes, records: _Records, fmt: str) -> Capture:
    n = len(records.offset)
    skipped: Counter = Counter()
    if n == 0:
        return Capture(P.empty_batch(0), data, frames=0, format=fmt)
    raw = np.frombuffer(data, dtype=np.uint8)
    start = np.asarray(records.offset, dtype=np.int64)
    caplen = np.asarray(records.caplen, dtype=np.int64)
    linktype = np.asarray(records.linktype, dtype=np.int64)
    end = start + caplen

    # Link layer: where the IP header starts, and which family the frame says it carries.
    ip = np.full(n, -1, dtype=np.int64)
    family = np.zeros(n, dtype=np.uint8)
    known = np.isin(linktype, SUPPORTED_LINKTYPES)

    # Raw IP: the version nibble says (a bad one is counted as a bad IPv4 header); 228 and 229
    # are one family each.
    raw_ip = np.isin(linktype, (LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_IPV4, LINKTYPE_IPV6))
    if raw_ip.any():
        ip[raw_ip] = start[raw_ip]
        nibble = np.where(caplen > 0, byte_rows(raw, start, 1)[:, 0] >> 4, 0)
        six = (linktype == LINKTYPE_IPV6) | ((linktype != LINKTYPE_IPV4) & (nibble == 6))
        family[raw_ip] = np.where(six, P.FAMILY_IPV6, P.FAMILY_IPV4)[raw_ip]

    for lt, type_at, header in ((LINKTYPE_ETHERNET, 12, 14), (LINKTYPE_LINUX_SLL, 14, 16),
                                (LINKTYPE_LINUX_SLL2, 0, 20)):
        frames = np.flatnonzero(linktype == lt)
        if not frames.size:
            continue
        at = start[frames] + type_at
        after = start[frames] + header
        frame_end = end[frames]
        ok = at + 2 <= frame_end
        # Two tags at most (802.1Q, or QinQ's outer and inner): read the type and both tags' types.
        types = fields(raw, at, _ETHERTYPES)
        ethertype = np.where(ok, types["type"], 0)
        if lt == LINKTYPE_ETHERNET:
            for tag, inner in ((4, "type1"), (8, "type2")):
                tagged = ok & np.isin(ethertype, VLAN_ETHERTYPES) & (at + tag + 2 <= frame_end)
                after = np.where(tagged, after + 4, after)
                ethertype = np.where(tagged, types[inner], ethertype)
        for ethertype_ip, fam in ((ETHERTYPE_IPV4, P.FAMILY_IPV4), (ETHERTYPE_IPV6, P.FAMILY_IPV6)):
            hit = ok & (ethertype == ethertype_ip)
            ip[frames[hit]] = after[hit]
            family[frames[hit]] = fam

    skipped["link type not supported"] += int((~known).sum())
    skipped["not IP"] += int((known & (family == 0)).sum())

    # Each family's headers (qfp/pcap_l3.py), then the rows back in frame order.
    parts = []
    for fam, decode in ((P.FAMILY_IPV4, decode_ipv4), (P.FAMILY_IPV6, decode_ipv6)):
        frames = np.flatnonzero(family == fam)
        parts.append(decode(raw, frames, ip[frames], end[frames], skipped))
    order = np.argsort(np.concatenate([kept for _, kept in parts]), kind="stable")
    batch = np.concatenate([b for b, _ in parts])[order]
    kept = np.concatenate([k for _, k in parts])[order]
    batch["ts_ns"] = np.asarray(records.ts_ns, dtype=np.uint64)[kept]
    return Capture(np.ascontiguousarray(batch), data, frame_offset=start[kept], frame_length=caplen[kept],
                   ip_offset=ip[kept], linktype=linktype[kept].astype(np.uint16), frames=n,
                   skipped=Counter({k: v for k, v in skipped.items() if v}), format=fmt)


# ---- writing -------------------------------------------------------------------------------------
def _mark_ipv6(buf: np.ndarray, ip: np.ndarray, dscp: np.ndarray) -> None:
    """Set the DSCP of the IPv6 headers at `ip`: the traffic class's upper six bits, which straddle
    the header's first two bytes (ECN kept; IPv6 has no header checksum)."""
    traffic_class = (buf[ip] & 0x0F).astype(np.uint32) << 4 | buf[ip + 1] >> 4
    traffic_class = np.asarray(dscp, dtype=np.uint32) << 2 | (traffic_class & 3)
    buf[ip] = (buf[ip] & 0xF0) | traffic_class >> 4
    buf[ip + 1] = (buf[ip + 1] & 0x0F) | (traffic_class & 0x0F) << 4


def write(path: str | Path, capture: Capture, rows: np.ndarray, dscp: np.ndarray | None = None) -> int:
    """Write capture rows `rows` (indices into capture.batch) to a classic pcap file with nanosecond
    timestamps; with `dscp` (one per row in `rows`), each packet carries that DSCP (ECN bits kept):
    an IPv4 packet in its TOS byte, its header checksum updated to match (RFC 1624), an IPv6 packet
    in its traffic class. Frames keep their link layer when the rows share one link type; otherwise
    each is written from its IP header on, as raw IP. Returns the number of packets written."""
    rows = np.asarray(rows, dtype=np.int64)
    buf = np.frombuffer(capture.data, dtype=np.uint8).copy()
    if dscp is not None and rows.size:
        six = capture.batch["family"][rows] == P.FAMILY_IPV6
        _mark_ipv6(buf, capture.ip_offset[rows[six]], np.asarray(dscp)[six])
        rows_v4, dscp = rows[~six], np.asarray(dscp)[~six]
        ip = capture.ip_offset[rows_v4]
        old_word = buf[ip].astype(np.uint32) << 8 | buf[ip + 1]
        new_tos = (np.asarray(dscp, dtype=np.uint32) << 2) | (buf[ip + 1] & 3)
        new_word = buf[ip].astype(np.uint32) << 8 | new_tos
        checksum = buf[ip + 10].astype(np.uint32) << 8 | buf[ip + 11]
        # RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), in ones' complement arithmetic.
        total = (~checksum & 0xFFFF) + (~old_word & 0xFFFF) + new_word
        total = (total & 0xFFFF) + (total >> 16)
        total = (total & 0xFFFF) + (total >> 16)
        checksum = ~total & 0xFFFF
        buf[ip + 1] = new_tos
        buf[ip + 10] = checksum >> 8
        buf[ip + 11] = checksum & 0xFF
    ip = capture.ip_offset[rows]
    linktypes = np.unique(capture.linktype[rows]) if rows.size else np.array([LINKTYPE_RAW])
    keep_link = linktypes.size == 1
    linktype = int(linktypes[0]) if keep_link else LINKTYPE_RAW
    first = capture.frame_offset[rows] if keep_link else ip
    last = capture.frame_offset[rows] + capture.frame_length[rows]
    ts = capture.batch["ts_ns"][rows]
    if ts.size and int(ts.max()) // P.NS_PER_S > 0xFFFFFFFF:
        late = int(np.argmax(ts))
        raise CaptureWriteError(f"packet {int(rows[late])}'s time, {int(ts[late]) // P.NS_PER_S:,} s, is past "
                                "what a pcap record's 32-bit seconds hold")
    header = struct.Struct("<IIII")
    out = bytearray(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, MAX_FRAME, linktype))
    for a, b, t in zip(first.tolist(), last.tolist(), ts.tolist()):
        out += header.pack(*divmod(t, P.NS_PER_S), b - a, b - a)
        out += buf[a:b].tobytes()
    Path(path).write_bytes(bytes(out))
    return int(rows.size)
