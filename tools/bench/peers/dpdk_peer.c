/*
 * dpdk_peer.c - our ACL classifier and policers side by side with DPDK's rte_acl and rte_meter.
 *
 * Usage: dpdk_peer [-6] RULES.bin PACKETS.bin RESULTS.bin REPEAT -- EAL-ARGS...
 *
 *   -6           an IPv6 ACL: RULES.bin holds struct qfp_ace6[] and every packet is IPv6
 *   RULES.bin    struct qfp_ace[] (csrc/qfp.h), native byte order
 *   PACKETS.bin  struct qfp_pkt[], native byte order
 *   RESULTS.bin  written: one uint32 per packet, the index of the first ACE the packet matches, or
 *                the number of ACEs when it matches none (what qfp_acl_classify() answers); for an
 *                IPv6 ACL, IOS's implicit nd-na and nd-ns permits answer naces + 1 and naces + 2
 *   REPEAT       rounds: each round times two passes of every classifier in turn (interleaved,
 *                so that a noisy neighbour slows all of them alike); the median round and the
 *                interquartile range are reported, never the best pass. A classifier's first pass
 *                of a round starts from a cache the others' passes filled ("cold": rte_acl's
 *                tables run to gigabytes); its second, on the same packets, is its steady state,
 *                as dpdk-test-acl measures by iterating over a trace, and is the figure given as
 *                "ns"; the first is given too
 *
 * The ACEs become rte_acl rules (first match = highest priority), built once, and every classify
 * algorithm this DPDK offers classifies all packets in bursts of BURST, REPEAT times; each algorithm's
 * answers must equal the scalar one's. rte_meter's srTCM and trTCM colour-blind checks are timed on
 * one meter each over the packets' lengths and arrival times.
 *
 * Our own lookup, in this same process and interleaved with rte_acl's rounds, when the environment
 * names the built binding: QFP_PEER_OURS (the qfp_model.qfp._fastpath extension), QFP_PEER_LIBPYTHON
 * (the libpython it links against: the extension leaves Python's symbols for the interpreter to
 * provide, so it is loaded first) and QFP_PEER_METHODS ("auto=0,tree=2,..."; enum qfp_acl_method).
 * Each method's ACL is built (timed) and its answers must equal rte_acl's scalar ones: mismatches
 * are counted, not fatal, so that a run reports them precisely.
 *
 * stdout: one JSON object on one line (ns per packet, medians; null for an algorithm this machine
 * lacks).
 * stderr: diagnostics. Exit status 0 on success, 2 when an ACE cannot be expressed in rte_acl
 * (established, fragments), 1 on any other failure.
 *
 * IPv6 rules take DPDK's own IPv6 layout (l3fwd-acl, test_acl): the protocol byte, each address as
 * four 32-bit fields, the two ports; a fifth 32-bit field carries DSCP, flow label and extension
 * headers only when some ACE asks for them, so a plain 5-tuple ACL is timed in exactly DPDK's layout.
 * The implicit ND permits that every IPv6 ACL ends with become two rules below every ACE's priority.
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -o dpdk_peer dpdk_peer.c $(pkg-config --cflags --libs libdpdk)
 */
#define _POSIX_C_SOURCE 200809L

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_meter.h>

#include "qfp.h"   /* the fast path's contract, installed with qfp_model.qfp */

_Static_assert(sizeof(struct qfp_pkt) == 64, "struct qfp_pkt is 64 bytes");
_Static_assert(sizeof(struct qfp_ace) == 48, "struct qfp_ace is 48 bytes");
_Static_assert(sizeof(struct qfp_ace6) == 88, "struct qfp_ace6 is 88 bytes");

enum { BURST = 256 };

/* ---- rte_acl's view of a packet ----------------------------------------------------------------
 * rte_acl reads its input as bytes in network order (rule values are given in host order). The
 * first field must be one byte and every later input_index must cover exactly 4 bytes: so the
 * DSCP is a 4-byte field of its own (a 1-byte field in a group of its own silently misclassifies),
 * and the two 2-byte port ranges share one input_index. */
struct acl_input {
    uint8_t proto;
    uint32_t src;    /* big-endian */
    uint32_t dst;    /* big-endian */
    uint16_t sport;  /* big-endian */
    uint16_t dport;  /* big-endian */
    uint32_t dscp;   /* big-endian */
    uint8_t pad[3];  /* round the record to 20 bytes so no read runs past the array's end */
} __attribute__((packed));

enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, F_DSCP, NUM_FIELDS };

static const struct rte_acl_field_def field_defs[NUM_FIELDS] = {
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = F_PROTO, .input_index = 0,
     .offset = offsetof(struct acl_input, proto)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F_SRC, .input_index = 1,
     .offset = offsetof(struct acl_input, src)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F_DST, .input_index = 2,
     .offset = offsetof(struct acl_input, dst)},
    {.type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F_SPORT, .input_index = 3,
     .offset = offsetof(struct acl_input, sport)},
    {.type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F_DPORT, .input_index = 3,
     .offset = offsetof(struct acl_input, dport)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F_DSCP, .input_index = 4,
     .offset = offsetof(struct acl_input, dscp)},
};

RTE_ACL_RULE_DEF(peer_rule, NUM_FIELDS);

/* IPv6, as DPDK's l3fwd-acl lays it out, with the same rules for sizes as above. `misc` packs what
 * struct qfp_ace6 has past the 5-tuple, every part a mask-and-compare: DSCP in bits 26-31, the flow
 * label in 6-25, the extension headers (an ACE's `ext` as both value and mask: all named ones
 * present) in 0-5. */
struct acl_input6 {
    uint8_t proto;
    uint32_t src[4];  /* big-endian words, most significant first */
    uint32_t dst[4];
    uint16_t sport;
    uint16_t dport;
    uint32_t misc;
    uint8_t pad[3];
} __attribute__((packed));

enum { F6_PROTO, F6_SRC, F6_DST = F6_SRC + 4, F6_SPORT = F6_DST + 4, F6_DPORT, F6_MISC, NUM_FIELDS6 };

static const struct rte_acl_field_def field_defs6[NUM_FIELDS6] = {
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = F6_PROTO, .input_index = 0,
     .offset = offsetof(struct acl_input6, proto)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_SRC, .input_index = 1,
     .offset = offsetof(struct acl_input6, src)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_SRC + 1, .input_index = 2,
     .offset = offsetof(struct acl_input6, src) + 4},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_SRC + 2, .input_index = 3,
     .offset = offsetof(struct acl_input6, src) + 8},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_SRC + 3, .input_index = 4,
     .offset = offsetof(struct acl_input6, src) + 12},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_DST, .input_index = 5,
     .offset = offsetof(struct acl_input6, dst)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_DST + 1, .input_index = 6,
     .offset = offsetof(struct acl_input6, dst) + 4},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_DST + 2, .input_index = 7,
     .offset = offsetof(struct acl_input6, dst) + 8},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_DST + 3, .input_index = 8,
     .offset = offsetof(struct acl_input6, dst) + 12},
    {.type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F6_SPORT, .input_index = 9,
     .offset = offsetof(struct acl_input6, sport)},
    {.type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F6_DPORT, .input_index = 9,
     .offset = offsetof(struct acl_input6, dport)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F6_MISC, .input_index = 10,
     .offset = offsetof(struct acl_input6, misc)},
};

RTE_ACL_RULE_DEF(peer_rule6, NUM_FIELDS6);

static const struct {
    const char *name;
    enum rte_acl_classify_alg alg;
} algorithms[] = {
    {"scalar", RTE_ACL_CLASSIFY_SCALAR},
    {"sse", RTE_ACL_CLASSIFY_SSE},
    {"avx2", RTE_ACL_CLASSIFY_AVX2},
    {"avx512x16", RTE_ACL_CLASSIFY_AVX512X16},
    {"avx512x32", RTE_ACL_CLASSIFY_AVX512X32},
};
enum { NUM_ALGS = sizeof algorithms / sizeof algorithms[0] };

static int eal_up;

static _Noreturn void die(int status, const char *fmt, ...);

/* ---- our lookup, loaded from the binding ---- */
struct ours {
    int (*create)(uint32_t, uint32_t, uint32_t, struct qfp **);
    void (*destroy)(struct qfp *);
    int (*set_method)(struct qfp *, uint32_t, uint32_t);
    int (*acl_create)(struct qfp *, const struct qfp_ace *, uint32_t, const uint64_t *, uint32_t *);
    int (*acl_create6)(struct qfp *, const struct qfp_ace6 *, uint32_t, const uint64_t *, uint32_t *);
    int (*classify)(struct qfp *, uint32_t, const struct qfp_pkt *, uint32_t *, size_t);
    int (*stats)(struct qfp *, uint32_t, struct qfp_acl_stats *);
};
enum { MAX_OURS = 8 };

static int load_ours(struct ours *o)
{
    const char *so = getenv("QFP_PEER_OURS"), *py = getenv("QFP_PEER_LIBPYTHON");
    if (!so || !*so)
        return 0;
    if (py && *py && !dlopen(py, RTLD_NOW | RTLD_GLOBAL))
        die(1, "%s: %s", py, dlerror());
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        die(1, "%s: %s", so, dlerror());
    void *f[7] = {dlsym(h, "qfp_create"), dlsym(h, "qfp_destroy"), dlsym(h, "qfp_set_acl_method"),
                  dlsym(h, "qfp_acl_create"), dlsym(h, "qfp_acl_classify"), dlsym(h, "qfp_acl_stats"),
                  dlsym(h, "qfp_acl_create6")};
    for (int i = 0; i < 7; i++)
        if (!f[i])
            die(1, "%s lacks a qfp_* entry point (%d)", so, i);
    /* (Object to function pointers through memcpy: ISO C has no cast between them.) */
    memcpy(&o->create, &f[0], sizeof f[0]);
    memcpy(&o->destroy, &f[1], sizeof f[1]);
    memcpy(&o->set_method, &f[2], sizeof f[2]);
    memcpy(&o->acl_create, &f[3], sizeof f[3]);
    memcpy(&o->classify, &f[4], sizeof f[4]);
    memcpy(&o->stats, &f[5], sizeof f[5]);
    memcpy(&o->acl_create6, &f[6], sizeof f[6]);
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of n sorted samples, interpolated between the two nearest ranks. */
static double quantile(const double *sorted, long n, double q)
{
    double pos = q * (double)(n - 1);
    long lo = (long)pos;
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + (pos - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* Median and quartiles of `n` per-pass times, as ns per packet. */
static void summarize(double *samples, long n, size_t npkts, double out[3])
{
    qsort(samples, (size_t)n, sizeof *samples, cmp_double);
    double per = npkts ? (double)npkts : 1;
    out[0] = quantile(samples, n, 0.5) / per;
    out[1] = quantile(samples, n, 0.25) / per;
    out[2] = quantile(samples, n, 0.75) / per;
}

static _Noreturn void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dpdk_peer: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (eal_up)
        rte_eal_cleanup();
    exit(status);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The whole file in memory; *n_out is its length in `elem`-byte records. */
static void *read_records(const char *path, size_t elem, size_t *n_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(1, "%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0)
        die(1, "%s: cannot seek: %s", path, strerror(errno));
    long len = ftell(f);
    if (len < 0)
        die(1, "%s: cannot tell its length: %s", path, strerror(errno));
    rewind(f);
    if ((size_t)len % elem != 0)
        die(1, "%s: %ld bytes is not a whole number of %zu-byte records", path, len, elem);
    void *buf = malloc(len ? (size_t)len : 1);
    if (!buf)
        die(1, "%s: out of memory for %ld bytes", path, len);
    if (len && fread(buf, 1, (size_t)len, f) != (size_t)len)
        die(1, "%s: short read", path);
    fclose(f);
    *n_out = (size_t)len / elem;
    return buf;
}

static void write_results(const char *path, const uint32_t *res, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        die(1, "%s: %s", path, strerror(errno));
    if (n && fwrite(res, sizeof *res, n, f) != n)
        die(1, "%s: short write", path);
    if (fclose(f) != 0)
        die(1, "%s: %s", path, strerror(errno));
}

/* ---- ACEs to rules ------------------------------------------------------------------------------ */
struct range { uint16_t lo, hi; };

/* The port ranges one side of an ACE (either family: both carry these fields alike) matches: one,
 * or for a negated range up to two (none when it excludes every port). */
#define PORT_RANGES(a, src_side, out)                                                              \
    port_ranges((a)->flags, (src_side) ? (a)->sport_lo : (a)->dport_lo,                            \
                (src_side) ? (a)->sport_hi : (a)->dport_hi,                                        \
                (a)->flags & ((src_side) ? QFP_ACE_SPORT_NEG : QFP_ACE_DPORT_NEG), (out))

static int port_ranges(uint8_t flags, uint16_t lo, uint16_t hi, int neg, struct range out[2])
{
    if (!(flags & QFP_ACE_L4)) {
        out[0] = (struct range){0, 65535};
        return 1;
    }
    if (lo > hi)                      /* an empty range: matches nothing, or everything negated */
        return neg ? (out[0] = (struct range){0, 65535}, 1) : 0;
    if (!neg) {
        out[0] = (struct range){lo, hi};
        return 1;
    }
    int n = 0;
    if (lo > 0)
        out[n++] = (struct range){0, (uint16_t)(lo - 1)};
    if (hi < 65535)
        out[n++] = (struct range){(uint16_t)(hi + 1), 65535};
    return n;
}

/* Rules for all ACEs into *rules_out (caller frees); returns how many. */
static uint32_t translate(const struct qfp_ace *aces, uint32_t naces, struct peer_rule **rules_out)
{
    struct peer_rule *rules = calloc((size_t)naces * 4 + 1, sizeof *rules);
    if (!rules)
        die(1, "out of memory for %" PRIu32 " ACEs' rules", naces);
    uint32_t n = 0;
    for (uint32_t i = 0; i < naces; i++) {
        const struct qfp_ace *a = &aces[i];
        if (a->flags & QFP_ACE_ESTABLISHED)
            die(2, "ACE %" PRIu32 " matches `established` (TCP flags), which rte_acl cannot express", i);
        if (a->flags & QFP_ACE_FRAGMENTS)
            die(2, "ACE %" PRIu32 " matches `fragments`, which rte_acl cannot express", i);
        if (a->flags & QFP_ACE_EXTRA)
            die(2, "ACE %" PRIu32 " matches ttl, tos or TCP flags, which this peer does not translate", i);
        /* A value with bits outside its mask can never match: such an ACE adds no rule. */
        if ((a->src_val & ~a->src_mask) || (a->dst_val & ~a->dst_mask)
            || (a->proto_val & ~a->proto_mask) || (a->dscp_val & ~a->dscp_mask))
            continue;
        struct range sp[2], dp[2];
        int nsp = PORT_RANGES(a, 1, sp), ndp = PORT_RANGES(a, 0, dp);
        for (int s = 0; s < nsp; s++) {
            for (int d = 0; d < ndp; d++) {
                struct peer_rule *r = &rules[n++];
                r->data.category_mask = 1;
                r->data.priority = (int32_t)(naces - i);   /* higher wins: the first ACE */
                r->data.userdata = i + 1;                  /* 0 is rte_acl's "no match" */
                r->field[F_PROTO].value.u8 = a->proto_val;
                r->field[F_PROTO].mask_range.u8 = a->proto_mask;
                r->field[F_SRC].value.u32 = a->src_val;
                r->field[F_SRC].mask_range.u32 = a->src_mask;
                r->field[F_DST].value.u32 = a->dst_val;
                r->field[F_DST].mask_range.u32 = a->dst_mask;
                r->field[F_SPORT].value.u16 = sp[s].lo;
                r->field[F_SPORT].mask_range.u16 = sp[s].hi;
                r->field[F_DPORT].value.u16 = dp[d].lo;
                r->field[F_DPORT].mask_range.u16 = dp[d].hi;
                r->field[F_DSCP].value.u32 = a->dscp_val;
                r->field[F_DSCP].mask_range.u32 = a->dscp_mask;
            }
        }
    }
    *rules_out = rules;
    return n;
}

static void check_ace6(const struct qfp_ace6 *a, uint32_t i)
{
    if (a->flags & QFP_ACE_ESTABLISHED)
        die(2, "ACE %" PRIu32 " matches `established` (TCP flags), which rte_acl cannot express", i);
    if (a->flags & QFP_ACE_FRAGMENTS)
        die(2, "ACE %" PRIu32 " matches `fragments`, which rte_acl cannot express", i);
    if (a->flags & QFP_ACE_EXTRA)
        die(2, "ACE %" PRIu32 " has conditions this peer does not translate", i);
}

static uint32_t misc6(uint8_t dscp, uint32_t flow, uint8_t ext)
{
    return (uint32_t)dscp << 26 | (flow & 0xfffff) << 6 | (ext & 0x3f);
}

/* One IPv6 rule: the addresses' words and `misc` from the ACE (NULL: any), protocol and ports as
 * given. */
static void rule6(struct peer_rule6 *r, const struct qfp_ace6 *a, int32_t priority, uint32_t userdata,
                  uint8_t proto_val, uint8_t proto_mask, struct range sp, struct range dp)
{
    r->data.category_mask = 1;
    r->data.priority = priority;
    r->data.userdata = userdata;
    r->field[F6_PROTO].value.u8 = proto_val;
    r->field[F6_PROTO].mask_range.u8 = proto_mask;
    for (int k = 0; k < 4 && a; k++) {
        r->field[F6_SRC + k].value.u32 = a->src_val[k];
        r->field[F6_SRC + k].mask_range.u32 = a->src_mask[k];
        r->field[F6_DST + k].value.u32 = a->dst_val[k];
        r->field[F6_DST + k].mask_range.u32 = a->dst_mask[k];
    }
    r->field[F6_SPORT].value.u16 = sp.lo;
    r->field[F6_SPORT].mask_range.u16 = sp.hi;
    r->field[F6_DPORT].value.u16 = dp.lo;
    r->field[F6_DPORT].mask_range.u16 = dp.hi;
    if (a) {
        r->field[F6_MISC].value.u32 = misc6(a->dscp_val, a->flow_val, a->ext);
        r->field[F6_MISC].mask_range.u32 = misc6(a->dscp_mask, a->flow_mask, a->ext);
    }
}

/* Rules for all IPv6 ACEs, then IOS's implicit nd-na and nd-ns permits (docs/fastpath.md, "IPv6"),
 * into *rules_out (caller frees); returns how many. *misc_out: whether any rule needs `misc`. */
static uint32_t translate6(const struct qfp_ace6 *aces, uint32_t naces, struct peer_rule6 **rules_out,
                           int *misc_out)
{
    struct peer_rule6 *rules = calloc((size_t)naces * 4 + 2, sizeof *rules);
    if (!rules)
        die(1, "out of memory for %" PRIu32 " ACEs' rules", naces);
    uint32_t n = 0;
    int misc = 0;
    for (uint32_t i = 0; i < naces; i++) {
        const struct qfp_ace6 *a = &aces[i];
        check_ace6(a, i);
        int dead = (a->proto_val & ~a->proto_mask) || (a->dscp_val & ~a->dscp_mask)
                   || (a->flow_val & ~a->flow_mask);
        for (int k = 0; k < 4; k++)
            dead |= (a->src_val[k] & ~a->src_mask[k]) || (a->dst_val[k] & ~a->dst_mask[k]);
        if (dead)
            continue;
        misc |= a->dscp_mask || a->flow_mask || a->ext;
        struct range sp[2], dp[2];
        int nsp = PORT_RANGES(a, 1, sp), ndp = PORT_RANGES(a, 0, dp);
        for (int s = 0; s < nsp; s++)
            for (int d = 0; d < ndp; d++)
                rule6(&rules[n++], a, (int32_t)(naces + 2 - i), i + 1, a->proto_val, a->proto_mask,
                      sp[s], dp[d]);
    }
    /* The packets of this comparison are never non-initial fragments, so the permits' "not a
     * fragment" needs no field. */
    const struct range any = {0, 65535};
    rule6(&rules[n++], NULL, 2, naces + 2, QFP_PROTO_ICMPV6, 0xff,
          (struct range){QFP_ICMP6_ND_NA, QFP_ICMP6_ND_NA}, any);
    rule6(&rules[n++], NULL, 1, naces + 3, QFP_PROTO_ICMPV6, 0xff,
          (struct range){QFP_ICMP6_ND_NS, QFP_ICMP6_ND_NS}, any);
    *rules_out = rules;
    *misc_out = misc;
    return n;
}

/* rte_acl over `nrules` rules of `rule_size` bytes laid out by `defs` (its first `num_fields`). */
static struct rte_acl_ctx *build_ctx(const void *rules, uint32_t nrules, uint32_t rule_size,
                                     const struct rte_acl_field_def *defs, uint32_t num_fields)
{
    struct rte_acl_param param = {
        .name = "qfp_peer",
        .socket_id = SOCKET_ID_ANY,
        .rule_size = rule_size,
        .max_rule_num = nrules,
    };
    struct rte_acl_ctx *ctx = rte_acl_create(&param);
    if (!ctx)
        die(1, "rte_acl_create: %s", rte_strerror(rte_errno));
    int rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)rules, nrules);
    if (rc != 0)
        die(1, "rte_acl_add_rules: %s", strerror(-rc));
    struct rte_acl_config cfg = {.num_categories = 1, .num_fields = num_fields, .max_size = 0};
    memcpy(cfg.defs, defs, num_fields * sizeof *defs);
    rc = rte_acl_build(ctx, &cfg);
    if (rc != 0)
        die(1, "rte_acl_build: %s", strerror(-rc));
    return ctx;
}

/* One pass: every packet, BURST at a time. */
static void classify_all(const struct rte_acl_ctx *ctx, const uint8_t **data, uint32_t *res,
                         size_t n)
{
    for (size_t off = 0; off < n; off += BURST) {
        uint32_t len = (uint32_t)(n - off < BURST ? n - off : BURST);
        int rc = rte_acl_classify(ctx, data + off, res + off, len, 1);
        if (rc != 0)
            die(1, "rte_acl_classify: %s", strerror(-rc));
    }
}

static void json_ns(double ns)
{
    if (ns < 0)
        fputs("null", stdout);
    else
        printf("%.3f", ns);
}

int main(int argc, char **argv)
{
    int v6 = argc > 1 && strcmp(argv[1], "-6") == 0;
    if (v6) {   /* drop the flag: every later argument keeps the index it has without it */
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    int sep = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    }
    if (sep != 5) {
        fprintf(stderr, "usage: %s [-6] RULES.bin PACKETS.bin RESULTS.bin REPEAT -- EAL-ARGS...\n",
                argv[0]);
        return 1;
    }
    char *end;
    long repeat = strtol(argv[4], &end, 10);
    if (*end != '\0' || repeat < 1 || repeat > 1000000)
        die(1, "REPEAT %s is not a count from 1 up", argv[4]);

    size_t naces_sz, npkts;
    void *aces = read_records(argv[1], v6 ? sizeof(struct qfp_ace6) : sizeof(struct qfp_ace),
                              &naces_sz);
    struct qfp_pkt *pkts = read_records(argv[2], sizeof *pkts, &npkts);
    if (naces_sz + 2 >= RTE_ACL_MAX_PRIORITY)
        die(1, "%zu ACEs: rte_acl priorities stop at %d", naces_sz, (int)RTE_ACL_MAX_PRIORITY);
    uint32_t naces = (uint32_t)naces_sz;
    /* The highest answer an ACE or an implicit permit gives (userdata - 1); past it, or 0, is none. */
    uint32_t last_answer = v6 ? naces + QFP_ACL6_IMPLICIT_ND_NS : naces;

    /* ---- build: ACEs to rules first, so an inexpressible ACE fails before the EAL starts ---- */
    double t0 = now_ns();
    struct peer_rule *rules = NULL;
    struct peer_rule6 *rules6 = NULL;
    int misc6_used = 0;
    uint32_t nrules = v6 ? translate6(aces, naces, &rules6, &misc6_used) : translate(aces, naces, &rules);
    double translate_ns = now_ns() - t0;

    /* EAL logs to stdout on Linux by default; stdout is for the JSON alone. */
    rte_openlog_stream(stderr);
    int eal_argc = argc - sep;          /* argv[0] and the EAL arguments */
    char **eal_argv = calloc((size_t)eal_argc + 1, sizeof *eal_argv);
    if (!eal_argv)
        die(1, "out of memory");
    eal_argv[0] = argv[0];
    for (int i = 1; i < eal_argc; i++)
        eal_argv[i] = argv[sep + i];
    if (rte_eal_init(eal_argc, eal_argv) < 0)
        die(1, "rte_eal_init: %s (a low --log-level hides the EAL's own reason)",
            rte_strerror(rte_errno));
    eal_up = 1;

    t0 = now_ns();
    /* rte_acl refuses to build nothing: with no rule, one that matches everything and whose
     * userdata is past the last ACE stands for "no match". */
    uint32_t nbuilt = nrules;
    if (nbuilt == 0 && !v6) {
        struct peer_rule *r = &rules[0];
        r->data.category_mask = 1;
        r->data.priority = 1;
        r->data.userdata = naces + 1;
        r->field[F_SPORT].mask_range.u16 = 65535;
        r->field[F_DPORT].mask_range.u16 = 65535;
        nbuilt = 1;
    }
    struct rte_malloc_socket_stats heap0, heap1;
    rte_malloc_get_socket_stats((int)rte_socket_id(), &heap0);
    /* Without DSCP, flow label or extension headers the IPv6 rules stop before `misc`: DPDK's own
     * 5-tuple layout. rte_acl reads rules at rule_size strides, so they are packed to that size. */
    struct rte_acl_ctx *ctx;
    if (!v6) {
        ctx = build_ctx(rules, nbuilt, RTE_ACL_RULE_SZ(NUM_FIELDS), field_defs, NUM_FIELDS);
    } else {
        uint32_t nf = misc6_used ? NUM_FIELDS6 : NUM_FIELDS6 - 1;
        size_t sz = RTE_ACL_RULE_SZ(nf);
        char *packed = malloc(sz * nbuilt);
        if (!packed)
            die(1, "out of memory for %" PRIu32 " rules", nbuilt);
        for (uint32_t i = 0; i < nbuilt; i++)
            memcpy(packed + sz * i, &rules6[i], sz);
        ctx = build_ctx(packed, nbuilt, (uint32_t)sz, field_defs6, nf);
        free(packed);
    }
    double build_ms = (now_ns() - t0 + translate_ns) / 1e6;
    /* rte_acl keeps its rules and its runtime tables on the DPDK heap: what the build added. */
    rte_malloc_get_socket_stats((int)rte_socket_id(), &heap1);
    size_t acl_bytes = heap1.heap_allocsz_bytes - heap0.heap_allocsz_bytes;
    fprintf(stderr, "dpdk_peer: %" PRIu32 " ACEs -> %" PRIu32 " rules, built in %.1f ms\n", naces,
            nrules, build_ms);

    /* ---- packets as a DPDK application holds them: converted once, before any timing ---- */
    struct acl_input *in = calloc(npkts ? npkts : 1, sizeof *in);
    struct acl_input6 *in6 = calloc(v6 && npkts ? npkts : 1, sizeof *in6);
    const uint8_t **data = calloc(npkts ? npkts : 1, sizeof *data);
    uint32_t *scalar_res = calloc(npkts ? npkts : 1, sizeof *scalar_res);
    uint32_t *res = calloc(npkts ? npkts : 1, sizeof *res);
    if (!in || !in6 || !data || !scalar_res || !res)
        die(1, "out of memory for %zu packets", npkts);
    for (size_t i = 0; i < npkts; i++) {
        const struct qfp_pkt *p = &pkts[i];
        if (p->frag == QFP_FRAG_NONINITIAL)
            die(1, "packet %zu is a non-initial fragment, which this comparison leaves out", i);
        if (p->family != (v6 ? QFP_FAMILY_IPV6 : QFP_FAMILY_IPV4))
            die(1, "packet %zu is of family %u, not the ACL's", i, p->family);
        if (v6) {
            struct acl_input6 *q = &in6[i];
            q->proto = p->proto;
            q->src[0] = rte_cpu_to_be_32(p->src);
            q->dst[0] = rte_cpu_to_be_32(p->dst);
            for (int k = 1; k < 4; k++) {
                q->src[k] = rte_cpu_to_be_32(p->src_low[k - 1]);
                q->dst[k] = rte_cpu_to_be_32(p->dst_low[k - 1]);
            }
            q->sport = rte_cpu_to_be_16(p->sport);
            q->dport = rte_cpu_to_be_16(p->dport);
            q->misc = rte_cpu_to_be_32(misc6(p->dscp, p->flow_label, p->ext));
            data[i] = (const uint8_t *)q;
            continue;
        }
        in[i].proto = p->proto;
        in[i].src = rte_cpu_to_be_32(p->src);
        in[i].dst = rte_cpu_to_be_32(p->dst);
        in[i].sport = rte_cpu_to_be_16(p->sport);
        in[i].dport = rte_cpu_to_be_16(p->dport);
        in[i].dscp = rte_cpu_to_be_32(p->dscp);
        data[i] = (const uint8_t *)&in[i];
    }

    /* ---- rte_acl's algorithms and our methods, interleaved round by round ---- */
    int alg_ok[NUM_ALGS];
    for (int a = 0; a < NUM_ALGS; a++) {
        int rc = rte_acl_set_ctx_classify(ctx, algorithms[a].alg);
        alg_ok[a] = rc == 0;
        if (rc != 0) {
            fprintf(stderr, "dpdk_peer: %s: unavailable (%s)\n", algorithms[a].name, strerror(-rc));
            if (a == 0)
                die(1, "the scalar algorithm is unavailable");
        }
    }
    struct ours o = {0};
    int have_ours = load_ours(&o);
    int nours = 0;
    char our_name[MAX_OURS][32];
    struct qfp *our_fp[MAX_OURS];
    uint32_t our_slot[MAX_OURS];
    double our_build_ms[MAX_OURS];
    struct qfp_acl_stats our_st[MAX_OURS];
    if (have_ours) {
        const char *spec = getenv("QFP_PEER_METHODS");
        char buf[256];
        snprintf(buf, sizeof buf, "%s", spec && *spec ? spec : "auto=0");
        for (char *tok = strtok(buf, ","); tok && nours < MAX_OURS; tok = strtok(NULL, ",")) {
            char *eq = strchr(tok, '=');
            if (!eq)
                die(1, "QFP_PEER_METHODS item %s is not name=code", tok);
            *eq = '\0';
            snprintf(our_name[nours], sizeof our_name[nours], "%s", tok);
            if (o.create(1, 1, 1, &our_fp[nours]) != 0)
                die(1, "qfp_create failed");
            if (o.set_method(our_fp[nours], (uint32_t)strtoul(eq + 1, NULL, 10), 0) != 0)
                die(1, "qfp_set_acl_method %s refused", eq + 1);
            double b0 = now_ns();
            int rc = v6 ? o.acl_create6(our_fp[nours], aces, naces, NULL, &our_slot[nours])
                        : o.acl_create(our_fp[nours], aces, naces, NULL, &our_slot[nours]);
            if (rc != 0)
                die(1, "qfp_acl_create (%s) failed", tok);
            our_build_ms[nours] = (now_ns() - b0) / 1e6;
            o.stats(our_fp[nours], our_slot[nours], &our_st[nours]);
            nours++;
        }
    }
    /* samples[(classifier * 2 + pass) * repeat + round]: pass 0 cold, 1 steady */
    double *samples = calloc((size_t)(NUM_ALGS + MAX_OURS) * 2 * (size_t)repeat, sizeof *samples);
    uint32_t *ours_res = calloc(npkts ? npkts : 1, sizeof *ours_res);
    if (!samples || !ours_res)
        die(1, "out of memory");
    for (long r = 0; r < repeat; r++) {
        for (int a = 0; a < NUM_ALGS; a++) {
            if (!alg_ok[a])
                continue;
            rte_acl_set_ctx_classify(ctx, algorithms[a].alg);
            uint32_t *out = a == 0 ? scalar_res : res;
            for (int pass = 0; pass < 2; pass++) {
                double s = now_ns();
                classify_all(ctx, data, out, npkts);
                samples[((size_t)a * 2 + (size_t)pass) * (size_t)repeat + (size_t)r] = now_ns() - s;
            }
            if (a != 0 && r == 0) {
                for (size_t i = 0; i < npkts; i++) {
                    if (res[i] != scalar_res[i])
                        die(1, "%s answers userdata %" PRIu32 " for packet %zu, scalar %" PRIu32,
                            algorithms[a].name, res[i], i, scalar_res[i]);
                }
            }
        }
        for (int m = 0; m < nours; m++) {
            for (int pass = 0; pass < 2; pass++) {
                double s = now_ns();
                if (npkts && o.classify(our_fp[m], our_slot[m], pkts, ours_res, npkts) != 0)
                    die(1, "qfp_acl_classify (%s) failed", our_name[m]);
                samples[((size_t)(NUM_ALGS + m) * 2 + (size_t)pass) * (size_t)repeat + (size_t)r] =
                    now_ns() - s;
            }
        }
    }
    double alg_ns[NUM_ALGS], alg_q[NUM_ALGS][2], alg_cold[NUM_ALGS][3];
    int best = -1;
    for (int a = 0; a < NUM_ALGS; a++) {
        alg_ns[a] = alg_q[a][0] = alg_q[a][1] = alg_cold[a][0] = -1;
        if (!alg_ok[a])
            continue;
        double sm[3];
        summarize(&samples[(size_t)a * 2 * (size_t)repeat], repeat, npkts, alg_cold[a]);
        summarize(&samples[((size_t)a * 2 + 1) * (size_t)repeat], repeat, npkts, sm);
        alg_ns[a] = sm[0];
        alg_q[a][0] = sm[1];
        alg_q[a][1] = sm[2];
        fprintf(stderr, "dpdk_peer: %s: %.2f ns/packet [%.2f, %.2f], cold %.2f\n", algorithms[a].name,
                sm[0], sm[1], sm[2], alg_cold[a][0]);
        if (best < 0 || alg_ns[a] < alg_ns[best])
            best = a;
    }
    double our_sm[MAX_OURS][3], our_cold[MAX_OURS][3];
    uint64_t our_mismatch[MAX_OURS];
    long first_mismatch[MAX_OURS];
    for (int m = 0; m < nours; m++) {
        summarize(&samples[(size_t)(NUM_ALGS + m) * 2 * (size_t)repeat], repeat, npkts, our_cold[m]);
        summarize(&samples[((size_t)(NUM_ALGS + m) * 2 + 1) * (size_t)repeat], repeat, npkts, our_sm[m]);
        /* Answers once more, outside the timing, against rte_acl's scalar ones. */
        if (npkts)
            o.classify(our_fp[m], our_slot[m], pkts, ours_res, npkts);
        our_mismatch[m] = 0;
        first_mismatch[m] = -1;
        for (size_t i = 0; i < npkts; i++) {
            uint32_t u = scalar_res[i];
            uint32_t want = (u == 0 || u - 1 > last_answer) ? naces : u - 1;
            if (ours_res[i] != want) {
                if (!our_mismatch[m]++)
                    first_mismatch[m] = (long)i;
            }
        }
        if (our_mismatch[m])
            fprintf(stderr, "dpdk_peer: ours/%s: %" PRIu64 " mismatches, first packet %ld: ACE %" PRIu32
                    ", rte_acl ACE %" PRIu32 "\n", our_name[m], our_mismatch[m], first_mismatch[m],
                    ours_res[first_mismatch[m]], scalar_res[first_mismatch[m]] == 0 ? naces
                    : scalar_res[first_mismatch[m]] - 1);
    }
    for (size_t i = 0; i < npkts; i++) {
        uint32_t u = scalar_res[i];
        scalar_res[i] = (u == 0 || u - 1 > last_answer) ? naces : u - 1;
    }
    write_results(argv[3], scalar_res, npkts);

    /* ---- rte_meter: one srTCM and one trTCM over the packets' lengths and arrival times ---- */
    uint64_t hz = rte_get_tsc_hz();
    uint64_t *cycles = calloc(npkts ? npkts : 1, sizeof *cycles);   /* TSC offsets from packet 0 */
    if (!cycles)
        die(1, "out of memory");
    for (size_t i = 0; i < npkts; i++) {
        uint64_t dt = pkts[i].ts_ns >= pkts[0].ts_ns ? pkts[i].ts_ns - pkts[0].ts_ns : 0;
        cycles[i] = (uint64_t)((long double)dt * hz / 1e9L);
        if (i && cycles[i] < cycles[i - 1])   /* a meter's clock must not run backwards */
            cycles[i] = cycles[i - 1];
    }
    struct rte_meter_srtcm_params sp = {.cir = 10000000 / 8, .cbs = 100000, .ebs = 100000};
    struct rte_meter_trtcm_params tp = {.cir = 10000000 / 8, .pir = 20000000 / 8,
                                        .cbs = 100000, .pbs = 100000};
    struct rte_meter_srtcm_profile sprof;
    struct rte_meter_trtcm_profile tprof;
    if (rte_meter_srtcm_profile_config(&sprof, &sp) != 0)
        die(1, "rte_meter_srtcm_profile_config failed");
    if (rte_meter_trtcm_profile_config(&tprof, &tp) != 0)
        die(1, "rte_meter_trtcm_profile_config failed");
    double *msamples = calloc(2 * (size_t)repeat, sizeof *msamples);
    if (!msamples)
        die(1, "out of memory");
    uint64_t scolours[3] = {0}, tcolours[3] = {0};
    for (long r = 0; r < repeat; r++) {
        struct rte_meter_srtcm sm;
        uint64_t counts[3] = {0};
        rte_meter_srtcm_config(&sm, &sprof);
        uint64_t base = sm.time;   /* the meter's clock starts at config time */
        double s = now_ns();
        for (size_t i = 0; i < npkts; i++)
            counts[rte_meter_srtcm_color_blind_check(&sm, &sprof, base + cycles[i],
                                                     pkts[i].length)]++;
        msamples[r] = now_ns() - s;
        memcpy(scolours, counts, sizeof counts);
    }
    for (long r = 0; r < repeat; r++) {
        struct rte_meter_trtcm tm;
        uint64_t counts[3] = {0};
        rte_meter_trtcm_config(&tm, &tprof);
        uint64_t base = tm.time_tc;
        double s = now_ns();
        for (size_t i = 0; i < npkts; i++)
            counts[rte_meter_trtcm_color_blind_check(&tm, &tprof, base + cycles[i],
                                                     pkts[i].length)]++;
        msamples[repeat + r] = now_ns() - s;
        memcpy(tcolours, counts, sizeof counts);
    }
    double msm[3];
    summarize(msamples, repeat, npkts, msm);
    double srtcm_ns = msm[0];
    summarize(msamples + repeat, repeat, npkts, msm);
    double trtcm_ns = msm[0];
    fprintf(stderr, "dpdk_peer: tsc %" PRIu64 " Hz; srtcm green/yellow/red %" PRIu64 "/%" PRIu64
            "/%" PRIu64 ", trtcm %" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n", hz, scolours[0],
            scolours[1], scolours[2], tcolours[0], tcolours[1], tcolours[2]);

    /* ---- the report ---- */
    printf("{\"naces\":%" PRIu32 ",\"rules\":%" PRIu32 ",\"packets\":%zu,\"build_ms\":%.3f,"
           "\"family\":%d,\"fields\":%d,\"algorithms\":{", naces, nrules, npkts, build_ms,
           v6 ? 6 : 4, v6 ? (misc6_used ? NUM_FIELDS6 : NUM_FIELDS6 - 1) : NUM_FIELDS);
    for (int a = 0; a < NUM_ALGS; a++) {
        printf("%s\"%s\":", a ? "," : "", algorithms[a].name);
        json_ns(alg_ns[a]);
    }
    fputs("},\"iqr\":{", stdout);
    for (int a = 0, first = 1; a < NUM_ALGS; a++) {
        if (!alg_ok[a])
            continue;
        printf("%s\"%s\":[%.3f,%.3f]", first ? "" : ",", algorithms[a].name, alg_q[a][0], alg_q[a][1]);
        first = 0;
    }
    fputs("},\"cold\":{", stdout);
    for (int a = 0, first = 1; a < NUM_ALGS; a++) {
        if (!alg_ok[a])
            continue;
        printf("%s\"%s\":[%.3f,%.3f,%.3f]", first ? "" : ",", algorithms[a].name, alg_cold[a][0],
               alg_cold[a][1], alg_cold[a][2]);
        first = 0;
    }
    printf("},\"rounds\":%ld,\"acl_bytes\":%zu,\"ours\":{", repeat, acl_bytes);
    for (int m = 0; m < nours; m++)
        printf("%s\"%s\":{\"ns\":%.3f,\"iqr\":[%.3f,%.3f],\"cold\":[%.3f,%.3f,%.3f],"
               "\"build_ms\":%.3f,\"bytes\":%" PRIu64
               ",\"method\":%" PRIu32 ",\"leaf_max\":%" PRIu32 ",\"depth_max\":%" PRIu32
               ",\"mismatches\":%" PRIu64 ",\"first_mismatch\":%ld}", m ? "," : "", our_name[m],
               our_sm[m][0], our_sm[m][1], our_sm[m][2], our_cold[m][0], our_cold[m][1], our_cold[m][2],
               our_build_ms[m], our_st[m].bytes,
               our_st[m].method, our_st[m].leaf_max, our_st[m].depth_max, our_mismatch[m],
               first_mismatch[m]);
    printf("},\"best\":\"%s\",\"meter\":{\"srtcm\":", algorithms[best].name);
    json_ns(srtcm_ns);
    fputs(",\"trtcm\":", stdout);
    json_ns(trtcm_ns);
    fputs("}}\n", stdout);
    fflush(stdout);

    rte_acl_free(ctx);
    for (int m = 0; m < nours; m++)
        o.destroy(our_fp[m]);
    free(samples);
    free(ours_res);
    free(msamples);
    free(cycles);
    free(res);
    free(scalar_res);
    free(data);
    free(in);
    free(in6);
    free(rules);
    free(rules6);
    free(pkts);
    free(aces);
    free(eal_argv);
    rte_eal_cleanup();
    return 0;
}
