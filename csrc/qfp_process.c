/*
 * qfp_process.c - a batch's way in: its checks, its counter shard, the gate, and the choice of the
 * per-packet path (qfp_path.h) compiled for the widest instruction set this CPU has.
 */
#include "qfp_impl.h"

int qfp_batch_check(const struct qfp_pkt *pkts, size_t n, size_t *bad_out)
{
    for (size_t i = 0; i < n; i++) {
        const struct qfp_pkt *p = &pkts[i];
        if (p->dir >= QFP_DIR_COUNT || p->frag >= QFP_FRAG_COUNT || p->dscp > 63 ||
            (p->family != QFP_FAMILY_IPV4 && p->family != QFP_FAMILY_IPV6)) {
            *bad_out = i;
            return QFP_EINVAL;
        }
    }
    return QFP_OK;
}

uint32_t qfp_thread_shard(void)
{
    static atomic_uint next_shard;
    static _Thread_local uint32_t shard = UINT32_MAX;
    if (shard == UINT32_MAX) {
        uint32_t n = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed);
        shard = n < QFP_COUNTER_SHARED ? n : QFP_COUNTER_SHARED;
    }
    return shard;
}

/* The per-packet path built for each instruction set (qfp_path_*.c); fp->simd never names one
 * this CPU lacks (qfp_set_simd), nor one this build has no path for (qfp_simd_best). */
static const struct {
    void (*process)(struct qfp *, const struct qfp_pkt *, struct qfp_verdict *, size_t, uint32_t, uint64_t);
    void (*acl_classify)(const struct qfp_acl *, const struct qfp_pkt *, uint32_t *, size_t);
} paths[] = {
    [QFP_SIMD_PORTABLE] = {qfp_process_portable, qfp_acl_classify_portable},
#if QFP_X86_64
    [QFP_SIMD_AVX2] = {qfp_process_avx2, qfp_acl_classify_avx2},
    [QFP_SIMD_AVX512] = {qfp_process_avx512, qfp_acl_classify_avx512},
#endif
};

int qfp_process(struct qfp *fp, const struct qfp_pkt *pkts, struct qfp_verdict *verdicts, size_t n)
{
    const uint32_t shard = qfp_thread_shard();
    const uint64_t epoch = qfp_gate_enter(fp);
    paths[fp->simd].process(fp, pkts, verdicts, n, shard, epoch);
    qfp_gate_exit(fp, epoch);
    return QFP_OK;
}

int qfp_acl_classify(struct qfp *fp, uint32_t slot, const struct qfp_pkt *pkts, uint32_t *ace_out,
                     size_t n)
{
    /* The slot is checked under the control lock, and the batch gate entered before it is let go:
     * a writer that deletes the ACL then waits for this batch, and one that replaces it frees the
     * ACL read here only after this batch has left (qfp_acl_replace.c). */
    qfp_ctl_lock(fp);
    if (slot >= fp->max_acls || !fp->acls[slot].acl) {
        int rc = qfp_fail(fp, QFP_ENOENT, "no ACL in slot %u", slot);
        qfp_ctl_unlock(fp);
        return rc;
    }
    const struct qfp_acl *acl = fp->acls[slot].acl;
    const uint64_t epoch = qfp_gate_enter(fp);
    qfp_ctl_unlock(fp);
    paths[fp->simd].acl_classify(acl, pkts, ace_out, n);
    qfp_gate_exit(fp, epoch);
    return QFP_OK;
}

/* ---- instruction sets ------------------------------------------------------------------------------ */
uint32_t qfp_simd_best(void)
{
#if QFP_X86_64
    /* __builtin_cpu_supports also asks whether the OS saves the vector registers (XGETBV). */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("bmi2"))
        return QFP_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2"))
        return QFP_SIMD_AVX2;
#endif
    return QFP_SIMD_PORTABLE;
}

int qfp_set_simd(struct qfp *fp, uint32_t level)
{
    qfp_ctl_lock(fp);
    int rc = QFP_OK;
    if (level > qfp_simd_best())
        rc = qfp_fail(fp, QFP_EINVAL, "instruction set %u is beyond this CPU's (%u)", level, qfp_simd_best());
    else
        fp->simd = level;   /* read once per batch: a batch runs wholly on one path */
    qfp_ctl_unlock(fp);
    return rc;
}

uint32_t qfp_simd_level(const struct qfp *fp)
{
    return fp->simd;
}
