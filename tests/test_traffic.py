"""Simulated streams: exact, drift-free spacing in virtual time."""
from fractions import Fraction
from ipaddress import IPv4Address

import numpy as np
import pytest

from qfp_model.control.core.traffic import Stream, TrafficSpec
from qfp_model.control.errors import ControlError
from qfp_model.qfp import packets as P
from qfp_model.qfp.tables import Direction


def stream(**overrides) -> Stream:
    fields = dict(uidb=3, direction=Direction.OUT, src=IPv4Address("10.0.0.1"),
                  dst=IPv4Address("192.0.2.1"), proto=17, sport=1024, dport=5060, dscp=46,
                  tcp_flags=0, frag=0, size=1000, rate=3_000_000, count=10)
    fields.update(overrides)
    return Stream(**fields)


def test_packets_are_evenly_spaced_without_drift():
    s = stream(size=333, rate=7_000_001, count=100_000)
    ts = np.concatenate([b["ts_ns"] for b in s.batches(t0=5, batch=30_000)])
    assert ts.size == 100_000
    for i in (0, 1, 29_999, 30_000, 99_999):
        assert int(ts[i]) == 5 + int(Fraction(i * 333 * 8 * 10**9, 7_000_001))
    assert (np.diff(ts.astype(np.int64)) >= 0).all()


def test_every_header_field_is_set():
    (batch,) = stream(count=4).batches(t0=0)
    row = batch[3]
    assert (row["uidb"], row["dir"], row["src"], row["dst"], row["proto"], row["sport"],
            row["dport"], row["dscp"], row["length"], row["family"]) == \
        (3, 1, int(IPv4Address("10.0.0.1")), int(IPv4Address("192.0.2.1")), 17, 1024, 5060, 46,
         1000, 4)


def test_long_runs_do_not_overflow():
    s = stream(size=65535, rate=8000, count=40_000)
    last = list(s.batches(t0=0))[-1]["ts_ns"][-1]
    assert int(last) == 39_999 * 65535 * 8 * 10**9 // 8000


def test_duration_gives_whole_packets():
    assert Stream.for_duration(1.0, **{k: v for k, v in vars(stream()).items() if k != "count"}).count == 375


@pytest.mark.parametrize("bad", [dict(size=19), dict(rate=0), dict(count=-1)])
def test_bad_streams_are_refused(bad):
    with pytest.raises(ControlError):
        stream(**bad)


def test_a_spec_reads_the_names_users_type():
    spec = TrafficSpec.from_words("Vi1", Direction.IN, size=100, rate=8000, packets=1, protocol="tcp",
                                  dscp="ef", flags="SYN,ack", fragment="first")
    assert (spec.protocol, spec.dscp, spec.tcp_flags, spec.fragment) == \
        (6, 46, P.TCP_SYN | P.TCP_ACK, P.FRAG_INITIAL)
    assert TrafficSpec.from_words("Vi1", 0, size=100, rate=8000, packets=1, protocol="ip").protocol == 0


@pytest.mark.parametrize("words, message", [
    ({"flags": "syn,bogus"}, "TCP flag 'bogus'"),
    ({"dscp": "64"}, "dscp '64'"),
    ({"protocol": "nope"}, "protocol 'nope'"),
    ({"fragment": "last"}, "fragment 'last'"),
    ({"duration": 1.0}, "either a packet count or a duration"),
])
def test_a_spec_refuses_what_it_cannot_send(words, message):
    with pytest.raises(ControlError, match=message):
        TrafficSpec.from_words("Vi1", Direction.IN, size=100, rate=8000, **{"packets": 1, **words})
