"""Reproducible workloads: the tables and traffic that the benchmarks, `qfp bench` and `qfp demo` push
through a fast path.

A workload programs any implementation that offers the table half of FastPathAPI (acl_create,
policy_create, uidb_create, bind) — FastPath, ReferenceFastPath or qfp.baseline.NumpyBaseline — with
the same calls, so the same batch means the same work to each of them and their verdicts can be
compared before their speeds are.

Bursts not given follow IOS's defaults, as the control plane computes them
(control.config.model.default_burst)."""
from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from qfp_model.control.config.model import default_burst
from qfp_model.control.core.compile import CLASS_DEFAULT_OBJECT_ID, FIRST_POLICY_ID
from qfp_model.qfp.packets import FRAG_NONINITIAL, TCP_ACK, TCP_SYN, constant_rate_batch, empty_batch
from qfp_model.qfp.tables import (
    CLASS_DEFAULT,
    PROTO_ICMP,
    PROTO_TCP,
    PROTO_UDP,
    Ace,
    ClassMap,
    Direction,
    Match,
    PoliceAction,
    PoliceMode,
    Policer,
    Policy,
    PolicyClass,
    PortMatch,
    PortOp,
    precedence_dscps,
)

BATCH = 8192           # packets per process() call: a realistic vector size for a dataplane
SESSIONS = 16          # Virtual-Access interfaces sharing the bound tables
SESSION_RATE = 100_000_000   # bit/s offered per session and direction: above most CIRs below


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def burst_10ms(rate: int) -> int:
    """The benchmarks' explicit bursts (`police cir X bc Y`): 10 ms of traffic, so that buckets drain
    within a batch or two and the policers see the conform/exceed mix of a steady state."""
    return max(rate // 800, 1500)


def one_rate(cir: int, bc: int | None = None, **actions) -> Policer:
    return Policer(PoliceMode.ONE_RATE_TWO_COLOUR, cir=cir, bc=bc or default_burst(cir), **actions)


def class_default_policy(name: str, policy_id: int, cir: int, bc: int | None = None,
                         object_id: int = CLASS_DEFAULT_OBJECT_ID) -> Policy:
    """The seed's policy shape: class-default alone, policed by one 1R2C policer."""
    return Policy(name, policy_id, (PolicyClass(CLASS_DEFAULT, object_id, police=one_rate(cir, bc)),))


# ---- the seed's session ----------------------------------------------------------------------------
SEED_IFH, SEED_IFNAME = 14, "Virtual-Access1"
SEED_IN_POLICY = ("aaa-in-policy", FIRST_POLICY_ID)   # the compiler numbers from the seed's id
SEED_OUT_POLICY = ("aaa-out-policy", 9679472)


def seed_session(fp, cir_in: int, cir_out: int) -> int:
    """The seed's Virtual-Access1 with class-default policers in and out; returns its UIDB."""
    uidb = fp.uidb_create(SEED_IFH, SEED_IFNAME)
    fp.bind(uidb, Direction.IN, policy=fp.policy_create(class_default_policy(*SEED_IN_POLICY, cir_in)))
    fp.bind(uidb, Direction.OUT, policy=fp.policy_create(class_default_policy(*SEED_OUT_POLICY, cir_out)))
    return uidb


def constant_rate(uidb: int, direction: Direction, rate: int, length: int, n: int,
                  start_ns: int = 0) -> np.ndarray:
    """n UDP packets of `length` bytes, evenly spaced so that they offer `rate` bit/s, the first one
    gap after start_ns."""
    return constant_rate_batch(n, length=length, rate=rate, t0=start_ns, first=1, uidb=uidb,
                               dir=direction, src=ip("10.0.0.2"), dst=ip("192.0.2.10"),
                               proto=PROTO_UDP, sport=40000, dport=5001)


# ---- benchmark workloads ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    program: Callable[[object, int], list[int]]   # (fast path, sessions) -> UIDBs, tables bound
    traffic: Callable[[np.random.Generator, Sequence[int], int], np.ndarray]


def _program_seed_like(fp, sessions: int) -> list[int]:
    policy_in = fp.policy_create(class_default_policy(*SEED_IN_POLICY, 80_000_000,
                                                      burst_10ms(80_000_000)))
    policy_out = fp.policy_create(class_default_policy(*SEED_OUT_POLICY, 40_000_000,
                                                       burst_10ms(40_000_000)))
    uidbs = []
    for n in range(sessions):
        uidb = fp.uidb_create(14 + n, f"Virtual-Access{1 + n}")
        fp.bind(uidb, Direction.IN, policy=policy_in)
        fp.bind(uidb, Direction.OUT, policy=policy_out)
        uidbs.append(uidb)
    return uidbs


SERVERS = "172.16.10.0"        # /24: web, ssh, file servers
VIDEO_SERVERS = "172.16.20.0"  # /24
DNS_SERVER = "172.16.0.53"
BLOCKED_NET = "198.51.100.0"   # /24: hosts the filter denies one by one
USERS = "10.{}.{}.0"           # user /24s: 10.<site>.<lan>.0


def _eq(port: int) -> PortMatch:
    return PortMatch(PortOp.EQ, port)


def _range(lo: int, hi: int) -> PortMatch:
    return PortMatch(PortOp.RANGE, lo, hi)


def filter_acl() -> list[Ace]:
    """A 100-ACE `ip access-group ... in` filter of the kind an enterprise headend carries: blocked
    hosts, denied services, permitted client-server flows, established return traffic, a few DSCP and
    fragment rules, and a final permit. Most traffic matches late, as it does in real filters."""
    host, net24, net16 = 0, 0xFF, 0xFFFF
    aces = [Ace(False, src=ip(BLOCKED_NET) + i, src_wildcard=host) for i in range(1, 33)]
    for site, port in enumerate((23, 135, 139, 445, 3389, 5900, 1433, 3306)):
        aces.append(Ace(False, PROTO_TCP, src=ip(f"10.{site}.0.0"), src_wildcard=net16, dport=_eq(port)))
    for port in (69, 161, 162, 1900, 11211, 19, 17):
        aces.append(Ace(False, PROTO_UDP, dport=_eq(port)))
    # Odd LANs of every site, by a non-contiguous wildcard, may not reach the video servers.
    aces.append(Ace(False, src=ip("10.0.1.0"), src_wildcard=0x00FE00FF,
                    dst=ip(VIDEO_SERVERS), dst_wildcard=net24))
    aces.append(Ace(False, dst=ip(VIDEO_SERVERS), dst_wildcard=net24, fragments=True))
    aces.append(Ace(False, PROTO_TCP, dport=PortMatch(PortOp.LT, 20), dst=ip(SERVERS), dst_wildcard=net24))
    for site in range(4):
        for lan in range(4):
            users = ip(USERS.format(site, lan))
            aces.append(Ace(True, PROTO_TCP, src=users, src_wildcard=net24,
                            dst=ip(SERVERS), dst_wildcard=net24, dport=_eq(443)))
            aces.append(Ace(True, PROTO_TCP, src=users, src_wildcard=net24,
                            dst=ip(SERVERS), dst_wildcard=net24, dport=_range(8000, 8100)))
    for port in (22, 80, 20, 21, 445):
        aces.append(Ace(True, PROTO_TCP, src=ip("10.0.0.0"), src_wildcard=0x00FFFFFF,
                        dst=ip(SERVERS), dst_wildcard=net24, dport=_eq(port)))
    for port in (53, 123):
        aces.append(Ace(True, PROTO_UDP, dst=ip(DNS_SERVER), dst_wildcard=host, dport=_eq(port)))
    aces.append(Ace(True, PROTO_UDP, dport=_range(5060, 5061)))
    aces.append(Ace(True, PROTO_UDP, sport=PortMatch(PortOp.GT, 1023), dport=_range(16384, 32767)))
    aces.append(Ace(True, PROTO_TCP, dst=ip(VIDEO_SERVERS), dst_wildcard=net24, dport=_eq(554)))
    aces.append(Ace(True, PROTO_UDP, dst=ip(VIDEO_SERVERS), dst_wildcard=net24,
                    dport=PortMatch(PortOp.NEQ, 9)))
    aces.append(Ace(False, PROTO_ICMP, dscp=8))
    aces.append(Ace(True, PROTO_ICMP))
    aces.append(Ace(False, precedence=7, src=ip("10.0.0.0"), src_wildcard=0x00FFFFFF))
    aces.append(Ace(True, PROTO_TCP, established=True))
    aces.append(Ace(True, PROTO_TCP, sport=_eq(179)))
    aces.append(Ace(True, PROTO_UDP, sport=_range(49152, 65535), dport=_range(49152, 65535)))
    aces.append(Ace(True))
    assert len(aces) == 100, len(aces)
    return aces


def qos_acls() -> dict[str, list[Ace]]:
    """The access-group ACLs the 4-class policy's class-maps name."""
    net24 = 0xFF
    return {
        "VOICE": [Ace(True, PROTO_UDP, dport=_range(16384, 32767)), Ace(True, PROTO_UDP, dport=_range(5060, 5061))],
        "VIDEO": [Ace(True, dst=ip(VIDEO_SERVERS), dst_wildcard=net24)],
        "MGMT": [Ace(True, PROTO_TCP, dport=_eq(22)), Ace(True, PROTO_UDP, dst=ip(DNS_SERVER), dst_wildcard=0)],
        "BULK": [Ace(False, PROTO_TCP, dport=_eq(443)),
                 Ace(True, PROTO_TCP, dport=_range(20, 21)), Ace(True, PROTO_TCP, dport=_eq(445)),
                 Ace(True, PROTO_TCP, dport=_range(8000, 8100))],
    }


def four_class_policy(acl: dict[str, int]) -> Policy:
    """voice, video, critical, bulk and class-default, matched by access-group, dscp and precedence,
    each with a policer of a different kind and its own actions."""
    voice = ClassMap("VOICE", match_all=False, matches=(
        Match("dscp", dscp=frozenset({46})), Match("access-group", acl=acl["VOICE"])))
    video = ClassMap("VIDEO", match_all=True, matches=(
        Match("access-group", acl=acl["VIDEO"]), Match("dscp", negate=True, dscp=frozenset({0}))))
    critical = ClassMap("CRITICAL", match_all=False, matches=(
        Match("dscp", dscp=precedence_dscps(6) | precedence_dscps(7)),
        Match("access-group", acl=acl["MGMT"])))
    bulk = ClassMap("BULK", match_all=True, matches=(
        Match("access-group", acl=acl["BULK"]), Match("class-map", negate=True, class_map=critical)))
    return Policy("bench-4class", 4242, (
        PolicyClass("voice", 2001, voice, police=one_rate(15_000_000, burst_10ms(15_000_000))),
        PolicyClass("video", 2002, video, police=Policer(
            PoliceMode.ONE_RATE_THREE_COLOUR, cir=8_000_000, bc=burst_10ms(8_000_000),
            be=burst_10ms(8_000_000), exceed=PoliceAction("set-dscp-transmit", 36))),
        PolicyClass("critical", 2003, critical, police=Policer(
            PoliceMode.TWO_RATE_THREE_COLOUR, cir=8_000_000, bc=burst_10ms(8_000_000),
            pir=12_000_000, be=burst_10ms(12_000_000), exceed=PoliceAction("set-prec-transmit", 2))),
        PolicyClass("bulk", 2004, bulk, set_dscp=10, police=one_rate(
            4_000_000, burst_10ms(4_000_000), conform=PoliceAction("set-dscp-transmit", 12))),
        PolicyClass(CLASS_DEFAULT, CLASS_DEFAULT_OBJECT_ID, police=Policer(
            PoliceMode.ONE_RATE_THREE_COLOUR, cir=20_000_000, bc=burst_10ms(20_000_000),
            be=burst_10ms(20_000_000), exceed=PoliceAction("set-prec-transmit", 0))),
    ))


def _program_acl_4class(fp, sessions: int) -> list[int]:
    filter_slot = fp.acl_create(filter_acl())
    qos_slots = {name: fp.acl_create(aces) for name, aces in qos_acls().items()}
    policy = fp.policy_create(four_class_policy(qos_slots))
    uidbs = []
    for n in range(sessions):
        uidb = fp.uidb_create(14 + n, f"Virtual-Access{1 + n}")
        for direction in Direction:
            fp.bind(uidb, direction, acl=filter_slot, policy=policy)
        uidbs.append(uidb)
    return uidbs


def _timestamps(rng: np.random.Generator, sessions: int, n: int, mean_length: float) -> np.ndarray:
    """Poisson arrivals at SESSION_RATE per session and direction, sorted: one shared clock."""
    pps = 2 * sessions * SESSION_RATE / (8 * mean_length)
    gaps = rng.exponential(1e9 / pps, n)
    return np.cumsum(gaps).astype(np.uint64) + 1


def seed_like_traffic(rng: np.random.Generator, uidbs: Sequence[int], n: int) -> np.ndarray:
    """IMIX-like UDP and TCP in both directions of every session."""
    batch = empty_batch(n)
    batch["length"] = rng.choice([64, 576, 1500], n, p=[0.58, 0.33, 0.09])
    batch["ts_ns"] = _timestamps(rng, len(uidbs), n, float(batch["length"].mean()))
    batch["uidb"] = rng.choice(np.asarray(uidbs, dtype=np.uint32), n)
    batch["dir"] = rng.integers(0, 2, n)
    batch["src"] = ip("10.0.0.0") + rng.integers(0, 1 << 16, n)
    batch["dst"] = ip(SERVERS) + rng.integers(0, 256, n)
    batch["proto"] = rng.choice([PROTO_TCP, PROTO_UDP], n)
    batch["sport"] = rng.integers(1024, 65536, n)
    batch["dport"] = rng.choice([53, 80, 443, 5060, 20000], n)
    batch["dscp"] = rng.choice([0, 10, 18, 34, 46], n)
    batch["tcp_flags"] = TCP_ACK
    return batch


def acl_mix_traffic(rng: np.random.Generator, uidbs: Sequence[int], n: int) -> np.ndarray:
    """A mix aimed at the filter and the classes: a few blocked hosts and services, client-server TCP,
    voice and video UDP, established return traffic, management, some fragments, the rest odd."""
    batch = seed_like_traffic(rng, uidbs, n)
    kinds = rng.choice(8, n, p=[0.04, 0.04, 0.30, 0.14, 0.12, 0.20, 0.06, 0.10])
    site, lan = rng.integers(0, 8, n), rng.integers(0, 6, n)
    batch["src"] = ip("10.0.0.0") + (site << 16) + (lan << 8) + rng.integers(1, 255, n)
    server = ip(SERVERS) + rng.integers(1, 255, n)
    video = ip(VIDEO_SERVERS) + rng.integers(1, 255, n)

    def put(kind: int, **columns) -> None:
        rows = kinds == kind
        for name, value in columns.items():
            batch[name][rows] = value[rows] if isinstance(value, np.ndarray) else value

    put(0, src=ip(BLOCKED_NET) + rng.integers(1, 30, n))
    put(1, proto=PROTO_TCP, dport=rng.choice([23, 445, 3389, 69], n), dst=server)
    put(2, proto=PROTO_TCP, dport=rng.choice([443, 8080, 22, 80, 21, 445], n), dst=server,
        tcp_flags=rng.choice([TCP_SYN, TCP_ACK], n))
    put(3, proto=PROTO_UDP, dport=rng.integers(16384, 32768, n), dst=video, dscp=46)
    put(4, proto=rng.choice([PROTO_UDP, PROTO_TCP], n), dst=video, dport=rng.choice([554, 5004, 9], n),
        dscp=rng.choice([0, 34, 36], n))
    put(5, proto=PROTO_TCP, sport=rng.choice([443, 80, 22], n), dport=rng.integers(1024, 65536, n),
        tcp_flags=TCP_ACK, dst=ip("192.0.2.0") + rng.integers(0, 256, n), dscp=rng.choice([0, 48, 56], n))
    put(6, frag=FRAG_NONINITIAL, dst=rng.choice([server[0], video[0]], n))
    put(7, proto=rng.choice([PROTO_ICMP, 47, 50, PROTO_UDP], n), dscp=rng.choice([0, 8, 56], n))
    return batch


WORKLOADS = {
    "seed": Workload("seed", "seed-like: class-default 1R2C in and out, no ACL",
                     _program_seed_like, seed_like_traffic),
    "acl100-4class": Workload("acl100-4class", "100-ACE filter ACL + 4 classes and class-default, 5 policers",
                              _program_acl_4class, acl_mix_traffic),
}


def advance(batch: np.ndarray) -> None:
    """Move a batch on in time by its own span, so that the next pass is new traffic to the policers."""
    batch["ts_ns"] += batch["ts_ns"][-1] - batch["ts_ns"][0] + 1


def prepared(workload: Workload, factory: Callable[[], object], sessions: int = SESSIONS,
             n: int = BATCH, seed: int = 1):
    """A freshly programmed implementation and its workload's batch (the same batch for every factory)."""
    fp = factory()
    uidbs = workload.program(fp, sessions)
    return fp, workload.traffic(np.random.default_rng(seed), uidbs, n)


def time_process(fp, batch: np.ndarray, budget_s: float, max_rounds: int = 10_000) -> float:
    """Seconds per packet of fp.process(batch), the median of rounds run for about budget_s; the batch
    moves on in time between rounds, outside the timed region."""
    out = fp.process(batch)   # warm-up; also leaves `out` to reuse
    rounds: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(rounds) < max_rounds and (len(rounds) < 3 or time.perf_counter() < deadline):
        advance(batch)
        start = time.perf_counter()
        fp.process(batch, out)
        rounds.append(time.perf_counter() - start)
    return float(np.median(rounds)) / batch.size


IMPLEMENTATION_ORDER = ("fastpath", "numpy", "reference")


def format_rates(ns_per_packet: dict[tuple[str, str], float]) -> str:
    """A table of packets per second and ns per packet, by workload and implementation, with the C
    fast path's speed-up over each of the others."""
    lines = [f"{'workload':<15} {'implementation':<15} {'packets/s':>13} {'ns/packet':>11} {'C is x faster':>14}"]
    for workload in WORKLOADS:
        c_ns = ns_per_packet.get((workload, "fastpath"))
        for impl in IMPLEMENTATION_ORDER:
            ns = ns_per_packet.get((workload, impl))
            if ns is None:
                continue
            ratio = "" if c_ns is None or impl == "fastpath" else f"{ns / c_ns:.1f}"
            lines.append(f"{workload:<15} {impl:<15} {1e9 / ns:>13,.0f} {ns:>11,.1f} {ratio:>14}")
    return "\n".join(lines)


def mixed_policies() -> list[Policy]:
    one = class_default_policy("SESS-1R2C", 1, 10_000_000, burst_10ms(10_000_000))
    three = Policy("SESS-1R3C", 2, (PolicyClass(CLASS_DEFAULT, CLASS_DEFAULT_OBJECT_ID, police=Policer(
        PoliceMode.ONE_RATE_THREE_COLOUR, cir=20_000_000, bc=burst_10ms(20_000_000),
        be=burst_10ms(20_000_000), exceed=PoliceAction("set-dscp-transmit", 10))),))
    two = Policy("SESS-2R3C", 3, (PolicyClass(CLASS_DEFAULT, CLASS_DEFAULT_OBJECT_ID, police=Policer(
        PoliceMode.TWO_RATE_THREE_COLOUR, cir=20_000_000, bc=burst_10ms(20_000_000),
        pir=40_000_000, be=burst_10ms(40_000_000), exceed=PoliceAction("set-dscp-transmit", 10))),))
    return [one, three, two]
