/*
 * qfp_acl_index.c - compile a long ACL into a decision tree, so that lookup cost grows slowly with
 * the number of ACEs.
 *
 * Why a tree of cuts over bit-chunks (HiCuts/HyperCuts) and not the others:
 *  - IOS wildcards may be non-contiguous. A cut on a chunk of bits of a field splits a ternary
 *    (value, mask) rule exactly: it falls in the children whose index agrees with its cared bits.
 *    Prefix-based schemes (tries, tuple space on prefix lengths) would have to expand such rules.
 *  - First match is kept by construction: a leaf lists, in ACL order, every ACE that could match a
 *    packet reaching it, and the lookup scans that list with the same matcher as the linear path.
 *    No ACE priority is ever re-derived, so no semantic (fragments, established, neq) can drift.
 *  - RFC-style cross-product tables are faster per packet but explode in memory at 10k rules.
 * An ACE indifferent to a cut (the cut's chunk is all wildcard, or its port range spans the node)
 * would be copied into every child; it goes down the node's wild branch instead (HyperCuts'
 * pushing), which every lookup reaching the node also walks. That keeps the tables linear in the
 * ACL; the price is more branches per lookup on ACLs that mix `any` with specific addresses.
 * (EffiCuts' separate trees per wildcard pattern were tried and measured slower here: every tree
 * is one more walk for every packet.)
 *
 * Non-initial fragments carry no ports, so the tree (which cuts on ports) never sees them: the
 * lookup sends them down the linear scan. ACEs with `fragments` match only those, so they are left
 * out of the tree altogether.
 *
 * All of this runs at configuration time, before the new ACL is published: compiling never holds
 * the batch gate, so it never stalls packet processing.
 */
#include <stdlib.h>
#include <string.h>

#include "qfp_impl.h"

enum {
    LEAF_MAX = 6,          /* stop cutting at this many ACEs: scanning them is cheaper than a level */
    DEPTH_MAX = 16,        /* a wild branch counts as a level: a walk has at most this many pending */
    SPFAC = 4,             /* a cut may copy its narrow ACEs into at most this many children each */
    /* Cuts take chunks of 2, 4, 8 or CUT_BITS_MAX bits, a cut over 8 bits only at a node of at
     * least fan / WIDE_FAN_PER_ACE ACEs (256 for 12): its kids cost memory whatever the node
     * holds. Up to WIDE_TREE_ACES ACEs a tree always may; past it, an IPv4 tree is built both
     * ways and the probes choose (qfp_acl_index_build), an IPv6 one keeps 8 bits (no IPv6
     * probes yet). Measured on ClassBench sets, the tree
     * with and without 12-bit cuts side by side in one process (docs/fastpath.md): at 1k rules a
     * 12-bit cut does in one level what 8 then 4 did in two, and the walk took 5-38% less on acl,
     * fw, ipc and wild (ports level); at 10k fw and ipc gained 15-20%, acl lost up to 11% on
     * random keys and wild 10-80% (more ACEs tested a packet, fewer empty leaves); at 100k the
     * wide kids filled the pool's budget (below) on fw and ipc, which stops the cutting, and
     * leaves grew to 63 ACEs. */
    CUT_BITS_MAX = 12,
    WIDE_FAN_PER_ACE = 16,
    WIDE_TREE_ACES = 4096,
    POOL_MAX = 3u << 20,   /* kid and leaf entries (4 bytes each): the tables stay under 16 MB */
    /* Leaf blocks' bytes at most: an IPv4 block is 384 bytes (IPv6 832) where an ACE is 48 (IPv6
     * 96), and once the blocks outgrow L2 their misses cost more than the branches they save.
     * Measured on ClassBench sets against the one-ACE test: at 1k rules the walk took 20-30% less
     * time with IPv4 blocks of 200-330 KiB and 0-40% less with IPv6 ones of 550-870 KiB (the
     * `ports` tree's 765 KiB: level); at 10k (IPv4 blocks of 2.5-3.5 MB) 0-40% more. */
    LEAF_BLOCKS_MAX = 1u << 20
};

/* Cut fields, in the order of the lookup's key (qfp_path.h): IPv4's six, then an IPv6 address's
 * words 1-3. Ports are cut from the top bit down so that the set a node covers is an interval; the
 * ternary fields may be cut at any chunk of free bits. */
static const uint8_t FIELD_BITS[QFP_ACL6_FIELDS] = {32, 32, 16, 16, 8, 6, 32, 32, 32, 32, 32, 32};
#define IS_PORT(f) ((f) == QFP_ACL_F_SPORT || (f) == QFP_ACL_F_DPORT)

/* The part of the key space a node covers: ternary fields by fixed bits, ports by a top-bit
 * prefix (mask then holds the prefix's bits). */
struct region {
    uint32_t val[QFP_ACL6_FIELDS], mask[QFP_ACL6_FIELDS];
};

struct cut {
    uint8_t field, shift, bits;
};

struct builder {
    const struct qfp_ace *aces;     /* an IPv4 ACL's, or NULL */
    const struct qfp_ace6 *aces6;   /* an IPv6 ACL's, or NULL */
    uint32_t nfields;               /* QFP_ACL_FIELDS or QFP_ACL6_FIELDS */
    struct qfp_acl_cut *cuts;
    uint32_t ncuts, cuts_cap;
    uint32_t *pool;           /* kid arrays and leaves */
    uint32_t npool, pool_cap;
    uint32_t *counts;         /* scratch: per-child counts while choosing a cut */
    uint32_t *ranges;         /* scratch: the child ranges one ACE reaches (reach), lo then hi */
    uint32_t bits_max;        /* the widest cut this tree may take: 8, or CUT_BITS_MAX */
    int failed;               /* out of memory, or over POOL_MAX */
};

/* ACE `ace`'s (value, mask) on ternary field f. */
static void ace_ternary(const struct builder *bd, uint32_t ace, int f, uint32_t *v, uint32_t *m)
{
    if (bd->aces6) {
        const struct qfp_ace6 *a = &bd->aces6[ace];
        switch (f) {
        case QFP_ACL_F_SRC: *v = a->src_val[0]; *m = a->src_mask[0]; break;
        case QFP_ACL_F_DST: *v = a->dst_val[0]; *m = a->dst_mask[0]; break;
        case QFP_ACL_F_PROTO: *v = a->proto_val; *m = a->proto_mask; break;
        case QFP_ACL_F_DSCP: *v = a->dscp_val; *m = a->dscp_mask; break;
        case QFP_ACL_F_SRC1: case QFP_ACL_F_SRC2: case QFP_ACL_F_SRC3:
            *v = a->src_val[f - QFP_ACL_F_SRC1 + 1]; *m = a->src_mask[f - QFP_ACL_F_SRC1 + 1]; break;
        default:
            *v = a->dst_val[f - QFP_ACL_F_DST1 + 1]; *m = a->dst_mask[f - QFP_ACL_F_DST1 + 1]; break;
        }
        return;
    }
    const struct qfp_ace *a = &bd->aces[ace];
    switch (f) {
    case QFP_ACL_F_SRC: *v = a->src_val; *m = a->src_mask; break;
    case QFP_ACL_F_DST: *v = a->dst_val; *m = a->dst_mask; break;
    case QFP_ACL_F_PROTO: *v = a->proto_val; *m = a->proto_mask; break;
    default: *v = a->dscp_val; *m = a->dscp_mask; break;
    }
}

static uint32_t ace_flags(const struct builder *bd, uint32_t ace)
{
    return bd->aces6 ? bd->aces6[ace].flags : bd->aces[ace].flags;
}

/* An ACE's port condition as the ranges of ports it accepts: one, or two for neq. (Both ACE
 * structs name their ports alike.) */
#define ACE_PORTS(a, f, l, h)                                                                       \
    (l = (f) == QFP_ACL_F_SPORT ? (a)->sport_lo : (a)->dport_lo,                                    \
     h = (f) == QFP_ACL_F_SPORT ? (a)->sport_hi : (a)->dport_hi)

static int ace_port_ranges(const struct builder *bd, uint32_t ace, int f, uint32_t lo[2], uint32_t hi[2])
{
    uint32_t l, h, flags = ace_flags(bd, ace);
    if (bd->aces6)
        ACE_PORTS(&bd->aces6[ace], f, l, h);
    else
        ACE_PORTS(&bd->aces[ace], f, l, h);
    if (!(flags & QFP_ACE_L4)) {
        lo[0] = 0, hi[0] = 0xffff;
        return 1;
    }
    int neg = !!(flags & (f == QFP_ACL_F_SPORT ? QFP_ACE_SPORT_NEG : QFP_ACE_DPORT_NEG));
    if (!neg) {
        lo[0] = l, hi[0] = h;
        return 1;
    }
    int n = 0;
    if (l > 0)
        lo[n] = 0, hi[n] = l - 1, n++;
    if (h < 0xffff)
        lo[n] = h + 1, hi[n] = 0xffff, n++;
    return n;
}

static void port_interval(const struct region *r, int f, uint32_t *a, uint32_t *b)
{
    *a = r->val[f];
    *b = r->val[f] | (~r->mask[f] & 0xffffu);
}

/* The children [c_lo, c_hi] of cut c (a chunk of port bits) that port range [lo, hi] reaches. */
static int port_children(const struct region *r, struct cut c, uint32_t lo, uint32_t hi,
                         uint32_t *c_lo, uint32_t *c_hi)
{
    uint32_t a, b;
    port_interval(r, c.field, &a, &b);
    if (hi < a || lo > b)
        return 0;
    *c_lo = ((lo > a ? lo : a) - a) >> c.shift;
    *c_hi = ((hi < b ? hi : b) - a) >> c.shift;
    return 1;
}

/* Is ACE a indifferent to cut c, which would copy it into every child? Such an ACE is not copied:
 * it goes down the node's wild branch instead (HyperCuts' "pushing"), which lookups also walk. */
static int wide(const struct builder *bd, const struct region *r, struct cut c, uint32_t ace)
{
    if (IS_PORT(c.field)) {
        uint32_t lo[2], hi[2], x, y;
        port_interval(r, c.field, &x, &y);
        int nr = ace_port_ranges(bd, ace, c.field, lo, hi);
        for (int j = 0; j < nr; j++)
            if (lo[j] <= x && y <= hi[j])
                return 1;
        return 0;
    }
    uint32_t v, m;
    ace_ternary(bd, ace, c.field, &v, &m);
    return ((m >> c.shift) & ((1u << c.bits) - 1)) == 0;
}

/* The children of cut c that a narrow ACE reaches, as ranges [lo[i], hi[i]] in ascending order;
 * returns how many. Ports give one range, or two for a neq; a ternary chunk gives one when its
 * free bits are the chunk's lowest (a prefix), else one per run of consecutive children. lo and hi
 * have room for 2^CUT_BITS_MAX / 2 + 1 ranges each. */
static uint32_t reach(const struct builder *bd, const struct region *r, struct cut c, uint32_t ace,
                      uint32_t *lo, uint32_t *hi)
{
    if (IS_PORT(c.field)) {
        uint32_t plo[2], phi[2], k = 0;
        int nr = ace_port_ranges(bd, ace, c.field, plo, phi);
        for (int j = 0; j < nr; j++)
            if (port_children(r, c, plo[j], phi[j], &lo[k], &hi[k]))
                k++;
        /* A neq's two ranges never share a child unless they are adjacent in it: merge those. */
        if (k == 2 && lo[1] <= hi[0])
            hi[0] = hi[1], k = 1;
        return k;
    }
    uint32_t v, m, low = (1u << c.bits) - 1;
    ace_ternary(bd, ace, c.field, &v, &m);
    uint32_t cv = (v >> c.shift) & low, free_bits = low & ~(m >> c.shift);
    if ((free_bits & (free_bits + 1)) == 0) {   /* 0, or the chunk's lowest bits */
        lo[0] = cv, hi[0] = cv | free_bits;
        return 1;
    }
    uint32_t k = 0, sub = 0;
    do {   /* the free bits' subsets in ascending order: (sub - free) & free steps to the next */
        uint32_t child = cv | sub;
        if (k && hi[k - 1] + 1 == child)
            hi[k - 1] = child;
        else
            lo[k] = hi[k] = child, k++;
        sub = (sub - free_bits) & free_bits;
    } while (sub);
    return k;
}

/* Count, per child of cut c, the ACEs of list[0..n) that reach it, leaving out the wide ones
 * (counted in *pushed); return the children's total. */
static uint64_t cut_counts(const struct builder *bd, const struct region *r, struct cut c,
                           const uint32_t *list, uint32_t n, uint32_t *counts, uint32_t *pushed)
{
    const uint32_t fan = 1u << c.bits;
    *pushed = 0;
    memset(counts, 0, (fan + 1) * sizeof *counts);
    for (uint32_t i = 0; i < n; i++) {
        if (wide(bd, r, c, list[i])) {
            ++*pushed;
            continue;
        }
        /* Difference array: +1 at the first child of a range, -1 after its last. */
        uint32_t *lo = bd->ranges, *hi = lo + (1u << CUT_BITS_MAX) / 2 + 1;
        for (uint32_t j = 0, k = reach(bd, r, c, list[i], lo, hi); j < k; j++)
            counts[lo[j]]++, counts[hi[j] + 1]--;
    }
    uint64_t total = 0;
    uint32_t run = 0;
    for (uint32_t i = 0; i < fan; i++) {
        run += counts[i];
        counts[i] = run;
        total += run;
    }
    return total;
}

/* Does ACE a reach child `child` of cut c in region r? */
static int reaches(const struct builder *bd, const struct region *r, struct cut c, uint32_t ace,
                   uint32_t child)
{
    if (IS_PORT(c.field)) {
        uint32_t lo[2], hi[2], cl, ch;
        int nr = ace_port_ranges(bd, ace, c.field, lo, hi);
        for (int j = 0; j < nr; j++)
            if (port_children(r, c, lo[j], hi[j], &cl, &ch) && cl <= child && child <= ch)
                return 1;
        return 0;
    }
    uint32_t v, m, low = (1u << c.bits) - 1;
    ace_ternary(bd, ace, c.field, &v, &m);
    return (((v >> c.shift) ^ child) & (m >> c.shift) & low) == 0;
}

/* The part of region r that child k of cut c covers. */
static struct region child_region(const struct region *r, struct cut c, uint32_t k)
{
    struct region child = *r;
    if (IS_PORT(c.field)) {
        uint32_t a, b;
        port_interval(r, c.field, &a, &b);
        child.val[c.field] = a + (k << c.shift);
    } else {
        child.val[c.field] |= k << c.shift;
    }
    child.mask[c.field] |= ((1u << c.bits) - 1) << c.shift;
    return child;
}

/* The candidate cuts of a region: for each field, chunks of 2, 4, 8 and CUT_BITS_MAX free bits
 * (ternary fields at every even offset, ports just below their fixed prefix). */
#define CANDIDATES_MAX (QFP_ACL6_FIELDS * 4 * 16)
static uint32_t candidates(const struct region *r, uint32_t nfields, struct cut *out)
{
    static const uint8_t widths[] = {2, 4, 8, CUT_BITS_MAX};
    uint32_t n = 0;
    for (uint8_t f = 0; f < nfields; f++) {
        uint32_t fb = FIELD_BITS[f];
        for (size_t w = 0; w < sizeof widths; w++) {
            uint32_t k = widths[w] < fb ? widths[w] : fb;
            if (IS_PORT(f)) {
                uint32_t fixed = (uint32_t)__builtin_popcount(r->mask[f]);
                if (fixed + k <= fb)
                    out[n++] = (struct cut){f, (uint8_t)(fb - fixed - k), (uint8_t)k};
                continue;
            }
            for (uint32_t s = 0; s + k <= fb; s += 2) {
                uint32_t chunk = ((1u << k) - 1) << s;
                if (!(r->mask[f] & chunk))
                    out[n++] = (struct cut){f, (uint8_t)s, (uint8_t)k};
            }
            if (k == fb)
                break;
        }
    }
    return n;
}

static int pool_reserve(struct builder *bd, uint32_t n)
{
    if (bd->npool + n > POOL_MAX) {
        bd->failed = 1;
        return 0;
    }
    if (bd->npool + n > bd->pool_cap) {
        uint32_t cap = bd->pool_cap ? bd->pool_cap : 1024;
        while (cap < bd->npool + n)
            cap *= 2;
        uint32_t *p = realloc(bd->pool, (size_t)cap * sizeof *p);
        if (!p) {
            bd->failed = 1;
            return 0;
        }
        bd->pool = p, bd->pool_cap = cap;
    }
    return 1;
}

/* A leaf: its count, its blocks (given once the tree is whole: leaf_blocks), then its ACE indices
 * in ACL order. Returns its kid code. */
static uint32_t make_leaf(struct builder *bd, const uint32_t *list, uint32_t n)
{
    if (!pool_reserve(bd, n + QFP_ACL_LEAF_ACES))
        return QFP_ACL_EMPTY;
    uint32_t at = bd->npool;
    bd->pool[at] = n;
    bd->pool[at + 1] = QFP_ACL_NO_BLOCKS;
    memcpy(&bd->pool[at + QFP_ACL_LEAF_ACES], list, n * sizeof *list);
    bd->npool += n + QFP_ACL_LEAF_ACES;
    return QFP_ACL_LEAF | at;
}

static int same_leaf(const struct builder *bd, uint32_t code, const uint32_t *list, uint32_t n)
{
    if (!(code & QFP_ACL_LEAF))
        return 0;
    const uint32_t *leaf = &bd->pool[code & ~QFP_ACL_LEAF];
    return leaf[0] == n && memcmp(&leaf[QFP_ACL_LEAF_ACES], list, n * sizeof *list) == 0;
}

/* Pick the cut that leaves the fewest ACEs to scan: those of the wild branch and of the fullest
 * child, within the replication budget. */
static int choose_cut(struct builder *bd, const struct region *r, const uint32_t *list, uint32_t n,
                      struct cut *best)
{
    struct cut cand[CANDIDATES_MAX];
    uint32_t ncand = candidates(r, bd->nfields, cand);
    uint64_t best_score = UINT64_MAX;
    for (uint32_t i = 0; i < ncand; i++) {
        uint32_t fan = 1u << cand[i].bits, pushed;
        if (cand[i].bits > bd->bits_max || (cand[i].bits > 8 && fan > (uint64_t)WIDE_FAN_PER_ACE * n))
            continue;
        uint64_t total = cut_counts(bd, r, cand[i], list, n, bd->counts, &pushed);
        if (total > (uint64_t)SPFAC * (n - pushed) + fan)
            continue;
        uint32_t worst = 0;
        for (uint32_t c = 0; c < fan; c++)
            worst = bd->counts[c] > worst ? bd->counts[c] : worst;

        if (worst >= n || pushed >= n)
            continue;   /* no progress */
        /* What a packet scans: the wild branch, the worst child, and the mean one; then the
         * narrower cut, for memory. */
        uint64_t score = ((uint64_t)(pushed + worst) * fan + total) * 64 / fan + cand[i].bits;
        if (score < best_score)
            best_score = score, *best = cand[i];
    }
    return best_score != UINT64_MAX;
}

static uint32_t build_node(struct builder *bd, const struct region *r, const uint32_t *list,
                           uint32_t n, uint32_t depth)
{
    struct cut c;
    /* Past half the budget, stop cutting: leaves still fit, and a slower tree beats none. */
    if (n <= LEAF_MAX || depth >= DEPTH_MAX || bd->failed || bd->npool > POOL_MAX / 2 ||
        !choose_cut(bd, r, list, n, &c))
        return make_leaf(bd, list, n);

    const uint32_t fan = 1u << c.bits;
    if (bd->ncuts == bd->cuts_cap) {
        uint32_t cap = bd->cuts_cap ? bd->cuts_cap * 2 : 256;
        struct qfp_acl_cut *p = realloc(bd->cuts, cap * sizeof *p);
        if (!p) {
            bd->failed = 1;
            return make_leaf(bd, list, n);
        }
        bd->cuts = p, bd->cuts_cap = cap;
    }
    uint32_t *narrow = malloc(2 * (size_t)n * sizeof *narrow);
    if (!narrow || !pool_reserve(bd, 2 * fan)) {
        free(narrow);
        bd->failed = 1;
        return make_leaf(bd, list, n);
    }
    uint32_t node = bd->ncuts++, kids = bd->npool;
    bd->npool += 2 * fan;
    bd->cuts[node] = (struct qfp_acl_cut){c.field, c.shift, (uint16_t)(fan - 1), kids, QFP_ACL_EMPTY,
                                          UINT32_MAX};

    /* The wide ACEs down the wild branch, the others into the children they reach. */
    uint32_t *wild = narrow + n, nnarrow = 0, nwild = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (wide(bd, r, c, list[i]))
            wild[nwild++] = list[i];
        else
            narrow[nnarrow++] = list[i];
    }
    if (nwild) {
        uint32_t code = build_node(bd, r, wild, nwild, depth + 1);
        bd->cuts[node].wild = code;   /* the cuts may have moved: index them afresh */
        bd->cuts[node].wild_first = wild[0];
    }
    /* Every child's ACEs at once, each list in ACL order: counted as choose_cut counted them, the
     * lists laid end to end, then each narrow ACE appended to the children it reaches. (Asking
     * each child of each ACE took fan x n steps: 4 s for a 12-bit cut at the root of 100k rules.) */
    uint32_t pushed, *start = malloc((2 * (size_t)fan + 1) * sizeof *start), *at = start + fan + 1;
    uint64_t total = cut_counts(bd, r, c, narrow, nnarrow, bd->counts, &pushed);
    uint32_t *lists = malloc((total ? total : 1) * sizeof *lists);
    if (!start || !lists) {
        free(start), free(lists), free(narrow);
        for (uint32_t k = 0; k < fan; k++)
            bd->pool[kids + 2 * k] = QFP_ACL_EMPTY, bd->pool[kids + 2 * k + 1] = UINT32_MAX;
        bd->failed = 1;
        return node;
    }
    start[0] = 0;
    for (uint32_t k = 0; k < fan; k++)
        at[k] = start[k], start[k + 1] = start[k] + bd->counts[k];
    uint32_t *lo = bd->ranges, *hi = lo + (1u << CUT_BITS_MAX) / 2 + 1;
    for (uint32_t i = 0; i < nnarrow; i++)
        for (uint32_t j = 0, nr = reach(bd, r, c, narrow[i], lo, hi); j < nr; j++)
            for (uint32_t k = lo[j]; k <= hi[j]; k++)
                lists[at[k]++] = narrow[i];
    uint32_t prev = 0;
    for (uint32_t k = 0; k < fan; k++) {
        const uint32_t *sub = &lists[start[k]], m = start[k + 1] - start[k];
        uint32_t code;
        if (m == 0) {
            code = QFP_ACL_EMPTY;
        } else if (k > 0 && same_leaf(bd, prev, sub, m)) {
            code = prev;   /* neighbouring children often hold the same few ACEs: share the leaf */
        } else {
            const struct region child = child_region(r, c, k);
            code = build_node(bd, &child, sub, m, depth + 1);
        }
        /* The pool may have moved: index it afresh. */
        bd->pool[kids + 2 * k] = code;
        bd->pool[kids + 2 * k + 1] = m ? sub[0] : UINT32_MAX;
        prev = code;
    }
    free(start), free(lists), free(narrow);
    return node;
}

void qfp_acl_index_free(struct qfp_acl_index *ix)
{
    if (!ix)
        return;
    free(ix->cuts);
    free(ix->pool);
    free(ix->blocks);
    free(ix);
}

/* Leaves are shared between neighbouring children, so whatever is done to each leaf (an edit's
 * renumbering, its blocks) goes through a set that takes each once: a bit per pool word, and, when
 * `at` is given, the leaves' offsets in the order they came. */
struct leaf_set {
    uint8_t *seen;
    uint32_t *at, n;
};

static int leaf_set_init(struct leaf_set *s, uint32_t npool, int listed)
{
    s->n = 0;
    s->seen = calloc(npool / 8 + 1, 1);
    /* a leaf takes at least QFP_ACL_LEAF_ACES words of the pool */
    s->at = listed ? malloc((npool / QFP_ACL_LEAF_ACES + 1) * sizeof *s->at) : NULL;
    if (!s->seen || (listed && !s->at)) {
        free(s->seen), free(s->at);
        return QFP_ENOMEM;
    }
    return QFP_OK;
}

/* Is `code` a leaf (not the empty one) that the set did not have yet? It has it now. */
static int leaf_set_add(struct leaf_set *s, uint32_t code)
{
    uint32_t at = code & ~QFP_ACL_LEAF;
    if (!(code & QFP_ACL_LEAF) || code == QFP_ACL_EMPTY || s->seen[at >> 3] & (1u << (at & 7)))
        return 0;
    s->seen[at >> 3] |= (uint8_t)(1u << (at & 7));
    if (s->at)
        s->at[s->n++] = at;
    return 1;
}

/* Give every leaf of a whole tree its blocks (qfp_impl.h, "leaf block"): lanes in ACL order,
 * the last block padded with lanes that never match. Built after the tree, and after each edit,
 * from the leaves the tree reaches, so that the leaves an edit left behind in the pool get none.
 * Without them (over LEAF_BLOCKS_MAX, memory short, or an ACE with extra conditions, which the
 * columns cannot hold) lookups test a leaf's ACEs one at a time. */
static void leaf_blocks(struct qfp_acl_index *ix, const struct builder *bd)
{
    const uint32_t cols = bd->aces6 ? QFP_SCAN6_COLUMNS : QFP_SCAN_COLUMNS;
    const uint32_t block_words = cols * QFP_ACL_LEAF_LANES;
    uint32_t *pool = ix->pool, nblocks = 0;
    struct leaf_set leaves;
    if (leaf_set_init(&leaves, ix->npool, 1) != QFP_OK)
        return;
    leaf_set_add(&leaves, ix->root);
    for (uint32_t c = 0; c < ix->ncuts; c++) {
        leaf_set_add(&leaves, ix->cuts[c].wild);
        for (uint32_t k = 0; k <= ix->cuts[c].mask; k++)
            leaf_set_add(&leaves, pool[ix->cuts[c].kids + 2 * k]);
    }
    free(leaves.seen);
    for (uint32_t i = 0; i < leaves.n; i++) {
        uint32_t *leaf = &pool[leaves.at[i]];
        leaf[1] = nblocks;
        nblocks += (leaf[0] + QFP_ACL_LEAF_LANES - 1) / QFP_ACL_LEAF_LANES;
    }
    const size_t bytes = (size_t)(nblocks ? nblocks : 1) * block_words * sizeof(uint32_t);
    uint32_t *blocks = bytes <= LEAF_BLOCKS_MAX ? aligned_alloc(32, bytes) : NULL;
    for (uint32_t i = 0; blocks && i < leaves.n; i++) {
        const uint32_t *leaf = &pool[leaves.at[i]];
        const uint32_t lanes = (leaf[0] + QFP_ACL_LEAF_LANES - 1) / QFP_ACL_LEAF_LANES * QFP_ACL_LEAF_LANES;
        for (uint32_t j = 0; j < lanes; j++) {
            const uint32_t ace = j < leaf[0] ? leaf[QFP_ACL_LEAF_ACES + j] : UINT32_MAX;
            uint32_t col[QFP_SCAN6_COLUMNS];
            if (bd->aces6) {
                qfp_scan_lane6(ace != UINT32_MAX ? &bd->aces6[ace] : NULL, col);
            } else if (ace != UINT32_MAX && (bd->aces[ace].flags & QFP_ACE_EXTRA)) {
                free(blocks);
                blocks = NULL;
                break;
            } else {
                qfp_scan_lane(ace != UINT32_MAX ? &bd->aces[ace] : NULL, col);
            }
            uint32_t *b = &blocks[(size_t)(leaf[1] + j / QFP_ACL_LEAF_LANES) * block_words];
            for (uint32_t k = 0; k < cols; k++)
                b[k * QFP_ACL_LEAF_LANES + j % QFP_ACL_LEAF_LANES] = col[k];
        }
    }
    free(leaves.at);
    ix->blocks = blocks;
    ix->nblocks = blocks ? nblocks : 0;
    ix->block_cols = cols;
}

/* The tree over the builder's ACEs [first, naces), but `fragments` ones: only non-initial fragments
 * match those, and they take the scan. */
static int index_build(struct builder *bd, uint32_t first, uint32_t naces, uint32_t bits_max,
                       struct qfp_acl_index **out)
{
    *out = NULL;
    struct qfp_acl_index *ix = calloc(1, sizeof *ix);
    uint32_t *list = malloc((naces ? naces : 1) * sizeof *list), n = 0;
    bd->counts = malloc(((1u << CUT_BITS_MAX) + 2) * sizeof(uint32_t));
    bd->ranges = malloc(2 * ((1u << CUT_BITS_MAX) / 2 + 1) * sizeof(uint32_t));
    if (!ix || !list || !bd->counts || !bd->ranges || !pool_reserve(bd, QFP_ACL_LEAF_ACES)) {
        free(ix), free(list), free(bd->counts), free(bd->ranges), free(bd->pool);
        return QFP_ENOMEM;
    }
    bd->pool[bd->npool++] = 0;   /* QFP_ACL_EMPTY */
    bd->pool[bd->npool++] = QFP_ACL_NO_BLOCKS;
    for (uint32_t i = first; i < naces; i++)
        if (!(ace_flags(bd, i) & QFP_ACE_FRAGMENTS))
            list[n++] = i;
    struct region whole;
    memset(&whole, 0, sizeof whole);
    bd->bits_max = ix->bits_max = bits_max;
    ix->root = n ? build_node(bd, &whole, list, n, 0) : QFP_ACL_EMPTY;
    free(list), free(bd->counts), free(bd->ranges);
    ix->cuts = bd->cuts, ix->pool = bd->pool;
    ix->ncuts = bd->ncuts, ix->npool = bd->npool;
    if (bd->failed) {
        /* Over budget or out of memory: the caller keeps the linear scan, which is always right. */
        qfp_acl_index_free(ix);
        return QFP_EFULL;
    }
    leaf_blocks(ix, bd);
    *out = ix;
    return QFP_OK;
}

static uint64_t probes_cost(const struct qfp_acl_index *ix, const struct qfp_ace *aces, uint32_t naces,
                            const struct qfp_acl_probe *probes);

/* Up to WIDE_TREE_ACES, the tree with 12-bit cuts. Past it, the tree without them; and where
 * its cuts separated the ACEs (no leaf over LEAF_MAX: on rules that cuts cannot separate, as
 * ClassBench's `ports`, wider ones did not either, measured level, and a second build of such a
 * tree costs a second or more), the tree with them too, keeping the one that does less work on the
 * probe keys (probes_cost). */
int qfp_acl_index_build(const struct qfp_ace *aces, uint32_t naces, uint32_t first,
                        struct qfp_acl_index **out)
{
    struct builder bd = {.aces = aces, .nfields = QFP_ACL_FIELDS};
    if (naces - first <= WIDE_TREE_ACES)
        return index_build(&bd, first, naces, CUT_BITS_MAX, out);
    struct qfp_acl_index *narrow, *wide;
    int rc = index_build(&bd, first, naces, 8, &narrow);
    if (rc != QFP_OK)
        return rc;
    struct qfp_acl_stats st = {0};
    qfp_acl_index_stats(narrow, &st);
    struct builder bd_wide = {.aces = aces, .nfields = QFP_ACL_FIELDS};
    struct qfp_acl_probe *probes = st.leaf_max <= LEAF_MAX ? malloc(QFP_ACL_PROBES * sizeof *probes) : NULL;
    if (!probes || index_build(&bd_wide, first, naces, CUT_BITS_MAX, &wide) != QFP_OK) {
        free(probes);
        *out = narrow;
        return QFP_OK;
    }
    qfp_acl_probes(aces, naces, probes, QFP_ACL_PROBES);
    int keep_wide = probes_cost(wide, aces, naces, probes) < probes_cost(narrow, aces, naces, probes);
    free(probes);
    qfp_acl_index_free(keep_wide ? narrow : wide);
    *out = keep_wide ? wide : narrow;
    return QFP_OK;
}

int qfp_acl_index_build_like(const struct qfp_acl_index *like, const struct qfp_ace *aces, uint32_t naces,
                             uint32_t first, struct qfp_acl_index **out)
{
    struct builder bd = {.aces = aces, .nfields = QFP_ACL_FIELDS};
    return index_build(&bd, first, naces, naces - first <= WIDE_TREE_ACES ? CUT_BITS_MAX : like->bits_max, out);
}

int qfp_acl_index_build6(const struct qfp_ace6 *aces, uint32_t naces, struct qfp_acl_index **out)
{
    struct builder bd = {.aces6 = aces, .nfields = QFP_ACL6_FIELDS};
    return index_build(&bd, 0, naces, naces <= WIDE_TREE_ACES ? CUT_BITS_MAX : 8, out);
}

/* ---- editing a tree in place of a rebuild -------------------------------------------------------
 * A CoA or a configuration line that changes one ACE of a 10k-ACE ACL should not cost a rebuild
 * (about 100 ms, and seconds at 100k). The cuts stay as they were chosen; only leaves change:
 * ACEs removed, renumbered, or added to every branch that may hold them by the build's own rule
 * (wide ACEs down the wild branch, the others into each child they reach). A walk stays exact
 * because each branch still holds every ACE a packet reaching it may match, in ACL order, and each
 * branch's lowest ACE stays a lower bound, which is all the walk's skipping needs. Leaves grow,
 * and cuts chosen for the old ACEs fit the new ones less well: after QFP_ACL_EDITS_MAX edits the
 * caller builds the tree whole again. */

struct edit {
    uint32_t from, at, removed, inserted;
};

/* An old ACE index in the new ACL's numbering; UINT32_MAX for a removed ACE, or one that moved
 * before the tree's first (a hybrid's head grew into it). */
static uint32_t edit_entry(const struct edit *ed, uint32_t e)
{
    if (e < ed->at)
        return e;
    if (e < ed->at + ed->removed)
        return UINT32_MAX;
    e = e - ed->removed + ed->inserted;
    return e < ed->from ? UINT32_MAX : e;
}

/* A branch's lowest ACE, renumbered: still a lower bound (a removed lowest ACE's successors are
 * all at `at` or later), and UINT32_MAX (an empty branch) kept. */
static uint32_t edit_first(const struct edit *ed, uint32_t f)
{
    if (f == UINT32_MAX || f < ed->at)
        return f;
    return f < ed->at + ed->removed ? ed->at : f - ed->removed + ed->inserted;
}

/* Take the removed ACEs out of leaf `code` and renumber the rest, in place (a leaf only shrinks),
 * unless `done` had it: a shared leaf is renumbered once. */
static void edit_leaf(uint32_t *pool, uint32_t code, const struct edit *ed, struct leaf_set *done)
{
    if (!leaf_set_add(done, code))
        return;
    uint32_t at = code & ~QFP_ACL_LEAF;
    uint32_t n = 0, *ace = &pool[at + QFP_ACL_LEAF_ACES];
    for (uint32_t i = 0; i < pool[at]; i++) {
        uint32_t e = edit_entry(ed, ace[i]);
        if (e != UINT32_MAX)
            ace[n++] = e;
    }
    pool[at] = n;
}

/* Where a branch's code is kept: the root, a kid entry of the pool, or a cut's wild branch. The
 * pool moves as leaves are added, so a place is an index, never a pointer. */
struct place {
    enum { AT_ROOT, AT_KID, AT_WILD } kind;
    uint32_t index;
};

static uint32_t *place_code(struct builder *bd, uint32_t *root, struct place pl)
{
    return pl.kind == AT_ROOT ? root : pl.kind == AT_KID ? &bd->pool[pl.index] : &bd->cuts[pl.index].wild;
}

/* Put ACE `ace` into every leaf under the branch at `pl` that a packet it matches may reach. */
static void edit_insert(struct builder *bd, uint32_t *root, struct place pl, const struct region *r, uint32_t ace)
{
    uint32_t code = *place_code(bd, root, pl);
    if (!(code & QFP_ACL_LEAF)) {
        const struct qfp_acl_cut node = bd->cuts[code];
        const struct cut c = {node.field, node.shift, (uint8_t)__builtin_popcount(node.mask)};
        if (wide(bd, r, c, ace)) {
            edit_insert(bd, root, (struct place){AT_WILD, code}, r, ace);
            if (ace < bd->cuts[code].wild_first)
                bd->cuts[code].wild_first = ace;
            return;
        }
        for (uint32_t k = 0; k <= node.mask; k++) {
            if (!reaches(bd, r, c, ace, k))
                continue;
            const struct region child = child_region(r, c, k);
            edit_insert(bd, root, (struct place){AT_KID, node.kids + 2 * k}, &child, ace);
            if (ace < bd->pool[node.kids + 2 * k + 1])
                bd->pool[node.kids + 2 * k + 1] = ace;
        }
        return;
    }
    /* A new leaf, the ACE in its place among the old one's: the old may be shared with a
     * neighbouring child that the ACE does not reach. */
    uint32_t old = code & ~QFP_ACL_LEAF, n = bd->pool[old];
    if (!pool_reserve(bd, n + 1 + QFP_ACL_LEAF_ACES))
        return;
    uint32_t at = bd->npool, j = 0;
    const uint32_t *from = &bd->pool[old + QFP_ACL_LEAF_ACES];
    uint32_t *to = &bd->pool[at + QFP_ACL_LEAF_ACES];
    int placed = 0;
    bd->pool[at] = n + 1;
    bd->pool[at + 1] = QFP_ACL_NO_BLOCKS;
    for (uint32_t i = 0; i < n; i++) {
        if (!placed && from[i] > ace)
            to[j++] = ace, placed = 1;
        to[j++] = from[i];
    }
    if (!placed)
        to[j++] = ace;
    bd->npool += n + 1 + QFP_ACL_LEAF_ACES;
    *place_code(bd, root, pl) = QFP_ACL_LEAF | at;
}

int qfp_acl_index_edit(const struct qfp_acl_index *old, uint32_t family, const void *aces, uint32_t from,
                       uint32_t at, uint32_t removed, uint32_t inserted, struct qfp_acl_index **out)
{
    *out = NULL;
    if (old->edits >= QFP_ACL_EDITS_MAX || removed > QFP_ACL_EDIT_ACES || inserted > QFP_ACL_EDIT_ACES)
        return QFP_EFULL;
    struct builder bd = {.nfields = family == QFP_FAMILY_IPV6 ? QFP_ACL6_FIELDS : QFP_ACL_FIELDS};
    if (family == QFP_FAMILY_IPV6)
        bd.aces6 = aces;
    else
        bd.aces = aces;
    struct qfp_acl_index *ix = calloc(1, sizeof *ix);
    struct leaf_set done = {NULL, NULL, 0};
    bd.cuts = malloc((old->ncuts ? old->ncuts : 1) * sizeof *bd.cuts);
    if (!ix || leaf_set_init(&done, old->npool, 0) != QFP_OK || !bd.cuts ||
        !pool_reserve(&bd, old->npool + (QFP_ACL_EDIT_ACES + 1) * 64)) {
        free(ix), free(done.seen), free(bd.cuts), free(bd.pool);
        return QFP_ENOMEM;
    }
    if (old->ncuts)   /* a tree that is one leaf has no cuts, and memcpy may not take NULL */
        memcpy(bd.cuts, old->cuts, old->ncuts * sizeof *bd.cuts);
    memcpy(bd.pool, old->pool, old->npool * sizeof *bd.pool);
    bd.ncuts = bd.cuts_cap = old->ncuts;
    bd.npool = old->npool;

    const struct edit ed = {from, at, removed, inserted};
    uint32_t root = old->root;
    edit_leaf(bd.pool, root, &ed, &done);
    for (uint32_t i = 0; i < bd.ncuts; i++) {
        struct qfp_acl_cut *c = &bd.cuts[i];
        c->wild_first = edit_first(&ed, c->wild_first);
        edit_leaf(bd.pool, c->wild, &ed, &done);
        for (uint32_t k = 0; k <= c->mask; k++) {
            uint32_t *kid = &bd.pool[c->kids + 2 * k];
            kid[1] = edit_first(&ed, kid[1]);
            edit_leaf(bd.pool, kid[0], &ed, &done);
        }
    }
    free(done.seen);

    struct region whole;
    memset(&whole, 0, sizeof whole);
    /* What comes into the tree: the new ACEs from `from` on, and when the ACL grew, the old ACEs
     * it pushed past `from`, now at [from, from + grow). The two ranges meet: one loop. */
    const uint32_t grow = inserted > removed ? inserted - removed : 0;
    const uint32_t end = at + inserted > from + grow ? at + inserted : from + grow;
    for (uint32_t j = at > from ? at : from; j < end && !bd.failed; j++) {
        if (!(ace_flags(&bd, j) & QFP_ACE_FRAGMENTS))   /* not in a tree: non-initial fragments take the scan */
            edit_insert(&bd, &root, (struct place){AT_ROOT, 0}, &whole, j);
    }
    ix->root = root;
    ix->cuts = bd.cuts, ix->pool = bd.pool;
    ix->ncuts = bd.ncuts, ix->npool = bd.npool;
    ix->edits = old->edits + 1;
    ix->bits_max = old->bits_max;
    if (bd.failed) {
        qfp_acl_index_free(ix);
        return QFP_EFULL;
    }
    leaf_blocks(ix, &bd);
    *out = ix;
    return QFP_OK;
}

void qfp_acl_index_stats(const struct qfp_acl_index *ix, struct qfp_acl_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!ix)
        return;
    st->cuts = ix->ncuts;
    for (uint32_t i = 0; i < ix->ncuts; i++)
        st->fan_max = ix->cuts[i].mask + 1u > st->fan_max ? ix->cuts[i].mask + 1u : st->fan_max;
    st->bytes = sizeof *ix + (uint64_t)ix->ncuts * sizeof *ix->cuts + (uint64_t)ix->npool * 4 +
                (uint64_t)ix->nblocks * ix->block_cols * QFP_ACL_LEAF_LANES * sizeof *ix->blocks;
    /* The deepest walk and the longest leaf, found by walking every tree. A walk holds at most
     * the unvisited siblings of each level on its stack. */
    struct frame {
        uint32_t code, depth;
    };
    const uint32_t cap = (DEPTH_MAX + 2) << CUT_BITS_MAX;
    struct frame *stack = malloc(cap * sizeof *stack);
    if (!stack)
        return;
    uint32_t sp = 0;
    stack[sp++] = (struct frame){ix->root, 1};
    while (sp) {
        struct frame f = stack[--sp];
        if (f.code & QFP_ACL_LEAF) {
            uint32_t n = ix->pool[f.code & ~QFP_ACL_LEAF];
            st->leaf_max = n > st->leaf_max ? n : st->leaf_max;
            st->depth_max = f.depth > st->depth_max ? f.depth : st->depth_max;
            continue;
        }
        const struct qfp_acl_cut *c = &ix->cuts[f.code];
        if (c->wild != QFP_ACL_EMPTY && sp < cap)
            stack[sp++] = (struct frame){c->wild, f.depth + 1};
        for (uint32_t k = 0; k <= c->mask && sp < cap; k++)
            stack[sp++] = (struct frame){ix->pool[c->kids + 2 * k], f.depth + 1};
    }
    free(stack);
}

/* ---- what a walk costs, estimated at build time -----------------------------------------------------
 * QFP_ACL_AUTO chooses between the tree and the hybrid by the rule set's shape (qfp_acl.c): it
 * walks both over the same probe keys and counts each walk's work. Probes, not wall-clock time, so
 * that the choice is the same on every run and machine: half of them points inside ACEs drawn at
 * random (a trace drawn from the rules), half uniform keys (most reach late ACEs or none). The
 * generator is seeded with a constant, so the probes depend on the ACL alone. */

static uint64_t probe_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);   /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint16_t probe_port(uint64_t *s, uint16_t lo, uint16_t hi)
{
    return (uint16_t)(lo + probe_rand(s) % ((uint32_t)hi - lo + 1));
}

void qfp_acl_probes(const struct qfp_ace *aces, uint32_t naces, struct qfp_acl_probe *out, uint32_t n)
{
    uint64_t s = 0x5eed;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t r = probe_rand(&s);
        struct qfp_acl_probe *p = &out[i];
        p->src = (uint32_t)r, p->dst = (uint32_t)(r >> 32);
        r = probe_rand(&s);
        p->sport = (uint16_t)r, p->dport = (uint16_t)(r >> 16);
        p->proto = (uint8_t)(r >> 32) < 192 ? (r >> 40 & 1 ? 6 : 17) : (uint8_t)(r >> 48);
        p->dscp = 0;
        if (!(i & 1) || !naces)
            continue;
        /* A point inside an ACE: its fixed bits, random elsewhere; a port inside its range. */
        const struct qfp_ace *a = &aces[probe_rand(&s) % naces];
        p->src = (p->src & ~a->src_mask) | a->src_val;
        p->dst = (p->dst & ~a->dst_mask) | a->dst_val;
        p->proto = (uint8_t)((p->proto & ~a->proto_mask) | a->proto_val);
        p->dscp = a->dscp_val;
        if ((a->flags & QFP_ACE_L4) && !(a->flags & QFP_ACE_SPORT_NEG))
            p->sport = probe_port(&s, a->sport_lo, a->sport_hi);
        if ((a->flags & QFP_ACE_L4) && !(a->flags & QFP_ACE_DPORT_NEG))
            p->dport = probe_port(&s, a->dport_lo, a->dport_hi);
    }
}

/* An estimate's matcher: the conditions that decide where a walk stops. Not the lookup's ace_match
 * (qfp_path.h, compiled per ISA): an ACE this one gets wrong only makes the estimate a little off. */
int qfp_acl_probe_match(const struct qfp_ace *a, const struct qfp_acl_probe *p)
{
    if (((p->src & a->src_mask) ^ a->src_val) | ((p->dst & a->dst_mask) ^ a->dst_val) |
        ((uint32_t)(p->proto & a->proto_mask) ^ a->proto_val) | ((uint32_t)(p->dscp & a->dscp_mask) ^ a->dscp_val))
        return 0;
    if (a->flags & QFP_ACE_FRAGMENTS)
        return 0;
    if (!(a->flags & QFP_ACE_L4))
        return 1;
    int s_in = p->sport >= a->sport_lo && p->sport <= a->sport_hi;
    int d_in = p->dport >= a->dport_lo && p->dport <= a->dport_hi;
    return s_in != !!(a->flags & QFP_ACE_SPORT_NEG) && d_in != !!(a->flags & QFP_ACE_DPORT_NEG);
}

struct probe_ctx {
    const struct qfp_ace *aces;
    const struct qfp_acl_probe *p;
    uint32_t *tested;   /* ACEs tested so far */
};

static int probe_ace_match(const void *ctx, uint32_t ace)
{
    const struct probe_ctx *c = ctx;
    ++*c->tested;
    return qfp_acl_probe_match(&c->aces[ace], c->p);
}

static uint32_t probe_leaf_first(const void *ctx, const uint32_t *leaf, uint32_t best, uint32_t *cost)
{
    return qfp_acl_leaf_each(leaf, best, probe_ace_match, ctx, cost);
}

/* The lookup's walk (qfp_acl_tree_walk, the same code), counting: its cost in QFP_ACL_COST_* units. */
static uint32_t walk_cost_priced(const struct qfp_acl_index *ix, const struct qfp_ace *aces, uint32_t naces,
                                 const struct qfp_acl_probe *p, uint32_t ace_price)
{
    const uint32_t key[QFP_ACL_FIELDS] = {p->src, p->dst, p->sport, p->dport, p->proto, p->dscp};
    uint32_t cost = 0, tested = 0;
    const struct probe_ctx ctx = {aces, p, &tested};
    qfp_acl_tree_walk(ix, key, naces, probe_leaf_first, &ctx, &cost);
    return cost + tested * (ace_price - QFP_ACL_COST_ACE);
}

uint32_t qfp_acl_index_walk_cost(const struct qfp_acl_index *ix, const struct qfp_ace *aces, uint32_t naces,
                                 const struct qfp_acl_probe *p)
{
    return walk_cost_priced(ix, aces, naces, p, QFP_ACL_COST_ACE);
}

/* A tree's work over the probes, for the choice of its cut width, where an ACE tested outside the
 * leaf blocks is priced QFP_ACL_COST_ACE_LOAD: at 10k rules, where the blocks are not built, it
 * loads the ACE from an array beyond L1, and measured it cost about four nodes (ClassBench wild
 * 10k: trees with 12-bit cuts took 2.2 more ACE tests and 2.75 fewer nodes a random key, and
 * 17 ns longer). At the walk cost's own price of 2 the estimate chose the 12-bit trees of wild 10k
 * and fw 100k, where they were slower; at this one it chooses as the timings did on acl, fw, ipc
 * and wild at 10k and 100k (docs/fastpath.md). */
static uint64_t probes_cost(const struct qfp_acl_index *ix, const struct qfp_ace *aces, uint32_t naces,
                            const struct qfp_acl_probe *probes)
{
    const uint32_t ace_price = ix->blocks ? QFP_ACL_COST_ACE : QFP_ACL_COST_ACE_LOAD;
    uint64_t total = 0;
    for (uint32_t i = 0; i < QFP_ACL_PROBES; i++)
        total += walk_cost_priced(ix, aces, naces, &probes[i], ace_price);
    return total;
}
