"""CoA over real UDP: the device's listener on 127.0.0.1 (an ephemeral port), driven by pyrad and by
FreeRADIUS's radclient, every reply decoded by tshark; and `qfp run` taking the seed's CoA from
radclient as the seed's document describes.

radclient and tshark come from Debian's freeradius-utils and tshark (.ci/run installs them). In CI
(CI=true) a missing tool fails these tests; elsewhere it skips them.

tshark reads a pcap the test writes itself from the exact bytes that crossed the socket (Ethernet /
IPv4 / UDP framing added here), rather than capturing on lo: that needs no capture rights and no
race with dumpcap's start-up, and tshark still checks every reply against its request.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading

import pytest

from coa_helpers import KEY, SEED_AUDIT_ID, SEED_AVPAIRS, decode_reply, request, seed_device, sign_request, udp_exchange
from fastpaths import native_fastpath_class
from qfp_model.control.io.loop import BackgroundLoop
from qfp_model.control.radius import packet as P

HOST = "127.0.0.1"
IN_CI = os.environ.get("CI") == "true"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed; .ci/run installs it (freeradius-utils, tshark)")
        pytest.skip(f"{name} is not installed (Debian: apt-get install freeradius-utils tshark)")
    return path


class RunningHeadend:
    """A device with the seed's session and its CoA listener, on a loop of its own (as qfp run)."""

    def __init__(self, **dynamic_author):
        self.headend, self.service = seed_device(native_fastpath_class(), **dynamic_author)
        self.device = self.headend.device
        self.loop = BackgroundLoop().start()
        self.listener = self.loop.run(self.headend.start_coa_listener(HOST, 0))
        self.address = self.listener.address

    def execute(self, line: str) -> str:
        return self.loop.call(self.headend.execute, line)

    def close(self) -> None:
        self.loop.run(self.listener.close())
        self.loop.stop()


@pytest.fixture
def headend():
    h = RunningHeadend()
    yield h
    h.close()


def radclient(headend, lines: list[str], command: str = "coa", secret: str = KEY, *args: str,
              filter_lines: list[str] | None = None, tmp_path=None) -> subprocess.CompletedProcess:
    argv = [tool("radclient"), "-x", "-t", "1", "-r", "1", *args]
    if filter_lines is not None:
        (tmp_path / "request").write_text(",\n".join(lines) + "\n")
        (tmp_path / "filter").write_text(",\n".join(filter_lines) + "\n")
        argv += ["-f", f"{tmp_path / 'request'}:{tmp_path / 'filter'}"]
        stdin = None
    else:
        stdin = ",\n".join(lines) + "\n"
    argv += [f"{HOST}:{headend.address[1]}", command, secret]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=30)


def avpairs(*pairs: str) -> list[str]:
    return [f'Cisco-AVPair = "{p}"' for p in pairs]


# ---- pyrad over UDP ----

def test_pyrad_seed_coa_is_acked_and_the_policies_are_programmed(headend):
    sent = request(SEED_AVPAIRS, message_authenticator=True)
    data = udp_exchange(sent.RequestPacket(), headend.address)
    reply = decode_reply(data)
    assert sent.VerifyReply(reply, data) and reply.code == P.COA_ACK and reply.message_authenticator
    assert "Policy name: aaa-pol," in headend.execute(
        "show platform hardware qfp active feature qos all input all")
    assert "Service-policy output: 2M" in headend.execute("show policy-map interface Virtual-Access1")


def test_pyrad_wrong_secret_and_bad_message_authenticator_get_no_reply(headend):
    assert udp_exchange(request(SEED_AVPAIRS, key="wrong").RequestPacket(), headend.address, 0.5) is None
    good = request(SEED_AVPAIRS, message_authenticator=True).RequestPacket()
    attrs = bytearray(good[20:])
    attrs[2] ^= 0xFF       # the Message-Authenticator's first octet: pyrad puts it first
    forged = sign_request(P.COA_REQUEST, good[1], bytes(attrs), KEY.encode())
    assert udp_exchange(forged, headend.address, 0.5) is None
    counters = headend.loop.call(headend.headend.show_data, "show aaa server radius dynamic-author")
    client = next(c for c in counters["clients"] if c["address"] == HOST)["counters"]
    assert client["bad-authenticator"] == 1 and client["bad-message-authenticator"] == 1
    assert headend.device.session("Vi1").aaa.policy_in is None


# ---- radclient ----

def test_radclient_seed_coa_gets_coa_ack(headend):
    done = radclient(headend, avpairs(*SEED_AVPAIRS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Received CoA-ACK Id \d+ from 127\.0\.0\.1", done.stdout)
    assert "Policy name: 2M," in headend.execute("show platform hardware qfp active feature qos all output all")
    assert "Service-policy input: aaa-pol" in headend.execute("show policy-map interface Virtual-Access1 input")


def test_radclient_unsupported_av_pair_is_a_nak_with_unsupported_attribute(headend, tmp_path):
    lines = avpairs(f"audit-session-id={SEED_AUDIT_ID}", "ip:sub-qos-policy-in=pol", "ip:vrf-id=RED")
    done = radclient(headend, lines, filter_lines=["Packet-Type == CoA-NAK",
                                                   "Error-Cause == Unsupported-Attribute",
                                                   'Cisco-AVPair == "ip:vrf-id=RED"'], tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Received CoA-NAK" in done.stdout
    assert headend.device.session("Vi1").aaa.policy_in is None
    # The filter does fail a reply that differs (so the pass above means something).
    done = radclient(headend, lines, filter_lines=["Error-Cause == Session-Context-Not-Found"],
                     tmp_path=tmp_path)
    assert done.returncode != 0


def test_radclient_unknown_session_is_session_context_not_found(headend, tmp_path):
    done = radclient(headend, avpairs("audit-session-id=L2L44D010102ZO2L44D0101FFZI1F401F4ZO2",
                                      "ipsec:inacl=IN"),
                     filter_lines=["Packet-Type == CoA-NAK", "Error-Cause == Session-Context-Not-Found"],
                     tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_radclient_wrong_secret_gets_no_reply(headend):
    done = radclient(headend, avpairs(*SEED_AVPAIRS), "coa", "not-the-key")
    assert done.returncode != 0
    assert "No reply from server" in done.stdout + done.stderr
    assert headend.device.session("Vi1").aaa.policy_in is None


def test_radclient_message_authenticator(headend, tmp_path):
    # radclient computes a Message-Authenticator given as a placeholder, and checks the reply's.
    done = radclient(headend, avpairs(*SEED_AVPAIRS) + ["Message-Authenticator = 0x00"],
                     filter_lines=["Packet-Type == CoA-ACK"], tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_radclient_disconnect_tears_the_session_down(headend, tmp_path):
    done = radclient(headend, avpairs(f"audit-session-id={SEED_AUDIT_ID}"), "disconnect",
                     filter_lines=["Packet-Type == Disconnect-ACK"], tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Virtual-Access1" not in headend.execute("show crypto session")


class LossyRelay:
    """Between radclient and the device: forwards every request, but passes on only the device's
    last reply, so that radclient retransmits (same Identifier and authenticator, from one port)."""

    def __init__(self, device_address, pass_reply: int):
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind((HOST, 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind((HOST, 0))
        self.back.settimeout(5)
        self.front.settimeout(10)
        self.device_address = device_address
        self.pass_reply = pass_reply
        self.requests: list[bytes] = []
        self.replies: list[bytes] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.front.getsockname()[1]

    def _run(self) -> None:
        try:
            while len(self.replies) < self.pass_reply:
                data, client = self.front.recvfrom(8192)
                self.requests.append(data)
                self.back.sendto(data, self.device_address)
                self.replies.append(self.back.recvfrom(8192)[0])
                if len(self.replies) == self.pass_reply:
                    self.front.sendto(self.replies[-1], client)
        except TimeoutError:
            pass

    def close(self) -> None:
        self.thread.join(15)
        self.front.close()
        self.back.close()


def test_radclient_retransmissions_are_applied_once_and_answered_identically(headend):
    relay = LossyRelay(headend.address, pass_reply=3)
    argv = [tool("radclient"), "-x", "-r", "3", "-t", "0.3", f"{HOST}:{relay.port}", "coa", KEY]
    done = subprocess.run(argv, input=",\n".join(avpairs(*SEED_AVPAIRS)) + "\n",
                          capture_output=True, text=True, timeout=30)
    relay.close()
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(relay.requests) == 3 and len(set(relay.requests)) == 1
    assert len(relay.replies) == 3 and len(set(relay.replies)) == 1
    twin = headend.loop.call(headend.headend.show_data, "show aaa server radius dynamic-author")
    client = next(c for c in twin["clients"] if c["address"] == HOST)["counters"]
    assert (client["coa-requests"], client["coa-acks"], client["duplicates-resent"]) == (3, 1, 2)


# ---- tshark ----

def pcap(records: list[tuple[bytes, tuple[str, int], tuple[str, int]]]) -> bytes:
    """A classic pcap of UDP datagrams (payload, source, destination) over Ethernet."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for n, (payload, src, dst) in enumerate(records):
        udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0,
                         socket.inet_aton(src[0]), socket.inet_aton(dst[0]))
        checksum = sum(struct.unpack("!10H", ip))
        checksum = (checksum & 0xFFFF) + (checksum >> 16)
        checksum = (checksum & 0xFFFF) + (checksum >> 16)
        ip = ip[:10] + struct.pack("!H", ~checksum & 0xFFFF) + ip[12:]
        frame = b"\x00" * 12 + b"\x08\x00" + ip + udp
        out.append(struct.pack("<IIII", 1_700_000_000 + n, 0, len(frame), len(frame)) + frame)
    return b"".join(out)


def test_tshark_decodes_every_reply_with_a_valid_response_authenticator(headend, tmp_path):
    tshark = tool("tshark")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((HOST, 0))
    client = sock.getsockname()
    requests = [
        request(SEED_AVPAIRS, message_authenticator=True, Proxy_State=[b"one", b"two"]),
        request([f"audit-session-id={SEED_AUDIT_ID}", "ip:frob=1"]),
        request([f"audit-session-id={SEED_AUDIT_ID}", "ip:sub-qos-policy-in=NOPE"], message_authenticator=True),
        request(["audit-session-id=L2L44D010102ZO2L44D0101FFZI1F401F4ZO2"]),
        request(SEED_AVPAIRS, NAS_Identifier="elsewhere"),
        request([f"audit-session-id={SEED_AUDIT_ID}"], code=P.DISCONNECT_REQUEST, message_authenticator=True),
    ]
    records = []
    for sent in requests:
        data = sent.RequestPacket()
        answer = udp_exchange(data, headend.address, sock=sock)
        assert answer is not None
        records += [(data, client, headend.address), (answer, headend.address, client)]
    sock.close()
    capture = tmp_path / "coa.pcap"
    capture.write_bytes(pcap(records))
    port = headend.address[1]
    done = subprocess.run(
        [tshark, "-r", str(capture), "-d", f"udp.port=={port},radius", "-o", f"radius.shared_secret:{KEY}",
         "-o", "radius.validate_authenticator:TRUE", "-T", "fields", "-E", "separator=;",
         "-e", "radius.code", "-e", "radius.rsp", "-e", "radius.authenticator.valid",
         "-e", "radius.Error_Cause", "-e", "_ws.malformed", "-e", "_ws.expert.severity"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = [line.split(";") for line in done.stdout.splitlines()]
    assert len(rows) == 2 * len(requests)
    replies = [r for r in rows if r[1] == "1"]
    assert [r[0] for r in replies] == ["44", "45", "45", "45", "45", "41"]
    assert [r[3] for r in replies] == ["", "401", "407", "503", "403", ""]
    for row in rows:
        assert row[4] == "", f"tshark calls a packet malformed: {row}"
    for row in replies:
        assert row[2] == "1", f"tshark finds a bad Response Authenticator: {row}"


# ---- qfp run, as the seed's document runs it ----

def test_qfp_run_takes_the_seeds_coa_from_radclient(tmp_path):
    radclient_path = tool("radclient")
    sock = str(tmp_path / "qfp.sock")
    proc = subprocess.Popen([sys.executable, "-m", "qfp_model.tools.cli", "run", "--control", sock,
                             "--coa-port", "0"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("qfp run: serving flexvpn-hub on ")
        m = re.fullmatch(r"qfp run: RADIUS dynamic-author on 127\.0\.0\.1:(\d+)/udp\n", proc.stdout.readline())
        assert m, "qfp run did not say where it listens for CoA"

        def cli(line: str) -> str:
            done = subprocess.run([sys.executable, "-m", "qfp_model.tools.cli", "cli", "--control", sock,
                                   *line.split()],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            return done.stdout

        cli("sim session up remote 77.1.1.1 local 77.1.1.2 fvrf-id 2 ivrf-id 2")
        cli("debug aaa coa")
        done = subprocess.run([radclient_path, "-x", "-t", "2", f"127.0.0.1:{m[1]}", "coa", KEY],
                              input=",\n".join(avpairs(*SEED_AVPAIRS)) + "\n",
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0 and "Received CoA-ACK" in done.stdout, done.stdout + done.stderr
        assert "Policy name: aaa-pol," in cli("show platform hardware qfp active feature qos all input all")
        assert "Policy name: 2M," in cli("show platform hardware qfp active feature qos all output all")
        assert "Service-policy input: aaa-pol" in cli("show policy-map interface Virtual-Access1")
        assert "COA: Added NACK Error Cause: Success" in cli("show logging")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        finally:
            proc.kill()


def test_ignore_server_key_is_announced_loudly_at_start_up():
    h = RunningHeadend(ignore_server_key=True)
    try:
        assert len(h.listener.warnings) == 1 and "WITHOUT checking" in h.listener.warnings[0]
        assert any(line.endswith(": " + h.listener.warnings[0]) for line in h.device.logbuf)
        # And it does take a request signed with any key.
        reply = udp_exchange(request(SEED_AVPAIRS, key="anything").RequestPacket(), h.address)
        assert reply is not None and reply[0] == P.COA_ACK
    finally:
        h.close()
