/*
 * qfp_ctl.c - what every control operation and every batch share: the error message, the control
 * lock, the batch gate with its epochs, and the release of what batches may still read.
 */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "qfp_impl.h"

int qfp_fail(struct qfp *fp, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fp->errmsg, sizeof fp->errmsg, fmt, ap);
    va_end(ap);
    return status;
}

const char *qfp_errmsg(const struct qfp *fp)
{
    return fp->errmsg;
}

/* ---- locking ---------------------------------------------------------------------------------------
 * Control operations take ctl_lock for their whole length. Batches never take it: they enter the
 * gate, noting the epoch they began in, and leave it. A change reaches them one of two ways.
 *
 * A bind (the change a CoA makes) never stops a batch. It publishes the new targets with the next
 * epoch as their birth and the old ones as their `prev` (qfp_target_at), then advances the epoch:
 * batches that began before see the old targets to their end, later ones the new. The old targets
 * are retired, and freed by a later control operation once no batch of an epoch before their
 * successor's birth is left (qfp_reclaim); until then they keep their references to ACLs and
 * policies, so that nothing a running batch can reach is freed. An ACL replace publishes the new
 * ACL and its policies' term bits the same way (qfp_acl_at, qfp_term_bits_at; qfp_acl_replace.c).
 *
 * Rarer changes (ACL delete, UIDB create and delete, consistent counter reads) close the gate:
 * they wait for every batch in flight to leave, and batches arriving meanwhile wait at
 * qfp_gate_enter.
 *
 * All atomics here are sequentially consistent: a writer's store (of `writer`, or of `epoch`) and
 * its load of `readers` cannot both miss a batch's increment and the check that follows it. */
void qfp_ctl_lock(struct qfp *fp)
{
    while (atomic_flag_test_and_set(&fp->ctl_lock))
        sched_yield();
}

void qfp_ctl_unlock(struct qfp *fp)
{
    atomic_flag_clear(&fp->ctl_lock);
}

/* Waiting spins a few microseconds before it yields: the wait is usually shorter than a trip
 * through the scheduler. Spinning longer was measured to make things worse when threads outnumber
 * CPUs: the spinner then keeps the thread it waits for off the CPU. */
enum { SPINS_BEFORE_YIELD = 1 << 8 };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void wait_a_little(uint32_t *spins)
{
    if (++*spins < SPINS_BEFORE_YIELD)
        cpu_relax();
    else
        sched_yield();
}

static uint32_t readers_in_flight(struct qfp *fp)
{
    uint32_t n = 0;
    for (int i = 0; i < QFP_EPOCH_RING; i++)
        n += atomic_load(&fp->readers[i]);
    return n;
}

void qfp_gate_close(struct qfp *fp)
{
    uint32_t spins = 0;
    atomic_store(&fp->writer, 1);
    while (readers_in_flight(fp) != 0)
        wait_a_little(&spins);
    fp->quiet = atomic_load(&fp->epoch);
}

/* Called with ctl_lock held; every retired target is free to go, the gate having been closed. */
void qfp_gate_open(struct qfp *fp)
{
    atomic_store(&fp->writer, 0);
    qfp_reclaim(fp, 0);
}

/* Move `quiet` up past the epochs no batch is left in; with `wait`, until everything retired can
 * go. Then release what can, each by its own release function. Called with ctl_lock held. Waiting
 * never holds a batch up. */
void qfp_reclaim(struct qfp *fp, int wait)
{
    const uint64_t now = atomic_load(&fp->epoch);
    uint32_t spins = 0;
    for (;;) {
        while (fp->quiet < now && atomic_load(&fp->readers[fp->quiet & (QFP_EPOCH_RING - 1)]) == 0)
            fp->quiet++;
        if (!wait || fp->quiet == now)
            break;
        wait_a_little(&spins);
    }
    for (struct qfp_retired **link = &fp->retired; *link;) {
        struct qfp_retired *r = *link;
        if (r->at <= fp->quiet) {
            *link = r->next;
            r->release(fp, r);
        } else {
            link = &r->next;
        }
    }
}

/* Called with ctl_lock held: `r` goes once no batch of an epoch before `at` is left. */
void qfp_retire(struct qfp *fp, struct qfp_retired *r, uint64_t at,
                void (*release)(struct qfp *, struct qfp_retired *))
{
    r->at = at;
    r->release = release;
    r->next = fp->retired;
    fp->retired = r;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A batch that finds the gate closed waits, and the wait is what a control operation costs the
 * packet path: it is timed (two clock reads, only on this slow path) and the longest kept. */
uint64_t qfp_gate_enter(struct qfp *fp)
{
    uint64_t waited_from = 0, epoch;
    uint32_t spins = 0;
    for (;;) {
        while (atomic_load(&fp->writer)) {
            if (!waited_from)
                waited_from = now_ns();
            wait_a_little(&spins);
        }
        epoch = atomic_load(&fp->epoch);
        atomic_fetch_add(&fp->readers[epoch & (QFP_EPOCH_RING - 1)], 1);
        if (!atomic_load(&fp->writer) && atomic_load(&fp->epoch) == epoch)
            break;
        /* A writer came between: it may not have seen this batch, so go round again. */
        atomic_fetch_sub(&fp->readers[epoch & (QFP_EPOCH_RING - 1)], 1);
    }
    if (waited_from) {
        uint64_t waited = now_ns() - waited_from;
        atomic_fetch_add_explicit(&fp->gate_waits, 1, memory_order_relaxed);
        uint64_t longest = atomic_load_explicit(&fp->gate_wait_max_ns, memory_order_relaxed);
        while (waited > longest &&
               !atomic_compare_exchange_weak_explicit(&fp->gate_wait_max_ns, &longest, waited,
                                                      memory_order_relaxed, memory_order_relaxed))
            ;
    }
    return epoch;
}

int qfp_gate_stats(struct qfp *fp, uint64_t *waits, uint64_t *wait_max_ns, int reset)
{
    *waits = reset ? atomic_exchange(&fp->gate_waits, 0) : atomic_load(&fp->gate_waits);
    *wait_max_ns = reset ? atomic_exchange(&fp->gate_wait_max_ns, 0) : atomic_load(&fp->gate_wait_max_ns);
    return QFP_OK;
}

void qfp_gate_exit(struct qfp *fp, uint64_t epoch)
{
    atomic_fetch_sub(&fp->readers[epoch & (QFP_EPOCH_RING - 1)], 1);
}
