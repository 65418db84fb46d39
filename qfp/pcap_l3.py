"""IP headers to packet rows, every frame at once: IPv4, IPv6 with its extension-header chain, and the
L4 fields both carry (ports, ICMP/ICMPv6 type and code, TCP flags). qfp/pcap.py finds the IP header
in each frame (its link layer) and hands the offsets here; numpy gathers each field from them.

IPv6 (docs/fastpath.md, "IPv6"): hop-by-hop, routing, fragment and destination-options headers are
walked (up to EXTENSIONS_MAX of them) into the record's `ext` bits; a fragment header gives the
fragment kind (an atomic fragment, offset 0 with no more fragments, is no fragment); `proto` is the
upper-layer header after them. A chain cut off by the snap length, longer than EXTENSIONS_MAX or
followed by a non-initial fragment leaves `proto` the last next-header value read and no L4 fields.
Traffic class gives `dscp` and `ecn`, hop limit `ttl`, and `length` is 40 + the payload length
(65535 at most: a jumbogram's is in an option, and the record's length is 16 bits)."""
from __future__ import annotations

from collections import Counter

import numpy as np

from . import packets as P
from .tables import EXT_DEST_OPTS, EXT_FRAGMENT, EXT_HOP_BY_HOP, EXT_ROUTING, PROTO_ICMP, PROTO_ICMPV6

PORT_PROTOCOLS = (6, 17, 132)    # TCP, UDP, SCTP: the first four L4 bytes are ports
# IPv6 extension headers by next-header value, and the `ext` bit each sets.
EXTENSION_BITS = {0: EXT_HOP_BY_HOP, 43: EXT_ROUTING, 44: EXT_FRAGMENT, 60: EXT_DEST_OPTS}
NEXT_FRAGMENT = 44
EXTENSIONS_MAX = 8

_IPV4_HEADER = np.dtype([("vihl", "u1"), ("tos", "u1"), ("total", ">u2"), ("id", ">u2"),
                         ("frag", ">u2"), ("ttl", "u1"), ("proto", "u1"), ("checksum", ">u2"),
                         ("src", ">u4"), ("dst", ">u4")])
_IPV6_HEADER = np.dtype([("vtcfl", ">u4"), ("payload", ">u2"), ("next", "u1"), ("hop", "u1"),
                         ("src", ">u4", (4,)), ("dst", ">u4", (4,))])
# The first 8 bytes of an extension header: next header, length in 8-byte units past the first 8
# (not in a fragment header), and a fragment header's offset (13 bits), 2 reserved bits and M.
_EXTENSION = np.dtype([("next", "u1"), ("len", "u1"), ("frag", ">u2"), ("id", ">u4")])
_L4_HEADER = np.dtype([("sport", ">u2"), ("dport", ">u2"), ("seq", ">u4"), ("ack", ">u4"),
                       ("offset", "u1"), ("flags", "u1")])


def byte_rows(raw: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """The `width` bytes at each offset in `at`, as a contiguous (n, width) uint8 array: one row
    copy each through a sliding-window view, which is far cheaper than a gather per byte. Bytes past
    the end of the buffer read as zero; the caller masks the rows whose offsets were not in their
    frame. (Clipping a late offset back into the buffer instead would read a short last frame's
    header from bytes before it: a capture ending in a bare UDP header gave its IP addresses as
    ports.)"""
    base = max(raw.size - width, 0)
    tail = np.concatenate([raw[base:], np.zeros(width, np.uint8)])   # at most 2 * width bytes
    if raw.size < width:
        raw = tail
    window = np.lib.stride_tricks.sliding_window_view(raw, width)
    out = window[np.clip(at, 0, raw.size - width)]
    late = at > base
    if late.any():
        tail_window = np.lib.stride_tricks.sliding_window_view(tail, width)
        out[late] = tail_window[np.clip(at[late] - base, 0, tail_window.shape[0] - 1)]
    return out


def fields(raw: np.ndarray, at: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return byte_rows(raw, at, dtype.itemsize).view(dtype)[:, 0]


def decode_ipv4(raw: np.ndarray, frames: np.ndarray, ip: np.ndarray, end: np.ndarray,
                skipped: Counter) -> tuple[np.ndarray, np.ndarray]:
    """Rows for the frames whose IPv4 header starts at `ip` (frame ends `end`); the frames kept,
    the others counted in `skipped` by reason."""
    has_header = ip + 20 <= end
    skipped["IPv4 header cut off"] += int((~has_header).sum())
    keep = np.flatnonzero(has_header)
    h = fields(raw, ip[keep], _IPV4_HEADER)
    ihl = (h["vihl"] & 0x0F).astype(np.int64) * 4
    good = (h["vihl"] >> 4 == 4) & (ihl >= 20) & (h["total"] >= ihl)
    skipped["bad IPv4 header"] += int((~good).sum())
    keep, h, ihl = keep[good], h[good], ihl[good]

    batch = P.empty_batch(keep.size)
    batch["dscp"] = h["tos"] >> 2
    batch["ecn"] = h["tos"] & 3
    batch["ttl"] = h["ttl"]
    batch["length"] = h["total"]
    noninitial = (h["frag"] & 0x1FFF) != 0
    batch["frag"] = np.where(noninitial, P.FRAG_NONINITIAL,
                             np.where(h["frag"] & 0x2000, P.FRAG_INITIAL, P.FRAG_NONE))
    batch["proto"] = h["proto"]
    batch["src"] = h["src"]
    batch["dst"] = h["dst"]
    _l4(raw, batch, ip[keep] + ihl, end[keep], ~noninitial, PROTO_ICMP)
    return batch, frames[keep]


def decode_ipv6(raw: np.ndarray, frames: np.ndarray, ip: np.ndarray, end: np.ndarray,
                skipped: Counter) -> tuple[np.ndarray, np.ndarray]:
    """decode_ipv4's twin for IPv6 headers (the module's docstring says what is read)."""
    has_header = ip + 40 <= end
    skipped["IPv6 header cut off"] += int((~has_header).sum())
    keep = np.flatnonzero(has_header)
    h = fields(raw, ip[keep], _IPV6_HEADER)
    good = h["vtcfl"] >> 28 == 6
    skipped["bad IPv6 header"] += int((~good).sum())
    keep, h = keep[good], h[good]
    ip, end = ip[keep], end[keep]

    batch = P.empty_batch(keep.size)
    batch["family"] = P.FAMILY_IPV6
    traffic_class = h["vtcfl"] >> 20 & 0xFF
    batch["dscp"] = traffic_class >> 2
    batch["ecn"] = traffic_class & 3
    batch["flow_label"] = h["vtcfl"] & 0xFFFFF
    batch["ttl"] = h["hop"]
    batch["length"] = np.minimum(40 + h["payload"].astype(np.int64), 0xFFFF)
    batch["src"], batch["src_low"] = h["src"][:, 0], h["src"][:, 1:]
    batch["dst"], batch["dst_low"] = h["dst"][:, 0], h["dst"][:, 1:]

    # The extension chain, all frames a header at a time.
    nh = h["next"].astype(np.int64)
    at = ip + 40
    ext = np.zeros(keep.size, np.uint8)
    frag = np.full(keep.size, P.FRAG_NONE, np.uint8)
    walking = np.ones(keep.size, dtype=bool)
    l4_ok = np.ones(keep.size, dtype=bool)
    for _ in range(EXTENSIONS_MAX + 1):
        on_ext = walking & np.isin(nh, list(EXTENSION_BITS))
        for value, bit in EXTENSION_BITS.items():   # carried, even if cut off
            ext = np.where(on_ext & (nh == value), ext | bit, ext)
        cut = on_ext & (at + 8 > end)
        l4_ok &= ~cut
        walking = on_ext & ~cut
        if not walking.any():
            break
        e = fields(raw, at, _EXTENSION)
        is_frag = walking & (nh == NEXT_FRAGMENT)
        offset, more = e["frag"] >> 3, e["frag"] & 1
        frag = np.where(is_frag, np.where(offset != 0, P.FRAG_NONINITIAL,
                                          np.where(more != 0, P.FRAG_INITIAL, P.FRAG_NONE)), frag)
        at = np.where(walking, at + np.where(is_frag, 8, (e["len"].astype(np.int64) + 1) * 8), at)
        nh = np.where(walking, e["next"], nh)
        # After a non-initial fragment's header comes the middle of a payload, not a header.
        stop = is_frag & (offset != 0)
        walking &= ~stop
    l4_ok &= ~(walking & np.isin(nh, list(EXTENSION_BITS)))   # a chain longer than we walk
    batch["ext"] = ext
    batch["frag"] = frag
    batch["proto"] = nh
    _l4(raw, batch, at, end, l4_ok & (frag != P.FRAG_NONINITIAL), PROTO_ICMPV6)
    return batch, frames[keep]


def _l4(raw: np.ndarray, batch: np.ndarray, l4: np.ndarray, end: np.ndarray, present: np.ndarray,
        icmp_proto: int) -> None:
    """Ports (TCP, UDP, SCTP), the ICMP (ICMPv6) message's type and code in the port fields
    (docs/fastpath.md, "ACE matching") and TCP's flags, where the L4 header is `present` at `l4`
    and captured."""
    proto = batch["proto"]
    h = fields(raw, l4, _L4_HEADER)
    ports = np.isin(proto, PORT_PROTOCOLS) & present & (l4 + 4 <= end)
    icmp = (proto == icmp_proto) & present & (l4 + 2 <= end)
    tcp = (proto == 6) & present & (l4 + 14 <= end)
    batch["sport"] = np.where(ports, h["sport"], np.where(icmp, h["sport"] >> 8, 0))
    batch["dport"] = np.where(ports, h["dport"], np.where(icmp, h["sport"] & 0xFF, 0))
    batch["tcp_flags"] = np.where(tcp, h["flags"] & 0x3F, 0)
