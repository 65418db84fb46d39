/*
 * qfp_process.c - the per-packet path: UIDB lookup, ACL, classification, policing, marking.
 *
 * Rules for everything in this file: no allocation, no floating point, no division, no locks
 * beyond the batch gate taken once per batch. Inputs are trusted (Python checked their ranges);
 * DSCP is still masked before it becomes a shift count, so a bad byte cannot become undefined
 * behaviour.
 */
#include "qfp_impl.h"

/* ---- ACL ------------------------------------------------------------------------------------------ */
static inline int port_ok(uint16_t port, uint16_t lo, uint16_t hi, int negate)
{
    return ((port >= lo) & (port <= hi)) ^ negate;
}

/* Do ACE a's address, protocol and DSCP conditions hold for packet p? */
static inline int ace_l3_match(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    return !(((p->src & a->src_mask) ^ a->src_val) | ((p->dst & a->dst_mask) ^ a->dst_val) |
             ((uint32_t)(p->proto & a->proto_mask) ^ a->proto_val) |
             ((uint32_t)(p->dscp & a->dscp_mask) ^ a->dscp_val));
}

/* Does ACE a match packet p, which is not a non-initial fragment? */
static inline int ace_match(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    if (!ace_l3_match(a, p))
        return 0;
    if (a->flags & QFP_ACE_FRAGMENTS)
        return 0;
    if (a->flags & QFP_ACE_L4) {
        if (!port_ok(p->sport, a->sport_lo, a->sport_hi, !!(a->flags & QFP_ACE_SPORT_NEG)) ||
            !port_ok(p->dport, a->dport_lo, a->dport_hi, !!(a->flags & QFP_ACE_DPORT_NEG)))
            return 0;
        if ((a->flags & QFP_ACE_ESTABLISHED) && !(p->tcp_flags & (QFP_TCP_ACK | QFP_TCP_RST)))
            return 0;
    }
    return 1;
}

/* A non-initial fragment has no L4 header: IOS lets a permit with L4 conditions match on its L3
 * part alone, skips a deny with L4 conditions, and `fragments` ACEs match only these. */
static inline int ace_match_noninitial(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    if (!ace_l3_match(a, p))
        return 0;
    return (a->flags & (QFP_ACE_L4 | QFP_ACE_PERMIT)) != QFP_ACE_L4;
}

/* Walk the index's tree (qfp_acl_index.c): every branch the packet reaches, the wild ones too.
 * Of a cut's two branches the one holding the lower ACE goes first, so that an early match (often
 * a broad ACE, pushed down a wild branch) is found soon; a branch whose lowest ACE comes after the
 * best match so far is skipped without being read. */
static inline uint32_t acl_index_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    const struct qfp_acl_index *ix = acl->index;
    const uint32_t key[QFP_ACL_FIELDS] = {p->src, p->dst, p->sport, p->dport, p->proto, p->dscp};
    uint32_t best = acl->naces;
    uint32_t pending[QFP_ACL_WALK_MAX], pending_first[QFP_ACL_WALK_MAX], sp = 0;
    pending[sp] = ix->root, pending_first[sp++] = 0;
    while (sp) {
        --sp;
        if (pending_first[sp] >= best)
            continue;
        uint32_t code = pending[sp];
        while (!(code & QFP_ACL_LEAF)) {
            const struct qfp_acl_cut *c = &ix->cuts[code];
            const uint32_t *kid = &ix->pool[c->kids + 2 * ((key[c->field] >> c->shift) & c->mask)];
            uint32_t first = kid[1];
            code = kid[0];
            if (c->wild_first < best) {
                uint32_t other = c->wild, other_first = c->wild_first;
                if (other_first < first) {
                    uint32_t t = other;
                    other = code, code = t;
                    t = other_first, other_first = first, first = t;
                }
                pending[sp] = other, pending_first[sp++] = other_first;
            }
            if (first >= best) {
                code = QFP_ACL_EMPTY;
                break;
            }
        }
        const uint32_t *leaf = &ix->pool[code & ~QFP_ACL_LEAF];
        for (uint32_t i = 1; i <= leaf[0] && leaf[i] < best; i++)
            if (ace_match(&acl->aces[leaf[i]], p)) {
                best = leaf[i];
                break;
            }
    }
    return best;
}

/* The twelve vectors (qfp_acl_bitvec.c) the packet's key selects, each from its summary on. Always
 * inlined: called out of line, the vectors went through memory and lookups took 10% longer. */
static inline __attribute__((always_inline)) void bitvec_rows(const struct qfp_acl_bitvec *bv,
                                                              const struct qfp_pkt *p,
                                                              const uint64_t *v[12])
{
    const uint32_t stride = bv->stride;
    const size_t table = (size_t)256 * stride;
    const uint64_t *t = bv->byte_vec;
    const uint32_t misc = (p->dscp & 63u) | (uint32_t)!!(p->tcp_flags & (QFP_TCP_ACK | QFP_TCP_RST)) << 6;
    v[0] = t + (QFP_BV_SRC0 + 0) * table + (p->src >> 24) * stride;
    v[1] = t + (QFP_BV_SRC0 + 1) * table + (p->src >> 16 & 0xff) * stride;
    v[2] = t + (QFP_BV_SRC0 + 2) * table + (p->src >> 8 & 0xff) * stride;
    v[3] = t + (QFP_BV_SRC0 + 3) * table + (p->src & 0xff) * stride;
    v[4] = t + (QFP_BV_DST0 + 0) * table + (p->dst >> 24) * stride;
    v[5] = t + (QFP_BV_DST0 + 1) * table + (p->dst >> 16 & 0xff) * stride;
    v[6] = t + (QFP_BV_DST0 + 2) * table + (p->dst >> 8 & 0xff) * stride;
    v[7] = t + (QFP_BV_DST0 + 3) * table + (p->dst & 0xff) * stride;
    v[8] = t + QFP_BV_PROTO * table + (size_t)p->proto * stride;
    v[9] = t + QFP_BV_MISC * table + (size_t)misc * stride;
    v[10] = bv->port_vec[0] + (size_t)bv->port_map[0][p->sport] * stride;
    v[11] = bv->port_vec[1] + (size_t)bv->port_map[1][p->dport] * stride;
}

#define AND12(v, i) (v[0][i] & v[1][i] & v[2][i] & v[3][i] & v[4][i] & v[5][i] & v[6][i] & v[7][i] & \
                     v[8][i] & v[9][i] & v[10][i] & v[11][i])

/* AND the packet's twelve vectors a word at a time, in order, or for long ones their summaries
 * first and then only the words the summaries leave; the first bit left is the first match. */
static inline uint32_t acl_bitvec_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    const struct qfp_acl_bitvec *bv = acl->bitvec;
    const uint32_t nsum = bv->summary_words;
    const uint64_t *v[12];
    bitvec_rows(bv, p, v);
    if (bv->words <= 4) {
        /* Up to 256 ACEs (all the bit vectors QFP_ACL_AUTO builds) the words are read in order: a
         * summary would cost about what it lets a lookup skip (measured: 20-30% slower). */
        for (uint32_t w = 0; w < bv->words; w++) {
            uint64_t m = AND12(v, nsum + w);
            if (m)
                return w * 64 + (uint32_t)__builtin_ctzll(m);
        }
        return acl->naces;
    }
    for (uint32_t s = 0; s < nsum; s++) {
        for (uint64_t live = AND12(v, s); live; live &= live - 1) {
            uint32_t w = s * 64 + (uint32_t)__builtin_ctzll(live);
            uint64_t m = AND12(v, nsum + w);
            if (m)
                return w * 64 + (uint32_t)__builtin_ctzll(m);
        }
    }
    return acl->naces;
}

/* Index of the first ACE matching the packet, or acl->naces for none (the implicit deny). */
static inline uint32_t acl_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    if (p->frag == QFP_FRAG_NONINITIAL) {
        for (uint32_t i = 0; i < acl->naces; i++)
            if (ace_match_noninitial(&acl->aces[i], p))
                return i;
        return acl->naces;
    }
    if (acl->bitvec) {
        /* Over the hybrid's head, "none" is naces too: then the tree has the tail. */
        uint32_t hit = acl_bitvec_lookup(acl, p);
        if (hit < acl->naces || !acl->index)
            return hit;
    }
    if (acl->index)
        return acl_index_lookup(acl, p);
    for (uint32_t i = 0; i < acl->naces; i++)
        if (ace_match(&acl->aces[i], p))
            return i;
    return acl->naces;
}

/* ---- classification ------------------------------------------------------------------------------ */
/* The first word of a bit-vector set's AND for a packet: every match, when there are at most 64 ACEs. */
static inline uint64_t bitvec_word0(const struct qfp_acl_bitvec *bv, const struct qfp_pkt *p)
{
    const uint64_t *v[12];
    bitvec_rows(bv, p, v);
    return AND12(v, bv->summary_words);
}
#undef AND12

/* A packet's access-group answers at one level of a policy, computed on the first term that asks. */
struct term_memo {
    uint64_t matches;
    int known;
};

/* Recursion depth is bounded by QFP_CMAP_DEPTH_MAX, which qfp_policy_create enforces. */
static int cmap_match(const struct qfp *fp, const struct qfp_policy *pol, uint32_t cmap,
                      const struct qfp_pkt *p, struct term_memo *memo)
{
    const struct qfp_cmap *cm = &pol->cmaps[cmap];
    const struct qfp_term *t = &pol->terms[cm->first_term];
    for (uint32_t i = 0; i < cm->nterms; i++, t++) {
        int m;
        switch (t->kind) {
        case QFP_TERM_ANY:
            m = 1;
            break;
        case QFP_TERM_DSCP:
            m = (int)(t->dscp_bits >> (p->dscp & 63) & 1);
            break;
        case QFP_TERM_ACL: {
            const struct qfp_term_bits *tb = pol->term_bits;
            if (tb && p->frag != QFP_FRAG_NONINITIAL) {
                if (!memo->known) {
                    memo->matches = bitvec_word0(tb->bv, p);
                    memo->known = 1;
                }
                /* The ACL's run of bits; its lowest set bit is its first match. */
                uint64_t run = memo->matches & tb->run[t - pol->terms];
                m = (run & (~run + 1) & tb->permit) != 0;
                break;
            }
            const struct qfp_acl *acl = fp->acls[t->ref].acl;
            uint32_t hit = acl_lookup(acl, p);
            m = hit < acl->naces && (acl->aces[hit].flags & QFP_ACE_PERMIT);
            break;
        }
        default: /* QFP_TERM_CLASSMAP */
            m = cmap_match(fp, pol, t->ref, p, memo);
            break;
        }
        m ^= t->negate;
        if (m != cm->match_all)
            return m;   /* a miss decides match-all, a hit decides match-any */
    }
    return cm->nterms && cm->match_all;
}

static inline uint32_t classify(const struct qfp *fp, const struct qfp_policy *pol,
                                const struct qfp_pkt *p)
{
    struct term_memo memo = {0, 0};
    uint32_t last = pol->nclasses - 1;   /* class-default */
    for (uint32_t i = 0; i < last; i++)
        if (cmap_match(fp, pol, pol->classes[i].cfg.cmap, p, &memo))
            return i;
    return last;
}

/* ---- policing --------------------------------------------------------------------------------------
 * Overflow: a bucket holds at most 2^29 bytes = 4.3e18 units; dt is clamped to the bucket's fill
 * time (size / rate + 1 ns), so a refill adds at most size + rate < 4.3e18 + 1.4e11 units, and
 * level + refill stays below 2^64. For 1R3C, C + E < 8.6e18 and the same holds. */
static inline uint64_t refill(uint64_t level, uint64_t size, uint64_t dt, uint64_t dt_max, uint64_t rate)
{
    uint64_t add = (dt < dt_max ? dt : dt_max) * rate;
    return add >= size - level ? size : level + add;
}

static inline uint8_t police(const struct qfp_police_profile *pr, struct qfp_cstate *st,
                             uint64_t ts, uint64_t cost)
{
    uint64_t dt = 0;
    if (ts > st->last_ns) {
        dt = ts - st->last_ns;
        st->last_ns = ts;
    }
    switch (pr->mode) {
    case QFP_POLICE_1R2C:
        st->tc = refill(st->tc, pr->cbs, dt, pr->dt_c_max, pr->cir);
        if (st->tc >= cost) {
            st->tc -= cost;
            return QFP_CONFORM;
        }
        return QFP_EXCEED;
    case QFP_POLICE_1R3C: {
        uint64_t add = (dt < pr->dt_c_max ? dt : pr->dt_c_max) * pr->cir;
        uint64_t room = pr->cbs - st->tc;
        if (add <= room) {
            st->tc += add;
        } else {
            st->tc = pr->cbs;
            add -= room;
            st->te = add >= pr->ebs - st->te ? pr->ebs : st->te + add;
        }
        if (st->tc >= cost) {
            st->tc -= cost;
            return QFP_CONFORM;
        }
        if (st->te >= cost) {
            st->te -= cost;
            return QFP_EXCEED;
        }
        return QFP_VIOLATE;
    }
    default: /* QFP_POLICE_2R3C: te is the peak bucket */
        st->tc = refill(st->tc, pr->cbs, dt, pr->dt_c_max, pr->cir);
        st->te = refill(st->te, pr->ebs, dt, pr->dt_e_max, pr->pir);
        if (st->te < cost)
            return QFP_VIOLATE;
        st->te -= cost;
        if (st->tc < cost)
            return QFP_EXCEED;
        st->tc -= cost;
        return QFP_CONFORM;
    }
}

/* ---- the policy walk -------------------------------------------------------------------------------- */
struct walk {
    const struct qfp_pkt *p;
    uint64_t cost;           /* the packet's size in token units */
    uint8_t dscp;            /* as marked so far */
    uint8_t colour;          /* most severe so far, QFP_COLOUR_NONE before any policer */
    uint16_t cls[2];         /* class matched at levels 0 and 1 */
};

/* Runs one level of the hierarchy; returns QFP_DROP or QFP_FORWARD. Depth <= QFP_POLICY_DEPTH_MAX. */
static int run_policy(const struct qfp *fp, const struct qfp_policy *pol, struct qfp_cstate *base,
                      uint32_t level, struct walk *w)
{
    uint32_t ci = classify(fp, pol, w->p);
    const struct qfp_pclass *c = &pol->classes[ci];
    struct qfp_cstate *st = &base[c->state];
    if (level < 2)
        w->cls[level] = (uint16_t)ci;
    st->c.pkts++;
    st->c.bytes += w->p->length;
    if (c->set_dscp >= 0)
        w->dscp = (uint8_t)c->set_dscp;
    if (c->child && run_policy(fp, c->child, st + 1, level + 1, w) == QFP_DROP)
        goto drop;
    if (c->has_police) {
        uint8_t colour = police(&c->police, st, w->p->ts_ns, w->cost);
        st->c.colour_pkts[colour]++;
        st->c.colour_bytes[colour] += w->p->length;
        if (w->colour == QFP_COLOUR_NONE || colour > w->colour)
            w->colour = colour;
        switch (c->police.act[colour]) {
        case QFP_PACT_DROP:
            goto drop;
        case QFP_PACT_MARK:
            w->dscp = c->police.mark[colour];
            break;
        default:
            break;
        }
    }
    return QFP_FORWARD;
drop:
    st->c.drop_pkts++;
    st->c.drop_bytes += w->p->length;
    return QFP_DROP;
}

/* ---- a batch --------------------------------------------------------------------------------------- */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 4
#endif
static inline void process_one(struct qfp *fp, const struct qfp_pkt *p, struct qfp_verdict *v,
                               uint32_t shard, uint64_t epoch)
{
    v->ace = QFP_ACE_NONE;
    v->cls = v->child_cls = QFP_CLASS_NONE;
    v->action = QFP_FORWARD;
    v->colour = QFP_COLOUR_NONE;
    v->dscp = p->dscp;
    v->reason = QFP_REASON_NONE;

    const struct qfp_target *t = qfp_target_at(fp, p->uidb, p->dir, epoch);
    if (!t) {
        v->action = QFP_DROP;
        v->reason = QFP_REASON_NO_UIDB;
        return;
    }
    if (t->acl_slot != QFP_ACL_NONE) {
        struct qfp_acl *acl = fp->acls[t->acl_slot].acl;
        uint32_t hit = acl_lookup(acl, p);
        /* The implicit deny's counter sits at [naces] of the row. */
        qfp_counter_bump(&acl->hits[(size_t)shard * acl->stride + hit]);
        if (hit == acl->naces) {
            v->ace = QFP_ACE_IMPLICIT;
            v->action = QFP_DROP;
            v->reason = QFP_REASON_ACL;
            return;
        }
        v->ace = hit;
        if (!(acl->aces[hit].flags & QFP_ACE_PERMIT)) {
            v->action = QFP_DROP;
            v->reason = QFP_REASON_ACL;
            return;
        }
    }
    if (t->policy) {
        struct walk w = {
            .p = p,
            .cost = (uint64_t)p->length * QFP_UNITS_PER_BYTE,
            .dscp = p->dscp,
            .colour = QFP_COLOUR_NONE,
            .cls = {QFP_CLASS_NONE, QFP_CLASS_NONE},
        };
        /* The target is const to readers, but its per-class state is theirs to update. */
        struct qfp_cstate *states = ((struct qfp_target *)t)->states;
        if (run_policy(fp, t->policy, states, 0, &w) == QFP_DROP) {
            v->action = QFP_DROP;
            v->reason = QFP_REASON_POLICE;
        }
        v->cls = w.cls[0];
        v->child_cls = w.cls[1];
        v->colour = w.colour;
        v->dscp = w.dscp;
    }
}

int qfp_batch_check(const struct qfp_pkt *pkts, size_t n, size_t *bad_out)
{
    for (size_t i = 0; i < n; i++) {
        const struct qfp_pkt *p = &pkts[i];
        if (p->dir >= QFP_DIR_COUNT || p->frag >= QFP_FRAG_COUNT || p->dscp > 63 ||
            p->family != QFP_FAMILY_IPV4) {
            *bad_out = i;
            return QFP_EINVAL;
        }
    }
    return QFP_OK;
}

uint32_t qfp_thread_shard(void)
{
    static atomic_uint next_shard;
    static _Thread_local uint32_t shard = UINT32_MAX;
    if (shard == UINT32_MAX)
        shard = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % QFP_COUNTER_SHARDS;
    return shard;
}

int qfp_process(struct qfp *fp, const struct qfp_pkt *pkts, struct qfp_verdict *verdicts, size_t n)
{
    const uint32_t shard = qfp_thread_shard();
    const uint64_t epoch = qfp_gate_enter(fp);
    for (size_t i = 0; i < n; i++) {
        /* A packet's target is a random line among every session's: ask for the one a few
         * packets ahead now, so that it has arrived when that packet gets there. */
        if (i + PREFETCH_AHEAD < n) {
            const struct qfp_pkt *q = &pkts[i + PREFETCH_AHEAD];
            if (q->uidb < fp->max_uidbs)
                __builtin_prefetch(__atomic_load_n(&fp->targets[(size_t)q->uidb * 2 + (q->dir & 1)],
                                                   __ATOMIC_RELAXED));
        }
        process_one(fp, &pkts[i], &verdicts[i], shard, epoch);
    }
    qfp_gate_exit(fp, epoch);
    return QFP_OK;
}

int qfp_acl_classify(struct qfp *fp, uint32_t slot, const struct qfp_pkt *pkts, uint32_t *ace_out,
                     size_t n)
{
    /* The slot is checked under the control lock, and the batch gate entered before it is let go:
     * a writer that replaces or deletes the ACL then waits for this batch. */
    qfp_ctl_lock(fp);
    if (slot >= fp->max_acls || !fp->acls[slot].acl) {
        int rc = qfp_fail(fp, QFP_ENOENT, "no ACL in slot %u", slot);
        qfp_ctl_unlock(fp);
        return rc;
    }
    const struct qfp_acl *acl = fp->acls[slot].acl;
    const uint64_t epoch = qfp_gate_enter(fp);
    qfp_ctl_unlock(fp);
    for (size_t i = 0; i < n; i++)
        ace_out[i] = acl_lookup(acl, &pkts[i]);
    qfp_gate_exit(fp, epoch);
    return QFP_OK;
}
