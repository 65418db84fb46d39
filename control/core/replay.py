"""Replay a packet capture through the device's sessions: what `qfp replay` and `sim replay` run.

Which session and direction a packet takes:
- by inner address (the default): a packet whose source is a session's inside address enters that
  session's Virtual-Access (input); one whose destination is a session's inside address leaves
  through it (output). A packet from one session to another goes in through the first and, if it is
  forwarded, out through the second, carrying the DSCP the first marked. Packets that match no
  session are counted as unmapped and go nowhere.
- with an explicit interface: every packet goes through that session, in the direction given
  (input unless said otherwise), whatever its addresses.

Time: the capture's timestamps are virtual time, shifted so that the first packet arrives at the
device's clock; the clock ends at the last packet. A capture whose clock runs backwards keeps its
order (the policers see dt = 0 then, as docs/fastpath.md says).

The report counts what this replay did, from the verdicts, not the counters since bring-up: per
target, per class (level 0) with its colours and drops, and per ACE of the target's filter ACL.
"""
from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qfp_model.qfp import packets as P
from qfp_model.qfp import pcap
from qfp_model.qfp.tables import Direction

from ..errors import ControlError

BATCH = 65536


@dataclass
class ReplayResult:
    file: str
    frames: int = 0
    packets: int = 0                 # IP packets read, either family
    ipv6_packets: int = 0            # of which IPv6
    skipped: dict = field(default_factory=dict)
    unmapped: int = 0
    forwarded: int = 0
    dropped: int = 0
    start_ns: int = 0
    end_ns: int = 0
    targets: list = field(default_factory=list)
    dscp_out: dict = field(default_factory=dict)
    error: str | None = None
    written: int | None = None
    write_error: str | None = None   # --write failed; the counts stand

    def data(self) -> dict:
        """The structured twin of the report."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def read_capture(path: str | Path) -> tuple[pcap.Capture, str | None]:
    """The capture, and the error that stopped the read (None when it was read to the end)."""
    try:
        return pcap.read(path), None
    except pcap.CaptureError as exc:
        if exc.capture is None or exc.offset == 0:   # not a capture at all: nothing to report
            raise ControlError(f"{path}: {exc}") from None
        return exc.capture, f"{path}: {exc}"
    except OSError as exc:
        raise ControlError(f"cannot read {path}: {exc.strerror}") from None


def replay(device, path: str | Path, *, interface: str | None = None,
           direction: Direction = Direction.IN, write: str | Path | None = None) -> ReplayResult:
    capture, error = read_capture(path)
    result = replay_capture(device, capture, interface=interface, direction=direction, write=write)
    result.file = str(path)
    result.error = error
    return result


def replay_capture(device, capture: pcap.Capture, *, interface: str | None = None,
                   direction: Direction = Direction.IN, write: str | Path | None = None) -> ReplayResult:
    batch = capture.batch
    n = batch.size
    result = ReplayResult(file="", frames=capture.frames, packets=n, skipped=dict(capture.skipped),
                          ipv6_packets=int((batch["family"] == P.FAMILY_IPV6).sum()))
    result.start_ns = device.clock_ns
    if n == 0:
        result.end_ns = device.clock_ns
        if write is not None:
            _write(result, write, capture, np.zeros(0, np.int64))
        return result
    ts = batch["ts_ns"].astype(np.int64)
    ts = device.clock_ns + np.maximum(ts - ts[0], 0)

    # Per packet: its input target's UIDB (or -1) and its output target's UIDB (or -1).
    uidb_in = np.full(n, -1, dtype=np.int64)
    uidb_out = np.full(n, -1, dtype=np.int64)
    sessions = {}
    if interface is not None:
        session = device.session(interface)
        sessions[session.uidb] = session
        (uidb_in if Direction(direction) == Direction.IN else uidb_out)[:] = session.uidb
    else:
        _map_by_inside(device.sessions, batch, uidb_in, uidb_out)
        sessions = {s.uidb: s for s in device.sessions}

    dropped = np.zeros(n, dtype=bool)
    dscp = batch["dscp"].copy()
    verdicts = {}
    for d, uidbs in ((Direction.IN, uidb_in), (Direction.OUT, uidb_out)):
        rows = np.flatnonzero((uidbs >= 0) & ~dropped)
        if not rows.size:
            continue
        work = batch[rows].copy()
        work["ts_ns"] = ts[rows]
        work["uidb"] = uidbs[rows]
        work["dir"] = d
        work["dscp"] = dscp[rows]    # an output leg sees the input leg's marking
        out = np.empty(rows.size, dtype=P.VERDICT_DTYPE)
        for lo in range(0, rows.size, BATCH):
            device.process(work[lo:lo + BATCH], out[lo:lo + BATCH])
        dropped[rows] |= out["action"] == P.DROP
        dscp[rows] = np.where(out["action"] == P.FORWARD, out["dscp"], dscp[rows])
        verdicts[d] = (rows, work["uidb"], out, work["length"])
    device.clock_ns = max(device.clock_ns, int(ts.max()))
    result.end_ns = device.clock_ns
    # What a queueing target would have sent by the capture's end has left (docs/fastpath.md,
    # "Queueing"), as at the end of a `sim traffic` run; here, on the thread that ran the batches.
    for d, (_rows, uidbs, _out, _length) in verdicts.items():
        for uidb in np.unique(uidbs).tolist():
            device.fp.target_advance(uidb, d, device.clock_ns)
    device.clock_moved()

    mapped = (uidb_in >= 0) | (uidb_out >= 0)
    result.unmapped = int((~mapped).sum())
    forwarded = mapped & ~dropped
    result.forwarded = int(forwarded.sum())
    result.dropped = int((mapped & dropped).sum())
    values, counts = np.unique(dscp[forwarded], return_counts=True)
    result.dscp_out = {int(v): int(c) for v, c in zip(values, counts)}
    for d, (_rows, uidbs, out, length) in verdicts.items():
        for uidb in np.unique(uidbs).tolist():
            mine = uidbs == uidb
            result.targets.append(_target_report(device, sessions[uidb], d, out[mine], length[mine]))
    result.targets.sort(key=lambda t: (t["virtual_access"], t["direction"] != Direction.IN.ios_name))
    if write is not None:
        rows = np.flatnonzero(forwarded)
        _write(result, write, capture, rows, dscp[rows])
    return result


def _write(result: ReplayResult, path: str | Path, capture: pcap.Capture, rows: np.ndarray,
           dscp: np.ndarray | None = None) -> None:
    """Write the forwarded packets; a file that cannot be written is the report's error, the
    replay's counts still stand."""
    try:
        result.written = pcap.write(path, capture, rows, dscp)
    except pcap.CaptureWriteError as exc:
        result.write_error = f"{path}: {exc}"
    except OSError as exc:
        result.write_error = f"cannot write {path}: {exc.strerror}"


def _target_report(device, session, direction: Direction, out: np.ndarray, length: np.ndarray) -> dict:
    info = device.fp.uidb_info(session.uidb)
    action, reason = out["action"], out["reason"]
    report = {
        "interface": session.interface,
        "virtual_access": session.virtual_access,
        "direction": Direction(direction).ios_name,
        "packets": int(out.size),
        "forwarded": int((action == P.FORWARD).sum()),
        "dropped_acl": int((reason == P.REASON_ACL).sum()),
        "dropped_police": int((reason == P.REASON_POLICE).sum()),
        "dropped_queue": int((reason == P.REASON_QUEUE).sum()),
        "dropped_priority": int((reason == P.REASON_PRIORITY).sum()),
        "policy": None,
        "classes": [],
        "acl": None,
    }
    policy = info.policy[direction]
    if policy is not None:
        report["policy"] = device.fp.policy_info(policy).name
        names = [c.name for c in device.fp.policy_classes(policy)]
        passed = out["cls"] != P.CLASS_NONE
        for index, name in enumerate(names):
            rows = passed & (out["cls"] == index)
            colours = np.bincount(out["colour"][rows], minlength=P.COLOUR_NONE + 1)
            drop = rows & (reason == P.REASON_POLICE)
            report["classes"].append({
                "name": name, "packets": int(rows.sum()), "bytes": int(length[rows].sum()),
                "conformed": int(colours[P.CONFORM]), "exceeded": int(colours[P.EXCEED]),
                "violated": int(colours[P.VIOLATE]),
                "drop_packets": int(drop.sum()), "drop_bytes": int(length[drop].sum()),
            })
    slot = info.acl[direction]
    if slot is not None:
        name = next((n for n, s in device.compiler.acl_slots().items() if s == slot), None)
        entries = device.config.access_lists[name].aces() if name in device.config.access_lists else []
        hits = Counter(out["ace"].tolist())
        report["acl"] = {
            "name": name,
            "entries": [{"seq": e.seq, "matches": hits.get(i, 0)} for i, e in enumerate(entries)],
            "implicit_deny": hits.get(P.ACE_IMPLICIT, 0),
        }
    return report


def format_replay(result: ReplayResult) -> str:
    seconds = (result.end_ns - result.start_ns) / P.NS_PER_S
    skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(result.skipped.items()))
    # A capture of IPv4 alone reads as it always has; a mixed one counts each family.
    packets = f"{result.packets} IPv4 packets" if not result.ipv6_packets else \
        f"{result.packets} IP packets ({result.packets - result.ipv6_packets} IPv4, {result.ipv6_packets} IPv6)"
    lines = [f"Replayed {result.file}: {result.frames} frames, {packets}"
             + (f" (skipped: {skipped})" if skipped else "")
             + f", {seconds:.6f} s of virtual time",
             f"  forwarded {result.forwarded}, dropped {result.dropped}, unmapped {result.unmapped}"]
    if result.dscp_out:
        lines.append("  dscp out: " + ", ".join(f"{d} x {c}" for d, c in sorted(result.dscp_out.items())))
    for t in result.targets:
        drops = f"access-list {t['dropped_acl']}, police {t['dropped_police']}"
        if t["dropped_queue"] or t["dropped_priority"]:     # only a queueing target's lines change
            drops += f", queue tail {t['dropped_queue']}, priority {t['dropped_priority']}"
        dropped = t["dropped_acl"] + t["dropped_police"] + t["dropped_queue"] + t["dropped_priority"]
        lines.append(f"{t['interface']} {t['direction']}: {t['packets']} packets, forwarded "
                     f"{t['forwarded']}, dropped {dropped} ({drops})")
        if t["policy"] is not None:
            lines.append(f"  Service-policy {t['policy']}")
            for c in t["classes"]:
                lines.append(f"    Class-map {c['name']}: {c['packets']} packets, {c['bytes']} bytes; "
                             f"conformed {c['conformed']}, exceeded {c['exceeded']}, violated "
                             f"{c['violated']}, dropped {c['drop_packets']}")
        if t["acl"] is not None:
            lines.append(f"  Access list {t['acl']['name']}")
            for e in t["acl"]["entries"]:
                lines.append(f"    {e['seq']}: {e['matches']} matches")
            lines.append(f"    implicit deny: {t['acl']['implicit_deny']} matches")
    if result.written is not None:
        lines.append(f"  wrote {result.written} forwarded packets")
    if result.error:
        lines.append(f"% {result.error}; the counts above are of the packets before it")
    if result.write_error:
        lines.append(f"% {result.write_error}")
    return "\n".join(lines) + "\n"


def _map_by_inside(table, batch: np.ndarray, uidb_in: np.ndarray, uidb_out: np.ndarray) -> None:
    """Each packet's session by its inside address, of either family: an IPv4 packet whose source
    (destination) is a session's inside IPv4 address, an IPv6 one whose source (destination) is in
    its inside IPv6 prefix, enters (leaves by) that session. A session with only one family's
    inside has none of the other's packets. Prefixes of up to 64 bits (a pool's /64, a /48, a
    /56) are found a whole batch at once by the addresses' upper 64 bits; longer ones (a /128
    Framed-IPv6-Prefix) row by row among the IPv6 packets still unmapped."""
    v6 = batch["family"] == P.FAMILY_IPV6
    inside4 = {int(address): s.uidb for address, s in table.inside4_addresses().items()}
    by_length = table.inside6_prefixes()
    for column, target in (("src", uidb_in), ("dst", uidb_out)):
        word0 = batch[column].astype(np.uint64)
        low = batch[f"{column}_low"].astype(np.uint64)
        upper = word0 << np.uint64(32) | low[:, 0]
        _assign(target, inside4, word0, ~v6)
        for length, networks in sorted(by_length.items(), reverse=True):
            if length > 64:
                continue
            mask = np.uint64(((1 << length) - 1) << (64 - length))
            _assign(target, {network >> 64: s.uidb for network, s in networks.items()}, upper & mask,
                    v6 & (target < 0))
        if any(length > 64 for length in by_length):
            for row in np.flatnonzero(v6 & (target < 0)).tolist():
                address = int(upper[row]) << 64 | int(low[row, 1]) << 32 | int(low[row, 2])
                session = table.by_inside(ipaddress.IPv6Address(address))
                if session is not None:
                    target[row] = session.uidb


def _assign(target: np.ndarray, uidb_by_key: dict[int, int], keys: np.ndarray, rows: np.ndarray) -> None:
    """target[i] = the UIDB whose key is keys[i], for the rows selected that have one."""
    if not uidb_by_key:
        return
    known = np.fromiter(uidb_by_key, dtype=np.uint64, count=len(uidb_by_key))
    uidbs = np.fromiter(uidb_by_key.values(), dtype=np.int64, count=len(uidb_by_key))
    order = np.argsort(known)
    known, uidbs = known[order], uidbs[order]
    pos = np.clip(np.searchsorted(known, keys), 0, known.size - 1)
    hit = rows & (known[pos] == keys)
    target[hit] = uidbs[pos[hit]]
