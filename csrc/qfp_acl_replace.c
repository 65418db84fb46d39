/*
 * qfp_acl_replace.c - replacing an ACL in place. Policies whose access-group terms name the slot
 * answer those terms from bits built over its ACEs (qfp_policy.c), so the new ACL and their new
 * bits are built first and published together in one epoch, as a bind publishes targets
 * (qfp_ctl.c, "locking"): no batch waits, a batch that began before sees the old ACL and the old
 * bits to its end, and they are freed once no such batch is left. It sits above both ACLs and
 * policies, which know nothing of each other's changes.
 */
#include <stddef.h>
#include <stdlib.h>

#include "qfp_impl.h"

static void acl_release(struct qfp *fp, struct qfp_retired *r)
{
    (void)fp;
    qfp_acl_free((struct qfp_acl *)((char *)r - offsetof(struct qfp_acl, retired)));
}

static void term_bits_release(struct qfp *fp, struct qfp_retired *r)
{
    (void)fp;
    qfp_term_bits_free((struct qfp_term_bits *)((char *)r - offsetof(struct qfp_term_bits, retired)));
}

static int policy_names_acl(const struct qfp_policy *pol, uint32_t slot)
{
    for (uint32_t i = 0; i < pol->nterms; i++)
        if (pol->terms[i].kind == QFP_TERM_ACL && pol->terms[i].ref == slot)
            return 1;
    return 0;
}

/* A slot keeps its family: the targets and policies that name it were bound to it as one. */
static int acl_replace(struct qfp *fp, uint32_t slot, uint32_t family, const void *aces, uint32_t naces,
                       const uint64_t *hits)
{
    qfp_ctl_lock(fp);
    struct qfp_acl *acl = NULL;
    int rc = qfp_acl_slot_check(fp, slot);
    if (rc == QFP_OK && fp->acls[slot].acl->family != family)
        rc = qfp_fail(fp, QFP_EINVAL, "ACL slot %u holds an IPv%u ACL: it cannot take IPv%u ACEs", slot,
                      fp->acls[slot].acl->family, family);
    if (rc == QFP_OK)
        rc = qfp_acl_build(fp, family, aces, naces, hits, fp->acls[slot].acl, &acl);
    struct qfp_term_bits **bits = NULL;
    if (rc == QFP_OK && fp->acls[slot].refs) {
        /* The policies whose access-group terms name this ACL answer them from bits built over
         * its ACEs: build their new bits now, publish them with the ACL. */
        bits = calloc(fp->max_policies, sizeof *bits);
        if (!bits) {
            qfp_acl_free(acl);
            rc = qfp_fail(fp, QFP_ENOMEM, "no memory to replace ACL slot %u", slot);
        }
    }
    if (rc == QFP_OK) {
        for (uint32_t h = 0; bits && h < fp->max_policies; h++) {
            const struct qfp_policy *pol = fp->policies[h];
            if (pol && pol->term_bits && policy_names_acl(pol, slot))
                bits[h] = qfp_term_bits_build(fp, pol, (int32_t)slot, acl);
        }
        struct qfp_acl *old = fp->acls[slot].acl;
        const uint64_t born = atomic_load(&fp->epoch) + 1;
        acl->born = born;
        acl->prev = old;
        __atomic_store_n(&fp->acls[slot].acl, acl, __ATOMIC_RELEASE);
        qfp_retire(fp, &old->retired, born, acl_release);
        for (uint32_t h = 0; bits && h < fp->max_policies; h++) {
            struct qfp_policy *pol = fp->policies[h];
            if (pol && pol->term_bits && policy_names_acl(pol, slot)) {
                struct qfp_term_bits *previous = pol->term_bits;
                if (bits[h]) {   /* else (over QFP_TERM_BITS_MAX, or no memory) its terms look up */
                    bits[h]->born = born;
                    bits[h]->prev = previous;
                }
                __atomic_store_n(&pol->term_bits, bits[h], __ATOMIC_RELEASE);
                qfp_retire(fp, &previous->retired, born, term_bits_release);
            }
        }
        atomic_store(&fp->epoch, born);
        qfp_reclaim(fp, 0);
    }
    free(bits);
    qfp_ctl_unlock(fp);
    return rc;
}

int qfp_acl_replace(struct qfp *fp, uint32_t slot, const struct qfp_ace *aces, uint32_t naces,
                    const uint64_t *hits)
{
    return acl_replace(fp, slot, QFP_FAMILY_IPV4, aces, naces, hits);
}

int qfp_acl_replace6(struct qfp *fp, uint32_t slot, const struct qfp_ace6 *aces, uint32_t naces,
                     const uint64_t *hits)
{
    return acl_replace(fp, slot, QFP_FAMILY_IPV6, aces, naces, hits);
}
