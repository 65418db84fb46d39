/*
 * fuzz_acl_compile.c - libFuzzer target for the ACL compiler and lookups (qfp_acl*.c), built with
 * clang's -fsanitize=fuzzer,address,undefined over every fast-path source by tests/fuzz/run.
 *
 * Input: a byte of ACE count and bit-vector head, then that many raw struct qfp_ace records, then
 * raw struct qfp_pkt records. The compiler must refuse malformed ACEs with a status, never crash;
 * an ACL it accepts must first-match every packet the same way under every lookup method (the
 * scan is the plain reading of the list, the others are indexes over it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qfp.h"

enum { NACES_MAX = 300, NPKTS_MAX = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t naces = (uint32_t)data[0] * NACES_MAX / 256;
    const uint32_t head = data[1] % 64;
    data += 2;
    size -= 2;
    if ((size_t)naces * sizeof(struct qfp_ace) > size)
        naces = (uint32_t)(size / sizeof(struct qfp_ace));
    struct qfp_ace *aces = calloc(naces ? naces : 1, sizeof *aces);
    memcpy(aces, data, (size_t)naces * sizeof *aces);
    data += (size_t)naces * sizeof *aces;
    size -= (size_t)naces * sizeof *aces;
    size_t npkts = size / sizeof(struct qfp_pkt);
    if (npkts > NPKTS_MAX)
        npkts = NPKTS_MAX;
    struct qfp_pkt pkts[NPKTS_MAX];
    memcpy(pkts, data, npkts * sizeof pkts[0]);

    uint32_t want[NPKTS_MAX], got[NPKTS_MAX];
    static const uint32_t methods[] = {QFP_ACL_SCAN, QFP_ACL_BITVEC, QFP_ACL_TREE, QFP_ACL_HYBRID};
    int accepted = -1;
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        struct qfp *fp;
        if (qfp_create(4, 4, 4, &fp) != QFP_OK)
            abort();
        uint32_t slot;
        qfp_set_acl_method(fp, methods[m], head);
        int rc = qfp_acl_create(fp, aces, naces, NULL, &slot);
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
    free(aces);
    return 0;
}
