/*
 * qfp_trace.c - the packet trace's buffer (qfp.h, "packet trace"; docs/fastpath.md, "Packet trace"):
 * its configuration, read-back and clearing, and the few calls the packet path makes for a packet
 * that asks to be traced. Nothing here runs for a packet that does not.
 *
 * Slots are handed out by one atomic word, the next packet's number beside the next slot, so that
 * batches on any number of threads reserve slots without a lock and without a division. A packet
 * that joins a queue carries a mark in its queue descriptor (its slot and the low bits of its
 * number) and the scheduler, whenever it sends it, writes the departure through it; the number's
 * bits keep a departure from landing on a record that has since taken the slot over.
 */
#include <stdlib.h>
#include <string.h>

#include "qfp_impl.h"

enum { SLOT_BITS = 14, MARK_NUMBER_BITS = 32 - SLOT_BITS };
_Static_assert(QFP_TRACE_MAX < (1 << SLOT_BITS), "a slot and one more fit the position's low bits");

struct qfp_trace {
    uint32_t cap;
    uint32_t circular;
    _Atomic uint64_t pos;             /* next number << SLOT_BITS | next slot; numbers never restart */
    uint64_t base;                    /* the number of the first packet since configuration or clear */
    _Atomic uint64_t matched;
    _Atomic uint64_t forward;
    _Atomic uint64_t drop[QFP_TRACE_REASONS];
    struct qfp_trace_rec recs[];
};

/* ---- the packet path's side ------------------------------------------------------------------------ */
struct qfp_trace_rec *qfp_trace_begin(struct qfp *fp, const struct qfp_pkt *p)
{
    struct qfp_trace *tr = fp->trace;
    if (!tr)
        return NULL;
    uint64_t old = atomic_load_explicit(&tr->pos, memory_order_relaxed), next;
    uint64_t number;
    uint32_t slot;
    do {
        number = old >> SLOT_BITS;
        slot = (uint32_t)(old & ((1u << SLOT_BITS) - 1));
        if (!tr->circular && number - tr->base >= tr->cap)
            return NULL;   /* full: counted as matched, not traced */
        uint32_t after = slot + 1 == tr->cap ? 0 : slot + 1;
        next = (number + 1) << SLOT_BITS | after;
    } while (!atomic_compare_exchange_weak_explicit(&tr->pos, &old, next, memory_order_relaxed,
                                                    memory_order_relaxed));
    struct qfp_trace_rec *rec = &tr->recs[slot];
    memset(rec, 0, sizeof *rec);
    rec->number = number;
    rec->depart_ns = QFP_TRACE_NOT_SENT;
    rec->pkt = *p;
    rec->queue_state = QFP_TRACE_NO_QUEUE;
    return rec;
}

void qfp_trace_end(struct qfp *fp, struct qfp_trace_rec *rec, const struct qfp_verdict *v)
{
    struct qfp_trace *tr = fp->trace;
    if (!tr)
        return;
    if (rec)
        rec->verdict = *v;
    atomic_fetch_add_explicit(&tr->matched, 1, memory_order_relaxed);
    if (v->action == QFP_FORWARD)
        atomic_fetch_add_explicit(&tr->forward, 1, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&tr->drop[v->reason & (QFP_TRACE_REASONS - 1)], 1, memory_order_relaxed);
}

uint32_t qfp_trace_mark(const struct qfp *fp, const struct qfp_trace_rec *rec)
{
    uint32_t slot = (uint32_t)(rec - fp->trace->recs);
    return (uint32_t)(rec->number << SLOT_BITS) | (slot + 1);
}

void qfp_trace_departed(struct qfp *fp, uint32_t mark, uint64_t t)
{
    struct qfp_trace *tr = fp->trace;
    uint32_t slot = (mark & ((1u << SLOT_BITS) - 1)) - 1;
    if (!tr || slot >= tr->cap)
        return;
    struct qfp_trace_rec *rec = &tr->recs[slot];
    if ((uint32_t)(rec->number << SLOT_BITS) == (mark & ~((1u << SLOT_BITS) - 1)))
        rec->depart_ns = t;
}

void qfp_trace_free(struct qfp *fp)
{
    free(fp->trace);
    fp->trace = NULL;
}

/* ---- control ---------------------------------------------------------------------------------------- */
static void trace_empty(struct qfp_trace *tr)
{
    uint64_t number = atomic_load(&tr->pos) >> SLOT_BITS;
    tr->base = number;
    atomic_store(&tr->pos, number << SLOT_BITS);
    atomic_store(&tr->matched, 0);
    atomic_store(&tr->forward, 0);
    for (int r = 0; r < QFP_TRACE_REASONS; r++)
        atomic_store(&tr->drop[r], 0);
}

int qfp_trace_config(struct qfp *fp, uint32_t capacity, int circular)
{
    if (capacity && (capacity < QFP_TRACE_MIN || capacity > QFP_TRACE_MAX))
        return qfp_fail(fp, QFP_EINVAL, "trace capacity %u is outside %u..%u packets", capacity,
                        QFP_TRACE_MIN, QFP_TRACE_MAX);
    struct qfp_trace *tr = NULL;
    if (capacity) {
        tr = calloc(1, sizeof *tr + (size_t)capacity * sizeof tr->recs[0]);
        if (!tr)
            return qfp_fail(fp, QFP_ENOMEM, "no memory for a trace of %u packets", capacity);
        tr->cap = capacity;
        tr->circular = !!circular;
    }
    qfp_ctl_lock(fp);
    qfp_gate_close(fp);
    struct qfp_trace *old = fp->trace;
    if (tr && old) {
        /* Numbers go on from the old buffer's, so that no mark still queued matches a new record. */
        atomic_store(&tr->pos, atomic_load(&old->pos) & ~(uint64_t)((1u << SLOT_BITS) - 1));
        tr->base = atomic_load(&tr->pos) >> SLOT_BITS;
    }
    fp->trace = tr;
    qfp_gate_open(fp);
    qfp_ctl_unlock(fp);
    free(old);
    return QFP_OK;
}

int qfp_trace_clear(struct qfp *fp)
{
    qfp_ctl_lock(fp);
    qfp_gate_close(fp);
    if (fp->trace)
        trace_empty(fp->trace);
    qfp_gate_open(fp);
    qfp_ctl_unlock(fp);
    return QFP_OK;
}

int qfp_trace_read(struct qfp *fp, struct qfp_trace_rec *out, uint32_t cap, uint32_t *n_out)
{
    qfp_ctl_lock(fp);
    qfp_gate_close(fp);
    const struct qfp_trace *tr = fp->trace;
    uint32_t n = 0;
    if (tr) {
        uint64_t pos = atomic_load(&tr->pos);
        uint64_t taken = (pos >> SLOT_BITS) - tr->base;
        uint32_t next = (uint32_t)(pos & ((1u << SLOT_BITS) - 1));
        n = taken < tr->cap ? (uint32_t)taken : tr->cap;
        /* Oldest first: from slot 0 until the buffer has wrapped, then from the next slot. */
        uint32_t slot = taken > tr->cap ? next : 0;
        for (uint32_t i = 0; i < n && i < cap; i++) {
            out[i] = tr->recs[slot];
            out[i].number -= tr->base;
            slot = slot + 1 == tr->cap ? 0 : slot + 1;
        }
    }
    qfp_gate_open(fp);
    qfp_ctl_unlock(fp);
    *n_out = n;
    return QFP_OK;
}

int qfp_trace_stats(struct qfp *fp, struct qfp_trace_stats *out)
{
    memset(out, 0, sizeof *out);
    qfp_ctl_lock(fp);
    qfp_gate_close(fp);
    const struct qfp_trace *tr = fp->trace;
    if (tr) {
        out->matched = atomic_load(&tr->matched);
        out->traced = (atomic_load(&tr->pos) >> SLOT_BITS) - tr->base;
        out->forward = atomic_load(&tr->forward);
        for (int r = 0; r < QFP_TRACE_REASONS; r++)
            out->drop[r] = atomic_load(&tr->drop[r]);
        out->capacity = tr->cap;
        out->circular = tr->circular;
    }
    qfp_gate_open(fp);
    qfp_ctl_unlock(fp);
    return QFP_OK;
}
