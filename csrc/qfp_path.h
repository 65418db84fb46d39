/*
 * qfp_path.h - the per-packet path: UIDB lookup, ACL, classification, policing, marking, and the
 * hand-over to the target's scheduler (qfp_queue.c) of a packet its policy queues.
 *
 * A template, not a header: each qfp_path_<isa>.c defines QFP_PATH_SIMD and QFP_PATH(name) and
 * includes it once, so that the same code is compiled for every instruction set the fast path can
 * choose at run time (qfp_process.c picks one per fast path, by CPU feature). Where a wider vector
 * pays, #if QFP_PATH_SIMD says so in place; everything else is the same C for every ISA.
 *
 * Rules for everything in this file: no allocation, no floating point, no division, no locks
 * beyond the batch gate taken once per batch (by the caller). Inputs are trusted (Python checked
 * their ranges); DSCP is still masked before it becomes a shift count, so a bad byte cannot become
 * undefined behaviour.
 */
#include "qfp_impl.h"

#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
#include <immintrin.h>
#endif

/* ---- ACL ------------------------------------------------------------------------------------------ */
/* What `established` asks of a packet: TCP ACK or RST set. */
static inline uint32_t ack_or_rst(const struct qfp_pkt *p)
{
    return !!(p->tcp_flags & (QFP_TCP_ACK | QFP_TCP_RST));
}

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

/* Past its L3 conditions, does an ACE (IPv4's or IPv6's: `a` either struct, by its shared field
 * names) match packet p, which is not a non-initial fragment? */
#define ACE_REST_MATCH(a, p)                                                                          \
    (!((a)->flags & QFP_ACE_FRAGMENTS) &&                                                             \
     (!((a)->flags & QFP_ACE_L4) ||                                                                   \
      (port_ok((p)->sport, (a)->sport_lo, (a)->sport_hi, !!((a)->flags & QFP_ACE_SPORT_NEG)) &&       \
       port_ok((p)->dport, (a)->dport_lo, (a)->dport_hi, !!((a)->flags & QFP_ACE_DPORT_NEG)) &&       \
       (!((a)->flags & QFP_ACE_ESTABLISHED) || ack_or_rst(p)))))

/* The extra conditions' L3 part (QFP_ACE_EXTRA): TTL and ToS, which every packet has. */
static inline int ace_extra_l3_match(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    uint32_t tos = ((uint32_t)(p->dscp & 63u) << 2 | (p->ecn & 3u)) >> 1 & 0xfu;
    int ttl_in = (p->ttl >= a->ttl_lo) & (p->ttl <= a->ttl_hi);
    return (ttl_in ^ !!(a->xflags & QFP_ACE_X_TTL_NEG)) && (tos & a->tos_mask) == a->tos_val;
}

/* The TCP flags condition (an L4 one: a non-initial fragment has no TCP header): match-all wants
 * every masked flag as tcp_val says, match-any one of them. tcp_mask 0 always holds. */
static inline int ace_tcp_flags_match(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    uint32_t same = ~(uint32_t)(p->tcp_flags ^ a->tcp_val) & a->tcp_mask;
    return (a->xflags & QFP_ACE_X_TCP_ANY) ? same != 0 : same == a->tcp_mask;
}

/* Do ACE a's extra conditions hold for packet p, which is not a non-initial fragment? (Always,
 * for an ACE without them.) The lookups call this on the candidate their index found. */
static inline int ace_extra_match(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    return !(a->flags & QFP_ACE_EXTRA) || (ace_extra_l3_match(a, p) && ace_tcp_flags_match(a, p));
}

/* Does ACE a match packet p, which is not a non-initial fragment? */
static inline int ace_match(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    return ace_l3_match(a, p) && ACE_REST_MATCH(a, p) && ace_extra_match(a, p);
}

/* A non-initial fragment has no L4 header: IOS lets a permit with L4 conditions match on its L3
 * part alone, skips a deny with L4 conditions, and `fragments` ACEs match only these. TTL and ToS
 * are L3: they hold or not as on any packet. */
static inline int ace_match_noninitial(const struct qfp_ace *a, const struct qfp_pkt *p)
{
    if (!ace_l3_match(a, p) || ((a->flags & QFP_ACE_EXTRA) && !ace_extra_l3_match(a, p)))
        return 0;
    return (a->flags & (QFP_ACE_L4 | QFP_ACE_PERMIT)) != QFP_ACE_L4;
}

/* The scan's columns (qfp_impl.h, "scan table") are what the scan and a tree's leaf blocks test:
 * the packet against a vector of ACEs at a time where the CPU has one. Ports are below 2^16, so
 * the signed compares are exact. */
static inline uint32_t scan_misc(const struct qfp_pkt *p)
{
    /* family ^ 4 is 0 for IPv4 and not for any other (qfp_batch_check keeps it below 8) */
    return p->proto | (uint32_t)(p->dscp & 63u) << 8 | ack_or_rst(p) << 16 |
           ((uint32_t)(p->family ^ QFP_FAMILY_IPV4) << 17 & QFP_SCAN_NOT_IPV4);
}

#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
/* Of eight ACEs in the scan's columns (a scan block's half, or a tree leaf's block: col[k * stride]
 * is lane 0 of column k), those that hold for the packet, as 8 bits. */
static inline __attribute__((always_inline)) uint32_t scan8(const uint32_t *col, uint32_t stride,
                                                            __m256i src, __m256i dst, __m256i misc,
                                                            __m256i sport, __m256i dport)
{
#define COL(k) _mm256_load_si256((const __m256i *)&col[(k) * stride])
    __m256i m = _mm256_cmpeq_epi32(_mm256_and_si256(src, COL(QFP_SCAN_SRC_MASK)), COL(QFP_SCAN_SRC_VAL));
    m = _mm256_and_si256(m, _mm256_cmpeq_epi32(_mm256_and_si256(dst, COL(QFP_SCAN_DST_MASK)),
                                               COL(QFP_SCAN_DST_VAL)));
    m = _mm256_and_si256(m, _mm256_cmpeq_epi32(_mm256_and_si256(misc, COL(QFP_SCAN_MISC_MASK)),
                                               COL(QFP_SCAN_MISC_VAL)));
    __m256i out = _mm256_or_si256(_mm256_cmpgt_epi32(COL(QFP_SCAN_SPORT_LO), sport),
                                  _mm256_cmpgt_epi32(sport, COL(QFP_SCAN_SPORT_HI)));
    m = _mm256_and_si256(m, _mm256_xor_si256(out, COL(QFP_SCAN_SPORT_KEEP)));
    out = _mm256_or_si256(_mm256_cmpgt_epi32(COL(QFP_SCAN_DPORT_LO), dport),
                          _mm256_cmpgt_epi32(dport, COL(QFP_SCAN_DPORT_HI)));
    m = _mm256_and_si256(m, _mm256_xor_si256(out, COL(QFP_SCAN_DPORT_KEEP)));
#undef COL
    return (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(m));
}
#endif

/* A tree's leaves against the packet, for its walk (qfp_acl_tree_walk, qfp_impl.h): in the vector
 * ISAs an IPv4 leaf's blocks, eight ACEs a step (qfp_impl.h, "leaf block"); else an ACE at a time. */
struct leaf_ctx {
    const struct qfp_acl *acl;
    const struct qfp_pkt *p;
#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
    __m256i src, dst, misc, sport, dport;   /* the packet's scan words in every lane */
#endif
};

static inline __attribute__((always_inline)) int leaf_ace_match(const void *ctx, uint32_t ace)
{
    const struct leaf_ctx *c = ctx;
    return ace_match(&c->acl->aces[ace], c->p);
}

static inline __attribute__((always_inline)) uint32_t leaf_each(const void *ctx, const uint32_t *leaf,
                                                                uint32_t best, uint32_t *cost)
{
    return qfp_acl_leaf_each(leaf, best, leaf_ace_match, ctx, cost);
}

#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
/* The leaf blocks' context for packet p, whose scan misc word is `misc`. */
static inline __attribute__((always_inline)) struct leaf_ctx leaf_ctx_lanes(const struct qfp_acl *acl,
                                                                            const struct qfp_pkt *p, uint32_t misc)
{
    return (struct leaf_ctx){acl, p, _mm256_set1_epi32((int)p->src), _mm256_set1_epi32((int)p->dst),
                             _mm256_set1_epi32((int)misc), _mm256_set1_epi32(p->sport),
                             _mm256_set1_epi32(p->dport)};
}

/* A leaf's lanes in ACL order: the first block with a lane that holds has its first match. An IPv6
 * leaf's blocks (words: the packet's address words 1-3 and flow label in every lane; NULL for
 * IPv4, and the test of them compiles away) also hold those words' (mask, value) pairs. */
static inline __attribute__((always_inline)) uint32_t leaf_blocks_match(const struct leaf_ctx *c,
                                                                        const __m256i *words,
                                                                        const uint32_t *leaf, uint32_t best)
{
    const uint32_t block_words = (words ? QFP_SCAN6_COLUMNS : QFP_SCAN_COLUMNS) * QFP_ACL_LEAF_LANES;
    for (uint32_t i = 0; i < leaf[0]; i += QFP_ACL_LEAF_LANES) {
        const uint32_t *b = &c->acl->index->blocks[(size_t)(leaf[1] + i / QFP_ACL_LEAF_LANES) * block_words];
        uint32_t bits = scan8(b, QFP_ACL_LEAF_LANES, c->src, c->dst, c->misc, c->sport, c->dport);
        if (words) {
            __m256i m = _mm256_set1_epi32(-1);
            for (uint32_t w = 0; w < QFP_SCAN6_WORD_PAIRS; w++) {
                const uint32_t *pair = &b[(QFP_SCAN_COLUMNS + 2 * w) * QFP_ACL_LEAF_LANES];
                m = _mm256_and_si256(m, _mm256_cmpeq_epi32(
                                            _mm256_and_si256(words[w], _mm256_load_si256((const __m256i *)pair)),
                                            _mm256_load_si256((const __m256i *)&pair[QFP_ACL_LEAF_LANES])));
            }
            bits &= (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(m));
        }
        if (bits) {
            uint32_t ace = leaf[QFP_ACL_LEAF_ACES + i + (uint32_t)__builtin_ctz(bits)];
            return ace < best ? ace : best;
        }
    }
    return best;
}

static inline __attribute__((always_inline)) uint32_t leaf_blocks_first(const void *ctx, const uint32_t *leaf,
                                                                        uint32_t best, uint32_t *cost)
{
    (void)cost;
    return leaf_blocks_match(ctx, NULL, leaf, best);
}
#endif

/* The tree's answer (qfp_acl_tree_walk: every branch the packet reaches, the wild ones too). */
static inline uint32_t acl_index_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    if (p->family != QFP_FAMILY_IPV4)   /* the scan and bit vectors see it in their misc word */
        return acl->naces;
    const uint32_t key[QFP_ACL_FIELDS] = {p->src, p->dst, p->sport, p->dport, p->proto, p->dscp};
#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
    if (acl->index->blocks) {
        const struct leaf_ctx ctx = leaf_ctx_lanes(acl, p, scan_misc(p));
        return qfp_acl_tree_walk(acl->index, key, acl->naces, leaf_blocks_first, &ctx, NULL);
    }
#endif
    const struct leaf_ctx ctx = {.acl = acl, .p = p};
    return qfp_acl_tree_walk(acl->index, key, acl->naces, leaf_each, &ctx, NULL);
}

/* A port's elementary interval on port field `which`, through the two-level map. */
static inline uint32_t port_interval(const struct qfp_acl_bitvec *bv, int which, uint16_t port)
{
    return bv->port_map[which][(uint32_t)bv->port_block[which][port >> 8] << 8 | (port & 0xffu)];
}

/* The twelve vectors (qfp_acl_bitvec.c) the packet's key selects, each from its summary on. Always
 * inlined: called out of line, the vectors went through memory and lookups took 10% longer. */
static inline __attribute__((always_inline)) void bitvec_rows(const struct qfp_acl_bitvec *bv,
                                                              const struct qfp_pkt *p,
                                                              const uint64_t *v[12])
{
    const uint32_t stride = bv->stride;
    const uint64_t *t = bv->byte_vec;
    /* bit 7: not IPv4, a row with no ACE in it (an IPv4 ACL matches no IPv6 packet) */
    const uint32_t misc = (p->dscp & 63u) | ack_or_rst(p) << 6 | (uint32_t)(p->family != QFP_FAMILY_IPV4) << 7;
#define ROW(table, index) (t + (size_t)bv->row_of[table][index] * stride)
    v[0] = ROW(QFP_BV_SRC0 + 0, p->src >> 24);
    v[1] = ROW(QFP_BV_SRC0 + 1, p->src >> 16 & 0xff);
    v[2] = ROW(QFP_BV_SRC0 + 2, p->src >> 8 & 0xff);
    v[3] = ROW(QFP_BV_SRC0 + 3, p->src & 0xff);
    v[4] = ROW(QFP_BV_DST0 + 0, p->dst >> 24);
    v[5] = ROW(QFP_BV_DST0 + 1, p->dst >> 16 & 0xff);
    v[6] = ROW(QFP_BV_DST0 + 2, p->dst >> 8 & 0xff);
    v[7] = ROW(QFP_BV_DST0 + 3, p->dst & 0xff);
    v[8] = ROW(QFP_BV_PROTO, p->proto);
    v[9] = ROW(QFP_BV_MISC, misc);
#undef ROW
    v[10] = bv->port_vec[0] + (size_t)port_interval(bv, 0, p->sport) * stride;
    v[11] = bv->port_vec[1] + (size_t)port_interval(bv, 1, p->dport) * stride;
}

#define AND12(v, i) (v[0][i] & v[1][i] & v[2][i] & v[3][i] & v[4][i] & v[5][i] & v[6][i] & v[7][i] & \
                     v[8][i] & v[9][i] & v[10][i] & v[11][i])

#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
/* Four words of each of the twelve vectors in one 256-bit AND: the first bit left, or UINT32_MAX. */
static inline __attribute__((always_inline)) uint32_t bitvec_first4(const uint64_t *v[12])
{
    /* Written out as a balanced tree, not a loop over k: indexed in a loop, the twelve row
     * pointers were kept on the stack, and every bit-vector lookup paid for it. */
#define ROW(k) _mm256_load_si256((const __m256i *)v[k])
    __m256i m = _mm256_and_si256(
        _mm256_and_si256(_mm256_and_si256(_mm256_and_si256(ROW(0), ROW(1)), _mm256_and_si256(ROW(2), ROW(3))),
                         _mm256_and_si256(_mm256_and_si256(ROW(4), ROW(5)), _mm256_and_si256(ROW(6), ROW(7)))),
        _mm256_and_si256(_mm256_and_si256(ROW(8), ROW(9)), _mm256_and_si256(ROW(10), ROW(11))));
#undef ROW
    __m256i is_zero = _mm256_cmpeq_epi64(m, _mm256_setzero_si256());
    uint32_t zero = (uint32_t)_mm256_movemask_pd(_mm256_castsi256_pd(is_zero));
    if (zero == 0xf)
        return UINT32_MAX;
    /* Word w to the bottom without a trip through memory (a store and a narrower reload of it
     * was measured to cost 3 ns a packet). */
    uint32_t w = (uint32_t)__builtin_ctz(~zero);
    __m256i at = _mm256_add_epi32(_mm256_set1_epi32((int)(2 * w)), _mm256_setr_epi32(0, 1, 0, 0, 0, 0, 0, 0));
    uint64_t word = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(_mm256_permutevar8x32_epi32(m, at)));
    return w * 64 + (uint32_t)__builtin_ctzll(word);
}
#endif

/* AND the packet's twelve vectors a word at a time, in order, or for long ones their summaries
 * first and then only the words the summaries leave; the first bit left is the first match. */
static inline uint32_t acl_bitvec_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    const struct qfp_acl_bitvec *bv = acl->bitvec;
    const uint32_t nsum = bv->summary_words;
    const uint64_t *v[12];
    bitvec_rows(bv, p, v);
    if (!nsum) {
        /* Up to 256 ACEs (all the bit vectors QFP_ACL_AUTO builds) there is no summary: it would
         * cost about what it lets a lookup skip (measured: 20-30% slower). With AVX2, the four
         * words of a row are one load and a lookup has no branch before its answer, wherever the
         * match lies: 10.5-11.6 ns/pkt on both the bench's traffic (matches mostly in words 2-3)
         * and traffic that matches in word 0. Trying word 0 alone first made the second 2 ns
         * faster and the first 2 ns slower. Without AVX2, the words are read in order. */
#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
        if (bv->stride == 4) {
            uint32_t hit = bitvec_first4(v);
            return hit < acl->naces ? hit : acl->naces;
        }
#endif
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

#if QFP_PATH_SIMD == QFP_ISA_AVX512
static inline __attribute__((always_inline)) uint32_t acl_scan_lookup(const struct qfp_acl *acl,
                                                                      const struct qfp_pkt *p)
{
    const __m512i src = _mm512_set1_epi32((int)p->src), dst = _mm512_set1_epi32((int)p->dst);
    const __m512i misc = _mm512_set1_epi32((int)scan_misc(p));
    const __m512i sport = _mm512_set1_epi32(p->sport), dport = _mm512_set1_epi32(p->dport);
    const struct qfp_scan_block *b = acl->scan;
    for (uint32_t i = 0; i < acl->naces; i += QFP_SCAN_LANES, b++) {
#define COL(k) _mm512_load_si512((const void *)b->col[k])
#define HOLDS(m, key, mask, val) _mm512_mask_cmpeq_epi32_mask(m, _mm512_and_si512(key, COL(mask)), COL(val))
        __mmask16 m = HOLDS(0xffff, src, QFP_SCAN_SRC_MASK, QFP_SCAN_SRC_VAL);
        m = HOLDS(m, dst, QFP_SCAN_DST_MASK, QFP_SCAN_DST_VAL);
        m = HOLDS(m, misc, QFP_SCAN_MISC_MASK, QFP_SCAN_MISC_VAL);
#undef HOLDS
        __mmask16 out = _mm512_cmplt_epi32_mask(sport, COL(QFP_SCAN_SPORT_LO)) |
                        _mm512_cmpgt_epi32_mask(sport, COL(QFP_SCAN_SPORT_HI));
        m &= out ^ _mm512_movepi32_mask(COL(QFP_SCAN_SPORT_KEEP));
        out = _mm512_cmplt_epi32_mask(dport, COL(QFP_SCAN_DPORT_LO)) |
              _mm512_cmpgt_epi32_mask(dport, COL(QFP_SCAN_DPORT_HI));
        m &= out ^ _mm512_movepi32_mask(COL(QFP_SCAN_DPORT_KEEP));
#undef COL
        if (m)
            return i + (uint32_t)__builtin_ctz(m);
    }
    return acl->naces;
}
#elif QFP_PATH_SIMD == QFP_ISA_AVX2
/* Sixteen ACEs a round, as two independent halves: one branch per 16 ACEs, not per 8 (measured:
 * the second branch, mispredicted whenever the match moved between halves, cost a third). */
static inline __attribute__((always_inline)) uint32_t acl_scan_lookup(const struct qfp_acl *acl,
                                                                      const struct qfp_pkt *p)
{
    const __m256i src = _mm256_set1_epi32((int)p->src), dst = _mm256_set1_epi32((int)p->dst);
    const __m256i misc = _mm256_set1_epi32((int)scan_misc(p));
    const __m256i sport = _mm256_set1_epi32(p->sport), dport = _mm256_set1_epi32(p->dport);
    const struct qfp_scan_block *b = acl->scan;
    for (uint32_t i = 0; i < acl->naces; i += QFP_SCAN_LANES, b++) {
        uint32_t bits = scan8(&b->col[0][0], QFP_SCAN_LANES, src, dst, misc, sport, dport) |
                        scan8(&b->col[0][8], QFP_SCAN_LANES, src, dst, misc, sport, dport) << 8;
        if (bits)
            return i + (uint32_t)__builtin_ctz(bits);
    }
    return acl->naces;
}
#else
#define SCAN_COL(k, i) (&acl->scan[(i) >> QFP_SCAN_LANES_LOG2].col[k][(i) & (QFP_SCAN_LANES - 1)])
/* One ACE at a time: the addresses, protocol and DSCP without a branch, then, for the few ACEs
 * those leave, the ports (measured: testing everything without a branch cost a third more). */
static inline __attribute__((always_inline)) uint32_t acl_scan_lookup(const struct qfp_acl *acl,
                                                                      const struct qfp_pkt *p)
{
    const uint32_t misc = scan_misc(p);
    for (uint32_t i = 0; i < acl->naces; i++) {
        uint32_t miss = ((p->src & *SCAN_COL(QFP_SCAN_SRC_MASK, i)) ^ *SCAN_COL(QFP_SCAN_SRC_VAL, i)) |
                        ((p->dst & *SCAN_COL(QFP_SCAN_DST_MASK, i)) ^ *SCAN_COL(QFP_SCAN_DST_VAL, i)) |
                        ((misc & *SCAN_COL(QFP_SCAN_MISC_MASK, i)) ^ *SCAN_COL(QFP_SCAN_MISC_VAL, i));
        if (miss)
            continue;
        uint32_t sout = 0u - (uint32_t)((p->sport < *SCAN_COL(QFP_SCAN_SPORT_LO, i)) |
                                        (p->sport > *SCAN_COL(QFP_SCAN_SPORT_HI, i)));
        uint32_t dout = 0u - (uint32_t)((p->dport < *SCAN_COL(QFP_SCAN_DPORT_LO, i)) |
                                        (p->dport > *SCAN_COL(QFP_SCAN_DPORT_HI, i)));
        if (!(~(sout ^ *SCAN_COL(QFP_SCAN_SPORT_KEEP, i)) | ~(dout ^ *SCAN_COL(QFP_SCAN_DPORT_KEEP, i))))
            return i;
    }
    return acl->naces;
}
#endif
#undef SCAN_COL

/* The bit vectors' candidates in ACL order, each until one's extra conditions hold (an ACL with
 * QFP_ACE_EXTRA ACEs): a candidate that fails leaves its bit, and the next one is tried. */
static inline uint32_t acl_bitvec_lookup_extra(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    const struct qfp_acl_bitvec *bv = acl->bitvec;
    const uint32_t nsum = bv->summary_words;
    const uint64_t *v[12];
    bitvec_rows(bv, p, v);
    for (uint32_t w = 0; w < bv->words; w++) {
        if (nsum && !(AND12(v, w >> 6) >> (w & 63) & 1))
            continue;
        for (uint64_t m = AND12(v, nsum + w); m; m &= m - 1) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(m);
            if (ace_extra_match(&acl->aces[i], p))
                return i;
        }
    }
    return acl->naces;
}

/* acl_lookup for an ACL with extra conditions, out of line so that the lookups of the others,
 * which never come here, keep their code as it was. The scan's candidate, when its extras fail,
 * is followed by the ACEs after it one at a time (a scan's ACL is short); the tree's leaves check
 * whole ACEs (ace_match), so it finds no candidate that fails. */
static __attribute__((noinline)) uint32_t acl_lookup_extra(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    if (acl->bitvec) {
        uint32_t hit = acl_bitvec_lookup_extra(acl, p);
        if (hit < acl->naces || !acl->index)
            return hit;
    }
    if (acl->index)
        return acl_index_lookup(acl, p);
    uint32_t hit = acl_scan_lookup(acl, p);
    if (hit >= acl->naces || ace_extra_match(&acl->aces[hit], p))
        return hit;
    for (uint32_t i = hit + 1; i < acl->naces; i++)
        if (ace_match(&acl->aces[i], p))
            return i;
    return acl->naces;
}

/* Index of the first ACE matching the packet, or acl->naces for none (the implicit deny). Always
 * inlined: grown by the IPv6 checks, GCC called it out of line, and a 10-ACE scan in
 * qfp_acl_classify went from 4.2 to 6.2 ns/pkt. */
static inline __attribute__((always_inline)) uint32_t acl_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    if (__builtin_expect(acl->extra, 0) && p->frag != QFP_FRAG_NONINITIAL)
        return acl_lookup_extra(acl, p);
    if (p->frag == QFP_FRAG_NONINITIAL) {
        if (p->family != QFP_FAMILY_IPV4)
            return acl->naces;
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
    return acl_scan_lookup(acl, p);
}

/* ---- IPv6 ACLs (docs/fastpath.md, "IPv6") ------------------------------------------------------------
 * Scanned in order. An ACE's L3 test is one OR of mask-and-compares over every word it looks at,
 * without a branch; the fragment and L4 rules are IPv4's (ace_match, ace_match_noninitial). */
static inline int ace6_l3_match(const struct qfp_ace6 *a, const struct qfp_pkt *p)
{
    uint32_t miss = ((p->src & a->src_mask[0]) ^ a->src_val[0]) | ((p->dst & a->dst_mask[0]) ^ a->dst_val[0]);
    for (int w = 1; w < 4; w++)
        miss |= ((p->src_low[w - 1] & a->src_mask[w]) ^ a->src_val[w]) |
                ((p->dst_low[w - 1] & a->dst_mask[w]) ^ a->dst_val[w]);
    miss |= ((p->flow_label & a->flow_mask) ^ a->flow_val) |
            ((uint32_t)(p->proto & a->proto_mask) ^ a->proto_val) |
            ((uint32_t)(p->dscp & a->dscp_mask) ^ a->dscp_val) |
            ((uint32_t)(p->ext & a->ext) ^ a->ext);   /* every header the ACE names */
    return !miss;
}

static inline int ace6_match(const struct qfp_ace6 *a, const struct qfp_pkt *p)
{
    if (!ace6_l3_match(a, p))
        return 0;
    if (p->frag == QFP_FRAG_NONINITIAL)   /* IPv4's rule (ace_match_noninitial) */
        return (a->flags & (QFP_ACE_L4 | QFP_ACE_PERMIT)) != QFP_ACE_L4;
    return ACE_REST_MATCH(a, p);
}

/* The packet's four projections (qfp_impl.h, QFP_ACL6_PROJECTIONS), as the bit vectors' keys. */
static inline void acl6_keys(const struct qfp_pkt *p, struct qfp_pkt key[QFP_ACL6_PROJECTIONS])
{
    /* IPv4-shaped: the projections are IPv4 ACLs, whose vectors hold nothing for other families. */
    const uint8_t v4 = QFP_FAMILY_IPV4;
    key[0] = (struct qfp_pkt){.src = p->src, .dst = p->dst, .proto = p->proto, .dscp = p->dscp,
                              .tcp_flags = p->tcp_flags, .sport = p->sport, .dport = p->dport, .family = v4};
    key[1] = (struct qfp_pkt){.src = p->src_low[0], .dst = p->dst_low[0], .family = v4};
    key[2] = (struct qfp_pkt){.src = p->src_low[1], .dst = p->dst_low[1], .family = v4};
    key[3] = (struct qfp_pkt){.src = p->src_low[2], .dst = p->dst_low[2], .proto = p->ext,
                              .sport = (uint16_t)(p->flow_label >> 4), .dport = (uint16_t)(p->flow_label & 0xf),
                              .family = v4};
}

/* The first ACE whose four projections all match: the AND of 48 rows, a word at a time, or for
 * long ACLs their summaries first (as acl_bitvec_lookup). Not for non-initial fragments. */
static inline uint32_t acl6_bitvec_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    struct qfp_pkt key[QFP_ACL6_PROJECTIONS];
    acl6_keys(p, key);
    const uint64_t *v[QFP_ACL6_PROJECTIONS][12];
    for (int k = 0; k < QFP_ACL6_PROJECTIONS; k++)
        bitvec_rows(acl->bitvec6[k], &key[k], v[k]);
    const struct qfp_acl_bitvec *bv = acl->bitvec6[0];   /* all four have its shape */
    const uint32_t nsum = bv->summary_words;
#define AND48(i) (AND12(v[0], i) & AND12(v[1], i) & AND12(v[2], i) & AND12(v[3], i))
    if (!nsum) {
        for (uint32_t w = 0; w < bv->words; w++) {
            uint64_t m = AND48(w);
            if (m)
                return w * 64 + (uint32_t)__builtin_ctzll(m);
        }
        return acl->naces;
    }
    for (uint32_t s = 0; s < nsum; s++) {
        for (uint64_t live = AND48(s); live; live &= live - 1) {
            uint32_t w = s * 64 + (uint32_t)__builtin_ctzll(live);
            uint64_t m = AND48(nsum + w);
            if (m)
                return w * 64 + (uint32_t)__builtin_ctzll(m);
        }
    }
#undef AND48
    return acl->naces;
}

static inline __attribute__((always_inline)) int leaf_ace6_match(const void *ctx, uint32_t ace)
{
    const struct leaf_ctx *c = ctx;
    return ace6_match(&c->acl->aces6[ace], c->p);
}

static inline __attribute__((always_inline)) uint32_t leaf6_each(const void *ctx, const uint32_t *leaf,
                                                                 uint32_t best, uint32_t *cost)
{
    return qfp_acl_leaf_each(leaf, best, leaf_ace6_match, ctx, cost);
}

#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
/* An IPv6 leaf's blocks (qfp_impl.h, "leaf block"): IPv4's context, and the packet's other words. */
struct leaf6_ctx {
    struct leaf_ctx v4;
    __m256i word[QFP_SCAN6_WORD_PAIRS];
};

static inline __attribute__((always_inline)) uint32_t leaf6_blocks_first(const void *ctx, const uint32_t *leaf,
                                                                         uint32_t best, uint32_t *cost)
{
    (void)cost;
    const struct leaf6_ctx *c = ctx;
    return leaf_blocks_match(&c->v4, c->word, leaf, best);
}
#endif

/* An IPv6 ACL's tree: IPv4's walk over a key of QFP_ACL6_FIELDS (qfp_impl.h). Not for non-initial
 * fragments. */
static inline uint32_t acl6_index_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    const uint32_t key[QFP_ACL6_FIELDS] = {p->src, p->dst, p->sport, p->dport, p->proto, p->dscp,
                                           p->src_low[0], p->src_low[1], p->src_low[2],
                                           p->dst_low[0], p->dst_low[1], p->dst_low[2]};
#if QFP_PATH_SIMD != QFP_ISA_PORTABLE
    if (acl->index->blocks) {
        const struct leaf6_ctx ctx = {
            leaf_ctx_lanes(acl, p, scan_misc(p) | (uint32_t)(p->ext & 0xfu) << QFP_SCAN6_EXT_SHIFT),
            {_mm256_set1_epi32((int)p->src_low[0]), _mm256_set1_epi32((int)p->src_low[1]),
             _mm256_set1_epi32((int)p->src_low[2]), _mm256_set1_epi32((int)p->dst_low[0]),
             _mm256_set1_epi32((int)p->dst_low[1]), _mm256_set1_epi32((int)p->dst_low[2]),
             _mm256_set1_epi32((int)p->flow_label)}};
        return qfp_acl_tree_walk(acl->index, key, acl->naces, leaf6_blocks_first, &ctx, NULL);
    }
#endif
    const struct leaf_ctx ctx = {.acl = acl, .p = p};
    return qfp_acl_tree_walk(acl->index, key, acl->naces, leaf6_each, &ctx, NULL);
}

/* The first ACE the IPv6 packet matches; past the ACEs, IOS's implicit entries by their counter's
 * index: naces + 1 for `permit icmp any any nd-na`, naces + 2 for nd-ns, naces for the deny. ND is
 * never fragmented (RFC 6980), so a non-initial fragment meets only the deny. */
static inline uint32_t acl6_lookup(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    uint32_t hit = acl->naces;
    if (acl->index && p->frag != QFP_FRAG_NONINITIAL) {
        hit = acl6_index_lookup(acl, p);
    } else if (acl->bitvec6[0] && p->frag != QFP_FRAG_NONINITIAL) {
        hit = acl6_bitvec_lookup(acl, p);
    } else {
        for (uint32_t i = 0; i < acl->naces; i++)
            if (ace6_match(&acl->aces6[i], p))
                return i;
    }
    if (hit < acl->naces)
        return hit;
    if (p->proto == QFP_PROTO_ICMPV6 && p->frag != QFP_FRAG_NONINITIAL) {
        if (p->sport == QFP_ICMP6_ND_NA)
            return acl->naces + QFP_ACL6_IMPLICIT_ND_NA;
        if (p->sport == QFP_ICMP6_ND_NS)
            return acl->naces + QFP_ACL6_IMPLICIT_ND_NS;
    }
    return acl->naces;
}

/* acl6_lookup out of line, for the packet path: inlined there too, it made the IPv4 path's code
 * larger and measurably slower. */
static __attribute__((noinline)) uint32_t acl6_lookup_call(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    return acl6_lookup(acl, p);
}

/* Either family's ACL against either family's packet: an ACL never matches the other family's
 * (an IPv4 ACL's methods see to it themselves). */
static inline uint32_t acl_lookup_any(const struct qfp_acl *acl, const struct qfp_pkt *p)
{
    if (acl->family == QFP_FAMILY_IPV4)
        return acl_lookup(acl, p);
    return p->family == QFP_FAMILY_IPV6 ? acl6_lookup_call(acl, p) : acl->naces;
}

/* Does the entry a lookup found permit? Past the ACEs: the implicit deny at naces, an IPv6 ACL's
 * ND permits after it. */
static inline int acl_hit_permits(const struct qfp_acl *acl, uint32_t hit)
{
    if (hit >= acl->naces)
        return hit > acl->naces;
    uint8_t flags = acl->family == QFP_FAMILY_IPV6 ? acl->aces6[hit].flags : acl->aces[hit].flags;
    return flags & QFP_ACE_PERMIT;
}

/* ---- classification ------------------------------------------------------------------------------ */
/* Every ACE of the term bits (at most 64) the packet matches: the first word of their AND, less
 * the candidates whose extra conditions fail (tb->extra: the ACEs that have them). */
static inline uint64_t term_bits_matches(const struct qfp_term_bits *tb, const struct qfp_pkt *p)
{
    const uint64_t *v[12];
    bitvec_rows(tb->bv, p, v);
    uint64_t matches = AND12(v, tb->bv->summary_words);
    for (uint64_t x = matches & tb->extra; x; x &= x - 1) {
        uint32_t i = (uint32_t)__builtin_ctzll(x);
        if (!ace_extra_match(&tb->aces[i], p))
            matches &= ~(1ull << i);
    }
    return matches;
}
#undef AND12

/* Term bits' answer for access-group term t, given every ACE the packet matches: the term's ACL
 * is a run of the bits, and its lowest set bit is its first match; a permit is a match. */
static inline int term_bits_permit(const struct qfp_term_bits *tb, uint64_t matches, uint32_t t)
{
    uint64_t run = matches & tb->run[t];
    return (run & (~run + 1) & tb->permit) != 0;
}

/* A packet's access-group answers at one level of a policy, computed on the first term that asks,
 * from the policy's term bits as its batch sees them (NULL: each term looks its ACL up). */
struct term_memo {
    uint64_t matches;
    int known;
    const struct qfp_term_bits *tb;
    uint64_t epoch;                 /* the batch's: which ACLs and bits it sees */
};

static int cmap_match(const struct qfp *fp, const struct qfp_policy *pol, uint32_t cmap,
                      const struct qfp_pkt *p, struct term_memo *memo);

/* Does match term t hold for the packet (before its `match not`)? */
static int term_match(const struct qfp *fp, const struct qfp_policy *pol, const struct qfp_term *t,
                      const struct qfp_pkt *p, struct term_memo *memo)
{
    switch (t->kind) {
    case QFP_TERM_ANY:
        return 1;
    case QFP_TERM_DSCP:
        return (int)(t->dscp_bits >> (p->dscp & 63) & 1);
    case QFP_TERM_ACL: {
        const struct qfp_term_bits *tb = memo->tb;
        if (tb && p->frag != QFP_FRAG_NONINITIAL) {
            if (!memo->known) {
                memo->matches = term_bits_matches(tb, p);
                memo->known = 1;
            }
            return term_bits_permit(tb, memo->matches, (uint32_t)(t - pol->terms));
        }
        const struct qfp_acl *acl = qfp_acl_at(fp, t->ref, memo->epoch);
        return acl_hit_permits(acl, acl_lookup_any(acl, p));
    }
    default: /* QFP_TERM_CLASSMAP */
        return cmap_match(fp, pol, t->ref, p, memo);
    }
}

/* Recursion depth is bounded by QFP_CMAP_DEPTH_MAX, which qfp_policy_create enforces. */
static int cmap_match(const struct qfp *fp, const struct qfp_policy *pol, uint32_t cmap,
                      const struct qfp_pkt *p, struct term_memo *memo)
{
    const struct qfp_cmap *cm = &pol->cmaps[cmap];
    const struct qfp_term *t = &pol->terms[cm->first_term];
    for (uint32_t i = 0; i < cm->nterms; i++, t++) {
        int m = term_match(fp, pol, t, p, memo) ^ t->negate;
        if (m != cm->match_all)
            return m;   /* a miss decides match-all, a hit decides match-any */
    }
    return cm->nterms && cm->match_all;
}

/* The class logic (qfp_impl.h): every term's answer in one word, then each class-map from it. */
static inline uint32_t classify_by_logic(const struct qfp_policy *pol, const struct qfp_class_logic *lg,
                                         const struct qfp_term_bits *tb, const struct qfp_pkt *p)
{
    uint64_t held = lg->at_dscp[p->dscp & 63];
    if (lg->acl_terms) {
        uint64_t matches = term_bits_matches(tb, p);
        for (uint64_t a = lg->acl_terms; a; a &= a - 1) {
            uint32_t t = (uint32_t)__builtin_ctzll(a);
            held |= (uint64_t)term_bits_permit(tb, matches, t) << t;
        }
    }
    uint64_t cmaps = 0;
    for (uint32_t i = 0; i < lg->ncmaps; i++) {
        const struct qfp_cmap_logic *c = &lg->cmap[i];
        uint64_t yes = (held ^ lg->negate) & c->terms;
        /* match-all: every term, and at least one (an empty class-map matches nothing) */
        if (c->match_all ? c->terms && yes == c->terms : yes != 0) {
            held |= c->feeds;
            cmaps |= 1ull << c->cmap;
        }
    }
    uint32_t last = pol->nclasses - 1;   /* class-default */
    for (uint32_t i = 0; i < last; i++)
        if (cmaps >> pol->classes[i].cfg.cmap & 1)
            return i;
    return last;
}

static inline uint32_t classify(const struct qfp *fp, const struct qfp_policy *pol,
                                const struct qfp_pkt *p, uint64_t epoch)
{
    const struct qfp_class_logic *lg = pol->logic;
    const struct qfp_term_bits *tb = lg && !lg->acl_terms ? NULL : qfp_term_bits_at(pol, epoch);
    /* Access-group terms need the term bits, which non-initial fragments cannot use. (IPv6 packets
     * can: the bits are IPv4 ACLs', whose misc row for a packet not IPv4's is empty.) */
    if (lg && (!lg->acl_terms || (tb && p->frag != QFP_FRAG_NONINITIAL)))
        return classify_by_logic(pol, lg, tb, p);
    struct term_memo memo = {0, 0, tb, epoch};
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
    struct qfp_cstate *states;  /* the target's, which `queue` indexes */
    int32_t queue;           /* the state of the packet's queue, -1 while it has none */
    struct qfp_trace_rec *rec;  /* a traced packet's record, else NULL */
    uint64_t epoch;          /* the batch's: which ACLs and term bits it sees */
};

/* ---- a traced packet's why (qfp.h, "packet trace"): run for traced packets only --------------------- */
/* The first `match` of class c's class-map that holds for the packet, or QFP_TRACE_NO_TERM. */
static uint16_t trace_term(const struct qfp *fp, const struct qfp_policy *pol, const struct qfp_pclass *c,
                           const struct qfp_pkt *p, uint64_t epoch)
{
    if (c->cfg.cmap == QFP_CMAP_DEFAULT)
        return QFP_TRACE_NO_TERM;
    const struct qfp_cmap *cm = &pol->cmaps[c->cfg.cmap];
    struct term_memo memo = {0, 0, qfp_term_bits_at(pol, epoch), epoch};
    const struct qfp_term *t = &pol->terms[cm->first_term];
    for (uint32_t i = 0; i < cm->nterms; i++, t++)
        if (term_match(fp, pol, t, p, &memo) ^ t->negate)
            return (uint16_t)i;
    return QFP_TRACE_NO_TERM;
}

static struct qfp_trace_level *trace_level(const struct qfp *fp, const struct qfp_policy *pol,
                                           const struct qfp_pclass *c, uint32_t level, struct walk *w)
{
    if (level >= QFP_POLICY_DEPTH_MAX)
        return NULL;
    struct qfp_trace_level *tl = &w->rec->level[level];
    tl->policy = pol->handle;
    tl->cls = (uint16_t)(c - pol->classes);
    tl->term = trace_term(fp, pol, c, w->p, w->epoch);
    tl->colour = QFP_COLOUR_NONE;
    tl->dscp_in = tl->dscp_out = w->dscp;
    w->rec->nlevels = level + 1;
    return tl;
}

/* Where a queueing level puts the packet (docs/fastpath.md, "The tree"): its class's queue, or
 * class-default's for a class with no queueing action; an inner node leaves it to its child's
 * level, and a level that does not queue to its parent's class. */
static inline void queue_record(const struct qfp_policy *pol, const struct qfp_pclass *c,
                                const struct qfp_cstate *st, const struct qfp_cstate *base, struct walk *w)
{
    if (c->q.role == QFP_QROLE_QUEUE)
        w->queue = (int32_t)(st - w->states);
    else if (c->q.role == QFP_QROLE_SHARED)
        w->queue = (int32_t)(&base[pol->classes[pol->nclasses - 1].state] - w->states);
}

/* Runs one level of the hierarchy; returns QFP_DROP or QFP_FORWARD. Depth <= QFP_POLICY_DEPTH_MAX. */
static int run_policy(const struct qfp *fp, const struct qfp_policy *pol, struct qfp_cstate *base,
                      uint32_t level, struct walk *w)
{
    uint32_t ci = classify(fp, pol, w->p, w->epoch);
    const struct qfp_pclass *c = &pol->classes[ci];
    struct qfp_cstate *st = &base[c->state];
    struct qfp_trace_level *tl = w->rec ? trace_level(fp, pol, c, level, w) : NULL;
    if (level < 2)
        w->cls[level] = (uint16_t)ci;
    st->c.pkts++;
    st->c.bytes += w->p->length;
    if (c->set_dscp >= 0)
        w->dscp = (uint8_t)c->set_dscp;
    if (pol->queues)
        queue_record(pol, c, st, base, w);
    if (c->child && run_policy(fp, c->child, st + 1, level + 1, w) == QFP_DROP)
        goto drop;
    if (c->has_police) {
        uint8_t colour = police(&c->police, st, w->p->ts_ns, w->cost);
        st->c.colour_pkts[colour]++;
        st->c.colour_bytes[colour] += w->p->length;
        if (w->colour == QFP_COLOUR_NONE || colour > w->colour)
            w->colour = colour;
        if (tl) {
            static const uint8_t taken[] = {[QFP_PACT_TRANSMIT] = QFP_PA_TRANSMIT,
                                            [QFP_PACT_DROP] = QFP_PA_DROP, [QFP_PACT_MARK] = QFP_PA_SET_DSCP};
            tl->colour = colour;
            tl->police_action = taken[c->police.act[colour]];
        }
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
    if (tl)
        tl->dscp_out = w->dscp;
    return QFP_FORWARD;
drop:
    st->c.drop_pkts++;
    st->c.drop_bytes += w->p->length;
    if (tl)
        tl->dscp_out = w->dscp;
    return QFP_DROP;
}

/* ---- a batch --------------------------------------------------------------------------------------- */
#ifndef PREFETCH_AHEAD
#define PREFETCH_AHEAD 4
#endif
/* rec: a traced packet's record, else NULL; called with a constant NULL for every other packet, so
 * that their copy of this path has no trace in it. */
static inline __attribute__((always_inline)) void process_one(struct qfp *fp, const struct qfp_pkt *p,
                                                              struct qfp_verdict *v, uint32_t shard,
                                                              uint64_t epoch, struct qfp_trace_rec *rec)
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
    /* The ACL of the packet's family (docs/fastpath.md, "IPv6"). */
    const int v4 = p->family == QFP_FAMILY_IPV4;
    const int32_t slot = v4 ? t->acl_slot : t->acl6_slot;
    if (slot != QFP_ACL_NONE) {
        const struct qfp_acl *acl = qfp_acl_at(fp, (uint32_t)slot, epoch);
        uint32_t hit = v4 ? acl_lookup(acl, p) : acl6_lookup_call(acl, p);
        /* The implicit entries' counters sit from [naces] of the row, in the order of their index. */
        qfp_counter_bump_in(&acl->hits[(size_t)shard * acl->stride + hit], shard);
        v->ace = hit;
        if (hit >= acl->naces) {
            /* The implicit deny, or IPv6's ND permits after it: QFP_ACE_IMPLICIT - k (qfp.h). */
            v->ace = QFP_ACE_IMPLICIT - (hit - acl->naces);
            if (hit == acl->naces) {
                v->action = QFP_DROP;
                v->reason = QFP_REASON_ACL;
                return;
            }
        } else if (!((v4 ? acl->aces[hit].flags : acl->aces6[hit].flags) & QFP_ACE_PERMIT)) {
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
            .queue = -1,
            .rec = rec,
            .epoch = epoch,
        };
        /* The target is const to readers, but its per-class state is theirs to update. */
        struct qfp_cstate *states = ((struct qfp_target *)t)->states;
        w.states = states;
        if (run_policy(fp, t->policy, states, 0, &w) == QFP_DROP) {
            v->action = QFP_DROP;
            v->reason = QFP_REASON_POLICE;
        } else if (w.queue >= 0 && t->sched) {
            /* Policed and marked, the packet reaches its queue, which may yet drop it. */
            uint8_t reason;
            if (rec) {
                rec->queue_state = (uint32_t)w.queue;
                reason = qfp_sched_packet_traced(t->sched, states, (uint32_t)w.queue, p->ts_ns, p->length,
                                                 qfp_trace_mark(fp, rec), &rec->queue_depth);
            } else {
                reason = qfp_sched_packet(t->sched, states, (uint32_t)w.queue, p->ts_ns, p->length);
            }
            if (reason != QFP_REASON_NONE) {
                v->action = QFP_DROP;
                v->reason = reason;
            }
        }
        v->cls = w.cls[0];
        v->child_cls = w.cls[1];
        v->colour = w.colour;
        v->dscp = w.dscp;
    }
}

/* A packet that asks to be traced: the same path, recorded (qfp_trace.c). */
static __attribute__((noinline, cold)) void process_traced(struct qfp *fp, const struct qfp_pkt *p,
                                                           struct qfp_verdict *v, uint32_t shard,
                                                           uint64_t epoch)
{
    struct qfp_trace_rec *rec = qfp_trace_begin(fp, p);
    process_one(fp, p, v, shard, epoch, rec);
    qfp_trace_end(fp, rec, v);
}

/* ---- accounting --------------------------------------------------------------------------------
 * A packet counts in its UIDB's accounting by the verdict it got (docs/fastpath.md): nowhere for
 * NO_UIDB, else seen, and forwarded too when the action is forward; forwarded adds 0 or 1 packet
 * and 0 or length bytes, without a branch on the verdict. Measured with `qfp bench` (16 and 4096
 * sessions, packets of random sessions): about 1 ns a packet at 16 sessions, 1-4 ns at 4096 (a
 * second random line a packet). Neither summing runs of one UIDB in registers (3-20 ns worse:
 * the bench's runs are one packet long) nor prefetching the row with the target paid, and a
 * branch on the verdict measured the same as none. */
static inline void account(struct qfp *fp, const struct qfp_pkt *p, const struct qfp_verdict *v,
                           uint32_t shard)
{
    if (v->reason == QFP_REASON_NO_UIDB)
        return;
    qfp_counter *c = fp->acct[p->uidb].shard[shard].c[p->dir & 1];
    const uint64_t fwd = v->action == QFP_FORWARD;
    qfp_counter_add_in(&c[QFP_ACCT_PKTS], 1, shard);
    qfp_counter_add_in(&c[QFP_ACCT_BYTES], p->length, shard);
    qfp_counter_add_in(&c[QFP_ACCT_FWD_PKTS], fwd, shard);
    qfp_counter_add_in(&c[QFP_ACCT_FWD_BYTES], p->length & (0 - fwd), shard);
}

/* ---- batches ------------------------------------------------------------------------------------- */
void QFP_PATH(process)(struct qfp *fp, const struct qfp_pkt *pkts, struct qfp_verdict *verdicts, size_t n,
                       uint32_t shard, uint64_t epoch)
{
    for (size_t i = 0; i < n; i++) {
        /* A packet's target is a random line among every session's: ask for the one a few
         * packets ahead now, so that it has arrived when that packet gets there. */
        if (i + PREFETCH_AHEAD < n) {
            const struct qfp_pkt *q = &pkts[i + PREFETCH_AHEAD];
            if (q->uidb < fp->max_uidbs)
                __builtin_prefetch(__atomic_load_n(&fp->targets[(size_t)q->uidb * 2 + (q->dir & 1)],
                                                   __ATOMIC_RELAXED));
        }
        if (__builtin_expect(pkts[i].trace != 0, 0))
            process_traced(fp, &pkts[i], &verdicts[i], shard, epoch);
        else
            process_one(fp, &pkts[i], &verdicts[i], shard, epoch, NULL);
        account(fp, &pkts[i], &verdicts[i], shard);
    }
}

#if QFP_PATH_SIMD == QFP_ISA_AVX512
/* Eight packets at once through bit vectors of one or two words (24 to 128 ACEs, as QFP_ACL_AUTO
 * builds them, or a hybrid's head that short): each of a packet's twelve rows is one lane of a
 * gather, so the twelve gathers of a word answer eight packets, and where a packet matches decides
 * nothing until the end (rte_acl's AVX-512 methods work across packets the same way). A packet's
 * fields come in by gathers too, at their offsets in struct qfp_pkt; a non-initial fragment, and a
 * miss in a hybrid's head, is looked up again on its own. */
static void bitvec_classify8(const struct qfp_acl *acl, const struct qfp_pkt *pkts, uint32_t *ace_out)
{
    const struct qfp_acl_bitvec *bv = acl->bitvec;
    const char *base = (const char *)pkts;
    _Static_assert(sizeof(struct qfp_pkt) == 64, "the gathers step 64 bytes a packet");
    const __m256i at = _mm256_setr_epi32(0, 64, 128, 192, 256, 320, 384, 448);
#define FIELD32(off) _mm256_i32gather_epi32((const int *)(base + (off)), at, 1)
    const __m256i src = FIELD32(offsetof(struct qfp_pkt, src));
    const __m256i dst = FIELD32(offsetof(struct qfp_pkt, dst));
    const __m256i ports = FIELD32(offsetof(struct qfp_pkt, sport));            /* sport | dport << 16 */
    const __m256i w24 = FIELD32(offsetof(struct qfp_pkt, length));             /* length, dir, proto */
    const __m256i w28 = FIELD32(offsetof(struct qfp_pkt, dscp));       /* dscp, flags, frag, family */
#undef FIELD32
    const __m256i byte = _mm256_set1_epi32(0xff);
    const __m256i proto = _mm256_srli_epi32(w24, 24);
    const __m256i flags = _mm256_srli_epi32(w28, 8);
    const __m256i ackrst = _mm256_and_si256(flags, _mm256_set1_epi32(QFP_TCP_ACK | QFP_TCP_RST));
    const __m256i not_v4 = _mm256_andnot_si256(
        _mm256_cmpeq_epi32(_mm256_srli_epi32(w28, 24), _mm256_set1_epi32(QFP_FAMILY_IPV4)), _mm256_set1_epi32(128));
    const __m256i misc = _mm256_or_si256(
        _mm256_or_si256(_mm256_and_si256(w28, _mm256_set1_epi32(63)), not_v4),
        _mm256_andnot_si256(_mm256_cmpeq_epi32(ackrst, _mm256_setzero_si256()), _mm256_set1_epi32(64)));
    /* Rows in place (below QFP_BV_SHARE_MIN words): table << 8 | index byte */
    __m256i row[QFP_BV_TABLES];
    for (int b = 0; b < 4; b++) {
        row[QFP_BV_SRC0 + b] = _mm256_or_si256(_mm256_set1_epi32((QFP_BV_SRC0 + b) << 8),
                                               _mm256_and_si256(_mm256_srli_epi32(src, 24 - 8 * b), byte));
        row[QFP_BV_DST0 + b] = _mm256_or_si256(_mm256_set1_epi32((QFP_BV_DST0 + b) << 8),
                                               _mm256_and_si256(_mm256_srli_epi32(dst, 24 - 8 * b), byte));
    }
    row[QFP_BV_PROTO] = _mm256_or_si256(_mm256_set1_epi32(QFP_BV_PROTO << 8), proto);
    row[QFP_BV_MISC] = _mm256_or_si256(_mm256_set1_epi32(QFP_BV_MISC << 8), misc);
    /* Port to interval, through the two-level map; a 16-bit entry comes in as the low half of a
     * 32-bit gather (both tables have room for the half past their last entry). */
    const __m256i half = _mm256_set1_epi32(0xffff);
    __m256i interval[2];
    for (int which = 0; which < 2; which++) {
        __m256i port = which ? _mm256_srli_epi32(ports, 16) : _mm256_and_si256(ports, half);
        __m256i block = _mm256_and_si256(
            _mm256_i32gather_epi32((const int *)bv->port_block[which], _mm256_srli_epi32(port, 8), 2), half);
        __m256i entry = _mm256_or_si256(_mm256_slli_epi32(block, 8), _mm256_and_si256(port, byte));
        __m256i found = _mm256_i32gather_epi32((const int *)bv->port_map[which], entry, 2);
        interval[which] = _mm256_and_si256(found, half);
    }
    const __m256i stride = _mm256_set1_epi32((int)bv->stride);
    __m512i word[QFP_BV_FLAT_WORDS];
    for (uint32_t w = 0; w < bv->stride; w++) {
        const __m256i off = _mm256_set1_epi32((int)w);
#define GATHER(table, r) _mm512_i32gather_epi64(_mm256_add_epi32(_mm256_mullo_epi32(r, stride), off), \
                                                (const long long *)(table), 8)
        __m512i m = _mm512_and_si512(GATHER(bv->port_vec[0], interval[0]),
                                     GATHER(bv->port_vec[1], interval[1]));
        for (int t = 0; t < QFP_BV_TABLES; t++)
            m = _mm512_and_si512(m, GATHER(bv->byte_vec, row[t]));
#undef GATHER
        word[w] = m;
    }
    /* Per packet: the lowest bit of the first word that has one (lzcnt of the lowest bit gives it). */
    const __m512i sixty_three = _mm512_set1_epi64(63);
    __m512i hit = _mm512_set1_epi64(acl->naces);
    for (int w = (int)bv->stride - 1; w >= 0; w--) {
        __mmask8 some = _mm512_test_epi64_mask(word[w], word[w]);
        __m512i lowest = _mm512_and_si512(word[w], _mm512_sub_epi64(_mm512_setzero_si512(), word[w]));
        __m512i bit = _mm512_sub_epi64(sixty_three, _mm512_lzcnt_epi64(lowest));
        hit = _mm512_mask_add_epi64(hit, some, bit, _mm512_set1_epi64(64 * w));
    }
    _mm256_storeu_si256((__m256i *)ace_out, _mm512_cvtepi64_epi32(hit));
    /* Non-initial fragments take the scan, and misses in a hybrid's head its tree (acl_lookup). */
    __mmask8 frag = _mm256_cmpeq_epi32_mask(_mm256_and_si256(_mm256_srli_epi32(w28, 16), byte),
                                            _mm256_set1_epi32(QFP_FRAG_NONINITIAL));
    if (acl->index)
        frag |= _mm512_cmpeq_epi64_mask(hit, _mm512_set1_epi64(acl->naces));
    for (; frag; frag &= (__mmask8)(frag - 1)) {
        uint32_t k = (uint32_t)__builtin_ctz(frag);
        ace_out[k] = acl_lookup(acl, &pkts[k]);
    }
}
#endif

void QFP_PATH(acl_classify)(const struct qfp_acl *acl, const struct qfp_pkt *pkts, uint32_t *ace_out, size_t n)
{
    size_t i = 0;
    if (acl->family == QFP_FAMILY_IPV6) {
        for (; i < n; i++)
            ace_out[i] = pkts[i].family == QFP_FAMILY_IPV6 ? acl6_lookup_call(acl, &pkts[i]) : acl->naces;
        return;
    }
#if QFP_PATH_SIMD == QFP_ISA_AVX512
    const struct qfp_acl_bitvec *bv = acl->bitvec;
    /* Four-word vectors would take 48 gathers per 8 packets: measured slower than one packet at a
     * time with its 256-bit ANDs (14-16 ns/pkt against 10.5-11.6), so they stay with acl_lookup. */
    _Static_assert(QFP_BV_SHARE_MIN > 2, "bitvec_classify8 computes rows in place");
    if (bv && !bv->summary_words && bv->stride <= 2 && !acl->extra)
        for (; i + 8 <= n; i += 8)
            bitvec_classify8(acl, &pkts[i], &ace_out[i]);
#endif
    for (; i < n; i++)
        ace_out[i] = acl_lookup(acl, &pkts[i]);
}
