"""NumpyBaseline: the fast path's work done the way a numpy programmer would, for the benchmarks.

It answers "what does the C buy over vectorized numpy?", so it does the same work as FastPath on the
same tables: filter ACL first match, classification, policing, marking, counters, verdicts. It takes the
table half of FastPathAPI (acl_create, policy_create, uidb_create, bind) and process(); there is no
read-back, and it handles flat policies only (a child policy raises NotImplementedError).

What is vectorized and what is not:
- ACLs: first match over a whole batch at once, by broadcasting packets against ACEs into an
  (n, aces) boolean matrix (in chunks, to stay in cache) and taking argmax of each row.
- Classification: every class-map term over the whole batch, then the first matching class per packet
  by argmax over the classes.
- Policing is NOT vectorized, because it cannot be: a token bucket's level after a packet depends on
  whether the packets before it conformed (a min-clamped recurrence with a data-dependent subtraction),
  which no cumulative numpy operation expresses exactly. Each policer instance runs a plain Python loop
  over its own packets, with Python integers in the same token units as the C code. That loop dominates
  the baseline's time on policed traffic; it is the honest numpy answer, not a strawman.
- Marking, verdicts and counters: vectorized again (np.where, np.bincount).

Semantics are docs/fastpath.md's; the benchmark checks, before it times anything, that this class's
verdicts equal the C fast path's on the benchmark traffic."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qfp_model.qfp import packets as P
from qfp_model.qfp.errors import TableError
from qfp_model.qfp.policer import programmed
from qfp_model.qfp.tables import Ace, ClassMap, Direction, Match, PoliceMode, Policer, Policy

TOKENS_PER_BYTE = 8_000_000_000   # docs/fastpath.md: R bit/s adds exactly R units per ns
_CHUNK = 2048                     # packets per broadcast: 2048 x 100 ACEs of bools stays in L2
_ACK_OR_RST = P.TCP_ACK | P.TCP_RST
_ACTION_KEEP = -1                 # a policer action that leaves the DSCP alone


@dataclass
class _Acl:
    """ACE conditions as columns, one entry per ACE, compiled as csrc does (mask = ~wildcard)."""
    src_val: np.ndarray
    src_mask: np.ndarray
    dst_val: np.ndarray
    dst_mask: np.ndarray
    proto_val: np.ndarray
    proto_mask: np.ndarray
    dscp_val: np.ndarray
    dscp_mask: np.ndarray
    sport_lo: np.ndarray
    sport_hi: np.ndarray
    sport_neg: np.ndarray
    dport_lo: np.ndarray
    dport_hi: np.ndarray
    dport_neg: np.ndarray
    established: np.ndarray
    fragments: np.ndarray
    noninitial_ok: np.ndarray     # may match a non-initial fragment once L3 holds (IOS's rule)
    permit: np.ndarray
    hits: np.ndarray              # per ACE, then the implicit deny last

    @classmethod
    def compile(cls, aces: Sequence[Ace], hits: Sequence[int] | None) -> _Acl:
        def column(values, dtype):
            return np.array(list(values), dtype=dtype)

        def port_bounds(match):
            return match.bounds() if match is not None else (0, 0xFFFF, False)

        src_mask = column((~a.src_wildcard & 0xFFFFFFFF for a in aces), np.uint32)
        dst_mask = column((~a.dst_wildcard & 0xFFFFFFFF for a in aces), np.uint32)
        dscp = [(a.dscp, 0x3F) if a.dscp is not None
                else (a.precedence << 3, 0x38) if a.precedence is not None else (0, 0) for a in aces]
        sport = [port_bounds(a.sport) for a in aces]
        dport = [port_bounds(a.dport) for a in aces]
        counts = np.zeros(len(aces) + 1, dtype=np.uint64)
        if hits is not None:
            if len(hits) != len(aces):
                raise TableError("hits must give one counter per ACE")
            counts[:-1] = hits
        return cls(
            src_val=column((a.src for a in aces), np.uint32) & src_mask, src_mask=src_mask,
            dst_val=column((a.dst for a in aces), np.uint32) & dst_mask, dst_mask=dst_mask,
            proto_val=column((a.proto or 0 for a in aces), np.uint8),
            proto_mask=column((0 if a.proto is None else 0xFF for a in aces), np.uint8),
            dscp_val=column((v for v, _ in dscp), np.uint8), dscp_mask=column((m for _, m in dscp), np.uint8),
            sport_lo=column((b[0] for b in sport), np.uint16), sport_hi=column((b[1] for b in sport), np.uint16),
            sport_neg=column((b[2] for b in sport), bool),
            dport_lo=column((b[0] for b in dport), np.uint16), dport_hi=column((b[1] for b in dport), np.uint16),
            dport_neg=column((b[2] for b in dport), bool),
            established=column((a.established for a in aces), bool),
            fragments=column((a.fragments for a in aces), bool),
            noninitial_ok=column((a.permit or not a.has_l4 for a in aces), bool),
            permit=column((a.permit for a in aces), bool),
            hits=counts,
        )

    def first_match(self, pk: dict[str, np.ndarray]) -> np.ndarray:
        """Per packet, the index of the first matching ACE, or len(ACEs) for the implicit deny."""
        n, naces = pk["src"].size, self.permit.size
        first = np.full(n, naces, dtype=np.intp)
        if naces == 0:
            return first
        for lo in range(0, n, _CHUNK):
            c = {name: column[lo:lo + _CHUNK, None] for name, column in pk.items()}
            l3 = (((c["src"] & self.src_mask) == self.src_val)
                  & ((c["dst"] & self.dst_mask) == self.dst_val)
                  & ((c["proto"] & self.proto_mask) == self.proto_val)
                  & ((c["dscp"] & self.dscp_mask) == self.dscp_val))
            sport_ok = ((c["sport"] >= self.sport_lo) & (c["sport"] <= self.sport_hi)) != self.sport_neg
            dport_ok = ((c["dport"] >= self.dport_lo) & (c["dport"] <= self.dport_hi)) != self.dport_neg
            established_ok = ~self.established | ((c["tcp_flags"] & _ACK_OR_RST) != 0)
            whole = ~self.fragments & sport_ok & dport_ok & established_ok
            match = l3 & np.where(c["frag"] == P.FRAG_NONINITIAL, self.noninitial_ok, whole)
            first[lo:lo + _CHUNK] = np.where(match.any(axis=1), match.argmax(axis=1), naces)
        return first


@dataclass(frozen=True)
class _PolicerProfile:
    """A policer as hardware runs it: programmed rates, buckets in token units, per-colour actions."""
    mode: PoliceMode
    cir: int                  # bit/s = token units per ns
    pir: int
    bc_units: int
    be_units: int
    drop: np.ndarray          # per colour (conform, exceed, violate): bool
    mark: np.ndarray          # per colour: the DSCP it sets, or _ACTION_KEEP

    @classmethod
    def compile(cls, policer: Policer) -> _PolicerProfile:
        hw = programmed(policer)
        actions = (hw.conform, hw.exceed, hw.violate)
        marks = [a.value if a.kind == "set-dscp-transmit" else a.value << 3 if a.kind == "set-prec-transmit"
                 else _ACTION_KEEP for a in actions]
        return cls(hw.mode, hw.cir, hw.pir, hw.bc * TOKENS_PER_BYTE, hw.be * TOKENS_PER_BYTE,
                   np.array([a.kind == "drop" for a in actions]), np.array(marks, dtype=np.int16))


def _police(profile: _PolicerProfile, bucket: list[int], ts: list[int], lengths: list[int]) -> list[int]:
    """Colour a policer's packets in order; bucket is [C tokens, E or P tokens, last ns], updated.

    The sequential heart of policing, in plain Python on purpose (see the module docstring)."""
    c, e, last = bucket
    cir, pir, bc, be = profile.cir, profile.pir, profile.bc_units, profile.be_units
    colours = []
    if profile.mode is PoliceMode.ONE_RATE_TWO_COLOUR:
        for t, length in zip(ts, lengths):
            if t > last:
                c, last = min(bc, c + (t - last) * cir), t
            cost = length * TOKENS_PER_BYTE
            if c >= cost:
                c -= cost
                colours.append(P.CONFORM)
            else:
                colours.append(P.EXCEED)
    elif profile.mode is PoliceMode.ONE_RATE_THREE_COLOUR:
        for t, length in zip(ts, lengths):
            if t > last:
                fill = c + (t - last) * cir
                c, e, last = min(bc, fill), min(be, e + max(0, fill - bc)), t
            cost = length * TOKENS_PER_BYTE
            if c >= cost:
                c -= cost
                colours.append(P.CONFORM)
            elif e >= cost:
                e -= cost
                colours.append(P.EXCEED)
            else:
                colours.append(P.VIOLATE)
    else:
        for t, length in zip(ts, lengths):
            if t > last:
                c, e, last = min(bc, c + (t - last) * cir), min(be, e + (t - last) * pir), t
            cost = length * TOKENS_PER_BYTE
            if e < cost:
                colours.append(P.VIOLATE)
            elif c < cost:
                e -= cost
                colours.append(P.EXCEED)
            else:
                c, e = c - cost, e - cost
                colours.append(P.CONFORM)
    bucket[:] = c, e, last
    return colours


@dataclass
class _Policy:
    policy: Policy
    set_dscp: np.ndarray                      # per class: DSCP its `set` writes, or _ACTION_KEEP
    profiles: list[_PolicerProfile | None]


@dataclass
class _Instance:
    """A policy bound to one target: per-class buckets and counters, fresh at bind time."""
    buckets: list[list[int] | None]
    pkts: np.ndarray
    bytes: np.ndarray
    drop_pkts: np.ndarray
    drop_bytes: np.ndarray
    colour_pkts: np.ndarray                   # (classes, 3)
    colour_bytes: np.ndarray


@dataclass
class _Target:
    acl: int | None = None
    policy: int | None = None
    instance: _Instance | None = None


@dataclass
class _Uidb:
    ifh: int
    ifname: str
    targets: list[_Target] = field(default_factory=lambda: [_Target(), _Target()])


def _lowest_free(used: dict) -> int:
    # The baseline never deletes a table, so the lowest free handle is the count: O(1) where a
    # scan made a million sessions a quadratic job.
    return len(used)


class NumpyBaseline:
    """The fast path's packet work in numpy; see the module docstring for what is vectorized."""

    def __init__(self) -> None:
        self._acls: dict[int, _Acl] = {}
        self._policies: dict[int, _Policy] = {}
        self._uidbs: dict[int, _Uidb] = {}

    # ---- tables ----
    def acl_create(self, aces: Sequence[Ace], hits: Sequence[int] | None = None) -> int:
        slot = _lowest_free(self._acls)
        self._acls[slot] = _Acl.compile(aces, hits)
        return slot

    def policy_create(self, policy: Policy) -> int:
        if any(c.child is not None for c in policy.classes):
            raise NotImplementedError("the numpy baseline handles flat policies only")
        for cls in policy.classes:
            for acl in _acls_named(cls.class_map):
                if acl not in self._acls:
                    raise TableError(f"class {cls.name}: no ACL in slot {acl}")
        set_dscp = [c.set_dscp if c.set_dscp is not None
                    else c.set_precedence << 3 if c.set_precedence is not None else _ACTION_KEEP
                    for c in policy.classes]
        handle = _lowest_free(self._policies)
        self._policies[handle] = _Policy(
            policy, np.array(set_dscp, dtype=np.int16),
            [_PolicerProfile.compile(c.police) if c.police else None for c in policy.classes])
        return handle

    def uidb_create(self, ifh: int, ifname: str) -> int:
        uidb = _lowest_free(self._uidbs)
        self._uidbs[uidb] = _Uidb(ifh, ifname)
        return uidb

    def bind(self, uidb: int, direction: Direction, acl: int | None = None,
             policy: int | None = None) -> None:
        target = self._uidbs[uidb].targets[Direction(direction)]
        target.acl, target.policy, target.instance = acl, policy, None
        if policy is not None:
            compiled = self._policies[policy]
            n = len(compiled.profiles)
            per_class, per_colour = (n,), (n, 3)
            target.instance = _Instance(
                buckets=[[p.bc_units, p.be_units, 0] if p else None for p in compiled.profiles],
                **{name: np.zeros(per_class, dtype=np.uint64)
                   for name in ("pkts", "bytes", "drop_pkts", "drop_bytes")},
                **{name: np.zeros(per_colour, dtype=np.uint64) for name in ("colour_pkts", "colour_bytes")})

    # ---- packets ----
    def acl_classify(self, slot: int, batch: np.ndarray) -> np.ndarray:
        """First-match lookup alone, as FastPath.acl_classify: a scan of every ACE per packet."""
        P.check_batch(batch)
        columns = {name: batch[name] for name in
                   ("src", "dst", "proto", "dscp", "sport", "dport", "tcp_flags", "frag")}
        return self._acls[slot].first_match(columns).astype(np.uint32)

    def process(self, batch: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        P.check_batch(batch)
        n = batch.size
        if out is None:
            out = np.empty(n, dtype=P.VERDICT_DTYPE)
        out["ace"], out["cls"], out["child_cls"] = P.ACE_NONE, P.CLASS_NONE, P.CLASS_NONE
        out["action"], out["colour"], out["dscp"] = P.FORWARD, P.COLOUR_NONE, batch["dscp"]
        out["reason"] = P.REASON_NONE
        if n == 0:
            return out

        # Targets present in the batch, and each packet's target number among them.
        keys, target_of = np.unique(batch["uidb"].astype(np.int64) * 2 + batch["dir"], return_inverse=True)
        targets = [self._target(int(k)) for k in keys]
        no_uidb = np.array([t is None for t in targets])[target_of]
        out["action"][no_uidb], out["reason"][no_uidb] = P.DROP, P.REASON_NO_UIDB
        live = ~no_uidb
        columns = {name: batch[name] for name in
                   ("src", "dst", "proto", "dscp", "sport", "dport", "tcp_flags", "frag")}

        acl_of = np.array([-1 if t is None or t.acl is None else t.acl for t in targets])[target_of]
        for slot in np.unique(acl_of[live & (acl_of >= 0)]):
            rows = np.flatnonzero(acl_of == slot)
            acl = self._acls[int(slot)]
            first = acl.first_match({k: v[rows] for k, v in columns.items()})
            acl.hits += np.bincount(first, minlength=acl.permit.size + 1).astype(np.uint64)
            implicit = first == acl.permit.size
            out["ace"][rows] = np.where(implicit, P.ACE_IMPLICIT, first)
            denied = implicit | ~np.append(acl.permit, False)[first]
            out["action"][rows[denied]], out["reason"][rows[denied]] = P.DROP, P.REASON_ACL

        passed = out["action"] == P.FORWARD
        policy_of = np.array([-1 if t is None or t.policy is None else t.policy for t in targets])[target_of]
        for handle in np.unique(policy_of[passed & (policy_of >= 0)]):
            rows = np.flatnonzero(passed & (policy_of == handle))
            self._run_policy(self._policies[int(handle)], batch, columns, rows, target_of, targets, out)
        return out

    def _target(self, key: int) -> _Target | None:
        uidb = self._uidbs.get(key >> 1)
        return None if uidb is None else uidb.targets[key & 1]

    def _run_policy(self, compiled: _Policy, batch, columns, rows, target_of, targets, out) -> None:
        pk = {k: v[rows] for k, v in columns.items()}
        memo: dict = {}
        matched = [self._class_map_matches(c.class_map, pk, memo) for c in compiled.policy.classes[:-1]]
        matched.append(np.ones(rows.size, dtype=bool))       # class-default
        cls = np.argmax(np.vstack(matched), axis=0)
        out["cls"][rows] = cls
        dscp = np.where(compiled.set_dscp[cls] != _ACTION_KEEP, compiled.set_dscp[cls], pk["dscp"])
        colour = np.full(rows.size, P.COLOUR_NONE, dtype=np.uint8)
        lengths = batch["length"][rows]

        # Each (target, class) with a policer is one token bucket fed its packets in batch order.
        tgt = target_of[rows]
        policed = np.array([p is not None for p in compiled.profiles])[cls]
        group = tgt.astype(np.int64) * len(compiled.profiles) + cls
        order = np.argsort(np.where(policed, group, -1), kind="stable")
        order = order[np.count_nonzero(~policed):]
        bounds = np.flatnonzero(np.diff(group[order])) + 1
        ts_rows = batch["ts_ns"][rows]
        for members in np.split(order, bounds) if order.size else ():
            instance = targets[int(tgt[members[0]])].instance
            k = int(cls[members[0]])
            colour[members] = _police(compiled.profiles[k], instance.buckets[k],
                                      ts_rows[members].tolist(), lengths[members].tolist())
        # Per-colour actions, gathered by class and colour.
        for k, profile in enumerate(compiled.profiles):
            if profile is None:
                continue
            mine = (cls == k) & policed
            mark = profile.mark[colour[mine]]
            dscp[mine] = np.where(mark != _ACTION_KEEP, mark, dscp[mine])
        drop = np.zeros(rows.size, dtype=bool)
        for k, profile in enumerate(compiled.profiles):
            if profile is not None:
                mine = (cls == k) & policed
                drop[mine] = profile.drop[colour[mine]]
        out["dscp"][rows], out["colour"][rows] = dscp, colour
        out["action"][rows[drop]], out["reason"][rows[drop]] = P.DROP, P.REASON_POLICE

        # Counters per (target, class), then per colour.
        nclasses = len(compiled.profiles)
        for t in np.unique(tgt):
            instance = targets[int(t)].instance
            mine = tgt == t
            for counter, weights, where in ((instance.pkts, None, mine), (instance.bytes, lengths, mine),
                                            (instance.drop_pkts, None, mine & drop),
                                            (instance.drop_bytes, lengths, mine & drop)):
                counter += np.bincount(cls[where], weights=None if weights is None else weights[where],
                                       minlength=nclasses).astype(np.uint64)
            coloured = mine & (colour != P.COLOUR_NONE)
            flat = cls[coloured] * 3 + colour[coloured]
            instance.colour_pkts += np.bincount(flat, minlength=nclasses * 3).reshape(nclasses, 3).astype(np.uint64)
            instance.colour_bytes += np.bincount(flat, weights=lengths[coloured],
                                                 minlength=nclasses * 3).reshape(nclasses, 3).astype(np.uint64)

    def _class_map_matches(self, cmap: ClassMap, pk, memo: dict) -> np.ndarray:
        if id(cmap) in memo:
            return memo[id(cmap)]
        n = pk["src"].size
        terms = [self._term_matches(m, pk, memo) ^ m.negate for m in cmap.matches]
        if not terms:
            result = np.zeros(n, dtype=bool)
        elif cmap.match_all:
            result = np.logical_and.reduce(terms)
        else:
            result = np.logical_or.reduce(terms)
        memo[id(cmap)] = result
        return result

    def _term_matches(self, match: Match, pk, memo: dict) -> np.ndarray:
        if match.kind == "any":
            return np.ones(pk["src"].size, dtype=bool)
        if match.kind == "dscp":
            table = np.zeros(64, dtype=bool)
            table[list(match.dscp)] = True
            return table[pk["dscp"]]
        if match.kind == "access-group":
            key = ("acl", match.acl)   # several class-maps may name one ACL: match it once a batch
            if key not in memo:
                acl = self._acls[match.acl]
                memo[key] = np.append(acl.permit, False)[acl.first_match(pk)]
            return memo[key]
        return self._class_map_matches(match.class_map, pk, memo)


def _acls_named(cmap: ClassMap | None):
    for match in cmap.matches if cmap else ():
        if match.acl is not None:
            yield match.acl
        yield from _acls_named(match.class_map)
