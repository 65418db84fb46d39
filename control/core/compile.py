"""The compiler: configuration objects -> fast-path tables, kept in step with the configuration.

ACLs live in slots named after them; a slot is made the first time anything names the ACL (even
before the ACL is defined, in which case it holds no ACEs) and is replaced in place when the ACL
changes, so every policy and interface that uses it sees the edit at once. Policy-maps are compiled
on first use and recompiled, under a new handle, when they or anything they use changes; the device
then rebinds the sessions that use them, carrying their counters over.

Ids the show commands print are allocated here, in order of first use, so they are stable for a
given configuration and sequence of events: class object ids start at 1594 (class-default is 1593,
as in the seed) and policy ids at 980784 (the seed's input policy id).
"""
from __future__ import annotations

from collections.abc import Iterable

from qfp_model.qfp import tables as T
from qfp_model.qfp.api import FastPathAPI
from qfp_model.qfp.readback import ClassState

from ..config import model as M

# The rate a `police ... percent` policer takes its percentage of when no parent class shapes:
# the interface's bandwidth. A Virtual-Access is a tunnel interface, whose bandwidth IOS XE
# defaults to 100 kbit/s (`BW 100 Kbit/sec` in `show interfaces`); a `bandwidth` line on the
# Virtual-Template is kept but not modeled, so this is the model's Virtual-Access bandwidth.
VIRTUAL_ACCESS_BANDWIDTH_BPS = 100_000

CLASS_DEFAULT_OBJECT_ID = 1593
FIRST_CLASS_OBJECT_ID = 1594
FIRST_POLICY_ID = 980784


class UnknownName(LookupError):
    """A policy-map or ACL name that the configuration does not define."""

    def __init__(self, kind: str, name: str):
        super().__init__(f"{kind} {name} is not configured")
        self.kind = kind
        self.name = name


class Compiler:
    def __init__(self, fp: FastPathAPI, config: M.RunningConfig):
        self.fp = fp
        self.config = config
        self._acl_slots: dict[str, int] = {}
        self._acl6_slots: dict[str, int] = {}        # IPv6 lists: a namespace of their own
        # The families each `match access-group name X` was compiled for, by X: (IPv4, IPv6).
        self._match_families: dict[str, tuple[bool, bool]] = {}
        self._policies: dict[str, int] = {}          # policy-map name -> current handle
        self._stale: list[int] = []                  # handles replaced by a recompile
        # Child policies with percent policers, compiled once per reference rate (the parent
        # class's shaper): (name, reference bit/s) -> handle.
        self._percent_children: dict[tuple[str, int], int] = {}
        self._object_ids: dict[str, int] = {T.CLASS_DEFAULT: CLASS_DEFAULT_OBJECT_ID}
        self._policy_ids: dict[str, int] = {}

    # ---- ids ----
    def object_id(self, class_name: str) -> int:
        if class_name not in self._object_ids:
            self._object_ids[class_name] = FIRST_CLASS_OBJECT_ID + len(self._object_ids) - 1
        return self._object_ids[class_name]

    def policy_id(self, policy_name: str) -> int:
        return self._policy_ids.setdefault(policy_name, FIRST_POLICY_ID + len(self._policy_ids))

    # ---- ACLs ----
    def _aces(self, name: str, ipv6: bool = False) -> list[T.Ace] | list[T.Ace6]:
        acl = self.config.acl_named(name, ipv6)
        return [] if acl is None else [e.ace for e in acl.entries if e.ace is not None]

    def acl_slot(self, name: str) -> int:
        """The slot holding ACL `name`, made on first use (empty while the ACL is undefined)."""
        if name not in self._acl_slots:
            self._acl_slots[name] = self.fp.acl_create(self._aces(name))
        return self._acl_slots[name]

    def filter_slot(self, name: str | None) -> int | None:
        """The slot for `ip access-group NAME`; None for no ACL or an undefined one, which IOS
        treats as permitting everything."""
        if name is None or name not in self.config.access_lists:
            return None
        return self.acl_slot(name)

    def acl_slots(self) -> dict[str, int]:
        return dict(self._acl_slots)

    # ---- IPv6 ACLs ----
    def acl6_slot(self, name: str) -> int:
        """The slot holding IPv6 ACL `name`, made on first use (empty but IPv6 while undefined,
        so that a later definition replaces it in place)."""
        if name not in self._acl6_slots:
            self._acl6_slots[name] = self.fp.acl_create(self._aces(name, ipv6=True), family=6)
        return self._acl6_slots[name]

    def filter6_slot(self, name: str | None) -> int | None:
        """The slot for `ipv6 traffic-filter NAME`; None for none or an undefined list (IOS
        filters nothing then)."""
        if name is None or name not in self.config.ipv6_access_lists:
            return None
        return self.acl6_slot(name)

    def acl6_slots(self) -> dict[str, int]:
        return dict(self._acl6_slots)

    def refresh_acl6(self, name: str, old_entries: Iterable | None = None) -> None:
        """refresh_acl for IPv6 list `name` (its slot stays IPv6 when the list is emptied or deleted)."""
        if name in self._acl6_slots:
            self._replace(self._acl6_slots[name], self.config.acl_named(name, ipv6=True), old_entries)

    def _families(self, name: str) -> tuple[bool, bool]:
        return name in self.config.access_lists, name in self.config.ipv6_access_lists

    def _access_group(self, m: M.MatchStatement) -> T.Match:
        """`match access-group name X`: IOS XE's command has no family keyword, so X is the IPv4
        list, the IPv6 list, or, when both exist, both, each for its own family (docs/design.md,
        "IPv6"): a nested match-any of the two, since an ACL never matches the other family."""
        v4, v6 = self._match_families[m.name] = self._families(m.name)
        if v6 and not v4:
            return T.Match("access-group", negate=m.negate, acl=self.acl6_slot(m.name))
        if not v6:
            return T.Match("access-group", negate=m.negate, acl=self.acl_slot(m.name))
        both = T.ClassMap(m.name, match_all=False, matches=(
            T.Match("access-group", acl=self.acl_slot(m.name)),
            T.Match("access-group", acl=self.acl6_slot(m.name))))
        return T.Match("class-map", negate=m.negate, class_map=both)

    def class_maps_seeing_new_families(self, names: Iterable[str]) -> set[str]:
        """Class-maps whose compiled `match access-group name X` for an X in `names` no longer
        names the lists that exist (an IPv6 list X made or deleted beside an IPv4 one): they must
        be recompiled, where an edit inside a list only replaces its slot."""
        stale = {n for n in names if n in self._match_families
                 and self._match_families[n] != self._families(n)}
        return {c.name for c in self.config.class_maps.values()
                if any(m.kind == "access-group" and m.name in stale for m in c.matches)}

    def refresh_acl(self, name: str, old_entries: Iterable | None = None) -> None:
        """Push ACL `name` as configured now, keeping each surviving ACE's counter by its
        sequence number (`old_entries` are the entries the slot was compiled from)."""
        if name in self._acl_slots:
            self._replace(self._acl_slots[name], self.config.acl_named(name, ipv6=False), old_entries)

    def _replace(self, slot: int, acl: M.AccessList | None, old_entries: Iterable | None) -> None:
        entries = [] if acl is None else [e for e in acl.entries if e.ace is not None]
        hits_by_seq = {}
        if old_entries is not None:
            old = [e for e in old_entries if e.ace is not None]
            hits_by_seq = dict(zip((e.seq for e in old), self.fp.acl_counters(slot).hits))
        self.fp.acl_replace(slot, [e.ace for e in entries],
                            hits=[hits_by_seq.get(e.seq, 0) for e in entries])

    # ---- policies ----
    def _class_map(self, name: str, seen: tuple[str, ...] = ()) -> T.ClassMap:
        cmap = self.config.class_maps[name]
        matches = tuple(self._match(m, seen + (name,)) for m in cmap.matches)
        return T.ClassMap(name, match_all=cmap.match_all, matches=matches)

    def _match(self, m: M.MatchStatement, seen: tuple[str, ...]) -> T.Match:
        if m.kind == "any":
            return T.Match("any", negate=m.negate)
        if m.kind == "dscp":
            return T.Match("dscp", negate=m.negate, dscp=frozenset(m.values))
        if m.kind == "precedence":
            values = frozenset().union(*(T.precedence_dscps(p) for p in m.values))
            return T.Match("dscp", negate=m.negate, dscp=values)
        if m.kind == "access-group":
            return self._access_group(m)
        return T.Match("class-map", negate=m.negate, class_map=self._class_map(m.name, seen))

    def _table(self, name: str, reference_bps: int = VIRTUAL_ACCESS_BANDWIDTH_BPS) -> T.Policy:
        """Policy-map `name`'s tables; its percent policers take their percentages of
        `reference_bps` (the interface's bandwidth at the top, a parent class's shaper below)."""
        pmap = self.config.policy_maps[name]
        ordered = pmap.ordered_classes()
        # A level queues when a class has a queueing action or a child that queues; its classes
        # then take their places in the scheduler's tree (docs/fastpath.md, "The tree").
        queues = any(c.queues or self._child_queues(c) for c in ordered)
        classes = []
        for c in ordered:
            classes.append(T.PolicyClass(
                c.name, self.object_id(c.name),
                class_map=None if c.name == T.CLASS_DEFAULT else self._class_map(c.name),
                set_dscp=c.set_dscp, set_precedence=c.set_precedence,
                police=None if c.police is None else c.police.resolved(reference_bps).to_policer(),
                child=None if c.service_policy is None else
                self._child_handle(c.service_policy, shape_rate(c, reference_bps) or reference_bps),
                queue=self._queueing(c, reference_bps) if queues else None))
        return T.Policy(name, self.policy_id(name), tuple(classes))

    def _child_queues(self, c: M.PolicyClass) -> bool:
        return c.service_policy is not None and self.config.policy_queues(c.service_policy)

    def _queueing(self, c: M.PolicyClass, reference_bps: int) -> T.Queueing | None:
        """Class `c`'s queueing in a level that queues, with IOS's defaults (docs/fastpath.md):
        `reference_bps` is the nearest ancestor's shaper, else the interface's bandwidth, which
        percentages are taken of and which sizes a queue that has no shaper of its own. A class
        whose child queues is an inner node (queue_limit 0); class-default and the classes with an
        action are queues; any other class shares class-default's queue (None)."""
        inner = self._child_queues(c)
        if not (c.queues or inner or c.name == T.CLASS_DEFAULT):
            return None
        fields: dict = {}
        if c.shape is not None:
            fields["shape_cir"] = c.shape.rate(reference_bps)
            fields["shape_bc"], fields["shape_be"] = c.shape.bursts(reference_bps)
        if c.priority is not None:
            fields["priority"] = c.priority.level or 1
            rate = c.priority.rate(reference_bps)
            if rate:
                fields["priority_rate"] = rate
                fields["priority_burst"] = min(c.priority.burst or max(rate // 40, 1), T.BURST_MAX)
        if c.bandwidth is not None:
            bw = c.bandwidth
            rate = bw.value * 1000 if bw.unit == "kbps" else reference_bps * bw.value // 100
            fields["bw_min"] = min(max(rate, T.RATE_MIN), T.RATE_MAX)
        if c.bandwidth_remaining is not None:
            fields["bw_excess"] = c.bandwidth_remaining.value
        if not inner:
            fields["queue_limit"] = c.queue_limit or default_queue_limit(
                fields.get("shape_cir") or reference_bps)
        queue = T.Queueing(**fields)
        return queue if queue != T.Queueing() else None

    def _child_handle(self, name: str, reference_bps: int) -> int:
        """A child policy: the shared compile of `name`, unless it (or a policy below it) has
        percent policers, whose rates depend on this parent's reference: then a compile of its
        own for that rate."""
        if not self._uses_percent(name):
            return self.policy_handle(name)
        if name not in self.config.policy_maps:
            raise UnknownName("policy-map", name)
        key = (name, reference_bps)
        if key not in self._percent_children:
            self._percent_children[key] = self.fp.policy_create(self._table(name, reference_bps))
        return self._percent_children[key]

    def _uses_percent(self, name: str) -> bool:
        """Whether policy-map `name`'s tables depend on the reference rate its parent gives it:
        percent policers, and any queueing (percentages, and the default queue-limits that a
        queue without a shaper of its own takes from its nearest ancestor's)."""
        pmap = self.config.policy_maps.get(name)
        if pmap is None:
            return False
        if self.config.policy_queues(name):
            return True
        return any((c.police is not None and c.police.cir_percent is not None)
                   or (c.service_policy is not None and c.shape is None
                       and self._uses_percent(c.service_policy))
                   for c in pmap.ordered_classes())

    def policy_handle(self, name: str) -> int:
        """The handle of policy-map `name` as configured now, compiled on first use."""
        if name not in self.config.policy_maps:
            raise UnknownName("policy-map", name)
        if name not in self._policies:
            self._policies[name] = self.fp.policy_create(self._table(name))
        return self._policies[name]

    def compiled_policies(self) -> dict[str, int]:
        return dict(self._policies)

    def recompile(self, names: Iterable[str]) -> set[str]:
        """Compile policy-maps `names` (and every compiled policy-map that uses one of them as a
        child) afresh; returns the names recompiled. The old handles stay until the device has
        rebound their users and calls collect()."""
        known = set(self._policies) | {name for name, _ in self._percent_children}
        affected = set(names) & known
        changed = True
        while changed:   # parents of affected policies are affected too
            changed = False
            for parent in known:
                if parent not in affected and self._children(parent) & affected:
                    affected.add(parent)
                    changed = True
        # A child compiled for a parent's shaper goes with its name; its parents, affected too,
        # compile it afresh.
        for key in [k for k in self._percent_children if k[0] in affected]:
            self._stale.append(self._percent_children.pop(key))
        # Children before parents, so a parent compiles against its child's new handle.
        for name in sorted(affected, key=self._depth):
            if name not in self._policies:
                continue
            self._stale.append(self._policies.pop(name))
            if name in self.config.policy_maps:
                self.policy_handle(name)
        return affected

    def _children(self, name: str) -> set[str]:
        pmap = self.config.policy_maps.get(name)
        if pmap is None:
            return set()
        return {c.service_policy for c in pmap.ordered_classes() if c.service_policy}

    def _depth(self, name: str) -> int:
        children = self._children(name)
        return 1 + max((self._depth(c) for c in children), default=0)

    def users_of_class_map(self, cmap_name: str) -> set[str]:
        """Policy-maps whose compiled tables depend on class-map `cmap_name`."""
        users = set()
        for pname, pmap in self.config.policy_maps.items():
            if any(self._uses_class_map(c.name, cmap_name, ()) for c in pmap.ordered_classes()
                   if c.name != T.CLASS_DEFAULT):
                users.add(pname)
        return users

    def _uses_class_map(self, name: str, target: str, seen: tuple[str, ...]) -> bool:
        if name == target:
            return True
        cmap = self.config.class_maps.get(name)
        if cmap is None or name in seen:
            return False
        return any(m.kind == "class-map" and self._uses_class_map(m.name, target, seen + (name,))
                   for m in cmap.matches)

    def collect(self) -> None:
        """Delete replaced policy handles that nothing uses any more (parents first)."""
        for handle in list(self._stale):
            if self.fp.policy_info(handle).refs == 0:
                self.fp.policy_delete(handle)
                self._stale.remove(handle)


def shape_rate(cls: M.PolicyClass, reference_bps: int = VIRTUAL_ACCESS_BANDWIDTH_BPS) -> int | None:
    """The class's `shape average` rate (a percentage taken of `reference_bps`), the rate its child
    policy's percentages are taken of; None when it does not shape."""
    return None if cls.shape is None else cls.shape.rate(reference_bps)


def default_queue_limit(rate_bps: int) -> int:
    """IOS's queue-limit for a queue whose maximum rate is `rate_bps`: 50 ms of it in 1500-byte
    packets (rate * 0.05 / 8 / 1500), at least 64."""
    return min(max(64, rate_bps // 240_000), T.QUEUE_LIMIT_MAX)


def carried_counters(fp: FastPathAPI, old: list[ClassState], new_handle: int
                     ) -> tuple[T.ClassCounters, ...]:
    """Counters for a fresh instance of `new_handle`, each class starting from the old instance's
    class of the same name at the same place in the hierarchy (a class new to the policy starts at
    zero)."""
    old_by_path = dict(zip(_class_paths(fp, old), (s.class_counters() for s in old)))
    fresh = _instance_paths(fp, new_handle)
    return tuple(old_by_path.get(path, T.ClassCounters()) for path in fresh)


def _class_paths(fp: FastPathAPI, states: list[ClassState]) -> list[tuple[str, ...]]:
    names = {}
    paths: list[tuple[str, ...]] = []
    for s in states:
        if s.policy not in names:
            names[s.policy] = [c.name for c in fp.policy_classes(s.policy)]
        prefix = () if s.parent_state is None else paths[s.parent_state]
        paths.append(prefix + (names[s.policy][s.class_index],))
    return paths


def _instance_paths(fp: FastPathAPI, handle: int, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for c in fp.policy_classes(handle):
        paths.append(prefix + (c.name,))
        if c.child is not None:
            paths.extend(_instance_paths(fp, c.child, prefix + (c.name,)))
    return paths
