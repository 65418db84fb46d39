/*
 * qfp_acl.c - ACL slots: build, create, delete, counters, references. (Replacing an ACL also rebuilds
 * what policies built from it: qfp_acl_replace.c, above both.)
 */
#include <stdlib.h>
#include <string.h>

#include "qfp_impl.h"

#define ACE_FLAGS_ALL (QFP_ACE_PERMIT | QFP_ACE_SPORT_NEG | QFP_ACE_DPORT_NEG | QFP_ACE_ESTABLISHED | \
                       QFP_ACE_FRAGMENTS | QFP_ACE_L4 | QFP_ACE_EXTRA)
#define ACE_TCP_FLAGS_ALL (QFP_TCP_FIN | QFP_TCP_SYN | QFP_TCP_RST | QFP_TCP_PSH | QFP_TCP_ACK | QFP_TCP_URG)

/* The extra conditions (QFP_ACE_EXTRA) as the lookups trust them. Without the flag they are never
 * looked at, and must be zero (a zeroed ACE is still a valid one), so that read-back and the
 * reference cannot disagree about an ACE that matches as if they were not there. */
static int ace_extra_check(struct qfp *fp, const struct qfp_ace *a, uint32_t i)
{
    for (size_t k = 0; k < sizeof a->pad; k++)
        if (a->pad[k])
            return qfp_fail(fp, QFP_EINVAL, "ACE %u: padding is not zero", i);
    if (!(a->flags & QFP_ACE_EXTRA)) {
        if (a->ttl_lo || a->ttl_hi || a->tos_mask || a->tos_val || a->tcp_mask || a->tcp_val || a->xflags)
            return qfp_fail(fp, QFP_EINVAL, "ACE %u: ttl, tos or TCP flags without the extra flag", i);
        return QFP_OK;
    }
    if (a->ttl_lo > a->ttl_hi)
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: an empty ttl range", i);
    if ((a->tos_mask & ~0xfu) || (a->tos_val & ~a->tos_mask))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: tos or its mask is wider than 4 bits", i);
    if ((a->tcp_mask & ~ACE_TCP_FLAGS_ALL) || (a->tcp_val & ~a->tcp_mask))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: TCP flags outside their mask or unknown", i);
    if (a->xflags & ~(QFP_ACE_X_TTL_NEG | QFP_ACE_X_TCP_ANY))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: unknown extra flags 0x%x", i, a->xflags);
    /* TCP flags are an L4 condition of a TCP ACE: the L4 flag gives them IOS's fragment rules. */
    if (a->tcp_mask && (a->proto_mask != 0xff || a->proto_val != QFP_PROTO_TCP || !(a->flags & QFP_ACE_L4)))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: TCP flags need protocol tcp and the L4 flag", i);
    if (!a->tcp_mask && (a->xflags & QFP_ACE_X_TCP_ANY))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: match-any without TCP flags", i);
    return QFP_OK;
}

static int ace_check(struct qfp *fp, const struct qfp_ace *a, uint32_t i)
{
    if ((a->src_val & ~a->src_mask) || (a->dst_val & ~a->dst_mask) ||
        (a->proto_val & ~a->proto_mask) || (a->dscp_val & ~a->dscp_mask))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: a value has bits outside its mask", i);
    if (a->dscp_mask & ~0x3fu)
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: dscp mask 0x%x is wider than 6 bits", i, a->dscp_mask);
    if (a->flags & ~ACE_FLAGS_ALL)
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: unknown flags 0x%x", i, a->flags);
    if (a->sport_lo > a->sport_hi || a->dport_lo > a->dport_hi)
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: an empty port range", i);
    if ((a->flags & QFP_ACE_FRAGMENTS) && (a->flags & QFP_ACE_L4))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: fragments with L4 conditions", i);
    /* Without the L4 flag the port fields are never looked at; insist they say "any" so that
     * read-back and the reference model cannot disagree about what was programmed. */
    if (!(a->flags & QFP_ACE_L4) &&
        (a->sport_lo != 0 || a->sport_hi != 0xffff || a->dport_lo != 0 || a->dport_hi != 0xffff ||
         (a->flags & (QFP_ACE_SPORT_NEG | QFP_ACE_DPORT_NEG | QFP_ACE_ESTABLISHED))))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: L4 conditions without the L4 flag", i);
    return ace_extra_check(fp, a, i);
}

/* struct qfp_ace6's own conditions; the port and flag rules are ace_check's, on a struct qfp_ace
 * carrying the same ports, flags, protocol and DSCP (ace6_common). */
static int ace6_check(struct qfp *fp, const struct qfp_ace6 *a, uint32_t i)
{
    for (int w = 0; w < 4; w++)
        if ((a->src_val[w] & ~a->src_mask[w]) || (a->dst_val[w] & ~a->dst_mask[w]))
            return qfp_fail(fp, QFP_EINVAL, "ACE %u: an address has bits outside its prefix", i);
    if ((a->flow_val & ~a->flow_mask) || (a->flow_mask & ~0xfffffu))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: flow label or its mask is wider than 20 bits", i);
    if (a->ext & ~(QFP_EXT_ROUTING | QFP_EXT_FRAGMENT | QFP_EXT_HOP_BY_HOP | QFP_EXT_DEST_OPTS))
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: unknown extension header bits 0x%x", i, a->ext);
    if (a->flags & QFP_ACE_EXTRA)   /* IOS's IPv6 entries have no ttl or tos; their TCP flags are not modelled */
        return qfp_fail(fp, QFP_EINVAL, "ACE %u: an IPv6 ACE has no extra conditions", i);
    const struct qfp_ace common = {
        .sport_lo = a->sport_lo, .sport_hi = a->sport_hi, .dport_lo = a->dport_lo, .dport_hi = a->dport_hi,
        .proto_val = a->proto_val, .proto_mask = a->proto_mask, .dscp_val = a->dscp_val,
        .dscp_mask = a->dscp_mask, .flags = a->flags,
    };
    return ace_check(fp, &common, i);
}

/* Every shard's row, the implicit entries included. */
static void acl_counters_zero(struct qfp_acl *acl)
{
    for (size_t i = 0; i < (size_t)acl->stride * QFP_COUNTER_SHARDS; i++)
        qfp_counter_set(&acl->hits[i], 0);
}

void qfp_acl_free(struct qfp_acl *acl)
{
    if (!acl)
        return;
    qfp_acl_index_free(acl->index);
    qfp_acl_bitvec_free(acl->bitvec);
    for (int k = 0; k < QFP_ACL6_PROJECTIONS; k++)
        qfp_acl_bitvec_free(acl->bitvec6[k]);
    free(acl->scan);
    free(acl->aces);
    free(acl->aces6);
    free(acl->hits);
    free(acl);
}

/* The scan table (qfp_impl.h): lanes past the last ACE, and `fragments` ACEs, never match
 * (qfp_scan_lane). */
static int scan_build(struct qfp_acl *acl)
{
    const uint32_t nblocks = acl->naces ? (acl->naces + QFP_SCAN_LANES - 1) >> QFP_SCAN_LANES_LOG2 : 1;
    struct qfp_scan_block *blocks = aligned_alloc(64, nblocks * sizeof *blocks);
    if (!blocks)
        return QFP_ENOMEM;
    for (uint32_t i = 0; i < nblocks * QFP_SCAN_LANES; i++) {
        uint32_t col[QFP_SCAN_COLUMNS];
        qfp_scan_lane(i < acl->naces ? &acl->aces[i] : NULL, col);
        for (uint32_t k = 0; k < QFP_SCAN_COLUMNS; k++)
            blocks[i >> QFP_SCAN_LANES_LOG2].col[k][i & (QFP_SCAN_LANES - 1)] = col[k];
    }
    acl->scan = blocks;
    return QFP_OK;
}

/* Projection k of an IPv6 ACE (qfp_impl.h, QFP_ACL6_PROJECTIONS): an IPv4 ACE over address word k. */
static struct qfp_ace ace6_projection(const struct qfp_ace6 *a, int k)
{
    struct qfp_ace p = {
        .src_val = a->src_val[k], .src_mask = a->src_mask[k], .dst_val = a->dst_val[k],
        .dst_mask = a->dst_mask[k], .sport_hi = 0xffff, .dport_hi = 0xffff,
    };
    if (k == 0) {
        p.sport_lo = a->sport_lo, p.sport_hi = a->sport_hi, p.dport_lo = a->dport_lo, p.dport_hi = a->dport_hi;
        p.proto_val = a->proto_val, p.proto_mask = a->proto_mask;
        p.dscp_val = a->dscp_val, p.dscp_mask = a->dscp_mask;
        p.flags = a->flags;
    } else if (k == 3) {
        p.proto_val = p.proto_mask = a->ext;   /* every header the ACE names */
        if (a->flow_mask) {
            p.sport_lo = p.sport_hi = (uint16_t)(a->flow_val >> 4);
            p.dport_lo = p.dport_hi = (uint16_t)(a->flow_val & 0xf);
            p.flags = QFP_ACE_L4;
        }
    }
    return p;
}

/* Bit vectors over the four projections; QFP_ENOMEM leaves the ACL to the scan, always right. */
static int acl6_bitvec_build(struct qfp_acl *acl)
{
    struct qfp_ace *proj = malloc((acl->naces ? acl->naces : 1) * sizeof *proj);
    int rc = proj ? QFP_OK : QFP_ENOMEM;
    for (int k = 0; rc == QFP_OK && k < QFP_ACL6_PROJECTIONS; k++) {
        for (uint32_t i = 0; i < acl->naces; i++)
            proj[i] = ace6_projection(&acl->aces6[i], k);
        rc = qfp_acl_bitvec_build(proj, acl->naces, &acl->bitvec6[k]);
    }
    free(proj);
    if (rc != QFP_OK)
        for (int k = 0; k < QFP_ACL6_PROJECTIONS; k++) {
            qfp_acl_bitvec_free(acl->bitvec6[k]);
            acl->bitvec6[k] = NULL;
        }
    return rc;
}

/* The ACEs a hybrid's bit vectors cover, as set now (qfp_set_acl_method). */
static uint32_t bitvec_head(const struct qfp *fp)
{
    return fp->acl_bitvec_head ? fp->acl_bitvec_head : QFP_ACL_BITVEC_HEAD;
}

/* An ACL replacing `prev`, a tree's or a hybrid's, by a small edit: its tree edited, not rebuilt
 * (qfp_acl_index_edit), when the method in force would build the same kind again; a hybrid's
 * bit-vector head is built anew. A bit vectors' or a scan's ACL is built whole: those build in well
 * under a millisecond. Returns whether the edit was made. */
static int acl_edit(const struct qfp *fp, const struct qfp_acl *prev, struct qfp_acl *acl)
{
    const uint32_t n = acl->naces;
    const uint32_t head = bitvec_head(fp);
    if (!prev || !prev->index || prev->family != acl->family ||
        (prev->method != QFP_ACL_TREE && prev->method != QFP_ACL_HYBRID))
        return 0;
    /* The method in force would build this kind again: AUTO chose it for the old ACL by its shape. */
    if (fp->acl_method != QFP_ACL_AUTO && fp->acl_method != prev->method)
        return 0;
    if (acl->family == QFP_FAMILY_IPV6 ? n < QFP_ACL6_TREE_MIN && fp->acl_method == QFP_ACL_AUTO
                                       : n <= head && (fp->acl_method == QFP_ACL_AUTO || prev->method == QFP_ACL_HYBRID))
        return 0;   /* the method in force would build it otherwise now */
    if (prev->method == QFP_ACL_HYBRID && prev->tree_from != head)
        return 0;   /* the head was set otherwise since */
    const int v6 = acl->family == QFP_FAMILY_IPV6;
    const size_t size = v6 ? sizeof *acl->aces6 : sizeof *acl->aces;
    const char *was = v6 ? (const char *)prev->aces6 : (const char *)prev->aces;
    const char *now = v6 ? (const char *)acl->aces6 : (const char *)acl->aces;
    const uint32_t common = prev->naces < n ? prev->naces : n;
    uint32_t same = 0, tail = 0;
    while (same < common && !memcmp(was + same * size, now + same * size, size))
        same++;
    while (tail < common - same &&
           !memcmp(was + (size_t)(prev->naces - 1 - tail) * size, now + (size_t)(n - 1 - tail) * size, size))
        tail++;
    if (qfp_acl_index_edit(prev->index, acl->family, now, prev->tree_from, same, prev->naces - same - tail,
                           n - same - tail, &acl->index) != QFP_OK)
        return 0;
    /* A hybrid's head: its bit vectors built anew (256 ACEs: well under a millisecond). */
    if (prev->method == QFP_ACL_HYBRID && qfp_acl_bitvec_build(acl->aces, head, &acl->bitvec) != QFP_OK) {
        qfp_acl_index_free(acl->index);
        acl->index = NULL;
        return 0;
    }
    acl->method = prev->method;
    acl->tree_from = prev->tree_from;
    return 1;
}

/* An IPv6 ACL's methods by length (qfp.h, enum qfp_acl_method; docs/fastpath.md, "IPv6", says
 * where the lengths come from). A method that cannot be built leaves the next simpler one. */
static int acl6_build(struct qfp *fp, const struct qfp_ace6 *aces, uint32_t naces, const struct qfp_acl *prev,
                      struct qfp_acl *acl)
{
    for (uint32_t i = 0; i < naces; i++) {
        int rc = ace6_check(fp, &aces[i], i);
        if (rc != QFP_OK)
            return rc;
    }
    acl->aces6 = malloc((naces ? naces : 1) * sizeof *acl->aces6);
    if (!acl->aces6)
        return qfp_fail(fp, QFP_ENOMEM, "no memory for an ACL of %u ACEs", naces);
    if (naces)
        memcpy(acl->aces6, aces, naces * sizeof *aces);
    if (acl_edit(fp, prev, acl))
        return QFP_OK;
    uint32_t method = fp->acl_method;
    if (method == QFP_ACL_AUTO)
        method = naces < QFP_ACL6_TREE_MIN ? QFP_ACL_SCAN : QFP_ACL_TREE;
    if (method == QFP_ACL_HYBRID)
        method = QFP_ACL_BITVEC;
    if (method == QFP_ACL_TREE && qfp_acl_index_build6(aces, naces, &acl->index) != QFP_OK)
        method = QFP_ACL_BITVEC;
    if (method == QFP_ACL_BITVEC && acl6_bitvec_build(acl) != QFP_OK)
        method = QFP_ACL_SCAN;
    acl->method = method;
    return QFP_OK;
}

/* QFP_ACL_AUTO past the bit vectors' length: the tree over every ACE, or the hybrid (bit vectors over
 * the first `head`, a tree over the rest), whichever does less work on the same probe keys
 * (qfp_acl_index.c). The length alone does not tell: a hybrid's head costs every packet its
 * twelve rows, and pays only where many packets stop there, as on rule sets of broad overlapping
 * port ranges, whose tree has deep walks and long leaves; where cuts separate the rules well the
 * whole tree is cheaper. The chosen tree is kept in acl->index, built once. */
static uint32_t acl4_auto_long(struct qfp_acl *acl, uint32_t head)
{
    const struct qfp_ace *aces = acl->aces;
    const uint32_t naces = acl->naces;
    struct qfp_acl_index *whole = NULL, *tail = NULL;
    struct qfp_acl_probe *probes = malloc(QFP_ACL_PROBES * sizeof *probes);
    if (!probes || qfp_acl_index_build(aces, naces, 0, &whole) != QFP_OK) {
        free(probes);
        return QFP_ACL_HYBRID;
    }
    if (qfp_acl_index_build_like(whole, aces, naces, head, &tail) != QFP_OK) {
        free(probes);
        acl->index = whole;
        return QFP_ACL_TREE;
    }
    qfp_acl_probes(aces, naces, probes, QFP_ACL_PROBES);
    uint64_t tree_cost = 0, hybrid_cost = 0;
    for (uint32_t i = 0; i < QFP_ACL_PROBES; i++) {
        tree_cost += qfp_acl_index_walk_cost(whole, aces, naces, &probes[i]);
        hybrid_cost += QFP_ACL_COST_HEAD;
        uint32_t k = 0;
        while (k < head && !qfp_acl_probe_match(&aces[k], &probes[i]))
            k++;
        if (k == head)
            hybrid_cost += qfp_acl_index_walk_cost(tail, aces, naces, &probes[i]);
    }
    free(probes);
    if (tree_cost <= hybrid_cost) {
        qfp_acl_index_free(tail);
        acl->index = whole;
        return QFP_ACL_TREE;
    }
    qfp_acl_index_free(whole);
    acl->index = tail;
    return QFP_ACL_HYBRID;
}

static int acl4_build(struct qfp *fp, const struct qfp_ace *aces, uint32_t naces, const struct qfp_acl *prev,
                      struct qfp_acl *acl)
{
    for (uint32_t i = 0; i < naces; i++) {
        int rc = ace_check(fp, &aces[i], i);
        if (rc != QFP_OK)
            return rc;
    }
    /* Never a zero-size allocation: an empty ACL is legal (it denies everything). */
    acl->aces = malloc((naces ? naces : 1) * sizeof *acl->aces);
    if (!acl->aces)
        return qfp_fail(fp, QFP_ENOMEM, "no memory for an ACL of %u ACEs", naces);
    if (naces)
        memcpy(acl->aces, aces, naces * sizeof *aces);
    for (uint32_t i = 0; i < naces; i++)
        acl->extra += !!(aces[i].flags & QFP_ACE_EXTRA);
    if (acl_edit(fp, prev, acl))
        return QFP_OK;
    uint32_t method = fp->acl_method;
    uint32_t head = bitvec_head(fp);
    if (method == QFP_ACL_AUTO)
        method = naces < QFP_ACL_INDEX_MIN ? QFP_ACL_SCAN : naces <= head ? QFP_ACL_BITVEC
                                                                             : acl4_auto_long(acl, head);
    if (method == QFP_ACL_HYBRID && naces <= head)
        method = QFP_ACL_BITVEC;
    /* A method that cannot be built (no memory, over budget) leaves the scan, always right. */
    uint32_t bits = method == QFP_ACL_BITVEC ? naces : method == QFP_ACL_HYBRID ? head : 0;
    uint32_t tree_from = method == QFP_ACL_TREE ? 0 : method == QFP_ACL_HYBRID ? head : naces;
    acl->tree_from = tree_from;
    if ((bits && qfp_acl_bitvec_build(acl->aces, bits, &acl->bitvec) != QFP_OK) ||
        (tree_from < naces && !acl->index &&
         qfp_acl_index_build(acl->aces, naces, tree_from, &acl->index) != QFP_OK)) {
        qfp_acl_bitvec_free(acl->bitvec);
        qfp_acl_index_free(acl->index);
        acl->bitvec = NULL, acl->index = NULL;
        method = QFP_ACL_SCAN;
    }
    if (method == QFP_ACL_SCAN && scan_build(acl) != QFP_OK)
        return qfp_fail(fp, QFP_ENOMEM, "no memory for an ACL of %u ACEs", naces);
    acl->method = method;
    return QFP_OK;
}

int qfp_acl_build(struct qfp *fp, uint32_t family, const void *aces, uint32_t naces, const uint64_t *hits,
                  const struct qfp_acl *prev, struct qfp_acl **out)
{
    struct qfp_acl *acl = calloc(1, sizeof *acl);
    /* A row per shard: the ACEs and the implicit entries (IPv4: the deny; IPv6: the deny and the
     * two ND permits), rounded up to whole 64-byte lines. */
    uint32_t implicit = family == QFP_FAMILY_IPV6 ? QFP_ACL6_IMPLICIT_COUNT : 1;
    uint32_t stride = (naces + implicit + 7) & ~7u;
    if (acl)
        acl->hits = aligned_alloc(64, (size_t)stride * QFP_COUNTER_SHARDS * sizeof *acl->hits);
    if (!acl || !acl->hits) {
        free(acl);
        return qfp_fail(fp, QFP_ENOMEM, "no memory for an ACL of %u ACEs", naces);
    }
    acl->stride = stride;
    acl->naces = naces;
    acl->family = family;
    int rc = family == QFP_FAMILY_IPV6 ? acl6_build(fp, aces, naces, prev, acl)
                                      : acl4_build(fp, aces, naces, prev, acl);
    if (rc != QFP_OK) {
        qfp_acl_free(acl);
        return rc;
    }
    acl_counters_zero(acl);
    for (uint32_t i = 0; hits && i < naces; i++)
        qfp_counter_set(&acl->hits[i], hits[i]);   /* into shard 0: reads sum the shards */
    *out = acl;
    return QFP_OK;
}

int qfp_acl_slot_check(struct qfp *fp, uint32_t slot)
{
    if (slot >= fp->max_acls || !fp->acls[slot].acl)
        return qfp_fail(fp, QFP_ENOENT, "no ACL in slot %u", slot);
    return QFP_OK;
}

static int acl_create(struct qfp *fp, uint32_t family, const void *aces, uint32_t naces,
                      const uint64_t *hits, uint32_t *slot_out)
{
    qfp_ctl_lock(fp);
    uint32_t slot = 0;
    while (slot < fp->max_acls && fp->acls[slot].acl)
        slot++;
    struct qfp_acl *acl = NULL;
    int rc = slot == fp->max_acls ? qfp_fail(fp, QFP_EFULL, "all %u ACL slots are in use", fp->max_acls)
                                  : qfp_acl_build(fp, family, aces, naces, hits, NULL, &acl);
    if (rc == QFP_OK) {
        /* Nothing can name a free slot, so no batch can see it: no need to close the gate. */
        fp->acls[slot].acl = acl;
        fp->acls[slot].refs = 0;
        *slot_out = slot;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_acl_create(struct qfp *fp, const struct qfp_ace *aces, uint32_t naces,
                   const uint64_t *hits, uint32_t *slot_out)
{
    return acl_create(fp, QFP_FAMILY_IPV4, aces, naces, hits, slot_out);
}

int qfp_acl_create6(struct qfp *fp, const struct qfp_ace6 *aces, uint32_t naces,
                    const uint64_t *hits, uint32_t *slot_out)
{
    return acl_create(fp, QFP_FAMILY_IPV6, aces, naces, hits, slot_out);
}

int qfp_acl_delete(struct qfp *fp, uint32_t slot)
{
    qfp_ctl_lock(fp);
    qfp_reclaim(fp, 1);   /* targets a bind replaced hold references until batches let them go */
    int rc = qfp_acl_slot_check(fp, slot);
    if (rc == QFP_OK && fp->acls[slot].refs)
        rc = qfp_fail(fp, QFP_EBUSY, "ACL slot %u is used by %u targets and policies", slot,
                      fp->acls[slot].refs);
    if (rc == QFP_OK) {
        /* qfp_acl_classify() names slots directly, not through a target: let its batch finish. */
        struct qfp_acl *old = fp->acls[slot].acl;
        qfp_gate_close(fp);
        fp->acls[slot].acl = NULL;
        qfp_gate_open(fp);
        qfp_acl_free(old);
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_acl_counters(struct qfp *fp, uint32_t slot, uint64_t *hits, uint32_t cap,
                     uint32_t *naces_out, uint64_t *implicit_deny_out)
{
    qfp_ctl_lock(fp);
    int rc = qfp_acl_slot_check(fp, slot);
    if (rc == QFP_OK) {
        const struct qfp_acl *acl = fp->acls[slot].acl;
        qfp_gate_close(fp);
        uint32_t n = acl->naces < cap ? acl->naces : cap;
        for (uint32_t i = 0; i < n; i++)
            hits[i] = qfp_acl_hits(acl, i);
        *implicit_deny_out = qfp_acl_hits(acl, acl->naces);
        qfp_gate_open(fp);
        *naces_out = acl->naces;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_acl_implicit_counters(struct qfp *fp, uint32_t slot, uint64_t *out)
{
    qfp_ctl_lock(fp);
    int rc = qfp_acl_slot_check(fp, slot);
    if (rc == QFP_OK) {
        const struct qfp_acl *acl = fp->acls[slot].acl;
        uint32_t n = acl->family == QFP_FAMILY_IPV6 ? QFP_ACL6_IMPLICIT_COUNT : 1;
        qfp_gate_close(fp);
        for (uint32_t k = 0; k < QFP_ACL6_IMPLICIT_COUNT; k++)
            out[k] = k < n ? qfp_acl_hits(acl, acl->naces + k) : 0;
        qfp_gate_open(fp);
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_acl_clear_counters(struct qfp *fp, uint32_t slot)
{
    qfp_ctl_lock(fp);
    int rc = qfp_acl_slot_check(fp, slot);
    if (rc == QFP_OK) {
        struct qfp_acl *acl = fp->acls[slot].acl;
        qfp_gate_close(fp);
        acl_counters_zero(acl);
        qfp_gate_open(fp);
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_set_acl_method(struct qfp *fp, uint32_t method, uint32_t bitvec_head)
{
    qfp_ctl_lock(fp);
    int rc = method > QFP_ACL_HYBRID ? qfp_fail(fp, QFP_EINVAL, "no ACL lookup method %u", method) : QFP_OK;
    if (rc == QFP_OK) {
        fp->acl_method = method;
        fp->acl_bitvec_head = bitvec_head;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_acl_stats(struct qfp *fp, uint32_t slot, struct qfp_acl_stats *out)
{
    qfp_ctl_lock(fp);
    int rc = qfp_acl_slot_check(fp, slot);
    if (rc == QFP_OK) {
        const struct qfp_acl *acl = fp->acls[slot].acl;
        qfp_acl_index_stats(acl->index, out);
        out->naces = acl->naces;
        out->method = acl->method;
        out->family = acl->family;
        out->extra = acl->extra;
        out->edits = acl->index ? acl->index->edits : 0;
        if (acl->bitvec)
            out->bytes += acl->bitvec->bytes;
        for (int k = 0; k < QFP_ACL6_PROJECTIONS; k++)
            out->bytes += acl->bitvec6[k] ? acl->bitvec6[k]->bytes : 0;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

/* Called with ctl_lock held. */
int qfp_acl_ref(struct qfp *fp, int32_t slot)
{
    if (slot == QFP_ACL_NONE)
        return QFP_OK;
    if (slot < 0 || (uint32_t)slot >= fp->max_acls || !fp->acls[slot].acl)
        return qfp_fail(fp, QFP_ENOENT, "no ACL in slot %d", slot);
    fp->acls[slot].refs++;
    return QFP_OK;
}

int qfp_acl_family_check(struct qfp *fp, int32_t slot, uint32_t family, const char *what)
{
    if (slot == QFP_ACL_NONE || slot < 0 || (uint32_t)slot >= fp->max_acls || !fp->acls[slot].acl)
        return QFP_OK;   /* qfp_acl_ref words the missing slot */
    if (fp->acls[slot].acl->family != family)
        return qfp_fail(fp, QFP_EINVAL, "%s: ACL slot %d holds an IPv%u ACL, not IPv%u", what, slot,
                        fp->acls[slot].acl->family, family);
    return QFP_OK;
}

void qfp_acl_unref(struct qfp *fp, int32_t slot)
{
    if (slot != QFP_ACL_NONE)
        fp->acls[slot].refs--;
}

void qfp_acl_free_all(struct qfp *fp)
{
    for (uint32_t i = 0; i < fp->max_acls; i++)
        qfp_acl_free(fp->acls[i].acl);
}
