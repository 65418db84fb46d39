"""Fuzz the dynamic-author server with mutated requests: every datagram is dropped or answered with
a well-formed, correctly signed reply; nothing raises out of the server; no component hits an
internal error; and the device still takes a good CoA afterwards.

Each hypothesis example mutates one of a corpus of real requests PACKETS_PER_EXAMPLE times (bit
flips, octet overwrites, insertions, deletions, truncation, Length and attribute-length edits),
and re-signs about half of the results with the client's key, so that mutants get past the
authenticator checks into the attribute handling and the IKEv2 component instead of all dying at
the first MD5. The CI profile runs at least 100,000 packets (QFP_HYPOTHESIS_PROFILE=ci).
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
import random
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coa_helpers import KEY, SEED_AUDIT_ID, SEED_AVPAIRS, decode_reply, request, response_authenticator, seed_device
from fastpaths import native_fastpath_class
from qfp_model.control.radius import packet as P

PACKETS_PER_EXAMPLE = 50
CI = os.environ.get("QFP_HYPOTHESIS_PROFILE") == "ci"
EXAMPLES = 4_000 if CI else 100          # x 50 packets: 200,000 in CI (~20 s), 5,000 at a desk
CLIENT = ("127.0.0.1", 40000)
REPLY_CODES = {P.COA_REQUEST: (P.COA_ACK, P.COA_NAK), P.DISCONNECT_REQUEST: (P.DISCONNECT_ACK, P.DISCONNECT_NAK)}


def corpus() -> list[bytes]:
    other = "L2L44D010102ZO2L44D010103ZI1F401F4ZO2"
    return [r.RequestPacket() for r in (
        request(SEED_AVPAIRS),
        request(SEED_AVPAIRS, message_authenticator=True, Proxy_State=[b"ps1", b"ps2"]),
        request([f"audit-session-id={SEED_AUDIT_ID}", "ipsec:inacl=IN", "ipsec:outacl=OUT",
                 "ip:interface-config=ip access-group HUB-IN in"], User_Name="77.1.1.1"),
        request([f"audit-session-id={other}", "ip:sub-policy-In=pol"], Acct_Session_Id="00000002",
                Calling_Station_Id="77.1.1.3", Framed_IP_Address="10.0.0.2"),
        request([f"audit-session-id={SEED_AUDIT_ID}"], code=P.DISCONNECT_REQUEST),
        request(["ip:sub-qos-policy-out=2M-IN"], NAS_IP_Address="77.1.1.2", NAS_Identifier="flexvpn-hub",
                Service_Type="Framed-User", Event_Timestamp=1_700_000_000),
    )]


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        op = rng.randrange(8)
        at = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[at % len(b)] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[at % len(b)] = rng.choice((0, 1, 2, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        elif op == 2:
            b[at:at] = bytes(rng.randrange(256) for _ in range(rng.choice((1, 2, 6, 20))))
        elif op == 3 and b:
            del b[at:at + rng.choice((1, 2, 6, 20))]
        elif op == 4:
            del b[rng.randrange(len(b) + 1):]
        elif op == 5 and len(b) >= 4:
            struct.pack_into("!H", b, 2, rng.choice((0, 19, 20, len(b) - 1, len(b), len(b) + 1, 4097, 0xFFFF)))
        elif op == 6 and len(b) > 21:
            b[rng.randrange(21, len(b))] = rng.choice((0, 1, 2, 3, 6, 7, 255))   # an attribute or VSA length
        elif op == 7 and len(b) >= 1:
            b[0] = rng.choice((P.COA_REQUEST, P.DISCONNECT_REQUEST, 1, 4, 44, 0, 255))
    if rng.random() < 0.5 and len(b) >= 20:
        # Re-sign over what the server will verify: the octets up to the Length field.
        length = min(struct.unpack_from("!H", b, 2)[0], len(b))
        if length >= 20:
            b[4:20] = hashlib.md5(bytes(b[:4]) + bytes(16) + bytes(b[20:length]) + KEY.encode()).digest()
    return bytes(b)


def check_reply(sent: bytes, reply: bytes) -> None:
    """A reply is a well-formed RADIUS reply to `sent`, signed with the key."""
    assert len(reply) >= 20 and struct.unpack_from("!H", reply, 2)[0] == len(reply) <= P.MAX_LENGTH
    assert reply[0] in REPLY_CODES[sent[0]] and reply[1] == sent[1]
    assert reply[4:20] == response_authenticator(reply, sent[4:20], KEY.encode())
    decoded = decode_reply(reply)
    if reply[0] in (P.COA_NAK, P.DISCONNECT_NAK):
        assert "Error-Cause" in decoded


def test_mutated_requests_are_dropped_or_answered_and_the_device_keeps_serving():
    headend, service = seed_device(native_fastpath_class())
    device = headend.device
    device.session_up("77.1.1.3", "77.1.1.2")
    headend.execute("debug radius")
    headend.execute("debug aaa coa")
    seeds = corpus()
    tally = {"packets": 0, "replies": 0, "acks": 0}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=CI, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(seeds), st.integers(0, 2**64 - 1))
    def run(base: bytes, seed: int) -> None:
        # One draw an example: hypothesis picks the seed, a plain Random does the volume cheaply.
        rng = random.Random(seed)
        for _ in range(PACKETS_PER_EXAMPLE):
            data = mutate(base, rng)
            reply = service.handle(data, CLIENT)
            tally["packets"] += 1
            if reply is not None:
                check_reply(data, reply)
                tally["replies"] += 1
                tally["acks"] += reply[0] in (P.COA_ACK, P.DISCONNECT_ACK)
            # Disconnects that got through take sessions down: bring them back for the next ones.
            if len(device.sessions) < 2:
                for remote in ("77.1.1.1", "77.1.1.3"):
                    if not device.sessions.by_remote(ipaddress.IPv4Address(remote)):
                        vrfs = {"fvrf": 2, "ivrf": 2} if remote == "77.1.1.1" else {}
                        device.session_up(remote, "77.1.1.2", **vrfs)

    run()
    assert tally["packets"] >= EXAMPLES * PACKETS_PER_EXAMPLE
    assert service.internal_errors == 0
    # Mutants got deep: some were answered, some even accepted.
    assert tally["replies"] > tally["packets"] // 100 and tally["acks"] > 0, tally
    print(f"fuzz: {tally}")
    sent = request(SEED_AVPAIRS, message_authenticator=True)
    data = sent.RequestPacket()
    reply = service.handle(data, CLIENT)
    assert sent.VerifyReply(decode_reply(reply), reply) and reply[0] == P.COA_ACK
