/*
 * qfp_path_portable.c - the per-packet path (qfp_path.h) in plain C, for every CPU: the path the
 * others are tested against, and the one a CPU without AVX2 runs.
 */
#define QFP_PATH_SIMD QFP_ISA_PORTABLE
#define QFP_PATH(name) qfp_##name##_portable
#include "qfp_path.h"
