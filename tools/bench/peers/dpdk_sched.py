"""DPDK's hierarchical scheduler rte_sched beside our queueing: the driver of sched_peer.c.

Like dpdk.py (whose build and EAL arguments it shares) it needs libdpdk-dev; `dpdk.available()`
says whether it is there. A SchedPeer starts the program once, with the packet sequence and the
hierarchy, and each `round()` then has it replay the sequence through a fresh rte_sched port and
answers what it measured, so that the caller can interleave its own rounds with rte_sched's:

    with SchedPeer(records, SchedConfig(pipes=16, rate_bps=2_000_000, bucket=2000, qsize=64,
                                        weights=(4, 2, 1))) as peer:
        for _ in range(7):
            ours = time_ours()
            theirs = peer.round()["ns_per_packet"]      # or round(poll_us=1000): see sched_peer.c

`records` is a RECORD array (session index, class 0-3, length, virtual arrival time); how virtual
time reaches rte_sched, which reads the TSC itself, is sched_peer.c's header comment.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import dpdk
from .dpdk import PeerError

SOURCE = dpdk.HERE / "sched_peer.c"   # package data, like dpdk_peer.c
BINARY_NAME = "sched_peer"

# sched_peer.c's struct sched_rec.
RECORD = np.dtype([("ts_ns", "<u8"), ("pipe", "<u4"), ("length", "<u2"), ("cls", "u1"), ("pad", "u1")])

# The EAL of dpdk.py with less memory: the mbuf pool of 1,024 pipes' full queues is ~60 MB.
EAL_ARGS = [a if a != "2048" else "512" for a in dpdk.EAL_ARGS]

# Real ns per packet the replay is paced at first (sched_peer.c, "Time"); when rte_sched cannot keep
# that pace, the peer is started again slower (see calibrated() below).
BUDGET_NS = 1000
LATE_FRACTION_MAX = 0.05
ROUND_TIMEOUT = 600   # seconds


@dataclass(frozen=True)
class SchedConfig:
    pipes: int              # sessions
    rate_bps: int           # each pipe's shaper (the parent class-default's `shape average`)
    bucket: int             # the shaper's bucket, bytes (bc + be)
    qsize: int              # packets per queue, a power of two
    weights: tuple[int, int, int]   # WRR weights of classes 1-3 in the best-effort TC
    tc_period_ms: int = 10  # rte_sched's TC credit period, virtual ms

    def args(self) -> list[str]:
        w1, w2, w3 = self.weights
        return [f"pipes={self.pipes}", f"rate={self.rate_bps}", f"bucket={self.bucket}",
                f"qsize={self.qsize}", f"w1={w1}", f"w2={w2}", f"w3={w3}",
                f"tc_period={self.tc_period_ms}"]


def build(build_dir: Path | None = None) -> Path:
    return dpdk.build_program(SOURCE, BINARY_NAME, build_dir)


class SchedPeer:
    """One running sched_peer program over one packet sequence and hierarchy."""

    def __init__(self, records: np.ndarray, config: SchedConfig, *, budget_ns: int = BUDGET_NS,
                 binary: Path | None = None, eal_args: list[str] | None = None):
        if records.dtype != RECORD or records.size == 0:
            raise ValueError("records: a non-empty dpdk_sched.RECORD array")
        self.records, self.config, self.budget_ns = records, config, int(budget_ns)
        self.binary = Path(binary) if binary is not None else build()
        self.eal_args = EAL_ARGS if eal_args is None else eal_args
        self.info: dict = {}
        self._proc: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None

    # ---- the program's life -----------------------------------------------------------------
    def start(self) -> SchedPeer:
        self._tmp = tempfile.TemporaryDirectory(prefix="qfp-sched-peer-")
        tmp = Path(self._tmp.name)
        packets = tmp / "packets.bin"
        packets.write_bytes(self.records.tobytes())
        # stderr to a file: a pipe nobody reads could fill and stall the peer.
        self._stderr = open(tmp / "stderr.txt", "w+")    # closed in close()
        command = [str(self.binary), str(packets), *self.config.args(), f"budget={self.budget_ns}",
                   "--", *self.eal_args]
        self._proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self._stderr, text=True, env=dpdk._unsanitized_env())
        self.info = self._answer("starting")
        return self

    def round(self, poll_us: int = 0) -> dict:
        """A fresh port replays the whole sequence, dequeuing after every burst (poll_us 0) or once
        poll_us of virtual time has passed; what the program measured (see sched_peer.c)."""
        if self._proc is None:
            raise PeerError("the rte_sched peer is not running")
        try:
            self._proc.stdin.write(f"round {int(poll_us)}\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            pass   # _answer reports the program's own reason
        return self._answer("a round")

    def close(self) -> None:
        if self._proc is not None:
            try:
                self._proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._tmp is not None:
            self._stderr.close()
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SchedPeer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _answer(self, doing: str) -> dict:
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait(timeout=30)
            self._stderr.seek(0)
            raise PeerError(f"the rte_sched peer ended while {doing} (status {self._proc.returncode}):\n"
                            f"{self._stderr.read().strip()}")
        try:
            answer = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PeerError(f"the rte_sched peer's answer is not JSON ({exc}): {line!r}") from exc
        if not isinstance(answer, dict):
            raise PeerError(f"the rte_sched peer's answer is not a JSON object: {line!r}")
        return answer


def calibrated(records: np.ndarray, config: SchedConfig, *, binary: Path | None = None,
               tries: int = 3) -> tuple[SchedPeer, dict]:
    """A started SchedPeer whose pace rte_sched keeps, and its warm-up round. The replay maps
    virtual time onto the TSC at `budget` real ns per packet; when the calls alone take longer than
    that, bursts start late and rte_sched sees time in bigger steps than ours does. So: a warm-up
    round at BUDGET_NS, and while more than LATE_FRACTION_MAX of its bursts were late, the peer again
    at three times the ns per packet that round measured. The last try is kept as it is; its round
    says how late it ran."""
    budget = BUDGET_NS
    for attempt in range(tries):
        peer = SchedPeer(records, config, budget_ns=budget, binary=binary).start()
        try:
            warm = peer.round()
        except BaseException:
            peer.close()
            raise
        if warm["late"] <= LATE_FRACTION_MAX * warm["bursts"] or attempt == tries - 1:
            return peer, warm
        peer.close()
        budget = max(budget + 1, int(3 * warm["ns_per_packet"]) + 1)
    raise AssertionError("unreachable")
