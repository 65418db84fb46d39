/*
 * qfp_queue.c - hierarchical queueing: shapers, queues and the three-tier scheduler, in virtual time
 * (docs/fastpath.md, "Queueing: shapers, queues and the scheduler, in virtual time").
 *
 * Three stages, as for policers:
 *   - policy creation (qfp_queue_compile): each class's queueing words become a struct qfp_qclass
 *     of token units, clamped fill times and a reciprocal, so that a packet never divides;
 *   - bind (qfp_sched_new): the target gets a tree of nodes, one per queueing class, under a root
 *     that is the target itself, and per queue a ring of queue_limit 16-byte descriptors, all
 *     allocated here, once: the packet path never allocates;
 *   - per packet (qfp_sched_packet) and per qfp_target_advance (qfp_sched_advance): the scheduler
 *     runs up to the packet's time, takes or drops it, and runs up to it again.
 *
 * The scheduler is exact in the spec's sense: it decides at the times the spec decides at and
 * nowhere else with any effect. Buckets (shapers, minimum meters, priority policers) are refilled
 * lazily, whenever a decision looks at them; a refill to S then to S' is the refill to S', so when
 * they are looked at changes nothing. Between decisions the next decision time is computed exactly
 * (ready_at), not stepped to.
 *
 * A scheduler belongs, like its target's policers, to the thread that runs the UIDB's batches.
 */
#include <stdlib.h>
#include <string.h>

#include "qfp_impl.h"

/* A shaper or meter never sinks below minus one packet (a packet is only sent at level >= 0), so
 * every deficit is below 2^49 units: the bound the 2^88 reciprocal is exact for. */
#define QFP_DEFICIT_MAX (1ull << 49)
#define QFP_RECIP_SHIFT 88
#define QFP_EXCESS_SCALE 65536000ull
/* The minimum meter saves at most one Ethernet MTU of credit: enough that a backlogged class loses
 * none between its parent's decisions (which come at least once per packet the parent sends, and a
 * packet's worth of credit at the class's rate is less than the packet), little enough that a class
 * back from idle jumps the excess tier by at most one packet. */
#define QFP_METER_BYTES 1500ull
#define QFP_METER_MAX ((int64_t)(QFP_METER_BYTES * QFP_UNITS_PER_BYTE))

struct qfp_qdesc {
    uint64_t arrival;
    uint16_t length;
    uint16_t pad;
    uint32_t trace;   /* a traced packet's mark (qfp_trace.c), else 0 */
};
_Static_assert(sizeof(struct qfp_qdesc) == 16, "a queue slot is a 16-byte descriptor");

enum { TIER_NONE, TIER_PRIORITY, TIER_MIN, TIER_EXCESS };

/* Tried: hot fields first in 256-byte, 64-byte-aligned nodes (aligned_alloc). 1 session: 1 ns/pkt
 * faster; 1024 sessions: 25 ns/pkt slower (the aligned blocks crowded the same cache sets). */
struct qfp_qnode {
    const struct qfp_qclass *q;     /* NULL for the root */
    struct qfp_qnode *parent;
    struct qfp_qnode **kids;        /* queueing classes of the level below, in class order */
    uint32_t nkids;
    uint32_t state;                 /* its class state in the target */
    uint32_t count;                 /* packets queued in it and below */
    uint32_t depth_max;
    /* The last selection (select): the child it chose, by which tier, and at which priority
     * level (0 none) the chosen leaf is, which is what this node's parent sorts it by. */
    uint32_t pick;
    uint8_t pick_tier;
    uint8_t sel_prio;
    uint8_t has_prev;               /* a packet has left before: jitter has a previous delay */
    uint8_t shaped_below;           /* a node below it has a shaper: its readiness can be later */
    uint32_t rr;                    /* the child the minimum tier served last */
    int64_t shape;                  /* shaper level, token units */
    uint64_t shape_last;
    int64_t meter;                  /* minimum meter level, <= QFP_METER_MAX */
    uint64_t meter_last;
    uint64_t tag;                   /* excess tier: start tag, as a child */
    uint64_t vtime;                 /* excess tier: virtual time, as a parent */
    uint64_t pri_tokens, pri_last;  /* the priority queue's conditional policer */
    uint64_t prev_delay;
    struct qfp_qdesc *ring;         /* queue_limit slots, the oldest at head */
    uint32_t head;
    struct qfp_queue_stats st;      /* counts only: role, depth and levels are made at read */
};

struct qfp_sched {
    struct qfp *fp;                 /* whose trace a traced packet's departure is written to */
    uint64_t now;
    /* No decision before this time can select a packet: known when the last run stopped, and
     * lowered by each packet queued since. It spares a backlogged, shaped target's packets the
     * walk of its tree that would find nothing to send (UINT64_MAX: empty). */
    uint64_t next_at;
    uint32_t nnodes;                /* the root included, at nodes[0] */
    uint32_t nstates;
    uint32_t *node_of;              /* [state]: its node, or UINT32_MAX */
    struct qfp_qnode **kid_slots;
    struct qfp_qdesc *rings;
    struct qfp_qnode nodes[];
};

/* ---- policy time -------------------------------------------------------------------------------- */
int qfp_queue_compile(struct qfp *fp, struct qfp_policy *pol)
{
    (void)fp;
    for (uint32_t i = 0; i < pol->nclasses; i++) {
        struct qfp_pclass *c = &pol->classes[i];
        struct qfp_qclass *q = &c->q;
        const struct qfp_class_cfg *cfg = &c->cfg;
        q->priority = cfg->priority;
        q->queue_limit = cfg->queue_limit;
        if (cfg->shape_cir) {
            q->shape_cir = cfg->shape_cir;
            q->shape_max = (int64_t)(((uint64_t)cfg->shape_bc + cfg->shape_be) * QFP_UNITS_PER_BYTE);
            q->shape_dt_full = ((uint64_t)q->shape_max + QFP_DEFICIT_MAX) / q->shape_cir + 1;
            q->shape_recip = (((unsigned __int128)1 << QFP_RECIP_SHIFT) / q->shape_cir) + 1;
        }
        if (cfg->priority_rate) {
            q->pri_rate = cfg->priority_rate;
            q->pri_size = (uint64_t)cfg->priority_burst * QFP_UNITS_PER_BYTE;
            q->pri_dt_full = q->pri_size / q->pri_rate + 1;
        }
        if (cfg->bw_min) {
            q->bw_min = cfg->bw_min;
            q->meter_dt_full = ((uint64_t)QFP_METER_MAX + QFP_DEFICIT_MAX) / q->bw_min + 1;
        }
        q->excess_step = QFP_EXCESS_SCALE / (cfg->bw_excess ? cfg->bw_excess : 1);
    }
    return QFP_OK;
}

/* ---- bind ------------------------------------------------------------------------------------------ */
static void count_nodes(const struct qfp_policy *pol, uint32_t *nodes, uint64_t *slots)
{
    for (uint32_t i = 0; i < pol->nclasses; i++) {
        const struct qfp_pclass *c = &pol->classes[i];
        if (c->q.role == QFP_QROLE_QUEUE) {
            ++*nodes;
            *slots += c->q.queue_limit;
        } else if (c->q.role == QFP_QROLE_INNER) {
            ++*nodes;
            count_nodes(c->child, nodes, slots);
        }
    }
}

static void node_init(struct qfp_qnode *n, const struct qfp_qclass *q, struct qfp_qnode *parent,
                      uint32_t state)
{
    n->q = q;
    n->parent = parent;
    n->state = state;
    n->shape = q ? q->shape_max : 0;
    n->pri_tokens = q ? q->pri_size : 0;
}

/* The nodes of one queueing level under `parent`, depth-first; a level's children take
 * consecutive kid slots, reserved before any of them builds its own. */
static void build(struct qfp_sched *s, const struct qfp_policy *pol, uint32_t base,
                  struct qfp_qnode *parent, uint32_t *kid_used, uint64_t *slot_used)
{
    uint32_t nkids = 0;
    for (uint32_t i = 0; i < pol->nclasses; i++)
        nkids += pol->classes[i].q.role == QFP_QROLE_QUEUE || pol->classes[i].q.role == QFP_QROLE_INNER;
    parent->kids = &s->kid_slots[*kid_used];
    parent->nkids = nkids;
    parent->rr = nkids - 1;   /* so that the minimum tier's first round starts at the first child */
    *kid_used += nkids;
    uint32_t k = 0;
    for (uint32_t i = 0; i < pol->nclasses; i++) {
        const struct qfp_pclass *c = &pol->classes[i];
        if (c->q.role != QFP_QROLE_QUEUE && c->q.role != QFP_QROLE_INNER)
            continue;
        uint32_t state = base + c->state;
        struct qfp_qnode *n = &s->nodes[s->nnodes];
        s->node_of[state] = s->nnodes++;
        node_init(n, &c->q, parent, state);
        parent->kids[k++] = n;
        if (c->q.role == QFP_QROLE_QUEUE) {
            n->ring = &s->rings[*slot_used];
            *slot_used += c->q.queue_limit;
        } else {
            build(s, c->child, state + 1, n, kid_used, slot_used);
        }
        for (struct qfp_qnode *a = parent; a && (n->q->shape_cir || n->shaped_below); a = a->parent)
            a->shaped_below = 1;
    }
}

int qfp_sched_new(struct qfp *fp, const struct qfp_policy *pol, struct qfp_sched **out)
{
    uint32_t nodes = 1;
    uint64_t slots = 0;
    count_nodes(pol, &nodes, &slots);
    size_t head = sizeof(struct qfp_sched) + (size_t)nodes * sizeof(struct qfp_qnode);
    struct qfp_sched *s = calloc(1, head);
    if (s) {
        s->node_of = malloc((size_t)pol->nstates * sizeof *s->node_of);
        s->kid_slots = calloc(nodes, sizeof *s->kid_slots);
        /* calloc: a long queue's untouched slots cost no memory until it fills. */
        s->rings = calloc(slots ? slots : 1, sizeof *s->rings);
    }
    if (!s || !s->node_of || !s->kid_slots || !s->rings) {
        qfp_sched_free(s);
        return qfp_fail(fp, QFP_ENOMEM, "no memory for the queues of policy %s (%llu packets)",
                        pol->name, (unsigned long long)slots);
    }
    memset(s->node_of, 0xff, (size_t)pol->nstates * sizeof *s->node_of);
    s->fp = fp;
    s->nstates = pol->nstates;
    s->next_at = UINT64_MAX;
    s->nnodes = 1;
    node_init(&s->nodes[0], NULL, NULL, UINT32_MAX);
    uint32_t kid_used = 0;
    uint64_t slot_used = 0;
    build(s, pol, 0, &s->nodes[0], &kid_used, &slot_used);
    *out = s;
    return QFP_OK;
}

void qfp_sched_free(struct qfp_sched *s)
{
    if (!s)
        return;
    free(s->node_of);
    free(s->kid_slots);
    free(s->rings);
    free(s);
}

/* ---- buckets ---------------------------------------------------------------------------------------
 * Each is refilled to S like a policer: by (S - last) * rate when S > last, clamped to its size.
 * The fill times (*_dt_full) bound dt * rate below 2^63 and are reached only by a full bucket. */
static int64_t shaper_at(struct qfp_qnode *n, uint64_t S)
{
    const struct qfp_qclass *q = n->q;
    if (S > n->shape_last) {
        uint64_t dt = S - n->shape_last;
        n->shape_last = S;
        if (dt >= q->shape_dt_full) {
            n->shape = q->shape_max;
        } else {
            int64_t level = n->shape + (int64_t)(dt * q->shape_cir);
            n->shape = level > q->shape_max ? q->shape_max : level;
        }
    }
    return n->shape;
}

static int64_t meter_at(struct qfp_qnode *n, uint64_t S)
{
    if (S > n->meter_last) {
        uint64_t dt = S - n->meter_last;
        n->meter_last = S;
        if (dt >= n->q->meter_dt_full) {
            n->meter = QFP_METER_MAX;
        } else {
            int64_t level = n->meter + (int64_t)(dt * n->q->bw_min);
            n->meter = level > QFP_METER_MAX ? QFP_METER_MAX : level;
        }
    }
    return n->meter;
}

static void priority_refill(struct qfp_qnode *n, uint64_t t)
{
    const struct qfp_qclass *q = n->q;
    if (t > n->pri_last) {
        uint64_t dt = t - n->pri_last;
        n->pri_last = t;
        uint64_t add = (dt < q->pri_dt_full ? dt : q->pri_dt_full) * q->pri_rate;
        n->pri_tokens = add >= q->pri_size - n->pri_tokens ? q->pri_size : n->pri_tokens + add;
    }
}

/* ceil(d / cir) for 0 < d < 2^49, by the reciprocal: the product's top bits are floor(d / cir). */
static uint64_t ceil_div(uint64_t d, uint64_t cir, unsigned __int128 recip)
{
    uint64_t q = (uint64_t)(((unsigned __int128)d * recip) >> QFP_RECIP_SHIFT);
    return q + (q * cir != d);
}

/* The earliest time >= S at which n's own shaper is ready. */
static uint64_t shaper_ready(struct qfp_qnode *n, uint64_t S)
{
    if (!n->q->shape_cir)
        return S;
    int64_t level = shaper_at(n, S);
    return level >= 0 ? S : S + ceil_div((uint64_t)-level, n->q->shape_cir, n->q->shape_recip);
}

/* ---- selecting ------------------------------------------------------------------------------------- */
static int select_at(struct qfp_qnode *n, uint64_t S);

/* Tags and virtual times wrap at 2^64 (some 190 million 1500-byte packets of one weight-1 child):
 * compared by their difference, they order correctly for as long as the tags of one node's
 * children lie within 2^63 of each other and of its virtual time, which only a child idle while
 * its siblings sent exabytes could break. The reference's unbounded integers never wrap. */
static inline int tag_before(uint64_t a, uint64_t b)
{
    return (int64_t)(a - b) < 0;
}

/* Can child c give a packet at S, and at which priority level is the packet it would give? */
static int kid_ready(struct qfp_qnode *c, uint64_t S, uint8_t *prio)
{
    if (!c->count)
        return 0;
    if (c->q->shape_cir && shaper_at(c, S) < 0)
        return 0;
    if (c->nkids) {
        if (!select_at(c, S))
            return 0;
        *prio = c->sel_prio;
    } else {
        *prio = c->q->priority;
    }
    return 1;
}

/* The three tiers at node n (docs/fastpath.md, "Selecting"); the choice is left in n->pick. */
static int select_at(struct qfp_qnode *n, uint64_t S)
{
    uint32_t pri = UINT32_MAX, min = UINT32_MAX, ex = UINT32_MAX;
    uint8_t pri_level = 3;
    uint32_t min_dist = UINT32_MAX;
    uint64_t ex_tag = 0;
    for (uint32_t i = 0; i < n->nkids; i++) {
        struct qfp_qnode *c = n->kids[i];
        uint8_t prio = 0;
        if (!kid_ready(c, S, &prio))
            continue;
        if (prio) {
            if (prio < pri_level) {
                pri = i, pri_level = prio;
                if (prio == 1)
                    break;   /* nothing outranks the first level-1 child */
            }
            continue;
        }
        if (pri != UINT32_MAX)
            continue;
        if (c->q->bw_min && meter_at(c, S) >= 0) {
            /* round robin: the distance after the child served last, in class order */
            uint32_t dist = i > n->rr ? i - n->rr - 1 : i + n->nkids - n->rr - 1;
            if (dist < min_dist)
                min = i, min_dist = dist;
        }
        if (ex == UINT32_MAX || tag_before(c->tag, ex_tag))
            ex = i, ex_tag = c->tag;
    }
    if (pri != UINT32_MAX)
        n->pick = pri, n->pick_tier = TIER_PRIORITY, n->sel_prio = pri_level;
    else if (min != UINT32_MAX)
        n->pick = min, n->pick_tier = TIER_MIN, n->sel_prio = 0;
    else if (ex != UINT32_MAX)
        n->pick = ex, n->pick_tier = TIER_EXCESS, n->sel_prio = 0;
    else
        return 0;
    return 1;
}

/* The earliest time >= S at which node n (root or inner, holding packets) could give a packet:
 * a child is ready when its own shaper is and, for an inner child, one of its children is. */
static uint64_t ready_at(struct qfp_qnode *n, uint64_t S)
{
    uint64_t best = UINT64_MAX;
    for (uint32_t i = 0; i < n->nkids; i++) {
        struct qfp_qnode *c = n->kids[i];
        if (!c->count)
            continue;
        uint64_t at = shaper_ready(c, S);
        /* below an unshaped subtree's root, nothing waits longer than the root's own shaper */
        if (c->shaped_below) {
            uint64_t below = ready_at(c, S);
            if (below > at)
                at = below;
        }
        if (at < best)
            best = at;
    }
    return best;
}

/* ---- departing ----------------------------------------------------------------------------------- */
/* The packet the root selected leaves at S: each tier that chose on its way charges its child,
 * every shaper on its path loses its length, and its queue counts it out. */
static void depart(struct qfp_sched *s, uint64_t S)
{
    struct qfp_qnode *leaf = &s->nodes[0];
    while (leaf->nkids)
        leaf = leaf->kids[leaf->pick];
    const struct qfp_qdesc *d = &leaf->ring[leaf->head];
    const uint64_t len = d->length, cost = len * QFP_UNITS_PER_BYTE;
    for (struct qfp_qnode *n = &s->nodes[0]; n->nkids;) {
        struct qfp_qnode *c = n->kids[n->pick];
        if (n->pick_tier == TIER_MIN) {
            c->meter -= (int64_t)cost;
            n->rr = n->pick;
        } else if (n->pick_tier == TIER_EXCESS) {
            n->vtime = c->tag;
            c->tag += len * c->q->excess_step;
        }
        if (c->q->shape_cir)
            c->shape -= (int64_t)cost;
        n->count--;
        n = c;
    }
    leaf->count--;
    if (++leaf->head == leaf->q->queue_limit)
        leaf->head = 0;
    const uint64_t delay = S - d->arrival;
    struct qfp_queue_stats *st = &leaf->st;
    st->out_pkts++;
    st->out_bytes += len;
    st->delay_sum_ns += delay;
    if (delay > st->delay_max_ns)
        st->delay_max_ns = delay;
    if (leaf->has_prev)
        st->jitter_sum_ns += delay > leaf->prev_delay ? delay - leaf->prev_delay : leaf->prev_delay - delay;
    leaf->prev_delay = delay;
    leaf->has_prev = 1;
    if (__builtin_expect(d->trace != 0, 0))
        qfp_trace_departed(s->fp, d->trace, S);
}

/* Decide from now up to t: every packet selectable at a decision time leaves at it; between them
 * the next decision time is the earliest at which a blocked path's shapers let a packet through. */
static void run_to(struct qfp_sched *s, uint64_t t)
{
    struct qfp_qnode *root = &s->nodes[0];
    uint64_t S = s->now;
    s->now = t;
    if (t < s->next_at)
        return;
    while (root->count) {
        while (root->count && select_at(root, S))
            depart(s, S);
        if (!root->count)
            break;
        uint64_t next = ready_at(root, S);
        if (next <= S)   /* every blocked path waits for a shaper: cannot happen */
            next = UINT64_MAX;
        if (next > t) {
            s->next_at = next;
            return;
        }
        S = next;
    }
    s->next_at = UINT64_MAX;
}

/* The earliest time >= t at which a packet just queued in n could leave, as far as the shapers on
 * its own path say: what its arrival adds to the next decision time. */
static uint64_t path_ready(struct qfp_qnode *n, uint64_t t)
{
    uint64_t at = t;
    for (; n->q; n = n->parent) {
        uint64_t own = shaper_ready(n, t);
        if (own > at)
            at = own;
    }
    return at;
}

/* ---- per packet ----------------------------------------------------------------------------------- */
static uint8_t queue_drop(struct qfp_qnode *n, struct qfp_cstate *states, uint16_t length,
                          uint8_t reason)
{
    if (reason == QFP_REASON_QUEUE)
        n->st.tail_pkts++, n->st.tail_bytes += length;
    else
        n->st.exceed_pkts++, n->st.exceed_bytes += length;
    /* Like a policer's drop: in the queue's class and every class above it. */
    for (; n->q; n = n->parent) {
        states[n->state].c.drop_pkts++;
        states[n->state].c.drop_bytes += length;
    }
    return reason;
}

static void enqueue(struct qfp_qnode *n, uint64_t t, uint16_t length, uint32_t mark)
{
    uint32_t slot = n->head + n->count;
    if (slot >= n->q->queue_limit)
        slot -= n->q->queue_limit;
    n->ring[slot].arrival = t;
    n->ring[slot].length = length;
    n->ring[slot].trace = mark;
    for (struct qfp_qnode *a = n; a; a = a->parent) {
        if (!a->count && a->parent)   /* newly backlogged: start-time fair queueing's tag */
            a->tag = tag_before(a->tag, a->parent->vtime) ? a->parent->vtime : a->tag;
        if (++a->count > a->depth_max)
            a->depth_max = a->count;
    }
}

static inline __attribute__((always_inline)) uint8_t
sched_packet(struct qfp_sched *s, struct qfp_cstate *states, uint32_t queue_state, uint64_t ts,
             uint16_t length, uint32_t mark, uint32_t *depth_out)
{
    struct qfp_qnode *n = &s->nodes[s->node_of[queue_state]];
    const uint64_t t = ts > s->now ? ts : s->now;
    run_to(s, t);
    if (depth_out)
        *depth_out = n->count;
    if (n->q->pri_rate && n->parent->count) {
        const uint64_t cost = (uint64_t)length * QFP_UNITS_PER_BYTE;
        priority_refill(n, t);
        if (n->pri_tokens < cost)
            return queue_drop(n, states, length, QFP_REASON_PRIORITY);
        n->pri_tokens -= cost;
    }
    if (n->count >= n->q->queue_limit)
        return queue_drop(n, states, length, QFP_REASON_QUEUE);
    enqueue(n, t, length, mark);
    /* A queue that held packets already was on a backlogged path: next_at has its time. */
    if (n->count == 1) {
        uint64_t ready = path_ready(n, t);
        if (ready < s->next_at)
            s->next_at = ready;
    }
    run_to(s, t);
    return QFP_REASON_NONE;
}

uint8_t qfp_sched_packet(struct qfp_sched *s, struct qfp_cstate *states, uint32_t queue_state,
                         uint64_t ts, uint16_t length)
{
    return sched_packet(s, states, queue_state, ts, length, 0, NULL);
}

uint8_t qfp_sched_packet_traced(struct qfp_sched *s, struct qfp_cstate *states, uint32_t queue_state,
                                uint64_t ts, uint16_t length, uint32_t mark, uint32_t *depth_out)
{
    return sched_packet(s, states, queue_state, ts, length, mark, depth_out);
}

void qfp_sched_advance(struct qfp_sched *s, uint64_t until_ns)
{
    run_to(s, until_ns > s->now ? until_ns : s->now);
}

uint64_t qfp_sched_clock(const struct qfp_sched *s)
{
    return s->now;
}

/* ---- read-back ------------------------------------------------------------------------------------ */
/* A shaper's level at the scheduler's clock, without moving its state (a read changes nothing). */
static int64_t shaper_now(const struct qfp_qnode *n, uint64_t now)
{
    const struct qfp_qclass *q = n->q;
    if (!q->shape_cir)
        return 0;
    if (now <= n->shape_last)
        return n->shape;
    uint64_t dt = now - n->shape_last;
    if (dt >= q->shape_dt_full)
        return q->shape_max;
    int64_t level = n->shape + (int64_t)(dt * q->shape_cir);
    return level > q->shape_max ? q->shape_max : level;
}

static void sum_queues(const struct qfp_qnode *n, struct qfp_queue_stats *out)
{
    if (!n->nkids) {
        out->out_pkts += n->st.out_pkts;
        out->out_bytes += n->st.out_bytes;
        out->tail_pkts += n->st.tail_pkts;
        out->tail_bytes += n->st.tail_bytes;
        out->exceed_pkts += n->st.exceed_pkts;
        out->exceed_bytes += n->st.exceed_bytes;
        out->delay_sum_ns += n->st.delay_sum_ns;
        out->jitter_sum_ns += n->st.jitter_sum_ns;
        if (n->st.delay_max_ns > out->delay_max_ns)
            out->delay_max_ns = n->st.delay_max_ns;
        return;
    }
    for (uint32_t i = 0; i < n->nkids; i++)
        sum_queues(n->kids[i], out);
}

void qfp_sched_read(const struct qfp_sched *s, uint32_t state, struct qfp_queue_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!s || state >= s->nstates || s->node_of[state] == UINT32_MAX)
        return;
    const struct qfp_qnode *n = &s->nodes[s->node_of[state]];
    if (n->nkids) {
        sum_queues(n, out);
        out->role = QFP_QROLE_INNER;
    } else {
        *out = n->st;
        out->role = QFP_QROLE_QUEUE;
        out->queue_limit = n->q->queue_limit;
    }
    out->depth = n->count;
    out->depth_max = n->depth_max;
    out->shape_tokens = shaper_now(n, s->now);
}

void qfp_sched_clear(struct qfp_sched *s)
{
    for (uint32_t i = 0; i < s->nnodes; i++) {
        struct qfp_qnode *n = &s->nodes[i];
        memset(&n->st, 0, sizeof n->st);
        n->depth_max = 0;
    }
}
