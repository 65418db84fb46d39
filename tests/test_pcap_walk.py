"""The C capture walks (csrc/qfp_pcap.c) at their edges — no records, cut-off headers, corrupt and
wrapping lengths, big-endian and mixed-order sections, arrays too small — and the pcapng decoding
qfp.pcap does from their offsets: per-section interfaces, obsolete packet blocks, time offsets,
resolutions that are not a whole number of ns, and each corrupt block named at its offset."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from qfp_model.qfp import pcap
from qfp_model.qfp._fastpath import ffi, lib

FRAME = bytes([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]) + struct.pack(">HHHH", 7, 8, 8, 0)


def classic(frames, order="<"):
    out = struct.pack(order + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
    for frame in frames:
        out += struct.pack(order + "IIII", 1, 2, len(frame), len(frame)) + frame
    return out


def block(btype, body, order="<"):
    body += bytes(-len(body) % 4)
    return struct.pack(order + "II", btype, 12 + len(body)) + body + struct.pack(order + "I", 12 + len(body))


def shb(order="<"):
    return block(lib.QFP_PCAPNG_SHB, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1), order)


def idb(order="<", linktype=101, snaplen=0, options=b""):
    if options:
        options += struct.pack(order + "HH", 0, 0)
    return block(1, struct.pack(order + "HHI", linktype, 0, snaplen) + options, order)


def epb(ifid, ticks, frame=FRAME, order="<", caplen=None):
    caplen = len(frame) if caplen is None else caplen
    return block(6, struct.pack(order + "IIIII", ifid, ticks >> 32, ticks & 0xFFFFFFFF, caplen, len(frame)) + frame,
                 order)


def pcap_walk(data, big_endian=False, cap=None):
    cap = len(data) // 16 if cap is None else cap
    rec_off = np.zeros(max(cap, 1), dtype=np.uint64)
    walk = ffi.new("struct qfp_capture_walk *")
    status = lib.qfp_pcap_walk(ffi.from_buffer("uint8_t[]", data), len(data), big_endian,
                               ffi.from_buffer("uint64_t[]", rec_off, require_writable=True), cap, walk)
    return status, walk, rec_off[:min(walk.n, cap)].tolist()


def pcapng_walk(data, cap=None):
    cap = len(data) // 12 if cap is None else cap
    arrays = [np.zeros(max(cap, 1), dtype=t) for t in (np.uint64, np.uint32, np.uint32, np.uint8)]
    walk = ffi.new("struct qfp_capture_walk *")
    status = lib.qfp_pcapng_walk(ffi.from_buffer("uint8_t[]", data), len(data),
                                 *(ffi.from_buffer(t, a, require_writable=True) for t, a in
                                   zip(("uint64_t[]", "uint32_t[]", "uint32_t[]", "uint8_t[]"), arrays)),
                                 cap, walk)
    return status, walk, [a[:min(walk.n, cap)].tolist() for a in arrays]


# ---- classic pcap --------------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["<", ">"])
def test_pcap_walk_finds_every_record_in_either_byte_order(order):
    data = classic([FRAME, FRAME[:20], b""], order)
    status, walk, offsets = pcap_walk(data, big_endian=order == ">")
    assert status == lib.QFP_OK and walk.stop == lib.QFP_CAPTURE_END and walk.stop_off == len(data)
    assert offsets == [24, 24 + 16 + 28, 24 + 16 + 28 + 16 + 20]


def test_pcap_walk_no_records():
    status, walk, offsets = pcap_walk(classic([]))
    assert (status, walk.n, walk.stop_off, offsets) == (lib.QFP_OK, 0, 24, [])
    capture = pcap.parse(classic([]))
    assert len(capture) == 0 and capture.frames == 0


def test_pcap_walk_cut_off_header_and_record():
    data = classic([FRAME])
    status, walk, offsets = pcap_walk(data + bytes(15))
    assert (status, walk.stop, walk.stop_off, offsets) == (lib.QFP_EINVAL, lib.QFP_CAPTURE_HEADER_CUT, len(data), [24])
    status, walk, offsets = pcap_walk(data[:-1])
    assert (status, walk.stop, walk.stop_off, walk.stop_len) == (lib.QFP_EINVAL, lib.QFP_CAPTURE_RECORD_CUT, 24, 28)
    assert walk.n == 0 and offsets == []


@pytest.mark.parametrize("caplen", [lib.QFP_CAPTURE_FRAME_MAX + 1, 0xFFFFFFF0, 0xFFFFFFFF])
def test_pcap_walk_corrupt_length_does_not_wrap(caplen):
    data = bytearray(classic([FRAME, FRAME]))
    data[24 + 44 + 8:24 + 44 + 12] = struct.pack("<I", caplen)
    status, walk, offsets = pcap_walk(bytes(data))
    assert (status, walk.stop, walk.stop_off, walk.stop_len) == (lib.QFP_EINVAL, lib.QFP_CAPTURE_FRAME_LONG, 68, caplen)
    assert offsets == [24]


def test_pcap_walk_longest_frame_is_accepted():
    big = bytes(lib.QFP_CAPTURE_FRAME_MAX)
    status, walk, _ = pcap_walk(classic([big]))
    assert status == lib.QFP_OK and walk.n == 1


def test_pcap_walk_counts_past_a_small_array():
    status, walk, offsets = pcap_walk(classic([FRAME] * 5), cap=2)
    assert (status, walk.n, walk.stop) == (lib.QFP_EFULL, 5, lib.QFP_CAPTURE_END)
    assert offsets == [24, 68]


# ---- pcapng --------------------------------------------------------------------------------------
def test_pcapng_walk_mixed_byte_order_sections():
    data = shb("<") + idb("<") + epb(0, 1, order="<") + shb(">") + idb(">") + epb(0, 1, order=">")
    status, walk, (offsets, types, lengths, big) = pcapng_walk(data)
    assert status == lib.QFP_OK and walk.n == 6 and walk.stop_off == len(data)
    assert types == [lib.QFP_PCAPNG_SHB, 1, 6] * 2
    assert big == [0, 0, 0, 1, 1, 1]
    assert offsets[3] == len(shb() + idb() + epb(0, 1)) and lengths[2] == len(epb(0, 1))


def test_pcapng_walk_empty_and_cut_off_header():
    status, walk, _ = pcapng_walk(b"")
    assert (status, walk.n, walk.stop_off) == (lib.QFP_OK, 0, 0)
    data = shb() + bytes(11)
    status, walk, _ = pcapng_walk(data)
    assert (status, walk.n, walk.stop, walk.stop_off) == (lib.QFP_EINVAL, 1, lib.QFP_CAPTURE_HEADER_CUT, len(shb()))


@pytest.mark.parametrize("length, stop", [(8, lib.QFP_CAPTURE_BAD_LENGTH), (14, lib.QFP_CAPTURE_BAD_LENGTH),
                                          (0xFFFFFFFC, lib.QFP_CAPTURE_RECORD_CUT),
                                          (16, lib.QFP_CAPTURE_BAD_TRAILER)])
def test_pcapng_walk_bad_lengths(length, stop):
    bad = struct.pack("<II", 5, length) + bytes(12)
    status, walk, _ = pcapng_walk(shb() + bad + bytes(4))
    assert (status, walk.n, walk.stop, walk.stop_off, walk.stop_len) == (lib.QFP_EINVAL, 1, stop, len(shb()), length)


def test_pcapng_walk_bad_byte_order_magic():
    data = bytearray(shb())
    data[8:12] = b"\x00\x01\x02\x03"
    status, walk, _ = pcapng_walk(bytes(data))
    assert (status, walk.n, walk.stop, walk.stop_off) == (lib.QFP_EINVAL, 0, lib.QFP_CAPTURE_BAD_BOM, 0)
    with pytest.raises(pcap.CaptureError, match="bad byte-order magic 0x03020100 \\(at byte 0\\)"):
        pcap.parse(bytes(data))


@pytest.mark.parametrize("bad, message", [
    (struct.pack("<II", 5, 14) + bytes(8), "block length 14 is not a multiple of 4 of at least 12"),
    (struct.pack("<II", 5, 16) + bytes(4) + struct.pack("<I", 12), "trailing length differs from its leading one"),
    (epb(0, 1, caplen=29), "29 captured bytes overrun the block"),
    (epb(1, 1), "names interface 1, but the section describes 1"),
    (epb(0, 1 << 63), "timestamp is outside 0..2\\^64-1 ns"),   # microsecond ticks: * 1000 overflows
])
def test_pcapng_corrupt_block_named_at_its_offset(bad, message):
    good = shb() + idb() + epb(0, 5)
    with pytest.raises(pcap.CaptureError, match=f"{message} \\(at byte {len(good)}\\)") as info:
        pcap.parse(good + bad + epb(0, 6))
    assert info.value.offset == len(good) and info.value.capture.batch["ts_ns"].tolist() == [5000]


def test_pcapng_cut_off_block_keeps_what_came_before():
    good = shb() + idb() + epb(0, 5)
    message = f"block cut off: 64 bytes long, 16 left in the file \\(at byte {len(good)}\\)"
    with pytest.raises(pcap.CaptureError, match=message):
        pcap.parse(good + struct.pack("<II", 6, 64) + bytes(8))


def test_pcapng_interfaces_are_per_section_and_obsolete_packet_blocks_read():
    pb = block(2, struct.pack("<HHIIII", 1, 99, 0, 3, len(FRAME), len(FRAME)) + FRAME)
    tsoffset = struct.pack(">HHq", 14, 8, 100)
    data = (shb() + idb() + idb(linktype=1) + pb
            + shb(">") + idb(">", options=tsoffset) + epb(0, 7, order=">")
            + block(3, struct.pack(">I", len(FRAME)) + FRAME, ">"))
    capture = pcap.parse(data)
    # The PB names the first section's interface 1 (Ethernet), so its raw IP frame is not IP;
    # the second section's interface 0 is raw IP again.
    assert capture.frames == 3 and capture.skipped == {"not IP": 1}
    assert capture.linktype.tolist() == [101, 101]
    assert capture.batch["ts_ns"].tolist() == [100 * 10**9 + 7000] * 2   # us plus the offset; the SPB keeps it
    pb0 = block(2, struct.pack("<HHIIII", 0, 99, 1, 3, len(FRAME), len(FRAME)) + FRAME)
    assert pcap.parse(shb() + idb() + pb0).batch["ts_ns"].tolist() == [((1 << 32) + 3) * 1000]
    pb1_be = block(2, struct.pack(">HHIIII", 1, 99, 0, 3, len(FRAME), len(FRAME)) + FRAME, ">")
    assert pcap.parse(shb(">") + idb(">", linktype=1) + idb(">") + pb1_be).linktype.tolist() == [101]
    with pytest.raises(pcap.CaptureError, match="names interface 1, but the section describes 1"):
        pcap.parse(shb() + idb() + idb() + shb() + idb() + epb(1, 1))


def test_pcapng_resolution_that_is_not_whole_nanoseconds():
    # 2^-30 s ticks: 2^30 ticks are one second, one tick is 0.93 ns (rounded down)
    options = struct.pack("<HH", 9, 1) + bytes([0x80 | 30, 0, 0, 0])
    for ticks, ns in ((1 << 30, 10**9), (1, 0), (3 << 40, 3 * 1024 * 10**9),
                      ((1 << 64) - 1, ((1 << 64) - 1) * 10**9 >> 30)):
        capture = pcap.parse(shb() + idb(options=options) + epb(0, ticks))
        assert capture.batch["ts_ns"].tolist() == [ns]


def test_pcapng_without_packets():
    capture = pcap.parse(shb() + idb())
    assert len(capture) == 0 and capture.frames == 0 and capture.format == "pcapng"


@pytest.mark.parametrize("btype,length", [(1, 16), (6, 28), (2, 28), (3, 12)])
def test_a_block_too_short_for_its_fields_is_an_error_not_a_crash(btype, length):
    """An interface or packet block that ends inside its fixed fields: refused at its offset."""
    shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
    short = struct.pack("<II", btype, length) + bytes(length - 12) + struct.pack("<I", length)
    with pytest.raises(pcap.CaptureError, match="too short for its type's fixed fields") as refused:
        pcap.parse(shb + short)
    assert refused.value.offset == 28
