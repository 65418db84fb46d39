"""FastPath: the C fast path (qfp._fastpath) behind the FastPathAPI interface.

Tables are checked as Python values (qfp.tables) and compiled here to the C structs of csrc/qfp.h;
every C status becomes a specific qfp.errors exception carrying C's own message. Packet batches reach
C in place through ffi.from_buffer; cffi releases the GIL for every call, so batches on other threads
run in parallel."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from . import errors
from . import policer as policer_words
from ._fastpath import ffi, lib
from .api import MAX_ACLS, MAX_POLICIES, MAX_UIDBS, FastPathAPI, check_table_sizes
from .packets import PACKET_DTYPE, VERDICT_DTYPE, check_batch, check_shape
from .readback import (
    QROLE_NONE,
    AclCounters,
    AclStats,
    ClassInfo,
    ClassState,
    PolicyInfo,
    QueueStats,
    UidbCounters,
    UidbInfo,
)
from .tables import Ace, Ace6, Binding, ClassMap, Direction, Match, Policy, Queueing, acl_family, check_name
from .trace import NO_QUEUE, NOT_SENT, TraceRecord, TraceStats, check_capacity, level_of, plain_row

_STATUS_ERRORS = {
    lib.QFP_ENOMEM: errors.OutOfMemory,
    lib.QFP_EINVAL: errors.InvalidTable,
    lib.QFP_ENOENT: errors.NotFound,
    lib.QFP_EBUSY: errors.InUse,
    lib.QFP_EFULL: errors.TableFull,
}

_TERM_KINDS = {"any": lib.QFP_TERM_ANY, "dscp": lib.QFP_TERM_DSCP,
               "access-group": lib.QFP_TERM_ACL, "class-map": lib.QFP_TERM_CLASSMAP}


# The numpy dtypes that C reads and writes in place, by the struct each must be.
LAYOUTS = {"struct qfp_pkt": PACKET_DTYPE, "struct qfp_verdict": VERDICT_DTYPE}


def check_layout(ctype: str, dtype: np.dtype) -> None:
    """The numpy dtype must be the C struct, field for field, or batches would be misread."""
    if ffi.sizeof(ctype) != dtype.itemsize:
        raise ImportError(f"{ctype} is {ffi.sizeof(ctype)} bytes in C, {dtype.itemsize} in numpy")
    c_fields = dict(ffi.typeof(ctype).fields)
    if list(c_fields) != list(dtype.names):
        raise ImportError(f"{ctype} has fields {', '.join(c_fields)} in C, {', '.join(dtype.names)} in numpy")
    for name, c_field in c_fields.items():
        field_dtype, offset = dtype.fields[name][:2]
        if c_field.offset != offset or ffi.sizeof(c_field.type) != field_dtype.itemsize:
            raise ImportError(f"{ctype}.{name} has a different offset or size in C and in numpy")


for _ctype, _dtype in LAYOUTS.items():
    check_layout(_ctype, _dtype)


def _name(cdata) -> str:
    return ffi.string(cdata).decode()


def _optional(handle: int, none: int) -> int | None:
    return None if handle == none else handle


# ---- compiling tables to C structs -----------------------------------------------------------------
def _fill_ace(c, ace: Ace) -> None:
    c.src_mask = ~ace.src_wildcard & 0xFFFFFFFF
    c.src_val = ace.src & c.src_mask
    c.dst_mask = ~ace.dst_wildcard & 0xFFFFFFFF
    c.dst_val = ace.dst & c.dst_mask
    if ace.precedence is not None:
        c.dscp_val, c.dscp_mask = ace.precedence << 3, 0x38
    _fill_ace_common(c, ace)
    if ace.has_extra:
        c.flags |= lib.QFP_ACE_EXTRA
        c.ttl_lo, c.ttl_hi, negate = ace.ttl.bounds() if ace.ttl is not None else (0, 255, False)
        xflags = lib.QFP_ACE_X_TTL_NEG if negate else 0
        if ace.tos is not None:
            c.tos_val, c.tos_mask = ace.tos, 0xF
        if ace.tcp_flags is not None:
            c.tcp_val, c.tcp_mask = ace.tcp_flags.set, ace.tcp_flags.set | ace.tcp_flags.clear
            xflags |= lib.QFP_ACE_X_TCP_ANY if ace.tcp_flags.any else 0
        c.xflags = xflags


def _prefix_words(address: int, length: int) -> tuple[list[int], list[int]]:
    """A 128-bit prefix as four (value, mask) words, most significant first (struct qfp_ace6)."""
    mask = ((1 << length) - 1) << (128 - length)
    words = [(address >> shift & 0xFFFFFFFF, mask >> shift & 0xFFFFFFFF) for shift in (96, 64, 32, 0)]
    return [v for v, _ in words], [m for _, m in words]


def _fill_ace6(c, ace: Ace6) -> None:
    c.src_val, c.src_mask = _prefix_words(ace.src, ace.src_len)
    c.dst_val, c.dst_mask = _prefix_words(ace.dst, ace.dst_len)
    if ace.flow_label is not None:
        c.flow_val, c.flow_mask = ace.flow_label, 0xFFFFF
    c.ext = ace.ext
    _fill_ace_common(c, ace)


def _fill_ace_common(c, ace: Ace | Ace6) -> None:
    """What struct qfp_ace and struct qfp_ace6 share: protocol, DSCP, ports or ICMP message, flags."""
    if ace.proto is not None:
        c.proto_val, c.proto_mask = ace.proto, 0xFF
    if ace.dscp is not None:
        c.dscp_val, c.dscp_mask = ace.dscp, 0x3F
    flags = lib.QFP_ACE_PERMIT if ace.permit else 0
    c.sport_lo, c.sport_hi, c.dport_lo, c.dport_hi = 0, 0xFFFF, 0, 0xFFFF
    if ace.sport is not None:
        c.sport_lo, c.sport_hi, negate = ace.sport.bounds()
        flags |= lib.QFP_ACE_SPORT_NEG if negate else 0
    if ace.dport is not None:
        c.dport_lo, c.dport_hi, negate = ace.dport.bounds()
        flags |= lib.QFP_ACE_DPORT_NEG if negate else 0
    if ace.icmp_type is not None:
        # ICMP's type and code ride in the port fields (docs/fastpath.md, "ACE matching").
        c.sport_lo = c.sport_hi = ace.icmp_type
        if ace.icmp_code is not None:
            c.dport_lo = c.dport_hi = ace.icmp_code
    if ace.established:
        flags |= lib.QFP_ACE_ESTABLISHED
    if ace.has_l4:
        flags |= lib.QFP_ACE_L4
    if ace.fragments:
        flags |= lib.QFP_ACE_FRAGMENTS
    c.flags = flags


# An ACL's family (tables.acl_family) to the C struct and filler of its ACEs.
_ACE_TYPES = {4: ("struct qfp_ace[]", _fill_ace), 6: ("struct qfp_ace6[]", _fill_ace6)}


class _CompiledAcl(NamedTuple):
    """What a slot's ACEs were last compiled to, so that a replace compiles only what changed."""
    aces: tuple[Ace | Ace6, ...]
    family: int
    c_aces: object      # the cffi array


def _compile_aces(aces: Sequence[Ace | Ace6], hits: Sequence[int] | None, family: int | None = None,
                  previous: _CompiledAcl | None = None):
    """The ACEs as C structs, and the counters. ACEs that are the very objects of `previous` at the
    head and the tail of the list are copied from its structs, not filled again: filling is ~3 us
    an ACE in Python, 30 ms for a 10k-ACE list, where a one-ACE edit's C side takes a millisecond
    or two (csrc/qfp_acl_index.c, qfp_acl_index_edit). Ace and Ace6 are frozen, so an object
    compiles as it did."""
    aces = list(aces)
    family = acl_family(aces, family)
    ctype, fill = _ACE_TYPES[family]
    c_aces = ffi.new(ctype, max(len(aces), 1))
    start, end = 0, len(aces)
    if previous is not None and previous.family == family:
        old, common = previous.aces, min(len(previous.aces), len(aces))
        while start < common and old[start] is aces[start]:
            start += 1
        tail = 0
        while tail < common - start and old[-1 - tail] is aces[-1 - tail]:
            tail += 1
        end = len(aces) - tail
        size = ffi.sizeof(ctype.replace("[]", ""))
        ffi.memmove(c_aces, previous.c_aces, start * size)
        ffi.memmove(c_aces + end, previous.c_aces + (len(old) - tail), tail * size)
    for i in range(start, end):
        fill(c_aces[i], aces[i])
    c_hits = ffi.NULL
    if hits is not None:
        hits = list(hits)
        if len(hits) != len(aces):
            raise errors.TableError(f"{len(hits)} counters for {len(aces)} ACEs")
        if any(not 0 <= h < 1 << 64 for h in hits):
            raise errors.TableError("an ACE counter is outside 0..2^64-1")
        c_hits = ffi.new("uint64_t[]", hits or [0])
    return _CompiledAcl(tuple(aces), family, c_aces), c_hits


# How ACLs are looked up (csrc/qfp.h, enum qfp_acl_method): "auto" scans ACLs shorter than
# ACL_INDEX_MIN, uses bit vectors up to ACL_BITVEC_HEAD ACEs, and beyond them a decision tree or
# the hybrid (bit vectors over the first ACL_BITVEC_HEAD ACEs and a tree over the rest), whichever
# does less work on probe keys drawn from the ACL. An IPv6 ACL: the scan below ACL6_TREE_MIN, a tree
# from there; its bit vectors when forced; no hybrid (forced, its bit vectors stand in).
ACL_METHODS = {"auto": lib.QFP_ACL_AUTO, "scan": lib.QFP_ACL_SCAN, "tree": lib.QFP_ACL_TREE,
               "bitvector": lib.QFP_ACL_BITVEC, "hybrid": lib.QFP_ACL_HYBRID}
ACL_METHOD_NAMES = {code: name for name, code in ACL_METHODS.items()}
ACL_INDEX_MIN = lib.QFP_ACL_INDEX_MIN
ACL_BITVEC_HEAD = lib.QFP_ACL_BITVEC_HEAD
ACL6_TREE_MIN = lib.QFP_ACL6_TREE_MIN


# The instruction set the per-packet path runs on (csrc/qfp.h, enum qfp_simd): every level gives
# the same verdicts. "auto" is the widest this CPU has, unless the environment's QFP_SIMD names one
# (to run a whole program or test suite on the portable path, say).
SIMD_LEVELS = {"portable": lib.QFP_SIMD_PORTABLE, "avx2": lib.QFP_SIMD_AVX2, "avx512": lib.QFP_SIMD_AVX512}
SIMD_NAMES = {code: name for name, code in SIMD_LEVELS.items()}


def simd_best() -> str:
    """The widest instruction set this CPU (and this build of the fast path) can run."""
    return SIMD_NAMES[lib.qfp_simd_best()]


def simd_supported() -> list[str]:
    """Every level this CPU can run, narrowest first."""
    return [name for name, code in SIMD_LEVELS.items() if code <= lib.qfp_simd_best()]


def compiled_aces(aces: Sequence[Ace | Ace6], family: int | None = None) -> bytes:
    """ACEs as the C fast path holds them (struct qfp_ace[], or struct qfp_ace6[] for Ace6; native
    byte order): for programs outside the package that classify the same rules, such as
    bench/peers. `family` as acl_create's (an empty list is IPv4 unless told)."""
    compiled, _ = _compile_aces(aces, None, family)
    return bytes(ffi.buffer(compiled.c_aces, len(compiled.aces) * ffi.sizeof(compiled.c_aces[0])))


def class_map_order(policy: Policy) -> list[ClassMap]:
    """The policy's class-maps as the fast path numbers them: each class's class-map in class order,
    each followed depth-first by those it nests, every distinct class-map once."""
    order: dict[ClassMap, int] = {}

    def visit(cmap: ClassMap) -> None:
        if cmap in order:
            return
        order[cmap] = len(order)
        for match in cmap.matches:
            if match.class_map is not None:
                visit(match.class_map)

    for cls in policy.classes:
        if cls.class_map is not None:
            visit(cls.class_map)
    return list(order)


def _fill_term(c, match: Match, cmap_index: dict[ClassMap, int]) -> None:
    c.kind = _TERM_KINDS[match.kind]
    c.negate = match.negate
    if match.kind == "dscp":
        c.dscp_bits = sum(1 << d for d in match.dscp)
    elif match.kind == "access-group":
        c.ref = match.acl
    elif match.kind == "class-map":
        c.ref = cmap_index[match.class_map]


# Queueing's fields are struct qfp_class_cfg's, name for name.
_QUEUEING_FIELDS = ("queue_limit", "shape_cir", "shape_bc", "shape_be", "priority", "priority_rate",
                    "priority_burst", "bw_min", "bw_excess")


def _fill_queueing(c, queue: Queueing) -> None:
    for name in _QUEUEING_FIELDS:
        setattr(c, name, getattr(queue, name))


def _queueing(cfg) -> Queueing | None:
    """A class's queueing as C holds it; None when it has none."""
    values = {name: getattr(cfg, name) for name in _QUEUEING_FIELDS}
    return Queueing(**values) if any(values.values()) else None


def _compile_policy(policy: Policy):
    if not isinstance(policy, Policy):
        raise errors.TableError(f"policy_create takes a Policy, not {type(policy).__name__}")
    cmaps = class_map_order(policy)
    cmap_index = {cmap: i for i, cmap in enumerate(cmaps)}
    nterms = sum(len(cmap.matches) for cmap in cmaps)
    c_cmaps = ffi.new("struct qfp_cmap[]", max(len(cmaps), 1))
    c_terms = ffi.new("struct qfp_term[]", max(nterms, 1))
    first = 0
    for c_cmap, cmap in zip(c_cmaps, cmaps):
        c_cmap.match_all = cmap.match_all
        c_cmap.first_term = first
        c_cmap.nterms = len(cmap.matches)
        for match in cmap.matches:
            _fill_term(c_terms[first], match, cmap_index)
            first += 1

    c_classes = ffi.new("struct qfp_class_cfg[]", len(policy.classes))
    for c, cls in zip(c_classes, policy.classes):
        c.name = cls.name.encode()
        c.object_id = cls.object_id
        c.cmap = lib.QFP_CMAP_DEFAULT if cls.class_map is None else cmap_index[cls.class_map]
        if cls.set_dscp is not None:
            c.set_kind, c.set_value = lib.QFP_SET_DSCP, cls.set_dscp
        elif cls.set_precedence is not None:
            c.set_kind, c.set_value = lib.QFP_SET_PREC, cls.set_precedence
        if cls.police is not None:
            words = policer_words.encode(cls.police)
            c.hw_policer = list(words.hw)
            c.police_info = words.police_info
        c.child = lib.QFP_POLICY_NONE if cls.child is None else cls.child
        if cls.queue is not None:
            _fill_queueing(c, cls.queue)
    return c_classes, len(policy.classes), c_cmaps, len(cmaps), c_terms, nterms


# ---- the fast path -------------------------------------------------------------------------------
class FastPath(FastPathAPI):
    """One QFP: its UIDB table, ACL slots and policies, and the packet path over them."""

    def __init__(self, max_uidbs: int = MAX_UIDBS, max_acls: int = MAX_ACLS, max_policies: int = MAX_POLICIES,
                 acl_method: str = "auto", acl_bitvec_head: int = 0, simd: str = "auto"):
        check_table_sizes(max_uidbs=max_uidbs, max_acls=max_acls, max_policies=max_policies)
        if acl_method not in ACL_METHODS:
            raise errors.TableError(f"ACL method {acl_method!r} is not one of {', '.join(ACL_METHODS)}")
        out = ffi.new("struct qfp **")
        status = lib.qfp_create(max_uidbs, max_acls, max_policies, out)
        if status != lib.QFP_OK:
            raise errors.OutOfMemory("cannot allocate the fast path's tables", status)
        self._handle = ffi.gc(out[0], lib.qfp_destroy)
        self._compiled_acls: dict[int, _CompiledAcl] = {}   # by slot: what replaces start from
        self.max_uidbs = max_uidbs
        if not 0 <= acl_bitvec_head <= 1 << 20:
            raise errors.TableError(f"acl_bitvec_head {acl_bitvec_head} is outside 0..2^20")
        self._check(lib.qfp_set_acl_method(self._fp, ACL_METHODS[acl_method], acl_bitvec_head))
        if simd == "auto":
            simd = os.environ.get("QFP_SIMD", "auto")
        if simd != "auto":
            if simd not in SIMD_LEVELS:
                raise errors.TableError(f"instruction set {simd!r} is not one of auto, {', '.join(SIMD_LEVELS)}")
            if simd not in simd_supported():
                raise errors.TableError(f"this CPU cannot run {simd} (it has: {', '.join(simd_supported())})")
            self._check(lib.qfp_set_simd(self._fp, SIMD_LEVELS[simd]))

    @property
    def _fp(self):
        if self._handle is None:
            raise errors.Closed("this fast path is closed")
        return self._handle

    def close(self) -> None:
        if self._handle is not None:
            handle, self._handle = self._handle, None
            ffi.release(handle)   # qfp_destroy now, not when the garbage collector gets to it

    @property
    def closed(self) -> bool:
        return self._handle is None

    @property
    def simd(self) -> str:
        """The instruction set this fast path's batches run on."""
        return SIMD_NAMES[lib.qfp_simd_level(self._fp)]

    def _check(self, status: int) -> None:
        if status != lib.QFP_OK:
            message = _name(lib.qfp_errmsg(self._fp))
            raise _STATUS_ERRORS.get(status, errors.FastPathError)(message, status)

    # ---- ACLs ----
    def acl_create(self, aces, hits=None, family=None) -> int:
        compiled, c_hits = _compile_aces(aces, hits, family)
        slot = ffi.new("uint32_t *")
        create = lib.qfp_acl_create6 if compiled.family == 6 else lib.qfp_acl_create
        self._check(create(self._fp, compiled.c_aces, len(compiled.aces), c_hits, slot))
        self._compiled_acls[slot[0]] = compiled
        return slot[0]

    def acl_replace(self, slot, aces, hits=None, family=None) -> None:
        aces = list(aces)
        if not aces and family is None:
            family = self.acl_stats(slot).family   # an empty list keeps the slot's family
        compiled, c_hits = _compile_aces(aces, hits, family, self._compiled_acls.get(slot))
        replace = lib.qfp_acl_replace6 if compiled.family == 6 else lib.qfp_acl_replace
        self._check(replace(self._fp, _u32(slot), compiled.c_aces, len(compiled.aces), c_hits))
        self._compiled_acls[slot] = compiled

    def acl_delete(self, slot) -> None:
        self._check(lib.qfp_acl_delete(self._fp, _u32(slot)))
        self._compiled_acls.pop(slot, None)

    def acl_counters(self, slot) -> AclCounters:
        n = ffi.new("uint32_t *")
        implicit = ffi.new("uint64_t *")
        cap = 0
        hits = ffi.new("uint64_t[]", 1)
        while True:
            self._check(lib.qfp_acl_counters(self._fp, _u32(slot), hits, cap, n, implicit))
            if n[0] <= cap:
                break
            cap = n[0]
            hits = ffi.new("uint64_t[]", cap)
        implicit6 = ffi.new("uint64_t[]", lib.QFP_ACL6_IMPLICIT_COUNT)
        self._check(lib.qfp_acl_implicit_counters(self._fp, _u32(slot), implicit6))
        return AclCounters(tuple(hits[0:n[0]]), implicit[0], implicit_nd_na=implicit6[lib.QFP_ACL6_IMPLICIT_ND_NA],
                           implicit_nd_ns=implicit6[lib.QFP_ACL6_IMPLICIT_ND_NS])

    def acl_clear_counters(self, slot) -> None:
        self._check(lib.qfp_acl_clear_counters(self._fp, _u32(slot)))

    def acl_stats(self, slot) -> AclStats:
        st = ffi.new("struct qfp_acl_stats *")
        self._check(lib.qfp_acl_stats(self._fp, _u32(slot), st))
        return AclStats(st.naces, ACL_METHOD_NAMES[st.method], st.cuts, st.depth_max, st.leaf_max, st.bytes,
                        st.family, st.extra, st.edits, st.fan_max)

    def acl_classify(self, slot, batch: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        self._checked_batch(batch)
        if out is None:
            out = np.empty(batch.size, dtype=np.uint32)
        elif (not isinstance(out, np.ndarray) or out.dtype != np.uint32 or out.shape != batch.shape
              or not out.flags.c_contiguous or not out.flags.writeable):
            raise errors.TableError("out must be a writable contiguous uint32 array of the batch's length")
        if batch.size:
            self._check(lib.qfp_acl_classify(
                self._fp, _u32(slot), ffi.from_buffer("struct qfp_pkt[]", batch),
                ffi.from_buffer("uint32_t[]", out, require_writable=True), batch.size))
        return out

    # ---- policies ----
    def policy_create(self, policy) -> int:
        compiled = _compile_policy(policy)
        handle = ffi.new("int32_t *")
        self._check(lib.qfp_policy_create(self._fp, policy.name.encode(), policy.policy_id,
                                          *compiled, handle))
        return handle[0]

    def policy_delete(self, handle) -> None:
        self._check(lib.qfp_policy_delete(self._fp, _i32(handle)))

    def policy_info(self, handle) -> PolicyInfo:
        info = ffi.new("struct qfp_policy_info *")
        self._check(lib.qfp_policy_info(self._fp, _i32(handle), info))
        return PolicyInfo(name=_name(info.name), policy_id=info.policy_id, nclasses=info.nclasses,
                          depth=info.depth, nstates=info.nstates, refs=info.refs)

    def policy_classes(self, handle) -> tuple[ClassInfo, ...]:
        nclasses = self.policy_info(handle).nclasses
        cfg = ffi.new("struct qfp_class_cfg *")
        classes = []
        for i in range(nclasses):
            self._check(lib.qfp_policy_class(self._fp, _i32(handle), i, cfg))
            classes.append(ClassInfo(
                name=_name(cfg.name), object_id=cfg.object_id,
                cmap=_optional(cfg.cmap, lib.QFP_CMAP_DEFAULT),
                set_kind=cfg.set_kind, set_value=cfg.set_value,
                hw_policer=tuple(cfg.hw_policer), police_info=cfg.police_info,
                child=_optional(cfg.child, lib.QFP_POLICY_NONE), queue=_queueing(cfg)))
        return tuple(classes)

    # ---- UIDBs ----
    def uidb_create(self, ifh, ifname) -> int:
        check_name("interface name", ifname)
        encoded = ifname.encode()
        uidb = ffi.new("uint32_t *")
        self._check(lib.qfp_uidb_create(self._fp, _u32(ifh), encoded, uidb))
        return uidb[0]

    def uidb_delete(self, uidb) -> None:
        self._check(lib.qfp_uidb_delete(self._fp, _u32(uidb)))

    def bind(self, uidb, direction, acl=None, policy=None, acl6=None) -> None:
        self.bind_many(uidb, [Binding(Direction.of(direction), acl, policy, acl6=acl6)])

    def bind_many(self, uidb, bindings) -> None:
        bindings = list(bindings)
        c_bindings = ffi.new("struct qfp_binding[]", max(len(bindings), 1))
        keep = []   # the counter arrays must outlive the call
        for c, b in zip(c_bindings, bindings):
            if not isinstance(b, Binding):
                raise errors.TableError(f"bind_many takes Binding values, not {type(b).__name__}")
            c.dir = Direction.of(b.direction)
            c.acl_slot = lib.QFP_ACL_NONE if b.acl is None else _i32(b.acl)
            c.acl6_slot = lib.QFP_ACL_NONE if b.acl6 is None else _i32(b.acl6)
            c.policy = lib.QFP_POLICY_NONE if b.policy is None else _i32(b.policy)
            if b.counters is not None:
                counters = ffi.new("struct qfp_class_counters[]", max(len(b.counters), 1))
                for cc, value in zip(counters, b.counters):
                    cc.pkts, cc.bytes = value.pkts, value.bytes
                    cc.drop_pkts, cc.drop_bytes = value.drop_pkts, value.drop_bytes
                    cc.colour_pkts, cc.colour_bytes = list(value.colour_pkts), list(value.colour_bytes)
                c.ncounters, c.counters = len(b.counters), counters
                keep.append(counters)
        self._check(lib.qfp_uidb_bind(self._fp, _u32(uidb), c_bindings, len(bindings)))

    def uidb_info(self, uidb) -> UidbInfo:
        info = ffi.new("struct qfp_uidb_info *")
        self._check(lib.qfp_uidb_info(self._fp, _u32(uidb), info))
        return UidbInfo(
            ifname=_name(info.ifname), ifh=info.ifh,
            acl=tuple(_optional(a, lib.QFP_ACL_NONE) for a in info.acl),
            policy=tuple(_optional(p, lib.QFP_POLICY_NONE) for p in info.policy),
            acl6=tuple(_optional(a, lib.QFP_ACL_NONE) for a in info.acl6))

    def uidbs(self) -> list[int]:
        found = []
        uidb = ffi.new("uint32_t *")
        while lib.qfp_uidb_next(self._fp, found[-1] + 1 if found else 0, uidb) == lib.QFP_OK:
            found.append(uidb[0])
        return found

    def target_read(self, uidb, direction) -> list[ClassState]:
        n = ffi.new("uint32_t *")
        cap = 0
        out = ffi.new("struct qfp_class_state_info[]", 1)
        while True:
            self._check(lib.qfp_target_read(self._fp, _u32(uidb), Direction.of(direction), out, cap, n))
            if n[0] <= cap:
                return [_class_state(out[i]) for i in range(n[0])]
            cap = n[0]
            out = ffi.new("struct qfp_class_state_info[]", cap)

    def target_clear_counters(self, uidb, direction) -> None:
        self._check(lib.qfp_target_clear_counters(self._fp, _u32(uidb), Direction.of(direction)))

    def target_advance(self, uidb, direction, until_ns) -> None:
        if not isinstance(until_ns, (int, np.integer)) or not 0 <= until_ns < 1 << 64:
            raise errors.TableError(f"{until_ns!r} is not a time in ns (0..2^64-1)")
        self._check(lib.qfp_target_advance(self._fp, _u32(uidb), Direction.of(direction), int(until_ns)))

    def target_clock(self, uidb, direction) -> int:
        now = ffi.new("uint64_t *")
        self._check(lib.qfp_target_clock(self._fp, _u32(uidb), Direction.of(direction), now))
        return now[0]

    def uidb_counters(self, uidb) -> UidbCounters:
        out = ffi.new("struct qfp_uidb_counters *")
        self._check(lib.qfp_uidb_counters(self._fp, _u32(uidb), out))
        return UidbCounters(packets=tuple(out.packets), bytes=tuple(out.bytes),
                            forwarded_packets=tuple(out.forwarded_packets),
                            forwarded_bytes=tuple(out.forwarded_bytes))

    def gate_stats(self, reset: bool = False) -> tuple[int, int]:
        """(batches that waited while a change was published, the longest wait in ns)."""
        waits, longest = ffi.new("uint64_t *"), ffi.new("uint64_t *")
        self._check(lib.qfp_gate_stats(self._fp, waits, longest, int(reset)))
        return waits[0], longest[0]

    # ---- packets ----
    def process(self, batch: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        check_shape(batch)
        if out is None:
            out = np.empty(batch.size, dtype=VERDICT_DTYPE)
        elif (not isinstance(out, np.ndarray) or out.dtype != VERDICT_DTYPE or out.shape != batch.shape
              or not out.flags.c_contiguous or not out.flags.writeable):
            raise errors.TableError("out must be a writable contiguous VERDICT_DTYPE array of the batch's length")
        if batch.size:
            pkts = self._checked_batch(batch)
            self._check(lib.qfp_process(
                self._fp, pkts, ffi.from_buffer("struct qfp_verdict[]", out, require_writable=True),
                batch.size))
        return out


    @staticmethod
    def _checked_batch(batch: np.ndarray):
        """The batch as C packets, after checking every field's range. The check runs in C:
        numpy's per-call overhead would cost more than the packet path itself at small batches."""
        check_shape(batch)
        pkts = ffi.from_buffer("struct qfp_pkt[]", batch)
        bad = ffi.new("size_t *")
        if batch.size and lib.qfp_batch_check(pkts, batch.size, bad) != lib.QFP_OK:
            check_batch(batch[bad[0]:bad[0] + 1], first=bad[0])
            raise errors.TableError(f"packet {bad[0]} has a field out of range")
        return pkts

    # ---- the packet trace ----
    def trace_config(self, capacity, circular: bool = False) -> None:
        self._check(lib.qfp_trace_config(self._fp, check_capacity(capacity), int(bool(circular))))

    def trace_read(self) -> list[TraceRecord]:
        n = ffi.new("uint32_t *")
        self._check(lib.qfp_trace_read(self._fp, ffi.NULL, 0, n))
        while True:
            cap = n[0]
            out = ffi.new("struct qfp_trace_rec[]", max(cap, 1))
            self._check(lib.qfp_trace_read(self._fp, out, cap, n))
            if n[0] <= cap:
                return [_trace_record(out[i]) for i in range(n[0])]

    def trace_stats(self) -> TraceStats:
        st = ffi.new("struct qfp_trace_stats *")
        self._check(lib.qfp_trace_stats(self._fp, st))
        return TraceStats(matched=st.matched, traced=st.traced, forward=st.forward, drops=tuple(st.drop),
                          capacity=st.capacity, circular=bool(st.circular))

    def trace_clear(self) -> None:
        self._check(lib.qfp_trace_clear(self._fp))


def _trace_record(r) -> TraceRecord:
    pkt = np.frombuffer(ffi.buffer(ffi.addressof(r, "pkt"), PACKET_DTYPE.itemsize), dtype=PACKET_DTYPE)
    verdict = np.frombuffer(ffi.buffer(ffi.addressof(r, "verdict"), VERDICT_DTYPE.itemsize), dtype=VERDICT_DTYPE)
    return TraceRecord(
        number=r.number, packet=plain_row(pkt[0].tolist()), verdict=tuple(verdict[0].tolist()),
        levels=tuple(level_of(lv.policy, lv.cls, lv.term, lv.colour, lv.police_action, lv.dscp_in, lv.dscp_out)
                     for lv in list(r.level)[:r.nlevels]),
        queue_state=None if r.queue_state == NO_QUEUE else r.queue_state,
        queue_depth=r.queue_depth, depart_ns=None if r.depart_ns == NOT_SENT else r.depart_ns)


def _class_state(c) -> ClassState:
    return ClassState(
        policy=c.policy, level=c.level, class_index=c.class_index,
        parent_state=None if c.parent_state < 0 else c.parent_state,
        psqd=tuple(c.psqd), isqd=tuple(c.isqd), hw_policer=tuple(c.hw_policer),
        police_info=c.police_info, policer_id=c.policer_id,
        pkts=c.counters.pkts, bytes=c.counters.bytes,
        drop_pkts=c.counters.drop_pkts, drop_bytes=c.counters.drop_bytes,
        colour_pkts=tuple(c.counters.colour_pkts), colour_bytes=tuple(c.counters.colour_bytes),
        tokens_c=c.tokens_c, tokens_e=c.tokens_e, queue=_queue_stats(c.queue))


def _queue_stats(q) -> QueueStats | None:
    if q.role == QROLE_NONE:
        return None
    return QueueStats(
        role=q.role, queue_limit=q.queue_limit, depth=q.depth, depth_max=q.depth_max,
        out_pkts=q.out_pkts, out_bytes=q.out_bytes, tail_pkts=q.tail_pkts, tail_bytes=q.tail_bytes,
        exceed_pkts=q.exceed_pkts, exceed_bytes=q.exceed_bytes, delay_sum_ns=q.delay_sum_ns,
        delay_max_ns=q.delay_max_ns, jitter_sum_ns=q.jitter_sum_ns, shape_tokens=q.shape_tokens)


def _u32(value) -> int:
    if not isinstance(value, (int, np.integer)) or not 0 <= value <= 0xFFFFFFFF:
        raise errors.TableError(f"{value!r} is not a handle")
    return int(value)


def _i32(value) -> int:
    if not isinstance(value, (int, np.integer)) or not 0 <= value < 1 << 31:
        raise errors.TableError(f"{value!r} is not a handle")
    return int(value)
