"""qfp.pcap: captures written by independent writers (scapy, text2pcap, a byte-level writer here) read
into the packet rows the fast path takes; broken captures fail at the right byte with what came
before kept; the writer's DSCP rewrite leaves a valid IPv4 checksum."""
from __future__ import annotations

import shutil
import struct
import subprocess

import numpy as np
import pytest

from qfp_model.qfp import packets as P
from qfp_model.qfp import pcap

scapy = pytest.importorskip("scapy.all")
from scapy.all import (  # noqa: E402
    ARP,
    IP,
    SCTP,
    TCP,
    UDP,
    CookedLinux,
    Dot1AD,
    Dot1Q,
    Ether,
    IPv6,
    Raw,
    fragment,
    rdpcap,
    wrpcap,
    wrpcapng,
)

# Explicit addresses: an Ether() without them makes scapy resolve routes and ARP.
MACS = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def ip_of(text: str) -> int:
    return int.from_bytes(bytes(int(x) for x in text.split(".")), "big")


def classic(frames, linktype=1, order="<", nanos=False, ts0=1_700_000_000):
    """A classic pcap made byte by byte, in either byte order and resolution: a writer independent
    of the reader and of scapy."""
    magic = 0xA1B23C4D if nanos else 0xA1B2C3D4
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for i, frame in enumerate(frames):
        frac = i * (1000 if nanos else 1)   # 1 us apart
        out += struct.pack(order + "IIII", ts0, frac, len(frame), len(frame)) + frame
    return out


def mixed_frames():
    return [
        bytes(Ether(**MACS) / IP(src="10.0.0.1", dst="192.0.2.1", tos=0xB8) / UDP(sport=1, dport=2) / Raw(b"x" * 100)),
        bytes(Ether(**MACS) / Dot1Q(vlan=5) / IP(src="10.0.0.2", dst="1.2.3.4")
              / TCP(flags="SA", sport=80, dport=1000)),
        bytes(Ether(**MACS) / Dot1AD(vlan=7) / Dot1Q(vlan=6) / IP(src="10.0.0.3", dst="1.2.3.4") /
              SCTP(sport=3868, dport=3869)),
        bytes(Ether(**MACS) / ARP()),
    ]


def check_mixed(capture: pcap.Capture) -> None:
    b = capture.batch
    assert capture.frames == 4 and len(capture) == 3
    assert capture.skipped == {"not IP": 1}
    assert b["src"].tolist() == [ip_of("10.0.0.1"), ip_of("10.0.0.2"), ip_of("10.0.0.3")]
    assert b["dst"][0] == ip_of("192.0.2.1")
    assert b["proto"].tolist() == [17, 6, 132]
    assert b["sport"].tolist() == [1, 80, 3868] and b["dport"].tolist() == [2, 1000, 3869]
    assert b["dscp"].tolist() == [46, 0, 0]
    assert b["tcp_flags"].tolist() == [0, P.TCP_SYN | P.TCP_ACK, 0]
    assert b["length"].tolist() == [128, 40, 32]      # IP total length, not the frame's
    assert (b["family"] == P.FAMILY_IPV4).all() and (b["uidb"] == 0).all()


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nanos", [False, True])
def test_classic_both_byte_orders_and_resolutions(order, nanos):
    capture = pcap.parse(classic(mixed_frames(), order=order, nanos=nanos))
    check_mixed(capture)
    # frame 0, 1, 2 are 0, 1, 2 us after the first; frame 3 (ARP) is skipped
    assert capture.batch["ts_ns"].tolist() == [1_700_000_000 * 10**9 + k * 1000 for k in range(3)]
    assert capture.format == "pcap"


def test_scapy_pcap_and_pcapng(tmp_path):
    packets = [Ether(f) for f in mixed_frames()]
    for i, p in enumerate(packets):
        p.time = 1000 + i / 1000
    wrpcap(str(tmp_path / "a.pcap"), packets)
    wrpcapng(str(tmp_path / "a.pcapng"), packets)
    for name, fmt in (("a.pcap", "pcap"), ("a.pcapng", "pcapng")):
        capture = pcap.read(tmp_path / name)
        check_mixed(capture)
        assert capture.format == fmt
        assert capture.batch["ts_ns"][1] - capture.batch["ts_ns"][0] == 1_000_000


@pytest.mark.parametrize("linktype", [101, 12, 228])
def test_raw_ip_linktypes(linktype):
    """Raw IP: the version nibble says the family (228 is IPv4's alone: an IPv6 header there is a
    bad IPv4 one)."""
    frames = [bytes(IP(src="10.1.1.1", dst="10.2.2.2") / UDP(sport=5, dport=6)),
              bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=7, dport=8))]
    capture = pcap.parse(classic(frames, linktype=linktype))
    if linktype == 228:
        assert len(capture) == 1 and capture.batch["sport"][0] == 5
        assert capture.skipped == {"bad IPv4 header": 1}
    else:
        assert capture.batch["sport"].tolist() == [5, 7] and not capture.skipped
        assert capture.batch["family"].tolist() == [P.FAMILY_IPV4, P.FAMILY_IPV6]


def test_linux_cooked_capture():
    frames = [bytes(CookedLinux(proto=0x0800) / IP(src="10.9.9.9", dst="10.8.8.8") / TCP(dport=22)),
              bytes(CookedLinux(proto=0x86DD) / Raw(bytes(40))),      # version 0: not IPv6
              bytes(CookedLinux(proto=0x86DD) / IPv6(src="2001:db8::9", dst="2001:db8::8") / TCP(dport=23)),
              bytes(CookedLinux(proto=0x0806) / Raw(bytes(28)))]     # ARP
    capture = pcap.parse(classic(frames, linktype=113))
    assert capture.batch["dport"].tolist() == [22, 23]
    assert capture.skipped == {"bad IPv6 header": 1, "not IP": 1}


def test_unsupported_link_type_is_counted():
    capture = pcap.parse(classic([bytes(20)], linktype=105))
    assert len(capture) == 0 and capture.skipped == {"link type not supported": 1}


def test_fragments_lengths_and_ports():
    packet = Ether(**MACS) / IP(src="10.0.0.1", dst="10.0.0.2", id=7) / UDP(sport=9, dport=10) / Raw(b"y" * 3000)
    frames = [bytes(f) for f in fragment(packet, fragsize=1000)]
    b = pcap.parse(classic(frames)).batch
    assert b["frag"].tolist() == [P.FRAG_INITIAL] + [P.FRAG_NONINITIAL] * 3
    assert b["sport"].tolist() == [9, 0, 0, 0]      # no L4 header in a non-initial fragment
    assert b["length"].tolist() == [1020, 1020, 1020, 28]


def test_snapped_frames_keep_l3_and_lose_what_was_cut():
    frame = bytes(Ether(**MACS) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(dport=443, flags="A") / Raw(b"z" * 500))
    capture = pcap.parse(classic([frame[:14 + 20 + 4], frame[:14 + 10]]))
    b = capture.batch
    assert len(capture) == 1 and b["dport"][0] == 443 and b["tcp_flags"][0] == 0   # flags cut off
    assert b["length"][0] == 540
    assert capture.skipped == {"IPv4 header cut off": 1}


def test_truncated_record_names_its_offset_and_keeps_what_came_before():
    data = classic(mixed_frames())
    cut = data[:-10]
    last_record = len(data) - 16 - len(mixed_frames()[3])
    with pytest.raises(pcap.CaptureError, match=f"at byte {last_record}") as info:
        pcap.parse(cut)
    assert len(info.value.capture) == 3 and info.value.offset == last_record


def test_truncated_record_header():
    data = classic(mixed_frames()[:1]) + b"\x00" * 7
    with pytest.raises(pcap.CaptureError, match="record header cut off") as info:
        pcap.parse(data)
    assert info.value.offset == len(data) - 7 and len(info.value.capture) == 1


def test_corrupt_length_and_magic():
    data = bytearray(classic(mixed_frames()))
    second = 24 + 16 + len(mixed_frames()[0])
    data[second + 8:second + 12] = struct.pack("<I", 1 << 30)
    with pytest.raises(pcap.CaptureError, match=f"more than .* \\(at byte {second}\\)") as info:
        pcap.parse(bytes(data))
    assert len(info.value.capture) == 1
    with pytest.raises(pcap.CaptureError, match="magic 0x12345678"):
        pcap.parse(struct.pack("<I", 0x12345678) + bytes(20))


def pcapng(blocks, order="<"):
    def block(btype, body):
        body += bytes(-len(body) % 4)
        n = 12 + len(body)
        return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)
    return b"".join(block(t, b) for t, b in blocks), block


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_interfaces_tsresol_and_simple_packets(order):
    _, block = pcapng([], order)
    shb = block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    eth = bytes(Ether(**MACS) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2))
    raw = bytes(IP(src="10.0.0.3", dst="10.0.0.4", tos=0x28) / TCP(sport=3, dport=4))
    # interface 0: Ethernet, microseconds (default); interface 1: raw IP, 2^-10 s ticks
    idb0 = block(1, struct.pack(order + "HHI", 1, 0, 0))
    tsresol = struct.pack(order + "HH", 9, 1) + bytes([0x8A]) + bytes(3) + struct.pack(order + "HH", 0, 0)
    idb1 = block(1, struct.pack(order + "HHI", 101, 0, 0) + tsresol)

    def epb(ifid, ts, frame):
        return block(6, struct.pack(order + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame)

    spb = block(3, struct.pack(order + "I", len(eth)) + eth)
    data = shb + idb0 + idb1 + epb(0, 5_000_000, eth) + epb(1, 2048, raw) + spb + block(5, bytes(8))
    capture = pcap.parse(data)
    b = capture.batch
    assert capture.frames == 3 and len(capture) == 3 and capture.format == "pcapng"
    assert b["src"].tolist() == [ip_of("10.0.0.1"), ip_of("10.0.0.3"), ip_of("10.0.0.1")]
    assert b["ts_ns"].tolist() == [5_000_000_000, 2_000_000_000, 2_000_000_000]   # SPB keeps the last
    assert b["dscp"][1] == 10 and capture.linktype.tolist() == [1, 101, 1]


def test_pcapng_truncated_block(tmp_path):
    wrpcapng(str(tmp_path / "a.pcapng"), [Ether(f) for f in mixed_frames()])
    data = (tmp_path / "a.pcapng").read_bytes()
    with pytest.raises(pcap.CaptureError, match="pcapng block cut off") as info:
        pcap.parse(data[:-3])
    assert len(info.value.capture) == 3
    assert 0 < info.value.offset < len(data) - 3


@pytest.mark.skipif(shutil.which("text2pcap") is None, reason="text2pcap (tshark's package) is not installed")
@pytest.mark.parametrize("file_type", ["pcap", "pcapng"])
def test_text2pcap_written_capture(tmp_path, file_type):
    packets = [IP(src="10.0.0.1", dst="172.16.10.5", tos=0x2E << 2) / TCP(sport=1000 + i, dport=80) for i in range(5)]
    text = "".join(
        "0000  " + " ".join(f"{byte:02x}" for byte in bytes(p)) + "\n\n" for p in packets)
    (tmp_path / "in.txt").write_text(text)
    out = tmp_path / f"out.{file_type}"
    subprocess.run(["text2pcap", "-q", "-F", file_type, "-e", "0x800", str(tmp_path / "in.txt"), str(out)],
                   check=True, capture_output=True)
    capture = pcap.read(out)
    assert len(capture) == 5 and capture.format == file_type
    assert capture.batch["sport"].tolist() == [1000, 1001, 1002, 1003, 1004]
    assert (capture.batch["dscp"] == 0x2E).all() and (capture.batch["dport"] == 80).all()


def test_write_marks_dscp_and_fixes_the_checksum(tmp_path):
    frames = mixed_frames()
    capture = pcap.parse(classic(frames))
    rows = np.array([0, 2])
    written = pcap.write(tmp_path / "out.pcap", capture, rows, np.array([10, 46]))
    assert written == 2
    packets = rdpcap(str(tmp_path / "out.pcap"))
    for packet, dscp in zip(packets, (10, 46)):
        ip = packet[IP]
        assert ip.tos >> 2 == dscp
        checksum = ip.chksum
        del ip.chksum
        assert IP(bytes(ip)).chksum == checksum
    again = pcap.read(tmp_path / "out.pcap")
    assert again.batch["dscp"].tolist() == [10, 46]
    assert again.batch["ts_ns"].tolist() == capture.batch["ts_ns"][rows].tolist()


def test_write_mixed_link_types_as_raw_ip(tmp_path):
    _, block = pcapng([])
    eth = bytes(Ether(**MACS) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP())
    raw = bytes(IP(src="10.0.0.3", dst="10.0.0.4") / UDP())
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idbs = block(1, struct.pack("<HHI", 1, 0, 0)) + block(1, struct.pack("<HHI", 101, 0, 0))
    epbs = b"".join(block(6, struct.pack("<IIIII", i, 0, i, len(f), len(f)) + f) for i, f in enumerate((eth, raw)))
    capture = pcap.parse(shb + idbs + epbs)
    pcap.write(tmp_path / "out.pcap", capture, np.arange(2))
    again = pcap.read(tmp_path / "out.pcap")
    assert again.linktype.tolist() == [101, 101]
    assert again.batch["src"].tolist() == capture.batch["src"].tolist()
