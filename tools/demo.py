"""`qfp demo`: the fast path alone, on the seed's session (Virtual-Access1, QFP if_h 14,
`aaa-in-policy` and `aaa-out-policy` with a class-default 1R2C policer each way: 2 Mbit/s in,
1 Mbit/s out), a constant-rate stream pushed through it both ways, the platform show output, and what
each policer conformed beside what CIR x T + Bc allows."""
from __future__ import annotations

import numpy as np

from qfp_model.qfp.packets import CONFORM, EXCEED, NS_PER_S
from qfp_model.qfp.policer import PolicerWords, decode
from qfp_model.qfp.show_platform import render_qos_all
from qfp_model.qfp.tables import Direction

from .bench.workloads import BATCH, constant_rate, seed_session

DEMO_CIR = {Direction.IN: 2_000_000, Direction.OUT: 1_000_000}   # bit/s
DEMO_LENGTH = 1000   # bytes a packet


def run(fp, rate: int, packets: int) -> None:
    uidb = seed_session(fp, DEMO_CIR[Direction.IN], DEMO_CIR[Direction.OUT])
    stream = np.concatenate([constant_rate(uidb, d, rate, DEMO_LENGTH, packets) for d in Direction])
    stream = stream[np.argsort(stream["ts_ns"], kind="stable")]
    for start in range(0, stream.size, BATCH):
        fp.process(stream[start:start + BATCH])

    for direction in Direction:
        print(f"qfp# show platform hardware qfp active feature qos all {direction.ios_name} all")
        print(render_qos_all(fp, direction))
    seconds = int(stream["ts_ns"][-1]) / NS_PER_S
    print(f"{packets} packets of {DEMO_LENGTH} bytes each way at {rate:,} bit/s, "
          f"{seconds:.3f} s of virtual time:")
    for direction in Direction:
        word = direction.ios_name
        state = fp.target_read(uidb, direction)[0]
        police = decode(PolicerWords(state.hw_policer, state.police_info))   # as programmed
        conformed, exceeded = state.colour_pkts[CONFORM], state.colour_pkts[EXCEED]
        allowed = police.cir * seconds / 8 + police.bc
        print(f"  {word:<6} police cir {police.cir:,} bc {police.bc:,}: {state.pkts} packets, {conformed} "
              f"conformed ({state.colour_bytes[CONFORM]:,} bytes; CIR x T + Bc = {allowed:,.0f}), "
              f"{exceeded} exceeded, {state.drop_pkts} dropped")
