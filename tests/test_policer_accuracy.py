"""Long-run policer accuracy: over T of virtual time a policer passes its burst plus rate * T, to the packet.

A constant stream at twice the policed rate keeps the bucket drained, so every token the bucket
ever gets is spent: from t = 0 to the last packet the bucket passed, at time T, it passes
Bc + CIR * T / 8 octets less what is left in it, and what is left is less than one packet (a packet
that conformed left less than a packet's worth, or the next one would have had two; see below).
The same holds for 2R3C's peak bucket with PBS and PIR, which bounds what is not violated. Expected
values are exact fractions of octets; the verdicts are the fast path's own, per packet."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from qfp_model.qfp import packets as P
from qfp_model.qfp.policer import programmed
from qfp_model.qfp.tables import CLASS_DEFAULT, TRANSMIT, Direction, PoliceMode, Policer, Policy, PolicyClass

NS = 1_000_000_000


def stream(fp, police: Policer, length: int, rate_bps: int, ms: int):
    """Packets of `length` bytes offered at `rate_bps` for `ms` milliseconds, through one policer;
    returns (timestamps, colours, class state)."""
    uidb = fp.uidb_create(14, "Virtual-Access1")
    handle = fp.policy_create(Policy("accuracy", 1, (PolicyClass(CLASS_DEFAULT, 1, police=police),)))
    fp.bind(uidb, Direction.OUT, policy=handle)
    n = rate_bps * ms // (8 * length * 1000)
    k = np.arange(n, dtype=np.uint64)
    # Exact arrival times, rounded down to the ns: the stream's rate need not divide anything.
    ts = (k * (8 * length * NS)) // rate_bps
    batch = P.empty_batch(n)
    batch["ts_ns"] = ts
    batch["uidb"] = uidb
    batch["dir"] = Direction.OUT
    batch["length"] = length
    colours = fp.process(batch)["colour"]
    return ts, colours, fp.target_read(uidb, Direction.OUT)[0]


def within_a_packet(passed: int, burst: int, rate_bps: int, until_ns: int, length: int):
    """burst + rate * T / 8 octets, to the packet: what the bucket got, minus less than a packet."""
    budget = burst + Fraction(rate_bps * until_ns, 8 * NS)
    assert budget - length < passed <= budget, (passed, float(budget), length)


def octets_until_last(mask, ts, length):
    """Octets of the packets in `mask`, and the time of the last of them."""
    idx = np.flatnonzero(mask)
    return len(idx) * length, int(ts[idx[-1]])


# (cir, bc, packet length, ms of virtual time): rates that are and are not multiples of the packet
# size, odd packet sizes, and a rate that has to be rounded to be programmed (at 1.2 Gbit/s, 20 ms
# is already thousands of packets).
CASES = [
    (64_000, 1_500, 64, 60_000),
    (8_000, 1_500, 41, 60_000),
    (777_777, 4_000, 333, 30_000),
    (1_000_003, 3_001, 1499, 30_000),
    (10_000_000, 40_000, 1500, 10_000),
    (1_234_567_891, 30_000, 1001, 20),   # programmed as 1,234,567,890 bit/s
]


@pytest.mark.parametrize("cir,bc,length,ms", CASES)
def test_1r2c_passes_bc_plus_cir_t(fp, cir, bc, length, ms):
    police = Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=cir, bc=bc, exceed=TRANSMIT)
    rate = programmed(police).cir
    ts, colours, state = stream(fp, police, length, 2 * rate, ms)
    passed, until = octets_until_last(colours == P.CONFORM, ts, length)
    within_a_packet(passed, bc, rate, until, length)
    assert state.colour_bytes[0] == passed
    assert state.colour_pkts[0] + state.colour_pkts[1] == len(ts)


@pytest.mark.parametrize("cir,bc,length,ms", CASES)
def test_1r3c_passes_bc_plus_cir_t_and_exceeds_be(fp, cir, bc, length, ms):
    be = 2 * bc + 7
    police = Policer(PoliceMode.ONE_RATE_THREE_COLOUR, cir=cir, bc=bc, be=be, exceed=TRANSMIT)
    rate = programmed(police).cir
    ts, colours, state = stream(fp, police, length, 2 * rate, ms)
    passed, until = octets_until_last(colours == P.CONFORM, ts, length)
    within_a_packet(passed, bc, rate, until, length)
    # C is never full again after the start, so E gets nothing beyond its initial Be: the stream
    # spends that (to the packet) and violates from then on.
    exceeded = int((colours == P.EXCEED).sum()) * length
    assert be - length < exceeded <= be
    assert state.colour_bytes == (passed, exceeded, (len(ts) * length) - passed - exceeded)


@pytest.mark.parametrize("pir_factor", [Fraction(3, 2), 3])
@pytest.mark.parametrize("cir,bc,length,ms", CASES)
def test_2r3c_passes_bc_plus_cir_t_and_pbs_plus_pir_t(fp, cir, bc, length, ms, pir_factor):
    pir = int(cir * pir_factor)
    pbs = 3 * bc + 11
    police = Policer(PoliceMode.TWO_RATE_THREE_COLOUR, cir=cir, bc=bc, pir=pir, be=pbs,
                     exceed=TRANSMIT)
    run = programmed(police)
    ts, colours, state = stream(fp, police, length, 2 * run.pir, ms)
    conformed, until_c = octets_until_last(colours == P.CONFORM, ts, length)
    within_a_packet(conformed, bc, run.cir, until_c, length)
    not_violated, until_p = octets_until_last(colours != P.VIOLATE, ts, length)
    within_a_packet(not_violated, pbs, run.pir, until_p, length)
    assert state.colour_bytes[0] == conformed
    assert state.colour_bytes[0] + state.colour_bytes[1] == not_violated


# Why "less than a packet is left": the stream adds at most half a packet's worth of tokens
# between two arrivals (it runs at twice the rate), so a bucket that starts an arrival below one
# packet ends it, after a conforming packet, below one packet; for 2R3C the peak bucket lets a
# packet through at least every other arrival, and C gains at most CIR/PIR <= 1 packet's worth
# meanwhile. Every burst here is at least two packets, so no token is ever lost to a full bucket.
def test_cases_keep_the_argument_valid():
    for _cir, bc, length, _ in CASES:
        assert bc >= 2 * length
