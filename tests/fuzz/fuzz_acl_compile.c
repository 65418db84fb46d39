/*
 * fuzz_acl_compile.c - libFuzzer target for the ACL compiler and lookups (qfp_acl*.c), built with
 * clang's -fsanitize=fuzzer,address,undefined over every fast-path source by tests/fuzz/run.
 *
 * Input: a byte of ACE count, a byte of bit-vector head (bits 0-5) and family (bit 6: IPv6), then
 * that many raw struct qfp_ace or struct qfp_ace6 records, then raw struct qfp_pkt records, whose
 * fields the lookups trust (direction, fragment, DSCP, family) are folded into their range: callers
 * pass only batches qfp_batch_check() accepts. An IPv4 ACE's extra conditions (ttl, tos, TCP
 * flags) come raw: ace_check must refuse them malformed, or without QFP_ACE_EXTRA. The compiler must refuse malformed ACEs with a
 * status, never crash; an ACL it accepts must first-match every packet the same way under every
 * lookup method (the scan is the plain reading of the list, the others are indexes over it), and
 * as a tree edited into it (qfp_acl_index_edit) from the list without one ACE.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qfp.h"

enum { NACES_MAX = 300, NPKTS_MAX = 64 };

static int acl_create(struct qfp *fp, int ipv6, const void *aces, uint32_t naces, uint32_t *slot)
{
    return ipv6 ? qfp_acl_create6(fp, aces, naces, NULL, slot) : qfp_acl_create(fp, aces, naces, NULL, slot);
}

/* The ACL built as a tree (or a hybrid with bit vectors over `head` ACEs) without ACE `gone`, then
 * replaced by the whole list: an edit that inserts it. Its answers must be the scan's of the whole
 * list. */
static void check_edit(int ipv6, uint32_t method, uint32_t head, const void *aces, uint32_t naces,
                       size_t ace_size, uint32_t gone, const struct qfp_pkt *pkts, size_t npkts,
                       const uint32_t *want)
{
    struct qfp *fp;
    if (qfp_create(4, 4, 4, &fp) != QFP_OK)
        abort();
    qfp_set_acl_method(fp, method, head);
    char *without = malloc((size_t)naces * ace_size);
    memcpy(without, aces, (size_t)gone * ace_size);
    memcpy(without + (size_t)gone * ace_size, (const char *)aces + (size_t)(gone + 1) * ace_size,
           (size_t)(naces - gone - 1) * ace_size);
    uint32_t slot, got[NPKTS_MAX];
    struct qfp_acl_stats st;
    if (acl_create(fp, ipv6, without, naces - 1, &slot) != QFP_OK ||
        (ipv6 ? qfp_acl_replace6(fp, slot, aces, naces, NULL) : qfp_acl_replace(fp, slot, aces, naces, NULL)) != QFP_OK ||
        qfp_acl_stats(fp, slot, &st) != QFP_OK || st.method != method || st.edits != 1)
        abort();
    qfp_acl_classify(fp, slot, pkts, got, npkts);
    if (memcmp(got, want, npkts * sizeof got[0]))
        abort();
    free(without);
    qfp_destroy(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t naces = (uint32_t)data[0] * NACES_MAX / 256;
    const uint32_t head = data[1] % 64;
    const int ipv6 = data[1] & 64;
    const size_t ace_size = ipv6 ? sizeof(struct qfp_ace6) : sizeof(struct qfp_ace);
    data += 2;
    size -= 2;
    if ((size_t)naces * ace_size > size)
        naces = (uint32_t)(size / ace_size);
    void *aces = calloc(naces ? naces : 1, ace_size);
    memcpy(aces, data, (size_t)naces * ace_size);
    /* An IPv4 ACE's padding must be zero (tests/test_acl_extra.py holds ace_check to that); zeroed
     * here, random records reach the extra conditions' checks and lookups 2^96 times as often. */
    for (uint32_t i = 0; !ipv6 && i < naces; i++)
        memset(((struct qfp_ace *)aces)[i].pad, 0, sizeof ((struct qfp_ace *)aces)[i].pad);
    data += (size_t)naces * ace_size;
    size -= (size_t)naces * ace_size;
    size_t npkts = size / sizeof(struct qfp_pkt);
    if (npkts > NPKTS_MAX)
        npkts = NPKTS_MAX;
    struct qfp_pkt pkts[NPKTS_MAX];
    memcpy(pkts, data, npkts * sizeof pkts[0]);
    for (size_t i = 0; i < npkts; i++) {
        pkts[i].dir %= QFP_DIR_COUNT;
        pkts[i].frag %= QFP_FRAG_COUNT;
        pkts[i].dscp &= 63;
        pkts[i].family = pkts[i].family & 1 ? QFP_FAMILY_IPV6 : QFP_FAMILY_IPV4;
    }
    size_t bad;
    if (qfp_batch_check(pkts, npkts, &bad) != QFP_OK)
        abort();

    uint32_t want[NPKTS_MAX], got[NPKTS_MAX];
    static const uint32_t methods[] = {QFP_ACL_SCAN, QFP_ACL_BITVEC, QFP_ACL_TREE, QFP_ACL_HYBRID};
    int accepted = -1;
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        struct qfp *fp;
        if (qfp_create(4, 4, 4, &fp) != QFP_OK)
            abort();
        uint32_t slot;
        qfp_set_acl_method(fp, methods[m], head);
        int rc = acl_create(fp, ipv6, aces, naces, &slot);
        if (accepted < 0)
            accepted = rc == QFP_OK;
        if ((rc == QFP_OK) != accepted)   /* whether an ACL is well formed is not the method's call */
            abort();
        if (rc == QFP_OK && npkts) {
            qfp_acl_classify(fp, slot, pkts, m ? got : want, npkts);
            if (m && memcmp(got, want, npkts * sizeof got[0]))
                abort();
        }
        qfp_destroy(fp);
    }
    if (accepted == 1 && naces >= 2 && npkts) {
        check_edit(ipv6, QFP_ACL_TREE, 0, aces, naces, ace_size, head % naces, pkts, npkts, want);
        if (!ipv6 && head && naces - 1 > head)   /* a hybrid keeps a tree after its head */
            check_edit(ipv6, QFP_ACL_HYBRID, head, aces, naces, ace_size, (head * 7) % naces, pkts, npkts, want);
    }
    free(aces);
    return 0;
}
