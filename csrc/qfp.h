/*
 * qfp.h - the QFP fast path model: its tables, its packet path and its read-back.
 *
 * This header is the whole contract between the C fast path and its Python face (qfp/). The cffi
 * build script (qfp/_build.py) includes it verbatim in the cdef, with constant values left to the
 * compiler, so Python never repeats a number defined here.
 *
 * Semantics are specified in docs/fastpath.md; the pure-Python reference model (qfp/reference.py)
 * implements them obviously and the differential tests hold this code to it.
 *
 * Threading: every control operation (create, replace, bind, delete, read) is serialised by a
 * writer lock; qfp_process() may run in any number of threads at once. A batch is atomic with
 * respect to control operations: every packet of a batch sees the same bindings, ACLs and
 * policies. A bind never makes a batch wait: batches that began before it see the old targets to
 * their end, and those are freed once the last such batch has left. Other changes wait until no
 * batch is in flight before they publish, and batches that start meanwhile wait for them (the wait
 * is a few pointer stores long; qfp_gate_stats() counts it).
 *
 * A UIDB's packets belong to one thread at a time (its policers' buckets are its own). Threads that
 * process different UIDBs share no writes: an ACL's per-ACE counters, which every target naming
 * the ACL bumps, and a UIDB's accounting counters are kept in a shard per thread and summed when
 * read. Beyond four threads the rest share one more shard, bumped with locked adds: no count is
 * lost at any thread count.
 */
#ifndef QFP_H
#define QFP_H

#include <stddef.h>
#include <stdint.h>

/* ---- status codes: every function returns one; 0 is success ------------------------------------ */
enum qfp_status {
    QFP_OK = 0,
    QFP_ENOMEM = 1,   /* allocation failed */
    QFP_EINVAL = 2,   /* malformed table: the message says which field */
    QFP_ENOENT = 3,   /* no such UIDB, ACL or policy */
    QFP_EBUSY = 4,    /* object still referenced: unbind or delete its users first */
    QFP_EFULL = 5,    /* a table is full */
    QFP_ESTATUS_COUNT
};

/* ---- limits ---------------------------------------------------------------------------------------- */
enum {
    QFP_NAME_MAX = 48,         /* bytes for a name, NUL included (IOS allows 40 characters) */
    QFP_POLICY_DEPTH_MAX = 3,  /* hierarchy levels: parent, child, grandchild */
    QFP_CMAP_DEPTH_MAX = 4,    /* nesting of `match class-map` */
    QFP_CLASSES_MAX = 256,     /* classes in one policy, class-default included */
    QFP_TERMS_MAX = 4096,      /* match terms in one policy */
    QFP_ERRMSG_MAX = 160
};

/* ---- packets in ------------------------------------------------------------------------------------ */
enum qfp_dir { QFP_DIR_IN = 0, QFP_DIR_OUT = 1, QFP_DIR_COUNT };
enum qfp_frag { QFP_FRAG_NONE = 0, QFP_FRAG_INITIAL = 1, QFP_FRAG_NONINITIAL = 2, QFP_FRAG_COUNT };
enum qfp_family { QFP_FAMILY_IPV4 = 4, QFP_FAMILY_IPV6 = 6 };
/* IPv6 extension headers a packet carried (before its upper-layer header). */
enum { QFP_EXT_ROUTING = 0x01, QFP_EXT_FRAGMENT = 0x02, QFP_EXT_HOP_BY_HOP = 0x04, QFP_EXT_DEST_OPTS = 0x08 };
enum {
    QFP_TCP_FIN = 0x01, QFP_TCP_SYN = 0x02, QFP_TCP_RST = 0x04,
    QFP_TCP_PSH = 0x08, QFP_TCP_ACK = 0x10, QFP_TCP_URG = 0x20
};
enum { QFP_PROTO_TCP = 6 };   /* the one protocol whose ACEs may ask for TCP flags */

/* One packet header, 64 bytes (a cache line); qfp/packets.py mirrors it as a numpy dtype and checks
 * the offsets against offsetof() at import. Addresses are host-order integers. An IPv4 packet uses
 * the first 32 bytes' `src` and `dst`; an IPv6 packet's addresses are four 32-bit words, most
 * significant first: word 0 in `src` (`dst`), words 1-3 in `src_low` (`dst_low`), so the IPv4 fields
 * keep their offsets and the IPv4 path never reads the second half. For a non-initial fragment the
 * ports and TCP flags are not present in the packet and are ignored. */
struct qfp_pkt {
    uint64_t ts_ns;      /* arrival time, ns of virtual time; drives the policers */
    uint32_t uidb;       /* UIDB of the Virtual-Access interface */
    uint32_t src;        /* IPv4 source; IPv6: the source's word 0 */
    uint32_t dst;        /* IPv4 destination; IPv6: the destination's word 0 */
    uint16_t sport;      /* L4 source port (TCP, UDP, SCTP); ICMP type */
    uint16_t dport;      /* L4 destination port; ICMP code */
    uint16_t length;     /* L3 length in bytes: what policers and byte counters count */
    uint8_t dir;         /* enum qfp_dir */
    uint8_t proto;       /* IP protocol number; IPv6: the upper-layer header after any extensions */
    uint8_t dscp;        /* 0..63 */
    uint8_t tcp_flags;   /* QFP_TCP_* */
    uint8_t frag;        /* enum qfp_frag */
    uint8_t family;      /* enum qfp_family */
    uint32_t src_low[3]; /* IPv6: the source's words 1-3 */
    uint32_t dst_low[3]; /* IPv6: the destination's words 1-3 */
    uint32_t flow_label; /* IPv6 flow label, 20 bits */
    uint8_t ttl;         /* IPv4 TTL, IPv6 hop limit */
    uint8_t ecn;         /* the ToS / traffic class byte's low two bits */
    uint8_t ext;         /* IPv6 extension headers seen, QFP_EXT_* */
    uint8_t trace;       /* nonzero: record this packet's path (qfp_trace_*) */
};
/* ---- verdicts out ---------------------------------------------------------------------------------- */
enum qfp_action { QFP_FORWARD = 0, QFP_DROP = 1 };
enum qfp_colour { QFP_CONFORM = 0, QFP_EXCEED = 1, QFP_VIOLATE = 2, QFP_COLOUR_NONE = 3, QFP_COLOUR_COUNT = 3 };
/* QUEUE: its queue was full (tail drop); PRIORITY: a priority queue's conditional policer, under
 * congestion (docs/fastpath.md, "Queueing"). */
enum qfp_reason { QFP_REASON_NONE = 0, QFP_REASON_NO_UIDB = 1, QFP_REASON_ACL = 2, QFP_REASON_POLICE = 3,
                  QFP_REASON_QUEUE = 4, QFP_REASON_PRIORITY = 5 };
#define QFP_ACE_NONE 0xffffffffu      /* no ACL on the target */
#define QFP_ACE_IMPLICIT 0xfffffffeu  /* no ACE matched: the implicit deny */
/* An IPv6 ACL's implicit permits, which IOS puts before its implicit deny (docs/fastpath.md, "IPv6"):
 * QFP_ACE_IMPLICIT - k for the implicit entry k places after the ACL's end, as its counter sits. */
#define QFP_ACE_IMPLICIT_ND_NA 0xfffffffdu  /* `permit icmp any any nd-na` */
#define QFP_ACE_IMPLICIT_ND_NS 0xfffffffcu  /* `permit icmp any any nd-ns` */
enum { QFP_CLASS_NONE = 0xffff };     /* no policy on the target (or none at that level) */

struct qfp_verdict {
    uint32_t ace;        /* index of the matching ACE in the target's ACL, or QFP_ACE_* */
    uint16_t cls;        /* matched class index in the target's policy, or QFP_CLASS_NONE */
    uint16_t child_cls;  /* matched class index in that class's child policy, or QFP_CLASS_NONE */
    uint8_t action;      /* enum qfp_action */
    uint8_t colour;      /* most severe colour any policer on the path gave, or QFP_COLOUR_NONE */
    uint8_t dscp;        /* DSCP after marking */
    uint8_t reason;      /* enum qfp_reason: why it was dropped */
};

/* ---- ACLs ------------------------------------------------------------------------------------------- */
enum {
    QFP_ACE_PERMIT = 0x01,       /* else deny */
    QFP_ACE_SPORT_NEG = 0x02,    /* source port must lie outside [sport_lo, sport_hi] (neq) */
    QFP_ACE_DPORT_NEG = 0x04,    /* destination port likewise */
    QFP_ACE_ESTABLISHED = 0x08,  /* TCP ACK or RST must be set */
    QFP_ACE_FRAGMENTS = 0x10,    /* `fragments`: matches non-initial fragments only */
    QFP_ACE_L4 = 0x20,           /* has L4 conditions (ports, established, TCP flags): IOS fragment rules apply */
    /* Has conditions past the fields the lookup methods index (ttl, tos, TCP flags): bit vectors,
     * scan columns and tree take the ACE as a candidate by its other fields, and ace_match checks
     * these before a candidate counts as the match (docs/fastpath.md, "ACE matching"). */
    QFP_ACE_EXTRA = 0x40
};
/* struct qfp_ace's xflags, each meaningful only with QFP_ACE_EXTRA. */
enum {
    QFP_ACE_X_TTL_NEG = 0x01,    /* TTL must lie outside [ttl_lo, ttl_hi] (`ttl neq`) */
    QFP_ACE_X_TCP_ANY = 0x02     /* `match-any`: one of tcp_mask's flags is as tcp_val says (else all) */
};

/* One access control entry, compiled: every condition is a mask-and-compare or a range, so a
 * condition that is absent is the one that always holds (mask 0, range 0..65535 or 0..255). The
 * first 29 bytes are what every ACE needs and all a lookup reads of most ACEs; the rest holds the
 * conditions few ACEs have, read only with QFP_ACE_EXTRA and zero without it. */
struct qfp_ace {
    uint32_t src_val, src_mask;  /* match when (pkt.src & src_mask) == src_val; mask = ~wildcard */
    uint32_t dst_val, dst_mask;
    uint16_t sport_lo, sport_hi; /* inclusive */
    uint16_t dport_lo, dport_hi;
    uint8_t proto_val, proto_mask;  /* mask 0xff for one protocol, 0 for `ip` */
    uint8_t dscp_val, dscp_mask;    /* 0x3f for `dscp`, 0x38 for `precedence`, 0 for neither */
    uint8_t flags;                  /* QFP_ACE_* */
    uint8_t ttl_lo, ttl_hi;         /* TTL in [ttl_lo, ttl_hi], inclusive (outside: QFP_ACE_X_TTL_NEG);
                                       0..255 for no ttl condition */
    uint8_t tos_val, tos_mask;      /* IOS's 4-bit ToS, (dscp << 2 | ecn) >> 1 & 0xf: mask 0xf for `tos` */
    uint8_t tcp_val, tcp_mask;      /* QFP_TCP_* flags: mask says which are looked at, val how */
    uint8_t xflags;                 /* QFP_ACE_X_* */
    uint8_t pad[12];                /* zero; 48 bytes keep every third ACE line-aligned */
};

/* An IPv6 ACE: struct qfp_ace's conditions over four address words each (prefixes become masks, so
 * the per-packet test is the same mask-and-compare, without a loop over bits), plus the flow label
 * and the extension headers. A separate struct, not a family field in struct qfp_ace, so that the
 * IPv4 ACE is not burdened with IPv6's addresses, and an ACL's family is its ACEs' type, as in
 * Python (tables.Ace, tables.Ace6). */
struct qfp_ace6 {
    uint32_t src_val[4], src_mask[4];   /* word 0 is the most significant, as in struct qfp_pkt */
    uint32_t dst_val[4], dst_mask[4];
    uint32_t flow_val, flow_mask;       /* mask 0xfffff for `flow-label`, else 0 */
    uint16_t sport_lo, sport_hi;        /* inclusive; ICMPv6 type as ICMP's (docs/fastpath.md) */
    uint16_t dport_lo, dport_hi;        /* ICMPv6 code */
    uint8_t proto_val, proto_mask;      /* mask 0xff for one upper-layer protocol, 0 for `ipv6` */
    uint8_t dscp_val, dscp_mask;        /* 0x3f for `dscp`, else 0 */
    uint8_t flags;                      /* QFP_ACE_*, with struct qfp_ace's meaning */
    uint8_t ext;                        /* QFP_EXT_* the packet must all have carried */
    uint8_t pad[2];
};
/* The ICMPv6 messages of IOS's implicit IPv6 entries, and an IPv6 ACL's counters after its ACEs':
 * the implicit deny at [naces] (as IPv4's), then nd-na, then nd-ns. */
enum { QFP_PROTO_ICMPV6 = 58, QFP_ICMP6_ND_NS = 135, QFP_ICMP6_ND_NA = 136 };
enum { QFP_ACL6_IMPLICIT_DENY = 0, QFP_ACL6_IMPLICIT_ND_NA = 1, QFP_ACL6_IMPLICIT_ND_NS = 2,
       QFP_ACL6_IMPLICIT_COUNT = 3 };

/* ---- classification and policies -------------------------------------------------------------- */
enum qfp_term_kind {
    QFP_TERM_ANY = 0,       /* match any */
    QFP_TERM_DSCP = 1,      /* match dscp|precedence: dscp_bits has bit d set for each DSCP d */
    QFP_TERM_ACL = 2,       /* match access-group: ref is an ACL slot; a permit ACE is a match */
    QFP_TERM_CLASSMAP = 3,  /* match class-map: ref is a class-map index in the same policy */
    QFP_TERM_KIND_COUNT
};

struct qfp_term {
    uint8_t kind;        /* enum qfp_term_kind */
    uint8_t negate;      /* `match not` */
    uint16_t pad;
    uint32_t ref;        /* ACL slot or class-map index, by kind */
    uint64_t dscp_bits;
};

/* A class-map is a run of terms: all must match (match-all) or one (match-any). An empty
 * class-map matches nothing. */
struct qfp_cmap {
    uint8_t match_all;
    uint8_t pad;
    uint16_t nterms;
    uint32_t first_term;  /* index into the policy's term array */
};

enum qfp_set_kind { QFP_SET_NONE = 0, QFP_SET_DSCP = 1, QFP_SET_PREC = 2 };
enum { QFP_CMAP_DEFAULT = 0xffff, QFP_POLICY_NONE = -1, QFP_ACL_NONE = -1 };

/* The policer words' fields, as the layout below draws them. */
enum {
    QFP_HW_FIELD_BITS = 29,   /* Bc, Be and a rate's mantissa; the mode or the exponent above them */
    QFP_PI_CODE_BITS = 4,     /* police_info: colour c's action code at bit c * 4 */
    QFP_PI_VALUE_SHIFT = 12,  /* police_info: colour c's value at bit 12 + c * 6 */
    QFP_PI_VALUE_BITS = 6
};
/* What a policer's words can hold: rates in bit/s (the smallest is the smallest IOS polices at; the
 * largest a 29-bit mantissa times 10^7 reaches), bursts in bytes (29-bit fields). */
#define QFP_RATE_MIN 8000ull
#define QFP_RATE_MAX ((1ull << 37) - 1)
#define QFP_BURST_MAX ((1u << QFP_HW_FIELD_BITS) - 1)
/* Token units per byte: a rate of R bit/s adds exactly R units per nanosecond (docs/fastpath.md).
 * The bucket levels qfp_target_read() gives are in these units. */
#define QFP_UNITS_PER_BYTE 8000000000ull

/* Policer mode, as hw_policer[0] bits 31..29 carry it. */
enum qfp_police_mode { QFP_POLICE_NONE = 0, QFP_POLICE_1R2C = 1, QFP_POLICE_1R3C = 2, QFP_POLICE_2R3C = 3 };
/* Policer action codes in police_info (per colour, 4 bits each). */
enum qfp_police_action {
    QFP_PA_DEFAULT = 0,   /* the colour's IOS default: conform transmit, exceed and violate drop */
    QFP_PA_TRANSMIT = 1,
    QFP_PA_DROP = 2,
    QFP_PA_SET_DSCP = 3,  /* set-dscp-transmit */
    QFP_PA_SET_PREC = 4,  /* set-prec-transmit */
    QFP_PA_COUNT
};

/* One class of a policy, in the policy's class order; class-default comes last with cmap
 * QFP_CMAP_DEFAULT. The policer is given as the programmed hardware words, which docs/fastpath.md
 * documents and qfp/policer.py encodes and decodes:
 *   hw_policer[0] = mode << 29 | Bc bytes      hw_policer[2] = CIR as 10^e: e << 29 | mantissa
 *   hw_policer[1] = Be bytes (EBS or PBS)      hw_policer[3] = PIR likewise (2R3C), else 0
 *   police_info   = conform | exceed << 4 | violate << 8 (action codes)
 *                   | conform value << 12 | exceed value << 18 | violate value << 24 (DSCP or prec)
 */
struct qfp_class_cfg {
    char name[QFP_NAME_MAX];
    uint32_t object_id;    /* the class object id that show output prints */
    uint16_t cmap;         /* class-map index, or QFP_CMAP_DEFAULT */
    uint8_t set_kind;      /* enum qfp_set_kind: unconditional `set` */
    uint8_t set_value;     /* DSCP 0..63 or precedence 0..7 */
    uint32_t hw_policer[4];/* all zero: no policer */
    uint32_t police_info;
    int32_t child;         /* child policy handle, or QFP_POLICY_NONE */
    /* Queueing (docs/fastpath.md, "Queueing"), IOS's defaults applied; all zero: none. */
    uint64_t shape_cir;       /* `shape average`, bit/s */
    uint32_t shape_bc;        /* bytes; the shaper's bucket holds bc + be */
    uint32_t shape_be;
    uint64_t priority_rate;   /* `priority BPS|percent`: the conditional policer, bit/s */
    uint32_t priority_burst;  /* its bucket, bytes */
    uint8_t priority;         /* 0 none, 1 or 2: `priority [level N]` */
    uint8_t qpad[3];
    uint64_t bw_min;          /* `bandwidth`, bit/s */
    uint32_t bw_excess;       /* `bandwidth remaining` weight 1..QFP_EXCESS_WEIGHT_MAX; 0: 1 */
    uint32_t queue_limit;     /* packets: non-zero exactly for a class that is a queue */
};

/* What queueing can be given: queue-limit in packets (each holds a 16-byte descriptor), excess
 * weights (`bandwidth remaining ratio` goes to 1000). Shaper and priority rates lie in
 * QFP_RATE_MIN..QFP_RATE_MAX, bursts in 1..QFP_BURST_MAX (bc + be included). */
enum { QFP_QUEUE_LIMIT_MAX = 1 << 20, QFP_EXCESS_WEIGHT_MAX = 1000 };

/* ---- binding ------------------------------------------------------------------------------------- */
/* A class's counters: what a new binding may start from (to keep counts across a policy edit). */
struct qfp_class_counters {
    uint64_t pkts, bytes;                  /* classified into the class */
    uint64_t drop_pkts, drop_bytes;        /* dropped in the class, by it or its child */
    uint64_t colour_pkts[QFP_COLOUR_COUNT];
    uint64_t colour_bytes[QFP_COLOUR_COUNT];
};

/* One direction's new binding: an IPv4 ACL slot, an IPv6 ACL slot and a fresh instance of a policy.
 * A packet meets the ACL of its family; with none of its family it passes (docs/fastpath.md, "IPv6").
 * Note that a zeroed struct names slot 0 in both: set acl6_slot to QFP_ACL_NONE when there is none. */
struct qfp_binding {
    uint32_t dir;                               /* enum qfp_dir */
    int32_t acl_slot;                           /* an IPv4 ACL, or QFP_ACL_NONE */
    int32_t policy;                             /* or QFP_POLICY_NONE */
    uint32_t ncounters;                         /* 0, or the instance's class state count */
    const struct qfp_class_counters *counters;  /* starting counters per class state, depth-first */
    int32_t acl6_slot;                          /* an IPv6 ACL, or QFP_ACL_NONE */
};

/* ---- read-back --------------------------------------------------------------------------------- */
struct qfp_policy_info {
    char name[QFP_NAME_MAX];
    uint32_t policy_id;
    uint32_t nclasses;
    uint32_t ncmaps;
    uint32_t nterms;
    uint32_t depth;        /* 1 for a flat policy */
    uint32_t nstates;      /* class states one instance of it needs, children included */
    uint32_t refs;         /* targets and parent policies that use it */
};

struct qfp_uidb_info {
    char ifname[QFP_NAME_MAX];
    uint32_t ifh;          /* QFP interface handle */
    int32_t acl[QFP_DIR_COUNT];     /* bound ACL slot per direction, or QFP_ACL_NONE */
    int32_t policy[QFP_DIR_COUNT];  /* bound policy handle per direction, or QFP_POLICY_NONE */
    int32_t acl6[QFP_DIR_COUNT];    /* bound IPv6 ACL slot per direction, or QFP_ACL_NONE */
};

/* A class state's part in its target's scheduler (docs/fastpath.md, "Queueing", "Read-back"). */
enum qfp_queue_role { QFP_QROLE_NONE = 0, QFP_QROLE_QUEUE = 1, QFP_QROLE_INNER = 2 };

struct qfp_queue_stats {
    uint32_t role;            /* enum qfp_queue_role */
    uint32_t queue_limit;     /* packets, for a queue */
    uint32_t depth;           /* packets queued now (an inner node: in its queues) */
    uint32_t depth_max;       /* the most it has held at once */
    uint64_t out_pkts, out_bytes;          /* left the queue */
    uint64_t tail_pkts, tail_bytes;        /* tail drops: the queue was full */
    uint64_t exceed_pkts, exceed_bytes;    /* a priority queue's conditional policer drops */
    uint64_t delay_sum_ns, delay_max_ns;   /* departure - arrival, over out_pkts */
    uint64_t jitter_sum_ns;                /* sum of |delay - the previous packet's delay| */
    int64_t shape_tokens;                  /* the shaper's level, token units; 0 without one */
};

/* One class of a bound policy instance: its place in the hierarchy, its QFP descriptors and its
 * counters. A target's states come in depth-first order: a class, then its child's classes. */
struct qfp_class_state_info {
    int32_t policy;        /* policy handle the class belongs to */
    uint32_t level;        /* hierarchy level: 0 for the bound policy */
    uint32_t class_index;  /* index of the class in its policy */
    int32_t parent_state;  /* index of the parent class's state, -1 at level 0 */
    uint32_t psqd[4];
    uint32_t isqd[4];
    uint32_t hw_policer[4];
    uint32_t police_info;
    uint32_t policer_id;   /* 0 when the class has no policer */
    struct qfp_class_counters counters;
    uint64_t tokens_c, tokens_e;           /* bucket levels now, in token units (1 byte = 8e9) */
    struct qfp_queue_stats queue;
};

/* A UIDB's accounting counters, for RADIUS (docs/fastpath.md, "UIDB accounting counters"), each
 * indexed by enum qfp_dir. packets and bytes: every packet of a batch addressed to the UIDB in that
 * direction, before the ACL; forwarded_*: those of them whose verdict is forward (after the ACL and
 * the policers). Bytes are the packet records' `length`. Zero when the UIDB is created; kept across
 * binds; not cleared by qfp_target_clear_counters (accounting is not `clear counters`). */
struct qfp_uidb_counters {
    uint64_t packets[QFP_DIR_COUNT];
    uint64_t bytes[QFP_DIR_COUNT];
    uint64_t forwarded_packets[QFP_DIR_COUNT];
    uint64_t forwarded_bytes[QFP_DIR_COUNT];
};

/* ---- the API ------------------------------------------------------------------------------------ */
struct qfp;

int qfp_create(uint32_t max_uidbs, uint32_t max_acls, uint32_t max_policies, struct qfp **out);
void qfp_destroy(struct qfp *fp);
/* The message the last failed control operation left, for the exception Python raises. */
const char *qfp_errmsg(const struct qfp *fp);

int qfp_acl_create(struct qfp *fp, const struct qfp_ace *aces, uint32_t naces,
                   const uint64_t *hits, uint32_t *slot_out);
/* Replacing never makes a batch wait: batches that began before it see the old ACL (and the old
 * term bits of the policies that name it) to their end, later ones the new. */
int qfp_acl_replace(struct qfp *fp, uint32_t slot, const struct qfp_ace *aces, uint32_t naces,
                    const uint64_t *hits);
/* The same for an IPv6 ACL (docs/fastpath.md, "IPv6"). Replacing keeps a slot's family: an IPv4
 * ACL's slot refuses IPv6 ACEs and the other way round (QFP_EINVAL), since targets and policies
 * were bound to it as one family. */
int qfp_acl_create6(struct qfp *fp, const struct qfp_ace6 *aces, uint32_t naces,
                    const uint64_t *hits, uint32_t *slot_out);
int qfp_acl_replace6(struct qfp *fp, uint32_t slot, const struct qfp_ace6 *aces, uint32_t naces,
                     const uint64_t *hits);
int qfp_acl_delete(struct qfp *fp, uint32_t slot);
/* Per-ACE match counters; *naces_out is the ACL's length even when it exceeds cap. */
int qfp_acl_counters(struct qfp *fp, uint32_t slot, uint64_t *hits, uint32_t cap,
                     uint32_t *naces_out, uint64_t *implicit_deny_out);
/* An IPv6 ACL's implicit permits' counters, out[QFP_ACL6_IMPLICIT_ND_NA] and [..._ND_NS] (and the
 * deny's at [..._DENY]); all 0 for an IPv4 ACL. */
int qfp_acl_implicit_counters(struct qfp *fp, uint32_t slot, uint64_t *out);
int qfp_acl_clear_counters(struct qfp *fp, uint32_t slot);

/* How an ACL is looked up; every method finds the same first match. QFP_ACL_AUTO picks by length,
 * then by shape: a scan below QFP_ACL_INDEX_MIN ACEs; bit vectors (qfp_acl_bitvec.c) up to
 * QFP_ACL_BITVEC_HEAD; beyond, a decision tree (qfp_acl_index.c), whose cost grows slowly with
 * length, over every ACE, or the hybrid: bit vectors over the first QFP_ACL_BITVEC_HEAD ACEs, where
 * on some ACLs most packets find their match at the cost of a dozen loads, and a tree over the
 * rest; whichever does less work on probe keys drawn from the ACL (qfp_acl.c). A method that
 * cannot be built (no memory, a tree over its 16 MB budget) falls back to the scan, which always can.
 * An IPv6 ACL: the scan below QFP_ACL6_TREE_MIN, a tree from there (its scan tests nine words an
 * ACE, and the tree beat it from 8 ACEs, its bit vectors from 24 to 10k); its bit vectors (over four
 * projections) when forced or when the tree cannot be built; no hybrid (forced, the bit vectors
 * stand in). */
enum qfp_acl_method { QFP_ACL_AUTO = 0, QFP_ACL_SCAN = 1, QFP_ACL_TREE = 2, QFP_ACL_BITVEC = 3,
                      QFP_ACL_HYBRID = 4 };
enum { QFP_ACL_INDEX_MIN = 24, QFP_ACL_BITVEC_HEAD = 256, QFP_ACL6_TREE_MIN = 8 };
/* The method for ACLs created or replaced from now on, and for the hybrid the ACEs its bit vectors
 * cover (0: QFP_ACL_BITVEC_HEAD): for tests and benchmarks of one method. */
int qfp_set_acl_method(struct qfp *fp, uint32_t method, uint32_t bitvec_head);

/* The instruction set the per-packet path runs on. Every level computes the same verdicts; a wider
 * one compares a packet with more ACEs per instruction. A new fast path takes the widest this CPU
 * has (qfp_simd_best); qfp_set_simd picks a narrower one, for tests and benchmarks, and refuses a
 * wider one (QFP_EINVAL). */
enum qfp_simd { QFP_SIMD_PORTABLE = 0, QFP_SIMD_AVX2 = 1, QFP_SIMD_AVX512 = 2 };
uint32_t qfp_simd_best(void);
int qfp_set_simd(struct qfp *fp, uint32_t level);
uint32_t qfp_simd_level(const struct qfp *fp);

struct qfp_acl_stats {
    uint32_t naces;
    uint32_t method;      /* enum qfp_acl_method, as built */
    uint32_t cuts;        /* tree nodes */
    uint32_t depth_max;   /* the tree's deepest leaf, wild branches counted as levels */
    uint32_t leaf_max;    /* the most ACEs one tree leaf makes a lookup scan */
    uint64_t bytes;       /* the tree's or the bit vectors' tables */
    uint32_t family;      /* enum qfp_family: what its ACEs are */
    uint32_t extra;       /* ACEs with QFP_ACE_EXTRA, which lookups check past their index */
    uint32_t edits;       /* replaces its tree took as edits, not rebuilt, since it was last built whole */
    uint32_t fan_max;     /* the widest cut's kids: 4, 16, 256 or 4,096 */
};
int qfp_acl_stats(struct qfp *fp, uint32_t slot, struct qfp_acl_stats *out);

/* First-match lookup alone, for benchmarks and cross-checks: ace_out[i] is the index of the first
 * ACE of the ACL in `slot` that pkts[i] matches, or the ACL's length for none (and for a packet of
 * the other family); for an IPv6 ACL, length + 1 or + 2 for its implicit nd-na or nd-ns permit
 * (their counters' indexes). Counts nothing. */
int qfp_acl_classify(struct qfp *fp, uint32_t slot, const struct qfp_pkt *pkts, uint32_t *ace_out,
                     size_t n);

int qfp_policy_create(struct qfp *fp, const char *name, uint32_t policy_id,
                      const struct qfp_class_cfg *classes, uint32_t nclasses,
                      const struct qfp_cmap *cmaps, uint32_t ncmaps,
                      const struct qfp_term *terms, uint32_t nterms, int32_t *handle_out);
int qfp_policy_delete(struct qfp *fp, int32_t handle);
int qfp_policy_info(struct qfp *fp, int32_t handle, struct qfp_policy_info *out);
int qfp_policy_class(struct qfp *fp, int32_t handle, uint32_t index, struct qfp_class_cfg *out);

int qfp_uidb_create(struct qfp *fp, uint32_t ifh, const char *ifname, uint32_t *uidb_out);
int qfp_uidb_delete(struct qfp *fp, uint32_t uidb);
/* Give a UIDB's targets new ACLs and policy instances (policer buckets full, counters zero or as
 * given), one binding per direction, all published at once; the old instances are freed. */
int qfp_uidb_bind(struct qfp *fp, uint32_t uidb, const struct qfp_binding *bindings, uint32_t n);
int qfp_uidb_info(struct qfp *fp, uint32_t uidb, struct qfp_uidb_info *out);
/* The first UIDB in use at or above `from`; QFP_ENOENT when there is none. */
int qfp_uidb_next(struct qfp *fp, uint32_t from, uint32_t *uidb_out);
/* The bound policy instance's class states; *n_out is the count even when it exceeds cap. */
int qfp_target_read(struct qfp *fp, uint32_t uidb, uint32_t dir,
                    struct qfp_class_state_info *out, uint32_t cap, uint32_t *n_out);
/* Zero the bound policy instance's class counters and its queues' output, drop and delay counts and
 * maximum depths (not its buckets, not its queued packets, not the UIDB's accounting). */
int qfp_target_clear_counters(struct qfp *fp, uint32_t uidb, uint32_t dir);
/* Run the target's scheduler up to virtual time until_ns with nothing arriving (docs/fastpath.md,
 * "Queueing"): queued packets leave as they would by then. Like qfp_process(), a data-path call: it
 * belongs to the thread that runs the UIDB's batches. A target without a scheduler: QFP_OK, nothing. */
int qfp_target_advance(struct qfp *fp, uint32_t uidb, uint32_t dir, uint64_t until_ns);
/* The scheduler's clock (`now`): the virtual time it has run up to; 0 without a scheduler. */
int qfp_target_clock(struct qfp *fp, uint32_t uidb, uint32_t dir, uint64_t *now_out);
/* The UIDB's accounting counters, summed over the thread shards; QFP_ENOENT for a UIDB not in use.
 * Batches are not stopped: read while one of the UIDB's runs, each counter is a value it had during
 * the read, the four not necessarily at the same moment. */
int qfp_uidb_counters(struct qfp *fp, uint32_t uidb, struct qfp_uidb_counters *out);

/* Checks the fields qfp_process() trusts (dir, frag, dscp, family: 4 or 6; a batch may mix them);
 * QFP_EINVAL with *bad_out the index of the first packet out of range. */
int qfp_batch_check(const struct qfp_pkt *pkts, size_t n, size_t *bad_out);

/* What control operations cost the packet path: batches that had to wait at the gate while a
 * change was published, and the longest wait, since creation or the last reset. */
int qfp_gate_stats(struct qfp *fp, uint64_t *waits, uint64_t *wait_max_ns, int reset);

/* Classify, police and filter n packets; verdicts[i] answers pkts[i]. Inputs are trusted: the
 * caller has checked them with qfp_batch_check(). Unknown UIDBs are dropped, not errors. */
int qfp_process(struct qfp *fp, const struct qfp_pkt *pkts, struct qfp_verdict *verdicts, size_t n);

/* ---- capture walking --------------------------------------------------------------------------- */
/* Classic pcap and pcapng files chain their records by length, so only a walk from the start finds
 * them; these walks do that and check the chain, and qfp/pcap.py decodes what they find. Neither
 * allocates: the caller gives arrays of `cap` entries (one per 16 bytes of the capture is always
 * enough for pcap, one per 12 bytes for pcapng). Offsets are bytes from the start of `data`. */
enum {
    QFP_PCAP_HEADER_LEN = 24,         /* classic pcap file header: magic, version, ..., link type */
    QFP_PCAP_RECORD_HEADER_LEN = 16,  /* seconds, fraction, captured length, original length */
    QFP_PCAPNG_BLOCK_MIN = 12,        /* type, length, trailing length */
    QFP_PCAPNG_SHB = 0x0A0D0D0A,      /* section header block type: the same in either byte order */
    /* A captured length above this is not a frame but a corrupt length (jumbo frames and TSO
     * captures stay far below; tcpdump's own limit is 256 KiB). */
    QFP_CAPTURE_FRAME_MAX = 1 << 18
};

/* Why a walk stopped before the end of the data. */
enum qfp_capture_stop {
    QFP_CAPTURE_END = 0,           /* it did not: the data ends where the last record does */
    QFP_CAPTURE_HEADER_CUT = 1,    /* fewer bytes left than a record (block) header */
    QFP_CAPTURE_RECORD_CUT = 2,    /* the record (block) is longer than the bytes left */
    QFP_CAPTURE_FRAME_LONG = 3,    /* pcap: captured length above QFP_CAPTURE_FRAME_MAX */
    QFP_CAPTURE_BAD_LENGTH = 4,    /* pcapng: block length below 12 or not a multiple of 4 */
    QFP_CAPTURE_BAD_TRAILER = 5,   /* pcapng: trailing length differs from the leading one */
    QFP_CAPTURE_BAD_BOM = 6,       /* pcapng: section header's byte-order magic is neither order */
    QFP_CAPTURE_SHORT_BLOCK = 7,   /* pcapng: a block too short for its type's fixed fields */
    QFP_CAPTURE_STOP_COUNT
};

struct qfp_capture_walk {
    size_t n;           /* records or blocks found before the stop, counted on past cap */
    size_t stop_off;    /* the data's length, or the offset of the record or block the walk stopped at */
    uint32_t stop;      /* enum qfp_capture_stop */
    uint32_t stop_len;  /* at a stop: the record's captured length or the block's length, as read
                           (0 when its header was cut off or its byte-order magic was bad) */
};

/* Walk a classic pcap's records, from the end of its file header (which the caller has read) to the
 * end of the data, in the file's byte order. rec_off[i] is where record i's header starts. QFP_OK
 * when the data ends where a record does; QFP_EINVAL when a record is cut off or its length is
 * corrupt (out->stop says which, out->stop_off where; the records before it are in rec_off);
 * QFP_EFULL when more than cap were found (out->n says how many). */
int qfp_pcap_walk(const uint8_t *data, size_t len, int big_endian, uint64_t *rec_off, size_t cap,
                  struct qfp_capture_walk *out);

/* Walk a pcapng's blocks from the start of the data (the caller has seen a section header there).
 * Each section header sets the byte order of the blocks up to the next one. For block i: its
 * offset, type and total length (host order), and 1 in big_endian[i] when its section is
 * big-endian. Statuses as qfp_pcap_walk(); a block's body is not looked into. */
int qfp_pcapng_walk(const uint8_t *data, size_t len, uint64_t *block_off, uint32_t *block_type,
                    uint32_t *block_len, uint8_t *big_endian, size_t cap,
                    struct qfp_capture_walk *out);

/* ---- packet trace (docs/fastpath.md, "Packet trace") ------------------------------------------------
 * A packet whose record has `trace` set, processed while a trace buffer is configured, is recorded:
 * its header, each step of its path, its verdict and, when it joined a queue, the time it left.
 * Untraced packets pay one byte test. The buffer holds `capacity` records: it stops when full, or
 * with `circular` keeps the newest. Records are written by the batches that trace them (any number
 * of threads at once, each into a slot it reserved); a departure is written by the thread that runs
 * the UIDB's scheduler; configuring, reading and clearing close the batch gate. */
enum { QFP_TRACE_MIN = 16, QFP_TRACE_MAX = 8192 };   /* IOS's `debug platform packet-trace packet N` */
#define QFP_TRACE_NOT_SENT 0xffffffffffffffffull      /* depart_ns: not (yet) sent by a scheduler */
enum { QFP_TRACE_NO_QUEUE = 0xffffffff };             /* queue_state: it reached no queue */
enum { QFP_TRACE_NO_TERM = 0xffff };                  /* term: class-default, matched by no term */
enum { QFP_TRACE_REASONS = 8 };                       /* enum qfp_reason values counted by statistics */

/* One policy level the packet went through, in hierarchy order. */
struct qfp_trace_level {
    int32_t policy;         /* policy handle */
    uint16_t cls;           /* class index in it */
    uint16_t term;          /* the first `match` of the class's class-map (its place in the class-map)
                               that held, or QFP_TRACE_NO_TERM */
    uint8_t colour;         /* the class's policer's colour, or QFP_COLOUR_NONE (no policer, or the
                               packet was dropped below it first) */
    uint8_t police_action;  /* enum qfp_police_action the colour took, QFP_PA_DEFAULT resolved; 0: none */
    uint8_t dscp_in;        /* DSCP as the level got the packet */
    uint8_t dscp_out;       /* as it left the level (its `set`, its child's and its policer's marking) */
};

struct qfp_trace_rec {
    uint64_t number;        /* packet number: traced packets since the buffer was configured or cleared */
    uint64_t depart_ns;     /* virtual time its scheduler sent it, or QFP_TRACE_NOT_SENT */
    struct qfp_pkt pkt;     /* the packet as it arrived (ts_ns is its arrival) */
    struct qfp_verdict verdict;
    uint32_t nlevels;       /* policy levels in `level` */
    uint32_t queue_state;   /* class state of the queue it reached, or QFP_TRACE_NO_QUEUE */
    uint32_t queue_depth;   /* packets in that queue when it reached it, itself not counted */
    struct qfp_trace_level level[QFP_POLICY_DEPTH_MAX];
    uint32_t pad;
};

struct qfp_trace_stats {
    uint64_t matched;       /* packets with `trace` set, recorded or not */
    uint64_t traced;        /* recorded */
    uint64_t forward;       /* of the matched: forwarded */
    uint64_t drop[QFP_TRACE_REASONS];   /* of the matched: dropped, by enum qfp_reason */
    uint32_t capacity;      /* 0: no buffer configured */
    uint32_t circular;
};

/* Configure a buffer of `capacity` records (QFP_TRACE_MIN..QFP_TRACE_MAX; 0 removes it), emptied,
 * statistics zeroed. */
int qfp_trace_config(struct qfp *fp, uint32_t capacity, int circular);
/* The records, oldest first; *n_out is the count held even when it exceeds cap. */
int qfp_trace_read(struct qfp *fp, struct qfp_trace_rec *out, uint32_t cap, uint32_t *n_out);
int qfp_trace_stats(struct qfp *fp, struct qfp_trace_stats *out);
/* Empty the buffer and zero the statistics, keeping the configuration. */
int qfp_trace_clear(struct qfp *fp);

#endif
