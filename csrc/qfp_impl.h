/*
 * qfp_impl.h - the fast path's internal objects, shared by its C files; not part of the contract.
 *
 * Configuration is kept apart from run-time state: ACLs and policies are read-only profiles, shared
 * by every target that uses them; a target (one UIDB, one direction) owns only its small per-class
 * state (counters, buckets). The exceptions are the per-ACE counters, which IOS keeps per ACL.
 */
#ifndef QFP_IMPL_H
#define QFP_IMPL_H

#include <stdatomic.h>
#include <stdint.h>

#include "qfp.h"

/* The per-packet path is also built for AVX2 and AVX-512 (qfp_path_*.c) where the compiler can
 * target them from a file's #pragma GCC target: x86-64 with GCC (clang ignores that pragma). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QFP_X86_64 1
#else
#define QFP_X86_64 0
#endif
/* enum qfp_simd's values, for #if (which cannot see enum constants) */
#define QFP_ISA_PORTABLE 0
#define QFP_ISA_AVX2 1
#define QFP_ISA_AVX512 2
_Static_assert(QFP_ISA_PORTABLE == QFP_SIMD_PORTABLE && QFP_ISA_AVX2 == QFP_SIMD_AVX2 &&
               QFP_ISA_AVX512 == QFP_SIMD_AVX512, "QFP_ISA_* must match enum qfp_simd");

/* A counter that batches in several threads may bump (the per-ACE counters: an ACL is shared by
 * every target that names it). They are sharded by thread (QFP_COUNTER_SHARDS): a thread with a
 * shard of its own bumps with a relaxed load and store, a plain move on every CPU we build for and
 * no data race in C11 terms, since no other thread writes that shard. Threads beyond those share the
 * last shard and bump it with a locked add, so that no count is ever lost at any thread count. */
typedef _Atomic uint64_t qfp_counter;

/* The first QFP_COUNTER_SHARDS - 1 threads to run a batch each take a shard of an ACL's counters for
 * their own (qfp_thread_shard), bumped without sharing a cache line; every later thread bumps the
 * last one, QFP_COUNTER_SHARED, with locked adds. A read sums the shards. */
#define QFP_COUNTER_SHARDS 5
#define QFP_COUNTER_SHARED (QFP_COUNTER_SHARDS - 1)

static inline void qfp_counter_bump(qfp_counter *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

/* Bump a counter of `shard`: the shared shard takes a locked add, an owned one a plain move. The
 * branch goes the same way for a whole batch. */
static inline void qfp_counter_bump_in(qfp_counter *c, uint32_t shard)
{
    if (shard == QFP_COUNTER_SHARED)
        atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
    else
        qfp_counter_bump(c);
}

/* Add `value` to a counter of `shard`, as qfp_counter_bump_in does 1. */
static inline void qfp_counter_add_in(qfp_counter *c, uint64_t value, uint32_t shard)
{
    if (shard == QFP_COUNTER_SHARED)
        atomic_fetch_add_explicit(c, value, memory_order_relaxed);
    else
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + value,
                              memory_order_relaxed);
}

static inline uint64_t qfp_counter_read(const qfp_counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static inline void qfp_counter_set(qfp_counter *c, uint64_t value)
{
    atomic_store_explicit(c, value, memory_order_relaxed);
}

/* Something batches may still read after a control operation replaced it: on the retired list
 * until no batch of an epoch before `at` is left, then handed to `release` (qfp_reclaim). */
struct qfp_retired {
    struct qfp_retired *next;               /* the retired list, newest first */
    uint64_t at;                            /* its successor's birth: release once no batch is older */
    void (*release)(struct qfp *fp, struct qfp_retired *r);
};

/* ---- ACLs ----------------------------------------------------------------------------------------- */
/* A long ACL's index (qfp_acl_index.c): a decision tree over chunks of the key's bits. A tree node
 * is a cut: the packet goes on to kid (key[field] >> shift) & mask, and also down the wild branch,
 * which holds the ACEs indifferent to the cut. Each branch carries its lowest ACE index, so that a
 * walk can skip it, unread, once it has matched an ACE before it. A code with QFP_ACL_LEAF set is a leaf's offset in
 * the pool (its ACE count, its first leaf block or QFP_ACL_NO_BLOCKS, then its ACE indices in ACL
 * order from QFP_ACL_LEAF_ACES on), else a cut's index. */
enum { QFP_ACL_F_SRC, QFP_ACL_F_DST, QFP_ACL_F_SPORT, QFP_ACL_F_DPORT, QFP_ACL_F_PROTO, QFP_ACL_F_DSCP,
       QFP_ACL_FIELDS };
/* An IPv6 ACL's tree cuts IPv4's six fields (the addresses' word 0 in SRC and DST, as the packet
 * record holds them) and the addresses' words 1-3; its leaves check whole ACEs (flow label and
 * extension headers included), so every other condition stays exact without a field of its own. */
enum { QFP_ACL_F_SRC1 = QFP_ACL_FIELDS, QFP_ACL_F_SRC2, QFP_ACL_F_SRC3, QFP_ACL_F_DST1, QFP_ACL_F_DST2,
       QFP_ACL_F_DST3, QFP_ACL6_FIELDS };
#define QFP_ACL_LEAF 0x80000000u
#define QFP_ACL_EMPTY QFP_ACL_LEAF   /* the empty leaf, at the pool's start */
#define QFP_ACL_WALK_MAX 40          /* pending branches of one walk: above DEPTH_MAX */
#define QFP_ACL_LEAF_ACES 2          /* where a leaf's ACE indices start */
#define QFP_ACL_NO_BLOCKS UINT32_MAX

struct qfp_acl_cut {
    uint8_t field, shift;
    uint16_t mask;
    uint32_t kids;              /* offset in the pool of 2^bits (code, lowest ACE below it) pairs */
    uint32_t wild;              /* code of the wild branch, QFP_ACL_EMPTY for none */
    uint32_t wild_first;        /* the lowest ACE down the wild branch */
};

struct qfp_acl_index {
    uint32_t root;              /* code of the tree's root */
    uint32_t ncuts, npool;
    struct qfp_acl_cut *cuts;
    uint32_t *pool;
    uint32_t edits;             /* edits made in place (qfp_acl_index_edit) since it was built whole */
    uint32_t bits_max;          /* the widest cut it was built to take (qfp_acl_index.c) */
    /* The leaves as the scan's columns (below, "leaf block"), for the vector ISAs: NULL for a
     * tree with extra conditions (the columns have none), over budget, or when memory was short. */
    uint32_t *blocks;
    uint32_t nblocks, block_cols;   /* block b's column k: blocks[(b * block_cols + k) * 8] on */
};


/* A mid-sized ACL's bit vectors (qfp_acl_bitvec.c): ten tables of 256 vectors, selected by the
 * address bytes, the protocol, and DSCP | ACK-or-RST << 6. From QFP_BV_SHARE_MIN words on, each
 * vector is kept once however many entries share it (an ACL distinguishes few values of a byte:
 * a quarter of the rows, which then fit in L1); shorter ones stay in place, entry e at row e, as
 * the eight-packet lookup (qfp_path.h) computes their addresses without reading row_of; and per port field a map from port to
 * elementary interval (two levels: blocks of 256 ports, identical blocks shared) and a vector per
 * interval. A vector of up to QFP_BV_FLAT_WORDS words is just
 * its bits, bit i for ACE i, padded to 1, 2 or 4 words (so that an AVX2 load takes four at once);
 * a longer one leads with a summary (bit j: word j of the bits is not zero). Rows are 64-byte
 * aligned tables of `stride` words. */
#define QFP_BV_FLAT_WORDS 4
#define QFP_BV_SHARE_MIN 3
enum { QFP_BV_SRC0 = 0, QFP_BV_DST0 = 4, QFP_BV_PROTO = 8, QFP_BV_MISC = 9, QFP_BV_TABLES = 10 };

struct qfp_acl_bitvec {
    uint32_t words;             /* 64-bit words of bits: one bit per ACE */
    uint32_t summary_words;     /* 64-bit words of summary: one bit per word of bits */
    uint32_t stride;            /* a vector: its summary, then its bits */
    uint16_t row_of[QFP_BV_TABLES][256];    /* a table's index byte to its vector in byte_vec */
    uint64_t *byte_vec;         /* [distinct vector][stride]: tables share identical vectors */
    uint16_t port_block[2][256];    /* source, destination: port >> 8 to its block of port_map */
    uint16_t *port_map[2];      /* [block][port & 255]: the port's elementary interval */
    uint64_t *port_vec[2];      /* [interval][stride] */
    size_t bytes;
};

/* A short ACL's scan table (qfp_acl.c): blocks of 16 ACEs, each holding per condition a column with
 * a lane per ACE, so that one vector instruction tests a packet against 16 ACEs (AVX-512) or 8
 * (AVX2), every column of a block at a fixed offset from it; the plain-C scan tests one ACE without
 * a branch. An address is (key & mask) == val; protocol, DSCP and `established` share one word,
 * misc = proto | dscp << 8 | ack-or-rst << 16 | (family ^ 4) << 17; a port is out of range when below lo or above hi,
 * and the ACE holds on it when out ^ keep is all ones (keep: ~0, or 0 for neq). */
enum { QFP_SCAN_SRC_MASK, QFP_SCAN_SRC_VAL, QFP_SCAN_DST_MASK, QFP_SCAN_DST_VAL, QFP_SCAN_MISC_MASK,
       QFP_SCAN_MISC_VAL, QFP_SCAN_SPORT_LO, QFP_SCAN_SPORT_HI, QFP_SCAN_SPORT_KEEP, QFP_SCAN_DPORT_LO,
       QFP_SCAN_DPORT_HI, QFP_SCAN_DPORT_KEEP, QFP_SCAN_COLUMNS };
#define QFP_SCAN_LANES_LOG2 4
#define QFP_SCAN_LANES (1u << QFP_SCAN_LANES_LOG2)   /* a column of a block: one 64-byte line */
#define QFP_SCAN_NEVER (1u << 24)       /* a misc bit no packet has: padding, `fragments` ACEs */
/* A misc bit every non-IPv4 packet has and no ACE accepts: an IPv4 ACL matches no IPv6 packet at
 * the cost of an OR. The bit vectors do the same with bit 7 of their misc index (qfp_path.h). */
#define QFP_SCAN_NOT_IPV4 (7u << 17)       /* (family ^ 4) << 17: 0 for IPv4, never 0 else */

struct qfp_scan_block {
    _Alignas(64) uint32_t col[QFP_SCAN_COLUMNS][QFP_SCAN_LANES];
};

/* A tree leaf's ACEs in the scan's columns, eight lanes a block (a leaf has few ACEs: LEAF_MAX in
 * qfp_acl_index.c), so that a leaf is tested in one vector step, without a branch per ACE: on
 * ClassBench sets of 1k rules a walk reaches about two leaves and tested five ACEs, and their
 * mispredicted branches were a quarter to a third of its time (LEAF_BLOCKS_MAX says when). An IPv6 leaf's blocks hold IPv4's columns for
 * the addresses' word 0, the protocol, DSCP and ports, with the extension headers an ACE names in
 * misc's bits 20-23 (and not the family's bits: only IPv6 packets reach an IPv6 tree); then a
 * (mask, value) pair of columns for each of the addresses' words 1-3 and the flow label. */
#define QFP_ACL_LEAF_LANES 8
#define QFP_SCAN6_EXT_SHIFT 20
enum { QFP_SCAN6_WORD_PAIRS = 7, QFP_SCAN6_COLUMNS = QFP_SCAN_COLUMNS + 2 * QFP_SCAN6_WORD_PAIRS };

/* ACE a's scan columns, one lane's worth (a NULL a: a padding lane, which nothing matches).
 * `fragments` ACEs never match there either: only non-initial fragments match them, and those take
 * the ACE list itself. */
static inline void qfp_scan_lane(const struct qfp_ace *a, uint32_t col[QFP_SCAN_COLUMNS])
{
    uint32_t never = !a || (a->flags & QFP_ACE_FRAGMENTS) ? QFP_SCAN_NEVER : 0;
    uint32_t est = a && (a->flags & QFP_ACE_ESTABLISHED) ? 1u << 16 : 0;
    col[QFP_SCAN_SRC_MASK] = a ? a->src_mask : 0;
    col[QFP_SCAN_SRC_VAL] = a ? a->src_val : 0;
    col[QFP_SCAN_DST_MASK] = a ? a->dst_mask : 0;
    col[QFP_SCAN_DST_VAL] = a ? a->dst_val : 0;
    /* QFP_SCAN_NOT_IPV4 in the mask, never in the value: no packet of another family holds */
    col[QFP_SCAN_MISC_MASK] = (a ? a->proto_mask | (uint32_t)a->dscp_mask << 8 : 0) | est | never | QFP_SCAN_NOT_IPV4;
    col[QFP_SCAN_MISC_VAL] = (a ? a->proto_val | (uint32_t)a->dscp_val << 8 : 0) | est | never;
    /* ACEs without L4 conditions say 0-65535, not negated (ace_check), so they hold on any port. */
    col[QFP_SCAN_SPORT_LO] = a ? a->sport_lo : 0;
    col[QFP_SCAN_SPORT_HI] = a ? a->sport_hi : 0xffff;
    col[QFP_SCAN_SPORT_KEEP] = a && (a->flags & QFP_ACE_SPORT_NEG) ? 0 : ~0u;
    col[QFP_SCAN_DPORT_LO] = a ? a->dport_lo : 0;
    col[QFP_SCAN_DPORT_HI] = a ? a->dport_hi : 0xffff;
    col[QFP_SCAN_DPORT_KEEP] = a && (a->flags & QFP_ACE_DPORT_NEG) ? 0 : ~0u;
}

/* An IPv6 ACE's leaf-block columns, one lane's worth (NULL: padding, which nothing matches). */
static inline void qfp_scan_lane6(const struct qfp_ace6 *a, uint32_t col[QFP_SCAN6_COLUMNS])
{
    if (!a) {
        qfp_scan_lane(NULL, col);
        for (uint32_t k = QFP_SCAN_COLUMNS; k < QFP_SCAN6_COLUMNS; k++)
            col[k] = 0;
        return;
    }
    /* IPv4's columns of an ACE with the same word 0, protocol, DSCP, ports and flags */
    const struct qfp_ace v4 = {.src_val = a->src_val[0], .src_mask = a->src_mask[0], .dst_val = a->dst_val[0],
                               .dst_mask = a->dst_mask[0], .sport_lo = a->sport_lo, .sport_hi = a->sport_hi,
                               .dport_lo = a->dport_lo, .dport_hi = a->dport_hi, .proto_val = a->proto_val,
                               .proto_mask = a->proto_mask, .dscp_val = a->dscp_val, .dscp_mask = a->dscp_mask,
                               .flags = a->flags};
    qfp_scan_lane(&v4, col);
    col[QFP_SCAN_MISC_MASK] = (col[QFP_SCAN_MISC_MASK] & ~QFP_SCAN_NOT_IPV4) | (uint32_t)a->ext << QFP_SCAN6_EXT_SHIFT;
    col[QFP_SCAN_MISC_VAL] |= (uint32_t)a->ext << QFP_SCAN6_EXT_SHIFT;
    /* the pairs in the order of the packet's words: source 1-3, destination 1-3, flow label */
    for (uint32_t w = 0; w < 3; w++) {
        col[QFP_SCAN_COLUMNS + 2 * w] = a->src_mask[w + 1];
        col[QFP_SCAN_COLUMNS + 2 * w + 1] = a->src_val[w + 1];
        col[QFP_SCAN_COLUMNS + 6 + 2 * w] = a->dst_mask[w + 1];
        col[QFP_SCAN_COLUMNS + 6 + 2 * w + 1] = a->dst_val[w + 1];
    }
    col[QFP_SCAN_COLUMNS + 12] = a->flow_mask;
    col[QFP_SCAN_COLUMNS + 13] = a->flow_val;
}

/* An IPv6 ACL's bit vectors (qfp_acl.c, acl6_build): its ACEs projected onto four IPv4-shaped ACLs
 * whose conditions together are the IPv6 ACE's, each compiled by qfp_acl_bitvec_build unchanged.
 * Projection k holds address word k of each address; 0 also the protocol, DSCP, ports (ICMPv6
 * type and code) and flags; 3 the extension headers, as a protocol mask, and the flow label, split
 * into the ports (its top 16 bits, its low 4). A packet is projected likewise (qfp_path.h), and the
 * AND of the four sets' vectors (48 rows) leaves the ACEs that match on every field. */
enum { QFP_ACL6_PROJECTIONS = 4 };

struct qfp_acl {
    uint32_t naces;
    uint32_t method;            /* enum qfp_acl_method, as built: never QFP_ACL_AUTO */
    uint32_t family;            /* enum qfp_family: aces (IPv4) or aces6 (IPv6) holds its ACEs */
    struct qfp_ace *aces;       /* read-only once published; NULL for an IPv6 ACL */
    uint32_t extra;             /* ACEs with QFP_ACE_EXTRA; not 0: lookups check candidates (acl_lookup_extra) */
    uint32_t tree_from;         /* the first ACE its tree holds: 0, or a hybrid's head */
    struct qfp_ace6 *aces6;     /* an IPv6 ACL's, scanned in order; NULL for an IPv4 ACL */
    struct qfp_acl_index *index;    /* the tree, for QFP_ACL_TREE */
    struct qfp_acl_bitvec *bitvec;  /* for QFP_ACL_BITVEC */
    struct qfp_scan_block *scan;    /* for QFP_ACL_SCAN: a block per 16 ACEs, the last padded */
    struct qfp_acl_bitvec *bitvec6[QFP_ACL6_PROJECTIONS];   /* an IPv6 ACL's, for QFP_ACL_BITVEC */
    /* Run-time state, written by batches: per shard a row of packets per ACE, then the implicit
     * deny at [naces] (an IPv6 ACL: then nd-na, nd-ns); rows are `stride` counters apart, a whole
     * number of cache lines. */
    qfp_counter *hits;
    uint32_t stride;
    /* A replace publishes a new ACL without stopping batches (qfp_acl_replace.c), as a bind does a
     * target: a batch that entered before `born` still sees `prev`, which is retired and freed once
     * no such batch is left. */
    uint64_t born;
    const struct qfp_acl *prev;             /* for batches before `born`; dangles, unread, after */
    struct qfp_retired retired;
};

/* This thread's counter shard (qfp_process.c). */
uint32_t qfp_thread_shard(void);

/* An ACL counter's total over the shards. */
static inline uint64_t qfp_acl_hits(const struct qfp_acl *acl, uint32_t index)
{
    uint64_t sum = 0;
    for (uint32_t s = 0; s < QFP_COUNTER_SHARDS; s++)
        sum += qfp_counter_read(&acl->hits[(size_t)s * acl->stride + index]);
    return sum;
}

struct qfp_acl_slot {
    struct qfp_acl *acl;        /* NULL: slot free */
    uint32_t refs;              /* targets and policies that name the slot */
};

/* ---- policers ------------------------------------------------------------------------------------- */
enum qfp_pact { QFP_PACT_TRANSMIT, QFP_PACT_DROP, QFP_PACT_MARK };

/* A policer profile, decoded from its hw words once at configuration time. */
struct qfp_police_profile {
    uint8_t mode;                           /* enum qfp_police_mode */
    uint8_t act[QFP_COLOUR_COUNT];          /* enum qfp_pact per colour */
    uint8_t mark[QFP_COLOUR_COUNT];         /* DSCP to mark with, for QFP_PACT_MARK */
    uint64_t cir, pir;                      /* bit/s, which is token units per ns */
    uint64_t cbs, ebs;                      /* bucket sizes, token units (ebs: E for 1R3C, P for 2R3C) */
    uint64_t dt_c_max, dt_e_max;            /* ns after which a refill certainly fills the bucket */
};

/* ---- policies ------------------------------------------------------------------------------------- */
struct qfp;
struct qfp_policy;

/* A class's part in the scheduler (qfp_queue.c), compiled when the policy is created so that a
 * packet never divides: rates and sizes in token units, fill times clamped, reciprocals made. A
 * class of a queueing level with no queueing action of its own shares class-default's queue. */
enum { QFP_QROLE_SHARED = 3 };

struct qfp_qclass {
    uint8_t role;                           /* enum qfp_queue_role, or QFP_QROLE_SHARED */
    uint8_t priority;                       /* 0, 1 or 2 */
    uint32_t queue_limit;
    uint64_t shape_cir;                     /* bit/s = token units per ns; 0: no shaper */
    int64_t shape_max;                      /* (bc + be) * 8e9 */
    uint64_t shape_dt_full;                 /* ns after which a refill certainly fills it */
    unsigned __int128 shape_recip;          /* floor(2^88 / cir) + 1: ceil(d / cir) by a multiply */
    uint64_t pri_rate, pri_size, pri_dt_full;   /* the conditional policer; rate 0: none */
    uint64_t bw_min, meter_dt_full;         /* the minimum meter; 0: none */
    uint64_t excess_step;                   /* floor(65536000 / weight), per byte */
};

struct qfp_pclass {
    struct qfp_class_cfg cfg;               /* as given, for read-back */
    struct qfp_qclass q;
    int16_t set_dscp;                       /* DSCP the class's `set` writes, -1 for none */
    uint8_t has_police;
    struct qfp_police_profile police;
    const struct qfp_policy *child;
    uint32_t state;                         /* index of this class's state in an instance of the policy */
};

/* A policy's access-group terms answered together (qfp_policy.c): the ACEs of every ACL its terms
 * name, at most 64 in all, laid end to end in one set of bit vectors (qfp_acl_bitvec.c). One AND
 * per packet gives every ACE it matches; a term's ACL is a run of those bits, and its first match is
 * the run's lowest bit. Rebuilt whenever one of those ACLs is replaced. */
#define QFP_TERM_BITS_MAX 64

struct qfp_term_bits {
    struct qfp_acl_bitvec *bv;
    uint64_t permit;                        /* bit i: ACE i (end to end) is a permit */
    uint64_t *run;                          /* [nterms]: the bits of the ACL an access-group term names */
    uint64_t extra;                         /* bit i: ACE i has QFP_ACE_EXTRA, a candidate to check */
    struct qfp_ace *aces;                   /* the ACEs end to end, kept when extra is not 0 */
    uint64_t born;                          /* published with a replaced ACL, as it is (struct qfp_acl) */
    const struct qfp_term_bits *prev;
    struct qfp_retired retired;
};

/* A policy's class-maps as bit logic (qfp_policy.c), when it has at most 64 terms and 64
 * class-maps: every term's answer is a bit of one word, T. `any` and `dscp` terms come from a table
 * by DSCP, access-group terms from the term bits; then each class-map, nested ones first, is one
 * masked compare of T ^ negate, and its answer sets the bits of the terms that name it. A packet
 * then costs a few instructions per class-map instead of a call and a loop per term. */
#define QFP_LOGIC_MAX 64

struct qfp_cmap_logic {
    uint64_t terms;                         /* its terms' bits */
    uint64_t feeds;                         /* bits of the `match class-map` terms that name it */
    uint32_t cmap;                          /* its index in the policy */
    uint32_t match_all;
};

struct qfp_class_logic {
    uint64_t at_dscp[64];                   /* bit t: term t, `any` or `dscp`, holds at this DSCP */
    uint64_t acl_terms;                     /* bit t: term t is an access-group term */
    uint64_t negate;                        /* bit t: term t is `match not` */
    uint32_t ncmaps;
    struct qfp_cmap_logic cmap[];           /* nested class-maps before those that name them */
};

struct qfp_policy {
    char name[QFP_NAME_MAX];
    uint32_t policy_id;
    uint32_t nclasses, ncmaps, nterms;
    struct qfp_pclass *classes;
    struct qfp_cmap *cmaps;
    struct qfp_term *terms;
    struct qfp_term_bits *term_bits;        /* NULL: each access-group term looks its ACL up */
    struct qfp_class_logic *logic;          /* NULL: over QFP_LOGIC_MAX terms or class-maps */
    uint32_t nstates;                       /* its classes' states and their children's, depth-first */
    uint32_t depth;
    uint8_t queues;                         /* this level queues (docs/fastpath.md, "The tree") */
    uint32_t refs;
    int32_t handle;
};

/* ---- targets -------------------------------------------------------------------------------------- */
/* One class of a policy instance: 128 bytes. */
struct qfp_cstate {
    struct qfp_class_counters c;
    uint64_t tc, te;                        /* bucket levels, token units (te: E or P bucket) */
    uint64_t last_ns;                       /* time of the last refill */
    uint32_t policer_id;
    uint32_t pad;
};

/* A bind publishes a new target without stopping batches (qfp_uidb_bind): a batch that entered
 * before the target's epoch `born` still sees `prev`, what the slot held before. A replaced target
 * is retired, and freed once no batch older than its successor's birth is left (qfp_reclaim). */
struct qfp_sched;

struct qfp_target {
    int32_t acl_slot;                       /* IPv4 ACL, QFP_ACL_NONE for none */
    uint32_t nstates;
    const struct qfp_policy *policy;        /* NULL for none */
    struct qfp_sched *sched;                /* NULL unless the policy queues (qfp_queue.c) */
    uint64_t born;                          /* the epoch from which batches see this target */
    const struct qfp_target *prev;          /* for batches before `born`; dangles, unread, after */
    struct qfp_retired retired;
    uint8_t dir;
    int32_t acl6_slot;                      /* IPv6 ACL, QFP_ACL_NONE for none: in what was padding,
                                               so that the IPv4 path's lines stay where they were */
    struct qfp_cstate states[];
};

/* A UIDB's accounting counters (docs/fastpath.md, "UIDB accounting counters"): per thread shard
 * one cache line, per direction packets and bytes seen and forwarded. They live beside the UIDB
 * table, not in a target, so that a bind, which replaces the targets, keeps them. */
enum { QFP_ACCT_PKTS, QFP_ACCT_BYTES, QFP_ACCT_FWD_PKTS, QFP_ACCT_FWD_BYTES, QFP_ACCT_COUNTERS };

struct qfp_uidb_acct {
    struct {
        _Alignas(64) qfp_counter c[QFP_DIR_COUNT][QFP_ACCT_COUNTERS];
    } shard[QFP_COUNTER_SHARDS];
};
_Static_assert(sizeof(struct qfp_uidb_acct) == 64 * QFP_COUNTER_SHARDS, "a shard's row is one cache line");

struct qfp_uidb_cold {
    uint32_t ifh;
    uint8_t in_use;
    char ifname[QFP_NAME_MAX];
};

/* ---- the whole fast path -------------------------------------------------------------------------- */
/* Batches are counted in by their epoch modulo this: epochs that share a counter only delay the
 * freeing of retired targets, never hasten it. */
#define QFP_EPOCH_RING 64
struct qfp {
    /* The batch gate (qfp_ctl.c): the epoch, batches in flight by the epoch they entered in
     * (modulo the ring), and a writer waiting to publish behind a closed gate. */
    _Atomic uint64_t epoch;
    atomic_uint readers[QFP_EPOCH_RING];
    atomic_uint writer;
    uint64_t quiet;                         /* no batch of an epoch before this is in flight */
    struct qfp_retired *retired;            /* what batches may still read, newest first */
    atomic_flag ctl_lock;                   /* serialises control operations */
    _Atomic uint64_t gate_waits;            /* batches that found the gate closed */
    _Atomic uint64_t gate_wait_max_ns;      /* the longest such wait */

    uint32_t max_uidbs;
    struct qfp_target **targets;            /* [uidb * 2 + dir]; NULL: UIDB not in use */
    struct qfp_uidb_cold *uidbs;
    struct qfp_uidb_acct *acct;             /* [uidb], 64-byte aligned within acct_mem */
    void *acct_mem;
    uint32_t uidb_free_hint;                /* no free UIDB below this index */

    uint32_t max_acls;
    struct qfp_acl_slot *acls;
    uint32_t simd;                          /* enum qfp_simd: the per-packet path batches run */
    uint32_t acl_method;                    /* enum qfp_acl_method for ACLs built from now on */
    uint32_t acl_bitvec_head;               /* ACEs in a QFP_ACL_HYBRID's bit vectors */

    uint32_t max_policies;
    struct qfp_policy **policies;

    uint32_t next_policer;                  /* policer instances created so far */
    struct qfp_target empty_target;         /* bound to an in-use UIDB with nothing configured */
    char errmsg[QFP_ERRMSG_MAX];
    struct qfp_trace *trace;                /* the packet trace's buffer (qfp_trace.c); NULL: none */
};

/* qfp_ctl.c */
int qfp_fail(struct qfp *fp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void qfp_ctl_lock(struct qfp *fp);
void qfp_ctl_unlock(struct qfp *fp);
void qfp_gate_close(struct qfp *fp);
void qfp_gate_open(struct qfp *fp);
uint64_t qfp_gate_enter(struct qfp *fp);
void qfp_gate_exit(struct qfp *fp, uint64_t epoch);
void qfp_reclaim(struct qfp *fp, int wait);
void qfp_retire(struct qfp *fp, struct qfp_retired *r, uint64_t at,
                void (*release)(struct qfp *, struct qfp_retired *));

/* The target batches of `epoch` see for a UIDB and direction; NULL for a UIDB not in use. */
static inline const struct qfp_target *qfp_target_at(const struct qfp *fp, uint32_t uidb, uint32_t dir,
                                                     uint64_t epoch)
{
    if (uidb >= fp->max_uidbs)
        return NULL;
    const struct qfp_target *t = __atomic_load_n(&fp->targets[(size_t)uidb * 2 + (dir & 1)], __ATOMIC_ACQUIRE);
    while (t && t->born > epoch)   /* a bind since this batch began: rarely more than one step */
        t = t->prev;
    return t;
}

/* The ACL in a slot, and a policy's term bits, as batches of `epoch` see them: a replace
 * publishes both without stopping batches (qfp_acl_replace.c), and a batch that began before it
 * sees what was there to its end. A policy's bits may be NULL (its terms then look their ACLs up,
 * in the same epoch), and may become NULL in a replace, which leaves an older batch the same. */
static inline const struct qfp_acl *qfp_acl_at(const struct qfp *fp, uint32_t slot, uint64_t epoch)
{
    const struct qfp_acl *a = __atomic_load_n(&fp->acls[slot].acl, __ATOMIC_ACQUIRE);
    while (a->born > epoch)   /* a replace since this batch began: rarely more than one step */
        a = a->prev;
    return a;
}

static inline const struct qfp_term_bits *qfp_term_bits_at(const struct qfp_policy *pol, uint64_t epoch)
{
    const struct qfp_term_bits *tb = __atomic_load_n(&pol->term_bits, __ATOMIC_ACQUIRE);
    while (tb && tb->born > epoch)
        tb = tb->prev;
    return tb;
}

/* qfp_path_*.c: the per-packet path (qfp_path.h), once per instruction set */
#define QFP_PATH_DECLARE(isa)                                                                          \
    void qfp_process_##isa(struct qfp *fp, const struct qfp_pkt *pkts, struct qfp_verdict *verdicts,  \
                           size_t n, uint32_t shard, uint64_t epoch);                                 \
    void qfp_acl_classify_##isa(const struct qfp_acl *acl, const struct qfp_pkt *pkts, uint32_t *ace_out, \
                                size_t n);
QFP_PATH_DECLARE(portable)
QFP_PATH_DECLARE(avx2)
QFP_PATH_DECLARE(avx512)
#undef QFP_PATH_DECLARE

/* qfp_acl.c */
/* `aces` is struct qfp_ace[] for family QFP_FAMILY_IPV4, struct qfp_ace6[] for QFP_FAMILY_IPV6.
 * `prev`: the ACL it replaces, or NULL; a tree's or a hybrid's ACL changed by a few ACEs gets its
 * tree edited. */
int qfp_acl_build(struct qfp *fp, uint32_t family, const void *aces, uint32_t naces, const uint64_t *hits,
                  const struct qfp_acl *prev, struct qfp_acl **out);
void qfp_acl_free(struct qfp_acl *acl);
int qfp_acl_slot_check(struct qfp *fp, uint32_t slot);   /* a slot that holds an ACL */
int qfp_acl_ref(struct qfp *fp, int32_t slot);   /* check the slot is live and take a reference */
/* Check that the slot (or QFP_ACL_NONE) holds an ACL of `family`; `what` names it in the message. */
int qfp_acl_family_check(struct qfp *fp, int32_t slot, uint32_t family, const char *what);
void qfp_acl_unref(struct qfp *fp, int32_t slot);
void qfp_acl_free_all(struct qfp *fp);

/* qfp_acl_index.c */
/* A tree over ACEs [first, naces) of the ACL (first > 0: the tail of a QFP_ACL_HYBRID). */
int qfp_acl_index_build(const struct qfp_ace *aces, uint32_t naces, uint32_t first,
                        struct qfp_acl_index **out);
/* The tree over the same ACEs from another `first`, cut as `like` was (a hybrid's tail, after AUTO
 * built the whole tree): no second choice of width. */
int qfp_acl_index_build_like(const struct qfp_acl_index *like, const struct qfp_ace *aces, uint32_t naces,
                             uint32_t first, struct qfp_acl_index **out);
/* A tree over every ACE of an IPv6 ACL, cutting its QFP_ACL6_FIELDS. */
int qfp_acl_index_build6(const struct qfp_ace6 *aces, uint32_t naces, struct qfp_acl_index **out);
/* A small edit of a tree's ACL without a rebuild: `old` indexes the ACEs from `from` on (0 for a
 * QFP_ACL_TREE, a QFP_ACL_HYBRID's head); the new ACL (`aces`, struct qfp_ace[] for IPv4, struct
 * qfp_ace6[] for IPv6) is the old one with its ACEs [at, at + removed) replaced by the new [at, at +
 * inserted). Builds a copy of the tree holding the new ACL's ACEs from `from` on: those that left
 * it taken out of its leaves, the others renumbered, those that came (new, or moved past `from`)
 * put into every branch that may hold them, cuts unchanged. QFP_EFULL when the tree has been edited
 * QFP_ACL_EDITS_MAX times (its cuts were chosen for the ACEs it was built from) or would pass its
 * budget: then the caller builds it whole. */
#define QFP_ACL_EDITS_MAX 64
#define QFP_ACL_EDIT_ACES 8     /* the most ACEs an edit removes, or inserts */
int qfp_acl_index_edit(const struct qfp_acl_index *old, uint32_t family, const void *aces, uint32_t from,
                       uint32_t at, uint32_t removed, uint32_t inserted, struct qfp_acl_index **out);
void qfp_acl_index_free(struct qfp_acl_index *ix);
void qfp_acl_index_stats(const struct qfp_acl_index *ix, struct qfp_acl_stats *st);
/* Build-time estimates of a lookup's work (QFP_ACL_AUTO's choice, qfp_acl.c): probe keys drawn from
 * the ACEs and at random, deterministically; a walk's cost in these units (a node, a leaf reached
 * with the pop that led there, an ACE tested; a hybrid's bit-vector head), set by measurement. */
enum { QFP_ACL_COST_NODE = 6, QFP_ACL_COST_LEAF = 4, QFP_ACL_COST_ACE = 2, QFP_ACL_COST_HEAD = 12,
       QFP_ACL_COST_ACE_LOAD = 24, QFP_ACL_PROBES = 512 };
struct qfp_acl_probe {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto, dscp;
};
void qfp_acl_probes(const struct qfp_ace *aces, uint32_t naces, struct qfp_acl_probe *out, uint32_t n);
int qfp_acl_probe_match(const struct qfp_ace *a, const struct qfp_acl_probe *p);
uint32_t qfp_acl_index_walk_cost(const struct qfp_acl_index *ix, const struct qfp_ace *aces, uint32_t naces,
                                 const struct qfp_acl_probe *p);

/* A leaf's first ACE before `best` that matches, one ACE at a time: matches(ctx, ace) says whether
 * one does; cost: NULL, or where to add the work done. Returns that ACE, or `best`. */
static inline __attribute__((always_inline)) uint32_t qfp_acl_leaf_each(
    const uint32_t *leaf, uint32_t best, int (*matches)(const void *ctx, uint32_t ace), const void *ctx,
    uint32_t *cost)
{
    const uint32_t *ace = leaf + QFP_ACL_LEAF_ACES;
    for (uint32_t i = 0; i < leaf[0] && ace[i] < best; i++) {
        if (cost)
            *cost += QFP_ACL_COST_ACE;
        if (matches(ctx, ace[i]))
            return ace[i];
    }
    return best;
}

/* The walk of a tree, one code for the lookup (qfp_path.h, acl_index_lookup, compiled per ISA) and
 * for the build's estimate of it (qfp_acl_index_walk_cost), so that the estimate counts the walk
 * the lookup does. It visits every branch the key reaches, the wild ones too. Of a cut's two
 * branches the one holding the lower ACE goes first, so that an early match (often a broad ACE,
 * pushed down a wild branch) is found soon; a branch whose lowest ACE comes after the best match so
 * far is skipped without being read. leaf_first(ctx, leaf, best, cost): the leaf's first matching
 * ACE if it comes before `best`, else `best` (qfp_acl_leaf_each, or a vector test of its blocks);
 * cost: NULL (the lookup: the counting compiles away), or where to add the work done. Returns the
 * first match, or `none`. */
static inline __attribute__((always_inline)) uint32_t qfp_acl_tree_walk(
    const struct qfp_acl_index *ix, const uint32_t *key, uint32_t none,
    uint32_t (*leaf_first)(const void *ctx, const uint32_t *leaf, uint32_t best, uint32_t *cost),
    const void *ctx, uint32_t *cost)
{
    uint32_t best = none;
    uint32_t pending[QFP_ACL_WALK_MAX], pending_first[QFP_ACL_WALK_MAX], sp = 0;
    pending[sp] = ix->root, pending_first[sp++] = 0;
    while (sp) {
        --sp;
        if (pending_first[sp] >= best)
            continue;
        uint32_t code = pending[sp];
        while (!(code & QFP_ACL_LEAF)) {
            if (cost)
                *cost += QFP_ACL_COST_NODE;
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
        if (cost)
            *cost += QFP_ACL_COST_LEAF;
        best = leaf_first(ctx, &ix->pool[code & ~QFP_ACL_LEAF], best, cost);
    }
    return best;
}

/* qfp_acl_bitvec.c */
int qfp_acl_bitvec_build(const struct qfp_ace *aces, uint32_t naces, struct qfp_acl_bitvec **out);
void qfp_acl_bitvec_free(struct qfp_acl_bitvec *bv);

/* qfp_policy.c */
void qfp_policy_unref(struct qfp *fp, const struct qfp_policy *policy);
/* The term bits of `pol` as they would be with the ACL in `slot` replaced by `acl` (slot -1: as
 * things are); NULL when the policy has no access-group term, names over QFP_TERM_BITS_MAX ACEs,
 * or memory is short: each term then looks its ACL up, which is always right. */
struct qfp_term_bits *qfp_term_bits_build(const struct qfp *fp, const struct qfp_policy *pol,
                                          int32_t slot, const struct qfp_acl *acl);
void qfp_term_bits_free(struct qfp_term_bits *tb);
void qfp_policy_free_all(struct qfp *fp);

/* qfp_police.c */
int qfp_police_profile(struct qfp *fp, const struct qfp_class_cfg *cfg, struct qfp_police_profile *out);
void qfp_police_state_init(const struct qfp_police_profile *prof, struct qfp_cstate *st);

/* qfp_queue.c: the scheduler of an output target whose policy queues (docs/fastpath.md,
 * "Queueing"). Compiled per class at policy creation, instantiated at bind, run per packet. */
int qfp_queue_compile(struct qfp *fp, struct qfp_policy *pol);
int qfp_sched_new(struct qfp *fp, const struct qfp_policy *pol, struct qfp_sched **out);
void qfp_sched_free(struct qfp_sched *s);
/* The packet's way through its queue (the state index of it in the target): QFP_REASON_NONE
 * when queued, else QFP_REASON_QUEUE or QFP_REASON_PRIORITY, the drop counted. */
uint8_t qfp_sched_packet(struct qfp_sched *s, struct qfp_cstate *states, uint32_t queue_state,
                         uint64_t ts, uint16_t length);
void qfp_sched_advance(struct qfp_sched *s, uint64_t until_ns);
uint64_t qfp_sched_clock(const struct qfp_sched *s);
void qfp_sched_read(const struct qfp_sched *s, uint32_t state, struct qfp_queue_stats *out);
void qfp_sched_clear(struct qfp_sched *s);
/* qfp_sched_packet for a traced packet: `mark` (qfp_trace_mark) rides in its descriptor to its
 * departure, and *depth_out is what its queue held when it reached it. */
uint8_t qfp_sched_packet_traced(struct qfp_sched *s, struct qfp_cstate *states, uint32_t queue_state,
                                uint64_t ts, uint16_t length, uint32_t mark, uint32_t *depth_out);

/* qfp_trace.c: the packet path's calls for a packet that asks to be traced (qfp.h, "packet trace").
 * begin reserves and fills the record's header (NULL: no buffer, or a full one that stops); end
 * writes the verdict and counts the packet in the statistics. */
struct qfp_trace_rec *qfp_trace_begin(struct qfp *fp, const struct qfp_pkt *p);
void qfp_trace_end(struct qfp *fp, struct qfp_trace_rec *rec, const struct qfp_verdict *v);
uint32_t qfp_trace_mark(const struct qfp *fp, const struct qfp_trace_rec *rec);
void qfp_trace_departed(struct qfp *fp, uint32_t mark, uint64_t t);
void qfp_trace_free(struct qfp *fp);

#endif
