/*
 * qfp_table.c - the fast path object, and the UIDB table with its targets.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "qfp_impl.h"

/* ---- the fast path object ----------------------------------------------------------------------- */
int qfp_create(uint32_t max_uidbs, uint32_t max_acls, uint32_t max_policies, struct qfp **out)
{
    struct qfp *fp = calloc(1, sizeof *fp);
    if (!fp)
        return QFP_ENOMEM;
    atomic_init(&fp->epoch, 0);
    for (int i = 0; i < QFP_EPOCH_RING; i++)
        atomic_init(&fp->readers[i], 0);
    atomic_init(&fp->writer, 0);
    atomic_init(&fp->gate_waits, 0);
    atomic_init(&fp->gate_wait_max_ns, 0);
    atomic_flag_clear(&fp->ctl_lock);
    fp->simd = qfp_simd_best();
    fp->max_uidbs = max_uidbs;
    fp->max_acls = max_acls;
    fp->max_policies = max_policies;
    fp->empty_target.acl_slot = QFP_ACL_NONE;
    fp->empty_target.acl6_slot = QFP_ACL_NONE;
    /* calloc leaves untouched pages unmapped, so a large UIDB capacity costs only what is used. */
    fp->targets = calloc((size_t)max_uidbs * QFP_DIR_COUNT, sizeof *fp->targets);
    fp->uidbs = calloc(max_uidbs, sizeof *fp->uidbs);
    fp->acls = calloc(max_acls, sizeof *fp->acls);
    fp->policies = calloc(max_policies, sizeof *fp->policies);
    /* A shard's row of accounting counters is a cache line of its own: calloc's alignment is
     * rounded up by hand (aligned_alloc would not leave the untouched pages unmapped). */
    fp->acct_mem = calloc((size_t)max_uidbs * sizeof *fp->acct + 63, 1);
    if (fp->acct_mem)
        fp->acct = (struct qfp_uidb_acct *)(((uintptr_t)fp->acct_mem + 63) & ~(uintptr_t)63);
    if (!fp->targets || !fp->uidbs || !fp->acls || !fp->policies || !fp->acct) {
        qfp_destroy(fp);
        return QFP_ENOMEM;
    }
    *out = fp;
    return QFP_OK;
}

static void target_free(struct qfp *fp, struct qfp_target *t)
{
    if (!t || t == &fp->empty_target)
        return;
    qfp_acl_unref(fp, t->acl_slot);
    qfp_acl_unref(fp, t->acl6_slot);
    if (t->policy)
        qfp_policy_unref(fp, t->policy);
    qfp_sched_free(t->sched);
    free(t);
}

static void target_release(struct qfp *fp, struct qfp_retired *r)
{
    target_free(fp, (struct qfp_target *)((char *)r - offsetof(struct qfp_target, retired)));
}

void qfp_destroy(struct qfp *fp)
{
    if (!fp)
        return;
    fp->quiet = atomic_load(&fp->epoch);   /* no batch may run now */
    qfp_reclaim(fp, 0);
    qfp_trace_free(fp);
    if (fp->targets)
        for (size_t i = 0; i < (size_t)fp->max_uidbs * QFP_DIR_COUNT; i++)
            target_free(fp, fp->targets[i]);
    if (fp->policies)
        qfp_policy_free_all(fp);
    if (fp->acls)
        qfp_acl_free_all(fp);
    free(fp->targets);
    free(fp->uidbs);
    free(fp->acct_mem);
    free(fp->acls);
    free(fp->policies);
    free(fp);
}

/* ---- UIDBs ---------------------------------------------------------------------------------------- */
static int uidb_check(struct qfp *fp, uint32_t uidb)
{
    if (uidb >= fp->max_uidbs || !fp->uidbs[uidb].in_use)
        return qfp_fail(fp, QFP_ENOENT, "UIDB %u is not in use", uidb);
    return QFP_OK;
}

static int name_copy(struct qfp *fp, char *dst, const char *src, const char *what)
{
    size_t len = strnlen(src, QFP_NAME_MAX);
    if (len == 0 || len == QFP_NAME_MAX)
        return qfp_fail(fp, QFP_EINVAL, "%s must be 1..%d bytes long", what, QFP_NAME_MAX - 1);
    memcpy(dst, src, len + 1);
    return QFP_OK;
}

int qfp_uidb_create(struct qfp *fp, uint32_t ifh, const char *ifname, uint32_t *uidb_out)
{
    qfp_ctl_lock(fp);
    uint32_t u = fp->uidb_free_hint;
    while (u < fp->max_uidbs && fp->uidbs[u].in_use)
        u++;
    int rc = QFP_OK;
    if (u == fp->max_uidbs)
        rc = qfp_fail(fp, QFP_EFULL, "all %u UIDBs are in use", fp->max_uidbs);
    else
        rc = name_copy(fp, fp->uidbs[u].ifname, ifname, "interface name");
    if (rc == QFP_OK) {
        fp->uidbs[u].ifh = ifh;
        fp->uidbs[u].in_use = 1;
        fp->uidb_free_hint = u + 1;
        /* Accounting starts from zero. No batch counts into it now: since the UIDB's delete (which
         * closed the gate) none has found it, and the gate below publishes the zeros with it. */
        for (int s = 0; s < QFP_COUNTER_SHARDS; s++)
            for (int d = 0; d < QFP_DIR_COUNT; d++)
                for (int k = 0; k < QFP_ACCT_COUNTERS; k++)
                    qfp_counter_set(&fp->acct[u].shard[s].c[d][k], 0);
        qfp_gate_close(fp);
        fp->targets[(size_t)u * 2 + QFP_DIR_IN] = &fp->empty_target;
        fp->targets[(size_t)u * 2 + QFP_DIR_OUT] = &fp->empty_target;
        qfp_gate_open(fp);
        *uidb_out = u;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_uidb_delete(struct qfp *fp, uint32_t uidb)
{
    qfp_ctl_lock(fp);
    int rc = uidb_check(fp, uidb);
    if (rc == QFP_OK) {
        struct qfp_target **slot = &fp->targets[(size_t)uidb * 2];
        struct qfp_target *old[QFP_DIR_COUNT] = {slot[0], slot[1]};
        qfp_gate_close(fp);
        slot[0] = slot[1] = NULL;
        qfp_gate_open(fp);
        for (int d = 0; d < QFP_DIR_COUNT; d++)
            target_free(fp, old[d]);
        memset(&fp->uidbs[uidb], 0, sizeof fp->uidbs[uidb]);
        if (uidb < fp->uidb_free_hint)
            fp->uidb_free_hint = uidb;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

/* A new instance of `policy` with fresh state: counters zero, buckets full, new policer ids. */
static void states_init(struct qfp *fp, const struct qfp_policy *policy, struct qfp_cstate *base)
{
    for (uint32_t i = 0; i < policy->nclasses; i++) {
        const struct qfp_pclass *c = &policy->classes[i];
        struct qfp_cstate *st = &base[c->state];
        if (c->has_police) {
            qfp_police_state_init(&c->police, st);
            st->policer_id = 0x20000000u | (++fp->next_policer & 0x0fffffffu);
        }
        if (c->child)
            states_init(fp, c->child, st + 1);
    }
}

/* A target for one binding, with its references taken; or an error and nothing taken. */
static int target_new(struct qfp *fp, const struct qfp_binding *b, struct qfp_target **out)
{
    const struct qfp_policy *pol = NULL;
    if (b->policy != QFP_POLICY_NONE) {
        if (b->policy < 0 || (uint32_t)b->policy >= fp->max_policies || !fp->policies[b->policy])
            return qfp_fail(fp, QFP_ENOENT, "no policy with handle %d", b->policy);
        pol = fp->policies[b->policy];
    }
    uint32_t nstates = pol ? pol->nstates : 0;
    if (b->ncounters && b->ncounters != nstates)
        return qfp_fail(fp, QFP_EINVAL, "%u starting counters for %u class states", b->ncounters,
                        nstates);
    if (pol && pol->queues && b->dir == QFP_DIR_IN)
        return qfp_fail(fp, QFP_EINVAL, "policy %s queues (shape, bandwidth, priority or queue-limit): "
                        "output only, as IOS refuses it in an input policy", pol->name);
    struct qfp_sched *sched = NULL;
    if (pol && pol->queues) {
        int rc = qfp_sched_new(fp, pol, &sched);
        if (rc != QFP_OK)
            return rc;
    }
    int rc = qfp_acl_family_check(fp, b->acl_slot, QFP_FAMILY_IPV4, "acl");
    if (rc == QFP_OK)
        rc = qfp_acl_family_check(fp, b->acl6_slot, QFP_FAMILY_IPV6, "acl6");
    if (rc == QFP_OK && (rc = qfp_acl_ref(fp, b->acl_slot)) == QFP_OK &&
        (rc = qfp_acl_ref(fp, b->acl6_slot)) != QFP_OK)
        qfp_acl_unref(fp, b->acl_slot);
    if (rc != QFP_OK) {
        qfp_sched_free(sched);
        return rc;
    }
    struct qfp_target *t = calloc(1, sizeof *t + (size_t)nstates * sizeof t->states[0]);
    if (!t) {
        qfp_acl_unref(fp, b->acl_slot);
        qfp_acl_unref(fp, b->acl6_slot);
        qfp_sched_free(sched);
        return qfp_fail(fp, QFP_ENOMEM, "no memory for a target of %u class states", nstates);
    }
    t->sched = sched;
    t->acl_slot = b->acl_slot;
    t->acl6_slot = b->acl6_slot;
    t->policy = pol;
    t->nstates = nstates;
    t->dir = (uint8_t)b->dir;
    if (pol) {
        fp->policies[b->policy]->refs++;
        states_init(fp, pol, t->states);
        for (uint32_t i = 0; i < b->ncounters; i++)
            t->states[i].c = b->counters[i];
    }
    *out = t;
    return QFP_OK;
}

int qfp_uidb_bind(struct qfp *fp, uint32_t uidb, const struct qfp_binding *bindings, uint32_t n)
{
    qfp_ctl_lock(fp);
    struct qfp_target *fresh[QFP_DIR_COUNT] = {NULL, NULL};
    int rc = uidb_check(fp, uidb);
    if (rc == QFP_OK && n > QFP_DIR_COUNT)
        rc = qfp_fail(fp, QFP_EINVAL, "%u bindings for %d directions", n, QFP_DIR_COUNT);
    for (uint32_t i = 0; rc == QFP_OK && i < n; i++) {
        uint32_t dir = bindings[i].dir;
        if (dir >= QFP_DIR_COUNT)
            rc = qfp_fail(fp, QFP_EINVAL, "direction %u is neither in (0) nor out (1)", dir);
        else if (fresh[dir])
            rc = qfp_fail(fp, QFP_EINVAL, "two bindings for direction %u", dir);
        else
            rc = target_new(fp, &bindings[i], &fresh[dir]);
    }
    if (rc != QFP_OK) {
        for (int d = 0; d < QFP_DIR_COUNT; d++)
            target_free(fp, fresh[d]);
        qfp_ctl_unlock(fp);
        return rc;
    }

    /* Published without closing the gate (see "locking" in qfp_ctl.c). */
    struct qfp_target **slot = &fp->targets[(size_t)uidb * 2];
    const uint64_t born = atomic_load(&fp->epoch) + 1;
    for (int d = 0; d < QFP_DIR_COUNT; d++) {
        if (fresh[d]) {
            struct qfp_target *old = slot[d];
            fresh[d]->born = born;
            fresh[d]->prev = old;
            __atomic_store_n(&slot[d], fresh[d], __ATOMIC_RELEASE);
            if (old != &fp->empty_target)
                qfp_retire(fp, &old->retired, born, target_release);
        }
    }
    atomic_store(&fp->epoch, born);
    qfp_reclaim(fp, 0);
    qfp_ctl_unlock(fp);
    return QFP_OK;
}

int qfp_uidb_info(struct qfp *fp, uint32_t uidb, struct qfp_uidb_info *out)
{
    qfp_ctl_lock(fp);
    int rc = uidb_check(fp, uidb);
    if (rc == QFP_OK) {
        memset(out, 0, sizeof *out);
        memcpy(out->ifname, fp->uidbs[uidb].ifname, QFP_NAME_MAX);
        out->ifh = fp->uidbs[uidb].ifh;
        for (int d = 0; d < QFP_DIR_COUNT; d++) {
            const struct qfp_target *t = fp->targets[(size_t)uidb * 2 + d];
            out->acl[d] = t->acl_slot;
            out->acl6[d] = t->acl6_slot;
            out->policy[d] = t->policy ? t->policy->handle : QFP_POLICY_NONE;
        }
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_uidb_next(struct qfp *fp, uint32_t from, uint32_t *uidb_out)
{
    qfp_ctl_lock(fp);
    uint32_t u = from;
    while (u < fp->max_uidbs && !fp->uidbs[u].in_use)
        u++;
    int rc = u < fp->max_uidbs ? QFP_OK : QFP_ENOENT;
    if (rc == QFP_OK)
        *uidb_out = u;
    qfp_ctl_unlock(fp);
    return rc;
}

/* ---- read-back ------------------------------------------------------------------------------------ */
static uint32_t psqd_features(const struct qfp_pclass *c)
{
    return (c->has_police ? 1u : 0u) | (c->set_dscp >= 0 ? 2u : 0u) | (c->child ? 4u : 0u);
}

static void states_read(const struct qfp_target *t, const struct qfp_policy *policy,
                        const struct qfp_cstate *base, uint32_t level, int32_t parent,
                        struct qfp_class_state_info *out, uint32_t cap)
{
    for (uint32_t i = 0; i < policy->nclasses; i++) {
        const struct qfp_pclass *c = &policy->classes[i];
        const struct qfp_cstate *st = &base[c->state];
        uint32_t index = (uint32_t)(st - t->states);
        if (index < cap) {
            struct qfp_class_state_info *o = &out[index];
            memset(o, 0, sizeof *o);
            o->policy = policy->handle;
            o->level = level;
            o->class_index = i;
            o->parent_state = parent;
            if (c->cfg.cmap != QFP_CMAP_DEFAULT) {
                const struct qfp_cmap *cm = &policy->cmaps[c->cfg.cmap];
                o->psqd[0] = cm->first_term << 16 | cm->nterms;
            }
            o->psqd[1] = (uint32_t)c->cfg.set_kind << 8 | c->cfg.set_value;
            o->psqd[2] = psqd_features(c);
            o->psqd[3] = c->child ? c->child->policy_id : 0;
            o->isqd[0] = (uint32_t)(uintptr_t)st;
            o->isqd[1] = t->dir == QFP_DIR_IN;
            o->isqd[2] = level;
            memcpy(o->hw_policer, c->cfg.hw_policer, sizeof o->hw_policer);
            o->police_info = c->cfg.police_info;
            o->policer_id = st->policer_id;
            o->counters = st->c;
            o->tokens_c = st->tc;
            o->tokens_e = st->te;
            qfp_sched_read(t->sched, index, &o->queue);
        }
        if (c->child)
            states_read(t, c->child, st + 1, level + 1, (int32_t)index, out, cap);
    }
}

int qfp_target_read(struct qfp *fp, uint32_t uidb, uint32_t dir,
                    struct qfp_class_state_info *out, uint32_t cap, uint32_t *n_out)
{
    qfp_ctl_lock(fp);
    int rc = uidb_check(fp, uidb);
    if (rc == QFP_OK && dir >= QFP_DIR_COUNT)
        rc = qfp_fail(fp, QFP_EINVAL, "direction %u is neither in (0) nor out (1)", dir);
    if (rc == QFP_OK) {
        const struct qfp_target *t = fp->targets[(size_t)uidb * 2 + dir];
        *n_out = t->nstates;
        if (t->policy) {
            /* Counters move under running batches; close the gate for a consistent snapshot. */
            qfp_gate_close(fp);
            states_read(t, t->policy, t->states, 0, -1, out, cap);
            qfp_gate_open(fp);
        }
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_target_clear_counters(struct qfp *fp, uint32_t uidb, uint32_t dir)
{
    qfp_ctl_lock(fp);
    int rc = uidb_check(fp, uidb);
    if (rc == QFP_OK && dir >= QFP_DIR_COUNT)
        rc = qfp_fail(fp, QFP_EINVAL, "direction %u is neither in (0) nor out (1)", dir);
    if (rc == QFP_OK) {
        struct qfp_target *t = fp->targets[(size_t)uidb * 2 + dir];
        qfp_gate_close(fp);
        /* Counters only: the buckets keep their level, as on the device. */
        for (uint32_t i = 0; i < t->nstates; i++)
            memset(&t->states[i].c, 0, sizeof t->states[i].c);
        if (t->sched)
            qfp_sched_clear(t->sched);
        qfp_gate_open(fp);
    }
    qfp_ctl_unlock(fp);
    return rc;
}

/* ---- the scheduler's clock ----------------------------------------------------------------------
 * Data-path calls, like a batch: they enter the gate (so that a bind's old target outlives them)
 * and take no control lock (so that a control operation never stalls them). */
static int sched_call(struct qfp *fp, uint32_t uidb, uint32_t dir, uint64_t until_ns, uint64_t *now_out)
{
    if (dir >= QFP_DIR_COUNT)
        return qfp_fail(fp, QFP_EINVAL, "direction %u is neither in (0) nor out (1)", dir);
    const uint64_t epoch = qfp_gate_enter(fp);
    const struct qfp_target *t = qfp_target_at(fp, uidb, dir, epoch);
    if (t && t->sched) {
        if (now_out)
            *now_out = qfp_sched_clock(t->sched);
        else
            qfp_sched_advance(t->sched, until_ns);
    } else if (t && now_out) {
        *now_out = 0;
    }
    qfp_gate_exit(fp, epoch);
    return t ? QFP_OK : qfp_fail(fp, QFP_ENOENT, "UIDB %u is not in use", uidb);
}

int qfp_target_advance(struct qfp *fp, uint32_t uidb, uint32_t dir, uint64_t until_ns)
{
    return sched_call(fp, uidb, dir, until_ns, NULL);
}

int qfp_target_clock(struct qfp *fp, uint32_t uidb, uint32_t dir, uint64_t *now_out)
{
    return sched_call(fp, uidb, dir, 0, now_out);
}

/* ---- accounting ----------------------------------------------------------------------------------- */
int qfp_uidb_counters(struct qfp *fp, uint32_t uidb, struct qfp_uidb_counters *out)
{
    qfp_ctl_lock(fp);
    int rc = uidb_check(fp, uidb);
    if (rc == QFP_OK) {
        /* Read under running batches, without closing the gate: RADIUS reads every session's
         * counters now and then, and a closed gate would stall the packet path each time. */
        memset(out, 0, sizeof *out);
        const struct qfp_uidb_acct *a = &fp->acct[uidb];
        for (int s = 0; s < QFP_COUNTER_SHARDS; s++)
            for (int d = 0; d < QFP_DIR_COUNT; d++) {
                out->packets[d] += qfp_counter_read(&a->shard[s].c[d][QFP_ACCT_PKTS]);
                out->bytes[d] += qfp_counter_read(&a->shard[s].c[d][QFP_ACCT_BYTES]);
                out->forwarded_packets[d] += qfp_counter_read(&a->shard[s].c[d][QFP_ACCT_FWD_PKTS]);
                out->forwarded_bytes[d] += qfp_counter_read(&a->shard[s].c[d][QFP_ACCT_FWD_BYTES]);
            }
    }
    qfp_ctl_unlock(fp);
    return rc;
}
