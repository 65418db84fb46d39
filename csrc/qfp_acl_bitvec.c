/*
 * qfp_acl_bitvec.c - compile a mid-sized ACL into bit vectors (Lakshman and Stiliadis' bit-vector
 * scheme), for ACLs too long to scan and too short for the tree to pay for its walk.
 *
 * Each field of the packet's key selects one precomputed vector with a bit per ACE, set when the
 * ACE's condition on that field holds; the first ACE whose bit survives the AND of all vectors is the
 * first match. The key's fields: the four bytes of the source and of the destination (a condition
 * on an address is a ternary match, and a ternary match holds iff it holds on every byte, so IOS's
 * non-contiguous wildcards are exact), the protocol, the DSCP together with the TCP ACK-or-RST bit
 * (for `established`), and each port through the elementary interval it falls in (port ranges and
 * neq do not split by byte). Each vector leads with a summary, a bit per 64-bit word that has any
 * bit set (Baboescu and Varghese's aggregated bit vectors): a lookup ANDs the twelve summaries,
 * then only the words they leave, in order, and stops at the first with a bit left. For ACLs that
 * match early that is the first word: a dozen independent loads, no data-dependent branch before
 * the answer; for ACLs that match late, the summaries skip the words that cannot hold a match.
 *
 * Non-initial fragments take the linear scan, as with the tree; `fragments` ACEs have no bit set.
 * Tables: 10 x 256 vectors, a 64k map per port and a vector per port interval: 0.7 MB at 1,000
 * realistic ACEs, 1.9 MB at 3,000.
 */
#include <stdlib.h>
#include <string.h>

#include "qfp_impl.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void set_bit(uint64_t *vec, uint32_t i)
{
    vec[i >> 6] |= 1ull << (i & 63);
}

/* Zeroed, 64-byte aligned, for tables whose rows vector loads read whole. */
static uint64_t *table_alloc(size_t words)
{
    size_t bytes = (words * sizeof(uint64_t) + 63) & ~(size_t)63;
    uint64_t *t = aligned_alloc(64, bytes ? bytes : 64);
    if (t)
        memset(t, 0, bytes);
    return t;
}

/* Fill a vector's summary, if it has one: bit j for word j not zero. */
static void summarise(const struct qfp_acl_bitvec *bv, uint64_t *vec)
{
    const uint64_t *words = vec + bv->summary_words;
    if (!bv->summary_words)
        return;
    for (uint32_t j = 0; j < bv->words; j++)
        if (words[j])
            set_bit(vec, j);
}

/* Keep each distinct row of `rows` once, in order of first appearance, moved to the front;
 * index[r] is the position row r now has. Rows are `bytes` long, a multiple of 8, and at most
 * 65,535 (the index is 16-bit). Returns how many distinct rows there are, or 0 with no memory. */
static uint32_t keep_distinct(void *rows, uint32_t nrows, size_t bytes, uint16_t *index)
{
    enum { EMPTY = 0xffff };
    unsigned char *at = rows;
    uint32_t slots = 1;
    while (slots < 2 * nrows)
        slots <<= 1;
    uint16_t *slot = malloc(slots * sizeof *slot);
    if (!slot)
        return 0;
    memset(slot, 0xff, slots * sizeof *slot);
    uint32_t kept = 0;
    for (uint32_t r = 0; r < nrows; r++) {
        const unsigned char *row = at + r * bytes;
        uint64_t h = 1469598103934665603ull;   /* FNV-1a, a word at a time */
        for (size_t i = 0; i < bytes; i += sizeof(uint64_t)) {
            uint64_t word;
            memcpy(&word, row + i, sizeof word);
            h = (h ^ word) * 1099511628211ull;
        }
        uint32_t s = (uint32_t)h & (slots - 1);
        while (slot[s] != EMPTY && memcmp(at + slot[s] * bytes, row, bytes))
            s = (s + 1) & (slots - 1);
        if (slot[s] == EMPTY) {
            /* Row r moves down over rows already read, never over one still to come. */
            if (kept != r)
                memcpy(at + kept * bytes, row, bytes);
            slot[s] = (uint16_t)kept++;
        }
        index[r] = slot[s];
    }
    free(slot);
    return kept;
}

/* Does ACE a accept `port` on port field `which` (0 source, 1 destination)? */
static int port_holds(const struct qfp_ace *a, int which, uint32_t port)
{
    if (!(a->flags & QFP_ACE_L4))
        return 1;
    uint32_t lo = which ? a->dport_lo : a->sport_lo, hi = which ? a->dport_hi : a->sport_hi;
    int neg = !!(a->flags & (which ? QFP_ACE_DPORT_NEG : QFP_ACE_SPORT_NEG));
    return ((port >= lo) & (port <= hi)) ^ neg;
}

/* The elementary intervals of one port field: the map from port to interval, and per interval the
 * ACEs whose port condition holds throughout it. */
static int build_ports(struct qfp_acl_bitvec *bv, const struct qfp_ace *aces, uint32_t naces, int which)
{
    uint32_t *cuts = malloc(((size_t)naces * 2 + 1) * sizeof *cuts);
    if (!cuts)
        return QFP_ENOMEM;
    uint32_t ncuts = 0;
    cuts[ncuts++] = 0;
    for (uint32_t i = 0; i < naces; i++) {
        if (!(aces[i].flags & QFP_ACE_L4))
            continue;
        uint32_t lo = which ? aces[i].dport_lo : aces[i].sport_lo;
        uint32_t hi = which ? aces[i].dport_hi : aces[i].sport_hi;
        cuts[ncuts++] = lo;
        if (hi < 0xffff)
            cuts[ncuts++] = hi + 1;
    }
    qsort(cuts, ncuts, sizeof *cuts, cmp_u32);
    uint32_t k = 0;
    for (uint32_t i = 0; i < ncuts; i++)
        if (i == 0 || cuts[i] != cuts[k - 1])
            cuts[k++] = cuts[i];
    /* The map in blocks of 256 ports, each distinct block kept once: most blocks lie inside one
     * interval, so a field's map is a few hundred bytes, not 128 KB a random port misses in. One
     * entry more than the blocks: a 32-bit gather of the last entry reads half of it. */
    uint16_t *map = malloc((65536 + 1) * sizeof *map);
    bv->port_vec[which] = table_alloc((size_t)k * bv->stride);
    if (!map || !bv->port_vec[which]) {
        free(map);
        free(cuts);
        return QFP_ENOMEM;
    }
    for (uint32_t j = 0, port = 0; j < k; j++) {
        uint32_t end = j + 1 < k ? cuts[j + 1] : 65536;
        for (; port < end; port++)
            map[port] = (uint16_t)j;
        uint64_t *vec = &bv->port_vec[which][(size_t)j * bv->stride];
        for (uint32_t i = 0; i < naces; i++)
            if (port_holds(&aces[i], which, cuts[j]))   /* constant over the interval */
                set_bit(vec + bv->summary_words, i);
        summarise(bv, vec);
    }
    free(cuts);
    uint32_t nblocks = keep_distinct(map, 256, 256 * sizeof *map, bv->port_block[which]);
    if (!nblocks) {
        free(map);
        return QFP_ENOMEM;
    }
    uint16_t *shrunk = realloc(map, ((size_t)nblocks * 256 + 1) * sizeof *shrunk);
    bv->port_map[which] = shrunk ? shrunk : map;
    bv->bytes += (256 + (size_t)nblocks * 256) * sizeof(uint16_t) + (size_t)k * bv->stride * sizeof(uint64_t);
    return QFP_OK;
}

/* Keep each distinct vector of the ten byte tables once, and point every table entry at its own
 * (row_of): the full tables are 2,560 vectors, the distinct ones a quarter of that or less. Below
 * QFP_BV_SHARE_MIN words the tables stay in place, entry e at vector e. Returns the vectors kept,
 * or 0 with no memory. */
static uint32_t share_rows(struct qfp_acl_bitvec *bv)
{
    enum { ROWS = QFP_BV_TABLES * 256 };
    if (bv->stride < QFP_BV_SHARE_MIN) {
        for (uint32_t e = 0; e < ROWS; e++)
            bv->row_of[e >> 8][e & 255] = (uint16_t)e;
        return ROWS;
    }
    uint64_t *full = bv->byte_vec;
    uint32_t nrows = keep_distinct(full, ROWS, bv->stride * sizeof *full, (uint16_t *)bv->row_of);
    uint64_t *kept = nrows ? table_alloc((size_t)nrows * bv->stride) : NULL;
    if (!kept)
        return 0;
    memcpy(kept, full, (size_t)nrows * bv->stride * sizeof(uint64_t));
    free(full);
    bv->byte_vec = kept;
    return nrows;
}

void qfp_acl_bitvec_free(struct qfp_acl_bitvec *bv)
{
    if (!bv)
        return;
    free(bv->byte_vec);
    for (int w = 0; w < 2; w++) {
        free(bv->port_map[w]);
        free(bv->port_vec[w]);
    }
    free(bv);
}

int qfp_acl_bitvec_build(const struct qfp_ace *aces, uint32_t naces, struct qfp_acl_bitvec **out)
{
    /* naces may be a head of the ACL (QFP_ACL_HYBRID): the bits cover ACEs [0, naces). */
    *out = NULL;
    struct qfp_acl_bitvec *bv = calloc(1, sizeof *bv);
    if (!bv)
        return QFP_ENOMEM;
    bv->words = (naces + 63) / 64;
    if (!bv->words)
        bv->words = 1;
    if (bv->words <= QFP_BV_FLAT_WORDS) {
        bv->summary_words = 0;
        bv->stride = bv->words <= 2 ? bv->words : 4;
    } else {
        bv->summary_words = (bv->words + 63) / 64;
        bv->stride = bv->summary_words + bv->words;
    }
    const size_t per_table = (size_t)256 * bv->stride;
    bv->byte_vec = table_alloc(QFP_BV_TABLES * per_table);
    if (!bv->byte_vec) {
        qfp_acl_bitvec_free(bv);
        return QFP_ENOMEM;
    }
#define BITS(table, v) (&bv->byte_vec[(table) * per_table + (size_t)(v) * bv->stride + bv->summary_words])
    for (uint32_t i = 0; i < naces; i++) {
        const struct qfp_ace *a = &aces[i];
        if (a->flags & QFP_ACE_FRAGMENTS)
            continue;   /* matches only non-initial fragments, which never come here */
        for (uint32_t v = 0; v < 256; v++) {
            for (uint32_t b = 0; b < 4; b++) {
                uint32_t shift = 24 - 8 * b;
                if (((v ^ (a->src_val >> shift)) & (a->src_mask >> shift) & 0xff) == 0)
                    set_bit(BITS(QFP_BV_SRC0 + b, v), i);
                if (((v ^ (a->dst_val >> shift)) & (a->dst_mask >> shift) & 0xff) == 0)
                    set_bit(BITS(QFP_BV_DST0 + b, v), i);
            }
            if (((v ^ a->proto_val) & a->proto_mask) == 0)
                set_bit(BITS(QFP_BV_PROTO, v), i);
            /* v = dscp | ack_or_rst << 6: the DSCP condition, and `established` */
            uint32_t dscp = v & 63, ack_or_rst = v >> 6 & 1;
            /* v >= 128 is a packet not IPv4's (qfp_path.h, bitvec_rows): no ACE holds there */
            if (v < 128 && ((dscp ^ a->dscp_val) & a->dscp_mask) == 0 &&
                (!(a->flags & QFP_ACE_ESTABLISHED) || ack_or_rst))
                set_bit(BITS(QFP_BV_MISC, v), i);
        }
    }
#undef BITS
    for (size_t e = 0; e < QFP_BV_TABLES * (size_t)256; e++)
        summarise(bv, &bv->byte_vec[e * bv->stride]);
    uint32_t nrows = share_rows(bv);
    if (!nrows) {
        qfp_acl_bitvec_free(bv);
        return QFP_ENOMEM;
    }
    bv->bytes = sizeof *bv + (size_t)nrows * bv->stride * sizeof(uint64_t);
    for (int which = 0; which < 2; which++) {
        if (build_ports(bv, aces, naces, which) != QFP_OK) {
            qfp_acl_bitvec_free(bv);
            return QFP_ENOMEM;
        }
    }
    *out = bv;
    return QFP_OK;
}
