"""Coverage-guided fuzz targets (atheris) for what takes input from outside: the RADIUS server,
the IOS configuration parser, the capture reader, and the table compiler behind FastPath.

Each target says what may go wrong quietly (the errors a caller is promised) and lets anything else
through as a crash. tests/fuzz/run runs each for a short budget in CI; for a long hunt:

    python tests/fuzz/targets.py radius -max_total_time=3600 tests/fuzz/corpus/radius

A crash leaves its input in the working directory (crash-...): put it under
tests/fuzz/corpus/TARGET/, where tests/test_fuzz_corpus.py replays every input on every run, so a
bug found once stays found.
"""
from __future__ import annotations

import hashlib
import ipaddress
import struct
import sys

import atheris

# Coverage is traced in our package and pyrad (the RADIUS packets' parser) only: instrumenting every
# module loaded, numpy's too, took 25 s per target, more than CI's whole budget for one.
with atheris.instrument_imports(include=["qfp_model", "pyrad"]):
    from qfp_model.control.config import ConfigErrors, ConfigSession, parse_config
    from qfp_model.control.config.model import DynamicAuthor, DynamicAuthorClient, RunningConfig, Secret
    from qfp_model.control.errors import ConfigError, PeerNak
    from qfp_model.control.radius import Dispatch, DynamicAuthorServer, NasIdentity
    from qfp_model.control.radius import packet as P
    from qfp_model.qfp import pcap
    from qfp_model.qfp.errors import QfpError
    from qfp_model.qfp.fastpath import FastPath
    from qfp_model.qfp.packets import empty_batch
    from qfp_model.qfp.reference import ReferenceFastPath
    from qfp_model.qfp.tables import Ace, PortMatch, PortOp

KEY = b"cisco123"
CLIENT = ("127.0.0.1", 40000)
NOW = 1_700_000_000.0


# ---- RADIUS ------------------------------------------------------------------------------------------
_settings = DynamicAuthor(clients=[DynamicAuthorClient("127.0.0.1", None, Secret(KEY.decode()))])
_nas = NasIdentity(frozenset({ipaddress.IPv4Address("77.1.1.2")}), "hub")


def sign(data: bytes) -> bytes:
    """The datagram with a Request Authenticator made with the key, so that mutations get past the
    signature check into the decoder and the cache (three inputs in four)."""
    if len(data) < 20:
        return data
    length = min(len(data), 4096)
    body = struct.pack("!BBH", data[0], data[1], length) + bytes(16) + data[20:length]
    return body[:4] + hashlib.md5(body + KEY).digest() + body[20:]


def radius(data: bytes) -> None:
    server = DynamicAuthorServer(lambda: _settings, lambda: _nas)
    datagram = sign(data[1:]) if data and data[0] & 3 else data[1:]
    for when in (NOW, NOW + 1):   # the second time through, a duplicate
        decision = server.receive(datagram, CLIENT, when, trace=True)
        if isinstance(decision, Dispatch):
            nak = PeerNak(401, "fuzz", decision.request.attributes)
            reply = server.answer(decision.request, nak, when, trace=True).data
            assert len(reply) <= P.MAX_LENGTH, len(reply)


# ---- the IOS configuration ---------------------------------------------------------------------------
def config(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    try:
        parse_config(text, filename="fuzz.cfg")
    except ConfigErrors:
        pass
    result = parse_config(text, filename="fuzz.cfg", lenient=True)   # lenient: never raises
    session = ConfigSession(RunningConfig())
    for line in text.splitlines()[:50]:
        try:
            session.feed(line)
        except ConfigError:
            pass
        if session.ended:
            break
    assert result.config is not None


# ---- captures ----------------------------------------------------------------------------------------
def capture(data: bytes) -> None:
    try:
        pcap.parse(data)
    except pcap.CaptureError:
        pass


# ---- the table compiler ----------------------------------------------------------------------------
_OPS = list(PortOp)


def _ace(fdp: atheris.FuzzedDataProvider) -> Ace:
    proto = fdp.PickValueInList([None, 1, 6, 17, 132, fdp.ConsumeIntInRange(0, 255)])
    ports = {}
    if proto in (6, 17, 132):
        for side in ("sport", "dport"):
            if fdp.ConsumeBool():
                op = fdp.PickValueInList(_OPS)
                lo = fdp.ConsumeIntInRange(0, 65535)
                hi = fdp.ConsumeIntInRange(lo, 65535) if op is PortOp.RANGE else None
                ports[side] = PortMatch(op, lo, hi)
    return Ace(fdp.ConsumeBool(), proto, fdp.ConsumeIntInRange(0, 2**32 - 1), fdp.ConsumeIntInRange(0, 2**32 - 1),
               fdp.ConsumeIntInRange(0, 2**32 - 1), fdp.ConsumeIntInRange(0, 2**32 - 1), **ports)


def tables(data: bytes) -> None:
    """ACLs of any shape compiled by each lookup method must first-match as the reference does."""
    fdp = atheris.FuzzedDataProvider(data)
    aces = []
    for _ in range(fdp.ConsumeIntInRange(0, 300)):
        try:
            aces.append(_ace(fdp))
        except QfpError:   # a combination the table refuses (checked in Python, as promised)
            pass
    batch = empty_batch(64)
    for name in ("src", "dst", "sport", "dport", "proto", "dscp", "tcp_flags", "frag"):
        batch[name] = [fdp.ConsumeIntInRange(0, _MAX[name]) for _ in range(64)]
    expected = None
    for method in ("scan", "bitvector", "tree", "hybrid"):
        fp = FastPath(max_uidbs=4, acl_method=method, acl_bitvec_head=fdp.ConsumeIntInRange(0, 64))
        slot = fp.acl_create(aces)
        got = fp.acl_classify(slot, batch)
        fp.close()
        if expected is None:
            reference = ReferenceFastPath(max_uidbs=4)
            expected = reference.acl_classify(reference.acl_create(aces), batch)
        assert (got == expected).all(), method


_MAX = {"src": 2**32 - 1, "dst": 2**32 - 1, "sport": 65535, "dport": 65535, "proto": 255, "dscp": 63,
        "tcp_flags": 63, "frag": 2}
TARGETS = {"radius": radius, "config": config, "capture": capture, "tables": tables}


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
