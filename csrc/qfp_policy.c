/*
 * qfp_policy.c - compiled policies: checked, laid out and published once; immutable afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include "qfp_impl.h"

void qfp_term_bits_free(struct qfp_term_bits *tb)
{
    if (!tb)
        return;
    qfp_acl_bitvec_free(tb->bv);
    free(tb->run);
    free(tb->aces);
    free(tb);
}

struct qfp_term_bits *qfp_term_bits_build(const struct qfp *fp, const struct qfp_policy *pol,
                                          int32_t slot, const struct qfp_acl *acl)
{
    /* The ACLs the terms name, each once, end to end in term order. */
    struct qfp_ace aces[QFP_TERM_BITS_MAX];
    int32_t placed_slot[QFP_TERM_BITS_MAX];
    uint32_t placed_at[QFP_TERM_BITS_MAX], placed_n[QFP_TERM_BITS_MAX], nplaced = 0, total = 0;
    uint64_t permit = 0, extra = 0;
    for (uint32_t i = 0; i < pol->nterms; i++) {
        const struct qfp_term *t = &pol->terms[i];
        if (t->kind != QFP_TERM_ACL)
            continue;
        uint32_t k = 0;
        while (k < nplaced && placed_slot[k] != (int32_t)t->ref)
            k++;
        if (k < nplaced)
            continue;
        const struct qfp_acl *a = (int32_t)t->ref == slot ? acl : fp->acls[t->ref].acl;
        /* Bit vectors are IPv4's: a policy that names an IPv6 ACL looks each term up. */
        if (a->family != QFP_FAMILY_IPV4 || total + a->naces > QFP_TERM_BITS_MAX)
            return NULL;
        placed_slot[k] = (int32_t)t->ref, placed_at[k] = total, placed_n[k] = a->naces, nplaced++;
        for (uint32_t j = 0; j < a->naces; j++, total++) {
            aces[total] = a->aces[j];
            permit |= (uint64_t)!!(a->aces[j].flags & QFP_ACE_PERMIT) << total;
            extra |= (uint64_t)!!(a->aces[j].flags & QFP_ACE_EXTRA) << total;
        }
    }
    if (!nplaced)
        return NULL;
    struct qfp_term_bits *tb = calloc(1, sizeof *tb);
    if (!tb || !(tb->run = calloc(pol->nterms, sizeof *tb->run)) ||
        qfp_acl_bitvec_build(aces, total, &tb->bv) != QFP_OK ||
        (extra && !(tb->aces = malloc(total * sizeof *tb->aces)))) {
        qfp_term_bits_free(tb);
        return NULL;
    }
    tb->permit = permit;
    tb->extra = extra;
    if (extra)
        memcpy(tb->aces, aces, total * sizeof *aces);
    for (uint32_t i = 0; i < pol->nterms; i++) {
        const struct qfp_term *t = &pol->terms[i];
        if (t->kind != QFP_TERM_ACL)
            continue;
        uint32_t k = 0;
        while (placed_slot[k] != (int32_t)t->ref)
            k++;
        uint64_t ones = placed_n[k] == 64 ? ~0ull : (1ull << placed_n[k]) - 1;
        tb->run[i] = ones << placed_at[k];
    }
    return tb;
}

/* Class-map c and, before it, every class-map it nests that is not placed yet (depth is bounded by
 * QFP_CMAP_DEPTH_MAX, which check_matches enforced). */
static void logic_place(const struct qfp_policy *pol, struct qfp_class_logic *lg, uint32_t c,
                        uint64_t *placed)
{
    if (*placed >> c & 1)
        return;
    const struct qfp_cmap *cm = &pol->cmaps[c];
    uint64_t mask = 0;
    for (uint32_t i = cm->first_term; i < cm->first_term + cm->nterms; i++) {
        if (pol->terms[i].kind == QFP_TERM_CLASSMAP)
            logic_place(pol, lg, pol->terms[i].ref, placed);
        mask |= 1ull << i;
    }
    *placed |= 1ull << c;
    struct qfp_cmap_logic *l = &lg->cmap[lg->ncmaps++];
    l->terms = mask;
    l->cmap = c;
    l->match_all = cm->match_all;
    for (uint32_t i = 0; i < pol->nterms; i++)
        if (pol->terms[i].kind == QFP_TERM_CLASSMAP && pol->terms[i].ref == c)
            l->feeds |= 1ull << i;
}

/* The policy's class logic (qfp_impl.h), or NULL when it has too many terms or class-maps or memory
 * is short: classification then walks the terms, which is always right. */
static struct qfp_class_logic *logic_build(const struct qfp_policy *pol)
{
    if (pol->nterms > QFP_LOGIC_MAX || pol->ncmaps > QFP_LOGIC_MAX)
        return NULL;
    struct qfp_class_logic *lg = calloc(1, sizeof *lg + pol->ncmaps * sizeof lg->cmap[0]);
    if (!lg)
        return NULL;
    for (uint32_t i = 0; i < pol->nterms; i++) {
        const struct qfp_term *t = &pol->terms[i];
        lg->negate |= (uint64_t)t->negate << i;
        if (t->kind == QFP_TERM_ACL)
            lg->acl_terms |= 1ull << i;
        for (uint32_t d = 0; d < 64; d++)
            if (t->kind == QFP_TERM_ANY || (t->kind == QFP_TERM_DSCP && (t->dscp_bits >> d & 1)))
                lg->at_dscp[d] |= 1ull << i;
    }
    uint64_t placed = 0;
    for (uint32_t c = 0; c < pol->ncmaps; c++)
        logic_place(pol, lg, c, &placed);
    return lg;
}

static void policy_free(struct qfp_policy *pol)
{
    if (!pol)
        return;
    free(pol->logic);
    qfp_term_bits_free(pol->term_bits);
    free(pol->classes);
    free(pol->cmaps);
    free(pol->terms);
    free(pol);
}

/* Depth of class-map `cmap`, or a value above QFP_CMAP_DEPTH_MAX when it nests too deep (a cycle
 * nests forever, so this also rejects cycles). */
static uint32_t cmap_depth(const struct qfp_cmap *cmaps, const struct qfp_term *terms, uint32_t cmap,
                           uint32_t depth)
{
    if (depth > QFP_CMAP_DEPTH_MAX)
        return depth;
    uint32_t deepest = depth;
    const struct qfp_cmap *cm = &cmaps[cmap];
    for (uint32_t i = 0; i < cm->nterms; i++) {
        const struct qfp_term *t = &terms[cm->first_term + i];
        if (t->kind == QFP_TERM_CLASSMAP) {
            uint32_t d = cmap_depth(cmaps, terms, t->ref, depth + 1);
            if (d > deepest)
                deepest = d;
            if (deepest > QFP_CMAP_DEPTH_MAX)
                break;
        }
    }
    return deepest;
}

static int check_matches(struct qfp *fp, const struct qfp_cmap *cmaps, uint32_t ncmaps,
                         const struct qfp_term *terms, uint32_t nterms)
{
    for (uint32_t i = 0; i < nterms; i++) {
        const struct qfp_term *t = &terms[i];
        if (t->kind >= QFP_TERM_KIND_COUNT || t->negate > 1)
            return qfp_fail(fp, QFP_EINVAL, "term %u: kind %u, negate %u", i, t->kind, t->negate);
        if (t->kind == QFP_TERM_DSCP && t->dscp_bits == 0)
            return qfp_fail(fp, QFP_EINVAL, "term %u: match dscp with no values", i);
        if (t->kind == QFP_TERM_CLASSMAP && t->ref >= ncmaps)
            return qfp_fail(fp, QFP_EINVAL, "term %u: no class-map %u", i, t->ref);
        if (t->kind == QFP_TERM_ACL && (t->ref >= fp->max_acls || !fp->acls[t->ref].acl))
            return qfp_fail(fp, QFP_ENOENT, "term %u: no ACL in slot %u", i, t->ref);
    }
    for (uint32_t i = 0; i < ncmaps; i++) {
        if (cmaps[i].match_all > 1 || (uint64_t)cmaps[i].first_term + cmaps[i].nterms > nterms)
            return qfp_fail(fp, QFP_EINVAL, "class-map %u: terms outside the term table", i);
    }
    for (uint32_t i = 0; i < ncmaps; i++) {
        if (cmap_depth(cmaps, terms, i, 1) > QFP_CMAP_DEPTH_MAX)
            return qfp_fail(fp, QFP_EINVAL, "class-map %u nests deeper than %d (or in a cycle)", i,
                            QFP_CMAP_DEPTH_MAX);
    }
    return QFP_OK;
}

/* The ranges of a class's queueing words (csrc/qfp.h): what any class may carry, wherever it is. */
static int check_queue_ranges(struct qfp *fp, const struct qfp_class_cfg *c)
{
    if (c->shape_cir && (c->shape_cir < QFP_RATE_MIN || c->shape_cir > QFP_RATE_MAX))
        return qfp_fail(fp, QFP_EINVAL, "class %s: shape rate %llu bit/s is outside %llu..%llu", c->name,
                        (unsigned long long)c->shape_cir, QFP_RATE_MIN, QFP_RATE_MAX);
    uint64_t burst = (uint64_t)c->shape_bc + c->shape_be;
    if (c->shape_cir ? burst < 1 || burst > QFP_BURST_MAX : burst != 0)
        return qfp_fail(fp, QFP_EINVAL, "class %s: shaper bc + be %llu bytes (1..%u, and only with a rate)",
                        c->name, (unsigned long long)burst, QFP_BURST_MAX);
    if (c->priority > 2)
        return qfp_fail(fp, QFP_EINVAL, "class %s: priority level %u is not 1 or 2", c->name, c->priority);
    if (c->priority_rate && (!c->priority || c->priority_rate < QFP_RATE_MIN || c->priority_rate > QFP_RATE_MAX))
        return qfp_fail(fp, QFP_EINVAL, "class %s: priority rate %llu bit/s (%llu..%llu, and only with priority)",
                        c->name, (unsigned long long)c->priority_rate, QFP_RATE_MIN, QFP_RATE_MAX);
    if (c->priority_rate ? c->priority_burst < 1 || c->priority_burst > QFP_BURST_MAX : c->priority_burst != 0)
        return qfp_fail(fp, QFP_EINVAL, "class %s: priority burst %u bytes (1..%u, and only with a rate)",
                        c->name, c->priority_burst, QFP_BURST_MAX);
    if (c->bw_min && (c->bw_min < QFP_RATE_MIN || c->bw_min > QFP_RATE_MAX))
        return qfp_fail(fp, QFP_EINVAL, "class %s: bandwidth %llu bit/s is outside %llu..%llu", c->name,
                        (unsigned long long)c->bw_min, QFP_RATE_MIN, QFP_RATE_MAX);
    if (c->bw_excess > QFP_EXCESS_WEIGHT_MAX)
        return qfp_fail(fp, QFP_EINVAL, "class %s: bandwidth remaining %u is above %d", c->name,
                        c->bw_excess, QFP_EXCESS_WEIGHT_MAX);
    if (c->queue_limit > QFP_QUEUE_LIMIT_MAX)
        return qfp_fail(fp, QFP_EINVAL, "class %s: queue-limit %u packets is above %d", c->name,
                        c->queue_limit, QFP_QUEUE_LIMIT_MAX);
    if (c->priority && (c->bw_min || c->bw_excess))
        return qfp_fail(fp, QFP_EINVAL, "class %s: priority takes no bandwidth or bandwidth remaining",
                        c->name);
    return QFP_OK;
}

static int check_class(struct qfp *fp, const struct qfp_class_cfg *c, uint32_t i, uint32_t nclasses,
                       uint32_t ncmaps)
{
    if (strnlen(c->name, QFP_NAME_MAX) == QFP_NAME_MAX || !c->name[0])
        return qfp_fail(fp, QFP_EINVAL, "class %u: name must be 1..%d bytes", i, QFP_NAME_MAX - 1);
    int is_last = i == nclasses - 1;
    if ((c->cmap == QFP_CMAP_DEFAULT) != is_last)
        return qfp_fail(fp, QFP_EINVAL, "class %s: class-default must be last, and only it", c->name);
    if (!is_last && c->cmap >= ncmaps)
        return qfp_fail(fp, QFP_EINVAL, "class %s: no class-map %u", c->name, c->cmap);
    if (c->set_kind > QFP_SET_PREC || (c->set_kind == QFP_SET_NONE && c->set_value) ||
        (c->set_kind == QFP_SET_DSCP && c->set_value > 63) ||
        (c->set_kind == QFP_SET_PREC && c->set_value > 7))
        return qfp_fail(fp, QFP_EINVAL, "class %s: set kind %u value %u", c->name, c->set_kind,
                        c->set_value);
    if (c->child != QFP_POLICY_NONE &&
        (c->child < 0 || (uint32_t)c->child >= fp->max_policies || !fp->policies[c->child]))
        return qfp_fail(fp, QFP_ENOENT, "class %s: no child policy with handle %d", c->name, c->child);
    return check_queue_ranges(fp, c);
}

static int has_queue_action(const struct qfp_class_cfg *c)
{
    return c->queue_limit || c->shape_cir || c->priority || c->bw_min || c->bw_excess;
}

/* Each class's part in the scheduler (docs/fastpath.md, "The tree"), and the checks that need it:
 * queue_limit is non-zero exactly for queues, priority is a queue's, and the classes with no
 * queueing action of their own have a queue to share. Children are built already. */
static int queue_roles(struct qfp *fp, struct qfp_policy *pol)
{
    for (uint32_t i = 0; i < pol->nclasses; i++) {
        const struct qfp_pclass *c = &pol->classes[i];
        if (has_queue_action(&c->cfg) || (c->child && c->child->queues))
            pol->queues = 1;
    }
    const uint32_t last = pol->nclasses - 1;
    int shared = 0;
    for (uint32_t i = 0; i < pol->nclasses; i++) {
        struct qfp_pclass *c = &pol->classes[i];
        const struct qfp_class_cfg *cfg = &c->cfg;
        if (!pol->queues)
            c->q.role = QFP_QROLE_NONE;
        else if (c->child && c->child->queues)
            c->q.role = QFP_QROLE_INNER;
        else if (has_queue_action(cfg) || i == last)
            c->q.role = QFP_QROLE_QUEUE;
        else
            c->q.role = QFP_QROLE_SHARED, shared = 1;
        if (c->q.role == QFP_QROLE_QUEUE && !cfg->queue_limit)
            return qfp_fail(fp, QFP_EINVAL, "class %s: a queue needs a queue-limit (packets)", cfg->name);
        if (c->q.role == QFP_QROLE_INNER && cfg->queue_limit)
            return qfp_fail(fp, QFP_EINVAL, "class %s: its child policy queues, so it has no queue-limit",
                            cfg->name);
        if (c->q.role == QFP_QROLE_INNER && cfg->priority)
            return qfp_fail(fp, QFP_EINVAL, "class %s: priority belongs to a queue, and its child policy queues",
                            cfg->name);
    }
    if (shared && pol->classes[last].q.role != QFP_QROLE_QUEUE)
        return qfp_fail(fp, QFP_EINVAL,
                        "class %s: classes with no queueing action share its queue, but its child policy queues",
                        pol->classes[last].cfg.name);
    return QFP_OK;
}

/* Builds the policy from checked parts; states are laid out depth-first: a class, then its child's. */
static int policy_build(struct qfp *fp, const char *name, uint32_t policy_id,
                        const struct qfp_class_cfg *classes, uint32_t nclasses,
                        const struct qfp_cmap *cmaps, uint32_t ncmaps,
                        const struct qfp_term *terms, uint32_t nterms, struct qfp_policy **out)
{
    struct qfp_policy *pol = calloc(1, sizeof *pol);
    if (!pol)
        return qfp_fail(fp, QFP_ENOMEM, "no memory for policy %s", name);
    pol->classes = calloc(nclasses, sizeof *pol->classes);
    pol->cmaps = calloc(ncmaps ? ncmaps : 1, sizeof *pol->cmaps);
    pol->terms = calloc(nterms ? nterms : 1, sizeof *pol->terms);
    if (!pol->classes || !pol->cmaps || !pol->terms) {
        policy_free(pol);
        return qfp_fail(fp, QFP_ENOMEM, "no memory for policy %s", name);
    }
    memcpy(pol->name, name, strlen(name) + 1);
    pol->policy_id = policy_id;
    pol->nclasses = nclasses;
    pol->ncmaps = ncmaps;
    pol->nterms = nterms;
    if (ncmaps)
        memcpy(pol->cmaps, cmaps, ncmaps * sizeof *cmaps);
    if (nterms)
        memcpy(pol->terms, terms, nterms * sizeof *terms);
    pol->depth = 1;

    uint32_t state = 0;
    for (uint32_t i = 0; i < nclasses; i++) {
        struct qfp_pclass *c = &pol->classes[i];
        c->cfg = classes[i];
        c->state = state++;
        c->set_dscp = c->cfg.set_kind == QFP_SET_DSCP   ? (int16_t)c->cfg.set_value
                      : c->cfg.set_kind == QFP_SET_PREC ? (int16_t)(c->cfg.set_value << 3)
                                                        : -1;
        int has_police = c->cfg.hw_policer[0] || c->cfg.hw_policer[1] || c->cfg.hw_policer[2] ||
                         c->cfg.hw_policer[3] || c->cfg.police_info;
        if (has_police) {
            int rc = qfp_police_profile(fp, &c->cfg, &c->police);
            if (rc != QFP_OK) {
                policy_free(pol);
                return rc;
            }
            c->has_police = 1;
        }
        if (c->cfg.child != QFP_POLICY_NONE) {
            c->child = fp->policies[c->cfg.child];
            state += c->child->nstates;
            if (c->child->depth + 1 > pol->depth)
                pol->depth = c->child->depth + 1;
        }
    }
    pol->nstates = state;
    if (pol->depth > QFP_POLICY_DEPTH_MAX) {
        policy_free(pol);
        return qfp_fail(fp, QFP_EINVAL, "policy %s: hierarchy deeper than %d levels", name,
                        QFP_POLICY_DEPTH_MAX);
    }
    int rc = queue_roles(fp, pol);
    if (rc == QFP_OK)
        rc = qfp_queue_compile(fp, pol);
    if (rc != QFP_OK) {
        policy_free(pol);
        return rc;
    }
    *out = pol;
    return QFP_OK;
}

int qfp_policy_create(struct qfp *fp, const char *name, uint32_t policy_id,
                      const struct qfp_class_cfg *classes, uint32_t nclasses,
                      const struct qfp_cmap *cmaps, uint32_t ncmaps,
                      const struct qfp_term *terms, uint32_t nterms, int32_t *handle_out)
{
    qfp_ctl_lock(fp);
    int rc = QFP_OK;
    size_t len = strnlen(name, QFP_NAME_MAX);
    if (len == 0 || len == QFP_NAME_MAX)
        rc = qfp_fail(fp, QFP_EINVAL, "policy name must be 1..%d bytes", QFP_NAME_MAX - 1);
    else if (nclasses == 0 || nclasses > QFP_CLASSES_MAX)
        rc = qfp_fail(fp, QFP_EINVAL, "policy %s: %u classes, not 1..%d", name, nclasses,
                      QFP_CLASSES_MAX);
    else if (nterms > QFP_TERMS_MAX || ncmaps > QFP_TERMS_MAX)
        rc = qfp_fail(fp, QFP_EINVAL, "policy %s: more than %d terms or class-maps", name,
                      QFP_TERMS_MAX);
    if (rc == QFP_OK)
        rc = check_matches(fp, cmaps, ncmaps, terms, nterms);
    for (uint32_t i = 0; rc == QFP_OK && i < nclasses; i++)
        rc = check_class(fp, &classes[i], i, nclasses, ncmaps);
    int32_t handle = 0;
    while (rc == QFP_OK && (uint32_t)handle < fp->max_policies && fp->policies[handle])
        handle++;
    if (rc == QFP_OK && (uint32_t)handle == fp->max_policies)
        rc = qfp_fail(fp, QFP_EFULL, "all %u policy handles are in use", fp->max_policies);
    struct qfp_policy *pol = NULL;
    if (rc == QFP_OK)
        rc = policy_build(fp, name, policy_id, classes, nclasses, cmaps, ncmaps, terms, nterms, &pol);
    if (rc == QFP_OK) {
        /* Take the references it holds: its ACLs and its children. No batch sees a new policy
         * until a bind publishes it, so the gate stays open. */
        for (uint32_t i = 0; i < nterms; i++)
            if (terms[i].kind == QFP_TERM_ACL)
                fp->acls[terms[i].ref].refs++;
        for (uint32_t i = 0; i < nclasses; i++)
            if (pol->classes[i].child)
                fp->policies[classes[i].child]->refs++;
        pol->term_bits = qfp_term_bits_build(fp, pol, -1, NULL);
        pol->logic = logic_build(pol);
        pol->handle = handle;
        fp->policies[handle] = pol;
        *handle_out = handle;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

/* Drops one reference; called with ctl_lock held. Policies are freed only by qfp_policy_delete. */
void qfp_policy_unref(struct qfp *fp, const struct qfp_policy *policy)
{
    fp->policies[policy->handle]->refs--;
}

static void policy_release(struct qfp *fp, struct qfp_policy *pol)
{
    for (uint32_t i = 0; i < pol->nterms; i++)
        if (pol->terms[i].kind == QFP_TERM_ACL)
            qfp_acl_unref(fp, (int32_t)pol->terms[i].ref);
    for (uint32_t i = 0; i < pol->nclasses; i++)
        if (pol->classes[i].child)
            qfp_policy_unref(fp, pol->classes[i].child);
}

int qfp_policy_delete(struct qfp *fp, int32_t handle)
{
    qfp_ctl_lock(fp);
    qfp_reclaim(fp, 1);   /* targets a bind replaced hold references until batches let them go */
    int rc = QFP_OK;
    if (handle < 0 || (uint32_t)handle >= fp->max_policies || !fp->policies[handle])
        rc = qfp_fail(fp, QFP_ENOENT, "no policy with handle %d", handle);
    else if (fp->policies[handle]->refs)
        rc = qfp_fail(fp, QFP_EBUSY, "policy %s is used by %u targets and parent policies",
                      fp->policies[handle]->name, fp->policies[handle]->refs);
    if (rc == QFP_OK) {
        /* Unreferenced, so no target and no batch can reach it: free without closing the gate. */
        struct qfp_policy *pol = fp->policies[handle];
        policy_release(fp, pol);
        fp->policies[handle] = NULL;
        policy_free(pol);
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_policy_info(struct qfp *fp, int32_t handle, struct qfp_policy_info *out)
{
    qfp_ctl_lock(fp);
    qfp_reclaim(fp, 1);   /* so that `refs` counts no replaced target */
    int rc = QFP_OK;
    if (handle < 0 || (uint32_t)handle >= fp->max_policies || !fp->policies[handle]) {
        rc = qfp_fail(fp, QFP_ENOENT, "no policy with handle %d", handle);
    } else {
        const struct qfp_policy *pol = fp->policies[handle];
        memset(out, 0, sizeof *out);
        memcpy(out->name, pol->name, QFP_NAME_MAX);
        out->policy_id = pol->policy_id;
        out->nclasses = pol->nclasses;
        out->ncmaps = pol->ncmaps;
        out->nterms = pol->nterms;
        out->depth = pol->depth;
        out->nstates = pol->nstates;
        out->refs = pol->refs;
    }
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_policy_class(struct qfp *fp, int32_t handle, uint32_t index, struct qfp_class_cfg *out)
{
    qfp_ctl_lock(fp);
    int rc = QFP_OK;
    if (handle < 0 || (uint32_t)handle >= fp->max_policies || !fp->policies[handle])
        rc = qfp_fail(fp, QFP_ENOENT, "no policy with handle %d", handle);
    else if (index >= fp->policies[handle]->nclasses)
        rc = qfp_fail(fp, QFP_ENOENT, "policy %s has no class %u", fp->policies[handle]->name, index);
    else
        *out = fp->policies[handle]->classes[index].cfg;
    qfp_ctl_unlock(fp);
    return rc;
}

void qfp_policy_free_all(struct qfp *fp)
{
    for (uint32_t i = 0; i < fp->max_policies; i++) {
        policy_free(fp->policies[i]);
        fp->policies[i] = NULL;
    }
}
